//! A FHIR R4 Bundle (or NDJSON of resources) read into a patient's
//! measurements and laboratory results.
//!
//! Owns: which resources are read (one Patient; Observations coded in
//! LOINC, [`super::codes::OBSERVATIONS`]), the patient as every
//! Observation's subject, and [`FhirError`], which names the resource and
//! element of every refusal. One Observation read, and the latest result
//! per measurement: `observation.rs`.
//! Never does: read a file (the caller reads it through [`crate::files`]),
//! convert a unit itself (the UCUM code becomes the unit text chemodose's
//! parsers take), decide precedence against the command line, or read the
//! clock (an age is computed on a date handed in, [`age_on`]).

use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use uom::si::f64::{Length, Mass, MassConcentration};

use super::model::UCUM;
use crate::labs::LabResult;
use crate::patient::Sex;

mod observation;

use observation::{latest, read_observation};

/// The largest bundle read, bytes (as [`crate::files::FHIR_MAX_BYTES`]).
pub const MAX_FILE_BYTES: usize = crate::files::FHIR_MAX_BYTES as usize;

/// Why a bundle, or one of its resources, was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FhirError {
    /// Not JSON (or a line of NDJSON that is not), with where.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's reason.
        message: String,
    },
    /// The top level is not a Bundle.
    #[error(
        "the top level is {found}, not a FHIR Bundle: give a Bundle (\"resourceType\": \"Bundle\") or an NDJSON file (.ndjson) of resources"
    )]
    NotABundle {
        /// What it is: `a Patient`, `an array`.
        found: String,
    },
    /// Larger than [`MAX_FILE_BYTES`].
    #[error("the bundle is {size} bytes, over the limit of {MAX_FILE_BYTES} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// A resource or one of its elements.
    #[error("{resource}: {element}: {problem}")]
    Resource {
        /// `Observation/anc-1`, or `entry 3` for one without an id.
        resource: String,
        /// The element: `valueQuantity.code`.
        element: String,
        /// What is wrong with it.
        problem: Problem,
    },
}

/// What is wrong with an element of a resource.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// Not there, and needed.
    #[error("missing; {needed}")]
    Missing {
        /// Why it is needed.
        needed: &'static str,
    },
    /// Of the wrong JSON type.
    #[error("is {found}, not {expected}")]
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// Coded, but with no LOINC code chemodose reads.
    #[error(
        "{codes} is not an observation chemodose reads; the LOINC codes read are {known} (docs/fhir.md); remove the Observation from the bundle, or give its value on the command line"
    )]
    UnknownCode {
        /// The codes found, as `system|code`.
        codes: String,
        /// The codes read.
        known: String,
    },
    /// A unit outside UCUM, or with no code.
    #[error("the unit must be a UCUM code (system {UCUM}); got {got}")]
    NotUcum {
        /// What was found.
        got: String,
    },
    /// A UCUM unit this observation is not read in.
    #[error("`{unit}` is not a unit {what} is read in; accepted UCUM codes: {accepted}")]
    UnknownUnit {
        /// The UCUM code.
        unit: String,
        /// The measurement.
        what: &'static str,
        /// The accepted codes.
        accepted: String,
    },
    /// A bound (`<`, `>`) rather than a measurement.
    #[error(
        "the value is a bound (comparator `{comparator}`), not a measurement: chemodose does not dose on it"
    )]
    Comparator {
        /// The comparator.
        comparator: String,
    },
    /// The value as chemodose's parser refused it (its message).
    #[error("{0}")]
    Value(String),
    /// A status whose results are not used for a dose.
    #[error("status `{status}`: only final, amended or corrected results are used for a dose")]
    Status {
        /// The status.
        status: String,
    },
    /// An Observation with another value type.
    #[error("the value is {found}, not a valueQuantity")]
    NotAQuantity {
        /// The element found (`valueString`), or `absent` with its reason.
        found: String,
    },
    /// Not a full date (a year, a month, or not a date).
    #[error("`{text}` is not a full date (YYYY-MM-DD, or a dateTime) within 1900-2199")]
    Date {
        /// As written.
        text: String,
    },
    /// A second Patient.
    #[error("a second Patient; the bundle already has {first}: give one patient's bundle")]
    SecondPatient {
        /// The first.
        first: String,
    },
    /// An Observation of someone else.
    #[error("`{reference}` is not the bundle's patient ({patient}): give one patient's bundle")]
    OtherSubject {
        /// The subject as written.
        reference: String,
        /// The patient it should be.
        patient: String,
    },
    /// Two results of one measurement that cannot be ordered.
    #[error(
        "a second {what} result on {date} ({other} is the other); keep one, or give both a time"
    )]
    SameDate {
        /// The measurement.
        what: &'static str,
        /// The date.
        date: NaiveDate,
        /// The other resource.
        other: String,
    },
    /// A gender FHIR does not define.
    #[error("`{0}` is not a FHIR administrative gender (female, male, other, unknown)")]
    Gender(String),
}

/// A value with the date and resource it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Dated<T> {
    /// The value.
    pub value: T,
    /// The date measured (`effectiveDateTime`'s date, as written).
    pub date: NaiveDate,
    /// The resource: `Observation/height-1`.
    pub resource: String,
}

/// What a bundle says about the patient: the latest result of each
/// measurement, with its date and resource.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FhirRecord {
    /// The Patient resource, where the bundle has one.
    pub patient: Option<String>,
    /// The gender as written (`female`, `male`, `other`, `unknown`).
    pub gender: Option<String>,
    /// Sex for the formulas: from gender `female` or `male` only.
    pub sex: Option<Sex>,
    /// The birth date (a full date only).
    pub birth_date: Option<NaiveDate>,
    /// The latest body height.
    pub height: Option<Dated<Length>>,
    /// The latest body weight.
    pub weight: Option<Dated<Mass>>,
    /// The latest serum creatinine.
    pub serum_creatinine: Option<Dated<MassConcentration>>,
    /// The latest result of each lab, its origin the Observation.
    pub labs: Vec<LabResult>,
    /// Resources not read: other resource types, and Observations entered
    /// in error or cancelled.
    pub not_read: Vec<String>,
}

/// Age in completed years on `on` for a birth date; `None` when `on` is
/// before it.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// Reads a FHIR Bundle (JSON). `path` is the file as named to the user, for
/// the origin of each result.
///
/// # Errors
/// [`FhirError`]: the first problem found, naming the resource and element.
pub fn parse_bundle(path: &str, text: &str) -> Result<FhirRecord, FhirError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(FhirError::TooLarge { size: text.len() });
    }
    let top: Value = serde_json::from_str(text).map_err(|e| json_error(&e, 0))?;
    match top.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {}
        Some(other) => {
            return Err(FhirError::NotABundle {
                found: format!("a {other}"),
            });
        }
        None => {
            return Err(FhirError::NotABundle {
                found: kind(&top).to_owned(),
            });
        }
    }
    let entries = match top.get("entry") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(other) => {
            return Err(resource_error(
                "Bundle",
                "entry",
                Problem::WrongType {
                    expected: "an array",
                    found: kind(other),
                },
            ));
        }
    };
    let mut resources = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let full_url = e.get("fullUrl").and_then(Value::as_str).map(str::to_owned);
        match e.get("resource") {
            Some(r) => resources.push((i + 1, full_url, r.clone())),
            None => {
                return Err(resource_error(
                    &format!("entry {}", i + 1),
                    "resource",
                    Problem::Missing {
                        needed: "every entry holds a resource",
                    },
                ));
            }
        }
    }
    read_resources(path, resources)
}

/// Reads NDJSON: one resource a line (blank lines ignored).
///
/// # Errors
/// As [`parse_bundle`]; a line that is not JSON names its line.
pub fn parse_ndjson(path: &str, text: &str) -> Result<FhirRecord, FhirError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(FhirError::TooLarge { size: text.len() });
    }
    let mut resources = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| json_error(&e, i))?;
        resources.push((i + 1, None, v));
    }
    read_resources(path, resources)
}

fn json_error(e: &serde_json::Error, line_offset: usize) -> FhirError {
    FhirError::Json {
        line: e.line() + line_offset,
        column: e.column(),
        message: e.to_string(),
    }
}

fn resource_error(resource: &str, element: &str, problem: Problem) -> FhirError {
    FhirError::Resource {
        resource: resource.to_owned(),
        element: element.to_owned(),
        problem,
    }
}

/// A JSON value's kind, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn read_resources(
    path: &str,
    resources: Vec<(usize, Option<String>, Value)>,
) -> Result<FhirRecord, FhirError> {
    let mut record = FhirRecord::default();
    // The references that name the patient: `Patient/id` and its fullUrl.
    let mut patient_refs: Vec<String> = Vec::new();
    let mut readings = Vec::new();
    for (n, full_url, r) in resources {
        let Value::Object(obj) = &r else {
            return Err(resource_error(
                &format!("entry {n}"),
                "resource",
                Problem::WrongType {
                    expected: "an object",
                    found: kind(&r),
                },
            ));
        };
        let Some(rtype) = obj.get("resourceType").and_then(Value::as_str) else {
            return Err(resource_error(
                &format!("entry {n}"),
                "resourceType",
                Problem::Missing {
                    needed: "every resource names its type",
                },
            ));
        };
        let id = obj.get("id").and_then(Value::as_str);
        let label = match id {
            Some(id) => format!("{rtype}/{id}"),
            None => format!("{rtype} (entry {n})"),
        };
        match rtype {
            "Patient" => {
                if let Some(first) = &record.patient {
                    return Err(resource_error(
                        &label,
                        "resourceType",
                        Problem::SecondPatient {
                            first: first.clone(),
                        },
                    ));
                }
                read_patient(&label, obj, &mut record)?;
                if let Some(id) = id {
                    patient_refs.push(format!("Patient/{id}"));
                }
                patient_refs.extend(full_url);
                record.patient = Some(label);
            }
            "Observation" => {
                if let Some(reading) = read_observation(&label, obj)? {
                    readings.push(reading);
                } else {
                    record.not_read.push(label);
                }
            }
            _ => record.not_read.push(label),
        }
    }
    // Every Observation is of the bundle's patient (or, without a Patient,
    // of one subject).
    let expected = match (&record.patient, readings.first()) {
        (Some(p), _) => Some((p.clone(), patient_refs)),
        (None, Some(first)) => Some((first.subject.clone(), vec![first.subject.clone()])),
        (None, None) => None,
    };
    if let Some((patient, refs)) = expected {
        for r in &readings {
            if !refs.contains(&r.subject) {
                return Err(resource_error(
                    &r.resource,
                    "subject.reference",
                    Problem::OtherSubject {
                        reference: r.subject.clone(),
                        patient,
                    },
                ));
            }
        }
    }
    latest(path, readings, &mut record)?;
    Ok(record)
}

fn read_patient(
    label: &str,
    obj: &serde_json::Map<String, Value>,
    record: &mut FhirRecord,
) -> Result<(), FhirError> {
    if let Some(g) = obj.get("gender") {
        let g = g.as_str().ok_or_else(|| {
            resource_error(
                label,
                "gender",
                Problem::WrongType {
                    expected: "a string",
                    found: kind(g),
                },
            )
        })?;
        record.sex = match g {
            "female" => Some(Sex::Female),
            "male" => Some(Sex::Male),
            "other" | "unknown" => None,
            _ => {
                return Err(resource_error(
                    label,
                    "gender",
                    Problem::Gender(g.to_owned()),
                ));
            }
        };
        record.gender = Some(g.to_owned());
    }
    if let Some(b) = obj.get("birthDate") {
        let text = b.as_str().unwrap_or_default();
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| crate::dates::check_date(d).ok())
            .ok_or_else(|| {
                resource_error(
                    label,
                    "birthDate",
                    Problem::Date {
                        text: b.to_string(),
                    },
                )
            })?;
        record.birth_date = Some(date);
    }
    Ok(())
}
