//! What the engine gives back: one cycle's administrations with the steps
//! that produced each dose, the totals, the limits and the warnings. Values
//! only; [`crate::render`] writes them for people and machines.
//!
//! Owns: [`DosePlan`], [`Administration`], [`Prescription`],
//! [`Adjustment`], [`DrugTotal`], [`LimitStatus`], [`Exposure`].
//! Never does: hold text made for display (no tall-man names, no dose
//! strings); every amount is a `Decimal` in the unit beside it.

use rust_decimal::Decimal;
use uom::si::f64::{Mass, VolumeRate};

use super::options::Reduction;
use super::stop::Overridden;
use super::warning::Warning;
use crate::bsa::BodySurfaceArea;
use crate::patient::Patient;
use crate::quantity::{DoseBasis, DoseUnit, Percent, PrescribedDose};
use crate::regimen::{DosePer, Role, RoundingRule, Status};
use crate::renal::{CalvertDose, CreatinineClearance, WeightBasis};
use crate::rules::{RuleResult, Variable, Verdict};

/// A reduction as applied to one drug's dose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AppliedReduction {
    /// A regimen dose level, with the dose the level prescribes.
    Level {
        /// The level (-1, -2, ...).
        level: i32,
        /// The level's prescribed dose (replaces the full dose).
        dose: PrescribedDose,
    },
    /// A percent taken off the dose.
    Percent(Percent),
}

impl AppliedReduction {
    /// The reduction that was asked for.
    pub fn requested(&self) -> Reduction {
        match self {
            AppliedReduction::Level { level, .. } => Reduction::Level(*level),
            AppliedReduction::Percent(p) => Reduction::Percent(*p),
        }
    }
}

/// How a drug's dose on a day was prescribed.
#[derive(Debug, Clone, PartialEq)]
pub enum Prescription {
    /// The drug's own dose for this cycle (a phase dose where one applies).
    Own {
        /// The full dose as the regimen prescribes it for this cycle.
        dose: PrescribedDose,
        /// Whether `dose` is given each day or is the cycle total.
        per: DosePer,
        /// The number of days a per-cycle dose is split over.
        days: u32,
        /// The reduction applied, where one was.
        reduction: Option<AppliedReduction>,
        /// The day list prescribed for this cycle, when it differs from the
        /// regimen's.
        changed_days: Option<ChangedDays>,
    },
    /// A percentage of another drug's final dose on the same day (mesna).
    Companion {
        /// The parent drug, lower case.
        of: String,
        /// Percent of the parent's final dose.
        percent: Decimal,
    },
    /// Given by local protocol: the regimen's instruction, no amount.
    Instruction(String),
}

/// A day list prescribed instead of the regimen's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedDays {
    /// The days prescribed, ascending.
    pub given: Vec<u32>,
    /// The regimen's days, ascending.
    pub regimen: Vec<u32>,
}

/// A change a rule or the caller makes to a drug's dose.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A rule (organ function, toxicity or treatment day) that fired, with
    /// the dose level it gives where it gives one (`one level down` resolved
    /// against the level in force).
    Rule {
        /// The rule, with what it read.
        rule: Box<RuleResult>,
        /// The level given.
        level: Option<i32>,
    },
    /// The caller's reduction.
    Caller(AppliedReduction),
}

/// Where a BSA cap came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapSource {
    /// The drug's `bsa_cap` in the regimen file.
    Regimen,
    /// The caller's [`DoseOptions::bsa_cap`](super::DoseOptions::bsa_cap).
    Options,
}

/// One adjustment the engine made to a dose, with the values before and
/// after. Amounts are in the administration's [`DoseUnit`].
#[derive(Debug, Clone, PartialEq)]
pub enum Adjustment {
    /// A regimen dose level replaced the prescribed dose.
    ReductionLevel {
        /// The level (-1, -2, ...).
        level: i32,
        /// The level's prescribed dose.
        dose: PrescribedDose,
        /// The dose before, at the full prescribed dose.
        from: Decimal,
        /// The dose after, at the level's dose.
        to: Decimal,
    },
    /// A percent was taken off the dose.
    ReductionPercent {
        /// The percent taken off.
        percent: Percent,
        /// The dose before.
        from: Decimal,
        /// The dose after: `from × (100 − percent) / 100`.
        to: Decimal,
    },
    /// The BSA was capped for this drug.
    BsaCap {
        /// The BSA used for dosing, m².
        bsa_m2: Decimal,
        /// The cap, m².
        cap_m2: Decimal,
        /// Whether the regimen or the caller set the cap.
        source: CapSource,
        /// The dose before, at the patient's BSA.
        from: Decimal,
        /// The dose after, at the capped BSA.
        to: Decimal,
    },
    /// The drug's maximum single dose was applied.
    MaxSingleDose {
        /// The maximum, in the dose's unit.
        max: Decimal,
        /// The dose before.
        from: Decimal,
        /// The dose after (the maximum).
        to: Decimal,
    },
    /// Calvert's GFR was capped (FDA: 125 mL/min); the dose already reflects it.
    GfrCap {
        /// The GFR given or estimated, mL/min.
        gfr_ml_min: Decimal,
        /// The GFR used, mL/min.
        used_ml_min: Decimal,
    },
    /// A clinical rule changed the dose (organ function, toxicity, a
    /// treatment-day criterion).
    Rule {
        /// The rule that fired, with what it read.
        rule: Box<RuleResult>,
        /// The dose level it gave, where it gave one (`one level down` from
        /// the level in force).
        level: Option<i32>,
        /// The dose before.
        from: Decimal,
        /// The dose after.
        to: Decimal,
    },
    /// The dose was rounded by its rule.
    Rounding {
        /// The rule that rounded it.
        rule: RoundingRule,
        /// The dose before.
        from: Decimal,
        /// The dose after.
        to: Decimal,
        /// Signed change, percent of `from` (2 decimals).
        deviation_percent: Decimal,
        /// Rounding up would have crossed a cap, so it went down.
        held_under_cap: bool,
    },
}

impl Adjustment {
    /// The dose after this adjustment, where it changed the dose (a GFR cap
    /// acts inside the Calvert dose and has none).
    pub fn to(&self) -> Option<Decimal> {
        match self {
            Adjustment::ReductionLevel { to, .. }
            | Adjustment::ReductionPercent { to, .. }
            | Adjustment::BsaCap { to, .. }
            | Adjustment::MaxSingleDose { to, .. }
            | Adjustment::Rule { to, .. }
            | Adjustment::Rounding { to, .. } => Some(*to),
            Adjustment::GfrCap { .. } => None,
        }
    }
}

/// One administration of one drug on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Administration {
    /// Day of the cycle: from 1, or before day 1 for a premedication the
    /// day before (day -1 is the day before day 1; there is no day 0).
    pub day: i32,
    /// Drug name, lower case, as in the regimen.
    pub drug: String,
    /// The drug's role in the regimen.
    pub role: Role,
    /// How the dose was prescribed.
    pub prescription: Prescription,
    /// Unit of `calculated` and `final_dose`.
    pub unit: DoseUnit,
    /// Prescribed dose × basis (BSA, weight, Calvert), before any
    /// adjustment; zero for an instruction.
    pub calculated: Decimal,
    /// The dose to give; zero for an instruction.
    pub final_dose: Decimal,
    /// Adjustments in the order they were made.
    pub adjustments: Vec<Adjustment>,
    /// Route as in the regimen (IV, PO, SC, ...).
    pub route: String,
    /// Infusion duration as written in the regimen ("90 min").
    pub infusion: Option<String>,
    /// The regimen's note on the drug.
    pub note: Option<String>,
    /// The treatment-day verdict, for an administration on the day assessed
    /// (every day in a schedule) of a drug with rules; `None` on other days
    /// (their criteria are checked on the day).
    pub verdict: Option<Verdict>,
    /// Its treatment-day criteria as judged on its date, when it was judged.
    pub criteria: Vec<RuleResult>,
    /// For one of several doses of the drug on the day: when in the day;
    /// `None` for the one dose of the day.
    pub time: Option<DoseTime>,
}

/// When in its day one of several doses of a drug is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoseTime {
    /// Minutes from the start of another drug's dose that day (negative:
    /// before it).
    From {
        /// The drug counted from, lower case.
        drug: String,
        /// Minutes from its start.
        minutes: i32,
    },
    /// Dose `n` of `count` on the day, at a time set locally.
    OfDay {
        /// From 1.
        n: u32,
        /// Doses that day.
        count: u32,
    },
}

/// Days from the start of the cycle (day 1) to day `day` of it: day 1 is
/// 0, day 8 is 7, day -1 (the day before day 1; there is no day 0) is -1.
pub fn days_from_cycle_start(day: i32) -> i64 {
    if day > 0 {
        i64::from(day) - 1
    } else {
        i64::from(day)
    }
}

/// A day of the regimen's own day lists (from 1, within the cycle length,
/// which the loader holds far below `i32::MAX`) as a day of the cycle.
pub fn cycle_day(day: u32) -> i32 {
    i32::try_from(day).unwrap_or(i32::MAX)
}

/// Whether day `day` of a day list (the day assessed, a rule's day) is the
/// administration's day of the cycle.
pub fn same_day(day: u32, cycle_day: i32) -> bool {
    i64::from(day) == i64::from(cycle_day)
}

/// The day of the cycle `offset` days from day `day`, skipping day 0: one
/// day before day 1 is day -1.
pub fn day_offset(day: i32, offset: i32) -> i32 {
    let from_start = days_from_cycle_start(day) + i64::from(offset);
    let d = if from_start >= 0 {
        from_start + 1
    } else {
        from_start
    };
    i32::try_from(d).unwrap_or(if d > 0 { i32::MAX } else { i32::MIN })
}

impl Administration {
    /// The basis of an own dose; `None` for companions and instructions.
    pub fn basis(&self) -> Option<DoseBasis> {
        match &self.prescription {
            Prescription::Own { dose, .. } => Some(dose.basis()),
            _ => None,
        }
    }

    /// The instruction of a drug given by local protocol.
    pub fn instruction(&self) -> Option<&str> {
        match &self.prescription {
            Prescription::Instruction(text) => Some(text),
            _ => None,
        }
    }

    /// The final dose in mg, whatever the unit it is shown in.
    pub fn final_mg(&self) -> Decimal {
        self.unit.to_mg(self.final_dose)
    }

    /// The calculated dose in mg.
    pub fn calculated_mg(&self) -> Decimal {
        self.unit.to_mg(self.calculated)
    }
}

/// The unit a lifetime limit is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitUnit {
    /// mg per m² of the BSA used at each administration.
    MgPerM2,
    /// mg.
    Mg,
}

/// What a cumulative amount covers, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    /// The planned course of this many cycles.
    PlannedCycles(u32),
    /// Cycles 1 to this one (no planned course).
    CyclesUpTo(u32),
    /// The planned course from this cycle on (the earlier ones are prior
    /// exposure).
    RemainingCycles {
        /// The first cycle counted.
        from: u32,
        /// The last planned cycle.
        to: u32,
    },
    /// A schedule of this many cycles.
    ScheduledCycles(u32),
    /// Every line of a treatment history.
    AllLines,
    /// The running total of a schedule, for display.
    RunningTotal,
}

/// A lifetime limit and where the patient stands against it.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitStatus {
    /// The limit in force, as the regimen writes it (550 mg/m²).
    pub limit: PrescribedDose,
    /// The limit's value in `unit`.
    pub limit_value: Decimal,
    /// The unit of every amount here.
    pub unit: LimitUnit,
    /// Exposure before this course, in `unit`.
    pub prior: Decimal,
    /// `prior` plus the course counted (see [`LimitScope`]), in `unit`.
    pub cumulative: Decimal,
    /// `cumulative` as a percent of the limit, 1 decimal.
    pub percent_of_limit: Decimal,
    /// What remains below the limit, in `unit` (never negative).
    pub remaining: Decimal,
    /// Whether the lower limit after cardiac-region radiation applies.
    pub after_cardiac_radiation: bool,
    /// Where the limit comes from (the regimen's citation).
    pub source: String,
    /// Earlier lines whose doses may include this drug (or, for an
    /// anthracycline, any anthracycline) but are not counted in `prior`:
    /// when not empty, `cumulative` is a lower bound and `remaining` is not
    /// known.
    pub uncounted_lines: Vec<u32>,
}

impl LimitStatus {
    /// Whether the cumulative amount is past the limit.
    pub fn exceeded(&self) -> bool {
        self.cumulative > self.limit_value
    }
}

/// Totals for one drug.
#[derive(Debug, Clone, PartialEq)]
pub struct DrugTotal {
    /// Drug name, lower case.
    pub drug: String,
    /// Unit of the amounts.
    pub unit: DoseUnit,
    /// Total of the final doses in this cycle.
    pub cycle_total: Decimal,
    /// `cycle_total` per m² of the BSA used, 2 decimals; per-m² drugs only.
    pub cycle_total_per_m2: Option<Decimal>,
    /// Cycles in the planned course, where one is planned.
    pub course_cycles: Option<u32>,
    /// Total of the final doses over the planned course.
    pub course_total: Option<Decimal>,
    /// `course_total` per m², 2 decimals; per-m² drugs only.
    pub course_total_per_m2: Option<Decimal>,
    /// The lifetime limit, where the regimen has one.
    pub limit: Option<LimitStatus>,
}

/// A cumulative amount of one drug: in mg, and in mg/m² of the BSA used at
/// each administration.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Exposure {
    /// Total, mg.
    pub mg: Decimal,
    /// Total per m², mg/m².
    pub mg_per_m2: Decimal,
}

/// The renal function used, where any.
#[derive(Debug, Clone, PartialEq)]
pub struct RenalUsed {
    /// Cockcroft–Gault, where the measurements allowed it.
    pub crcl: Option<CreatinineClearance>,
    /// The GFR the caller gave, where given.
    pub gfr_given: Option<VolumeRate>,
    /// The Calvert calculation, where an AUC drug was dosed.
    pub calvert: Option<CalvertDose>,
}

/// One cycle's doses with everything that produced them.
#[derive(Debug, Clone, PartialEq)]
pub struct DosePlan {
    /// Regimen id.
    pub regimen_id: String,
    /// Regimen version (the definition's, not the engine's).
    pub regimen_version: String,
    /// Regimen status.
    pub status: Status,
    /// The cycle, from 1.
    pub cycle: u32,
    /// The planned course, where known.
    pub planned_cycles: Option<u32>,
    /// The patient as given.
    pub patient: Patient,
    /// BSA: formula, unrounded and used for dosing.
    pub bsa: BodySurfaceArea,
    /// Renal function used.
    pub renal: RenalUsed,
    /// The weight per-kg doses used, where any drug is per kg.
    pub dose_weight: Option<(WeightBasis, Mass)>,
    /// Administrations, by day, then in regimen order.
    pub administrations: Vec<Administration>,
    /// Totals by drug, in regimen order.
    pub totals: Vec<DrugTotal>,
    /// Warnings, in the order they arose.
    pub warnings: Vec<Warning>,
    /// Safety stops let through by a reason, shown beside the doses they
    /// concern.
    pub overridden: Vec<Overridden>,
    /// The clinical rules as evaluated, by drug, and the verdict.
    pub assessment: Assessment,
}

/// The clinical rules of one drug, as evaluated for the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct DrugAssessment {
    /// Drug, lower case.
    pub drug: String,
    /// Inputs it requires that were not given.
    pub missing: Vec<Variable>,
    /// Organ-function rules in force, evaluated.
    pub organ: Vec<RuleResult>,
    /// Toxicity rules in force, evaluated.
    pub toxicity: Vec<RuleResult>,
    /// Treatment-day rules of the day assessed, evaluated.
    pub day: Vec<RuleResult>,
    /// The rule that left the drug out of the cycle, where one did.
    pub omitted: Option<RuleResult>,
    /// The drug's verdict.
    pub verdict: Verdict,
}

/// The clinical rules of a plan, as evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The day of the cycle assessed.
    pub day: u32,
    /// By drug, in regimen order (drugs without rules or requirements left out).
    pub drugs: Vec<DrugAssessment>,
    /// The plan's verdict: the most serious of the drugs'.
    pub verdict: Verdict,
}

impl DosePlan {
    /// Everything of `drug` given on `day` as one administration: the one
    /// dose of the day, or the day's doses summed (calculated and final)
    /// for a drug given several times a day, without a time. `None` when
    /// the drug is not given that day.
    pub fn day_dose(&self, drug: &str, day: i32) -> Option<Administration> {
        let mut doses = self
            .administrations
            .iter()
            .filter(|a| a.drug == drug && a.day == day);
        let mut total = doses.next()?.clone();
        for a in doses {
            total.calculated += a.calculated;
            total.final_dose += a.final_dose;
            total.time = None;
        }
        Some(total)
    }

    /// The overridden stops that concern `a` ([`super::Stop::concerns`]).
    pub fn overrides_for<'a>(
        &'a self,
        a: &'a Administration,
    ) -> impl Iterator<Item = &'a Overridden> {
        self.overridden.iter().filter(move |o| o.stop.concerns(a))
    }
}
