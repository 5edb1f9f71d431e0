//! The `dose` output is written directly from its wire structs, so their
//! fields must be declared in sorted order: written directly, each struct
//! must give the same text as through a `serde_json::Value`, whose objects
//! are sorted maps (the way every JSON output has always been written).
//! Each struct is checked with every field present (no field of these is
//! ever left out), then whole outputs of real plans.

use chrono::NaiveDate;
use rust_decimal::dec;

use super::*;
use crate::dose::{DoseOptions, Reduction, calculate};
use crate::quantity::{parse_age, parse_height, parse_serum_creatinine, parse_weight};
use crate::regimen::Library;

/// The struct written directly and through a tree: the same text.
fn assert_sorted<T: Serialize>(what: &str, value: &T) {
    let direct = serde_json::to_string(value).unwrap();
    let through_tree = serde_json::to_string(&tree(value)).unwrap();
    assert_eq!(
        direct, through_tree,
        "{what}: the fields are not declared in sorted order"
    );
}

fn date() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2026, 11, 30)
}

fn rule() -> RuleJson<'static> {
    RuleJson {
        comparisons: vec![ComparisonJson {
            class: Some("B".to_owned()),
            comparator: "<",
            date: date(),
            grade: Some(3),
            input: "anc",
            result: "false",
            stale: false,
            threshold: "1.5 x10^9/L",
            times_uln: Some(dec!(1.2)),
            value: Some(dec!(3.2)),
        }],
        kind: "organ",
        note: Some("a note"),
        result: "false",
        source: "a label",
        then: "hold".to_owned(),
        when: "anc < 1.5 x10^9/L",
    }
}

#[test]
fn every_struct_of_the_dose_output_declares_its_fields_in_sorted_order() {
    assert_sorted(
        "PatientJson",
        &PatientJson {
            age_years: Some(64.0),
            height_cm: 170.0,
            measured_on: date(),
            scr_measured_on: date(),
            scr_mg_dl: Some(1.1),
            sex: Some(Sex::Female),
            weight_kg: 70.0,
        },
    );
    assert_sorted(
        "BsaJson",
        &BsaJson {
            formula: "mosteller",
            m2: 1.8181,
            m2_used: 1.82,
            rounding: "0.01".to_owned(),
        },
    );
    assert_sorted(
        "DoseWeightJson",
        &DoseWeightJson {
            basis: "actual",
            kg: 70.0,
        },
    );
    assert_sorted(
        "RenalJson",
        &RenalJson {
            calvert_gfr_capped: Some(true),
            calvert_gfr_used_ml_min: Some(125.0),
            crcl_ml_min: Some(90.0),
            crcl_weight_basis: Some("actual"),
            gfr_given_ml_min: Some(140.0),
        },
    );
    let time = TimeJson {
        dose: Some(1),
        from: Some("ifosfamide"),
        minutes: Some(240),
        of: Some(3),
        text: "4 h after the start of IFOSfamide".to_owned(),
    };
    assert_sorted("TimeJson", &time);
    assert_sorted(
        "DoseAdministrationJson",
        &DoseAdministrationJson {
            adjustments: vec![
                AdjustmentJson::ReductionLevel {
                    level: -1,
                    prescribed: "75 mg/m²".to_owned(),
                    from: dec!(182),
                    to: dec!(137),
                },
                AdjustmentJson::Rounding {
                    rule: "1 mg".to_owned(),
                    from: dec!(136.5),
                    to: dec!(137),
                    deviation_percent: dec!(0.37),
                    held_under_cap: false,
                },
            ],
            basis: Some(DoseBasis::PerM2),
            calculated: dec!(182),
            calculated_mg: dec!(182),
            day: 8,
            display_name: "DOCEtaxel".to_owned(),
            drug: "docetaxel",
            final_text: "137 mg".to_owned(),
            final_dose: dec!(137),
            final_mg: dec!(137),
            infusion: Some("60 min"),
            instruction: Some("an instruction"),
            overrides: vec![AdministrationOverrideJson {
                code: "hold".to_owned(),
                reason: "a reason".to_owned(),
            }],
            prescribed: "100 mg/m²".to_owned(),
            role: Role::Antineoplastic,
            route: "IV",
            time: Some(time),
            unit: DoseUnit::Mg,
            verdict: Some("proceed"),
        },
    );
    let limit = LimitJson {
        after_cardiac_radiation: false,
        complete: true,
        cumulative: dec!(450),
        limit: "550 mg/m²".to_owned(),
        limit_value: dec!(550),
        percent_of_limit: dec!(81.8),
        prior: dec!(300),
        remaining: Some(dec!(100)),
        source: "the label".to_owned(),
        uncounted_lines: vec![2],
        unit: "mg/m²",
    };
    assert_sorted("LimitJson", &limit);
    assert_sorted(
        "DrugTotalJson",
        &DrugTotalJson {
            course_cycles: Some(6),
            course_total: Some(dec!(900)),
            course_total_per_m2: Some(dec!(450)),
            cycle_total: dec!(150),
            cycle_total_per_m2: Some(dec!(75)),
            display_name: "DOXOrubicin".to_owned(),
            drug: "doxorubicin".to_owned(),
            limit: Some(limit),
            unit: DoseUnit::Mg,
        },
    );
    assert_sorted("RuleJson", &rule());
    assert_sorted(
        "AssessmentJson",
        &AssessmentJson {
            day: 8,
            drugs: vec![DrugAssessmentJson {
                day: vec![rule()],
                drug: "docetaxel",
                missing: vec!["bilirubin"],
                omitted_by: Some(rule()),
                organ: vec![rule()],
                toxicity: vec![rule()],
                verdict: "hold",
            }],
            verdict: "hold",
        },
    );
    assert_sorted(
        "OverrideJson",
        &OverrideJson {
            code: "hold".to_owned(),
            message: "the stop".to_owned(),
            reason: "a reason".to_owned(),
        },
    );
    assert_sorted(
        "WarningJson",
        &WarningJson {
            code: "a-code",
            message: "words".to_owned(),
        },
    );
}

/// Normal blood counts and liver tests (`docs/examples/gemdoc-labs.toml`).
fn options_with_normal_labs() -> DoseOptions {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/examples/gemdoc-labs.toml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut o = DoseOptions::default();
    for r in crate::labs::parse_labs_toml(path, &text).unwrap() {
        o.clinical.labs.insert(r);
    }
    o
}

#[test]
fn whole_dose_outputs_written_directly_are_their_trees() {
    let lib = Library::bundled().unwrap();
    let patient = crate::patient::Patient {
        sex: Some(Sex::Female),
        age: Some(parse_age("60").unwrap()),
        serum_creatinine: Some(parse_serum_creatinine("0.9mg/dL").unwrap()),
        serum_creatinine_on: None,
        ..crate::patient::Patient::new(
            parse_height("170cm").unwrap(),
            parse_weight("70kg").unwrap(),
        )
    };
    let mut reduced = options_with_normal_labs();
    reduced
        .reductions
        .drugs
        .insert("docetaxel".to_owned(), Reduction::Level(-1));
    let mut overridden = DoseOptions::default();
    overridden
        .overrides
        .insert("missing-bilirubin", "no labs yet");
    let mut n = 0;
    for (id, options, cycle) in [
        ("gemcitabine-docetaxel", options_with_normal_labs(), 1),
        ("gemcitabine-docetaxel", reduced, 2),
        ("doxorubicin", overridden, 1),
        (
            "doxorubicin-ifosfamide-mesna",
            options_with_normal_labs(),
            1,
        ),
        ("cisplatin-ifosfamide", options_with_normal_labs(), 1),
    ] {
        let regimen = &lib.get(id).unwrap().regimen;
        let plan = calculate(regimen, &patient, cycle, &options).unwrap();
        let source = &lib.get(id).unwrap().source;
        let json = DoseJson::new(&plan)
            .with_source(source)
            .with_leading_warnings(&[("a-code", "words".to_owned())])
            .with_site_config(Some(&crate::config::InForce {
                file: "chemodose.toml".to_owned(),
                settings: vec!["dose.bsa_formula".to_owned()],
            }));
        assert_sorted(id, &json);
        assert_eq!(
            super::to_compact_string(&json).unwrap(),
            serde_json::to_string(&json).unwrap(),
            "{id}: the web API's compact text is serde_json's"
        );
        n += 1;
    }
    assert_eq!(n, 5);
}

/// The web API's compact writer (`compact.rs`) gives serde_json's text for
/// the dose output of every bundled regimen that a patient with normal
/// labs can be given in cycle 1 and 2.
#[test]
fn every_bundled_regimen_s_dose_output_is_written_compact_as_serde_json_writes_it() {
    let lib = Library::bundled().unwrap();
    let patient = crate::patient::Patient {
        sex: Some(Sex::Male),
        age: Some(parse_age("58").unwrap()),
        serum_creatinine: Some(parse_serum_creatinine("1.1mg/dL").unwrap()),
        serum_creatinine_on: None,
        ..crate::patient::Patient::new(
            parse_height("182cm").unwrap(),
            parse_weight("91.3kg").unwrap(),
        )
    };
    let (mut written, mut regimens) = (0, 0);
    for entry in lib.entries() {
        regimens += 1;
        for cycle in [1, 2] {
            let options = options_with_normal_labs();
            let Ok(plan) = calculate(&entry.regimen, &patient, cycle, &options) else {
                continue;
            };
            let json = DoseJson::new(&plan).with_source(&entry.source);
            assert_eq!(
                super::to_compact_string(&json).unwrap(),
                serde_json::to_string(&json).unwrap(),
                "{} cycle {cycle}",
                entry.regimen.id
            );
            written += 1;
        }
    }
    assert!(regimens >= 10, "{regimens}");
    assert!(
        written >= regimens,
        "{written} outputs of {regimens} regimens"
    );
}
