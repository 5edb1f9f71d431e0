//! Edits to a history file that keep its comments and layout (`toml_edit`):
//! recording a given cycle, starting and ending a line. Each returns the new
//! text; the caller checks it (it must parse, and a cycle must not cross a
//! lifetime limit without a recorded reason) and writes it atomically.

use chrono::NaiveDate;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, value};

use crate::dose::Reduction;
use crate::regimen::Intent;

/// A cycle to record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordCycle {
    /// The line.
    pub line: u32,
    /// Day 1 of the cycle.
    pub date: Option<NaiveDate>,
    /// The cycle number (default: the line's last + 1).
    pub cycle: Option<u32>,
    /// A reduction for all antineoplastic drugs.
    pub reduction: Option<Reduction>,
    /// Doses given when they differed: (drug, "25 mg").
    pub actual: Vec<(String, String)>,
    /// Why it was delayed.
    pub delay_reason: Option<String>,
    /// The reason for going past a lifetime limit, recorded with the cycle.
    pub allow_over_limit: Option<String>,
}

fn date_value(d: NaiveDate) -> Result<toml_edit::Datetime, String> {
    d.format("%Y-%m-%d")
        .to_string()
        .parse()
        .map_err(|e: toml_edit::DatetimeParseError| e.to_string())
}

fn parse(text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>().map_err(|e| e.to_string())
}

fn line_number(t: &Table) -> Option<i64> {
    t.get("number").and_then(Item::as_integer)
}

/// Appends a `[[line.cycle]]` to line `r.line`.
pub fn record_cycle(text: &str, r: &RecordCycle) -> Result<String, String> {
    let mut doc = parse(text)?;
    let lines = doc
        .get_mut("line")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or("the history has no lines; start one with `history start-line`")?;
    let line = lines
        .iter_mut()
        .find(|t| line_number(t) == Some(i64::from(r.line)))
        .ok_or_else(|| format!("the history has no line {}", r.line))?;
    if line.contains_key("end") {
        return Err(format!(
            "line {} has ended; start a new line for further cycles",
            r.line
        ));
    }
    let date = r.date.ok_or("a cycle needs its date (--date)")?;
    let cycles = line
        .entry("cycle")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or("`cycle` in this line is not a list of [[line.cycle]] tables")?;
    let last = cycles.iter().filter_map(line_number).max().unwrap_or(0);
    let number = r.cycle.map_or(last + 1, i64::from);
    let mut t = Table::new();
    t["number"] = value(number);
    t["date"] = value(date_value(date)?);
    match r.reduction {
        Some(Reduction::Level(l)) => t["level"] = value(i64::from(l)),
        Some(Reduction::Percent(p)) => t["reduce"] = value(format!("{}%", p.value())),
        None => {}
    }
    if !r.actual.is_empty() {
        let mut a = InlineTable::new();
        for (drug, dose) in &r.actual {
            a.insert(drug, dose.as_str().into());
        }
        t["actual"] = value(a);
    }
    if let Some(d) = &r.delay_reason {
        t["delay_reason"] = value(d.as_str());
    }
    if let Some(reason) = &r.allow_over_limit {
        t["allow_over_limit"] = value(reason.as_str());
    }
    cycles.push(t);
    Ok(doc.to_string())
}

/// Appends a new `[[line]]`; the previous line must have ended.
pub fn start_line(
    text: &str,
    regimen: &str,
    version: &str,
    date: NaiveDate,
    intent: Option<Intent>,
    setting: Option<&str>,
) -> Result<String, String> {
    let mut doc = parse(text)?;
    let lines = doc
        .entry("line")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or("`line` is not a list of [[line]] tables")?;
    if let Some(last) = lines.iter().last()
        && !last.contains_key("end")
    {
        return Err(format!(
            "line {} has not ended; end it first with `history end-line --line {} --date ... --reason ...`",
            line_number(last).unwrap_or(0),
            line_number(last).unwrap_or(0)
        ));
    }
    let number = lines.len() as i64 + 1;
    let mut t = Table::new();
    t["number"] = value(number);
    if let Some(s) = setting {
        t["setting"] = value(s);
    }
    if let Some(i) = intent {
        let text = serde_json::to_value(i)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        t["intent"] = value(text);
    }
    t["regimen"] = value(regimen);
    t["regimen_version"] = value(version);
    t["start"] = value(date_value(date)?);
    lines.push(t);
    Ok(doc.to_string())
}

/// Sets `end`, `stop_reason` and `stop_note` on line `line`.
pub fn end_line(
    text: &str,
    line: u32,
    date: NaiveDate,
    reason: &str,
    note: Option<&str>,
) -> Result<String, String> {
    if super::StopReason::parse(reason).is_none() {
        return Err(format!(
            "unknown stop reason `{reason}`; use {}",
            super::STOP_REASONS
        ));
    }
    let mut doc = parse(text)?;
    let lines = doc
        .get_mut("line")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or("the history has no lines")?;
    let t = lines
        .iter_mut()
        .find(|t| line_number(t) == Some(i64::from(line)))
        .ok_or_else(|| format!("the history has no line {line}"))?;
    if t.contains_key("end") {
        return Err(format!("line {line} has already ended"));
    }
    t["end"] = value(date_value(date)?);
    t["stop_reason"] = value(reason);
    if let Some(n) = note {
        t["stop_note"] = value(n);
    }
    Ok(doc.to_string())
}
