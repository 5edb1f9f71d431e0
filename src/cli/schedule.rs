//! `chemodose schedule`: every administration of every cycle on its date.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use clap::{Args, ValueEnum};

use chemodose::course::{Course, CourseIdentity, CourseKey, Revisions};
use chemodose::dose::Reduction;
use chemodose::render::schedule::{
    Paper, PrintedIdentity, RenderContext, schedule_csv, schedule_html, schedule_ics,
    schedule_json, schedule_markdown, schedule_text,
};
use chemodose::schedule::{
    DayListChange, DoseChange, ScheduleError, ScheduleOptions, build_schedule, parse_holidays,
};

use super::dose::{PatientDoseArgs, dose_failure};
use super::output::{AtomicFile, write_atomically, write_error};
use super::regimens::LibraryArgs;
use super::{Failure, InputError, Report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ScheduleFormat {
    #[default]
    Text,
    Md,
    Html,
    Csv,
    Json,
    Ics,
    Fhir,
}

#[derive(Debug, Args)]
#[group(skip)]
pub struct ScheduleArgs {
    /// A regimen id or alias, or a path to a regimen file.
    regimen: String,
    /// Day 1 of cycle 1: 2026-12-01.
    #[arg(long, value_parser = super::args::date)]
    start: NaiveDate,
    #[command(flatten)]
    patient: PatientDoseArgs,
    /// Delay a cycle and every later one: 3=7 (cycle 3, 7 days). Repeatable; delays add up.
    #[arg(long, allow_hyphen_values = true, value_parser = delay)]
    delay: Vec<(u32, u32)>,
    /// A dose level from a cycle on: 3=-1, or for one drug 3=docetaxel=-1. Repeatable.
    #[arg(long, allow_hyphen_values = true, value_parser = level_from)]
    level_from: Vec<DoseChange>,
    /// A percent reduction from a cycle on: 4=20%, or 4=gemcitabine=25%. Repeatable.
    #[arg(long, allow_hyphen_values = true, value_parser = reduce_from)]
    reduce_from: Vec<DoseChange>,
    /// A day list for one drug from a cycle on, replacing the regimen's:
    /// 3=cisplatin=1-4. Repeatable.
    #[arg(long, allow_hyphen_values = true, value_parser = days_from)]
    days_from: Vec<DayListChange>,
    /// A file of holiday dates to flag: one YYYY-MM-DD per line (1900 to
    /// 2199), `#` starts a comment; LF or CRLF line ends.
    #[arg(long, value_name = "FILE")]
    holidays: Option<PathBuf>,
    /// A built-in holiday calendar whose dates are flagged too:
    /// australia-nsw, england-and-wales, france, germany or us-federal.
    /// Repeatable.
    #[arg(long, value_name = "NAME", value_parser = holiday_calendar)]
    holiday_calendar: Vec<chemodose::holidays::Calendar>,
    /// A pseudonymous patient id for the page header and calendar (never a name).
    #[arg(long, value_name = "ID", value_parser = super::args::plain)]
    patient_id: Option<String>,
    /// An id for this course of treatment, for the calendar's event UIDs
    /// (else the patient id, regimen and --start make it). `--format ics`
    /// needs this or --patient-id; give the same one to update the events.
    #[arg(long, value_name = "ID", value_parser = super::args::plain)]
    course_id: Option<String>,
    /// The patient's name, printed on every page of the HTML schedule (left
    /// as a line to fill by hand when not given); not in other formats.
    #[arg(long, value_name = "NAME", value_parser = super::args::plain)]
    patient_name: Option<String>,
    /// The medical record number, printed on every page of the HTML schedule.
    #[arg(long, value_name = "MRN", value_parser = super::args::plain)]
    mrn: Option<String>,
    /// The date of birth (YYYY-MM-DD, before --start), printed on every page of the HTML schedule.
    #[arg(long, value_name = "DATE", value_parser = super::args::date)]
    dob: Option<NaiveDate>,
    /// The paper of the HTML schedule. Default a4, or the site config's.
    #[arg(long, value_enum)]
    paper: Option<PaperArg>,
    /// Output format: text, Markdown, print-ready HTML, CSV, JSON, an
    /// iCalendar file (ics), or a FHIR R4 Bundle (fhir: docs/fhir.md).
    #[arg(long, value_enum, default_value_t)]
    format: ScheduleFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    lib: LibraryArgs,
}

/// `--paper`: A4 or US Letter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
enum PaperArg {
    #[default]
    A4,
    Letter,
}

fn holiday_calendar(s: &str) -> Result<chemodose::holidays::Calendar, String> {
    s.parse()
        .map_err(|e: chemodose::holidays::UnknownCalendar| e.to_string())
}

/// The holidays to flag: the holidays file's dates (`--holidays`, else the
/// site configuration's) and the built-in calendars' (`--holiday-calendar`,
/// else the configuration's) from the year of `start` to the end of the
/// date window; with the files read.
fn holidays(
    a: &ScheduleArgs,
) -> Result<(std::collections::BTreeSet<NaiveDate>, Vec<PathBuf>), InputError> {
    use super::settings::{optional, value};
    let mut dates = std::collections::BTreeSet::new();
    let file = optional(a.holidays.clone(), |c| &c.holidays);
    if let Some(p) = &file {
        let text = chemodose::files::read_text(p, chemodose::files::FileKind::Holidays)?;
        dates = parse_holidays(&text).map_err(|e| InputError(format!("{}: {e}", p.display())))?;
    }
    let flag = (!a.holiday_calendar.is_empty()).then(|| a.holiday_calendar.clone());
    let calendars = value(flag, |c| &c.holiday_calendars, Vec::new());
    for c in calendars {
        let more = c
            .dates(a.start.year(), chemodose::dates::LATEST.year())
            .map_err(|e| InputError(e.to_string()))?;
        dates.extend(more);
    }
    Ok((dates, file.into_iter().collect()))
}

fn delay(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("a delay is CYCLE=DAYS, e.g. 3=7 (got `{s}`)");
    let (c, d) = s.split_once('=').ok_or_else(bad)?;
    let c: u32 = c.trim().parse().map_err(|_| bad())?;
    let d: u32 = d.trim().trim_end_matches('d').parse().map_err(|_| bad())?;
    if d > 365 {
        return Err(format!("a delay of {d} days is implausible (at most 365)"));
    }
    Ok((c, d))
}

fn from_cycle(s: &str) -> Result<(u32, &str), String> {
    let (c, rest) = s
        .split_once('=')
        .ok_or_else(|| format!("write CYCLE=VALUE, e.g. 3=-1 (got `{s}`)"))?;
    let c: u32 = c
        .trim()
        .parse()
        .map_err(|_| format!("`{c}` is not a cycle number in `{s}`"))?;
    Ok((c, rest))
}

fn days_from(s: &str) -> Result<DayListChange, String> {
    let (from_cycle, rest) = from_cycle(s)?;
    let (drug, days) = super::args::days_for(rest)?;
    Ok(DayListChange {
        from_cycle,
        drug,
        days,
    })
}

fn level_from(s: &str) -> Result<DoseChange, String> {
    let (from_cycle, rest) = from_cycle(s)?;
    let (drug, level) = super::args::level(rest)?;
    Ok(DoseChange {
        from_cycle,
        drug,
        reduction: Reduction::Level(level),
    })
}

fn reduce_from(s: &str) -> Result<DoseChange, String> {
    let (from_cycle, rest) = from_cycle(s)?;
    let (drug, p) = super::args::percent_for(rest)?;
    Ok(DoseChange {
        from_cycle,
        drug,
        reduction: Reduction::Percent(p),
    })
}

/// The time the output is made, for iCalendar DTSTAMP: `SOURCE_DATE_EPOCH`
/// when set (reproducible builds), else now.
pub(super) fn generated_at() -> Option<chrono::DateTime<chrono::Utc>> {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_secs()).ok())
        })?;
    chrono::DateTime::from_timestamp(secs, 0)
}

/// The course on the calendar (`chemodose::course`): from `--course-id`, else
/// from `--patient-id`, the regimen and `--start` (day 1 as planned; delays
/// are given apart and keep it). A calendar without either is refused: its
/// events would share UIDs with any other patient's course of the same
/// regimen from the same day, and a shared calendar would merge them.
fn course(
    a: &ScheduleArgs,
    regimen_id: &str,
    options: &ScheduleOptions,
) -> Result<Option<Course>, InputError> {
    let identity = match (&a.course_id, &a.patient_id) {
        (Some(id), _) => CourseIdentity::Given(id),
        (None, Some(patient_id)) => CourseIdentity::Patient {
            patient_id,
            regimen_id,
            planned_start: a.start,
        },
        (None, None) if a.format == ScheduleFormat::Ics => {
            return Err(InputError(
                "--format ics needs --patient-id ID or --course-id ID: the calendar's event UIDs \
                 must be unique to one patient's course, or a shared calendar merges two \
                 patients' events; give the same id again to update the events of a delayed course"
                    .to_owned(),
            ));
        }
        (None, None) => return Ok(None),
    };
    Ok(Some(Course {
        key: CourseKey::of(&identity),
        revisions: Revisions::of(options),
    }))
}

/// `chemodose schedule`, its JSON (`--format json`) laid out as `layout`
/// says.
pub fn run(a: ScheduleArgs, layout: super::output::JsonLayout) -> Result<Report, Failure> {
    let entry = a.lib.regimen(&a.regimen)?;
    let resolved = a.patient.resolve(
        &a.lib,
        &entry.regimen,
        super::dose::Dosing::Schedule {
            regimen: &entry.regimen.id,
            start: a.start,
        },
    )?;
    let (holidays, holiday_files) = holidays(&a)?;
    let mut delays = BTreeMap::new();
    for (c, d) in &a.delay {
        *delays.entry(*c).or_insert(0) += d;
    }
    let mut changes: Vec<DoseChange> = Vec::new();
    for change in a.level_from.iter().chain(&a.reduce_from) {
        if let Some(earlier) = changes
            .iter()
            .find(|c| c.from_cycle == change.from_cycle && c.drug == change.drug)
        {
            return Err(InputError(super::dose::conflicting_reductions(
                &format!("{}=", change.from_cycle),
                (&earlier.drug, &earlier.reduction),
                (&change.drug, &change.reduction),
            ))
            .into());
        }
        changes.push(change.clone());
    }
    let sched = ScheduleOptions {
        start: Some(a.start),
        cycles: a.patient.dose.cycles,
        delays,
        changes,
        day_changes: a.days_from.clone(),
        holidays,
    };
    let schedule = build_schedule(&entry.regimen, &resolved.patient, &resolved.options, &sched)
        .map_err(|e| match e {
            ScheduleError::Dose(d) => dose_failure(d),
            other => Failure::Input(InputError(super::hints::with_hint(
                &other.to_string(),
                super::hints::schedule_hint(&other),
            ))),
        })?;
    // A birth date on or after day 1 of the course is a typo (often the
    // start date typed twice): the page would identify no one.
    if let Some(dob) = a.dob
        && dob >= a.start
    {
        return Err(InputError(format!(
            "--dob {dob} is not before the course start {}: write the patient's date of birth (YYYY-MM-DD)",
            a.start
        ))
        .into());
    }
    // The page names the history's patient unless the command line does;
    // a name or MRN that contradicts the history's is another patient.
    let (history_name, history_mrn) = resolved.identity.clone();
    for (flag, typed, recorded) in [
        ("--patient-name", &a.patient_name, &history_name),
        ("--mrn", &a.mrn, &history_mrn),
    ] {
        if let (Some(t), Some(r)) = (typed, recorded)
            && !chemodose::patient::same_identity(t, r)
        {
            return Err(InputError(format!(
                "{flag} `{t}` is not the history's (`{r}`): the history may be another patient's; check the patient and the history file"
            ))
            .into());
        }
    }
    let ctx = RenderContext {
        patient_id: a.patient_id.clone(),
        generated: generated_at(),
        course: course(&a, &entry.regimen.id, &sched)?,
        regimen_source: Some(entry.source.clone()),
        identity: PrintedIdentity {
            name: a.patient_name.clone().or(history_name),
            mrn: a.mrn.clone().or(history_mrn),
            birth_date: a.dob,
        },
        paper: super::settings::value(
            a.paper.map(|p| match p {
                PaperArg::A4 => Paper::A4,
                PaperArg::Letter => Paper::Letter,
            }),
            |c| &c.paper,
            Paper::default(),
        ),
    };
    use super::settings::{Stamp, stamp};
    let text = match a.format {
        // The history's warnings head the printable outputs, where they are read.
        ScheduleFormat::Text => {
            let mut text = String::new();
            for (code, words) in &resolved.warnings {
                text.push_str(&format!("WARNING ({code}): {words}\n\n"));
            }
            stamp(Stamp::Text, text + &schedule_text(&schedule, &ctx))
        }
        ScheduleFormat::Md => {
            let mut text = String::new();
            for (code, words) in &resolved.warnings {
                text.push_str(&format!(
                    "**WARNING ({code}): {}**\n\n",
                    chemodose::render::escape::markdown(words)
                ));
            }
            stamp(Stamp::Markdown, text + &schedule_markdown(&schedule, &ctx))
        }
        ScheduleFormat::Html => {
            let html = schedule_html(&schedule, &ctx);
            let mut block = String::new();
            for (code, words) in &resolved.warnings {
                block.push_str(&format!(
                    "<div class=\"warnings\"><strong>WARNING ({code}): {}</strong></div>\n",
                    chemodose::render::schedule::html::escape(words)
                ));
            }
            let html = match html.find("<body>\n") {
                Some(i) if !block.is_empty() => {
                    let at = i + "<body>\n".len();
                    format!("{}{block}{}", &html[..at], &html[at..])
                }
                _ => html,
            };
            stamp(Stamp::Html, html)
        }
        ScheduleFormat::Csv => schedule_csv(&schedule, &ctx),
        ScheduleFormat::Json => {
            let mut json = schedule_json(&schedule, &ctx);
            if let Some(list) = json.get_mut("warnings").and_then(|w| w.as_array_mut()) {
                for (i, (code, words)) in resolved.warnings.iter().enumerate() {
                    list.insert(i, serde_json::json!({ "code": code, "message": words }));
                }
            }
            super::settings::stamp_json(&mut json);
            super::output::json_text(&json, layout)?
        }
        ScheduleFormat::Ics => schedule_ics(&schedule, &ctx),
        // A FHIR Bundle holds FHIR elements only: the settings and history
        // warnings are named on standard error (docs/fhir.md).
        ScheduleFormat::Fhir => {
            let bundle = chemodose::fhir::export::schedule::schedule_bundle(&schedule, &ctx);
            serde_json::to_string_pretty(&bundle).map_err(InputError::from)? + "\n"
        }
    };
    let history_warnings = resolved.warning_lines();
    let mut notes = resolved.notes.clone();
    // CSV and iCalendar hold records only: the configuration is named on
    // standard error.
    if matches!(
        a.format,
        ScheduleFormat::Csv | ScheduleFormat::Ics | ScheduleFormat::Fhir
    ) {
        notes.extend(super::settings::note());
    }
    if entry.source.differs_from_bundled() {
        notes.extend(chemodose::render::provenance::replaces_line(&entry.source));
    }
    notes.extend(super::dose::unused_overrides(
        &resolved.options,
        schedule.overridden.iter(),
    ));
    match &a.output {
        Some(path) => {
            let mut inputs = a.lib.files_read(Some(&a.regimen));
            inputs.extend(a.patient.files_read());
            inputs.extend(holiday_files.iter().cloned());
            if a.format == ScheduleFormat::Csv {
                // The CSV holds records only; its provenance goes beside it.
                let side = write_csv_with_side_file(path, text.as_bytes(), &entry.source, &inputs)?;
                notes.push(format!("wrote {} and {}", path.display(), side.display()));
            } else {
                write_atomically(path, text.as_bytes(), &inputs)?;
                notes.push(format!("wrote {}", path.display()));
            }
            Ok(Report {
                stdout: String::new(),
                notes,
                problem: false,
                warnings: history_warnings,
            })
        }
        None => {
            if a.format == ScheduleFormat::Csv {
                // No file to put beside standard output: the provenance
                // goes to standard error.
                notes.extend(chemodose::render::provenance::source_lines(&entry.source));
            }
            Ok(Report {
                stdout: text,
                notes,
                problem: false,
                warnings: history_warnings,
            })
        }
    }
}

/// Writes a CSV output and its side file `<output>.provenance.json`
/// (`render::provenance::side_file_json`), both whole or neither: both
/// targets are checked before either is renamed into place.
fn write_csv_with_side_file(
    path: &std::path::Path,
    bytes: &[u8],
    source: &chemodose::regimen::RegimenSource,
    inputs: &[PathBuf],
) -> Result<PathBuf, InputError> {
    use std::io::Write as _;
    let mut side = path.as_os_str().to_owned();
    side.push(".provenance.json");
    let side = PathBuf::from(side);
    let described = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let json = chemodose::render::provenance::side_file_json(&described, bytes, source);
    let json = serde_json::to_string_pretty(&json)? + "\n";
    let mut csv = AtomicFile::create(path, inputs)?;
    let mut meta = AtomicFile::create(&side, inputs)?;
    csv.file()
        .write_all(bytes)
        .map_err(|e| write_error(path, &e))?;
    meta.file()
        .write_all(json.as_bytes())
        .map_err(|e| write_error(&side, &e))?;
    csv.commit()?;
    meta.commit()?;
    Ok(side)
}
