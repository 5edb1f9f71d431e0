//! `chemodose batch`: doses for every patient of a CSV file; and the same
//! arguments parsed and checked for a caller with its own table of patients
//! ([`prepare_batch`]).

use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use chemodose::batch::{BatchPlan, Layout, run_batch};

use super::dose::DoseOptionArgs;
use super::output::{AtomicFile, Tracked, write_error};
use super::regimens::LibraryArgs;
use super::{Failure, InputError, Report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LayoutArg {
    /// One row per patient.
    #[default]
    Wide,
    /// One row per patient × drug × day.
    Long,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// A regimen id or alias, or a path to a regimen file.
    regimen: String,
    /// CSV of patients: id, height, weight and optionally sex, age, scr; units in
    /// the header (height_cm, weight_kg, scr_mg_dl, scr_umol_l) or in every cell.
    #[arg(long, value_name = "FILE")]
    patients: PathBuf,
    /// One row per patient (wide) or per patient, drug and day (long).
    #[arg(long, value_enum, default_value_t)]
    layout: LayoutArg,
    /// The cycle to dose, from 1: 2.
    #[arg(long, value_name = "N", default_value_t = 1, allow_hyphen_values = true, value_parser = super::args::cycle_number)]
    cycle: u32,
    #[command(flatten)]
    dose: DoseOptionArgs,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Worker threads: 4. Every core when not given.
    #[arg(long, allow_hyphen_values = true, value_parser = super::args::threads)]
    threads: Option<usize>,
    #[command(flatten)]
    lib: LibraryArgs,
}

/// A batch as its arguments describe it, everything but the patients read
/// and checked: what `chemodose batch` doses every row with, for a caller
/// that brings its own rows (the Python package's Arrow tables).
#[derive(Debug)]
pub struct PreparedBatch {
    /// The regimen every patient is dosed with.
    pub regimen: chemodose::regimen::Regimen,
    /// The dose options, checked with the regimen and cycle
    /// (`dose::check_plan`).
    pub options: chemodose::dose::DoseOptions,
    /// The cycle dosed.
    pub cycle: u32,
    /// The output layout.
    pub layout: Layout,
    /// Worker threads (`--threads`, else every core).
    pub threads: usize,
}

/// Parses `args` as the command line would (`batch --patients FILE ...
/// REGIMEN`, without the program name) and loads and checks what the rows
/// are dosed with; the patient file is not read, so any name stands for it
/// (`--patients=-`). A refusal of the plan is a [`Failure::Check`], as on
/// the command line.
pub fn prepare_batch(args: &[String]) -> Result<PreparedBatch, Failure> {
    match super::parse_args(args)? {
        super::Command::Batch(a) => prepared(&a),
        _ => Err(InputError("the arguments are not those of `batch`".to_owned()).into()),
    }
}

/// The regimen, checked options, cycle, layout and threads of a batch.
fn prepared(a: &BatchArgs) -> Result<PreparedBatch, Failure> {
    let entry = a.lib.regimen(&a.regimen)?;
    let options = a.dose.options(&entry.regimen)?;
    // Refused as a whole, before any row, with the same exit code and hint as `dose`.
    chemodose::dose::check_plan(&entry.regimen, a.cycle, &options)
        .map_err(super::dose::dose_failure)?;
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let layout = match a.layout {
        LayoutArg::Wide => Layout::Wide,
        LayoutArg::Long => Layout::Long,
    };
    Ok(PreparedBatch {
        regimen: entry.regimen.clone(),
        options,
        cycle: a.cycle,
        layout,
        threads,
    })
}

pub fn run(a: BatchArgs) -> Result<Report, Failure> {
    let PreparedBatch {
        regimen,
        options,
        cycle,
        layout,
        threads,
    } = prepared(&a)?;
    let plan = BatchPlan::new(&regimen, &options, cycle);
    let input = chemodose::files::open_stream(&a.patients, chemodose::files::FileKind::Patients)?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    // A progress bar for large files, only when someone is watching.
    let bar = super::output::progress_bar(size, "patients");
    let mut progress = |rows: u64| {
        if let Some(b) = &bar {
            b.set_position(rows);
        }
    };
    let reader = BufReader::with_capacity(1 << 20, input);
    // A failure is the output's when the writer saw one, else the input's.
    let failed = |e: chemodose::batch::BatchError,
                  wrote: Option<std::io::ErrorKind>,
                  out: &Path| {
        match wrote {
            Some(_) => InputError(format!("cannot write {}: {e}", out.display())),
            None => InputError(format!("{}: {e}", a.patients.display())),
        }
    };
    let summary = match &a.output {
        Some(path) => {
            let mut inputs = a.lib.files_read(Some(&a.regimen));
            inputs.extend(a.dose.clinical.files_read());
            inputs.push(a.patients.clone());
            let mut file = AtomicFile::create(path, &inputs)?;
            let summary = {
                let mut w = BufWriter::with_capacity(1 << 20, Tracked::new(file.file()));
                let s = run_batch(&plan, reader, &mut w, layout, threads, &mut progress)
                    .map_err(|e| failed(e, w.get_ref().failed(), path))?;
                w.flush().map_err(|e| write_error(path, &e))?;
                s
            };
            file.commit()?;
            summary
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::with_capacity(1 << 20, Tracked::new(stdout.lock()));
            let result = run_batch(&plan, reader, &mut w, layout, threads, &mut progress);
            match (result, w.get_ref().failed()) {
                // The reader went away (`chemodose batch ... | head`): not an error.
                (_, Some(std::io::ErrorKind::BrokenPipe)) => return Ok(Report::default()),
                (Ok(s), _) => s,
                (Err(e), Some(_)) => {
                    return Err(InputError(format!(
                        "cannot write to standard output: {e}; the output is incomplete"
                    ))
                    .into());
                }
                (Err(e), None) => {
                    return Err(InputError(format!("{}: {e}", a.patients.display())).into());
                }
            }
        }
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut notes = Vec::new();
    for e in &summary.errors {
        notes.push(format!(
            "{} line {}: skipped: {}",
            a.patients.display(),
            e.line,
            e.message
        ));
    }
    if summary.skipped as usize > summary.errors.len() {
        notes.push(format!(
            "... and {} more skipped rows",
            summary.skipped as usize - summary.errors.len()
        ));
    }
    notes.push(format!(
        "{} patients read: {} written, {} skipped{}",
        summary.rows,
        summary.written,
        summary.skipped,
        a.output
            .as_ref()
            .map_or(String::new(), |p| format!("; wrote {}", p.display()))
    ));
    // The CSV holds records only: the configuration is named on standard error.
    notes.extend(super::settings::note());
    Ok(Report {
        stdout: String::new(),
        notes,
        problem: summary.skipped > 0,
        warnings: Vec::new(),
    })
}
