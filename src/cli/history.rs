//! `chemodose history show|record|start-line|end-line`; `show` also on a
//! history handed in as text (the web page's paste or upload).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use chemodose::history::edit::{RecordCycle, end_line, record_cycle, start_line};
use chemodose::history::{
    ActualDrugProblem, History, HistoryReport, NewCycle, NewCycleProblem, parse_history,
};
use chemodose::regimen::{Intent, Library};
use chemodose::render::history::{history_html, history_json, history_markdown, history_text};

use super::history_new::NewArgs;
use super::lock::{EditLock, lock_for_edit};
use super::output::write_atomically;
use super::regimens::LibraryArgs;
use super::{Failure, GivenText, InputError, Refusal, Report, diagnostics};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum HistoryFormat {
    #[default]
    Text,
    Md,
    Html,
    Json,
    /// A FHIR R4 Bundle: one CarePlan per line, one MedicationStatement per
    /// drug of each recorded cycle (docs/fhir.md).
    Fhir,
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
        /// The patient's history file (TOML, docs/history-format.md):
        /// patient-0001.history.toml.
        file: PathBuf,
        /// Output format: text, Markdown, print-ready HTML, JSON, or a FHIR R4
        /// Bundle (fhir: docs/fhir.md).
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
        /// The patient's history file (TOML), edited in place:
        /// patient-0001.history.toml.
        file: PathBuf,
        /// The line of therapy, as the file numbers them from 1: 2.
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = super::args::line_number)]
        line: u32,
        /// Day 1 of the cycle given: 2026-12-01.
        #[arg(long, value_name = "DATE", value_parser = super::args::date)]
        date: NaiveDate,
        /// Cycle number: 3. The line's last + 1 when not given.
        #[arg(long, allow_hyphen_values = true, value_parser = super::args::cycle_number)]
        cycle: Option<u32>,
        /// Dose level given, for all antineoplastic drugs (-1) or one drug
        /// (docetaxel=-1), as `dose --level`. Repeatable.
        #[arg(long, value_name = "[DRUG=]LEVEL", allow_hyphen_values = true, value_parser = super::args::level)]
        level: Vec<(Option<String>, i32)>,
        /// Percent reduction given, for all antineoplastic drugs (20%) or one
        /// drug (gemcitabine=25%), as `dose --reduce`. Repeatable.
        #[arg(long, value_name = "[DRUG=]PERCENT", allow_hyphen_values = true, value_parser = super::args::percent_for)]
        reduce: Vec<(Option<String>, chemodose::quantity::Percent)>,
        /// A dose given when it differed: doxorubicin=25mg. Repeatable.
        #[arg(long, value_parser = actual)]
        actual: Vec<(String, String)>,
        /// Why the cycle was delayed.
        #[arg(long, value_parser = super::args::plain)]
        delay_reason: Option<String>,
        /// Why the cycle was given sooner after the line's previous cycle
        /// than the regimen's cycle length; without it such a cycle is
        /// refused. Written into the file.
        #[arg(long, value_name = "REASON")]
        early_reason: Option<String>,
        /// Record the cycle although it crosses a lifetime limit; the reason is written into the file.
        #[arg(long, value_name = "REASON", value_parser = super::args::plain)]
        allow_over_limit: Option<String>,
        #[command(flatten)]
        lib: LibraryArgs,
    },
    /// Start a new line of therapy.
    StartLine {
        /// The patient's history file (TOML), edited in place:
        /// patient-0001.history.toml.
        file: PathBuf,
        /// The regimen of the new line, by id or alias (see `chemodose
        /// regimens list`): gemcitabine-docetaxel.
        #[arg(long, value_name = "ID")]
        regimen: String,
        /// The date the line starts: 2026-12-01.
        #[arg(long, value_name = "DATE", value_parser = super::args::date)]
        date: NaiveDate,
        /// curative, adjuvant, neoadjuvant or palliative.
        #[arg(long, value_parser = intent)]
        intent: Option<Intent>,
        /// Setting in words: "second-line metastatic".
        #[arg(long, value_parser = super::args::plain)]
        setting: Option<String>,
        #[command(flatten)]
        lib: LibraryArgs,
    },
    /// End a line of therapy.
    EndLine {
        /// The patient's history file (TOML), edited in place:
        /// patient-0001.history.toml.
        file: PathBuf,
        /// The line of therapy to end, as the file numbers them from 1: 2.
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = super::args::line_number)]
        line: u32,
        /// The date the line ended: 2027-03-01.
        #[arg(long, value_name = "DATE", value_parser = super::args::date)]
        date: NaiveDate,
        /// completed, progression, toxicity, patient-decision, death or other.
        #[arg(long)]
        reason: String,
        /// Free text.
        #[arg(long, value_parser = super::args::plain)]
        note: Option<String>,
        #[command(flatten)]
        lib: LibraryArgs,
    },
    /// Create a new history file (never over an existing one).
    New(NewArgs),
}

impl HistoryArgs {
    /// Whether the command's output names the site configuration itself
    /// (`history show`); the others do in a note.
    pub fn names_the_config(&self) -> bool {
        matches!(self.command, HistoryCommand::Show { .. })
    }
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
    chemodose::text::check_plain("the drug name", d).map_err(|e| e.to_string())?;
    chemodose::quantity::parse_dose_mass(v.trim()).map_err(|e| e.to_string())?;
    Ok((d.trim().to_lowercase(), v.trim().to_owned()))
}

/// `history show NAME` with the history's text handed in
/// ([`super::run_args_with_text`]): the web page's paste or upload. The same
/// parsing, report and words as a file, with nothing read or written for it
/// (no `--output`).
pub(super) fn show_given(a: HistoryArgs, given: &GivenText) -> Result<Report, Failure> {
    let HistoryCommand::Show {
        file,
        format,
        output,
        anthracycline,
        lib,
    } = a.command
    else {
        return Err(InputError("only history show takes a given history".to_owned()).into());
    };
    if file != Path::new(&given.name) || output.is_some() {
        return Err(InputError(format!(
            "a given history is shown alone, as `{}`, without --output",
            given.name
        ))
        .into());
    }
    let (library, _) = lib.library()?;
    let h = parse_history(&given.name, &given.text, &library)
        .map_err(|e| InputError(diagnostics::render(&e)))?;
    show(&file, &h, format, &anthracycline, &library)
}

/// The report of `history show` in `format`.
fn show(
    file: &Path,
    h: &History,
    format: HistoryFormat,
    anthracycline: &super::dose::AnthracyclineArgs,
    library: &Library,
) -> Result<Report, Failure> {
    let r = h
        .report_with(library, &anthracycline.policy()?)
        .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
    use super::settings::{Stamp, stamp};
    let text = match format {
        HistoryFormat::Text => stamp(Stamp::Text, history_text(&r)),
        HistoryFormat::Md => stamp(Stamp::Markdown, history_markdown(&r)),
        HistoryFormat::Html => stamp(Stamp::Html, history_html(&r)),
        HistoryFormat::Json => {
            let mut json = history_json(&r);
            super::settings::stamp_json(&mut json);
            serde_json::to_string_pretty(&json).map_err(InputError::from)? + "\n"
        }
        // A FHIR Bundle holds FHIR elements only: the warnings and the
        // settings are named on standard error (docs/fhir.md).
        HistoryFormat::Fhir => {
            let bundle = chemodose::fhir::export::history::history_bundle(h, &r);
            let text = serde_json::to_string_pretty(&bundle).map_err(InputError::from)? + "\n";
            return Ok(Report {
                stdout: text,
                warnings: r
                    .warnings
                    .iter()
                    .map(|w| format!("{}: {w}", w.code()))
                    .collect(),
                notes: super::settings::note().into_iter().collect(),
                problem: false,
            });
        }
    };
    Ok(Report::text(text))
}

/// Reads and validates a history file.
pub fn load(path: &Path, library: &Library) -> Result<(String, History), InputError> {
    let text =
        chemodose::files::read_text(path, chemodose::files::FileKind::History).map_err(|e| {
            let missing = !path.exists();
            let mut message = e.to_string();
            if missing {
                message.push_str(&format!(
                    "; to start a history, run `chemodose history new {} --patient-id ID`",
                    path.display()
                ));
            }
            InputError(message)
        })?;
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
            "the history records the patient's death on {d}; nothing can be recorded on {date} (on or after it), and nothing was written. If the date of death is wrong, correct it in the file first"
        ))),
        _ => Ok(()),
    }
}

/// The words for a cycle `history record` refuses, one problem a line, each
/// saying what to type instead; nothing has been written.
fn refusal(file: &Path, line: u32, problems: &[NewCycleProblem]) -> InputError {
    let said: Vec<String> = problems
        .iter()
        .map(|p| match p {
            NewCycleProblem::NumberNotAfter { number, previous } => format!(
                "--cycle {number}: line {line} has cycle {previous} recorded already, and cycle numbers go up. Leave out --cycle for cycle {}, or give a higher number",
                previous + 1
            ),
            NewCycleProblem::SameDay { previous, date } => format!(
                "--date {date}: line {line} cycle {previous} was given on {date}, and each cycle is recorded once, on its own day 1. Give the new cycle's day 1 (after {date}) in --date; to change cycle {previous}, edit the file"
            ),
            NewCycleProblem::Before {
                previous,
                previous_date,
                date,
            } => format!(
                "--date {date}: line {line} cycle {previous} was given later, on {previous_date}; cycles are recorded in order. Give the new cycle's day 1 (after {previous_date}) in --date; to correct an earlier cycle, edit the file"
            ),
            NewCycleProblem::BeforeLineStart { start, date } => format!(
                "--date {date}: line {line} starts on {start}, after it. Give the cycle's day 1 (on or after {start}) in --date, or record it in the line it belongs to (--line)"
            ),
            NewCycleProblem::ActualDrug {
                drug,
                problem,
                regimen,
                cycle,
                dosed,
            } => {
                let why = match problem {
                    ActualDrugProblem::NotInRegimen => {
                        format!("`{drug}` is not a drug of regimen {regimen} (line {line})")
                    }
                    ActualDrugProblem::NoDoseOfItsOwn => format!(
                        "{drug} has no dose of its own in regimen {regimen} (it is given per an instruction), so an actual dose of it cannot be counted; leave it out (a `note` in the file can say what was given)"
                    ),
                    ActualDrugProblem::NotGivenInCycle => {
                        format!("regimen {regimen} does not give {drug} in cycle {cycle}")
                    }
                };
                format!(
                    "--actual {drug}=…: {why}. Write --actual DRUG=DOSE with one of its drugs dosed in cycle {cycle}: {}",
                    dosed.join(", ")
                )
            }
            NewCycleProblem::ActualTwice { drug } => format!(
                "--actual {drug}=…: a dose of {drug} is given twice. Give --actual once for each drug, with the dose given"
            ),
        })
        .collect();
    let head = format!("{}: nothing was written", file.display());
    if let [one] = &said[..] {
        InputError(format!("{head}: {one}"))
    } else {
        let mut text = format!("error: {head}:\n");
        for s in said {
            text.push_str(&format!("error: {s}\n"));
        }
        InputError(text)
    }
}

/// Validates the edited text.
fn parse_edit(path: &Path, new_text: &str, library: &Library) -> Result<History, InputError> {
    parse_history(&path.display().to_string(), new_text, library).map_err(|e| {
        InputError(format!(
            "error: {}: the edit would make the file invalid (shown below in the text it would write); nothing was written:\n{}",
            path.display(),
            diagnostics::render(&e)
        ))
    })
}

/// Validates the edited text and writes it whole or not at all. The caller
/// holds the file's edit lock from before it read the file.
fn commit(
    path: &Path,
    new_text: &str,
    library: &Library,
    _lock: &EditLock,
) -> Result<History, InputError> {
    let h = parse_edit(path, new_text, library)?;
    // Through a symbolic link, the file it points to is edited: the rename
    // would otherwise put the new text in place of the link and leave the
    // history itself as it was.
    let target =
        std::fs::canonicalize(path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    // An edit in place: the history is both what was read and what is
    // written. Every failure comes before the rename.
    write_atomically(&target, new_text.as_bytes(), &[]).map_err(|InputError(m)| {
        InputError(format!("{m}; the history file is as it was, unchanged"))
    })?;
    Ok(h)
}

/// Takes the edit lock of a history file (see `lock.rs`): a second edit
/// waits for the first, then reads the file the first wrote.
fn lock(path: &Path) -> Result<EditLock, InputError> {
    lock_for_edit(path, super::lock::timeout())
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
            let report = show(&file, &h, format, &anthracycline, &library)?;
            match output {
                Some(p) => {
                    let mut inputs = lib.files_read(None);
                    inputs.push(file.clone());
                    write_atomically(&p, report.stdout.as_bytes(), &inputs)?;
                    Ok(Report {
                        stdout: String::new(),
                        notes: vec![format!("wrote {}", p.display())],
                        problem: false,
                        warnings: Vec::new(),
                    })
                }
                None => Ok(report),
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
            early_reason,
            allow_over_limit,
            lib,
        } => {
            let (library, _) = lib.library()?;
            let lock = lock(&file)?;
            let (text, before) = load(&file, &library)?;
            refuse_after_death(&before, date)?;
            let drugs: Vec<String> = actual.iter().map(|(d, _)| d.clone()).collect();
            let new = NewCycle {
                line,
                number: cycle,
                date,
                actual_drugs: &drugs,
            };
            let problems = before.new_cycle_problems(new, &library);
            if !problems.is_empty() {
                return Err(refusal(&file, line, &problems).into());
            }
            let before = report(&file, &before, &library)?;
            let record = RecordCycle {
                line,
                date: Some(date),
                cycle,
                reduction: super::dose::reductions(&level, &reduce)?,
                actual,
                delay_reason,
                early_reason,
                allow_over_limit: allow_over_limit.clone(),
            };
            let new_text = record_cycle(&text, &record)
                .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            let after = parse_edit(&file, &new_text, &library)?;
            // The new cycle is its line's last (cycles go forward).
            let new_cycle = after
                .lines
                .iter()
                .find(|l| l.number == line)
                .and_then(|l| l.cycles.last())
                .map(|c| c.number);
            if let Some(early) = after
                .early_cycles(&library)
                .into_iter()
                .find(|e| e.line == line && Some(e.cycle) == new_cycle)
            {
                return Err(Failure::Check(Refusal::from(format!(
                    "refused: line {line} cycle {} on {} would be {} day(s) after cycle {} ({}), sooner than the {} days {} repeats in; nothing was written. If the date is right and the cycle was given early, pass --early-reason \"<reason>\" (written into the file)",
                    early.cycle,
                    early.date,
                    early.days,
                    early.previous,
                    early.previous_date,
                    early.expected_days,
                    early.regimen,
                ))));
            }
            let after = report(&file, &after, &library)?;
            let new_breaches: Vec<String> = breaches(&after)
                .into_iter()
                .filter(|b| !breaches(&before).contains(b))
                .collect();
            let crossing =
                !new_breaches.is_empty() || breaches(&after).len() > breaches(&before).len();
            let over_again = !breaches(&after).is_empty() && after != before;
            if (crossing || over_again) && allow_over_limit.is_none() {
                return Err(Failure::Check(Refusal::from(format!(
                    "refused: recording this cycle would put the patient past a lifetime limit: {}. Nothing was written. To record it anyway, pass --allow-over-limit \"<reason>\" (the reason is written into the file)",
                    breaches(&after).join("; ")
                ))));
            }
            commit(&file, &new_text, &library, &lock)?;
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
            let lock = lock(&file)?;
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
            let h = commit(&file, &new_text, &library, &lock)?;
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
        HistoryCommand::New(a) => super::history_new::run(a),
        HistoryCommand::EndLine {
            file,
            line,
            date,
            reason,
            note,
            lib,
        } => {
            let (library, _) = lib.library()?;
            let lock = lock(&file)?;
            let (text, _) = load(&file, &library)?;
            let new_text = end_line(&text, line, date, &reason, note.as_deref())
                .map_err(|e| InputError(format!("{}: {e}", file.display())))?;
            commit(&file, &new_text, &library, &lock)?;
            Ok(Report {
                stdout: String::new(),
                notes: vec![format!("ended line {line} in {}", file.display())],
                problem: false,
                warnings: Vec::new(),
            })
        }
    }
}
