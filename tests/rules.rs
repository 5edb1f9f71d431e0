//! The clinical rules engine through the library: `requires`, organ,
//! treatment-day and toxicity rules, every action, the stops they raise and
//! their override codes, and the verdicts, on small inline regimens.
//!
//! Style as `tests/engine.rs`: each test writes the `[[drug]]` tables it
//! needs, the harness puts [`HEADER`] in front, loads the text with
//! `parse_regimen` (so every fixture passes the loader too) and runs
//! `chemodose::dose::calculate`. Every expected dose is worked out by hand
//! in a comment; none is copied from the program's output. Stops, verdicts
//! and adjustments are asserted on their typed values, never on message
//! text (the CLI tests own that).
//!
//! The patient is [`bsa_2_0`]: 180 cm, 80 kg, Mosteller
//! sqrt(180 × 80 / 3600) = sqrt(4) = 2.00 m² exactly, so an N mg/m² dose is
//! 2N mg. No sex, age or creatinine unless a test says so: renal function is
//! given as a GFR (`DoseOptions::gfr`), which the rules read as `crcl` when
//! no Cockcroft–Gault estimate can be made.
//!
//! The conventions tested are those of the clinical reference §9
//! ("rule-engine conventions"): evaluation order requirements → organ →
//! treatment day → toxicity; when more than one change would apply to one
//! drug, stop and show every candidate; a band edge goes where the
//! comparator puts it (the files write the more restrictive band's edge
//! inclusive); never re-escalate without a reason.

use std::collections::BTreeMap;

use chemodose::dose::{
    Adjustment, Administration, AppliedReduction, Change, DoseError, DoseOptions, DosePlan,
    PerDrug, Reduction, Stop, calculate,
};
use chemodose::labs::{LabOrigin, LabResult, Labs};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{
    Lab, Percent, parse_age, parse_dose, parse_gfr, parse_height, parse_lab,
    parse_serum_creatinine, parse_uln, parse_weight,
};
use chemodose::regimen::{Regimen, parse_regimen};
use chemodose::rules::{Action, ChildPugh, RuleKind, Truth, Variable, Verdict};
use chrono::NaiveDate;
use rust_decimal::{Decimal, dec};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The regimen header every fixture shares: 21-day cycles, 6 cycles, active.
const HEADER: &str = r#"
id = "inline"
name = "Inline rules test regimen"
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
citation = "Test fixture: doses and thresholds chosen for clean arithmetic, not for treatment"
"#;

/// Gemcitabine 1,000 mg/m² on days 1 and 8 with two dose levels, and no
/// rules: 2,000 mg at 2.00 m²; level -1 800 mg/m² = 1,600 mg; level -2
/// 600 mg/m² = 1,200 mg. Tests append `requires` and `[[drug.rule]]`.
const GEM: &str = r#"
[[drug]]
name = "gemcitabine"
role = "antineoplastic"
dose = "1000 mg/m2"
route = "IV"
days = "1,8"
reductions = { -1 = "800 mg/m2", -2 = "600 mg/m2" }
"#;

/// A regimen with the usual header and the given `[[drug]]` tables; a
/// fixture the loader refuses fails the test.
fn regimen(drugs: &str) -> Regimen {
    let text = format!("{HEADER}{drugs}");
    parse_regimen("inline.toml", &text)
        .unwrap_or_else(|e| panic!("the fixture does not load:\n{e}\n---\n{text}"))
}

/// [`GEM`] followed by `extra` (its `requires` line or its rules).
fn gem(extra: &str) -> Regimen {
    regimen(&format!("{GEM}{extra}"))
}

/// One `[[drug.rule]]` table.
fn rule(kind: &str, when: &str, then: &str) -> String {
    format!(
        "\n[[drug.rule]]\nkind = \"{kind}\"\nwhen = \"{when}\"\nthen = \"{then}\"\nsource = \"fixture\"\n"
    )
}

/// A day rule for the days listed.
fn day_rule(days: &str, when: &str, then: &str) -> String {
    format!(
        "\n[[drug.rule]]\nkind = \"day\"\ndays = \"{days}\"\nwhen = \"{when}\"\nthen = \"{then}\"\nsource = \"fixture\"\n"
    )
}

/// A rule of a named alternative table.
fn set_rule(set: &str, kind: &str, when: &str, then: &str) -> String {
    format!(
        "\n[[drug.rule]]\nkind = \"{kind}\"\nset = \"{set}\"\nwhen = \"{when}\"\nthen = \"{then}\"\nsource = \"fixture: {set}\"\n"
    )
}

/// Runs the engine and insists that it gives doses.
fn plan(r: &Regimen, o: &DoseOptions) -> DosePlan {
    calculate(r, &bsa_2_0(), 1, o).unwrap_or_else(|e| panic!("refused: {e} ({e:?})"))
}

/// Runs the engine for `patient` and insists that it gives doses.
fn plan_for(r: &Regimen, patient: &Patient, o: &DoseOptions) -> DosePlan {
    calculate(r, patient, 1, o).unwrap_or_else(|e| panic!("refused: {e} ({e:?})"))
}

/// The stops of a refusal; a plan, or another error, fails the test. A
/// refusal by a stop is a safety stop (exit 1 on the command line).
fn stops(r: &Regimen, o: &DoseOptions) -> Vec<Stop> {
    stops_for(r, &bsa_2_0(), o)
}

/// [`stops`] for `patient`.
fn stops_for(r: &Regimen, patient: &Patient, o: &DoseOptions) -> Vec<Stop> {
    match calculate(r, patient, 1, o) {
        Ok(p) => panic!("expected a refusal, got doses {:?}", doses(&p)),
        Err(e) => {
            assert!(e.is_safety_stop(), "not a safety stop: {e:?}");
            match e {
                DoseError::Refused(s) => s,
                other => panic!("refused, but not by a stop: {other:?}"),
            }
        }
    }
}

/// The codes of `stops`, in order.
fn codes(stops: &[Stop]) -> Vec<String> {
    stops.iter().map(Stop::code).collect()
}

/// Every administration as (drug, day, final dose in its unit), in plan order.
fn doses(p: &DosePlan) -> Vec<(String, i32, Decimal)> {
    p.administrations
        .iter()
        .map(|a| (a.drug.clone(), a.day, a.final_dose.normalize()))
        .collect()
}

/// Compares every administration with `expect`: (drug, day, dose).
fn assert_doses(p: &DosePlan, expect: &[(&str, i32, Decimal)]) {
    let expect: Vec<(String, i32, Decimal)> = expect
        .iter()
        .map(|(d, day, dose)| ((*d).to_owned(), *day, dose.normalize()))
        .collect();
    assert_eq!(doses(p), expect);
}

/// The one administration of `drug` on `day`.
fn admin<'a>(p: &'a DosePlan, drug: &str, day: i32) -> &'a Administration {
    let mut found = p
        .administrations
        .iter()
        .filter(|a| a.drug == drug && a.day == day);
    let a = found
        .next()
        .unwrap_or_else(|| panic!("no {drug} on day {day}"));
    assert!(found.next().is_none(), "{drug} twice on day {day}");
    a
}

/// The verdict of `drug` in the plan's assessment.
fn drug_verdict(p: &DosePlan, drug: &str) -> Verdict {
    p.assessment
        .drugs
        .iter()
        .find(|d| d.drug == drug)
        .unwrap_or_else(|| panic!("{drug} is not assessed"))
        .verdict
}

/// The rule adjustments of an administration as (action, level, from, to).
fn rule_steps(a: &Administration) -> Vec<(Action, Option<i32>, Decimal, Decimal)> {
    a.adjustments
        .iter()
        .filter_map(|j| match j {
            Adjustment::Rule {
                rule,
                level,
                from,
                to,
            } => Some((
                rule.rule.then.clone(),
                *level,
                from.normalize(),
                to.normalize(),
            )),
            _ => None,
        })
        .collect()
}

fn patient(height: &str, weight: &str) -> Patient {
    Patient::new(parse_height(height).unwrap(), parse_weight(weight).unwrap())
}

/// 180 cm, 80 kg: sqrt(14400 / 3600) = 2.00 m².
fn bsa_2_0() -> Patient {
    patient("180cm", "80kg")
}

/// [`bsa_2_0`] as a man of `age` years with serum creatinine `scr`, for
/// Cockcroft–Gault: (140 − age) × 80 / (72 × SCr) mL/min.
fn man(age: &str, scr: &str) -> Patient {
    Patient {
        sex: Some(Sex::Male),
        age: Some(parse_age(age).unwrap()),
        serum_creatinine: Some(parse_serum_creatinine(scr).unwrap()),
        serum_creatinine_on: None,
        ..bsa_2_0()
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// One lab result as typed, with its ULN and date where given.
fn lab(l: Lab, value: &str, uln: Option<&str>, on: Option<&str>) -> LabResult {
    LabResult {
        lab: l,
        value: parse_lab(l, value).unwrap(),
        uln: uln.map(|u| parse_uln(l, u).unwrap()),
        date: on.map(date),
        origin: LabOrigin::CommandLine,
    }
}

fn labs(results: Vec<LabResult>) -> Labs {
    results.into_iter().collect()
}

fn defaults() -> DoseOptions {
    DoseOptions::default()
}

/// A measured GFR, read by the rules as `crcl`.
fn gfr(g: &str) -> DoseOptions {
    DoseOptions {
        gfr: Some(parse_gfr(g).unwrap()),
        ..defaults()
    }
}

/// `o` with `results` as the lab panel.
fn with_labs(mut o: DoseOptions, results: Vec<LabResult>) -> DoseOptions {
    o.clinical.labs = labs(results);
    o
}

/// `o` with the worst grades of the previous cycle.
fn with_toxicity(mut o: DoseOptions, grades: &[(&str, u8)]) -> DoseOptions {
    o.clinical.toxicities = grades.iter().map(|(t, g)| ((*t).to_owned(), *g)).collect();
    o
}

/// `o` with a reduction for `drug`.
fn with_reduction(mut o: DoseOptions, drug: &str, r: Reduction) -> DoseOptions {
    o.reductions = PerDrug {
        all: None,
        drugs: [(drug.to_owned(), r)].into_iter().collect(),
    };
    o
}

/// `o` with a reason for the stop `code`.
fn overriding(mut o: DoseOptions, code: &str, reason: &str) -> DoseOptions {
    assert!(o.overrides.insert(code, reason), "{code} given twice");
    o
}

fn pct(n: u32) -> Percent {
    Percent::whole(n)
}

// ---------------------------------------------------------------------------
// requires
// ---------------------------------------------------------------------------

#[test]
fn a_missing_required_input_refuses_naming_it() {
    // No age, sex or creatinine and no GFR: CrCl is not known.
    let r = gem("requires = [\"crcl\"]\n");
    let s = stops(&r, &defaults());
    assert_eq!(
        s,
        vec![Stop::MissingInput {
            drug: "gemcitabine".to_owned(),
            input: Variable::Crcl,
        }]
    );
    assert_eq!(codes(&s), ["missing-crcl"]);
    // A lab: named as the lab.
    let r = gem("requires = [\"bilirubin\", \"anc\"]\n");
    let s = stops(
        &r,
        &with_labs(defaults(), vec![lab(Lab::Anc, "2x10^9/L", None, None)]),
    );
    assert_eq!(
        s,
        vec![Stop::MissingInput {
            drug: "gemcitabine".to_owned(),
            input: Variable::Lab(Lab::Bilirubin),
        }]
    );
    assert_eq!(codes(&s), ["missing-bilirubin"]);
}

#[test]
fn a_required_input_given_lets_the_dose_be_computed() {
    // GFR 90 mL/min given: 1,000 mg/m² × 2.00 m² = 2,000 mg on days 1 and 8.
    let r = gem("requires = [\"crcl\"]\n");
    let p = plan(&r, &gfr("90 mL/min"));
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    // Cockcroft–Gault counts as known CrCl too: man, 60 years, SCr 1 mg/dL:
    // (140 − 60) × 80 / (72 × 1) = 88.9 mL/min.
    let p = plan_for(&r, &man("60", "1mg/dL"), &defaults());
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(2000));
    // Nothing else to judge: PROCEED, on the day assessed (day 1) only.
    assert_eq!(p.assessment.verdict, Verdict::Proceed);
    assert_eq!(admin(&p, "gemcitabine", 1).verdict, Some(Verdict::Proceed));
    assert_eq!(admin(&p, "gemcitabine", 8).verdict, None);
}

#[test]
fn a_missing_input_overridden_is_given_and_not_checked() {
    // The reason lets the dose through (2,000 mg), stamped NOT CHECKED: a
    // required input is missing.
    let r = gem(&format!(
        "requires = [\"crcl\"]\n{}",
        rule("organ", "crcl < 30 mL/min", "give 50%")
    ));
    let p = plan(
        &r,
        &overriding(
            defaults(),
            "missing-crcl",
            "dialysis patient, nephrology agreed",
        ),
    );
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    assert_eq!(
        admin(&p, "gemcitabine", 1).verdict,
        Some(Verdict::NotChecked)
    );
    assert_eq!(p.overridden.len(), 1);
    assert_eq!(
        p.overridden[0].reason,
        "dialysis patient, nephrology agreed"
    );
    assert_eq!(
        p.assessment.drugs[0].missing,
        vec![Variable::Crcl],
        "the missing input is recorded"
    );
}

#[test]
fn unconfirmed_days_refuse_until_the_days_are_prescribed() {
    let r = regimen(
        r#"
[[drug]]
name = "dacarbazine"
role = "antineoplastic"
dose = "250 mg/m2"
route = "IV"
days = "1"
days_confirmed = false
"#,
    );
    let s = stops(&r, &defaults());
    assert_eq!(
        s,
        vec![Stop::UnconfirmedDays {
            drug: "dacarbazine".to_owned(),
            days: vec![1],
        }]
    );
    assert_eq!(codes(&s), ["unconfirmed-days-dacarbazine"]);
    // Days 1-5 prescribed: 250 mg/m² × 2.00 m² = 500 mg on each.
    let mut o = defaults();
    o.days = BTreeMap::from([("dacarbazine".to_owned(), vec![1, 2, 3, 4, 5])]);
    let p = plan(&r, &o);
    assert_doses(
        &p,
        &(1..=5)
            .map(|d| ("dacarbazine", d, dec!(500)))
            .collect::<Vec<_>>(),
    );
}

// ---------------------------------------------------------------------------
// Organ-function rules
// ---------------------------------------------------------------------------

#[test]
fn an_organ_rule_gives_a_percentage_from_cockcroft_gault() {
    // Man, 60 years, SCr 2 mg/dL: CrCl (140 − 60) × 80 / (72 × 2) =
    // 6400 / 144 = 44.4 mL/min < 50 → give 50 %: 2,000 × 0.5 = 1,000 mg on
    // both days (an organ rule sets the starting dose of every day).
    let r = gem(&rule("organ", "crcl < 50 mL/min", "give 50%"));
    let p = plan_for(&r, &man("60", "2mg/dL"), &defaults());
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1000)),
            ("gemcitabine", 8, dec!(1000)),
        ],
    );
    let give_50 = Action::Give(Percent::new(dec!(50)).unwrap());
    for day in [1, 8] {
        assert_eq!(
            rule_steps(admin(&p, "gemcitabine", day)),
            vec![(give_50.clone(), None, dec!(2000), dec!(1000))]
        );
    }
    assert_eq!(p.assessment.verdict, Verdict::Modify);
    assert_eq!(admin(&p, "gemcitabine", 1).verdict, Some(Verdict::Modify));
    // SCr 1 mg/dL: 88.9 mL/min, the rule does not fire: 2,000 mg, PROCEED.
    let p = plan_for(&r, &man("60", "1mg/dL"), &defaults());
    assert_eq!(admin(&p, "gemcitabine", 8).final_dose, dec!(2000));
    assert_eq!(p.assessment.verdict, Verdict::Proceed);
}

/// Dacarbazine 1,000 mg/m² (2,000 mg) with the Kintzel & Dorr bands of the
/// clinical reference §9.2: 46–60 / 31–45 / ≤ 30 mL/min → 80 / 75 / 70 %,
/// each edge in the more restrictive band.
const DACARBAZINE_BANDS: &str = r#"
[[drug]]
name = "dacarbazine"
role = "antineoplastic"
dose = "1000 mg/m2"
route = "IV"
days = "1"

[[drug.rule]]
kind = "organ"
when = "crcl <= 60 mL/min and crcl > 45 mL/min"
then = "give 80%"
source = "fixture: Kintzel & Dorr 46-60"

[[drug.rule]]
kind = "organ"
when = "crcl <= 45 mL/min and crcl > 30 mL/min"
then = "give 75%"
source = "fixture: Kintzel & Dorr 31-45"

[[drug.rule]]
kind = "organ"
when = "crcl <= 30 mL/min"
then = "give 70%"
source = "fixture: Kintzel & Dorr <= 30"
"#;

#[test]
fn a_value_on_a_band_edge_goes_where_the_comparator_says() {
    let r = regimen(DACARBAZINE_BANDS);
    // 2,000 mg × 80 % = 1,600; × 75 % = 1,500; × 70 % = 1,400.
    for (crcl, expect, verdict) in [
        ("61 mL/min", dec!(2000), Verdict::Proceed),
        ("60.01 mL/min", dec!(2000), Verdict::Proceed),
        ("60 mL/min", dec!(1600), Verdict::Modify),
        ("46 mL/min", dec!(1600), Verdict::Modify),
        ("45.01 mL/min", dec!(1600), Verdict::Modify),
        ("45 mL/min", dec!(1500), Verdict::Modify),
        ("31 mL/min", dec!(1500), Verdict::Modify),
        ("30 mL/min", dec!(1400), Verdict::Modify),
        ("10 mL/min", dec!(1400), Verdict::Modify),
    ] {
        let p = plan(&r, &gfr(crcl));
        assert_eq!(
            admin(&p, "dacarbazine", 1).final_dose,
            expect,
            "CrCl {crcl}"
        );
        assert_eq!(p.assessment.verdict, verdict, "CrCl {crcl}");
        // Exactly one band fires on an edge: one rule step, never two.
        let steps = rule_steps(admin(&p, "dacarbazine", 1)).len();
        assert_eq!(
            steps,
            usize::from(verdict == Verdict::Modify),
            "CrCl {crcl}"
        );
    }
}

#[test]
fn a_band_edge_reached_by_cockcroft_gault_is_exact() {
    // Man, 86 years, SCr 2 mg/dL: (140 − 86) × 80 / (72 × 2) = 4320 / 144 =
    // 30 mL/min exactly (floating-point noise must not move it off the
    // edge): the ≤ 30 band, 70 % = 1,400 mg.
    let r = regimen(DACARBAZINE_BANDS);
    let p = plan_for(&r, &man("86", "2mg/dL"), &defaults());
    assert_eq!(admin(&p, "dacarbazine", 1).final_dose, dec!(1400));
    // A strict comparator keeps the edge out: `crcl < 30` does not fire at 30.
    let r = gem(&rule("organ", "crcl < 30 mL/min", "give 50%"));
    let p = plan_for(&r, &man("86", "2mg/dL"), &defaults());
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(2000));
    assert_eq!(p.assessment.verdict, Verdict::Proceed);
}

#[test]
fn bilirubin_bands_are_judged_in_mg_per_dl_whatever_unit_it_is_given_in() {
    // Doxorubicin 75 mg/m² (150 mg) with the label's bilirubin bands
    // (clinical reference §9.3): 1.2–3.0 mg/dL → 50 %, 3.0 < bili ≤ 5.0 → 25 %.
    let r = regimen(
        r#"
[[drug]]
name = "doxorubicin"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "1"

[[drug.rule]]
kind = "organ"
when = "bilirubin >= 1.2 mg/dL and bilirubin <= 3 mg/dL"
then = "give 50%"
source = "fixture: doxorubicin label"

[[drug.rule]]
kind = "organ"
when = "bilirubin > 3 mg/dL and bilirubin <= 5 mg/dL"
then = "give 25%"
source = "fixture: doxorubicin label"

[[drug.rule]]
kind = "organ"
when = "bilirubin > 5 mg/dL"
then = "stop"
source = "fixture: doxorubicin label"
"#,
    );
    let dox = |bili: &str| {
        plan(
            &r,
            &with_labs(defaults(), vec![lab(Lab::Bilirubin, bili, None, None)]),
        )
    };
    // 51.3 µmol/L ÷ 17.1 = 3.0 mg/dL: on the 50 % band's edge → 75 mg.
    assert_eq!(
        admin(&dox("51.3umol/L"), "doxorubicin", 1).final_dose,
        dec!(75)
    );
    // 53 µmol/L = 3.099 mg/dL (the label's "3.1"): 25 % → 37.5 mg.
    assert_eq!(
        admin(&dox("53umol/L"), "doxorubicin", 1).final_dose,
        dec!(37.5)
    );
    // 1.19 mg/dL: below every band → 150 mg.
    assert_eq!(
        admin(&dox("1.19mg/dL"), "doxorubicin", 1).final_dose,
        dec!(150)
    );
    // 1.2 mg/dL: the 50 % band → 75 mg.
    assert_eq!(
        admin(&dox("1.2mg/dL"), "doxorubicin", 1).final_dose,
        dec!(75)
    );
    // 85.5 µmol/L = 5.0 mg/dL: still 25 % (37.5 mg); 5.1 mg/dL stops.
    assert_eq!(
        admin(&dox("85.5umol/L"), "doxorubicin", 1).final_dose,
        dec!(37.5)
    );
    let s = stops(
        &r,
        &with_labs(
            defaults(),
            vec![lab(Lab::Bilirubin, "5.1mg/dL", None, None)],
        ),
    );
    assert_eq!(codes(&s), ["organ-doxorubicin-bilirubin"]);
}

#[test]
fn an_organ_rule_gives_a_dose_level() {
    // GFR 50 < 60 → level -1: 800 mg/m² × 2.00 m² = 1,600 mg on both days.
    let r = gem(&rule("organ", "crcl < 60 mL/min", "level -1"));
    let p = plan(&r, &gfr("50 mL/min"));
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1600)),
            ("gemcitabine", 8, dec!(1600)),
        ],
    );
    assert_eq!(
        rule_steps(admin(&p, "gemcitabine", 1)),
        vec![(Action::Level(-1), Some(-1), dec!(2000), dec!(1600))]
    );
    assert_eq!(p.assessment.verdict, Verdict::Modify);
}

/// Eribulin 1.4 mg/m² (2.8 mg) days 1 and 8 with the label's Child-Pugh
/// doses (clinical reference §9.3): A 1.1 mg/m², B 0.7 mg/m², C not studied.
const ERIBULIN: &str = r#"
[[drug]]
name = "eribulin"
role = "antineoplastic"
dose = "1.4 mg/m2"
route = "IV"
days = "1,8"

[[drug.rule]]
kind = "organ"
when = "child-pugh = A"
then = "dose 1.1 mg/m2"
source = "fixture: eribulin label"

[[drug.rule]]
kind = "organ"
when = "child-pugh = B"
then = "dose 0.7 mg/m2"
source = "fixture: eribulin label"

[[drug.rule]]
kind = "organ"
when = "child-pugh >= C"
then = "stop"
source = "fixture: eribulin label"
"#;

#[test]
fn an_organ_rule_gives_a_dose() {
    let r = regimen(ERIBULIN);
    let with_class = |c: ChildPugh| {
        let mut o = defaults();
        o.clinical.child_pugh = Some(c);
        o
    };
    // A: 1.1 mg/m² × 2.00 m² = 2.2 mg; B: 0.7 × 2 = 1.4 mg, on both days.
    let p = plan(&r, &with_class(ChildPugh::A));
    assert_doses(
        &p,
        &[("eribulin", 1, dec!(2.2)), ("eribulin", 8, dec!(2.2))],
    );
    let step = rule_steps(admin(&p, "eribulin", 8));
    assert_eq!(step.len(), 1);
    assert_eq!(step[0].0, Action::Dose(parse_dose("1.1 mg/m2").unwrap()));
    assert_eq!((step[0].2, step[0].3), (dec!(2.8), dec!(2.2)));
    assert_eq!(p.assessment.verdict, Verdict::Modify);
    let p = plan(&r, &with_class(ChildPugh::B));
    assert_doses(
        &p,
        &[("eribulin", 1, dec!(1.4)), ("eribulin", 8, dec!(1.4))],
    );
    // C: stop.
    let s = stops(&r, &with_class(ChildPugh::C));
    assert_eq!(codes(&s), ["organ-eribulin-child-pugh"]);
    // No class given: every rule unknown, the full 2.8 mg stamped NOT CHECKED.
    let p = plan(&r, &defaults());
    assert_doses(
        &p,
        &[("eribulin", 1, dec!(2.8)), ("eribulin", 8, dec!(2.8))],
    );
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    assert!(
        p.assessment.drugs[0]
            .organ
            .iter()
            .all(|r| r.truth == Truth::Unknown(vec![Variable::ChildPugh]))
    );
}

#[test]
fn an_organ_rule_omits_one_drug_and_the_others_are_given() {
    // Docetaxel 75 mg/m² day 8 is left out when bilirubin > ULN (1.5 × ULN
    // here); gemcitabine 2,000 mg is given on days 1 and 8.
    let r = regimen(&format!(
        "{GEM}{}",
        r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "8"

[[drug.rule]]
kind = "organ"
when = "bilirubin > 1 x ULN"
then = "omit"
source = "fixture: docetaxel boxed warning"
"#
    ));
    let o = with_labs(defaults(), vec![lab(Lab::Bilirubin, "1.5xULN", None, None)]);
    let p = plan(&r, &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert!(p.overridden.is_empty());
    let doc = p
        .assessment
        .drugs
        .iter()
        .find(|d| d.drug == "docetaxel")
        .unwrap();
    assert_eq!(
        doc.omitted.as_ref().map(|r| r.rule.then.clone()),
        Some(Action::Omit)
    );
    assert_eq!(doc.verdict, Verdict::Modify);
    assert_eq!(p.assessment.verdict, Verdict::Modify);
    // Left out of every cycle of the course: no docetaxel total.
    assert!(p.totals.iter().all(|t| t.drug != "docetaxel"));
    // Bilirubin at the ULN: docetaxel 75 × 2 = 150 mg on day 8 (listed after
    // gemcitabine, in the regimen's order), PROCEED.
    let o = with_labs(defaults(), vec![lab(Lab::Bilirubin, "1xULN", None, None)]);
    let p = plan(&r, &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
            ("docetaxel", 8, dec!(150)),
        ],
    );
    assert_eq!(drug_verdict(&p, "docetaxel"), Verdict::Proceed);
}

#[test]
fn an_organ_stop_refuses_and_its_override_keeps_the_reason() {
    let r = gem(&rule("organ", "crcl < 15 mL/min", "stop"));
    let s = stops(&r, &gfr("10 mL/min"));
    assert_eq!(s.len(), 1);
    let Stop::OrganFunction { drug, rule, tables } = &s[0] else {
        panic!("{s:?}")
    };
    assert_eq!(drug, "gemcitabine");
    assert_eq!(rule.rule.when_written, "crcl < 15 mL/min");
    assert_eq!(rule.truth, Truth::True);
    assert!(tables.is_empty(), "the drug has no alternative tables");
    assert_eq!(codes(&s), ["organ-gemcitabine-crcl"]);
    // The code names the drug and the inputs the rule reads. Another drug's
    // code does not let it through.
    let other = overriding(gfr("10 mL/min"), "organ-docetaxel-crcl", "wrong drug");
    assert_eq!(codes(&stops(&r, &other)), ["organ-gemcitabine-crcl"]);
    // Overridden: the stop changes no dose (2,000 mg), the verdict is HOLD,
    // and the reason stands beside every dose of the drug.
    let reason = "haemodialysis, dosed after dialysis per consultant";
    let p = plan(
        &r,
        &overriding(gfr("10 mL/min"), "organ-gemcitabine-crcl", reason),
    );
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert_eq!(p.overridden.len(), 1);
    assert_eq!(p.overridden[0].stop, s[0]);
    assert_eq!(p.overridden[0].reason, reason);
    for day in [1, 8] {
        let a = admin(&p, "gemcitabine", day);
        let beside: Vec<&str> = p.overrides_for(a).map(|o| o.reason.as_str()).collect();
        assert_eq!(beside, [reason], "day {day}");
    }
    assert_eq!(p.assessment.verdict, Verdict::Hold);
    assert_eq!(admin(&p, "gemcitabine", 1).verdict, Some(Verdict::Hold));
}

#[test]
fn a_reason_for_one_organ_stop_does_not_let_another_through() {
    // Two contraindications on one drug: CrCl < 15 and bilirubin > 5 mg/dL.
    // Each stop's code names the inputs its rule reads, so a reason given
    // for the renal one leaves the hepatic one standing.
    let r = gem(&[
        rule("organ", "crcl < 15 mL/min", "stop"),
        rule("organ", "bilirubin > 5 mg/dL", "stop"),
    ]
    .concat());
    let o = with_labs(
        gfr("10 mL/min"),
        vec![lab(Lab::Bilirubin, "6mg/dL", None, None)],
    );
    assert_eq!(
        codes(&stops(&r, &o)),
        ["organ-gemcitabine-crcl", "organ-gemcitabine-bilirubin"]
    );
    let o = overriding(o, "organ-gemcitabine-crcl", "dosed after dialysis");
    assert_eq!(codes(&stops(&r, &o)), ["organ-gemcitabine-bilirubin"]);
    // Both reasons: given at 2,000 mg (a stop changes no dose), HOLD.
    let p = plan(
        &r,
        &overriding(
            o,
            "organ-gemcitabine-bilirubin",
            "Gilbert's, direct bilirubin normal",
        ),
    );
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(2000));
    assert_eq!(p.overridden.len(), 2);
    assert_eq!(p.assessment.verdict, Verdict::Hold);
}

/// Gemcitabine with a default renal table and two named alternatives.
fn gem_with_tables() -> Regimen {
    gem(&[
        rule("organ", "crcl < 50 mL/min", "give 75%"),
        rule("organ", "crcl < 30 mL/min", "stop"),
        set_rule("kintzel-dorr", "organ", "crcl < 50 mL/min", "give 50%"),
        set_rule("kintzel-dorr", "organ", "crcl < 40 mL/min", "stop"),
        set_rule("renal-handbook", "organ", "crcl < 60 mL/min", "level -1"),
    ]
    .concat())
}

fn choose(mut o: DoseOptions, drug: &str, set: &str) -> DoseOptions {
    o.clinical.rule_sets = BTreeMap::from([(drug.to_owned(), set.to_owned())]);
    o
}

#[test]
fn a_chosen_rule_set_replaces_the_default_rules() {
    let r = gem_with_tables();
    // GFR 45: default 75 % → 1,500 mg; Kintzel & Dorr 50 % → 1,000 mg;
    // the renal handbook level -1 → 1,600 mg.
    let p = plan(&r, &gfr("45 mL/min"));
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(1500));
    let p = plan(&r, &choose(gfr("45 mL/min"), "gemcitabine", "kintzel-dorr"));
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1000)),
            ("gemcitabine", 8, dec!(1000)),
        ],
    );
    // Only the chosen table is evaluated (and shown).
    let organ = &p.assessment.drugs[0].organ;
    assert_eq!(organ.len(), 2);
    assert!(
        organ
            .iter()
            .all(|r| r.rule.set.as_deref() == Some("kintzel-dorr"))
    );
    let p = plan(
        &r,
        &choose(gfr("45 mL/min"), "gemcitabine", "renal-handbook"),
    );
    assert_eq!(admin(&p, "gemcitabine", 8).final_dose, dec!(1600));
    // GFR 35: the default gives 75 % (1,500 mg); Kintzel & Dorr stops, naming
    // the tables not chosen.
    let p = plan(&r, &gfr("35 mL/min"));
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(1500));
    let s = stops(&r, &choose(gfr("35 mL/min"), "gemcitabine", "kintzel-dorr"));
    let [Stop::OrganFunction { tables, rule, .. }] = s.as_slice() else {
        panic!("{s:?}")
    };
    assert_eq!(tables, &["renal-handbook"]);
    assert_eq!(rule.rule.set.as_deref(), Some("kintzel-dorr"));
    // GFR 20, default table: stops, offering both alternatives.
    let s = stops(&r, &gfr("20 mL/min"));
    let [Stop::OrganFunction { tables, .. }] = s.as_slice() else {
        panic!("{s:?}")
    };
    assert_eq!(tables, &["kintzel-dorr", "renal-handbook"]);
}

#[test]
fn a_chosen_organ_table_keeps_the_drugs_day_and_toxicity_rules() {
    // `Rule::set`: "inactive unless the caller chooses it for the drug; then
    // the drug's other rules of the same kind are set aside". Choosing a
    // renal table must not set aside the day-1 count criterion or the
    // toxicity level.
    let r = gem(&[
        rule("organ", "crcl < 50 mL/min", "give 75%"),
        set_rule("kintzel-dorr", "organ", "crcl < 50 mL/min", "give 50%"),
        day_rule("1", "anc < 1.5 x10^9/L", "hold"),
        rule("toxicity", "neutropenia >= 4", "level -1"),
    ]
    .concat());
    // GFR 90 (no renal change) and ANC 1.0 on day 1: HOLD.
    let o = choose(
        with_labs(
            gfr("90 mL/min"),
            vec![lab(Lab::Anc, "1x10^9/L", None, None)],
        ),
        "gemcitabine",
        "kintzel-dorr",
    );
    let s = stops(&r, &o);
    assert_eq!(codes(&s), ["hold-gemcitabine"]);
    // Grade 4 neutropenia, ANC recovered: level -1 = 1,600 mg.
    let o = choose(
        with_toxicity(
            with_labs(
                gfr("90 mL/min"),
                vec![lab(Lab::Anc, "2x10^9/L", None, None)],
            ),
            &[("neutropenia", 4)],
        ),
        "gemcitabine",
        "kintzel-dorr",
    );
    let p = plan(&r, &o);
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(1600));
}

#[test]
fn a_rule_set_the_drug_does_not_have_is_refused() {
    // A misspelt table (`kintzel-dor`) must not set aside the drug's rules
    // (nor fall back to the defaults) without a word: it is refused, naming
    // the drug's tables. GFR 90: no rule of any table would fire.
    let r = gem_with_tables();
    let e = calculate(
        &r,
        &bsa_2_0(),
        1,
        &choose(gfr("90 mL/min"), "gemcitabine", "kintzel-dor"),
    )
    .unwrap_err();
    assert_eq!(
        e,
        DoseError::UnknownRuleSet {
            drug: "gemcitabine".to_owned(),
            set: "kintzel-dor".to_owned(),
            known: vec!["kintzel-dorr".to_owned(), "renal-handbook".to_owned()],
        }
    );
    assert!(!e.is_safety_stop(), "bad input, not a safety stop");
    // A table named for a drug the regimen does not have.
    let e = calculate(
        &r,
        &bsa_2_0(),
        1,
        &choose(gfr("90 mL/min"), "cisplatin", "kintzel-dorr"),
    )
    .unwrap_err();
    assert!(
        matches!(e, DoseError::UnknownDrug { ref name, .. } if name == "cisplatin"),
        "{e:?}"
    );
    // The drug's name matches whatever its case, as everywhere else: the
    // table is used, not ignored (GFR 45: Kintzel & Dorr 50 % = 1,000 mg).
    let p = plan(&r, &choose(gfr("45 mL/min"), "Gemcitabine", "kintzel-dorr"));
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(1000));
}

/// Docetaxel 75 mg/m² (150 mg) day 1, with the US boxed warning's
/// bilirubin > ULN rule (a × ULN threshold).
fn docetaxel(requires: &str) -> Regimen {
    regimen(&format!(
        r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "1"
{requires}
[[drug.rule]]
kind = "organ"
when = "bilirubin > 1 x ULN"
then = "stop"
source = "fixture: docetaxel boxed warning"
"#
    ))
}

#[test]
fn a_times_uln_rule_without_the_uln_is_not_checked_when_not_required() {
    // Bilirubin 1.0 mg/dL with no ULN: the × ULN rule cannot be judged (no
    // default ULN is ever assumed). Not required: the 150 mg dose is given,
    // stamped NOT CHECKED.
    let r = docetaxel("");
    let o = with_labs(defaults(), vec![lab(Lab::Bilirubin, "1mg/dL", None, None)]);
    let p = plan(&r, &o);
    assert_doses(&p, &[("docetaxel", 1, dec!(150))]);
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    assert_eq!(admin(&p, "docetaxel", 1).verdict, Some(Verdict::NotChecked));
    assert_eq!(
        p.assessment.drugs[0].organ[0].truth,
        Truth::Unknown(vec![Variable::Lab(Lab::Bilirubin)])
    );
    // With the ULN (1.2 mg/dL): 1.0 / 1.2 = 0.83 × ULN, judged: PROCEED.
    let o = with_labs(
        defaults(),
        vec![lab(Lab::Bilirubin, "1mg/dL", Some("1.2mg/dL"), None)],
    );
    assert_eq!(plan(&r, &o).assessment.verdict, Verdict::Proceed);
    // 1.8 mg/dL over a ULN of 1.2 mg/dL = 1.5 × ULN exactly: stops; on the
    // ULN exactly (1.2 / 1.2 = 1) `>` does not fire.
    let o = with_labs(
        defaults(),
        vec![lab(Lab::Bilirubin, "1.8mg/dL", Some("1.2mg/dL"), None)],
    );
    assert_eq!(codes(&stops(&r, &o)), ["organ-docetaxel-bilirubin"]);
    let o = with_labs(
        defaults(),
        vec![lab(Lab::Bilirubin, "1.2mg/dL", Some("1.2mg/dL"), None)],
    );
    assert_eq!(plan(&r, &o).assessment.verdict, Verdict::Proceed);
}

#[test]
fn a_times_uln_rule_without_the_uln_refuses_when_the_input_is_required() {
    // Required and given, but without the ULN the rule needs: the starting
    // dose cannot be decided, so the dose is refused (clinical reference
    // §9.1: "cannot evaluate" blocks sign-off), code
    // `unjudged-docetaxel-bilirubin` (the drug and the inputs the rule reads).
    let r = docetaxel("requires = [\"bilirubin\"]\n");
    let o = with_labs(defaults(), vec![lab(Lab::Bilirubin, "1mg/dL", None, None)]);
    let s = match calculate(&r, &bsa_2_0(), 1, &o) {
        Ok(p) => panic!(
            "a required × ULN rule that cannot be judged let {:?} through, verdict {:?}",
            doses(&p),
            p.assessment.verdict
        ),
        Err(e) => {
            assert!(e.is_safety_stop(), "{e:?}");
            e.stops().to_vec()
        }
    };
    assert_eq!(codes(&s), ["unjudged-docetaxel-bilirubin"]);
    assert_eq!(s[0].drug(), Some("docetaxel"));
    // Overridden: given (150 mg), still NOT CHECKED, with the reason.
    let p = plan(
        &r,
        &overriding(
            o,
            "unjudged-docetaxel-bilirubin",
            "ULN 1.2 mg/dL confirmed by phone",
        ),
    );
    assert_doses(&p, &[("docetaxel", 1, dec!(150))]);
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    assert_eq!(p.overridden[0].reason, "ULN 1.2 mg/dL confirmed by phone");
}

// ---------------------------------------------------------------------------
// Treatment-day rules
// ---------------------------------------------------------------------------

/// [`GEM`] with the gemcitabine label's day-8 table (clinical reference
/// §9.4) and a day-1 count criterion:
/// - day 1: ANC < 1.5 or platelets < 100 ×10⁹/L → hold;
/// - day 8: ANC < 0.5 or platelets < 50 → hold; ANC 0.5–< 1.0 → 75 %.
fn gem_days() -> Regimen {
    gem(&[
        day_rule("1", "anc < 1.5 x10^9/L or platelets < 100 x10^9/L", "hold"),
        day_rule("8", "anc < 0.5 x10^9/L or platelets < 50 x10^9/L", "hold"),
        day_rule("8", "anc >= 0.5 x10^9/L and anc < 1 x10^9/L", "give 75%"),
    ]
    .concat())
}

/// Counts as typed, dateless (taken on the treatment date).
fn counts(anc: &str, platelets: &str) -> Vec<LabResult> {
    vec![
        lab(Lab::Anc, anc, None, None),
        lab(Lab::Platelets, platelets, None, None),
    ]
}

/// Day `day` assessed on `on`.
fn on_day(mut o: DoseOptions, day: u32, on: &str) -> DoseOptions {
    o.clinical.day = Some(day);
    o.clinical.on = Some(date(on));
    o
}

#[test]
fn counts_that_pass_proceed() {
    let p = plan(
        &gem_days(),
        &with_labs(defaults(), counts("2x10^9/L", "150x10^9/L")),
    );
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert_eq!(p.assessment.day, 1);
    assert_eq!(p.assessment.verdict, Verdict::Proceed);
    assert_eq!(admin(&p, "gemcitabine", 1).verdict, Some(Verdict::Proceed));
    assert_eq!(admin(&p, "gemcitabine", 1).criteria.len(), 1);
    // Day 8 is judged on day 8, not now.
    assert_eq!(admin(&p, "gemcitabine", 8).verdict, None);
    assert!(admin(&p, "gemcitabine", 8).criteria.is_empty());
}

#[test]
fn a_hold_on_the_day_assessed_is_a_treatment_day_stop() {
    // ANC 1.4 < 1.5 on day 1: HOLD.
    let o = with_labs(defaults(), counts("1.4x10^9/L", "150x10^9/L"));
    let s = stops(&gem_days(), &o);
    let [Stop::TreatmentDay { drug, day, rule }] = s.as_slice() else {
        panic!("{s:?}")
    };
    assert_eq!((drug.as_str(), *day), ("gemcitabine", 1));
    assert_eq!(rule.rule.then, Action::Hold);
    assert_eq!(codes(&s), ["hold-gemcitabine"]);
    // Exactly on the threshold (ANC 1.5, platelets 100): `<` does not fire.
    let o = with_labs(defaults(), counts("1.5x10^9/L", "100x10^9/L"));
    assert_eq!(plan(&gem_days(), &o).assessment.verdict, Verdict::Proceed);
    // Counts per µL are converted: 1,400/µL = 1.4 ×10⁹/L holds too.
    let o = with_labs(defaults(), counts("1400/uL", "150000/uL"));
    assert_eq!(codes(&stops(&gem_days(), &o)), ["hold-gemcitabine"]);
}

#[test]
fn a_hold_overridden_is_given_with_the_reason_beside_the_held_dose_only() {
    let reason = "consultant: ANC 1.4 accepted for this cycle";
    let o = overriding(
        with_labs(defaults(), counts("1.4x10^9/L", "150x10^9/L")),
        "hold-gemcitabine",
        reason,
    );
    let p = plan(&gem_days(), &o);
    // The hold does not change the dose: 2,000 mg on both days.
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert_eq!(p.assessment.verdict, Verdict::Hold);
    assert_eq!(drug_verdict(&p, "gemcitabine"), Verdict::Hold);
    let d1 = admin(&p, "gemcitabine", 1);
    assert_eq!(d1.verdict, Some(Verdict::Hold));
    let beside: Vec<&str> = p.overrides_for(d1).map(|o| o.reason.as_str()).collect();
    assert_eq!(beside, [reason]);
    // Day 8 was not held: no reason beside it.
    assert_eq!(p.overrides_for(admin(&p, "gemcitabine", 8)).count(), 0);
}

#[test]
fn delay_omit_and_stop_on_a_treatment_day_withhold_the_dose() {
    for then in ["delay 7 days", "omit", "stop"] {
        let r = gem(&day_rule("1", "platelets < 100 x10^9/L", then));
        let o = with_labs(defaults(), counts("2x10^9/L", "90x10^9/L"));
        let s = stops(&r, &o);
        assert!(
            matches!(s.as_slice(), [Stop::TreatmentDay { day: 1, .. }]),
            "{then}: {s:?}"
        );
        assert_eq!(codes(&s), ["hold-gemcitabine"], "{then}");
    }
}

#[test]
fn a_day_8_reduction_changes_day_8_only() {
    // Day 8 assessed on 2026-12-08, ANC 0.8 (0.5–< 1.0) and platelets 150:
    // give 75 % → 2,000 × 0.75 = 1,500 mg on day 8. Day 1 is not touched:
    // 2,000 mg, not judged now.
    let o = on_day(
        with_labs(defaults(), counts("0.8x10^9/L", "150x10^9/L")),
        8,
        "2026-12-08",
    );
    let p = plan(&gem_days(), &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(1500)),
        ],
    );
    assert_eq!(p.assessment.day, 8);
    assert_eq!(p.assessment.verdict, Verdict::Modify);
    assert_eq!(admin(&p, "gemcitabine", 8).verdict, Some(Verdict::Modify));
    assert_eq!(admin(&p, "gemcitabine", 1).verdict, None);
    assert!(rule_steps(admin(&p, "gemcitabine", 1)).is_empty());
    assert_eq!(
        rule_steps(admin(&p, "gemcitabine", 8)),
        vec![(
            Action::Give(Percent::new(dec!(75)).unwrap()),
            None,
            dec!(2000),
            dec!(1500)
        )]
    );
    // Cycle total 2,000 + 1,500 = 3,500 mg.
    let t = p.totals.iter().find(|t| t.drug == "gemcitabine").unwrap();
    assert_eq!(t.cycle_total, dec!(3500));
    // The same counts on day 1 assessed: the day-1 rule holds (ANC 0.8 < 1.5);
    // the day-8 reduction is not applied to day 1.
    let o = with_labs(defaults(), counts("0.8x10^9/L", "150x10^9/L"));
    assert_eq!(codes(&stops(&gem_days(), &o)), ["hold-gemcitabine"]);
}

#[test]
fn a_missing_count_is_not_checked_never_a_pass() {
    // No counts: both comparisons unknown; 2,000 mg stamped NOT CHECKED.
    let p = plan(&gem_days(), &defaults());
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    let d1 = admin(&p, "gemcitabine", 1);
    assert_eq!(d1.verdict, Some(Verdict::NotChecked));
    assert_eq!(
        d1.criteria[0].truth,
        Truth::Unknown(vec![Variable::Lab(Lab::Anc), Variable::Lab(Lab::Platelets)])
    );
    // ANC 2.0 but no platelets: `false or unknown` is unknown: NOT CHECKED.
    let o = with_labs(defaults(), vec![lab(Lab::Anc, "2x10^9/L", None, None)]);
    let p = plan(&gem_days(), &o);
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    assert_eq!(
        admin(&p, "gemcitabine", 1).criteria[0].truth,
        Truth::Unknown(vec![Variable::Lab(Lab::Platelets)])
    );
    // ANC 1.0 and no platelets: `true or unknown` is true: HOLD.
    let o = with_labs(defaults(), vec![lab(Lab::Anc, "1x10^9/L", None, None)]);
    assert_eq!(codes(&stops(&gem_days(), &o)), ["hold-gemcitabine"]);
}

#[test]
fn a_stale_result_is_not_used() {
    // Treatment on 2026-12-10, day 1, results at most 3 days old (default).
    let dated = |on: &str| {
        let mut o = with_labs(
            defaults(),
            vec![
                lab(Lab::Anc, "0.9x10^9/L", None, Some(on)),
                lab(Lab::Platelets, "150x10^9/L", None, Some(on)),
            ],
        );
        o.clinical.on = Some(date("2026-12-10"));
        o
    };
    // Taken 2026-12-06: 4 days old, stale. The low ANC is not used: no HOLD,
    // 2,000 mg stamped NOT CHECKED.
    let p = plan(&gem_days(), &dated("2026-12-06"));
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    let c = &admin(&p, "gemcitabine", 1).criteria[0];
    assert!(c.stale(), "shown as stale");
    assert!(!c.fired());
    // Taken 2026-12-07: 3 days old, still recent enough: HOLD.
    assert_eq!(
        codes(&stops(&gem_days(), &dated("2026-12-07"))),
        ["hold-gemcitabine"]
    );
    // Dated after the treatment date: not used either.
    let p = plan(&gem_days(), &dated("2026-12-11"));
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    // A site allowing 5 days uses the 2026-12-06 result: HOLD.
    let mut o = dated("2026-12-06");
    o.clinical.max_result_age_days = 5;
    assert_eq!(codes(&stops(&gem_days(), &o)), ["hold-gemcitabine"]);
}

#[test]
fn with_a_cycle_start_every_day_is_judged_on_its_own_date() {
    // Day 1 = 2026-12-01, day 8 = 2026-12-08; counts taken 2026-12-07 (ANC
    // 0.8, platelets 150), at most 3 days old.
    let mut o = with_labs(
        defaults(),
        vec![
            lab(Lab::Anc, "0.8x10^9/L", None, Some("2026-12-07")),
            lab(Lab::Platelets, "150x10^9/L", None, Some("2026-12-07")),
        ],
    );
    o.clinical.cycle_start = Some(date("2026-12-01"));
    let p = plan(&gem_days(), &o);
    // Day 1: the counts are dated after it, not usable: 2,000 mg NOT CHECKED
    // (not a HOLD for ANC 0.8). Day 8: 1 day old, ANC 0.8 → 75 % = 1,500 mg.
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(1500)),
        ],
    );
    assert_eq!(
        admin(&p, "gemcitabine", 1).verdict,
        Some(Verdict::NotChecked)
    );
    assert_eq!(admin(&p, "gemcitabine", 8).verdict, Some(Verdict::Modify));
    assert!(p.overridden.is_empty());
    // The assessment is day 1's.
    assert_eq!(p.assessment.day, 1);
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    // Counts of 2026-11-30 (ANC 2.0): day 1 (1 day old) PROCEEDs, day 8
    // (8 days old) is NOT CHECKED.
    let mut o = with_labs(
        defaults(),
        vec![
            lab(Lab::Anc, "2x10^9/L", None, Some("2026-11-30")),
            lab(Lab::Platelets, "150x10^9/L", None, Some("2026-11-30")),
        ],
    );
    o.clinical.cycle_start = Some(date("2026-12-01"));
    let p = plan(&gem_days(), &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert_eq!(admin(&p, "gemcitabine", 1).verdict, Some(Verdict::Proceed));
    assert_eq!(
        admin(&p, "gemcitabine", 8).verdict,
        Some(Verdict::NotChecked)
    );
    // Counts of 2026-12-06 (ANC 0.4): day 8 (2 days old) holds; day 1 is
    // before them and not judged on them.
    let mut o = with_labs(
        defaults(),
        vec![
            lab(Lab::Anc, "0.4x10^9/L", None, Some("2026-12-06")),
            lab(Lab::Platelets, "150x10^9/L", None, Some("2026-12-06")),
        ],
    );
    o.clinical.cycle_start = Some(date("2026-12-01"));
    let s = stops(&gem_days(), &o);
    assert!(
        matches!(s.as_slice(), [Stop::TreatmentDay { day: 8, .. }]),
        "{s:?}"
    );
}

// ---------------------------------------------------------------------------
// Toxicity rules
// ---------------------------------------------------------------------------

#[test]
fn a_toxicity_grade_gives_a_dose_level() {
    let r = gem(&rule("toxicity", "neutropenia >= 4", "level -1"));
    // Grade 4: level -1 = 1,600 mg on both days.
    let p = plan(&r, &with_toxicity(defaults(), &[("neutropenia", 4)]));
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1600)),
            ("gemcitabine", 8, dec!(1600)),
        ],
    );
    assert_eq!(
        rule_steps(admin(&p, "gemcitabine", 8)),
        vec![(Action::Level(-1), Some(-1), dec!(2000), dec!(1600))]
    );
    assert_eq!(p.assessment.verdict, Verdict::Modify);
    // Grade 3: full dose, PROCEED.
    let p = plan(&r, &with_toxicity(defaults(), &[("neutropenia", 3)]));
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(2000));
    assert_eq!(p.assessment.verdict, Verdict::Proceed);
    // Not reported: not a missing input (a toxicity not listed did not
    // occur): full dose, PROCEED, not NOT CHECKED.
    let p = plan(&r, &defaults());
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(2000));
    assert_eq!(p.assessment.verdict, Verdict::Proceed);
}

fn one_level_down() -> Regimen {
    gem(&rule(
        "toxicity",
        "febrile-neutropenia >= 3",
        "one level down",
    ))
}

#[test]
fn one_level_down_goes_from_the_previous_reduction() {
    let r = one_level_down();
    let fn3 = || with_toxicity(defaults(), &[("febrile-neutropenia", 3)]);
    // No earlier reduction: 0 → -1 = 1,600 mg.
    let p = plan(&r, &fn3());
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1600)),
            ("gemcitabine", 8, dec!(1600)),
        ],
    );
    assert_eq!(
        rule_steps(admin(&p, "gemcitabine", 1)),
        vec![(Action::OneLevelDown, Some(-1), dec!(2000), dec!(1600))]
    );
    // Last cycle at level -1: -1 → -2 = 600 × 2 = 1,200 mg (a further
    // reduction, not a re-escalation).
    let mut o = fn3();
    o.previous_reduction.all = Some(Reduction::Level(-1));
    let p = plan(&r, &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1200)),
            ("gemcitabine", 8, dec!(1200)),
        ],
    );
    assert_eq!(
        rule_steps(admin(&p, "gemcitabine", 1)),
        vec![(Action::OneLevelDown, Some(-2), dec!(2000), dec!(1200))]
    );
    assert_eq!(p.assessment.verdict, Verdict::Modify);
}

#[test]
fn one_level_down_from_the_previous_reduction_lets_the_prescribed_level_stand() {
    // Last cycle at level -1, febrile neutropenia: the rule asks for -2. The
    // prescriber already wrote level -2: the rule's level and the caller's
    // agree, so the dose is 1,200 mg with no stop (not "one level down"
    // from the level just prescribed, which would be -3 and stop).
    let mut o = with_reduction(
        with_toxicity(defaults(), &[("febrile-neutropenia", 3)]),
        "gemcitabine",
        Reduction::Level(-2),
    );
    o.previous_reduction.all = Some(Reduction::Level(-1));
    let p = plan(&one_level_down(), &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1200)),
            ("gemcitabine", 8, dec!(1200)),
        ],
    );
}

#[test]
fn one_level_down_below_the_lowest_level_stops() {
    let fn3 = || with_toxicity(defaults(), &[("febrile-neutropenia", 3)]);
    // Last cycle at level -2 (the lowest): level -3 would be needed: stop.
    // No reduction is asked for now, so going back to the full dose is a
    // re-escalation too: both stops are shown.
    let mut o = fn3();
    o.previous_reduction.all = Some(Reduction::Level(-2));
    let s = stops(&one_level_down(), &o);
    assert_eq!(
        codes(&s),
        ["toxicity-gemcitabine-febrile-neutropenia", "re-escalation"]
    );
    let Stop::Toxicity { drug, level, rule } = &s[0] else {
        panic!("{s:?}")
    };
    assert_eq!((drug.as_str(), *level), ("gemcitabine", Some(-3)));
    assert_eq!(rule.rule.then, Action::OneLevelDown);
    assert_eq!(
        s[1],
        Stop::ReEscalation {
            drug: "gemcitabine".into(),
            previous: Reduction::Level(-2),
            requested: None,
        }
    );
    // Staying at level -2 with a reason: 1,200 mg.
    let o = overriding(
        with_reduction(o, "gemcitabine", Reduction::Level(-2)),
        "toxicity-gemcitabine-febrile-neutropenia",
        "continue at the lowest level, consultant review",
    );
    let p = plan(&one_level_down(), &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1200)),
            ("gemcitabine", 8, dec!(1200)),
        ],
    );
}

#[test]
fn a_toxicity_level_below_the_regimens_levels_stops() {
    // `level -1` on a drug whose only level is -1: fine; a rule asking for the
    // level under a caller at -1 via one level down: -2 does not exist.
    let r = regimen(
        r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "1"
reductions = { -1 = "60 mg/m2" }

[[drug.rule]]
kind = "toxicity"
when = "skin >= 3"
then = "one level down"
source = "fixture"
"#,
    );
    // No earlier reduction: -1 = 60 × 2 = 120 mg.
    let p = plan(&r, &with_toxicity(defaults(), &[("skin", 3)]));
    assert_doses(&p, &[("docetaxel", 1, dec!(120))]);
    // Last cycle at -1: -2 is not defined: stop.
    let mut o = with_toxicity(defaults(), &[("skin", 3)]);
    o.previous_reduction.all = Some(Reduction::Level(-1));
    let s = stops(&r, &o);
    assert!(
        matches!(
            s.first(),
            Some(Stop::Toxicity {
                level: Some(-2),
                ..
            })
        ),
        "{s:?}"
    );
}

#[test]
fn a_caller_level_lower_than_the_rules_stands() {
    // Grade 4 neutropenia → level -1; the prescriber gives level -2: the
    // lower level stands, no stop: 600 × 2 = 1,200 mg.
    let r = gem(&rule("toxicity", "neutropenia >= 4", "level -1"));
    let o = with_reduction(
        with_toxicity(defaults(), &[("neutropenia", 4)]),
        "gemcitabine",
        Reduction::Level(-2),
    );
    let p = plan(&r, &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1200)),
            ("gemcitabine", 8, dec!(1200)),
        ],
    );
    // One change only: the caller's level; no rule step.
    let a = admin(&p, "gemcitabine", 1);
    assert!(rule_steps(a).is_empty());
    assert!(matches!(
        a.adjustments.as_slice(),
        [Adjustment::ReductionLevel { level: -2, .. }]
    ));
    assert!(p.overridden.is_empty());
    // The same level as the rule's: stands too (1,600 mg).
    let o = with_reduction(
        with_toxicity(defaults(), &[("neutropenia", 4)]),
        "gemcitabine",
        Reduction::Level(-1),
    );
    assert_eq!(
        admin(&plan(&r, &o), "gemcitabine", 1).final_dose,
        dec!(1600)
    );
}

#[test]
fn a_caller_level_higher_than_the_rules_is_a_stop() {
    // Grade 4 neutropenia → level -2; the prescriber gives level -1: stop.
    let r = gem(&rule("toxicity", "neutropenia >= 4", "level -2"));
    let o = with_reduction(
        with_toxicity(defaults(), &[("neutropenia", 4)]),
        "gemcitabine",
        Reduction::Level(-1),
    );
    let s = stops(&r, &o);
    assert!(
        matches!(
            s.as_slice(),
            [Stop::Toxicity {
                level: Some(-2),
                ..
            }]
        ),
        "{s:?}"
    );
    assert_eq!(codes(&s), ["toxicity-gemcitabine-neutropenia"]);
    // With a reason, the prescriber's level is given: 1,600 mg.
    let p = plan(
        &r,
        &overriding(
            o,
            "toxicity-gemcitabine-neutropenia",
            "neutropenia was line-related",
        ),
    );
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1600)),
            ("gemcitabine", 8, dec!(1600)),
        ],
    );
    assert_eq!(p.overridden[0].reason, "neutropenia was line-related");
}

#[test]
fn a_toxicity_rule_stops_or_omits() {
    // Grade 3 neuropathy: stop (code toxicity-<drug>-<inputs read>, no level).
    let r = gem(&rule("toxicity", "peripheral-neuropathy >= 3", "stop"));
    let s = stops(
        &r,
        &with_toxicity(defaults(), &[("peripheral-neuropathy", 3)]),
    );
    assert!(
        matches!(s.as_slice(), [Stop::Toxicity { level: None, .. }]),
        "{s:?}"
    );
    assert_eq!(codes(&s), ["toxicity-gemcitabine-peripheral-neuropathy"]);
    // Grade 2 pneumonitis: the drug is left out of the cycle.
    let r = gem(&rule("toxicity", "pneumonitis >= 2", "omit"));
    let p = plan(&r, &with_toxicity(defaults(), &[("pneumonitis", 2)]));
    assert!(p.administrations.is_empty());
    assert_eq!(p.assessment.verdict, Verdict::Modify);
}

// ---------------------------------------------------------------------------
// Combined reductions
// ---------------------------------------------------------------------------

/// The kind and level of each candidate of a combined-reductions stop.
fn candidates(s: &Stop) -> Vec<(Option<RuleKind>, Option<i32>)> {
    let Stop::CombinedReductions { candidates, .. } = s else {
        panic!("{s:?}")
    };
    candidates
        .iter()
        .map(|c| match c {
            Change::Rule { rule, level } => (Some(rule.rule.kind), *level),
            Change::Caller(AppliedReduction::Level { level, .. }) => (None, Some(*level)),
            Change::Caller(AppliedReduction::Percent(_)) => (None, None),
        })
        .collect()
}

/// Gemcitabine with a renal 50 % and a toxicity level -1.
fn gem_organ_and_toxicity() -> Regimen {
    gem(&[
        rule("organ", "crcl < 50 mL/min", "give 50%"),
        rule("toxicity", "neutropenia >= 4", "level -1"),
    ]
    .concat())
}

#[test]
fn an_organ_and_a_toxicity_change_stop_showing_both() {
    let o = with_toxicity(gfr("40 mL/min"), &[("neutropenia", 4)]);
    let s = stops(&gem_organ_and_toxicity(), &o);
    assert_eq!(codes(&s), ["combined-gemcitabine"]);
    let Stop::CombinedReductions { drug, day, .. } = &s[0] else {
        panic!("{s:?}")
    };
    assert_eq!((drug.as_str(), *day), ("gemcitabine", None));
    assert_eq!(
        candidates(&s[0]),
        vec![
            (Some(RuleKind::Organ), None),
            (Some(RuleKind::Toxicity), Some(-1))
        ]
    );
    // Either alone is no stop: GFR 40 only → 1,000 mg; grade 4 only → 1,600 mg.
    let p = plan(&gem_organ_and_toxicity(), &gfr("40 mL/min"));
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(1000));
    let p = plan(
        &gem_organ_and_toxicity(),
        &with_toxicity(gfr("90 mL/min"), &[("neutropenia", 4)]),
    );
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(1600));
}

#[test]
fn combined_changes_overridden_are_all_applied_and_shown() {
    // Renal 50 % and toxicity level -1, both applied: 50 % of the level's
    // dose, 800 mg/m² × 2.00 m² × 0.5 = 800 mg. (Level -1 alone would be
    // 1,600 mg and the renal 50 % alone 1,000 mg: neither may be lost once
    // both are shown as applied.)
    let o = overriding(
        with_toxicity(gfr("40 mL/min"), &[("neutropenia", 4)]),
        "combined-gemcitabine",
        "both reductions, oncologist",
    );
    let p = plan(&gem_organ_and_toxicity(), &o);
    assert_eq!(p.overridden[0].reason, "both reductions, oncologist");
    let a = admin(&p, "gemcitabine", 1);
    let steps = rule_steps(a);
    assert_eq!(steps.len(), 2, "both changes shown: {steps:?}");
    assert_doses(
        &p,
        &[("gemcitabine", 1, dec!(800)), ("gemcitabine", 8, dec!(800))],
    );
}

#[test]
fn an_organ_level_and_the_callers_percent_stop_then_multiply() {
    // Renal level -1 (1,600 mg) and the prescriber's 20 % reduction: two
    // changes, stop; overridden: 1,600 × 0.8 = 1,280 mg.
    let r = gem(&rule("organ", "crcl < 50 mL/min", "level -1"));
    let o = with_reduction(gfr("40 mL/min"), "gemcitabine", Reduction::Percent(pct(20)));
    let s = stops(&r, &o);
    assert_eq!(codes(&s), ["combined-gemcitabine"]);
    assert_eq!(
        candidates(&s[0]),
        vec![(Some(RuleKind::Organ), Some(-1)), (None, None)]
    );
    let p = plan(&r, &overriding(o, "combined-gemcitabine", "agreed"));
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1280)),
            ("gemcitabine", 8, dec!(1280)),
        ],
    );
    let a = admin(&p, "gemcitabine", 1);
    assert!(matches!(
        a.adjustments.as_slice(),
        [
            Adjustment::Rule {
                level: Some(-1),
                ..
            },
            Adjustment::ReductionPercent { .. }
        ]
    ));
}

#[test]
fn an_organ_percent_and_the_callers_level_stop_then_both_apply() {
    // Renal 50 % and the prescriber's level -1: stop showing both; overridden,
    // 50 % of level -1: 1,600 × 0.5 = 800 mg.
    let r = gem(&rule("organ", "crcl < 50 mL/min", "give 50%"));
    let o = with_reduction(gfr("40 mL/min"), "gemcitabine", Reduction::Level(-1));
    let s = stops(&r, &o);
    assert_eq!(codes(&s), ["combined-gemcitabine"]);
    assert_eq!(
        candidates(&s[0]),
        vec![(Some(RuleKind::Organ), None), (None, Some(-1))]
    );
    let p = plan(&r, &overriding(o, "combined-gemcitabine", "agreed"));
    assert_doses(
        &p,
        &[("gemcitabine", 1, dec!(800)), ("gemcitabine", 8, dec!(800))],
    );
}

#[test]
fn a_toxicity_level_and_the_callers_percent_stop() {
    // Grade 4 → level -1 and the prescriber's 20 %: two changes.
    let r = gem(&rule("toxicity", "neutropenia >= 4", "level -1"));
    let o = with_reduction(
        with_toxicity(defaults(), &[("neutropenia", 4)]),
        "gemcitabine",
        Reduction::Percent(pct(20)),
    );
    let s = stops(&r, &o);
    assert_eq!(codes(&s), ["combined-gemcitabine"]);
    assert_eq!(
        candidates(&s[0]),
        vec![(Some(RuleKind::Toxicity), Some(-1)), (None, None)]
    );
}

#[test]
fn an_organ_change_and_a_day_8_change_stop_on_day_8() {
    // Renal 50 % (every day) and, on day 8, ANC 0.8 → 75 %: two changes to
    // day 8's dose. Day 8 assessed on 2026-12-08.
    let o = on_day(
        with_labs(gfr("40 mL/min"), counts("0.8x10^9/L", "150x10^9/L")),
        8,
        "2026-12-08",
    );
    let r = gem(&[
        rule("organ", "crcl < 50 mL/min", "give 50%"),
        day_rule("8", "anc >= 0.5 x10^9/L and anc < 1 x10^9/L", "give 75%"),
    ]
    .concat());
    let s = stops(&r, &o);
    assert_eq!(codes(&s), ["combined-gemcitabine"]);
    assert!(
        matches!(&s[0], Stop::CombinedReductions { day: Some(8), .. }),
        "{s:?}"
    );
    assert_eq!(
        candidates(&s[0]),
        vec![(Some(RuleKind::Organ), None), (Some(RuleKind::Day), None)]
    );
    // Overridden: day 1 2,000 × 0.5 = 1,000 mg; day 8 2,000 × 0.5 × 0.75 =
    // 750 mg; the reason beside day 8 only.
    let p = plan(
        &r,
        &overriding(o, "combined-gemcitabine", "both, consultant"),
    );
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(1000)),
            ("gemcitabine", 8, dec!(750)),
        ],
    );
    assert_eq!(rule_steps(admin(&p, "gemcitabine", 8)).len(), 2);
    assert_eq!(p.overrides_for(admin(&p, "gemcitabine", 8)).count(), 1);
    assert_eq!(p.overrides_for(admin(&p, "gemcitabine", 1)).count(), 0);
}

// ---------------------------------------------------------------------------
// Re-escalation
// ---------------------------------------------------------------------------

#[test]
fn the_full_dose_after_a_reduction_is_a_re_escalation() {
    let r = regimen(GEM);
    let mut o = defaults();
    o.previous_reduction.all = Some(Reduction::Level(-1));
    let s = stops(&r, &o);
    assert_eq!(
        s,
        vec![Stop::ReEscalation {
            drug: "gemcitabine".into(),
            previous: Reduction::Level(-1),
            requested: None,
        }]
    );
    assert_eq!(codes(&s), ["re-escalation"]);
    // With a reason: the full 2,000 mg, the reason beside every dose.
    let p = plan(
        &r,
        &overriding(o.clone(), "re-escalation", "toxicity resolved, PI approval"),
    );
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    assert_eq!(p.overrides_for(admin(&p, "gemcitabine", 8)).count(), 1);
    // Staying at -1 (1,600 mg) or going lower (-2, 1,200 mg): no stop.
    let p = plan(
        &r,
        &with_reduction(o.clone(), "gemcitabine", Reduction::Level(-1)),
    );
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(1600));
    let p = plan(&r, &with_reduction(o, "gemcitabine", Reduction::Level(-2)));
    assert_eq!(admin(&p, "gemcitabine", 1).final_dose, dec!(1200));
}

#[test]
fn a_smaller_percent_after_a_larger_one_is_a_re_escalation() {
    let r = regimen(GEM);
    let mut o = defaults();
    o.previous_reduction.all = Some(Reduction::Percent(pct(25)));
    // 20 % off after 25 % off: the dose goes up.
    let s = stops(
        &r,
        &with_reduction(o.clone(), "gemcitabine", Reduction::Percent(pct(20))),
    );
    assert_eq!(
        s,
        vec![Stop::ReEscalation {
            drug: "gemcitabine".into(),
            previous: Reduction::Percent(pct(25)),
            requested: Some(Reduction::Percent(pct(20))),
        }]
    );
    // 25 % again: 2,000 × 0.75 = 1,500 mg.
    let p = plan(
        &r,
        &with_reduction(o, "gemcitabine", Reduction::Percent(pct(25))),
    );
    assert_eq!(admin(&p, "gemcitabine", 8).final_dose, dec!(1500));
}

// ---------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------

#[test]
fn the_plans_verdict_is_the_most_serious_of_its_drugs() {
    // Gemcitabine with day-1 counts, docetaxel day 1 with a renal 75 %, and
    // eribulin day 1 with a Child-Pugh dose (class not given).
    let r = regimen(&format!(
        "{}{}{}",
        r#"
[[drug]]
name = "gemcitabine"
role = "antineoplastic"
dose = "1000 mg/m2"
route = "IV"
days = "1"
"#,
        [
            day_rule("1", "anc < 1.5 x10^9/L", "hold"),
            r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "1"
"#
            .to_owned(),
            rule("organ", "crcl < 50 mL/min", "give 75%"),
        ]
        .concat(),
        r#"
[[drug]]
name = "eribulin"
role = "antineoplastic"
dose = "1.4 mg/m2"
route = "IV"
days = "1"

[[drug.rule]]
kind = "organ"
when = "child-pugh = B"
then = "dose 0.7 mg/m2"
source = "fixture"
"#
    ));
    // ANC 2 (PROCEED), GFR 40 (docetaxel 150 × 0.75 = 112.5 mg, MODIFY),
    // Child-Pugh not given (eribulin 2.8 mg, NOT CHECKED): NOT CHECKED.
    let mut o = with_labs(
        gfr("40 mL/min"),
        vec![lab(Lab::Anc, "2x10^9/L", None, None)],
    );
    let p = plan(&r, &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("docetaxel", 1, dec!(112.5)),
            ("eribulin", 1, dec!(2.8)),
        ],
    );
    let verdicts = |p: &DosePlan| {
        p.administrations
            .iter()
            .map(|a| (a.drug.clone(), a.verdict))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        verdicts(&p),
        vec![
            ("gemcitabine".to_owned(), Some(Verdict::Proceed)),
            ("docetaxel".to_owned(), Some(Verdict::Modify)),
            ("eribulin".to_owned(), Some(Verdict::NotChecked)),
        ]
    );
    assert_eq!(drug_verdict(&p, "gemcitabine"), Verdict::Proceed);
    assert_eq!(drug_verdict(&p, "docetaxel"), Verdict::Modify);
    assert_eq!(drug_verdict(&p, "eribulin"), Verdict::NotChecked);
    assert_eq!(p.assessment.verdict, Verdict::NotChecked);
    // Child-Pugh A given: nothing unchecked; the plan is MODIFY.
    o.clinical.child_pugh = Some(ChildPugh::A);
    let p = plan(&r, &o);
    assert_eq!(drug_verdict(&p, "eribulin"), Verdict::Proceed);
    assert_eq!(p.assessment.verdict, Verdict::Modify);
    // ANC 1.0 held with a reason: HOLD wins over everything.
    o.clinical.labs = labs(vec![lab(Lab::Anc, "1x10^9/L", None, None)]);
    o.clinical.child_pugh = None;
    let p = plan(
        &r,
        &overriding(o, "hold-gemcitabine", "given on consultant advice"),
    );
    assert_eq!(drug_verdict(&p, "gemcitabine"), Verdict::Hold);
    assert_eq!(admin(&p, "gemcitabine", 1).verdict, Some(Verdict::Hold));
    assert_eq!(p.assessment.verdict, Verdict::Hold);
}

#[test]
fn a_drug_without_rules_has_no_verdict() {
    // Docetaxel without rules beside a gemcitabine with one: only
    // gemcitabine is assessed and stamped.
    let r = regimen(&format!(
        "{GEM}{}{}",
        day_rule("1", "anc < 1.5 x10^9/L", "hold"),
        r#"
[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "8"
"#
    ));
    let p = plan(
        &r,
        &with_labs(defaults(), vec![lab(Lab::Anc, "2x10^9/L", None, None)]),
    );
    assert_eq!(
        p.assessment
            .drugs
            .iter()
            .map(|d| d.drug.as_str())
            .collect::<Vec<_>>(),
        ["gemcitabine"]
    );
    assert_eq!(admin(&p, "docetaxel", 8).verdict, None);
    assert_eq!(admin(&p, "gemcitabine", 1).verdict, Some(Verdict::Proceed));
}

// ---------------------------------------------------------------------------
// Further cases
// ---------------------------------------------------------------------------

#[test]
fn a_required_input_not_given_at_all_is_missing_not_unjudged() {
    // Bilirubin required and not given: one stop, missing-bilirubin; the
    // × ULN rule that reads it is not a second (unjudged) stop.
    let r = docetaxel("requires = [\"bilirubin\"]\n");
    let s = stops(&r, &defaults());
    assert_eq!(codes(&s), ["missing-bilirubin"]);
    // Given as a multiple of the ULN, it is judged: 0.8 × ULN, PROCEED, 150 mg.
    let o = with_labs(defaults(), vec![lab(Lab::Bilirubin, "0.8xULN", None, None)]);
    let p = plan(&r, &o);
    assert_doses(&p, &[("docetaxel", 1, dec!(150))]);
    assert_eq!(p.assessment.verdict, Verdict::Proceed);
}

#[test]
fn two_organ_rules_that_fire_together_stop_showing_both() {
    // A renal 75 % and a hepatic 50 % on one drug: how they combine is not
    // sourced (clinical reference §9): stop, both candidates listed.
    let r = gem(&[
        rule("organ", "crcl < 50 mL/min", "give 75%"),
        rule("organ", "bilirubin > 1.5 x ULN", "give 50%"),
    ]
    .concat());
    let o = with_labs(
        gfr("40 mL/min"),
        vec![lab(Lab::Bilirubin, "2xULN", None, None)],
    );
    let s = stops(&r, &o);
    assert_eq!(codes(&s), ["combined-gemcitabine"]);
    assert_eq!(
        candidates(&s[0]),
        vec![(Some(RuleKind::Organ), None), (Some(RuleKind::Organ), None)]
    );
    // Overridden: two percentages multiply, 2,000 × 0.75 × 0.5 = 750 mg.
    let p = plan(
        &r,
        &overriding(
            o,
            "combined-gemcitabine",
            "hepatology and nephrology agreed",
        ),
    );
    assert_doses(
        &p,
        &[("gemcitabine", 1, dec!(750)), ("gemcitabine", 8, dec!(750))],
    );
    assert_eq!(
        rule_steps(admin(&p, "gemcitabine", 1))
            .into_iter()
            .map(|(_, _, from, to)| (from, to))
            .collect::<Vec<_>>(),
        vec![(dec!(2000), dec!(1500)), (dec!(1500), dec!(750))]
    );
}

#[test]
fn a_requirement_on_a_companion_or_an_instruction_is_refused_by_the_loader() {
    // The engine judges `requires` and `days_confirmed` with a drug's own
    // dose only: on mesna (a companion) or a filgrastim instruction they
    // were accepted and then ignored (mesna given with no renal function
    // although it "requires" CrCl). The file is refused instead, as for
    // `reductions` and `[[drug.rule]]`.
    let ifosfamide = r#"
[[drug]]
name = "ifosfamide"
role = "antineoplastic"
dose = "2500 mg/m2"
route = "IV"
days = "1"
"#;
    for (drug, key) in [
        (
            r#"
[[drug]]
name = "mesna"
role = "supportive"
companion = { of = "ifosfamide", percent = 60 }
route = "IV"
days = "1"
requires = ["crcl"]
"#,
            "`requires`",
        ),
        (
            r#"
[[drug]]
name = "filgrastim"
role = "supportive"
instruction = "filgrastim SC daily per local protocol"
route = "SC"
days = "2"
days_confirmed = false
"#,
            "`days_confirmed`",
        ),
    ] {
        let text = format!("{HEADER}{ifosfamide}{drug}");
        match parse_regimen("inline.toml", &text) {
            Ok(r) => panic!(
                "{key} on a drug without its own dose was accepted; the plan: {:?}",
                calculate(&r, &bsa_2_0(), 1, &defaults()).map(|p| doses(&p))
            ),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains(&format!("{key} applies only to a drug with its own `dose`")),
                    "{msg}"
                );
            }
        }
    }
}

#[test]
fn a_day_rule_gives_a_level_or_a_dose_for_its_day() {
    // Day 8 assessed on 2026-12-08 with platelets 60 ×10⁹/L.
    let o = on_day(
        with_labs(defaults(), counts("2x10^9/L", "60x10^9/L")),
        8,
        "2026-12-08",
    );
    // `level -1` on day 8: 800 mg/m² × 2.00 m² = 1,600 mg; day 1 2,000 mg.
    let r = gem(&day_rule("8", "platelets < 75 x10^9/L", "level -1"));
    let p = plan(&r, &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(1600)),
        ],
    );
    assert_eq!(
        rule_steps(admin(&p, "gemcitabine", 8)),
        vec![(Action::Level(-1), Some(-1), dec!(2000), dec!(1600))]
    );
    assert_eq!(admin(&p, "gemcitabine", 8).verdict, Some(Verdict::Modify));
    // `dose 500 mg/m2` on day 8: 500 × 2.00 = 1,000 mg.
    let r = gem(&day_rule("8", "platelets < 75 x10^9/L", "dose 500 mg/m2"));
    let p = plan(&r, &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(1000)),
        ],
    );
    assert_eq!(p.assessment.verdict, Verdict::Modify);
}

#[test]
fn without_a_history_one_level_down_counts_from_the_callers_level() {
    // No previous_reduction: the prescriber's level is taken as the level
    // the patient is at (the bundled regimens' golden checks rely on it).
    // Level -1 written and febrile neutropenia: the rule asks for -2, the
    // written level is higher: stop, level -2 named.
    let o = with_reduction(
        with_toxicity(defaults(), &[("febrile-neutropenia", 3)]),
        "gemcitabine",
        Reduction::Level(-1),
    );
    let s = stops(&one_level_down(), &o);
    assert!(
        matches!(
            s.as_slice(),
            [Stop::Toxicity {
                level: Some(-2),
                ..
            }]
        ),
        "{s:?}"
    );
    // Level -2 written: -3 would be needed, there is none: stop.
    let o = with_reduction(
        with_toxicity(defaults(), &[("febrile-neutropenia", 3)]),
        "gemcitabine",
        Reduction::Level(-2),
    );
    let s = stops(&one_level_down(), &o);
    assert!(
        matches!(
            s.as_slice(),
            [Stop::Toxicity {
                level: Some(-3),
                ..
            }]
        ),
        "{s:?}"
    );
}

#[test]
fn a_hold_in_a_schedule_concerns_the_held_day_only() {
    // Day 1 = 2026-12-01; counts of 2026-12-06 (ANC 0.4) hold day 8 only.
    // With the reason: both doses 2,000 mg; day 8 HOLD with the reason
    // beside it, day 1 NOT CHECKED (the counts postdate it) without one.
    let reason = "ANC recovering, consultant";
    let mut o = overriding(
        with_labs(
            defaults(),
            vec![
                lab(Lab::Anc, "0.4x10^9/L", None, Some("2026-12-06")),
                lab(Lab::Platelets, "150x10^9/L", None, Some("2026-12-06")),
            ],
        ),
        "hold-gemcitabine",
        reason,
    );
    o.clinical.cycle_start = Some(date("2026-12-01"));
    let p = plan(&gem_days(), &o);
    assert_doses(
        &p,
        &[
            ("gemcitabine", 1, dec!(2000)),
            ("gemcitabine", 8, dec!(2000)),
        ],
    );
    let d1 = admin(&p, "gemcitabine", 1);
    let d8 = admin(&p, "gemcitabine", 8);
    assert_eq!(d1.verdict, Some(Verdict::NotChecked));
    assert_eq!(d8.verdict, Some(Verdict::Hold));
    assert_eq!(p.overrides_for(d1).count(), 0);
    assert_eq!(
        p.overrides_for(d8)
            .map(|o| o.reason.as_str())
            .collect::<Vec<_>>(),
        [reason]
    );
}
