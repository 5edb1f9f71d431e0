//! Worked examples for every bundled regimen. Expected doses are worked out
//! here from the published doses and the Mosteller formula, never copied from
//! the program's output.
//!
//! Standard patient: 170 cm, 70 kg, female, 60 years, SCr 0.9 mg/dL.
//! BSA = sqrt(170 × 70 / 3600) = sqrt(3.305556) = 1.818119 m² → 1.82 m² for dosing.
//! CrCl = (140 − 60) × 70 / (72 × 0.9) × 0.85 = 73.457 mL/min.
//! Normal liver tests and blood counts (`docs/examples/gemdoc-labs.toml`) are
//! given to every plan: gemcitabine-docetaxel, trabectedin and pazopanib
//! require them, and no rule fires on them.

mod common;

use chemodose::bsa::BsaRounding;
use chemodose::dose::{
    DoseError, DoseOptions, DosePlan, Overrides, PerDrug, Reduction, Stop, calculate,
};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{
    parse_age, parse_bsa, parse_gfr, parse_height, parse_serum_creatinine, parse_weight,
};
use chemodose::regimen::{Library, Regimen};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

fn lib() -> Library {
    Library::bundled().expect("bundled library loads")
}

fn regimen(id: &str) -> Regimen {
    lib()
        .get(id)
        .unwrap_or_else(|| panic!("{id} is bundled"))
        .regimen
        .clone()
}

fn patient(h: &str, w: &str) -> Patient {
    Patient {
        height: parse_height(h).unwrap(),
        weight: parse_weight(w).unwrap(),
        measured_on: None,
        sex: Some(Sex::Female),
        age: Some(parse_age("60").unwrap()),
        serum_creatinine: Some(parse_serum_creatinine("0.9mg/dL").unwrap()),
        serum_creatinine_on: None,
    }
}

fn standard() -> Patient {
    patient("170cm", "70kg")
}

/// `options` with the day list the prescriber states for a case-report drug
/// (days_confirmed = false): day 1, the file's placeholder.
fn day_1(mut options: DoseOptions, drugs: &[&str]) -> DoseOptions {
    for drug in drugs {
        options.days.insert((*drug).to_owned(), vec![1]);
    }
    options
}

/// The plan, with a draft or withdrawn regimen's status stop let through:
/// these tests pin the arithmetic of each definition (the stop itself is
/// tested on its own); with normal labs where the options have none.
/// `options` with the normal results of `docs/examples/gemdoc-labs.toml`
/// (bilirubin 9 µmol/L = 0.53 mg/dL, below doxorubicin's 1.2 mg/dL band).
fn normal_labs(options: DoseOptions) -> DoseOptions {
    common::with_normal_labs(&options)
}

fn plan(id: &str, p: &Patient, cycle: u32, options: &DoseOptions) -> DosePlan {
    let mut options = common::with_normal_labs(options);
    for code in ["status-draft", "status-withdrawn"] {
        options.overrides.insert(code, "arithmetic test");
    }
    calculate(&regimen(id), p, cycle, &options).unwrap_or_else(|e| panic!("{id}: {e}"))
}

fn d(x: f64) -> Decimal {
    Decimal::from_f64(x).unwrap().normalize()
}

/// Final doses of `drug` by day, in the drug's unit.
fn finals(plan: &DosePlan, drug: &str) -> Vec<(i32, Decimal)> {
    plan.administrations
        .iter()
        .filter(|a| a.drug == drug)
        .map(|a| (a.day, a.final_dose.normalize()))
        .collect()
}

fn days(list: &[i32], dose: f64) -> Vec<(i32, Decimal)> {
    list.iter().map(|day| (*day, d(dose))).collect()
}

#[test]
fn gemcitabine_docetaxel_at_bsa_1_75() {
    // Clinical reference worked example: 900/100 mg/m² at BSA 1.75 m²:
    // gemcitabine 1575 mg on days 1 and 8, docetaxel 175 mg on day 8.
    // 1.75 m² by Mosteller: H × W = 1.75² × 3600 = 11025, e.g. 175 cm × 63 kg.
    let p = plan(
        "gemcitabine-docetaxel",
        &patient("175cm", "63kg"),
        1,
        &DoseOptions::default(),
    );
    assert_eq!(p.bsa.used, parse_bsa("1.75m2").unwrap());
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 1575.0));
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 175.0));
    let gem = p.totals.iter().find(|t| t.drug == "gemcitabine").unwrap();
    // cycle 1575 × 2 = 3150 mg; course 3150 × 6 = 18900 mg
    assert_eq!(gem.cycle_total, d(3150.0));
    assert_eq!(gem.course_total, Some(d(18900.0)));
}

#[test]
fn gemcitabine_docetaxel_standard_patient() {
    let p = plan(
        "gemcitabine-docetaxel",
        &standard(),
        1,
        &DoseOptions::default(),
    );
    // 900 × 1.82 = 1638; 100 × 1.82 = 182
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 1638.0));
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 182.0));
}

#[test]
fn gemcitabine_docetaxel_reduced_ties_round_up() {
    let p = plan(
        "gemcitabine-docetaxel-reduced",
        &standard(),
        1,
        &DoseOptions::default(),
    );
    // 675 × 1.82 = 1228.5 → 1229 (half up); 75 × 1.82 = 136.5 → 137
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 1229.0));
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 137.0));
}

#[test]
fn exact_tie_without_bsa_rounding() {
    // 202.5 cm × 96.1 kg: Mosteller = sqrt(19460.25 / 3600) = 2.325 m² exactly;
    // 900 × 2.325 = 2092.5 mg exactly → 2093 mg (half up), although f64 gives 2092.4999….
    let options = DoseOptions {
        bsa_rounding: "none".parse().unwrap(),
        ..DoseOptions::default()
    };
    let p = plan(
        "gemcitabine-docetaxel",
        &patient("202.5cm", "96.1kg"),
        1,
        &options,
    );
    assert_eq!(finals(&p, "gemcitabine")[0], (1, d(2093.0)));
    // 100 × 2.325 = 232.5 → 233
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 233.0));
}

#[test]
fn doxorubicin_single_agent() {
    let p = plan("doxorubicin", &standard(), 1, &DoseOptions::default());
    // 75 × 1.82 = 136.5 mg, at the ceiling share 75 mg/m² × 1.82 / 1 day = 136.5 mg:
    // 137 mg would cross it (137 / 1.82 = 75.27 mg/m²), so 136 mg (held under the cap)
    assert_eq!(finals(&p, "doxorubicin"), days(&[1], 136.0));
    let t = &p.totals[0];
    let limit = t.limit.as_ref().unwrap();
    // course: 6 × 136 = 816 mg = 816 / 1.82 = 448.35 mg/m² of 550 (448.35 / 550 = 81.5 %)
    assert_eq!(limit.cumulative, d(448.35));
    assert_eq!(limit.percent_of_limit, d(81.5));
    assert!(p.warnings.iter().any(|w| w.code() == "lifetime-limit-near"));
}

#[test]
fn doxorubicin_over_the_lifetime_limit_is_refused_unless_allowed() {
    // 170 cm, 70 kg; 8 cycles × 75 mg/m² = 600 mg/m² planned > 550 mg/m².
    let options = normal_labs(DoseOptions {
        planned_cycles: Some(8),
        ..DoseOptions::default()
    });
    let e = calculate(&regimen("doxorubicin"), &standard(), 1, &options).unwrap_err();
    assert!(matches!(e.stops(), [Stop::LifetimeLimit { .. }]), "{e}");
    assert!(e.is_safety_stop());
    let text = e.to_string();
    assert!(
        text.contains("550 mg/m²") && text.contains("MIMS"),
        "{text}"
    );
    let mut allowed = options;
    allowed
        .overrides
        .insert("lifetime-limit", "cardio-oncology review");
    let p = plan("doxorubicin", &standard(), 1, &allowed);
    // 136.5 mg held under the ceiling share 136.5 mg → 136 mg
    assert_eq!(finals(&p, "doxorubicin"), days(&[1], 136.0));
    let dox = p
        .administrations
        .iter()
        .find(|a| a.drug == "doxorubicin")
        .unwrap();
    let o = p.overrides_for(dox).next().unwrap();
    assert!(matches!(o.stop, Stop::LifetimeLimit { .. }));
    assert_eq!(o.reason, "cardio-oncology review");
}

#[test]
fn cardiac_radiation_lowers_the_doxorubicin_limit() {
    // 6 cycles × 136 mg = 816 mg / 1.82 = 448.35 mg/m² > 400 mg/m² after
    // cardiac-region radiation.
    let options = normal_labs(DoseOptions {
        cardiac_radiation: true,
        ..DoseOptions::default()
    });
    let e = calculate(&regimen("doxorubicin"), &standard(), 1, &options).unwrap_err();
    assert!(matches!(e.stops(), [Stop::LifetimeLimit { .. }]), "{e}");
    assert!(e.to_string().contains("400 mg/m²"), "{e}");
}

#[test]
fn dacarbazine_doxorubicin_case_report() {
    // The report states no days: the prescriber states them (day 1 here).
    let p = plan(
        "dacarbazine-doxorubicin-case-report",
        &standard(),
        1,
        &day_1(DoseOptions::default(), &["dacarbazine", "doxorubicin"]),
    );
    // dacarbazine 200 × 1.82 = 364 mg; doxorubicin 15 × 1.82 = 27.3 → 27 mg, day 1 as stated
    assert_eq!(finals(&p, "dacarbazine"), days(&[1], 364.0));
    assert_eq!(finals(&p, "doxorubicin"), days(&[1], 27.0));
    assert!(p.warnings.iter().any(|w| w.code() == "status-case-report"));
}

#[test]
fn dacarbazine_doxorubicin_bolus() {
    let p = plan(
        "dacarbazine-doxorubicin-bolus",
        &standard(),
        1,
        &DoseOptions {
            planned_cycles: Some(6),
            ..DoseOptions::default()
        },
    );
    // doxorubicin 60 × 1.82 = 109.2 → 109 mg day 1; dacarbazine 250 × 1.82 = 455 mg days 1-5
    assert_eq!(finals(&p, "doxorubicin"), days(&[1], 109.0));
    assert_eq!(finals(&p, "dacarbazine"), days(&[1, 2, 3, 4, 5], 455.0));
}

#[test]
fn dacarbazine_doxorubicin_continuous_infusion_splits_the_cycle_total() {
    let p = plan(
        "dacarbazine-doxorubicin-ci",
        &standard(),
        1,
        &DoseOptions {
            planned_cycles: Some(6),
            ..DoseOptions::default()
        },
    );
    // doxorubicin 60 mg/m² per cycle over 4 days: 60 × 1.82 / 4 = 27.3 → 27 mg/day
    assert_eq!(finals(&p, "doxorubicin"), days(&[1, 2, 3, 4], 27.0));
    // dacarbazine 1000 × 1.82 / 4 = 455 mg/day
    assert_eq!(finals(&p, "dacarbazine"), days(&[1, 2, 3, 4], 455.0));
}

#[test]
fn cisplatin_ifosfamide_case_report_with_mesna() {
    // The report states no days: the prescriber states them (day 1 here).
    let p = plan(
        "cisplatin-ifosfamide-case-report",
        &standard(),
        1,
        &day_1(
            DoseOptions {
                planned_cycles: Some(2),
                ..DoseOptions::default()
            },
            &["cisplatin", "ifosfamide"],
        ),
    );
    // cisplatin 25 × 1.82 = 45.5 → 46 mg; ifosfamide 1000 × 1.82 = 1820 mg;
    // mesna 20 % × 1820 = 364 mg at 0, 4 and 8 h (1092 mg a day)
    assert_eq!(finals(&p, "cisplatin"), days(&[1], 46.0));
    assert_eq!(finals(&p, "ifosfamide"), days(&[1], 1820.0));
    assert_eq!(finals(&p, "mesna"), days(&[1, 1, 1], 364.0));
    assert_eq!(p.day_dose("mesna", 1).unwrap().final_dose, d(1092.0));
}

#[test]
fn cisplatin_ifosfamide_gog108() {
    let p = plan(
        "cisplatin-ifosfamide",
        &standard(),
        1,
        &DoseOptions::default(),
    );
    // cisplatin 20 × 1.82 = 36.4 → 36 mg days 1-5 (100 mg/m² per cycle: at, not above, the ceiling)
    assert_eq!(finals(&p, "cisplatin"), days(&[1, 2, 3, 4, 5], 36.0));
    // ifosfamide 1500 × 1.82 = 2730 mg; mesna 0.2 × 2730 = 546 mg at 0, 4 and 8 h
    assert_eq!(finals(&p, "ifosfamide"), days(&[1, 2, 3, 4, 5], 2730.0));
    assert_eq!(
        finals(&p, "mesna"),
        days(&[1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5], 546.0)
    );
}

#[test]
fn cisplatin_per_cycle_ceiling_catches_per_day_confusion() {
    // The case-report regimen read as 25 mg/m² on days 1-5 = 125 mg/m² per cycle,
    // above the 100 mg/m² ceiling of the cisplatin boxed warning: refused when loaded.
    let text = chemodose::regimen::bundled()
        .iter()
        .find(|(n, _)| *n == "cisplatin-ifosfamide-case-report.toml")
        .unwrap()
        .1;
    let at = text.find("name = \"cisplatin\"").unwrap();
    let five_days = format!(
        "{}{}",
        &text[..at],
        text[at..].replacen("days = \"1\"", "days = \"1-5\"", 1)
    );
    let e = chemodose::regimen::parse_regimen("five-days.toml", &five_days).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("prescribes 125 mg/m² per cycle")
            && msg.contains("max_per_cycle of 100 mg/m²"),
        "{msg}"
    );
}

#[test]
fn a_per_cycle_ceiling_in_mg_is_checked_per_patient() {
    // A 40 mg per-cycle ceiling on cisplatin 25 mg/m²: the standard patient gets
    // 25 × 1.82 = 45.5 → 46 mg > 40 mg, refused unless a reason is given.
    let mut r = regimen("cisplatin-ifosfamide-case-report");
    let cis = r.drugs.iter_mut().find(|d| d.name == "cisplatin").unwrap();
    cis.max_per_cycle = Some(chemodose::regimen::Ceiling {
        dose: chemodose::quantity::parse_dose("40 mg").unwrap(),
        source: Some("test ceiling".to_owned()),
    });
    // The report states no days: the prescriber states them (day 1 here).
    let stated = day_1(DoseOptions::default(), &["cisplatin", "ifosfamide"]);
    let e = calculate(&r, &standard(), 1, &stated).unwrap_err();
    assert!(matches!(e.stops(), [Stop::PerCycleCeiling { .. }]), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("46 mg") && msg.contains("40 mg") && msg.contains("test ceiling"),
        "{msg}"
    );
    let mut allowed = stated.clone();
    allowed
        .overrides
        .insert("per-cycle-ceiling", "confirmed with the oncologist");
    let p = calculate(&r, &standard(), 1, &allowed).unwrap();
    assert!(
        p.overridden
            .iter()
            .any(|o| matches!(o.stop, Stop::PerCycleCeiling { .. })
                && o.reason == "confirmed with the oncologist")
    );
    // A small patient stays under it: 150 cm × 45 kg → 1.37 m² → 25 × 1.37 = 34.25 → 34 mg.
    // With a normal SCr of 0.6 mg/dL: CrCl = 80 × 45 / (72 × 0.6) × 0.85 = 70.8 mL/min
    // (SCr 0.9 would give 47.2 mL/min, and cisplatin and ifosfamide stop below 60).
    let mut small = patient("150cm", "45kg");
    small.serum_creatinine = Some(parse_serum_creatinine("0.6mg/dL").unwrap());
    assert!(calculate(&r, &small, 1, &stated).is_ok());
}

#[test]
fn doxorubicin_ifosfamide_mesna() {
    let p = plan(
        "doxorubicin-ifosfamide-mesna",
        &standard(),
        1,
        &DoseOptions {
            planned_cycles: Some(6),
            ..DoseOptions::default()
        },
    );
    // doxorubicin 25 × 1.82 = 45.5 mg days 1-3, at the ceiling share 75 mg/m² × 1.82 / 3 days
    // = 45.5 mg: 46 mg would cross it, so 45 mg (3 × 45 = 135 mg / 1.82 = 74.18 mg/m² ≤ 75);
    // ifosfamide 2500 × 1.82 = 4550 mg days 1-4 (exactly its share 10000 × 1.82 / 4 = 4550);
    // mesna 0.2 × 4550 = 910 mg at 0, 4 and 8 h, days 1-4
    assert_eq!(finals(&p, "doxorubicin"), days(&[1, 2, 3], 45.0));
    assert_eq!(finals(&p, "ifosfamide"), days(&[1, 2, 3, 4], 4550.0));
    assert_eq!(
        finals(&p, "mesna"),
        days(&[1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4], 910.0)
    );
}

#[test]
fn trabectedin_with_dexamethasone() {
    let p = plan(
        "trabectedin",
        &standard(),
        1,
        &DoseOptions {
            planned_cycles: Some(6),
            ..DoseOptions::default()
        },
    );
    // 1.5 × 1.82 = 2.73 → 2.7 mg (0.1 mg steps); dexamethasone 20 mg flat
    assert_eq!(finals(&p, "trabectedin"), days(&[1], 2.7));
    assert_eq!(finals(&p, "dexamethasone"), days(&[1], 20.0));
    // level -1: 1.2 × 1.82 = 2.184 → 2.2 mg
    let options = DoseOptions {
        planned_cycles: Some(6),
        reductions: PerDrug {
            all: Some(Reduction::Level(-1)),
            ..PerDrug::default()
        },
        ..DoseOptions::default()
    };
    let p = plan("trabectedin", &standard(), 1, &options);
    assert_eq!(finals(&p, "trabectedin"), days(&[1], 2.2));
    assert_eq!(
        finals(&p, "dexamethasone"),
        days(&[1], 20.0),
        "premedication is not reduced"
    );
}

#[test]
fn eribulin_and_its_renal_flag() {
    let p = plan(
        "eribulin",
        &standard(),
        1,
        &DoseOptions {
            planned_cycles: Some(6),
            ..DoseOptions::default()
        },
    );
    // 1.4 × 1.82 = 2.548 → 2.5 mg days 1 and 8
    assert_eq!(finals(&p, "eribulin"), days(&[1, 8], 2.5));
    assert!(!p.warnings.iter().any(|w| w.code() == "renal-flag"));
    // SCr 2.0: CrCl = 80 × 70 / (72 × 2) × 0.85 = 33.06 mL/min < 50 → flagged
    let mut renal = standard();
    renal.serum_creatinine = Some(parse_serum_creatinine("2mg/dL").unwrap());
    let p = plan(
        "eribulin",
        &renal,
        1,
        &DoseOptions {
            planned_cycles: Some(6),
            ..DoseOptions::default()
        },
    );
    let flag = p
        .warnings
        .iter()
        .find(|w| w.code() == "renal-flag")
        .unwrap();
    assert!(flag.to_string().contains("33.1 mL/min"), "{flag}");
    // and since eribulin 1.1.0 the renal rule (CrCl 15-49 mL/min) gives
    // 1.1 mg/m²: 1.1 × 1.82 = 2.002 → 2.0 mg days 1 and 8
    assert_eq!(finals(&p, "eribulin"), days(&[1, 8], 2.0));
}

#[test]
fn pazopanib_flat_whole_tablets() {
    let p = plan(
        "pazopanib",
        &standard(),
        1,
        &DoseOptions {
            planned_cycles: Some(1),
            ..DoseOptions::default()
        },
    );
    let f = finals(&p, "pazopanib");
    assert_eq!(f.len(), 28);
    assert!(f.iter().all(|(_, v)| *v == d(800.0)));
    // 20 % reduction: 640 mg is not a whole number of 200/400 mg tablets → 600 mg (−6.25 %)
    let options = DoseOptions {
        planned_cycles: Some(1),
        reductions: PerDrug {
            all: Some(Reduction::Percent(chemodose::quantity::Percent::whole(20))),
            ..PerDrug::default()
        },
        ..DoseOptions::default()
    };
    let p = plan("pazopanib", &standard(), 1, &options);
    assert_eq!(finals(&p, "pazopanib")[0], (1, d(600.0)));
}

#[test]
fn olaratumab_loading_dose_in_cycle_1() {
    // ANNOUNCE gave doxorubicin for 8 cycles: 8 × 75 = 600 mg/m², past the 550 mg/m²
    // label limit, so a planned 8-cycle course is refused without a reason.
    // The regimen is withdrawn: refused for a new patient without a reason.
    let mut withdrawn = Overrides::new();
    withdrawn.insert(
        "status-withdrawn",
        "ANNOUNCE follow-up, consultant approved",
    );
    let eight = normal_labs(DoseOptions {
        planned_cycles: Some(8),
        overrides: withdrawn.clone(),
        ..DoseOptions::default()
    });
    let e = calculate(&regimen("olaratumab-doxorubicin"), &standard(), 1, &eight).unwrap_err();
    assert!(matches!(e.stops(), [Stop::LifetimeLimit { .. }]), "{e}");
    let e = calculate(
        &regimen("olaratumab-doxorubicin"),
        &standard(),
        1,
        &normal_labs(DoseOptions::default()),
    )
    .unwrap_err();
    assert!(matches!(e.stops(), [Stop::RegimenStatus { .. }]), "{e}");
    let options = DoseOptions {
        planned_cycles: Some(6),
        overrides: withdrawn,
        ..DoseOptions::default()
    };
    // cycle 1: 20 mg/kg × 70 kg = 1400 mg days 1 and 8; doxorubicin 75 × 1.82 = 136.5 mg,
    // at the ceiling share 75 mg/m² × 1.82 / 1 day = 136.5 mg: 137 would cross it → 136 mg
    let p = plan("olaratumab-doxorubicin", &standard(), 1, &options);
    assert_eq!(finals(&p, "olaratumab"), days(&[1, 8], 1400.0));
    assert_eq!(finals(&p, "doxorubicin"), days(&[1], 136.0));
    assert!(
        p.overridden
            .iter()
            .any(|o| o.stop.code() == "status-withdrawn" && o.reason.contains("ANNOUNCE"))
    );
    // cycle 2: 15 mg/kg × 70 kg = 1050 mg
    let p = plan("olaratumab-doxorubicin", &standard(), 2, &options);
    assert_eq!(finals(&p, "olaratumab"), days(&[1, 8], 1050.0));
}

#[test]
fn carboplatin_auc_from_cockcroft_gault_or_given_gfr() {
    let p = plan(
        "carboplatin-paclitaxel",
        &standard(),
        1,
        &DoseOptions::default(),
    );
    // 5 × (73.457 + 25) = 492.28 → 492 mg
    assert_eq!(finals(&p, "carboplatin"), days(&[1], 492.0));
    let options = DoseOptions {
        gfr: Some(parse_gfr("150mL/min").unwrap()),
        ..DoseOptions::default()
    };
    let p = plan("carboplatin-paclitaxel", &standard(), 1, &options);
    // capped at 125: 5 × 150 = 750 mg
    assert_eq!(finals(&p, "carboplatin"), days(&[1], 750.0));
    assert!(
        p.administrations[0]
            .adjustments
            .iter()
            .any(|a| matches!(a, chemodose::dose::Adjustment::GfrCap { .. }))
    );
    // no creatinine and no GFR: an error naming what to give
    let mut p2 = standard();
    p2.serum_creatinine = None;
    let e = calculate(
        &regimen("carboplatin-paclitaxel"),
        &p2,
        1,
        &DoseOptions::default(),
    )
    .unwrap_err();
    // The library names what is missing; the command line adds the flags.
    assert!(
        matches!(
            e,
            chemodose::dose::DoseError::NeedsMeasurement {
                needs: chemodose::dose::Needed::GfrForCalvert,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("a measured GFR"), "{e}");
}

#[test]
fn reductions_by_level_and_percent_are_shown() {
    let options = DoseOptions {
        reductions: PerDrug {
            all: None,
            drugs: [
                ("docetaxel".to_owned(), Reduction::Level(-1)),
                (
                    "gemcitabine".to_owned(),
                    Reduction::Percent(chemodose::quantity::Percent::whole(25)),
                ),
            ]
            .into_iter()
            .collect(),
        },
        ..DoseOptions::default()
    };
    let p = plan("gemcitabine-docetaxel", &standard(), 1, &options);
    // gemcitabine 1638 × 0.75 = 1228.5 → 1229; docetaxel level -1: 75 × 1.82 = 136.5 → 137
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 1229.0));
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 137.0));
    let doc = p
        .administrations
        .iter()
        .find(|a| a.drug == "docetaxel")
        .unwrap();
    assert!(matches!(
        doc.adjustments[0],
        chemodose::dose::Adjustment::ReductionLevel { level: -1, .. }
    ));
    // a level the regimen does not define
    let options = DoseOptions {
        reductions: PerDrug {
            all: Some(Reduction::Level(-2)),
            ..PerDrug::default()
        },
        ..DoseOptions::default()
    };
    let e = calculate(&regimen("gemcitabine-docetaxel"), &standard(), 1, &options).unwrap_err();
    assert!(matches!(e, DoseError::NoSuchLevel { level: -2, .. }), "{e}");
}

#[test]
fn bsa_cap_is_applied_and_shown() {
    // 190 cm, 130 kg: BSA sqrt(24700/3600) = 2.6194 → 2.62; cap 2.0 m²:
    // gemcitabine 900 × 2.0 = 1800 mg; docetaxel 100 × 2.0 = 200 mg
    let options = DoseOptions {
        bsa_cap: Some(parse_bsa("2m2").unwrap()),
        ..DoseOptions::default()
    };
    let p = plan(
        "gemcitabine-docetaxel",
        &patient("190cm", "130kg"),
        1,
        &options,
    );
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 1800.0));
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 200.0));
    assert!(
        p.administrations
            .iter()
            .filter(|a| a.basis() == Some(chemodose::quantity::DoseBasis::PerM2))
            .all(|a| {
                a.adjustments
                    .iter()
                    .any(|x| matches!(x, chemodose::dose::Adjustment::BsaCap { .. }))
            })
    );
    // Without the cap (ASCO: full weight-based dosing): 900 × 2.62 = 2358 mg
    let p = plan(
        "gemcitabine-docetaxel",
        &patient("190cm", "130kg"),
        1,
        &DoseOptions::default(),
    );
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 2358.0));
}

#[test]
fn rounding_beyond_tolerance_is_refused() {
    // eribulin 2.548 mg rounded to 1 mg steps → 3 mg, +17.7 % > 10 %
    let options = DoseOptions {
        planned_cycles: Some(6),
        rounding: PerDrug {
            all: Some(chemodose::regimen::RoundingRule::Nearest {
                step: chemodose::quantity::DoseUnit::Mg.mass(1.0),
                unit: chemodose::quantity::DoseUnit::Mg,
            }),
            ..PerDrug::default()
        },
        ..DoseOptions::default()
    };
    let e = calculate(&regimen("eribulin"), &standard(), 1, &options).unwrap_err();
    assert!(matches!(e, DoseError::RoundingTolerance { .. }), "{e}");
}

#[test]
fn cycle_outside_the_course_is_an_error() {
    let e = calculate(
        &regimen("gemcitabine-docetaxel"),
        &standard(),
        7,
        &DoseOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, DoseError::CycleOutOfRange { cycle: 7, .. }),
        "{e}"
    );
}

/// Found by proptest: with a BSA cap that did not bind (BSA below the cap),
/// rounding up could carry a dose past prescribed × cap.
#[test]
fn regression_rounding_does_not_cross_an_unbinding_bsa_cap() {
    // 140 cm × 72.6 kg: sqrt(10164 / 3600) = 1.6803 → 1.68 m², below the 1.69 m² cap.
    // docetaxel 100 × 1.68 = 168 mg; to 10 mg steps 170 mg would pass 100 × 1.69 = 169 mg,
    // so it goes down to 160 mg (−4.76 %).
    let options = DoseOptions {
        bsa_cap: Some(parse_bsa("1.69m2").unwrap()),
        rounding: PerDrug {
            all: Some(chemodose::regimen::RoundingRule::Nearest {
                step: chemodose::quantity::DoseUnit::Mg.mass(10.0),
                unit: chemodose::quantity::DoseUnit::Mg,
            }),
            ..PerDrug::default()
        },
        ..DoseOptions::default()
    };
    let p = plan(
        "gemcitabine-docetaxel",
        &patient("140cm", "72.6kg"),
        1,
        &options,
    );
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 160.0));
    let doc = p
        .administrations
        .iter()
        .find(|a| a.drug == "docetaxel")
        .unwrap();
    assert!(matches!(
        doc.adjustments[0],
        chemodose::dose::Adjustment::Rounding {
            held_under_cap: true,
            ..
        }
    ));
}

/// `chemodose ARGS` run in `dir`, with no regimen folder there: the bundled
/// library is in force.
fn run_in(dir: &std::path::Path, args: &[&str]) -> common::Run {
    common::Run::in_dir(args, dir.to_str().unwrap())
}

/// Issue 14: an unreadable or empty regimen file was reported as `× cannot
/// read the file: No such file or directory` and `× the file is empty`,
/// without saying which file. Every command that takes a regimen names it.
#[test]
fn regression_regimen_file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.toml"), "").unwrap();
    for command in [
        &["dose", "--height", "170cm", "--weight", "70kg"][..],
        &[
            "schedule",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
        ],
        &["regimens", "show"],
    ] {
        for (file, words) in [
            (
                "./missing.toml",
                "./missing.toml: cannot read the regimen file: No such file",
            ),
            ("empty.toml", "empty.toml: the file is empty"),
            (
                "regimens/x.toml",
                "regimens/x.toml: cannot read the regimen file",
            ),
        ] {
            let mut args = command.to_vec();
            args.insert(if command[0] == "regimens" { 2 } else { 1 }, file);
            let err = run_in(dir.path(), &args).fails(2);
            assert!(err.contains(words), "{args:?}: {err}");
        }
    }
}

/// Issue 14: the bundled alias `gem/doc` could not be used, because a `/`
/// made it a path. The rule: a key ending in `.toml` is a file; a key with
/// a `/` is a file when something exists at that path, else an id or alias.
#[test]
fn regression_an_alias_with_a_slash_is_an_alias_unless_the_path_exists() {
    let labs = format!(
        "{}/{}",
        env!("CARGO_MANIFEST_DIR"),
        common::NORMAL_LABS_FILE
    );
    let dir = tempfile::tempdir().unwrap();
    let args = |key: &'static str| {
        vec![
            "dose",
            key,
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            &labs,
            "--on",
            "2026-12-01",
            "--format",
            "json",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    };
    let run = |key: &'static str| {
        let a = args(key);
        run_in(
            dir.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    // Aliases are case-insensitive.
    for key in ["gem/doc", "GEM/DOC"] {
        let out = run(key).success();
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["regimen"], "gemcitabine-docetaxel", "{out}");
    }
    // Neither a file nor an alias: the message says both.
    let err = run("gem/nothing").fails(2);
    assert!(
        err.contains("`gem/nothing` is neither a file nor a regimen id or alias"),
        "{err}"
    );
    // A path that exists wins over the alias.
    std::fs::create_dir(dir.path().join("gem")).unwrap();
    std::fs::write(dir.path().join("gem/doc"), "").unwrap();
    let err = run("gem/doc").fails(2);
    assert!(err.contains("gem/doc: the file is empty"), "{err}");
}

/// Issue 14: a 250 KB one-line bad regimen file printed 1.1 MB of standard
/// error (the whole line, for each problem), and a problem past column
/// 65,535 made miette panic (exit 101). The excerpt is clipped around the
/// problem; its place is still given as file, line and column.
#[test]
fn regression_a_long_one_line_file_prints_a_clipped_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, place) in [
        // The problem at the end of the line (column 250,009).
        (
            "late.toml",
            format!("id = \"{}\" x\n", "a".repeat(250_000)),
            "late.toml:1:250009",
        ),
        // The problem at the start, then 250 KB more on its line.
        (
            "early.toml",
            format!("name = 3 {}\n", "#".repeat(250_000)),
            "early.toml:1:8",
        ),
        (
            "list.toml",
            format!("x = [{}]\n", "1,".repeat(125_000)),
            "list.toml:1:1",
        ),
    ] {
        std::fs::write(dir.path().join(name), &text).unwrap();
        for args in [
            &["dose", name, "--height", "170cm", "--weight", "70kg"][..],
            &["regimens", "check", name],
        ] {
            let run = run_in(dir.path(), args);
            let err = if args[0] == "regimens" {
                run.fails(1) + &run.stdout()
            } else {
                run.fails(2)
            };
            assert!(
                err.len() < 4096,
                "{args:?}: {} bytes of messages",
                err.len()
            );
            assert!(err.contains(place), "{args:?}: {err}");
        }
    }
}

// ---- Issue 14: division by zero, BSA rounding, the number of cycles ----

/// `dose gemcitabine-docetaxel --height 50cm --weight 3kg --bsa-round 1`
/// panicked (exit 101): a step of 1 m² rounded 0.2041 m² to 0 m², and the
/// totals divided by it. A step coarser than 0.1 m² is now refused where it
/// is typed, with what to write instead.
#[test]
fn regression_bsa_round_1_is_refused_not_a_panic() {
    let err = common::Run::new(&[
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "50cm",
        "--weight",
        "3kg",
        "--bsa-round",
        "1",
    ])
    .fails(2);
    assert!(
        err.contains("--bsa-round") && err.contains("write 0.1, 0.01, 0.001 or none"),
        "{err}"
    );
    for step in ["2", "0.5", "0.05", "0.0001", "-0.1", "0"] {
        assert!(step.parse::<BsaRounding>().is_err(), "{step}");
    }
    assert_eq!("0.1".parse::<BsaRounding>(), Ok(BsaRounding::Decimals(1)));
    assert_eq!("0.001".parse::<BsaRounding>(), Ok(BsaRounding::Decimals(3)));
}

/// A library caller that builds the policy by hand (`Decimals(0)`, a 1 m²
/// step) gets a typed error, not a panic.
#[test]
fn regression_a_hand_built_coarse_bsa_rounding_is_an_error() {
    let options = DoseOptions {
        bsa_rounding: BsaRounding::Decimals(0),
        ..common::with_normal_labs(&DoseOptions::default())
    };
    let e = calculate(
        &regimen("gemcitabine-docetaxel"),
        &patient("50cm", "3kg"),
        1,
        &options,
    )
    .unwrap_err();
    assert!(
        matches!(&e, DoseError::Bsa(chemodose::bsa::BsaError::BadRounding(s)) if s == "1"),
        "{e:?}"
    );
}

/// 50 cm × 3 kg: sqrt(150 / 3600) = 0.204124 m², to 0.1 m² → 0.2 m²
/// (−2.02 %, within 10 %). Gemcitabine 900 × 0.2 = 180 mg, docetaxel
/// 100 × 0.2 = 20 mg; the header shows the change the rounding made.
#[test]
fn a_tenth_of_a_square_metre_doses_a_small_patient_and_shows_the_change() {
    let mut args = vec![
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "50cm",
        "--weight",
        "3kg",
        "--bsa-round",
        "0.1",
    ];
    args.extend(common::NORMAL_LABS);
    let out = common::Run::new(&args).success();
    assert!(
        out.contains(
            "BSA (Mosteller): 0.2041 m², 0.2 m² used for dosing (rounded half up to 1 decimal, -2.02%)"
        ),
        "{out}"
    );
    let options = DoseOptions {
        bsa_rounding: BsaRounding::Decimals(1),
        ..DoseOptions::default()
    };
    let p = plan(
        "gemcitabine-docetaxel",
        &patient("50cm", "3kg"),
        1,
        &options,
    );
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 180.0));
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 20.0));
    assert_eq!(p.bsa.rounding_change_percent(), d(-2.02));
}

/// The BSA rounding is held to the dose rounding tolerance. 45 cm × 5 kg:
/// sqrt(225 / 3600) = 0.25 m² exactly, which a 0.1 m² step rounds half up
/// to 0.3 m², +20 % on every per-m² dose: beyond 10 %, a safety stop
/// (exit 1) that names the finer steps. At 0.01 m² it is 0.25 m² itself:
/// gemcitabine 900 × 0.25 = 225 mg.
#[test]
fn regression_bsa_rounding_beyond_the_tolerance_is_refused() {
    let mut args = vec![
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "45cm",
        "--weight",
        "5kg",
        "--bsa-round",
        "0.1",
    ];
    args.extend(common::NORMAL_LABS);
    let err = common::Run::new(&args).fails(1);
    assert!(
        err.contains(
            "rounding the BSA of 0.25 m² to 0.3 m² is a 20% change, beyond the 10% tolerance"
        ) && err.contains("--bsa-round 0.01, 0.001 or none"),
        "{err}"
    );
    let options = DoseOptions {
        bsa_rounding: BsaRounding::Decimals(1),
        ..common::with_normal_labs(&DoseOptions::default())
    };
    let e = calculate(
        &regimen("gemcitabine-docetaxel"),
        &patient("45cm", "5kg"),
        1,
        &options,
    )
    .unwrap_err();
    assert!(e.is_safety_stop());
    assert!(
        matches!(&e, DoseError::BsaRoundingTolerance { unrounded_m2, used_m2, deviation, .. }
            if *unrounded_m2 == d(0.25) && *used_m2 == d(0.3) && *deviation == d(20.0)),
        "{e:?}"
    );
    let p = plan(
        "gemcitabine-docetaxel",
        &patient("45cm", "5kg"),
        1,
        &DoseOptions::default(),
    );
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 225.0));
    // With a 25 % tolerance the 0.1 m² step is let through: 900 × 0.3 = 270 mg.
    let wide = DoseOptions {
        rounding_tolerance: chemodose::quantity::Percent::whole(25),
        ..options
    };
    let p = plan("gemcitabine-docetaxel", &patient("45cm", "5kg"), 1, &wide);
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 270.0));
}

/// `dose --cycles 1000000` ran 21 s and took 6.9 GB (every cycle of the
/// planned course is computed for the totals). The planned course is
/// bounded as a schedule is, by `regimen::MAX_CYCLES` (100); 0 is refused
/// with the same message, not "cycle 1 is outside the course".
#[test]
fn regression_the_planned_number_of_cycles_is_bounded() {
    assert_eq!(chemodose::regimen::MAX_CYCLES, 100);
    assert_eq!(chemodose::schedule::MAX_CYCLES, 100);
    // 0 is refused where it is typed ("a course has at least 1 cycle").
    for cycles in ["1000000", "101"] {
        let started = std::time::Instant::now();
        let mut args = vec![
            "dose",
            "gemcitabine-docetaxel",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--cycles",
            cycles,
        ];
        args.extend(common::NORMAL_LABS);
        let err = common::Run::new(&args).fails(2);
        assert!(
            err.contains(&format!(
                "the number of cycles must be from 1 to 100 (got {cycles})"
            )) && err.contains("Pass --cycles with a number from 1 to 100"),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
    // 100 cycles is a course: gemcitabine 2 × 1638 mg a cycle, 327,600 mg in all.
    let options = DoseOptions {
        planned_cycles: Some(100),
        ..DoseOptions::default()
    };
    let p = plan("gemcitabine-docetaxel", &standard(), 1, &options);
    let gem = p.totals.iter().find(|t| t.drug == "gemcitabine").unwrap();
    assert_eq!(gem.course_total, Some(d(327_600.0)));
}

/// A cycle number beyond any course is refused before anything is
/// computed, for an open-ended regimen too.
#[test]
fn regression_a_cycle_beyond_any_course_is_refused() {
    let open = regimen("eribulin");
    assert_eq!(
        open.cycle.count,
        chemodose::regimen::CycleCount::UntilProgression { max: None }
    );
    let e = calculate(&open, &standard(), 4_000_000_000, &DoseOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("cycle 4000000000 is outside the course: a course has at most 100 cycles"),
        "{e}"
    );
}

/// Issue 14: `dose doxorubicin --height 200cm --weight 120kg --bsa-cap 2m2
/// --bsa-round none --round 10mg` gave 149.999999999806 mg, rounded down to
/// 140 mg: the capped dose was the dose × cap ÷ BSA, a quotient of two
/// twelve-digit decimals. It is now computed at the cap: BSA sqrt(200 × 120
/// / 3600) = 2.582 m² > 2 m², so 75 mg/m² × 2 m² = 150 mg, a multiple of
/// 10 mg, given as 150 mg; in JSON too, with no float noise.
#[test]
fn regression_a_capped_dose_is_exact() {
    let args = [
        "dose",
        "doxorubicin",
        "--height",
        "200cm",
        "--weight",
        "120kg",
        "--bsa-cap",
        "2m2",
        "--bsa-round",
        "none",
        "--round",
        "10mg",
        "--bilirubin",
        "0.6mg/dL",
    ];
    let out = common::Run::new(&args).success();
    let row = out
        .lines()
        .find(|l| l.starts_with("1    DOXOrubicin"))
        .unwrap();
    let tokens: Vec<&str> = row.split_whitespace().collect();
    assert!(
        tokens.windows(3).any(|w| w == ["150", "mg", "IV"])
            && row.contains(
                "BSA capped at 2 m² (command line; BSA 2.58198889747 m²): 193.64916731 → 150 mg"
            )
            && !row.contains("rounded"),
        "{row}"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = common::Run::new(&json_args).success();
    assert!(
        !out.contains("149.99") && !out.contains("150.00000"),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let a = &v["administrations"][0];
    assert_eq!(a["final_mg"].as_f64(), Some(150.0), "{a}");
    // 6 cycles × 150 mg = 900 mg over the course.
    assert_eq!(v["totals"][0]["course_total"].as_f64(), Some(900.0));
}

/// The capped dose is exact for every patient above the cap, and after a
/// reduction or a dose level: 75 × 2 × 0.8 = 120 mg; docetaxel level −1,
/// 75 mg/m² × 1.9 m² = 142.5 mg; gemcitabine 900 × 1.9 = 1,710 mg.
#[test]
fn capped_doses_come_from_the_cap_exactly() {
    let cap = |c: &str, round| DoseOptions {
        bsa_cap: Some(parse_bsa(c).unwrap()),
        bsa_rounding: round,
        rounding: PerDrug {
            all: Some(chemodose::regimen::RoundingRule::None),
            ..PerDrug::default()
        },
        ..DoseOptions::default()
    };
    for (h, w) in [
        ("185cm", "101kg"),
        ("190cm", "113kg"),
        ("201cm", "127kg"),
        ("207cm", "139kg"),
        ("213cm", "150kg"),
    ] {
        for round in [BsaRounding::None, BsaRounding::Decimals(2)] {
            let p = plan(
                "doxorubicin",
                &patient(h, w),
                1,
                &common::with_normal_labs(&cap("2m2", round)),
            );
            assert_eq!(finals(&p, "doxorubicin"), days(&[1], 150.0), "{h} {w}");
            let mut reduced = common::with_normal_labs(&cap("2m2", round));
            reduced.reductions.all = Some(Reduction::Percent(
                chemodose::quantity::Percent::reduction("20%").unwrap(),
            ));
            let p = plan("doxorubicin", &patient(h, w), 1, &reduced);
            assert_eq!(finals(&p, "doxorubicin"), days(&[1], 120.0), "{h} {w}");
        }
    }
    let mut level = cap("1.9m2", BsaRounding::None);
    level
        .reductions
        .drugs
        .insert("docetaxel".to_owned(), Reduction::Level(-1));
    let p = plan(
        "gemcitabine-docetaxel",
        &patient("200cm", "120kg"),
        1,
        &level,
    );
    assert_eq!(finals(&p, "docetaxel"), days(&[8], 142.5));
    assert_eq!(finals(&p, "gemcitabine"), days(&[1, 8], 1710.0));
}

/// A named pipe at `dir/name` (`None` where `mkfifo` is not available).
#[cfg(unix)]
fn fifo(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    let path = dir.join(name);
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    made.is_ok_and(|s| s.success()).then_some(path)
}

/// Issue 14: `dose /dev/zero …` (a regimen named by its path) and
/// `--history /dev/zero` read the whole "file" before any size check and
/// grew to gigabytes. Files are read through one bounded reader
/// (`chemodose::files`): only regular files, refused by what they are, and
/// each kind within its limit (a regimen file 256 KiB); a missing file is
/// named.
#[cfg(unix)]
#[test]
fn regression_dose_reads_its_files_bounded() {
    let patient = ["--height", "170cm", "--weight", "70kg"];
    let run = |first: &[&str], more: &[&str]| {
        let mut args = vec!["dose"];
        args.extend(first);
        args.extend(patient);
        args.extend(more);
        common::Run::within(&args, 5)
    };
    let err = run(&["/dev/zero"], &[]).fails(2);
    assert!(
        err.contains(
            "/dev/zero: a character device, not a regular file: give the path of a regimen file"
        ),
        "{err}"
    );
    let err = run(
        &["gemcitabine-docetaxel"],
        &["--history", "/dev/zero", "--labs", common::NORMAL_LABS_FILE],
    )
    .fails(2);
    assert!(
        err.contains("/dev/zero: a character device, not a regular file: give the path of a treatment-history file"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("folder.toml");
    std::fs::create_dir(&folder).unwrap();
    let err = common::flat(&run(&[folder.to_str().unwrap()], &[]).fails(2));
    assert!(
        err.contains(
            "folder.toml: a directory, not a regular file: give the path of a regimen file"
        ),
        "{err}"
    );
    if let Some(pipe) = fifo(dir.path(), "pipe.toml") {
        let err = run(&[pipe.to_str().unwrap()], &[]).fails(2);
        assert!(
            err.contains("pipe.toml: a named pipe, not a regular file"),
            "{err}"
        );
        let err = run(
            &["doxorubicin"],
            &[
                "--bilirubin",
                "0.6mg/dL",
                "--history",
                pipe.to_str().unwrap(),
            ],
        )
        .fails(2);
        assert!(
            err.contains("pipe.toml: a named pipe, not a regular file"),
            "{err}"
        );
    }
    // One byte over 256 KiB = 262,144 bytes.
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; 256 * 1024 + 1]).unwrap();
    let err = common::flat(&run(&[big.to_str().unwrap()], &[]).fails(2));
    assert!(
        err.contains(
            "the file is 262145 bytes; regimen files are limited to 256 KiB (262144 bytes)"
        ),
        "{err}"
    );
    let missing = dir.path().join("missing.toml");
    let err = common::flat(&run(&[missing.to_str().unwrap()], &[]).fails(2));
    assert!(
        err.contains("missing.toml: cannot read the regimen file: No such file or directory"),
        "{err}"
    );
}

/// Issue 14's messages: `--cycles -1` read as an unknown flag ("unexpected
/// argument '-1' found") and a number past 4,294,967,295 as "number too
/// large to fit in target type"; `--cycle` likewise. Each now says what a
/// number of cycles (or a cycle number) is and what to write.
#[test]
fn regression_a_cycle_count_that_is_not_a_number_says_what_to_write() {
    let run = |flag: &str, value: &str| {
        common::flat(
            &common::Run::new(&[
                "dose",
                "pazopanib",
                "--height",
                "170cm",
                "--weight",
                "70kg",
                flag,
                value,
            ])
            .fails(2),
        )
    };
    // A negative number is refused as negative (see
    // negative_and_zero_values_are_refused_as_values_of_their_flag).
    for value in ["18446744073709551616", "six", "2.5", ""] {
        let err = run("--cycles", value);
        assert!(
            err.contains(&format!(
                "the number of cycles must be a whole number from 1 to 100 (got `{value}`); write e.g. --cycles 6"
            )),
            "{err}"
        );
    }
    let err = run("--cycle", "99999999999");
    assert!(
        err.contains(
            "a cycle number is a whole number from 1 to 100 (got `99999999999`); write e.g. --cycle 2"
        ),
        "{err}"
    );
}

/// Issue 14: height and weight were never checked together: 30 cm with
/// 350 kg got an adult dose (BSA 1.71 m²), and pazopanib's flat 800 mg went
/// to a patient of 170 cm and 0.5 kg. Each value alone is within its bounds.
#[test]
fn height_and_weight_that_cannot_be_one_person_are_refused() {
    // 350 / 0.30² = 3,888.89 kg/m²
    let err = common::Run::new(&[
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "30cm",
        "--weight",
        "350kg",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
    ])
    .fails(2);
    assert_eq!(
        err,
        "error: height 30 cm with weight 350 kg is a body-mass index of 3,888.89 kg/m², outside the plausible 10 to 100 kg/m²: one of them is mistyped or in the wrong unit. Check --height and --weight and their units, e.g. --height 170cm --weight 70kg\n"
    );
    // 0.5 / 1.70² = 0.17 kg/m²
    let err = common::Run::new(&[
        "dose",
        "pazopanib",
        "--height",
        "170cm",
        "--weight",
        "0.5kg",
    ])
    .fails(2);
    assert!(
        err.starts_with("error: height 170 cm with weight 0.5 kg is a body-mass index of 0.17 kg/m², outside the plausible 10 to 100 kg/m²"),
        "{err}"
    );
    // The library refuses it too, before any dose.
    let e = calculate(
        &regimen("pazopanib"),
        &Patient::new(
            parse_height("170cm").unwrap(),
            parse_weight("0.5kg").unwrap(),
        ),
        1,
        &DoseOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            DoseError::Measurement(
                chemodose::quantity::QuantityError::ImplausibleProportions { .. }
            )
        ),
        "{e}"
    );
    assert!(!e.is_safety_stop());
}

/// Issue 14: `--level -1 --reduce 20%` said "--reduce for all drugs is given
/// twice". It now says what is wrong: a level and a percent for one drug.
#[test]
fn a_level_and_a_percent_for_one_drug_are_refused_for_what_they_are() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "dose",
            "gemcitabine-docetaxel",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--on",
            "2026-12-01",
        ];
        args.extend_from_slice(extra);
        common::Run::new(&args).fails(2)
    };
    assert_eq!(
        run(&["--level", "-1", "--reduce", "20%"]),
        "error: --level -1 and --reduce 20% both change the dose of all drugs: a dose level and a percent reduction cannot both be given for the same drug; give one of them\n"
    );
    assert_eq!(
        run(&["--reduce", "docetaxel=25%", "--level", "Docetaxel=-1"]),
        "error: --level docetaxel=-1 and --reduce docetaxel=25% both change the dose of docetaxel: a dose level and a percent reduction cannot both be given for the same drug; give one of them\n"
    );
    assert_eq!(
        run(&["--level", "-1", "--level", "-2"]),
        "error: --level -1 and --level -2 are both given for all drugs: give one\n"
    );
}

/// Issue 14: a level, reduction, rounding or day list for a drug without a
/// dose of its own was silently ignored (`--level filgrastim=-1`), and
/// `--days mesna=1` left ifosfamide's days 2 to 4 without mesna. Each is
/// refused, naming the drug and what it follows.
#[test]
fn settings_for_a_drug_without_its_own_dose_are_refused() {
    let gemdoc = |extra: &[&str]| {
        let mut args = vec![
            "dose",
            "gemcitabine-docetaxel",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--on",
            "2026-12-01",
        ];
        args.extend_from_slice(extra);
        common::Run::new(&args).fails(2)
    };
    for (flag, value, what, flags) in [
        (
            "--level",
            "filgrastim=-1",
            "a dose level",
            "--level and --level-from",
        ),
        (
            "--reduce",
            "Filgrastim=20%",
            "a percent reduction",
            "--reduce and --reduce-from",
        ),
        ("--round", "filgrastim=10mg", "a rounding rule", "--round"),
        (
            "--days",
            "filgrastim=9-10",
            "a day list",
            "--days and --days-from",
        ),
    ] {
        assert_eq!(
            gemdoc(&[flag, value]),
            format!(
                "error: filgrastim has no dose of its own (it is given by local protocol): {what} cannot apply to it. Leave filgrastim out of {flags}\n"
            )
        );
    }
    let aim = |extra: &[&str]| {
        let mut args = vec![
            "dose",
            "doxorubicin-ifosfamide-mesna",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--gfr",
            "90mL/min",
            "--bilirubin",
            "0.6mg/dL",
        ];
        args.extend_from_slice(extra);
        common::Run::new(&args)
    };
    assert_eq!(
        aim(&["--days", "mesna=1"]).fails(2),
        "error: mesna has no days of its own (it is given with every dose of ifosfamide, on ifosfamide's days): a day list cannot apply to it; a day list for ifosfamide carries over to it. Leave mesna out of --days and --days-from\n"
    );
    assert_eq!(
        aim(&["--reduce", "mesna=20%"]).fails(2),
        "error: mesna has no dose of its own (its dose is a share of ifosfamide's final dose, so a change to ifosfamide's dose carries over to it): a percent reduction cannot apply to it. Leave mesna out of --reduce and --reduce-from\n"
    );
    // A companion's final dose is rounded like any other: each mesna dose, 20 %
    // of ifosfamide 2,500 mg/m² × 1.82 m² = 4,550 mg, is 910 mg, to the
    // nearest 100 mg 900 mg.
    let out = aim(&["--round", "mesna=100mg"]).success();
    assert!(
        out.contains("rounded to the nearest 100 mg: 910 → 900 mg"),
        "{out}"
    );
}

/// Issue 14: `--bsa-cap -2m2` read `-2` as a flag ("unexpected argument
/// '-2' found"), and so did every negative value of a flag that takes a
/// number (`--cycles -1`, `--reduce -20%`, `--round -10mg`, `--day -1`);
/// `--cycles 0` said "cycle 1 is outside the course"; `--day 0` and `--day
/// 400` gave "Clinical rules, day 400: PROCEED" for a 21-day cycle. Each is
/// refused as the value of its flag, saying what to write (exit 2).
#[test]
fn negative_and_zero_values_are_refused_as_values_of_their_flag() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "dose",
            "gemcitabine-docetaxel",
            "--height",
            "170cm",
            "--weight",
            "70kg",
        ];
        args.extend(common::NORMAL_LABS);
        args.extend(extra);
        common::Run::new(&args).fails(2)
    };
    let cases: [(&[&str], &str); 12] = [
        (
            &["--bsa-cap", "-2m2"],
            "error: invalid value '-2m2' for '--bsa-cap <BSA>': a BSA cap cannot be negative (got `-2m2`); write the largest BSA to dose on, e.g. --bsa-cap 2m2",
        ),
        (
            &["--bsa-cap", "0m2"],
            "error: invalid value '0m2' for '--bsa-cap <BSA>': body surface area must be greater than zero (got `0m2`); write the largest BSA to dose on, e.g. --bsa-cap 2m2",
        ),
        (
            &["--cycles", "0"],
            "error: invalid value '0' for '--cycles <N>': a course has at least 1 cycle (got `0`); give the planned number of cycles, e.g. --cycles 6, or leave --cycles out for the regimen's",
        ),
        (
            &["--cycles", "-1"],
            "error: invalid value '-1' for '--cycles <N>': the number of cycles cannot be negative (got `-1`); write a whole number from 1, e.g. --cycles 6",
        ),
        (
            &["--cycle", "0"],
            "error: invalid value '0' for '--cycle <N>': the cycle is at least 1 (got `0`), e.g. --cycle 1 for the first",
        ),
        (
            &["--reduce", "-20%"],
            "error: invalid value '-20%' for '--reduce <[DRUG=]PERCENT>': a percent above 0% and below 100% is needed (got `-20%`)",
        ),
        (
            &["--round", "-10mg"],
            "error: invalid value '-10mg' for '--round <[DRUG=]RULE>': rounding: `-10mg` is not a step with a unit",
        ),
        (
            &["--round-tolerance", "-10%"],
            "error: invalid value '-10%' for '--round-tolerance <PERCENT>': a percent from 0% to below 100% is needed (got `-10%`)",
        ),
        (
            &["--scr-floor", "-1mg/dL"],
            "error: invalid value '-1mg/dL' for '--scr-floor <SCR>': serum creatinine must be greater than zero (got `-1mg/dL`)",
        ),
        (
            &["--day", "0"],
            "error: invalid value '0' for '--day <DAY>': the day of the cycle is at least 1 (got `0`), e.g. --day 8 (day 1 is the first)",
        ),
        (
            &["--day", "22"],
            "error: day 22 is not a day of the cycle: its days are 1 to 21. Give --day as a day of the cycle, e.g. --day 8, or leave it out for the first administration day",
        ),
        (
            &["--max-result-age", "-1"],
            "error: invalid value '-1' for '--max-result-age <DAYS>': the age in days cannot be negative (got `-1`); write a whole number from 0, e.g. --max-result-age 3",
        ),
    ];
    for (extra, expected) in cases {
        let err = run(extra);
        assert!(err.starts_with(expected), "{extra:?}:\n{err}");
    }
    // The last day of the cycle is a day of it.
    let mut args = vec![
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--day",
        "21",
    ];
    args.extend(common::NORMAL_LABS);
    common::Run::new(&args).success();
}

/// `chemodose carboplatin` rounds by `calvert_rounding` when no regimen is
/// given; the bundled carboplatin regimen must round the same way, or the
/// two paths give two answers for one patient (issue 18).
#[test]
fn the_carboplatin_command_rounds_as_the_bundled_carboplatin_regimen() {
    let r = regimen("carboplatin-paclitaxel");
    let carboplatin = r.drugs.iter().find(|d| d.name == "carboplatin").unwrap();
    assert_eq!(
        carboplatin.rounding,
        chemodose::dose::round::calvert_rounding()
    );
}
