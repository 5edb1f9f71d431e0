//! A premedication on days counted from the drug it premedicates
//! (`relative_days`, issue 17): docetaxel's dexamethasone 8 mg by mouth
//! twice daily for 3 days starting the day before docetaxel (docetaxel
//! product information [R101]). Its days follow docetaxel's as given: a
//! docetaxel day before day 1's neighbour gives day -1 (the day before day
//! 1; there is no day 0), and a docetaxel dose left out leaves its
//! dexamethasone out.

mod common;

use chemodose::dose::{DoseOptions, DosePlan, calculate, day_offset, days_from_cycle_start};
use chemodose::labs::{LabOrigin, LabResult};
use chemodose::patient::Patient;
use chemodose::quantity::{Lab, parse_height, parse_lab, parse_weight};
use chemodose::regimen::{Library, Regimen, parse_regimen};
use chemodose::schedule::{ScheduleOptions, build_schedule};
use chrono::NaiveDate;

/// 170 cm, 70 kg: BSA sqrt(170 × 70 / 3600) = 1.818 → 1.82 m².
fn patient() -> Patient {
    Patient::new(
        parse_height("170cm").unwrap(),
        parse_weight("70kg").unwrap(),
    )
}

fn gem_doc() -> Regimen {
    let lib = Library::bundled().unwrap();
    lib.get("gemcitabine-docetaxel").unwrap().regimen.clone()
}

/// The dexamethasone days of a plan, one entry per dose.
fn dexamethasone(p: &DosePlan) -> Vec<(i32, String)> {
    p.administrations
        .iter()
        .filter(|a| a.drug == "dexamethasone")
        .map(|a| (a.day, format!("{} mg", a.final_dose.normalize())))
        .collect()
}

fn twice(days: &[i32]) -> Vec<(i32, String)> {
    days.iter()
        .flat_map(|&d| [(d, "8 mg".to_owned()), (d, "8 mg".to_owned())])
        .collect()
}

#[test]
fn days_count_from_day_one_without_a_day_zero() {
    assert_eq!(day_offset(8, -1), 7);
    assert_eq!(day_offset(8, 1), 9);
    assert_eq!(day_offset(1, -1), -1);
    assert_eq!(day_offset(1, -2), -2);
    assert_eq!(day_offset(2, -2), -1);
    assert_eq!(day_offset(-1, 1), 1);
    assert_eq!(days_from_cycle_start(1), 0);
    assert_eq!(days_from_cycle_start(8), 7);
    assert_eq!(days_from_cycle_start(-1), -1);
}

#[test]
fn gem_doc_dexamethasone_is_the_day_before_of_and_after_docetaxel() {
    // Docetaxel on day 8 (Hensley 2002): dexamethasone on days 7, 8 and 9,
    // 8 mg twice each day.
    let p = calculate(
        &gem_doc(),
        &patient(),
        1,
        &common::with_normal_labs(&DoseOptions::default()),
    )
    .unwrap();
    assert_eq!(dexamethasone(&p), twice(&[7, 8, 9]));
}

#[test]
fn docetaxel_moved_to_day_1_takes_its_dexamethasone_to_day_minus_1() {
    let mut o = common::with_normal_labs(&DoseOptions::default());
    o.days.insert("docetaxel".to_owned(), vec![1]);
    let p = calculate(&gem_doc(), &patient(), 1, &o).unwrap();
    assert_eq!(dexamethasone(&p), twice(&[-1, 1, 2]));
    // Day -1 comes first in the plan.
    assert_eq!(p.administrations[0].day, -1);
}

#[test]
fn two_docetaxel_days_share_their_premedication_days() {
    // Docetaxel on days 1 and 2: the day before, of and after each is
    // -1, 1, 2 and 1, 2, 3: days -1, 1, 2, 3, each once.
    let mut o = common::with_normal_labs(&DoseOptions::default());
    o.days.insert("docetaxel".to_owned(), vec![1, 2]);
    let p = calculate(&gem_doc(), &patient(), 1, &o).unwrap();
    assert_eq!(dexamethasone(&p), twice(&[-1, 1, 2, 3]));
}

/// Docetaxel day 1 left out when bilirubin is above the ULN (an `omit`
/// rule, a fixture), with its dexamethasone on the day before, of and after.
const OMITTED: &str = r#"
id = "inline"
name = "Inline premedication test regimen"
version = "1"
status = "active"
last_reviewed = 2026-12-01
emetogenic_risk = "low"
antiemetic_set = "as-needed"
[cycle]
length_days = 21
cycles = 6

[[source]]
citation = "Test fixture"

[[drug]]
name = "dexamethasone"
role = "premedication"
premedicates = "docetaxel"
dose = "8 mg"
route = "PO"
relative_days = "-1,0,+1"

[[drug]]
name = "docetaxel"
role = "antineoplastic"
dose = "75 mg/m2"
route = "IV"
days = "1"

[[drug.rule]]
kind = "organ"
when = "bilirubin > 1 x ULN"
then = "omit"
source = "fixture"

[[drug]]
name = "gemcitabine"
role = "antineoplastic"
dose = "1000 mg/m2"
route = "IV"
days = "1,8"
"#;

#[test]
fn a_docetaxel_dose_left_out_leaves_out_its_dexamethasone() {
    let r = parse_regimen("inline.toml", OMITTED).unwrap();
    let normal = common::with_normal_labs(&DoseOptions::default());
    let p = calculate(&r, &patient(), 1, &normal).unwrap();
    // 8 mg once a day on days -1, 1 and 2; docetaxel 75 × 1.82 = 136.5 mg.
    assert_eq!(
        dexamethasone(&p),
        [(-1, "8 mg"), (1, "8 mg"), (2, "8 mg")].map(|(d, m)| (d, m.to_owned()))
    );
    let mut high = normal.clone();
    high.clinical.labs.replace(LabResult {
        lab: Lab::Bilirubin,
        value: parse_lab(Lab::Bilirubin, "2xULN").unwrap(),
        uln: None,
        date: None,
        origin: LabOrigin::CommandLine,
    });
    let p = calculate(&r, &patient(), 1, &high).unwrap();
    assert!(p.administrations.iter().all(|a| a.drug != "docetaxel"));
    assert!(dexamethasone(&p).is_empty(), "{:?}", dexamethasone(&p));
    // Gemcitabine is still given: 1,000 × 1.82 = 1,820 mg on days 1 and 8.
    let gem: Vec<i32> = p
        .administrations
        .iter()
        .filter(|a| a.drug == "gemcitabine")
        .map(|a| a.day)
        .collect();
    assert_eq!(gem, [1, 8]);
}

#[test]
fn day_minus_1_is_dated_the_day_before_each_cycle_starts() {
    let r = parse_regimen("inline.toml", OMITTED).unwrap();
    let options = ScheduleOptions {
        start: NaiveDate::from_ymd_opt(2026, 12, 7),
        cycles: Some(2),
        ..ScheduleOptions::default()
    };
    let s = build_schedule(
        &r,
        &patient(),
        &common::with_normal_labs(&DoseOptions::default()),
        &options,
    )
    .unwrap();
    let dex: Vec<(u32, i32, NaiveDate)> = s
        .cycles
        .iter()
        .flat_map(|c| {
            c.administrations
                .iter()
                .filter(|a| a.administration.drug == "dexamethasone")
                .map(move |a| (c.number, a.administration.day, a.date))
        })
        .collect();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    // Cycle 1 starts Mon 7 Dec 2026: day -1 is Sun 6 Dec. Cycle 2 starts
    // 21 days later, Mon 28 Dec: day -1 is Sun 27 Dec.
    assert_eq!(
        dex,
        [
            (1, -1, d(12, 6)),
            (1, 1, d(12, 7)),
            (1, 2, d(12, 8)),
            (2, -1, d(12, 27)),
            (2, 1, d(12, 28)),
            (2, 2, d(12, 29)),
        ]
    );
}

#[test]
fn a_golden_check_names_day_minus_1() {
    let r = parse_regimen("inline.toml", OMITTED).unwrap();
    let run = |dex: &str| {
        let text = format!(
            r#"regimen = "inline"
regimen_version = "1"

[[check]]
name = "day before"
worked_out_by = "test"
worked_out_on = 2026-12-01
height = "170cm"
weight = "70kg"
labs = {{ bilirubin = "10umol/L", bilirubin_uln = "21umol/L" }}

[check.expect]
dexamethasone = {{ {dex} }}
docetaxel = {{ 1 = "136.5 mg" }}
gemcitabine = {{ 1 = "1820 mg", 8 = "1820 mg" }}
"#
        );
        let file = chemodose::verify::parse_check_file("x.checks.toml", &text)
            .unwrap_or_else(|e| panic!("{e}"));
        chemodose::verify::run_check(&r, &file.checks[0])
    };
    // 75 mg/m² × 1.82 m² = 136.5 mg (no rounding rule); 1,000 × 1.82 = 1,820 mg.
    assert!(run(r#"-1 = "8 mg", 1 = "8 mg", 2 = "8 mg""#).passed());
    // Day -1 left out of the check: the engine's dose there is reported.
    let r2 = run(r#"1 = "8 mg", 2 = "8 mg""#);
    let chemodose::verify::Outcome::Mismatches(m) = &r2.outcome else {
        panic!("{:?}", r2.outcome);
    };
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!((m[0].drug.as_str(), m[0].day), ("dexamethasone", -1));
    // There is no day 0.
    let text = "regimen = \"inline\"\nregimen_version = \"1\"\n\n[[check]]\nname = \"x\"\nworked_out_by = \"t\"\nworked_out_on = 2026-12-01\nheight = \"170cm\"\nweight = \"70kg\"\n\n[check.expect]\ndexamethasone = { 0 = \"8 mg\" }\n";
    let e = chemodose::verify::parse_check_file("x.checks.toml", text)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`0` is not a day number"), "{e}");
}

/// A day list stated for the dose can put a G-CSF next to a cytotoxic dose
/// (the loader checks the regimen's own days only): docetaxel moved to day
/// 9 meets filgrastim on day 9, which its label forbids (not within 24 hours
/// of cytotoxic chemotherapy [R138]). A stop, overridable with a reason
/// (filgrastim is given by local protocol: the team moves it).
#[test]
fn a_stated_day_list_that_puts_filgrastim_beside_docetaxel_stops() {
    let mut o = common::with_normal_labs(&DoseOptions::default());
    o.days.insert("docetaxel".to_owned(), vec![9]);
    let e = calculate(&gem_doc(), &patient(), 1, &o).unwrap_err();
    let chemodose::dose::DoseError::Refused(stops) = e else {
        panic!("{e:?}");
    };
    let codes: Vec<String> = stops.iter().map(|s| s.code()).collect();
    assert_eq!(codes, ["gcsf-timing-filgrastim"]);
    let chemodose::dose::Stop::GcsfTiming {
        day, cytotoxic_day, ..
    } = &stops[0]
    else {
        panic!("{stops:?}");
    };
    assert_eq!((*day, *cytotoxic_day), (9, 9));
    let mut overridden = o.clone();
    overridden
        .overrides
        .insert("gcsf-timing-filgrastim", "filgrastim held by the team");
    let p = calculate(&gem_doc(), &patient(), 1, &overridden).unwrap();
    assert_eq!(p.overridden.len(), 1);
    // The regimen's own days raise no such stop.
    let plain = common::with_normal_labs(&DoseOptions::default());
    assert!(calculate(&gem_doc(), &patient(), 1, &plain).is_ok());
}
