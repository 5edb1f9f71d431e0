//! `lines derive` on every core (issue 15, part 5): the file is cut into
//! blocks of whole records that workers derive in parallel, and patients a
//! block boundary cuts in two are joined again. None of that may show: for
//! any file, any block size and any number of threads, the lines, the
//! summary and the errors are those of one thread reading the file whole.
//! Line numbers of skipped records are checked against hand-counted files.

mod common;
use common::Run;

use chemodose::lines::{
    ColumnNames, Derivation, DeriveSummary, DerivedLine, LinesError, MAX_RECORDS_PER_PATIENT, Rules,
};
use chemodose::regimen::Library;
use proptest::prelude::*;

const HEADER: &str = "patient_id,drug,date\n";

/// A block larger than any file here: the file read whole.
const WHOLE: usize = chemodose::lines::MAX_BLOCK_BYTES;

/// The lines and summary of `csv` derived by `threads` workers from blocks
/// of about `block_bytes`, or the error that stopped it.
fn derive(
    csv: &[u8],
    threads: usize,
    block_bytes: usize,
) -> Result<(Vec<DerivedLine>, DeriveSummary), String> {
    static LIBRARY: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    let lib = LIBRARY.get_or_init(|| Library::bundled().unwrap());
    let (columns, rules) = (ColumnNames::default(), Rules::default());
    let derivation = Derivation {
        threads,
        block_bytes,
        ..Derivation::new(&columns, &rules, lib)
    };
    let mut out = Vec::new();
    let summary = derivation
        .run(
            csv,
            &|lines: &[DerivedLine], part: &mut Vec<DerivedLine>| part.extend_from_slice(lines),
            &mut |part: Vec<DerivedLine>| {
                out.extend(part);
                Ok::<(), LinesError>(())
            },
            &mut |_| {},
        )
        .map_err(|e| e.to_string())?;
    Ok((out, summary))
}

/// The block sizes and thread counts every file is tried with: blocks of
/// one record (each grows to hold one), a few records, and whole files.
const CUTS: [(usize, usize); 6] = [
    (1, 1),
    (1, 3),
    (24, 2),
    (100, 4),
    (4096, 2),
    (chemodose::lines::BLOCK_BYTES, 1),
];

fn same_everywhere(csv: &[u8]) -> Result<(Vec<DerivedLine>, DeriveSummary), String> {
    let whole = derive(csv, 1, WHOLE);
    for (block, threads) in CUTS {
        assert_eq!(
            derive(csv, threads, block),
            whole,
            "blocks of {block} bytes, {threads} threads"
        );
    }
    whole
}

/// One patient whose records span many blocks: one line, as read whole.
#[test]
fn a_patient_cut_by_many_blocks_is_one_patient() {
    let mut csv = HEADER.to_owned();
    for cycle in 0..8 {
        let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
            + chrono::Duration::days(21 * cycle);
        csv += &format!("7,gemcitabine,{day}\n7,docetaxel,{day}\n");
        let day8 = day + chrono::Duration::days(7);
        csv += &format!("7,gemcitabine,{day8}\n");
    }
    csv += "8,doxorubicin,2021-01-01\n";
    let (lines, summary) = same_everywhere(csv.as_bytes()).unwrap();
    assert_eq!(summary.records, 25);
    assert_eq!(summary.patients, 2);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].patient, "7");
    assert_eq!(lines[0].administration_days, 16);
    assert_eq!(lines[0].start.to_string(), "2020-01-01");
    // Cycle 8 starts on day 1 + 7 × 21 = 2020-05-27; its day 8 is 06-03.
    assert_eq!(lines[0].end.to_string(), "2020-06-03");
}

/// Line numbers of skipped records, counted by hand: a CRLF file, blank
/// lines, and a quoted drug name spanning two lines (one record, two lines).
#[test]
fn skipped_records_are_named_by_the_line_they_start_on() {
    let csv = "patient_id,drug,date\r\n\
               1,doxorubicin,2020-01-01\r\n\
               1,doxorubicin,notadate\r\n\
               \r\n\
               1,doxorubicin,alsobad\r\n";
    let (_, s) = same_everywhere(csv.as_bytes()).unwrap();
    let lines: Vec<u64> = s.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 5], "{:?}", s.errors);

    let csv = "patient_id,drug,date\n\n\n1,doxorubicin,bad\n\n2,\"dox\norubicin\",2020-01-01\n2,doxorubicin,worse\n";
    let (_, s) = same_everywhere(csv.as_bytes()).unwrap();
    let lines: Vec<u64> = s.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [4, 6, 8], "{:?}", s.errors);
    assert!(s.errors[1].message.contains("line feed"), "{:?}", s.errors);
}

/// Patients out of order are refused at the same record however the file
/// is cut: line 5 brings patient 2 back after 3 (the file follows neither
/// text nor numeric order there).
#[test]
fn a_file_out_of_order_is_refused_at_the_same_line_however_cut() {
    let csv = format!(
        "{HEADER}1,doxorubicin,2020-01-01\n2,doxorubicin,2020-01-01\n3,doxorubicin,2020-01-01\n2,doxorubicin,2020-02-01\n"
    );
    let e = same_everywhere(csv.as_bytes()).unwrap_err();
    assert!(e.starts_with("line 5: patient `2` comes after `3`"), "{e}");
    // Text order broken first (10 after 9), then numeric order (5x is no
    // number): refused at line 4.
    let csv = format!(
        "{HEADER}9,doxorubicin,2020-01-01\n10,doxorubicin,2020-01-01\n5x,doxorubicin,2020-01-01\n"
    );
    let e = same_everywhere(csv.as_bytes()).unwrap_err();
    assert!(
        e.starts_with("line 4: patient `5x` comes after `10`"),
        "{e}"
    );
}

/// A record over the limit stops the file with the line it starts on.
#[test]
fn a_record_over_the_limit_is_refused_with_its_line_however_cut() {
    let long = "x".repeat(70 * 1024);
    let csv = format!("{HEADER}1,doxorubicin,2020-01-01\n\n1,{long},2020-01-02\n");
    let e = same_everywhere(csv.as_bytes()).unwrap_err();
    assert!(
        e.starts_with("line 4: a record is longer than 64 KiB"),
        "{e}"
    );
}

/// The limit of records for one patient holds for a patient whose records
/// are joined from several blocks: the record over it is named.
#[test]
fn too_many_records_for_one_patient_are_refused_across_blocks() {
    let mut csv = String::from(HEADER);
    csv.reserve((MAX_RECORDS_PER_PATIENT + 1) * 20);
    for _ in 0..=MAX_RECORDS_PER_PATIENT {
        csv += "1,a,2020-01-01\n";
    }
    // Record number MAX + 1 is on line MAX + 2 (the header is line 1).
    let want = format!(
        "line {}: more than {MAX_RECORDS_PER_PATIENT} records for one patient",
        MAX_RECORDS_PER_PATIENT + 2
    );
    for (block, threads) in [(1 << 16, 2), (1 << 20, 1)] {
        assert_eq!(derive(csv.as_bytes(), threads, block).unwrap_err(), want);
    }
}

/// `--threads` is accepted and gives the output of one thread, in every
/// format (the JSON separators included).
#[test]
fn the_command_line_output_is_the_same_on_any_number_of_threads() {
    let file = "tests/data/lms-case-1-administrations.csv";
    for format in ["text", "csv", "json"] {
        let one = Run::new(&[
            "lines",
            "derive",
            file,
            "--format",
            format,
            "--threads",
            "1",
        ]);
        let four = Run::new(&[
            "lines",
            "derive",
            file,
            "--format",
            format,
            "--threads",
            "4",
        ]);
        assert_eq!(one.success(), four.success(), "{format}");
    }
    let json = Run::new(&["lines", "derive", file, "--format", "json"]).success();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    let run = Run::new(&["lines", "derive", file, "--threads", "0"]);
    assert!(run.fails(2).contains("--threads"), "{}", run.stderr());
}

/// One record of a generated file.
#[derive(Debug, Clone)]
enum Cell {
    /// A good record: drug index, days after 2020-01-01.
    Given(usize, i64),
    /// A date that is not one.
    BadDate,
    /// A missing cell.
    Short,
    /// A drug name in quotes with a comma in it.
    Quoted(i64),
    /// A blank line.
    Blank,
}

const DRUGS: [&str; 6] = [
    "gemcitabine",
    "docetaxel",
    "doxorubicin",
    "Adriamycin",
    "pemetrexed",
    "carboplatin",
];

fn file(patients: &[(u32, Vec<Cell>)], crlf: bool) -> Vec<u8> {
    let end = if crlf { "\r\n" } else { "\n" };
    let mut out = format!("patient_id,drug,date{end}");
    let base = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for (id, cells) in patients {
        for c in cells {
            match c {
                Cell::Given(d, days) => {
                    let date = base + chrono::Duration::days(*days);
                    out += &format!("{id},{},{date}{end}", DRUGS[*d % DRUGS.len()]);
                }
                Cell::BadDate => out += &format!("{id},doxorubicin,2020-13-01{end}"),
                Cell::Short => out += &format!("{id},doxorubicin{end}"),
                Cell::Quoted(days) => {
                    let date = base + chrono::Duration::days(*days);
                    out += &format!("{id},\"doxorubicin, liposomal\",{date}{end}");
                }
                Cell::Blank => out += end,
            }
        }
    }
    out.into_bytes()
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        8 => (0..6usize, 0..400i64).prop_map(|(d, t)| Cell::Given(d, t)),
        1 => Just(Cell::BadDate),
        1 => Just(Cell::Short),
        1 => (0..400i64).prop_map(Cell::Quoted),
        1 => Just(Cell::Blank),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any file, cut anywhere, on any number of threads: the lines, counts
    /// and skipped records of one thread reading it whole. Patient ids go up
    /// by 1 to 3, and a few are repeated out of order to test refusals.
    #[test]
    fn cutting_the_file_never_shows(
        patients in prop::collection::vec(
            (1u32..4, prop::collection::vec(cell(), 1..30)),
            1..40,
        ),
        back in prop::option::of(0usize..40),
        crlf in any::<bool>(),
        block in 1usize..600,
        threads in 1usize..5,
    ) {
        let mut id = 0;
        let mut numbered: Vec<(u32, Vec<Cell>)> = patients
            .into_iter()
            .map(|(step, cells)| {
                id += step;
                (id, cells)
            })
            .collect();
        if let Some(i) = back
            && let Some((first, _)) = numbered.first().cloned()
            && i < numbered.len()
        {
            numbered.insert(i, (first, vec![Cell::Given(2, 5)]));
        }
        let csv = file(&numbered, crlf);
        let whole = derive(&csv, 1, WHOLE);
        prop_assert_eq!(derive(&csv, threads, block), whole);
    }
}

/// Found by the property above: a block cut between the CR and the LF of
/// the header's CRLF read the header as ending in a CR alone, and the file
/// was refused as a CR-only file. A CR at a block's end now waits for the
/// byte after it.
#[test]
fn regression_a_crlf_cut_between_its_cr_and_lf_is_one_line_end() {
    let csv = b"patient_id,drug,date\r\n1,gemcitabine,2020-01-01\r\n";
    for block in 1..csv.len() + 2 {
        let (lines, summary) = derive(csv, 1, block).unwrap();
        assert_eq!((lines.len(), summary.records), (1, 1), "block {block}");
    }
}
