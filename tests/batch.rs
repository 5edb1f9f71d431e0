//! Batch dosing gives exactly the doses of the dose engine, row by row, on the
//! fast path and on the engine path; bad rows are skipped with their line.

mod common;

use chemodose::batch::{BatchError, BatchPlan, Layout, run_batch};
use chemodose::bsa::BsaRounding;
use chemodose::dose::{DoseOptions, calculate};
use chemodose::patient::Patient;
use chemodose::quantity::DoseUnit;
use chemodose::quantity::{parse_gfr, parse_height, parse_weight};
use chemodose::regimen::{Library, Regimen, RoundingRule};
use rust_decimal::Decimal;

/// `options` with the normal results of `docs/examples/gemdoc-labs.toml`
/// (bilirubin 9 µmol/L = 0.53 mg/dL, below doxorubicin's 1.2 mg/dL band):
/// the inputs the regimens' rules require; no rule fires on them.
fn normal_labs(options: DoseOptions) -> DoseOptions {
    common::with_normal_labs(&options)
}

fn regimen(id: &str) -> Regimen {
    Library::bundled().unwrap().get(id).unwrap().regimen.clone()
}

/// Batch rows carry no labs, and docetaxel requires bilirubin, AST, ALT and
/// ALP (gemcitabine-docetaxel 1.1.0): `options` with those stops overridden by
/// their documented codes, as a batch run must give them. The rules then
/// cannot be judged and change no dose, so the fast path still applies.
fn without_labs(options: DoseOptions) -> DoseOptions {
    let mut o = options;
    for code in [
        "missing-bilirubin",
        "missing-ast",
        "missing-alt",
        "missing-alp",
    ] {
        o.overrides
            .insert(code, "batch rows carry no labs: checked at the bedside");
    }
    o
}

/// Deterministic patients across adult sizes, plus exact-tie cases
/// (202.5 cm × 96.1 kg is exactly 2.325 m²; 900 × 2.325 = 2092.5 mg).
/// Pairs whose body-mass index is outside 10 to 100 kg/m² are refused as
/// mistyped and are drawn again.
fn patients_csv(n: usize) -> String {
    let mut s = String::from("id,height_cm,weight_kg\n");
    let mut x: u64 = 20_261_122;
    let mut i = 0;
    while i < n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let h = 1400 + (x >> 33) % 651; // 140.0 to 205.0 cm
        let w = 350 + (x >> 13) % 1501; // 35.0 to 185.0 kg
        let bmi = (w as f64 / 10.0) / (h as f64 / 1000.0).powi(2);
        if !(10.5..=99.5).contains(&bmi) {
            continue;
        }
        s.push_str(&format!(
            "{i},{}.{},{}.{}\n",
            h / 10,
            h % 10,
            w / 10,
            w % 10
        ));
        i += 1;
    }
    s.push_str("tie,202.5,96.1\n");
    s
}

fn run(
    plan: &BatchPlan<'_>,
    input: &str,
    layout: Layout,
) -> (String, chemodose::batch::BatchSummary) {
    let mut out = Vec::new();
    let summary = run_batch(plan, input.as_bytes(), &mut out, layout, 2, &mut |_| {}).unwrap();
    (String::from_utf8(out).unwrap(), summary)
}

fn compare_with_engine(id: &str, options: &DoseOptions, expect_fast: bool) {
    let r = regimen(id);
    let plan = BatchPlan::new(&r, options, 1);
    assert_eq!(plan.is_fast(), expect_fast, "{id}");
    let input = patients_csv(1500);
    let (out, summary) = run(&plan, &input, Layout::Wide);
    assert_eq!(summary.skipped, 0, "{:?}", summary.errors);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for (row, input_line) in lines.zip(input.lines().skip(1)) {
        let fields: Vec<&str> = row.split(',').collect();
        let cells: Vec<&str> = input_line.split(',').collect();
        let patient = Patient::new(
            parse_height(&format!("{}cm", cells[1])).unwrap(),
            parse_weight(&format!("{}kg", cells[2])).unwrap(),
        );
        let plan = calculate(&r, &patient, 1, options).unwrap();
        for (name, value) in header.iter().zip(&fields).skip(2) {
            let Some((drug, day)) = name.strip_suffix("_mg").and_then(|n| n.rsplit_once("_d"))
            else {
                continue;
            };
            let Ok(day) = day.parse::<i32>() else {
                continue;
            };
            // The day's total (mesna: three doses a day).
            let a = plan.day_dose(drug, day).unwrap();
            assert_eq!(
                value.parse::<Decimal>().unwrap(),
                a.final_mg(),
                "{id} patient {} {name}",
                cells[0]
            );
        }
    }
}

#[test]
fn fast_path_matches_the_engine_without_bsa_rounding() {
    let options = DoseOptions {
        bsa_rounding: BsaRounding::None,
        rounding: chemodose::dose::PerDrug {
            all: Some(RoundingRule::Nearest {
                step: DoseUnit::Mg.mass(1.0),
                unit: DoseUnit::Mg,
            }),
            ..Default::default()
        },
        ..DoseOptions::default()
    };
    compare_with_engine("gemcitabine-docetaxel", &without_labs(options), true);
}

#[test]
fn fast_path_matches_the_engine_with_bsa_rounding() {
    compare_with_engine(
        "gemcitabine-docetaxel",
        &without_labs(DoseOptions::default()),
        true,
    );
    compare_with_engine("doxorubicin", &normal_labs(DoseOptions::default()), false);
}

#[test]
fn engine_path_for_companions_and_multi_day_regimens() {
    // Cisplatin and ifosfamide require renal function, which this file does
    // not give: the arithmetic is compared with the stop overridden (the renal
    // rules then cannot be judged, and change nothing).
    let mut no_renal = DoseOptions::default();
    no_renal
        .overrides
        .insert("missing-crcl", "arithmetic comparison without creatinine");
    compare_with_engine("cisplatin-ifosfamide", &no_renal, false);
    // Doxorubicin needs bilirubin, dacarbazine renal function: normal values
    // (bilirubin 0.6 mg/dL; a GFR of 90 mL/min, above every dacarbazine band).
    compare_with_engine(
        "dacarbazine-doxorubicin-ci",
        &normal_labs(DoseOptions {
            planned_cycles: Some(6),
            gfr: Some(parse_gfr("90mL/min").unwrap()),
            ..DoseOptions::default()
        }),
        false,
    );
}

#[test]
fn the_exact_tie_rounds_up_in_batch() {
    let r = regimen("gemcitabine-docetaxel");
    let options = without_labs(DoseOptions {
        bsa_rounding: BsaRounding::None,
        ..DoseOptions::default()
    });
    let plan = BatchPlan::new(&r, &options, 1);
    let (out, _) = run(
        &plan,
        "id,height_cm,weight_kg\ntie,202.5,96.1\n",
        Layout::Wide,
    );
    // 900 × 2.325 = 2092.5 → 2093; 100 × 2.325 = 232.5 → 233; cycle 4186 + 233; course × 6
    assert_eq!(
        out.lines().nth(1).unwrap(),
        "tie,2.3250,2093,2093,233,4186,233,25116,1398"
    );
}

#[test]
fn header_matches_the_peer_script() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &DoseOptions::default(), 1);
    assert_eq!(
        plan.header(Layout::Wide),
        "id,bsa_m2,gemcitabine_d1_mg,gemcitabine_d8_mg,docetaxel_d8_mg,gemcitabine_cycle_mg,docetaxel_cycle_mg,gemcitabine_course_mg,docetaxel_course_mg\n"
    );
}

#[test]
fn units_in_cells_long_layout_and_bad_rows() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    let input = "id,height,weight,sex\na,170cm,70kg,female\nb,170,70kg,female\nc,1700cm,70kg,male\nd,67in,154lb,\n";
    let (out, summary) = run(&plan, input, Layout::Long);
    assert_eq!(summary.rows, 4);
    assert_eq!(summary.written, 2);
    assert_eq!(summary.skipped, 2);
    assert_eq!(summary.errors[0].line, 3);
    assert!(summary.errors[0].message.contains("height needs a unit"));
    assert_eq!(summary.errors[1].line, 4);
    assert!(summary.errors[1].message.contains("implausible"));
    // a: BSA 1.82 → gemcitabine 1638 on days 1 and 8, docetaxel 182 on day 8
    let a: Vec<&str> = out.lines().filter(|l| l.starts_with("a,")).collect();
    assert_eq!(
        a,
        [
            "a,1.8181,gemcitabine,1,1638",
            "a,1.8181,gemcitabine,8,1638",
            "a,1.8181,docetaxel,8,182"
        ]
    );
    // d: 67 in × 154 lb = 170.18 cm × 69.853 kg → sqrt(11887.6/3600) = 1.8172 → 1.82
    assert!(out.contains("d,1.8172,gemcitabine,1,1638"), "{out}");
}

#[test]
fn a_file_without_units_is_refused_with_the_fix() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &DoseOptions::default(), 1);
    let mut out = Vec::new();
    let e = run_batch(
        &plan,
        "id,height,weight\n1,170,70\n".as_bytes(),
        &mut out,
        Layout::Wide,
        2,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(e, BatchError::NoUnits { .. }), "{e}");
    assert!(e.to_string().contains("height_cm"), "{e}");
    let e = run_batch(
        &plan,
        "name,height_cm,weight_kg\n".as_bytes(),
        &mut out,
        Layout::Wide,
        2,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(e, BatchError::MissingColumn("id")), "{e}");
}

#[test]
fn large_input_in_many_blocks_keeps_order_and_counts() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    let input = patients_csv(60_000); // about 1.1 MB: more than one block
    let (out, summary) = run(&plan, &input, Layout::Wide);
    assert_eq!(summary.written, 60_001);
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids[0], "0");
    assert_eq!(ids[59_999], "59999");
    assert_eq!(ids[60_000], "tie");
}

/// The course column of a regimen whose cycles differ (olaratumab 20 mg/kg in
/// cycle 1, then 15 mg/kg) must be the engine's course total, not cycle 1 × N.
#[test]
fn regression_course_total_with_a_loading_dose() {
    let r = regimen("olaratumab-doxorubicin");
    let mut options = normal_labs(DoseOptions {
        planned_cycles: Some(6),
        ..DoseOptions::default()
    });
    // Withdrawn: every row would be refused without a reason.
    options
        .overrides
        .insert("status-withdrawn", "course totals test");
    let plan = BatchPlan::new(&r, &options, 1);
    let (out, summary) = run(&plan, "id,height_cm,weight_kg\n1,170,70\n", Layout::Wide);
    assert_eq!(summary.written, 1, "{:?}", summary.errors);
    let header: Vec<&str> = out.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    let col = |n: &str| row[header.iter().position(|h| *h == n).unwrap()];
    // olaratumab: cycle 1 20 × 70 = 1400 mg on days 1 and 8 = 2800; cycles 2-6
    // 15 × 70 = 1050 mg × 2 = 2100 each: course 2800 + 5 × 2100 = 13300 mg
    assert_eq!(col("olaratumab_cycle_mg"), "2800");
    assert_eq!(col("olaratumab_course_mg"), "13300");
    // doxorubicin 75 × 1.82 = 136.5 mg, at its ceiling share 75 mg/m² × 1.82 / 1 day
    // = 136.5 mg: 137 would cross it, so 136 mg per cycle × 6 = 816 mg
    assert_eq!(col("doxorubicin_course_mg"), "816");
}

/// Without the liver tests or their overrides, every gemcitabine-docetaxel
/// row is refused with the missing inputs, and none is written.
#[test]
fn rows_without_the_required_labs_are_skipped() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &DoseOptions::default(), 1);
    let (out, summary) = run(&plan, "id,height_cm,weight_kg\n1,170,70\n", Layout::Wide);
    assert_eq!(summary.written, 0);
    assert_eq!(summary.skipped, 1);
    assert!(
        summary.errors[0]
            .message
            .contains("DOCEtaxel needs total bilirubin"),
        "{:?}",
        summary.errors
    );
    assert_eq!(out.lines().count(), 1, "only the header: {out}");
}

/// Issue 14: a patient id `=HYPERLINK(...)` was written as it was read, and a
/// spreadsheet opening the output ran it as a formula. Every id that starts a
/// formula (`=`, `+`, `-`, `@`, after spaces too) is written with a single
/// quote in front (OWASP CSV injection); the BSA and the doses, which are
/// numbers, are written as numbers in both layouts.
#[test]
fn regression_formula_ids_are_neutralised_and_numbers_stay_numbers() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    let input = "id,height_cm,weight_kg\n\
        \"=HYPERLINK(\"\"http://evil.example/\"\",\"\"open\"\")\",170,70\n\
        +1,170,70\n-1,170,70\n@SUM(A1),170,70\n\"  =1+1\",170,70\nP-0042,170,70\n";
    for layout in [Layout::Wide, Layout::Long] {
        let (out, summary) = run(&plan, input, layout);
        assert_eq!(summary.skipped, 0, "{:?}", summary.errors);
        let mut reader = csv::ReaderBuilder::new().from_reader(out.as_bytes());
        let ids: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[0].to_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(
            ids,
            [
                "'  =1+1",
                "'+1",
                "'-1",
                "'=HYPERLINK(\"http://evil.example/\",\"open\")",
                "'@SUM(A1)",
                "P-0042",
            ],
            "{out}"
        );
        // 170 cm, 70 kg: Mosteller sqrt(170 × 70 / 3600) = 1.8181 m², 1.82 used;
        // gemcitabine 900 mg/m² × 1.82 = 1638 mg: a bare number in every row.
        for row in csv::ReaderBuilder::new()
            .from_reader(out.as_bytes())
            .records()
        {
            let row = row.unwrap();
            assert_eq!(&row[1], "1.8181", "{out}");
            let dose = if layout == Layout::Wide {
                &row[2]
            } else {
                &row[4]
            };
            assert!(dose.parse::<Decimal>().is_ok(), "{dose} in {out}");
        }
    }
}

/// Issue 14: a drug name that starts a formula reaches the header of the wide
/// layout and the drug column of the long one; both are text cells.
#[test]
fn regression_formula_drug_names_in_batch_headers_are_neutralised() {
    let text = include_str!("../regimens/doxorubicin.toml")
        .replace("name = \"doxorubicin\"", "name = \"@doxorubicin\"")
        .replace(
            "premedicates = \"doxorubicin\"",
            "premedicates = \"@doxorubicin\"",
        )
        .replace("cumulative doxorubicin", "cumulative @doxorubicin");
    let r = chemodose::regimen::parse_regimen("x.toml", &text).unwrap();
    let plan = BatchPlan::new(&r, &common::with_normal_labs(&DoseOptions::default()), 1);
    let header = plan.header(Layout::Wide);
    assert!(header.contains(",'@doxorubicin_d1_mg,"), "{header}");
    let (out, _) = run(&plan, "id,height_cm,weight_kg\na,170,70\n", Layout::Long);
    assert!(out.contains("a,1.8181,'@doxorubicin,1,"), "{out}");
}

/// Issue 14: an id with a control or bidirectional character is refused:
/// the row is skipped with its line and the character's code, the others are
/// dosed.
#[test]
fn regression_ids_with_control_or_bidi_characters_are_skipped() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    let input = "id,height_cm,weight_kg\n\"a\u{1B}[31m\",170,70\n\"b\u{202E}1\",170,70\nc,170,70\n";
    let (out, summary) = run(&plan, input, Layout::Wide);
    assert_eq!(summary.skipped, 2, "{:?}", summary.errors);
    assert_eq!(summary.errors[0].line, 2);
    assert!(
        summary.errors[0]
            .message
            .starts_with("the id holds a control character (U+001B, escape) at character 2"),
        "{:?}",
        summary.errors
    );
    assert_eq!(summary.errors[1].line, 3);
    assert!(
        summary.errors[1].message.contains("U+202E"),
        "{:?}",
        summary.errors
    );
    assert_eq!(out.lines().count(), 2, "header and c: {out}");
    assert!(
        out.lines().nth(1).unwrap().starts_with("c,1.8181,"),
        "{out}"
    );
}

/// Issue 14: one row whose BSA the rounding moved too far killed the whole
/// run (a panic: 0.2041 m² rounded to 0 m² by a 1 m² step, then divided
/// by). A 1 m² step is now refused up front; a row whose BSA a 0.1 m² step
/// moves beyond the 10 % tolerance (45 cm × 5 kg: exactly 0.25 → 0.3 m²,
/// +20 %) is a skipped row, and the rows around it are written: 170 cm ×
/// 70 kg is 1.8181 → 1.8 m² (−1 %): gemcitabine 900 × 1.8 = 1620 mg,
/// docetaxel 100 × 1.8 = 180 mg; 50 cm × 3 kg is 0.2041 → 0.2 m² (−2 %):
/// 180 and 20 mg.
#[test]
fn regression_one_row_beyond_the_bsa_rounding_tolerance_is_skipped() {
    let r = regimen("gemcitabine-docetaxel");
    let options = without_labs(DoseOptions {
        bsa_rounding: BsaRounding::Decimals(1),
        ..DoseOptions::default()
    });
    let plan = BatchPlan::new(&r, &options, 1);
    assert!(plan.is_fast());
    let input = "id,height_cm,weight_kg\na,170,70\nsmall,45,5\nb,50,3\n";
    let (out, summary) = run(&plan, input, Layout::Wide);
    assert_eq!((summary.rows, summary.written, summary.skipped), (3, 2, 1));
    assert_eq!(summary.errors[0].line, 3);
    assert!(
        summary.errors[0]
            .message
            .contains("rounding the BSA of 0.25 m² to 0.3 m² is a 20% change"),
        "{:?}",
        summary.errors
    );
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(rows[0].starts_with("a,1.8181,1620,1620,180,"), "{out}");
    assert!(rows[1].starts_with("b,0.2041,180,180,20,"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("p.csv");
    std::fs::write(&csv, input).unwrap();
    let err = common::Run::new(&[
        "batch",
        "gemcitabine-docetaxel",
        "--patients",
        csv.to_str().unwrap(),
        "--bsa-round",
        "1",
    ])
    .fails(2);
    assert!(err.contains("write 0.1, 0.01, 0.001 or none"), "{err}");
}

/// Issue 14: the patients file must be a regular file: `/dev/zero` and a
/// pipe are refused, naming what they are, before a byte is read.
#[cfg(unix)]
#[test]
fn regression_the_patients_file_must_be_a_regular_file() {
    let run = |path: &str| {
        common::Run::within(&["batch", "gemcitabine-docetaxel", "--patients", path], 5)
    };
    let err = run("/dev/zero").fails(2);
    assert!(
        err.contains("/dev/zero: a character device, not a regular file: give the path of a patients CSV file"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("p.csv");
    if std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .is_ok_and(|s| s.success())
    {
        let err = run(pipe.to_str().unwrap()).fails(2);
        assert!(
            err.contains("p.csv: a named pipe, not a regular file"),
            "{err}"
        );
    }
}

/// The real binary, run in the crate's folder.
fn chemodose(args: &[&str]) -> std::process::Command {
    let mut c = common::chemodose();
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHEMODOSE_REGIMENS")
        .env_remove("CHEMODOSE_FAILPOINT");
    c
}

/// A fresh folder for one test.
fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chemodose-batch-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `.chemodose-*.tmp` files left in `dir`.
fn temporaries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".chemodose-"))
        .collect()
}

const BATCH_ARGS: [&str; 3] = ["batch", "doxorubicin", "--bilirubin=0.5mg/dL"];

/// Regression (issue 14): `batch --patients p.csv -o p.csv` replaced the
/// patients with the doses, exit 0. The output is refused when it is an
/// input, by any name: the same path, a hard link, a symbolic link; the
/// labs file and the regimen file are inputs too.
#[test]
fn regression_output_onto_an_input_is_refused() {
    let dir = scratch("onto-input");
    let patients = dir.join("p.csv");
    let text = "id,height_cm,weight_kg\nP1,170,70\n";
    std::fs::write(&patients, text).unwrap();
    let p = patients.to_str().unwrap();
    let hard = dir.join("hard.csv");
    std::fs::hard_link(&patients, &hard).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&patients, dir.join("soft.csv")).unwrap();
    for target in ["p.csv", "hard.csv", "soft.csv"] {
        let out = dir.join(target);
        if !out.exists() {
            continue;
        }
        let run = chemodose(&BATCH_ARGS)
            .args(["--patients", p, "-o", out.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{target}: {err}");
        assert!(
            err.contains(&format!("the output {} is the input {p}", out.display()))
                && err.contains("would destroy the input"),
            "{target}: {err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&patients).unwrap(), text);
    // The labs file and a regimen given by its path are inputs too.
    let labs = dir.join("labs.toml");
    std::fs::copy(common_labs(), &labs).unwrap();
    let regimen = dir.join("doxorubicin.toml");
    std::fs::copy("regimens/doxorubicin.toml", &regimen).unwrap();
    for (args, target) in [
        (
            vec!["batch", "doxorubicin", "--labs", labs.to_str().unwrap()],
            &labs,
        ),
        (
            vec!["batch", regimen.to_str().unwrap(), "--bilirubin=0.5mg/dL"],
            &regimen,
        ),
    ] {
        let before = std::fs::read(target).unwrap();
        let run = chemodose(&args)
            .args(["--patients", p, "-o", target.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{err}");
        assert!(err.contains("is the input"), "{err}");
        assert_eq!(std::fs::read(target).unwrap(), before);
    }
    assert!(temporaries(&dir).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

fn common_labs() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/gemdoc-labs.toml")
}

/// Regression (issue 14): `-o` onto a character device (or a pipe) renamed
/// a regular file over the device node. Anything that is not a regular file
/// or a new path is refused.
#[cfg(unix)]
#[test]
fn regression_output_onto_a_device_or_a_pipe_is_refused() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch("device");
    let patients = dir.join("p.csv");
    std::fs::write(&patients, "id,height_cm,weight_kg\nP1,170,70\n").unwrap();
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut targets = vec![("/dev/null".into(), "a character device")];
    if made {
        targets.push((fifo.clone(), "a named pipe (FIFO)"));
    }
    targets.push((dir.clone(), "a folder"));
    for (target, kind) in &targets {
        let run = chemodose(&BATCH_ARGS)
            .args(["--patients", patients.to_str().unwrap(), "-o"])
            .arg(target)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("cannot write {}: it is {kind}", target.display())),
            "{err}"
        );
    }
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    if made {
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CSV of `n` identical adult patients.
fn many_patients(n: usize) -> String {
    let mut s = String::from("id,height_cm,weight_kg\n");
    for i in 0..n {
        s.push_str(&format!("P{i:07},170,70\n"));
    }
    s
}

/// Regression (issue 14): SIGTERM (or SIGINT) during a long `batch -o`
/// left its `.chemodose-*.tmp` file, up to 148 MB, beside the target. The
/// temporary file is removed, the target is not created, and the process
/// ends as the signal ends it.
#[cfg(unix)]
#[test]
fn regression_a_signal_during_a_long_batch_write_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let dir = scratch("signal");
    let patients = dir.join("p.csv");
    // Long enough to be still writing when the signal comes (minutes in a
    // debug build).
    std::fs::write(&patients, many_patients(200_000)).unwrap();
    let target = dir.join("doses.csv");
    for (signal, name) in [("TERM", 15), ("INT", 2)] {
        let mut child = chemodose(&BATCH_ARGS)
            .args(["--patients", patients.to_str().unwrap(), "-o"])
            .arg(&target)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the temporary file to appear, then signal.
        let started = std::time::Instant::now();
        while temporaries(&dir).is_empty() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "no temporary file appeared"
            );
            assert!(child.try_wait().unwrap().is_none(), "ended too soon");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(name),
            "ended by SIG{signal}, not finished: {status:?}"
        );
        assert_eq!(temporaries(&dir), Vec::<String>::new(), "after SIG{signal}");
        assert!(!target.exists(), "the target was not created");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regression (issue 14): a write error (a full disk) named the patients
/// file, the input, instead of the output. A file-size limit stands in for
/// the full disk; the target is not created and no temporary file stays.
#[cfg(unix)]
#[test]
fn regression_a_failed_write_names_the_output() {
    let dir = scratch("disk-full");
    let patients = dir.join("p.csv");
    std::fs::write(&patients, many_patients(2_000)).unwrap();
    let target = dir.join("doses.csv");
    let exe = env!("CARGO_BIN_EXE_chemodose");
    // `ulimit -f 4`: at most 2 KiB (dash) or 4 KiB (bash) per file; with
    // SIGXFSZ ignored, a longer write fails with EFBIG.
    let script = format!(
        "trap '' XFSZ; ulimit -f 4; exec '{exe}' batch doxorubicin --bilirubin=0.5mg/dL --patients '{}' -o '{}'",
        patients.display(),
        target.display()
    );
    let run = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHEMODOSE_REGIMENS")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("cannot write {}", target.display())),
        "{err}"
    );
    assert!(!err.contains("p.csv"), "the input is not blamed: {err}");
    assert!(!target.exists());
    assert!(temporaries(&dir).is_empty());
    // Standard output full: exit 2, naming standard output.
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let run = chemodose(&BATCH_ARGS)
            .args(["--patients", patients.to_str().unwrap()])
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{err}");
        assert!(err.contains("cannot write to standard output"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 14: a row of 170 cm and 300 kg was dosed without a word, and one of
/// 30 cm and 350 kg got an adult dose: each value is within its own bounds,
/// but not together. The rows are skipped with the reason; the others run.
#[test]
fn rows_whose_height_and_weight_cannot_be_one_person_are_skipped() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    let (out, summary) = run(
        &plan,
        "id,height_cm,weight_kg\n1,170,300\n2,170,70\n3,30,350\n",
        Layout::Wide,
    );
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().nth(1).unwrap().starts_with("2,"), "{out}");
    assert_eq!(summary.skipped, 2);
    let reasons: Vec<(u64, &str)> = summary
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            // 300 / 1.70² = 103.81 kg/m²
            (
                2,
                "height 170 cm with weight 300 kg is a body-mass index of 103.81 kg/m², outside the plausible 10 to 100 kg/m²: one of them is mistyped or in the wrong unit"
            ),
            // 350 / 0.30² = 3,888.89 kg/m²
            (
                4,
                "height 30 cm with weight 350 kg is a body-mass index of 3,888.89 kg/m², outside the plausible 10 to 100 kg/m²: one of them is mistyped or in the wrong unit"
            ),
        ]
    );
}

/// Issue 14: a header with `scr_mg_dl` and `scr_umol_l` (or `height_cm` and
/// `height_in`, `weight_kg` and `weight_lb`) had one of them read silently;
/// a column named like a measurement but not read (`weight_g`) was ignored;
/// a file with CR-only line ends read as "0 patients" and exited 0.
#[test]
fn headers_that_would_be_read_by_guess_are_refused() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    let refuse = |input: &str| {
        run_batch(
            &plan,
            input.as_bytes(),
            &mut Vec::new(),
            Layout::Wide,
            2,
            &mut |_| {},
        )
        .unwrap_err()
        .to_string()
    };
    assert_eq!(
        refuse("id,height_cm,weight_kg,scr_mg_dl,scr_umol_l\n1,170,70,1,88\n"),
        "the header has 2 columns for scr (scr_mg_dl, scr_umol_l): keep one"
    );
    assert_eq!(
        refuse("id,height_cm,height_in,weight_kg\n1,170,67,70\n"),
        "the header has 2 columns for height (height_cm, height_in): keep one"
    );
    assert_eq!(
        refuse("id,height_cm,weight_kg,Weight_lb\n1,170,70,154\n"),
        "the header has 2 columns for weight (weight_kg, weight_lb): keep one"
    );
    assert_eq!(
        refuse("id,patient_id,height_cm,weight_kg\n1,1,170,70\n"),
        "the header has 2 columns for id (id, patient_id): keep one"
    );
    assert_eq!(
        refuse("id,height_cm,weight_kg,weight_kg\n1,170,70,70\n"),
        "the header has 2 columns for weight (weight_kg, weight_kg): keep one"
    );
    assert_eq!(
        refuse("id,height_cm,weight_kg,scr_mgdl\n1,170,70,1\n"),
        "the header's column `scr_mgdl` is not one chemodose reads; for scr write scr_mg_dl, scr_umol_l, or scr with the unit in every cell"
    );
    assert_eq!(
        refuse("id,height_cm,weight_g\n1,170,70000\n"),
        "the header's column `weight_g` is not one chemodose reads; for weight write weight_kg, weight_lb, or weight with the unit in every cell"
    );
    // Beside a column that is read, such a column is another column.
    let (_, summary) = run(
        &plan,
        "id,height_cm,weight_kg,weight_change,age,age_group\n1,170,70,-2,64,60-69\n",
        Layout::Wide,
    );
    assert_eq!(summary.written, 1, "{:?}", summary.errors);
    assert_eq!(
        refuse("id,height_cm,weight_kg\r1,170,70\r2,170,70\r"),
        "the lines end in a carriage return alone (CR): save the file with LF or CRLF line ends"
    );
    // CRLF line ends, a byte-order mark and columns that are not
    // measurements are read.
    let (out, summary) = run(
        &plan,
        "\u{feff}id,height_cm,weight_kg,notes,screening\r\n1,170,70,first visit,2026-11-02\r\n",
        Layout::Wide,
    );
    assert_eq!(summary.written, 1, "{:?}", summary.errors);
    assert!(
        out.lines().nth(1).unwrap().starts_with("1,1.8181,1638,"),
        "{out}"
    );
}

/// Issue 14: a row with more cells than the header was read, its extra
/// cells dropped: a comma typed in a cell shifts every cell after it.
#[test]
fn rows_with_extra_fields_are_skipped_with_the_reason() {
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    let (out, summary) = run(
        &plan,
        "id,height_cm,weight_kg\n1,170,70,5\n2,170,70\n\"3\",170,70,\n",
        Layout::Wide,
    );
    assert_eq!(out.lines().count(), 2, "{out}");
    let reasons: Vec<(u64, &str)> = summary
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                2,
                "4 fields, the header has 3: a cell is out of place; put a cell that holds a comma in double quotes"
            ),
            (
                4,
                "4 fields, the header has 3: a cell is out of place; put a cell that holds a comma in double quotes"
            ),
        ]
    );
}

/// Issue 14, through the binary: a header read by guess is refused (exit 2)
/// naming the file and what to write; a row with a cell out of place is
/// skipped with its line (exit 1), as every bad row is.
#[test]
fn the_cli_names_the_file_and_the_line() {
    let dir = std::env::temp_dir().join(format!("chemodose-batch-shape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("patients.csv");
    let path = input.to_str().unwrap();
    let mut argv = vec!["batch", "gemcitabine-docetaxel", "--patients", path];
    for code in [
        "--override=missing-bilirubin=batch rows carry no labs",
        "--override=missing-ast=batch rows carry no labs",
        "--override=missing-alt=batch rows carry no labs",
        "--override=missing-alp=batch rows carry no labs",
    ] {
        argv.push(code);
    }
    let batch = |csv: &str| {
        std::fs::write(&input, csv).unwrap();
        common::Run::new(&argv)
    };
    let err = batch("id,height_cm,weight_kg,scr_mg_dl,scr_umol_l\n1,170,70,1,88\n").fails(2);
    assert!(
        err.contains(&format!(
            "{path}: the header has 2 columns for scr (scr_mg_dl, scr_umol_l): keep one"
        )),
        "{err}"
    );
    let err = batch("id,height_cm,weight_kg\r1,170,70\r").fails(2);
    assert!(
        err.contains(&format!("{path}: the lines end in a carriage return alone (CR): save the file with LF or CRLF line ends")),
        "{err}"
    );
    let run = batch("id,height_cm,weight_kg\n1,170,70,5\n2,170,70\n3,170\n");
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let err = run.stderr();
    assert!(
        err.contains(&format!(
            "{path} line 2: skipped: 4 fields, the header has 3: a cell is out of place; put a cell that holds a comma in double quotes"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{path} line 4: skipped: 2 fields, the header has 3: write every column, an unknown value as an empty cell between commas"
        )),
        "{err}"
    );
    assert!(
        err.contains("3 patients read: 1 written, 2 skipped"),
        "{err}"
    );
    // A negative number is the value of its flag, refused with what to write.
    let mut args = argv.clone();
    args.extend(["--threads", "-2"]);
    let err = common::Run::new(&args).fails(2);
    assert!(
        err.starts_with("error: invalid value '-2' for '--threads <THREADS>': the number of threads cannot be negative (got `-2`); write a whole number from 1, e.g. --threads 4"),
        "{err}"
    );
    let mut args = argv.clone();
    args.extend(["--cycle", "-1"]);
    let err = common::Run::new(&args).fails(2);
    assert!(
        err.starts_with(
            "error: invalid value '-1' for '--cycle <N>': the cycle cannot be negative"
        ),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A quoted id holding a line break, placed so that the 1 MiB block boundary
/// falls inside its quotes: the blocks were cut at the last line feed, the
/// next block began inside the quotes, and its `b",170,70` row was dosed as
/// a patient named `b"` — a patient that does not exist — while the file's
/// own row was lost. Blocks now end where records end: the quoted id (with
/// its line break) is one record, skipped with its line, and every other
/// row keeps its id.
#[test]
fn regression_a_quoted_line_break_across_a_block_boundary_is_one_record() {
    let r = regimen("doxorubicin");
    let plan = BatchPlan::new(&r, &common::with_normal_labs(&DoseOptions::default()), 1);
    let mut input = String::from("id,height_cm,weight_kg\n");
    let row = |i: usize| format!("p{i:07},170,70\n");
    // Rows up to just short of 1 MiB of data after the header.
    let mut n = 0;
    while (input.len() - 23) + row(n).len() < (1 << 20) - 4 {
        input.push_str(&row(n));
        n += 1;
    }
    let before = input.len() - 23;
    // The id's line break lands before the boundary, its closing quote after.
    input.push_str("\"a");
    input.push_str(&"x".repeat((1 << 20) - 2 - before - 2));
    input.push_str("\nb\",170,70\n");
    input.push_str("last,170,70\n");
    let (out, summary) = run(&plan, &input, Layout::Wide);
    // n rows + the quoted one + `last`; only the quoted one skipped.
    assert_eq!(summary.rows, n as u64 + 2, "{:?}", summary.errors);
    assert_eq!(summary.skipped, 1, "{:?}", summary.errors);
    assert_eq!(summary.errors[0].line, n as u64 + 2, "{:?}", summary.errors);
    assert!(
        !out.lines()
            .any(|l| l.starts_with("b\"") || l.starts_with("\"b")),
        "phantom patient"
    );
    assert!(out.lines().any(|l| l.starts_with("last,")));
}
