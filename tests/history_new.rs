//! `chemodose history new`: a new history file that the loader reads, never
//! over an existing one; and the hints a missing or empty history gives.

mod common;

use common::Run;

fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chemodose-hnew-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_new_history_loads_and_shows_its_patient() {
    let dir = scratch("create");
    let file = dir.join("h.toml");
    let f = file.to_str().unwrap();
    Run::new(&[
        "history",
        "new",
        f,
        "--patient-id",
        "P-0042",
        "--sex",
        "female",
        "--dob",
        "1958-07-01",
        "--height",
        "5ft7in",
        "--weight",
        "154lb",
        "--date",
        "2026-12-01",
    ])
    .success();
    let json = Run::new(&["history", "show", f, "--format", "json"]).success();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["patient_id"], "P-0042", "{json}");
    // Loaded by the same loader as every history: the measurement is read
    // back by the quantity parser (5 ft 7 in = 67 in × 2.54 = 170.18 cm).
    let h = chemodose::history::parse_history(
        f,
        &std::fs::read_to_string(&file).unwrap(),
        &chemodose::regimen::Library::bundled().unwrap(),
    )
    .unwrap();
    assert_eq!(h.birth_year, Some(1958));
    assert_eq!(h.sex, Some(chemodose::patient::Sex::Female));
    let m = h.latest_patient().unwrap();
    let cm = m.height.get::<uom::si::length::centimeter>();
    assert!((cm - 170.18).abs() < 1e-9, "{cm}");
    // 154 lb × 0.45359237 = 69.853 kg.
    let kg = m.weight.get::<uom::si::mass::kilogram>();
    assert!((kg - 69.853_224_98).abs() < 1e-6, "{kg}");
}

#[test]
fn an_existing_file_is_never_replaced() {
    let dir = scratch("exists");
    let file = dir.join("h.toml");
    std::fs::write(&file, "keep me\n").unwrap();
    let err = Run::new(&[
        "history",
        "new",
        file.to_str().unwrap(),
        "--patient-id",
        "P-1",
    ])
    .fails(2);
    assert!(
        err.contains("exists already and was left as it is"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me\n");
}

#[test]
fn values_are_read_by_the_parsers_every_command_uses() {
    let dir = scratch("values");
    let f = dir.join("h.toml");
    let f = f.to_str().unwrap();
    let err = Run::new(&[
        "history",
        "new",
        f,
        "--patient-id",
        "P-1",
        "--height",
        "170",
    ])
    .fails(2);
    assert!(err.contains("--height"), "{err}");
    let err = Run::new(&[
        "history",
        "new",
        f,
        "--patient-id",
        "P-1",
        "--dob",
        "1850-01-01",
    ])
    .fails(2);
    assert!(err.contains("outside 1900-01-01 to 2199-12-31"), "{err}");
    let err = Run::new(&["history", "new", f, "--patient-id", "P\u{202e}1"]).fails(2);
    assert!(err.contains("bidirectional"), "{err}");
    let err = Run::new(&[
        "history",
        "new",
        f,
        "--patient-id",
        "P-1",
        "--date",
        "2026-12-01",
    ])
    .fails(2);
    assert!(err.contains("give --height and/or --weight"), "{err}");
    assert!(!std::path::Path::new(f).exists());
}

#[test]
fn a_missing_or_empty_history_says_how_to_start_one() {
    let dir = scratch("hints");
    let missing = dir.join("none.toml");
    let err = Run::new(&["history", "show", missing.to_str().unwrap()]).fails(2);
    assert!(
        err.contains(&format!(
            "run `chemodose history new {} --patient-id ID`",
            missing.display()
        )),
        "{err}"
    );
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let err = common::flat(&Run::new(&["history", "show", empty.to_str().unwrap()]).fails(2));
    assert!(
        err.contains("chemodose history new FILE --patient-id ID"),
        "{err}"
    );
    let comments = dir.join("comments.toml");
    std::fs::write(&comments, "# a history\n").unwrap();
    let err = common::flat(&Run::new(&["history", "show", comments.to_str().unwrap()]).fails(2));
    assert!(err.contains("missing field `patient`"), "{err}");
    assert!(
        err.contains("chemodose history new FILE --patient-id ID"),
        "{err}"
    );
}

/// Issue 18: `history new --patient-name --mrn`: a history that identifies
/// its patient. The name and MRN are written into the file, head every
/// report of it, and are printed on the schedule made with it; a name or
/// MRN typed for the schedule that is not the history's is refused.
#[test]
fn a_history_may_name_its_patient_and_give_the_mrn() {
    let dir = scratch("identity");
    let file = dir.join("h.toml");
    let f = file.to_str().unwrap();
    Run::new(&[
        "history",
        "new",
        f,
        "--patient-id",
        "P-0042",
        "--patient-name",
        "Jane Example",
        "--mrn",
        "EX-0042",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--date",
        "2026-11-30",
    ])
    .success();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("name = \"Jane Example\"\nmrn = \"EX-0042\""),
        "{text}"
    );
    let show = Run::new(&["history", "show", f]).success();
    assert!(
        show.starts_with("Treatment history of Jane Example, MRN EX-0042, id P-0042\n"),
        "{show}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&Run::new(&["history", "show", f, "--format", "json"]).success())
            .unwrap();
    assert_eq!(
        (json["name"].as_str(), json["mrn"].as_str()),
        (Some("Jane Example"), Some("EX-0042"))
    );
    // The schedule's print-ready page names the history's patient.
    let schedule = |more: &[&str]| {
        let mut args = vec![
            "schedule",
            "doxorubicin",
            "--start",
            "2026-12-01",
            "--history",
            f,
            "--bilirubin",
            "0.5mg/dL",
            "--bilirubin-uln",
            "1.2mg/dL",
            "--format",
            "html",
        ];
        args.extend(more);
        Run::new(&args)
    };
    let html = schedule(&[]).success();
    assert!(html.contains("Jane Example"), "{html}");
    assert!(html.contains("EX-0042"), "{html}");
    // The same MRN in other spacing and case is the same patient.
    schedule(&["--mrn", "ex-0042"]).success();
    let err = schedule(&["--mrn", "EX-0043"]).fails(2);
    assert!(
        err.contains(
            "--mrn `EX-0043` is not the history's (`EX-0042`): the history may be another patient's"
        ),
        "{err}"
    );
    let err = schedule(&["--patient-name", "John Example"]).fails(2);
    assert!(
        err.contains("--patient-name `John Example` is not the history's"),
        "{err}"
    );
    // A blank name in a file is an error at its place.
    std::fs::write(&file, text.replace("\"Jane Example\"", "\" \"")).unwrap();
    let err = Run::new(&["history", "show", f]).fails(2);
    assert!(err.contains("name is blank"), "{err}");
}
