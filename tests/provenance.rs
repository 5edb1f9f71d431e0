//! Issue 17, parts 4 and 5, end to end: calendar identity (event UIDs unique
//! per patient and course, a delayed course updating its own events) and
//! provenance (every output names the regimen file and its SHA-256; a file
//! that replaces a bundled regimen says so).
//!
//! The digests of bundled files were computed apart from chemodose, with
//! `sha256sum regimens/<id>.toml` on the committed files.

mod common;
use common::Run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `sha256sum regimens/gemcitabine-docetaxel.toml`
const GEMDOC_SHA256: &str = "2b76d9b2c8705c6e59d9851130112f9ae6fadaeba2aa882e8724d27073346b52";
/// `sha256sum regimens/doxorubicin.toml`
const DOXORUBICIN_SHA256: &str = "72a34ce38b717707a5b27a34f4967cbbd0ee21f34441c48a588c433b9fa0b2b0";

fn root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

/// A fresh empty folder: commands run there see no `./regimens` folder,
/// so the bundled library is in force.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chemodose-prov-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn labs() -> String {
    format!("{}/{}", root(), common::NORMAL_LABS_FILE)
}

/// `schedule gemcitabine-docetaxel` from 2026-12-07, with `extra` flags, run
/// in `dir`.
fn schedule(dir: &Path, extra: &[&str]) -> Run {
    let labs = labs();
    let mut args = vec![
        "schedule",
        "gemcitabine-docetaxel",
        "--start",
        "2026-12-07",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--labs",
        &labs,
        "--on",
        "2026-12-07",
        "--cycles",
        "3",
    ];
    args.extend(extra);
    Run::in_dir(&args, dir.to_str().unwrap())
}

/// (UID, SEQUENCE, DTSTART) of every event, by UID.
fn events(ics: &str) -> BTreeMap<String, (u32, String)> {
    let unfolded = ics.replace("\r\n ", "");
    let mut out = BTreeMap::new();
    for event in unfolded.split("BEGIN:VEVENT").skip(1) {
        let prop = |name: &str| {
            event
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}:")))
                .unwrap_or_else(|| panic!("{name} missing in {event}"))
                .to_owned()
        };
        let start = event
            .lines()
            .find_map(|l| l.strip_prefix("DTSTART;VALUE=DATE:"))
            .unwrap()
            .to_owned();
        let sequence: u32 = prop("SEQUENCE").parse().unwrap();
        assert!(
            out.insert(prop("UID"), (sequence, start)).is_none(),
            "UIDs are unique within a calendar"
        );
    }
    out
}

#[test]
fn two_patients_starting_the_same_regimen_the_same_day_have_disjoint_uids() {
    // Before issue 17, without --patient-id both calendars read
    // UID:gemcitabine-docetaxel-20261207-c1-d1@chemodose and a shared
    // pharmacy calendar merged the two patients' events.
    let dir = scratch("two-patients");
    let a = events(&schedule(&dir, &["--format", "ics", "--patient-id", "PT-A"]).success());
    let b = events(&schedule(&dir, &["--format", "ics", "--patient-id", "PT-B"]).success());
    assert_eq!(a.len(), b.len());
    assert!(!a.is_empty());
    assert!(a.keys().all(|uid| !b.contains_key(uid)), "{a:?}\n{b:?}");
    // The key is the head of the SHA-256 of the identity, computed apart:
    // printf 'chemodose course\0patient\0PT-A\0gemcitabine-docetaxel\0002026-12-07' | sha256sum
    //   d1b8c9bb792040391c2753de284433fc0d0599e4db05b249c7cef72f33866f1e
    assert!(
        a.contains_key("gemcitabine-docetaxel-d1b8c9bb79204039-c1-d1@chemodose"),
        "{a:?}"
    );
    // Two courses given their own ids differ too, whoever the patient.
    let c = events(&schedule(&dir, &["--format", "ics", "--course-id", "C-1"]).success());
    let d = events(&schedule(&dir, &["--format", "ics", "--course-id", "C-2"]).success());
    assert!(c.keys().all(|uid| !d.contains_key(uid)));
    assert!(c.keys().all(|uid| !a.contains_key(uid)));
}

#[test]
fn a_calendar_without_a_patient_or_course_id_is_refused() {
    let dir = scratch("no-identity");
    let err = schedule(&dir, &["--format", "ics"]).fails(2);
    assert!(
        err.contains("--format ics needs --patient-id ID or --course-id ID"),
        "{err}"
    );
    // The other formats have no UIDs and need neither.
    schedule(&dir, &["--format", "text"]).success();
}

#[test]
fn a_delayed_course_updates_its_own_events() {
    let dir = scratch("delay");
    let planned = events(&schedule(&dir, &["--format", "ics", "--patient-id", "PT-A"]).success());
    // Cycle 2 delayed by 7 days, then further by 3: the same events, moved,
    // their SEQUENCE raised by the delay days in force.
    let delayed = events(
        &schedule(
            &dir,
            &["--format", "ics", "--patient-id", "PT-A", "--delay", "2=7"],
        )
        .success(),
    );
    let further = events(
        &schedule(
            &dir,
            &[
                "--format",
                "ics",
                "--patient-id",
                "PT-A",
                "--delay",
                "2=7",
                "--delay",
                "3=3",
                "--level-from",
                "3=-1",
            ],
        )
        .success(),
    );
    assert_eq!(
        planned.keys().collect::<Vec<_>>(),
        delayed.keys().collect::<Vec<_>>(),
        "same UIDs"
    );
    assert_eq!(
        planned.keys().collect::<Vec<_>>(),
        further.keys().collect::<Vec<_>>()
    );
    let uid = |c: u32, d: u32| {
        planned
            .keys()
            .find(|u| u.ends_with(&format!("-c{c}-d{d}@chemodose")))
            .unwrap()
            .clone()
    };
    // Planned: cycle 1 day 1 on 2026-12-07, cycle 2 on 2026-12-28 (21 days),
    // cycle 3 on 2027-01-18; every SEQUENCE 0.
    assert_eq!(planned[&uid(1, 1)], (0, "20261207".into()));
    assert_eq!(planned[&uid(2, 1)], (0, "20261228".into()));
    assert_eq!(planned[&uid(3, 1)], (0, "20270118".into()));
    // Delay 2=7: cycle 1 unchanged; cycles 2 and 3 a week later, SEQUENCE 7.
    assert_eq!(delayed[&uid(1, 1)], (0, "20261207".into()));
    assert_eq!(delayed[&uid(2, 1)], (7, "20270104".into()));
    assert_eq!(delayed[&uid(3, 8)], (7, "20270201".into()));
    // Further 3=3 and a dose level from cycle 3: cycle 3 is 7 + 3 days late,
    // SEQUENCE 7 + 3 + 1 change = 11; cycle 2 keeps 7.
    assert_eq!(further[&uid(2, 1)], (7, "20270104".into()));
    assert_eq!(further[&uid(3, 1)], (11, "20270128".into()));
    // Every moved or changed event's SEQUENCE rose; none fell.
    for (u, (seq, _)) in &further {
        assert!(*seq >= delayed[u].0 && delayed[u].0 >= planned[u].0, "{u}");
    }
}

#[test]
fn the_calendar_names_its_regimen_file_and_course() {
    let dir = scratch("ics-props");
    let ics = schedule(&dir, &["--format", "ics", "--course-id", "C-1"]).success();
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("\r\nX-CHEMODOSE-REGIMEN-FILE:bundled gemcitabine-docetaxel.toml\r\n")
    );
    assert!(unfolded.contains(&format!(
        "\r\nX-CHEMODOSE-REGIMEN-SHA256:{GEMDOC_SHA256}\r\n"
    )));
    // printf 'chemodose course\0given\0C-1' | sha256sum -> 16e31d97e356d368…
    assert!(unfolded.contains("\r\nX-CHEMODOSE-COURSE:16e31d97e356d368\r\n"));
    assert!(unfolded.contains("UID:gemcitabine-docetaxel-16e31d97e356d368-c1-d1@chemodose"));
}

#[test]
fn every_schedule_format_names_the_bundled_file_and_its_sha256() {
    let dir = scratch("formats");
    let line = format!("Regimen file: bundled gemcitabine-docetaxel.toml, SHA-256 {GEMDOC_SHA256}");
    for format in ["text", "md", "html"] {
        let out = schedule(&dir, &["--format", format]).success();
        assert!(out.contains(&line), "{format}: {out}");
        assert!(!out.contains("replaces the bundled"), "{format}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&schedule(&dir, &["--format", "json"]).success()).unwrap();
    assert_eq!(
        json["regimen_source"],
        serde_json::json!({
            "kind": "bundled",
            "path": "gemcitabine-docetaxel.toml",
            "sha256": GEMDOC_SHA256,
            "replaces_bundled": null,
        })
    );
}

#[test]
fn a_csv_schedule_has_no_comment_lines_and_its_provenance_beside_it() {
    let dir = scratch("csv");
    let out = dir.join("course.csv");
    let run = schedule(
        &dir,
        &["--format", "csv", "--output", out.to_str().unwrap()],
    );
    run.success();
    let csv = std::fs::read(&out).unwrap();
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(text.starts_with("patient_id,"), "{text}");
    assert!(!text.contains("SHA-256") && !text.lines().any(|l| l.starts_with('#')));
    let side = dir.join("course.csv.provenance.json");
    assert!(run.stderr().contains(&side.display().to_string()));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&side).unwrap()).unwrap();
    assert_eq!(meta["describes"], "course.csv");
    // The side file's digest is that of the CSV as written (sha2 here, not
    // chemodose's code path).
    use sha2::Digest as _;
    let digest: String = sha2::Sha256::digest(&csv)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(meta["sha256"], digest.as_str());
    assert_eq!(meta["regimen_source"]["sha256"], GEMDOC_SHA256);
    assert_eq!(meta["chemodose_version"], env!("CARGO_PKG_VERSION"));
    // To standard output the CSV alone, the provenance on standard error.
    let run = schedule(&dir, &["--format", "csv"]);
    assert!(run.success().starts_with("patient_id,"));
    assert!(
        run.stderr().contains(&format!(
            "Regimen file: bundled gemcitabine-docetaxel.toml, SHA-256 {GEMDOC_SHA256}"
        )),
        "{}",
        run.stderr()
    );
}

/// `dose doxorubicin` in `dir` (bilirubin given, as the regimen requires).
fn dose(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "dose",
        "doxorubicin",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--bilirubin",
        "0.5mg/dL",
    ];
    args.extend(extra);
    Run::in_dir(&args, dir.to_str().unwrap())
}

#[test]
fn dose_names_the_bundled_file() {
    let dir = scratch("dose-bundled");
    let out = dose(&dir, &[]).success();
    assert!(
        out.contains(&format!(
            "Regimen file: bundled doxorubicin.toml, SHA-256 {DOXORUBICIN_SHA256}"
        )),
        "{out}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&dose(&dir, &["--format", "json"]).success()).unwrap();
    assert_eq!(json["regimen_source"]["kind"], "bundled");
    assert_eq!(json["regimen_source"]["sha256"], DOXORUBICIN_SHA256);
}

#[test]
fn a_local_folder_that_replaces_a_bundled_regimen_is_named_with_a_note() {
    // Issue 17: with a changed dose in ./regimens, `dose` still said
    // `doxorubicin v…` and neither text nor JSON said which file was used.
    let dir = scratch("override");
    std::fs::create_dir_all(dir.join("regimens")).unwrap();
    let bundled = std::fs::read(format!("{}/regimens/doxorubicin.toml", root())).unwrap();
    // The same bytes plus a comment line: a different file, same doses.
    let mut changed = bundled.clone();
    changed.extend_from_slice(b"# local copy\n");
    std::fs::write(dir.join("regimens/doxorubicin.toml"), &changed).unwrap();
    use sha2::Digest as _;
    let digest: String = sha2::Sha256::digest(&changed)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let run = dose(&dir, &[]);
    let out = run.success();
    assert!(
        out.contains(&format!(
            "Regimen file: regimens/doxorubicin.toml, SHA-256 {digest}\nNote: this file replaces the bundled doxorubicin.toml (DIFFERENT contents: bundled SHA-256 {DOXORUBICIN_SHA256})\n"
        )),
        "{out}"
    );
    assert!(
        run.stderr()
            .contains("replaces the bundled doxorubicin.toml")
    );
    let json: serde_json::Value =
        serde_json::from_str(&dose(&dir, &["--format", "json"]).success()).unwrap();
    assert_eq!(
        json["regimen_source"],
        serde_json::json!({
            "kind": "file",
            "path": "regimens/doxorubicin.toml",
            "sha256": digest,
            "replaces_bundled": {
                "path": "doxorubicin.toml",
                "sha256": DOXORUBICIN_SHA256,
                "same_contents": false,
            },
        })
    );
    // `regimens list` shows where each entry came from.
    let list = Run::in_dir(&["regimens", "list"], dir.to_str().unwrap()).success();
    let row = list
        .lines()
        .find(|l| l.starts_with("doxorubicin "))
        .unwrap();
    assert!(
        row.ends_with("regimens/doxorubicin.toml (replaces bundled, DIFFERENT contents)"),
        "{list}"
    );
    // An identical copy is named too, as the same contents.
    std::fs::write(dir.join("regimens/doxorubicin.toml"), &bundled).unwrap();
    let out = dose(&dir, &[]).success();
    assert!(
        out.contains("Note: this file replaces the bundled doxorubicin.toml (same contents)"),
        "{out}"
    );
}

#[test]
fn regimens_list_shows_the_source_of_each_entry() {
    let dir = scratch("list");
    let list = Run::in_dir(&["regimens", "list"], dir.to_str().unwrap()).success();
    assert!(list.contains("Source"));
    let rows: Vec<&str> = list.lines().skip(4).filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 14, "{list}");
    assert!(rows.iter().all(|r| r.ends_with(" bundled")), "{list}");
    let json: serde_json::Value = serde_json::from_str(
        &Run::in_dir(
            &["regimens", "list", "--format", "json"],
            dir.to_str().unwrap(),
        )
        .success(),
    )
    .unwrap();
    let dox = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "doxorubicin")
        .unwrap();
    assert_eq!(dox["regimen_source"]["path"], "doxorubicin.toml");
    assert_eq!(dox["regimen_source"]["sha256"], DOXORUBICIN_SHA256);
}

#[test]
fn regimens_show_names_its_file() {
    let dir = scratch("show");
    let text = Run::in_dir(&["regimens", "show", "doxorubicin"], dir.to_str().unwrap()).success();
    assert!(text.ends_with(&format!(
        "Regimen file: bundled doxorubicin.toml, SHA-256 {DOXORUBICIN_SHA256}\n"
    )));
    let json: serde_json::Value = serde_json::from_str(
        &Run::in_dir(
            &["regimens", "show", "doxorubicin", "--format", "json"],
            dir.to_str().unwrap(),
        )
        .success(),
    )
    .unwrap();
    assert_eq!(json["regimen_source"]["sha256"], DOXORUBICIN_SHA256);
}
