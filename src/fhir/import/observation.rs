//! One Observation of a bundle read into a measurement or a laboratory
//! result, and the latest of each measurement chosen.
//!
//! Owns: what makes an Observation usable (status final, amended or
//! corrected; a LOINC code chemodose reads; a `valueQuantity` in UCUM, with
//! the reference range's upper limit for a lab; a full
//! `effectiveDateTime`), and the choice of the latest result per
//! measurement (a later date, else a later instant; two on the same date
//! and instant are refused). Never does: read the Patient or check the
//! subject (the bundle's reader, `mod.rs`, does).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::Value;
use uom::si::f64::{Length, Mass, MassConcentration};

use super::{Dated, FhirError, FhirRecord, Problem, kind, resource_error};
use crate::fhir::codes::{Measurement, ObservationCode, observation};
use crate::fhir::model::{LOINC, UCUM};
use crate::labs::{LabOrigin, LabResult};
use crate::quantity::{
    LabValue, parse_height, parse_lab, parse_serum_creatinine, parse_uln, parse_weight,
};

/// One Observation read, before the latest is chosen.
pub(super) struct Reading {
    pub(super) measurement: Measurement,
    value: Read,
    date: NaiveDate,
    instant: Option<DateTime<FixedOffset>>,
    pub(super) resource: String,
    pub(super) subject: String,
}

enum Read {
    Height(Length),
    Weight(Mass),
    Creatinine(MassConcentration),
    Lab(LabValue, Option<f64>),
}

/// An Observation's status: `Ok(true)` to read it, `Ok(false)` to leave it
/// (entered in error, cancelled), or the refusal.
fn usable_status(label: &str, obj: &serde_json::Map<String, Value>) -> Result<bool, FhirError> {
    let status = obj.get("status").and_then(Value::as_str).ok_or_else(|| {
        resource_error(
            label,
            "status",
            Problem::Missing {
                needed: "a result's status says whether it can be used",
            },
        )
    })?;
    match status {
        "final" | "amended" | "corrected" => Ok(true),
        "entered-in-error" | "cancelled" => Ok(false),
        other => Err(resource_error(
            label,
            "status",
            Problem::Status {
                status: other.to_owned(),
            },
        )),
    }
}

/// The LOINC code of an Observation chemodose reads.
fn code_of(
    label: &str,
    obj: &serde_json::Map<String, Value>,
) -> Result<&'static ObservationCode, FhirError> {
    let codings = obj
        .get("code")
        .and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut found = Vec::new();
    for c in &codings {
        let system = c.get("system").and_then(Value::as_str).unwrap_or("");
        let code = c.get("code").and_then(Value::as_str).unwrap_or("");
        if system == LOINC
            && let Some(o) = observation(code)
        {
            return Ok(o);
        }
        found.push(format!("{system}|{code}"));
    }
    let codes = if found.is_empty() {
        "no coded code".to_owned()
    } else {
        found.join(", ")
    };
    Err(resource_error(
        label,
        "code.coding",
        Problem::UnknownCode {
            codes,
            known: crate::fhir::codes::OBSERVATIONS
                .iter()
                .map(|o| o.code)
                .collect::<Vec<_>>()
                .join(", "),
        },
    ))
}

pub(super) fn read_observation(
    label: &str,
    obj: &serde_json::Map<String, Value>,
) -> Result<Option<Reading>, FhirError> {
    if !usable_status(label, obj)? {
        return Ok(None);
    }
    let code = code_of(label, obj)?;
    let subject = obj
        .get("subject")
        .and_then(|s| s.get("reference"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            resource_error(
                label,
                "subject.reference",
                Problem::Missing {
                    needed: "a result must say whose it is",
                },
            )
        })?
        .to_owned();
    let (date, instant) = effective(label, obj)?;
    let quantity = match obj.get("valueQuantity") {
        Some(q) => q,
        None => {
            let found = obj
                .keys()
                .find(|k| k.starts_with("value"))
                .cloned()
                .or_else(|| {
                    obj.get("dataAbsentReason").map(|r| {
                        format!(
                            "absent ({})",
                            r.get("text")
                                .and_then(Value::as_str)
                                .unwrap_or("dataAbsentReason")
                        )
                    })
                })
                .unwrap_or_else(|| "absent".to_owned());
            return Err(resource_error(
                label,
                "value[x]",
                Problem::NotAQuantity { found },
            ));
        }
    };
    let text = quantity_text(label, "valueQuantity", quantity, code)?;
    let value = match code.measurement {
        Measurement::Height => {
            Read::Height(parse_height(&text).map_err(|e| value_error(label, &e))?)
        }
        Measurement::Weight => {
            Read::Weight(parse_weight(&text).map_err(|e| value_error(label, &e))?)
        }
        Measurement::SerumCreatinine => {
            Read::Creatinine(parse_serum_creatinine(&text).map_err(|e| value_error(label, &e))?)
        }
        Measurement::Lab(lab) => {
            let v = parse_lab(lab, &text).map_err(|e| value_error(label, &e))?;
            let uln = if lab.uln_based() {
                uln(label, obj, code)?
            } else {
                None
            };
            Read::Lab(v, uln)
        }
    };
    Ok(Some(Reading {
        measurement: code.measurement,
        value,
        date,
        instant,
        resource: label.to_owned(),
        subject,
    }))
}

fn value_error(label: &str, e: &dyn std::fmt::Display) -> FhirError {
    resource_error(label, "valueQuantity.value", Problem::Value(e.to_string()))
}

/// The reference range's upper limit, as the ULN of a lab read against one:
/// the first `referenceRange` with a `high`; `None` without one.
fn uln(
    label: &str,
    obj: &serde_json::Map<String, Value>,
    code: &ObservationCode,
) -> Result<Option<f64>, FhirError> {
    let Measurement::Lab(lab) = code.measurement else {
        return Ok(None);
    };
    let ranges = obj.get("referenceRange").and_then(Value::as_array);
    let Some((i, high)) = ranges
        .into_iter()
        .flatten()
        .enumerate()
        .find_map(|(i, r)| r.get("high").map(|h| (i, h)))
    else {
        return Ok(None);
    };
    let element = format!("referenceRange[{i}].high");
    let text = quantity_text(label, &element, high, code)?;
    parse_uln(lab, &text)
        .map(Some)
        .map_err(|e| resource_error(label, &element, Problem::Value(e.to_string())))
}

/// A Quantity as the text chemodose's parser takes: its number as written
/// and the unit text for its UCUM code.
fn quantity_text(
    label: &str,
    element: &str,
    q: &Value,
    code: &ObservationCode,
) -> Result<String, FhirError> {
    let at = |sub: &str| format!("{element}.{sub}");
    if let Some(c) = q.get("comparator") {
        return Err(resource_error(
            label,
            &at("comparator"),
            Problem::Comparator {
                comparator: c.as_str().unwrap_or("?").to_owned(),
            },
        ));
    }
    let number = match q.get("value") {
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(resource_error(
                label,
                &at("value"),
                Problem::WrongType {
                    expected: "a number",
                    found: kind(other),
                },
            ));
        }
        None => {
            return Err(resource_error(
                label,
                &at("value"),
                Problem::Missing {
                    needed: "a result needs its number",
                },
            ));
        }
    };
    let system = q.get("system").and_then(Value::as_str);
    let unit = q.get("code").and_then(Value::as_str);
    let (Some(UCUM), Some(unit)) = (system, unit) else {
        let got = match (system, unit, q.get("unit").and_then(Value::as_str)) {
            (None, None, Some(u)) => format!("only the display unit `{u}`, no code"),
            (s, c, _) => format!(
                "system {}, code {}",
                s.unwrap_or("(none)"),
                c.unwrap_or("(none)")
            ),
        };
        return Err(resource_error(
            label,
            &at("system"),
            Problem::NotUcum { got },
        ));
    };
    let Some((_, text)) = code.units.iter().find(|(u, _)| *u == unit) else {
        return Err(resource_error(
            label,
            &at("code"),
            Problem::UnknownUnit {
                unit: unit.to_owned(),
                what: code.measurement.label(),
                accepted: code
                    .units
                    .iter()
                    .map(|(u, _)| *u)
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        ));
    };
    Ok(format!("{number}{text}"))
}

/// `effectiveDateTime`: its date as written, and the instant when it has a
/// time with a zone.
fn effective(
    label: &str,
    obj: &serde_json::Map<String, Value>,
) -> Result<(NaiveDate, Option<DateTime<FixedOffset>>), FhirError> {
    let Some(v) = obj.get("effectiveDateTime") else {
        return Err(resource_error(
            label,
            "effectiveDateTime",
            Problem::Missing {
                needed: "the date measured is printed beside the value and judged against the treatment date",
            },
        ));
    };
    let text = v.as_str().unwrap_or_default();
    let date = text
        .get(..10)
        .filter(|_| text.len() == 10 || text.as_bytes().get(10) == Some(&b'T'))
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .and_then(|d| crate::dates::check_date(d).ok())
        .ok_or_else(|| {
            resource_error(
                label,
                "effectiveDateTime",
                Problem::Date {
                    text: v.to_string(),
                },
            )
        })?;
    Ok((date, DateTime::parse_from_rfc3339(text).ok()))
}

/// The latest reading of each measurement into `record`.
pub(super) fn latest(
    path: &str,
    readings: Vec<Reading>,
    record: &mut FhirRecord,
) -> Result<(), FhirError> {
    let mut best: BTreeMap<Measurement, Reading> = BTreeMap::new();
    for r in readings {
        match best.get(&r.measurement) {
            None => {
                best.insert(r.measurement, r);
            }
            Some(held) if r.date != held.date => {
                if r.date > held.date {
                    best.insert(r.measurement, r);
                }
            }
            Some(held) => match (r.instant, held.instant) {
                (Some(a), Some(b)) if a != b => {
                    if a > b {
                        best.insert(r.measurement, r);
                    }
                }
                _ => {
                    return Err(resource_error(
                        &r.resource,
                        "effectiveDateTime",
                        Problem::SameDate {
                            what: r.measurement.label(),
                            date: r.date,
                            other: held.resource.clone(),
                        },
                    ));
                }
            },
        }
    }
    for (_, r) in best {
        let (date, resource) = (r.date, r.resource.clone());
        match r.value {
            Read::Height(value) => {
                record.height = Some(Dated {
                    value,
                    date,
                    resource,
                })
            }
            Read::Weight(value) => {
                record.weight = Some(Dated {
                    value,
                    date,
                    resource,
                })
            }
            Read::Creatinine(value) => {
                record.serum_creatinine = Some(Dated {
                    value,
                    date,
                    resource,
                });
            }
            Read::Lab(value, uln) => {
                let Measurement::Lab(lab) = r.measurement else {
                    continue;
                };
                record.labs.push(LabResult {
                    lab,
                    value,
                    uln,
                    date: Some(date),
                    origin: LabOrigin::Fhir {
                        path: path.to_owned(),
                        resource,
                    },
                });
            }
        }
    }
    Ok(())
}
