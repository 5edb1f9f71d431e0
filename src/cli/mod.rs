//! Command-line layer: clap structs that mirror the command line, resolved
//! into library calls. The only code that prints or sets the exit code.
//!
//! Exit codes: 0 success; 1 a check or verification found a problem;
//! 2 bad input or usage, or the output could not be written.

mod args;
mod batch;
mod cleanup;
mod diagnostics;
mod dose;
mod hints;
mod history;
mod labs;
mod lines;
mod lock;
mod measure;
mod output;
mod regimens;
mod schedule;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use chemodose::render::escape::{visible, visible_lines};
use clap::error::{ContextKind, ContextValue};
use clap::{Parser, Subcommand};

/// What a command produced: text for stdout, notes for stderr, and whether a
/// check found a problem (exit 1).
#[derive(Debug, Default)]
pub struct Report {
    /// For standard output.
    pub stdout: String,
    /// One line each, for standard error.
    pub notes: Vec<String>,
    /// Warnings for standard error, printed before the notes: one line each,
    /// "CODE: words".
    pub warnings: Vec<String>,
    /// A check or verification failed.
    pub problem: bool,
}

impl Report {
    fn text(stdout: String) -> Self {
        Report {
            stdout,
            ..Report::default()
        }
    }
}

/// A failure caused by the user's input or usage: exit code 2.
#[derive(Debug)]
pub struct InputError(pub String);

/// Why a command did not produce its output.
#[derive(Debug)]
pub enum Failure {
    /// Bad input or usage: exit 2.
    Input(InputError),
    /// A safety check refused: exit 1.
    Check(String),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e)
    }
}

/// An input file that could not be read is bad input (exit 2); the message
/// names the file.
impl From<chemodose::files::FileError> for Failure {
    fn from(e: chemodose::files::FileError) -> Self {
        Failure::Input(InputError(e.to_string()))
    }
}

impl<E: std::fmt::Display> From<E> for InputError {
    fn from(e: E) -> Self {
        InputError(e.to_string())
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "chemodose",
    version,
    about = "Checked chemotherapy doses, schedules and histories from typed regimen files",
    long_about = None,
    after_help = "Exit codes: 0 success, 1 a check or verification found a problem, 2 bad input or usage, or the output could not be written."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Body surface area by one formula or all of them.
    Bsa(measure::BsaArgs),
    /// Creatinine clearance (Cockcroft-Gault) and eGFR (CKD-EPI 2021).
    Crcl(measure::CrclArgs),
    /// Carboplatin dose by the Calvert formula.
    Carboplatin(measure::CarboplatinArgs),
    /// One cycle's doses for a patient, with every adjustment shown.
    Dose(Box<dose::DoseArgs>),
    /// Doses for every patient of a CSV file, streamed, on every core.
    Batch(Box<batch::BatchArgs>),
    /// Calendar of every administration of every cycle; text, md, html, csv, json or ics.
    Schedule(Box<schedule::ScheduleArgs>),
    /// A patient's lines of therapy and lifetime cumulative doses.
    History(history::HistoryArgs),
    /// Lines of therapy derived from drug-administration records.
    Lines(lines::LinesArgs),
    /// List, show and check regimen definitions.
    Regimens(regimens::RegimensArgs),
    /// Run the golden checks of regimen files (`<id>.checks.toml`).
    Verify(verify::VerifyArgs),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap repeats the value it refused: a control character in it
            // (a line break too) is written as its escape, not sent to the
            // terminal.
            let mut text = e.render().to_string();
            if let Some(ContextValue::String(v)) = e.get(ContextKind::InvalidValue) {
                text = text.replace(v.as_str(), &visible(v));
            }
            if e.use_stderr() && visible_lines(&text) != e.render().to_string() {
                eprint!("{}", visible_lines(&text));
            } else {
                let _ = e.print();
            }
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let result: Result<Report, Failure> = match cli.command {
        Command::Bsa(a) => measure::bsa(a).map_err(Failure::from),
        Command::Crcl(a) => measure::crcl(a).map_err(Failure::from),
        Command::Carboplatin(a) => measure::carboplatin(a).map_err(Failure::from),
        Command::Dose(a) => dose::run(*a),
        Command::Schedule(a) => schedule::run(*a),
        Command::Batch(a) => batch::run(*a),
        Command::Regimens(a) => regimens::run(a).map_err(Failure::from),
        Command::Verify(a) => verify::run(a),
        Command::History(a) => history::run(a),
        Command::Lines(a) => lines::run(a),
    };
    match result {
        // Messages repeat what was typed or read (an id, a file's value):
        // control and bidirectional characters in them are written as their
        // escapes, never sent to the terminal.
        Ok(report) => {
            // A warning is part of the output: one that cannot be shown
            // (`2> /dev/full`) leaves the output incomplete, exit 2. A note
            // that cannot be shown changes nothing.
            let mut warned = true;
            for w in &report.warnings {
                warned &= to_stderr(&format!("warning: {}\n", visible_lines(w)));
            }
            for note in &report.notes {
                to_stderr(&format!("note: {}\n", visible_lines(note)));
            }
            match write_stdout(&report.stdout) {
                Ok(()) => {}
                // The reader went away (`chemodose ... | head`): not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
                Err(e) => {
                    to_stderr(&format!("error: {}\n", stdout_error(&e)));
                    return ExitCode::from(2);
                }
            }
            if !warned {
                return ExitCode::from(2);
            }
            if report.problem {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(Failure::Check(message)) => {
            to_stderr(&format!("error: {}\n", visible_lines(&message)));
            ExitCode::from(1)
        }
        Err(Failure::Input(InputError(message))) => {
            let message = visible_lines(&message);
            if message.contains('\n') {
                // Pre-rendered diagnostics carry their own layout.
                to_stderr(&message);
            } else {
                to_stderr(&format!("error: {message}\n"));
            }
            ExitCode::from(2)
        }
    }
}

/// Writes to standard error; false when it cannot be written (`2>
/// /dev/full`, a closed pipe), where `eprintln!` would panic (exit 101) and
/// hide the outcome. An error's exit code stands even when its words cannot
/// be shown.
fn to_stderr(text: &str) -> bool {
    let mut err = std::io::stderr().lock();
    err.write_all(text.as_bytes())
        .and_then(|()| err.flush())
        .is_ok()
}

/// Today's date where the command runs, for judging the age of results
/// (`--on` gives another).
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Writes to stdout.
fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}

/// The words for a failed write to standard output (a full disk behind
/// `> file`, `> /dev/full`): exit 2, as the output is not whole.
fn stdout_error(e: &std::io::Error) -> String {
    format!("cannot write to standard output: {e}; the output is incomplete")
}
