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
fn patients_csv(n: usize) -> String {
    let mut s = String::from("id,height_cm,weight_kg\n");
    let mut x: u64 = 20_261_122;
    for i in 0..n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let h = 1400 + (x >> 33) % 651; // 140.0 to 205.0 cm
        let w = 350 + (x >> 13) % 1501; // 35.0 to 185.0 kg
        s.push_str(&format!(
            "{i},{}.{},{}.{}\n",
            h / 10,
            h % 10,
            w / 10,
            w % 10
        ));
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
            let Ok(day) = day.parse::<u32>() else {
                continue;
            };
            let a = plan
                .administrations
                .iter()
                .find(|a| a.drug == drug && a.day == day)
                .unwrap();
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
        .replace("name = \"doxorubicin\"", "name = \"@doxorubicin\"");
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
