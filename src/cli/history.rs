//! `chemodose history show|record|start-line|end-line`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use chemodose::dose::Reduction;
use chemodose::history::edit::{RecordCycle, end_line, record_cycle, start_line};
use chemodose::history::{History, HistoryReport, parse_history};
use chemodose::regimen::{Intent, Library};
use chemodose::render::history::{history_html, history_json, history_markdown, history_text};

use super::output::write_atomically;
use super::regimens::LibraryArgs;
use super::{Failure, InputError, Report, diagnostics};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum HistoryFormat {
    #[default]
    Text,
    Md,
    Html,
    Json,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    command: HistoryCommand,
}

#[derive(Debug, Subcommand)]
enum HistoryCommand {
    /// Timeline, lines, cycles and lifetime cumulative doses.
    Show {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t)]
        format: HistoryFormat,
        /// Write to this file (whole or not at all).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        anthracycline: super::dose::AnthracyclineArgs,
        #[command(flatten)]
        lib: LibraryArgs,
    },
    /// Append a given cycle to a line.
    Record {
        file: PathBuf,
        #[arg(long, allow_hyphen_values = true, value_parser = super::args::line_number)]
        line: u32,
        #[arg(long, value_parser = super::args::date)]
        date: NaiveDate,
        /// Cycle number (default: the line's last + 1).
        #[arg(long, allow_hyphen_values = true, value_parser = super::args::cycle_number)]
        cycle: Option<u32>,
        /// Dose level given (-1).
        #[arg(long, allow_hyphen_values = true, conflicts_with = "reduce")]
        level: Option<i32>,
        /// Percent reduction given (20%).
        #[arg(long, allow_hyphen_values = true, value_parser = super::args::reduction)]
        reduce: Option<chemodose::quantity::Percent>,
        /// A dose given when it differed: doxorubicin=25mg. Repeatable.
        #[arg(long, value_parser = actual)]
        actual: Vec<(String, String)>,
        /// Why the cycle was delayed.
        #[arg(long)]
        delay_reason: Option<String>,
        /// Record the cycle although it crosses a lifetime limit; the reason is written into the file.
        #[arg(long, value_name = "REASON")]
        allow_over_limit: Option<String>,
        #[command(flatten)]
        lib: LibraryArgs,
    },
    /// Start a new line of therapy.
    StartLine {
        file: PathBuf,
        #[arg(long)]
        regimen: String,
        #[arg(long, value_parser = super::args::date)]
        date: NaiveDate,
        /// curative, adjuvant, neoadjuvant or palliative.
        #[arg(long, value_parser = intent)]
        intent: Option<Intent>,
        /// Setting in words: "second-line metastatic".
        #[arg(long)]
        setting: Option<String>,
        #[command(flatten)]
        lib: LibraryArgs,
    },
    /// End a line of therapy.
    EndLine {
        file: PathBuf,
        #[arg(long, allow_hyphen_values = true, value_parser = super::args::line_number)]
        line: u32,
        #[arg(long, value_parser = super::args::date)]
        date: NaiveDate,
        /// completed, progression, toxicity, patient-decision, death or other.
        #[arg(long)]
        reason: String,
        /// Free text.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        lib: LibraryArgs,
    },
}

fn intent(s: &str) -> Result<Intent, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_lowercase())).map_err(|_| {
        format!("intent must be curative, adjuvant, neoadjuvant or palliative (got `{s}`)")
    })
}

fn actual(s: &str) -> Result<(String, String), String> {
    let (d, v) = s
        .split_once('=')
        .ok_or_else(|| format!("write DRUG=DOSE, e.g. doxorubicin=25mg (got `{s}`)"))?;
    chemodose::quantity::parse_dose_mass(v.trim()).map_err(|e| e.to_string())?;
    Ok((d.trim().to_lowercase(), v.trim().to_owned()))
}

/// Reads and validates a history file.
pub fn load(path: &Path, library: &Library) -> Result<(String, History), InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    let h = parse_history(&path.display().to_string(), &text, library)
        .map_err(|e| InputError(diagnostics::render(&e)))?;
    Ok((text, h))
}

fn report(path: &Path, h: &History, library: &Library) -> Result<HistoryReport, InputError> {
    h.report(library)
        .map_err(|e| InputError(format!("{}: {e}", path.display())))
}

/// The lifetime-limit breaches of a report, in words.
fn breaches(r: &HistoryReport) -> Vec<String> {
    let mut out = Vec::new();
    for c in &r.cumulative {
        if let Some(l) = &c.limit
            && l.cumulative > l.limit_value
        {
            out.push(format!(
                "{}: {} {unit} > {} {unit} ({})",
                c.drug,
                l.cumulative,
                l.limit_value,
                chemodose::render::messages::limit_source_text(l),
                unit = chemodose::render::messages::limit_unit_text(l.unit),
            ));
        }
    }
    if let Some(a) = &r.anthracycline
        && a.total_mg_per_m2 > a.limit_mg_per_m2
    {
        out.push(format!(
            "anthracyclines: {} mg/m² doxorubicin-equivalent > {} mg/m² ({})",
            a.total_mg_per_m2, a.limit_mg_per_m2, a.limit_source
        ));
    }
    out
}

fn refuse_after_death(h: &History, date: NaiveDate) -> Result<(), InputError> {
    match h.death_date() {
        Some(d) if d <= date => Err(InputError(format!(
            "the history records the patient's death on {d}; nothing can be recorded on {date}"
        ))),
        _ => Ok(()),
    }
}

/// Validates the edited text and writes it whole or not at all.
fn commit(path: &Path, new_text: &str, library: &Library) -> Result<History, InputError> {
    let h = parse_history(&path.display().to_string(), new_text, library).map_err(|e| {
        InputError(format!(
            "the edit would make the file invalid:\n{}",
            diagnostics::render(&e)
        ))
    })?;
    write_atomically(path, new_text.as_bytes())?;
    Ok(h)
}

pub fn run(a: HistoryArgs) -> Result<Report, Failure> {
    match a.command {
        HistoryCommand::Show {
            file,
            format,
            output,
            anthracycline,
            lib,
        } => {
            let (library, _) = lib.library()?;
            let (_, h) = load(&file, &library)?;
            let r = h
                .report_with(&library, &anthracycline.policy()?)
                .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            let text = match format {
                HistoryFormat::Text => history_text(&r),
                HistoryFormat::Md => history_markdown(&r),
                HistoryFormat::Html => history_html(&r),
                HistoryFormat::Json => {
                    serde_json::to_string_pretty(&history_json(&r)).map_err(InputError::from)?
                        + "\n"
                }
            };
            match output {
                Some(p) => {
                    write_atomically(&p, text.as_bytes())?;
                    Ok(Report {
                        stdout: String::new(),
                        notes: vec![format!("wrote {}", p.display())],
                        problem: false,
                        warnings: Vec::new(),
                    })
                }
                None => Ok(Report::text(text)),
            }
        }
        HistoryCommand::Record {
            file,
            line,
            date,
            cycle,
            level,
            reduce,
            actual,
            delay_reason,
            allow_over_limit,
            lib,
        } => {
            let (library, _) = lib.library()?;
            let (text, before) = load(&file, &library)?;
            refuse_after_death(&before, date)?;
            let before = report(&file, &before, &library)?;
            let record = RecordCycle {
                line,
                date: Some(date),
                cycle,
                reduction: level
                    .map(Reduction::Level)
                    .or(reduce.map(Reduction::Percent)),
                actual,
                delay_reason,
                allow_over_limit: allow_over_limit.clone(),
            };
            let new_text = record_cycle(&text, &record)
                .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            let after =
                parse_history(&file.display().to_string(), &new_text, &library).map_err(|e| {
                    InputError(format!(
                        "the edit would make the file invalid:\n{}",
                        diagnostics::render(&e)
                    ))
                })?;
            let after = report(&file, &after, &library)?;
            let new_breaches: Vec<String> = breaches(&after)
                .into_iter()
                .filter(|b| !breaches(&before).contains(b))
                .collect();
            let crossing =
                !new_breaches.is_empty() || breaches(&after).len() > breaches(&before).len();
            let over_again = !breaches(&after).is_empty() && after != before;
            if (crossing || over_again) && allow_over_limit.is_none() {
                return Err(Failure::Check(format!(
                    "refused: recording this cycle would put the patient past a lifetime limit: {}. Nothing was written. To record it anyway, pass --allow-over-limit \"<reason>\" (the reason is written into the file)",
                    breaches(&after).join("; ")
                )));
            }
            commit(&file, &new_text, &library)?;
            let mut notes = vec![format!(
                "recorded line {line} cycle on {date} in {}",
                file.display()
            )];
            if let Some(r) = allow_over_limit {
                notes.push(format!("past a lifetime limit, allowed: {r}"));
            }
            // The limit check above counts recorded cycles only.
            let warnings = after
                .incomplete
                .iter()
                .map(|l| {
                    format!(
                        "cumulative-incomplete: the lifetime-limit check counted recorded cycles only: {}",
                        chemodose::render::history::incomplete_line_text(l)
                    )
                })
                .collect();
            Ok(Report {
                stdout: String::new(),
                notes,
                problem: false,
                warnings,
            })
        }
        HistoryCommand::StartLine {
            file,
            regimen,
            date,
            intent,
            setting,
            lib,
        } => {
            let (library, from) = lib.library()?;
            let (text, h) = load(&file, &library)?;
            refuse_after_death(&h, date)?;
            let entry = library
                .get(&regimen)
                .ok_or_else(|| InputError(format!("unknown regimen `{regimen}` in the {from}")))?;
            let new_text = start_line(
                &text,
                &entry.regimen.id,
                &entry.regimen.version,
                date,
                intent,
                setting.as_deref(),
            )
            .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            let h = commit(&file, &new_text, &library)?;
            Ok(Report {
                stdout: String::new(),
                notes: vec![format!(
                    "started line {} ({}) in {}",
                    h.lines.len(),
                    entry.regimen.id,
                    file.display()
                )],
                problem: false,
                warnings: Vec::new(),
            })
        }
        HistoryCommand::EndLine {
            file,
            line,
            date,
            reason,
            note,
            lib,
        } => {
            let (library, _) = lib.library()?;
            let (text, _) = load(&file, &library)?;
            let new_text = end_line(&text, line, date, &reason, note.as_deref())
                .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            commit(&file, &new_text, &library)?;
            Ok(Report {
                stdout: String::new(),
                notes: vec![format!("ended line {line} in {}", file.display())],
                problem: false,
                warnings: Vec::new(),
            })
        }
    }
}
