//! FHIR R4 in (`--fhir`) and out (`--format fhir`), end to end through the
//! real binary (issue 20, `docs/fhir.md`).
//!
//! Every exported Bundle is validated by an independent validator: the
//! Python `fhir.resources` models (R4B), installed by `.ci/run`. Under
//! `CI=true` a missing validator fails the test; elsewhere the validation
//! is skipped with a note on standard error.

mod common;

use std::path::{Path, PathBuf};

use common::Run;
use common::fhir::validate;
use serde_json::{Value, json};

/// The seed case report (Korean J Gastroenterol 2019;74:57-62, the history
/// `docs/examples/lms-case-1.toml`): a 64-year-old woman. The report gives
/// no measurements ("vital signs and laboratory findings were within the
/// normal limits"), so the bundle holds the typical adult of the regimen's
/// golden checks (`regimens/dacarbazine-doxorubicin-case-report.checks.toml`):
/// 170 cm, 70 kg, creatinine 0.9 mg/dL, bilirubin 0.6 mg/dL, ANC 3.0 and
/// platelets 250 ×10⁹/L, LVEF 60%; and an older weight (72 kg) that must
/// not be used.
const SEED: &str = "tests/data/fhir/lms-case-1.json";
const SEED_NDJSON: &str = "tests/data/fhir/lms-case-1.ndjson";

/// The seed regimen, its days stated as a prescriber would (the case
/// report states none), on 2026-12-01.
const DOSE: &[&str] = &[
    "dose",
    "dacarbazine-doxorubicin-case-report",
    "--on",
    "2026-12-01",
    "--days",
    "dacarbazine=1",
    "--days",
    "doxorubicin=1",
];

/// The same measurements as the seed bundle, typed.
const FLAGS: &[&str] = &[
    "--height",
    "170cm",
    "--weight",
    "70kg",
    "--measured-on",
    "2026-11-28",
    "--sex",
    "female",
    // Born 1962-06-15: 64 on 2026-12-01.
    "--age",
    "64",
    "--scr",
    "0.9mg/dL",
    "--scr-date",
    "2026-11-30",
    "--bilirubin",
    "0.6mg/dL",
    "--bilirubin-uln",
    "1.2mg/dL",
    "--anc",
    "3.0x10^9/L",
    "--platelets",
    "250x10^9/L",
    "--lvef",
    "60%",
    "--labs-date",
    "2026-11-30",
];

fn args<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

fn json_of(out: &str) -> Value {
    serde_json::from_str(out).expect("JSON output")
}

/// Each administration's drug and final dose.
fn doses(plan: &Value) -> Vec<(String, f64)> {
    plan["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["drug"].as_str().unwrap().to_owned(),
                a["final_dose"].as_f64().unwrap_or(0.0),
            )
        })
        .collect()
}

#[test]
fn the_seed_bundle_gives_the_same_doses_as_the_flags() {
    let typed = json_of(&Run::new(&args(DOSE, &[FLAGS, &["--format", "json"]].concat())).success());
    for bundle in [SEED, SEED_NDJSON] {
        let run = Run::new(&args(DOSE, &["--fhir", bundle, "--format", "json"]));
        let from_fhir = json_of(&run.success());
        // The whole plan is the same: patient, dates, BSA, doses, verdicts.
        assert_eq!(from_fhir, typed, "{bundle}");
        // Mosteller: sqrt(170 × 70 / 3600) = sqrt(3.305556) = 1.818119 → 1.82 m²;
        // dacarbazine 200 × 1.82 = 364 mg; doxorubicin 15 × 1.82 = 27.3 → 27 mg.
        let d = doses(&from_fhir);
        assert!(d.contains(&("dacarbazine".to_owned(), 364.0)), "{d:?}");
        assert!(d.contains(&("doxorubicin".to_owned(), 27.0)), "{d:?}");
        assert_eq!(from_fhir["patient"]["measured_on"], "2026-11-28");
        // Each resource used is named with its date; the older weight is not.
        let err = run.stderr();
        assert!(
            err.contains("weight Observation/weight-1 (2026-11-28)"),
            "{err}"
        );
        assert!(!err.contains("weight-0"), "{err}");
        assert!(
            err.contains("total bilirubin Observation/bili-1 (2026-11-30)"),
            "{err}"
        );
        assert!(
            err.contains("age 64 on 2026-12-01 from Patient/lms-case-1.birthDate"),
            "{err}"
        );
        assert!(err.contains("1 resource not read"), "{err}");
    }
}

#[test]
fn a_value_on_the_command_line_wins_and_is_named() {
    let run = Run::new(&args(
        DOSE,
        &[
            "--fhir",
            SEED,
            "--weight",
            "80kg",
            "--anc",
            "2.0x10^9/L",
            "--format",
            "json",
        ],
    ));
    let plan = json_of(&run.success());
    // sqrt(170 × 80 / 3600) = sqrt(3.777778) = 1.943651 → 1.94 m²;
    // dacarbazine 200 × 1.94 = 388 mg.
    assert!(doses(&plan).contains(&("dacarbazine".to_owned(), 388.0)));
    // Height and weight no longer share one date.
    assert_eq!(plan["patient"]["measured_on"], Value::Null);
    let err = run.stderr();
    assert!(
        err.contains("given on the command line, so used instead of tests/data/fhir/lms-case-1.json: --weight (not Observation/weight-1 (2026-11-28))"),
        "{err}"
    );
    assert!(
        err.contains("--anc (not Observation/anc-1 (2026-11-30))"),
        "{err}"
    );
}

/// The seed bundle as JSON, to change for a bad case.
fn seed() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED)).unwrap(),
    )
    .unwrap()
}

/// The entry whose resource has `id`.
fn resource<'a>(b: &'a mut Value, id: &str) -> &'a mut Value {
    b["entry"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .map(|e| &mut e["resource"])
        .find(|r| r["id"] == id)
        .unwrap()
}

/// Writes `text` to a file in a fresh folder and runs the seed dose on it;
/// returns the error message (exit 2).
fn refused(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    Run::new(&args(DOSE, &["--fhir", p])).fails(2)
}

fn refused_bundle(b: &Value) -> String {
    refused("bundle.json", &serde_json::to_string(b).unwrap())
}

#[test]
fn unknown_codes_and_units_are_refused_naming_the_resource_and_element() {
    let mut b = seed();
    resource(&mut b, "anc-1")["code"]["coding"][0]["code"] = json!("26499-4");
    let e = refused_bundle(&b);
    assert!(e.contains("Observation/anc-1: code.coding: http://loinc.org|26499-4 is not an observation chemodose reads"), "{e}");

    let mut b = seed();
    resource(&mut b, "weight-1")["valueQuantity"]["code"] = json!("[stone_av]");
    let e = refused_bundle(&b);
    assert!(e.contains("Observation/weight-1: valueQuantity.code: `[stone_av]` is not a unit body weight is read in; accepted UCUM codes: kg, g, [lb_av]"), "{e}");

    // A unit without its UCUM code is not guessed from its display text.
    let mut b = seed();
    let q = &mut resource(&mut b, "height-1")["valueQuantity"];
    q.as_object_mut().unwrap().remove("system");
    q.as_object_mut().unwrap().remove("code");
    let e = refused_bundle(&b);
    assert!(
        e.contains("Observation/height-1: valueQuantity.system: the unit must be a UCUM code"),
        "{e}"
    );
    assert!(e.contains("only the display unit `cm`, no code"), "{e}");

    // A mass-concentration code with a molar unit is not converted.
    let mut b = seed();
    resource(&mut b, "scr-1")["valueQuantity"]["code"] = json!("umol/L");
    let e = refused_bundle(&b);
    assert!(e.contains("Observation/scr-1: valueQuantity.code: `umol/L` is not a unit serum creatinine is read in"), "{e}");
}

/// A change to one resource of the seed bundle.
type Change = Box<dyn Fn(&mut Value)>;

#[test]
fn values_that_are_not_measurements_are_refused() {
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "lvef-1",
            Box::new(|r| r["valueQuantity"]["value"] = json!("NaN")),
            "Observation/lvef-1: valueQuantity.value: is a string, not a number",
        ),
        (
            "lvef-1",
            Box::new(|r| {
                r.as_object_mut().unwrap().remove("valueQuantity");
                r["valueString"] = json!("60%");
            }),
            "Observation/lvef-1: value[x]: the value is valueString, not a valueQuantity",
        ),
        (
            "anc-1",
            Box::new(|r| r["valueQuantity"]["comparator"] = json!("<")),
            "Observation/anc-1: valueQuantity.comparator: the value is a bound",
        ),
        (
            "weight-1",
            Box::new(|r| r["valueQuantity"]["value"] = json!(7000)),
            "Observation/weight-1: valueQuantity.value: ",
        ),
        (
            "plt-1",
            Box::new(|r| r["valueQuantity"]["value"] = json!(-1)),
            "Observation/plt-1: valueQuantity.value: ",
        ),
        (
            "bili-1",
            Box::new(|r| r["status"] = json!("preliminary")),
            "Observation/bili-1: status: status `preliminary`: only final, amended or corrected results are used",
        ),
        (
            "bili-1",
            Box::new(|r| {
                r.as_object_mut().unwrap().remove("referenceRange");
            }),
            "Observation/bili-1: referenceRange.high: missing",
        ),
        (
            "scr-1",
            Box::new(|r| r["effectiveDateTime"] = json!("2026-11")),
            "Observation/scr-1: effectiveDateTime: `\"2026-11\"` is not a full date",
        ),
        (
            "scr-1",
            Box::new(|r| r["effectiveDateTime"] = json!("2026-12-05")),
            "Observation/scr-1: effectiveDateTime 2026-12-05 is after the treatment date, --on 2026-12-01",
        ),
        (
            "anc-1",
            Box::new(|r| r["subject"]["reference"] = json!("Patient/someone-else")),
            "Observation/anc-1: subject.reference: `Patient/someone-else` is not the bundle's patient",
        ),
        (
            "weight-0",
            Box::new(|r| r["effectiveDateTime"] = json!("2026-11-28")),
            "a second body weight result on 2026-11-28",
        ),
    ];
    for (id, change, expected) in cases {
        let mut b = seed();
        change(resource(&mut b, id));
        let e = refused_bundle(&b);
        assert!(e.contains(expected), "{id}: {e}");
    }
    // A weight entered in error is left out, not refused.
    let mut b = seed();
    resource(&mut b, "weight-1")["status"] = json!("entered-in-error");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.json");
    std::fs::write(&p, serde_json::to_string(&b).unwrap()).unwrap();
    let run = Run::new(&args(
        DOSE,
        &["--fhir", p.to_str().unwrap(), "--format", "json"],
    ));
    let plan = json_of(&run.success());
    // The older weight, 72 kg: sqrt(170 × 72 / 3600) = sqrt(3.4) = 1.843909 → 1.84 m²;
    // dacarbazine 200 × 1.84 = 368 mg.
    assert!(doses(&plan).contains(&("dacarbazine".to_owned(), 368.0)));
    assert!(
        run.stderr().contains("Observation/weight-1"),
        "{}",
        run.stderr()
    );
}

#[test]
fn hostile_files_are_refused() {
    // Not a Bundle.
    let e = refused(
        "p.json",
        r#"{"resourceType": "Patient", "gender": "female"}"#,
    );
    assert!(
        e.contains("the top level is a Patient, not a FHIR Bundle"),
        "{e}"
    );
    let e = refused("a.json", "[1, 2]");
    assert!(
        e.contains("the top level is an array, not a FHIR Bundle"),
        "{e}"
    );
    // A number too large for a double, and nesting deeper than serde_json's
    // limit (128): refused as JSON, with where.
    let e = refused(
        "big.json",
        r#"{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Observation", "valueQuantity": {"value": 1e400}}}]}"#,
    );
    assert!(e.contains("not valid JSON at line 1"), "{e}");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = refused("deep.json", &deep);
    assert!(
        e.contains("not valid JSON") && e.contains("recursion limit"),
        "{e}"
    );
    // Two patients in one bundle.
    let mut b = seed();
    b["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"resource": {"resourceType": "Patient", "id": "other"}}));
    let e = refused_bundle(&b);
    assert!(e.contains("Patient/other: resourceType: a second Patient; the bundle already has Patient/lms-case-1"), "{e}");
    // Over the size limit, before parsing.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.json");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(4 * 1024 * 1024 + 1).unwrap();
    let e = Run::new(&args(DOSE, &["--fhir", p.to_str().unwrap()])).fails(2);
    assert!(e.contains("FHIR bundle") && e.contains("4 MiB"), "{e}");
    // A directory.
    let e = Run::new(&args(DOSE, &["--fhir", dir.path().to_str().unwrap()])).fails(2);
    assert!(e.contains("a directory"), "{e}");
}

const SCHEDULE: &[&str] = &[
    "schedule",
    "gemcitabine-docetaxel",
    "--start",
    "2026-12-01",
    "--height",
    "170cm",
    "--weight",
    "70kg",
    "--labs",
    "docs/examples/gemdoc-labs.toml",
    "--on",
    "2026-12-01",
    "--cycles",
    "2",
    "--level-from",
    "2=-1",
    "--patient-id",
    "LMS-CASE-1",
];

/// Each administration as (drug as shown, date, final dose in mg; `None`
/// for a dose by local protocol) from the JSON schedule.
fn administrations_json(s: &Value) -> Vec<(String, String, Option<f64>)> {
    let mut out = Vec::new();
    for c in s["cycles"].as_array().unwrap() {
        for a in c["administrations"].as_array().unwrap() {
            let mg = match (a["instruction"].is_null(), a["unit"].as_str()) {
                (false, _) => None,
                (true, Some("mcg")) => a["final_dose"].as_f64().map(|d| d / 1000.0),
                (true, _) => a["final_dose"].as_f64(),
            };
            out.push((
                a["display_name"].as_str().unwrap().to_owned(),
                a["date"].as_str().unwrap().to_owned(),
                mg,
            ));
        }
    }
    out
}

/// The same from the FHIR Bundle: each MedicationRequest's text, date and
/// `calculated` dose (UCUM mg), in the order the RequestGroup lists them.
fn administrations_fhir(b: &Value) -> Vec<(String, String, Option<f64>)> {
    let by_url: std::collections::HashMap<&str, &Value> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["fullUrl"].as_str().unwrap(), &e["resource"]))
        .collect();
    let group = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "RequestGroup")
        .unwrap();
    let mut out = Vec::new();
    for cycle in group["action"].as_array().unwrap() {
        for action in cycle["action"].as_array().unwrap() {
            let r = by_url[action["resource"]["reference"].as_str().unwrap()];
            assert_eq!(r["resourceType"], "MedicationRequest");
            let d = &r["dosageInstruction"][0];
            let calculated = d["doseAndRate"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["type"]["coding"][0]["code"] == "calculated")
                .map(|x| {
                    assert_eq!(x["doseQuantity"]["system"], "http://unitsofmeasure.org");
                    assert_eq!(x["doseQuantity"]["code"], "mg");
                    x["doseQuantity"]["value"].as_f64().unwrap()
                });
            out.push((
                r["medicationCodeableConcept"]["text"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                d["timing"]["event"][0].as_str().unwrap().to_owned(),
                calculated,
            ));
        }
    }
    out
}

#[test]
fn a_schedule_exported_as_fhir_is_valid_and_reads_back_the_same() {
    let bundle = Run::new(&args(SCHEDULE, &["--format", "fhir"])).success();
    validate(&bundle);
    let b = json_of(&bundle);
    let s = json_of(&Run::new(&args(SCHEDULE, &["--format", "json"])).success());
    let from_fhir = administrations_fhir(&b);
    assert_eq!(from_fhir, administrations_json(&s));
    // Gemcitabine 900 mg/m² × 1.82 m² = 1,638 mg on days 1 and 8; docetaxel
    // 100 mg/m² × 1.82 = 182 mg (cycle 1), level -1 75 mg/m² × 1.82 =
    // 136.5 → 137 mg (cycle 2, from 2026-12-22).
    assert!(from_fhir.contains(&(
        "gemcitabine".to_owned(),
        "2026-12-01".to_owned(),
        Some(1638.0)
    )));
    assert!(from_fhir.contains(&("DOCEtaxel".to_owned(), "2026-12-08".to_owned(), Some(182.0))));
    assert!(from_fhir.contains(&("DOCEtaxel".to_owned(), "2026-12-29".to_owned(), Some(137.0))));
    // The same schedule gives the same bytes.
    assert_eq!(
        bundle,
        Run::new(&args(SCHEDULE, &["--format", "fhir"])).success()
    );
}

#[test]
fn an_exported_request_carries_the_dose_basis_and_prescribed_dose_as_mcode_does() {
    let b = json_of(&Run::new(&args(SCHEDULE, &["--format", "fhir"])).success());
    let requests: Vec<&Value> = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == "MedicationRequest")
        .collect();
    let docetaxel_c2 = requests
        .iter()
        .find(|r| {
            r["medicationCodeableConcept"]["text"] == "DOCEtaxel"
                && r["dosageInstruction"][0]["timing"]["event"][0] == "2026-12-29"
        })
        .unwrap();
    assert_eq!(docetaxel_c2["status"], "draft");
    assert_eq!(docetaxel_c2["intent"], "proposal");
    // mCODE normalization basis: body surface area (SNOMED CT 301898006).
    assert_eq!(
        docetaxel_c2["extension"][0]["url"],
        "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-normalization-basis"
    );
    assert_eq!(
        docetaxel_c2["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
        "301898006"
    );
    let d = &docetaxel_c2["dosageInstruction"][0];
    assert_eq!(d["route"]["coding"][0]["code"], "47625008");
    assert_eq!(d["route"]["text"], "IV");
    // The prescribed dose as ordered: level -1, 75 mg/m²; the dose given, 137 mg.
    assert_eq!(
        d["doseAndRate"][0]["doseQuantity"],
        json!({"value": 75, "unit": "mg/m2", "system": "http://unitsofmeasure.org", "code": "mg/m2"})
    );
    assert_eq!(d["doseAndRate"][1]["doseQuantity"]["value"], 137);
    // The adjustments as notes: the level, then rounding 136.5 → 137 mg.
    let notes: Vec<&str> = docetaxel_c2["note"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("dose level -1")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("136.5 → 137 mg")),
        "{notes:?}"
    );
    // Supportive care is included (dexamethasone premedication, filgrastim).
    assert!(
        requests
            .iter()
            .any(|r| r["medicationCodeableConcept"]["text"] == "dexamethasone")
    );
    assert!(
        requests
            .iter()
            .any(|r| r["medicationCodeableConcept"]["text"] == "filgrastim")
    );
    // The patient is pseudonymous: the id given, no name.
    let patient = &b["entry"][0]["resource"];
    assert_eq!(patient["resourceType"], "Patient");
    assert_eq!(patient["identifier"][0]["value"], "LMS-CASE-1");
    assert!(patient.get("name").is_none());
}

#[test]
fn doxorubicin_is_coded_with_its_rxnorm_ingredient() {
    let b = json_of(
        &Run::new(&[
            "schedule",
            "doxorubicin",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--bilirubin",
            "0.6mg/dL",
            "--on",
            "2026-12-01",
            "--cycles",
            "1",
            "--format",
            "fhir",
        ])
        .success(),
    );
    validate(&serde_json::to_string(&b).unwrap());
    let r = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["medicationCodeableConcept"]["text"] == "DOXOrubicin")
        .unwrap();
    assert_eq!(
        r["medicationCodeableConcept"]["coding"][0],
        json!({"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3639", "display": "doxorubicin"})
    );
}

/// The RxNorm ingredient codes added after doxorubicin, each written here
/// by hand from the source cited for it in `src/fhir/codes.rs` and
/// `docs/fhir.md` (not from the program's output), as they appear in the
/// ActivityDefinitions of `regimens show --format fhir`; the drugs still
/// uncoded keep their name as text only.
#[test]
fn sourced_rxnorm_ingredient_codes_are_written_for_the_regimens_drugs() {
    const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
    /// RXCUI and display.
    type Coded = (&'static str, &'static str);
    // (regimen, drug as printed, RXCUI and display, or None when uncoded)
    let expected: &[(&str, &str, Option<Coded>)] = &[
        (
            "cisplatin-ifosfamide",
            "CISplatin",
            Some(("2555", "cisplatin")),
        ),
        (
            "cisplatin-ifosfamide",
            "ifosfamide",
            Some(("5657", "ifosfamide")),
        ),
        ("cisplatin-ifosfamide", "mesna", Some(("44", "mesna"))),
        (
            "gemcitabine-docetaxel",
            "gemcitabine",
            Some(("12574", "gemcitabine")),
        ),
        (
            "gemcitabine-docetaxel",
            "dexamethasone",
            Some(("3264", "dexamethasone")),
        ),
        (
            "gemcitabine-docetaxel",
            "filgrastim",
            Some(("68442", "filgrastim")),
        ),
        ("gemcitabine-docetaxel", "DOCEtaxel", None),
        (
            "carboplatin-paclitaxel",
            "CARBOplatin",
            Some(("40048", "carboplatin")),
        ),
        (
            "doxorubicin-ifosfamide-mesna",
            "pegfilgrastim",
            Some(("338036", "pegfilgrastim")),
        ),
        (
            "doxorubicin-ifosfamide-mesna",
            "DOXOrubicin",
            Some(("3639", "doxorubicin")),
        ),
        ("doxorubicin-ifosfamide-mesna", "dexrazoxane", None),
        ("pazopanib", "pazopanib", Some(("714438", "pazopanib"))),
    ];
    let mut shown: Vec<(&str, Value)> = Vec::new();
    for (regimen, drug, code) in expected {
        if !shown.iter().any(|(r, _)| r == regimen) {
            let out = Run::new(&["regimens", "show", regimen, "--format", "fhir"]).success();
            validate(&out);
            shown.push((regimen, json_of(&out)));
        }
        let b = &shown.iter().find(|(r, _)| r == regimen).unwrap().1;
        let product = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"]["productCodeableConcept"])
            .find(|p| p["text"] == *drug)
            .unwrap_or_else(|| panic!("{regimen}: no ActivityDefinition for {drug}"));
        let want = match code {
            Some((rxcui, display)) => json!({
                "coding": [{"system": RXNORM, "code": rxcui, "display": display}],
                "text": drug
            }),
            None => json!({"text": drug}),
        };
        assert_eq!(product, &want, "{regimen}: {drug}");
    }
}

#[test]
fn every_bundled_regimen_is_a_valid_plan_definition() {
    let list = json_of(&Run::new(&["regimens", "list", "--format", "json"]).success());
    let ids: Vec<String> = list
        .as_array()
        .or_else(|| list["regimens"].as_array())
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 10, "{ids:?}");
    for id in &ids {
        let out = Run::new(&["regimens", "show", id, "--format", "fhir"]).success();
        validate(&out);
    }
    let b = json_of(
        &Run::new(&[
            "regimens",
            "show",
            "gemcitabine-docetaxel",
            "--format",
            "fhir",
        ])
        .success(),
    );
    let plan = &b["entry"][0]["resource"];
    assert_eq!(plan["resourceType"], "PlanDefinition");
    assert_eq!(plan["type"]["coding"][0]["code"], "order-set");
    assert_eq!(plan["url"], "urn:chemodose:regimen:gemcitabine-docetaxel");
    // Every drug is an action pointing at its ActivityDefinition, timed by
    // the 21-day cycle.
    let actions = plan["action"].as_array().unwrap();
    let gem = actions
        .iter()
        .find(|a| a["title"] == "gemcitabine")
        .unwrap();
    assert_eq!(gem["timingTiming"]["repeat"]["period"], 21);
    assert_eq!(gem["timingTiming"]["repeat"]["periodUnit"], "d");
    let url = gem["definitionCanonical"].as_str().unwrap();
    let activity = b["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["url"] == url)
        .unwrap();
    assert_eq!(activity["kind"], "MedicationRequest");
    assert_eq!(
        activity["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"],
        900
    );
    assert_eq!(
        activity["dosage"][0]["doseAndRate"][0]["doseQuantity"]["code"],
        "mg/m2"
    );
    assert_eq!(
        activity["dosage"][0]["text"],
        "gemcitabine: 900 mg/m² IV; days: 1, 8; every 21 days"
    );
    // The sources are citations.
    assert!(
        plan["relatedArtifact"][0]["citation"]
            .as_str()
            .unwrap()
            .starts_with("Hensley ML")
    );
}

/// `docs/fhir.md` shows these exports; the files are the commands' output.
#[test]
fn the_examples_in_the_docs_are_current() {
    let schedule = Run::new(&[
        "schedule",
        "doxorubicin",
        "--start",
        "2026-12-01",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--bilirubin",
        "0.6mg/dL",
        "--bilirubin-uln",
        "1.2mg/dL",
        "--on",
        "2026-12-01",
        "--cycles",
        "1",
        "--patient-id",
        "LMS-CASE-1",
        "--format",
        "fhir",
    ])
    .success();
    let regimen = Run::new(&["regimens", "show", "doxorubicin", "--format", "fhir"]).success();
    for (file, out) in [
        ("docs/examples/fhir/schedule-doxorubicin.json", &schedule),
        ("docs/examples/fhir/regimen-doxorubicin.json", &regimen),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        assert_eq!(
            &std::fs::read_to_string(path).unwrap(),
            out,
            "{file}: regenerate it with the command in docs/fhir.md"
        );
        validate(out);
    }
}
