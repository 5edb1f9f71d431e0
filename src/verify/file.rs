//! The golden-check file as written (`<id>.checks.toml`, see
//! `docs/verifying-regimens.md`): its TOML shape, and reading it into
//! checks with file, line and column for every problem.
//!
//! Owns: the keys of a check file and their values (the same parsers as the
//! command line), the expected doses ("1638 mg", "3 x 364 mg").
//! Never does: run a check (`mod.rs`) or write one back (`bless.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{Check, CheckFile, Expected, MAX_CHECKS};
use crate::bsa::{BsaFormula, BsaRounding};
use crate::diagnostics::{Collector, FileErrors, TomlKind};
use crate::dose::{DoseOptions, PerDrug, Reduction};
use crate::labs::{LabOrigin, LabResult, Labs};
use crate::patient::{Patient, Sex};
use crate::quantity::{
    DoseUnit, Lab, ParseDoseError, Percent, parse_age, parse_bsa, parse_dose_mass, parse_gfr,
    parse_height, parse_lab, parse_serum_creatinine, parse_uln, parse_weight,
};
use crate::regimen::RoundingRule;
use crate::renal::WeightBasis;
use crate::rounding::to_decimal;
use crate::rules::{ChildPugh, ClinicalInputs};
use rust_decimal::Decimal;

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
