//! The dose engine: one patient, one regimen, one cycle → every drug's dose on
//! every administration day, with every adjustment listed next to it.
//!
//! Order of operations (fixed; this file is the one place it is decided):
//! 1. prescribed dose × basis (BSA used for dosing, weight, or Calvert GFR);
//!    a per-cycle dose is split evenly over its days (`Engine::amount`);
//! 2. clinical rules and reduction (`clinical`, decided once per drug and
//!    cycle in `Engine::in_force`): requirements and stops, then the one
//!    change to the dose — an organ-function band, a toxicity level, the
//!    caller's reduction, or on the day judged a treatment-day criterion; a
//!    regimen level replaces the prescribed dose, a percent scales it; more
//!    than one change is a stop;
//! 3. caps: the per-drug or caller's BSA cap (steps 1 and 2 again at the
//!    cap, so that a dose exact in decimal stays exact: 75 mg/m² × 2 m² is
//!    150 mg, not 149.999999999806 mg), then the maximum single dose;
//!    a per-cycle ceiling becomes a cap on each administration too, so that
//!    rounding cannot carry the cycle past it;
//! 4. rounding by the drug's rule, never above a cap (it rounds down
//!    instead, shown), refused beyond the tolerance (default 10 %, HOPA)
//!    ([`round`]);
//! 5. companions (mesna) from the parent's final dose on the same day;
//! 6. supportive care and premedication given several times a day become
//!    one administration per time, each of the dose computed for one time
//!    (mesna 20 % at 0, 4 and 8 h);
//! 7. a drug given only from a cumulative dose of another (`given_when`:
//!    dexrazoxane from cumulative doxorubicin 300 mg/m²) is left out of a
//!    cycle that starts below it;
//! 8. the standard antiemetic set for the regimen's emetogenic risk on its
//!    chemotherapy days ([`crate::antiemetics`]), once the plan is not
//!    refused.
//!
//! Then the checks (`checks`): per-cycle ceilings (cisplatin > 100 mg/m² per
//! cycle), lifetime limits against the planned course plus prior exposure
//! (`limits`), and the renal requirements. A check that fails is an error
//! naming the limit and its source, unless the caller gives a reason to
//! override it, which the output then shows.
//!
//! Never does: read files, print, write text for people (the plan holds
//! values; [`crate::render`] writes them) or guess a missing measurement.

mod caps;
mod checks;
mod clinical;
mod error;
mod limits;
mod options;
mod plan;
pub mod round;
mod stop;
mod supportive;
mod warning;

use std::cell::RefCell;
use std::rc::Rc;

use rust_decimal::Decimal;
use uom::si::f64::{Area, Mass};

use crate::bsa::{BodySurfaceArea, adjusted_body_weight, ideal_body_weight};
use crate::patient::Patient;
use crate::quantity::{DoseBasis, DoseUnit, PrescribedDose, kg, m2, ml_per_min};
use crate::regimen::{DosePer, Dosing, Drug, Regimen, Role};
use crate::renal::{
    CalvertDose, CreatinineClearance, RenalError, WeightBasis, calvert, cockcroft_gault,
};
use crate::rounding::to_decimal;

pub use error::{Course, DaysProblem, DoseError, DrugSetting, Needed};
pub(crate) use limits::file_limit;
pub use limits::{LimitJudgement, judge_lifetime_limit, lifetime_limit};
pub use options::{
    DoseOptions, LifetimeCheck, PerDrug, PriorExposure, Reduction, UncountedLine, WeightReference,
    WeightReferenceKind,
};
pub use plan::{
    Adjustment, Administration, AppliedReduction, Assessment, CapSource, Change, ChangedDays,
    DosePlan, DoseTime, DrugAssessment, DrugTotal, Exposure, LimitScope, LimitStatus, LimitUnit,
    Prescription, RenalUsed, cycle_day, day_offset, days_from_cycle_start, same_day,
};
pub(crate) use stop::StopLedger;
pub use stop::{Overridden, Overrides, Stop, WeightChange};
pub use warning::Warning;

use crate::rules::Action;
use clinical::{Assessor, DrugRules};

/// Computes one cycle's doses, totals and checks.
///
/// ```
/// use chemodose::dose::{DoseOptions, calculate};
/// use chemodose::patient::Patient;
/// use chemodose::quantity::{parse_height, parse_weight};
/// use chemodose::regimen::parse_regimen;
/// use rust_decimal::dec;
///
/// let regimen = parse_regimen("gem.toml", r#"
///     id = "gem"
///     name = "Gemcitabine"
///     version = "1"
///     status = "active"
///     last_reviewed = 2026-11-22
///     emetogenic_risk = "low"
///     [cycle]
///     length_days = 21
///     cycles = 6
///     [[source]]
///     citation = "Example"
///     [[drug]]
///     name = "gemcitabine"
///     role = "antineoplastic"
///     dose = "900 mg/m2"
///     route = "IV"
///     days = "1,8"
///     round = "1 mg"
/// "#).unwrap();
/// let patient = Patient::new(parse_height("170cm").unwrap(), parse_weight("70kg").unwrap());
/// let plan = calculate(&regimen, &patient, 1, &DoseOptions::default()).unwrap();
/// // Mosteller sqrt(170 × 70 / 3600) = 1.8181 m², used as 1.82 m²;
/// // 900 mg/m² × 1.82 m² = 1638 mg on days 1 and 8.
/// assert_eq!(plan.administrations[0].final_dose, dec!(1638));
/// assert_eq!(plan.totals[0].cycle_total, dec!(3276));
/// ```
///
/// # Errors
/// Bad input: a height and weight that cannot be one person's
/// ([`DoseError::Measurement`]), a BSA or renal estimate that cannot be made
/// ([`DoseError::Bsa`], [`DoseError::Renal`]), a missing measurement
/// ([`DoseError::NeedsMeasurement`]), a drug or level the regimen does not
/// have, a cycle outside the course. Safety stops
/// ([`DoseError::is_safety_stop`]): a per-cycle ceiling or lifetime limit
/// crossed without a reason to override it, or rounding beyond the tolerance.
pub fn calculate(
    regimen: &Regimen,
    patient: &Patient,
    cycle: u32,
    options: &DoseOptions,
) -> Result<DosePlan, DoseError> {
    crate::quantity::check_proportions(patient.height, patient.weight)?;
    checks::check_names(regimen, options)?;
    checks::check_day(regimen, options)?;
    let planned = options.planned_cycles.or(regimen.cycle.count.planned());
    checks::check_cycle(regimen, cycle, planned)?;
    let mut ledger = StopLedger::default();
    let mut warnings = checks::status_checks(regimen, options, &mut ledger);
    checks::weight_checks(patient, options, &mut warnings, &mut ledger);
    let bsa = BodySurfaceArea::compute(
        options.bsa_formula,
        patient.height,
        patient.weight,
        patient.sex,
        options.bsa_rounding,
    )?;
    let any_per_m2 = regimen.drugs.iter().any(|d| {
        d.given_in_cycle(cycle)
            && d.dose_in_cycle(cycle)
                .is_some_and(|p| p.basis() == DoseBasis::PerM2)
    });
    if any_per_m2 {
        checks::bsa_rounding(&bsa, options.rounding_tolerance)?;
    }
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
    let engine = Engine {
        regimen,
        options,
        bsa,
        dose_weight: dose_weight(patient, options.dose_weight),
        crcl,
        scr_mg_dl: patient.serum_creatinine.map(crate::quantity::mg_per_dl),
        rules: RefCell::new(vec![None; regimen.drugs.len()]),
    };
    let cycle_start = options.clinical.cycle_start;
    let mut assessor = Assessor {
        ledger: &mut ledger,
        day: match (cycle_start, options.clinical.day) {
            (None, Some(day)) => day,
            _ => engine.first_day(cycle),
        },
        on: options.clinical.on,
        cycle_start,
        every_day: cycle_start.is_some(),
        drugs: Vec::new(),
    };
    let (mut administrations, calvert_used) = engine.cycle(cycle, Some(&mut assessor))?;
    let assessment = assessor.finish();
    let any_per_kg = regimen.drugs.iter().any(|d| {
        d.given_in_cycle(cycle)
            && d.dose_in_cycle(cycle)
                .is_some_and(|p| p.basis() == DoseBasis::PerKg)
    });
    engine.check_ceilings(cycle, &administrations, &mut ledger)?;
    engine.gcsf_timing(&mut ledger);
    let totals = engine.totals(cycle, planned, &administrations, &mut warnings, &mut ledger)?;
    engine.renal_checks(cycle, &mut warnings);
    if !ledger.refused.is_empty() {
        return Err(DoseError::Refused(ledger.refused));
    }
    engine.conditions(cycle, &mut administrations)?;
    supportive::antiemetics(regimen, &mut administrations);
    let renal = RenalUsed {
        crcl: engine.crcl.as_ref().and_then(|r| r.as_ref().ok().copied()),
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
            engine
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
        overridden: ledger.overridden,
        assessment,
    })
}

/// The checks of a plan that do not depend on the patient: drug names and
/// reductions, day lists, the cycle, and the regimen's status (a draft or
/// withdrawn regimen is refused unless its stop is overridden). A caller
/// that doses many patients with one plan runs them once, up front.
///
/// # Errors
/// As [`calculate`] for these checks.
pub fn check_plan(regimen: &Regimen, cycle: u32, options: &DoseOptions) -> Result<(), DoseError> {
    checks::check_names(regimen, options)?;
    checks::check_day(regimen, options)?;
    let planned = options.planned_cycles.or(regimen.cycle.count.planned());
    checks::check_cycle(regimen, cycle, planned)?;
    let mut ledger = StopLedger::default();
    checks::status_checks(regimen, options, &mut ledger);
    if ledger.refused.is_empty() {
        Ok(())
    } else {
        Err(DoseError::Refused(ledger.refused))
    }
}

/// The weight per-kg doses use.
fn dose_weight(patient: &Patient, basis: WeightBasis) -> Result<Mass, DoseError> {
    let needs_sex = || DoseError::NeedsMeasurement {
        drug: None,
        needs: Needed::SexForDoseWeight(basis),
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

/// A floating-point result as an exact decimal, or an error naming the drug:
/// never a silent zero.
fn exact(x: f64, drug: &Drug) -> Result<Decimal, DoseError> {
    to_decimal(x).ok_or_else(|| DoseError::NotRepresentable {
        drug: drug.name.clone(),
    })
}

/// A drug given by an instruction (a blank to fill) on `day`.
pub(crate) fn instruction(drug: &Drug, text: &str, day: i32) -> Administration {
    Administration {
        day,
        drug: drug.name.clone(),
        role: drug.role,
        prescription: Prescription::Instruction(text.to_owned()),
        unit: DoseUnit::Mg,
        calculated: Decimal::ZERO,
        final_dose: Decimal::ZERO,
        adjustments: Vec::new(),
        route: drug.route.clone(),
        infusion: drug.infusion.clone(),
        note: drug.note.clone(),
        verdict: None,
        criteria: Vec::new(),
        time: None,
    }
}

/// The dose in force for a drug in a cycle: the prescribed dose (a phase dose
/// where one applies), the caller's reduction and the clinical rules, decided
/// once ([`Engine::in_force`]) for every administration of the cycle.
#[derive(Debug, Clone, PartialEq)]
struct InForce {
    /// The full dose the regimen prescribes in this cycle.
    dose: PrescribedDose,
    /// Per day or per cycle.
    per: DosePer,
    /// The caller's reduction, with the level's dose.
    reduction: Option<AppliedReduction>,
    /// The drug's rules: the changes to its dose (in order), stops, and
    /// whether it is left out. Shared by every cycle of the plan
    /// ([`Engine::rules`]).
    rules: Rc<DrugRules>,
}

/// What the engine works from, computed once per plan.
struct Engine<'a> {
    regimen: &'a Regimen,
    options: &'a DoseOptions,
    bsa: BodySurfaceArea,
    dose_weight: Result<Mass, DoseError>,
    crcl: Option<Result<CreatinineClearance, RenalError>>,
    /// Serum creatinine, mg/dL, for rules that read it.
    scr_mg_dl: Option<f64>,
    /// Each drug's rules with the caller's reduction, by the drug's place in
    /// the regimen, once evaluated. They read only the plan's inputs (the
    /// caller's, the renal estimate, the reduction), never the cycle, so
    /// the course totals (every cycle) evaluate them once, not per cycle.
    rules: RefCell<Vec<Option<RulesFor>>>,
}

/// A drug's rules, shared, and the caller's reduction they were evaluated with.
type RulesFor = (Option<AppliedReduction>, Rc<DrugRules>);

impl Engine<'_> {
    /// One cycle's administrations, in day order, and the Calvert result if
    /// any. With an assessor (the cycle asked for), the clinical rules'
    /// stops are recorded and the day assessed is judged; without one (the
    /// other cycles of the course, for totals) only their changes apply.
    fn cycle(
        &self,
        cycle: u32,
        mut assess: Option<&mut Assessor<'_>>,
    ) -> Result<(Vec<Administration>, Option<CalvertDose>), DoseError> {
        let mut out: Vec<Administration> = Vec::new();
        let mut calvert_used = None;
        for drug in &self.regimen.drugs {
            let Some(in_force) = self.in_force(drug, cycle)? else {
                continue;
            };
            let has_rules =
                self.options.apply_rules && (!drug.rules.is_empty() || !drug.requires.is_empty());
            // The drug's assessment, for the cycle asked for only (the
            // other cycles of the course are computed for their totals).
            let mut assessment = assess.is_some().then(|| in_force.rules.assessment.clone());
            if let Some(a) = assess.as_deref_mut() {
                for stop in &in_force.rules.stops {
                    a.ledger.meet(stop.clone(), &self.options.overrides);
                }
            }
            if in_force.rules.omitted.is_none() {
                for &day in self.days(drug) {
                    let judged = match assess.as_deref_mut() {
                        Some(a) if has_rules && (a.every_day || a.day == day) => {
                            Some(self.judge_day(drug, &in_force, day, a))
                        }
                        _ => None,
                    };
                    let change = judged.as_ref().and_then(|j| j.change.as_ref());
                    let (mut adm, c) = self.own_dose(drug, &in_force, cycle_day(day), change)?;
                    calvert_used = calvert_used.or(c);
                    // A day is judged only with an assessor, which comes
                    // with the assessment.
                    if let Some(j) = judged
                        && let Some(assessment) = assessment.as_mut()
                    {
                        let by_rule = j.change.is_some()
                            || in_force
                                .rules
                                .changes
                                .iter()
                                .any(|c| matches!(c, Change::Rule { .. }));
                        let verdict = clinical::verdict(assessment, &j.results, by_rule);
                        adm.verdict = has_rules.then_some(verdict);
                        if assess.as_deref().is_some_and(|a| a.day == day) {
                            assessment.day = j.results.clone();
                        }
                        adm.criteria = j.results;
                    }
                    out.push(adm);
                }
            }
            if let Some(a) = assess.as_deref_mut()
                && has_rules
                && let Some(mut assessment) = assessment
            {
                // The drug's verdict is the day assessed's; a drug not given
                // that day is judged on its organ and toxicity rules alone.
                let by_rule = out.iter().any(|x| {
                    x.drug == drug.name
                        && same_day(a.day, x.day)
                        && x.adjustments
                            .iter()
                            .any(|j| matches!(j, Adjustment::Rule { .. }))
                }) || in_force
                    .rules
                    .changes
                    .iter()
                    .any(|c| matches!(c, Change::Rule { .. }));
                assessment.verdict = clinical::verdict(&assessment, &assessment.day, by_rule);
                a.drugs.push(assessment);
            }
        }
        for drug in &self.regimen.drugs {
            let Dosing::Companion { of, percent } = &drug.dosing else {
                continue;
            };
            if !drug.given_in_cycle(cycle) {
                continue;
            }
            for day in self.days(drug).iter().map(|&d| cycle_day(d)) {
                let Some(parent) = out.iter().find(|a| a.drug == *of && a.day == day) else {
                    continue;
                };
                let companion = self.companion(drug, of, *percent, parent.final_mg(), day)?;
                out.push(companion);
            }
        }
        for drug in &self.regimen.drugs {
            let Dosing::Instruction(text) = &drug.dosing else {
                continue;
            };
            if !drug.given_in_cycle(cycle) {
                continue;
            }
            for day in self.days(drug).iter().map(|&d| cycle_day(d)) {
                out.push(instruction(drug, text, day));
            }
        }
        self.relative_days(cycle, &mut out)?;
        let mut out = supportive::timed(self.regimen, out);
        let order: Vec<&str> = self.regimen.drugs.iter().map(|d| d.name.as_str()).collect();
        // Stable: a drug's doses of the day stay in the order of their times.
        out.sort_by_key(|a| (a.day, order.iter().position(|n| *n == a.drug)));
        Ok((out, calvert_used))
    }

    /// The drug's days in this plan: the day list the caller prescribed, or
    /// the regimen's.
    fn days<'d>(&'d self, drug: &'d Drug) -> &'d [u32] {
        if let Some(days) = self.options.days.get(&drug.name) {
            return days;
        }
        // A companion (mesna) goes with every dose of its parent: when the
        // prescriber states the parent's days, it follows them.
        if let Dosing::Companion { of, .. } = &drug.dosing
            && let Some(days) = self.options.days.get(of)
        {
            return days;
        }
        &drug.days
    }

    /// Step 2: the dose in force for `drug` in `cycle`, after the caller's
    /// reduction; `None` for a drug not given in the cycle or without a dose
    /// of its own (companions, instructions).
    fn in_force(&self, drug: &Drug, cycle: u32) -> Result<Option<InForce>, DoseError> {
        if !drug.given_in_cycle(cycle) {
            return Ok(None);
        }
        let (Dosing::Own { per, .. }, Some(dose)) = (&drug.dosing, drug.dose_in_cycle(cycle))
        else {
            return Ok(None);
        };
        let reduction = match self
            .options
            .reductions
            .for_drug(&drug.name, drug.role == Role::Antineoplastic)
        {
            None => None,
            Some(Reduction::Level(level)) => {
                let level_dose =
                    drug.reductions
                        .get(&level)
                        .ok_or_else(|| DoseError::NoSuchLevel {
                            drug: drug.name.clone(),
                            level,
                            regimen: self.regimen.id.clone(),
                            available: drug.reductions.keys().rev().copied().collect(),
                        })?;
                Some(AppliedReduction::Level {
                    level,
                    dose: *level_dose,
                })
            }
            Some(Reduction::Percent(p)) => Some(AppliedReduction::Percent(p)),
        };
        let rules = self.rules(drug, reduction)?;
        Ok(Some(InForce {
            dose,
            per: *per,
            reduction,
            rules,
        }))
    }

    /// [`Engine::drug_rules`] for `drug` and the caller's reduction,
    /// evaluated on the first call and shared afterwards (an error is not
    /// kept: it is returned again on the next call).
    fn rules(
        &self,
        drug: &Drug,
        reduction: Option<AppliedReduction>,
    ) -> Result<Rc<DrugRules>, DoseError> {
        let place = self
            .regimen
            .drugs
            .iter()
            .position(|d| std::ptr::eq(d, drug));
        if let Some(i) = place
            && let Some((r, rules)) = &self.rules.borrow()[i]
            && *r == reduction
        {
            return Ok(Rc::clone(rules));
        }
        let rules = Rc::new(self.drug_rules(drug, reduction)?);
        if let Some(i) = place {
            self.rules.borrow_mut()[i] = Some((reduction, Rc::clone(&rules)));
        }
        Ok(rules)
    }

    /// Step 1: prescribed × basis for one administration, in the dose's unit.
    fn amount(
        &self,
        drug: &Drug,
        dose: PrescribedDose,
        per: DosePer,
    ) -> Result<(Decimal, Option<CalvertDose>), DoseError> {
        self.amount_at(drug, dose, per, self.bsa.used)
    }

    /// Step 1 at a BSA of `bsa` (the BSA used, or a BSA cap).
    fn amount_at(
        &self,
        drug: &Drug,
        dose: PrescribedDose,
        per: DosePer,
        bsa: Area,
    ) -> Result<(Decimal, Option<CalvertDose>), DoseError> {
        let unit = dose.unit();
        let split = match per {
            DosePer::Day => 1.0,
            DosePer::Cycle => self.days(drug).len() as f64,
        };
        let (value, calvert_used) = match dose {
            PrescribedDose::PerM2(..) => (dose.value() * m2(bsa), None),
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
                            drug: Some(drug.name.clone()),
                            needs: Needed::GfrForCalvert,
                        });
                    }
                };
                let c = calvert(auc, gfr, self.options.gfr_cap);
                (unit.of(c.dose), Some(c))
            }
        };
        Ok((exact(value / split, drug)?, calvert_used))
    }

    /// Steps 1-4 for one administration of a drug's own dose.
    fn own_dose(
        &self,
        drug: &Drug,
        in_force: &InForce,
        day: i32,
        day_change: Option<&Change>,
    ) -> Result<(Administration, Option<CalvertDose>), DoseError> {
        let prescribed = in_force.dose;
        let per = in_force.per;
        let reduction = in_force.reduction;
        let unit = prescribed.unit();
        let (calculated, calvert_used) = self.amount(drug, prescribed, per)?;
        let mut adjustments = Vec::new();
        if let Some(c) = calvert_used
            && c.gfr_capped
        {
            adjustments.push(Adjustment::GfrCap {
                gfr_ml_min: exact(ml_per_min(c.gfr_given), drug)?,
                used_ml_min: exact(ml_per_min(c.gfr_used), drug)?,
            });
        }
        let changes = || in_force.rules.changes.iter().chain(day_change);
        let mut dose = calculated;
        // Percentages applied so far: a level or dose that replaces the
        // prescribed dose afterwards (an overridden combination) keeps them,
        // and never raises the dose so far.
        let mut scale = Decimal::ONE;
        for change in changes() {
            dose = self.apply(
                drug,
                per,
                change,
                dose,
                &mut scale,
                &mut adjustments,
                self.bsa.used,
            )?;
        }
        // Steps 1 and 2 again at a capped BSA: the capped dose comes from the
        // cap's own figure (75 mg/m² × 2 m² = 150 mg), not from the dose
        // scaled by cap ÷ BSA, whose twelve-digit quotient left
        // 149.999999999806 mg for rounding to take down to 140 mg.
        let at_bsa = |bsa: Area| -> Result<Decimal, DoseError> {
            let (mut dose, _) = self.amount_at(drug, prescribed, per, bsa)?;
            let (mut scale, mut unused) = (Decimal::ONE, Vec::new());
            for change in changes() {
                dose = self.apply(drug, per, change, dose, &mut scale, &mut unused, bsa)?;
            }
            Ok(dose)
        };
        let (dose, cap) = self.caps(drug, prescribed, unit, dose, at_bsa, &mut adjustments)?;
        let final_dose = self.round(drug, day, unit, dose, cap, &mut adjustments)?;
        Ok((
            Administration {
                day,
                drug: drug.name.clone(),
                role: drug.role,
                prescription: Prescription::Own {
                    dose: prescribed,
                    per,
                    days: u32::try_from(self.days(drug).len()).unwrap_or(u32::MAX),
                    reduction,
                    changed_days: self.options.days.get(&drug.name).map(|given| ChangedDays {
                        given: given.clone(),
                        regimen: drug.days.clone(),
                    }),
                },
                unit,
                calculated,
                final_dose,
                adjustments,
                route: drug.route.clone(),
                infusion: drug.infusion.clone(),
                note: drug.note.clone(),
                verdict: None,
                criteria: Vec::new(),
                time: None,
            },
            calvert_used,
        ))
    }

    /// Step 2: one change to the dose, recorded as an adjustment: a level or
    /// a dose replaces the prescribed dose (at the same basis), a percentage
    /// scales the dose so far.
    /// `bsa` is the BSA a level or dose per m² is computed at (the BSA used,
    /// or a BSA cap).
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        drug: &Drug,
        per: DosePer,
        change: &Change,
        dose: Decimal,
        scale: &mut Decimal,
        adjustments: &mut Vec<Adjustment>,
        bsa: Area,
    ) -> Result<Decimal, DoseError> {
        let level_dose = |level: i32| {
            drug.reductions
                .get(&level)
                .copied()
                .ok_or_else(|| DoseError::NoSuchLevel {
                    drug: drug.name.clone(),
                    level,
                    regimen: self.regimen.id.clone(),
                    available: drug.reductions.keys().rev().copied().collect(),
                })
        };
        Ok(match change {
            Change::Caller(AppliedReduction::Level {
                level,
                dose: level_dose,
            }) => {
                let (level_amount, _) = self.amount_at(drug, *level_dose, per, bsa)?;
                // Never above the dose so far (a combination never gives more
                // than one of its changes alone).
                let reduced = (level_amount * *scale).min(dose).normalize();
                adjustments.push(Adjustment::ReductionLevel {
                    level: *level,
                    dose: *level_dose,
                    from: dose,
                    to: reduced,
                });
                reduced
            }
            Change::Caller(AppliedReduction::Percent(p)) => {
                *scale *= p.remaining_fraction();
                let reduced = (dose * p.remaining_fraction()).normalize();
                adjustments.push(Adjustment::ReductionPercent {
                    percent: *p,
                    from: dose,
                    to: reduced,
                });
                reduced
            }
            Change::Rule { rule, level } => {
                let to = match (&rule.rule.then, level) {
                    (_, Some(l)) => (self.amount_at(drug, level_dose(*l)?, per, bsa)?.0 * *scale)
                        .min(dose)
                        .normalize(),
                    (Action::Give(p), None) => {
                        *scale *= p.value() / Decimal::ONE_HUNDRED;
                        (dose * p.value() / Decimal::ONE_HUNDRED).normalize()
                    }
                    (Action::Dose(d), None) => (self.amount_at(drug, *d, per, bsa)?.0 * *scale)
                        .min(dose)
                        .normalize(),
                    _ => dose,
                };
                adjustments.push(Adjustment::Rule {
                    rule: rule.clone(),
                    level: *level,
                    from: dose,
                    to,
                });
                to
            }
        })
    }

    /// Step 5: a companion's dose from its parent's final dose on the day.
    fn companion(
        &self,
        drug: &Drug,
        of: &str,
        percent: Decimal,
        parent_mg: Decimal,
        day: i32,
    ) -> Result<Administration, DoseError> {
        let calculated = (parent_mg * percent / Decimal::ONE_HUNDRED).normalize();
        let mut adjustments = Vec::new();
        let final_dose = self.round(drug, day, DoseUnit::Mg, calculated, None, &mut adjustments)?;
        Ok(Administration {
            day,
            drug: drug.name.clone(),
            role: drug.role,
            prescription: Prescription::Companion {
                of: of.to_owned(),
                percent,
            },
            unit: DoseUnit::Mg,
            calculated,
            final_dose,
            adjustments,
            route: drug.route.clone(),
            infusion: drug.infusion.clone(),
            note: drug.note.clone(),
            verdict: None,
            criteria: Vec::new(),
            time: None,
        })
    }
}
