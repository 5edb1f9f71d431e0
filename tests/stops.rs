//! Every safety stop through the real binary, on the bundled regimens: the
//! refusal (exit 1, one message naming the stop's code), then the same dose
//! with `--override CODE="reason"` (exit 0, the reason beside the dose).
//! The commands are those of issue 13's acceptance list where it gives one.
//! Figures are worked by hand beside each test.

mod common;

use common::Run;

/// 165 cm, 60 kg: BSA = sqrt(165 × 60 / 3600) = sqrt(2.75) = 1.6583 → 1.66 m².
const BODY: [&str; 4] = ["--height", "165cm", "--weight", "60kg"];

/// Normal liver tests and counts, dated 2026-11-30 (docs/examples).
const LABS: [&str; 4] = [
    "--labs",
    "docs/examples/gemdoc-labs.toml",
    "--on",
    "2026-12-01",
];

fn run(head: &[&str], tail: &[&str]) -> Run {
    let args: Vec<&str> = head
        .iter()
        .chain(BODY.iter())
        .chain(tail.iter())
        .copied()
        .collect();
    Run::new(&args)
}

/// Refused with exit 1, naming `code` in the override it offers.
fn refused(head: &[&str], tail: &[&str], code: &str) -> String {
    let err = run(head, tail).fails(1);
    assert!(
        err.contains(&format!("--override {code}=")),
        "the refusal does not offer {code}: {err}"
    );
    err
}

/// Given with the reason for `code`, which is printed beside the dose.
fn overridden(head: &[&str], tail: &[&str], code: &str) -> String {
    let reason = format!("{code}=test reason for {code}");
    let mut tail = tail.to_vec();
    tail.extend(["--override", reason.as_str()]);
    let out = run(head, &tail).success();
    assert!(
        out.contains(&format!("override {code}: test reason for {code}")),
        "{out}"
    );
    out
}

#[test]
fn cisplatin_without_renal_function_is_refused_naming_it() {
    let err = refused(&["dose", "cisplatin-ifosfamide"], &[], "missing-crcl");
    assert!(
        err.contains("CISplatin needs creatinine clearance"),
        "{err}"
    );
    assert!(
        err.contains("Give --scr, --age and --sex, or --gfr"),
        "{err}"
    );
}

#[test]
fn cisplatin_at_crcl_31_stops_until_the_site_chooses_a_band_table() {
    // 78 years, female, SCr 1.4 mg/dL: CrCl = (140 − 78) × 60 / (72 × 1.4)
    // × 0.85 = 3,720 / 100.8 × 0.85 = 31.37 → 31.4 mL/min, below 60: stop by
    // default (the label gives no figures and the tables disagree).
    let renal = ["--age", "78", "--sex", "female", "--scr", "1.4mg/dL"];
    let err = refused(
        &["dose", "cisplatin-ifosfamide"],
        &renal,
        "organ-cisplatin-crcl",
    );
    assert!(err.contains("CrCl 31.4 mL/min"), "{err}");
    assert!(err.contains("--rule-set cisplatin=kintzel-dorr"), "{err}");
    // With Kintzel & Dorr chosen, < 40 mL/min is still "avoid".
    let mut chosen = renal.to_vec();
    chosen.extend(["--rule-set", "cisplatin=kintzel-dorr"]);
    let err = refused(
        &["dose", "cisplatin-ifosfamide"],
        &chosen,
        "organ-cisplatin-crcl",
    );
    assert!(err.contains("CrCl < 40 mL/min, avoid"), "{err}");
}

#[test]
fn cisplatin_in_a_kintzel_dorr_band_is_given_at_75_percent_and_shown() {
    // 60 years, female, SCr 1.1 mg/dL: CrCl = 80 × 60 / 79.2 × 0.85 = 51.5
    // mL/min, in the 50-60 band: 75 %. Cisplatin 20 mg/m² × 1.66 = 33.2 mg
    // → × 0.75 = 24.9 mg → 25 mg. Ifosfamide's own default stop (≤ 60)
    // gives way to its Medscape table: 30-60 → 75 %.
    let out = run(
        &["dose", "cisplatin-ifosfamide", "--format", "json"],
        &[
            "--age",
            "60",
            "--sex",
            "female",
            "--scr",
            "1.1mg/dL",
            "--rule-set",
            "cisplatin=kintzel-dorr",
            "--rule-set",
            "ifosfamide=medscape",
            "--platelets",
            "200x10^9/L",
        ],
    )
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cis = v["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["drug"] == "cisplatin")
        .unwrap();
    assert_eq!(cis["final_dose"].as_f64(), Some(25.0), "{cis}");
    let rule = cis["adjustments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "rule")
        .unwrap();
    assert!(
        rule["rule"]["source"].as_str().unwrap().contains("Kintzel"),
        "{rule}"
    );
}

#[test]
fn docetaxel_with_bilirubin_above_the_uln_is_refused_citing_its_label() {
    // 30 / 21 = 1.43 × ULN > 1 × ULN: the boxed warning. (30 µmol/L is also
    // 1.75 mg/dL, at which gemcitabine stops too.)
    let mut tail = LABS.to_vec();
    tail.extend(["--bilirubin", "30umol/L", "--bilirubin-uln", "21umol/L"]);
    let err = refused(
        &["dose", "gemcitabine-docetaxel"],
        &tail,
        "organ-docetaxel-bilirubin",
    );
    assert!(err.contains("total bilirubin 1.43 × ULN"), "{err}");
    assert!(err.contains("boxed warning"), "{err}");
}

#[test]
fn a_times_uln_rule_on_a_value_without_its_uln_stops() {
    let tail = [
        "--bilirubin",
        "0.6mg/dL",
        "--ast",
        "20U/L",
        "--ast-uln",
        "40U/L",
        "--alt",
        "20U/L",
        "--alt-uln",
        "40U/L",
        "--alp",
        "80U/L",
        "--alp-uln",
        "130U/L",
    ];
    let err = refused(
        &["dose", "gemcitabine-docetaxel"],
        &tail,
        "unjudged-docetaxel-bilirubin",
    );
    assert!(err.contains("Give --bilirubin-uln"), "{err}");
}

#[test]
fn anc_0_9_on_day_1_holds_and_no_counts_are_not_checked_on_dose_and_schedule() {
    let mut tail = LABS.to_vec();
    tail.extend(["--anc", "0.9x10^9/L"]);
    let err = refused(
        &["dose", "gemcitabine-docetaxel"],
        &tail,
        "hold-gemcitabine",
    );
    assert!(err.contains("HOLD gemcitabine day 1"), "{err}");
    overridden(
        &["dose", "gemcitabine-docetaxel"],
        &tail,
        "hold-gemcitabine",
    );
    // Liver tests only, no counts: the dose is shown, NOT CHECKED.
    let liver = [
        "--bilirubin",
        "9umol/L",
        "--bilirubin-uln",
        "21umol/L",
        "--ast",
        "24U/L",
        "--ast-uln",
        "40U/L",
        "--alt",
        "22U/L",
        "--alt-uln",
        "45U/L",
        "--alp",
        "88U/L",
        "--alp-uln",
        "130U/L",
    ];
    let out = run(&["dose", "gemcitabine-docetaxel"], &liver).success();
    assert!(out.contains("*** DAY 1 NOT CHECKED"), "{out}");
    assert!(
        out.contains("NOT CHECKED: ANC not given, platelets not given"),
        "{out}"
    );
    let mut sched = liver.to_vec();
    sched.extend(["--start", "2026-12-01", "--cycles", "1"]);
    let out = run(&["schedule", "gemcitabine-docetaxel"], &sched).success();
    assert_eq!(
        out.matches("NOT CHECKED: ANC not given").count(),
        3,
        "gemcitabine days 1 and 8, docetaxel day 8: {out}"
    );
}

#[test]
fn a_withdrawn_regimen_is_refused_and_a_draft_one_too() {
    let bili = ["--bilirubin", "0.6mg/dL"];
    let err = refused(
        &["dose", "olaratumab-doxorubicin"],
        &bili,
        "status-withdrawn",
    );
    assert!(err.contains("WITHDRAWN"), "{err}");
    let err = refused(
        &["dose", "carboplatin-paclitaxel"],
        &["--gfr", "90mL/min"],
        "status-draft",
    );
    assert!(err.contains("DRAFT"), "{err}");
}

#[test]
fn a_case_report_day_list_must_be_stated() {
    let renal = ["--age", "50", "--sex", "female", "--scr", "0.8mg/dL"];
    let err = refused(
        &["dose", "cisplatin-ifosfamide-case-report"],
        &renal,
        "unconfirmed-days-cisplatin",
    );
    assert!(err.contains("the source gives no day list"), "{err}");
    // Stated: cisplatin and ifosfamide on days 1-4 (GOG 108's cut), mesna
    // following ifosfamide.
    let mut stated = renal.to_vec();
    stated.extend([
        "--days",
        "cisplatin=1-4",
        "--days",
        "ifosfamide=1-4",
        "--format",
        "json",
    ]);
    let out = run(&["dose", "cisplatin-ifosfamide-case-report"], &stated).success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let days = |drug: &str| -> Vec<u64> {
        v["administrations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["drug"] == drug)
            .map(|a| a["day"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(days("cisplatin"), [1, 2, 3, 4]);
    // Three mesna doses a day.
    let mut mesna = days("mesna");
    assert_eq!(mesna.len(), 12);
    mesna.dedup();
    assert_eq!(mesna, [1, 2, 3, 4]);
}

#[test]
fn a_toxicity_the_label_stops_for_is_a_stop() {
    let mut tail = LABS.to_vec();
    tail.extend(["--toxicity", "peripheral-neuropathy=3"]);
    let err = refused(
        &["dose", "gemcitabine-docetaxel"],
        &tail,
        "toxicity-docetaxel-peripheral-neuropathy",
    );
    assert!(err.contains("DOCEtaxel"), "{err}");
}

#[test]
fn two_changes_to_one_dose_stop_and_overridden_never_give_more_than_either() {
    // Eribulin, CrCl = 90 × 60 / 57.6 × 0.85 = 79.7 mL/min (no renal change).
    // Child-Pugh B → 0.7 mg/m²; febrile neutropenia → level -1 (1.1 mg/m²).
    let tail = [
        "--age",
        "50",
        "--sex",
        "female",
        "--scr",
        "0.8mg/dL",
        "--child-pugh",
        "B",
        "--toxicity",
        "febrile-neutropenia=3",
    ];
    let err = refused(&["dose", "eribulin"], &tail, "combined-eribulin");
    assert!(err.contains("Child-Pugh class B"), "{err}");
    // Both applied: 0.7 × 1.66 = 1.162 mg, not raised by the level (1.1 ×
    // 1.66 = 1.826 mg); to the nearest 0.1 mg: 1.2 mg.
    let out = overridden(&["dose", "eribulin"], &tail, "combined-eribulin");
    let day1 = out.lines().find(|l| l.starts_with("1 ")).unwrap();
    let tokens: Vec<&str> = day1.split_whitespace().collect();
    assert!(
        tokens.windows(3).any(|w| w == ["1.2", "mg", "IV"]),
        "{day1}"
    );
}

#[test]
fn an_override_for_a_code_no_stop_has_is_refused_and_an_unused_one_is_noted() {
    let bili = ["--bilirubin", "0.6mg/dL"];
    let mut typo = bili.to_vec();
    typo.extend(["--override", "lifetime-limt=typing error in the code"]);
    let err = run(&["dose", "doxorubicin"], &typo).fails(2);
    assert!(err.contains("`lifetime-limt` is not a stop code"), "{err}");
    // A well-formed code that no stop of this dose raised: given, with a note.
    let mut unused = bili.to_vec();
    unused.extend(["--override", "hold-docetaxel=reason for another regimen"]);
    let r = run(&["dose", "doxorubicin"], &unused);
    r.success();
    assert!(
        r.stderr()
            .contains("note: --override hold-docetaxel was not used: no such stop arose"),
        "{}",
        r.stderr()
    );
}

#[test]
fn a_site_factor_set_is_read_from_a_file_and_named_with_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site.toml");
    let text = r#"id = "site-2026"
name = "Site anthracycline equivalents, 2026 review"

[[factor]]
drug = "doxorubicin"
factor = 1
source = "reference drug"
"#;
    std::fs::write(&site, text).unwrap();
    let site = site.to_str().unwrap();
    // 75 × 1.66 = 124.5 mg, held under the 75 mg/m² ceiling: 124 mg a cycle;
    // 6 × 124 / 1.66 = 448.19 mg/m² ≥ 80 % of 550: the near-limit warning,
    // naming the site's set.
    let out = run(
        &["dose", "doxorubicin"],
        &["--bilirubin", "0.6mg/dL", "--anthracycline-factors", site],
    )
    .success();
    assert!(
        out.contains(
            "counted as doxorubicin equivalents (Site anthracycline equivalents, 2026 review)"
        ),
        "{out}"
    );
    // The reference drug's factor is 1: anything else is refused, located.
    std::fs::write(
        dir.path().join("bad.toml"),
        text.replace("factor = 1", "factor = 0.9"),
    )
    .unwrap();
    let bad = dir.path().join("bad.toml");
    let err = run(
        &["dose", "doxorubicin"],
        &[
            "--bilirubin",
            "0.6mg/dL",
            "--anthracycline-factors",
            bad.to_str().unwrap(),
        ],
    )
    .fails(2);
    assert!(
        err.contains("bad.toml:6:10: doxorubicin is the reference drug: its factor is 1"),
        "{err}"
    );
}
