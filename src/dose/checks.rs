//! The checks around the dose arithmetic: names and cycles the caller asked
//! for, the regimen's status, per-cycle ceilings and renal requirements.
//!
//! Owns: what makes a plan refused or flagged besides lifetime limits (those
//! are in [`super::limits`]).
//! Never does: change a dose.

use rust_decimal::Decimal;

use super::error::{Course, DaysProblem, DoseError, DrugSetting};
use super::options::{DoseOptions, Reduction};
use super::plan::{Administration, LimitUnit};
use super::stop::{Stop, StopLedger, WeightChange};
use super::warning::Warning;
use super::{Engine, exact};
use crate::quantity::{DoseBasis, m2, ml_per_min};
use crate::regimen::{CycleCount, DosePer, Dosing, MAX_CYCLES, Regimen, Status};
use crate::rounding::round_dp_half_up;

/// Refuses drug names the regimen does not have and percent reductions
/// outside (0, 100).
pub(super) fn check_names(regimen: &Regimen, options: &DoseOptions) -> Result<(), DoseError> {
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
                known: regimen.drugs.iter().map(|d| d.name.clone()).collect(),
            });
        }
    }
    // A level, reduction or day list for a drug without a dose of its own,
    // or a rounding for a drug given by protocol, would be ignored (or, for
    // a companion's days, leave doses of its parent without it): refused.
    let given = options
        .reductions
        .drugs
        .iter()
        .map(|(name, r)| {
            let setting = match r {
                Reduction::Level(_) => DrugSetting::Level,
                Reduction::Percent(_) => DrugSetting::Percent,
            };
            (name, setting)
        })
        .chain(
            options
                .rounding
                .drugs
                .keys()
                .map(|n| (n, DrugSetting::Rounding)),
        )
        .chain(options.days.keys().map(|n| (n, DrugSetting::Days)));
    for (name, setting) in given {
        let Some(drug) = regimen.drug(name) else {
            continue;
        };
        let follows = match &drug.dosing {
            Dosing::Own { .. } => continue,
            // A companion's final dose is rounded like any other.
            Dosing::Companion { .. } if setting == DrugSetting::Rounding => continue,
            Dosing::Companion { of, .. } => Some(of.clone()),
            Dosing::Instruction(_) => None,
        };
        return Err(DoseError::NoOwnDose {
            drug: drug.name.clone(),
            setting,
            follows,
        });
    }
    for (name, set) in &options.clinical.rule_sets {
        let Some(drug) = regimen.drug(name) else {
            return Err(DoseError::UnknownDrug {
                name: name.clone(),
                regimen: regimen.id.clone(),
                known: regimen.drugs.iter().map(|d| d.name.clone()).collect(),
            });
        };
        let known = crate::rules::sets(&drug.rules);
        if !known.contains(set) {
            return Err(DoseError::UnknownRuleSet {
                drug: drug.name.clone(),
                set: set.clone(),
                known,
            });
        }
    }
    for (name, days) in &options.days {
        let Some(drug) = regimen.drug(name) else {
            return Err(DoseError::UnknownDrug {
                name: name.clone(),
                regimen: regimen.id.clone(),
                known: regimen.drugs.iter().map(|d| d.name.clone()).collect(),
            });
        };
        let bad = |problem| DoseError::BadDays {
            drug: drug.name.clone(),
            days: days.clone(),
            cycle_length: regimen.cycle.length_days,
            problem,
        };
        if days.is_empty() || days.contains(&0) {
            return Err(bad(DaysProblem::Empty));
        }
        if days.iter().any(|d| *d > regimen.cycle.length_days) {
            return Err(bad(DaysProblem::OutsideCycle));
        }
        if matches!(
            drug.dosing,
            Dosing::Own {
                per: DosePer::Cycle,
                ..
            }
        ) {
            return Err(bad(DaysProblem::CycleTotal));
        }
    }
    for r in options
        .reductions
        .drugs
        .values()
        .chain(options.reductions.all.iter())
    {
        if let Reduction::Percent(p) = r
            && !p.is_reduction()
        {
            return Err(DoseError::BadReduction(*p));
        }
    }
    Ok(())
}

/// Refuses a day to judge (`ClinicalInputs::day`) outside the cycle: day 0,
/// or beyond the cycle's length. The verdict read "Clinical rules, day 400:
/// PROCEED" for a 21-day cycle.
pub(super) fn check_day(regimen: &Regimen, options: &DoseOptions) -> Result<(), DoseError> {
    match options.clinical.day {
        Some(day) if day == 0 || day > regimen.cycle.length_days => {
            Err(DoseError::DayOutsideCycle {
                day,
                cycle_length: regimen.cycle.length_days,
            })
        }
        _ => Ok(()),
    }
}

/// Refuses a planned course of 0 or more than [`MAX_CYCLES`] cycles, and a
/// cycle outside the planned course (or cycle 0, or beyond [`MAX_CYCLES`]).
pub(super) fn check_cycle(
    regimen: &Regimen,
    cycle: u32,
    planned: Option<u32>,
) -> Result<(), DoseError> {
    if let Some(p) = planned
        && !(1..=MAX_CYCLES).contains(&p)
    {
        return Err(DoseError::BadCycleCount {
            cycles: p,
            max: MAX_CYCLES,
        });
    }
    if cycle > MAX_CYCLES && planned.is_none() {
        return Err(DoseError::CycleOutOfRange {
            cycle,
            regimen: regimen.id.clone(),
            course: Course::AtMost(MAX_CYCLES),
        });
    }
    if cycle == 0 || planned.is_some_and(|p| cycle > p) {
        return Err(DoseError::CycleOutOfRange {
            cycle,
            regimen: regimen.id.clone(),
            course: planned.map_or(Course::Regimen(regimen.cycle.count), Course::Planned),
        });
    }
    Ok(())
}

/// The BSA rounding, held to the dose rounding tolerance: a BSA rounded by
/// 10 % moves every per-m² dose by 10 %, with no adjustment on any of them.
/// Judged when the cycle has a per-m² dose.
pub(super) fn bsa_rounding(
    bsa: &crate::bsa::BodySurfaceArea,
    tolerance: crate::quantity::Percent,
) -> Result<(), DoseError> {
    if !bsa.rounding_exceeds(tolerance) {
        return Ok(());
    }
    let dec = |a| crate::rounding::to_decimal(m2(a)).unwrap_or_default();
    Err(DoseError::BsaRoundingTolerance {
        unrounded_m2: dec(bsa.unrounded),
        used_m2: dec(bsa.used),
        deviation: bsa.rounding_change_percent(),
        tolerance,
    })
}

/// The regimen's own standing: a draft or withdrawn regimen is a stop (not
/// for new patients); a case report is a warning; a planned course longer
/// than the regimen allows is a warning.
pub(super) fn status_checks(
    regimen: &Regimen,
    options: &DoseOptions,
    ledger: &mut StopLedger,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    match regimen.status {
        Status::Active => {}
        Status::CaseReport => warnings.push(Warning::RegimenStatus {
            regimen: regimen.id.clone(),
            status: regimen.status,
            note: regimen.status_note.clone(),
        }),
        Status::Draft | Status::Withdrawn => ledger.meet(
            Stop::RegimenStatus {
                regimen: regimen.id.clone(),
                status: regimen.status,
                note: regimen.status_note.clone(),
            },
            &options.overrides,
        ),
    }
    let course_max = match regimen.cycle.count {
        CycleCount::Fixed(n) => Some(n),
        CycleCount::UntilProgression { max } => max,
    };
    if let (Some(planned), Some(max)) = (options.planned_cycles, course_max)
        && planned > max
    {
        warnings.push(Warning::CourseBeyondRegimen { planned, max });
    }
    warnings
}

/// Today's weight against the earlier ones: a change of the threshold or
/// more is a stop, 5 % or more a warning (clinical reference §9.7).
pub(super) fn weight_checks(
    patient: &crate::patient::Patient,
    options: &DoseOptions,
    warnings: &mut Vec<Warning>,
    ledger: &mut StopLedger,
) {
    let Some(today) = crate::rounding::to_decimal(crate::quantity::kg(patient.weight)) else {
        return;
    };
    for r in &options.weight_references {
        let Some(before) = crate::rounding::to_decimal(crate::quantity::kg(r.weight)) else {
            continue;
        };
        if before.is_zero() {
            continue;
        }
        let exact_percent = (today - before) / before * Decimal::ONE_HUNDRED;
        let change = WeightChange {
            reference: r.kind,
            date: r.date,
            from_kg: before,
            to_kg: today,
            change_percent: round_dp_half_up(exact_percent, 1),
            threshold: options.weight_change_threshold,
        };
        if exact_percent.abs() >= options.weight_change_threshold.value() {
            ledger.meet(Stop::WeightChange(change), &options.overrides);
        } else if exact_percent.abs() >= DoseOptions::WEIGHT_CHANGE_INFORMATION.value() {
            warnings.push(Warning::WeightChange(change));
        }
    }
}

impl Engine<'_> {
    /// Per-cycle ceilings, judged on the doses given: the final doses of the
    /// cycle (per m² of the BSA used, for a per-m² ceiling) against the
    /// ceiling, exactly; the amount is shown to 2 decimals.
    pub(super) fn check_ceilings(
        &self,
        cycle: u32,
        admins: &[Administration],
        ledger: &mut StopLedger,
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
            let final_mg: Decimal = given.iter().map(|a| a.final_mg()).sum();
            let limit = exact(ceiling.dose.canonical(), drug)?;
            let (over, amount, unit) = match ceiling.dose.basis() {
                DoseBasis::PerM2 => {
                    let not_representable = || DoseError::NotRepresentable {
                        drug: drug.name.clone(),
                    };
                    let bsa = self.bsa.used_m2().ok_or_else(not_representable)?;
                    let per_m2 = final_mg.checked_div(bsa).ok_or_else(not_representable)?;
                    let allowed = limit.checked_mul(bsa).ok_or_else(not_representable)?;
                    (
                        final_mg > allowed,
                        round_dp_half_up(per_m2, 2),
                        LimitUnit::MgPerM2,
                    )
                }
                _ => (final_mg > limit, final_mg, LimitUnit::Mg),
            };
            if !over {
                continue;
            }
            ledger.meet(
                Stop::PerCycleCeiling {
                    drug: drug.name.clone(),
                    cycle,
                    amount,
                    unit,
                    ceiling: ceiling.dose,
                    ceiling_source: ceiling.source.clone(),
                },
                &self.options.overrides,
            );
        }
        Ok(())
    }

    /// Renal requirements: a drug that needs renal function without one is
    /// flagged, and a clearance below a drug's threshold is flagged.
    pub(super) fn renal_checks(&self, cycle: u32, warnings: &mut Vec<Warning>) {
        for drug in &self.regimen.drugs {
            if !drug.given_in_cycle(cycle) {
                continue;
            }
            let Some(r) = &drug.renal else { continue };
            match &self.crcl {
                None if self.options.gfr.is_none() && (r.required || r.flag_below.is_some()) => {
                    warnings.push(Warning::RenalFunctionMissing {
                        drug: drug.name.clone(),
                    });
                }
                Some(Err(e)) => warnings.push(Warning::RenalFunctionFailed {
                    drug: drug.name.clone(),
                    error: e.clone(),
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
                warnings.push(Warning::RenalFlag {
                    drug: drug.name.clone(),
                    clearance_ml_min: ml_per_min(value),
                    threshold_ml_min: ml_per_min(threshold),
                    note: r.note.clone(),
                    source: r.source.clone(),
                });
            }
        }
    }
}
