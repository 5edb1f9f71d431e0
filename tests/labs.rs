//! Labs files: TOML and CSV results with their canonical values worked out
//! by hand from the conversions in `docs/labs.md`, and every refusal located
//! at its line and column, all problems of a file at once.

mod common;

use chemodose::diagnostics::FileErrors;
use chemodose::labs::{
    LabOrigin, LabResult, Labs, MAX_FILE_BYTES, MAX_PROBLEMS, parse_labs_csv, parse_labs_toml,
};
use chemodose::quantity::{Lab, LabValue};
use chrono::NaiveDate;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// `file:line:col: message (help)`, one per problem.
fn located(e: &FileErrors) -> Vec<String> {
    e.to_string().lines().map(str::to_owned).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn find(results: &[LabResult], lab: Lab) -> &LabResult {
    results.iter().find(|r| r.lab == lab).unwrap()
}

const GOOD_TOML: &str = r#"# Results of 30 November 2026
[[result]]
lab = "anc"
value = "1.2x10^9/L"
date = 2026-11-30

[[result]]
lab = "plt"
value = "150000/uL"
date = 2026-11-30

[[result]]
lab = "hb"
value = "90g/L"
date = "2026-11-29"

[[result]]
lab = "bilirubin"
value = "20umol/L"
uln = "21umol/L"
date = 2026-11-30

[[result]]
lab = "alt"
value = "2.5xULN"
date = 2026-11-30

[[result]]
lab = "albumin"
value = "3.5g/dL"
date = 2026-11-30

[[result]]
lab = "LVEF"
value = "55%"
date = 2026-10-02
"#;

#[test]
fn toml_results_in_canonical_units() {
    let results = parse_labs_toml("labs.toml", GOOD_TOML).unwrap();
    assert_eq!(results.len(), 7);
    let anc = find(&results, Lab::Anc);
    assert_eq!(anc.value, LabValue::Measured(1.2));
    assert_eq!(anc.date, Some(day(2026, 11, 30)));
    assert_eq!(
        anc.origin,
        LabOrigin::File {
            path: "labs.toml".to_owned(),
            line: 2
        }
    );
    // 150,000/µL ÷ 1,000 = 150 ×10⁹/L.
    assert_eq!(find(&results, Lab::Platelets).value(), Some(150.0));
    // 90 g/L ÷ 10 = 9 g/dL; a date may also be a quoted YYYY-MM-DD.
    let hb = find(&results, Lab::Haemoglobin);
    assert_eq!(hb.value(), Some(9.0));
    assert_eq!(hb.date, Some(day(2026, 11, 29)));
    // 20 µmol/L × 584.66 / 10,000 = 1.16932 mg/dL; ULN 21 µmol/L = 1.227786 mg/dL;
    // 20 / 21 = 0.952380952381 × ULN (12 significant digits).
    let bili = find(&results, Lab::Bilirubin);
    assert!(close(bili.value().unwrap(), 1.169_32));
    assert!(close(bili.uln.unwrap(), 1.227_786));
    assert!(close(bili.times_uln().unwrap(), 0.952_380_952_381));
    let alt = find(&results, Lab::Alt);
    assert_eq!(alt.value, LabValue::TimesUln(2.5));
    assert_eq!(alt.value(), None);
    // 3.5 g/dL × 10 = 35 g/L.
    assert_eq!(find(&results, Lab::Albumin).value(), Some(35.0));
    let lvef = find(&results, Lab::Lvef);
    assert_eq!(lvef.value(), Some(55.0));
    assert_eq!(
        lvef.origin,
        LabOrigin::File {
            path: "labs.toml".to_owned(),
            line: 33
        }
    );
    let labs: Labs = results.into_iter().collect();
    assert_eq!(labs.age_days(Lab::Lvef, day(2026, 12, 1)), Some(60));
}

#[test]
fn toml_problems_are_reported_together_with_line_and_column() {
    let text = r#"[[result]]
lab = "wbc"
value = "4x10^9/L"
date = 2026-11-30

[[result]]
lab = "platelets"
value = 150
date = 1899-12-31

[[result]]
lab = "anc"
value = "1.5x10^9/L"
uln = "2x10^9/L"
date = 2026-11-30T08:00:00

[[result]]
lab = "ast"
value = "3xULN"
uln = "40U/L"
date = 2026-11-30

[[result]]
lab = "hb"
value = "9g/dL"
"#;
    let e = parse_labs_toml("labs.toml", text).unwrap_err();
    let lines = located(&e);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    assert!(
        lines[0].starts_with("labs.toml:2:7: unknown lab `wbc`; use one of anc, platelets, hb,")
    );
    assert_eq!(
        lines[1],
        "labs.toml:8:9: platelets need a unit, e.g. 150x10^9/L or 150000/uL (got `150`)"
    );
    assert_eq!(
        lines[2],
        "labs.toml:9:8: the date 1899-12-31 is outside 1900-01-01 to 2199-12-31 (check the year)"
    );
    assert!(
        lines[3].starts_with("labs.toml:14:7: ANC is read against fixed values, not against the upper limit of normal"),
        "{}",
        lines[3]
    );
    assert_eq!(
        lines[4],
        "labs.toml:15:8: date must be a plain date, YYYY-MM-DD (write e.g. 2026-11-30)"
    );
    assert!(
        lines[5].starts_with("labs.toml:20:7: the ast value is already a multiple of the ULN"),
        "{}",
        lines[5]
    );
    assert!(
        lines[6].starts_with("labs.toml:23:1: this result has no date"),
        "{}",
        lines[6]
    );
    // The report names the file, line and column of the offending text.
    let shown = e.to_string();
    assert!(shown.contains("labs.toml:2:7"), "{shown}");
    assert!(shown.contains("wbc"), "{shown}");
}

#[test]
fn toml_unknown_keys_and_bad_syntax_are_located() {
    let text = "[[result]]\nlab = \"anc\"\nvalue = \"1.2x10^9/L\"\ndate = 2026-11-30\nunit = \"x10^9/L\"\n";
    let e = parse_labs_toml("labs.toml", text).unwrap_err();
    let lines = located(&e);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("labs.toml:5:1: unknown field `unit`"),
        "{}",
        lines[0]
    );
    let e = parse_labs_toml("labs.toml", "[[result]\nlab = \"anc\"\n").unwrap_err();
    assert!(located(&e)[0].starts_with("labs.toml:1:"), "{e}");
    let e = parse_labs_toml("labs.toml", "[[results]]\nlab = \"anc\"\n").unwrap_err();
    assert!(e.to_string().contains("unknown field `results`"), "{e}");
    let e = parse_labs_toml("labs.toml", "# nothing yet\n").unwrap_err();
    assert_eq!(
        located(&e),
        [
            "labs.toml: the file holds no results (each result needs lab, value and date, optionally uln; see docs/labs.md)"
        ]
    );
}

#[test]
fn a_second_result_for_the_same_lab_and_date_is_refused() {
    let text = r#"[[result]]
lab = "platelets"
value = "150x10^9/L"
date = 2026-11-30

[[result]]
lab = "anc"
value = "1.5x10^9/L"
date = 2026-11-30

[[result]]
lab = "plt"
value = "140x10^9/L"
date = 2026-11-30

[[result]]
lab = "platelets"
value = "120x10^9/L"
date = 2026-11-23
"#;
    let e = parse_labs_toml("labs.toml", text).unwrap_err();
    assert_eq!(
        located(&e),
        [
            "labs.toml:14:8: a second platelets result dated 2026-11-30; the first is on line 1 (keep one result per lab and date)"
        ]
    );
    // The same lab on other dates is a history of results, and fine.
    let ok = text.replace(
        "value = \"140x10^9/L\"\ndate = 2026-11-30",
        "value = \"140x10^9/L\"\ndate = 2026-11-16",
    );
    let results = parse_labs_toml("labs.toml", &ok).unwrap();
    assert_eq!(results.len(), 4);
    // The latest of them is the one the rules read.
    let labs: Labs = results.into_iter().collect();
    assert_eq!(labs.value(Lab::Platelets), Some(150.0));
}

#[test]
fn the_size_limit_is_checked_before_parsing() {
    // One byte over: refused without reading the text (which is not TOML).
    let big = "x".repeat(MAX_FILE_BYTES + 1);
    for e in [
        parse_labs_toml("big.toml", &big).unwrap_err(),
        parse_labs_csv("big.csv", &big).unwrap_err(),
    ] {
        let lines = located(&e);
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].ends_with(
                "the file is 1048577 bytes; labs files are limited to 1048576 bytes (1 MiB)"
            ),
            "{}",
            lines[0]
        );
    }
    // Exactly at the limit: read.
    let result = "[[result]]\nlab = \"anc\"\nvalue = \"1.2x10^9/L\"\ndate = 2026-11-30\n";
    let mut text = result.to_owned();
    text.push('#');
    text.push_str(&" ".repeat(MAX_FILE_BYTES - result.len() - 2));
    text.push('\n');
    assert_eq!(text.len(), MAX_FILE_BYTES);
    assert_eq!(parse_labs_toml("edge.toml", &text).unwrap().len(), 1);
}

#[test]
fn the_number_of_problems_reported_is_bounded() {
    // 150 bare numbers on 150 different dates: 150 problems.
    let mut text = String::new();
    for i in 0..150 {
        let date = day(2026, 1, 1) + chrono::Days::new(i);
        text.push_str(&format!(
            "[[result]]\nlab = \"anc\"\nvalue = \"{i}\"\ndate = {date}\n"
        ));
    }
    let e = parse_labs_toml("labs.toml", &text).unwrap_err();
    assert_eq!(e.problems.len(), MAX_PROBLEMS + 1);
    assert_eq!(
        e.problems[MAX_PROBLEMS].message,
        "50 more problems not shown"
    );
}

#[test]
fn csv_results_in_canonical_units() {
    // A byte-order mark, CRLF line ends, a blank line, quoted cells and
    // columns in another order.
    let text = "\u{feff}date,lab,value,uln\r\n2026-11-30,anc,1500/mm3,\r\n\r\n2026-11-30,hb,\"7.5 mmol/L\",\r\n2026-11-30,ast,95 IU/L,40 U/L\r\n2026-11-30,\"cpk\",\"2.5 x ULN\",\r\n";
    let results = parse_labs_csv("labs.csv", text).unwrap();
    assert_eq!(results.len(), 4);
    // 1,500/mm³ = 1.5 ×10⁹/L exactly.
    let anc = find(&results, Lab::Anc);
    assert_eq!(anc.value(), Some(1.5));
    assert_eq!(anc.uln, None);
    assert_eq!(
        anc.origin,
        LabOrigin::File {
            path: "labs.csv".to_owned(),
            line: 2
        }
    );
    // 7.5 mmol/L × 16,114 / 10,000 = 12.0855 g/dL.
    let hb = find(&results, Lab::Haemoglobin);
    assert!(close(hb.value().unwrap(), 12.0855));
    assert_eq!(
        hb.origin,
        LabOrigin::File {
            path: "labs.csv".to_owned(),
            line: 4
        }
    );
    // 95 ÷ 40 = 2.375 × ULN.
    assert_eq!(find(&results, Lab::Ast).times_uln(), Some(2.375));
    assert_eq!(find(&results, Lab::Cpk).value, LabValue::TimesUln(2.5));
    // Without a uln column.
    let text = "lab,value,date\nlvef,55%,2026-10-02\n";
    let results = parse_labs_csv("labs.csv", text).unwrap();
    assert_eq!(results[0].value(), Some(55.0));
}

#[test]
fn csv_problems_are_reported_together_with_line_and_column() {
    let text = "lab,value,date,uln\n\
                wbc,4x10^9/L,2026-11-30,\n\
                platelets,150,2026-11-30,\n\
                anc,1.5x10^9/L,2026-1-5,\n\
                ast,95U/L,2026-11-30\n\
                alt,\"95U/L,2026-11-30,\n\
                bilirubin,0.9mg/dL,2026-11-30,1.2mg/dL\n\
                albumin,3.5g/L,2026-11-30,\n";
    let e = parse_labs_csv("labs.csv", text).unwrap_err();
    let lines = located(&e);
    assert_eq!(lines.len(), 6, "{lines:#?}");
    assert!(
        lines[0].starts_with("labs.csv:2:1: unknown lab `wbc`"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "labs.csv:3:11: platelets need a unit, e.g. 150x10^9/L or 150000/uL (got `150`)"
    );
    assert_eq!(
        lines[2],
        "labs.csv:4:16: date must be a plain date, YYYY-MM-DD (write e.g. 2026-11-30)"
    );
    assert!(
        lines[3].starts_with("labs.csv:5:1: this row has 3 cells; the header has 4"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("labs.csv:6:5: a quoted cell has no closing quote"),
        "{}",
        lines[4]
    );
    // Albumin 3.5 typed as g/L: a unit slip, below the 5 g/L bound.
    assert!(
        lines[5].starts_with("labs.csv:8:9: albumin of 3.5 g/L is implausible (got `3.5g/L`); accepted range is 5 to 60 g/L"),
        "{}",
        lines[5]
    );
}

#[test]
fn csv_headers() {
    let e = parse_labs_csv(
        "labs.csv",
        "lab,value,when,units\nanc,1.2G/L,2026-11-30,x\n",
    )
    .unwrap_err();
    // In file order: the header problem starts at column 1.
    assert_eq!(
        located(&e),
        [
            "labs.csv:1:1: the header has no date column (the first line is the header: lab,value,date,uln)",
            "labs.csv:1:11: unknown column `when` (the columns are lab, value, date and optionally uln)",
            "labs.csv:1:16: unknown column `units` (the columns are lab, value, date and optionally uln)",
        ]
    );
    let e = parse_labs_csv("labs.csv", "lab,value,date,lab\n").unwrap_err();
    assert_eq!(
        located(&e),
        ["labs.csv:1:16: the column `lab` appears twice"]
    );
    let e = parse_labs_csv("labs.csv", "").unwrap_err();
    assert!(e.to_string().contains("the file is empty"), "{e}");
    let e = parse_labs_csv("labs.csv", "lab,value,date\n\n").unwrap_err();
    assert!(e.to_string().contains("the file holds no results"), "{e}");
}

#[test]
fn csv_duplicates_are_refused() {
    let text =
        "lab,value,date\nanc,1.2G/L,2026-11-30\nhb,12g/dL,2026-11-30\nANC,1300/uL,2026-11-30\n";
    let e = parse_labs_csv("labs.csv", text).unwrap_err();
    assert_eq!(
        located(&e),
        [
            "labs.csv:4:13: a second anc result dated 2026-11-30; the first is on line 2 (keep one result per lab and date)"
        ]
    );
}

/// Hostile text never panics: every file of up to 6 characters from an
/// alphabet of quotes, separators, line ends and multi-byte characters.
#[test]
fn hostile_text_never_panics() {
    let alphabet = [
        '"', ',', '\n', '\r', 'µ', '×', 'a', '1', ' ', '\u{feff}', '[', '=',
    ];
    let n = alphabet.len();
    for len in 0..=6u32 {
        let total = n.pow(len);
        // Every combination for short files, a stride through the longer ones.
        let step = (total / 4_000).max(1);
        let mut i = 0;
        while i < total {
            let mut k = i;
            let mut tail = String::new();
            for _ in 0..len {
                tail.push(alphabet[k % n]);
                k /= n;
            }
            let csv = format!("lab,value,date,uln\n{tail}");
            let _ = parse_labs_csv("h.csv", &csv).map_err(|e| e.to_string());
            if i % 61 == 0 {
                // Every span must fall on the text: a span past the end or
                // inside a character would panic when located or drawn.
                if let Err(e) = parse_labs_csv("h.csv", &csv) {
                    for p in &e.problems {
                        if let Some(r) = &p.span {
                            assert!(r.end <= csv.len() && csv.is_char_boundary(r.start));
                        }
                        let _ = e.location(p);
                    }
                }
            }
            let _ = parse_labs_csv("h.csv", &tail);
            let _ = parse_labs_toml("h.toml", &tail).map_err(|e| e.to_string());
            i += step;
        }
    }
}

/// The examples in `docs/examples/` say the same thing in two formats.
#[test]
fn the_documented_examples_agree() {
    let read = |p: &str| std::fs::read_to_string(p).unwrap();
    let toml: Labs = parse_labs_toml("labs.toml", &read("docs/examples/labs.toml"))
        .unwrap()
        .into_iter()
        .collect();
    let csv: Labs = parse_labs_csv("labs.csv", &read("docs/examples/labs.csv"))
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(toml.len(), 10);
    assert_eq!(csv.len(), 10);
    for lab in Lab::ALL {
        let (a, b) = (toml.get(lab).unwrap(), csv.get(lab).unwrap());
        assert_eq!(a.date, b.date, "{lab:?}");
        match (a.value(), b.value()) {
            // The TOML has bilirubin in µmol/L, the CSV the same rounded to mg/dL.
            (Some(x), Some(y)) if lab == Lab::Bilirubin => assert!((x - y).abs() < 0.005),
            (Some(x), Some(y)) => assert!(close(x, y), "{lab:?}: {x} vs {y}"),
            (x, y) => assert_eq!(x, y, "{lab:?}"),
        }
    }
    // By hand: 1,800/µL ÷ 1,000 = 1.8 ×10⁹/L; 112 g/L ÷ 10 = 11.2 g/dL;
    // 3.6 g/dL × 10 = 36 g/L.
    assert_eq!(csv.value(Lab::Anc), Some(1.8));
    assert_eq!(csv.value(Lab::Haemoglobin), Some(11.2));
    assert_eq!(csv.value(Lab::Albumin), Some(36.0));
    // 12 µmol/L × 584.66 / 10,000 = 0.701592 mg/dL (the CSV's 0.7 mg/dL),
    // over 21 µmol/L = 1.227786 mg/dL: 12 / 21 = 0.571428571429 × ULN.
    assert!(close(toml.value(Lab::Bilirubin).unwrap(), 0.701_592));
    assert!(close(
        toml.times_uln(Lab::Bilirubin).unwrap(),
        0.571_428_571_429
    ));
    // 52 / 45 = 1.15555555556 × ULN; 140 / 130 = 1.07692307692 × ULN.
    assert!(close(csv.times_uln(Lab::Alt).unwrap(), 1.155_555_555_56));
    assert!(close(csv.times_uln(Lab::Alp).unwrap(), 1.076_923_076_92));
    assert_eq!(csv.times_uln(Lab::Cpk), Some(1.2));
}

#[test]
fn empty_cells_and_mistyped_fields_are_named() {
    let text = "lab,value,date,uln\nanc,,2026-11-30,\n,12g/dL,,\n";
    let e = parse_labs_csv("labs.csv", text).unwrap_err();
    assert_eq!(
        located(&e),
        [
            "labs.csv:2:1: this result has no value (each result needs lab, value and date, optionally uln)",
            "labs.csv:3:1: this result has no lab, no date (each result needs lab, value and date, optionally uln)",
        ]
    );
    // A number for a lab is read as its text; any other type is named.
    let text = "[[result]]\nlab = 5\nvalue = true\ndate = 2026-11-30\n\n[[result]]\nlab = \"hb\"\nvalue = [\"12g/dL\"]\ndate = 11:00:00\n";
    let e = parse_labs_toml("labs.toml", text).unwrap_err();
    assert_eq!(
        located(&e),
        [
            "labs.toml:2:7: unknown lab `5`; use one of anc, platelets, hb, bilirubin, ast, alt, alp, albumin, cpk, lvef",
            "labs.toml:3:9: value is a boolean (write it in quotes with its unit, e.g. \"1.2x10^9/L\")",
            "labs.toml:8:9: value is an array (write it in quotes with its unit, e.g. \"12g/dL\")",
            "labs.toml:9:8: date must be a plain date, YYYY-MM-DD (write e.g. 2026-11-30)",
        ]
    );
}

#[test]
fn a_lab_that_is_not_text_is_named() {
    let text = "[[result]]\nlab = [\"anc\"]\nvalue = \"1.2G/L\"\ndate = 2026-11-30\n";
    let e = parse_labs_toml("labs.toml", text).unwrap_err();
    assert_eq!(
        located(&e),
        ["labs.toml:2:7: lab must be a name in quotes (e.g. lab = \"anc\")"]
    );
}

/// A file at the size limit full of results is read in one pass: line
/// numbers were once found by scanning from the start for every result,
/// quadratic in the file size (about 40,000 results here).
#[test]
fn a_full_size_file_is_read_in_linear_time() {
    let mut csv = String::from("lab,value,date,uln\n");
    let mut toml = String::new();
    let mut i = 0u64;
    while csv.len() < MAX_FILE_BYTES - 64 {
        let date = day(1950, 1, 1) + chrono::Days::new(i / 2);
        let (lab, value, uln) = if i.is_multiple_of(2) {
            ("anc", "1.2G/L", "")
        } else {
            ("alt", "95U/L", "40U/L")
        };
        csv.push_str(&format!("{lab},{value},{date},{uln}\n"));
        if toml.len() < MAX_FILE_BYTES - 128 {
            toml.push_str(&format!(
                "[[result]]\nlab=\"{lab}\"\nvalue=\"{value}\"\ndate={date}\n"
            ));
        }
        i += 1;
    }
    let start = std::time::Instant::now();
    let rows = parse_labs_csv("big.csv", &csv).unwrap();
    let results = parse_labs_toml("big.toml", &toml).unwrap();
    assert!(rows.len() > 30_000, "{}", rows.len());
    assert!(results.len() > 15_000, "{}", results.len());
    let last = rows.last().unwrap();
    assert_eq!(
        last.origin,
        LabOrigin::File {
            path: "big.csv".to_owned(),
            line: rows.len() + 1
        }
    );
    // The latest ALT: 95 / 40 = 2.375 × ULN.
    let labs: Labs = rows.into_iter().collect();
    assert_eq!(labs.times_uln(Lab::Alt), Some(2.375));
    // Generous even for a debug build on a shared machine; the quadratic
    // version took minutes.
    assert!(start.elapsed().as_secs() < 30, "{:?}", start.elapsed());
}

/// Issue 14: a labs CSV with CR-only line ends read as one header line
/// ("unknown column `anc`", with the whole file as the excerpt).
#[test]
fn csv_with_cr_only_line_ends_is_refused() {
    let text = "\u{feff}date,lab,value,uln\r2026-11-30,anc,1500/mm3,\r";
    let e = parse_labs_csv("labs.csv", text).unwrap_err();
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(
        e.problems[0].message,
        "the lines end in a carriage return alone (CR): save the file with LF or CRLF line ends"
    );
}

/// Issue 14: a TOML file with CR-only line ends got the parser's "carriage
/// return must be followed by newline" under the whole file as one line.
/// Every TOML file (regimen, history, labs, checks, rules) is told the same.
#[test]
fn toml_with_cr_only_line_ends_is_refused_with_the_fix() {
    let text = GOOD_TOML.replace('\n', "\r");
    let e = parse_labs_toml("labs.toml", &text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "labs.toml: the lines end in a carriage return alone (CR): save the file with LF or CRLF line ends"
    );
    let e = chemodose::lines::Rules::parse("rules.toml", "window_days = 30\rgap_days = 90\r")
        .unwrap_err();
    assert_eq!(
        e.problems[0].message,
        "the lines end in a carriage return alone (CR): save the file with LF or CRLF line ends"
    );
}

/// Issue 14: a labs CSV whose header has 200,000 unknown columns printed
/// one drawn problem for each (megabytes of stderr). At most 20 problems
/// of a file are drawn; the rest are counted.
#[test]
fn regression_a_file_with_many_problems_draws_twenty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    std::fs::write(&path, format!("{}\n", "c,".repeat(200_000))).unwrap();
    let run = common::Run::new(&[
        "dose",
        "doxorubicin",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--labs",
        path.to_str().unwrap(),
    ]);
    let err = run.fails(2);
    assert!(err.len() < 16 * 1024, "{} bytes", err.len());
    assert!(err.contains("more problems in"), "{err}");
}
