//! Micro-benchmarks (divan): BSA, one patient's cycle doses, one schedule,
//! loading the bundled library. `cargo bench --bench engine`; figures are
//! recorded in docs/performance.md.

use chemodose::bsa::{BsaFormula, body_surface_area};
use chemodose::dose::{DoseOptions, calculate};
use chemodose::labs::{LabOrigin, LabResult};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{
    Lab, parse_age, parse_height, parse_lab, parse_serum_creatinine, parse_weight,
};
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
    // The inputs the clinical rules require, at normal values: renal function
    // for cisplatin and ifosfamide (60 years, female, SCr 0.9 mg/dL: CrCl
    // 73.5 mL/min) and total bilirubin for doxorubicin (0.6 mg/dL).
    let mut p = patient();
    p.sex = Some(Sex::Female);
    p.age = Some(parse_age("60").unwrap());
    p.serum_creatinine = Some(parse_serum_creatinine("0.9mg/dL").unwrap());
    let mut o = DoseOptions::default();
    o.clinical.labs.insert(LabResult {
        lab: Lab::Bilirubin,
        value: parse_lab(Lab::Bilirubin, "0.6mg/dL").unwrap(),
        uln: None,
        date: None,
        origin: LabOrigin::CommandLine,
    });
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
    bencher.bench(|| {
        build_schedule(divan::black_box(&r), &p, &DoseOptions::default(), &o)
            .unwrap()
            .cycles
            .len()
    });
}
