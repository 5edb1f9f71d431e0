//! A cycle's doses as one self-contained, print-ready HTML page (no script,
//! no external assets), styled like the schedule: the regimen with its
//! version and file (SHA-256), the patient's measurements and BSA, each dose
//! with its adjustments, the totals and lifetime limits, the treatment-day
//! verdict, warnings and overridden stops with their reasons, and sign-off
//! lines. Every value is escaped; the markup is well-formed XML.
//!
//! Owns: the HTML layout of `dose --format html`. Never does: word a dose,
//! an adjustment or a verdict (the text renderer's pieces do).

use std::fmt::Write as _;

use super::dose::{
    OVERRIDDEN_HEADING, TOTALS_HEADERS, administration_headers, administration_rows,
    overridden_lines, patient_lines, plan_title, status_words, totals_rows, verdict_words,
};
use super::html_table;
use super::schedule::html::{STYLE, css_string, escape};
use crate::dose::DosePlan;
use crate::regimen::{Regimen, RegimenSource};

/// The column of the final dose, printed bold and right-aligned.
const FINAL_DOSE_COLUMN: usize = 4;

/// A4 (the schedule's default paper), and what every printed page carries
/// in its margins: the regimen and its version, the regimen file with the
/// first 12 hex digits of its SHA-256, chemodose's version and the page
/// number.
fn page_style(regimen: &Regimen, source: Option<&RegimenSource>) -> String {
    let file = source.map_or_else(String::new, |s| {
        format!(
            "Regimen file: {}  |  ",
            css_string(&crate::render::provenance::page_margin_text(s))
        )
    });
    format!(
        "@page {{ size: A4; margin: 20mm 12mm 16mm 12mm; \
         @top-right {{ content: \"{} v{}\"; font: 8pt sans-serif; white-space: nowrap; }} \
         @bottom-left {{ content: \"{file}chemodose {}\"; font: 8pt sans-serif; }} \
         @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font: 8pt sans-serif; }} }}\n\
         .l1 {{ margin-left: 5mm; }} .l2 {{ margin-left: 10mm; }}\n",
        css_string(&regimen.id),
        css_string(&regimen.version),
        env!("CARGO_PKG_VERSION"),
    )
}

/// A box of lines under a heading: the warnings, the overridden stops.
fn warning_box(o: &mut String, heading: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<div class=\"warnings\">\n<h3>{}</h3>\n<ul>",
        escape(heading)
    );
    for l in lines {
        let _ = writeln!(o, "<li>{}</li>", escape(l));
    }
    o.push_str("</ul>\n</div>\n");
}

/// The dose table, the final dose in bold.
fn administration_table(plan: &DosePlan) -> String {
    let mut o = String::from("<table class=\"admin\">\n<thead><tr>");
    for h in administration_headers(plan) {
        let _ = write!(o, "<th>{}</th>", escape(h));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in administration_rows(plan) {
        o.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            if i == FINAL_DOSE_COLUMN {
                let _ = write!(o, "<td class=\"dose\">{}</td>", escape(c));
            } else {
                let _ = write!(o, "<td>{}</td>", escape(c));
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
    o
}

/// The plan as a print-ready HTML page. `leading_warnings` are the warnings
/// read before the plan (a history's), shown with the plan's own.
pub fn dose_html(
    plan: &DosePlan,
    regimen: &Regimen,
    source: Option<&RegimenSource>,
    leading_warnings: &[String],
) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{} - doses, cycle {}</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n",
        escape(&regimen.name),
        plan.cycle,
        page_style(regimen, source),
    );
    let _ = writeln!(o, "<h1>{}</h1>", escape(&regimen.name));
    if let Some(status) = status_words(regimen) {
        let _ = writeln!(
            o,
            "<div class=\"status\">{}. {}</div>",
            escape(&status),
            escape(regimen.status_note.as_deref().unwrap_or(""))
        );
    }
    if let Some(v) = verdict_words(&plan.assessment) {
        let _ = writeln!(o, "<div class=\"status\">{}</div>", escape(&v));
    }
    o.push_str("<div class=\"blocks\">\n<div class=\"block\">\n<h3>Patient</h3>\n");
    for l in patient_lines(plan) {
        let _ = writeln!(o, "<p>{}</p>", escape(&l));
    }
    o.push_str("</div>\n<div class=\"block\">\n<h3>Regimen</h3>\n");
    let _ = writeln!(o, "<p><b>{}</b></p>", escape(&plan_title(plan, regimen)));
    let _ = writeln!(o, "<p>Status: {}</p>", escape(regimen.status.id()));
    for l in source
        .map(crate::render::provenance::source_lines)
        .unwrap_or_default()
    {
        let _ = writeln!(o, "<p>{}</p>", escape(&l));
    }
    o.push_str("</div>\n</div>\n");
    warning_box(
        &mut o,
        OVERRIDDEN_HEADING,
        &overridden_lines(&plan.overridden),
    );
    let warnings: Vec<String> = leading_warnings
        .iter()
        .cloned()
        .chain(plan.warnings.iter().map(ToString::to_string))
        .collect();
    warning_box(&mut o, "Warnings", &warnings);
    o.push_str("<h2>Doses</h2>\n");
    o.push_str(&administration_table(plan));
    o.push_str("<h2>Totals</h2>\n");
    o.push_str(&html_table(&TOTALS_HEADERS, &totals_rows(plan)));
    let assessment = crate::render::rules::assessment_lines(&plan.assessment);
    if !assessment.is_empty() {
        o.push_str("<h2>Clinical rules</h2>\n");
        for l in assessment {
            let body = l.trim_start();
            let class = match (l.len() - body.len()) / 2 {
                0 => String::new(),
                n => format!(" class=\"l{}\"", n.min(2)),
            };
            let _ = writeln!(o, "<p{class}>{}</p>", escape(body));
        }
    }
    o.push_str("<table class=\"signoff\">\n<thead><tr><th>Role</th><th>Name</th><th>Signature</th><th>Date</th><th>Time</th></tr></thead>\n<tbody>\n");
    for role in ["Prescriber", "Verifying pharmacist", "Second checker"] {
        let _ = writeln!(
            o,
            "<tr><th>{role}</th><td></td><td></td><td></td><td></td></tr>"
        );
    }
    o.push_str("</tbody>\n</table>\n");
    o.push_str("<p>Generated by chemodose. Check every dose against the order before preparation.</p>\n</body>\n</html>\n");
    o
}
