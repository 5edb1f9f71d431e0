//! `history show --format fhir` (issue 20, `docs/fhir.md`, "history"):
//! one CarePlan per line of therapy, one MedicationStatement per drug of
//! each recorded cycle, doses worked by hand on a SYNTHETIC history, and
//! nothing invented for the case reports' unstated lines. Every Bundle is
//! validated by the independent `fhir.resources` (R4B) models.

mod common;

use common::Run;
use common::fhir::validate;
use serde_json::{Value, json};

/// SYNTHETIC (`docs/examples/synthetic-doxorubicin.toml`, worked in its
/// header): 160 cm, 64 kg → BSA sqrt(160 × 64 / 3600) = 1.6865 → 1.69 m²;
/// cycle 1 75 × 1.69 = 126.75 → 126 mg (held under the 75 mg/m² ceiling);
/// cycle 2 reduced by 20%: 60 × 1.69 = 101.4 → 101 mg; cycle 3 the recorded
/// actual dose, 100 mg; line 2 not stated.
const SYNTHETIC: &str = "docs/examples/synthetic-doxorubicin.toml";

fn bundle_of(file: &str) -> (String, Value) {
    let out = Run::new(&["history", "show", file, "--format", "fhir"]).success();
    validate(&out);
    let v = serde_json::from_str(&out).expect("JSON");
    (out, v)
}

fn resources<'a>(b: &'a Value, kind: &str) -> Vec<&'a Value> {
    b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn url_of<'a>(b: &'a Value, r: &Value) -> &'a str {
    b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| &e["resource"] == r)
        .unwrap()["fullUrl"]
        .as_str()
        .unwrap()
}

fn notes(r: &Value) -> Vec<&str> {
    r["note"]
        .as_array()
        .map(|n| n.iter().map(|x| x["text"].as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[test]
fn each_recorded_cycle_is_a_medication_statement_with_the_dose_worked_by_hand() {
    let (out, b) = bundle_of(SYNTHETIC);
    let statements = resources(&b, "MedicationStatement");
    let doses: Vec<(&str, &Value, Option<&str>)> = statements
        .iter()
        .map(|s| {
            let dr = &s["dosage"][0]["doseAndRate"][0];
            assert_eq!(s["dosage"].as_array().unwrap().len(), 1);
            assert_eq!(dr["doseQuantity"]["system"], "http://unitsofmeasure.org");
            assert_eq!(dr["doseQuantity"]["code"], "mg");
            (
                s["effectiveDateTime"].as_str().unwrap(),
                &dr["doseQuantity"]["value"],
                dr["type"]["coding"][0]["code"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        doses,
        vec![
            ("2018-04-02", &json!(126), Some("calculated")),
            ("2018-04-23", &json!(101), Some("calculated")),
            // A recorded dose is neither ordered nor calculated.
            ("2018-05-14", &json!(100), None),
        ]
    );
    for s in &statements {
        assert_eq!(s["status"], "completed");
        assert_eq!(
            s["medicationCodeableConcept"],
            json!({"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3639", "display": "doxorubicin"}], "text": "DOXOrubicin"})
        );
        assert_eq!(s["dosage"][0]["route"]["coding"][0]["code"], "47625008");
    }
    // Where each dose comes from, and the reduction, in the notes.
    assert!(
        notes(statements[0])[0].contains("recomputed")
            && notes(statements[0])[0].contains("BSA 1.69 m²")
    );
    assert!(notes(statements[1]).contains(&"reduction recorded for the cycle: reduced by 20%"));
    assert!(notes(statements[2])[0].contains("recorded actual dose"));
    assert!(
        !notes(statements[2])
            .iter()
            .any(|n| n.contains("recomputed"))
    );
    // The same history gives the same bytes.
    assert_eq!(
        out,
        Run::new(&["history", "show", SYNTHETIC, "--format", "fhir"]).success()
    );
}

#[test]
fn each_line_is_a_care_plan_linked_both_ways_to_its_statements() {
    let (_, b) = bundle_of(SYNTHETIC);
    let patient = resources(&b, "Patient")[0];
    let patient_url = url_of(&b, patient);
    // Pseudonymous: the id and the birth year the file gives, no name.
    assert_eq!(patient["identifier"], json!([{"value": "SYNTHETIC-DOX3"}]));
    assert_eq!(patient["gender"], "female");
    assert_eq!(patient["birthDate"], "1961");
    assert!(patient.get("name").is_none());
    let plans = resources(&b, "CarePlan");
    assert_eq!(plans.len(), 2);
    let line1 = plans[0];
    // Stopped for toxicity: terminated before its course was complete.
    assert_eq!(line1["status"], "revoked");
    assert_eq!(line1["intent"], "plan");
    assert_eq!(line1["subject"]["reference"], patient_url);
    assert_eq!(
        line1["period"],
        json!({"start": "2018-04-02", "end": "2018-05-14"})
    );
    assert!(line1["title"].as_str().unwrap().ends_with("(doxorubicin)"));
    assert!(notes(line1).contains(&"stopped: toxicity (LVEF fell)"));
    let statements = resources(&b, "MedicationStatement");
    let activity = line1["activity"].as_array().unwrap();
    assert_eq!(activity.len(), 3);
    for (a, s) in activity.iter().zip(&statements) {
        assert_eq!(a["detail"]["status"], "completed");
        assert_eq!(a["outcomeReference"][0]["reference"], url_of(&b, s));
        assert_eq!(s["basedOn"][0]["reference"], url_of(&b, line1));
        assert_eq!(s["subject"]["reference"], patient_url);
    }
    // Line 2: regimen and cycles not stated: the line, no dose.
    let line2 = plans[1];
    assert_eq!(line2["status"], "unknown");
    assert!(line2.get("activity").is_none());
    assert!(line2["title"].as_str().unwrap().contains("not stated"));
    assert!(
        notes(line2)
            .iter()
            .any(|n| n.contains("no dose exported") && n.contains("number of cycles unknown")),
        "{:?}",
        notes(line2)
    );
    assert_eq!(statements.len(), 3);
}

#[test]
fn the_case_reports_export_their_lines_and_invent_no_dose_or_date() {
    // Case 1: two lines, cycles stated (3, 2) but not recorded; placeholder dates.
    let (_, b) = bundle_of("docs/examples/lms-case-1.toml");
    assert!(resources(&b, "MedicationStatement").is_empty());
    let plans = resources(&b, "CarePlan");
    let status: Vec<&Value> = plans.iter().map(|p| &p["status"]).collect();
    // Progression, then the patient's decision: both stopped early.
    assert_eq!(status, [&json!("revoked"), &json!("revoked")]);
    for p in &plans {
        // Placeholder dates are words only, never a FHIR date.
        assert!(p.get("period").is_none());
        assert!(
            notes(p)
                .iter()
                .any(|n| n.starts_with("DATES ARE PLACEHOLDERS"))
        );
        assert!(
            notes(p)
                .iter()
                .any(|n| n.contains("not recorded one by one"))
        );
    }
    assert!(
        plans[0]["description"]
            .as_str()
            .unwrap()
            .contains("3 cycle(s) stated")
    );
    // Case 2: the regimen and the number of cycles not stated.
    let (_, b) = bundle_of("docs/examples/uterine-lms-case-2.toml");
    assert!(resources(&b, "MedicationStatement").is_empty());
    let plans = resources(&b, "CarePlan");
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0]["status"], "unknown");
    assert!(
        plans[0]["title"]
            .as_str()
            .unwrap()
            .contains("Adriamycin-based chemotherapy")
    );
    let out = Run::new(&[
        "history",
        "show",
        "docs/examples/uterine-lms-case-2.toml",
        "--format",
        "fhir",
    ]);
    // The warnings go to standard error; the Bundle holds FHIR only.
    assert!(
        out.stderr().contains("cumulative-incomplete"),
        "{}",
        out.stderr()
    );
}

#[test]
fn a_history_that_identifies_its_patient_gives_the_name_and_mrn() {
    let text =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SYNTHETIC))
            .unwrap()
            .replace(
                "id = \"SYNTHETIC-DOX3\"",
                "id = \"SYNTHETIC-DOX3\"\nname = \"Example, Jane\"\nmrn = \"EX-0042\"",
            );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.toml");
    std::fs::write(&path, text).unwrap();
    let (_, b) = bundle_of(path.to_str().unwrap());
    let patient = resources(&b, "Patient")[0];
    assert_eq!(patient["name"], json!([{"text": "Example, Jane"}]));
    assert_eq!(
        patient["identifier"][1],
        json!({"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR", "display": "Medical record number"}], "text": "Medical record number"}, "value": "EX-0042"})
    );
}

/// `docs/fhir.md` shows this export; the file is the command's output.
#[test]
fn the_history_example_in_the_docs_is_current() {
    let (out, _) = bundle_of(SYNTHETIC);
    let file = "docs/examples/fhir/history-synthetic-doxorubicin.json";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        out,
        "{file}: regenerate it with the command in docs/fhir.md"
    );
}
