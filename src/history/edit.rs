//! Edits to a history file that keep its comments and layout (`toml_edit`):
//! recording a given cycle, starting and ending a line. Each returns the new
//! text; the caller checks it (it must parse, and a cycle must not cross a
//! lifetime limit without a recorded reason) and writes it atomically.

use chrono::NaiveDate;
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, value};

use crate::dose::{PerDrug, Reduction};
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
    /// The reductions given: for all antineoplastic drugs, or by drug.
    pub reduction: PerDrug<Reduction>,
    /// Doses given when they differed: (drug, "25 mg").
    pub actual: Vec<(String, String)>,
    /// Why it was delayed.
    pub delay_reason: Option<String>,
    /// Why it was given sooner than the regimen's cycle length after the
    /// line's previous cycle.
    pub early_reason: Option<String>,
    /// The reason for going past a lifetime limit, recorded with the cycle.
    pub allow_over_limit: Option<String>,
}

/// `level` and `reduce` of a cycle: a plain value for all antineoplastic
/// drugs, an inline table by drug. A key holds one of the two, so a level
/// for all drugs and a level by drug (or a percent of each kind) cannot both
/// be written.
fn write_reductions(t: &mut Table, r: &PerDrug<Reduction>) -> Result<(), HistoryEditError> {
    let percent = |p: &crate::quantity::Percent| format!("{}%", p.value());
    let mut levels = InlineTable::new();
    let mut percents = InlineTable::new();
    for (drug, x) in &r.drugs {
        match x {
            Reduction::Level(l) => levels.insert(drug, i64::from(*l).into()),
            Reduction::Percent(p) => percents.insert(drug, percent(p).into()),
        };
    }
    match r.all {
        Some(Reduction::Level(_)) if !levels.is_empty() => {
            return Err(HistoryEditError::AllAndByDrug { what: "dose level" });
        }
        Some(Reduction::Percent(_)) if !percents.is_empty() => {
            return Err(HistoryEditError::AllAndByDrug {
                what: "percent reduction",
            });
        }
        Some(Reduction::Level(l)) => t["level"] = value(i64::from(l)),
        Some(Reduction::Percent(p)) => t["reduce"] = value(percent(&p)),
        None => {}
    }
    if !levels.is_empty() {
        t["level"] = value(levels);
    }
    if !percents.is_empty() {
        t["reduce"] = value(percents);
    }
    Ok(())
}

/// Why an edit to a history file was not made. The file is left as it was.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HistoryEditError {
    /// The text is not TOML that `toml_edit` can keep the layout of.
    #[error("{0}")]
    NotToml(#[from] toml_edit::TomlError),
    /// A date that TOML cannot hold (a year beyond 9999 or before year 1).
    #[error("{0}")]
    Date(#[from] toml_edit::DatetimeParseError),
    /// A cycle was to be recorded in a history without lines.
    #[error("the history has no lines; start one with `history start-line`")]
    NoLineToRecordIn,
    /// A line was to be ended in a history without lines.
    #[error("the history has no lines")]
    NoLineToEnd,
    /// A reduction for all drugs and one by drug of the same kind: the
    /// file's `level` (or `reduce`) holds one or the other.
    #[error(
        "a {what} for all antineoplastic drugs and a {what} by drug cannot both be recorded for one cycle; give each drug's own"
    )]
    AllAndByDrug {
        /// "dose level" or "percent reduction".
        what: &'static str,
    },
    /// No `[[line]]` has this number.
    #[error("the history has no line {line}")]
    NoSuchLine {
        /// The line number asked for.
        line: u32,
    },
    /// A cycle was to be recorded in a line that has an `end`.
    #[error("line {line} has ended; start a new line for further cycles")]
    LineEnded {
        /// The line number.
        line: u32,
    },
    /// A cycle was to be recorded in a line that gives its cycles as a
    /// number (`cycles`) or whose regimen is not stated.
    #[error(
        "line {line} gives its cycles as a number (`cycles`) or does not state its regimen: its cycles cannot be recorded one by one"
    )]
    CyclesNotRecordable {
        /// The line number.
        line: u32,
    },
    /// A cycle to record without its day-1 date.
    #[error("a cycle needs its date (--date)")]
    NoCycleDate,
    /// `cycle` in the line is something other than `[[line.cycle]]` tables.
    #[error("`cycle` in this line is not a list of [[line.cycle]] tables")]
    CyclesNotTables,
    /// `line` is something other than `[[line]]` tables.
    #[error("`line` is not a list of [[line]] tables")]
    LinesNotTables,
    /// A new line was to be started while the last one has no `end`.
    #[error(
        "line {line} has not ended; end it first with `history end-line --line {line} --date ... --reason ...`"
    )]
    LastLineOpen {
        /// The open line's number as written (0 when it has none).
        line: i64,
    },
    /// A stop reason outside [`STOP_REASONS`](super::STOP_REASONS).
    #[error("unknown stop reason `{reason}`; use {}", super::STOP_REASONS)]
    UnknownStopReason {
        /// The reason as given.
        reason: String,
    },
    /// A line was to be ended that has an `end` already.
    #[error("line {line} has already ended")]
    AlreadyEnded {
        /// The line number.
        line: u32,
    },
}

/// A calendar date as a TOML date value.
fn date_value(d: NaiveDate) -> Result<toml_edit::Datetime, HistoryEditError> {
    Ok(d.format("%Y-%m-%d").to_string().parse()?)
}

/// The history text as a layout-keeping document.
fn parse(text: &str) -> Result<DocumentMut, HistoryEditError> {
    Ok(text.parse::<DocumentMut>()?)
}

fn line_number(t: &Table) -> Option<i64> {
    t.get("number").and_then(Item::as_integer)
}

/// Appends a `[[line.cycle]]` to line `r.line`.
pub fn record_cycle(text: &str, r: &RecordCycle) -> Result<String, HistoryEditError> {
    let mut doc = parse(text)?;
    let lines = doc
        .get_mut("line")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or(HistoryEditError::NoLineToRecordIn)?;
    let line = lines
        .iter_mut()
        .find(|t| line_number(t) == Some(i64::from(r.line)))
        .ok_or(HistoryEditError::NoSuchLine { line: r.line })?;
    if line.contains_key("end") {
        return Err(HistoryEditError::LineEnded { line: r.line });
    }
    if line.contains_key("cycles") || line.contains_key("regimen_not_stated") {
        return Err(HistoryEditError::CyclesNotRecordable { line: r.line });
    }
    let date = r.date.ok_or(HistoryEditError::NoCycleDate)?;
    let cycles = line
        .entry("cycle")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or(HistoryEditError::CyclesNotTables)?;
    let last = cycles.iter().filter_map(line_number).max().unwrap_or(0);
    let number = r.cycle.map_or(last + 1, i64::from);
    let mut t = Table::new();
    t["number"] = value(number);
    t["date"] = value(date_value(date)?);
    write_reductions(&mut t, &r.reduction)?;
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
    if let Some(d) = &r.early_reason {
        t["early_reason"] = value(d.as_str());
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
) -> Result<String, HistoryEditError> {
    let mut doc = parse(text)?;
    let lines = doc
        .entry("line")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or(HistoryEditError::LinesNotTables)?;
    if let Some(last) = lines.iter().last()
        && !last.contains_key("end")
    {
        return Err(HistoryEditError::LastLineOpen {
            line: line_number(last).unwrap_or(0),
        });
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
) -> Result<String, HistoryEditError> {
    if super::StopReason::parse(reason).is_none() {
        return Err(HistoryEditError::UnknownStopReason {
            reason: reason.to_owned(),
        });
    }
    let mut doc = parse(text)?;
    let lines = doc
        .get_mut("line")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or(HistoryEditError::NoLineToEnd)?;
    let t = lines
        .iter_mut()
        .find(|t| line_number(t) == Some(i64::from(line)))
        .ok_or(HistoryEditError::NoSuchLine { line })?;
    if t.contains_key("end") {
        return Err(HistoryEditError::AlreadyEnded { line });
    }
    t["end"] = value(date_value(date)?);
    t["stop_reason"] = value(reason);
    if let Some(n) = note {
        t["stop_note"] = value(n);
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    const OPEN_LINE: &str = "[patient]\nid = \"P1\"\n\n[[line]]\nnumber = 1\nregimen = \"doxorubicin\"\nstart = 2026-03-02\n";

    #[test]
    fn refused_edits_keep_their_words() {
        let no_lines = "[patient]\nid = \"P1\"\n";
        let record = |text: &str, line: u32, date: Option<NaiveDate>| {
            let r = RecordCycle {
                line,
                date,
                ..RecordCycle::default()
            };
            record_cycle(text, &r).unwrap_err().to_string()
        };
        assert_eq!(
            record(no_lines, 1, Some(date(2))),
            "the history has no lines; start one with `history start-line`"
        );
        assert_eq!(
            record(OPEN_LINE, 2, Some(date(2))),
            "the history has no line 2"
        );
        assert_eq!(
            record(OPEN_LINE, 1, None),
            "a cycle needs its date (--date)"
        );
        assert_eq!(
            start_line(OPEN_LINE, "doxorubicin", "1", date(30), None, None)
                .unwrap_err()
                .to_string(),
            "line 1 has not ended; end it first with `history end-line --line 1 --date ... --reason ...`"
        );
        assert_eq!(
            end_line(OPEN_LINE, 1, date(30), "progressed", None)
                .unwrap_err()
                .to_string(),
            format!(
                "unknown stop reason `progressed`; use {}",
                super::super::STOP_REASONS
            )
        );
        assert_eq!(
            end_line(no_lines, 1, date(30), "progression", None)
                .unwrap_err()
                .to_string(),
            "the history has no lines"
        );
        let ended = end_line(OPEN_LINE, 1, date(30), "progression", None).unwrap();
        assert_eq!(
            end_line(&ended, 1, date(30), "progression", None)
                .unwrap_err()
                .to_string(),
            "line 1 has already ended"
        );
        assert_eq!(
            record(&ended, 1, Some(date(30))),
            "line 1 has ended; start a new line for further cycles"
        );
    }
}
