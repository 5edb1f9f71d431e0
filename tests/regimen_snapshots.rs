//! Every regimen file, scheduled for a fixed panel of reference patients, in a
//! compact form: a change to a regimen file or to the engine shows up as a
//! reviewable snapshot diff (`cargo insta review`). CI runs with `CI` set, so
//! an unreviewed change fails. Snapshots show how doses look and move; the
//! values themselves are proved right by the worked examples in `dose.rs` and
//! the hand-calculated `regimens/*.checks.toml`. Every panel patient has
//! normal liver tests and blood counts (`docs/examples/gemdoc-labs.toml`),
//! which regimens with clinical rules require and on which no rule fires.

mod common;

use std::fmt::Write as _;

use chemodose::dose::DoseOptions;
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{parse_age, parse_height, parse_serum_creatinine, parse_weight};
use chemodose::regimen::{CycleCount, load_regimen_file};
use chemodose::render::dose::amount;
use chemodose::schedule::{ScheduleOptions, build_schedule};

struct Reference {
    name: &'static str,
    height: &'static str,
    weight: &'static str,
    sex: Sex,
    age: &'static str,
    scr: &'static str,
}

const PANEL: [Reference; 4] = [
    Reference {
        name: "typical adult",
        height: "170cm",
        weight: "70kg",
        sex: Sex::Female,
        age: "60",
        scr: "0.9mg/dL",
    },
    Reference {
        name: "small adult",
        height: "150cm",
        weight: "45kg",
        sex: Sex::Female,
        age: "72",
        scr: "0.7mg/dL",
    },
    Reference {
        name: "obese adult",
        height: "175cm",
        weight: "140kg",
        sex: Sex::Male,
        age: "55",
        scr: "1mg/dL",
    },
    Reference {
        name: "renally impaired",
        height: "165cm",
        weight: "65kg",
        sex: Sex::Male,
        age: "75",
        scr: "2.2mg/dL",
    },
];

fn compact(path: &std::path::Path) -> String {
    let regimen = load_regimen_file(path).unwrap();
    let mut out = format!("{} v{} ({})\n", regimen.id, regimen.version, regimen.status);
    let cycles = match regimen.cycle.count {
        CycleCount::Fixed(n) => n,
        CycleCount::UntilProgression { .. } => 6,
    };
    for r in &PANEL {
        let patient = Patient {
            height: parse_height(r.height).unwrap(),
            weight: parse_weight(r.weight).unwrap(),
            measured_on: None,
            sex: Some(r.sex),
            age: Some(parse_age(r.age).unwrap()),
            serum_creatinine: Some(parse_serum_creatinine(r.scr).unwrap()),
            serum_creatinine_on: None,
        };
        let _ = writeln!(
            out,
            "\n## {} ({} {} {} {}y SCr {}), {cycles} cycles",
            r.name, r.height, r.weight, r.sex, r.age, r.scr
        );
        let options = ScheduleOptions {
            start: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
            cycles: Some(cycles),
            ..ScheduleOptions::default()
        };
        // A draft or withdrawn regimen is refused for a new patient; the panel
        // shows its doses with that stop overridden (and says so).
        let mut dose_options = common::with_normal_labs(&DoseOptions::default());
        for code in ["status-draft", "status-withdrawn"] {
            dose_options.overrides.insert(code, "reference panel");
        }
        match build_schedule(&regimen, &patient, &dose_options, &options) {
            Err(e) => {
                let _ = writeln!(out, "REFUSED: {e}");
            }
            Ok(s) => {
                let b = &s.bsa;
                let _ = writeln!(
                    out,
                    "BSA {:.4} -> {:.2} m2; CrCl {}",
                    chemodose::quantity::m2(b.unrounded),
                    chemodose::quantity::m2(b.used),
                    s.renal.crcl.map_or("-".to_owned(), |c| format!(
                        "{:.1} mL/min",
                        chemodose::quantity::ml_per_min(c.value)
                    ))
                );
                for c in &s.cycles {
                    let doses: Vec<String> = c
                        .administrations
                        .iter()
                        .map(|a| {
                            let adm = &a.administration;
                            let adj: Vec<&str> = adm
                                .adjustments
                                .iter()
                                .map(|x| match x {
                                    chemodose::dose::Adjustment::ReductionLevel { .. } => "level",
                                    chemodose::dose::Adjustment::ReductionPercent { .. } => {
                                        "reduced"
                                    }
                                    chemodose::dose::Adjustment::BsaCap { .. } => "bsa-cap",
                                    chemodose::dose::Adjustment::MaxSingleDose { .. } => {
                                        "max-single"
                                    }
                                    chemodose::dose::Adjustment::GfrCap { .. } => "gfr-cap",
                                    chemodose::dose::Adjustment::Rounding { .. } => "rounded",
                                    chemodose::dose::Adjustment::Rule { .. } => "rule",
                                })
                                .collect();
                            let adj = if adj.is_empty() {
                                String::new()
                            } else {
                                format!(" [{}]", adj.join(","))
                            };
                            // A timed dose (mesna +4 h) and an antiemetic of the standard set are marked.
                            let time = match &adm.time {
                                Some(chemodose::dose::DoseTime::From { minutes, .. }) => {
                                    format!(" @{minutes:+}min")
                                }
                                Some(chemodose::dose::DoseTime::OfDay { n, count }) => {
                                    format!(" ({n}/{count})")
                                }
                                None => String::new(),
                            };
                            let set = if adm.role == chemodose::regimen::Role::Antiemetic {
                                " {antiemetic}"
                            } else {
                                ""
                            };
                            format!(
                                "D{} {} {}{time}{set}{adj}",
                                adm.day,
                                chemodose::render::ismp::drug_display_name(&adm.drug),
                                amount(adm, adm.final_dose)
                            )
                        })
                        .collect();
                    let _ = writeln!(out, "C{} {}: {}", c.number, c.start, doses.join("; "));
                }
                if let Some(last) = s.cycles.last() {
                    for cu in &last.cumulative {
                        let _ = writeln!(
                            out,
                            "total {}",
                            chemodose::render::schedule::cumulative_text(cu)
                        );
                    }
                }
                let overridden: Vec<String> = s.overridden.iter().map(|o| o.stop.code()).collect();
                if !overridden.is_empty() {
                    let _ = writeln!(out, "overridden: {}", overridden.join(", "));
                }
                let mut codes: Vec<&str> = s.warnings.iter().map(|w| w.code()).collect();
                codes.dedup();
                let _ = writeln!(
                    out,
                    "warnings: {}",
                    if codes.is_empty() {
                        "none".to_owned()
                    } else {
                        codes.join(", ")
                    }
                );
            }
        }
    }
    out
}

#[test]
fn every_regimen_for_the_reference_panel() {
    insta::glob!("../regimens", "*.toml", |path| {
        if path.to_string_lossy().ends_with(".checks.toml") {
            return;
        }
        insta::assert_snapshot!(compact(path));
    });
}
