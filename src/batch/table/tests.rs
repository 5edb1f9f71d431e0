//! A table's rows give what the same rows of a CSV file give: the same
//! patients bit for bit, the same doses, the same reasons.

use super::*;
use crate::batch::columns::{find_columns, parse_row};
use crate::batch::run_batch;
use crate::bsa::BsaRounding;
use crate::dose::DoseOptions;
use crate::regimen::{Library, Regimen};

/// A cell as the test owns it.
#[derive(Debug, Clone)]
enum Owned {
    Empty,
    Text(String),
    Number(f64),
    Integer(i64),
}

/// A table, column by column.
struct Cells(Vec<Vec<Owned>>);

impl PatientCells for Cells {
    fn rows(&self) -> usize {
        self.0.first().map_or(0, Vec::len)
    }
    fn cell(&self, column: usize, row: usize) -> Cell<'_> {
        match &self.0[column][row] {
            Owned::Empty => Cell::Empty,
            Owned::Text(s) => Cell::Text(s),
            Owned::Number(v) => Cell::Number(*v),
            Owned::Integer(i) => Cell::Integer(*i),
        }
    }
}

/// The columns of `header` (comma-separated).
fn columns(header: &str) -> Columns {
    find_columns(&csv::ByteRecord::from(
        header.split(',').collect::<Vec<_>>(),
    ))
    .unwrap()
}

/// A patient's numbers, as bits: height, weight, age, serum creatinine.
fn bits(p: &Patient) -> [Option<u64>; 4] {
    [
        Some(p.height.value.to_bits()),
        Some(p.weight.value.to_bits()),
        p.age.map(|a| a.value.to_bits()),
        p.serum_creatinine.map(|s| s.value.to_bits()),
    ]
}

/// Decimal texts as CSV files write them: every height from 140.0 to 205.0
/// by 0.1 with one decimal and without (`170.0`, `170`), the exact-tie
/// patient's 202.5 and 96.1, two decimals, more digits than the fast
/// parser takes, and a leading sign or zero.
fn texts() -> Vec<String> {
    let mut t: Vec<String> = (1400..=2050)
        .map(|h| format!("{}.{}", h / 10, h % 10))
        .collect();
    t.extend((140..=205).map(|h| h.to_string()));
    t.extend(
        [
            "202.5",
            "96.1",
            "70.35",
            "0.1",
            "172.50",
            "170.00000000000001",
            "170.123456789012345678",
            "+170",
            "0170.5",
            "99.99999999999999",
        ]
        .map(str::to_owned),
    );
    t
}

/// A number read from a table gives the patient its shortest decimal text
/// gives in a CSV cell, bit for bit, in every unit a header can name (the
/// factor to cm, kg or mg/dL applied to the same f64); and a whole number
/// gives what its digits give.
#[test]
fn a_typed_number_is_read_as_its_csv_cell_bit_for_bit() {
    // The header, the other cells of the row, and the cells compared.
    let scr: Vec<String> = (3..=1500)
        .map(|x| format!("{}.{}", x / 10, x % 10))
        .collect();
    for (header, fixed, compared_at) in [
        (
            "id,height_cm,weight_kg,scr_mg_dl",
            ["170", "70", "1.1"],
            vec![0, 1, 2],
        ),
        (
            "id,height_in,weight_lb,scr_umol_l",
            ["67", "154", "97"],
            vec![1, 2],
        ),
    ] {
        let c = columns(header);
        let table = TableColumns { columns: c.clone() };
        let mut compared = 0;
        for at in compared_at {
            let texts = if at == 2 { scr.clone() } else { texts() };
            for t in texts {
                let v: f64 = t.parse().unwrap();
                let mut row = fixed.map(str::to_owned);
                row[at] = t.clone();
                let fields: Vec<&[u8]> = std::iter::once("p".as_bytes())
                    .chain(row.iter().map(|s| s.as_bytes()))
                    .collect();
                let from_csv = parse_row(&c, &fields).map(|r| bits(&r.patient));
                let typed = |col: usize| match col {
                    0 => Cell::Text("p"),
                    c if c == at + 1 => Cell::Number(v),
                    c => Cell::Number(fixed[c - 1].parse().unwrap()),
                };
                let from_table = table.patient(typed).map(|p| bits(&p));
                match (&from_csv, &from_table) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a, b, "{header}: {t}");
                        compared += 1;
                    }
                    // The same reason where the text is the number's
                    // shortest form.
                    (Err(a), Err(b)) if v.to_string() == t => {
                        assert_eq!(a.to_string(), b.to_string(), "{header}: {t}");
                    }
                    (Err(_), Err(_)) => {}
                    _ => panic!("{header}: {t}: {from_csv:?} against {from_table:?}"),
                }
                if let Ok(whole) = t.parse::<i64>() {
                    let integer = |col: usize| match col {
                        c if c == at + 1 => Cell::Integer(whole),
                        c => typed(c),
                    };
                    let b = table.patient(integer).map(|p| bits(&p));
                    assert_eq!(
                        from_csv.as_ref().map_err(ToString::to_string),
                        b.as_ref().map_err(ToString::to_string),
                        "{t}"
                    );
                }
            }
        }
        assert!(compared > 1500, "{header}: {compared}");
    }
}

/// Refused numbers are refused with the CSV cell's words: 17 cm, 1700 cm,
/// a negative, zero, `NaN` and `inf` (no plain decimal in a CSV cell).
#[test]
fn a_refused_number_has_the_words_of_its_csv_cell() {
    let c = columns("id,height_cm,weight_kg");
    let table = TableColumns { columns: c.clone() };
    for v in [
        17.0,
        1700.0,
        -5.0,
        0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        let text = v.to_string();
        let fields: Vec<&[u8]> = vec![b"p", text.as_bytes(), b"70"];
        let from_csv = parse_row(&c, &fields).err().unwrap().to_string();
        let from_table = table
            .patient(|i| match i {
                0 => Cell::Text("p"),
                1 => Cell::Number(v),
                _ => Cell::Number(70.0),
            })
            .unwrap_err()
            .to_string();
        assert_eq!(from_csv, from_table, "{v}");
    }
    // An empty cell is a null; a number without its unit is refused in a
    // column whose cells carry the unit.
    let cells = columns("id,height,weight");
    let table = TableColumns { columns: cells };
    let refused = |height: Cell<'static>| {
        table
            .patient(|i| match i {
                0 => Cell::Integer(7),
                1 => height,
                _ => Cell::Text("70kg"),
            })
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refused(Cell::Number(170.0)),
        "height needs a unit, e.g. 170cm or 67in (got `170`)"
    );
    // A null is an empty CSV cell.
    let empty: Vec<&[u8]> = vec![b"7", b"", b"70kg"];
    let c = columns("id,height,weight");
    assert_eq!(
        refused(Cell::Empty),
        parse_row(&c, &empty).err().unwrap().to_string()
    );
}

/// The f64 of a dose is that of the decimal the CSV prints.
#[test]
fn a_dose_is_the_f64_of_its_printed_decimal() {
    let mut x: u64 = 7;
    for _ in 0..2000 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let d = Decimal::new((x >> 20) as i64 % 100_000_000_000, ((x >> 8) % 12) as u32);
        let printed: f64 = d.normalize().to_string().parse().unwrap();
        assert_eq!(mg_f64(d).to_bits(), printed.to_bits(), "{d}");
    }
    assert_eq!(mg_f64(Decimal::new(16380, 1)), 1638.0);
    assert_eq!(mg_f64(Decimal::new(20925, 1)), 2092.5);
}

fn regimen(id: &str) -> Regimen {
    Library::bundled().unwrap().get(id).unwrap().regimen.clone()
}

/// Batch rows carry no labs: the stops of docetaxel's required liver tests
/// are overridden, as a batch run must.
fn without_labs(mut o: DoseOptions) -> DoseOptions {
    for code in [
        "missing-bilirubin",
        "missing-ast",
        "missing-alt",
        "missing-alp",
    ] {
        o.overrides.insert(code, "batch rows carry no labs");
    }
    o
}

/// Patients of adult sizes (140.0–205.0 cm, 35.0–185.0 kg) as CSV text
/// cells, with the exact-tie patient (202.5 cm × 96.1 kg: 2.325 m²) and two
/// bad rows (17 cm; a height without a number).
fn patients(n: usize) -> Vec<[String; 3]> {
    let mut rows = Vec::new();
    let mut x: u64 = 20_261_122;
    while rows.len() < n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let h = 1400 + (x >> 33) % 651;
        let w = 350 + (x >> 13) % 1501;
        let bmi = (w as f64 / 10.0) / (h as f64 / 1000.0).powi(2);
        if !(10.5..=99.5).contains(&bmi) {
            continue;
        }
        rows.push([
            rows.len().to_string(),
            format!("{}.{}", h / 10, h % 10),
            format!("{}.{}", w / 10, w % 10),
        ]);
    }
    rows.push(["tie".into(), "202.5".into(), "96.1".into()]);
    rows.push(["short".into(), "17".into(), "70".into()]);
    rows.push(["blank".into(), String::new(), "70".into()]);
    rows
}

/// The CSV output of `rows` as cells, with the reasons of skipped rows.
fn from_csv(
    plan: &BatchPlan<'_>,
    rows: &[[String; 3]],
    layout: Layout,
) -> (Vec<Vec<String>>, Vec<(u64, String)>) {
    let mut input = String::from("id,height_cm,weight_kg\n");
    for r in rows {
        input.push_str(&r.join(","));
        input.push('\n');
    }
    let mut out = Vec::new();
    let summary = run_batch(plan, input.as_bytes(), &mut out, layout, 2, &mut |_| {}).unwrap();
    let cells = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let errors = summary
        .errors
        .into_iter()
        .map(|e| (e.line, e.message))
        .collect();
    (cells, errors)
}

/// Every output cell of a table of typed numbers equals the CSV's cell of
/// the same rows read as a number (the id by its row), in both layouts,
/// with and without BSA rounding (fast path and engine), and the bad rows
/// are refused with the same reasons (CSV line n + 1 is table row n).
#[test]
fn a_table_gives_the_rows_of_the_csv() {
    let r = regimen("gemcitabine-docetaxel");
    let rows = patients(400);
    let table = Cells(vec![
        rows.iter().map(|r| Owned::Text(r[0].clone())).collect(),
        rows.iter()
            .map(|r| r[1].parse().map_or(Owned::Empty, Owned::Number))
            .collect(),
        rows.iter()
            .map(|r| Owned::Number(r[2].parse().unwrap()))
            .collect(),
    ]);
    let names = ["id", "height_cm", "weight_kg"];
    let found = TableColumns::find(&names).unwrap();
    for rounding in [BsaRounding::None, BsaRounding::Decimals(2)] {
        let options = without_labs(DoseOptions {
            bsa_rounding: rounding,
            ..DoseOptions::default()
        });
        let plan = BatchPlan::new(&r, &options, 1);
        for layout in [Layout::Wide, Layout::Long] {
            let (csv, csv_errors) = from_csv(&plan, &rows, layout);
            assert_eq!(csv[0], plan.column_names(layout));
            // Two parts of the table: the second starts at row 100.
            let (a, b) = (
                Cells(table.0.iter().map(|c| c[..100].to_vec()).collect()),
                Cells(table.0.iter().map(|c| c[100..].to_vec()).collect()),
            );
            let runs = dose_table(&plan, &found, &[&a, &b], layout, false, 2).unwrap();
            let mut got: Vec<Vec<String>> = Vec::new();
            let mut errors = Vec::new();
            for run in &runs {
                let offset = if run.part == 0 { 0 } else { 100 };
                for (k, source) in run.source.iter().enumerate() {
                    let mut row = vec![rows[offset + source][0].clone(), run.bsa_m2[k].to_string()];
                    if layout == Layout::Long {
                        let (drug, day) = plan.dose_columns().nth(run.column[k]).unwrap();
                        row.extend([drug.to_owned(), day.to_string()]);
                    }
                    row.extend(run.values.iter().map(|v| v[k].to_string()));
                    got.push(row);
                }
                errors.extend(run.errors.iter().map(|e| (e.row + 1, e.message.clone())));
            }
            assert_eq!(got.len(), csv.len() - 1);
            for (mine, theirs) in got.iter().zip(&csv[1..]) {
                for (m, t) in mine.iter().zip(theirs) {
                    match (m.parse::<f64>(), t.parse::<f64>()) {
                        (Ok(m), Ok(t)) => {
                            assert_eq!(m.to_bits(), t.to_bits(), "{mine:?} {theirs:?}")
                        }
                        _ => assert_eq!(m, t),
                    }
                }
            }
            assert_eq!(errors, csv_errors);
            assert_eq!(errors.len(), 2);
        }
    }
}

/// By hand: 170 cm × 70 kg, Mosteller sqrt(170 × 70 / 3600) = 1.81812...,
/// 1.82 m² used; gemcitabine 900 mg/m² × 1.82 = 1638 mg on days 1 and 8,
/// docetaxel 100 mg/m² × 1.82 = 182 mg on day 8; a cycle of gemcitabine
/// 3276 mg, 6 cycles 19,656 mg; of docetaxel 182 mg and 1092 mg. 202.5 cm
/// × 96.1 kg is exactly 2.325 m² (202.5 × 96.1 = 19,460.25; / 3600 =
/// 5.405625 = 2.325²): unrounded, 900 × 2.325 = 2092.5 mg, a tie, given as
/// 2093 mg.
#[test]
fn the_worked_examples() {
    let r = regimen("gemcitabine-docetaxel");
    let table = Cells(vec![
        vec![Owned::Integer(1), Owned::Integer(2)],
        vec![Owned::Number(170.0), Owned::Number(202.5)],
        vec![Owned::Integer(70), Owned::Text("96.1".into())],
    ]);
    let found = TableColumns::find(&["patient_id", "height_cm", "weight_kg"]).unwrap();
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    assert_eq!(
        plan.column_names(Layout::Wide),
        [
            "id",
            "bsa_m2",
            "gemcitabine_d1_mg",
            "gemcitabine_d8_mg",
            "docetaxel_d8_mg",
            "gemcitabine_cycle_mg",
            "docetaxel_cycle_mg",
            "gemcitabine_course_mg",
            "docetaxel_course_mg"
        ]
    );
    let runs = dose_table(&plan, &found, &[&table], Layout::Wide, false, 1).unwrap();
    assert_eq!(runs.len(), 1);
    let row = |k: usize| -> Vec<f64> { runs[0].values.iter().map(|v| v[k]).collect() };
    assert_eq!(runs[0].bsa_m2[0], 1.8181);
    assert_eq!(
        row(0),
        [1638.0, 1638.0, 182.0, 3276.0, 182.0, 19656.0, 1092.0]
    );
    let options = DoseOptions {
        bsa_rounding: BsaRounding::None,
        ..DoseOptions::default()
    };
    let plan = BatchPlan::new(&r, &without_labs(options), 1);
    let runs = dose_table(&plan, &found, &[&table], Layout::Wide, false, 1).unwrap();
    assert_eq!(runs[0].bsa_m2[1], 2.325);
    assert_eq!(row_of(&runs[0], 1)[0], 2093.0);
}

fn row_of(run: &TableDoses, k: usize) -> Vec<f64> {
    run.values.iter().map(|v| v[k]).collect()
}

/// The header's refusals are the CSV header's, word for word; a table whose
/// first row has a bare number in a column without a unit is refused, at
/// row 1; a failed row is kept, undosed, when asked.
#[test]
fn header_refusals_and_kept_rows() {
    for header in [
        "id,height_cm,height_in,weight_kg",
        "id,height_cm,weight_g",
        "height_cm,weight_kg",
        "id,weight_kg",
    ] {
        let names: Vec<&str> = header.split(',').collect();
        let csv = find_columns(&csv::ByteRecord::from(names.clone())).unwrap_err();
        assert_eq!(
            TableColumns::find(&names).unwrap_err().to_string(),
            csv.to_string()
        );
    }
    let r = regimen("gemcitabine-docetaxel");
    let plan = BatchPlan::new(&r, &without_labs(DoseOptions::default()), 1);
    let bare = Cells(vec![
        vec![Owned::Integer(1)],
        vec![Owned::Number(170.0)],
        vec![Owned::Text("70kg".into())],
    ]);
    let found = TableColumns::find(&["id", "height", "weight"]).unwrap();
    let e = dose_table(&plan, &found, &[&bare], Layout::Wide, false, 1).unwrap_err();
    assert_eq!(
        e.to_string(),
        "column `height` has no unit: name it height_cm (or height_in) in the header, or write the unit in every cell (170cm); row 1 has `170`"
    );
    let mixed = Cells(vec![
        vec![Owned::Integer(1), Owned::Integer(2), Owned::Integer(3)],
        vec![
            Owned::Text("170cm".into()),
            Owned::Text("17cm".into()),
            Owned::Text("170".into()),
        ],
        vec![Owned::Text("70kg".into()); 3],
    ]);
    let runs = dose_table(&plan, &found, &[&mixed], Layout::Long, true, 1).unwrap();
    assert_eq!(runs[0].dosed, [true, true, true, false, false]);
    assert_eq!(runs[0].source, [0, 0, 0, 1, 2]);
    assert_eq!(
        runs[0].errors,
        [
            TableRowError {
                row: 2,
                message:
                    "height of 17 cm is implausible (got `17cm`); accepted range is 30 to 250 cm"
                        .into()
            },
            TableRowError {
                row: 3,
                message: "height needs a unit, e.g. 170cm or 67in (got `170`)".into()
            }
        ]
    );
}
