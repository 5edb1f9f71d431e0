//! The order verification record as one self-contained, print-ready HTML
//! page (no external assets, no script): the summary of the worklist, then
//! per order the patient identifiers, the order as written beside the
//! independent calculation, every finding with its source and resolution,
//! the regimen version and file hash, chemodose's version, the time of the
//! check, and signature lines for the verifying pharmacist and a second
//! checker. Every value is escaped; the markup is well-formed XML.

use super::order::{
    LINE_HEADERS, RecordContext, SUMMARY_HEADERS, calculation_lines, checked_text, finding_text,
    line_cells, measurement_lines, resolution_text, severity_text, summary_cells,
};
use super::schedule::html::escape;
use crate::order::{Severity, Verification};

const STYLE: &str = r#"
@page { margin: 16mm 14mm; }
body { font: 9.5pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 4mm 0; }
h2 { font-size: 12pt; margin: 6mm 0 2mm 0; }
h3 { font-size: 10.5pt; margin: 4mm 0 1mm 0; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { border: 0.3mm solid #555; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
.verdict { font-weight: bold; font-size: 12pt; }
.stop { font-weight: bold; }
.order { page-break-before: always; }
.sign { margin-top: 8mm; }
.sign div { margin: 6mm 0; }
ul { margin: 0 0 2mm 0; padding-left: 5mm; }
"#;

fn row(cells: &[String], tag: &str) -> String {
    let mut out = String::from("<tr>");
    for c in cells {
        out.push_str(&format!("<{tag}>{}</{tag}>", escape(c)));
    }
    out.push_str("</tr>\n");
    out
}

fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let mut out = format!("<table>\n<thead>{}</thead>\n<tbody>\n", row(&headers, "th"));
    for r in rows {
        out.push_str(&row(r, "td"));
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// The verification record of every order (and the summary when there are
/// several) as one HTML page.
pub fn orders_html(vs: &[(&Verification, &RecordContext)], bad_files: &[String]) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Order verification record</title>\n<style>",
    );
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>Chemotherapy order verification record</h1>\n");
    if vs.len() + bad_files.len() > 1 {
        let rows: Vec<Vec<String>> = vs.iter().map(|(v, _)| summary_cells(v)).collect();
        out.push_str(&table(&SUMMARY_HEADERS, &rows));
    }
    for b in bad_files {
        out.push_str(&format!(
            "<p class=\"stop\">Not verified (the file could not be read): {}</p>\n",
            escape(b)
        ));
    }
    for (i, (v, ctx)) in vs.iter().enumerate() {
        let class = if i > 0 || vs.len() > 1 {
            " class=\"order\""
        } else {
            ""
        };
        out.push_str(&format!("<section{class}>\n"));
        out.push_str(&order_section(v, ctx));
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn order_section(v: &Verification, ctx: &RecordContext) -> String {
    let o = &v.order;
    let mut out = format!(
        "<h2>Order {}: <span class=\"verdict\">{}</span></h2>\n<ul>\n",
        escape(&o.id),
        v.verdict.id()
    );
    let facts = super::order::record_facts(v, ctx);
    for (k, val) in facts {
        out.push_str(&format!("<li><b>{k}:</b> {}</li>\n", escape(&val)));
    }
    for l in measurement_lines(v) {
        out.push_str(&format!("<li>{}</li>\n", escape(&l)));
    }
    out.push_str("</ul>\n<h3>Order as written beside the independent calculation</h3>\n");
    let rows: Vec<Vec<String>> = v.lines.iter().map(|l| line_cells(v, l)).collect();
    out.push_str(&table(&LINE_HEADERS, &rows));
    out.push_str("<p><b>Independent calculation</b></p>\n<ul>\n");
    for l in calculation_lines(v) {
        out.push_str(&format!("<li>{}</li>\n", escape(&l)));
    }
    out.push_str("</ul>\n<h3>Findings</h3>\n");
    if v.findings.is_empty() {
        out.push_str("<p>None.</p>\n");
    } else {
        out.push_str("<table>\n<thead><tr><th>Severity</th><th>Code</th><th>Finding</th><th>Source</th><th>Resolves it</th></tr></thead>\n<tbody>\n");
        for f in &v.findings {
            let class = if f.severity == Severity::Stop {
                " class=\"stop\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                severity_text(f.severity),
                escape(&f.code),
                escape(&finding_text(f)),
                escape(&f.source),
                escape(&resolution_text(f))
            ));
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str(&format!(
        "<p>Checked {} by chemodose {}; a deviation agrees within {}, needs a stated reason up to {}, and stops above it.</p>\n",
        escape(&checked_text(ctx)),
        escape(&ctx.chemodose_version),
        escape(&v.thresholds.agree.to_string()),
        escape(&v.thresholds.query.to_string())
    ));
    out.push_str("<div class=\"sign\">\n<div>Verifying pharmacist: ________________________________ Date/time: ________________</div>\n<div>Second checker: ________________________________ Date/time: ________________</div>\n</div>\n");
    out
}
