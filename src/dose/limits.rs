//! Totals and lifetime limits: a drug's cycle and course totals, and where
//! the patient stands against the drug's lifetime limit (prior exposure
//! included).
//!
//! Owns: [`lifetime_limit`] (where the patient stands) and
//! [`judge_lifetime_limit`], the one place lifetime limits are judged (a
//! warning at 80 %, a stop past 100 % unless a reason is given).
//! Never does: change a dose.

use std::rc::Rc;

use rust_decimal::Decimal;

use super::error::DoseError;
use super::options::{DoseOptions, LifetimeCheck};
use super::plan::{Administration, DrugTotal, Exposure, LimitScope, LimitStatus, LimitUnit};
use super::stop::{Stop, StopLedger};
use super::warning::Warning;
use super::{Engine, exact};
use crate::anthracycline::AnthracyclinePolicy;
use crate::quantity::{DoseBasis, DoseUnit, PrescribedDose};
use crate::regimen::{Dosing, Drug};
use crate::rounding::round_dp_half_up;

/// Share of a lifetime limit at which a warning is shown, percent.
const NEAR_LIMIT_PERCENT: u32 = 80;

/// Where the patient stands against the drug's lifetime limit: `course`
/// plus the prior exposure in `options`, against the limit in force (the
/// lower one after cardiac-region radiation). `Ok(None)` for a drug without
/// a limit. Judged by [`judge_lifetime_limit`].
///
/// # Errors
/// [`DoseError::NotRepresentable`] for a limit beyond decimal arithmetic.
pub fn lifetime_limit(
    drug: &Drug,
    course: Exposure,
    options: &DoseOptions,
) -> Result<Option<LimitStatus>, DoseError> {
    if let Some(f) = options.anthracycline.factors.factor(&drug.name) {
        return anthracycline_limit(drug, f.factor, course, options).map(Some);
    }
    let Some(l) = &drug.lifetime_limit else {
        return Ok(None);
    };
    let (limit_dose, after) = match (options.cardiac_radiation, l.after_cardiac_radiation) {
        (true, Some(a)) => (a, true),
        _ => (l.lifetime, false),
    };
    let unit = if limit_dose.basis() == DoseBasis::PerM2 {
        LimitUnit::MgPerM2
    } else {
        LimitUnit::Mg
    };
    let in_unit = |e: Exposure| match unit {
        LimitUnit::MgPerM2 => e.mg_per_m2,
        LimitUnit::Mg => e.mg,
    };
    let prior: Decimal = options
        .prior
        .iter()
        .filter(|p| p.drug == drug.name)
        .map(|p| {
            in_unit(Exposure {
                mg: p.mg,
                mg_per_m2: p.mg_per_m2,
            })
        })
        .sum();
    let limit_value = exact(limit_dose.canonical(), drug)?;
    Ok(Some(status(
        limit_dose,
        limit_value,
        unit,
        prior,
        prior + in_unit(course),
        after,
        l.source.clone(),
        uncounted(options, |d| d == drug.name),
    )))
}

/// An anthracycline counted with every other one as doxorubicin equivalents
/// (mg/m² × factor): the prior exposure of every anthracycline, times its
/// factor, plus this course, against the site's limit, else the regimen's
/// for the drug, else the label's.
fn anthracycline_limit(
    drug: &Drug,
    factor: Decimal,
    course: Exposure,
    options: &DoseOptions,
) -> Result<LimitStatus, DoseError> {
    let policy = &options.anthracycline;
    let prior: Decimal = options
        .prior
        .iter()
        .filter_map(|p| {
            policy
                .factors
                .factor(&p.drug)
                .map(|f| round_dp_half_up(p.mg_per_m2 * f.factor, 2))
        })
        .sum();
    let this = round_dp_half_up(course.mg_per_m2 * factor, 2);
    let after = options.cardiac_radiation;
    let (limit, after_used, source) = match (&policy.site_limit, &drug.lifetime_limit) {
        (Some(site), _) => (
            per_m2_dose(site.in_force(after)),
            after,
            site.source.clone(),
        ),
        (None, Some(l)) if l.lifetime.basis() == DoseBasis::PerM2 => {
            match (after, l.after_cardiac_radiation) {
                (true, Some(a)) => (a, true, l.source.clone()),
                _ => (l.lifetime, false, l.source.clone()),
            }
        }
        _ => {
            let label = AnthracyclinePolicy::label_limit();
            (per_m2_dose(label.in_force(after)), after, label.source)
        }
    };
    let source = format!(
        "{source}; counted as doxorubicin equivalents ({})",
        policy.factors.name
    );
    Ok(status(
        limit,
        exact(limit.canonical(), drug)?,
        LimitUnit::MgPerM2,
        prior,
        prior + this,
        after_used,
        source,
        uncounted(options, |d| policy.factors.factor(d).is_some()),
    ))
}

/// A dose per m² in mg, from its figure.
fn per_m2_dose(mg_per_m2: Decimal) -> crate::quantity::PrescribedDose {
    crate::quantity::PrescribedDose::PerM2(
        uom::si::f64::ArealMassDensity::new::<uom::si::areal_mass_density::kilogram_per_square_meter>(
            crate::rounding::to_f64(mg_per_m2) / 1.0e6,
        ),
        crate::quantity::DoseUnit::Mg,
    )
}

/// The earlier lines not counted that may hold a drug `counts` counts.
fn uncounted(options: &DoseOptions, counts: impl Fn(&str) -> bool) -> Vec<u32> {
    options
        .uncounted
        .iter()
        .filter(|l| l.may_include(&counts))
        .map(|l| l.line)
        .collect()
}

/// Where a cumulative amount stands against a limit.
#[allow(clippy::too_many_arguments)]
fn status(
    limit: crate::quantity::PrescribedDose,
    limit_value: Decimal,
    unit: LimitUnit,
    prior: Decimal,
    cumulative: Decimal,
    after_cardiac_radiation: bool,
    source: String,
    uncounted_lines: Vec<u32>,
) -> LimitStatus {
    let percent = if limit_value.is_zero() {
        Decimal::ZERO
    } else {
        round_dp_half_up(cumulative / limit_value * Decimal::ONE_HUNDRED, 1)
    };
    LimitStatus {
        limit,
        limit_value,
        unit,
        prior,
        cumulative,
        percent_of_limit: percent,
        remaining: (limit_value - cumulative).max(Decimal::ZERO),
        after_cardiac_radiation,
        source,
        uncounted_lines,
    }
}

/// How a cumulative amount stands against its lifetime limit.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitJudgement {
    /// Below 80 % of the limit.
    Within,
    /// At 80 % of the limit or more: a warning.
    Near(Warning),
    /// Past the limit: a stop.
    Exceeded(Stop),
}

/// The one place lifetime limits are judged: a warning at 80 %, a stop past
/// 100 %. `scope` says what the cumulative amount covers.
pub fn judge_lifetime_limit(drug: &str, status: &LimitStatus, scope: LimitScope) -> LimitJudgement {
    if status.exceeded() {
        LimitJudgement::Exceeded(Stop::LifetimeLimit {
            drug: drug.to_owned(),
            status: status.clone(),
            scope,
        })
    } else if status.percent_of_limit >= Decimal::from(NEAR_LIMIT_PERCENT) {
        LimitJudgement::Near(Warning::LifetimeLimitNear {
            drug: drug.to_owned(),
            status: status.clone(),
            scope,
        })
    } else {
        LimitJudgement::Within
    }
}

/// Judges `status` and files the outcome: a warning, or a stop met (and
/// overridden when the options give its reason).
pub(crate) fn file_limit(
    drug: &str,
    status: &LimitStatus,
    scope: LimitScope,
    options: &DoseOptions,
    warnings: &mut Vec<Warning>,
    ledger: &mut StopLedger,
) {
    // Cardioprotection is considered from 300 mg/m² of doxorubicin equivalents.
    if status.unit == LimitUnit::MgPerM2
        && options.anthracycline.factors.factor(drug).is_some()
        && status.cumulative >= AnthracyclinePolicy::CARDIOPROTECTION_MG_PER_M2
    {
        warnings.push(Warning::Cardioprotection {
            cumulative_mg_per_m2: status.cumulative,
        });
    }
    // Doses not counted: the limit cannot be judged (clinical reference
    // §9: a limit that cannot be checked is a stop, not a figure).
    if !status.uncounted_lines.is_empty() {
        ledger.meet(
            Stop::PriorIncomplete {
                drug: drug.to_owned(),
                lines: status.uncounted_lines.clone(),
            },
            &options.overrides,
        );
    }
    match judge_lifetime_limit(drug, status, scope) {
        LimitJudgement::Within => {}
        LimitJudgement::Near(w) => warnings.push(w),
        LimitJudgement::Exceeded(stop) => ledger.meet(stop, &options.overrides),
    }
}

impl Engine<'_> {
    /// Every cycle's administrations, 1 to `n`, as the course totals count
    /// them (without the day judged). A cycle is computed from what the
    /// regimen gives in it: for each drug, whether it is given
    /// ([`Drug::given_in_cycle`]) and its dose ([`Drug::dose_in_cycle`]); a
    /// cycle given the same as an earlier one shares that cycle's
    /// administrations instead of computing them again.
    pub(super) fn course(&self, n: u32) -> Result<Vec<Rc<Vec<Administration>>>, DoseError> {
        type Given = Vec<(bool, Option<PrescribedDose>)>;
        let given = |c: u32| -> Given {
            self.regimen
                .drugs
                .iter()
                .map(|d| (d.given_in_cycle(c), d.dose_in_cycle(c)))
                .collect()
        };
        let mut computed: Vec<(Given, Rc<Vec<Administration>>)> = Vec::new();
        let mut out = Vec::new();
        for c in 1..=n {
            let g = given(c);
            let admins = match computed.iter().find(|(earlier, _)| *earlier == g) {
                Some((_, admins)) => Rc::clone(admins),
                None => {
                    let admins = Rc::new(self.cycle(c, None)?.0);
                    computed.push((g, Rc::clone(&admins)));
                    admins
                }
            };
            out.push(admins);
        }
        Ok(out)
    }

    /// Each drug's cycle total, course total (the planned course recomputed
    /// cycle by cycle, so that phases and cycle ranges count) and limit.
    pub(super) fn totals(
        &self,
        cycle: u32,
        planned: Option<u32>,
        admins: &[Administration],
        warnings: &mut Vec<Warning>,
        ledger: &mut StopLedger,
    ) -> Result<Vec<DrugTotal>, DoseError> {
        let from = self.options.course_from.unwrap_or(1).max(1);
        let course = planned.map(|n| self.course(n)).transpose()?;
        let mut out = Vec::new();
        for drug in &self.regimen.drugs {
            if matches!(drug.dosing, Dosing::Instruction(_)) {
                continue;
            }
            let unit = admins
                .iter()
                .find(|a| a.drug == drug.name)
                .map_or(DoseUnit::Mg, |a| a.unit);
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
            // What counts against the limit: the cycles from `from` on.
            let remaining = course.as_ref().map(|cs| {
                cs.iter()
                    .skip(from as usize - 1)
                    .map(|c| sum(c))
                    .sum::<Decimal>()
            });
            let in_course = course
                .as_ref()
                .is_some_and(|cs| cs.iter().any(|c| c.iter().any(|a| a.drug == drug.name)));
            if cycle_total.is_zero() && !in_course {
                continue;
            }
            let is_per_m2 = drug
                .dose_in_cycle(cycle)
                .is_some_and(|d| d.basis() == DoseBasis::PerM2);
            // Per m² of the BSA used: positive and plausible (checked when it
            // was computed); checked all the same, never a panic.
            let not_representable = || DoseError::NotRepresentable {
                drug: drug.name.clone(),
            };
            let bsa = self.bsa.used_m2().ok_or_else(not_representable)?;
            let per_m2 = |d: Decimal| {
                d.checked_div(bsa)
                    .map(|q| round_dp_half_up(q, 2))
                    .ok_or_else(not_representable)
            };
            let limit = if self.options.lifetime_check == LifetimeCheck::Caller {
                None
            } else {
                // Without a planned course, count the cycles up to this one.
                let (mg, scope) = match (remaining, planned) {
                    (Some(t), Some(n)) if from > 1 => {
                        (unit.to_mg(t), LimitScope::RemainingCycles { from, to: n })
                    }
                    (Some(t), Some(n)) => (unit.to_mg(t), LimitScope::PlannedCycles(n)),
                    _ => (
                        unit.to_mg(cycle_total) * Decimal::from(cycle),
                        LimitScope::CyclesUpTo(cycle),
                    ),
                };
                let exposure = Exposure {
                    mg,
                    mg_per_m2: per_m2(mg)?,
                };
                let status = lifetime_limit(drug, exposure, self.options)?;
                if let Some(status) = &status {
                    file_limit(&drug.name, status, scope, self.options, warnings, ledger);
                }
                status
            };
            out.push(DrugTotal {
                drug: drug.name.clone(),
                unit,
                cycle_total,
                cycle_total_per_m2: is_per_m2.then(|| per_m2(cycle_total)).transpose()?,
                course_cycles: planned,
                course_total,
                course_total_per_m2: course_total.filter(|_| is_per_m2).map(per_m2).transpose()?,
                limit,
            });
        }
        Ok(out)
    }
}
