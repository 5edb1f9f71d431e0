//! The schedule as one self-contained, print-ready HTML page: no external
//! assets and no script. Prints on A4 and Letter (the page size is left to
//! the printer), one cycle per page, a running header with the patient id and
//! page numbers (CSS page-margin boxes, where the browser supports them),
//! check boxes and initials columns for the pharmacist and the nurse.
//! The markup is well-formed XML as well as HTML, which the tests check.

use std::fmt::Write as _;

use super::{
    RenderContext, adjustments_text, cumulative_text, date_text, dose_change_text, dose_text,
    drug_name, flags_text, prescribed_text,
};
use crate::render::dose::patient_lines;
use crate::schedule::Schedule;

/// Escapes text for HTML content and attribute values, after
/// [`visible`](crate::render::escape::visible): a control or bidirectional
/// character is written as its escape, never as itself.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in crate::render::escape::visible(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for a CSS string, and for the HTML it sits in.
pub(crate) fn css_string(s: &str) -> String {
    let mut out = String::new();
    for c in crate::render::escape::visible(s).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\3C "),
            '>' => out.push_str("\\3E "),
            '&' => out.push_str("\\26 "),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The print style sheet shared by schedule and history pages.
pub const STYLE: &str = r#"
* { box-sizing: border-box; }
html { margin: 0; }
body { font: 9.5pt/1.35 "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #111; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 4mm 0; }
h2 { font-size: 12pt; margin: 0 0 2mm 0; }
.blocks { display: table; width: 100%; border-spacing: 0; margin-bottom: 4mm; }
.block { display: table-cell; width: 50%; border: 1px solid #777; padding: 2mm 3mm; vertical-align: top; }
.block h3 { font-size: 10pt; margin: 0 0 1mm 0; text-transform: uppercase; letter-spacing: 0.05em; color: #333; }
.block p { margin: 0.5mm 0; }
.status { border: 3px solid #a00; color: #a00; font-weight: bold; padding: 2mm 3mm; margin-bottom: 4mm; }
.warnings { border: 2px solid #a00; padding: 2mm 3mm; margin: 0 0 4mm 0; }
.warnings h3 { margin: 0 0 1mm 0; font-size: 10pt; color: #a00; }
.warnings ul { margin: 0; padding-left: 5mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; table-layout: fixed; }
th, td { border: 1px solid #888; padding: 1.2mm 1mm; vertical-align: top; text-align: left; overflow-wrap: break-word; }
th { background: #eee; font-size: 8pt; }
table.admin td { font-size: 8.5pt; }
td.dose { font-weight: bold; text-align: right; white-space: nowrap; }
table.admin { table-layout: auto; }
table.admin td, table.admin th { overflow-wrap: normal; }
table.admin td:first-child { white-space: nowrap; }
col.w-date { width: 14%; } col.w-day { width: 5%; } col.w-drug { width: 13%; } col.w-dose { width: 10%; } col.w-route { width: 7%; } col.w-infusion { width: 8%; } col.w-calc { width: 16%; } col.w-check { width: 11%; } col.w-pharmacist { width: 8%; } col.w-nurse { width: 8%; }
td.small { font-size: 8.5pt; }
td.check { font-size: 8pt; font-weight: bold; }
td.sign { white-space: nowrap; }
.signoff td { height: 9mm; }
.signoff thead th:first-child, .signoff tbody th { width: 22%; }
.notes { border: 1px solid #777; padding: 2mm 3mm; margin-bottom: 4mm; }
.notes h3 { font-size: 10pt; margin: 0 0 1mm 0; text-transform: uppercase; letter-spacing: 0.05em; color: #333; }
.notes p, .notes ul { margin: 0.5mm 0; }
.fill { color: #555; }
.box { display: inline-block; width: 3.5mm; height: 3.5mm; border: 1px solid #000; vertical-align: middle; margin-right: 1.5mm; }
.flag { color: #a00; font-weight: bold; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
section.cycle { break-before: page; page-break-before: always; }
.cumulative { margin: 0 0 2mm 0; }
.sources { font-size: 8.5pt; break-before: page; page-break-before: always; }
.running { display: none; }
@media screen { body { max-width: 210mm; margin: 8mm auto; } .running { display: block; color: #555; } }
"#;

/// The HTML page.
pub fn schedule_html(s: &Schedule, ctx: &RenderContext) -> String {
    let mut o = String::new();
    let pid = ctx
        .patient_id
        .clone()
        .unwrap_or_else(|| "not given".to_owned());
    let title = format!("{} - schedule", s.regimen.name);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n",
        escape(&title),
        page_style(s, ctx, &pid),
    );
    let _ = writeln!(
        o,
        "<p class=\"running\">{}</p>",
        escape(&identity_line(&ctx.identity, &pid))
    );
    let _ = writeln!(o, "<h1>{}</h1>", escape(&s.regimen.name));
    if s.regimen.status.needs_attention() {
        let _ = writeln!(
            o,
            "<div class=\"status\">STATUS: {}. {}</div>",
            escape(&s.regimen.status.id().to_uppercase()),
            escape(s.regimen.status_note.as_deref().unwrap_or(""))
        );
    }
    o.push_str("<div class=\"blocks\">\n<div class=\"block\">\n<h3>Patient</h3>\n");
    let id = &ctx.identity;
    let birth = id.birth_date.map(|d| d.format("%Y-%m-%d").to_string());
    let measured = s
        .patient
        .measured_on
        .map(|d| d.format("%Y-%m-%d").to_string());
    let scr_measured = s
        .patient
        .serum_creatinine_on
        .map(|d| d.format("%Y-%m-%d").to_string());
    // The creatinine's date only where a creatinine is printed.
    let scr_row = s
        .patient
        .serum_creatinine
        .map(|_| ("Serum creatinine measured on", &scr_measured));
    for (label, value) in [
        ("Name", &id.name),
        ("MRN", &id.mrn),
        ("Date of birth", &birth),
        ("Height and weight measured on", &measured),
    ]
    .into_iter()
    .chain(scr_row)
    {
        match value {
            Some(v) => {
                let _ = writeln!(o, "<p>{label}: <b>{}</b></p>", escape(v));
            }
            None => {
                let _ = writeln!(
                    o,
                    "<p>{label}: <span class=\"fill\">______________________ (write by hand)</span></p>"
                );
            }
        }
    }
    let _ = writeln!(o, "<p>Patient id: <b>{}</b></p>", escape(&pid));
    for l in patient_lines(&s.first_plan) {
        let _ = writeln!(o, "<p>{}</p>", escape(&l));
    }
    for l in super::lab_lines(s) {
        let _ = writeln!(o, "<p>{}</p>", escape(&l));
    }
    o.push_str("</div>\n<div class=\"block\">\n<h3>Regimen</h3>\n");
    let _ = writeln!(
        o,
        "<p><b>{}</b> ({}, version {})</p>",
        escape(&s.regimen.name),
        escape(&s.regimen.id),
        escape(&s.regimen.version)
    );
    let _ = writeln!(o, "<p>Status: {}</p>", escape(s.regimen.status.id()));
    let last = s
        .last_date()
        .map_or_else(String::new, |d| format!(" to {}", date_text(d)));
    let _ = writeln!(
        o,
        "<p>{} cycles every {} days, {}{}</p>",
        s.cycles.len(),
        s.regimen.cycle_length_days,
        escape(
            &s.cycles
                .first()
                .map_or_else(String::new, |c| date_text(c.start))
        ),
        escape(&last)
    );
    let _ = writeln!(o, "<p>Sources: {}</p>", s.regimen.sources.len());
    o.push_str("</div>\n</div>\n");
    if !s.overridden.is_empty() {
        o.push_str("<div class=\"warnings\">\n<h3>Overridden stops (given anyway, with the reason)</h3>\n<ul>\n");
        for l in crate::render::dose::overridden_lines(&s.overridden) {
            let _ = writeln!(o, "<li>{}</li>", escape(&l));
        }
        o.push_str("</ul>\n</div>\n");
    }
    if !s.warnings.is_empty() {
        o.push_str("<div class=\"warnings\">\n<h3>Warnings</h3>\n<ul>\n");
        for w in &s.warnings {
            let _ = writeln!(o, "<li>{}</li>", escape(&w.to_string()));
        }
        o.push_str("</ul>\n</div>\n");
    }
    notes_html(&mut o, s);
    signoff_html(&mut o);
    for (i, c) in s.cycles.iter().enumerate() {
        // The first cycle shares page 1 with the header blocks.
        let class = if i == 0 { "cycle-first" } else { "cycle" };
        let delay = super::delay_text(c);
        let _ = writeln!(
            o,
            "<section class=\"{class}\">\n<h2>Cycle {} of {}: day 1 {}{}</h2>",
            c.number,
            s.cycles.len(),
            escape(&date_text(c.start)),
            escape(&delay)
        );
        for ch in &c.dose_changes {
            let _ = writeln!(
                o,
                "<p>Dose change in force: {}</p>",
                escape(&dose_change_text(ch))
            );
        }
        o.push_str(COLUMNS);
        o.push_str("<thead><tr><th>Date</th><th>Day</th><th>Drug</th><th>Dose</th><th>Route</th><th>Infusion</th><th>Calculation and adjustments</th><th>Check</th><th>Pharmacist</th><th>Nurse</th></tr></thead>\n<tbody>\n");
        for a in &c.administrations {
            let adm = &a.administration;
            let flags = flags_text(a);
            let flag_html = if flags.is_empty() {
                String::new()
            } else {
                format!("<br/><span class=\"flag\">{}</span>", escape(&flags))
            };
            let _ = writeln!(
                o,
                "<tr><td class=\"date\">{}{flag_html}</td><td>{}</td><td><b>{}</b></td><td class=\"dose\">{}</td><td>{}</td><td>{}</td><td class=\"small\">{}{}</td><td class=\"check\">{}</td><td class=\"sign\"><span class=\"box\"></span>____</td><td class=\"sign\"><span class=\"box\"></span>____</td></tr>",
                escape(&date_text(a.date)),
                adm.day,
                escape(&drug_name(a)),
                escape(&dose_text(a)),
                escape(&adm.route),
                escape(adm.infusion.as_deref().unwrap_or("-")),
                escape(&prescribed_text(a)),
                // A dose by local protocol has no calculation to adjust.
                if adm.instruction().is_some() {
                    String::new()
                } else {
                    format!("; {}", escape(&adjustments_text(adm, &s.overridden)))
                },
                escape(&crate::render::rules::check_short(
                    a.administration.verdict,
                    &a.administration.criteria
                )),
            );
        }
        o.push_str("</tbody>\n</table>\n");
        let _ = writeln!(
            o,
            "<p class=\"cumulative\"><b>Cumulative after cycle {}:</b></p>\n<ul>",
            c.number
        );
        for cu in &c.cumulative {
            let _ = writeln!(o, "<li>{}</li>", escape(&cumulative_text(cu)));
        }
        o.push_str("</ul>\n");
        let _ = writeln!(
            o,
            "<p>Cycle {} released by pharmacist: ____________________ date/time: ______________ &nbsp; checked by nurse: ____________________ date/time: ______________</p>",
            c.number
        );
        o.push_str("</section>\n");
    }
    let criteria = super::criteria_lines(s);
    if !criteria.is_empty() {
        o.push_str(
            "<section class=\"criteria\">\n<h2>Treatment-day criteria (Check column)</h2>\n<p>NOT CHECKED names the results that are missing, or older than the maximum result age for that day or dated after it: take them for that day and check again before giving.</p>\n<ul>\n",
        );
        for l in criteria {
            let _ = writeln!(o, "<li>{}</li>", escape(&l));
        }
        o.push_str("</ul>\n</section>\n");
    }
    o.push_str("<section class=\"sources\">\n<h2>Sources</h2>\n<ol>\n");
    for src in &s.regimen.sources {
        let mut line = escape(&src.citation);
        for v in [&src.doi, &src.pmid, &src.url].into_iter().flatten() {
            let _ = write!(line, " {}", escape(v));
        }
        let _ = writeln!(o, "<li>{line}</li>");
    }
    o.push_str("</ol>\n");
    if let Some(source) = &ctx.regimen_source {
        o.push_str("<footer class=\"provenance\">\n");
        for l in crate::render::provenance::source_lines(source) {
            let _ = writeln!(o, "<p>{}</p>", escape(&l));
        }
        o.push_str("</footer>\n");
    }
    o.push_str("<p>Generated by chemodose. Check every dose against the order before preparation.</p>\n</section>\n</body>\n</html>\n");
    o
}

/// The administration table's columns: fixed widths that add up to the
/// page, so that no column pushes the table past the right margin. The
/// widths are in [`STYLE`], never in a `style` attribute: the page's one
/// style block is all a hash-based Content-Security-Policy has to allow
/// (`chemodose serve`).
const COLUMNS: &str = "<table class=\"admin\">\n<colgroup><col class=\"w-date\"/><col class=\"w-day\"/><col class=\"w-drug\"/><col class=\"w-dose\"/><col class=\"w-route\"/><col class=\"w-infusion\"/><col class=\"w-calc\"/><col class=\"w-check\"/><col class=\"w-pharmacist\"/><col class=\"w-nurse\"/></colgroup>\n";

/// "Name: … | MRN: … | DOB: … | Patient id: …", blanks where not given.
fn identity_line(id: &super::PrintedIdentity, pid: &str) -> String {
    let or_blank = |v: &Option<String>| v.clone().unwrap_or_else(|| "__________".to_owned());
    format!(
        "Name: {}  |  MRN: {}  |  DOB: {}  |  Patient id: {}",
        or_blank(&id.name),
        or_blank(&id.mrn),
        or_blank(&id.birth_date.map(|d| d.format("%Y-%m-%d").to_string())),
        pid
    )
}

/// The paper and what every printed page carries in its margins: the
/// patient's identifiers, the regimen and its version, when and by what it
/// was printed, the regimen file with the first 12 hex digits of its
/// SHA-256, and the page number.
fn page_style(s: &Schedule, ctx: &RenderContext, pid: &str) -> String {
    let printed = ctx.generated.map_or_else(
        || "Printed: ____________".to_owned(),
        |t| format!("Printed {}", t.format("%Y-%m-%d %H:%M UTC")),
    );
    // The regimen file on a second line ("\A" in CSS) under the print
    // time: the bottom margin has the width the identity takes at the top.
    let file = ctx
        .regimen_source
        .as_ref()
        .map_or_else(String::new, |source| {
            format!(
                "\\A Regimen file: {}",
                css_string(&crate::render::provenance::page_margin_text(source))
            )
        });
    format!(
        "@page {{ size: {}; margin: 20mm 12mm 16mm 12mm; \
         @top-left {{ content: \"{}\"; font: 8pt sans-serif; }} \
         @top-right {{ content: \"{} v{}\"; font: 8pt sans-serif; white-space: nowrap; }} \
         @bottom-left {{ content: \"{}  |  chemodose {}{file}\"; font: 8pt sans-serif; white-space: pre-wrap; }} \
         @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font: 8pt sans-serif; }} }}\n",
        ctx.paper.css(),
        css_string(&identity_line(&ctx.identity, pid)),
        css_string(&s.regimen.id),
        css_string(&s.regimen.version),
        css_string(&printed),
        env!("CARGO_PKG_VERSION"),
    )
}

/// The regimen's own notes, supportive care and monitoring, as written.
fn notes_html(o: &mut String, s: &Schedule) {
    let sup = &s.regimen.supportive;
    let mut items: Vec<(&str, String)> = Vec::new();
    if let Some(n) = &s.regimen.notes {
        items.push(("Regimen notes", n.clone()));
    }
    for (label, v) in [
        ("Hydration", &sup.hydration),
        ("Antiemetics", &sup.antiemetics),
        ("Growth factor", &sup.growth_factor),
    ] {
        if let Some(v) = v {
            items.push((label, v.clone()));
        }
    }
    for (label, list) in [
        ("Premedication", &sup.premedication),
        ("Monitoring", &sup.monitoring),
        ("Other", &sup.other),
    ] {
        for v in list {
            items.push((label, v.clone()));
        }
    }
    if items.is_empty() {
        return;
    }
    o.push_str(
        "<div class=\"notes\">\n<h3>Clinical notes and monitoring (from the regimen)</h3>\n<ul>\n",
    );
    for (label, v) in items {
        let _ = writeln!(o, "<li><b>{label}:</b> {}</li>", escape(&v));
    }
    o.push_str("</ul>\n</div>\n");
}

/// The sign-off of the whole course: prescriber, verifying pharmacist,
/// second checker and nurse, each with name, signature, date and time.
fn signoff_html(o: &mut String) {
    o.push_str("<table class=\"signoff\">\n<thead><tr><th>Role</th><th>Name</th><th>Signature</th><th>Date</th><th>Time</th></tr></thead>\n<tbody>\n");
    for role in [
        "Prescriber",
        "Verifying pharmacist",
        "Second checker",
        "Nurse",
    ] {
        let _ = writeln!(
            o,
            "<tr><th>{role}</th><td></td><td></td><td></td><td></td></tr>"
        );
    }
    o.push_str("</tbody>\n</table>\n");
}
