//! Why doses could not be given. Each variant holds the values that caused
//! it (amounts as `Decimal`, doses as [`PrescribedDose`]); the message is
//! written by `render::messages` when the error is displayed, and a caller
//! that knows its own interface (the command line) adds how to proceed.
//!
//! Owns: [`DoseError`], [`Needed`], and which errors are safety stops.
//! Never does: name a command-line flag.

use rust_decimal::Decimal;

use super::round::RoundError;
use super::stop::Stop;
use crate::bsa::BsaError;
use crate::quantity::{DoseUnit, Percent, QuantityError};
use crate::regimen::CycleCount;
use crate::renal::{RenalError, WeightBasis};

/// A patient measurement or value the engine needed and did not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    /// The patient's sex, for ideal or adjusted body weight.
    SexForDoseWeight(WeightBasis),
    /// A GFR for Calvert dosing: a measured one, or age, sex and serum
    /// creatinine for Cockcroft–Gault.
    GfrForCalvert,
}

/// Why a prescribed day list cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DaysProblem {
    /// No day, or a day 0.
    Empty,
    /// A day after the end of the cycle.
    OutsideCycle,
    /// The drug's dose is a cycle total split over its days: another day
    /// list would change the daily dose, which must be prescribed instead.
    CycleTotal,
}

/// A setting the caller gave for one drug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrugSetting {
    /// A dose level.
    Level,
    /// A percent reduction.
    Percent,
    /// A rounding rule.
    Rounding,
    /// A day list.
    Days,
}

/// The course a cycle number was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Course {
    /// The planned number of cycles.
    Planned(u32),
    /// The regimen's own cycle count (open-ended).
    Regimen(CycleCount),
    /// No course is planned and the regimen is open-ended: the most cycles
    /// of any course ([`crate::regimen::MAX_CYCLES`]).
    AtMost(u32),
}

/// Why doses could not be given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DoseError {
    /// A patient measurement refused: a height and a weight that cannot
    /// belong to one person ([`crate::quantity::check_proportions`]).
    Measurement(#[from] QuantityError),
    /// From the BSA.
    Bsa(#[from] BsaError),
    /// From renal function.
    Renal(#[from] RenalError),
    /// A measurement the regimen needs is missing.
    NeedsMeasurement {
        /// The drug that needs it, lower case; `None` when it is needed for
        /// every per-kg dose.
        drug: Option<String>,
        /// What is needed.
        needs: Needed,
    },
    /// A drug named by the caller is not in the regimen.
    UnknownDrug {
        /// The name given.
        name: String,
        /// Regimen id.
        regimen: String,
        /// The regimen's drugs, in order.
        known: Vec<String>,
    },
    /// A rule table the regimen does not define for the drug (a typing
    /// error must not set the drug's rules aside).
    UnknownRuleSet {
        /// The drug, lower case.
        drug: String,
        /// The name given.
        set: String,
        /// The tables the drug's rules define.
        known: Vec<String>,
    },
    /// A dose level the regimen does not define for the drug.
    NoSuchLevel {
        /// The drug, lower case.
        drug: String,
        /// The level asked for.
        level: i32,
        /// Regimen id.
        regimen: String,
        /// Levels that exist, shallowest first (-1, -2, ...).
        available: Vec<i32>,
    },
    /// A day list prescribed for a drug that cannot take one: a day outside
    /// the cycle, or a drug whose dose is a cycle total split over its days.
    BadDays {
        /// The drug, lower case.
        drug: String,
        /// The days given.
        days: Vec<u32>,
        /// The regimen's cycle length, days.
        cycle_length: u32,
        /// Why they cannot be used.
        problem: DaysProblem,
    },
    /// A dose level, reduction or day list for a drug without a dose of its
    /// own, a companion (mesna, whose dose and days follow its parent's) or
    /// a drug given by local protocol (filgrastim), or a rounding for the
    /// latter. It would be ignored, or for a companion's days leave doses of
    /// its parent without it.
    NoOwnDose {
        /// The drug, lower case.
        drug: String,
        /// What was given for it.
        setting: DrugSetting,
        /// The parent drug of a companion; `None` for a protocol drug.
        follows: Option<String>,
    },
    /// A percent reduction of 0 % or 100 % or more.
    BadReduction(Percent),
    /// A planned number of cycles of 0 or beyond the most of any course.
    BadCycleCount {
        /// The number given.
        cycles: u32,
        /// The most allowed ([`crate::regimen::MAX_CYCLES`]).
        max: u32,
    },
    /// The day to judge is not a day of the cycle (0, or beyond its length).
    DayOutsideCycle {
        /// The day asked for.
        day: u32,
        /// The cycle's length, days.
        cycle_length: u32,
    },
    /// A cycle outside the course.
    CycleOutOfRange {
        /// The cycle asked for.
        cycle: u32,
        /// Regimen id.
        regimen: String,
        /// The course it is outside of.
        course: Course,
    },
    /// Rounding moved a dose more than the tolerance.
    RoundingTolerance {
        /// Drug, lower case.
        drug: String,
        /// Day of the cycle.
        day: i32,
        /// The dose before rounding, in `unit`.
        calculated: Decimal,
        /// The dose after rounding, in `unit`.
        rounded: Decimal,
        /// Unit of the amounts.
        unit: DoseUnit,
        /// Signed change, percent.
        deviation: Decimal,
        /// The tolerance in force.
        tolerance: Percent,
    },
    /// The BSA rounding moved the BSA by more than the rounding tolerance
    /// (every per-m² dose moves with it).
    BsaRoundingTolerance {
        /// The BSA the formula gave, m².
        unrounded_m2: Decimal,
        /// The BSA after the rounding policy, m².
        used_m2: Decimal,
        /// Signed change, percent.
        deviation: Decimal,
        /// The tolerance in force.
        tolerance: Percent,
    },
    /// A rounding rule that cannot be met (no strength or band near the dose).
    Rounding {
        /// Drug, lower case.
        drug: String,
        /// Why.
        error: RoundError,
    },
    /// Safety stops without a reason to override them (at least one).
    Refused(Vec<Stop>),
    /// An amount left the range of exact decimal arithmetic (not a number,
    /// infinite, or beyond 7.9 × 10²⁸): refused rather than read as 0 mg.
    NotRepresentable {
        /// Drug, lower case.
        drug: String,
    },
}

impl DoseError {
    /// The stops that refused the plan; empty for any other error.
    pub fn stops(&self) -> &[Stop] {
        match self {
            DoseError::Refused(stops) => stops,
            _ => &[],
        }
    }

    /// True for the safety checks (a stop, or rounding beyond the
    /// tolerance): a check finding a problem (exit 1) rather than bad input.
    pub fn is_safety_stop(&self) -> bool {
        matches!(
            self,
            DoseError::Refused(_)
                | DoseError::RoundingTolerance { .. }
                | DoseError::BsaRoundingTolerance { .. }
        )
    }
}
