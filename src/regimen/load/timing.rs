//! Timing of supportive care against the cytotoxic days of a regimen, as
//! the loader checks it (issue 17).
//!
//! Owns: which drugs are granulocyte colony-stimulating factors (G-CSF),
//! short- or long-acting, and the label rules for their days: filgrastim and
//! the other daily G-CSFs are not given in the 24 hours before through the
//! 24 hours after cytotoxic chemotherapy (Neupogen (filgrastim) US
//! prescribing information, dosage [R138]); pegfilgrastim and the other
//! long-acting G-CSFs not between 14 days before and 24 hours after it
//! (Neulasta (pegfilgrastim) US prescribing information, dosage [R139]). Days are whole days: a
//! cytotoxic drug given on day `c` whose infusion lasts `h` hours runs
//! until day `c + h / 24` (whole days), so a 24-hour trabectedin infusion
//! started on day 1 rules out day 2 as well; a G-CSF day after that is
//! taken as 24 hours after (the Hensley gemcitabine/docetaxel schedule gives
//! filgrastim on day 9 after docetaxel on day 8). The next cycle's
//! cytotoxic days count too.
//! Also owns the premedication rule: a drug marked `premedicates` is given
//! before the drug it names, so on each of that drug's days or the day
//! before (trabectedin's dexamethasone 30 minutes before each dose [R109];
//! docetaxel's dexamethasone from the day before [R101]).
//! Never does: judge a drug that is not a G-CSF or a premedication, or move
//! a day.

use super::drug::infusion_minutes;
use crate::regimen::{CycleRange, Drug, Role};

/// The daily (short-acting) G-CSFs.
const DAILY_GCSF: [&str; 4] = [
    "filgrastim",
    "tbo-filgrastim",
    "lenograstim",
    "sargramostim",
];

/// The long-acting G-CSFs, given once per cycle.
const LONG_ACTING_GCSF: [&str; 4] = [
    "pegfilgrastim",
    "lipegfilgrastim",
    "eflapegrastim",
    "efbemalenograstim alfa",
];

/// A G-CSF day against a cytotoxic dose that the labels forbid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TimingConflict {
    /// The G-CSF.
    pub gcsf: String,
    /// Its day in the cycle.
    pub day: u32,
    /// The cytotoxic drug.
    pub cytotoxic: String,
    /// The day that drug is given, counted from day 1 of the same cycle
    /// (above the cycle length: in the next cycle).
    pub cytotoxic_day: u32,
    /// What the label says.
    pub rule: &'static str,
}

/// The G-CSF days of `drugs` that the labels forbid, in a cycle of
/// `cycle_days` days.
pub(super) fn gcsf_conflicts(drugs: &[Drug], cycle_days: u32) -> Vec<TimingConflict> {
    let mut found = Vec::new();
    for g in drugs {
        let long_acting = LONG_ACTING_GCSF.contains(&g.name.as_str());
        if !long_acting && !DAILY_GCSF.contains(&g.name.as_str()) {
            continue;
        }
        for c in drugs.iter().filter(|d| d.role == Role::Antineoplastic) {
            if !overlap(g.cycles, c.cycles) {
                continue;
            }
            // Whole days the infusion runs past its start day.
            let runs = c
                .infusion
                .as_deref()
                .and_then(infusion_minutes)
                .map_or(0, |m| (m / (24.0 * 60.0)).floor() as u32);
            for &day in &g.days {
                let this_and_next = c.days.iter().flat_map(|&d| [d, d + cycle_days]);
                for start in this_and_next {
                    let end = start + runs;
                    let rule = if (start..=end).contains(&day) {
                        Some(if long_acting {
                            "pegfilgrastim label: not between 14 days before and 24 hours after cytotoxic chemotherapy [R139]"
                        } else {
                            "filgrastim label: not in the 24 hours before through the 24 hours after cytotoxic chemotherapy [R138]"
                        })
                    } else if long_acting && start > day && start - day < 14 {
                        Some(
                            "pegfilgrastim label: not between 14 days before and 24 hours after cytotoxic chemotherapy [R139]",
                        )
                    } else {
                        None
                    };
                    if let Some(rule) = rule {
                        found.push(TimingConflict {
                            gcsf: g.name.clone(),
                            day,
                            cytotoxic: c.name.clone(),
                            cytotoxic_day: start,
                            rule,
                        });
                    }
                }
            }
        }
    }
    found
}

/// Whether two drugs' cycle ranges share a cycle (a drug without a range is
/// given in every cycle).
fn overlap(a: Option<CycleRange>, b: Option<CycleRange>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a.first.max(b.first) <= a.last.unwrap_or(u32::MAX).min(b.last.unwrap_or(u32::MAX))
        }
        _ => true,
    }
}

/// Why a premedication does not come before the drug it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PremedicationProblem {
    /// Only a drug whose role is `premedication` premedicates.
    NotAPremedication,
    /// The drug named is not one of the regimen's, or is the premedication itself.
    UnknownDrug,
    /// A day of the drug with no premedication that day or the day before.
    DayWithout {
        /// The day of the drug premedicated.
        day: u32,
    },
}

/// The problems of drug `p`'s `premedicates` among `drugs`.
pub(super) fn premedication_problems(p: &Drug, drugs: &[Drug]) -> Vec<PremedicationProblem> {
    let Some(target) = &p.premedicates else {
        return Vec::new();
    };
    if p.role != Role::Premedication {
        return vec![PremedicationProblem::NotAPremedication];
    }
    let Some(t) = drugs.iter().find(|d| d.name == *target && d.name != p.name) else {
        return vec![PremedicationProblem::UnknownDrug];
    };
    t.days
        .iter()
        .filter(|&&day| !p.days.iter().any(|&d| d == day || d + 1 == day))
        .map(|&day| PremedicationProblem::DayWithout { day })
        .collect()
}
