//! Warnings: what a pharmacist must see beside the doses without the dose
//! being refused. Each variant carries the values it is about; the words are
//! written by `render::messages`, and [`Warning::code`] gives the stable code
//! machines read (listed in `docs/output-json.md`).
//!
//! Owns: the kinds of warning raised by the dose engine, the schedule and
//! the history report.
//! Never does: decide to refuse a dose (that is a [`DoseError`](super::DoseError)).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::plan::{LimitScope, LimitStatus};
use super::stop::WeightChange;
use crate::regimen::Status;
use crate::renal::RenalError;

/// A warning shown with the doses.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// The regimen is not `active`: a case report, a draft or withdrawn.
    RegimenStatus {
        /// Regimen id.
        regimen: String,
        /// Its status (never `Active`).
        status: Status,
        /// The regimen's reason for its status.
        note: Option<String>,
    },
    /// More cycles are planned than the regimen allows.
    CourseBeyondRegimen {
        /// Cycles planned.
        planned: u32,
        /// The regimen's maximum.
        max: u32,
    },
    /// A cumulative dose has reached 80 % of a lifetime limit.
    LifetimeLimitNear {
        /// Drug, lower case.
        drug: String,
        /// Where the patient stands.
        status: LimitStatus,
        /// What the cumulative amount covers.
        scope: LimitScope,
    },
    /// The weight changed by 5 % or more, below the threshold that stops the
    /// dose: shown for information.
    WeightChange(WeightChange),
    /// A drug needs renal function, but none was given or could be estimated.
    RenalFunctionMissing {
        /// Drug, lower case.
        drug: String,
    },
    /// A drug needs renal function, but Cockcroft–Gault could not be used.
    RenalFunctionFailed {
        /// Drug, lower case.
        drug: String,
        /// Why the estimate failed.
        error: RenalError,
    },
    /// Creatinine clearance is below the regimen's flag for a drug.
    RenalFlag {
        /// Drug, lower case.
        drug: String,
        /// The clearance used, mL/min.
        clearance_ml_min: f64,
        /// The regimen's threshold, mL/min.
        threshold_ml_min: f64,
        /// The regimen's note on what to do.
        note: Option<String>,
        /// Where the threshold comes from.
        source: Option<String>,
    },
    /// Antineoplastic administrations fall on weekends or holidays (flagged,
    /// not moved).
    WeekendOrHoliday {
        /// The dates, ascending.
        dates: Vec<NaiveDate>,
    },
    /// A history line was given with another version of its regimen than the
    /// library holds now.
    RegimenVersionChanged {
        /// The history's line number.
        line: u32,
        /// Regimen id.
        regimen: String,
        /// The version it was given with.
        given: String,
        /// The version in the library.
        current: String,
    },
    /// The cumulative doxorubicin-equivalent dose has reached 300 mg/m²:
    /// consider cardioprotection (dexrazoxane) and check the LVEF before
    /// each further dose.
    Cardioprotection {
        /// The cumulative doxorubicin-equivalent dose, mg/m².
        cumulative_mg_per_m2: Decimal,
    },
    /// The doxorubicin-equivalent anthracycline total of a history is past
    /// the limit.
    AnthracyclineLimitExceeded {
        /// Total, doxorubicin-equivalent mg/m².
        total_mg_per_m2: Decimal,
        /// The limit, mg/m².
        limit_mg_per_m2: Decimal,
        /// Where the limit comes from.
        source: String,
    },
    /// The doxorubicin-equivalent anthracycline total of a history is at
    /// least 80 % of the limit.
    AnthracyclineLimitNear {
        /// Total, doxorubicin-equivalent mg/m².
        total_mg_per_m2: Decimal,
        /// The limit, mg/m².
        limit_mg_per_m2: Decimal,
    },
}

impl Warning {
    /// The stable code machines read (`docs/output-json.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Warning::RegimenStatus { status, .. } => match status {
                Status::CaseReport => "status-case-report",
                Status::Draft => "status-draft",
                Status::Withdrawn => "status-withdrawn",
                Status::Active => "status-active",
            },
            Warning::CourseBeyondRegimen { .. } => "course-beyond-regimen",
            Warning::LifetimeLimitNear { .. } | Warning::AnthracyclineLimitNear { .. } => {
                "lifetime-limit-near"
            }
            Warning::AnthracyclineLimitExceeded { .. } => "lifetime-limit-exceeded",
            Warning::RenalFunctionMissing { .. } | Warning::RenalFunctionFailed { .. } => {
                "renal-function-missing"
            }
            Warning::RenalFlag { .. } => "renal-flag",
            Warning::WeightChange(_) => "weight-change",
            Warning::WeekendOrHoliday { .. } => "weekend-or-holiday",
            Warning::RegimenVersionChanged { .. } => "regimen-version-changed",
            Warning::Cardioprotection { .. } => "cardioprotection",
        }
    }
}
