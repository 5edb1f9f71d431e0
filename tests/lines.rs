//! Line-of-therapy derivation: one small hand-written case per rule, the first
//! case report as raw administrations, streaming and bad input.

mod common;
use common::Run;

use chemodose::lines::{
    AfterGap, ColumnNames, DerivedLine, EndReason, LinesError, MaintenanceAfter, MaintenanceKind,
    MaintenancePhase, RegimenMatch, Rules, derive_stream,
};
use chemodose::regimen::Library;

fn derive(csv: &str, rules: &Rules) -> Result<Vec<DerivedLine>, LinesError> {
    let lib = Library::bundled().unwrap();
    let mut out = Vec::new();
    let mut emit = |l: &[DerivedLine]| {
        out.extend_from_slice(l);
        Ok(())
    };
    derive_stream(
        csv.as_bytes(),
        &ColumnNames::default(),
        rules,
        &lib,
        &mut emit,
        &mut |_| {},
    )?;
    Ok(out)
}

fn drugs(l: &DerivedLine) -> Vec<&str> {
    l.regimen.iter().map(String::as_str).collect()
}

const HEADER: &str = "patient_id,drug,date\n";

#[test]
fn the_window_collects_the_regimen() {
    // gemcitabine day 1, docetaxel day 8 (within 28 days): one line of both.
    let csv = format!(
        "{HEADER}p,gemcitabine,2020-01-01\np,gemcitabine,2020-01-08\np,docetaxel,2020-01-08\np,gemcitabine,2020-01-22\np,docetaxel,2020-01-29\n"
    );
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(drugs(&lines[0]), ["docetaxel", "gemcitabine"]);
    assert_eq!(lines[0].administration_days, 4);
    assert_eq!(lines[0].end_reason, EndReason::EndOfData);
    assert_eq!(
        lines[0].regimen_match,
        RegimenMatch::Ambiguous {
            ids: vec![
                "gemcitabine-docetaxel-reduced".into(),
                "gemcitabine-docetaxel".into()
            ]
        }
    );
}

#[test]
fn a_drug_first_given_after_the_window_starts_a_new_line() {
    // docetaxel first on day 29 (2020-01-30 is 29 days after 2020-01-01): outside the 28-day window.
    let csv = format!(
        "{HEADER}p,gemcitabine,2020-01-01\np,gemcitabine,2020-01-22\np,docetaxel,2020-01-30\n"
    );
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0].end_reason,
        EndReason::NewDrug {
            drug: "docetaxel".into()
        }
    );
    assert_eq!(lines[0].end.to_string(), "2020-01-22");
    assert_eq!(lines[1].start.to_string(), "2020-01-30");
    // Day 28 is still inside: 2020-01-29.
    let csv = format!("{HEADER}p,gemcitabine,2020-01-01\np,docetaxel,2020-01-29\n");
    assert_eq!(derive(&csv, &Rules::default()).unwrap().len(), 1);
    // OHDSI OncoRegimenFinder's 30-day window keeps day 29 in the line.
    let thirty = Rules {
        window_days: 30,
        ..Rules::default()
    };
    let csv = format!("{HEADER}p,gemcitabine,2020-01-01\np,docetaxel,2020-01-30\n");
    assert_eq!(derive(&csv, &thirty).unwrap().len(), 1);
}

#[test]
fn substitution_does_not_start_a_new_line() {
    // carboplatin replaces cisplatin in cycle 3: same line, carboplatin listed as later.
    let csv = format!(
        "{HEADER}p,paclitaxel,2020-01-01\np,cisplatin,2020-01-01\np,paclitaxel,2020-01-22\np,cisplatin,2020-01-22\np,paclitaxel,2020-02-12\np,carboplatin,2020-02-12\n"
    );
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(drugs(&lines[0]), ["cisplatin", "paclitaxel"]);
    assert_eq!(lines[0].later.iter().collect::<Vec<_>>(), ["carboplatin"]);
}

#[test]
fn maintenance_continues_the_line() {
    // olaratumab + doxorubicin, then olaratumab alone (listed as maintenance by default),
    // and a maintenance drug first given after the window.
    let csv = format!(
        "{HEADER}p,doxorubicin,2020-01-01\np,olaratumab,2020-01-01\np,olaratumab,2020-06-01\np,olaratumab,2020-06-22\n"
    );
    let lines = derive(
        &csv,
        &Rules {
            gap_days: 200,
            ..Rules::default()
        },
    )
    .unwrap();
    assert_eq!(lines.len(), 1);
    let rules = Rules {
        maintenance: vec!["pazopanib".into()],
        ..Rules::default()
    };
    let csv = format!(
        "{HEADER}p,doxorubicin,2020-01-01\np,doxorubicin,2020-01-22\np,pazopanib,2020-02-20\n"
    );
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].later.iter().collect::<Vec<_>>(), ["pazopanib"]);
    // Without that rule, pazopanib starts line 2.
    assert_eq!(derive(&csv, &Rules::default()).unwrap().len(), 2);
}

#[test]
fn a_gap_longer_than_the_threshold_ends_the_line() {
    // 2020-01-22 to 2020-05-21 is 120 days: not longer than 120, same line;
    // to 2020-05-22 is 121 days: a new line.
    let csv = format!(
        "{HEADER}p,doxorubicin,2020-01-01\np,doxorubicin,2020-01-22\np,doxorubicin,2020-05-21\n"
    );
    assert_eq!(derive(&csv, &Rules::default()).unwrap().len(), 1);
    let csv = format!(
        "{HEADER}p,doxorubicin,2020-01-01\np,doxorubicin,2020-01-22\np,doxorubicin,2020-05-22\n"
    );
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].end_reason, EndReason::Gap { days: 121 });
    // The same drugs restart the same line when the rules say so.
    let same = Rules {
        after_gap: AfterGap::SameLine,
        ..Rules::default()
    };
    assert_eq!(derive(&csv, &same).unwrap().len(), 1);
    // A 60-day threshold, as for some indications.
    let short = Rules {
        gap_days: 60,
        ..Rules::default()
    };
    let csv = format!("{HEADER}p,doxorubicin,2020-01-01\np,doxorubicin,2020-03-02\n");
    assert_eq!(derive(&csv, &short).unwrap().len(), 2);
}

#[test]
fn dropping_a_drug_starts_a_new_line_only_when_configured() {
    // docetaxel stops after cycle 2; gemcitabine continues 70 days later.
    let csv = format!(
        "{HEADER}p,gemcitabine,2020-01-01\np,docetaxel,2020-01-08\np,gemcitabine,2020-01-22\np,docetaxel,2020-01-29\np,gemcitabine,2020-04-08\n"
    );
    assert_eq!(derive(&csv, &Rules::default()).unwrap().len(), 1);
    let rules = Rules {
        drop_starts_new_line: true,
        drop_days: 60,
        ..Rules::default()
    };
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 2);
    // docetaxel last 2020-01-29, 70 days before 2020-04-08 > 60
    assert_eq!(
        lines[0].end_reason,
        EndReason::DroppedDrug {
            drug: "docetaxel".into()
        }
    );
    assert_eq!(drugs(&lines[1]), ["gemcitabine"]);
}

#[test]
fn synonyms_ignored_drugs_and_exact_matches() {
    // Adriamycin = doxorubicin; mesna is supportive and does not define the line.
    let csv = format!("{HEADER}p,Adriamycin,2020-01-01\np,Ifex,2020-01-01\np,MESNA,2020-01-01\n");
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(drugs(&lines[0]), ["doxorubicin", "ifosfamide"]);
    assert_eq!(
        lines[0].regimen_match,
        RegimenMatch::Exact {
            id: "doxorubicin-ifosfamide-mesna".into()
        }
    );
    let csv = format!("{HEADER}p,trabectedin,2020-01-01\n");
    assert_eq!(
        derive(&csv, &Rules::default()).unwrap()[0].regimen_match,
        RegimenMatch::Exact {
            id: "trabectedin".into()
        }
    );
    let csv = format!("{HEADER}p,imatinib,2020-01-01\n");
    assert_eq!(
        derive(&csv, &Rules::default()).unwrap()[0].regimen_match,
        RegimenMatch::None
    );
}

#[test]
fn the_first_case_report_derives_exactly_its_two_lines() {
    let csv = std::fs::read_to_string("tests/data/lms-case-1-administrations.csv").unwrap();
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(drugs(&lines[0]), ["dacarbazine", "doxorubicin"]);
    assert_eq!(
        (lines[0].start.to_string(), lines[0].end.to_string()),
        ("2019-03-04".into(), "2019-04-15".into())
    );
    assert_eq!(lines[0].administration_days, 3);
    assert_eq!(
        lines[0].end_reason,
        EndReason::NewDrug {
            drug: "cisplatin".into()
        }
    );
    assert_eq!(drugs(&lines[1]), ["cisplatin", "ifosfamide"]);
    assert_eq!(lines[1].administration_days, 2);
    assert_eq!(lines[1].end_reason, EndReason::EndOfData);
    match &lines[1].regimen_match {
        RegimenMatch::Ambiguous { ids } => {
            assert!(ids.contains(&"cisplatin-ifosfamide-case-report".to_owned()))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsorted_input_is_refused_and_bad_rows_are_skipped() {
    let csv = format!(
        "{HEADER}a,doxorubicin,2020-01-01\nb,doxorubicin,2020-01-01\na,doxorubicin,2020-02-01\n"
    );
    let e = derive(&csv, &Rules::default()).unwrap_err();
    assert!(matches!(e, LinesError::NotSorted { line: 4, .. }), "{e}");
    assert!(e.to_string().contains("sort -t,"));
    // Numeric ids are ordered as numbers: 2 before 10; or as text, as
    // `sort` without -n gives: 10 before 2.
    let csv = format!("{HEADER}2,doxorubicin,2020-01-01\n10,doxorubicin,2020-01-01\n");
    assert_eq!(derive(&csv, &Rules::default()).unwrap().len(), 2);
    let csv = format!(
        "{HEADER}1,doxorubicin,2020-01-01\n10,doxorubicin,2020-01-01\n2,doxorubicin,2020-01-01\n"
    );
    assert_eq!(derive(&csv, &Rules::default()).unwrap().len(), 3);
    let e = derive("pid,drug,date\n", &Rules::default()).unwrap_err();
    assert!(
        matches!(e, LinesError::MissingColumn(ref c) if c == "patient_id"),
        "{e}"
    );
}

#[test]
fn rules_files_override_defaults_and_unknown_rules_are_errors() {
    let r = Rules::parse(
        "r.toml",
        "window_days = 30\ngap_days = 180\n[synonyms]\nXeloda = \"capecitabine\"\n",
    )
    .unwrap();
    assert_eq!((r.window_days, r.gap_days), (30, 180));
    assert_eq!(r.generic("xeloda"), "capecitabine");
    assert_eq!(
        r.ignore,
        Rules::default().ignore,
        "unlisted rules keep their defaults"
    );
    let e = Rules::parse("r.toml", "window = 30\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("r.toml:1:1: unknown field `window`"), "{e}");
}

#[test]
fn cli_derive_formats_skips_and_to_history() {
    let out = Run::new(&[
        "lines",
        "derive",
        "tests/data/lms-case-1-administrations.csv",
        "--format",
        "csv",
    ])
    .success();
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][2], "dacarbazine+doxorubicin");
    let out = Run::new(&[
        "lines",
        "derive",
        "tests/data/lms-case-1-administrations.csv",
        "--format",
        "json",
    ])
    .success();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    // A bad date is skipped with its line number, and the exit code says so.
    let dir = std::env::temp_dir().join(format!("chemodose-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!("{HEADER}p,doxorubicin,2020-01-01\np,doxorubicin,01/22/2020\n"),
    )
    .unwrap();
    let run = Run::new(&["lines", "derive", bad.to_str().unwrap()]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr()
            .contains("line 3: skipped: `01/22/2020` is not a date"),
        "{}",
        run.stderr()
    );
    // to-history drafts a history file that chemodose can read.
    let draft = dir.join("draft.toml");
    Run::new(&[
        "lines",
        "to-history",
        "tests/data/lms-case-1-administrations.csv",
        "--patient",
        "LMS-CASE-1",
        "-o",
        draft.to_str().unwrap(),
    ])
    .success();
    let text = std::fs::read_to_string(&draft).unwrap();
    assert!(text.contains("CHECK: several bundled regimens"));
    let lib = Library::bundled().unwrap();
    let h = chemodose::history::parse_history("draft.toml", &text, &lib).unwrap();
    assert_eq!(h.lines.len(), 2);
    assert_eq!(h.lines[0].cycles.len(), 3);
    assert_eq!(h.lines[1].cycles.len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 14: `lines derive --format csv` wrote patient ids and drug names that
/// start a formula as they were read (`=HYPERLINK(...)` became a live link in
/// a spreadsheet). Text cells are written with a single quote in front (OWASP
/// CSV injection); the line number, dates and day count are left as they are.
#[test]
fn regression_derive_csv_neutralises_formula_cells() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}+1,doxorubicin,2020-01-01\n-1,doxorubicin,2020-01-01\n\
             \"=HYPERLINK(\"\"http://evil.example/\"\",\"\"open\"\")\",doxorubicin,2020-01-01\n\
             @SUM(A1),@cmd,2020-01-01\nP-0042,doxorubicin,2020-01-01\n"
        ),
    )
    .unwrap();
    let out = Run::new(&["lines", "derive", file.to_str().unwrap(), "--format", "csv"]).success();
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(
        ids,
        [
            "'+1",
            "'-1",
            "'=HYPERLINK(\"http://evil.example/\",\"open\")",
            "'@SUM(A1)",
            "P-0042"
        ],
        "{out}"
    );
    assert_eq!(&rows[3][2], "'@cmd", "{out}");
    for row in &rows {
        assert_eq!(&row[1], "1", "the line number is a number: {out}");
        assert_eq!(&row[4], "2020-01-01");
        assert_eq!(&row[6], "1", "administration days: {out}");
    }
}

/// Issue 14: a patient id or a drug with a line break, an ESC or a
/// bidirectional control was printed as it was read (a forged line of the
/// text report, raw terminal codes). Such a record is skipped with its line,
/// like any other bad record, and the message shows the character's code.
#[test]
fn regression_records_with_control_or_bidi_characters_are_skipped() {
    let csv = format!(
        "{HEADER}\"p\u{1B}[31m\",doxorubicin,2020-01-01\n\"q\nFAKE\",doxorubicin,2020-01-01\n\
         r,doxo\u{202E}rubicin,2020-01-01\ns,doxorubicin,2020-01-01\n"
    );
    let lib = Library::bundled().unwrap();
    let mut out = Vec::new();
    let summary = derive_stream(
        csv.as_bytes(),
        &ColumnNames::default(),
        &Rules::default(),
        &lib,
        &mut |l: &[DerivedLine]| {
            out.extend_from_slice(l);
            Ok(())
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(summary.skipped, 3, "{:?}", summary.errors);
    let messages: Vec<(u64, &str)> = summary
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(messages[0].0, 2);
    assert!(
        messages[0].1.starts_with(
            "the patient id holds a control character (U+001B, escape) at character 2"
        ),
        "{messages:?}"
    );
    assert_eq!(messages[1].0, 3);
    assert!(
        messages[1].1.contains("(U+000A, line feed)"),
        "{messages:?}"
    );
    assert_eq!(messages[2].0, 5);
    assert!(
        messages[2]
            .1
            .starts_with("the drug holds a bidirectional control (U+202E"),
        "{messages:?}"
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].patient, "s");
}

/// Issue 14: `lines derive /dev/zero` aborted ("memory allocation of
/// 4294967296 bytes failed"), and `--rules /dev/zero` grew to gigabytes.
/// Only regular files are read; the rules file is read within 256 KiB, and
/// the administrations file is streamed with each record bounded to 64 KiB,
/// so a regular file of zeros without a line end (a sparse 256 MiB file
/// here), or a quoted field that never closes, stops at the first 64 KiB.
#[cfg(unix)]
#[test]
fn regression_lines_files_are_read_bounded() {
    let err = Run::within(&["lines", "derive", "/dev/zero"], 5).fails(2);
    assert!(
        err.contains("/dev/zero: a character device, not a regular file: give the path of an administrations CSV file"),
        "{err}"
    );
    let err = Run::within(
        &[
            "lines",
            "derive",
            "tests/data/lms-case-1-administrations.csv",
            "--rules",
            "/dev/zero",
        ],
        5,
    )
    .fails(2);
    assert!(
        err.contains(
            "/dev/zero: a character device, not a regular file: give the path of a line rules file"
        ),
        "{err}"
    );
    let err = Run::within(
        &["lines", "to-history", "/dev/zero", "--patient-id", "p"],
        5,
    )
    .fails(2);
    assert!(err.contains("/dev/zero: a character device"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let zeros = dir.path().join("zeros.csv");
    std::fs::File::create(&zeros)
        .unwrap()
        .set_len(256 << 20)
        .unwrap();
    let err = Run::within(&["lines", "derive", zeros.to_str().unwrap()], 5).fails(2);
    assert!(
        err.contains("zeros.csv: line 1: a record is longer than 64 KiB, the limit for administrations CSV files"),
        "{err}"
    );
    let open_quote = dir.path().join("quote.csv");
    let mut text = format!("{HEADER}p,\"doxorubicin");
    text.push_str(&"\n".repeat(70_000));
    std::fs::write(&open_quote, text).unwrap();
    let err = Run::within(&["lines", "derive", open_quote.to_str().unwrap()], 5).fails(2);
    assert!(
        err.contains("line 2: a record is longer than 64 KiB"),
        "{err}"
    );
}

/// A read error in the middle of the administrations was counted as a
/// skipped record and read again, for ever; it now ends the run with the
/// error.
#[test]
fn regression_a_read_error_ends_the_stream() {
    /// The header and one record, then errors; after 100 of them, the end
    /// of the file (so that the old loop ends, and the test fails, rather
    /// than hangs).
    struct Failing(usize, u32);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let head = format!("{HEADER}p,doxorubicin,2020-01-01\n");
            if self.0 < head.len() {
                let n = (head.len() - self.0).min(buf.len());
                buf[..n].copy_from_slice(&head.as_bytes()[self.0..self.0 + n]);
                self.0 += n;
                return Ok(n);
            }
            self.1 += 1;
            if self.1 > 100 {
                return Ok(0);
            }
            Err(std::io::Error::other("the disk went away"))
        }
    }
    let lib = Library::bundled().unwrap();
    let e = derive_stream(
        Failing(0, 0),
        &ColumnNames::default(),
        &Rules::default(),
        &lib,
        &mut |_| Ok(()),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("the disk went away"), "{e}");
}

/// Regression (issue 14): `lines derive a.csv -o a.csv` and `lines
/// to-history a.csv -o a.csv` replaced the administration records with
/// their own output, exit 0; so could `-o` onto the rules file. Refused,
/// naming both, and the records are intact.
#[test]
fn regression_lines_output_onto_an_input_is_refused() {
    let dir = std::env::temp_dir().join(format!("chemodose-lines-onto-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let records = dir.join("a.csv");
    let text = format!("{HEADER}p,doxorubicin,2020-01-01\n");
    std::fs::write(&records, &text).unwrap();
    let rules = dir.join("rules.toml");
    std::fs::write(&rules, "").unwrap();
    let (a, r) = (records.to_str().unwrap(), rules.to_str().unwrap());
    for args in [
        vec!["lines", "derive", a, "-o", a],
        vec!["lines", "derive", a, "--format", "csv", "--output", a],
        vec!["lines", "to-history", a, "--patient-id", "p", "-o", a],
        vec!["lines", "derive", a, "--rules", r, "-o", r],
    ] {
        let target = args.last().unwrap().to_string();
        let err = Run::new(&args).fails(2);
        assert!(
            err.contains(&format!("the output {target} is the input {target}")),
            "{err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&records).unwrap(), text);
    assert_eq!(std::fs::read_to_string(&rules).unwrap(), "");
    let leftovers = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".chemodose-"))
        .count();
    assert_eq!(leftovers, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regression (issue 14): a full standard output printed an error but
/// exited 0. `lines derive > /dev/full` exits 2, naming standard output, not
/// the records.
#[cfg(unix)]
#[test]
fn regression_lines_derive_onto_a_full_standard_output_exits_2() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let out = common::chemodose()
        .args([
            "lines",
            "derive",
            "tests/data/lms-case-1-administrations.csv",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHEMODOSE_REGIMENS")
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot write to standard output") && !err.contains("administrations.csv:"),
        "{err}"
    );
}

/// Issue 14: a record dated `0000-01-01` or `9999-12-31` was read as a day
/// of treatment. A date outside 1900-01-01 to 2199-12-31 skips the record
/// with its line, as a date that is not one does.
#[test]
fn records_dated_outside_the_window_are_skipped_with_their_line() {
    let lib = Library::bundled().unwrap();
    let csv = format!(
        "{HEADER}p,doxorubicin,2020-01-01\np,doxorubicin,9999-12-31\np,doxorubicin,0000-01-01\n"
    );
    let mut out = Vec::new();
    let mut emit = |l: &[DerivedLine]| {
        out.extend_from_slice(l);
        Ok(())
    };
    let summary = derive_stream(
        csv.as_bytes(),
        &ColumnNames::default(),
        &Rules::default(),
        &lib,
        &mut emit,
        &mut |_| {},
    )
    .unwrap();
    let skipped: Vec<(u64, &str)> = summary
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                3,
                "the date 9999-12-31 is outside 1900-01-01 to 2199-12-31; check the year"
            ),
            (
                4,
                "the date 0000-01-01 is outside 1900-01-01 to 2199-12-31; check the year"
            ),
        ]
    );
    assert_eq!(out.len(), 1);
}

/// Issue 14: out-of-order numeric ids named the wrong patient (`patient 2
/// appears again after 10` for 2 seen once), and the `sort` the message
/// suggested gave text order (1, 10, 2), which was refused too. Comparing
/// numbers as numbers and other ids as text pair by pair let `10, 5x, 9,
/// 10` through, patient 10's records split in two lines of therapy; and
/// `001` after `1` was refused as the same patient.
#[test]
fn patients_out_of_order_are_named_as_they_are() {
    let row = |id: &str, day: &str| format!("{id},doxorubicin,2020-01-{day}\n");
    let csv = format!(
        "{HEADER}{}{}{}",
        row("2", "01"),
        row("10", "01"),
        row("3", "01")
    );
    let e = derive(&csv, &Rules::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 4: patient `3` comes after `10`, and the file is sorted by patient id neither as text (line 3: `10` after `2`) nor as numbers (line 4: `3` after `10`): sort it with `LC_ALL=C sort -t, -k1,1 -s` (or `sort -t, -k1,1n -s` when every id is a number), keeping the header first, so that memory holds one patient's records at a time"
    );
    let csv = format!(
        "{HEADER}{}{}{}{}",
        row("10", "01"),
        row("5x", "01"),
        row("9", "01"),
        row("10", "02")
    );
    let e = derive(&csv, &Rules::default()).unwrap_err();
    assert!(
        e.to_string().starts_with(
            "line 5: patient `10` comes after `9`, and the file is sorted by patient id neither as text (line 5: `10` after `9`) nor as numbers (`5x` is not a number)"
        ),
        "{e}"
    );
    let lines = derive(
        &format!("{HEADER}{}{}", row("001", "01"), row("1", "01")),
        &Rules::default(),
    )
    .unwrap();
    let patients: Vec<&str> = lines.iter().map(|l| l.patient.as_str()).collect();
    assert_eq!(patients, ["001", "1"]);
}

/// Issue 14: `--columns patient=drug` read the patient id from the drug
/// column; a header with `drug` twice had the first read silently; a row
/// with a comma in an unquoted drug name had its cells read shifted.
#[test]
fn columns_are_read_from_one_place_each() {
    let lib = Library::bundled().unwrap();
    let read = |csv: &str, columns: &ColumnNames| {
        derive_stream(
            csv.as_bytes(),
            columns,
            &Rules::default(),
            &lib,
            &mut |_| Ok(()),
            &mut |_| {},
        )
    };
    let e = read(
        "patient_id,drug,date\n",
        &ColumnNames {
            patient: "drug".to_owned(),
            ..ColumnNames::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`drug` is the column for both the patient and the drug: give each of patient, drug and date its own column (--columns patient=pid,drug=medication,date=given_on)"
    );
    let e = read(
        "patient_id,drug,Drug,date\n1,doxorubicin,x,2020-01-01\n",
        &ColumnNames::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the header has 2 columns named `drug`: which one to read would be a guess; rename all but one"
    );
    // A byte-order mark before a quoted header; a cell out of place.
    let s = read(
        "\u{feff}\"patient_id\",drug,date\n1,\"doxorubicin, liposomal\",2020-01-01\n1,doxorubicin, liposomal,2020-01-01\n1,doxorubicin\n",
        &ColumnNames::default(),
    )
    .unwrap();
    let skipped: Vec<(u64, &str)> = s
        .errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                3,
                "4 fields, the header has 3: a cell is out of place; put a cell that holds a comma in double quotes"
            ),
            (
                4,
                "2 fields, the header has 3: write every column, an unknown value as an empty cell between commas"
            )
        ]
    );
    assert_eq!((s.records, s.patients), (3, 1));
    // Through the binary: refused as the value of --columns (exit 2).
    for (columns, message) in [
        (
            "patient=drug",
            "invalid value 'patient=drug' for '--columns <COLUMNS>': `drug` is the column for both the patient and the drug",
        ),
        (
            "drug=DATE",
            "invalid value 'drug=DATE' for '--columns <COLUMNS>': `DATE` is the column for both the drug and the date",
        ),
        (
            "patient=pid,patient=id",
            "invalid value 'patient=pid,patient=id' for '--columns <COLUMNS>': the patient column is named twice",
        ),
        (
            "date= ",
            "invalid value 'date= ' for '--columns <COLUMNS>': the column name for the date is blank",
        ),
    ] {
        let err = Run::new(&[
            "lines",
            "derive",
            "tests/data/lms-case-1-administrations.csv",
            "--columns",
            columns,
        ])
        .fails(2);
        assert!(err.contains(message), "{err}");
    }
}

/// Issue 14: a file with CR-only line ends was read with every record
/// counted as line 1, so a skipped record was reported on the wrong line.
#[test]
fn cr_only_line_ends_are_refused() {
    let csv = "patient_id,drug,date\r1,doxorubicin,2020-01-01\r1,doxorubicin,2020-13-01\r";
    assert_eq!(
        derive(csv, &Rules::default()).unwrap_err().to_string(),
        "the lines end in a carriage return alone (CR): save the file with LF or CRLF line ends"
    );
    // CRLF is read.
    let csv = "patient_id,drug,date\r\n1,doxorubicin,2020-01-01\r\n";
    assert_eq!(derive(csv, &Rules::default()).unwrap().len(), 1);
}

// Issue 15: the drugs given on one day are one regimen, judged together.
// Each case is worked by hand from the rules (window 28 days, gap 120 days,
// substitutions cisplatin ↔ carboplatin, default rules unless said).

fn line(l: &DerivedLine) -> (Vec<&str>, Vec<&str>, String, String, &EndReason) {
    (
        drugs(l),
        l.later.iter().map(String::as_str).collect(),
        l.start.to_string(),
        l.end.to_string(),
        &l.end_reason,
    )
}

/// A drug that continues and a new one on the same day: carboplatin +
/// paclitaxel three times (2020-01-06, 01-27, 02-17), then carboplatin +
/// gemcitabine on 2020-04-01 (86 days after the start: past the window;
/// 44 days after the last: no gap). Gemcitabine is new, so the day starts
/// line 2 with both of its drugs, and line 1 ends on 02-17. Taken one at
/// a time, carboplatin joined line 1 (to 04-01) and line 2 was gemcitabine
/// alone.
#[test]
fn regression_a_continuing_drug_and_a_new_one_on_one_day_start_a_line_together() {
    let csv = format!(
        "{HEADER}p,carboplatin,2020-01-06\np,paclitaxel,2020-01-06\np,carboplatin,2020-01-27\np,paclitaxel,2020-01-27\np,carboplatin,2020-02-17\np,paclitaxel,2020-02-17\np,carboplatin,2020-04-01\np,gemcitabine,2020-04-01\np,carboplatin,2020-04-22\np,gemcitabine,2020-04-22\n"
    );
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        line(&lines[0]),
        (
            vec!["carboplatin", "paclitaxel"],
            vec![],
            "2020-01-06".into(),
            "2020-02-17".into(),
            &EndReason::NewDrug {
                drug: "gemcitabine".into()
            }
        )
    );
    assert_eq!(
        line(&lines[1]),
        (
            vec!["carboplatin", "gemcitabine"],
            vec![],
            "2020-04-01".into(),
            "2020-04-22".into(),
            &EndReason::EndOfData
        )
    );
}

/// Two new drugs on one day: pembrolizumab every 3 weeks to 2019-12-16,
/// then docetaxel + ramucirumab on 2020-01-15 (30 days later). Line 1 is
/// pembrolizumab to 12-16; line 2 is docetaxel + ramucirumab, neither a
/// "later" drug of line 1.
#[test]
fn two_new_drugs_on_one_day_are_one_new_line() {
    let csv = format!(
        "{HEADER}p,pembrolizumab,2019-10-14\np,pembrolizumab,2019-11-04\np,pembrolizumab,2019-11-25\np,pembrolizumab,2019-12-16\np,ramucirumab,2020-01-15\np,docetaxel,2020-01-15\n"
    );
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        line(&lines[0]),
        (
            vec!["pembrolizumab"],
            vec![],
            "2019-10-14".into(),
            "2019-12-16".into(),
            &EndReason::NewDrug {
                drug: "docetaxel".into()
            }
        )
    );
    assert_eq!(drugs(&lines[1]), ["docetaxel", "ramucirumab"]);
    assert_eq!(lines[1].start.to_string(), "2020-01-15");
}

/// A substitution and a new drug on one day: cisplatin + paclitaxel
/// (2020-01-06, 01-27, 02-17), then carboplatin (cisplatin's substitute) +
/// gemcitabine on 2020-03-16. The day holds a new drug, so it is a new line
/// of both; carboplatin does not become a later drug of line 1.
#[test]
fn a_substitution_and_a_new_drug_on_one_day_are_one_new_line() {
    let csv = format!(
        "{HEADER}p,cisplatin,2020-01-06\np,paclitaxel,2020-01-06\np,cisplatin,2020-01-27\np,paclitaxel,2020-01-27\np,cisplatin,2020-02-17\np,paclitaxel,2020-02-17\np,carboplatin,2020-03-16\np,gemcitabine,2020-03-16\n"
    );
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].later.is_empty(), "{:?}", lines[0].later);
    assert_eq!(lines[0].end.to_string(), "2020-02-17");
    assert_eq!(drugs(&lines[1]), ["carboplatin", "gemcitabine"]);
    // The substitute alone continues the line, as a later drug.
    let csv = format!(
        "{HEADER}p,cisplatin,2020-01-06\np,paclitaxel,2020-01-06\np,carboplatin,2020-02-17\np,paclitaxel,2020-02-17\n"
    );
    let lines = derive(&csv, &Rules::default()).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0]
            .later
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ["carboplatin"]
    );
}

/// A maintenance drug and a new drug on one day: carboplatin + paclitaxel,
/// then bevacizumab (a maintenance drug in these rules) + pemetrexed on
/// 2020-03-16. Taken one at a time, bevacizumab (first by name) joined
/// line 1 and line 2 was pemetrexed alone; together they are line 2.
#[test]
fn a_maintenance_drug_and_a_new_drug_on_one_day_are_one_new_line() {
    let rules = Rules {
        switch_maintenance: vec!["bevacizumab".into()],
        ..Rules::default()
    };
    let csv = format!(
        "{HEADER}p,carboplatin,2020-01-06\np,paclitaxel,2020-01-06\np,carboplatin,2020-02-17\np,paclitaxel,2020-02-17\np,bevacizumab,2020-03-16\np,pemetrexed,2020-03-16\n"
    );
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].later.is_empty(), "{:?}", lines[0].later);
    assert_eq!(lines[0].end.to_string(), "2020-02-17");
    assert_eq!(drugs(&lines[1]), ["bevacizumab", "pemetrexed"]);
    // Alone, the maintenance drug continues line 1.
    let csv = format!(
        "{HEADER}p,carboplatin,2020-01-06\np,paclitaxel,2020-01-06\np,bevacizumab,2020-03-16\n"
    );
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
}

/// The drop rule never drops a drug given on the day it judges: doxorubicin
/// and ifosfamide on 2020-01-01, doxorubicin alone on 01-22 and 02-12, then
/// both on 03-05 (ifosfamide last given 64 days before, over the 60-day
/// drop). Judged one record at a time, doxorubicin (first by name) found
/// ifosfamide dropped and started line 2 on the day ifosfamide was given.
#[test]
fn regression_the_drop_rule_never_drops_a_drug_given_that_day() {
    let rules = Rules {
        drop_starts_new_line: true,
        ..Rules::default()
    };
    let csv = format!(
        "{HEADER}p,doxorubicin,2020-01-01\np,ifosfamide,2020-01-01\np,doxorubicin,2020-01-22\np,doxorubicin,2020-02-12\np,doxorubicin,2020-03-05\np,ifosfamide,2020-03-05\n"
    );
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].end.to_string(), "2020-03-05");
    assert_eq!(lines[0].end_reason, EndReason::EndOfData);
    // Without ifosfamide that day, it is dropped: line 2 starts.
    let csv = format!(
        "{HEADER}p,doxorubicin,2020-01-01\np,ifosfamide,2020-01-01\np,doxorubicin,2020-01-22\np,doxorubicin,2020-02-12\np,doxorubicin,2020-03-05\n"
    );
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0].end_reason,
        EndReason::DroppedDrug {
            drug: "ifosfamide".into()
        }
    );
}

// Issue 15, part 2: per-drug gap exemption and maintenance as the Merck Line
// of Therapy Algorithm defines them (reference/NSCLC/cases_episode_gap.csv,
// cases_maintenance.csv; rwToT_LoT_functions.R is_excluded_from_gap,
// is_eligible_switch_maintenance). Worked by hand from those rules.

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// Erlotinib filled monthly to 2020-02-26, then again on 2020-08-01 (157
/// days later, over the 120-day gap): two lines by default; one when
/// erlotinib is gap-exempt. Pembrolizumab resumed after 150 days is not
/// exempt and stays two lines under the same rules (`after_gap =
/// "same-line"` would have merged it).
#[test]
fn a_gap_exempt_drug_resumed_after_a_gap_continues_its_line() {
    let csv = format!(
        "{HEADER}p,erlotinib,2020-01-01\np,erlotinib,2020-01-29\np,erlotinib,2020-02-26\np,erlotinib,2020-08-01\n"
    );
    assert_eq!(derive(&csv, &Rules::default()).unwrap().len(), 2);
    let rules = Rules {
        gap_exempt: vec!["erlotinib".into()],
        ..Rules::default()
    };
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].end, date("2020-08-01"));
    let csv = format!(
        "{HEADER}p,pembrolizumab,2020-01-01\np,pembrolizumab,2020-01-22\np,pembrolizumab,2020-06-20\n"
    );
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0].end_reason, EndReason::Gap { days: 150 });
}

/// Carboplatin + paclitaxel, then carboplatin + pemetrexed on 2020-03-09:
/// pemetrexed is a maintenance drug, but the day's regimen is not
/// maintenance alone (carboplatin), so it is a new platinum doublet: line 2.
#[test]
fn a_maintenance_drug_with_a_non_maintenance_drug_is_a_new_line() {
    let rules = Rules {
        maintenance: vec!["pemetrexed".into()],
        ..Rules::default()
    };
    let csv = format!(
        "{HEADER}p,carboplatin,2020-01-06\np,paclitaxel,2020-01-06\np,carboplatin,2020-01-27\np,paclitaxel,2020-01-27\np,carboplatin,2020-02-17\np,paclitaxel,2020-02-17\np,carboplatin,2020-03-09\np,pemetrexed,2020-03-09\n"
    );
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0].end_reason,
        EndReason::NewDrug {
            drug: "pemetrexed".into()
        }
    );
    assert_eq!(drugs(&lines[1]), ["carboplatin", "pemetrexed"]);
    assert_eq!(lines[0].maintenance, None);
}

/// Switch maintenance: pemetrexed alone (2020-03-09, 03-30) after
/// carboplatin + paclitaxel keeps line 1, with a switch phase from 03-09 to
/// 03-30. After line 2 it is a new line unless `maintenance_after =
/// "any-line"`.
#[test]
fn a_switch_to_maintenance_alone_keeps_line_one_with_its_phase() {
    let rules = Rules {
        maintenance: vec!["pemetrexed".into()],
        ..Rules::default()
    };
    let doublet = "p,carboplatin,2020-01-06\np,paclitaxel,2020-01-06\np,carboplatin,2020-01-27\np,paclitaxel,2020-01-27\n";
    let switch = "p,pemetrexed,2020-03-09\np,pemetrexed,2020-03-30\n";
    let lines = derive(&format!("{HEADER}{doublet}{switch}"), &rules).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0].maintenance,
        Some(MaintenancePhase {
            start: date("2020-03-09"),
            end: date("2020-03-30"),
            drugs: ["pemetrexed".to_owned()].into_iter().collect(),
            kind: MaintenanceKind::Switch,
        })
    );
    assert_eq!(lines[0].later.iter().collect::<Vec<_>>(), ["pemetrexed"]);
    // Docetaxel in 2019 is line 1; the doublet is line 2; pemetrexed alone
    // after line 2 is line 3 by default.
    let before = "p,docetaxel,2019-10-01\np,docetaxel,2019-10-22\n";
    let csv = format!("{HEADER}{before}{doublet}{switch}");
    let lines = derive(&csv, &rules).unwrap();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(drugs(&lines[2]), ["pemetrexed"]);
    let any = Rules {
        maintenance_after: MaintenanceAfter::AnyLine,
        ..rules.clone()
    };
    let lines = derive(&csv, &any).unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[1].maintenance.as_ref().map(|m| m.kind),
        Some(MaintenanceKind::Switch)
    );
}

/// Continuation maintenance: pembrolizumab + pemetrexed on 2020-01-06,
/// 01-27 and 02-17, then pemetrexed alone on 03-02, 03-23 and 05-08: one
/// line to 05-08, its maintenance phase pemetrexed from 03-02 to 05-08
/// (the paper's example). A day of the combination again ends the phase.
#[test]
fn continuation_maintenance_is_a_phase_of_the_line() {
    let rules = Rules {
        maintenance: vec!["pemetrexed".into()],
        ..Rules::default()
    };
    let combo = "p,pembrolizumab,2020-01-06\np,pemetrexed,2020-01-06\np,pembrolizumab,2020-01-27\np,pemetrexed,2020-01-27\np,pembrolizumab,2020-02-17\np,pemetrexed,2020-02-17\n";
    let alone = "p,pemetrexed,2020-03-02\np,pemetrexed,2020-03-23\np,pemetrexed,2020-05-08\n";
    let lines = derive(&format!("{HEADER}{combo}{alone}"), &rules).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].end, date("2020-05-08"));
    assert_eq!(
        lines[0].maintenance,
        Some(MaintenancePhase {
            start: date("2020-03-02"),
            end: date("2020-05-08"),
            drugs: ["pemetrexed".to_owned()].into_iter().collect(),
            kind: MaintenanceKind::Continuation,
        })
    );
    let resumed =
        format!("{HEADER}{combo}{alone}p,pembrolizumab,2020-05-29\np,pemetrexed,2020-05-29\n");
    let lines = derive(&resumed, &rules).unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].maintenance, None);
}

/// The bundled `merck-nsclc` preset on cases built from the algorithm's
/// rules (window 28, gap 120; cisplatin ↔ carboplatin; pemetrexed both
/// kinds of maintenance, bevacizumab, atezolizumab and gemcitabine
/// continuation, docetaxel switch, after line 1; the eight EGFR/ALK
/// inhibitors gap-exempt). Expected lines worked by hand.
#[test]
fn the_merck_nsclc_preset_follows_its_rules() {
    let rules = Rules::preset("merck-nsclc")
        .expect("a bundled preset")
        .expect("bundled preset parses");
    assert_eq!((rules.window_days, rules.gap_days), (28, 120));
    let run = |rows: &str| derive(&format!("{HEADER}{rows}"), &rules).unwrap();

    // Carboplatin + pemetrexed + pembrolizumab four times, then pemetrexed
    // alone: one line, continuation maintenance from 03-30 to 04-20.
    let lines = run(
        "p,carboplatin,2020-01-06\np,pemetrexed,2020-01-06\np,pembrolizumab,2020-01-06\np,carboplatin,2020-01-27\np,pemetrexed,2020-01-27\np,pembrolizumab,2020-01-27\np,pemetrexed,2020-03-30\np,pemetrexed,2020-04-20\n",
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    let m = lines[0].maintenance.as_ref().expect("a maintenance phase");
    assert_eq!(
        (m.kind, m.start, m.end),
        (
            MaintenanceKind::Continuation,
            date("2020-03-30"),
            date("2020-04-20")
        )
    );

    // Osimertinib filled to 03-01, again on 08-01 (153 days): one line.
    let lines = run(
        "p,osimertinib,2020-01-01\np,osimertinib,2020-02-01\np,osimertinib,2020-03-01\np,osimertinib,2020-08-01\n",
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    // Pembrolizumab after 150 days: two lines.
    let lines =
        run("p,pembrolizumab,2020-01-01\np,pembrolizumab,2020-01-22\np,pembrolizumab,2020-06-20\n");
    assert_eq!(lines.len(), 2, "{lines:?}");

    // Cisplatin → carboplatin with pemetrexed: a substitution, one line.
    let lines = run(
        "p,cisplatin,2020-01-06\np,pemetrexed,2020-01-06\np,cisplatin,2020-01-27\np,pemetrexed,2020-01-27\np,carboplatin,2020-02-17\np,pemetrexed,2020-02-17\n",
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].later.iter().collect::<Vec<_>>(), ["carboplatin"]);

    // Docetaxel alone after carboplatin + paclitaxel (line 1): a switch to
    // maintenance, still line 1. Bevacizumab alone is continuation-only:
    // new to the line, it is line 2.
    let doublet = "p,carboplatin,2020-01-06\np,paclitaxel,2020-01-06\np,carboplatin,2020-01-27\np,paclitaxel,2020-01-27\n";
    let lines = run(&format!("{doublet}p,docetaxel,2020-03-09\n"));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0].maintenance.as_ref().map(|m| m.kind),
        Some(MaintenanceKind::Switch)
    );
    let lines = run(&format!("{doublet}p,bevacizumab,2020-03-09\n"));
    assert_eq!(lines.len(), 2, "{lines:?}");

    // Carboplatin + gemcitabine on one day after the doublet: line 2 of both.
    let lines = run(&format!(
        "{doublet}p,carboplatin,2020-03-09\np,gemcitabine,2020-03-09\n"
    ));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(drugs(&lines[1]), ["carboplatin", "gemcitabine"]);
}

/// `--rules merck-nsclc` names the bundled preset; the CSV carries the
/// maintenance columns.
#[test]
fn cli_rules_preset_by_name_and_maintenance_columns() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}p,carboplatin,2020-01-06\np,paclitaxel,2020-01-06\np,carboplatin,2020-01-27\np,paclitaxel,2020-01-27\np,docetaxel,2020-03-09\n"
        ),
    )
    .unwrap();
    let out = Run::new(&[
        "lines",
        "derive",
        file.to_str().unwrap(),
        "--rules",
        "merck-nsclc",
        "--format",
        "csv",
    ])
    .success();
    assert!(
        out.starts_with("patient_id,line,regimen_drugs,later_drugs,start,end,administration_days,end_reason,regimen_match,maintenance_kind,maintenance_drugs,maintenance_start,maintenance_end\n"),
        "{out}"
    );
    assert!(
        out.contains(",switch,docetaxel,2020-03-09,2020-03-09\n"),
        "{out}"
    );
}

/// Issue 15, part 4: OMOP CDM input. `tests/data/omop/` is a synthetic
/// extract written by `scripts/gen_omop.py` (invented concept ids): the
/// clinical drugs map to their ingredients through CONCEPT_ANCESTOR,
/// an ingredient concept maps to itself, a concept the vocabulary lacks is
/// skipped with its DRUG_EXPOSURE line (exit 1), a datetime start keeps its
/// date, and person_id is the patient id. Expected lines worked by hand.
#[test]
fn omop_drug_exposure_maps_concepts_to_ingredients() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/omop");
    let args = |ancestor: bool| {
        let mut a = vec![
            "lines".to_owned(),
            "derive".to_owned(),
            format!("{dir}/DRUG_EXPOSURE.csv"),
            "--omop".to_owned(),
            "--concepts".to_owned(),
            format!("{dir}/CONCEPT.csv"),
            "--format".to_owned(),
            "csv".to_owned(),
        ];
        if ancestor {
            a.push("--concept-ancestor".to_owned());
            a.push(format!("{dir}/CONCEPT_ANCESTOR.csv"));
        }
        a
    };
    let a = args(true);
    let run = Run::new(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    let out = run.stdout();
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{out}");
    assert!(
        rows[0].starts_with(
            "1,1,carboplatin+paclitaxel,,2020-01-06,2020-02-17,3,new drug (pemetrexed),"
        ),
        "{out}"
    );
    assert!(
        rows[1].starts_with("1,2,pemetrexed,,2020-03-16,2020-03-16,1,"),
        "{out}"
    );
    assert!(
        rows[2].starts_with("2,1,pembrolizumab,,2020-02-01,2020-02-22,2,"),
        "{out}"
    );
    assert!(
        rows[3].starts_with("10,1,carboplatin,,2020-05-01,2020-05-01,1,"),
        "{out}"
    );
    let err = run.stderr();
    assert!(
        err.contains(
            "DRUG_EXPOSURE.csv line 11: skipped: drug_concept_id `9999999` is not an ingredient"
        ),
        "{err}"
    );
    // Without CONCEPT_ANCESTOR only ingredient concepts map: the seven
    // clinical-drug rows and the unknown one are skipped.
    let a = args(false);
    let run = Run::new(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("8 DRUG_EXPOSURE rows skipped"),
        "{}",
        run.stderr()
    );
    // --concepts without --omop is a usage error.
    let err = Run::new(&[
        "lines",
        "derive",
        &format!("{dir}/DRUG_EXPOSURE.csv"),
        "--concepts",
        &format!("{dir}/CONCEPT.csv"),
    ])
    .fails(2);
    assert!(err.contains("--omop"), "{err}");
}

/// A CONCEPT_ANCESTOR table that cannot be read is named as itself, not
/// as CONCEPT (found by the hostile-input harness: a 300 KB line in the
/// ancestor table was reported against CONCEPT.csv).
#[test]
fn omop_vocabulary_errors_name_their_own_table() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/omop");
    let tmp = tempfile::tempdir().unwrap();
    let no_columns = tmp.path().join("ancestor.csv");
    std::fs::write(&no_columns, "a,b\n1,2\n").unwrap();
    let long = tmp.path().join("long.csv");
    std::fs::write(&long, "x".repeat(300 * 1024)).unwrap();
    for (ancestor, words) in [
        (
            &no_columns,
            "ancestor.csv: CONCEPT_ANCESTOR has no `ancestor_concept_id` column",
        ),
        (&long, "long.csv: CONCEPT_ANCESTOR: "),
    ] {
        let err = Run::new(&[
            "lines",
            "derive",
            &format!("{dir}/DRUG_EXPOSURE.csv"),
            "--omop",
            "--concepts",
            &format!("{dir}/CONCEPT.csv"),
            "--concept-ancestor",
            ancestor.to_str().unwrap(),
        ])
        .fails(2);
        assert!(err.contains(words), "{err}");
    }
}

/// Issue 18: `lines derive` prints its report as Markdown and as a
/// print-ready HTML page too, with the same lines as the text and the
/// counts at the foot.
#[test]
fn cli_derive_markdown_and_html_reports() {
    let md = Run::new(&[
        "lines",
        "derive",
        "tests/data/lms-case-1-administrations.csv",
        "--format",
        "md",
    ])
    .success();
    assert!(md.starts_with("# Lines of therapy"), "{md}");
    // The first case report's first line: dacarbazine + doxorubicin from
    // 2019-03-04 to 2019-04-15, three days, ended by cisplatin.
    assert!(
        md.contains(
            "| LMS-CASE-1 | 1 | dacarbazine + doxorubicin | 2019-03-04 | 2019-04-15 | 3 | new drug (cisplatin) |"
        ),
        "{md}"
    );
    assert!(
        md.contains("records, 1 patients, 2 lines; 0 records skipped"),
        "{md}"
    );
    let html = Run::new(&[
        "lines",
        "derive",
        "tests/data/lms-case-1-administrations.csv",
        "--format",
        "html",
    ])
    .success();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<td>cisplatin + ifosfamide</td>"), "{html}");
    assert!(html.contains("<td>end of data</td>"), "{html}");
    assert_eq!(html.matches("<tr>").count(), 3, "a header and two lines");
    assert!(html.trim_end().ends_with("</html>"), "{html}");
}
