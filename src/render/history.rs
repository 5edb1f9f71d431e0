//! A treatment history as text, Markdown, print-ready HTML and JSON.

use std::fmt::{self, Write as _};

use crate::history::{
    CardiacRadiation, CardiacRegion, EventKind, Gap, HistoryReport, HistoryWarning, IncompleteLine,
    LineReport, StatedCycles, StopReason,
};
use crate::render::escape::{markdown, visible, visible_lines};
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
        StopReason::NotStated => "reason not stated",
    }
}

/// A gap in a line's record, in words.
pub fn gap_text(g: &Gap) -> String {
    match g {
        Gap::RegimenNotStated { description } => {
            format!("regimen not stated in the source (\"{description}\")")
        }
        Gap::CyclesUnknown => "number of cycles unknown".to_owned(),
        Gap::CyclesNotRecorded { count } => format!(
            "{count} cycle{} stated, not recorded one by one (no dates or measurements)",
            if *count == 1 { "" } else { "s" }
        ),
        Gap::DaysUnconfirmed { drugs } => format!(
            "day list of {} not confirmed in the regimen (no day count is invented)",
            drugs
                .iter()
                .map(|d| drug_display_name(d))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A line whose doses are not (all) counted, in words: "line 2 (regimen
/// not stated ...; number of cycles unknown) adds nothing to the cumulative
/// doses; any drug may be missing".
pub fn incomplete_line_text(l: &IncompleteLine) -> String {
    let gaps: Vec<String> = l.gaps.iter().map(gap_text).collect();
    let regimen = l
        .regimen
        .as_ref()
        .map_or(String::new(), |r| format!(" ({r})"));
    let missing = match &l.drugs {
        None => "any drug may be missing".to_owned(),
        Some(d) if d.is_empty() => "no drug is missing".to_owned(),
        Some(d) => format!(
            "{} not counted",
            d.iter()
                .map(|d| drug_display_name(d))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "line {}{regimen} adds nothing to the cumulative doses: {}; {missing}",
        l.line,
        gaps.join("; ")
    )
}

impl fmt::Display for HistoryWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryWarning::CumulativeIncomplete(l) => write!(
                f,
                "CUMULATIVE DOSES INCOMPLETE: {}. Confirm what was given before relying on a lifetime limit",
                incomplete_line_text(l)
            ),
            HistoryWarning::CardiacRegionUnknown {
                date,
                site,
                limit_mg_per_m2,
            } => write!(
                f,
                "radiation{} on {date}: whether the field included the heart is not known; the lower anthracycline limit is applied ({} mg/m² doxorubicin-equivalent)",
                site.as_ref().map_or(String::new(), |s| format!(" to {s}")),
                format_decimal(*limit_mg_per_m2)
            ),
            HistoryWarning::CycleEarly(e) => write!(
                f,
                "line {} cycle {} on {} is {} day(s) after cycle {} ({}), sooner than the {} days {} repeats in, and no early_reason is recorded: check the date, or write why it was given early",
                e.line,
                e.cycle,
                e.date,
                e.days,
                e.previous,
                e.previous_date,
                e.expected_days,
                e.regimen
            ),
            HistoryWarning::Dose(w) => w.fmt(f),
        }
    }
}

/// The regimen of a line in words: its id, or what the source says.
fn regimen_text(l: &LineReport) -> String {
    match (&l.regimen, &l.regimen_not_stated) {
        (Some(id), _) => id.clone(),
        (None, Some(d)) => format!("not stated in the source (\"{d}\")"),
        (None, None) => "not stated".to_owned(),
    }
}

/// The number of cycles of a line in words.
fn cycle_count_text(l: &LineReport) -> String {
    match l.stated_cycles {
        Some(StatedCycles::Count(n)) => format!("{n} (stated; not recorded)"),
        Some(StatedCycles::Unknown) => "unknown".to_owned(),
        None => l.cycles.len().to_string(),
    }
}

/// "3 cycles", "3 cycles (stated)", "cycles unknown".
fn cycles_phrase(l: &LineReport) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match l.stated_cycles {
        Some(StatedCycles::Count(n)) => format!("{n} cycle{} (stated)", plural(n as usize)),
        Some(StatedCycles::Unknown) => "cycles unknown".to_owned(),
        None => format!("{} cycle{}", l.cycles.len(), plural(l.cycles.len())),
    }
}

/// What the lower anthracycline limit is applied for, in words.
fn lower_limit_text(c: CardiacRadiation) -> &'static str {
    match c {
        CardiacRadiation::Yes => " (lower limit: cardiac-region radiation)",
        CardiacRadiation::Unknown => {
            " (lower limit: a radiation field is unknown, so it is applied as if cardiac-region)"
        }
        CardiacRadiation::No => "",
    }
}

/// The header lines: the note and the placeholder-dates caution.
fn header_lines(r: &HistoryReport) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(n) = &r.note {
        out.push(format!("Note: {}", visible(n)));
    }
    if let Some(p) = &r.placeholder_dates {
        out.push(format!(
            "DATES ARE PLACEHOLDERS, not calendar dates: {} Durations and times to next treatment are not stated.",
            visible(p)
        ));
    }
    out
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
            match (&l.regimen_name, &l.regimen) {
                (Some(name), Some(id)) => format!("line {} starts: {name} ({id})", l.number),
                _ => format!("line {} starts: regimen {}", l.number, regimen_text(l)),
            },
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
                format!("line {} ends, {}: {why}{note}", l.number, cycles_phrase(l)),
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
        match e.cardiac_region {
            Some(CardiacRegion::Included) => t.push_str(" [cardiac region]"),
            Some(CardiacRegion::NotIncluded) => t.push_str(" [not cardiac region]"),
            Some(CardiacRegion::Unknown) => {
                t.push_str(" [cardiac region unknown: lower anthracycline limit applied]");
            }
            None => {}
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

/// The date column's header: "Placeholder date" when the dates are.
fn date_header(r: &HistoryReport) -> &'static str {
    if r.placeholder_dates.is_some() {
        "Placeholder date"
    } else {
        "Date"
    }
}

fn line_rows(r: &HistoryReport) -> Vec<Vec<String>> {
    let days = |d: Option<i64>| match d {
        Some(d) => format!("{d} days"),
        None if r.placeholder_dates.is_some() => "not stated".to_owned(),
        None => "-".to_owned(),
    };
    r.lines
        .iter()
        .map(|l| {
            vec![
                l.number.to_string(),
                regimen_text(l),
                l.setting.clone().unwrap_or_default(),
                format!(
                    "{} to {}",
                    l.start,
                    l.end.map_or("ongoing".to_owned(), |e| e.to_string())
                ),
                cycle_count_text(l),
                if l.end.is_some() {
                    days(l.duration_days)
                } else {
                    "-".to_owned()
                },
                if r.lines.last().is_some_and(|last| last.number == l.number) {
                    "-".to_owned()
                } else {
                    days(l.time_to_next_treatment_days)
                },
                l.stop_reason
                    .map_or("-".to_owned(), |s| stop_reason_text(s).to_owned()),
            ]
        })
        .collect()
}

/// The lines table's headers ("Placeholder dates" when the dates are).
fn line_headers(r: &HistoryReport) -> [&'static str; 8] {
    let mut h = LINE_HEADERS;
    if r.placeholder_dates.is_some() {
        h[3] = "Placeholder dates";
    }
    h
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
            let mut doses: Vec<String> = c
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
            if !c.computed {
                doses.push("not computed (see the line's gaps): nothing counted".to_owned());
            }
            let mut notes = Vec::new();
            if let Some(x) = crate::render::schedule::reductions_text(&c.reduction) {
                notes.push(x);
            }
            if let Some(x) = &c.delay_reason {
                notes.push(format!("delayed: {x}"));
            }
            if let Some(x) = &c.early_reason {
                notes.push(format!("early: {x}"));
            }
            if let Some(x) = &c.allow_over_limit {
                notes.push(format!("over limit allowed: {x}"));
            }
            rows.push(vec![
                format!("{}.{}", l.number, c.number),
                c.date.to_string(),
                c.bsa_m2.map_or("-".to_owned(), format_decimal),
                doses.join("; "),
                notes.join("; "),
            ]);
        }
    }
    rows
}

const CYCLE_HEADERS: [&str; 5] = ["Line.cycle", "Date", "BSA (m²)", "Doses", "Notes"];

fn lines_text(lines: &[u32]) -> String {
    let n: Vec<String> = lines.iter().map(u32::to_string).collect();
    format!(
        "line{} {}",
        if n.len() == 1 { "" } else { "s" },
        n.join(", ")
    )
}

fn cumulative_rows(r: &HistoryReport) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = r
        .cumulative
        .iter()
        .map(|c| {
            let complete = c.incomplete_lines.is_empty();
            let at_least = if complete { "" } else { "at least " };
            vec![
                drug_display_name(&c.drug),
                format!("{at_least}{} mg", format_decimal(c.mg)),
                format!("{at_least}{} mg/m²", format_decimal(c.mg_per_m2)),
                c.limit.as_ref().map_or("-".to_owned(), |l| {
                    format!(
                        "{at_least}{}% of {} {} ({} remaining)",
                        format_decimal(l.percent_of_limit),
                        format_decimal(l.limit_value),
                        crate::render::messages::limit_unit_text(l.unit),
                        if complete || l.remaining.is_zero() {
                            format_decimal(l.remaining)
                        } else {
                            "unknown".to_owned()
                        }
                    )
                }),
                if complete {
                    "-".to_owned()
                } else {
                    lines_text(&c.incomplete_lines)
                },
            ]
        })
        .collect();
    // Drugs of lines not counted that no counted cycle gave: not known, not 0.
    let mut only_missing: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for l in &r.incomplete {
        for d in l.drugs.iter().flatten() {
            if !r.cumulative.iter().any(|c| c.drug == *d) {
                only_missing.entry(d.clone()).or_default().push(l.line);
            }
        }
    }
    for (drug, lines) in only_missing {
        rows.push(vec![
            drug_display_name(&drug),
            "not known".to_owned(),
            "not known".to_owned(),
            "-".to_owned(),
            lines_text(&lines),
        ]);
    }
    if r.incomplete.iter().any(|l| l.drugs.is_none()) {
        let lines: Vec<u32> = r
            .incomplete
            .iter()
            .filter(|l| l.drugs.is_none())
            .map(|l| l.line)
            .collect();
        rows.push(vec![
            "(regimen not stated)".to_owned(),
            "not known".to_owned(),
            "not known".to_owned(),
            "-".to_owned(),
            lines_text(&lines),
        ]);
    }
    rows
}

const CUMULATIVE_HEADERS: [&str; 5] = ["Drug", "Total", "Per m²", "Lifetime limit", "Not counted"];

fn anthracycline_lines(r: &HistoryReport) -> Vec<String> {
    let Some(a) = &r.anthracycline else {
        return Vec::new();
    };
    let mut out = vec![if a.incomplete_lines.is_empty() {
        format!(
            "Anthracyclines: {} mg/m² doxorubicin-equivalent of {} mg/m²{} ({} mg/m² remaining)",
            format_decimal(a.total_mg_per_m2),
            format_decimal(a.limit_mg_per_m2),
            lower_limit_text(a.cardiac_radiation),
            a.remaining_mg_per_m2
                .map_or("unknown".to_owned(), format_decimal)
        )
    } else {
        format!(
            "Anthracyclines: INCOMPLETE: {} not counted (may hold anthracyclines); counted: {} of {} mg/m²{}; remaining {}",
            lines_text(&a.incomplete_lines),
            if a.contributions.is_empty() {
                "nothing".to_owned()
            } else {
                format!(
                    "{} mg/m² doxorubicin-equivalent",
                    format_decimal(a.total_mg_per_m2)
                )
            },
            format_decimal(a.limit_mg_per_m2),
            lower_limit_text(a.cardiac_radiation),
            a.remaining_mg_per_m2
                .map_or("unknown".to_owned(), |m| format!(
                    "{} mg/m²",
                    format_decimal(m)
                ))
        )
    }];
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

/// Whom the history is about: its id alone, or the name and MRN the file
/// gives with it ("Jane Doe, MRN 0012345, id P-0042").
pub fn patient_heading(r: &HistoryReport) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(n) = &r.name {
        parts.push(n.clone());
    }
    if let Some(m) = &r.mrn {
        parts.push(format!("MRN {m}"));
    }
    if parts.is_empty() {
        return r.patient_id.clone();
    }
    if r.mrn.as_deref() != Some(r.patient_id.as_str()) {
        parts.push(format!("id {}", r.patient_id));
    }
    parts.join(", ")
}

/// Text.
pub fn history_text(r: &HistoryReport) -> String {
    let mut o = format!("Treatment history of {}\n", visible(&patient_heading(r)));
    for l in header_lines(r) {
        let _ = writeln!(o, "{l}");
    }
    if !r.warnings.is_empty() {
        o.push_str("\nWarnings\n");
        for w in &r.warnings {
            let _ = writeln!(o, "  ! {w}");
        }
    }
    o.push_str("\nTimeline\n");
    let rows: Vec<Vec<String>> = timeline(r).into_iter().map(|(d, t)| vec![d, t]).collect();
    o.push_str(&text_table(&[date_header(r), "What"], &rows));
    o.push_str("\nLines of therapy\n");
    o.push_str(&text_table(&line_headers(r), &line_rows(r)));
    o.push_str("\nCycles given (doses recomputed from the regimen at each cycle's measurements)\n");
    o.push_str(&text_table(&CYCLE_HEADERS, &cycle_rows(r)));
    o.push_str("\nCumulative doses across all lines\n");
    o.push_str(&text_table(&CUMULATIVE_HEADERS, &cumulative_rows(r)));
    for l in anthracycline_lines(r) {
        o.push_str(&l);
        o.push('\n');
    }
    // The second defence: no control character reaches the terminal.
    visible_lines(&o).into_owned()
}

/// Markdown.
pub fn history_markdown(r: &HistoryReport) -> String {
    let mut o = format!(
        "# Treatment history of {}\n\n",
        markdown(&patient_heading(r))
    );
    for l in header_lines(r) {
        let _ = writeln!(o, "**{}**\n", markdown(&l));
    }
    if !r.warnings.is_empty() {
        o.push_str("## Warnings\n\n");
        for w in &r.warnings {
            o.push_str(&format!("- **{}**\n", markdown(&w.to_string())));
        }
        o.push('\n');
    }
    o.push_str("## Timeline\n\n");
    let rows: Vec<Vec<String>> = timeline(r).into_iter().map(|(d, t)| vec![d, t]).collect();
    o.push_str(&crate::render::markdown_table(
        &[date_header(r), "What"],
        &rows,
    ));
    o.push_str("\n## Lines of therapy\n\n");
    o.push_str(&crate::render::markdown_table(
        &line_headers(r),
        &line_rows(r),
    ));
    o.push_str("\n## Cycles given\n\n");
    o.push_str(&crate::render::markdown_table(
        &CYCLE_HEADERS,
        &cycle_rows(r),
    ));
    o.push_str("\n## Cumulative doses\n\n");
    o.push_str(&crate::render::markdown_table(
        &CUMULATIVE_HEADERS,
        &cumulative_rows(r),
    ));
    for l in anthracycline_lines(r) {
        o.push_str(&format!("\n{}", markdown(l.trim_start())));
    }
    o.push('\n');
    o
}

/// Print-ready HTML, styled like the schedule.
pub fn history_html(r: &HistoryReport) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Treatment history {}</title>\n<style>{}@page {{ size: A4; margin: 20mm 14mm 16mm 14mm; }}\n</style>\n</head>\n<body>\n<h1>Treatment history of {}</h1>\n",
        escape(&r.patient_id),
        crate::render::schedule::html::STYLE,
        escape(&patient_heading(r))
    );
    for l in header_lines(r) {
        let _ = writeln!(o, "<p><strong>{}</strong></p>", escape(&l));
    }
    if !r.warnings.is_empty() {
        o.push_str("<div class=\"warnings\">\n<h3>Warnings</h3>\n<ul>\n");
        for w in &r.warnings {
            let _ = writeln!(o, "<li>{}</li>", escape(&w.to_string()));
        }
        o.push_str("</ul>\n</div>\n");
    }
    o.push_str("<h2>Timeline</h2>\n");
    let rows: Vec<Vec<String>> = timeline(r).into_iter().map(|(d, t)| vec![d, t]).collect();
    o.push_str(&crate::render::html_table(&[date_header(r), "What"], &rows));
    o.push_str("<h2>Lines of therapy</h2>\n");
    o.push_str(&crate::render::html_table(&line_headers(r), &line_rows(r)));
    o.push_str("<h2>Cycles given</h2>\n");
    o.push_str(&crate::render::html_table(&CYCLE_HEADERS, &cycle_rows(r)));
    o.push_str("<h2>Cumulative doses</h2>\n");
    o.push_str(&crate::render::html_table(
        &CUMULATIVE_HEADERS,
        &cumulative_rows(r),
    ));
    for l in anthracycline_lines(r) {
        let _ = writeln!(o, "<p>{}</p>", escape(l.trim_start()));
    }
    o.push_str("</body>\n</html>\n");
    o
}

pub use crate::render::json::history_json;
