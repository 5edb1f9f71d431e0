//! Derived lines of therapy (`lines derive`) as a Markdown or print-ready
//! HTML report, written row by row as the lines are derived (a file of a
//! million records is never held whole): a head, one row per line, a tail
//! with the counts.
//!
//! Owns: the report's columns and their words, the escaping of every value
//! in each format. Never does: derive a line or read a record.

use std::fmt::Write as _;

use super::schedule::html::{STYLE, escape as html};
use super::{
    HTML_TABLE_END, escape, html_table_head, html_table_row, markdown_table_head,
    markdown_table_row,
};
use crate::lines::DerivedLine;

/// The report's columns, in order.
pub const HEADERS: [&str; 9] = [
    "Patient",
    "Line",
    "Regimen drugs",
    "Start",
    "End",
    "Days given",
    "Ended",
    "Regimen",
    "Later drugs and maintenance",
];

/// One line's cells, in the order of [`HEADERS`].
pub fn cells(l: &DerivedLine) -> [String; 9] {
    let mut later: Vec<String> = Vec::new();
    if !l.later.is_empty() {
        later.push(format!(
            "later: {}",
            l.later.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(m) = &l.maintenance {
        later.push(m.text());
    }
    [
        l.patient.clone(),
        l.number.to_string(),
        l.regimen.iter().cloned().collect::<Vec<_>>().join(" + "),
        l.start.to_string(),
        l.end.to_string(),
        l.administration_days.to_string(),
        l.end_reason.text(),
        l.regimen_match.text(),
        later.join("; "),
    ]
}

/// The title of both reports.
const TITLE: &str = "Lines of therapy derived from administration records";

/// The Markdown report's head: its title, the file read, the table header.
pub fn markdown_head(file: &str) -> String {
    format!(
        "# {TITLE}\n\nRecords: {}\n\n{}",
        escape::markdown(file),
        markdown_table_head(&HEADERS)
    )
}

/// One Markdown table row; every cell escaped, so that no value can end
/// its cell or become a link or HTML.
pub fn markdown_row(l: &DerivedLine, out: &mut Vec<u8>) {
    out.extend_from_slice(markdown_table_row(&cells(l)).as_bytes());
}

/// The Markdown report's tail: the counts, one paragraph each.
pub fn markdown_tail(summary: &[String]) -> String {
    let mut o = String::from("\n");
    for s in summary {
        let _ = writeln!(o, "{}\n", escape::markdown(s));
    }
    o
}

/// The HTML page's head (A4, landscape for the width of the table, no
/// script, no outside asset), its title, the file read, the table header.
pub fn html_head(file: &str) -> String {
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{TITLE}</title>\n<style>{STYLE}@page {{ size: A4 landscape; margin: 14mm 10mm; \
         @bottom-left {{ content: \"chemodose {}\"; font: 8pt sans-serif; }} \
         @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font: 8pt sans-serif; }} }}\n</style>\n</head>\n<body>\n<h1>{TITLE}</h1>\n<p>Records: {}</p>\n",
        env!("CARGO_PKG_VERSION"),
        html(file)
    );
    o.push_str(&html_table_head(&HEADERS));
    o
}

/// One HTML table row, every cell escaped.
pub fn html_row(l: &DerivedLine, out: &mut Vec<u8>) {
    out.extend_from_slice(html_table_row(&cells(l)).as_bytes());
}

/// The HTML page's tail: the table closed, the counts, the page closed.
pub fn html_tail(summary: &[String]) -> String {
    let mut o = String::from(HTML_TABLE_END);
    for s in summary {
        let _ = writeln!(o, "<p>{}</p>", html(s));
    }
    o.push_str("</body>\n</html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::{EndReason, RegimenMatch};

    fn line(patient: &str) -> DerivedLine {
        DerivedLine {
            patient: patient.to_owned(),
            number: 1,
            regimen: ["docetaxel".to_owned(), "gemcitabine".to_owned()].into(),
            later: Default::default(),
            start: chrono::NaiveDate::from_ymd_opt(2020, 1, 6).unwrap(),
            end: chrono::NaiveDate::from_ymd_opt(2020, 3, 9).unwrap(),
            administration_days: 8,
            end_reason: EndReason::Gap { days: 120 },
            maintenance: None,
            regimen_match: RegimenMatch::Exact {
                id: "gemcitabine-docetaxel".to_owned(),
            },
            dates: Vec::new(),
        }
    }

    #[test]
    fn html_escapes_every_value() {
        let mut out = Vec::new();
        html_row(&line("<script>alert(1)</script>"), &mut out);
        let row = String::from_utf8(out).unwrap();
        assert!(row.contains("&lt;script&gt;"), "{row}");
        assert!(!row.contains("<script>"), "{row}");
        assert!(row.contains("<td>docetaxel + gemcitabine</td>"), "{row}");
        assert!(row.contains("<td>gap of 120 days</td>"), "{row}");
    }

    #[test]
    fn markdown_cell_cannot_end_early() {
        let mut out = Vec::new();
        markdown_row(&line("P|1"), &mut out);
        let row = String::from_utf8(out).unwrap();
        // Nine cells: ten unescaped pipes.
        let pipes = row.replace("\\|", "").matches('|').count();
        assert_eq!(pipes, 10, "{row}");
    }
}
