//! `chemodose lines derive|to-history`: lines of therapy from administration
//! records; and the arguments of `lines derive` parsed, with the rules and
//! library read, for a caller with its own table of records
//! ([`prepare_lines`]).

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use chemodose::files::{FileKind, RecordLimit};
use chemodose::lines::{
    ColumnNames, Derivation, DerivedLine, LinesError, Rules, derive_stream, draft_history,
};
use chemodose::render::csv::{push_field, text as csv_text};
use chemodose::render::escape::{visible, visible_lines};
use chemodose::render::lines as render_lines;

use super::output::{AtomicFile, Tracked, write_atomically};
use super::regimens::LibraryArgs;
use super::{Failure, InputError, Report, diagnostics};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LinesFormat {
    #[default]
    Text,
    /// A Markdown report.
    Md,
    /// A print-ready HTML report.
    Html,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct LinesArgs {
    #[command(subcommand)]
    command: LinesCommand,
}

/// Where the records come from and how to read them.
#[derive(Debug, Args)]
struct Input {
    /// CSV of administrations: patient_id, drug, date (YYYY-MM-DD), sorted by patient.
    file: PathBuf,
    /// FILE is an OMOP CDM DRUG_EXPOSURE table (person_id, drug_concept_id,
    /// drug_exposure_start_date); drugs are mapped to ingredients with --concepts.
    #[arg(long, requires = "concepts")]
    omop: bool,
    /// The OMOP vocabulary's CONCEPT table (with --omop).
    #[arg(long, value_name = "CONCEPT.csv", requires = "omop")]
    concepts: Option<PathBuf>,
    /// The OMOP vocabulary's CONCEPT_ANCESTOR table, mapping clinical drugs
    /// to their ingredients (with --omop).
    #[arg(long, value_name = "CONCEPT_ANCESTOR.csv", requires = "omop")]
    concept_ancestor: Option<PathBuf>,
    /// A rules file (TOML), or a bundled preset by name (merck-nsclc); missing rules take the defaults (docs/lines-of-therapy.md).
    #[arg(long, value_name = "RULES.toml|PRESET")]
    rules: Option<PathBuf>,
    /// Column names when they differ: patient=pid,drug=medication,date=given_on.
    #[arg(long, value_parser = columns)]
    columns: Option<ColumnNames>,
    #[command(flatten)]
    lib: LibraryArgs,
}

#[derive(Debug, Subcommand)]
enum LinesCommand {
    /// Derive every patient's lines of therapy.
    Derive {
        #[command(flatten)]
        input: Input,
        /// Output format: a text, Markdown (md) or print-ready HTML (html)
        /// report, or the lines as CSV or JSON data.
        #[arg(long, value_enum, default_value_t)]
        format: LinesFormat,
        /// Write to this file (whole or not at all).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Worker threads: 4. Every core when not given; the output is in
        /// input order whatever the number.
        #[arg(long, allow_hyphen_values = true, value_parser = super::args::threads)]
        threads: Option<usize>,
    },
    /// Draft a history file for one patient from the derived lines.
    ToHistory {
        #[command(flatten)]
        input: Input,
        /// The patient's id as the records write it: LMS-CASE-1.
        #[arg(long = "patient-id", alias = "patient", value_name = "ID", value_parser = super::args::plain)]
        patient: String,
        /// Write to this file (whole or not at all).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// `patient=pid,drug=medication,date=given_on`: each role at most once, each
/// with a column of its own (roles not given keep their default names).
fn columns(s: &str) -> Result<ColumnNames, String> {
    let mut c = ColumnNames::default();
    let mut given: Vec<&str> = Vec::new();
    for part in s.split(',') {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("write patient=NAME,drug=NAME,date=NAME (got `{part}`)"))?;
        let role = k.trim();
        let slot = match role {
            "patient" => &mut c.patient,
            "drug" => &mut c.drug,
            "date" => &mut c.date,
            other => {
                return Err(format!(
                    "unknown column role `{other}`; use patient, drug or date"
                ));
            }
        };
        if given.contains(&role) {
            return Err(format!(
                "the {role} column is named twice; name it once, e.g. patient=pid,drug=medication,date=given_on"
            ));
        }
        given.push(role);
        v.trim().clone_into(slot);
    }
    c.check().map_err(|e| e.to_string())?;
    Ok(c)
}

/// What comes before each JSON object but the first.
const JSON_SEPARATOR: &[u8] = b",\n";

/// One CSV row: the text columns through `render::csv` (formula
/// injection), the line number, dates and day count as they are.
fn csv_row(l: &DerivedLine, out: &mut Vec<u8>) {
    use std::io::Write as _;
    let cell = |out: &mut Vec<u8>, s: &str| push_field(out, csv_text(s).as_bytes());
    let joined = chemodose::lines::drugs_text;
    cell(out, &l.patient);
    // Writing into memory cannot fail.
    let _ = write!(out, ",{},", l.number);
    cell(out, &joined(&l.regimen));
    out.push(b',');
    cell(out, &joined(&l.later));
    let _ = write!(out, ",{},{},{},", l.start, l.end, l.administration_days);
    cell(out, &l.end_reason.text());
    out.push(b',');
    cell(out, &l.regimen_match.text());
    match &l.maintenance {
        Some(m) => {
            let _ = write!(out, ",{},", m.kind.name());
            cell(out, &joined(&m.drugs));
            let _ = write!(out, ",{},{}", m.start, m.end);
        }
        None => out.extend_from_slice(b",,,,"),
    }
    out.push(b'\n');
}

/// One line of the text report; ids and drugs made visible, so that no value
/// can start a line or drive the terminal.
fn text_row(l: &DerivedLine) -> String {
    visible_lines(&text_row_raw(l)).into_owned()
}

fn text_row_raw(l: &DerivedLine) -> String {
    let later = if l.later.is_empty() {
        String::new()
    } else {
        format!(
            " (later: {})",
            l.later.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    };
    let later = match &l.maintenance {
        Some(m) => format!("{later}  {}", m.text()),
        None => later,
    };
    format!(
        "{}  line {}  {} to {}  {} days given  {}{later}  ended: {}  regimen: {}\n",
        visible(&l.patient),
        l.number,
        l.start,
        l.end,
        l.administration_days,
        l.regimen.iter().cloned().collect::<Vec<_>>().join(" + "),
        l.end_reason.text(),
        l.regimen_match.text()
    )
}

/// The rules, the regimen library, the file and its column names.
/// A streamed file with each record bounded.
type Limited = RecordLimit<BufReader<std::fs::File>>;

/// The administrations as read: a CSV of them, or an OMOP DRUG_EXPOSURE
/// table converted row by row.
enum Source {
    Csv(std::fs::File),
    Omop(Box<chemodose::lines::omop::OmopAdministrations<Limited>>),
}

impl std::io::Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Csv(f) => f.read(buf),
            Source::Omop(o) => o.read(buf),
        }
    }
}

impl Source {
    fn size(&self) -> u64 {
        match self {
            Source::Csv(f) => f.metadata().map(|m| m.len()).unwrap_or(0),
            Source::Omop(_) => 0,
        }
    }

    /// DRUG_EXPOSURE rows skipped in the conversion, and the first of them.
    fn omop_skipped(&self) -> (u64, &[chemodose::lines::SkippedRow]) {
        match self {
            Source::Csv(_) => (0, &[]),
            Source::Omop(o) => (o.skipped, &o.errors),
        }
    }
}

/// Every file a command reads (an output must be none of them).
fn files_read(input: &Input) -> Vec<PathBuf> {
    let mut inputs = input.lib.files_read(None);
    inputs.extend(input.rules.iter().cloned());
    inputs.push(input.file.clone());
    inputs.extend(input.concepts.iter().cloned());
    inputs.extend(input.concept_ancestor.iter().cloned());
    inputs
}

fn open(
    input: &Input,
) -> Result<(Rules, chemodose::regimen::Library, Source, ColumnNames), InputError> {
    let rules = read_rules(input)?;
    let (library, _) = input.lib.library()?;
    let file = chemodose::files::open_stream(&input.file, FileKind::Administrations)?;
    let source = match (&input.concepts, input.omop) {
        (Some(concepts), true) => {
            let vocabulary =
                |p: &PathBuf| chemodose::files::open_stream(p, FileKind::OmopVocabulary);
            let shown = |p: &PathBuf, e: chemodose::lines::omop::OmopError| {
                InputError(format!("{}: {e}", p.display()))
            };
            let concept_file = vocabulary(concepts)?;
            let ancestor = match &input.concept_ancestor {
                Some(p) => Some(vocabulary(p)?),
                None => None,
            };
            let limited = |f: std::fs::File| {
                RecordLimit::new(
                    BufReader::with_capacity(1 << 20, f),
                    FileKind::OmopVocabulary,
                )
            };
            let map = chemodose::lines::omop::Concepts::read(
                limited(concept_file),
                ancestor.map(limited),
            )
            .map_err(|e| match &input.concept_ancestor {
                Some(p) if e.table() == "CONCEPT_ANCESTOR" => shown(p, e),
                _ => shown(concepts, e),
            })?;
            let file = RecordLimit::new(
                BufReader::with_capacity(1 << 20, file),
                FileKind::Administrations,
            );
            let reader = chemodose::lines::omop::OmopAdministrations::new(file, map)
                .map_err(|e| shown(&input.file, e))?;
            Source::Omop(Box::new(reader))
        }
        _ => Source::Csv(file),
    };
    Ok((
        rules,
        library,
        source,
        input.columns.clone().unwrap_or_default(),
    ))
}

fn read_rules(input: &Input) -> Result<Rules, InputError> {
    match &input.rules {
        None => Ok(Rules::default()),
        Some(p) => {
            // A preset by name, unless a file of that name exists.
            if !p.exists()
                && let Some(preset) = Rules::preset(&p.to_string_lossy())
            {
                return preset.map_err(|e| InputError(diagnostics::render(&e)));
            }
            let text = chemodose::files::read_text(p, FileKind::LineRules)?;
            Rules::parse(&p.display().to_string(), &text)
                .map_err(|e| InputError(diagnostics::render(&e)))
        }
    }
}

/// The DRUG_EXPOSURE rows skipped in the conversion, with their lines.
fn omop_notes(
    file: &std::path::Path,
    skipped: u64,
    errors: &[chemodose::lines::SkippedRow],
) -> Vec<String> {
    let mut notes: Vec<String> = errors
        .iter()
        .map(|e| format!("{} line {}: skipped: {}", file.display(), e.line, e.message))
        .collect();
    if skipped > 0 {
        notes.push(format!(
            "{skipped} DRUG_EXPOSURE rows skipped (line numbers above are the table's; those below are of the administrations read from it)"
        ));
    }
    notes
}

/// The counts of a derivation, in words: on standard error, and at the
/// foot of a Markdown or HTML report.
fn counts_line(s: &chemodose::lines::DeriveSummary) -> String {
    format!(
        "{} records, {} patients, {} lines; {} records skipped",
        s.records, s.patients, s.lines, s.skipped
    )
}

fn notes_for(file: &std::path::Path, s: &chemodose::lines::DeriveSummary) -> Vec<String> {
    let mut notes: Vec<String> = s
        .errors
        .iter()
        .map(|e| format!("{} line {}: skipped: {}", file.display(), e.line, e.message))
        .collect();
    if s.skipped as usize > s.errors.len() {
        notes.push(format!(
            "... and {} more skipped records",
            s.skipped as usize - s.errors.len()
        ));
    }
    notes.push(counts_line(s));
    notes
}

/// A derivation as the arguments of `lines derive` describe it, the
/// administrations not read: the rules, the regimen library lines are
/// matched against, the column names and the threads, for a caller that
/// brings its own records (the Python package's Arrow tables).
#[derive(Debug)]
pub struct PreparedLines {
    /// The rules (`--rules`: a file or a bundled preset; else the defaults).
    pub rules: Rules,
    /// The regimen library in force (`--regimens`, ...).
    pub library: chemodose::regimen::Library,
    /// The column names (`--columns`).
    pub columns: ColumnNames,
    /// Worker threads (`--threads`, else every core).
    pub threads: usize,
}

/// Parses `args` as the command line would (`lines derive ... FILE`,
/// without the program name) and reads the rules and the library; FILE is
/// not read, so any name stands for it (`-`). `--omop` is refused: it
/// reads files.
pub fn prepare_lines(args: &[String]) -> Result<PreparedLines, Failure> {
    let (input, threads) = match super::parse_args(args)? {
        super::Command::Lines(LinesArgs {
            command: LinesCommand::Derive { input, threads, .. },
        }) => (input, threads),
        _ => {
            return Err(
                InputError("the arguments are not those of `lines derive`".to_owned()).into(),
            );
        }
    };
    if input.omop {
        return Err(InputError(
            "--omop reads the DRUG_EXPOSURE and vocabulary files; a table's records are read as they are (patient, drug, date)".to_owned(),
        )
        .into());
    }
    Ok(PreparedLines {
        rules: read_rules(&input)?,
        library: input.lib.library()?.0,
        columns: input.columns.clone().unwrap_or_default(),
        threads: threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    })
}

pub fn run(a: LinesArgs) -> Result<Report, Failure> {
    match a.command {
        LinesCommand::Derive {
            input,
            format,
            output,
            threads,
        } => {
            let (rules, library, mut file, columns) = open(&input)?;
            let size = file.size();
            let bar = super::output::progress_bar(size, "records");
            let mut progress = |n: u64| {
                if let Some(b) = &bar {
                    b.set_position(n);
                }
            };
            let inputs = files_read(&input);
            let mut target: Option<AtomicFile> = match &output {
                Some(p) => Some(AtomicFile::create(p, &inputs)?),
                None => None,
            };
            // A failure is the output's when the writer saw one (naming the
            // output file or standard output), else the input's.
            let cannot_write = |e: &dyn std::fmt::Display| match &output {
                Some(p) => InputError(format!("cannot write {}: {e}", p.display())),
                None => InputError(format!(
                    "cannot write to standard output: {e}; the output is incomplete"
                )),
            };
            let threads = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let (summary, wrote) = {
                let sink: Box<dyn Write> = match target.as_mut() {
                    Some(f) => Box::new(f.file()),
                    None => Box::new(std::io::stdout().lock()),
                };
                let mut w = BufWriter::with_capacity(1 << 20, Tracked::new(sink));
                let io = |e: std::io::Error| LinesError::Io(e.to_string());
                let records = input.file.display().to_string();
                let head: Vec<u8> = match format {
                    LinesFormat::Csv => b"patient_id,line,regimen_drugs,later_drugs,start,end,administration_days,end_reason,regimen_match,maintenance_kind,maintenance_drugs,maintenance_start,maintenance_end\n".to_vec(),
                    LinesFormat::Json => b"[\n".to_vec(),
                    LinesFormat::Md => render_lines::markdown_head(&records).into_bytes(),
                    LinesFormat::Html => render_lines::html_head(&records).into_bytes(),
                    LinesFormat::Text => Vec::new(),
                };
                // Each worker writes its patients' rows; a JSON object is
                // written after a separator, which the first one goes without.
                let render = |lines: &[DerivedLine], out: &mut Vec<u8>| {
                    for l in lines {
                        match format {
                            LinesFormat::Text => out.extend_from_slice(text_row(l).as_bytes()),
                            LinesFormat::Md => render_lines::markdown_row(l, out),
                            LinesFormat::Html => render_lines::html_row(l, out),
                            LinesFormat::Csv => csv_row(l, out),
                            LinesFormat::Json => {
                                out.extend_from_slice(JSON_SEPARATOR);
                                // Into memory, of fields that all serialize: cannot fail.
                                let _ = serde_json::to_writer(&mut *out, l);
                            }
                        }
                    }
                };
                let mut run = || -> Result<chemodose::lines::DeriveSummary, LinesError> {
                    w.write_all(&head).map_err(io)?;
                    let mut first = true;
                    let mut emit = |rows: Vec<u8>| -> Result<(), LinesError> {
                        let rows = match format {
                            LinesFormat::Json if first => {
                                rows.strip_prefix(JSON_SEPARATOR).unwrap_or(&rows)
                            }
                            _ => &rows,
                        };
                        first = first && rows.is_empty();
                        w.write_all(rows).map_err(io)
                    };
                    let derivation = Derivation {
                        threads,
                        ..Derivation::new(&columns, &rules, &library)
                    };
                    let summary = derivation.run(&mut file, &render, &mut emit, &mut progress)?;
                    let counts = [counts_line(&summary)];
                    match format {
                        LinesFormat::Json => w.write_all(b"\n]\n").map_err(io)?,
                        LinesFormat::Md => w
                            .write_all(render_lines::markdown_tail(&counts).as_bytes())
                            .map_err(io)?,
                        LinesFormat::Html => w
                            .write_all(render_lines::html_tail(&counts).as_bytes())
                            .map_err(io)?,
                        LinesFormat::Text | LinesFormat::Csv => {}
                    }
                    w.flush().map_err(io)?;
                    Ok(summary)
                };
                let result = run();
                (result, w.get_ref().failed())
            };
            let summary = match (summary, wrote) {
                // The reader went away (`chemodose lines derive ... | head`): not an error.
                (_, Some(std::io::ErrorKind::BrokenPipe)) if output.is_none() => {
                    return Ok(Report::default());
                }
                (Err(e), Some(_)) => return Err(cannot_write(&e).into()),
                (Err(e), None) => {
                    return Err(InputError(format!("{}: {e}", input.file.display())).into());
                }
                (Ok(s), _) => s,
            };
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            if let Some(f) = target {
                f.commit()?;
            }
            let (omop_skipped, omop_errors) = file.omop_skipped();
            let mut notes = omop_notes(&input.file, omop_skipped, omop_errors);
            notes.extend(notes_for(&input.file, &summary));
            if let Some(p) = &output {
                notes.push(format!("wrote {}", p.display()));
            }
            Ok(Report {
                stdout: String::new(),
                notes,
                problem: summary.skipped > 0 || omop_skipped > 0,
                warnings: Vec::new(),
            })
        }
        LinesCommand::ToHistory {
            input,
            patient,
            output,
        } => {
            let (rules, library, mut file, columns) = open(&input)?;
            let mut found: Vec<DerivedLine> = Vec::new();
            let mut emit = |lines: &[DerivedLine]| -> Result<(), LinesError> {
                found.extend(lines.iter().filter(|l| l.patient == patient).cloned());
                Ok(())
            };
            let summary = derive_stream(
                &mut file,
                &columns,
                &rules,
                &library,
                &mut emit,
                &mut |_| {},
            )
            .map_err(|e| InputError(format!("{}: {e}", input.file.display())))?;
            if found.is_empty() {
                return Err(InputError(format!(
                    "{}: no records for patient `{patient}`",
                    input.file.display()
                ))
                .into());
            }
            let text = draft_history(&patient, &found, &library);
            let (omop_skipped, omop_errors) = file.omop_skipped();
            let mut notes = omop_notes(&input.file, omop_skipped, omop_errors);
            notes.extend(notes_for(&input.file, &summary));
            let problem = summary.skipped > 0 || omop_skipped > 0;
            match &output {
                Some(p) => {
                    write_atomically(p, text.as_bytes(), &files_read(&input))?;
                    notes.push(format!(
                        "wrote {} (a draft: curate it by hand)",
                        p.display()
                    ));
                    Ok(Report {
                        stdout: String::new(),
                        notes,
                        problem,
                        warnings: Vec::new(),
                    })
                }
                None => Ok(Report {
                    stdout: text,
                    notes,
                    problem,
                    warnings: Vec::new(),
                }),
            }
        }
    }
}
