//! The dose engine, step by step, on small inline regimens.
//!
//! Style (after rust-analyzer's `check(fixture, expect)` tests): a test writes
//! the `[[drug]]` tables it needs as a TOML string; the harness puts the usual
//! header in front of them, loads the text with `parse_regimen` (so every
//! fixture also passes the loader), runs the engine and compares the whole
//! list of administrations — drug, day and final dose, in plan order — with
//! the expectation. Every expected value is worked out by hand in a comment,
//! from the published formula; none is copied from the program's output.
//! Adjustments, errors, warnings and totals are asserted on their typed
//! values (`assert_eq!` on the whole value where practical, `matches!`
//! otherwise), never on message text, which the renderer and CLI tests own.
//! The bundled clinical regimens are tested in `tests/dose.rs` and by their
//! `.checks.toml` files, not here.
//!
//! The header ([`HEADER`]): id `inline`, status active, a 21-day cycle, 6
//! cycles. The doses are chosen for clean arithmetic, not for treatment.
//!
//! Standard patients (Mosteller BSA = sqrt(H_cm × W_kg / 3600), rounded half
//! up to 2 decimals for dosing by default):
//! - [`bsa_2_0`]: 180 cm, 80 kg: sqrt(14400 / 3600) = sqrt(4) = 2.00 m².
//! - [`bsa_1_5`]: 150 cm, 54 kg: sqrt(8100 / 3600) = sqrt(2.25) = 1.50 m².
//! - [`bsa_2_5`]: 187.5 cm, 120 kg: sqrt(22500 / 3600) = sqrt(6.25) = 2.50 m² (for caps).
//! - [`bsa_1_0`]: 120 cm, 30 kg: sqrt(3600 / 3600) = 1.00 m².
//! - [`renal`]: 162 cm, 72 kg, 60 years, SCr 1 mg/dL: sqrt(11664 / 3600) =
//!   sqrt(3.24) = 1.80 m²; Cockcroft–Gault (140 − 60) × 72 / (72 × 1) =
//!   80 mL/min for a man, 80 × 0.85 = 68 mL/min for a woman.
//! - [`heavy`]: 177.8 cm (exactly 70 in), 103 kg: Devine IBW man
//!   50 + 2.3 × (70 − 60) = 73 kg, woman 45.5 + 23 = 68.5 kg; adjusted
//!   (IBW + 0.4 × (TBW − IBW)) man 73 + 0.4 × 30 = 85 kg, woman
//!   68.5 + 0.4 × 34.5 = 82.3 kg.
//!
//! None of these patients has sex, age or creatinine unless stated, so no
//! renal estimate is made behind a test's back.

use chemodose::anthracycline::AnthracyclinePolicy;
use chemodose::dose::{
    Adjustment, Administration, CapSource, Course, DoseError, DoseOptions, DosePlan, DrugTotal,
    LimitScope, LimitStatus, LimitUnit, Needed, Overrides, PerDrug, Prescription, PriorExposure,
    Reduction, Stop, Warning, calculate,
};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{
    DoseUnit, Percent, kg, m2, ml_per_min, parse_age, parse_bsa, parse_dose, parse_gfr,
    parse_height, parse_serum_creatinine, parse_weight,
};
use chemodose::regimen::{CycleCount, Regimen, RoundingRule, Status, parse_regimen};
use chemodose::renal::{GfrCap, RenalError, WeightBasis};
use rust_decimal::{Decimal, dec};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The regimen header every fixture shares: 21-day cycles, 6 cycles, active.
const HEADER: &str = r#"
id = "inline"
name = "Inline test regimen"
version = "1"
status = "active"
last_reviewed = 2026-01-01

emetogenic_risk = "low"
# The arithmetic under test, without the standard antiemetic set.
antiemetic_set = "as-needed"
[cycle]
length_days = 21
cycles = 6

[[source]]
citation = "Test fixture: doses chosen for clean arithmetic, not for treatment"
"#;

/// Loads a whole regimen text; a fixture the loader refuses fails the test.
fn parse(text: &str) -> Regimen {
    parse_regimen("inline.toml", text)
        .unwrap_or_else(|e| panic!("the fixture does not load:\n{e}\n---\n{text}"))
}

/// A regimen with the usual header and the given `[[drug]]` tables.
fn regimen(drugs: &str) -> Regimen {
    parse(&format!("{HEADER}{drugs}"))
}

/// A regimen whose header has `from` replaced by `to` (status, cycle count).
fn regimen_with(from: &str, to: &str, drugs: &str) -> Regimen {
    assert!(HEADER.contains(from), "the header has no `{from}`");
    parse(&format!("{}{drugs}", HEADER.replacen(from, to, 1)))
}

/// Runs the engine and insists that it gives doses.
fn plan(r: &Regimen, patient: &Patient, options: &DoseOptions, cycle: u32) -> DosePlan {
    calculate(r, patient, cycle, options).unwrap_or_else(|e| panic!("refused: {e} ({e:?})"))
}

/// Every administration as (drug, day, "final dose unit"), in plan order.
fn doses(plan: &DosePlan) -> Vec<(String, i32, String)> {
    plan.administrations
        .iter()
        .map(|a| {
            (
                a.drug.clone(),
                a.day,
                format!("{} {}", a.final_dose.normalize(), a.unit.symbol()),
            )
        })
        .collect()
}

/// Computes `cycle` of the inline regimen and compares every administration
/// with `expect`: (drug, day, "1638 mg"), in plan order (by day, then in the
/// regimen's drug order). Returns the plan for further assertions.
fn check(
    drugs: &str,
    patient: &Patient,
    options: &DoseOptions,
    cycle: u32,
    expect: &[(&str, i32, &str)],
) -> DosePlan {
    check_regimen(&regimen(drugs), patient, options, cycle, expect)
}

/// [`check`] for a regimen built some other way ([`regimen_with`]).
fn check_regimen(
    r: &Regimen,
    patient: &Patient,
    options: &DoseOptions,
    cycle: u32,
    expect: &[(&str, i32, &str)],
) -> DosePlan {
    let p = plan(r, patient, options, cycle);
    let expect: Vec<(String, i32, String)> = expect
        .iter()
        .map(|(d, day, dose)| ((*d).to_owned(), *day, (*dose).to_owned()))
        .collect();
    assert_eq!(doses(&p), expect, "cycle {cycle}");
    p
}

/// The engine's refusal of `cycle` of the inline regimen; a plan fails the test.
fn refused(drugs: &str, patient: &Patient, options: &DoseOptions, cycle: u32) -> DoseError {
    refused_regimen(&regimen(drugs), patient, options, cycle)
}

/// [`refused`] for a regimen built some other way.
fn refused_regimen(r: &Regimen, patient: &Patient, options: &DoseOptions, cycle: u32) -> DoseError {
    match calculate(r, patient, cycle, options) {
        Ok(p) => panic!("expected a refusal, got doses {:?}", doses(&p)),
        Err(e) => e,
    }
}

/// The one administration of `drug` on `day`.
fn admin<'a>(plan: &'a DosePlan, drug: &str, day: i32) -> &'a Administration {
    let mut found = plan
        .administrations
        .iter()
        .filter(|a| a.drug == drug && a.day == day);
    let a = found
        .next()
        .unwrap_or_else(|| panic!("no {drug} on day {day}"));
    assert!(found.next().is_none(), "{drug} twice on day {day}");
    a
}

/// The totals of `drug`.
fn total<'a>(plan: &'a DosePlan, drug: &str) -> &'a DrugTotal {
    plan.totals
        .iter()
        .find(|t| t.drug == drug)
        .unwrap_or_else(|| panic!("no totals for {drug}"))
}

fn patient(height: &str, weight: &str) -> Patient {
    Patient::new(parse_height(height).unwrap(), parse_weight(weight).unwrap())
}

/// 180 cm, 80 kg: sqrt(14400 / 3600) = 2.00 m².
fn bsa_2_0() -> Patient {
    patient("180cm", "80kg")
}

/// 150 cm, 54 kg: sqrt(8100 / 3600) = 1.50 m².
fn bsa_1_5() -> Patient {
    patient("150cm", "54kg")
}

/// 187.5 cm, 120 kg: sqrt(22500 / 3600) = 2.50 m².
fn bsa_2_5() -> Patient {
    patient("187.5cm", "120kg")
}

/// 120 cm, 30 kg: sqrt(3600 / 3600) = 1.00 m².
fn bsa_1_0() -> Patient {
    patient("120cm", "30kg")
}

/// 162 cm, 72 kg, 60 years, SCr 1 mg/dL: BSA 1.80 m²; CrCl 80 mL/min (man),
/// 68 mL/min (woman).
fn renal(sex: Sex) -> Patient {
    Patient {
        sex: Some(sex),
        age: Some(parse_age("60").unwrap()),
        serum_creatinine: Some(parse_serum_creatinine("1mg/dL").unwrap()),
        serum_creatinine_on: None,
        ..patient("162cm", "72kg")
    }
}

/// 177.8 cm (70 in), 103 kg: IBW 73 kg (man) or 68.5 kg (woman).
fn heavy(sex: Option<Sex>) -> Patient {
    Patient {
        sex,
        ..patient("177.8cm", "103kg")
    }
}

fn defaults() -> DoseOptions {
    DoseOptions::default()
}

fn pct(n: u32) -> Reduction {
    Reduction::Percent(Percent::whole(n))
}

/// A reduction for every antineoplastic drug.
fn reduce_all(r: Reduction) -> DoseOptions {
    DoseOptions {
        reductions: PerDrug {
            all: Some(r),
            ..PerDrug::default()
        },
        ..defaults()
    }
}

/// A reduction for one drug.
fn reduce(drug: &str, r: Reduction) -> DoseOptions {
    DoseOptions {
        reductions: PerDrug {
            all: None,
            drugs: [(drug.to_owned(), r)].into_iter().collect(),
        },
        ..defaults()
    }
}

/// A measured GFR for Calvert.
fn with_gfr(gfr: &str) -> DoseOptions {
    DoseOptions {
        gfr: Some(parse_gfr(gfr).unwrap()),
        ..defaults()
    }
}

fn planned(n: u32) -> DoseOptions {
    DoseOptions {
        planned_cycles: Some(n),
        ..defaults()
    }
}

/// A "nearest step" rounding rule as the loader reads `round = "1 mg"`.
fn step(s: &str) -> RoundingRule {
    RoundingRule::step(s).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------------------
// 1. Basis: per m², per kg, flat, AUC
// ---------------------------------------------------------------------------

#[test]
fn per_m2_dose_is_the_prescribed_dose_times_the_bsa() {
    // 900 mg/m² × 2.00 m² = 1800 mg on days 1 and 8; not rounded (round = none),
    // so the calculated dose is the final dose and nothing is adjusted.
    let p = check(
        r#"
[[drug]]
name = "gemcitabine"
role = "antineoplastic"
dose = "900 mg/m2"
route = "IV"
days = "1,8"
"#,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("gemcitabine", 1, "1800 mg"), ("gemcitabine", 8, "1800 mg")],
    );
    assert!(close(m2(p.bsa.used), 2.0));
    let a = admin(&p, "gemcitabine", 1);
    assert_eq!(a.calculated, dec!(1800));
    assert!(a.adjustments.is_empty(), "{:?}", a.adjustments);
    assert_eq!(
        a.prescription,
        Prescription::Own {
            dose: parse_dose("900 mg/m2").unwrap(),
            per: chemodose::regimen::DosePer::Day,
            days: 2,
            reduction: None,
            changed_days: None,
        }
    );
}

#[test]
fn a_mcg_per_m2_dose_stays_in_mcg() {
    // 500 mcg/m² × 1.50 m² = 750 mcg, shown in mcg (never as 0.75 mg).
    let p = check(
        r#"
[[drug]]
name = "dactinomycin"
role = "antineoplastic"
dose = "500 mcg/m2"
route = "IV"
days = "1"
"#,
        &bsa_1_5(),
        &defaults(),
        1,
        &[("dactinomycin", 1, "750 mcg")],
    );
    assert_eq!(admin(&p, "dactinomycin", 1).unit, DoseUnit::Mcg);
    // ... and its mg equivalent is 0.75 mg.
    assert_eq!(admin(&p, "dactinomycin", 1).final_mg(), dec!(0.75));
}

const GEMCITABINE_1MG: &str = r#"
[[drug]]
name = "gemcitabine"
role = "antineoplastic"
dose = "900 mg/m2"
route = "IV"
days = "1"
round = "1 mg"
"#;

#[test]
fn the_bsa_used_for_dosing_is_rounded_half_up_to_2_decimals() {
    // 170 cm, 70 kg: sqrt(11900 / 3600) = sqrt(3.305556) = 1.818119 m² → 1.82 m².
    // 900 × 1.82 = 1638 mg (from the unrounded BSA it would be 1636.3 mg).
    let p = check(
        GEMCITABINE_1MG,
        &patient("170cm", "70kg"),
        &defaults(),
        1,
        &[("gemcitabine", 1, "1638 mg")],
    );
    assert!(close(m2(p.bsa.used), 1.82));
    assert!((m2(p.bsa.unrounded) - 1.818119).abs() < 1e-6);
}

#[test]
fn the_bsa_rounding_policy_can_be_changed() {
    // Unrounded: 900 × 1.818119 = 1636.307 mg → 1636 mg (1 mg steps).
    check(
        GEMCITABINE_1MG,
        &patient("170cm", "70kg"),
        &DoseOptions {
            bsa_rounding: "none".parse().unwrap(),
            ..defaults()
        },
        1,
        &[("gemcitabine", 1, "1636 mg")],
    );
    // To 0.1 m²: 1.818119 → 1.8 m²; 900 × 1.8 = 1620 mg.
    check(
        GEMCITABINE_1MG,
        &patient("170cm", "70kg"),
        &DoseOptions {
            bsa_rounding: "0.1".parse().unwrap(),
            ..defaults()
        },
        1,
        &[("gemcitabine", 1, "1620 mg")],
    );
}

const PER_KG: &str = r#"
[[drug]]
name = "cyclophosphamide"
role = "antineoplastic"
dose = "10 mg/kg"
route = "IV"
days = "1"
"#;

fn dose_weight(basis: WeightBasis) -> DoseOptions {
    DoseOptions {
        dose_weight: basis,
        ..defaults()
    }
}

#[test]
fn per_kg_dose_uses_the_actual_weight_by_default() {
    // 10 mg/kg × 103 kg = 1030 mg.
    let p = check(
        PER_KG,
        &heavy(Some(Sex::Male)),
        &defaults(),
        1,
        &[("cyclophosphamide", 1, "1030 mg")],
    );
    let (basis, w) = p.dose_weight.expect("a per-kg drug reports its weight");
    assert_eq!(basis, WeightBasis::Actual);
    assert!(close(kg(w), 103.0));
}

#[test]
fn per_kg_dose_on_ideal_body_weight_devine() {
    // Man: IBW 50 + 2.3 × (70 in − 60) = 73 kg; 10 × 73 = 730 mg.
    let p = check(
        PER_KG,
        &heavy(Some(Sex::Male)),
        &dose_weight(WeightBasis::Ideal),
        1,
        &[("cyclophosphamide", 1, "730 mg")],
    );
    let (basis, w) = p.dose_weight.unwrap();
    assert_eq!(basis, WeightBasis::Ideal);
    assert!((kg(w) - 73.0).abs() < 1e-9);
    // Woman: 45.5 + 23 = 68.5 kg; 10 × 68.5 = 685 mg.
    check(
        PER_KG,
        &heavy(Some(Sex::Female)),
        &dose_weight(WeightBasis::Ideal),
        1,
        &[("cyclophosphamide", 1, "685 mg")],
    );
}

#[test]
fn per_kg_dose_on_adjusted_body_weight() {
    // Man: 73 + 0.4 × (103 − 73) = 85 kg; 10 × 85 = 850 mg.
    check(
        PER_KG,
        &heavy(Some(Sex::Male)),
        &dose_weight(WeightBasis::Adjusted),
        1,
        &[("cyclophosphamide", 1, "850 mg")],
    );
    // Woman: 68.5 + 0.4 × (103 − 68.5) = 68.5 + 13.8 = 82.3 kg; 10 × 82.3 = 823 mg.
    check(
        PER_KG,
        &heavy(Some(Sex::Female)),
        &dose_weight(WeightBasis::Adjusted),
        1,
        &[("cyclophosphamide", 1, "823 mg")],
    );
}

#[test]
fn ideal_or_adjusted_weight_without_sex_is_refused() {
    for basis in [WeightBasis::Ideal, WeightBasis::Adjusted] {
        let e = refused(PER_KG, &heavy(None), &dose_weight(basis), 1);
        assert_eq!(
            e,
            DoseError::NeedsMeasurement {
                drug: None,
                needs: Needed::SexForDoseWeight(basis),
            }
        );
        assert!(!e.is_safety_stop(), "missing input is not a safety stop");
    }
}

#[test]
fn a_flat_dose_ignores_bsa_and_weight() {
    // 8 mg whatever the patient; no per-kg drug, so no dose weight is reported.
    for patient in [bsa_1_0(), bsa_2_5()] {
        let p = check(
            r#"
[[drug]]
name = "ondansetron"
role = "premedication"
dose = "8 mg"
route = "IV"
days = "1"
"#,
            &patient,
            &defaults(),
            1,
            &[("ondansetron", 1, "8 mg")],
        );
        assert_eq!(p.dose_weight, None);
    }
}

const CARBOPLATIN: &str = r#"
[[drug]]
name = "carboplatin"
role = "antineoplastic"
dose = "AUC 5"
route = "IV"
days = "1"
reductions = { -1 = "AUC 4" }
"#;

#[test]
fn calvert_with_a_given_gfr() {
    // 5 × (100 + 25) = 625 mg; no GFR cap at 100 mL/min.
    let p = check(
        CARBOPLATIN,
        &bsa_2_0(),
        &with_gfr("100mL/min"),
        1,
        &[("carboplatin", 1, "625 mg")],
    );
    assert!(admin(&p, "carboplatin", 1).adjustments.is_empty());
    let c = p
        .renal
        .calvert
        .expect("the Calvert calculation is reported");
    assert!(!c.gfr_capped);
    assert!(close(ml_per_min(c.gfr_used), 100.0));
}

#[test]
fn calvert_caps_the_gfr_at_125() {
    // GFR 150 is capped at 125: 5 × (125 + 25) = 5 × 150 = 750 mg (not 5 × 175 = 875 mg).
    let p = check(
        CARBOPLATIN,
        &bsa_2_0(),
        &with_gfr("150mL/min"),
        1,
        &[("carboplatin", 1, "750 mg")],
    );
    assert_eq!(
        admin(&p, "carboplatin", 1).adjustments,
        vec![Adjustment::GfrCap {
            gfr_ml_min: dec!(150),
            used_ml_min: dec!(125),
        }]
    );
    assert!(p.renal.calvert.unwrap().gfr_capped);
}

#[test]
fn calvert_without_the_gfr_cap() {
    // Cap turned off: 5 × (150 + 25) = 875 mg, and no GfrCap adjustment.
    let p = check(
        CARBOPLATIN,
        &bsa_2_0(),
        &DoseOptions {
            gfr_cap: GfrCap::Off,
            ..with_gfr("150mL/min")
        },
        1,
        &[("carboplatin", 1, "875 mg")],
    );
    assert!(admin(&p, "carboplatin", 1).adjustments.is_empty());
}

#[test]
fn calvert_with_cockcroft_gault_from_age_sex_and_creatinine() {
    // Man: CrCl (140 − 60) × 72 / (72 × 1) = 80 mL/min; 5 × (80 + 25) = 525 mg.
    let p = check(
        CARBOPLATIN,
        &renal(Sex::Male),
        &defaults(),
        1,
        &[("carboplatin", 1, "525 mg")],
    );
    assert!(close(ml_per_min(p.renal.crcl.unwrap().value), 80.0));
    // Woman: 80 × 0.85 = 68 mL/min; 5 × (68 + 25) = 465 mg.
    let p = check(
        CARBOPLATIN,
        &renal(Sex::Female),
        &defaults(),
        1,
        &[("carboplatin", 1, "465 mg")],
    );
    assert!(close(ml_per_min(p.renal.crcl.unwrap().value), 68.0));
}

#[test]
fn a_given_gfr_wins_over_cockcroft_gault_for_calvert() {
    // CG would give 80 mL/min (525 mg); the measured 100 mL/min gives 5 × 125 = 625 mg.
    check(
        CARBOPLATIN,
        &renal(Sex::Male),
        &with_gfr("100mL/min"),
        1,
        &[("carboplatin", 1, "625 mg")],
    );
}

#[test]
fn calvert_without_renal_function_is_refused() {
    let e = refused(CARBOPLATIN, &bsa_2_0(), &defaults(), 1);
    assert_eq!(
        e,
        DoseError::NeedsMeasurement {
            drug: Some("carboplatin".to_owned()),
            needs: Needed::GfrForCalvert,
        }
    );
}

// ---------------------------------------------------------------------------
// 2. dose_per = "cycle"
// ---------------------------------------------------------------------------

const PER_CYCLE: &str = r#"
[[drug]]
name = "doxorubicin"
role = "antineoplastic"
dose = "60 mg/m2"
dose_per = "cycle"
route = "IV"
infusion = "96 h"
days = "1-4"
reductions = { -1 = "40 mg/m2" }
"#;

#[test]
fn a_per_cycle_dose_is_split_evenly_over_its_days() {
    // 60 mg/m² per cycle × 2.00 m² = 120 mg per cycle; / 4 days = 30 mg a day.
    let p = check(
        PER_CYCLE,
        &bsa_2_0(),
        &defaults(),
        1,
        &[
            ("doxorubicin", 1, "30 mg"),
            ("doxorubicin", 2, "30 mg"),
            ("doxorubicin", 3, "30 mg"),
            ("doxorubicin", 4, "30 mg"),
        ],
    );
    assert_eq!(total(&p, "doxorubicin").cycle_total, dec!(120));
    assert_eq!(total(&p, "doxorubicin").cycle_total_per_m2, Some(dec!(60)));
}

#[test]
fn a_per_cycle_dose_split_into_thirds_is_rounded_per_day() {
    // 100 mg/m² × 2.00 m² = 200 mg per cycle; / 3 = 66.67 mg → 67 mg a day; 201 mg per cycle.
    let p = check(
        r#"
[[drug]]
name = "etoposide"
role = "antineoplastic"
dose = "100 mg/m2"
dose_per = "cycle"
route = "IV"
days = "1-3"
round = "1 mg"
"#,
        &bsa_2_0(),
        &defaults(),
        1,
        &[
            ("etoposide", 1, "67 mg"),
            ("etoposide", 2, "67 mg"),
            ("etoposide", 3, "67 mg"),
        ],
    );
    assert_eq!(
        admin(&p, "etoposide", 1).calculated.round_dp(4),
        dec!(66.6667)
    );
    assert_eq!(total(&p, "etoposide").cycle_total, dec!(201));
}

#[test]
fn a_level_reduction_of_a_per_cycle_dose_is_split_too() {
    // Level -1: 40 mg/m² per cycle × 2.00 m² = 80 mg; / 4 = 20 mg a day.
    check(
        PER_CYCLE,
        &bsa_2_0(),
        &reduce_all(Reduction::Level(-1)),
        1,
        &[
            ("doxorubicin", 1, "20 mg"),
            ("doxorubicin", 2, "20 mg"),
            ("doxorubicin", 3, "20 mg"),
            ("doxorubicin", 4, "20 mg"),
        ],
    );
}

// ---------------------------------------------------------------------------
// 3. Reductions
// ---------------------------------------------------------------------------

/// Two antineoplastic drugs (docetaxel with two levels, gemcitabine with
/// none), a premedication and a supportive drug.
const FOUR_DRUGS: &str = r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "100 mg/m2"
route = "IV"
days = "1"
reductions = { -1 = "75 mg/m2", -2 = "50 mg/m2" }

[[drug]]
name = "gemcitabine"
role = "antineoplastic"
dose = "1000 mg/m2"
route = "IV"
days = "1,8"

[[drug]]
name = "ondansetron"
role = "premedication"
dose = "8 mg"
route = "IV"
days = "1,8"

[[drug]]
name = "dexamethasone"
role = "supportive"
dose = "20 mg"
route = "PO"
days = "1"
"#;

#[test]
fn full_doses_without_a_reduction() {
    // docetaxel 100 × 2 = 200 mg; gemcitabine 1000 × 2 = 2000 mg; flat 8 and 20 mg.
    check(
        FOUR_DRUGS,
        &bsa_2_0(),
        &defaults(),
        1,
        &[
            ("docetaxel", 1, "200 mg"),
            ("gemcitabine", 1, "2000 mg"),
            ("ondansetron", 1, "8 mg"),
            ("dexamethasone", 1, "20 mg"),
            ("gemcitabine", 8, "2000 mg"),
            ("ondansetron", 8, "8 mg"),
        ],
    );
}

#[test]
fn a_reduction_level_replaces_the_dose() {
    // Level -1: 75 mg/m² × 2.00 m² = 150 mg (from 200 mg).
    let p = check(
        FOUR_DRUGS,
        &bsa_2_0(),
        &reduce("docetaxel", Reduction::Level(-1)),
        1,
        &[
            ("docetaxel", 1, "150 mg"),
            ("gemcitabine", 1, "2000 mg"),
            ("ondansetron", 1, "8 mg"),
            ("dexamethasone", 1, "20 mg"),
            ("gemcitabine", 8, "2000 mg"),
            ("ondansetron", 8, "8 mg"),
        ],
    );
    let a = admin(&p, "docetaxel", 1);
    assert_eq!(
        a.adjustments,
        vec![Adjustment::ReductionLevel {
            level: -1,
            dose: parse_dose("75 mg/m2").unwrap(),
            from: dec!(200),
            to: dec!(150),
        }]
    );
    // The full dose is still what was prescribed; the level rides along.
    assert!(matches!(
        a.prescription,
        Prescription::Own {
            reduction: Some(chemodose::dose::AppliedReduction::Level { level: -1, .. }),
            ..
        }
    ));
    // Level -2: 50 × 2 = 100 mg.
    let p = plan(
        &regimen(FOUR_DRUGS),
        &bsa_2_0(),
        &reduce("docetaxel", Reduction::Level(-2)),
        1,
    );
    assert_eq!(admin(&p, "docetaxel", 1).final_dose, dec!(100));
}

#[test]
fn a_percent_reduction_scales_the_dose() {
    // 20 %: 200 mg × 0.8 = 160 mg.
    let p = plan(
        &regimen(FOUR_DRUGS),
        &bsa_2_0(),
        &reduce("docetaxel", pct(20)),
        1,
    );
    assert_eq!(
        admin(&p, "docetaxel", 1).adjustments,
        vec![Adjustment::ReductionPercent {
            percent: Percent::whole(20),
            from: dec!(200),
            to: dec!(160),
        }]
    );
    assert_eq!(admin(&p, "docetaxel", 1).final_dose, dec!(160));
    // Only the named drug: gemcitabine keeps 2000 mg.
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(2000));
}

#[test]
fn a_reduction_for_all_drugs_means_the_antineoplastic_drugs_only() {
    // 20 % off docetaxel (200 → 160 mg) and gemcitabine (2000 → 1600 mg);
    // the premedication (8 mg) and the supportive drug (20 mg) are not reduced.
    let p = check(
        FOUR_DRUGS,
        &bsa_2_0(),
        &reduce_all(pct(20)),
        1,
        &[
            ("docetaxel", 1, "160 mg"),
            ("gemcitabine", 1, "1600 mg"),
            ("ondansetron", 1, "8 mg"),
            ("dexamethasone", 1, "20 mg"),
            ("gemcitabine", 8, "1600 mg"),
            ("ondansetron", 8, "8 mg"),
        ],
    );
    assert!(admin(&p, "ondansetron", 1).adjustments.is_empty());
    assert!(admin(&p, "dexamethasone", 1).adjustments.is_empty());
}

#[test]
fn a_reduction_for_one_drug_wins_over_all() {
    // all = 20 %, docetaxel = level -1: docetaxel 75 × 2 = 150 mg (not 160 mg,
    // nor 150 × 0.8 = 120 mg); gemcitabine 2000 × 0.8 = 1600 mg.
    let options = DoseOptions {
        reductions: PerDrug {
            all: Some(pct(20)),
            drugs: [("docetaxel".to_owned(), Reduction::Level(-1))]
                .into_iter()
                .collect(),
        },
        ..defaults()
    };
    check(
        FOUR_DRUGS,
        &bsa_2_0(),
        &options,
        1,
        &[
            ("docetaxel", 1, "150 mg"),
            ("gemcitabine", 1, "1600 mg"),
            ("ondansetron", 1, "8 mg"),
            ("dexamethasone", 1, "20 mg"),
            ("gemcitabine", 8, "1600 mg"),
            ("ondansetron", 8, "8 mg"),
        ],
    );
}

#[test]
fn a_supportive_drug_named_on_its_own_is_reduced() {
    // dexamethasone = 50 %: 20 × 0.5 = 10 mg; everything else at full dose.
    check(
        FOUR_DRUGS,
        &bsa_2_0(),
        &reduce("dexamethasone", pct(50)),
        1,
        &[
            ("docetaxel", 1, "200 mg"),
            ("gemcitabine", 1, "2000 mg"),
            ("ondansetron", 1, "8 mg"),
            ("dexamethasone", 1, "10 mg"),
            ("gemcitabine", 8, "2000 mg"),
            ("ondansetron", 8, "8 mg"),
        ],
    );
}

#[test]
fn reductions_of_a_calvert_dose() {
    // Level -1 = AUC 4: 4 × (100 + 25) = 500 mg.
    check(
        CARBOPLATIN,
        &bsa_2_0(),
        &DoseOptions {
            gfr: Some(parse_gfr("100mL/min").unwrap()),
            ..reduce_all(Reduction::Level(-1))
        },
        1,
        &[("carboplatin", 1, "500 mg")],
    );
    // 20 %: 625 × 0.8 = 500 mg.
    check(
        CARBOPLATIN,
        &bsa_2_0(),
        &DoseOptions {
            gfr: Some(parse_gfr("100mL/min").unwrap()),
            ..reduce_all(pct(20))
        },
        1,
        &[("carboplatin", 1, "500 mg")],
    );
    // GFR 150 capped at 125, then level -1: 4 × 150 = 600 mg (from 5 × 150 = 750 mg).
    let p = plan(
        &regimen(CARBOPLATIN),
        &bsa_2_0(),
        &DoseOptions {
            gfr: Some(parse_gfr("150mL/min").unwrap()),
            ..reduce_all(Reduction::Level(-1))
        },
        1,
    );
    assert_eq!(
        admin(&p, "carboplatin", 1).adjustments,
        vec![
            Adjustment::GfrCap {
                gfr_ml_min: dec!(150),
                used_ml_min: dec!(125),
            },
            Adjustment::ReductionLevel {
                level: -1,
                dose: parse_dose("AUC 4").unwrap(),
                from: dec!(750),
                to: dec!(600),
            },
        ]
    );
}

#[test]
fn an_unknown_level_is_refused() {
    let e = refused(
        FOUR_DRUGS,
        &bsa_2_0(),
        &reduce("docetaxel", Reduction::Level(-3)),
        1,
    );
    assert_eq!(
        e,
        DoseError::NoSuchLevel {
            drug: "docetaxel".to_owned(),
            level: -3,
            regimen: "inline".to_owned(),
            available: vec![-1, -2],
        }
    );
    assert!(!e.is_safety_stop());
}

#[test]
fn a_level_for_all_drugs_is_refused_for_a_drug_without_levels() {
    // gemcitabine has no levels: refused rather than silently given at full dose.
    let e = refused(FOUR_DRUGS, &bsa_2_0(), &reduce_all(Reduction::Level(-1)), 1);
    assert_eq!(
        e,
        DoseError::NoSuchLevel {
            drug: "gemcitabine".to_owned(),
            level: -1,
            regimen: "inline".to_owned(),
            available: vec![],
        }
    );
}

#[test]
fn an_unknown_drug_name_is_refused() {
    let e = refused(FOUR_DRUGS, &bsa_2_0(), &reduce("cisplatin", pct(20)), 1);
    assert_eq!(
        e,
        DoseError::UnknownDrug {
            name: "cisplatin".to_owned(),
            regimen: "inline".to_owned(),
            known: ["docetaxel", "gemcitabine", "ondansetron", "dexamethasone"]
                .map(str::to_owned)
                .to_vec(),
        }
    );
    // The same for a rounding rule given for a drug the regimen does not have.
    let options = DoseOptions {
        rounding: PerDrug {
            all: None,
            drugs: [("cisplatin".to_owned(), step("1 mg"))]
                .into_iter()
                .collect(),
        },
        ..defaults()
    };
    assert!(matches!(
        refused(FOUR_DRUGS, &bsa_2_0(), &options, 1),
        DoseError::UnknownDrug { name, .. } if name == "cisplatin"
    ));
}

#[test]
fn a_percent_that_is_not_a_reduction_is_refused() {
    for n in [0, 100] {
        assert_eq!(
            refused(FOUR_DRUGS, &bsa_2_0(), &reduce_all(pct(n)), 1),
            DoseError::BadReduction(Percent::whole(n))
        );
    }
}

#[test]
fn a_reduction_named_in_another_case_is_applied_or_refused_never_ignored() {
    // 20 % of docetaxel 200 mg = 160 mg. The engine accepts the name (the
    // regimen lookup is case-insensitive) and then gives 200 mg.
    match calculate(
        &regimen(FOUR_DRUGS),
        &bsa_2_0(),
        1,
        &reduce("Docetaxel", pct(20)),
    ) {
        Ok(p) => assert_eq!(admin(&p, "docetaxel", 1).final_dose, dec!(160)),
        Err(e) => assert!(matches!(e, DoseError::UnknownDrug { .. }), "{e:?}"),
    }
}

// ---------------------------------------------------------------------------
// 4. Caps
// ---------------------------------------------------------------------------

fn docetaxel_capped(cap: &str) -> String {
    format!(
        r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "100 mg/m2"
route = "IV"
days = "1"
bsa_cap = "{cap}"
"#
    )
}

const DOCETAXEL: &str = r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "100 mg/m2"
route = "IV"
days = "1"
"#;

fn bsa_cap(cap: &str) -> DoseOptions {
    DoseOptions {
        bsa_cap: Some(parse_bsa(cap).unwrap()),
        ..defaults()
    }
}

#[test]
fn the_regimens_bsa_cap() {
    // 2.50 m² capped at 2.0 m²: 100 × 2.0 = 200 mg (from 100 × 2.5 = 250 mg).
    let p = check(
        &docetaxel_capped("2 m2"),
        &bsa_2_5(),
        &defaults(),
        1,
        &[("docetaxel", 1, "200 mg")],
    );
    let a = admin(&p, "docetaxel", 1);
    assert_eq!(a.calculated, dec!(250));
    assert_eq!(
        a.adjustments,
        vec![Adjustment::BsaCap {
            bsa_m2: dec!(2.5),
            cap_m2: dec!(2),
            source: CapSource::Regimen,
            from: dec!(250),
            to: dec!(200),
        }]
    );
}

#[test]
fn the_callers_bsa_cap() {
    // 2.50 m² capped at 2.2 m²: 100 × 2.2 = 220 mg.
    let p = check(
        DOCETAXEL,
        &bsa_2_5(),
        &bsa_cap("2.2m2"),
        1,
        &[("docetaxel", 1, "220 mg")],
    );
    assert_eq!(
        admin(&p, "docetaxel", 1).adjustments,
        vec![Adjustment::BsaCap {
            bsa_m2: dec!(2.5),
            cap_m2: dec!(2.2),
            source: CapSource::Options,
            from: dec!(250),
            to: dec!(220),
        }]
    );
}

#[test]
fn the_lower_bsa_cap_wins() {
    // Regimen 2.0, caller 2.2: the regimen's 2.0 m² → 200 mg.
    let p = check(
        &docetaxel_capped("2 m2"),
        &bsa_2_5(),
        &bsa_cap("2.2m2"),
        1,
        &[("docetaxel", 1, "200 mg")],
    );
    assert!(matches!(
        admin(&p, "docetaxel", 1).adjustments[..],
        [Adjustment::BsaCap {
            source: CapSource::Regimen,
            ..
        }]
    ));
    // Regimen 2.2, caller 2.0: the caller's 2.0 m² → 200 mg.
    let p = check(
        &docetaxel_capped("2.2 m2"),
        &bsa_2_5(),
        &bsa_cap("2m2"),
        1,
        &[("docetaxel", 1, "200 mg")],
    );
    assert!(matches!(
        admin(&p, "docetaxel", 1).adjustments[..],
        [Adjustment::BsaCap {
            source: CapSource::Options,
            ..
        }]
    ));
}

#[test]
fn a_bsa_cap_above_the_bsa_changes_nothing() {
    // 1.50 m² under a 2.0 m² cap: 100 × 1.5 = 150 mg, no adjustment.
    let p = check(
        &docetaxel_capped("2 m2"),
        &bsa_1_5(),
        &bsa_cap("2m2"),
        1,
        &[("docetaxel", 1, "150 mg")],
    );
    assert!(admin(&p, "docetaxel", 1).adjustments.is_empty());
}

#[test]
fn the_callers_bsa_cap_leaves_flat_per_kg_and_auc_doses_alone() {
    // 2.50 m², 120 kg, cap 2.0 m²: 8 mg flat; 10 mg/kg × 120 kg = 1200 mg;
    // AUC 5 × (100 + 25) = 625 mg.
    let drugs = format!(
        "{PER_KG}{CARBOPLATIN}{}",
        r#"
[[drug]]
name = "ondansetron"
role = "premedication"
dose = "8 mg"
route = "IV"
days = "1"
"#
    );
    let p = check(
        &drugs,
        &bsa_2_5(),
        &DoseOptions {
            gfr: Some(parse_gfr("100mL/min").unwrap()),
            ..bsa_cap("2m2")
        },
        1,
        &[
            ("cyclophosphamide", 1, "1200 mg"),
            ("carboplatin", 1, "625 mg"),
            ("ondansetron", 1, "8 mg"),
        ],
    );
    assert!(p.administrations.iter().all(|a| a.adjustments.is_empty()));
}

const VINCRISTINE: &str = r#"
[[drug]]
name = "vincristine"
role = "antineoplastic"
dose = "1.4 mg/m2"
route = "IV"
days = "1"
max_single_dose = "2 mg"
"#;

#[test]
fn the_maximum_single_dose() {
    // 1.4 × 2.00 = 2.8 mg, capped at 2 mg.
    let p = check(
        VINCRISTINE,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("vincristine", 1, "2 mg")],
    );
    assert_eq!(
        admin(&p, "vincristine", 1).adjustments,
        vec![Adjustment::MaxSingleDose {
            max: dec!(2),
            from: dec!(2.8),
            to: dec!(2),
        }]
    );
    // 1.4 × 1.00 = 1.4 mg, under the maximum: unchanged.
    let p = check(
        VINCRISTINE,
        &bsa_1_0(),
        &defaults(),
        1,
        &[("vincristine", 1, "1.4 mg")],
    );
    assert!(admin(&p, "vincristine", 1).adjustments.is_empty());
}

#[test]
fn the_bsa_cap_comes_before_the_maximum_single_dose() {
    // 1.4 × 2.5 = 3.5 mg → BSA cap 2.0 m²: 1.4 × 2.0 = 2.8 mg → maximum 2 mg.
    let drugs = format!("{VINCRISTINE}bsa_cap = \"2 m2\"\n");
    let p = check(
        &drugs,
        &bsa_2_5(),
        &defaults(),
        1,
        &[("vincristine", 1, "2 mg")],
    );
    assert_eq!(
        admin(&p, "vincristine", 1).adjustments,
        vec![
            Adjustment::BsaCap {
                bsa_m2: dec!(2.5),
                cap_m2: dec!(2),
                source: CapSource::Regimen,
                from: dec!(3.5),
                to: dec!(2.8),
            },
            Adjustment::MaxSingleDose {
                max: dec!(2),
                from: dec!(2.8),
                to: dec!(2),
            },
        ]
    );
}

#[test]
fn a_reduction_comes_before_the_bsa_cap() {
    // 100 × 2.5 = 250 mg; 20 % off: 200 mg; BSA cap 2.0 of 2.5 m²: 200 × 2 / 2.5 = 160 mg
    // (= 100 × 0.8 × 2.0).
    let p = check(
        &docetaxel_capped("2 m2"),
        &bsa_2_5(),
        &reduce_all(pct(20)),
        1,
        &[("docetaxel", 1, "160 mg")],
    );
    assert_eq!(
        admin(&p, "docetaxel", 1).adjustments,
        vec![
            Adjustment::ReductionPercent {
                percent: Percent::whole(20),
                from: dec!(250),
                to: dec!(200),
            },
            Adjustment::BsaCap {
                bsa_m2: dec!(2.5),
                cap_m2: dec!(2),
                source: CapSource::Regimen,
                from: dec!(200),
                to: dec!(160),
            },
        ]
    );
}

#[test]
fn every_step_in_order_then_the_companion() {
    // 2.50 m², 10 % off:
    // basis       1500 mg/m² × 2.5 m² = 3750 mg
    // reduction   3750 × 0.9 = 3375 mg
    // BSA cap     3375 × 2.0 / 2.5 = 2700 mg
    // maximum     2450 mg
    // rounding    2450 → 2500 (100 mg steps, half up) would cross 2450, so down to 2400 mg
    //             ((2400 − 2450) / 2450 = −2.04 %)
    // companion   mesna 60 % × 2400 = 1440 mg (1 mg steps: unchanged)
    let p = check(
        r#"
[[drug]]
name = "ifosfamide"
role = "antineoplastic"
dose = "1500 mg/m2"
route = "IV"
days = "1"
bsa_cap = "2 m2"
max_single_dose = "2450 mg"
round = "100 mg"

[[drug]]
name = "mesna"
role = "supportive"
route = "IV"
days = "1"
round = "1 mg"

[drug.companion]
of = "ifosfamide"
percent = 60
"#,
        &bsa_2_5(),
        &reduce_all(pct(10)),
        1,
        &[("ifosfamide", 1, "2400 mg"), ("mesna", 1, "1440 mg")],
    );
    assert_eq!(
        admin(&p, "ifosfamide", 1).adjustments,
        vec![
            Adjustment::ReductionPercent {
                percent: Percent::whole(10),
                from: dec!(3750),
                to: dec!(3375),
            },
            Adjustment::BsaCap {
                bsa_m2: dec!(2.5),
                cap_m2: dec!(2),
                source: CapSource::Regimen,
                from: dec!(3375),
                to: dec!(2700),
            },
            Adjustment::MaxSingleDose {
                max: dec!(2450),
                from: dec!(2700),
                to: dec!(2450),
            },
            Adjustment::Rounding {
                rule: step("100 mg"),
                from: dec!(2450),
                to: dec!(2400),
                deviation_percent: dec!(-2.04),
                held_under_cap: true,
            },
        ]
    );
    let mesna = admin(&p, "mesna", 1);
    assert_eq!(mesna.calculated, dec!(1440));
    assert!(mesna.adjustments.is_empty());
}

// ---------------------------------------------------------------------------
// 5. Rounding
// ---------------------------------------------------------------------------

fn rounded(dose: &str, round: &str) -> String {
    format!(
        r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "{dose}"
route = "IV"
days = "1"
round = "{round}"
"#
    )
}

#[test]
fn an_exact_half_rounds_up() {
    // 75 × 1.50 = 112.5 mg → 113 mg (1 mg steps, half up); +0.5 / 112.5 = +0.44 %.
    let p = check(
        &rounded("75 mg/m2", "1 mg"),
        &bsa_1_5(),
        &defaults(),
        1,
        &[("docetaxel", 1, "113 mg")],
    );
    assert_eq!(
        admin(&p, "docetaxel", 1).adjustments,
        vec![Adjustment::Rounding {
            rule: step("1 mg"),
            from: dec!(112.5),
            to: dec!(113),
            deviation_percent: dec!(0.44),
            held_under_cap: false,
        }]
    );
}

#[test]
fn an_exact_half_that_binary_floating_point_puts_below_still_rounds_up() {
    // 180 cm, 80.8 kg: sqrt(14544 / 3600) = sqrt(4.04) = 2.009975 → 2.01 m².
    // 450 × 2.01 = 904.5 mg exactly (904.4999999999999 in f64) → 905 mg.
    let p = check(
        &rounded("450 mg/m2", "1 mg"),
        &patient("180cm", "80.8kg"),
        &defaults(),
        1,
        &[("docetaxel", 1, "905 mg")],
    );
    assert!(close(m2(p.bsa.used), 2.01));
    assert_eq!(admin(&p, "docetaxel", 1).calculated, dec!(904.5));
}

#[test]
fn nearest_steps_of_10_mg_and_0_1_mg() {
    // 1050 × 1.50 = 1575 mg → 1580 mg (10 mg steps; 157.5 tens → 158).
    check(
        &rounded("1050 mg/m2", "10 mg"),
        &bsa_1_5(),
        &defaults(),
        1,
        &[("docetaxel", 1, "1580 mg")],
    );
    // 1040 × 1.50 = 1560 mg: already a step, unchanged.
    let p = check(
        &rounded("1040 mg/m2", "10 mg"),
        &bsa_1_5(),
        &defaults(),
        1,
        &[("docetaxel", 1, "1560 mg")],
    );
    assert!(admin(&p, "docetaxel", 1).adjustments.is_empty());
    // 1.5 × 1.50 = 2.25 mg → 2.3 mg (0.1 mg steps, half up).
    check(
        &rounded("1.5 mg/m2", "0.1 mg"),
        &bsa_1_5(),
        &defaults(),
        1,
        &[("docetaxel", 1, "2.3 mg")],
    );
}

#[test]
fn strengths_round_to_what_whole_tablets_make() {
    // 410 × 2.00 = 820 mg; 150 and 500 mg tablets make 650, 750, 800 (500 + 2 × 150),
    // 900, 950 mg... but not 850 mg. Nearest to 820 is 800 mg (−20 / 820 = −2.44 %).
    // (Rounding to a multiple of the smallest strength would give 750 mg.)
    let p = check(
        r#"
[[drug]]
name = "capecitabine"
role = "antineoplastic"
dose = "410 mg/m2"
route = "PO"
days = "1"
round = "strengths"
strengths = ["150 mg", "500 mg"]
"#,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("capecitabine", 1, "800 mg")],
    );
    assert!(matches!(
        &admin(&p, "capecitabine", 1).adjustments[..],
        [Adjustment::Rounding {
            rule: RoundingRule::Strengths,
            deviation_percent,
            held_under_cap: false,
            ..
        }] if *deviation_percent == dec!(-2.44)
    ));
}

fn banded(dose: &str, extra: &str) -> String {
    format!(
        r#"
[[drug]]
name = "fluorouracil"
role = "antineoplastic"
dose = "{dose}"
route = "IV"
days = "1"
round = "bands"
bands = ["1200 mg", "1400 mg", "1600 mg"]
{extra}
"#
    )
}

#[test]
fn bands_round_to_the_nearest_band() {
    // 740 × 2.00 = 1480 mg → 1400 mg (80 below vs 120 above; −5.41 %).
    check(
        &banded("740 mg/m2", ""),
        &bsa_2_0(),
        &defaults(),
        1,
        &[("fluorouracil", 1, "1400 mg")],
    );
    // 750 × 2.00 = 1500 mg, half-way between 1400 and 1600 → up, 1600 mg (+6.67 %).
    let p = check(
        &banded("750 mg/m2", ""),
        &bsa_2_0(),
        &defaults(),
        1,
        &[("fluorouracil", 1, "1600 mg")],
    );
    assert!(matches!(
        &admin(&p, "fluorouracil", 1).adjustments[..],
        [Adjustment::Rounding { deviation_percent, held_under_cap: false, .. }]
            if *deviation_percent == dec!(6.67)
    ));
}

#[test]
fn rounding_is_held_under_the_maximum_single_dose() {
    // 57 × 1.50 = 85.5 mg, under the 86 mg maximum (no cap adjustment); 10 mg steps
    // would give 90 mg > 86 mg, so it goes down to 80 mg ((80 − 85.5) / 85.5 = −6.43 %).
    let drugs = format!(
        "{}max_single_dose = \"86 mg\"\n",
        rounded("57 mg/m2", "10 mg")
    );
    let p = check(
        &drugs,
        &bsa_1_5(),
        &defaults(),
        1,
        &[("docetaxel", 1, "80 mg")],
    );
    assert_eq!(
        admin(&p, "docetaxel", 1).adjustments,
        vec![Adjustment::Rounding {
            rule: step("10 mg"),
            from: dec!(85.5),
            to: dec!(80),
            deviation_percent: dec!(-6.43),
            held_under_cap: true,
        }]
    );
    // Bands: 750 × 2.00 = 1500 mg would go up to 1600 mg, above a 1550 mg maximum:
    // held at 1400 mg (−6.67 %).
    let p = check(
        &banded("750 mg/m2", "max_single_dose = \"1550 mg\""),
        &bsa_2_0(),
        &defaults(),
        1,
        &[("fluorouracil", 1, "1400 mg")],
    );
    assert!(matches!(
        &admin(&p, "fluorouracil", 1).adjustments[..],
        [Adjustment::Rounding { deviation_percent, held_under_cap: true, .. }]
            if *deviation_percent == dec!(-6.67)
    ));
}

#[test]
fn rounding_is_held_under_the_callers_bsa_cap_even_when_it_does_not_bind() {
    // 1.50 m² under a 1.52 m² cap: 98 × 1.5 = 147 mg; the ceiling is 98 × 1.52 = 148.96 mg.
    // 10 mg steps: 150 mg > 148.96, so down to 140 mg ((140 − 147) / 147 = −4.76 %).
    let p = check(
        &rounded("98 mg/m2", "10 mg"),
        &bsa_1_5(),
        &bsa_cap("1.52m2"),
        1,
        &[("docetaxel", 1, "140 mg")],
    );
    assert!(matches!(
        &admin(&p, "docetaxel", 1).adjustments[..],
        [Adjustment::Rounding { deviation_percent, held_under_cap: true, .. }]
            if *deviation_percent == dec!(-4.76)
    ));
}

const ERIBULIN_1MG: &str = r#"
[[drug]]
name = "eribulin"
role = "antineoplastic"
dose = "1.4 mg/m2"
route = "IV"
days = "1,8"
round = "1 mg"
"#;

#[test]
fn rounding_beyond_the_tolerance_is_refused() {
    // 1.4 × 1.80 = 2.52 mg → 3 mg (1 mg steps): (3 − 2.52) / 2.52 = +19.05 % > 10 %.
    let e = refused(ERIBULIN_1MG, &renal(Sex::Female), &defaults(), 1);
    assert_eq!(
        e,
        DoseError::RoundingTolerance {
            drug: "eribulin".to_owned(),
            day: 1,
            calculated: dec!(2.52),
            rounded: dec!(3),
            unit: DoseUnit::Mg,
            deviation: dec!(19.05),
            tolerance: Percent::whole(10),
        }
    );
    assert!(e.is_safety_stop());
    assert!(
        e.stops().is_empty(),
        "rounding beyond the tolerance has no override"
    );
}

#[test]
fn a_wider_tolerance_accepts_the_same_rounding() {
    // +19.05 % ≤ 20 %: 3 mg on days 1 and 8.
    check(
        ERIBULIN_1MG,
        &renal(Sex::Female),
        &DoseOptions {
            rounding_tolerance: Percent::whole(20),
            ..defaults()
        },
        1,
        &[("eribulin", 1, "3 mg"), ("eribulin", 8, "3 mg")],
    );
}

#[test]
fn a_deviation_of_exactly_the_tolerance_is_accepted() {
    // 50 × 2.00 = 100 mg, half-way between bands 90 and 110 mg → 110 mg, +10.00 %:
    // within (not beyond) a 10 % tolerance.
    let p = check(
        r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "50 mg/m2"
route = "IV"
days = "1"
round = "bands"
bands = ["90 mg", "110 mg"]
"#,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("docetaxel", 1, "110 mg")],
    );
    assert!(matches!(
        &admin(&p, "docetaxel", 1).adjustments[..],
        [Adjustment::Rounding { deviation_percent, .. }] if *deviation_percent == dec!(10)
    ));
}

fn zero_tolerance() -> DoseOptions {
    DoseOptions {
        rounding_tolerance: Percent::whole(0),
        ..defaults()
    }
}

#[test]
fn a_zero_tolerance_accepts_only_doses_rounding_does_not_change() {
    // 75 × 2.00 = 150 mg: already whole, accepted.
    check(
        &rounded("75 mg/m2", "1 mg"),
        &bsa_2_0(),
        &zero_tolerance(),
        1,
        &[("docetaxel", 1, "150 mg")],
    );
    // 75 × 1.50 = 112.5 → 113 mg, +0.44 % > 0 %: refused.
    let e = refused(
        &rounded("75 mg/m2", "1 mg"),
        &bsa_1_5(),
        &zero_tolerance(),
        1,
    );
    assert!(
        matches!(
            &e,
            DoseError::RoundingTolerance { calculated, rounded, deviation, tolerance, .. }
                if *calculated == dec!(112.5) && *rounded == dec!(113)
                    && *deviation == dec!(0.44) && *tolerance == Percent::whole(0)
        ),
        "{e:?}"
    );
}

#[test]
fn a_zero_tolerance_refuses_even_a_tiny_rounding() {
    // 60 mg/kg × 83.33 kg = 4999.8 mg → 5000 mg (1 mg steps): +0.2 / 4999.8 = +0.004 %.
    // A 0 % tolerance means no change allowed, so this must be refused; the engine
    // rounds +0.004 % to 0.00 % and accepts it.
    let e = refused(
        r#"
[[drug]]
name = "cyclophosphamide"
role = "antineoplastic"
dose = "60 mg/kg"
route = "IV"
days = "1"
round = "1 mg"
"#,
        &patient("170cm", "83.33kg"),
        &zero_tolerance(),
        1,
    );
    assert!(
        matches!(&e, DoseError::RoundingTolerance { calculated, rounded, .. }
            if *calculated == dec!(4999.8) && *rounded == dec!(5000)),
        "{e:?}"
    );
}

#[test]
fn the_callers_rounding_for_all_drugs_leaves_supportive_drugs_alone() {
    // 10 mg steps for "all": docetaxel 75 × 1.50 = 112.5 → 110 mg (−2.22 %);
    // filgrastim 5 mcg/kg × 54 kg = 270 mcg stays 270 mcg (10 mg steps would make it 0).
    let drugs = format!(
        "{}{}",
        rounded("75 mg/m2", "1 mg"),
        r#"
[[drug]]
name = "filgrastim"
role = "supportive"
dose = "5 mcg/kg"
route = "SC"
days = "2"
"#
    );
    let mut options = DoseOptions {
        rounding: PerDrug {
            all: Some(step("10 mg")),
            ..PerDrug::default()
        },
        ..defaults()
    };
    check(
        &drugs,
        &bsa_1_5(),
        &options,
        1,
        &[("docetaxel", 1, "110 mg"), ("filgrastim", 2, "270 mcg")],
    );
    // Named on its own, a supportive drug is rounded: 50 mcg steps, 270 → 250 mcg
    // (5.4 steps → 5; −7.41 %).
    options
        .rounding
        .drugs
        .insert("filgrastim".to_owned(), step("50 mcg"));
    check(
        &drugs,
        &bsa_1_5(),
        &options,
        1,
        &[("docetaxel", 1, "110 mg"), ("filgrastim", 2, "250 mcg")],
    );
}

// ---------------------------------------------------------------------------
// 6. Companions
// ---------------------------------------------------------------------------

fn ifosfamide_mesna(ifosfamide_days: &str, mesna_days: &str, cycles: &str) -> String {
    format!(
        r#"
[[drug]]
name = "ifosfamide"
role = "antineoplastic"
dose = "1500 mg/m2"
route = "IV"
days = "{ifosfamide_days}"
round = "100 mg"
{cycles}

[[drug]]
name = "mesna"
role = "supportive"
route = "IV"
days = "{mesna_days}"
round = "1 mg"
{cycles}

[drug.companion]
of = "ifosfamide"
percent = 60
"#
    )
}

#[test]
fn a_companion_follows_the_parents_final_dose() {
    // ifosfamide 1500 × 1.50 = 2250 mg → 2300 mg (100 mg steps, 22.5 → 23);
    // mesna 60 % of the final 2300 mg = 1380 mg (not 60 % of 2250 = 1350 mg).
    let p = check(
        &ifosfamide_mesna("1-3", "1-3", ""),
        &bsa_1_5(),
        &defaults(),
        1,
        &[
            ("ifosfamide", 1, "2300 mg"),
            ("mesna", 1, "1380 mg"),
            ("ifosfamide", 2, "2300 mg"),
            ("mesna", 2, "1380 mg"),
            ("ifosfamide", 3, "2300 mg"),
            ("mesna", 3, "1380 mg"),
        ],
    );
    let mesna = admin(&p, "mesna", 2);
    assert_eq!(
        mesna.prescription,
        Prescription::Companion {
            of: "ifosfamide".to_owned(),
            percent: dec!(60),
        }
    );
    assert_eq!(mesna.calculated, dec!(1380));
}

#[test]
fn a_companion_follows_a_reduced_parent_and_is_not_reduced_again() {
    // 20 % off ifosfamide: 2250 × 0.8 = 1800 mg (a step already); mesna 60 % × 1800 = 1080 mg
    // (not 1080 × 0.8: mesna is supportive and derived, not reduced itself).
    check(
        &ifosfamide_mesna("1-3", "1-3", ""),
        &bsa_1_5(),
        &reduce_all(pct(20)),
        1,
        &[
            ("ifosfamide", 1, "1800 mg"),
            ("mesna", 1, "1080 mg"),
            ("ifosfamide", 2, "1800 mg"),
            ("mesna", 2, "1080 mg"),
            ("ifosfamide", 3, "1800 mg"),
            ("mesna", 3, "1080 mg"),
        ],
    );
}

#[test]
fn a_companion_is_given_on_its_own_days_among_the_parents() {
    // ifosfamide days 1-5, mesna days 1, 3, 5 only.
    check(
        &ifosfamide_mesna("1-5", "1,3,5", ""),
        &bsa_1_5(),
        &defaults(),
        1,
        &[
            ("ifosfamide", 1, "2300 mg"),
            ("mesna", 1, "1380 mg"),
            ("ifosfamide", 2, "2300 mg"),
            ("ifosfamide", 3, "2300 mg"),
            ("mesna", 3, "1380 mg"),
            ("ifosfamide", 4, "2300 mg"),
            ("ifosfamide", 5, "2300 mg"),
            ("mesna", 5, "1380 mg"),
        ],
    );
}

#[test]
fn a_companion_on_a_day_without_its_parent_does_not_load() {
    // Day 6 has no ifosfamide to derive mesna from: the loader refuses the file
    // (the same file with days 1-5 loads).
    let bad = format!("{HEADER}{}", ifosfamide_mesna("1-5", "1-6", ""));
    assert!(parse_regimen("inline.toml", &bad).is_err());
    regimen(&ifosfamide_mesna("1-5", "1-5", ""));
}

#[test]
fn a_companion_is_given_only_in_its_parents_cycles() {
    // Both given in cycles 1-2: cycle 2 has both, cycle 3 has neither.
    let drugs = ifosfamide_mesna("1", "1", "cycles = \"1-2\"");
    check(
        &drugs,
        &bsa_1_5(),
        &defaults(),
        2,
        &[("ifosfamide", 1, "2300 mg"), ("mesna", 1, "1380 mg")],
    );
    check(&drugs, &bsa_1_5(), &defaults(), 3, &[]);
}

// ---------------------------------------------------------------------------
// 7. Instructions
// ---------------------------------------------------------------------------

const WITH_INSTRUCTION: &str = r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "100 mg/m2"
route = "IV"
days = "8"

[[drug]]
name = "filgrastim"
role = "supportive"
instruction = "G-CSF SC daily per local protocol"
route = "SC"
days = "9-11"
"#;

#[test]
fn an_instruction_appears_on_its_days_with_no_amount() {
    // docetaxel 100 × 2.00 = 200 mg on day 8; filgrastim as an instruction on days 9-11.
    let p = check(
        WITH_INSTRUCTION,
        &bsa_2_0(),
        &defaults(),
        1,
        &[
            ("docetaxel", 8, "200 mg"),
            ("filgrastim", 9, "0 mg"),
            ("filgrastim", 10, "0 mg"),
            ("filgrastim", 11, "0 mg"),
        ],
    );
    for day in 9..=11 {
        let a = admin(&p, "filgrastim", day);
        assert_eq!(a.instruction(), Some("G-CSF SC daily per local protocol"));
        assert_eq!(a.calculated, Decimal::ZERO);
        assert_eq!(a.final_dose, Decimal::ZERO);
        assert!(a.adjustments.is_empty());
        assert_eq!(a.basis(), None);
        assert_eq!(a.route, "SC");
    }
    assert_eq!(admin(&p, "docetaxel", 8).instruction(), None);
    // An instruction has no totals.
    assert_eq!(
        p.totals.iter().map(|t| t.drug.as_str()).collect::<Vec<_>>(),
        ["docetaxel"]
    );
}

#[test]
fn an_instruction_is_not_touched_by_reductions() {
    // 20 % for all: docetaxel 160 mg; the instruction is unchanged.
    let p = check(
        WITH_INSTRUCTION,
        &bsa_2_0(),
        &reduce_all(pct(20)),
        1,
        &[
            ("docetaxel", 8, "160 mg"),
            ("filgrastim", 9, "0 mg"),
            ("filgrastim", 10, "0 mg"),
            ("filgrastim", 11, "0 mg"),
        ],
    );
    assert!(admin(&p, "filgrastim", 9).instruction().is_some());
}

// ---------------------------------------------------------------------------
// 8. Phases and cycle ranges
// ---------------------------------------------------------------------------

const LOADING_DOSE: &str = r#"
[[drug]]
name = "olaratumab"
role = "antineoplastic"
dose = "15 mg/kg"
route = "IV"
days = "1,8"

[[drug.phase]]
cycles = "1"
dose = "20 mg/kg"
"#;

#[test]
fn a_loading_dose_in_cycle_1() {
    // 80 kg: cycle 1 20 × 80 = 1600 mg; from cycle 2 15 × 80 = 1200 mg.
    let p = check(
        LOADING_DOSE,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("olaratumab", 1, "1600 mg"), ("olaratumab", 8, "1600 mg")],
    );
    assert!(matches!(
        &admin(&p, "olaratumab", 1).prescription,
        Prescription::Own { dose, .. } if *dose == parse_dose("20 mg/kg").unwrap()
    ));
    for cycle in [2, 6] {
        check(
            LOADING_DOSE,
            &bsa_2_0(),
            &defaults(),
            cycle,
            &[("olaratumab", 1, "1200 mg"), ("olaratumab", 8, "1200 mg")],
        );
    }
}

#[test]
fn a_phase_from_a_cycle_on() {
    // cycles = "4-": 100 × 2.00 = 200 mg in cycles 1-3, 50 × 2.00 = 100 mg from cycle 4.
    let drugs = format!("{DOCETAXEL}\n[[drug.phase]]\ncycles = \"4-\"\ndose = \"50 mg/m2\"\n");
    check(
        &drugs,
        &bsa_2_0(),
        &defaults(),
        3,
        &[("docetaxel", 1, "200 mg")],
    );
    for cycle in [4, 6] {
        check(
            &drugs,
            &bsa_2_0(),
            &defaults(),
            cycle,
            &[("docetaxel", 1, "100 mg")],
        );
    }
}

/// docetaxel every cycle, doxorubicin in cycles 1-4, dacarbazine from cycle 3.
const CYCLE_RANGES: &str = r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "100 mg/m2"
route = "IV"
days = "1"

[[drug]]
name = "doxorubicin"
role = "antineoplastic"
dose = "25 mg/m2"
route = "IV"
days = "1"
cycles = "1-4"

[[drug]]
name = "dacarbazine"
role = "antineoplastic"
dose = "200 mg/m2"
route = "IV"
days = "1"
cycles = "3-"
"#;

#[test]
fn drugs_given_in_some_cycles_only() {
    // 2.00 m²: docetaxel 200 mg, doxorubicin 50 mg, dacarbazine 400 mg.
    check(
        CYCLE_RANGES,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("docetaxel", 1, "200 mg"), ("doxorubicin", 1, "50 mg")],
    );
    check(
        CYCLE_RANGES,
        &bsa_2_0(),
        &defaults(),
        3,
        &[
            ("docetaxel", 1, "200 mg"),
            ("doxorubicin", 1, "50 mg"),
            ("dacarbazine", 1, "400 mg"),
        ],
    );
    let p = check(
        CYCLE_RANGES,
        &bsa_2_0(),
        &defaults(),
        5,
        &[("docetaxel", 1, "200 mg"), ("dacarbazine", 1, "400 mg")],
    );
    // Course totals count each drug's own cycles: docetaxel 6 × 200 = 1200 mg;
    // doxorubicin 4 × 50 = 200 mg (cycles 1-4); dacarbazine 4 × 400 = 1600 mg (cycles 3-6).
    // A drug not given in this cycle keeps its course total, with a cycle total of 0.
    assert_eq!(total(&p, "docetaxel").course_total, Some(dec!(1200)));
    assert_eq!(total(&p, "doxorubicin").cycle_total, Decimal::ZERO);
    assert_eq!(total(&p, "doxorubicin").course_total, Some(dec!(200)));
    assert_eq!(total(&p, "dacarbazine").course_total, Some(dec!(1600)));
}

// ---------------------------------------------------------------------------
// 9. Totals
// ---------------------------------------------------------------------------

#[test]
fn cycle_and_course_totals_with_per_m2_totals() {
    // 75 × 1.50 = 112.5 → 113 mg on days 1 and 8.
    // cycle: 2 × 113 = 226 mg = 226 / 1.5 = 150.67 mg/m²;
    // course: 6 × 226 = 1356 mg = 1356 / 1.5 = 904 mg/m².
    let drugs = rounded("75 mg/m2", "1 mg").replace("days = \"1\"", "days = \"1,8\"");
    let p = check(
        &drugs,
        &bsa_1_5(),
        &defaults(),
        1,
        &[("docetaxel", 1, "113 mg"), ("docetaxel", 8, "113 mg")],
    );
    assert_eq!(
        *total(&p, "docetaxel"),
        DrugTotal {
            drug: "docetaxel".to_owned(),
            unit: DoseUnit::Mg,
            cycle_total: dec!(226),
            cycle_total_per_m2: Some(dec!(150.67)),
            course_cycles: Some(6),
            course_total: Some(dec!(1356)),
            course_total_per_m2: Some(dec!(904)),
            limit: None,
        }
    );
    // Planned 4 cycles: 4 × 226 = 904 mg = 602.67 mg/m².
    let p = plan(&regimen(&drugs), &bsa_1_5(), &planned(4), 1);
    let t = total(&p, "docetaxel");
    assert_eq!(t.course_cycles, Some(4));
    assert_eq!(t.course_total, Some(dec!(904)));
    assert_eq!(t.course_total_per_m2, Some(dec!(602.67)));
}

#[test]
fn the_course_total_counts_a_loading_dose_once() {
    // 80 kg: cycle 1 2 × 1600 = 3200 mg; cycles 2-6 5 × 2 × 1200 = 12000 mg;
    // course 15200 mg. Per kg, so no per-m² totals.
    for (cycle, cycle_total) in [(1, dec!(3200)), (2, dec!(2400))] {
        let p = plan(&regimen(LOADING_DOSE), &bsa_2_0(), &defaults(), cycle);
        let t = total(&p, "olaratumab");
        assert_eq!(t.cycle_total, cycle_total);
        assert_eq!(t.course_total, Some(dec!(15200)));
        assert_eq!(t.cycle_total_per_m2, None);
        assert_eq!(t.course_total_per_m2, None);
    }
    // A phase from cycle 4: 3 × 200 + 3 × 100 = 900 mg = 450 mg/m².
    let drugs = format!("{DOCETAXEL}\n[[drug.phase]]\ncycles = \"4-\"\ndose = \"50 mg/m2\"\n");
    let p = plan(&regimen(&drugs), &bsa_2_0(), &defaults(), 1);
    assert_eq!(total(&p, "docetaxel").course_total, Some(dec!(900)));
    assert_eq!(total(&p, "docetaxel").course_total_per_m2, Some(dec!(450)));
}

#[test]
fn until_progression_has_no_course_total() {
    // No planned course: cycle 40 is computed (100 × 2.00 = 200 mg) and there is no course total.
    let r = regimen_with("cycles = 6", "cycles = \"until-progression\"", DOCETAXEL);
    let p = check_regimen(
        &r,
        &bsa_2_0(),
        &defaults(),
        40,
        &[("docetaxel", 1, "200 mg")],
    );
    let t = total(&p, "docetaxel");
    assert_eq!(t.cycle_total, dec!(200));
    assert_eq!(t.course_cycles, None);
    assert_eq!(t.course_total, None);
    assert_eq!(t.course_total_per_m2, None);
    assert_eq!(p.planned_cycles, None);
}

// ---------------------------------------------------------------------------
// 10. Per-cycle ceiling
// ---------------------------------------------------------------------------

const CISPLATIN_40MG: &str = r#"
[[drug]]
name = "cisplatin"
role = "antineoplastic"
dose = "25 mg/m2"
route = "IV"
days = "1"
round = "1 mg"
max_per_cycle = "40 mg"
max_per_cycle_source = "Test ceiling in mg"
"#;

#[test]
fn a_per_cycle_ceiling_in_mg_is_refused() {
    // 25 × 2.00 = 50 mg in the cycle > 40 mg.
    let e = refused(CISPLATIN_40MG, &bsa_2_0(), &defaults(), 1);
    assert_eq!(
        e,
        DoseError::Refused(vec![Stop::PerCycleCeiling {
            drug: "cisplatin".to_owned(),
            cycle: 1,
            amount: dec!(50),
            unit: LimitUnit::Mg,
            ceiling: parse_dose("40 mg").unwrap(),
            ceiling_source: Some("Test ceiling in mg".to_owned()),
        }])
    );
    assert!(e.is_safety_stop());
    assert_eq!(e.stops()[0].code(), "per-cycle-ceiling");
}

#[test]
fn a_per_cycle_ceiling_is_not_crossed_by_a_smaller_patient_or_a_reduction() {
    // 25 × 1.50 = 37.5 → 38 mg ≤ 40 mg.
    let p = check(
        CISPLATIN_40MG,
        &bsa_1_5(),
        &defaults(),
        1,
        &[("cisplatin", 1, "38 mg")],
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // 20 % off: 50 × 0.8 = 40 mg, at (not above) the ceiling.
    check(
        CISPLATIN_40MG,
        &bsa_2_0(),
        &reduce_all(pct(20)),
        1,
        &[("cisplatin", 1, "40 mg")],
    );
}

#[test]
fn a_per_cycle_ceiling_overridden_with_a_reason() {
    // 50 mg given, with the overridden stop carrying the reason.
    let options = DoseOptions {
        overrides: overrides("per-cycle-ceiling", "confirmed with the oncologist"),
        ..defaults()
    };
    let p = check(
        CISPLATIN_40MG,
        &bsa_2_0(),
        &options,
        1,
        &[("cisplatin", 1, "50 mg")],
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(p.overridden.len(), 1);
    assert_eq!(
        p.overridden[0].stop,
        Stop::PerCycleCeiling {
            drug: "cisplatin".to_owned(),
            cycle: 1,
            amount: dec!(50),
            unit: LimitUnit::Mg,
            ceiling: parse_dose("40 mg").unwrap(),
            ceiling_source: Some("Test ceiling in mg".to_owned()),
        }
    );
    assert_eq!(p.overridden[0].reason, "confirmed with the oncologist");
}

#[test]
fn a_per_cycle_ceiling_in_mg_sums_every_day() {
    // 20 × 2.00 = 40 mg on days 1 and 2 = 80 mg: at an 80 mg ceiling, accepted;
    // at 2.50 m², 2 × 50 = 100 mg > 80 mg, refused.
    let drugs = r#"
[[drug]]
name = "cisplatin"
role = "antineoplastic"
dose = "20 mg/m2"
route = "IV"
days = "1,2"
max_per_cycle = "80 mg"
"#;
    check(
        drugs,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("cisplatin", 1, "40 mg"), ("cisplatin", 2, "40 mg")],
    );
    assert!(matches!(
        refused(drugs, &bsa_2_5(), &defaults(), 1),
        DoseError::Refused(stops)
            if matches!(&stops[..], [Stop::PerCycleCeiling { amount, ceiling_source: None, .. }] if *amount == dec!(100))
    ));
}

/// Cisplatin `dose` on days 1-4, 1 mg steps, under a 100 mg/m² per-cycle ceiling.
fn cisplatin_days_1_to_4(dose: &str) -> String {
    format!(
        r#"
[[drug]]
name = "cisplatin"
role = "antineoplastic"
dose = "{dose}"
route = "IV"
days = "1-4"
round = "1 mg"
max_per_cycle = "100 mg/m2"
max_per_cycle_source = "Test ceiling per m2"
"#
    )
}

#[test]
fn a_per_m2_ceiling_is_shared_over_the_days_and_rounding_is_held_under_it() {
    // 25 mg/m² on days 1-4 = 100 mg/m² per cycle, at the 100 mg/m² ceiling.
    // 25 × 1.50 = 37.5 mg a day; the ceiling's share is 100 × 1.50 / 4 = 37.5 mg.
    // Half up would give 38 mg > 37.5 mg (4 × 38 = 152 mg = 101.33 mg/m² of final
    // doses, over the ceiling), so each day is held under the cap at 37 mg
    // ((37 − 37.5) / 37.5 = −1.33 %): 4 × 37 = 148 mg = 148 / 1.5 = 98.67 mg/m².
    let p = check(
        &cisplatin_days_1_to_4("25 mg/m2"),
        &bsa_1_5(),
        &defaults(),
        1,
        &[
            ("cisplatin", 1, "37 mg"),
            ("cisplatin", 2, "37 mg"),
            ("cisplatin", 3, "37 mg"),
            ("cisplatin", 4, "37 mg"),
        ],
    );
    for day in 1..=4 {
        assert_eq!(
            admin(&p, "cisplatin", day).adjustments,
            vec![Adjustment::Rounding {
                rule: step("1 mg"),
                from: dec!(37.5),
                to: dec!(37),
                deviation_percent: dec!(-1.33),
                held_under_cap: true,
            }],
            "day {day}"
        );
    }
    let t = total(&p, "cisplatin");
    assert_eq!(t.cycle_total, dec!(148));
    assert_eq!(t.cycle_total_per_m2, Some(dec!(98.67)));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert!(p.overridden.is_empty(), "{:?}", p.overridden);
}

#[test]
fn a_dose_under_the_ceiling_share_rounds_as_usual() {
    // 24 × 1.50 = 36 mg a day, no rounding; 24.2 × 1.50 = 36.3 → 36 mg (down,
    // as usual). The share 100 × 1.50 / 4 = 37.5 mg is not reached: no cap shown.
    for dose in ["24 mg/m2", "24.2 mg/m2"] {
        let p = check(
            &cisplatin_days_1_to_4(dose),
            &bsa_1_5(),
            &defaults(),
            1,
            &[
                ("cisplatin", 1, "36 mg"),
                ("cisplatin", 2, "36 mg"),
                ("cisplatin", 3, "36 mg"),
                ("cisplatin", 4, "36 mg"),
            ],
        );
        assert!(
            admin(&p, "cisplatin", 1)
                .adjustments
                .iter()
                .all(|a| !matches!(
                    a,
                    Adjustment::Rounding {
                        held_under_cap: true,
                        ..
                    }
                )),
            "{dose}"
        );
    }
    // At 1.00 m², 24.6 mg/m² gives 24.6 mg a day → 25 mg (half up), at most the
    // share 100 × 1.00 / 4 = 25 mg: not held (4 × 25 = 100 mg = 100 mg/m², at the
    // ceiling, accepted).
    let p = check(
        &cisplatin_days_1_to_4("24.6 mg/m2"),
        &bsa_1_0(),
        &defaults(),
        1,
        &[
            ("cisplatin", 1, "25 mg"),
            ("cisplatin", 2, "25 mg"),
            ("cisplatin", 3, "25 mg"),
            ("cisplatin", 4, "25 mg"),
        ],
    );
    assert!(matches!(
        &admin(&p, "cisplatin", 1).adjustments[..],
        [Adjustment::Rounding {
            held_under_cap: false,
            ..
        }]
    ));
    assert_eq!(total(&p, "cisplatin").cycle_total_per_m2, Some(dec!(100)));
}

#[test]
fn a_callers_coarser_step_cannot_carry_the_cycle_over_a_per_m2_ceiling() {
    // The caller's 5 mg steps: 25 × 1.50 = 37.5 mg would go half up to 40 mg,
    // above the share 100 × 1.50 / 4 = 37.5 mg (4 × 40 = 160 mg = 106.67 mg/m²),
    // so it goes down to 35 mg ((35 − 37.5) / 37.5 = −6.67 %, within 10 %):
    // 4 × 35 = 140 mg = 140 / 1.5 = 93.33 mg/m².
    let drugs = cisplatin_days_1_to_4("25 mg/m2");
    let mut options = DoseOptions {
        rounding: PerDrug {
            all: Some(step("5 mg")),
            ..PerDrug::default()
        },
        ..defaults()
    };
    let p = check(
        &drugs,
        &bsa_1_5(),
        &options,
        1,
        &[
            ("cisplatin", 1, "35 mg"),
            ("cisplatin", 2, "35 mg"),
            ("cisplatin", 3, "35 mg"),
            ("cisplatin", 4, "35 mg"),
        ],
    );
    assert_eq!(
        admin(&p, "cisplatin", 1).adjustments,
        vec![Adjustment::Rounding {
            rule: step("5 mg"),
            from: dec!(37.5),
            to: dec!(35),
            deviation_percent: dec!(-6.67),
            held_under_cap: true,
        }]
    );
    assert_eq!(total(&p, "cisplatin").cycle_total_per_m2, Some(dec!(93.33)));
    // 10 mg steps: 40 mg would cross the share, and down is 30 mg
    // ((30 − 37.5) / 37.5 = −20 % > 10 %): refused for the rounding, never
    // given as 4 × 40 = 160 mg over the ceiling.
    options.rounding.all = Some(step("10 mg"));
    assert_eq!(
        refused(&drugs, &bsa_1_5(), &options, 1),
        DoseError::RoundingTolerance {
            drug: "cisplatin".to_owned(),
            day: 1,
            calculated: dec!(37.5),
            rounded: dec!(30),
            unit: DoseUnit::Mg,
            deviation: dec!(-20),
            tolerance: Percent::whole(10),
        }
    );
}

// Known defect, reported (not fixed here: src/ is out of this change's scope).
// The day's dose is a 12-significant-digit decimal of a binary product
// (100 × 2.00 / 3 = 66.6666666667 mg), while the ceiling's share is divided in
// 28-digit decimal arithmetic (66.666666666666666666666666667 mg). The dose
// compares as *above* its share, so the share is not applied as a cap, rounding
// goes up to 67 mg and the cycle (3 × 67 = 201 mg = 100.5 mg/m²) is refused as
// over the 100 mg/m² ceiling. `--bsa-round none` shows the same for the bundled
// regimens (e.g. doxorubicin at 150 cm, 55 kg: 75 × 1.5138 = 113.54 mg → refused
// at 114 mg = 75.31 mg/m² instead of being given as 113 mg).
#[test]
fn a_per_cycle_dose_at_its_ceiling_split_into_thirds_is_held_under_the_share() {
    // 100 mg/m² per cycle over days 1-3, at a 100 mg/m² ceiling, 2.00 m²:
    // 100 × 2.00 / 3 = 66.67 mg a day; the share is 100 × 2.00 / 3 = 66.67 mg;
    // half up would give 67 mg (3 × 67 = 201 mg = 100.5 mg/m² > 100), so each day
    // is held under the cap at 66 mg: 3 × 66 = 198 mg = 198 / 2 = 99 mg/m².
    let p = check(
        r#"
[[drug]]
name = "etoposide"
role = "antineoplastic"
dose = "100 mg/m2"
dose_per = "cycle"
route = "IV"
days = "1-3"
round = "1 mg"
max_per_cycle = "100 mg/m2"
"#,
        &bsa_2_0(),
        &defaults(),
        1,
        &[
            ("etoposide", 1, "66 mg"),
            ("etoposide", 2, "66 mg"),
            ("etoposide", 3, "66 mg"),
        ],
    );
    assert_eq!(total(&p, "etoposide").cycle_total_per_m2, Some(dec!(99)));
}

// ---------------------------------------------------------------------------
// 11. Lifetime limits (on a drug that is not an anthracycline: anthracyclines
//     are counted together as doxorubicin equivalents, tested in 11b)
// ---------------------------------------------------------------------------

const DOXORUBICIN_LIMIT: &str = r#"
[[drug]]
name = "testdrug"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "1"

[drug.limit]
lifetime = "550 mg/m2"
after_cardiac_radiation = "400 mg/m2"
source = "Test limit"
"#;

/// The doxorubicin limit status, in mg/m², with the given numbers.
fn doxorubicin_status(
    (limit, limit_value): (&str, Decimal),
    prior: Decimal,
    cumulative: Decimal,
    percent: Decimal,
    remaining: Decimal,
    after_cardiac_radiation: bool,
) -> LimitStatus {
    LimitStatus {
        limit: parse_dose(limit).unwrap(),
        limit_value,
        unit: LimitUnit::MgPerM2,
        prior,
        cumulative,
        percent_of_limit: percent,
        remaining,
        after_cardiac_radiation,
        source: "Test limit".to_owned(),
        uncounted_lines: Vec::new(),
    }
}

fn prior(mg_per_m2: Decimal, mg: Decimal) -> Vec<PriorExposure> {
    vec![PriorExposure {
        drug: "testdrug".to_owned(),
        mg_per_m2,
        mg,
    }]
}

#[test]
fn a_lifetime_limit_warns_at_80_percent() {
    // 75 × 2.00 = 150 mg a cycle; 6 cycles = 900 mg = 450 mg/m² = 81.8 % of 550
    // (450 / 550 = 0.81818), 100 mg/m² remaining.
    let p = check(
        DOXORUBICIN_LIMIT,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("testdrug", 1, "150 mg")],
    );
    let status = doxorubicin_status(
        ("550 mg/m2", dec!(550)),
        dec!(0),
        dec!(450),
        dec!(81.8),
        dec!(100),
        false,
    );
    assert_eq!(total(&p, "testdrug").limit, Some(status.clone()));
    assert_eq!(
        p.warnings,
        vec![Warning::LifetimeLimitNear {
            drug: "testdrug".to_owned(),
            status,
            scope: LimitScope::PlannedCycles(6),
        }]
    );
    assert_eq!(p.warnings[0].code(), "lifetime-limit-near");
}

#[test]
fn a_lifetime_limit_below_80_percent_is_silent() {
    // 4 cycles: 600 mg = 300 mg/m² = 54.5 % of 550.
    let p = plan(&regimen(DOXORUBICIN_LIMIT), &bsa_2_0(), &planned(4), 1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let limit = total(&p, "testdrug").limit.clone().unwrap();
    assert_eq!(limit.cumulative, dec!(300));
    assert_eq!(limit.percent_of_limit, dec!(54.5));
    assert_eq!(limit.remaining, dec!(250));
}

#[test]
fn a_lifetime_limit_counts_prior_exposure_and_refuses_past_100_percent() {
    // Prior 120 mg/m² (240 mg) + 450 mg/m² planned = 570 mg/m² > 550: 103.6 %.
    let options = DoseOptions {
        prior: prior(dec!(120), dec!(240)),
        ..defaults()
    };
    let e = refused(DOXORUBICIN_LIMIT, &bsa_2_0(), &options, 1);
    assert_eq!(
        e,
        DoseError::Refused(vec![Stop::LifetimeLimit {
            drug: "testdrug".to_owned(),
            status: doxorubicin_status(
                ("550 mg/m2", dec!(550)),
                dec!(120),
                dec!(570),
                dec!(103.6),
                dec!(0),
                false
            ),
            scope: LimitScope::PlannedCycles(6),
        }])
    );
    assert!(e.is_safety_stop());
    assert_eq!(e.stops()[0].code(), "lifetime-limit");
}

#[test]
fn a_longer_planned_course_crosses_the_lifetime_limit() {
    // 8 cycles: 8 × 150 = 1200 mg = 600 mg/m² > 550 (109.1 %).
    let e = refused(DOXORUBICIN_LIMIT, &bsa_2_0(), &planned(8), 1);
    assert!(
        matches!(
            e.stops(),
            [Stop::LifetimeLimit { status, scope: LimitScope::PlannedCycles(8), .. }]
                if status.cumulative == dec!(600) && status.percent_of_limit == dec!(109.1)
        ),
        "{e:?}"
    );
}

#[test]
fn exactly_100_percent_of_a_lifetime_limit_is_not_past_it() {
    // Prior 100 mg/m² + 450 = 550 mg/m² = 100.0 %: a warning, not a refusal.
    let options = DoseOptions {
        prior: prior(dec!(100), dec!(200)),
        ..defaults()
    };
    let p = plan(&regimen(DOXORUBICIN_LIMIT), &bsa_2_0(), &options, 1);
    assert!(matches!(
        &p.warnings[..],
        [Warning::LifetimeLimitNear { status, .. }]
            if status.cumulative == dec!(550) && status.percent_of_limit == dec!(100)
                && status.remaining == dec!(0)
    ));
    // Prior 90 mg/m²: 540 mg/m² = 98.2 %, 10 mg/m² remaining.
    let options = DoseOptions {
        prior: prior(dec!(90), dec!(180)),
        ..defaults()
    };
    let p = plan(&regimen(DOXORUBICIN_LIMIT), &bsa_2_0(), &options, 1);
    assert!(matches!(
        &p.warnings[..],
        [Warning::LifetimeLimitNear { status, .. }]
            if status.percent_of_limit == dec!(98.2) && status.remaining == dec!(10)
    ));
}

#[test]
fn prior_exposure_of_another_drug_does_not_count() {
    // Prior 120 mg/m² of epirubicin: the test drug stays at 450 mg/m².
    let options = DoseOptions {
        prior: vec![PriorExposure {
            drug: "epirubicin".to_owned(),
            mg_per_m2: dec!(120),
            mg: dec!(240),
        }],
        ..defaults()
    };
    let p = plan(&regimen(DOXORUBICIN_LIMIT), &bsa_2_0(), &options, 1);
    let limit = total(&p, "testdrug").limit.clone().unwrap();
    assert_eq!((limit.prior, limit.cumulative), (dec!(0), dec!(450)));
}

#[test]
fn a_lifetime_limit_overridden_with_a_reason() {
    // The 570 mg/m² course is given (150 mg), with the reason beside it.
    let options = DoseOptions {
        prior: prior(dec!(120), dec!(240)),
        overrides: overrides("lifetime-limit", "cardio-oncology review"),
        ..defaults()
    };
    let p = check(
        DOXORUBICIN_LIMIT,
        &bsa_2_0(),
        &options,
        1,
        &[("testdrug", 1, "150 mg")],
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(
        p.overridden[0].stop,
        Stop::LifetimeLimit {
            drug: "testdrug".to_owned(),
            status: doxorubicin_status(
                ("550 mg/m2", dec!(550)),
                dec!(120),
                dec!(570),
                dec!(103.6),
                dec!(0),
                false
            ),
            scope: LimitScope::PlannedCycles(6),
        }
    );
    assert_eq!(p.overridden[0].reason, "cardio-oncology review");
}

#[test]
fn cardiac_radiation_lowers_the_lifetime_limit() {
    // 450 mg/m² > 400 mg/m² after cardiac-region radiation: 112.5 %, refused.
    let options = DoseOptions {
        cardiac_radiation: true,
        ..defaults()
    };
    let e = refused(DOXORUBICIN_LIMIT, &bsa_2_0(), &options, 1);
    assert_eq!(
        e,
        DoseError::Refused(vec![Stop::LifetimeLimit {
            drug: "testdrug".to_owned(),
            status: doxorubicin_status(
                ("400 mg/m2", dec!(400)),
                dec!(0),
                dec!(450),
                dec!(112.5),
                dec!(0),
                true
            ),
            scope: LimitScope::PlannedCycles(6),
        }])
    );
    // 4 cycles: 300 mg/m² = 75 % of 400, accepted without a warning.
    let options = DoseOptions {
        cardiac_radiation: true,
        ..planned(4)
    };
    let p = plan(&regimen(DOXORUBICIN_LIMIT), &bsa_2_0(), &options, 1);
    let limit = total(&p, "testdrug").limit.clone().unwrap();
    assert!(limit.after_cardiac_radiation);
    assert_eq!(limit.percent_of_limit, dec!(75));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn a_lifetime_limit_in_mg() {
    // 20 mg on days 1 and 8, 6 cycles: 240 mg. Of a 300 mg limit: 80.0 % exactly, warned.
    // Of a 301 mg limit: 240 / 301 = 79.7 %, not warned.
    let drugs = |limit: &str| {
        format!(
            r#"
[[drug]]
name = "testdrug"
role = "antineoplastic"
dose = "20 mg"
route = "PO"
days = "1,8"

[drug.limit]
lifetime = "{limit}"
source = "Test limit in mg"
"#
        )
    };
    let p = plan(&regimen(&drugs("300 mg")), &bsa_2_0(), &defaults(), 1);
    assert!(matches!(
        &p.warnings[..],
        [Warning::LifetimeLimitNear { status, .. }]
            if status.unit == LimitUnit::Mg && status.cumulative == dec!(240)
                && status.percent_of_limit == dec!(80)
    ));
    let p = plan(&regimen(&drugs("301 mg")), &bsa_2_0(), &defaults(), 1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_eq!(
        total(&p, "testdrug")
            .limit
            .as_ref()
            .unwrap()
            .percent_of_limit,
        dec!(79.7)
    );
}

#[test]
fn without_a_planned_course_the_limit_counts_cycles_so_far() {
    // Until progression: cycle n counts n × 150 mg = n × 75 mg/m².
    // Cycle 4: 300 mg/m² (54.5 %); cycle 6: 450 (81.8 %, warned); cycle 8: 600 (refused).
    let r = regimen_with(
        "cycles = 6",
        "cycles = \"until-progression\"",
        DOXORUBICIN_LIMIT,
    );
    let p = plan(&r, &bsa_2_0(), &defaults(), 4);
    let limit = total(&p, "testdrug").limit.clone().unwrap();
    assert_eq!(
        (limit.cumulative, limit.percent_of_limit),
        (dec!(300), dec!(54.5))
    );
    assert!(p.warnings.is_empty());
    let p = plan(&r, &bsa_2_0(), &defaults(), 6);
    assert!(matches!(
        &p.warnings[..],
        [Warning::LifetimeLimitNear { status, scope: LimitScope::CyclesUpTo(6), .. }]
            if status.cumulative == dec!(450)
    ));
    assert!(matches!(
        refused_regimen(&r, &bsa_2_0(), &defaults(), 8).stops(),
        [Stop::LifetimeLimit { scope: LimitScope::CyclesUpTo(8), status, .. }]
            if status.cumulative == dec!(600)
    ));
}

// ---------------------------------------------------------------------------
// 11b. Anthracyclines: counted together as doxorubicin equivalents
// ---------------------------------------------------------------------------

/// Doxorubicin 75 mg/m² day 1, 6 cycles, with the label's limits.
const DOXORUBICIN: &str = r#"
[[drug]]
name = "doxorubicin"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "1"
round = "1 mg"

[drug.limit]
lifetime = "550 mg/m2"
after_cardiac_radiation = "400 mg/m2"
source = "Test label limit"
"#;

fn anthracycline_prior(drug: &str, mg_per_m2: Decimal) -> Vec<PriorExposure> {
    vec![PriorExposure {
        drug: drug.to_owned(),
        mg_per_m2,
        mg: mg_per_m2 * dec!(2),
    }]
}

#[test]
fn another_anthracycline_counts_by_its_factor() {
    // 6 × 75 = 450 mg/m² planned. Prior epirubicin 120 mg/m² × 1 (IGHG set:
    // roughly isoequivalent, conservative 1) = 120: 570 > 550, refused.
    let options = DoseOptions {
        prior: anthracycline_prior("epirubicin", dec!(120)),
        ..defaults()
    };
    let e = refused(DOXORUBICIN, &bsa_2_0(), &options, 1);
    assert!(
        matches!(e.stops(), [Stop::LifetimeLimit { status, .. }]
            if status.prior == dec!(120) && status.cumulative == dec!(570)),
        "{e:?}"
    );
    // Prior daunorubicin 100 mg/m²: IGHG 0.6 → 60, 510 mg/m² = 92.7 %;
    // COG substitution rules 1 → 100, 550 mg/m² = 100 %, at (not past) the limit.
    let with = |set: &str| DoseOptions {
        prior: anthracycline_prior("daunorubicin", dec!(100)),
        anthracycline: AnthracyclinePolicy {
            factors: set.parse().unwrap(),
            site_limit: None,
        },
        ..defaults()
    };
    let p = plan(&regimen(DOXORUBICIN), &bsa_2_0(), &with("ighg"), 1);
    let l = total(&p, "doxorubicin").limit.clone().unwrap();
    assert_eq!(
        (l.prior, l.cumulative, l.percent_of_limit),
        (dec!(60), dec!(510), dec!(92.7))
    );
    assert!(l.source.contains("IGHG"), "{}", l.source);
    let p = plan(&regimen(DOXORUBICIN), &bsa_2_0(), &with("cog"), 1);
    let l = total(&p, "doxorubicin").limit.clone().unwrap();
    assert_eq!(
        (l.prior, l.cumulative, l.percent_of_limit),
        (dec!(100), dec!(550), dec!(100))
    );
    assert!(l.source.contains("COG"), "{}", l.source);
}

#[test]
fn a_site_limit_replaces_the_regimens() {
    // A site holding 450 mg/m²: 6 × 75 = 450 = 100 %, at the limit; 7 cycles
    // (525) past it.
    let site = AnthracyclinePolicy {
        factors: Default::default(),
        site_limit: Some(chemodose::anthracycline::Limit {
            mg_per_m2: dec!(450),
            after_cardiac_radiation_mg_per_m2: dec!(400),
            source: "Site policy".to_owned(),
        }),
    };
    let options = DoseOptions {
        anthracycline: site.clone(),
        ..defaults()
    };
    let p = plan(&regimen(DOXORUBICIN), &bsa_2_0(), &options, 1);
    let l = total(&p, "doxorubicin").limit.clone().unwrap();
    assert_eq!((l.limit_value, l.percent_of_limit), (dec!(450), dec!(100)));
    assert!(l.source.starts_with("Site policy"), "{}", l.source);
    let seven = DoseOptions {
        anthracycline: site,
        ..planned(7)
    };
    assert!(matches!(
        refused(DOXORUBICIN, &bsa_2_0(), &seven, 1).stops(),
        [Stop::LifetimeLimit { status, .. }] if status.cumulative == dec!(525)
    ));
}

#[test]
fn cardioprotection_is_prompted_from_300_mg_per_m2() {
    // 4 cycles = 300 mg/m²: the prompt; 3 cycles = 225: none.
    let p = plan(&regimen(DOXORUBICIN), &bsa_2_0(), &planned(4), 1);
    assert_eq!(
        p.warnings,
        vec![Warning::Cardioprotection {
            cumulative_mg_per_m2: dec!(300)
        }]
    );
    assert_eq!(p.warnings[0].code(), "cardioprotection");
    let p = plan(&regimen(DOXORUBICIN), &bsa_2_0(), &planned(3), 1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

// ---------------------------------------------------------------------------
// 12. Warnings: regimen status, renal function
// ---------------------------------------------------------------------------

#[test]
fn an_active_regimen_gives_no_status_warning() {
    let p = plan(&regimen(DOCETAXEL), &bsa_2_0(), &defaults(), 1);
    assert_eq!(p.status, Status::Active);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn a_draft_or_withdrawn_regimen_is_refused_unless_overridden() {
    for (status, id, code) in [
        (Status::Draft, "draft", "status-draft"),
        (Status::Withdrawn, "withdrawn", "status-withdrawn"),
    ] {
        let r = regimen_with(
            "status = \"active\"",
            &format!("status = \"{id}\"\nstatus_note = \"Why, for the test\""),
            DOCETAXEL,
        );
        let e = refused_regimen(&r, &bsa_2_0(), &defaults(), 1);
        assert_eq!(
            e,
            DoseError::Refused(vec![Stop::RegimenStatus {
                regimen: "inline".to_owned(),
                status,
                note: Some("Why, for the test".to_owned()),
            }])
        );
        assert_eq!(e.stops()[0].code(), code);
        assert!(e.stops()[0].drug().is_none(), "it concerns every dose");
        // With the reason, the doses are given (100 × 2.00 = 200 mg) and the
        // stop is kept beside them; no status warning is added.
        let options = DoseOptions {
            overrides: overrides(code, "consultant approved"),
            ..defaults()
        };
        let p = check_regimen(&r, &bsa_2_0(), &options, 1, &[("docetaxel", 1, "200 mg")]);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.overrides_for(&p.administrations[0]).count(), 1);
        assert_eq!(p.overridden[0].reason, "consultant approved");
    }
}

#[test]
fn a_case_report_regimen_is_flagged_with_its_note() {
    let r = regimen_with(
        "status = \"active\"",
        "status = \"case-report\"\nstatus_note = \"Why, for the test\"",
        DOCETAXEL,
    );
    let p = plan(&r, &bsa_2_0(), &defaults(), 1);
    assert_eq!(
        p.warnings,
        vec![Warning::RegimenStatus {
            regimen: "inline".to_owned(),
            status: Status::CaseReport,
            note: Some("Why, for the test".to_owned()),
        }]
    );
    assert_eq!(p.warnings[0].code(), "status-case-report");
}

/// Overrides with one reason.
fn overrides(code: &str, reason: &str) -> Overrides {
    let mut o = Overrides::new();
    o.insert(code, reason);
    o
}

fn with_renal(table: &str) -> String {
    format!("{DOCETAXEL}\n[drug.renal]\n{table}\n")
}

#[test]
fn a_clearance_below_the_flag_is_flagged() {
    let drugs = with_renal(
        "flag_below = \"70 mL/min\"\nnote = \"Review the dose\"\nsource = \"Test threshold\"",
    );
    // Woman: 68 mL/min < 70: flagged (the dose itself is unchanged: 100 × 1.80 = 180 mg).
    let p = check(
        &drugs,
        &renal(Sex::Female),
        &defaults(),
        1,
        &[("docetaxel", 1, "180 mg")],
    );
    match &p.warnings[..] {
        [
            w @ Warning::RenalFlag {
                drug,
                clearance_ml_min,
                threshold_ml_min,
                note,
                source,
            },
        ] => {
            assert_eq!(drug, "docetaxel");
            assert!(close(*clearance_ml_min, 68.0), "{clearance_ml_min}");
            assert!(close(*threshold_ml_min, 70.0));
            assert_eq!(note.as_deref(), Some("Review the dose"));
            assert_eq!(source.as_deref(), Some("Test threshold"));
            assert_eq!(w.code(), "renal-flag");
        }
        other => panic!("expected one renal flag, got {other:?}"),
    }
    // Man: 80 mL/min ≥ 70: not flagged.
    let p = plan(&regimen(&drugs), &renal(Sex::Male), &defaults(), 1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // SCr 2 mg/dL, woman: 80 × 72 / (72 × 2) × 0.85 = 34 mL/min: flagged.
    let mut high_scr = renal(Sex::Female);
    high_scr.serum_creatinine = Some(parse_serum_creatinine("2mg/dL").unwrap());
    let p = plan(&regimen(&drugs), &high_scr, &defaults(), 1);
    assert!(matches!(
        &p.warnings[..],
        [Warning::RenalFlag { clearance_ml_min, .. }] if close(*clearance_ml_min, 34.0)
    ));
}

#[test]
fn a_measured_gfr_is_flagged_when_no_creatinine_is_given() {
    // No creatinine; a measured GFR of 65 mL/min < 70: flagged with 65.
    let drugs = with_renal("flag_below = \"70 mL/min\"");
    let p = plan(&regimen(&drugs), &bsa_2_0(), &with_gfr("65mL/min"), 1);
    assert!(matches!(
        &p.warnings[..],
        [Warning::RenalFlag { clearance_ml_min, .. }] if close(*clearance_ml_min, 65.0)
    ));
}

#[test]
fn a_clearance_at_the_flag_is_not_below_it() {
    // flag_below = 70 mL/min means strictly below: a measured 70 mL/min is not
    // flagged, 69 mL/min is. (A measured GFR, so that both sides are the same
    // typed number, with no formula in between.)
    let drugs = with_renal("flag_below = \"70 mL/min\"");
    let p = plan(&regimen(&drugs), &bsa_2_0(), &with_gfr("70mL/min"), 1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let p = plan(&regimen(&drugs), &bsa_2_0(), &with_gfr("69mL/min"), 1);
    assert!(matches!(
        &p.warnings[..],
        [Warning::RenalFlag { clearance_ml_min, .. }] if close(*clearance_ml_min, 69.0)
    ));
}

#[test]
fn missing_renal_function_is_flagged() {
    let drugs = with_renal("required = true");
    // No creatinine and no GFR: flagged, the dose given (200 mg).
    let p = check(
        &drugs,
        &bsa_2_0(),
        &defaults(),
        1,
        &[("docetaxel", 1, "200 mg")],
    );
    assert_eq!(
        p.warnings,
        vec![Warning::RenalFunctionMissing {
            drug: "docetaxel".to_owned(),
        }]
    );
    assert_eq!(p.warnings[0].code(), "renal-function-missing");
    // A measured GFR, or age, sex and creatinine, satisfy it.
    let p = plan(&regimen(&drugs), &bsa_2_0(), &with_gfr("90mL/min"), 1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let p = plan(&regimen(&drugs), &renal(Sex::Male), &defaults(), 1);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // A 17-year-old: Cockcroft–Gault is not used (adults only), flagged as missing.
    let mut young = renal(Sex::Male);
    young.age = Some(parse_age("17").unwrap());
    let p = plan(&regimen(&drugs), &young, &defaults(), 1);
    assert!(matches!(
        &p.warnings[..],
        [w @ Warning::RenalFunctionFailed { error: RenalError::NotAnAdult { .. }, .. }]
            if w.code() == "renal-function-missing"
    ));
}

#[test]
fn a_course_longer_than_the_regimen_is_flagged() {
    // Planned 8 of a 6-cycle regimen: cycle 7 is computed, with a warning.
    let p = check(
        DOCETAXEL,
        &bsa_2_0(),
        &planned(8),
        7,
        &[("docetaxel", 1, "200 mg")],
    );
    assert_eq!(
        p.warnings,
        vec![Warning::CourseBeyondRegimen { planned: 8, max: 6 }]
    );
}

// ---------------------------------------------------------------------------
// 13. Cycle out of range
// ---------------------------------------------------------------------------

#[test]
fn a_cycle_outside_the_course_is_refused() {
    assert_eq!(
        refused(DOCETAXEL, &bsa_2_0(), &defaults(), 7),
        DoseError::CycleOutOfRange {
            cycle: 7,
            regimen: "inline".to_owned(),
            course: Course::Planned(6),
        }
    );
    assert!(matches!(
        refused(DOCETAXEL, &bsa_2_0(), &defaults(), 0),
        DoseError::CycleOutOfRange { cycle: 0, .. }
    ));
    // The last cycle is in range.
    check(
        DOCETAXEL,
        &bsa_2_0(),
        &defaults(),
        6,
        &[("docetaxel", 1, "200 mg")],
    );
    // A shorter planned course is the course.
    assert!(matches!(
        refused(DOCETAXEL, &bsa_2_0(), &planned(4), 5),
        DoseError::CycleOutOfRange {
            cycle: 5,
            course: Course::Planned(4),
            ..
        }
    ));
}

#[test]
fn cycle_0_of_an_open_ended_regimen_is_refused() {
    let r = regimen_with("cycles = 6", "cycles = \"until-progression\"", DOCETAXEL);
    let e = refused_regimen(&r, &bsa_2_0(), &defaults(), 0);
    assert_eq!(
        e,
        DoseError::CycleOutOfRange {
            cycle: 0,
            regimen: "inline".to_owned(),
            course: Course::Regimen(CycleCount::UntilProgression { max: None }),
        }
    );
    assert!(!e.is_safety_stop());
}

/// Regression: with the BSA unrounded, a dose at its ceiling share computed in
/// binary arithmetic could land a twelfth digit above the share computed in
/// decimal; the cap was then skipped, rounding went up and the cycle was
/// refused (dacarbazine-doxorubicin-ci at 170 cm, 70 kg: 455 × 4 mg =
/// 1,001.03 mg/m²). Every patient of a grid must be held under the ceiling:
/// the final dose never above 75 mg/m² × the BSA used.
#[test]
fn regression_an_unrounded_bsa_is_held_under_a_per_m2_ceiling() {
    let drugs = r#"
[[drug]]
name = "doxorubicin"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "1"
round = "1 mg"
max_per_cycle = "75 mg/m2"
"#;
    let r = regimen(drugs);
    let options = DoseOptions {
        bsa_rounding: chemodose::bsa::BsaRounding::None,
        ..defaults()
    };
    for h in (150..=195).step_by(3) {
        for w in (45..=120).step_by(4) {
            let p = patient(&format!("{h}cm"), &format!("{w}kg"));
            let plan = plan(&r, &p, &options, 1);
            let bsa = rust_decimal::Decimal::from_f64_retain(m2(plan.bsa.used)).unwrap();
            let given = plan.administrations[0].final_dose;
            assert!(given <= dec!(75) * bsa, "{h} cm, {w} kg: {given} mg");
        }
    }
}

/// Issue 17: a premedication timed from its drug (30 min before) follows
/// that drug's days: when the prescriber gives the drug on day 1 only, the
/// day-8 premedication goes too. Dexamethasone is a flat 20 mg.
const TIMED_PREMEDICATION: &str = r#"
[[drug]]
name = "dexamethasone"
role = "premedication"
premedicates = "eribulin"
dose = "20 mg"
route = "IV"
days = "1,8"
times = ["-30 min"]

[[drug]]
name = "eribulin"
role = "antineoplastic"
dose = "1 mg/m2"
route = "IV"
days = "1,8"
round = "none"
"#;

#[test]
fn a_premedication_timed_from_its_drug_follows_that_drugs_days() {
    // 1 mg/m² × 2.00 m² = 2 mg each day.
    check(
        TIMED_PREMEDICATION,
        &bsa_2_0(),
        &defaults(),
        1,
        &[
            ("dexamethasone", 1, "20 mg"),
            ("eribulin", 1, "2 mg"),
            ("dexamethasone", 8, "20 mg"),
            ("eribulin", 8, "2 mg"),
        ],
    );
    let mut day_1 = defaults();
    day_1.days.insert("eribulin".to_owned(), vec![1]);
    check(
        TIMED_PREMEDICATION,
        &bsa_2_0(),
        &day_1,
        1,
        &[("dexamethasone", 1, "20 mg"), ("eribulin", 1, "2 mg")],
    );
}
