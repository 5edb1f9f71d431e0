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

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use crate::bsa::{BsaFormula, BsaRounding};
use crate::diagnostics::{Collector, FileErrors, TomlKind};
use crate::dose::{
    Adjustment, Administration, DoseError, DoseOptions, PerDrug, Prescription, Reduction, calculate,
};
use crate::labs::{LabOrigin, LabResult, Labs};
use crate::patient::{Patient, Sex};
use crate::quantity::{
    self, DoseUnit, ParseDoseError, Percent, parse_age, parse_bsa, parse_dose_mass, parse_gfr,
    parse_height, parse_serum_creatinine, parse_weight,
};
use crate::quantity::{Lab, parse_lab, parse_uln};
use crate::regimen::{Regimen, Role, RoundingRule};
use crate::renal::WeightBasis;
use crate::rounding::to_decimal;
use crate::rules::{ChildPugh, ClinicalInputs};

/// Most checks in one file.
pub const MAX_CHECKS: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFileRaw {
    regimen: Spanned<String>,
    regimen_version: Option<String>,
    /// Reasons that let stops through for every check of the file (a draft
    /// regimen's checks: `status-draft = "golden checks of a draft"`).
    #[serde(default)]
    overrides: BTreeMap<String, Spanned<String>>,
    #[serde(default, rename = "check")]
    checks: Vec<Spanned<CheckRaw>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRaw {
    name: String,
    worked_out_by: String,
    worked_out_on: Spanned<toml::value::Datetime>,
    note: Option<String>,
    height: Spanned<String>,
    weight: Spanned<String>,
    sex: Option<Spanned<String>>,
    age: Option<Spanned<String>>,
    scr: Option<Spanned<String>>,
    cycle: Option<u32>,
    cycles: Option<u32>,
    formula: Option<Spanned<String>>,
    bsa_round: Option<Spanned<String>>,
    bsa_cap: Option<Spanned<String>>,
    dose_weight: Option<Spanned<String>>,
    gfr: Option<Spanned<String>>,
    level: Option<i32>,
    #[serde(default)]
    levels: BTreeMap<String, i32>,
    reduce: Option<Spanned<String>>,
    #[serde(default)]
    reductions: BTreeMap<String, Spanned<String>>,
    round: Option<Spanned<String>>,
    #[serde(default)]
    rounding: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    cardiac_radiation: bool,
    tolerance: Option<Spanned<String>>,
    /// Reasons that let stops through for this check, by stop code.
    #[serde(default)]
    overrides: BTreeMap<String, Spanned<String>>,
    /// Laboratory results, by lab id (`anc = "1.2x10^9/L"`); a ULN as
    /// `<lab>_uln` (`bilirubin_uln = "21umol/L"`). Dated the day of the check.
    #[serde(default)]
    labs: BTreeMap<String, Spanned<String>>,
    /// The Child-Pugh class.
    child_pugh: Option<Spanned<String>>,
    /// The worst CTCAE grade of each toxicity in the previous cycle.
    #[serde(default)]
    toxicity: BTreeMap<String, u8>,
    /// The day of the cycle assessed.
    day: Option<u32>,
    /// Alternative rule tables chosen, by drug.
    #[serde(default)]
    rule_sets: BTreeMap<String, String>,
    #[serde(default)]
    expect: BTreeMap<String, BTreeMap<String, Spanned<String>>>,
    expect_refusal: Option<String>,
}

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

fn expected(s: &str) -> Result<Expected, ParseDoseError> {
    // "3 x 364 mg": three doses of 364 mg that day (at most 24).
    let (doses, dose) = match s.split_once(" x ") {
        Some((n, dose)) => match n.trim().parse::<u32>() {
            Ok(n) if (1..=24).contains(&n) => (Some(n), dose),
            _ => return Err(ParseDoseError::NotADose(s.to_owned())),
        },
        None => (None, s),
    };
    let (mass, unit) = parse_dose_mass(dose)?;
    let value = to_decimal(unit.of(mass)).ok_or_else(|| ParseDoseError::NotADose(s.to_owned()))?;
    Ok(Expected { value, unit, doses })
}

/// Parses a check file. `path` is only used in messages.
pub fn parse_check_file(path: &str, text: &str) -> Result<CheckFile, FileErrors> {
    let max = crate::files::FileKind::GoldenChecks
        .max_bytes()
        .unwrap_or(u64::MAX);
    let mut c = Collector::default();
    let raw: CheckFileRaw = c.read_file(
        path,
        text,
        &TomlKind {
            max_bytes: max,
            too_large: format!("the file is larger than {max} bytes"),
            empty_help: "a check file needs regimen and at least one [[check]]; see docs/verifying-regimens.md",
            keys_help: "see docs/verifying-regimens.md for every key",
        },
    )?;
    if raw.checks.is_empty() {
        c.at(
            raw.regimen.span(),
            "a check file needs at least one [[check]]",
        );
    }
    if raw.checks.len() > MAX_CHECKS {
        c.at(
            raw.regimen.span(),
            format!("at most {MAX_CHECKS} checks per file"),
        );
    }
    check_override_codes(&mut c, &raw.overrides);
    let mut checks = Vec::new();
    for spanned in raw.checks.iter().take(MAX_CHECKS) {
        if let Some(mut check) = parse_check(&mut c, spanned) {
            for (code, reason) in &raw.overrides {
                check.options.overrides.insert(code, reason.get_ref());
            }
            checks.push(check);
        }
    }
    if !c.is_empty() {
        return Err(c.into_errors(path, text));
    }
    Ok(CheckFile {
        regimen: raw.regimen.into_inner(),
        regimen_version: raw.regimen_version,
        checks,
    })
}

/// The clinical inputs of a check: its labs (dateless: the day of the
/// check), Child-Pugh class, toxicities, day and rule tables.
fn clinical(c: &mut Collector, r: &CheckRaw) -> ClinicalInputs {
    let mut labs = Labs::default();
    for (key, value) in &r.labs {
        if key.ends_with("_uln") {
            continue;
        }
        let Ok(lab) = c.parse_named(value, &format!("labs.{key}"), |_| key.parse::<Lab>()) else {
            continue;
        };
        let Ok(v) = c.parse_named(value, &format!("labs.{key}"), |t| parse_lab(lab, t)) else {
            continue;
        };
        let uln = r.labs.get(&format!("{key}_uln")).and_then(|u| {
            c.parse_named(u, &format!("labs.{key}_uln"), |t| parse_uln(lab, t))
                .ok()
        });
        labs.insert(LabResult {
            lab,
            value: v,
            uln,
            date: None,
            origin: LabOrigin::File {
                path: "check".to_owned(),
                line: 0,
            },
        });
    }
    for (key, value) in &r.labs {
        if let Some(lab) = key.strip_suffix("_uln")
            && !r.labs.contains_key(lab)
        {
            c.at(
                value.span(),
                format!("labs.{key}: a ULN without its `{lab}` value"),
            );
        }
    }
    let child_pugh = r.child_pugh.as_ref().and_then(|s| {
        c.parse_named(s, "child_pugh", |t| t.parse::<ChildPugh>())
            .ok()
    });
    for (name, grade) in &r.toxicity {
        if !crate::rules::condition::TOXICITIES.contains(&name.as_str()) || *grade > 5 {
            c.at(
                0..0,
                format!("check `{}`: toxicity {name} = {grade} is not a known toxicity with a grade 0-5", r.name),
            );
        }
    }
    ClinicalInputs {
        labs,
        child_pugh,
        toxicities: r.toxicity.clone(),
        on: None,
        day: r.day,
        max_result_age_days: ClinicalInputs::DEFAULT_MAX_RESULT_AGE_DAYS,
        rule_sets: r.rule_sets.clone(),
        cycle_start: None,
    }
}

/// An override for a code no stop can have is a typing error: located.
fn check_override_codes(c: &mut Collector, overrides: &BTreeMap<String, Spanned<String>>) {
    for (code, reason) in overrides {
        if !crate::dose::Stop::is_code(code) {
            c.at(
                reason.span(),
                format!("`{code}` is not a stop code (status-draft, hold-docetaxel, organ-cisplatin-crcl, …)"),
            );
        }
    }
}

fn parse_check(c: &mut Collector, spanned: &Spanned<CheckRaw>) -> Option<Check> {
    let r = spanned.get_ref();
    let before = c.len();
    let worked_out_on = c
        .date(
            &r.worked_out_on,
            "worked_out_on must be a plain date, e.g. 2026-11-22",
        )
        .ok();
    if r.worked_out_by.trim().is_empty() {
        c.at(
            spanned.span(),
            format!(
                "check `{}`: worked_out_by must name who worked the numbers out",
                r.name
            ),
        );
    }
    let height = c.parse_named(&r.height, "height", parse_height).ok();
    let weight = c.parse_named(&r.weight, "weight", parse_weight).ok();
    let sex = r
        .sex
        .as_ref()
        .and_then(|s| c.parse_named(s, "sex", |v| v.parse::<Sex>()).ok());
    let age = r
        .age
        .as_ref()
        .and_then(|s| c.parse_named(s, "age", parse_age).ok());
    let scr = r
        .scr
        .as_ref()
        .and_then(|s| c.parse_named(s, "scr", parse_serum_creatinine).ok());
    let mut options = DoseOptions {
        planned_cycles: r.cycles,
        cardiac_radiation: r.cardiac_radiation,
        ..DoseOptions::default()
    };
    if let Some(f) = &r.formula {
        options.bsa_formula = c
            .parse_named(f, "formula", |v| v.parse::<BsaFormula>())
            .unwrap_or_default();
    }
    if let Some(b) = &r.bsa_round {
        options.bsa_rounding = c
            .parse_named(b, "bsa_round", |v| v.parse::<BsaRounding>())
            .unwrap_or_default();
    }
    options.bsa_cap = r
        .bsa_cap
        .as_ref()
        .and_then(|s| c.parse_named(s, "bsa_cap", parse_bsa).ok());
    if let Some(w) = &r.dose_weight {
        options.dose_weight = c
            .parse_named(w, "dose_weight", |v| v.parse::<WeightBasis>())
            .unwrap_or_default();
    }
    options.gfr = r
        .gfr
        .as_ref()
        .and_then(|s| c.parse_named(s, "gfr", parse_gfr).ok());
    let mut reductions = PerDrug::default();
    if let Some(l) = r.level {
        reductions.all = Some(Reduction::Level(l));
    }
    for (d, l) in &r.levels {
        reductions
            .drugs
            .insert(d.to_lowercase(), Reduction::Level(*l));
    }
    if let Some(p) = &r.reduce {
        if reductions.all.is_some() {
            c.at(p.span(), "give `level` or `reduce` for all drugs, not both");
        }
        reductions.all = c
            .parse_named(p, "reduce", Percent::reduction)
            .ok()
            .map(Reduction::Percent);
    }
    for (d, p) in &r.reductions {
        if let Ok(v) = c.parse_named(p, "reductions", Percent::reduction) {
            reductions
                .drugs
                .insert(d.to_lowercase(), Reduction::Percent(v));
        }
    }
    options.reductions = reductions;
    let mut rounding = PerDrug {
        all: r
            .round
            .as_ref()
            .and_then(|s| c.parse_named(s, "round", RoundingRule::parse).ok()),
        drugs: BTreeMap::new(),
    };
    for (d, s) in &r.rounding {
        if let Ok(v) = c.parse_named(s, "rounding", RoundingRule::parse) {
            rounding.drugs.insert(d.to_lowercase(), v);
        }
    }
    options.rounding = rounding;
    check_override_codes(c, &r.overrides);
    for (code, reason) in &r.overrides {
        options.overrides.insert(code, reason.get_ref());
    }
    options.clinical = clinical(c, r);
    let tolerance_mg = match &r.tolerance {
        Some(t) => c
            .parse_named(t, "tolerance", parse_dose_mass)
            .ok()
            .and_then(|(m, _)| to_decimal(DoseUnit::Mg.of(m)))
            .unwrap_or_default(),
        None => Decimal::ZERO,
    };
    let mut expect = BTreeMap::new();
    for (drug, days) in &r.expect {
        let mut by_day = BTreeMap::new();
        for (day, value) in days {
            // Days from 1; a premedication the day before day 1 is day -1
            // (there is no day 0).
            let Some(d) = day.parse::<i32>().ok().filter(|d| *d != 0) else {
                c.at(
                    value.span(),
                    format!(
                        "expect.{drug}: `{day}` is not a day number (1, 8, or -1 for the day before day 1)"
                    ),
                );
                continue;
            };
            if let Ok(e) = c.parse_named(value, &format!("expect.{drug}.{day}"), expected) {
                by_day.insert(d, e);
            }
        }
        expect.insert(drug.to_lowercase(), by_day);
    }
    if expect.is_empty() && r.expect_refusal.is_none() {
        c.at(
            spanned.span(),
            format!(
                "check `{}` expects nothing: add [check.expect] doses or expect_refusal",
                r.name
            ),
        );
    }
    if c.len() > before {
        return None;
    }
    let mut patient = Patient::new(height?, weight?);
    patient.sex = sex;
    patient.age = age;
    patient.serum_creatinine = scr;
    Some(Check {
        name: r.name.clone(),
        worked_out_by: r.worked_out_by.clone(),
        worked_out_on: worked_out_on?,
        note: r.note.clone(),
        patient,
        cycle: r.cycle.unwrap_or(1),
        options,
        tolerance_mg,
        expect,
        expect_refusal: r.expect_refusal.clone(),
    })
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

/// Why the current results could not be written into a check file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlessError {
    /// The file is not TOML (it parsed before, so it changed meanwhile).
    #[error("{0}")]
    Toml(String),
    /// No `[[check]]` tables.
    #[error("the file has no [[check]] tables")]
    NoChecks,
    /// A key that must be a table is not one.
    #[error("check `{check}`: {key} is not a table")]
    NotATable {
        /// The check's name.
        check: String,
        /// The key.
        key: String,
    },
    /// A date outside what TOML can write.
    #[error("{0} cannot be written as a TOML date")]
    Date(NaiveDate),
}

/// Writes the current doses of `results` into the check file `text` as the new
/// expectations, keeping comments and layout, and marks who blessed them and
/// when. Checks that expect a refusal are left alone.
pub fn bless(
    text: &str,
    results: &[CheckResult],
    by: &str,
    on: NaiveDate,
) -> Result<String, BlessError> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| BlessError::Toml(e.message().to_owned()))?;
    let Some(checks) = doc
        .get_mut("check")
        .and_then(|c| c.as_array_of_tables_mut())
    else {
        return Err(BlessError::NoChecks);
    };
    for (table, result) in checks.iter_mut().zip(results) {
        if result.passed() || table.contains_key("expect_refusal") || result.current.is_empty() {
            continue;
        }
        let expect = table
            .entry("expect")
            .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
        let Some(expect) = expect.as_table_like_mut() else {
            return Err(BlessError::NotATable {
                check: result.name.clone(),
                key: "expect".to_owned(),
            });
        };
        // Drugs the engine no longer gives are removed; the rest updated in place.
        let stale: Vec<String> = expect
            .iter()
            .map(|(k, _)| k.to_owned())
            .filter(|k| !result.current.contains_key(k))
            .collect();
        for k in stale {
            expect.remove(&k);
        }
        for (drug, days) in &result.current {
            let entry = expect.entry(drug).or_insert(toml_edit::Item::Value(
                toml_edit::Value::InlineTable(toml_edit::InlineTable::new()),
            ));
            let Some(days_table) = entry.as_table_like_mut() else {
                return Err(BlessError::NotATable {
                    check: result.name.clone(),
                    key: format!("expect.{drug}"),
                });
            };
            let stale: Vec<String> = days_table
                .iter()
                .map(|(k, _)| k.to_owned())
                .filter(|k| k.parse::<i32>().map_or(true, |d| !days.contains_key(&d)))
                .collect();
            for k in stale {
                days_table.remove(&k);
            }
            for (day, value) in days {
                days_table.insert(&day.to_string(), toml_edit::value(value.as_str()));
            }
        }
        table["worked_out_by"] = toml_edit::value(by);
        table["worked_out_on"] = toml_edit::value(toml_edit::Datetime {
            date: Some(toml_edit::Date {
                year: u16::try_from(on.year()).map_err(|_| BlessError::Date(on))?,
                month: u8::try_from(on.month()).map_err(|_| BlessError::Date(on))?,
                day: u8::try_from(on.day()).map_err(|_| BlessError::Date(on))?,
            }),
            time: None,
            offset: None,
        });
    }
    Ok(doc.to_string())
}
