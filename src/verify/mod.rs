//! Golden checks for regimen files: a pharmacy writes, next to each regimen,
//! patients with the final doses it worked out by hand, and `verify` recomputes
//! them so that a change to a regimen file or to the engine cannot move a dose
//! unnoticed.
//!
//! Owns: the check-file format (`<id>.checks.toml`, see
//! `docs/verifying-regimens.md`), running a check through the dose engine,
//! naming the step that produced a difference, and the edit that writes
//! current results back (`--bless`), keeping comments and layout.
//! Never does: decide what is right. A check is only as good as the
//! independent arithmetic behind it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::dose::{Adjustment, Administration, DoseError, DoseOptions, Prescription, calculate};
use crate::patient::Patient;
use crate::quantity::{self, DoseUnit};
use crate::regimen::{Regimen, Role};

mod bless;
mod file;

pub use bless::{BlessError, bless};
pub use file::parse_check_file;

/// Most checks in one file.
pub const MAX_CHECKS: usize = 200;

/// An expected final dose: the day's total (`"1092 mg"`), or each of a
/// number of doses that day (`"3 x 364 mg"`, mesna at 0, 4 and 8 h).
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The amount: the day's total, or each dose's with `doses`.
    pub value: Decimal,
    /// Its unit.
    pub unit: DoseUnit,
    /// How many doses of `value` that day, when the check says.
    pub doses: Option<u32>,
}

/// One golden case.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Its name ("obese adult, BSA capped at 2 m²").
    pub name: String,
    /// Who worked the numbers out.
    pub worked_out_by: String,
    /// When.
    pub worked_out_on: NaiveDate,
    /// Free text kept with the check.
    pub note: Option<String>,
    /// The patient.
    pub patient: Patient,
    /// Cycle to dose (default 1).
    pub cycle: u32,
    /// Engine options.
    pub options: DoseOptions,
    /// Largest accepted difference, in mg (default: none, exact).
    pub tolerance_mg: Decimal,
    /// drug → day → expected final dose.
    pub expect: BTreeMap<String, BTreeMap<i32, Expected>>,
    /// Text the refusal must contain, for a check that expects one.
    pub expect_refusal: Option<String>,
}

/// A check file.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckFile {
    /// The regimen id.
    pub regimen: String,
    /// The regimen version the numbers were worked out for.
    pub regimen_version: Option<String>,
    /// The checks, in file order.
    pub checks: Vec<Check>,
}

/// The step of the engine that made a dose differ from the expected one.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The regimen does not give this drug on this day in this cycle.
    NotGiven,
    /// The engine gives a dose the check does not list.
    NotInCheck,
    /// This adjustment moved the dose away from the expected value.
    Adjustment(Adjustment),
    /// Every step agreed; the final dose itself differs (within none of the
    /// adjustments).
    FinalDose,
    /// The check gives a number of doses that day (`"3 x 364 mg"`); the
    /// engine gives another number, or doses of another amount.
    Doses {
        /// Doses the check expects.
        expected: u32,
        /// Doses the engine gives.
        given: u32,
    },
    /// The basis already differs: the prescription times the BSA, weight or
    /// GFR gives another amount before any adjustment.
    Basis {
        /// How the dose was prescribed.
        prescription: Prescription,
        /// The amount before any adjustment, in `unit` of the mismatch.
        calculated: Decimal,
        /// The BSA used, m².
        bsa_m2: f64,
    },
}

/// One difference between a check and the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Drug, lower case.
    pub drug: String,
    /// Day of the cycle.
    pub day: i32,
    /// What the check expects; `None` when the check does not list the dose.
    pub expected: Option<Expected>,
    /// What the engine gives, in the administration's unit; `None` when it
    /// gives nothing on this day.
    pub got: Option<Expected>,
    /// Which step produced the difference.
    pub step: Step,
    /// The unit of the engine's amounts (for `step`).
    pub unit: DoseUnit,
}

/// How one check came out.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every dose as expected (or the expected refusal).
    Passed,
    /// Doses differ.
    Mismatches(Vec<Mismatch>),
    /// The engine refused, and the check expected doses.
    Refused(DoseError),
    /// The check expected a refusal that did not come, or a different one.
    WrongRefusal {
        /// The text the check expects the refusal to contain.
        expected: String,
        /// The refusal that came; `None` when doses were given.
        got: Option<DoseError>,
    },
}

/// A check's result with the engine's current doses (for `--bless`).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// The check's name.
    pub name: String,
    /// Outcome.
    pub outcome: Outcome,
    /// drug → day → current final dose, as written in check files ("1638 mg").
    pub current: BTreeMap<String, BTreeMap<i32, String>>,
}

impl CheckResult {
    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

/// The dose as a check file writes it: "1638 mg", "2.5 mg", "350 mcg".
fn written(a: &Administration) -> String {
    format!("{} {}", a.final_dose.normalize(), a.unit.symbol())
}

/// Names the step that made the engine's dose differ from the expected one:
/// the first step after which the expected value no longer appears.
fn step_of_difference(
    a: &Administration,
    expected_mg: Decimal,
    tolerance_mg: Decimal,
    bsa_m2: f64,
) -> Step {
    let close =
        |v: Decimal| (a.unit.to_mg(v) - expected_mg).abs() <= tolerance_mg.max(Decimal::new(5, 7));
    let after = |i: usize| {
        a.adjustments
            .get(i)
            .map_or(Step::FinalDose, |adj| Step::Adjustment(adj.clone()))
    };
    if close(a.calculated) {
        // The basis agrees; the first adjustment moved it away.
        return after(0);
    }
    for (i, adj) in a.adjustments.iter().enumerate() {
        if adj.to().is_some_and(close) {
            return after(i + 1);
        }
    }
    Step::Basis {
        prescription: a.prescription.clone(),
        calculated: a.calculated,
        bsa_m2,
    }
}

/// The engine's final dose as an [`Expected`] value.
fn got(a: &Administration) -> Expected {
    Expected {
        value: a.final_dose,
        unit: a.unit,
        doses: None,
    }
}

/// The doses of a day as a check writes them: "1092 mg", or "3 x 364 mg"
/// for several equal doses; `None` for doses that differ (summed).
fn doses_of_day(doses: &[&Administration]) -> Option<Expected> {
    let first = doses.first()?;
    let n = u32::try_from(doses.len()).ok()?;
    (n > 1
        && doses
            .iter()
            .all(|a| a.final_dose == first.final_dose && a.unit == first.unit))
    .then_some(Expected {
        value: first.final_dose,
        unit: first.unit,
        doses: Some(n),
    })
}

/// Runs one check through the dose engine.
pub fn run_check(regimen: &Regimen, check: &Check) -> CheckResult {
    let plan = calculate(regimen, &check.patient, check.cycle, &check.options);
    let mut current: BTreeMap<String, BTreeMap<i32, String>> = BTreeMap::new();
    let outcome = match (plan, &check.expect_refusal) {
        (Err(e), Some(want)) => {
            if e.to_string().contains(want.as_str()) {
                Outcome::Passed
            } else {
                Outcome::WrongRefusal {
                    expected: want.clone(),
                    got: Some(e),
                }
            }
        }
        (Err(e), None) => Outcome::Refused(e),
        (Ok(_), Some(want)) => Outcome::WrongRefusal {
            expected: want.clone(),
            got: None,
        },
        (Ok(plan), None) => {
            let given: Vec<&Administration> = plan
                .administrations
                .iter()
                // The standard antiemetic set is not the regimen's to check.
                .filter(|a| a.instruction().is_none() && a.role != Role::Antiemetic)
                .collect();
            for a in &given {
                // As a check writes it: "3 x 364 mg", or the day's total.
                let of_day: Vec<&Administration> = given
                    .iter()
                    .filter(|x| x.drug == a.drug && x.day == a.day)
                    .copied()
                    .collect();
                let text = match (doses_of_day(&of_day), plan.day_dose(&a.drug, a.day)) {
                    (Some(e), _) => format!(
                        "{} x {} {}",
                        e.doses.unwrap_or(1),
                        e.value.normalize(),
                        e.unit.symbol()
                    ),
                    (None, Some(day)) => written(&day),
                    (None, None) => continue,
                };
                current
                    .entry(a.drug.clone())
                    .or_default()
                    .insert(a.day, text);
            }
            let bsa = quantity::m2(plan.bsa.used);
            let mut mismatches = Vec::new();
            for (drug, days) in &check.expect {
                for (day, want) in days {
                    let want_mg = want.unit.to_mg(want.value);
                    let of_day: Vec<&Administration> = given
                        .iter()
                        .filter(|a| a.drug == *drug && a.day == *day)
                        .copied()
                        .collect();
                    if of_day.is_empty() {
                        mismatches.push(Mismatch {
                            drug: drug.clone(),
                            day: *day,
                            expected: Some(want.clone()),
                            got: None,
                            step: Step::NotGiven,
                            unit: want.unit,
                        });
                        continue;
                    }
                    // "3 x 364 mg": the number of doses, and each dose.
                    if let Some(n) = want.doses {
                        let count_ok = usize::try_from(n).ok() == Some(of_day.len());
                        let each_ok = of_day
                            .iter()
                            .all(|a| (a.final_mg() - want_mg).abs() <= check.tolerance_mg);
                        if !(count_ok && each_ok) {
                            mismatches.push(Mismatch {
                                drug: drug.clone(),
                                day: *day,
                                expected: Some(want.clone()),
                                got: doses_of_day(&of_day)
                                    .or_else(|| plan.day_dose(drug, *day).as_ref().map(got)),
                                step: Step::Doses {
                                    expected: n,
                                    given: u32::try_from(of_day.len()).unwrap_or(u32::MAX),
                                },
                                unit: want.unit,
                            });
                        }
                        continue;
                    }
                    // Otherwise the day's total (one dose, or several summed).
                    if let Some(a) = plan.day_dose(drug, *day)
                        && (a.final_mg() - want_mg).abs() > check.tolerance_mg
                    {
                        mismatches.push(Mismatch {
                            drug: drug.clone(),
                            day: *day,
                            expected: Some(want.clone()),
                            got: Some(got(&a)),
                            step: step_of_difference(&a, want_mg, check.tolerance_mg, bsa),
                            unit: a.unit,
                        });
                    }
                }
            }
            for (i, a) in given.iter().enumerate() {
                let listed = check
                    .expect
                    .get(&a.drug)
                    .is_some_and(|d| d.contains_key(&a.day));
                // Once per drug and day, however many doses that day.
                let first_of_day = !given[..i]
                    .iter()
                    .any(|x| x.drug == a.drug && x.day == a.day);
                if !listed && first_of_day {
                    mismatches.push(Mismatch {
                        drug: a.drug.clone(),
                        day: a.day,
                        expected: None,
                        got: Some(got(a)),
                        step: Step::NotInCheck,
                        unit: a.unit,
                    });
                }
            }
            if mismatches.is_empty() {
                Outcome::Passed
            } else {
                Outcome::Mismatches(mismatches)
            }
        }
    };
    CheckResult {
        name: check.name.clone(),
        outcome,
        current,
    }
}
