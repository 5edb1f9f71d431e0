//! `chemodose history new FILE --patient-id ID`: a new history file, checked
//! by the history loader before it is written, atomically and never over an
//! existing file.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use chemodose::history::new::{FirstMeasurement, NewHistory, new_history};
use chemodose::history::parse_history;
use chemodose::patient::Sex;

use super::output::write_atomically;
use super::regimens::LibraryArgs;
use super::{Failure, InputError, Report, args, diagnostics};

/// `history new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The history file to create: history.toml. Refused when it exists.
    file: PathBuf,
    /// The site's id for the patient: a pseudonym (P-0042) or the MRN.
    #[arg(long, value_name = "ID", value_parser = args::plain)]
    patient_id: String,
    /// The patient's name, written into the file (which then identifies
    /// the patient): "Jane Doe". Leave it out for a pseudonymous history.
    #[arg(long, alias = "name", value_name = "NAME", value_parser = args::plain)]
    patient_name: Option<String>,
    /// The medical record number, written into the file; order
    /// verification checks it against the order's: 0012345.
    #[arg(long, value_name = "MRN", value_parser = args::plain)]
    mrn: Option<String>,
    /// female or male.
    #[arg(long, value_parser = args::sex)]
    sex: Option<Sex>,
    /// The date of birth, YYYY-MM-DD; the file keeps its year
    /// (`birth_year`), from which ages are counted.
    #[arg(long, value_name = "DATE", value_parser = args::date)]
    dob: Option<NaiveDate>,
    /// Height with a unit, for a first measurement: 170cm, 67in.
    #[arg(long, allow_hyphen_values = true, value_parser = typed(args::height))]
    height: Option<String>,
    /// Weight with a unit, for a first measurement: 70kg, 154lb.
    #[arg(long, allow_hyphen_values = true, value_parser = typed(args::weight))]
    weight: Option<String>,
    /// The date height and weight were measured (default: today).
    #[arg(long, value_name = "DATE", value_parser = args::date)]
    date: Option<NaiveDate>,
    #[command(flatten)]
    lib: LibraryArgs,
}

/// A value read by `parser` (the one every command uses), kept as typed.
fn typed<T>(
    parser: fn(&str) -> Result<T, String>,
) -> impl Fn(&str) -> Result<String, String> + Clone {
    move |s: &str| parser(s).map(|_| s.trim().to_owned())
}

/// `chemodose history new`.
pub fn run(a: NewArgs) -> Result<Report, Failure> {
    if a.patient_id.trim().is_empty() {
        return Err(InputError(
            "--patient-id is blank: give the site's id for the patient (a pseudonym, or the MRN)"
                .to_owned(),
        )
        .into());
    }
    if a.file.exists() {
        return Err(InputError(format!(
            "{} exists already and was left as it is: `history new` never replaces a history. Give a new file name, or add to this one (`history start-line`, `history record`)",
            a.file.display()
        ))
        .into());
    }
    if a.date.is_some() && a.height.is_none() && a.weight.is_none() {
        return Err(InputError(
            "--date is the date of a first measurement: give --height and/or --weight with it"
                .to_owned(),
        )
        .into());
    }
    let measurement = (a.height.is_some() || a.weight.is_some()).then(|| FirstMeasurement {
        date: a.date.unwrap_or_else(super::today),
        height: a.height.clone(),
        weight: a.weight.clone(),
    });
    if let (Some(dob), Some(m)) = (a.dob, &measurement)
        && dob > m.date
    {
        return Err(InputError(format!(
            "--dob {dob} is after the measurement date {}: write the patient's date of birth",
            m.date
        ))
        .into());
    }
    let text = new_history(&NewHistory {
        patient_id: a.patient_id.clone(),
        name: a.patient_name.clone(),
        mrn: a.mrn.clone(),
        sex: a.sex,
        birth_date: a.dob,
        measurement,
    })
    .map_err(|e| InputError(format!("{}: {e}", a.file.display())))?;
    // The loader every command uses checks the text before it is written.
    let (library, _) = a.lib.library()?;
    parse_history(&a.file.display().to_string(), &text, &library)
        .map_err(|e| InputError(diagnostics::render(&e)))?;
    write_atomically(&a.file, text.as_bytes(), &[])?;
    let mut notes = vec![format!(
        "wrote {}; start a line with `chemodose history start-line {} --regimen ID --date DATE`",
        a.file.display(),
        a.file.display()
    )];
    if let Some(dob) = a.dob {
        notes.push(format!(
            "the history keeps the year of birth (birth_year = {})",
            chrono::Datelike::year(&dob)
        ));
    }
    Ok(Report {
        notes,
        ..Report::default()
    })
}
