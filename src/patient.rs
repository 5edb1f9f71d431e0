//! The patient as the calculations see them: measurements with units, sex
//! and age. Parsing what was typed lives in [`crate::quantity`]; this module
//! only holds the typed values.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use uom::si::f64::{Length, Mass, MassConcentration, Time};

/// Sex as used by sex-specific formulas (Schlich BSA, Devine IBW,
/// Janmahasatian LBW, Cockcroft–Gault, CKD-EPI 2021).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
}

impl Sex {
    /// `female` or `male`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sex that is neither `female` nor `male` (nor `f`/`m`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sex must be `female` or `male` (got `{0}`)")]
pub struct SexError(pub String);

impl FromStr for Sex {
    type Err = SexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "female" | "f" => Ok(Sex::Female),
            "male" | "m" => Ok(Sex::Male),
            _ => Err(SexError(s.to_owned())),
        }
    }
}

/// One patient's measurements. Height and weight are always known; the rest
/// only where a formula needs them, and a formula that needs a missing one
/// says so rather than assuming a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Patient {
    /// Body height.
    pub height: Length,
    /// Actual (total) body weight.
    pub weight: Mass,
    /// The date height and weight were measured, where given: printed
    /// beside them so that a reader can tell how old they are. No
    /// calculation reads it; the caller checks it against the treatment
    /// date (the library has no clock).
    pub measured_on: Option<NaiveDate>,
    /// Sex, where known.
    pub sex: Option<Sex>,
    /// Age, where known.
    pub age: Option<Time>,
    /// Serum creatinine, where known.
    pub serum_creatinine: Option<MassConcentration>,
    /// The date serum creatinine was measured, where given: printed beside
    /// it (the CrCl is only as recent as the creatinine). No calculation
    /// reads it; the caller checks it against the treatment date.
    pub serum_creatinine_on: Option<NaiveDate>,
}

impl Patient {
    /// A patient with height and weight only.
    pub fn new(height: Length, weight: Mass) -> Self {
        Patient {
            height,
            weight,
            measured_on: None,
            sex: None,
            age: None,
            serum_creatinine: None,
            serum_creatinine_on: None,
        }
    }
}

/// Whether two spellings of a name or record number are the same: equal
/// once letter case is ignored and runs of white space count as one space
/// ("DOE,  Jane" and "doe, jane"). Nothing looser: a different spelling is
/// for a person to check, not for chemodose to accept.
pub fn same_identity(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}
