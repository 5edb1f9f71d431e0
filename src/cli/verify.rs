//! `chemodose verify [PATH...] [--bless] [--yes]`: golden checks of regimen files.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use chemodose::regimen::{Library, Regimen, bundled_checks, load_regimen_file};
use chemodose::render::json::verify_json;
use chemodose::render::verify::{
    FileOutcome, FileRun, counts, verify_html, verify_markdown, verify_text,
};
use chemodose::verify::{CheckResult, bless, parse_check_file, run_check};

use super::args::ReportFormat;
use super::output::{deliver, write_atomically};
use super::regimens::LibraryArgs;
use super::{Failure, InputError, Report, diagnostics};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Check files (`*.checks.toml`), regimen files (their checks beside them)
    /// or folders. Default: the regimen library in force.
    paths: Vec<PathBuf>,
    /// Write the current results as the new expectations (after confirmation).
    #[arg(long)]
    bless: bool,
    /// With --bless: do not ask.
    #[arg(long, requires = "bless")]
    yes: bool,
    /// Output format: text, Markdown (md), print-ready HTML (html) or JSON
    /// (each check passed or failed, each mismatch with drug, day,
    /// expected, got and step). Not with --bless.
    #[arg(long, value_enum, default_value_t, conflicts_with = "bless")]
    format: ReportFormat,
    /// Write to this file (whole or not at all) instead of standard output:
    /// checks.html. Not with --bless.
    #[arg(long, short, value_name = "FILE", conflicts_with = "bless")]
    output: Option<PathBuf>,
    #[command(flatten)]
    lib: LibraryArgs,
}

/// A check file to run: where it is shown from, its text, and where to write it back.
struct Source {
    shown: String,
    text: String,
    path: Option<PathBuf>,
}

fn read(path: &Path) -> Result<Source, InputError> {
    let text = chemodose::files::read_text(path, chemodose::files::FileKind::GoldenChecks)?;
    Ok(Source {
        shown: path.display().to_string(),
        text,
        path: Some(path.to_owned()),
    })
}

fn check_files_in(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError(format!("{}: {e}", dir.display())))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".checks.toml"))
        .collect();
    out.sort();
    Ok(out)
}

/// The check files to run; none is an error ("0 passed, 0 failed" read as
/// a pass).
fn sources(a: &VerifyArgs) -> Result<Vec<Source>, InputError> {
    let out = listed_sources(a)?;
    if out.is_empty() {
        let folders: Vec<String> = if a.paths.is_empty() {
            a.lib
                .folder()
                .into_iter()
                .map(|d| d.display().to_string())
                .collect()
        } else {
            a.paths.iter().map(|p| p.display().to_string()).collect()
        };
        return Err(InputError(format!(
            "{}: no check files (*.checks.toml) there, nothing was verified; give a folder that holds check files, or the files themselves",
            folders.join(", ")
        )));
    }
    Ok(out)
}

fn listed_sources(a: &VerifyArgs) -> Result<Vec<Source>, InputError> {
    let mut out = Vec::new();
    if a.paths.is_empty() {
        match a.lib.folder() {
            Some(d) => {
                for p in check_files_in(&d)? {
                    out.push(read(&p)?);
                }
            }
            None => {
                for (name, text) in bundled_checks() {
                    out.push(Source {
                        shown: format!("bundled:{name}"),
                        text: (*text).to_owned(),
                        path: None,
                    });
                }
            }
        }
        return Ok(out);
    }
    for p in &a.paths {
        let name = p.to_string_lossy();
        if p.is_dir() {
            for f in check_files_in(p)? {
                out.push(read(&f)?);
            }
        } else if name.ends_with(".checks.toml") {
            out.push(read(p)?);
        } else if let Some(stem) = name.strip_suffix(".toml") {
            let sibling = PathBuf::from(format!("{stem}.checks.toml"));
            if !sibling.exists() {
                return Err(InputError(format!(
                    "{}: no check file beside it ({})",
                    p.display(),
                    sibling.display()
                )));
            }
            out.push(read(&sibling)?);
        } else {
            return Err(InputError(format!(
                "{}: not a check file, regimen file or folder",
                p.display()
            )));
        }
    }
    Ok(out)
}

/// The regimen a check file is for: the regimen file beside it, else the library.
fn regimen_for(
    source: &Source,
    id: &str,
    lib: &LibraryArgs,
) -> Result<(Regimen, String), InputError> {
    if let Some(dir) = source.path.as_ref().and_then(|p| p.parent()) {
        let beside = dir.join(format!("{id}.toml"));
        if beside.exists() {
            let r = load_regimen_file(&beside).map_err(|e| InputError(diagnostics::render(&e)))?;
            return Ok((r, beside.display().to_string()));
        }
    }
    if source.path.is_none() {
        let lib = Library::bundled().map_err(|e| InputError(e.to_string()))?;
        if let Some(e) = lib.get(id) {
            return Ok((e.regimen.clone(), e.origin.clone()));
        }
    }
    let e = lib.regimen(id)?;
    Ok((e.regimen.clone(), e.origin.clone()))
}

fn confirm(question: &str) -> Result<bool, InputError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(InputError(format!(
            "{question} needs confirmation: run in a terminal or add --yes"
        )));
    }
    // Asked on standard error; unanswerable if it cannot be shown.
    let mut err = std::io::stderr().lock();
    if write!(err, "{question} [y/N] ")
        .and_then(|()| err.flush())
        .is_err()
    {
        return Err(InputError(format!(
            "{question} needs confirmation, and standard error cannot be written to ask: add --yes"
        )));
    }
    drop(err);
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| InputError(e.to_string()))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub fn run(a: VerifyArgs) -> Result<Report, Failure> {
    let mut runs: Vec<FileRun> = Vec::new();
    let mut notes = Vec::new();
    let mut to_bless: Vec<(PathBuf, String)> = Vec::new();
    // The files read, which an output must not replace.
    let mut inputs = a.lib.files_read(None);
    for source in sources(&a)? {
        inputs.extend(source.path.iter().cloned());
        let file = match parse_check_file(&source.shown, &source.text) {
            Ok(f) => f,
            Err(e) => {
                runs.push(FileRun {
                    file: source.shown,
                    outcome: FileOutcome::Unreadable(diagnostics::render(&e)),
                });
                continue;
            }
        };
        let (regimen, origin) = regimen_for(&source, &file.regimen, &a.lib)?;
        if Path::new(&origin).is_file() {
            inputs.push(PathBuf::from(&origin));
        }
        let results: Vec<CheckResult> =
            file.checks.iter().map(|c| run_check(&regimen, c)).collect();
        if a.bless && results.iter().any(|r| !r.passed()) {
            match &source.path {
                Some(p) => {
                    let today = chrono::DateTime::from_timestamp(
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs() as i64),
                        0,
                    )
                    .map_or_else(
                        || chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
                        |t| t.date_naive(),
                    );
                    let new = bless(
                        &source.text,
                        &results,
                        "chemodose verify --bless (program output, not a hand calculation)",
                        today,
                    )
                    .map_err(|e| InputError(format!("{}: {e}", source.shown)))?;
                    to_bless.push((p.clone(), new));
                }
                None => notes.push(format!(
                    "{}: bundled checks cannot be blessed; copy the regimens folder first",
                    source.shown
                )),
            }
        }
        runs.push(FileRun {
            file: source.shown,
            outcome: FileOutcome::Ran {
                regimen: regimen.id.clone(),
                version: regimen.version.clone(),
                origin,
                checks_version: file.regimen_version.clone(),
                results,
            },
        });
    }
    let (_, failed) = counts(&runs);
    let mut out = match a.format {
        ReportFormat::Text => verify_text(&runs),
        ReportFormat::Md => verify_markdown(&runs),
        ReportFormat::Html => verify_html(&runs),
        ReportFormat::Json => {
            serde_json::to_string_pretty(&verify_json(&runs)).map_err(InputError::from)? + "\n"
        }
    };
    if a.bless && !to_bless.is_empty() {
        // The results before the question; `print!` would panic on a full
        // standard output.
        super::write_stdout(&out).map_err(|e| InputError(super::stdout_error(&e)))?;
        out.clear();
        let question = format!(
            "Write the current results into {} check file(s)?",
            to_bless.len()
        );
        if a.yes || confirm(&question)? {
            for (path, text) in &to_bless {
                // Blessing rewrites the check file it read: an edit in place.
                write_atomically(path, text.as_bytes(), &[])?;
                notes.push(format!("blessed {}", path.display()));
            }
            return Ok(Report {
                stdout: out,
                notes,
                problem: false,
                warnings: Vec::new(),
            });
        }
        notes.push("nothing written".to_owned());
    }
    let stdout = deliver(out, a.output.as_deref(), &inputs, &mut notes)?;
    Ok(Report {
        stdout,
        notes,
        problem: failed > 0,
        warnings: Vec::new(),
    })
}
