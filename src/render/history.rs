//! A treatment history as text, Markdown, print-ready HTML and JSON.

use std::fmt::Write as _;

use crate::history::{EventKind, HistoryReport, StopReason};
use crate::render::ismp::{drug_display_name, format_decimal};
use crate::render::schedule::html::escape;
use crate::render::text_table;

/// Why a line stopped, in words.
pub fn stop_reason_text(r: StopReason) -> &'static str {
    match r {
        StopReason::Completed => "completed",
        StopReason::Progression => "progression",
        StopReason::Toxicity => "toxicity",
        StopReason::PatientDecision => "patient's decision",
        StopReason::Death => "death",
        StopReason::Other => "other",
    }
}

fn event_kind(k: EventKind) -> &'static str {
    match k {
        EventKind::Surgery => "surgery",
        EventKind::Radiation => "radiation",
        EventKind::PriorAnthracycline => "prior anthracycline",
        EventKind::Recurrence => "recurrence",
        EventKind::Death => "death",
        EventKind::Other => "event",
    }
}

/// The timeline as (date, text) rows: lines, cycles and events in date order.
fn timeline(r: &HistoryReport) -> Vec<(String, String)> {
    let mut rows: Vec<(chrono::NaiveDate, u8, String)> = Vec::new();
    for l in &r.lines {
        rows.push((
            l.start,
            0,
            format!(
                "line {} starts: {} ({})",
                l.number, l.regimen_name, l.regimen
            ),
        ));
        if let Some(e) = l.end {
            let why = l.stop_reason.map_or("", stop_reason_text);
            let note = l
                .stop_note
                .as_ref()
                .map_or(String::new(), |n| format!(": {n}"));
            rows.push((
                e,
                2,
                format!(
                    "line {} ends, {} cycles: {why}{note}",
                    l.number,
                    l.cycles.len()
                ),
            ));
        }
    }
    for e in &r.events {
        let mut t = event_kind(e.kind).to_owned();
        if let Some(s) = &e.site {
            t.push_str(&format!(" {s}"));
        }
        if let Some(d) = &e.dose {
            t.push_str(&format!(" ({d})"));
        }
        if e.cardiac_region {
            t.push_str(" [cardiac region]");
        }
        if let Some(d) = &e.description {
            t.push_str(&format!(": {d}"));
        }
        rows.push((e.date, 1, t));
    }
    rows.sort_by_key(|(d, o, _)| (*d, *o));
    rows.into_iter()
        .map(|(d, _, t)| (d.to_string(), t))
        .collect()
}

fn line_rows(r: &HistoryReport) -> Vec<Vec<String>> {
    r.lines
        .iter()
        .map(|l| {
            vec![
                l.number.to_string(),
                l.regimen.clone(),
                l.setting.clone().unwrap_or_default(),
                format!(
                    "{} to {}",
                    l.start,
                    l.end.map_or("ongoing".to_owned(), |e| e.to_string())
                ),
                l.cycles.len().to_string(),
                l.duration_days
                    .map_or("-".to_owned(), |d| format!("{d} days")),
                l.time_to_next_treatment_days
                    .map_or("-".to_owned(), |d| format!("{d} days")),
                l.stop_reason
                    .map_or("-".to_owned(), |s| stop_reason_text(s).to_owned()),
            ]
        })
        .collect()
}

const LINE_HEADERS: [&str; 8] = [
    "Line",
    "Regimen",
    "Setting",
    "Dates",
    "Cycles",
    "Duration",
    "To next line",
    "Stopped",
];

fn cycle_rows(r: &HistoryReport) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for l in &r.lines {
        for c in &l.cycles {
            let doses: Vec<String> = c
                .doses
                .iter()
                .map(|(d, (mg, actual))| {
                    format!(
                        "{} {} mg{}",
                        drug_display_name(d),
                        format_decimal(*mg),
                        if *actual { " (actual)" } else { "" }
                    )
                })
                .collect();
            let mut notes = Vec::new();
            if let Some(x) = &c.reduction {
                notes.push(crate::render::schedule::reduction_text(x));
            }
            if let Some(x) = &c.delay_reason {
                notes.push(format!("delayed: {x}"));
            }
            if let Some(x) = &c.allow_over_limit {
                notes.push(format!("over limit allowed: {x}"));
            }
            rows.push(vec![
                format!("{}.{}", l.number, c.number),
                c.date.to_string(),
                format_decimal(c.bsa_m2),
                doses.join("; "),
                notes.join("; "),
            ]);
        }
    }
    rows
}

const CYCLE_HEADERS: [&str; 5] = ["Line.cycle", "Date", "BSA (m²)", "Doses", "Notes"];

fn cumulative_rows(r: &HistoryReport) -> Vec<Vec<String>> {
    r.cumulative
        .iter()
        .map(|c| {
            vec![
                drug_display_name(&c.drug),
                format!("{} mg", format_decimal(c.mg)),
                format!("{} mg/m²", format_decimal(c.mg_per_m2)),
                c.limit.as_ref().map_or("-".to_owned(), |l| {
                    format!(
                        "{}% of {} {} ({} remaining)",
                        format_decimal(l.percent_of_limit),
                        format_decimal(l.limit_value),
                        crate::render::messages::limit_unit_text(l.unit),
                        format_decimal(l.remaining)
                    )
                }),
            ]
        })
        .collect()
}

const CUMULATIVE_HEADERS: [&str; 4] = ["Drug", "Total", "Per m²", "Lifetime limit"];

fn anthracycline_lines(r: &HistoryReport) -> Vec<String> {
    let Some(a) = &r.anthracycline else {
        return Vec::new();
    };
    let mut out = vec![format!(
        "Anthracyclines: {} mg/m² doxorubicin-equivalent of {} mg/m²{} ({} mg/m² remaining)",
        format_decimal(a.total_mg_per_m2),
        format_decimal(a.limit_mg_per_m2),
        if a.after_cardiac_radiation {
            " (lower limit: cardiac-region radiation)"
        } else {
            ""
        },
        format_decimal(a.remaining_mg_per_m2)
    )];
    for c in &a.contributions {
        out.push(format!(
            "  {} {} mg/m² × {} = {} mg/m² ({})",
            contribution_name(c),
            format_decimal(c.mg_per_m2),
            format_decimal(c.factor),
            format_decimal(c.equivalent_mg_per_m2),
            c.source
        ));
    }
    out.push(format!("  Factor set: {}", a.factor_set));
    out.push(format!("  Limit: {}", a.limit_source));
    out
}

/// "DOXOrubicin", or "epirubicin (given elsewhere)".
pub fn contribution_name(c: &crate::history::Contribution) -> String {
    if c.given_elsewhere {
        format!("{} (given elsewhere)", drug_display_name(&c.drug))
    } else {
        drug_display_name(&c.drug)
    }
}

/// Text.
pub fn history_text(r: &HistoryReport) -> String {
    let mut o = format!("Treatment history of {}\n\nTimeline\n", r.patient_id);
    let rows: Vec<Vec<String>> = timeline(r).into_iter().map(|(d, t)| vec![d, t]).collect();
    o.push_str(&text_table(&["Date", "What"], &rows));
    o.push_str("\nLines of therapy\n");
    o.push_str(&text_table(&LINE_HEADERS, &line_rows(r)));
    o.push_str("\nCycles given (doses recomputed from the regimen at each cycle's measurements)\n");
    o.push_str(&text_table(&CYCLE_HEADERS, &cycle_rows(r)));
    o.push_str("\nCumulative doses across all lines\n");
    o.push_str(&text_table(&CUMULATIVE_HEADERS, &cumulative_rows(r)));
    for l in anthracycline_lines(r) {
        o.push_str(&l);
        o.push('\n');
    }
    if !r.warnings.is_empty() {
        o.push_str("\nWarnings\n");
        for w in &r.warnings {
            let _ = writeln!(o, "  ! {w}");
        }
    }
    o
}

fn md_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut o = format!(
        "| {} |\n|{}\n",
        headers.join(" | "),
        "---|".repeat(headers.len())
    );
    for r in rows {
        o.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    o
}

/// Markdown.
pub fn history_markdown(r: &HistoryReport) -> String {
    let mut o = format!("# Treatment history of {}\n\n## Timeline\n\n", r.patient_id);
    let rows: Vec<Vec<String>> = timeline(r).into_iter().map(|(d, t)| vec![d, t]).collect();
    o.push_str(&md_table(&["Date", "What"], &rows));
    o.push_str("\n## Lines of therapy\n\n");
    o.push_str(&md_table(&LINE_HEADERS, &line_rows(r)));
    o.push_str("\n## Cycles given\n\n");
    o.push_str(&md_table(&CYCLE_HEADERS, &cycle_rows(r)));
    o.push_str("\n## Cumulative doses\n\n");
    o.push_str(&md_table(&CUMULATIVE_HEADERS, &cumulative_rows(r)));
    for l in anthracycline_lines(r) {
        o.push_str(&format!("\n{}", l.trim_start()));
    }
    o.push('\n');
    if !r.warnings.is_empty() {
        o.push_str("\n## Warnings\n\n");
        for w in &r.warnings {
            o.push_str(&format!("- **{w}**\n"));
        }
    }
    o
}

fn html_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut o = String::from("<table>\n<thead><tr>");
    for h in headers {
        let _ = write!(o, "<th>{}</th>", escape(h));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        o.push_str("<tr>");
        for c in r {
            let _ = write!(o, "<td>{}</td>", escape(c));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
    o
}

/// Print-ready HTML, styled like the schedule.
pub fn history_html(r: &HistoryReport) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Treatment history {}</title>\n<style>{}</style>\n</head>\n<body>\n<h1>Treatment history of {}</h1>\n",
        escape(&r.patient_id),
        crate::render::schedule::html::STYLE,
        escape(&r.patient_id)
    );
    if !r.warnings.is_empty() {
        o.push_str("<div class=\"warnings\">\n<h3>Warnings</h3>\n<ul>\n");
        for w in &r.warnings {
            let _ = writeln!(o, "<li>{}</li>", escape(&w.to_string()));
        }
        o.push_str("</ul>\n</div>\n");
    }
    o.push_str("<h2>Timeline</h2>\n");
    let rows: Vec<Vec<String>> = timeline(r).into_iter().map(|(d, t)| vec![d, t]).collect();
    o.push_str(&html_table(&["Date", "What"], &rows));
    o.push_str("<h2>Lines of therapy</h2>\n");
    o.push_str(&html_table(&LINE_HEADERS, &line_rows(r)));
    o.push_str("<h2>Cycles given</h2>\n");
    o.push_str(&html_table(&CYCLE_HEADERS, &cycle_rows(r)));
    o.push_str("<h2>Cumulative doses</h2>\n");
    o.push_str(&html_table(&CUMULATIVE_HEADERS, &cumulative_rows(r)));
    for l in anthracycline_lines(r) {
        let _ = writeln!(o, "<p>{}</p>", escape(l.trim_start()));
    }
    o.push_str("</body>\n</html>\n");
    o
}

pub use crate::render::json::history_json;
