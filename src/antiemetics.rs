//! The standard antiemetic set for a regimen's emetogenic risk, on the
//! days of a cycle it applies to.
//!
//! Owns: which antiemetics, at which doses, on which days, follow from the
//! risk class (ASCO 2020 classes, clinical reference 9.6): **high** — NK1
//! antagonist (aprepitant 125 mg day 1, 80 mg days 2–3) + 5-HT3 antagonist
//! day 1 + dexamethasone 12 mg day 1, 8 mg days 2–4 + olanzapine 5–10 mg
//! days 1–4; **moderate** — 5-HT3 antagonist + dexamethasone 8 mg day 1;
//! **low** — dexamethasone 8 mg or a 5-HT3 antagonist, one of them;
//! **minimal** — none (Hesketh PJ et al., Antiemetics: ASCO guideline
//! update, J Clin Oncol 2020;38:2782–97 [R145]; ASCO dose-schedule table
//! [R146]; PDQ Nausea and Vomiting, Table 4 [R147]; antiemetic dosing by
//! risk category [R148]). A run of consecutive chemotherapy days (a
//! multi-day regimen) gets the antiemetic of its risk each chemotherapy day
//! and for 2 days after [R146]; how the NK1 antagonist and steroid are
//! spread over those days is not in the sources, so each of those days is
//! a blank to fill by local protocol.
//! Where the sources leave a choice (which 5-HT3 antagonist, the olanzapine
//! dose within 5–10 mg, dexamethasone or a 5-HT3 antagonist at low risk),
//! the item is a blank to fill, never an invented amount. A drug the
//! regimen already gives on a day (dexamethasone as a premedication, which
//! is also the day's steroid) is not given twice that day.
//! Never does: compute a chemotherapy dose, judge a criterion, or choose a
//! product for the site.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use uom::si::f64::Mass;
use uom::si::mass::milligram;

use crate::dose::{Administration, Prescription};
use crate::quantity::{DoseUnit, PrescribedDose};
use crate::regimen::{DosePer, EmetogenicRisk, Role, Source};

/// The sources of the sets, printed with a schedule that has them.
pub fn sources() -> Vec<Source> {
    let source = |citation: &str, url: &str, note: &str| Source {
        citation: citation.to_owned(),
        url: Some(url.to_owned()),
        doi: None,
        pmid: None,
        note: Some(note.to_owned()),
    };
    vec![
        source(
            "Hesketh PJ et al. Antiemetics: ASCO guideline update. J Clin Oncol 2020;38:2782-97 (recommendations, Guideline Central) [R145]",
            "https://guidelinecentral.com/guideline/7395",
            "Standard antiemetic sets by emetic risk: high NK1 + 5-HT3 antagonist + dexamethasone + olanzapine; moderate 5-HT3 antagonist + dexamethasone; low dexamethasone or a 5-HT3 antagonist; minimal none",
        ),
        source(
            "ASCO antiemetics dose-schedule table, incl. the multi-day rule [R146]",
            "https://eguideline.guidelinecentral.com/i/56326-asco-antiemetics-for-cancer-treatment/5",
            "Aprepitant 125 mg day 1, 80 mg days 2-3; multi-day chemotherapy: the antiemetic of its risk each chemotherapy day and for 2 days after",
        ),
        source(
            "PDQ Nausea and Vomiting Related to Cancer Treatment, Table 4 (ASCO/MASCC/NCCN recommendations by risk) [R147]",
            "https://www.ncbi.nlm.nih.gov/books/NBK66056/",
            "Antiemetic regimens by emetic risk",
        ),
        source(
            "Antiemetic dosing for adults by risk category (UpToDate graphic 72865) [R148]",
            "https://pro.uptodatefree.ir/Show/72865",
            "Dexamethasone 12 mg day 1, 8 mg days 2-4 with oral aprepitant (with fosaprepitant: 12 mg day 1, 8 mg day 2, 8 mg twice daily days 3-4); olanzapine 5-10 mg days 1-4; ondansetron 24 mg PO once (high) or 8 mg PO twice daily (moderate), granisetron 2 mg PO, palonosetron 0.5 mg PO",
        ),
    ]
}

/// One item of a set on one day of the cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AntiemeticItem {
    /// Day of the cycle.
    pub day: u32,
    /// The drug, lower case; for a choice, what is chosen ("5-HT3 antagonist").
    pub drug: &'static str,
    /// A flat dose in mg, or `None` for a blank to fill (a local choice).
    pub dose_mg: Option<u32>,
    /// Route.
    pub route: &'static str,
    /// What the item is, as the sources put it: the set and, for a blank,
    /// the choices.
    pub note: &'static str,
}

/// One row of a set after a single chemotherapy day: the drug on that day
/// plus `from` to `to` days.
struct Row {
    from: u32,
    to: u32,
    drug: &'static str,
    dose_mg: Option<u32>,
    note: &'static str,
}

/// The low-risk choice, met by a dexamethasone the regimen gives that day.
const LOW_CHOICE: &str = "antiemetic (low risk)";

/// High risk, with oral aprepitant [R146][R148].
const HIGH: &[Row] = &[
    Row {
        from: 0,
        to: 0,
        drug: "aprepitant",
        dose_mg: Some(125),
        note: "high emetic risk: NK1 antagonist, day 1",
    },
    Row {
        from: 1,
        to: 2,
        drug: "aprepitant",
        dose_mg: Some(80),
        note: "high emetic risk: NK1 antagonist, days 2-3",
    },
    Row {
        from: 0,
        to: 0,
        drug: "5-HT3 antagonist",
        dose_mg: None,
        note: "high emetic risk: product and dose by local choice: ondansetron 24 mg PO once, granisetron 2 mg PO or palonosetron 0.5 mg PO",
    },
    Row {
        from: 0,
        to: 0,
        drug: "dexamethasone",
        dose_mg: Some(12),
        note: "high emetic risk: day 1, with oral aprepitant (with fosaprepitant instead: 8 mg day 2, 8 mg twice daily days 3-4)",
    },
    Row {
        from: 1,
        to: 3,
        drug: "dexamethasone",
        dose_mg: Some(8),
        note: "high emetic risk: days 2-4",
    },
    Row {
        from: 0,
        to: 3,
        drug: "olanzapine",
        dose_mg: None,
        note: "high emetic risk: olanzapine 5-10 mg days 1-4, dose by local choice",
    },
];

/// Moderate risk [R145][R148].
const MODERATE: &[Row] = &[
    Row {
        from: 0,
        to: 0,
        drug: "5-HT3 antagonist",
        dose_mg: None,
        note: "moderate emetic risk: product and dose by local choice: ondansetron 8 mg PO twice daily, granisetron 2 mg PO or palonosetron 0.5 mg PO",
    },
    Row {
        from: 0,
        to: 0,
        drug: "dexamethasone",
        dose_mg: Some(8),
        note: "moderate emetic risk: day 1 (8 mg days 2-3 optional, by local choice)",
    },
];

/// Low risk [R145].
const LOW: &[Row] = &[Row {
    from: 0,
    to: 0,
    drug: LOW_CHOICE,
    dose_mg: None,
    note: "low emetic risk: dexamethasone 8 mg PO or a 5-HT3 antagonist, one by local choice",
}];

/// The set for `risk` on the days of a cycle whose antineoplastic drugs are
/// given on `chemo_days`, in day order; `given` lists the (drug, day) pairs
/// the regimen itself gives (a premedication), which the set does not
/// repeat.
pub fn standard_set(
    risk: EmetogenicRisk,
    chemo_days: &BTreeSet<u32>,
    given: &BTreeSet<(String, u32)>,
) -> Vec<AntiemeticItem> {
    let (rows, multi_day) = match risk {
        EmetogenicRisk::High => (
            HIGH,
            "high emetic risk, multi-day chemotherapy: each chemotherapy day and 2 days after, drugs and doses by local protocol",
        ),
        EmetogenicRisk::Moderate => (
            MODERATE,
            "moderate emetic risk, multi-day chemotherapy: each chemotherapy day and 2 days after, drugs and doses by local protocol",
        ),
        EmetogenicRisk::Low => (
            LOW,
            "low emetic risk, multi-day chemotherapy: each chemotherapy day and 2 days after, drugs and doses by local protocol",
        ),
        EmetogenicRisk::Minimal => return Vec::new(),
    };
    let mut items = Vec::new();
    for run in runs(chemo_days) {
        let (first, last) = (run[0], run[run.len() - 1]);
        if first == last {
            for r in rows {
                items.extend((first + r.from..=first + r.to).map(|day| AntiemeticItem {
                    day,
                    drug: r.drug,
                    dose_mg: r.dose_mg,
                    route: "PO",
                    note: r.note,
                }));
            }
        } else {
            // Multi-day: each chemotherapy day and 2 days after [R146].
            items.extend((first..=last.saturating_add(2)).map(|day| AntiemeticItem {
                day,
                drug: "antiemetics",
                dose_mg: None,
                route: "PO/IV",
                note: multi_day,
            }));
        }
    }
    // Stable: each day's items in the order of the set.
    items.sort_by_key(|i| i.day);
    // A drug the regimen gives that day is not given twice; the low-risk
    // choice of "dexamethasone or a 5-HT3 antagonist" is met by the
    // regimen's dexamethasone.
    items.retain(|i| {
        let taken = |drug: &str| given.contains(&(drug.to_owned(), i.day));
        !(taken(i.drug) || (i.drug == LOW_CHOICE && taken("dexamethasone")))
    });
    items
}

/// Runs of consecutive days.
fn runs(days: &BTreeSet<u32>) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    for &d in days {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|&l| l + 1 == d) => run.push(d),
            _ => out.push(vec![d]),
        }
    }
    out
}

/// The set as administrations of the cycle: a flat dose, or a blank to
/// fill (an instruction) where the sources leave the choice.
pub fn administrations(items: &[AntiemeticItem]) -> Vec<Administration> {
    items
        .iter()
        .map(|i| {
            let (prescription, dose) = match i.dose_mg {
                Some(mg) => (
                    Prescription::Own {
                        dose: PrescribedDose::Flat(
                            Mass::new::<milligram>(f64::from(mg)),
                            DoseUnit::Mg,
                        ),
                        per: DosePer::Day,
                        days: 1,
                        reduction: None,
                        changed_days: None,
                    },
                    Decimal::from(mg),
                ),
                None => (Prescription::Instruction(i.note.to_owned()), Decimal::ZERO),
            };
            Administration {
                day: crate::dose::cycle_day(i.day),
                drug: i.drug.to_owned(),
                role: Role::Antiemetic,
                prescription,
                unit: DoseUnit::Mg,
                calculated: dose,
                final_dose: dose,
                adjustments: Vec::new(),
                route: i.route.to_owned(),
                infusion: None,
                note: Some(i.note.to_owned()),
                verdict: None,
                criteria: Vec::new(),
                time: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(d: &[u32]) -> BTreeSet<u32> {
        d.iter().copied().collect()
    }

    #[test]
    fn high_risk_single_day_is_the_asco_set() {
        let set = standard_set(EmetogenicRisk::High, &days(&[1]), &BTreeSet::new());
        let of = |drug: &str| -> Vec<(u32, Option<u32>)> {
            set.iter()
                .filter(|i| i.drug == drug)
                .map(|i| (i.day, i.dose_mg))
                .collect()
        };
        // Aprepitant 125 mg day 1, 80 mg days 2-3 [R146][R148].
        assert_eq!(
            of("aprepitant"),
            [(1, Some(125)), (2, Some(80)), (3, Some(80))]
        );
        // Dexamethasone 12 mg day 1, 8 mg days 2-4 with oral aprepitant [R148].
        assert_eq!(
            of("dexamethasone"),
            [(1, Some(12)), (2, Some(8)), (3, Some(8)), (4, Some(8))]
        );
        // Olanzapine 5-10 mg days 1-4: the dose is a local choice (a blank).
        assert_eq!(
            of("olanzapine"),
            [(1, None), (2, None), (3, None), (4, None)]
        );
        assert_eq!(of("5-HT3 antagonist"), [(1, None)]);
    }

    #[test]
    fn multi_day_runs_cover_each_day_and_two_after() {
        // Cisplatin days 1-5: days 1-7, each a blank by local protocol.
        let set = standard_set(
            EmetogenicRisk::High,
            &days(&[1, 2, 3, 4, 5]),
            &BTreeSet::new(),
        );
        let d: Vec<u32> = set.iter().map(|i| i.day).collect();
        assert_eq!(d, [1, 2, 3, 4, 5, 6, 7]);
        assert!(set.iter().all(|i| i.dose_mg.is_none()));
    }

    #[test]
    fn separate_days_get_separate_sets_and_a_given_steroid_is_not_repeated() {
        // Gemcitabine days 1 and 8 (low risk); dexamethasone premedication on day 8.
        let given: BTreeSet<(String, u32)> = [("dexamethasone".to_owned(), 8)].into();
        let set = standard_set(EmetogenicRisk::Low, &days(&[1, 8]), &given);
        let d: Vec<u32> = set.iter().map(|i| i.day).collect();
        assert_eq!(d, [1]);
        // Moderate (trabectedin): the premedication is the day's steroid.
        let given: BTreeSet<(String, u32)> = [("dexamethasone".to_owned(), 1)].into();
        let set = standard_set(EmetogenicRisk::Moderate, &days(&[1]), &given);
        let drugs: Vec<&str> = set.iter().map(|i| i.drug).collect();
        assert_eq!(drugs, ["5-HT3 antagonist"]);
    }

    #[test]
    fn minimal_risk_has_no_set() {
        assert!(standard_set(EmetogenicRisk::Minimal, &days(&[1]), &BTreeSet::new()).is_empty());
    }
}
