//! Order verification: the pharmacist's independent double check of a
//! prescriber's chemotherapy order against the regimen in force and the
//! patient (issue 16).
//!
//! Owns: the order model ([`Order`]) and its file ([`parse_order`], TOML or
//! JSON, versioned `format = 1`, located errors); the verification
//! ([`verify_order`]): every ordered line recomputed independently by the
//! dose engine ([`crate::dose::calculate`]) and the clinical rules, then
//! compared — dose deviation, BSA and weight, stale measurements, missing or
//! extra drugs, routes (a vinca alkaloid not IV), days, infusion times,
//! companions, the regimen version, the rules' verdicts and stops, per-day
//! vs per-cycle confusion — into [`Finding`]s with a severity, a stable
//! code, the rule's source and what would resolve it, and a [`Verdict`].
//!
//! Never does: compute a dose (the engine does; this module compares), read
//! a file, read the clock, or write text for people (`render::order` does).

mod check;
mod file;
mod lines;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uom::si::f64::{Area, Length, Mass, MassConcentration};

use crate::labs::LabResult;
use crate::patient::Sex;
use crate::quantity::{DoseUnit, Percent, PrescribedDose};
use crate::regimen::Intent;

pub use check::{HistoryPatient, Thresholds, VerifyInputs, verify_order};
pub use file::{FORMAT, MAX_FILE_BYTES, OrderFile, parse_order};

/// One chemotherapy order, as the prescriber wrote it (validated).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// The order's own identifier.
    pub id: String,
    /// Regimen id or alias as ordered.
    pub regimen: String,
    /// The regimen version the order was written against.
    pub regimen_version: String,
    /// The cycle, from 1.
    pub cycle: u32,
    /// The days of the cycle the order covers, ascending.
    pub days: Vec<u32>,
    /// The planned date of the first day covered.
    pub date: NaiveDate,
    /// Treatment intent, where stated.
    pub intent: Option<Intent>,
    /// Who wrote it.
    pub prescriber: String,
    /// When it was written.
    pub written: NaiveDate,
    /// The patient.
    pub patient: OrderPatient,
    /// What the prescriber used.
    pub used: PrescriberUsed,
    /// Laboratory results, dated.
    pub labs: Vec<LabResult>,
    /// The ordered drug lines, in order.
    pub drugs: Vec<OrderedDrug>,
}

/// A measurement with its date and as written.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedMeasure<T> {
    /// The value.
    pub value: T,
    /// As written on the order ("165 cm").
    pub as_written: String,
    /// When it was measured.
    pub date: NaiveDate,
}

/// The patient on an order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPatient {
    /// Name or pseudonymous id.
    pub name: String,
    /// Medical record number.
    pub mrn: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Age in years as written (the date of birth wins when both are given).
    pub age: Option<u32>,
    /// Allergies, free text.
    pub allergies: Option<String>,
    /// Child-Pugh class, where assessed.
    pub child_pugh: Option<crate::rules::ChildPugh>,
    /// Height.
    pub height: DatedMeasure<Length>,
    /// Weight.
    pub weight: DatedMeasure<Mass>,
    /// Serum creatinine.
    pub serum_creatinine: Option<DatedMeasure<MassConcentration>>,
}

/// What the prescriber used in the calculation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrescriberUsed {
    /// The BSA used.
    pub bsa: Option<Area>,
    /// The weight used.
    pub weight: Option<Mass>,
    /// The formula named, as written.
    pub bsa_formula: Option<String>,
}

/// An ordered amount, as a decimal in its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedAmount {
    /// The amount in `unit` (mg for an amount written in g).
    pub value: Decimal,
    /// mg or mcg.
    pub unit: DoseUnit,
    /// As written ("1,494 mg" is refused; "1494 mg").
    pub as_written: String,
}

impl OrderedAmount {
    /// The amount in mg.
    pub fn mg(&self) -> Decimal {
        self.unit.to_mg(self.value)
    }
}

/// A change to the protocol dose stated on the order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Modification {
    /// A regimen dose level (-1, -2).
    Level(i32),
    /// A percent reduction.
    Percent(Percent),
}

/// One ordered drug line.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedDrug {
    /// The drug as written.
    pub name: String,
    /// The dose per m² / per kg / flat as written, where given.
    pub dose: Option<PrescribedDose>,
    /// The calculated amount of each administration.
    pub amount: OrderedAmount,
    /// The route as written.
    pub route: String,
    /// Infusion time as written.
    pub infusion: Option<String>,
    /// Diluent and volume, free text.
    pub diluent: Option<String>,
    /// The days of the cycle, ascending.
    pub days: Vec<u32>,
    /// Doses of `amount` on each day (2 = twice daily).
    pub times_a_day: u32,
    /// The modification stated.
    pub modification: Option<Modification>,
    /// The reason stated for a dose that differs.
    pub reason: Option<String>,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Recorded; nothing to do.
    Info,
    /// Ask the prescriber before anything is prepared.
    Query,
    /// The order must not be given as written.
    Stop,
}

impl Severity {
    /// `info`, `query` or `stop`: the stable name in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Query => "query",
            Severity::Stop => "stop",
        }
    }
}

/// The outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Every line agrees; no query.
    Verified,
    /// At least one query; no stop.
    Query,
    /// At least one stop.
    Reject,
}

impl Verdict {
    /// `VERIFIED`, `QUERY` or `REJECT`.
    pub fn id(self) -> &'static str {
        match self {
            Verdict::Verified => "VERIFIED",
            Verdict::Query => "QUERY",
            Verdict::Reject => "REJECT",
        }
    }

    /// The verdict of a list of findings.
    pub fn of(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Stop) => Verdict::Reject,
            Some(Severity::Query) => Verdict::Query,
            _ => Verdict::Verified,
        }
    }
}

/// What a finding is about, with its values (the words are written by
/// `render::order`).
#[derive(Debug, Clone, PartialEq)]
pub enum Issue {
    /// The ordered amount differs from the independent one.
    DoseDeviation {
        /// Percent of the independent amount, signed, 2 decimals.
        percent: Decimal,
        /// The ordered amount, mg.
        ordered_mg: Decimal,
        /// The independent amount, mg.
        expected_mg: Decimal,
        /// A reason is stated on the line.
        reason: Option<String>,
    },
    /// A daily amount equal to the cycle's total (the cisplatin boxed
    /// warning's named error).
    PerDayPerCycle {
        /// The ordered daily amount, mg.
        ordered_mg: Decimal,
        /// The independent daily amount, mg.
        daily_mg: Decimal,
        /// The independent cycle total, mg.
        cycle_mg: Decimal,
        /// The number of days.
        days: u32,
    },
    /// The ordered per-m²/per-kg dose is the regimen's per-cycle dose written per day.
    DosePerDayIsCycleDose {
        /// As ordered.
        ordered: PrescribedDose,
        /// The regimen's daily dose.
        daily: PrescribedDose,
        /// The number of days.
        days: u32,
    },
    /// The BSA used differs from the recomputed one.
    BsaDiffers {
        /// Used, m².
        used_m2: Decimal,
        /// Recomputed, m² (as used for dosing).
        recomputed_m2: Decimal,
        /// Percent, signed.
        percent: Decimal,
    },
    /// The BSA formula named on the order is not the one the independent
    /// calculation uses (or is not one chemodose knows).
    BsaFormulaDiffers {
        /// As written on the order.
        stated: String,
        /// The formula of the independent calculation.
        used: crate::bsa::BsaFormula,
    },
    /// The weight used differs from the measured one.
    WeightDiffers {
        /// Used, kg.
        used_kg: Decimal,
        /// Measured, kg.
        measured_kg: Decimal,
        /// Percent, signed.
        percent: Decimal,
    },
    /// A measurement is older than allowed.
    StaleMeasurement {
        /// height, weight or serum creatinine.
        what: &'static str,
        /// Its date.
        date: NaiveDate,
        /// Its age on the planned date, days.
        age_days: i64,
        /// The largest age allowed, days.
        max_days: u32,
    },
    /// A measurement is dated after the planned date.
    FutureMeasurement {
        /// height, weight, serum creatinine.
        what: &'static str,
        /// Its date.
        date: NaiveDate,
    },
    /// A regimen drug given on the order's days is not ordered.
    MissingDrug {
        /// The drug, lower case.
        drug: String,
        /// Its days within the order's days.
        days: Vec<u32>,
    },
    /// A companion (mesna) of an ordered drug is not ordered.
    MissingCompanion {
        /// The companion.
        drug: String,
        /// Its parent.
        of: String,
    },
    /// A drug not in the regimen.
    ExtraDrug {
        /// As ordered.
        drug: String,
    },
    /// A drug ordered twice.
    DuplicateDrug {
        /// As ordered.
        drug: String,
    },
    /// The route differs from the regimen's.
    Route {
        /// The drug.
        drug: String,
        /// As ordered.
        ordered: String,
        /// The regimen's.
        regimen: String,
    },
    /// A vinca alkaloid ordered by a route other than IV.
    VincaNotIv {
        /// The drug.
        drug: String,
        /// As ordered.
        route: String,
    },
    /// A drug's day is outside the cycle, or outside the order's days.
    DayNotInCycle {
        /// The drug.
        drug: String,
        /// The day.
        day: u32,
        /// The cycle's length.
        length: u32,
    },
    /// A drug ordered on a day the regimen does not give it.
    DayNotInRegimen {
        /// The drug.
        drug: String,
        /// The day.
        day: u32,
        /// The regimen's days.
        regimen_days: Vec<u32>,
    },
    /// A day the regimen gives a drug, within the order's days, not ordered.
    DayMissing {
        /// The drug.
        drug: String,
        /// The day.
        day: u32,
    },
    /// Days stated by the prescriber for a drug whose source gives none
    /// (a case report).
    DaysStated {
        /// The drug.
        drug: String,
        /// The days.
        days: Vec<u32>,
    },
    /// The infusion time differs from the regimen's, or is not given.
    Infusion {
        /// The drug.
        drug: String,
        /// As ordered.
        ordered: Option<String>,
        /// The regimen's.
        regimen: String,
    },
    /// The order's regimen version is not the one in force.
    RegimenVersion {
        /// As ordered.
        ordered: String,
        /// In force.
        in_force: String,
    },
    /// A safety stop of the dose engine or the clinical rules.
    EngineStop(crate::dose::Stop),
    /// A warning of the dose engine.
    EngineWarning(crate::dose::Warning),
    /// A drug's treatment-day criteria could not be judged (NOT CHECKED), or
    /// a rule changed its dose (MODIFY).
    RulesVerdict {
        /// The drug.
        drug: String,
        /// The verdict.
        verdict: crate::rules::Verdict,
        /// The rules as evaluated that made it.
        rules: Vec<crate::rules::RuleResult>,
    },
    /// Treatment-day criteria of other days the order covers, judged on
    /// their own day (not by this verification).
    LaterDayCriteria {
        /// The drug.
        drug: String,
        /// The days whose criteria are still to be judged.
        days: Vec<u32>,
        /// The day this verification judged.
        assessed: u32,
    },
    /// The engine could not compute the dose at all (bad measurements, a
    /// missing input the engine needs): nothing can be verified.
    NotComputed {
        /// The engine's error.
        error: crate::dose::DoseError,
    },
    /// The allergies are not recorded.
    AllergiesNotRecorded,
    /// The treatment history is not the order's patient (by id, sex or
    /// year of birth).
    HistoryPatient {
        /// The history's patient id.
        history_id: String,
        /// Whether the id, MRN or name is the order's MRN or name.
        id_matches: bool,
        /// The history's MRN is not the order's.
        mrn_differs: bool,
        /// The history's name is not the order's.
        name_differs: bool,
        /// The sexes differ.
        sex_differs: bool,
        /// The years of birth differ.
        birth_year_differs: bool,
    },
    /// A warning of the treatment history, in words.
    HistoryWarning {
        /// The words.
        words: String,
    },
}

/// One finding of a verification.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// The stable code (`dose-deviation`, `vinca-not-iv`, `hold-docetaxel`).
    pub code: String,
    /// The drug it concerns, lower case, where one.
    pub drug: Option<String>,
    /// The day it concerns, where one.
    pub day: Option<u32>,
    /// What it is, with its values.
    pub issue: Issue,
    /// The source of the rule.
    pub source: String,
}

/// One ordered administration beside the independent one.
#[derive(Debug, Clone, PartialEq)]
pub struct LineCheck {
    /// The drug, lower case.
    pub drug: String,
    /// The day.
    pub day: u32,
    /// Index of the order's drug line.
    pub line: usize,
    /// The ordered amount, mg.
    pub ordered_mg: Decimal,
    /// The independent amount, mg, where the engine gave one.
    pub expected_mg: Option<Decimal>,
    /// Signed deviation, percent of the independent amount, 2 decimals.
    pub deviation_percent: Option<Decimal>,
    /// The independent administration, where there is one.
    pub independent: Option<crate::dose::Administration>,
}

/// The result of verifying one order.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// The order as written.
    pub order: Order,
    /// The regimen id in force.
    pub regimen_id: String,
    /// Its name.
    pub regimen_name: String,
    /// Its version.
    pub regimen_version: String,
    /// Its status.
    pub regimen_status: crate::regimen::Status,
    /// The independent plan, where the engine could compute it (with every
    /// stop it met recorded as overridden by the verification itself, so
    /// that the doses can still be compared: the stops are findings).
    pub plan: Option<crate::dose::DosePlan>,
    /// Each ordered administration beside the independent one.
    pub lines: Vec<LineCheck>,
    /// Every finding, most serious first.
    pub findings: Vec<Finding>,
    /// The verdict.
    pub verdict: Verdict,
    /// The thresholds used.
    pub thresholds: Thresholds,
}
