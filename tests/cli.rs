//! End-to-end tests of the real binary: arguments in, stdout/stderr/exit code out.

mod common;
use common::Run;

#[test]
fn bsa_all_formulas_json_prints_ten_values() {
    let out = Run::new(&[
        "bsa",
        "--height",
        "170cm",
        "--weight",
        "75kg",
        "--sex",
        "male",
        "--formula",
        "all",
        "--format",
        "json",
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 10);
    let mosteller = &rows[0];
    assert_eq!(mosteller["formula"], "mosteller");
    // sqrt(170 × 75 / 3600) = 1.881932
    assert!((mosteller["bsa_m2"].as_f64().unwrap() - 1.881_932).abs() < 1e-6);
    assert_eq!(mosteller["bsa_m2_rounded"].as_f64().unwrap(), 1.88);
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["formula"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "mosteller",
            "dubois",
            "haycock",
            "gehan_george",
            "boyd",
            "fujimoto",
            "takahira",
            "shuter_aslani",
            "schlich",
            "livingston_lee"
        ]
    );
}

#[test]
fn bsa_all_without_sex_leaves_out_schlich_with_a_note() {
    let run = Run::new(&[
        "bsa",
        "--height",
        "170cm",
        "--weight",
        "75kg",
        "--formula",
        "all",
    ]);
    let out = run.success();
    assert!(!out.contains("Schlich"));
    assert!(run.stderr().contains("Schlich left out"));
}

#[test]
fn schlich_without_sex_is_an_input_error() {
    let err = Run::new(&[
        "bsa",
        "--height",
        "170cm",
        "--weight",
        "75kg",
        "--formula",
        "schlich",
    ])
    .fails(2);
    assert!(err.contains("differs by sex"), "{err}");
}

#[test]
fn bare_height_is_refused_with_the_fix() {
    let err = Run::new(&["bsa", "--height", "170", "--weight", "75kg"]).fails(2);
    assert!(err.contains("--height"), "{err}");
    assert!(
        err.contains("height needs a unit, e.g. 170cm or 67in"),
        "{err}"
    );
}

#[test]
fn bad_measurements_exit_2_without_panicking() {
    for (flag, value) in [
        ("--height", "70kg"),
        ("--height", "1700cm"),
        ("--height", "0cm"),
        ("--height", "-170cm"),
        ("--height", "NaN"),
        ("--height", "inf"),
        ("--height", "170parsecs"),
        ("--weight", "0kg"),
        ("--weight", "170cm"),
    ] {
        let mut args = vec!["bsa", "--height", "170cm", "--weight", "70kg"];
        let i = args.iter().position(|a| *a == flag).unwrap();
        args[i + 1] = value;
        let err = Run::new(&args).fails(2);
        assert!(err.contains(value), "{flag} {value}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Issue 14: `4ft4ft` was dosed as 243.84 cm and `5ft17in` as 195.58 cm;
/// `499g` was "weight of 0.5 kg is implausible" and `1e29kg` an unknown unit.
#[test]
fn malformed_and_implausible_measurements_say_what_was_typed() {
    for (flag, value, message) in [
        (
            "--height",
            "4ft4ft",
            "height: `4ft4ft` has `ft` after feet; only inches may follow feet, once, e.g. 170cm, 67in or 5ft7in",
        ),
        (
            "--height",
            "5ft17in",
            "height: `5ft17in` has 17 inches after feet; the inches must be under 12 (or write the height in inches alone, or in cm), e.g. 170cm, 67in or 5ft7in",
        ),
        (
            "--weight",
            "5lb5lb",
            "weight: `5lb5lb` has more than one number; write one number and its unit, e.g. 70kg or 154lb",
        ),
        (
            "--weight",
            "1e29kg",
            "weight: `1e29kg` is written with an exponent; write the number in full, e.g. 70kg or 154lb",
        ),
        (
            "--weight",
            "499g",
            "weight of 499 g (0.499 kg) is implausible (got `499g`); accepted range is 0.5 to 350 kg (500 to 350,000 g)",
        ),
    ] {
        let mut args = vec!["bsa", "--height", "170cm", "--weight", "70kg"];
        let i = args.iter().position(|a| *a == flag).unwrap();
        args[i + 1] = value;
        let err = Run::new(&args).fails(2);
        assert_eq!(
            err,
            format!(
                "error: invalid value '{value}' for '{flag} <{}>': {message}\n\nFor more information, try '--help'.\n",
                flag.trim_start_matches("--").to_uppercase()
            )
        );
    }
}

#[test]
fn carboplatin_calvert_json() {
    let out = Run::new(&[
        "carboplatin",
        "--auc",
        "5",
        "--gfr",
        "100mL/min",
        "--format",
        "json",
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // 5 × (100 + 25) = 625 mg
    assert_eq!(v["dose_mg"].as_f64().unwrap(), 625.0);
    assert_eq!(v["gfr_ml_min"].as_f64().unwrap(), 100.0);
    assert_eq!(v["gfr_capped"], false);
    let out = Run::new(&[
        "carboplatin",
        "--auc",
        "5",
        "--gfr",
        "150mL/min",
        "--format",
        "json",
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // capped at 125: 5 × 150 = 750 mg
    assert_eq!(v["dose_mg"].as_f64().unwrap(), 750.0);
    assert_eq!(v["gfr_ml_min"].as_f64().unwrap(), 125.0);
    assert_eq!(v["gfr_capped"], true);
}

#[test]
fn carboplatin_from_cockcroft_gault_shows_the_source() {
    // CrCl = (140 − 55) × 90 / (72 × 1.09) = 97.477 → 5 × 122.477 = 612.39 mg
    let out = Run::new(&[
        "carboplatin",
        "--auc",
        "5",
        "--age",
        "55",
        "--weight",
        "90kg",
        "--sex",
        "male",
        "--scr",
        "1.09mg/dL",
    ])
    .success();
    // Rounded as `dose` rounds carboplatin: the nearest 1 mg, 612.39 → 612 mg.
    assert!(out.contains("CARBOplatin 612 mg\n"), "{out}");
    assert!(out.contains("Calculated: 612.39 mg"), "{out}");
    assert!(out.contains("rounded to the nearest 1 mg"), "{out}");
    assert!(out.contains("Cockcroft-Gault, actual weight"), "{out}");
}

/// Issue 18: `carboplatin` printed the Calvert figure unrounded (410.5 mg)
/// where `dose carboplatin-paclitaxel` gave 410 mg for the same patient:
/// two paths, two answers. Both now round through the engine's one step.
#[test]
fn regression_carboplatin_and_dose_give_one_answer_for_one_patient() {
    // Cockcroft-Gault, male: (140 − 60) × 72 / (72 × 1.2) = 66.667 mL/min;
    // Calvert: 5 × (66.667 + 25) = 458.33 mg; to the nearest 1 mg: 458 mg.
    let patient = [
        "--weight", "72kg", "--sex", "male", "--age", "60", "--scr", "1.2mg/dL",
    ];
    let mut carbo = vec!["carboplatin", "--auc", "5", "--format", "json"];
    carbo.extend(patient);
    let v: serde_json::Value = serde_json::from_str(&Run::new(&carbo).success()).unwrap();
    assert_eq!(v["dose_mg"].as_f64().unwrap(), 458.0);
    assert!(
        (v["calculated_mg"].as_f64().unwrap() - 458.333).abs() < 0.001,
        "{v}"
    );
    let mut dose = vec![
        "dose",
        "carboplatin-paclitaxel",
        "--height",
        "175cm",
        "--override",
        "status-draft=testing the carboplatin line",
        "--format",
        "json",
    ];
    dose.extend(patient);
    let d: serde_json::Value = serde_json::from_str(&Run::new(&dose).success()).unwrap();
    let carboplatin = d["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["drug"] == "carboplatin")
        .unwrap();
    assert_eq!(carboplatin["final_mg"].as_f64().unwrap(), 458.0);
    assert_eq!(carboplatin["final_mg"], v["dose_mg"]);
}

#[test]
fn carboplatin_round_none_keeps_the_calvert_figure_and_a_tolerance_refuses() {
    // 5 × (100.3 + 25) = 626.5 mg, not rounded with --round none.
    let out = Run::new(&[
        "carboplatin",
        "--auc",
        "5",
        "--gfr",
        "100.3mL/min",
        "--round",
        "none",
        "--format",
        "json",
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["dose_mg"].as_f64().unwrap(), 626.5);
    // To the nearest 50 mg: 626.5 → 650 mg is +3.75 %, beyond a 2% tolerance:
    // refused as `dose` refuses it, exit 1; the per-drug form of `dose` is read.
    let err = Run::new(&[
        "carboplatin",
        "--auc",
        "5",
        "--gfr",
        "100.3mL/min",
        "--round",
        "carboplatin=50mg",
        "--round-tolerance",
        "2%",
    ])
    .fails(1);
    assert!(err.contains("626.5") && err.contains("650"), "{err}");
}

#[test]
fn carboplatin_without_gfr_or_measurements_names_what_is_missing() {
    let err = Run::new(&["carboplatin", "--auc", "5", "--age", "60"]).fails(2);
    for flag in ["--weight <WEIGHT>", "--sex <SEX>", "--scr <SCR>"] {
        assert!(err.contains(flag), "{err}");
    }
}

#[test]
fn crcl_json_has_both_estimates() {
    let out = Run::new(&[
        "crcl", "--age", "65", "--weight", "60kg", "--sex", "female", "--scr", "85umol/L",
        "--format", "json",
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // 75 × 60 / (72 × 0.96152) × 0.85 = 55.25 mL/min
    assert!((v["crcl_ml_min"].as_f64().unwrap() - 55.25).abs() < 0.01);
    // NKF/admiral: 66 mL/min/1.73 m²
    assert_eq!(
        v["egfr_ckd_epi_2021_ml_min_1_73m2"]
            .as_f64()
            .unwrap()
            .round(),
        66.0
    );
}

#[test]
fn crcl_ideal_weight_needs_height() {
    let err = Run::new(&[
        "crcl",
        "--age",
        "65",
        "--weight",
        "60kg",
        "--sex",
        "female",
        "--scr",
        "1mg/dL",
        "--crcl-weight",
        "ideal",
    ])
    .fails(2);
    assert!(err.contains("needs a height"), "{err}");
}

/// Issue 18: `crcl` and `carboplatin` named the Cockcroft-Gault weight
/// `--weight-basis`, `dose`, `schedule` and `batch` `--crcl-weight`. The old
/// spelling works for one release, with a note saying the new one.
#[test]
fn the_old_weight_basis_spelling_still_works_with_a_deprecation_note() {
    // Ideal body weight, male 180 cm: 50 + 2.3 × (180 / 2.54 − 60) = 74.99 kg;
    // (140 − 60) × 74.99 / (72 × 1.0) = 83.3 mL/min.
    let args = |flag: &'static str| {
        vec![
            "crcl", "--age", "60", "--weight", "90kg", "--height", "180cm", "--sex", "male",
            "--scr", "1mg/dL", flag, "ideal",
        ]
    };
    let old = Run::new(&args("--weight-basis"));
    let out = old.success();
    assert!(out.contains("83.3 mL/min (ideal weight 74.99 kg)"), "{out}");
    assert!(
        old.stderr()
            .contains("note: `--weight-basis` is deprecated: write `--crcl-weight`"),
        "{}",
        old.stderr()
    );
    let new = Run::new(&args("--crcl-weight"));
    assert_eq!(new.success(), out);
    assert!(!new.stderr().contains("deprecated"), "{}", new.stderr());
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    Run::new(&["frobnicate"]).fails(2);
}

#[test]
fn regimens_check_bundled_folder_exits_0() {
    let out = Run::new(&["regimens", "check", "regimens/"]).success();
    assert!(
        out.contains("14 regimen files checked: 14 valid, 0 with problems"),
        "{out}"
    );
}

#[test]
fn regimens_check_reports_a_bad_file_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("chemodose-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string("regimens/gemcitabine-docetaxel.toml").unwrap();
    let bad = good.replace("dose = \"900 mg/m2\"", "dose = \"900 mg/m\"");
    let path = dir.join("gemcitabine-docetaxel.toml");
    std::fs::write(&path, bad).unwrap();
    let run = Run::new(&["regimens", "check", path.to_str().unwrap()]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let out = run.stdout();
    assert!(out.contains("unknown dose unit `mg/m`"), "{out}");
    assert!(out.contains("dose = \"900 mg/m\""), "{out}");
    assert!(out.contains("1 with problems"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn regimens_list_and_show() {
    let out = Run::new(&["regimens", "list", "--format", "json"]).success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 14);
    let out = Run::new(&["regimens", "show", "cisplatin-ifosfamide-case-report"]).success();
    assert!(out.contains("*** STATUS: CASE-REPORT ***"), "{out}");
    assert!(out.contains("CISplatin"), "{out}");
    let out = Run::new(&["regimens", "show", "olaratumab-doxorubicin"]).success();
    assert!(out.contains("*** STATUS: WITHDRAWN ***"), "{out}");
    let err = Run::new(&["regimens", "show", "no-such-regimen"]).fails(2);
    assert!(err.contains("unknown regimen `no-such-regimen`"), "{err}");
}

#[test]
fn regimens_from_the_bundled_library_work_from_any_folder() {
    let out = Run::in_dir(&["regimens", "list"], "/").success();
    assert!(out.contains("from the bundled library"), "{out}");
}

#[test]
fn dose_exact_tie_rounds_half_up() {
    // 202.5 cm × 96.1 kg → 2.325 m² exactly; 900 × 2.325 = 2092.5 → 2093 mg
    let out = Run::new(&[
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "202.5cm",
        "--weight",
        "96.1kg",
        "--bsa-round",
        "none",
        "--round",
        "1mg",
        "--format",
        "json",
        // docetaxel needs liver tests (normal: no rule fires)
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &v["administrations"][0];
    assert_eq!(first["drug"], "gemcitabine");
    assert_eq!(first["day"], 1);
    assert_eq!(first["final_mg"].as_f64().unwrap(), 2093.0);
    assert_eq!(first["calculated_mg"].as_f64().unwrap(), 2092.5);
    assert_eq!(first["adjustments"][0]["kind"], "rounding");
    assert_eq!(v["bsa"]["m2"].as_f64().unwrap(), 2.325);
}

#[test]
fn dose_over_lifetime_limit_is_refused_then_allowed_with_a_reason() {
    // Doxorubicin needs total bilirubin (its hepatic bands): a normal value.
    let args = [
        "dose",
        "doxorubicin",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--bilirubin",
        "0.6mg/dL",
        "--cycles",
        "8",
    ];
    let err = Run::new(&args).fails(1);
    assert!(err.contains("lifetime limit of 550 mg/m²"), "{err}");
    assert!(
        err.contains("--override lifetime-limit=\"<reason>\""),
        "{err}"
    );
    // The override, or its older alias, lets it through with the reason beside the dose.
    for flag in [
        ["--override", "lifetime-limit=reviewed by cardio-oncology"],
        ["--allow-over-limit", "reviewed by cardio-oncology"],
    ] {
        let mut allowed = args.to_vec();
        allowed.extend(flag);
        let out = Run::new(&allowed).success();
        // 75 × 1.82 = 136.5 mg, at the ceiling share 75 mg/m² × 1.82 / 1 day =
        // 136.5 mg: 137 mg would cross it, so 136 mg (held under the cap).
        assert!(out.contains("136 mg"), "{out}");
        assert!(!out.contains("137 mg"), "{out}");
        assert!(
            out.contains("override lifetime-limit: reviewed by cardio-oncology"),
            "{out}"
        );
    }
}

#[test]
fn dose_text_shows_adjustments_and_tall_man_names() {
    let out = Run::new(&[
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "190cm",
        "--weight",
        "130kg",
        "--bsa-cap",
        "2m2",
        "--level",
        "docetaxel=-1",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
    ])
    .success();
    assert!(out.contains("DOCEtaxel"), "{out}");
    assert!(
        out.contains("BSA capped at 2 m² (command line; BSA 2.62 m²)"),
        "{out}"
    );
    assert!(out.contains("dose level -1 (75 mg/m²)"), "{out}");
    // 100 → 75 mg/m² × 2.0 m² (capped) = 150 mg
    assert!(out.contains("150 mg"), "{out}");
}

#[test]
fn dose_bad_options_exit_2() {
    let base = [
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
    ];
    for extra in [
        vec!["--level", "paclitaxel=-1"],
        vec!["--reduce", "20"],
        vec!["--reduce", "120%"],
        vec!["--round", "1"],
        vec!["--bsa-cap", "9m2"],
        vec!["--cycle", "0"],
        vec!["--level", "-3"],
    ] {
        let mut args = base.to_vec();
        args.extend(extra.iter());
        let err = Run::new(&args).fails(2);
        assert!(err.starts_with("error"), "{extra:?}: {err}");
    }
    // Issue 18: height is shown as required (unless a history gives it).
    let err = Run::new(&["dose", "gemcitabine-docetaxel", "--weight", "70kg"]).fails(2);
    assert!(
        err.contains("the following required arguments were not provided:\n  --height <HEIGHT>"),
        "{err}"
    );
}

#[test]
fn schedule_writes_every_format_atomically() {
    let dir = std::env::temp_dir().join(format!("chemodose-sched-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for format in ["text", "md", "html", "csv", "json", "ics"] {
        let path = dir.join(format!("schedule.{format}"));
        std::fs::write(&path, "old contents").unwrap();
        let run = Run::new(&[
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--format",
            format,
            "--output",
            path.to_str().unwrap(),
            // A calendar needs a course identity (issue 17, part 4).
            "--patient-id",
            "PT-1",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--on",
            "2026-12-01",
        ]);
        run.success();
        assert!(run.stderr().contains("wrote"), "{}", run.stderr());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("638 mg") || text.contains("1638"),
            "{format}: {text}"
        );
        assert!(!text.contains("old contents"));
    }
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".chemodose-"))
        .collect();
    assert!(leftovers.is_empty());
    // A failed schedule leaves the existing file untouched.
    let path = dir.join("schedule.text");
    std::fs::write(&path, "keep me").unwrap();
    Run::new(&[
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
        "--cycles",
        "8",
        "--output",
        path.to_str().unwrap(),
    ])
    .fails(1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schedule_bad_input_exits_2() {
    let base = [
        "schedule",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
    ];
    for extra in [
        vec!["--start", "01/12/2026"],
        vec!["--start", "2026-12-01", "--delay", "3"],
        vec!["--start", "2026-12-01", "--delay", "9=7"],
        vec!["--start", "2026-12-01", "--level-from", "3=-9"],
        vec!["--start", "2026-12-01", "--format", "pdf"],
        vec!["--start", "2026-12-01", "--holidays", "/no/such/file"],
    ] {
        let mut args = base.to_vec();
        args.extend(extra.iter());
        Run::new(&args).fails(2);
    }
    // trabectedin with what its rules require (CrCl, bilirubin): only --cycles is missing
    let err = Run::new(&[
        "schedule",
        "trabectedin",
        "--start",
        "2026-12-01",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--sex",
        "female",
        "--age",
        "60",
        "--scr",
        "0.9mg/dL",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
    ])
    .fails(2);
    assert!(err.contains("--cycles"), "{err}");
}

#[test]
fn broken_pipe_is_a_clean_exit() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = common::chemodose()
        .args([
            "schedule",
            "pazopanib",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--cycles",
            "12",
            // pazopanib needs bilirubin and ALT (normal: no rule fires)
            "--labs",
            common::NORMAL_LABS_FILE,
            "--on",
            "2026-12-01",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0),
        "{:?}",
        out.status
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

/// Regression (issue 14): `> /dev/full` printed "cannot write to standard
/// output" but exited 0, as if the output had been written. It exits 2
/// (the output could not be written), naming standard output, for every
/// command that prints; a closed pipe is still a clean exit (above).
#[cfg(unix)]
#[test]
fn regression_a_full_standard_output_exits_2() {
    let labs = ["--labs", common::NORMAL_LABS_FILE, "--on", "2026-12-01"];
    let person = ["--height", "170cm", "--weight", "70kg"];
    let mut commands: Vec<Vec<&str>> = vec![
        [&["bsa"][..], &person].concat(),
        [&["dose", "gemcitabine-docetaxel"][..], &person, &labs].concat(),
        [
            &["schedule", "gemcitabine-docetaxel", "--start", "2026-12-01"][..],
            &person,
            &labs,
        ]
        .concat(),
        vec!["history", "show", "docs/examples/lms-case-1.toml"],
        vec!["regimens", "list"],
    ];
    commands.push(vec![
        "bsa", "--height", "170cm", "--weight", "70kg", "--format", "json",
    ]);
    for args in commands {
        let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            return;
        };
        let out = common::chemodose()
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("CHEMODOSE_REGIMENS")
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("error: cannot write to standard output: ")
                && err.contains("the output is incomplete"),
            "{args:?}: {err}"
        );
    }
}

fn copy_regimen_folder(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chemodose-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for name in [
        "gemcitabine-docetaxel.toml",
        "gemcitabine-docetaxel.checks.toml",
    ] {
        std::fs::copy(format!("regimens/{name}"), dir.join(name)).unwrap();
    }
    dir
}

#[test]
fn verify_bundled_checks_pass() {
    let out = Run::new(&["verify"]).success();
    assert!(out.lines().last().unwrap().ends_with(" 0 failed"), "{out}");
    assert!(out.contains("ok    typical adult"), "{out}");
}

#[test]
fn verify_names_the_step_that_moved_a_dose_and_exits_1() {
    let dir = copy_regimen_folder("verify");
    let regimen = dir.join("gemcitabine-docetaxel.toml");
    let text = std::fs::read_to_string(&regimen).unwrap();
    // A pharmacy changes docetaxel rounding from 1 mg to 10 mg steps.
    let at = text.find("name = \"docetaxel\"").unwrap();
    let changed = format!(
        "{}{}",
        &text[..at],
        text[at..].replacen("round = \"1 mg\"", "round = \"10 mg\"", 1)
    );
    std::fs::write(&regimen, changed).unwrap();
    let run = Run::new(&["verify", dir.to_str().unwrap()]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let out = run.stdout();
    // typical adult: 100 × 1.82 = 182 mg, now rounded to 180 mg
    assert!(
        out.contains("docetaxel day 8: expected 182 mg, got 180 mg"),
        "{out}"
    );
    assert!(
        out.contains("step: rounding: rounded to the nearest 10 mg: 182 → 180 mg"),
        "{out}"
    );
    assert!(
        out.contains("passed, ") && out.lines().last().unwrap().contains("failed"),
        "{out}"
    );

    // Without --yes and without a terminal, --bless refuses to write.
    let err = Run::new(&["verify", "--bless", dir.to_str().unwrap()]).fails(2);
    assert!(err.contains("--yes"), "{err}");

    // --bless --yes writes the current results, keeping the comments.
    Run::new(&["verify", "--bless", "--yes", dir.to_str().unwrap()]).success();
    let blessed = std::fs::read_to_string(dir.join("gemcitabine-docetaxel.checks.toml")).unwrap();
    assert!(
        blessed.contains("# BSA = sqrt(170 x 70 / 3600)"),
        "comments kept"
    );
    assert!(
        blessed.contains("docetaxel = { 8 = \"180 mg\" }"),
        "{blessed}"
    );
    assert!(blessed.contains("program output, not a hand calculation"));
    let out = Run::new(&["verify", dir.to_str().unwrap()]).success();
    assert!(out.contains(" 0 failed"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verify_bad_check_file_points_at_the_value() {
    let dir = copy_regimen_folder("verify-bad");
    let checks = dir.join("gemcitabine-docetaxel.checks.toml");
    let text = std::fs::read_to_string(&checks).unwrap().replacen(
        "height = \"170cm\"",
        "height = \"170\"",
        1,
    );
    std::fs::write(&checks, text).unwrap();
    let run = Run::new(&["verify", checks.to_str().unwrap()]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stdout().contains("height needs a unit"),
        "{}",
        run.stdout()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 14 (siblings of the regimen-file messages): an empty check file
/// read `missing field regimen`; it is named as empty. A 250 KB one-line
/// check file prints a clipped excerpt.
#[test]
fn regression_check_file_messages_name_the_file_and_are_bounded() {
    let dir = copy_regimen_folder("verify-empty");
    let checks = dir.join("gemcitabine-docetaxel.checks.toml");
    std::fs::write(&checks, "").unwrap();
    let run = Run::new(&["verify", checks.to_str().unwrap()]);
    assert_eq!(run.code(), Some(1));
    let out = run.stdout() + &run.stderr();
    assert!(
        out.contains("gemcitabine-docetaxel.checks.toml: the file is empty"),
        "{out}"
    );
    std::fs::write(&checks, format!("x = \"{}\" y\n", "a".repeat(250_000))).unwrap();
    let run = Run::new(&["verify", checks.to_str().unwrap()]);
    assert_eq!(run.code(), Some(1));
    let out = run.stdout() + &run.stderr();
    assert!(out.len() < 4096, "{} bytes of messages", out.len());
    assert!(out.contains("checks.toml:1:250008"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Batch rows carry no labs: the liver tests docetaxel requires are given up
/// as checked elsewhere, by the documented overrides, one code each.
const BATCH_LAB_OVERRIDES: [&str; 8] = [
    "--override",
    "missing-bilirubin=batch rows carry no labs: liver tests checked at the bedside",
    "--override",
    "missing-ast=batch rows carry no labs: liver tests checked at the bedside",
    "--override",
    "missing-alt=batch rows carry no labs: liver tests checked at the bedside",
    "--override",
    "missing-alp=batch rows carry no labs: liver tests checked at the bedside",
];

#[test]
fn batch_cli_writes_rows_and_reports_skips() {
    let dir = std::env::temp_dir().join(format!("chemodose-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("patients.csv");
    // 170 × 70: BSA 1.8181 → 1.82; gemcitabine 1638, docetaxel 182 (cycle 3276 / 182; course × 6)
    std::fs::write(
        &input,
        "id,height_cm,weight_kg\n1,170,70\n2,1700,70\n3,170,abc\n",
    )
    .unwrap();
    let out = dir.join("out.csv");
    let mut args = vec![
        "batch",
        "gemcitabine-docetaxel",
        "--patients",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(BATCH_LAB_OVERRIDES);
    let run = Run::new(&args);
    assert_eq!(run.code(), Some(1), "rows were skipped: {}", run.stderr());
    let err = run.stderr();
    assert!(
        err.contains("line 3: skipped: height of 1,700 cm is implausible"),
        "{err}"
    );
    assert!(
        err.contains("line 4: skipped: weight `abc` is not a number"),
        "{err}"
    );
    assert!(
        err.contains("3 patients read: 1 written, 2 skipped"),
        "{err}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text.lines().nth(1).unwrap(),
        "1,1.8181,1638,1638,182,3276,182,19656,1092"
    );
    // A clean file exits 0; a file without units is refused with the fix (exit 2).
    std::fs::write(&input, "id,height_cm,weight_kg\n1,170,70\n").unwrap();
    let mut args = vec![
        "batch",
        "gemcitabine-docetaxel",
        "--patients",
        input.to_str().unwrap(),
    ];
    args.extend(BATCH_LAB_OVERRIDES);
    Run::new(&args).success();
    // Without the liver tests or their overrides every row is refused (exit 1).
    let run = Run::new(&[
        "batch",
        "gemcitabine-docetaxel",
        "--patients",
        input.to_str().unwrap(),
    ]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("DOCEtaxel needs total bilirubin before it can be dosed"),
        "{}",
        run.stderr()
    );
    std::fs::write(&input, "id,height,weight\n1,170,70\n").unwrap();
    let err = Run::new(&[
        "batch",
        "gemcitabine-docetaxel",
        "--patients",
        input.to_str().unwrap(),
    ])
    .fails(2);
    assert!(err.contains("name it height_cm"), "{err}");
    let err = Run::new(&[
        "batch",
        "gemcitabine-docetaxel",
        "--patients",
        "/no/such.csv",
    ])
    .fails(2);
    assert!(err.contains("/no/such.csv"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn history_and_lines_bad_input_exit_2() {
    let err = Run::new(&["history", "show", "/no/such.toml"]).fails(2);
    assert!(err.contains("/no/such.toml"), "{err}");
    let err = Run::new(&[
        "history",
        "record",
        "docs/examples/lms-case-1.toml",
        "--line",
        "1",
        "--date",
        "2019-13-01",
    ])
    .fails(2);
    assert!(err.contains("not a date"), "{err}");
    let err = Run::new(&["lines", "derive", "/no/such.csv"]).fails(2);
    assert!(err.contains("/no/such.csv"), "{err}");
    let err = Run::new(&[
        "lines",
        "derive",
        "tests/data/lms-case-1-administrations.csv",
        "--columns",
        "patient",
    ])
    .fails(2);
    assert!(err.contains("patient=NAME"), "{err}");
    let err = Run::new(&[
        "lines",
        "to-history",
        "tests/data/lms-case-1-administrations.csv",
        "--patient",
        "nobody",
    ])
    .fails(2);
    assert!(err.contains("no records for patient `nobody`"), "{err}");
    let err = Run::new(&["verify", "/no/such/dir"]).fails(2);
    assert!(err.contains("/no/such/dir"), "{err}");
}

#[test]
fn dose_shows_the_creatinine_floor_and_the_calvert_gfr() {
    // CrCl = (140 − 60) × 70 / (72 × 0.7) × 0.85 = 94.44 mL/min with SCr 0.5 raised to 0.7;
    // carboplatin 5 × (94.44 + 25) = 597.2 → 597 mg
    let out = Run::new(&[
        "dose",
        "carboplatin-paclitaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--sex",
        "female",
        "--age",
        "60",
        "--scr",
        "0.5mg/dL",
        "--scr-floor",
        "0.7mg/dL",
        "--override",
        "status-draft=testing the carboplatin line",
    ])
    .success();
    assert!(
        out.contains("creatinine raised to the floor of 0.7 mg/dL): 94.4 mL/min"),
        "{out}"
    );
    assert!(out.contains("597 mg"), "{out}");
    assert!(out.contains("*** STATUS: DRAFT ***"), "{out}");
}

/// Found in review: a rounding step of 1e-28 mg overflowed decimal division
/// and panicked. Steps finer than 1 mcg are refused as input now.
#[test]
fn regression_a_tiny_rounding_step_is_refused_not_a_panic() {
    let err = Run::new(&[
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--round",
        "0.0000000000000000000000000001mg",
    ])
    .fails(2);
    assert!(err.contains("finer than 1 mcg"), "{err}");
    // 1 mcg itself is accepted.
    Run::new(&[
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--round",
        "1mcg",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
    ])
    .success();
}

#[test]
fn regimens_show_lists_requirements_and_rules_with_their_sources() {
    let out = Run::new(&["regimens", "show", "cisplatin-ifosfamide"]).success();
    assert!(out.contains("  - requires: CrCl\n"), "{out}");
    assert!(
        out.contains("  - organ rule (table kintzel-dorr): when crcl < 40 mL/min → stop (Kintzel PE, Dorr RT."),
        "{out}"
    );
    let out = Run::new(&["regimens", "show", "cisplatin-ifosfamide-case-report"]).success();
    assert!(
        out.contains("day list NOT CONFIRMED by the source"),
        "{out}"
    );
    let out = Run::new(&[
        "regimens",
        "show",
        "cisplatin-ifosfamide",
        "--format",
        "json",
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cis = &v["drugs"][0];
    assert_eq!(cis["requires"], serde_json::json!(["crcl"]));
    assert_eq!(cis["days_confirmed"], true);
    assert_eq!(cis["rules"][0]["kind"], "organ");
    assert_eq!(cis["rules"][0]["when"], "crcl < 60 mL/min");
    assert_eq!(cis["rules"][0]["then"], "stop");
    assert_eq!(cis["rules"][1]["set"], "kintzel-dorr");
}

#[test]
fn a_delay_for_a_cycle_not_scheduled_names_the_flag_only_in_the_hint() {
    let err = Run::new(&[
        "schedule",
        "doxorubicin",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--bilirubin",
        "0.6mg/dL",
        "--start",
        "2026-12-01",
        "--delay",
        "9=7",
    ])
    .fails(2);
    assert!(
        err.contains(
            "a delay names cycle 9, but the schedule has cycles 1 to 6. Check --delay CYCLE=DAYS"
        ),
        "{err}"
    );
}

/// Issue 14: an override's reason is printed beside every dose it concerns; a
/// line break in it forged a line of the dose table, an ESC drove the
/// terminal. The reason is refused (exit 2), the character shown by its code.
#[test]
fn regression_override_reasons_with_control_characters_are_refused() {
    let args = [
        "dose",
        "doxorubicin",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--bilirubin",
        "0.6mg/dL",
        "--cycles",
        "8",
    ];
    for flag in [
        [
            "--override",
            "lifetime-limit=reviewed\nDOXOrubicin 9,999 mg",
        ],
        ["--allow-over-limit", "reviewed \u{1B}[8mhidden"],
        ["--override", "lifetime-limit=reviewed \u{202E}ygolocno"],
    ] {
        let mut all = args.to_vec();
        all.extend(flag);
        let run = Run::new(&all);
        let err = run.fails(2);
        assert!(err.contains("plain printable text"), "{err}");
        assert!(
            !err.contains('\u{1B}') && !err.contains('\u{202E}') && !err.contains("\nDOXO"),
            "{err:?}"
        );
        assert_eq!(run.stdout(), "");
    }
}

/// Issue 14: `bsa --height 50cm --weight 3kg --bsa-round 1` reported 0 m²
/// for dosing. A step coarser than 0.1 m² is refused; at 0.1 m²,
/// sqrt(150 / 3600) = 0.204124 m² is used as 0.2 m².
#[test]
fn regression_bsa_rounding_step_is_at_most_a_tenth() {
    let args = |step| {
        [
            "bsa",
            "--height",
            "50cm",
            "--weight",
            "3kg",
            "--bsa-round",
            step,
            "--format",
            "json",
        ]
    };
    let err = Run::new(&args("1")).fails(2);
    assert!(err.contains("write 0.1, 0.01, 0.001 or none"), "{err}");
    let out = Run::new(&args("0.1")).success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["bsa_m2_rounded"].as_f64(), Some(0.2));
    assert!((v[0]["bsa_m2"].as_f64().unwrap() - 0.204_124).abs() < 1e-6);
}

/// Issue 14: a golden check file is read through the bounded reader: a
/// pipe named like one is refused, not waited on.
#[cfg(unix)]
#[test]
fn regression_verify_does_not_wait_on_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("gem.checks.toml");
    if !std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .is_ok_and(|s| s.success())
    {
        return;
    }
    let err = Run::within(&["verify", pipe.to_str().unwrap()], 5).fails(2);
    assert!(
        err.contains("gem.checks.toml: a named pipe, not a regular file: give the path of a golden check file"),
        "{err}"
    );
}

/// Issue 14: a value that starts with `-` given to an option that does not
/// take one (`--patient-id -5`, `--sex -inf`) read "unexpected argument '-5'
/// found", naming neither the option nor what to write.
#[test]
fn regression_a_value_starting_with_a_hyphen_names_its_option() {
    let err = Run::new(&[
        "schedule",
        "doxorubicin",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--patient-id",
        "-5",
    ])
    .fails(2);
    assert_eq!(
        err,
        "error: the value of --patient-id starts with '-' (`-5`), so it was read as an option and --patient-id had none. Write --patient-id=-5 if that is the value you meant\n"
    );
    // A flag that takes no value is left to clap's own message.
    let err = Run::new(&["bsa", "--height", "170cm", "--weight", "70kg", "-x"]).fails(2);
    assert!(err.contains("unexpected argument '-x' found"), "{err}");
}

/// Issue 14: a 100,000-character value was echoed whole by clap and by our
/// own messages (64 KiB and more of stderr). Every run of more than 120
/// characters without a space is clipped to its first 60 and its length.
#[test]
fn regression_long_values_are_clipped_in_messages() {
    let long = "x".repeat(100_000);
    let err = Run::new(&[
        "dose",
        "doxorubicin",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--sex",
        &long,
    ])
    .fails(2);
    assert!(err.len() < 1024, "{} bytes", err.len());
    assert!(
        err.contains(&format!("'{}…(100002 characters)", "x".repeat(59))),
        "{err}"
    );
    let err = Run::new(&["regimens", "show", &long]).fails(2);
    assert!(err.len() < 1024, "{} bytes", err.len());
}

/// A date of birth on or after day 1 of the course identifies no one on the
/// printed page (often the start date typed twice): refused, exit 2, with
/// what to write; one before it is printed.
#[test]
fn a_date_of_birth_not_before_the_course_start_is_refused() {
    let args = |dob: &'static str| {
        [
            "schedule",
            "doxorubicin",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--bilirubin",
            "0.5mg/dL",
            "--dob",
            dob,
            "--format",
            "html",
        ]
    };
    let run = Run::new(&args("2026-12-01"));
    let err = run.fails(2);
    assert!(
        err.contains("--dob 2026-12-01 is not before the course start"),
        "{err}"
    );
    let page = Run::new(&args("1961-04-02")).success();
    assert!(page.contains("Date of birth: <b>1961-04-02</b>"), "{page}");
}

/// `--measured-on`: the date height and weight were measured, printed beside
/// them in the schedule's text, JSON and HTML (issue 17, part 3); without
/// it the JSON says null and the printed page leaves a line to fill by hand.
#[test]
fn measured_on_is_printed_beside_height_and_weight_in_every_schedule_format() {
    let args = |format: &'static str, measured: Option<&'static str>| {
        let mut a = vec![
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--cycles",
            "1",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--format",
            format,
        ];
        if let Some(d) = measured {
            a.extend(["--measured-on", d]);
        }
        a
    };
    let text = Run::new(&args("text", Some("2026-11-30"))).success();
    assert!(
        text.contains("Patient: height 170 cm, weight 70 kg (measured 2026-11-30)\n"),
        "{text}"
    );
    let md = Run::new(&args("md", Some("2026-11-30"))).success();
    assert!(
        md.contains("- Patient: height 170 cm, weight 70 kg (measured 2026-11-30)\n"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&Run::new(&args("json", Some("2026-11-30"))).success()).unwrap();
    assert_eq!(json["patient"]["measured_on"], "2026-11-30");
    let html = Run::new(&args("html", Some("2026-11-30"))).success();
    assert!(
        html.contains("<p>Height and weight measured on: <b>2026-11-30</b></p>"),
        "{html}"
    );
    // Not given: no date in text, null in JSON, a blank on the page.
    let text = Run::new(&args("text", None)).success();
    assert!(
        text.contains("Patient: height 170 cm, weight 70 kg\n"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&Run::new(&args("json", None)).success()).unwrap();
    assert!(json["patient"]["measured_on"].is_null(), "{json}");
    let html = Run::new(&args("html", None)).success();
    assert!(
        html.contains(
            "<p>Height and weight measured on: <span class=\"fill\">______________________ (write by hand)</span></p>"
        ),
        "{html}"
    );
}

/// `--scr-date` and the laboratory results on the schedule (issue 17, part
/// 3): each measurement with its date. The lab values are those of the
/// normal labs file; bilirubin 9 µmol/L is 9 / 17.104 = 0.526 mg/dL
/// (bilirubin 584.66 g/mol), its ULN 21 µmol/L 1.228 mg/dL.
#[test]
fn serum_creatinine_and_lab_results_are_printed_with_their_dates() {
    let args = |format: &'static str, scr_date: &'static str| {
        vec![
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--cycles",
            "1",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--scr",
            "0.9mg/dL",
            "--scr-date",
            scr_date,
            "--format",
            format,
        ]
    };
    let text = Run::new(&args("text", "2026-11-29")).success();
    for line in [
        "Patient: height 170 cm, weight 70 kg, serum creatinine 0.9 mg/dL (measured 2026-11-29)\n",
        "Lab: ANC 3.2 ×10⁹/L, taken 2026-11-30\n",
        "Lab: total bilirubin 0.526 mg/dL (ULN 1.228 mg/dL), taken 2026-11-30\n",
        "Lab: AST 24 units/L (ULN 40 units/L), taken 2026-11-30\n",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
    let html = Run::new(&args("html", "2026-11-29")).success();
    assert!(
        html.contains("<p>Serum creatinine measured on: <b>2026-11-29</b></p>"),
        "{html}"
    );
    assert!(
        html.contains("<p>Lab: ALP 88 units/L (ULN 130 units/L), taken 2026-11-30</p>"),
        "{html}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&Run::new(&args("json", "2026-11-29")).success()).unwrap();
    assert_eq!(json["patient"]["scr_measured_on"], "2026-11-29");
    assert_eq!(json["labs"][0]["lab"], "anc");
    assert_eq!(json["labs"][0]["value"], 3.2);
    assert_eq!(json["labs"][0]["date"], "2026-11-30");
    // After day 1 of the course: refused like --measured-on.
    let err = Run::new(&args("text", "2026-12-02")).fails(2);
    assert!(
        err.contains(
            "--scr-date 2026-12-02 is after day 1 of the course, --start 2026-12-01: \
             write the date serum creatinine was measured, on or before 2026-12-01 (YYYY-MM-DD)"
        ),
        "{err}"
    );
    // Without labs, the page says none were given.
    let out = Run::new(&[
        "schedule",
        "doxorubicin",
        "--start",
        "2026-12-01",
        "--cycles",
        "1",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--override",
        "missing-bilirubin=test: no labs at all",
    ])
    .success();
    assert!(out.contains("Laboratory results: none given\n"), "{out}");
}

/// A measurement date after day 1 of the course (often the two dates
/// swapped) would print that the patient was measured after being dosed:
/// refused, exit 2, with what to write. Day 1 itself is accepted.
#[test]
fn measured_on_after_the_course_start_is_refused() {
    let args = |measured: &'static str| {
        [
            "schedule",
            "gemcitabine-docetaxel",
            "--start",
            "2026-12-01",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--measured-on",
            measured,
        ]
    };
    let err = Run::new(&args("2026-12-02")).fails(2);
    assert!(
        err.contains(
            "--measured-on 2026-12-02 is after day 1 of the course, --start 2026-12-01: \
             write the date height and weight were measured, on or before 2026-12-01 (YYYY-MM-DD)"
        ),
        "{err}"
    );
    let out = Run::new(&args("2026-12-01")).success();
    assert!(out.contains("(measured 2026-12-01)"), "{out}");
    // Not a date: the date parser's message, exit 2.
    let err = Run::new(&args("30/11/2026")).fails(2);
    assert!(err.contains("--measured-on"), "{err}");
}

/// `dose --measured-on`: printed in text and JSON; a date after the
/// treatment date (`--on`) is refused like a schedule's after `--start`.
#[test]
fn dose_prints_measured_on_and_refuses_it_after_the_treatment_date() {
    let args = |format: &'static str, measured: &'static str| {
        let mut a = vec![
            "dose",
            "gemcitabine-docetaxel",
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--measured-on",
            measured,
            "--format",
            format,
        ];
        a.extend(common::NORMAL_LABS);
        a
    };
    let text = Run::new(&args("text", "2026-11-28")).success();
    assert!(
        text.contains("Patient: height 170 cm, weight 70 kg (measured 2026-11-28)\n"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&Run::new(&args("json", "2026-11-28")).success()).unwrap();
    assert_eq!(json["patient"]["measured_on"], "2026-11-28");
    // NORMAL_LABS judges on --on 2026-12-01.
    let err = Run::new(&args("text", "2026-12-02")).fails(2);
    assert!(
        err.contains("--measured-on 2026-12-02 is after the treatment date, --on 2026-12-01"),
        "{err}"
    );
}

/// With a history, `--measured-on` dates the `--height` and `--weight` typed
/// with it, and is refused without them (it would date the history's); the
/// history's latest height and weight, measured the same day, bring their
/// date.
#[test]
fn measured_on_with_a_history() {
    let dir = std::env::temp_dir().join(format!("chemodose-measured-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let history = dir.join("history.toml");
    std::fs::write(
        &history,
        "[patient]\nid = \"P-1\"\nsex = \"female\"\n\n\
         [[measurement]]\ndate = 2026-10-01\nheight = \"170cm\"\nweight = \"72kg\"\n\n\
         [[measurement]]\ndate = 2026-11-20\nheight = \"170cm\"\nweight = \"70kg\"\n",
    )
    .unwrap();
    let history = history.to_str().unwrap();
    let base = [
        "schedule",
        "gemcitabine-docetaxel",
        "--start",
        "2026-12-01",
        "--cycles",
        "1",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--history",
        history,
    ];
    let out = Run::new(&base).success();
    assert!(
        out.contains("Patient: height 170 cm, weight 70 kg (measured 2026-11-20), female"),
        "{out}"
    );
    let mut typed = base.to_vec();
    typed.extend(["--weight", "69kg", "--measured-on", "2026-11-29"]);
    let err = Run::new(&typed).fails(2);
    assert!(err.contains("--height"), "{err}");
    typed.extend(["--height", "170cm"]);
    let out = Run::new(&typed).success();
    assert!(
        out.contains("Patient: height 170 cm, weight 69 kg (measured 2026-11-29), female"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 17, part 3: every laboratory value on the printed page shows its
/// result date: the laboratory results block and the verdicts; this pins
/// that a value printed there comes with its date (the labs file's results
/// are dated 2026-11-30: ANC 3.2, platelets 245 ×10⁹/L, bilirubin 9 µmol/L
/// = 0.53 mg/dL, AST 24, ALT 22, ALP 88 U/L).
#[test]
fn lab_values_on_the_printed_page_carry_their_result_date() {
    let html = Run::new(&[
        "schedule",
        "gemcitabine-docetaxel",
        "--start",
        "2026-12-01",
        "--cycles",
        "2",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--labs",
        common::NORMAL_LABS_FILE,
        "--on",
        "2026-12-01",
        "--format",
        "html",
    ])
    .success();
    // The page's text, a line per element.
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push('\n');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let values = [
        "3.2", "245", "0.53", "9 µmol", "9 umol", "24 U", "22 U", "88 U",
    ];
    for line in text.lines() {
        // The print time ("Printed 2026-12-02 06:22 UTC") is not a lab value.
        if line.contains("Printed ") {
            continue;
        }
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ':')
            .collect();
        for v in values {
            let printed = if v.contains(' ') {
                line.contains(v)
            } else {
                words.contains(&v)
            };
            assert!(
                !printed || line.contains("2026-11-30"),
                "a lab value without its date: {line}"
            );
        }
    }
    // The day-1 verdict is printed, judged on those results.
    assert!(text.contains("PROCEED"), "{text}");
}

/// Issue 18: `--round docetaxel=bands` was refused although regimen files
/// list dose bands. It now takes the drug's bands from the regimen file,
/// and says so when the regimen lists none.
#[test]
fn round_drug_bands_takes_the_regimen_file_s_bands() {
    let dir = std::env::temp_dir().join(format!("chemodose-bands-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string("regimens/gemcitabine-docetaxel.toml").unwrap();
    let banded = text.replacen(
        "days = \"1,8\"\nround = \"1 mg\"",
        "days = \"1,8\"\nround = \"bands\"\nbands = [\"1400 mg\", \"1600 mg\", \"1800 mg\"]",
        1,
    );
    assert_ne!(banded, text, "the gemcitabine line moved");
    let path = dir.join("gemcitabine-docetaxel.toml");
    std::fs::write(&path, banded).unwrap();
    let path = path.to_str().unwrap();
    let run = |round: &str| {
        Run::new(&[
            "dose",
            path,
            "--height",
            "170cm",
            "--weight",
            "70kg",
            "--round",
            "1mg",
            "--round",
            round,
            "--format",
            "json",
            "--labs",
            common::NORMAL_LABS_FILE,
            "--on",
            "2026-12-01",
        ])
    };
    // BSA sqrt(170 × 70 / 3600) = 1.8181 → 1.82 m²; 900 × 1.82 = 1638 mg;
    // the nearest band is 1600 mg (−2.32 %), where 1 mg for all drugs alone
    // would have given 1638 mg.
    let out = run("gemcitabine=bands").success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let gem = &v["administrations"][0];
    assert_eq!(gem["drug"], "gemcitabine");
    assert_eq!(gem["calculated_mg"].as_f64().unwrap(), 1638.0);
    assert_eq!(gem["final_mg"].as_f64().unwrap(), 1600.0);
    // Docetaxel has no bands in the file: refused, with the rule it has.
    let err = run("docetaxel=bands").fails(2);
    assert!(
        err.contains("lists no dose bands for docetaxel") && err.contains("docetaxel=10mg"),
        "{err}"
    );
    // Bands are one drug's.
    let err = run("bands").fails(2);
    assert!(err.contains("DRUG=bands"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 18: a refusal held a ~400-character citation in its one error
/// line. The error is one line; the citation, the override and where the
/// rule is explained follow on `help:` lines.
#[test]
fn a_refusal_is_one_line_with_its_citation_on_a_help_line() {
    // 10 cycles × 75 mg/m² = 750 mg/m² of doxorubicin, over the 550 mg/m² limit.
    let err = Run::new(&[
        "dose",
        "doxorubicin",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--bilirubin",
        "0.6mg/dL",
        "--cycles",
        "10",
    ])
    .fails(1);
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with("error: refused: DOXOrubicin: cumulative")
            && lines[0].ends_with("would exceed the lifetime limit of 550 mg/m²"),
        "{err}"
    );
    assert!(lines[0].len() < 200, "{err}");
    assert!(lines[1..].iter().all(|l| l.starts_with("help: ")), "{err}");
    assert!(
        err.contains("help: source: DOXOrubicin limit: MIMS doxorubicin"),
        "{err}"
    );
    assert!(
        err.contains("--override lifetime-limit=\"<reason>\""),
        "{err}"
    );
    assert!(
        err.contains(
            "help: the rule, its source and how to override it: chemodose explain lifetime-limit"
        ),
        "{err}"
    );
}

#[test]
fn explain_prints_the_rule_its_source_and_the_override() {
    let out = Run::new(&["explain", "lifetime-limit"]).success();
    assert!(out.starts_with("lifetime-limit\n"), "{out}");
    assert!(out.contains("Rule: The cumulative dose"), "{out}");
    assert!(out.contains("Source: The drug's `lifetime_limit`"), "{out}");
    assert!(
        out.contains("Override: --override lifetime-limit=\"<reason>\""),
        "{out}"
    );
    // A code of a family, as a refusal names it.
    let out = Run::new(&["explain", "hold-docetaxel"]).success();
    assert!(
        out.contains("--override hold-docetaxel=\"<reason>\""),
        "{out}"
    );
    // Without a code: the list.
    let out = Run::new(&["explain"]).success();
    for code in [
        "status-draft",
        "lifetime-limit",
        "organ-DRUG-INPUTS",
        "hold-DRUG",
    ] {
        assert!(out.contains(&format!("  {code}\n")), "{out}");
    }
    let err = Run::new(&["explain", "no-such-code"]).fails(2);
    assert!(err.contains("`no-such-code` is not a stop code"), "{err}");
}
