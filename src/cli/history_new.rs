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
    /// A FHIR R4 Bundle (or NDJSON) of the patient: the Patient's gender
    /// and birth date, and the latest height and weight with their dates,
    /// where the flags do not give them (a flag wins). The name and MRN are
    /// never taken from it (docs/fhir.md).
    #[arg(long, value_name = "BUNDLE")]
    fhir: Option<PathBuf>,
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
    let mut notes = Vec::new();
    let mut sex = a.sex;
    let mut dob = a.dob;
    let mut measurements: Vec<FirstMeasurement> = Vec::new();
    if a.height.is_some() || a.weight.is_some() {
        measurements.push(FirstMeasurement {
            date: a.date.unwrap_or_else(super::today),
            height: a.height.clone(),
            weight: a.weight.clone(),
        });
    }
    if let Some(path) = &a.fhir {
        let from = from_bundle(path, &a, &mut notes)?;
        sex = sex.or(from.sex);
        dob = dob.or(from.birth_date);
        for m in from.measurements {
            match measurements.iter_mut().find(|x| x.date == m.date) {
                Some(x) => {
                    x.height = x.height.take().or(m.height);
                    x.weight = x.weight.take().or(m.weight);
                }
                None => measurements.push(m),
            }
        }
        measurements.sort_by_key(|m| m.date);
    }
    if let Some(dob) = dob
        && let Some(m) = measurements.iter().find(|m| dob > m.date)
    {
        return Err(InputError(format!(
            "the date of birth {dob} is after the measurement date {}: write the patient's date of birth",
            m.date
        ))
        .into());
    }
    let text = new_history(&NewHistory {
        patient_id: a.patient_id.clone(),
        name: a.patient_name.clone(),
        mrn: a.mrn.clone(),
        sex,
        birth_date: dob,
        measurements,
    })
    .map_err(|e| InputError(format!("{}: {e}", a.file.display())))?;
    // The loader every command uses checks the text before it is written.
    let (library, _) = a.lib.library()?;
    parse_history(&a.file.display().to_string(), &text, &library)
        .map_err(|e| InputError(diagnostics::render(&e)))?;
    let inputs: Vec<PathBuf> = a.fhir.iter().cloned().collect();
    write_atomically(&a.file, text.as_bytes(), &inputs)?;
    notes.push(format!(
        "wrote {}; start a line with `chemodose history start-line {} --regimen ID --date DATE`",
        a.file.display(),
        a.file.display()
    ));
    if let Some(dob) = dob {
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

/// What a bundle adds to a new history.
struct FromBundle {
    sex: Option<Sex>,
    birth_date: Option<NaiveDate>,
    measurements: Vec<FirstMeasurement>,
}

/// The Patient's sex and birth date, and the latest height and weight, each
/// where the flags do not give it; the notes name each resource used, and
/// each the flags replaced. Height and weight are written in cm and kg, to
/// at most 4 decimals (the bundle's own unit is converted by the quantity
/// parsers: 67 in is 170.18 cm).
fn from_bundle(
    path: &std::path::Path,
    a: &NewArgs,
    notes: &mut Vec<String>,
) -> Result<FromBundle, InputError> {
    let shown = path.display().to_string();
    let record = super::fhir::read(path)?;
    let mut used = Vec::new();
    let mut replaced = Vec::new();
    let mut out = FromBundle {
        sex: None,
        birth_date: None,
        measurements: Vec::new(),
    };
    let figure = |v: f64, unit: &str| -> Result<String, InputError> {
        chemodose::rounding::to_decimal(v)
            .map(|d| format!("{}{unit}", d.round_dp(4).normalize()))
            .ok_or_else(|| InputError(format!("{shown}: a {unit} value cannot be written")))
    };
    if let Some(p) = &record.patient {
        match (a.sex, record.sex) {
            (Some(_), Some(_)) => replaced.push(format!("--sex (not {p}.gender)")),
            (None, Some(s)) => {
                out.sex = Some(s);
                used.push(format!("sex {s} from {p}.gender"));
            }
            _ => {}
        }
        match (a.dob, record.birth_date) {
            (Some(_), Some(_)) => replaced.push(format!("--dob (not {p}.birthDate)")),
            (None, Some(b)) => {
                out.birth_date = Some(b);
                used.push(format!("date of birth {b} from {p}.birthDate"));
            }
            _ => {}
        }
    }
    let mut add = |date: NaiveDate, height: Option<String>, weight: Option<String>| match out
        .measurements
        .iter_mut()
        .find(|m| m.date == date)
    {
        Some(m) => {
            m.height = m.height.take().or(height);
            m.weight = m.weight.take().or(weight);
        }
        None => out.measurements.push(FirstMeasurement {
            date,
            height,
            weight,
        }),
    };
    if let Some(h) = &record.height {
        if a.height.is_some() {
            replaced.push(format!("--height (not {} ({}))", h.resource, h.date));
        } else {
            add(
                h.date,
                Some(figure(chemodose::quantity::cm(h.value), "cm")?),
                None,
            );
            used.push(format!("height {} ({})", h.resource, h.date));
        }
    }
    if let Some(w) = &record.weight {
        if a.weight.is_some() {
            replaced.push(format!("--weight (not {} ({}))", w.resource, w.date));
        } else {
            add(
                w.date,
                None,
                Some(figure(chemodose::quantity::kg(w.value), "kg")?),
            );
            used.push(format!("weight {} ({})", w.resource, w.date));
        }
    }
    if !used.is_empty() {
        notes.push(format!("from {shown}: {}", used.join("; ")));
    }
    if !replaced.is_empty() {
        notes.push(format!(
            "given on the command line, so used instead of {shown}: {}",
            replaced.join("; ")
        ));
    }
    notes.push(format!(
        "{shown}: the name and MRN are never taken from a bundle (give --patient-name and --mrn to identify the patient); its laboratory results are not written into a history"
    ));
    Ok(out)
}
