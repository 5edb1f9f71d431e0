//! `--fhir FILE` of `dose` and `schedule`: a patient's measurements and
//! laboratory results from a FHIR R4 Bundle (or NDJSON), merged under the
//! command line's.
//!
//! Owns: reading the bundle through the bounded reader (`FileKind::FhirBundle`),
//! the one rule of precedence (a value typed on the command line wins over
//! the bundle's, and the note says so), the notes that name each resource
//! used and its date, and the refusals the library cannot make alone (a
//! date after the treatment date; a liver test without the upper limit of
//! normal its rules read).
//! Never does: parse FHIR (that is [`chemodose::fhir`]) or a unit.

use std::path::Path;

use chrono::NaiveDate;

use chemodose::fhir::{Dated, FhirRecord, age_on, parse_bundle, parse_ndjson};
use chemodose::labs::{LabOrigin, Labs};
use chemodose::quantity::LabValue;

use super::InputError;
use super::dose::PatientArgs;

/// Reads and parses the bundle: NDJSON when the file ends in `.ndjson`, a
/// Bundle otherwise.
pub fn read(path: &Path) -> Result<FhirRecord, InputError> {
    let shown = path.display().to_string();
    let text = chemodose::files::read_text(path, chemodose::files::FileKind::FhirBundle)?;
    let ndjson = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("ndjson"));
    let parsed = if ndjson {
        parse_ndjson(&shown, &text)
    } else {
        parse_bundle(&shown, &text)
    };
    parsed.map_err(|e| InputError(format!("{shown}: {e}")))
}

/// "Observation/h1 (2026-11-28)".
fn named<T>(d: &Dated<T>) -> String {
    format!("{} ({})", d.resource, d.date)
}

/// Refuses a measurement dated after the treatment date.
fn not_after<T>(shown: &str, d: &Dated<T>, on: NaiveDate, what: &str) -> Result<(), InputError> {
    if d.date > on {
        return Err(InputError(format!(
            "{shown}: {}: effectiveDateTime {} is after {what} {on}: a measurement taken after the treatment cannot be used for it",
            d.resource, d.date
        )));
    }
    Ok(())
}

/// The patient's flags with what the bundle adds where a flag was not
/// given; `on` is the treatment date (ages are counted to it, and no
/// measurement may be after it; `what` names it in messages).
pub fn merge_patient(
    path: &Path,
    record: &FhirRecord,
    given: &PatientArgs,
    (on, what): (NaiveDate, &str),
    notes: &mut Vec<String>,
) -> Result<PatientArgs, InputError> {
    let shown = path.display().to_string();
    let mut out = given.clone();
    let mut used = Vec::new();
    let mut overridden = Vec::new();
    if let Some(h) = &record.height {
        not_after(&shown, h, on, what)?;
        if given.height.is_some() {
            overridden.push(format!("--height (not {})", named(h)));
        } else {
            out.height = Some(h.value);
            used.push(format!("height {}", named(h)));
        }
    }
    if let Some(w) = &record.weight {
        not_after(&shown, w, on, what)?;
        if given.weight.is_some() {
            overridden.push(format!("--weight (not {})", named(w)));
        } else {
            out.weight = Some(w.value);
            used.push(format!("weight {}", named(w)));
        }
    }
    // One date for height and weight only when both came from the bundle
    // on the same day; the notes name each date otherwise.
    out.measured_on = match (given.height, given.weight, &record.height, &record.weight) {
        (Some(_), Some(_), _, _) => given.measured_on,
        (None, None, Some(h), Some(w)) if h.date == w.date => Some(h.date),
        _ => None,
    };
    if let Some(c) = &record.serum_creatinine {
        not_after(&shown, c, on, what)?;
        if given.scr.is_some() {
            overridden.push(format!("--scr (not {})", named(c)));
        } else {
            out.scr = Some(c.value);
            out.scr_date = Some(c.date);
            used.push(format!("serum creatinine {}", named(c)));
        }
    }
    if let Some(p) = &record.patient {
        match (given.sex, record.sex, &record.gender) {
            (Some(_), Some(_), _) => overridden.push(format!("--sex (not {p}.gender)")),
            (None, Some(s), _) => {
                out.sex = Some(s);
                used.push(format!("sex {s} from {p}.gender"));
            }
            (None, None, Some(g)) => notes.push(format!(
                "{shown}: {p}.gender is `{g}`: no sex is taken for the formulas that need one (give --sex)"
            )),
            _ => {}
        }
        if let Some(birth) = record.birth_date {
            if given.age.is_some() {
                overridden.push(format!("--age (not {p}.birthDate)"));
            } else {
                let years = age_on(birth, on).ok_or_else(|| {
                    InputError(format!(
                        "{shown}: {p}: birthDate {birth} is after {what} {on}"
                    ))
                })?;
                out.age = Some(chemodose::quantity::parse_age(&years.to_string())?);
                used.push(format!("age {years} on {on} from {p}.birthDate"));
            }
        }
    }
    if !used.is_empty() {
        notes.push(format!("from {shown}: {}", used.join("; ")));
    }
    if !overridden.is_empty() {
        notes.push(format!(
            "given on the command line, so used instead of {shown}: {}",
            overridden.join("; ")
        ));
    }
    if !record.not_read.is_empty() {
        let n = record.not_read.len();
        let mut list: Vec<&str> = record.not_read.iter().take(5).map(String::as_str).collect();
        if n > 5 {
            list.push("...");
        }
        notes.push(format!(
            "{shown}: {n} resource{} not read (not a Patient or an Observation, or entered in error or cancelled): {}",
            if n == 1 { "" } else { "s" },
            list.join(", ")
        ));
    }
    Ok(out)
}

/// The bundle's lab results merged into `labs`: a value typed on the
/// command line wins; against a labs file the latest wins. A liver test
/// (or CPK) from the bundle without the upper limit of normal is refused,
/// naming its `referenceRange.high`, unless the command line gives that lab.
pub fn merge_labs(
    path: &Path,
    record: &FhirRecord,
    labs: &mut Labs,
    notes: &mut Vec<String>,
) -> Result<(), InputError> {
    let shown = path.display().to_string();
    let mut used = Vec::new();
    let mut overridden = Vec::new();
    for r in &record.labs {
        let LabOrigin::Fhir { resource, .. } = &r.origin else {
            continue;
        };
        let date = r.date.map(|d| d.to_string()).unwrap_or_default();
        if labs
            .get(r.lab)
            .is_some_and(|held| held.origin == LabOrigin::CommandLine)
        {
            overridden.push(format!("--{} (not {resource} ({date}))", r.lab.id()));
            continue;
        }
        if labs.insert(r.clone()) {
            if r.lab.uln_based() && r.uln.is_none() && matches!(r.value, LabValue::Measured(_)) {
                return Err(InputError(format!(
                    "{shown}: {resource}: referenceRange.high: missing; the {} rules read it against the upper limit of normal, which must come with the result: add referenceRange.high (in the result's unit), or give --{id} with --{id}-uln on the command line",
                    r.lab.label(),
                    id = r.lab.id()
                )));
            }
            used.push(format!("{} {resource} ({date})", r.lab.label()));
        } else {
            notes.push(format!(
                "{shown}: {resource} ({date}) is older than the {} result of the labs file, which is used",
                r.lab.label()
            ));
        }
    }
    if !used.is_empty() {
        notes.push(format!(
            "laboratory results from {shown}: {}",
            used.join("; ")
        ));
    }
    if !overridden.is_empty() {
        notes.push(format!(
            "given on the command line, so used instead of {shown}: {}",
            overridden.join("; ")
        ));
    }
    Ok(())
}
