//! The regimen library as a list (`regimens list`): one row per regimen with
//! its id, name, status, cycle, drugs (tall-man names) and where it was read
//! from, as text, Markdown or a print-ready HTML page.
//!
//! Owns: the list's columns and their words in each format. Never does:
//! load or choose a regimen.

use std::fmt::Write as _;

use super::ismp::drug_display_name;
use super::provenance::list_source_text;
use super::schedule::html::{STYLE, escape};
use super::{html_table, markdown_table, text_table};
use crate::regimen::RegimenEntry;

/// The list's columns, in order.
pub const HEADERS: [&str; 6] = ["Id", "Name", "Status", "Cycle", "Drugs", "Source"];

/// One row per regimen, in the order of [`HEADERS`]; a status that needs
/// attention (draft, withdrawn) in capitals, so that it cannot be read past.
pub fn rows(entries: &[RegimenEntry]) -> Vec<Vec<String>> {
    entries
        .iter()
        .map(|e| {
            let r = &e.regimen;
            let status = if r.status.needs_attention() {
                r.status.id().to_uppercase()
            } else {
                r.status.id().to_owned()
            };
            vec![
                r.id.clone(),
                r.name.clone(),
                status,
                format!("q{}d, {}", r.cycle.length_days, r.cycle.count),
                r.drugs
                    .iter()
                    .map(|d| drug_display_name(&d.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                list_source_text(&e.source),
            ]
        })
        .collect()
}

/// "3 regimens from the bundled library".
fn heading(entries: &[RegimenEntry], from: &str) -> String {
    format!("{} regimens from the {from}", entries.len())
}

/// The list as an aligned text table under its heading.
pub fn library_text(entries: &[RegimenEntry], from: &str) -> String {
    format!(
        "{}\n\n{}",
        super::escape::visible(&heading(entries, from)),
        text_table(&HEADERS, &rows(entries))
    )
}

/// The list as Markdown: a title, the heading, a pipe table.
pub fn library_markdown(entries: &[RegimenEntry], from: &str) -> String {
    format!(
        "# Regimen library\n\n{}\n\n{}",
        super::escape::markdown(&heading(entries, from)),
        markdown_table(&HEADERS, &rows(entries))
    )
}

/// The list as one self-contained, print-ready HTML page (A4 landscape, no
/// script, no outside asset), every value escaped.
pub fn library_html(entries: &[RegimenEntry], from: &str) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Regimen library</title>\n<style>{STYLE}@page {{ size: A4 landscape; margin: 14mm 10mm; \
         @bottom-left {{ content: \"chemodose {}\"; font: 8pt sans-serif; }} \
         @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font: 8pt sans-serif; }} }}\n</style>\n</head>\n<body>\n<h1>Regimen library</h1>\n<p>{}</p>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&heading(entries, from))
    );
    o.push_str(&html_table(&HEADERS, &rows(entries)));
    o.push_str("</body>\n</html>\n");
    o
}
