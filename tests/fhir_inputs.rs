//! `--fhir BUNDLE` for `order verify` (the record as an independent check
//! of the order's height, weight and sex) and `history new` (the patient's
//! sex, birth year and latest height and weight; never the name or MRN).
//! Issue 20, `docs/fhir.md`.

mod common;

use common::Run;
use serde_json::Value;

/// The seed bundle: 170 cm, 70 kg (2026-11-28), female, born 1962-06-15.
const SEED: &str = "tests/data/fhir/lms-case-1.json";
/// 158 cm, 55 kg (2026-11-30), female.
const ORDER: &str = "docs/examples/orders/dacarbazine-doxorubicin-case-report-c1.toml";

fn findings(out: &str) -> Vec<(String, String, String)> {
    let v: Value = serde_json::from_str(out).unwrap();
    v["orders"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_record_s_height_and_weight_are_compared_with_the_order_s() {
    let run = Run::new(&["order", "verify", ORDER, "--fhir", SEED, "--format", "json"]);
    let f = findings(&run.stdout());
    // (55 - 70) / 70 = -21.43 %; (158 - 170) / 170 = -7.06 %: both above the
    // 5 % agreement threshold, so queried.
    let weight = f.iter().find(|x| x.0 == "record-weight-differs").unwrap();
    assert_eq!(weight.1, "query");
    assert_eq!(
        weight.2,
        "the order's weight, 55 kg (2026-11-30), differs from the patient's record, 70 kg (2026-11-28, Observation/weight-1 in tests/data/fhir/lms-case-1.json): -21.43 %"
    );
    let height = f.iter().find(|x| x.0 == "record-height-differs").unwrap();
    assert_eq!(height.1, "query");
    assert!(height.2.ends_with("-7.06 %"), "{}", height.2);
    // The same sex: no finding. The order's values are still the ones
    // dosed: 1.55 m² (from 158 cm, 55 kg), not 1.82 m².
    assert!(!f.iter().any(|x| x.0 == "record-sex-differs"));
    let v: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(v["orders"][0]["verdict"], "QUERY");
    assert_eq!(
        v["orders"][0]["measurements"]["bsa_recomputed_m2"], 1.55,
        "{v:#}"
    );
    assert!(
        run.stderr().contains("compared with each order"),
        "{}",
        run.stderr()
    );
    // Without --fhir, no record finding.
    let plain = Run::new(&["order", "verify", ORDER, "--format", "json"]);
    assert!(
        !findings(&plain.stdout())
            .iter()
            .any(|x| x.0.starts_with("record-"))
    );
}

#[test]
fn a_small_difference_is_noted_and_a_different_sex_queried() {
    let mut b: Value = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED))
            .unwrap(),
    )
    .unwrap();
    for e in b["entry"].as_array_mut().unwrap() {
        let r = &mut e["resource"];
        match r["id"].as_str().unwrap_or_default() {
            // 56 kg: (55 - 56) / 56 = -1.79 %, within 5 %: noted.
            "weight-1" => r["valueQuantity"]["value"] = 56.into(),
            // 158 cm: the same as the order's: no finding.
            "height-1" => r["valueQuantity"]["value"] = 158.into(),
            "lms-case-1" => r["gender"] = "male".into(),
            _ => {}
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.json");
    std::fs::write(&path, serde_json::to_string(&b).unwrap()).unwrap();
    let run = Run::new(&[
        "order",
        "verify",
        ORDER,
        "--fhir",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let f = findings(&run.stdout());
    let weight = f.iter().find(|x| x.0 == "record-weight-differs").unwrap();
    assert_eq!(weight.1, "info");
    assert!(weight.2.ends_with("-1.79 %"), "{}", weight.2);
    assert!(!f.iter().any(|x| x.0 == "record-height-differs"));
    let sex = f.iter().find(|x| x.0 == "record-sex-differs").unwrap();
    assert_eq!(sex.1, "query");
    assert!(
        sex.2.contains("female") && sex.2.contains("male ("),
        "{}",
        sex.2
    );
}

#[test]
fn history_new_takes_the_patient_and_latest_measurements_but_never_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.toml");
    let run = Run::new(&[
        "history",
        "new",
        file.to_str().unwrap(),
        "--patient-id",
        "P-1",
        "--fhir",
        SEED,
    ]);
    run.success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.ends_with("[patient]\nid = \"P-1\"\nsex = \"female\"\nbirth_year = 1962\n\n[[measurement]]\ndate = 2026-11-28\nheight = \"170cm\"\nweight = \"70kg\"\n"),
        "{text}"
    );
    assert!(!text.contains("name") && !text.contains("mrn"), "{text}");
    assert!(
        run.stderr().contains("Observation/weight-1 (2026-11-28)"),
        "{}",
        run.stderr()
    );
    // A flag wins, and is named; its measurement keeps its own date.
    let file2 = dir.path().join("h2.toml");
    let run = Run::new(&[
        "history",
        "new",
        file2.to_str().unwrap(),
        "--patient-id",
        "P-2",
        "--fhir",
        SEED,
        "--weight",
        "68kg",
        "--date",
        "2026-12-01",
        "--sex",
        "male",
    ]);
    run.success();
    let text = std::fs::read_to_string(&file2).unwrap();
    assert!(
        text.ends_with("sex = \"male\"\nbirth_year = 1962\n\n[[measurement]]\ndate = 2026-11-28\nheight = \"170cm\"\n\n[[measurement]]\ndate = 2026-12-01\nweight = \"68kg\"\n"),
        "{text}"
    );
    assert!(
        run.stderr().contains("--sex (not Patient/lms-case-1.gender); --weight (not Observation/weight-1 (2026-11-28))"),
        "{}",
        run.stderr()
    );
}
