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
    assert!(out.contains("CARBOplatin 612.4 mg"), "{out}");
    assert!(out.contains("Cockcroft-Gault, actual weight"), "{out}");
}

#[test]
fn carboplatin_without_gfr_or_measurements_names_what_is_missing() {
    let err = Run::new(&["carboplatin", "--auc", "5", "--age", "60"]).fails(2);
    assert!(err.contains("--weight, --sex, --scr"), "{err}");
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
        "--weight-basis",
        "ideal",
    ])
    .fails(2);
    assert!(err.contains("needs a height"), "{err}");
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    Run::new(&["frobnicate"]).fails(2);
}
