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
//! And the times within a day of supportive care and premedication
//! (`times`, `times_a_day`): mesna 20 % at 0, 4 and 8 hours of ifosfamide
//! (mesna US prescribing information 2.1 [R132]); a premedication's times
//! come before the drug it names.
//! Never does: judge a drug that is not a G-CSF or a premedication, or move
//! a day.

use toml::Spanned;

use super::Validator;
use super::drug::infusion_minutes;
use crate::regimen::file::DrugFile;
use crate::regimen::{CycleRange, Drug, Role, Timing};

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
pub(crate) struct TimingConflict {
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
pub(crate) fn gcsf_conflicts(drugs: &[Drug], cycle_days: u32) -> Vec<TimingConflict> {
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
    /// A day counted from the drug (`relative_days`) past the cycle's end,
    /// into the next cycle.
    BeyondCycle {
        /// The day of the drug premedicated.
        day: u32,
        /// The offset that passes the end.
        offset: i32,
    },
}

/// The problems of drug `p`'s `premedicates` among `drugs`, in a cycle of
/// `cycle_days` days where the cycle is known.
pub(super) fn premedication_problems(
    p: &Drug,
    drugs: &[Drug],
    cycle_days: Option<u32>,
) -> Vec<PremedicationProblem> {
    let Some(target) = &p.premedicates else {
        return Vec::new();
    };
    if p.role != Role::Premedication {
        return vec![PremedicationProblem::NotAPremedication];
    }
    let Some(t) = drugs.iter().find(|d| d.name == *target && d.name != p.name) else {
        return vec![PremedicationProblem::UnknownDrug];
    };
    if !p.relative_days.is_empty() {
        // From the day of the drug or before (the loader checks the first
        // offset); none past the cycle's last day.
        let last = cycle_days.map_or(i64::MAX, i64::from);
        return t
            .days
            .iter()
            .flat_map(|&day| p.relative_days.iter().map(move |&offset| (day, offset)))
            .filter(|&(day, offset)| i64::from(day) + i64::from(offset) > last)
            .map(|(day, offset)| PremedicationProblem::BeyondCycle { day, offset })
            .collect();
    }
    t.days
        .iter()
        .filter(|&&day| !p.days.iter().any(|&d| d == day || d + 1 == day))
        .map(|&day| PremedicationProblem::DayWithout { day })
        .collect()
}

/// The most doses of one drug in a day that a file may time.
const MAX_TIMES: usize = 12;

/// The furthest a time may be from the drug it goes with: a day.
const MAX_OFFSET_MINUTES: i32 = 24 * 60;

/// A time from the start of another drug's dose: `0 h`, `+4 h`, `-30 min`,
/// `+1.5 h`; whole minutes within a day either side.
pub(super) fn time_offset(s: &str) -> Option<i32> {
    let t = s.trim().to_lowercase();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, t.strip_prefix('+').unwrap_or(&t)),
    };
    let split = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, unit) = rest.split_at(split);
    let per = match unit.trim() {
        "min" | "minutes" => 1.0,
        "h" | "hours" | "hour" => 60.0,
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    let minutes = sign * value * per;
    (minutes.is_finite()
        && minutes.fract() == 0.0
        && minutes.abs() <= f64::from(MAX_OFFSET_MINUTES))
    .then_some(minutes as i32)
}

impl Validator {
    /// `times` and `times_a_day`: several doses a day, for supportive care
    /// and premedication only; times count from the drug the dose goes
    /// with, a premedication's come before that drug.
    pub(super) fn timing(&mut self, d: &DrugFile, name: &str) -> Option<Timing> {
        let span = |d: &DrugFile| {
            d.times
                .first()
                .map(Spanned::span)
                .or_else(|| d.times_a_day.as_ref().map(Spanned::span))
                .unwrap_or_else(|| d.name.span())
        };
        if d.times.is_empty() && d.times_a_day.is_none() {
            return None;
        }
        if d.role == Role::Antineoplastic {
            self.problems
                .at(
                    span(d),
                    format!("{name} is antineoplastic: `times` and `times_a_day` are for supportive care and premedication"),
                )
                .label("not for an antineoplastic")
                .help("give an antineoplastic drug's days with `days` and its duration with `infusion`");
            return None;
        }
        if let Some(n) = &d.times_a_day {
            if !d.times.is_empty() {
                self.problems
                    .at(
                        n.span(),
                        format!("{name}: give `times` or `times_a_day`, not both"),
                    )
                    .label("both");
                return None;
            }
            let count = *n.get_ref();
            if !(1..=MAX_TIMES as i64).contains(&count) {
                self.problems
                    .at(
                        n.span(),
                        format!("times_a_day must be 1 to {MAX_TIMES} (got {count})"),
                    )
                    .label("out of range");
                return None;
            }
            return Some(Timing::TimesADay(count as u32));
        }
        let from = d
            .companion
            .as_ref()
            .map(|c| c.of.get_ref())
            .or(d.premedicates.as_ref().map(|p| p.get_ref()))
            .map(|s| s.trim().to_lowercase());
        let Some(from) = from else {
            self.problems
                .at(
                    span(d),
                    format!("{name}: `times` count from the drug it goes with, and there is none"),
                )
                .label("from which drug?")
                .help("give `[drug.companion] of = \"...\"` or `premedicates = \"...\"`, or use `times_a_day` for doses at times set locally");
            return None;
        };
        if d.times.len() > MAX_TIMES {
            self.problems
                .at(
                    d.times[MAX_TIMES].span(),
                    format!("{name}: at most {MAX_TIMES} times a day"),
                )
                .label("too many");
            return None;
        }
        let before = self.problems.len();
        let mut minutes: Vec<i32> = Vec::new();
        for t in &d.times {
            match time_offset(t.get_ref()) {
                None => {
                    self.problems
                        .at(t.span(), format!("`{}` is not a time from the start of {from}", t.get_ref()))
                        .label("not a time")
                        .help("a signed whole number of minutes or hours within a day: \"0 h\", \"+4 h\", \"-30 min\"");
                }
                Some(m) if minutes.last().is_some_and(|&last| m <= last) => {
                    self.problems
                        .at(
                            t.span(),
                            format!("{name}: times must be distinct and in order"),
                        )
                        .label("out of order");
                }
                Some(m) if d.premedicates.is_some() && m >= 0 => {
                    self.problems
                        .at(
                            t.span(),
                            format!("{name} premedicates {from}: its times come before {from} starts (negative, e.g. \"-30 min\")"),
                        )
                        .label("not before");
                }
                Some(m) => minutes.push(m),
            }
        }
        (self.problems.len() == before).then_some(Timing::From {
            drug: from,
            minutes,
        })
    }
}

impl Validator {
    /// `given_when = "cumulative DRUG >= N mg/m2"`. The drug named is
    /// checked against the regimen with the other drugs ([`super::Validator`]
    /// `cumulative_conditions`).
    pub(super) fn given_when(
        &mut self,
        s: &Spanned<String>,
        name: &str,
    ) -> Option<crate::regimen::CumulativeCondition> {
        let parsed = cumulative_condition(s.get_ref());
        if parsed.is_none() {
            self.problems
                .at(
                    s.span(),
                    format!("{name}: `{}` is not a cumulative-dose condition", s.get_ref()),
                )
                .label("not a condition")
                .help("write \"cumulative doxorubicin >= 300 mg/m2\": a drug of this regimen and a dose per m2 above 0");
        }
        parsed
    }
}

/// "cumulative doxorubicin >= 300 mg/m2".
fn cumulative_condition(s: &str) -> Option<crate::regimen::CumulativeCondition> {
    let rest = s.trim().strip_prefix("cumulative ")?;
    let (drug, amount) = rest.split_once(">=")?;
    let drug = drug.trim().to_lowercase();
    let number = amount.trim().strip_suffix("mg/m2")?.trim();
    let value: rust_decimal::Decimal = number.parse().ok()?;
    (!drug.is_empty()
        && value > rust_decimal::Decimal::ZERO
        && value <= rust_decimal::Decimal::from(100_000))
    .then_some(crate::regimen::CumulativeCondition {
        drug,
        at_least_mg_per_m2: value.normalize(),
    })
}

#[cfg(test)]
mod tests {
    use super::time_offset;

    #[test]
    fn time_offsets_are_signed_whole_minutes_within_a_day() {
        assert_eq!(time_offset("0 h"), Some(0));
        assert_eq!(time_offset("+4 h"), Some(240));
        assert_eq!(time_offset("4h"), Some(240));
        assert_eq!(time_offset("-30 min"), Some(-30));
        assert_eq!(time_offset("+1.5 h"), Some(90));
        assert_eq!(time_offset("24 h"), Some(1440));
        assert_eq!(time_offset("25 h"), None);
        assert_eq!(time_offset("0.5 min"), None);
        assert_eq!(time_offset("4"), None);
        assert_eq!(time_offset("noon"), None);
        assert_eq!(time_offset("--4 h"), None);
        assert_eq!(time_offset(""), None);
    }
}
