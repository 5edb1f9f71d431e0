//! The regimen format: every bundled file loads, and each class of bad file
//! fails at load time with its exact message and location.

mod common;

use chemodose::regimen::{
    Library, LibraryError, RegimenFile, bundled, check_bytes, load_regimen_file, parse_regimen,
};
use common::Run;

const BASE: &str = r#"id = "test-regimen"
name = "Test"
version = "1"
status = "active"
last_reviewed = 2026-11-22
emetogenic_risk = "low"
[cycle]
length_days = 21
cycles = 6

[[source]]
citation = "A source"

[[drug]]
name = "gemcitabine"
role = "antineoplastic"
dose = "900 mg/m2"
route = "IV"
days = "1,8"
"#;

fn errors(text: &str) -> Vec<String> {
    match parse_regimen("test.toml", text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e.to_string().lines().map(str::to_owned).collect(),
    }
}

fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

#[test]
fn the_base_fixture_is_valid() {
    let r = parse_regimen("test.toml", BASE).unwrap();
    assert_eq!(r.drugs[0].days, vec![1, 8]);
}

#[test]
fn every_bundled_regimen_loads_with_the_agreed_ids() {
    let lib = Library::bundled().unwrap();
    let mut ids = lib.ids();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "carboplatin-paclitaxel",
            "cisplatin-ifosfamide",
            "cisplatin-ifosfamide-case-report",
            "dacarbazine-doxorubicin-bolus",
            "dacarbazine-doxorubicin-case-report",
            "dacarbazine-doxorubicin-ci",
            "doxorubicin",
            "doxorubicin-ifosfamide-mesna",
            "eribulin",
            "gemcitabine-docetaxel",
            "gemcitabine-docetaxel-reduced",
            "olaratumab-doxorubicin",
            "pazopanib",
            "trabectedin",
        ]
    );
    for e in lib.entries() {
        assert!(
            !e.regimen.sources.is_empty(),
            "{} cites no source",
            e.regimen.id
        );
    }
    // The files on disk are the bundled ones, and each file's name is its id.
    let on_disk = Library::load_dir(std::path::Path::new("regimens")).unwrap();
    assert_eq!(on_disk.ids().len(), bundled().len());
}

#[test]
fn case_report_and_withdrawn_statuses_are_explained() {
    let lib = Library::bundled().unwrap();
    for id in [
        "dacarbazine-doxorubicin-case-report",
        "cisplatin-ifosfamide-case-report",
        "olaratumab-doxorubicin",
    ] {
        let r = &lib.get(id).unwrap().regimen;
        assert!(r.status.needs_attention());
        assert!(
            r.status_note.as_deref().is_some_and(|n| n.len() > 40),
            "{id}"
        );
    }
}

#[test]
fn a_mistyped_dose_unit_points_at_the_value() {
    // line 17: dose = "900 mg/m"; the string starts at column 8
    assert_eq!(
        errors(&with("900 mg/m2", "900 mg/m")),
        [
            "test.toml:17:8: dose of gemcitabine: unknown dose unit `mg/m` in `900 mg/m`; use mg, mcg or g, alone or per m2 or per kg (mg/m2, mcg/kg), or AUC N (valid doses look like \"900 mg/m2\", \"15 mcg/kg\", \"800 mg\" or \"AUC 5\")"
        ]
    );
}

#[test]
fn a_day_beyond_the_cycle() {
    assert_eq!(
        errors(&with("days = \"1,8\"", "days = \"1,28\"")),
        [
            "test.toml:19:8: day 28 is beyond the cycle length of 21 days (days run from 1 to the cycle length)"
        ]
    );
}

#[test]
fn all_problems_of_a_file_are_reported_together() {
    let text = with("900 mg/m2", "900 mg/m")
        .replace("days = \"1,8\"", "days = \"8-1\"")
        .replace("route = \"IV\"", "route = \"vein\"");
    let e = errors(&text);
    assert_eq!(e.len(), 3, "{e:#?}");
    assert!(e[0].starts_with("test.toml:17:8: dose of gemcitabine"));
    assert!(e[1].starts_with("test.toml:18:9: unknown route `vein`"));
    assert!(e[2].starts_with("test.toml:19:8: range `8-1` in \"8-1\" runs backwards"));
}

#[test]
fn unknown_keys_are_errors() {
    let e = errors(&with("route = \"IV\"", "route = \"IV\"\ndoze = \"1 mg\""));
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("test.toml:19:1: unknown field `doze`, expected one of"),
        "{}",
        e[0]
    );
}

#[test]
fn malformed_toml_and_wrong_types() {
    let e = errors(&with("name = \"Test\"", "name = \"Test"));
    assert!(e[0].starts_with("test.toml:2:"), "{}", e[0]);
    let e = errors(&with("length_days = 21", "length_days = \"21\""));
    assert!(
        e[0].starts_with("test.toml:8:15: invalid type: string \"21\", expected i64"),
        "{}",
        e[0]
    );
    let e = errors(&with("status = \"active\"", "status = \"approved\""));
    assert!(
        e[0].starts_with("test.toml:4:10: unknown variant `approved`, expected one of"),
        "{}",
        e[0]
    );
}

#[test]
fn empty_and_non_utf8_files() {
    let e = errors("  \n");
    assert!(e[0].starts_with("test.toml: the file is empty"), "{}", e[0]);
    let e = check_bytes("bad.toml", vec![b'i', b'd', 0xff, 0xfe]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad.toml: the file is not valid UTF-8 (first bad byte at offset 2) (save the file as UTF-8)"
    );
}

#[test]
fn companion_of_a_drug_not_in_the_regimen() {
    let text = format!(
        "{BASE}\n[[drug]]\nname = \"mesna\"\nrole = \"supportive\"\nroute = \"IV\"\ndays = \"1\"\ncompanion = {{ of = \"ifosfamide\", percent = 60 }}\n"
    );
    let e = errors(&text);
    assert_eq!(
        e,
        [
            "test.toml:26:20: mesna is a companion of `ifosfamide`, which is not a drug of this regimen (drugs here: gemcitabine, mesna)"
        ]
    );
}

#[test]
fn a_reduction_level_larger_than_the_full_dose() {
    let e = errors(&with(
        "days = \"1,8\"",
        "days = \"1,8\"\nreductions = { -1 = \"1000 mg/m2\" }",
    ));
    assert_eq!(
        e,
        [
            "test.toml:20:21: reduction level -1 (1,000 mg/m²) is not smaller than the full dose (900 mg/m²)"
        ]
    );
}

#[test]
fn a_per_kg_dose_with_a_bsa_cap() {
    let e = errors(
        &with("900 mg/m2", "15 mg/kg")
            .replace("days = \"1,8\"", "days = \"1,8\"\nbsa_cap = \"2 m2\""),
    );
    assert_eq!(
        e,
        [
            "test.toml:20:11: gemcitabine is dosed per kg of body weight; a BSA cap only applies to per-m² doses (remove bsa_cap, or use max_single_dose for a ceiling in mg)"
        ]
    );
}

#[test]
fn a_reduction_in_another_basis() {
    let e = errors(&with(
        "days = \"1,8\"",
        "days = \"1,8\"\nreductions = { -1 = \"700 mg\" }",
    ));
    assert_eq!(
        e,
        [
            "test.toml:20:21: reduction level -1 `700 mg` is flat but the dose of gemcitabine is per m² of body surface area"
        ]
    );
}

#[test]
fn duplicate_drugs_bad_ids_and_missing_status_notes() {
    let text = format!(
        "{BASE}\n[[drug]]\nname = \"Gemcitabine\"\nrole = \"antineoplastic\"\ndose = \"1 mg\"\nroute = \"IV\"\ndays = \"1\"\n"
    );
    let e = errors(&text);
    assert_eq!(
        e,
        [
            "test.toml:22:8: drug `gemcitabine` is listed twice (give each drug once; use [[drug.phase]] for cycle-specific doses)"
        ]
    );
    let e = errors(&with("test-regimen", "Test_Regimen"));
    assert!(
        e[0].starts_with("test.toml:1:6: id `Test_Regimen` must be kebab-case"),
        "{}",
        e[0]
    );
    let e = errors(&with("\"active\"", "\"case-report\""));
    assert!(
        e[0].starts_with("test.toml:4:10: status `case-report` needs a `status_note`"),
        "{}",
        e[0]
    );
}

#[test]
fn a_cycle_count_that_is_not_a_count() {
    let e = errors(&with("cycles = 6", "cycles = \"forever\""));
    assert_eq!(
        e,
        ["test.toml:9:10: cycles must be a number or \"until-progression\" (got \"forever\")"]
    );
    let e = errors(&with("cycles = 6", "cycles = 100000"));
    assert_eq!(
        e,
        ["test.toml:9:10: number of cycles must be between 1 and 100 (got 100000)"]
    );
}

#[test]
fn the_file_name_must_match_the_id() {
    let dir = std::env::temp_dir().join(format!("chemodose-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("other-name.toml");
    std::fs::write(&path, BASE).unwrap();
    let e = load_regimen_file(&path).unwrap_err();
    assert!(e.to_string().ends_with("1:6: the id `test-regimen` does not match the file name `other-name.toml` (rename the file to `test-regimen.toml` or change the id)"), "{e}");
    // Renamed to its id, the same file loads; a folder with a bad file fails as a whole.
    std::fs::rename(&path, dir.join("test-regimen.toml")).unwrap();
    assert_eq!(Library::load_dir(&dir).unwrap().ids(), ["test-regimen"]);
    std::fs::write(dir.join("broken.toml"), "id = ").unwrap();
    assert!(matches!(Library::load_dir(&dir), Err(LibraryError::Invalid(e)) if e.len() == 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rendered_diagnostics_underline_the_value() {
    // The command line draws the problems (miette); the library only locates them.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("test.toml"), with("900 mg/m2", "900 mg/m")).unwrap();
    let run = Run::in_dir(
        &["regimens", "check", "test.toml"],
        dir.path().to_str().unwrap(),
    );
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let r = run.stdout();
    assert!(r.contains("╭─[test.toml:17:8]"), "{r}");
    assert!(r.contains(" 17 │ dose = \"900 mg/m\""), "{r}");
    assert!(r.contains("not a valid dose"), "{r}");
}

#[test]
fn the_json_schema_is_up_to_date() {
    let schema = schemars::schema_for!(RegimenFile);
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = std::path::Path::new("docs/regimen.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == text,
        "docs/regimen.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test --test regimens` and commit it"
    );
}

#[test]
fn bundled_check_files_parse_and_pass() {
    let lib = Library::bundled().unwrap();
    for entry in std::fs::read_dir("regimens").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(id) = name.strip_suffix(".checks.toml") else {
            continue;
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let file =
            chemodose::verify::parse_check_file(&name, &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.regimen, id);
        let regimen = &lib.get(id).unwrap().regimen;
        for check in &file.checks {
            let r = chemodose::verify::run_check(regimen, check);
            assert!(r.passed(), "{id} / {}: {:?}", check.name, r.outcome);
        }
    }
}

#[test]
fn a_check_file_override_for_a_code_no_stop_has_is_located() {
    let text = r#"regimen = "doxorubicin"

[overrides]
lifetime-limt = "typing error in the code"

[[check]]
name = "typical"
worked_out_by = "test"
worked_out_on = 2026-12-01
height = "170cm"
weight = "70kg"
expect_refusal = "lifetime limit"
"#;
    let e = chemodose::verify::parse_check_file("x.checks.toml", text).unwrap_err();
    let e = e.to_string();
    assert!(e.contains("x.checks.toml:4:"), "{e}");
    assert!(e.contains("`lifetime-limt` is not a stop code"), "{e}");
}

/// Issue 14: a regimen name with control characters and a drug name with a
/// right-to-left override (U+202E) passed `regimens check`, and were printed
/// as they were: a forged line, raw terminal codes, a name read backwards.
/// Every string of the file is checked; each refused character is reported
/// at its value, by code point, all of them together.
#[test]
fn regression_control_and_bidi_characters_in_names_are_refused() {
    let text = with("name = \"Test\"", "name = \"Test\\u001B[31m\\nFAKE LINE\"")
        .replace("name = \"gemcitabine\"", "name = \"gem\u{202E}enibatic\"")
        .replace("citation = \"A source\"", "citation = \"A\u{200B}source\"");
    let e = errors(&text);
    assert_eq!(
        e,
        [
            "test.toml:2:8: `name` holds a control character (U+001B, escape) at character 5 (ids, names and notes must be plain printable text on one line: remove the character (an editor may not show it); to wrap a long note in the file, end each line of a \"\"\" string with a backslash)",
            "test.toml:12:12: `citation` holds an invisible character (U+200B, zero-width space) at character 2 (ids, names and notes must be plain printable text on one line: remove the character (an editor may not show it); to wrap a long note in the file, end each line of a \"\"\" string with a backslash)",
            "test.toml:15:8: `name` holds a bidirectional control (U+202E, right-to-left override) at character 4 (ids, names and notes must be plain printable text on one line: remove the character (an editor may not show it); to wrap a long note in the file, end each line of a \"\"\" string with a backslash)",
        ]
    );
    // Through the binary: exit 1.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("test-regimen.toml"), &text).unwrap();
    let run = Run::in_dir(
        &["regimens", "check", "test-regimen.toml"],
        dir.path().to_str().unwrap(),
    );
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stdout().contains("right-to-left override"),
        "{}",
        run.stdout()
    );
}

/// Issue 14, second defence: a regimen built in code (past the loader's
/// refusal) with a line break, an ESC and a right-to-left override in its
/// name, notes and a drug's name is shown by `regimens show` and `dose`
/// with those characters as their escapes, never as themselves.
#[test]
fn regression_regimen_and_dose_text_write_control_characters_as_escapes() {
    let mut r = Library::bundled()
        .unwrap()
        .get("doxorubicin")
        .unwrap()
        .regimen
        .clone();
    r.name = "Doxorubicin\nFAKE LINE: 9,999 mg".into();
    r.notes = Some("see \u{1B}[8mhidden".into());
    let dox = r
        .drugs
        .iter()
        .position(|d| d.name == "doxorubicin")
        .unwrap();
    r.drugs[dox].name = "doxo\u{202E}nicibur".into();
    let out = chemodose::render::regimen::regimen_text(&r, "test");
    assert!(
        !out.contains('\u{1B}') && !out.contains('\u{202E}'),
        "{out:?}"
    );
    assert!(!out.lines().any(|l| l.starts_with("FAKE LINE")), "{out}");
    assert!(out.contains("Doxorubicin\\u{a}FAKE LINE"), "{out}");
    assert!(out.contains("doxo\\u{202e}nicibur"), "{out}");
    let mut options = chemodose::dose::DoseOptions::default();
    options.clinical.labs.insert(chemodose::labs::LabResult {
        lab: chemodose::quantity::Lab::Bilirubin,
        value: chemodose::quantity::parse_lab(chemodose::quantity::Lab::Bilirubin, "0.6mg/dL")
            .unwrap(),
        uln: None,
        date: None,
        origin: chemodose::labs::LabOrigin::CommandLine,
    });
    let patient = chemodose::patient::Patient::new(
        chemodose::quantity::parse_height("170cm").unwrap(),
        chemodose::quantity::parse_weight("70kg").unwrap(),
    );
    let plan = chemodose::dose::calculate(&r, &patient, 1, &options).unwrap();
    let out = chemodose::render::dose::dose_text(&plan, &r);
    assert!(
        !out.contains('\u{1B}') && !out.contains('\u{202E}'),
        "{out:?}"
    );
    assert!(!out.lines().any(|l| l.starts_with("FAKE LINE")), "{out}");
    assert!(out.contains("doxo\\u{202e}nicibur"), "{out}");
}

/// Issue 14: `regimens check /dev/zero` read the whole device and grew to
/// gigabytes. A path that is not a regular file is a file with a problem
/// (exit 1), named with what it is.
#[cfg(unix)]
#[test]
fn regression_regimens_check_reads_only_regular_files() {
    let err = common::Run::within(&["regimens", "check", "/dev/zero"], 5);
    assert_eq!(err.code(), Some(1), "{}", err.stderr());
    let all = format!("{}{}", err.stdout(), err.stderr());
    assert!(
        all.contains(
            "/dev/zero: a character device, not a regular file: give the path of a regimen file"
        ) && all.contains("1 regimen file checked: 0 valid, 1 with problems"),
        "{all}"
    );
}

/// Issue 14: a problem of a whole regimen file (empty, too large, not a
/// file) was drawn without the file's name (`× the file is empty`); miette
/// names a file only beside an underlined place, so the message names it.
#[test]
fn regression_a_whole_file_problem_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "\n").unwrap();
    let err = common::Run::new(&[
        "dose",
        empty.to_str().unwrap(),
        "--height",
        "170cm",
        "--weight",
        "70kg",
    ])
    .fails(2);
    assert!(
        err.contains(&format!("{}: the file is empty", empty.display())),
        "{err}"
    );
}

/// `regimens check` of a folder without a regimen file printed "0 regimen
/// files checked: 0 valid, 0 with problems" and exited 0, which reads as a
/// pass; `verify` likewise printed "0 passed, 0 failed". Both now refuse,
/// naming the folder (exit 2).
#[test]
fn regression_a_folder_with_nothing_to_check_is_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let shown = dir.path().to_str().unwrap();
    let err = common::Run::new(&["regimens", "check", shown]).fails(2);
    assert!(
        err.contains(&format!(
            "{shown}: no regimen files (*.toml) there, nothing was checked"
        )),
        "{err}"
    );
    let err = common::Run::new(&["regimens", "check", "--regimens", shown]).fails(2);
    assert!(err.contains("nothing was checked"), "{err}");
    let err = common::Run::new(&["verify", shown]).fails(2);
    assert!(
        err.contains(&format!(
            "{shown}: no check files (*.checks.toml) there, nothing was verified"
        )),
        "{err}"
    );
    let err = common::Run::new(&["verify", "--regimens", shown]).fails(2);
    assert!(err.contains("nothing was verified"), "{err}");
}

/// Issue 17: G-CSF days that the labels allow are accepted: filgrastim the
/// day after the last cytotoxic day (Hensley 2002: docetaxel day 8,
/// filgrastim days 9-15), the day after a 24-hour infusion has ended (day
/// 3 after day 1), and pegfilgrastim 14 days before the next day 1 (day 8
/// of 21: 22 − 8 = 14). The refused days are in `tests/bad/134`-`136`.
#[test]
fn gcsf_days_the_labels_allow_are_accepted() {
    let regimen = |chemo: &str, gcsf: &str| {
        format!(
            "id = \"t\"\nname = \"T\"\nversion = \"1\"\nstatus = \"active\"\nlast_reviewed = 2026-12-02\nemetogenic_risk = \"low\"\n\
             [cycle]\nlength_days = 21\ncycles = 6\n[[source]]\ncitation = \"A source\"\n\
             [[drug]]\nname = \"x\"\nrole = \"antineoplastic\"\ndose = \"1 mg/m2\"\nroute = \"IV\"\n{chemo}\n\
             [[drug]]\nrole = \"supportive\"\nroute = \"SC\"\n{gcsf}\n"
        )
    };
    let filgrastim = |days: &str| {
        format!(
            "name = \"filgrastim\"\ninstruction = \"G-CSF per local protocol\"\ndays = \"{days}\""
        )
    };
    for (chemo, gcsf) in [
        ("days = \"1,8\"", filgrastim("9-15")),
        ("infusion = \"24 h\"\ndays = \"1\"", filgrastim("3-10")),
        (
            "days = \"1\"",
            "name = \"pegfilgrastim\"\ndose = \"6 mg\"\ndays = \"8\"".to_owned(),
        ),
    ] {
        let text = regimen(chemo, &gcsf);
        if let Err(e) = chemodose::regimen::parse_regimen("t.toml", &text) {
            panic!("{chemo} / {gcsf}: {e}");
        }
    }
    // One day earlier each is refused.
    for (chemo, gcsf) in [
        ("days = \"1,8\"", filgrastim("8-15")),
        ("infusion = \"24 h\"\ndays = \"1\"", filgrastim("2-10")),
        (
            "days = \"1\"",
            "name = \"pegfilgrastim\"\ndose = \"6 mg\"\ndays = \"9\"".to_owned(),
        ),
    ] {
        let e = chemodose::regimen::parse_regimen("t.toml", &regimen(chemo, &gcsf)).unwrap_err();
        assert!(e.to_string().contains("too close to x"), "{e}");
    }
}

/// Issue 17: every bundled regimen with an antineoplastic drug states its
/// emetogenic risk (the antiemetics of its treatment days follow from it;
/// ASCO 2020 Table 1 [R144], clinical reference 9.6), with the source of the
/// class among its sources.
#[test]
fn every_bundled_antineoplastic_regimen_states_its_emetogenic_risk() {
    let lib = chemodose::regimen::Library::bundled().unwrap();
    for e in lib.entries() {
        let r = &e.regimen;
        if !r
            .drugs
            .iter()
            .any(|d| d.role == chemodose::regimen::Role::Antineoplastic)
        {
            continue;
        }
        assert!(
            r.emetogenic_risk.is_some(),
            "{} has no emetogenic_risk",
            r.id
        );
        let cited = r.sources.iter().any(|s| {
            ["[R144]", "[R149]", "[R150]"]
                .iter()
                .any(|id| s.citation.contains(id))
        });
        assert!(cited, "{}: the emetic class has no source", r.id);
    }
}

/// Issue 17: a check may give the doses of a day one by one, `"3 x 546 mg"`
/// (GOG 108 at 170 cm / 70 kg: ifosfamide 1,500 × 1.82 = 2,730 mg, mesna
/// 20 % = 546 mg at 0, 4 and 8 h). Another count or another amount fails,
/// naming the number of doses given; the day's total (1,638 mg) passes too.
#[test]
fn a_check_of_several_doses_a_day_checks_the_count_and_each_dose() {
    let lib = Library::bundled().unwrap();
    let regimen = &lib.get("cisplatin-ifosfamide").unwrap().regimen;
    let run = |mesna: &str| {
        let text = format!(
            r#"regimen = "cisplatin-ifosfamide"

[[check]]
name = "mesna"
worked_out_by = "test"
worked_out_on = 2026-12-02
height = "170cm"
weight = "70kg"
gfr = "90mL/min"
labs = {{ platelets = "250x10^9/L" }}

[check.expect]
cisplatin = {{ 1 = "36 mg", 2 = "36 mg", 3 = "36 mg", 4 = "36 mg", 5 = "36 mg" }}
ifosfamide = {{ 1 = "2730 mg", 2 = "2730 mg", 3 = "2730 mg", 4 = "2730 mg", 5 = "2730 mg" }}
mesna = {{ 1 = "{mesna}", 2 = "3 x 546 mg", 3 = "3 x 546 mg", 4 = "3 x 546 mg", 5 = "3 x 546 mg" }}
"#
        );
        let file = chemodose::verify::parse_check_file("x.checks.toml", &text)
            .unwrap_or_else(|e| panic!("{e}"));
        chemodose::verify::run_check(regimen, &file.checks[0])
    };
    assert!(run("3 x 546 mg").passed());
    assert!(run("1638 mg").passed());
    for (wrong, given) in [("2 x 546 mg", 3), ("3 x 500 mg", 3)] {
        let r = run(wrong);
        let chemodose::verify::Outcome::Mismatches(m) = &r.outcome else {
            panic!("{wrong}: {:?}", r.outcome);
        };
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(
            m[0].step,
            chemodose::verify::Step::Doses {
                expected: wrong[..1].parse().unwrap(),
                given
            }
        );
    }
    assert!(!run("1600 mg").passed());
}
