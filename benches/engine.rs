//! Micro-benchmarks (divan): BSA, one patient's cycle doses, one schedule,
//! loading the bundled library. `cargo bench --bench engine`; figures are
//! recorded in docs/performance.md.

use chemodose::bsa::{BsaFormula, body_surface_area};
use chemodose::dose::{DoseOptions, calculate};
use chemodose::patient::Patient;
use chemodose::quantity::{parse_height, parse_weight};
use chemodose::regimen::Library;
use chemodose::schedule::{ScheduleOptions, build_schedule};

fn main() {
    divan::main();
}

fn patient() -> Patient {
    Patient::new(
        parse_height("170cm").unwrap(),
        parse_weight("70kg").unwrap(),
    )
}

/// The patient with sex, age and serum creatinine: cisplatin requires the
/// creatinine clearance they give.
fn patient_with_renal() -> Patient {
    Patient {
        sex: Some(chemodose::patient::Sex::Female),
        age: Some(chemodose::quantity::parse_age("60").unwrap()),
        serum_creatinine: Some(chemodose::quantity::parse_serum_creatinine("0.9mg/dL").unwrap()),
        serum_creatinine_on: None,
        ..patient()
    }
}

/// Options with normal liver tests and blood counts
/// (`docs/examples/gemdoc-labs.toml`): docetaxel requires bilirubin, AST,
/// ALT and ALP; no rule fires on them, so the doses are the arithmetic's.
fn options_with_normal_labs() -> DoseOptions {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/examples/gemdoc-labs.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut o = DoseOptions::default();
    for r in chemodose::labs::parse_labs_toml(path, &text).unwrap() {
        o.clinical.labs.insert(r);
    }
    o
}

#[divan::bench(args = [BsaFormula::Mosteller, BsaFormula::DuBois, BsaFormula::Boyd])]
fn bsa(formula: BsaFormula) -> f64 {
    let p = patient();
    chemodose::quantity::m2(
        body_surface_area(
            divan::black_box(formula),
            divan::black_box(p.height),
            divan::black_box(p.weight),
            None,
        )
        .unwrap(),
    )
}

#[divan::bench]
fn parse_measurements() -> (f64, f64) {
    (
        chemodose::quantity::cm(parse_height(divan::black_box("5ft7in")).unwrap()),
        chemodose::quantity::kg(parse_weight(divan::black_box("154lb")).unwrap()),
    )
}

#[divan::bench]
fn load_bundled_library() -> usize {
    Library::bundled().unwrap().entries().len()
}

#[divan::bench(args = ["gemcitabine-docetaxel", "cisplatin-ifosfamide", "doxorubicin"])]
fn one_patient_cycle_doses(bencher: divan::Bencher, id: &str) {
    let lib = Library::bundled().unwrap();
    let r = lib.get(id).unwrap().regimen.clone();
    let p = patient_with_renal();
    let o = options_with_normal_labs();
    bencher.bench(|| {
        calculate(divan::black_box(&r), divan::black_box(&p), 1, &o)
            .unwrap()
            .administrations
            .len()
    });
}

#[divan::bench]
fn one_schedule_six_cycles(bencher: divan::Bencher) {
    let lib = Library::bundled().unwrap();
    let r = lib.get("gemcitabine-docetaxel").unwrap().regimen.clone();
    let p = patient();
    let o = ScheduleOptions {
        start: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
        ..ScheduleOptions::default()
    };
    let dose = options_with_normal_labs();
    bencher.bench(|| {
        build_schedule(divan::black_box(&r), &p, &dose, &o)
            .unwrap()
            .cycles
            .len()
    });
}
