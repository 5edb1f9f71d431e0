//! The dose engine: one patient, one regimen, one cycle → every drug's dose on
//! every administration day, with every adjustment listed next to it.
//!
//! Order of operations (fixed; the one place it is decided):
//! 1. prescribed dose × basis (BSA used for dosing, weight, or Calvert GFR);
//!    a per-cycle dose is split evenly over its days;
//! 2. reduction: a regimen level replaces the prescribed dose, or a percent
//!    reduction scales it;
//! 3. caps: the per-drug or command-line BSA cap, then the maximum single dose;
//! 4. rounding by the drug's rule, never above a cap, refused beyond the
//!    tolerance (default 10 %, HOPA);
//! 5. companions (mesna) from the parent's final dose on the same day.
//!
//! Then the checks: per-cycle ceilings (cisplatin > 100 mg/m² per cycle),
//! lifetime limits against the planned course plus prior exposure, and the
//! renal requirements. A check that fails is an error naming the limit and its
//! source, unless the caller gives a reason to override it, which the output
//! then shows. Never does: read files, print, or guess a missing measurement.

pub mod round;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use uom::si::f64::{Area, Mass, VolumeRate};

use crate::bsa::{
    BodySurfaceArea, BsaError, BsaFormula, BsaRounding, adjusted_body_weight, ideal_body_weight,
};
use crate::display::{drug_display_name, format_decimal};
use crate::patient::Patient;
use crate::quantity::{DoseBasis, DoseUnit, PrescribedDose, kg, m2};
use crate::regimen::{DosePer, Dosing, Drug, Regimen, Role, RoundingRule, Status};
use crate::renal::{
    CalvertDose, CockcroftGaultOptions, CreatinineClearance, GfrCap, RenalError, WeightBasis,
    calvert, cockcroft_gault,
};
use crate::rounding::{round_dp_half_up, to_decimal, to_f64};

use round::{RoundError, round_dose};

/// A dose reduction asked for by the prescriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// A regimen dose level: -1, -2.
    Level(i32),
    /// A percent reduction: 20 means 80 % of the dose.
    Percent(Decimal),
}

/// A setting for all drugs, with per-drug overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct PerDrug<T> {
    /// Applies to every drug it fits (reductions: antineoplastic drugs only).
    pub all: Option<T>,
    /// By lower-case drug name; wins over `all`.
    pub drugs: BTreeMap<String, T>,
}

impl<T> Default for PerDrug<T> {
    fn default() -> Self {
        PerDrug {
            all: None,
            drugs: BTreeMap::new(),
        }
    }
}

impl<T: Clone> PerDrug<T> {
    /// The setting for `name`: its own entry, else `all` where `applies_to_all`
    /// (reductions and rounding for "all drugs" mean the antineoplastic ones).
    pub(crate) fn for_drug(&self, name: &str, applies_to_all: bool) -> Option<T> {
        self.drugs.get(name).cloned().or_else(|| {
            if applies_to_all {
                self.all.clone()
            } else {
                None
            }
        })
    }
}

/// Cumulative exposure before this course (from a history), per drug.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorExposure {
    /// Drug name, lower case.
    pub drug: String,
    /// Cumulative dose per m² (mg/m²).
    pub mg_per_m2: Decimal,
    /// Cumulative dose (mg).
    pub mg: Decimal,
}

/// Everything the engine needs besides the regimen and the patient.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseOptions {
    /// BSA formula (default Mosteller).
    pub bsa_formula: BsaFormula,
    /// BSA rounding for dosing (default 2 decimals).
    pub bsa_rounding: BsaRounding,
    /// A BSA cap for every per-m² drug (off by default, as ASCO recommends).
    pub bsa_cap: Option<Area>,
    /// Which weight per-kg doses use (default actual).
    pub dose_weight: WeightBasis,
    /// A measured or estimated GFR for Calvert; else Cockcroft–Gault.
    pub gfr: Option<VolumeRate>,
    /// Cockcroft–Gault options.
    pub crcl: CockcroftGaultOptions,
    /// Calvert GFR cap (default 125 mL/min).
    pub gfr_cap: GfrCap,
    /// Dose reductions.
    pub reductions: PerDrug<Reduction>,
    /// Rounding rules that replace the regimen's.
    pub rounding: PerDrug<RoundingRule>,
    /// Largest accepted rounding deviation, percent (default 10, HOPA).
    pub rounding_tolerance_percent: Decimal,
    /// The planned number of cycles, for course totals and limits
    /// (default: the regimen's).
    pub planned_cycles: Option<u32>,
    /// Exposure before this course.
    pub prior: Vec<PriorExposure>,
    /// Mediastinal or cardiac-region radiation: the lower anthracycline limit applies.
    pub cardiac_radiation: bool,
    /// A reason to go past a lifetime limit.
    pub allow_over_limit: Option<String>,
    /// A reason to go past a per-cycle ceiling.
    pub allow_over_ceiling: Option<String>,
    /// Who judges lifetime limits.
    pub lifetime_check: LifetimeCheck,
}

/// Who judges lifetime limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LifetimeCheck {
    /// [`calculate`] checks the planned course (prior exposure included).
    #[default]
    PlannedCourse,
    /// The caller sums the real course (a schedule whose doses change from
    /// cycle to cycle) and calls [`lifetime_limit`] itself.
    Caller,
}

impl Default for DoseOptions {
    fn default() -> Self {
        DoseOptions {
            bsa_formula: BsaFormula::Mosteller,
            bsa_rounding: BsaRounding::default(),
            bsa_cap: None,
            dose_weight: WeightBasis::Actual,
            gfr: None,
            crcl: CockcroftGaultOptions::default(),
            gfr_cap: GfrCap::Fda125,
            reductions: PerDrug::default(),
            rounding: PerDrug::default(),
            rounding_tolerance_percent: Decimal::TEN,
            planned_cycles: None,
            prior: Vec::new(),
            cardiac_radiation: false,
            allow_over_limit: None,
            allow_over_ceiling: None,
            lifetime_check: LifetimeCheck::PlannedCourse,
        }
    }
}

/// One adjustment the engine made to a dose. Amounts are in the dose's unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Adjustment {
    /// A regimen dose level replaced the prescribed dose.
    ReductionLevel {
        /// The level.
        level: i32,
        /// The level's dose.
        prescribed: String,
        /// Before.
        from: Decimal,
        /// After.
        to: Decimal,
    },
    /// A percent reduction.
    ReductionPercent {
        /// Percent taken off.
        percent: Decimal,
        /// Before.
        from: Decimal,
        /// After.
        to: Decimal,
    },
    /// The BSA was capped for this drug.
    BsaCap {
        /// BSA used for dosing, m².
        bsa_m2: Decimal,
        /// Cap, m².
        cap_m2: Decimal,
        /// Where the cap came from: "regimen" or "command line".
        from_setting: &'static str,
        /// Before.
        from: Decimal,
        /// After.
        to: Decimal,
    },
    /// The maximum single dose was applied.
    MaxSingleDose {
        /// The maximum.
        max: Decimal,
        /// Before.
        from: Decimal,
        /// After.
        to: Decimal,
    },
    /// Calvert's GFR was capped.
    GfrCap {
        /// GFR given or estimated, mL/min.
        gfr_ml_min: Decimal,
        /// GFR used, mL/min.
        used_ml_min: Decimal,
    },
    /// The dose was rounded.
    Rounding {
        /// The rule, in words.
        rule: String,
        /// Before.
        from: Decimal,
        /// After.
        to: Decimal,
        /// Signed deviation, percent.
        deviation_percent: Decimal,
        /// Rounding up would have crossed a cap, so it went down.
        held_under_cap: bool,
    },
}

impl Adjustment {
    /// The adjustment in words, with its size.
    pub fn describe(&self, unit: DoseUnit) -> String {
        let u = unit.symbol();
        let f = |d: &Decimal| format_decimal(*d);
        match self {
            Adjustment::ReductionLevel {
                level,
                prescribed,
                from,
                to,
            } => {
                format!(
                    "dose level {level} ({prescribed}): {} → {} {u}",
                    f(from),
                    f(to)
                )
            }
            Adjustment::ReductionPercent { percent, from, to } => {
                format!("reduced by {}%: {} → {} {u}", f(percent), f(from), f(to))
            }
            Adjustment::BsaCap {
                bsa_m2,
                cap_m2,
                from_setting,
                from,
                to,
            } => format!(
                "BSA capped at {} m² ({from_setting}; BSA {} m²): {} → {} {u}",
                f(cap_m2),
                f(bsa_m2),
                f(from),
                f(to)
            ),
            Adjustment::MaxSingleDose { max, from, to } => {
                format!(
                    "maximum single dose {} {u}: {} → {} {u}",
                    f(max),
                    f(from),
                    f(to)
                )
            }
            Adjustment::GfrCap {
                gfr_ml_min,
                used_ml_min,
            } => format!(
                "GFR capped at {} mL/min (was {} mL/min)",
                f(used_ml_min),
                f(gfr_ml_min)
            ),
            Adjustment::Rounding {
                rule,
                from,
                to,
                deviation_percent,
                held_under_cap,
            } => {
                let sign = if *deviation_percent > Decimal::ZERO {
                    "+"
                } else {
                    ""
                };
                let held = if *held_under_cap {
                    ", held under the cap"
                } else {
                    ""
                };
                format!(
                    "rounded {rule}: {} → {} {u} ({sign}{}%{held})",
                    f(from),
                    f(to),
                    f(deviation_percent)
                )
            }
        }
    }
}

/// One administration of one drug on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Administration {
    /// Day of the cycle.
    pub day: u32,
    /// Drug name, lower case.
    pub drug: String,
    /// Name with tall-man lettering.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The dose as prescribed for this cycle ("900 mg/m²", "60% of ifosfamide").
    pub prescribed: String,
    /// The basis, for own doses.
    pub basis: Option<DoseBasis>,
    /// Unit of the amounts below.
    pub unit: DoseUnit,
    /// Prescribed dose × basis, before any adjustment.
    pub calculated: Decimal,
    /// The dose to give.
    pub final_dose: Decimal,
    /// Adjustments in the order they were made.
    pub adjustments: Vec<Adjustment>,
    /// Route.
    pub route: String,
    /// Infusion duration.
    pub infusion: Option<String>,
    /// The regimen's note.
    pub note: Option<String>,
    /// For drugs given by local protocol: the instruction; the amounts are zero.
    pub instruction: Option<String>,
}

impl Administration {
    /// Final dose in mg, whatever the display unit.
    pub fn final_mg(&self) -> Decimal {
        match self.unit {
            DoseUnit::Mg => self.final_dose,
            DoseUnit::Mcg => (self.final_dose / Decimal::ONE_THOUSAND).normalize(),
        }
    }

    /// Calculated dose in mg.
    pub fn calculated_mg(&self) -> Decimal {
        match self.unit {
            DoseUnit::Mg => self.calculated,
            DoseUnit::Mcg => (self.calculated / Decimal::ONE_THOUSAND).normalize(),
        }
    }
}

/// A lifetime limit and where the patient stands against it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitStatus {
    /// The limit in force, as written ("550 mg/m²").
    pub limit: String,
    /// Its value in mg/m² or mg.
    pub limit_value: Decimal,
    /// "mg/m²" or "mg".
    pub unit: &'static str,
    /// Prior exposure in that unit.
    pub prior: Decimal,
    /// Prior plus the planned course (or the cycles so far when no course is planned).
    pub cumulative: Decimal,
    /// Cumulative as a percent of the limit.
    pub percent_of_limit: Decimal,
    /// What remains below the limit.
    pub remaining: Decimal,
    /// Whether the lower limit after cardiac-region radiation applies.
    pub after_cardiac_radiation: bool,
    /// Where the limit comes from.
    pub source: String,
}

/// Totals for one drug.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrugTotal {
    /// Drug name.
    pub drug: String,
    /// Display name.
    pub display_name: String,
    /// Unit of the amounts.
    pub unit: DoseUnit,
    /// Total in this cycle.
    pub cycle_total: Decimal,
    /// Total in this cycle per m² of the BSA used, for per-m² drugs.
    pub cycle_total_per_m2: Option<Decimal>,
    /// Cycles in the planned course.
    pub course_cycles: Option<u32>,
    /// Total over the planned course.
    pub course_total: Option<Decimal>,
    /// Course total per m², for per-m² drugs.
    pub course_total_per_m2: Option<Decimal>,
    /// The lifetime limit, where the regimen has one.
    pub limit: Option<LimitStatus>,
}

/// A warning shown with the doses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// A stable code for machines.
    pub code: &'static str,
    /// The warning in words.
    pub message: String,
}

/// The renal function used, where any.
#[derive(Debug, Clone, PartialEq)]
pub struct RenalUsed {
    /// Cockcroft–Gault, where the measurements allowed it.
    pub crcl: Option<CreatinineClearance>,
    /// The GFR given on the command line, where given.
    pub gfr_given: Option<VolumeRate>,
    /// The Calvert calculation, where an AUC drug was dosed.
    pub calvert: Option<CalvertDose>,
}

/// One cycle's doses with everything that produced them.
#[derive(Debug, Clone, PartialEq)]
pub struct DosePlan {
    /// Regimen id.
    pub regimen_id: String,
    /// Regimen version.
    pub regimen_version: String,
    /// Regimen status.
    pub status: Status,
    /// The cycle.
    pub cycle: u32,
    /// The planned course, where known.
    pub planned_cycles: Option<u32>,
    /// The patient.
    pub patient: Patient,
    /// BSA (formula, unrounded, used).
    pub bsa: BodySurfaceArea,
    /// Renal function used.
    pub renal: RenalUsed,
    /// The weight per-kg doses used, where any drug is per kg.
    pub dose_weight: Option<(WeightBasis, Mass)>,
    /// Administrations, by day then regimen order.
    pub administrations: Vec<Administration>,
    /// Totals by drug.
    pub totals: Vec<DrugTotal>,
    /// Warnings.
    pub warnings: Vec<Warning>,
}

/// Why doses could not be given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DoseError {
    /// From the BSA.
    #[error(transparent)]
    Bsa(#[from] BsaError),
    /// From renal function.
    #[error(transparent)]
    Renal(#[from] RenalError),
    /// A measurement the regimen needs is missing.
    #[error("{drug} needs {needs}")]
    NeedsMeasurement {
        /// The drug.
        drug: String,
        /// What to give.
        needs: String,
    },
    /// A drug named on the command line is not in the regimen.
    #[error("`{name}` is not a drug of {regimen}; its drugs are {known}")]
    UnknownDrug {
        /// The name given.
        name: String,
        /// Regimen id.
        regimen: String,
        /// Its drugs.
        known: String,
    },
    /// A dose level the regimen does not define.
    #[error("{drug} has no dose level {level} in {regimen}; levels defined: {available}")]
    NoSuchLevel {
        /// The drug.
        drug: String,
        /// The level asked for.
        level: i32,
        /// Regimen id.
        regimen: String,
        /// Levels that exist.
        available: String,
    },
    /// A percent reduction outside (0, 100).
    #[error("a reduction must be more than 0% and less than 100% (got {0}%)")]
    BadReduction(String),
    /// A cycle outside the course.
    #[error("cycle {cycle} is outside the course: {regimen} runs {course}")]
    CycleOutOfRange {
        /// The cycle asked for.
        cycle: u32,
        /// Regimen id.
        regimen: String,
        /// The course.
        course: String,
    },
    /// Rounding moved a dose more than the tolerance.
    #[error(
        "{drug} day {day}: rounding {calculated} {unit} to {rounded} {unit} is a {deviation}% change, beyond the {tolerance}% tolerance; choose a finer rounding rule (--round) or check the dose"
    )]
    RoundingTolerance {
        /// Drug.
        drug: String,
        /// Day.
        day: u32,
        /// Dose before rounding.
        calculated: String,
        /// Dose after.
        rounded: String,
        /// Unit.
        unit: &'static str,
        /// Deviation, percent.
        deviation: String,
        /// Tolerance, percent.
        tolerance: String,
    },
    /// A rounding rule that cannot be met.
    #[error("{drug}: {reason}")]
    Rounding {
        /// Drug.
        drug: String,
        /// Why.
        reason: String,
    },
    /// A per-cycle ceiling exceeded.
    #[error(
        "{drug}: {amount} in cycle {cycle} is above the per-cycle ceiling of {ceiling}{source_text}; check per-day versus per-cycle dosing. To give it anyway, pass --allow-over-ceiling \"<reason>\""
    )]
    PerCycleCeiling {
        /// Drug.
        drug: String,
        /// Cycle.
        cycle: u32,
        /// Amount in the cycle.
        amount: String,
        /// The ceiling.
        ceiling: String,
        /// " (source)".
        source_text: String,
    },
    /// A lifetime limit exceeded.
    #[error(
        "{drug}: cumulative {cumulative} {unit} over {scope} would exceed the lifetime limit of {limit} {unit} ({limit_source}). To give it anyway, pass --allow-over-limit \"<reason>\""
    )]
    LifetimeLimit {
        /// Drug.
        drug: String,
        /// Cumulative amount.
        cumulative: String,
        /// Unit.
        unit: &'static str,
        /// "the planned 8 cycles" etc.
        scope: String,
        /// The limit.
        limit: String,
        /// Its source.
        limit_source: String,
    },
}

impl DoseError {
    /// True for the safety checks (ceiling, limit, rounding tolerance), which
    /// are a check finding a problem rather than bad input.
    pub fn is_safety_stop(&self) -> bool {
        matches!(
            self,
            DoseError::PerCycleCeiling { .. }
                | DoseError::LifetimeLimit { .. }
                | DoseError::RoundingTolerance { .. }
        )
    }
}

/// What the engine works from, computed once per plan.
struct Basis<'a> {
    regimen: &'a Regimen,
    options: &'a DoseOptions,
    bsa: BodySurfaceArea,
    dose_weight: Result<Mass, DoseError>,
    crcl: Option<Result<CreatinineClearance, RenalError>>,
}

/// Computes one cycle's doses, totals and checks.
pub fn calculate(
    regimen: &Regimen,
    patient: &Patient,
    cycle: u32,
    options: &DoseOptions,
) -> Result<DosePlan, DoseError> {
    check_names(regimen, options)?;
    let planned = options.planned_cycles.or(regimen.cycle.count.planned());
    let course_max = match regimen.cycle.count {
        crate::regimen::CycleCount::Fixed(n) => Some(n),
        crate::regimen::CycleCount::UntilProgression { max } => max,
    };
    if cycle == 0 || planned.is_some_and(|p| cycle > p) {
        return Err(DoseError::CycleOutOfRange {
            cycle,
            regimen: regimen.id.clone(),
            course: planned.map_or_else(
                || regimen.cycle.count.to_string(),
                |p| format!("{p} cycles"),
            ),
        });
    }
    let mut warnings = Vec::new();
    let status = match regimen.status {
        Status::Active => None,
        Status::CaseReport => Some((
            "status-case-report",
            "a CASE-REPORT regimen, as published in a case report, not a standard",
        )),
        Status::Draft => Some(("status-draft", "a DRAFT regimen: not reviewed for use")),
        Status::Withdrawn => Some(("status-withdrawn", "WITHDRAWN")),
    };
    if let Some((code, what)) = status {
        warnings.push(Warning {
            code,
            message: format!(
                "{} is {what}. {}",
                regimen.id,
                regimen.status_note.clone().unwrap_or_default()
            ),
        });
    }
    if let (Some(p), Some(max)) = (options.planned_cycles, course_max)
        && p > max
    {
        warnings.push(Warning {
            code: "course-beyond-regimen",
            message: format!("the planned {p} cycles are more than the regimen's {max}"),
        });
    }
    let bsa = BodySurfaceArea::compute(
        options.bsa_formula,
        patient.height,
        patient.weight,
        patient.sex,
        options.bsa_rounding,
    )?;
    let dose_weight = dose_weight(patient, options.dose_weight);
    let crcl = match (patient.age, patient.sex, patient.serum_creatinine) {
        (Some(age), Some(sex), Some(scr)) => Some(cockcroft_gault(
            age,
            patient.weight,
            Some(patient.height),
            sex,
            scr,
            options.crcl,
        )),
        _ => None,
    };
    let basis = Basis {
        regimen,
        options,
        bsa,
        dose_weight,
        crcl,
    };
    let (administrations, calvert_used) = basis.cycle(cycle)?;
    let any_per_kg = regimen.drugs.iter().any(|d| {
        d.given_in_cycle(cycle)
            && d.dose_in_cycle(cycle)
                .is_some_and(|p| p.basis() == DoseBasis::PerKg)
    });
    basis.check_ceilings(cycle, &administrations, &mut warnings)?;
    let totals = basis.totals(cycle, planned, &administrations, &mut warnings)?;
    basis.renal_checks(cycle, &mut warnings);
    let renal = RenalUsed {
        crcl: basis.crcl.as_ref().and_then(|r| r.as_ref().ok().copied()),
        gfr_given: options.gfr,
        calvert: calvert_used,
    };
    Ok(DosePlan {
        regimen_id: regimen.id.clone(),
        regimen_version: regimen.version.clone(),
        status: regimen.status,
        cycle,
        planned_cycles: planned,
        patient: *patient,
        bsa,
        renal,
        dose_weight: if any_per_kg {
            basis
                .dose_weight
                .as_ref()
                .ok()
                .map(|w| (options.dose_weight, *w))
        } else {
            None
        },
        administrations,
        totals,
        warnings,
    })
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

/// Checks `course` (plus the prior exposure in `options`) against the drug's
/// lifetime limit: a warning at 80 %, an error past 100 % unless
/// `options.allow_over_limit` gives a reason. `scope` says what `course`
/// covers ("the planned 6 cycles"). The one place lifetime limits are judged.
pub fn lifetime_limit(
    drug: &Drug,
    course: Exposure,
    scope: &str,
    options: &DoseOptions,
    warnings: &mut Vec<Warning>,
) -> Result<Option<LimitStatus>, DoseError> {
    let Some(l) = &drug.lifetime_limit else {
        return Ok(None);
    };
    let (limit_dose, after) = match (options.cardiac_radiation, l.after_cardiac_radiation) {
        (true, Some(a)) => (a, true),
        _ => (l.lifetime, false),
    };
    let per_m2_limit = limit_dose.basis() == DoseBasis::PerM2;
    let prior: Decimal = options
        .prior
        .iter()
        .filter(|p| p.drug == drug.name)
        .map(|p| if per_m2_limit { p.mg_per_m2 } else { p.mg })
        .sum();
    let this_course = if per_m2_limit {
        course.mg_per_m2
    } else {
        course.mg
    };
    let cumulative = prior + this_course;
    let scope = if prior.is_zero() {
        scope.to_owned()
    } else {
        format!("{scope} plus prior exposure")
    };
    let limit_value = dec(limit_dose.canonical());
    let unit_text = if per_m2_limit { "mg/m²" } else { "mg" };
    let percent = if limit_value.is_zero() {
        Decimal::ZERO
    } else {
        round_dp_half_up(cumulative / limit_value * Decimal::ONE_HUNDRED, 1)
    };
    let source = if after {
        format!("{}; limit after cardiac-region radiation", l.source)
    } else {
        l.source.clone()
    };
    if cumulative > limit_value {
        match &options.allow_over_limit {
            Some(reason) => warnings.push(Warning {
                code: "lifetime-limit-overridden",
                message: format!(
                    "{}: cumulative {} {unit_text} over {scope} exceeds the lifetime limit of {} {unit_text} ({source}); allowed: {reason}",
                    drug_display_name(&drug.name),
                    format_decimal(cumulative),
                    format_decimal(limit_value)
                ),
            }),
            None => {
                return Err(DoseError::LifetimeLimit {
                    drug: drug_display_name(&drug.name),
                    cumulative: format_decimal(cumulative),
                    unit: unit_text,
                    scope,
                    limit: format_decimal(limit_value),
                    limit_source: source,
                });
            }
        }
    } else if percent >= Decimal::from(80) {
        warnings.push(Warning {
            code: "lifetime-limit-near",
            message: format!(
                "{}: cumulative {} {unit_text} over {scope} is {}% of the lifetime limit of {} {unit_text} ({source})",
                drug_display_name(&drug.name),
                format_decimal(cumulative),
                format_decimal(percent),
                format_decimal(limit_value)
            ),
        });
    }
    Ok(Some(LimitStatus {
        limit: limit_dose.to_string(),
        limit_value,
        unit: unit_text,
        prior,
        cumulative,
        percent_of_limit: percent,
        remaining: (limit_value - cumulative).max(Decimal::ZERO),
        after_cardiac_radiation: after,
        source,
    }))
}

fn dose_weight(patient: &Patient, basis: WeightBasis) -> Result<Mass, DoseError> {
    let needs_sex = || DoseError::NeedsMeasurement {
        drug: "a per-kg dose on ideal or adjusted weight".to_owned(),
        needs: "--sex".to_owned(),
    };
    Ok(match basis {
        WeightBasis::Actual => patient.weight,
        WeightBasis::Ideal => {
            ideal_body_weight(patient.height, patient.sex.ok_or_else(needs_sex)?)?
        }
        WeightBasis::Adjusted => adjusted_body_weight(
            ideal_body_weight(patient.height, patient.sex.ok_or_else(needs_sex)?)?,
            patient.weight,
        ),
    })
}

fn check_names(regimen: &Regimen, options: &DoseOptions) -> Result<(), DoseError> {
    let known = || {
        regimen
            .drugs
            .iter()
            .map(|d| d.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for name in options
        .reductions
        .drugs
        .keys()
        .chain(options.rounding.drugs.keys())
    {
        if regimen.drug(name).is_none() {
            return Err(DoseError::UnknownDrug {
                name: name.clone(),
                regimen: regimen.id.clone(),
                known: known(),
            });
        }
    }
    for r in options
        .reductions
        .drugs
        .values()
        .chain(options.reductions.all.iter())
    {
        if let Reduction::Percent(p) = r
            && (*p <= Decimal::ZERO || *p >= Decimal::ONE_HUNDRED)
        {
            return Err(DoseError::BadReduction(format_decimal(*p)));
        }
    }
    Ok(())
}

fn dec(x: f64) -> Decimal {
    to_decimal(x).unwrap_or(Decimal::ZERO)
}

impl Basis<'_> {
    /// One cycle's administrations, in day order, and the Calvert result if any.
    fn cycle(&self, cycle: u32) -> Result<(Vec<Administration>, Option<CalvertDose>), DoseError> {
        let mut out: Vec<Administration> = Vec::new();
        let mut calvert_used = None;
        for drug in &self.regimen.drugs {
            if !drug.given_in_cycle(cycle) {
                continue;
            }
            let Dosing::Own { per, .. } = &drug.dosing else {
                continue;
            };
            let prescribed = drug.dose_in_cycle(cycle).expect("own dosing has a dose");
            for &day in &drug.days {
                let (a, c) = self.own_dose(drug, prescribed, *per, day)?;
                calvert_used = calvert_used.or(c);
                out.push(a);
            }
        }
        for drug in &self.regimen.drugs {
            let Dosing::Companion { of, percent } = &drug.dosing else {
                continue;
            };
            if !drug.given_in_cycle(cycle) {
                continue;
            }
            for &day in &drug.days {
                let Some(parent) = out.iter().find(|a| a.drug == *of && a.day == day) else {
                    continue;
                };
                let parent_mg = parent.final_mg();
                let calculated = (parent_mg * *percent / Decimal::ONE_HUNDRED).normalize();
                let mut adjustments = Vec::new();
                let final_dose =
                    self.round(drug, day, DoseUnit::Mg, calculated, None, &mut adjustments)?;
                out.push(Administration {
                    day,
                    drug: drug.name.clone(),
                    display_name: drug_display_name(&drug.name),
                    role: drug.role,
                    prescribed: format!(
                        "{}% of {}",
                        format_decimal(*percent),
                        drug_display_name(of)
                    ),
                    basis: None,
                    unit: DoseUnit::Mg,
                    calculated,
                    final_dose,
                    adjustments,
                    route: drug.route.clone(),
                    infusion: drug.infusion.clone(),
                    note: drug.note.clone(),
                    instruction: None,
                });
            }
        }
        for drug in &self.regimen.drugs {
            let Dosing::Instruction(text) = &drug.dosing else {
                continue;
            };
            if !drug.given_in_cycle(cycle) {
                continue;
            }
            for &day in &drug.days {
                out.push(Administration {
                    day,
                    drug: drug.name.clone(),
                    display_name: drug_display_name(&drug.name),
                    role: drug.role,
                    prescribed: text.clone(),
                    basis: None,
                    unit: DoseUnit::Mg,
                    calculated: Decimal::ZERO,
                    final_dose: Decimal::ZERO,
                    adjustments: Vec::new(),
                    route: drug.route.clone(),
                    infusion: drug.infusion.clone(),
                    note: drug.note.clone(),
                    instruction: Some(text.clone()),
                });
            }
        }
        let order: Vec<&str> = self.regimen.drugs.iter().map(|d| d.name.as_str()).collect();
        out.sort_by_key(|a| (a.day, order.iter().position(|n| *n == a.drug)));
        Ok((out, calvert_used))
    }

    /// Prescribed × basis for one administration, in the dose's unit.
    fn amount(
        &self,
        drug: &Drug,
        dose: PrescribedDose,
        per: DosePer,
    ) -> Result<(Decimal, Option<CalvertDose>), DoseError> {
        let unit = dose.unit();
        let split = match per {
            DosePer::Day => 1.0,
            DosePer::Cycle => drug.days.len() as f64,
        };
        let (value, calvert_used) = match dose {
            PrescribedDose::PerM2(..) => (dose.value() * m2(self.bsa.used), None),
            PrescribedDose::PerKg(..) => {
                let w = self.dose_weight.clone()?;
                (dose.value() * kg(w), None)
            }
            PrescribedDose::Flat(..) => (dose.value(), None),
            PrescribedDose::Auc(auc) => {
                let gfr = match (self.options.gfr, &self.crcl) {
                    (Some(g), _) => g,
                    (None, Some(Ok(c))) => c.value,
                    (None, Some(Err(e))) => return Err(e.clone().into()),
                    (None, None) => {
                        return Err(DoseError::NeedsMeasurement {
                            drug: drug.name.clone(),
                            needs: "a GFR for Calvert dosing: give --gfr, or --age, --sex and --scr for Cockcroft-Gault".to_owned(),
                        });
                    }
                };
                let c = calvert(auc, gfr, self.options.gfr_cap);
                (unit.of(c.dose), Some(c))
            }
        };
        Ok((dec(value / split), calvert_used))
    }

    fn own_dose(
        &self,
        drug: &Drug,
        prescribed: PrescribedDose,
        per: DosePer,
        day: u32,
    ) -> Result<(Administration, Option<CalvertDose>), DoseError> {
        let unit = prescribed.unit();
        let (calculated, calvert_used) = self.amount(drug, prescribed, per)?;
        let mut adjustments = Vec::new();
        if let Some(c) = calvert_used
            && c.gfr_capped
        {
            adjustments.push(Adjustment::GfrCap {
                gfr_ml_min: dec(crate::quantity::ml_per_min(c.gfr_given)),
                used_ml_min: dec(crate::quantity::ml_per_min(c.gfr_used)),
            });
        }
        let mut dose = calculated;
        let mut prescribed_text = prescribed.to_string();
        let reduction = self
            .options
            .reductions
            .for_drug(&drug.name, drug.role == Role::Antineoplastic);
        match reduction {
            None => {}
            Some(Reduction::Level(level)) => {
                let level_dose =
                    drug.reductions
                        .get(&level)
                        .ok_or_else(|| DoseError::NoSuchLevel {
                            drug: drug.name.clone(),
                            level,
                            regimen: self.regimen.id.clone(),
                            available: if drug.reductions.is_empty() {
                                "none".to_owned()
                            } else {
                                drug.reductions
                                    .keys()
                                    .rev()
                                    .map(i32::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            },
                        })?;
                let (reduced, _) = self.amount(drug, *level_dose, per)?;
                adjustments.push(Adjustment::ReductionLevel {
                    level,
                    prescribed: level_dose.to_string(),
                    from: dose,
                    to: reduced,
                });
                prescribed_text = format!("{prescribed} → level {level}: {level_dose}");
                dose = reduced;
            }
            Some(Reduction::Percent(p)) => {
                let reduced =
                    (dose * (Decimal::ONE_HUNDRED - p) / Decimal::ONE_HUNDRED).normalize();
                adjustments.push(Adjustment::ReductionPercent {
                    percent: p,
                    from: dose,
                    to: reduced,
                });
                prescribed_text = format!("{prescribed} − {}%", format_decimal(p));
                dose = reduced;
            }
        }
        if per == DosePer::Cycle {
            prescribed_text = format!("{prescribed_text} per cycle over {} days", drug.days.len());
        }
        let mut cap: Option<Decimal> = None;
        if prescribed.basis() == DoseBasis::PerM2 {
            let caps = [
                drug.bsa_cap.map(|c| (c, "regimen")),
                self.options.bsa_cap.map(|c| (c, "command line")),
            ];
            if let Some((c, from_setting)) = caps
                .into_iter()
                .flatten()
                .min_by(|a, b| m2(a.0).total_cmp(&m2(b.0)))
            {
                let bsa_m2 = dec(m2(self.bsa.used));
                let cap_m2 = dec(m2(c));
                // The dose at the capped BSA is a ceiling even when the cap does
                // not bind: rounding up must not carry the dose past it.
                let ceiling = (dose * cap_m2 / bsa_m2).round_dp(12).normalize();
                if bsa_m2 > cap_m2 {
                    adjustments.push(Adjustment::BsaCap {
                        bsa_m2,
                        cap_m2,
                        from_setting,
                        from: dose,
                        to: ceiling,
                    });
                    dose = ceiling;
                }
                cap = Some(ceiling);
            }
        }
        if let Some(max) = drug.max_single_dose {
            let max = dec(unit.of(max));
            if dose > max {
                adjustments.push(Adjustment::MaxSingleDose {
                    max,
                    from: dose,
                    to: max,
                });
                dose = max;
            }
            cap = Some(cap.map_or(max, |c| c.min(max)));
        }
        let final_dose = self.round(drug, day, unit, dose, cap, &mut adjustments)?;
        Ok((
            Administration {
                day,
                drug: drug.name.clone(),
                display_name: drug_display_name(&drug.name),
                role: drug.role,
                prescribed: prescribed_text,
                basis: Some(prescribed.basis()),
                unit,
                calculated,
                final_dose,
                adjustments,
                route: drug.route.clone(),
                infusion: drug.infusion.clone(),
                note: drug.note.clone(),
                instruction: None,
            },
            calvert_used,
        ))
    }

    fn round(
        &self,
        drug: &Drug,
        day: u32,
        unit: DoseUnit,
        dose: Decimal,
        cap: Option<Decimal>,
        adjustments: &mut Vec<Adjustment>,
    ) -> Result<Decimal, DoseError> {
        // A rounding for "all drugs" means the antineoplastic ones: a 1 mg step
        // is meaningless for a 300 mcg G-CSF dose. Others are named one by one.
        let rule = self
            .options
            .rounding
            .for_drug(&drug.name, drug.role == Role::Antineoplastic)
            .unwrap_or_else(|| drug.rounding.clone());
        let strengths: Vec<Decimal> = drug.strengths.iter().map(|s| dec(unit.of(*s))).collect();
        let r = round_dose(dose, unit, &rule, &strengths, cap).map_err(|e: RoundError| {
            DoseError::Rounding {
                drug: drug.name.clone(),
                reason: e.to_string(),
            }
        })?;
        if r.value != dose {
            let tolerance = self.options.rounding_tolerance_percent;
            if r.deviation_percent.abs() > tolerance {
                return Err(DoseError::RoundingTolerance {
                    drug: drug_display_name(&drug.name),
                    day,
                    calculated: format_decimal(round_dp_half_up(dose, 2)),
                    rounded: format_decimal(r.value),
                    unit: unit.symbol(),
                    deviation: format_decimal(r.deviation_percent),
                    tolerance: format_decimal(tolerance),
                });
            }
            adjustments.push(Adjustment::Rounding {
                rule: crate::render::regimen::rounding_text(&rule, unit),
                from: dose,
                to: r.value,
                deviation_percent: r.deviation_percent,
                held_under_cap: r.held_under_cap,
            });
        }
        Ok(r.value)
    }

    fn check_ceilings(
        &self,
        cycle: u32,
        admins: &[Administration],
        warnings: &mut Vec<Warning>,
    ) -> Result<(), DoseError> {
        for drug in &self.regimen.drugs {
            let Some(ceiling) = &drug.max_per_cycle else {
                continue;
            };
            let given: Vec<&Administration> =
                admins.iter().filter(|a| a.drug == drug.name).collect();
            if given.is_empty() {
                continue;
            }
            // Per-m² ceilings compare the prescribed amount per m² (what the
            // label's "mg/m² per cycle" means); mg ceilings the final doses.
            let (amount, limit, unit_text) = match ceiling.dose.basis() {
                DoseBasis::PerM2 => {
                    let bsa = dec(m2(self.bsa.used));
                    let sum: Decimal = given.iter().map(|a| a.final_mg()).sum();
                    let per_m2 = round_dp_half_up(sum / bsa, 2);
                    let prescribed = self
                        .prescribed_per_m2_in_cycle(drug, cycle)
                        .unwrap_or(per_m2);
                    (
                        prescribed.max(Decimal::ZERO),
                        dec(ceiling.dose.canonical()),
                        "mg/m²",
                    )
                }
                _ => (
                    given.iter().map(|a| a.final_mg()).sum(),
                    dec(ceiling.dose.canonical()),
                    "mg",
                ),
            };
            if amount > limit {
                let source_text = ceiling
                    .source
                    .as_ref()
                    .map_or(String::new(), |s| format!(" ({s})"));
                match &self.options.allow_over_ceiling {
                    Some(reason) => warnings.push(Warning {
                        code: "per-cycle-ceiling-overridden",
                        message: format!(
                            "{}: {} {unit_text} in cycle {cycle} is above the per-cycle ceiling of {}{source_text}; given anyway: {reason}",
                            drug_display_name(&drug.name),
                            format_decimal(amount),
                            ceiling.dose
                        ),
                    }),
                    None => {
                        return Err(DoseError::PerCycleCeiling {
                            drug: drug_display_name(&drug.name),
                            cycle,
                            amount: format!("{} {unit_text}", format_decimal(amount)),
                            ceiling: ceiling.dose.to_string(),
                            source_text,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The per-m² amount prescribed in a cycle, after a level or percent reduction.
    fn prescribed_per_m2_in_cycle(&self, drug: &Drug, cycle: u32) -> Option<Decimal> {
        let Dosing::Own { per, .. } = &drug.dosing else {
            return None;
        };
        let mut dose = drug.dose_in_cycle(cycle)?;
        if dose.basis() != DoseBasis::PerM2 {
            return None;
        }
        match self
            .options
            .reductions
            .for_drug(&drug.name, drug.role == Role::Antineoplastic)
        {
            Some(Reduction::Level(l)) => dose = *drug.reductions.get(&l)?,
            Some(Reduction::Percent(p)) => {
                dose = dose.scaled(to_f64((Decimal::ONE_HUNDRED - p) / Decimal::ONE_HUNDRED))
            }
            None => {}
        }
        let days = match per {
            DosePer::Day => drug.days.len() as f64,
            DosePer::Cycle => 1.0,
        };
        Some(round_dp_half_up(dec(dose.canonical() * days), 2))
    }

    fn totals(
        &self,
        cycle: u32,
        planned: Option<u32>,
        admins: &[Administration],
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<DrugTotal>, DoseError> {
        let bsa = dec(m2(self.bsa.used));
        let course: Option<Vec<Vec<Administration>>> = match planned {
            Some(n) => Some(
                (1..=n)
                    .map(|c| self.cycle(c).map(|x| x.0))
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        let mut out = Vec::new();
        for drug in &self.regimen.drugs {
            if matches!(drug.dosing, Dosing::Instruction(_)) {
                continue;
            }
            let unit = admins
                .iter()
                .find(|a| a.drug == drug.name)
                .map(|a| a.unit)
                .unwrap_or(DoseUnit::Mg);
            let sum = |list: &[Administration]| -> Decimal {
                list.iter()
                    .filter(|a| a.drug == drug.name)
                    .map(|a| a.final_dose)
                    .sum()
            };
            let cycle_total = sum(admins);
            let course_total = course
                .as_ref()
                .map(|cs| cs.iter().map(|c| sum(c)).sum::<Decimal>());
            let in_course = course
                .as_ref()
                .is_some_and(|cs| cs.iter().any(|c| c.iter().any(|a| a.drug == drug.name)));
            if cycle_total.is_zero() && !in_course {
                continue;
            }
            let is_per_m2 = drug
                .dose_in_cycle(cycle)
                .is_some_and(|d| d.basis() == DoseBasis::PerM2);
            let per_m2 = |d: Decimal| round_dp_half_up(d / bsa, 2);
            let limit = if self.options.lifetime_check == LifetimeCheck::Caller {
                None
            } else {
                self.limit(
                    drug,
                    unit,
                    cycle,
                    planned,
                    course_total,
                    cycle_total,
                    bsa,
                    warnings,
                )?
            };
            out.push(DrugTotal {
                drug: drug.name.clone(),
                display_name: drug_display_name(&drug.name),
                unit,
                cycle_total,
                cycle_total_per_m2: is_per_m2.then(|| per_m2(cycle_total)),
                course_cycles: planned,
                course_total,
                course_total_per_m2: course_total.filter(|_| is_per_m2).map(per_m2),
                limit,
            });
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn limit(
        &self,
        drug: &Drug,
        unit: DoseUnit,
        cycle: u32,
        planned: Option<u32>,
        course_total: Option<Decimal>,
        cycle_total: Decimal,
        bsa: Decimal,
        warnings: &mut Vec<Warning>,
    ) -> Result<Option<LimitStatus>, DoseError> {
        let to_mg = |d: Decimal| match unit {
            DoseUnit::Mg => d,
            DoseUnit::Mcg => d / Decimal::ONE_THOUSAND,
        };
        // Without a planned course, count the cycles up to this one.
        let (mg, scope) = match (course_total, planned) {
            (Some(t), Some(n)) => (to_mg(t), format!("the planned {n} cycles")),
            _ => (
                to_mg(cycle_total) * Decimal::from(cycle),
                format!("cycles 1-{cycle}"),
            ),
        };
        let exposure = Exposure {
            mg,
            mg_per_m2: round_dp_half_up(mg / bsa, 2),
        };
        lifetime_limit(drug, exposure, &scope, self.options, warnings)
    }

    fn renal_checks(&self, cycle: u32, warnings: &mut Vec<Warning>) {
        for drug in &self.regimen.drugs {
            if !drug.given_in_cycle(cycle) {
                continue;
            }
            let Some(r) = &drug.renal else { continue };
            let name = drug_display_name(&drug.name);
            match &self.crcl {
                None if self.options.gfr.is_none() && (r.required || r.flag_below.is_some()) => {
                    warnings.push(Warning {
                        code: "renal-function-missing",
                        message: format!(
                            "{name} needs renal function, but creatinine clearance could not be estimated: give --scr, --age and --sex (or --gfr)"
                        ),
                    });
                }
                Some(Err(e)) => warnings.push(Warning {
                    code: "renal-function-missing",
                    message: format!(
                        "{name} needs renal function, but Cockcroft-Gault failed: {e}"
                    ),
                }),
                _ => {}
            }
            let clearance = self
                .crcl
                .as_ref()
                .and_then(|c| c.as_ref().ok().map(|c| c.value))
                .or(self.options.gfr);
            if let (Some(threshold), Some(value)) = (r.flag_below, clearance)
                && value < threshold
            {
                warnings.push(Warning {
                    code: "renal-flag",
                    message: format!(
                        "{name}: creatinine clearance {} mL/min is below {} mL/min{}{}",
                        crate::display::format_number(crate::quantity::ml_per_min(value), 1),
                        crate::display::format_number(crate::quantity::ml_per_min(threshold), 1),
                        r.note.as_ref().map_or(String::new(), |n| format!(": {n}")),
                        r.source
                            .as_ref()
                            .map_or(String::new(), |s| format!(" ({s})")),
                    ),
                });
            }
        }
    }
}
