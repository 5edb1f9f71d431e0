//! Command-line layer: clap structs that mirror the command line, resolved
//! into library calls. The only code that prints or sets the exit code.
//!
//! Exit codes: 0 success; 1 a check or verification found a problem;
//! 2 bad input or usage, or the output could not be written.

mod args;
mod batch;
mod cleanup;
mod deprecated;
mod diagnostics;
mod dose;
mod explain;
mod fhir;
pub(crate) mod file_stamp;
mod hints;
mod history;
mod history_new;
mod labs;
mod lines;
mod lock;
mod measure;
mod order;
mod output;
mod regimen_memo;
pub(crate) mod regimens;
mod schedule;
mod serve;
mod settings;
mod shell;
mod verify;

use std::io::Write;
use std::process::ExitCode;

pub use batch::{PreparedBatch, prepare_batch};
pub use lines::{PreparedLines, prepare_lines};

use chemodose::render::escape::{visible, visible_lines};
use clap::error::{ContextKind, ContextValue};
use clap::{Parser, Subcommand};
pub(crate) use output::JsonLayout;

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
    Check(Refusal),
    /// Some inputs could not be read (each error's words, a located file
    /// error drawn whole), the report of the others stands: it is printed,
    /// then exit 2, as the work was not checked whole (`order verify`).
    Partial {
        /// The report of the inputs that could be read.
        report: Report,
        /// The errors of the others.
        errors: Vec<String>,
    },
}

/// A safety check's refusal: its message (what stopped, then `help:`
/// lines), and, when the dose engine stopped, each stop's code and source
/// for a caller that takes them apart (the Python package's `SafetyStop`).
#[derive(Debug)]
pub struct Refusal {
    /// The message, as the command line prints it after "error: ".
    pub message: String,
    /// The dose engine's stops, in the order found; empty for the other
    /// checks (a history edit past a limit, a cycle recorded early).
    pub stops: Vec<StopRef>,
}

/// One safety stop of a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRef {
    /// The stop's code, as `--override CODE=...` and `chemodose explain` take it.
    pub code: String,
    /// The rule's citation (`chemodose explain CODE`'s source when the stop
    /// cites none of its own).
    pub source: Option<String>,
}

impl From<String> for Refusal {
    fn from(message: String) -> Self {
        Refusal {
            message,
            stops: Vec::new(),
        }
    }
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
    /// The site configuration file (else $CHEMODOSE_CONFIG, else
    /// ./chemodose.toml, else chemodose.toml in the user's configuration
    /// folder): docs/configuration.md.
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<std::path::PathBuf>,
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
    /// Verify chemotherapy orders: the pharmacist's independent double check.
    Order(order::OrderArgs),
    /// A local web page: the regimen library, doses, schedules, order verification and histories in a browser.
    Serve(serve::ServeArgs),
    /// What a stop code means, its source and how to override it.
    Explain(explain::ExplainArgs),
    /// A shell completion script: bash, zsh, fish, elvish or powershell.
    Completions(shell::CompletionsArgs),
    /// The man page of chemodose or of one command, in roff.
    Man(shell::ManArgs),
    /// The site configuration (chemodose.toml): show the settings in force, or write a template.
    Config(settings::ConfigArgs),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if !e.use_stderr() {
                // --help and --version.
                let _ = e.print();
                return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
            }
            // clap repeats the value it refused: a control character in it
            // (a line break too) is written as its escape, not sent to the
            // terminal, and a value thousands of characters long is clipped.
            let mut text = e.render().to_string();
            if let Some(ContextValue::String(v)) = e.get(ContextKind::InvalidValue) {
                text = text.replace(v.as_str(), &visible(v));
            }
            if let Some(hint) = value_taken_for_an_option(&e) {
                text = hint;
            }
            to_stderr(&clip_runs(&visible_lines(&text)));
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    // Old spellings parse as the new ones; the note says what to write.
    {
        use clap::CommandFactory;
        let typed: Vec<String> = std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        for note in deprecated::notes(&Cli::command(), &typed) {
            to_stderr(&format!("note: {}\n", clip_runs(&visible_lines(&note))));
        }
    }
    // The site configuration is read before any command, except the one
    // that writes a new one (a broken file must not stop its replacement).
    if !settings::is_init(&cli.command)
        && let Err(InputError(message)) = settings::load(cli.config.as_deref())
    {
        print_input_error(&message);
        return ExitCode::from(2);
    }
    // The outputs that do not name the configuration in force themselves
    // (`settings::stamp`) name it in a note on standard error.
    let named_in_output = match &cli.command {
        Command::Dose(_)
        | Command::Schedule(_)
        | Command::Batch(_)
        | Command::Order(_)
        | Command::Config(_) => true,
        Command::History(a) => a.names_the_config(),
        _ => false,
    };
    let result = dispatch(cli.command, JsonLayout::Pretty);
    let result = result.map(|mut report| {
        if !named_in_output {
            report.notes.extend(settings::note());
        }
        report
    });
    match result {
        // Messages repeat what was typed or read (an id, a file's value):
        // control and bidirectional characters in them are written as their
        // escapes, never sent to the terminal.
        Ok(report) => finish(report),
        Err(Failure::Partial { report, errors }) => {
            for message in &errors {
                print_input_error(message);
            }
            let shown = finish(report);
            // The report of the readable inputs stands; the exit says the
            // work was not checked whole.
            let _ = shown;
            ExitCode::from(2)
        }
        Err(Failure::Check(Refusal { message, .. })) => {
            to_stderr(&format!("error: {}\n", clip_runs(&visible_lines(&message))));
            ExitCode::from(1)
        }
        Err(Failure::Input(InputError(message))) => {
            print_input_error(&message);
            ExitCode::from(2)
        }
    }
}

/// Runs one parsed command and returns its report, printing nothing; the
/// JSON of `dose` and `schedule` laid out as `layout` says.
fn dispatch(command: Command, layout: JsonLayout) -> Result<Report, Failure> {
    match command {
        Command::Bsa(a) => measure::bsa(a).map_err(Failure::from),
        Command::Crcl(a) => measure::crcl(a).map_err(Failure::from),
        Command::Carboplatin(a) => measure::carboplatin(a),
        Command::Dose(a) => dose::run(*a, layout),
        Command::Schedule(a) => schedule::run(*a, layout),
        Command::Batch(a) => batch::run(*a),
        Command::Regimens(a) => regimens::run(a).map_err(Failure::from),
        Command::Verify(a) => verify::run(a),
        Command::History(a) => history::run(a),
        Command::Lines(a) => lines::run(a),
        Command::Order(a) => order::run(a),
        Command::Explain(a) => explain::run(a).map_err(Failure::from),
        Command::Config(a) => settings::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Completions(a) => {
            use clap::CommandFactory;
            shell::completions(a, Cli::command()).map_err(Failure::from)
        }
        Command::Man(a) => {
            use clap::CommandFactory;
            shell::man(a, Cli::command()).map_err(Failure::from)
        }
    }
}

/// Runs a command given as its arguments (without the program name), as
/// the command line would but printing nothing: the web page's and the
/// Python package's way to the same parsers, checks and messages. A usage error is bad input, with
/// clap's first line as its message. `serve` is not run from here.
pub fn run_args(args: &[String]) -> Result<Report, Failure> {
    run_args_laid_out(args, JsonLayout::Pretty)
}

/// As [`run_args`], the JSON of `dose` and `schedule` (`--format json`)
/// laid out as `layout` says: compact for the web API.
pub(crate) fn run_args_laid_out(args: &[String], layout: JsonLayout) -> Result<Report, Failure> {
    dispatch(parse_args(args)?, layout)
}

/// The command of `args` (without the program name), parsed as the command
/// line would; a usage error is bad input, with clap's first line as its
/// message. `serve` is refused. The site configuration is read at the
/// process's first command (`--config`, else found as the command line
/// finds it) and is in force for the process; a later `--config` naming
/// another file is refused.
///
/// The clap command is built once per thread and parsed with again (clap's
/// `try_get_matches_from_mut`): building it anew, as `try_parse_from`
/// does, was a quarter to a third of a `serve` dose request's time
/// (`docs/performance.md`, "Web API load").
/// The argument structs of `dose` and `schedule` make no clap group
/// (`#[group(skip)]`): no argument names one, and clap looked through them
/// for every argument parsed.
fn parse_args(args: &[String]) -> Result<Command, Failure> {
    thread_local! {
        static COMMAND: std::cell::RefCell<clap::Command> =
            std::cell::RefCell::new(<Cli as clap::CommandFactory>::command());
    }
    let argv = std::iter::once("chemodose").chain(args.iter().map(String::as_str));
    let cli = COMMAND
        .with_borrow_mut(|command| {
            let mut matches = command.try_get_matches_from_mut(argv)?;
            <Cli as clap::FromArgMatches>::from_arg_matches_mut(&mut matches)
                .map_err(|e| e.format(command))
        })
        .map_err(|e| {
            let text = e.render().to_string();
            let mut lines = text.lines();
            let first = lines.next().unwrap_or_default();
            let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
            // clap lists the missing arguments on the lines below the
            // first: kept, so that the message names them (and the web
            // page can show it beside their fields).
            if e.kind() == clap::error::ErrorKind::MissingRequiredArgument {
                let missing: Vec<&str> = lines
                    .take_while(|l| l.starts_with("  "))
                    .map(str::trim)
                    .collect();
                if !missing.is_empty() {
                    message = format!("{message} {}", missing.join(", "));
                }
            }
            Failure::Input(InputError(message))
        })?;
    if matches!(cli.command, Command::Serve(_)) {
        return Err(Failure::Input(InputError(
            "serve is not run from a request".to_owned(),
        )));
    }
    // The site configuration, read as the command line reads it, once per
    // process (`settings::load_once`): a `--config` is never ignored.
    if !settings::is_init(&cli.command) {
        settings::load_once(cli.config.as_deref())?;
    }
    Ok(cli.command)
}

/// The text of the one input file a command names, handed in with its
/// arguments instead of read from disk: an order or a history pasted or
/// uploaded to the web page. Nothing is read from or written to disk for
/// it; `name` stands for the file in every message.
pub(crate) struct GivenText {
    /// What the text is called in messages (an upload's file name, or
    /// "pasted order").
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// As [`run_args`], with `given` read in place of the one file the command
/// names, which must be `given.name`: `order verify NAME` and `history show
/// NAME` only. A regimen is then taken from the library by id or alias,
/// never from a path the text names, and the flags that read or write
/// other files (`--history`, `--output`) are refused. The JSON of `order
/// verify` is laid out as `layout` says.
pub(crate) fn run_args_with_text(
    args: &[String],
    given: &GivenText,
    layout: JsonLayout,
) -> Result<Report, Failure> {
    match parse_args(args)? {
        Command::Order(a) => order::run_given(a, given, layout),
        Command::History(a) => history::show_given(a, given),
        _ => Err(Failure::Input(InputError(
            "only order verify and history show take a given text".to_owned(),
        ))),
    }
}

/// One line on standard error, escaped and clipped: for a long-running
/// command (`serve`) that speaks before it finishes.
pub(crate) fn note(line: &str) {
    to_stderr(&format!("{}\n", clip_runs(&visible_lines(line))));
}

/// An input error on standard error: pre-rendered diagnostics (several
/// lines) as they are, a one-line message after "error: ", clipped.
fn print_input_error(message: &str) {
    let message = visible_lines(message);
    if message.contains('\n') {
        // Pre-rendered diagnostics carry their own layout.
        to_stderr(&message);
    } else {
        to_stderr(&format!("error: {}\n", clip_runs(&message)));
    }
}

/// Prints a report (warnings, notes, stdout) and gives its exit code: 0, 1
/// when a check found a problem, 2 when stdout or a warning could not be
/// written.
fn finish(report: Report) -> ExitCode {
    // Messages repeat what was typed or read (an id, a file's value):
    // control and bidirectional characters in them are written as their
    // escapes, never sent to the terminal.
    // A warning is part of the output: one that cannot be shown
    // (`2> /dev/full`) leaves the output incomplete, exit 2. A note
    // that cannot be shown changes nothing.
    let mut warned = true;
    for w in &report.warnings {
        warned &= to_stderr(&format!("warning: {}\n", clip_runs(&visible_lines(w))));
    }
    for note in &report.notes {
        to_stderr(&format!("note: {}\n", clip_runs(&visible_lines(note))));
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

/// Writes to standard error; false when it cannot be written (`2>
/// /dev/full`, a closed pipe), where `eprintln!` would panic (exit 101) and
/// hide the outcome. An error's exit code stands even when its words cannot
/// be shown.
/// The longest run of characters without a space shown in a message; a
/// longer one (a value of 100,000 characters echoed back) is clipped.
const LONGEST_RUN: usize = 120;

/// A message with every run of more than [`LONGEST_RUN`] characters without
/// a space clipped to its start and its length: a hostile value must not
/// turn one line of error into megabytes.
fn clip_runs(text: &str) -> std::borrow::Cow<'_, str> {
    let long = text
        .split(char::is_whitespace)
        .any(|w| w.chars().count() > LONGEST_RUN);
    if !long {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(LONGEST_RUN * 4);
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let n = run.chars().count();
        if n > LONGEST_RUN {
            out.extend(run.chars().take(LONGEST_RUN / 2));
            out.push_str(&format!("…({n} characters)"));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut run, &mut out);
            out.push(c);
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut out);
    std::borrow::Cow::Owned(out)
}

/// clap reads a value that starts with `-` (`--patient-id -5`,
/// `--sex -1`) as an option of its own and says only "unexpected argument
/// '-5' found". When the word before it is an option that takes a value,
/// the message names that option and says how to write such a value.
fn value_taken_for_an_option(e: &clap::Error) -> Option<String> {
    use clap::CommandFactory;
    if e.kind() != clap::error::ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(unexpected)) = e.get(ContextKind::InvalidArg) else {
        return None;
    };
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let at = args
        .iter()
        .position(|a| a == unexpected || a.starts_with(unexpected.as_str()))?;
    let flag = args.get(at.checked_sub(1)?)?;
    let long = flag.strip_prefix("--").filter(|f| !f.contains('='))?;
    fn takes_value(c: &clap::Command, long: &str) -> bool {
        c.get_arguments()
            .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
            || c.get_subcommands().any(|s| takes_value(s, long))
    }
    if !takes_value(&Cli::command(), long) {
        return None;
    }
    let value = &args[at];
    Some(format!(
        "error: the value of --{long} starts with '-' (`{value}`), so it was read as an option and --{long} had none. Write --{long}={value} if that is the value you meant\n"
    ))
}

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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument of every subcommand, with the path of commands it is on.
    fn every_argument(c: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
        for a in c.get_arguments() {
            out.push((path.to_owned(), a.clone()));
        }
        for s in c.get_subcommands() {
            every_argument(s, &format!("{path} {}", s.get_name()), out);
        }
    }

    /// Issue 18: history's FILE, --regimen, --date, --line and --format had
    /// no description, and defaults were printed twice ("(default mosteller)
    /// [default: mosteller]"). Every argument says what it is, and a default
    /// is printed once, by clap.
    #[test]
    fn every_argument_has_help_and_no_hand_written_default() {
        let mut args = Vec::new();
        every_argument(&Cli::command(), "chemodose", &mut args);
        let mut problems = Vec::new();
        for (path, a) in &args {
            let id = a.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let help = a
                .get_long_help()
                .or(a.get_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            if help.trim().is_empty() {
                problems.push(format!("{path} {id}: no help"));
            }
            if !a.get_default_values().is_empty() && help.to_lowercase().contains("(default") {
                problems.push(format!("{path} {id}: default written by hand and by clap"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// A text handed in (the web page's upload) is read only as the one
    /// file it stands for: no other file is read or written for it.
    #[test]
    fn a_given_text_reads_and_writes_no_other_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.txt");
        let output = format!("--output={}", out.display());
        let given = super::GivenText {
            name: "o.toml".to_owned(),
            text: "format = 1\n".to_owned(),
        };
        for args in [
            vec!["order", "verify", &output, "--", "o.toml"],
            vec!["order", "verify", "--history=/etc/passwd", "--", "o.toml"],
            vec!["order", "verify", "--", "o.toml", "other.toml"],
            vec!["order", "verify", "--", "other.toml"],
            vec!["history", "show", &output, "--", "o.toml"],
            vec!["history", "show", "--", "/etc/passwd"],
            vec!["regimens", "show", "--", "o.toml"],
        ] {
            let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
            match super::run_args_with_text(&args, &given, super::JsonLayout::Pretty) {
                Err(super::Failure::Input(_)) => {}
                other => panic!("{args:?}: {other:?}"),
            }
        }
        assert!(!out.exists());
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `run_args` parses with one clap command per thread, kept between
    /// calls: nothing of one call (a value, an error) may reach the next.
    /// Doses by hand: 180 cm, 80 kg, Mosteller sqrt(180 × 80 / 3600) =
    /// 2.00 m²; doxorubicin 75 mg/m² × 2.00 = 150 mg.
    #[test]
    fn run_args_parses_each_call_afresh_with_the_kept_command() {
        use super::{Failure, run_args};
        let args = |a: &[&str]| -> Vec<String> { a.iter().map(|s| (*s).to_owned()).collect() };
        let input = |r: Result<super::Report, Failure>| match r {
            Err(Failure::Input(e)) => e.0,
            other => panic!("an input error, not {:?}", other.map(|r| r.stdout)),
        };
        let bad_height = args(&["dose", "--height=180", "--weight=80kg", "--", "doxorubicin"]);
        let dosed = args(&[
            "dose",
            "--height=180cm",
            "--weight=80kg",
            "--bilirubin=0.5mg/dL",
            "--",
            "doxorubicin",
        ]);
        let no_bilirubin = args(&[
            "dose",
            "--height=180cm",
            "--weight=80kg",
            "--",
            "doxorubicin",
        ]);
        for _ in 0..2 {
            assert!(input(run_args(&bad_height)).contains("height needs a unit"));
            let report = run_args(&dosed).unwrap_or_else(|_| panic!("dosed"));
            assert!(report.stdout.contains("150 mg"), "{}", report.stdout);
            // The bilirubin of the call before is not carried over: refused.
            match run_args(&no_bilirubin) {
                Err(Failure::Check(r)) => assert!(r.message.contains("bilirubin"), "{}", r.message),
                other => panic!("a refusal, not {:?}", other.map(|r| r.stdout)),
            }
            let missing = input(run_args(&args(&[
                "dose",
                "--height=180cm",
                "--",
                "doxorubicin",
            ])));
            assert!(missing.contains("required"), "{missing}");
        }
    }
}
