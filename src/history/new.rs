//! A new history file's text (`chemodose history new`): the `[patient]`
//! table and, when given, a first `[[measurement]]`, written with
//! `toml_edit` so that every value is quoted as TOML needs. The caller
//! checks the text with [`super::parse_history`] (the same loader as every
//! history) and writes it atomically, never over an existing file.
//!
//! The file identifies the patient only when a name or MRN is given
//! (`docs/history-format.md`); it keeps the year of birth only.

use chrono::{Datelike, NaiveDate};
use toml_edit::{DocumentMut, Item, Table, value};

use super::edit::HistoryEditError;
use crate::patient::Sex;

/// What a new history says about its patient.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewHistory {
    /// The site's id for the patient (a pseudonym, or the MRN).
    pub patient_id: String,
    /// The patient's name, when given.
    pub name: Option<String>,
    /// The medical record number, when given.
    pub mrn: Option<String>,
    /// The sex, when given.
    pub sex: Option<Sex>,
    /// The date of birth, when given: its year is written (`birth_year`).
    pub birth_date: Option<NaiveDate>,
    /// A first measurement: its date and height and weight as typed
    /// (already read by the quantity parsers, `"170cm"`).
    pub measurement: Option<FirstMeasurement>,
}

/// The first `[[measurement]]` of a new history.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstMeasurement {
    /// The day measured.
    pub date: NaiveDate,
    /// Height as typed, with its unit.
    pub height: Option<String>,
    /// Weight as typed, with its unit.
    pub weight: Option<String>,
}

/// The text of a new history file.
///
/// # Errors
/// [`HistoryEditError::Date`] for a date TOML cannot hold.
pub fn new_history(h: &NewHistory) -> Result<String, HistoryEditError> {
    let mut doc = DocumentMut::new();
    let mut patient = Table::new();
    patient["id"] = value(h.patient_id.trim());
    if let Some(n) = &h.name {
        patient["name"] = value(n.trim());
    }
    if let Some(m) = &h.mrn {
        patient["mrn"] = value(m.trim());
    }
    if let Some(sex) = h.sex {
        patient["sex"] = value(match sex {
            Sex::Female => "female",
            Sex::Male => "male",
        });
    }
    if let Some(dob) = h.birth_date {
        patient["birth_year"] = value(i64::from(dob.year()));
    }
    doc["patient"] = Item::Table(patient);
    if let Some(m) = &h.measurement {
        let mut t = Table::new();
        t["date"] = value(
            m.date
                .format("%Y-%m-%d")
                .to_string()
                .parse::<toml_edit::Datetime>()?,
        );
        if let Some(height) = &m.height {
            t["height"] = value(height.trim());
        }
        if let Some(weight) = &m.weight {
            t["weight"] = value(weight.trim());
        }
        let mut list = toml_edit::ArrayOfTables::new();
        list.push(t);
        doc["measurement"] = Item::ArrayOfTables(list);
    }
    Ok(format!(
        "# chemodose treatment history (docs/history-format.md): start a line\n# with `chemodose history start-line FILE --regimen ID --date DATE`.\n\n{doc}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patient_and_a_first_measurement() {
        let text = new_history(&NewHistory {
            patient_id: "P-7 \"x\"".to_owned(),
            name: Some("O'Brien, \"Jo\"".to_owned()),
            mrn: Some("0012345".to_owned()),
            sex: Some(Sex::Female),
            birth_date: NaiveDate::from_ymd_opt(1958, 7, 1),
            measurement: Some(FirstMeasurement {
                date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                height: Some("5ft7in".to_owned()),
                weight: Some("70kg".to_owned()),
            }),
        })
        .unwrap();
        assert!(text.ends_with(
            "[patient]\nid = 'P-7 \"x\"'\nname = \"\"\"O'Brien, \"Jo\"\"\"\"\nmrn = \"0012345\"\nsex = \"female\"\nbirth_year = 1958\n\n[[measurement]]\ndate = 2026-12-01\nheight = \"5ft7in\"\nweight = \"70kg\"\n"
        ), "{text}");
        // Read back by the loader, the id is as given.
        let h = crate::history::parse_history(
            "h.toml",
            &text,
            &crate::regimen::Library::bundled().unwrap(),
        )
        .unwrap();
        assert_eq!(h.patient_id, "P-7 \"x\"");
        assert_eq!(h.name.as_deref(), Some("O'Brien, \"Jo\""));
        assert_eq!(h.mrn.as_deref(), Some("0012345"));
    }
}
