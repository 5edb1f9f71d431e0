//! The fast path: the common batch case computed in `f64` without building
//! a dose plan, with the same doses as the engine.
//!
//! Owns: deciding once per plan whether the fast path applies (per-m² and
//! flat doses in mg, rounded to whole mg or not at all; no BSA cap,
//! reductions, companions, phases, ceilings or limits), one [`FastItem`] per
//! dose column, and per patient the engine's floating-point steps in the
//! engine's order: the BSA (the engine's own [`body_surface_area`]), its
//! rounding, the amount, and the rounding to a whole step within the
//! tolerance. Each step that repeats the engine says which engine function
//! it mirrors.
//! Never does: decide a close call. A value within 1e-9 (relative) of a
//! rounding tie, or a rounding near the tolerance, gives `None`, and the row
//! goes to the engine, whose decimal arithmetic decides. `tests/batch.rs`
//! compares every fast row with the engine.

use rust_decimal::Decimal;

use crate::bsa::{BsaFormula, BsaRounding, body_surface_area};
use crate::dose::DoseOptions;
use crate::patient::Patient;
use crate::quantity::{self, DoseUnit, PrescribedDose};
use crate::regimen::{DosePer, Dosing, Regimen, Role, RoundingRule};
use crate::rounding::{to_decimal, to_f64};

use super::DoseColumn;

/// One dose column on the fast path: what the engine reads from the regimen
/// to compute and round that dose, read once per plan.
#[derive(Debug, Clone, Copy, PartialEq)]
struct FastItem {
    /// The prescribed amount as the engine reads it
    /// ([`PrescribedDose::value`]): mg/m² for a per-m² dose, mg for a flat one.
    value: f64,
    /// Days a per-cycle dose is divided over; 1 for a per-day dose.
    split: f64,
    /// Whether `value` is per m² of BSA (else a flat dose in mg).
    per_m2: bool,
    /// The rounding step in whole mg (1 to 1,000,000); `None` when the drug's
    /// rule is no rounding.
    step: Option<u64>,
}

impl FastItem {
    /// The calculated dose in mg at a BSA of `bsa_m2`, by the engine's
    /// floating-point steps in the engine's order (mirrors
    /// `dose::Basis::amount`: the prescribed value × BSA for a per-m² dose,
    /// then ÷ the days of a per-cycle dose).
    #[inline]
    fn amount(&self, bsa_m2: f64) -> f64 {
        let value = if self.per_m2 {
            self.value * bsa_m2
        } else {
            self.value
        };
        // Dividing by 1 is exact: skipped, the result is the same f64.
        if self.split == 1.0 {
            value
        } else {
            value / self.split
        }
    }
}

/// A plan's fast path: one item per dose column and the options they are
/// computed with.
#[derive(Debug, Clone)]
pub(super) struct FastPath {
    /// One item per dose column, in the plan's column order.
    items: Vec<FastItem>,
    /// Every item rounds to whole mg: wide rows can be written from integers
    /// ([`FastPath::whole_mg_doses`]).
    pub(super) whole_mg: bool,
    /// The BSA formula of the options (one that needs no sex).
    formula: BsaFormula,
    /// The BSA rounding of the options.
    bsa_rounding: BsaRounding,
    /// The largest accepted rounding deviation, percent of the calculated dose.
    tolerance: f64,
}

impl FastPath {
    /// The fast path for `columns` of `regimen` under `options`, or `None`
    /// when any column needs the engine.
    pub(super) fn compile(
        regimen: &Regimen,
        options: &DoseOptions,
        columns: &[DoseColumn],
    ) -> Option<FastPath> {
        // Any reduction at all sends every row to the engine. This is broader
        // than the engine's per-drug lookup (`PerDrug::for_drug`) on purpose:
        // the engine's checks of a reduction (a drug the regimen lacks, a
        // percent out of range, a level it does not list) then run on every row.
        if options.bsa_cap.is_some()
            || options.reductions.all.is_some()
            || !options.reductions.drugs.is_empty()
            || !options.days.is_empty()
            || !options.weight_references.is_empty()
            || options.bsa_formula.needs_sex()
        {
            return None;
        }
        let mut items = Vec::new();
        for col in columns {
            let d = regimen.drug(&col.drug)?;
            let Dosing::Own { dose, per } = &d.dosing else {
                return None;
            };
            if !d.phases.is_empty()
                || d.timing.is_some()
                || d.cycles.is_some()
                || d.bsa_cap.is_some()
                || d.max_single_dose.is_some()
                || d.max_per_cycle.is_some()
                || d.lifetime_limit.is_some()
                || dose.unit() != DoseUnit::Mg
                || regimen
                    .drugs
                    .iter()
                    .any(|x| matches!(&x.dosing, Dosing::Companion { of, .. } if *of == d.name))
            {
                return None;
            }
            // The rule the engine rounds this drug by (`dose::Basis::round`).
            let rule = options
                .rounding
                .for_drug(&d.name, d.role == Role::Antineoplastic)
                .unwrap_or_else(|| d.rounding.clone());
            let step = match rule {
                RoundingRule::None => None,
                RoundingRule::Nearest {
                    step,
                    unit: DoseUnit::Mg,
                } => {
                    let mg = DoseUnit::Mg.of(step);
                    if mg >= 1.0 && mg.fract() == 0.0 && mg <= 1e6 {
                        Some(mg as u64)
                    } else {
                        return None;
                    }
                }
                _ => return None,
            };
            let split = match per {
                DosePer::Day => 1.0,
                DosePer::Cycle => d.days.len() as f64,
            };
            let (value, per_m2) = match dose {
                PrescribedDose::PerM2(..) => (dose.value(), true),
                PrescribedDose::Flat(..) => (dose.value(), false),
                _ => return None,
            };
            items.push(FastItem {
                value,
                split,
                per_m2,
                step,
            });
        }
        Some(FastPath {
            whole_mg: items.iter().all(|i| i.step.is_some()),
            items,
            formula: options.bsa_formula,
            bsa_rounding: options.bsa_rounding,
            tolerance: to_f64(options.rounding_tolerance.value()),
        })
    }

    /// One patient's doses in whole mg, one per column, into `out`, and the
    /// unrounded BSA (m²); `None` when the engine must decide the row. Only
    /// for a path whose every item rounds to whole mg ([`FastPath::whole_mg`]).
    pub(super) fn whole_mg_doses(&self, patient: &Patient, out: &mut Vec<u64>) -> Option<f64> {
        out.clear();
        let (unrounded, used) = self.bsa(patient)?;
        let mut previous: Option<(FastItem, u64)> = None;
        for it in &self.items {
            // Day 8 is usually day 1 again: same inputs, same dose.
            if let Some((p, r)) = previous
                && p == *it
            {
                out.push(r);
                continue;
            }
            let r = round_to_step(it.amount(used), it.step?, self.tolerance)?;
            out.push(r);
            previous = Some((*it, r));
        }
        Some(unrounded)
    }

    /// One patient's doses in mg, one per column, appended to `out`, and the
    /// unrounded BSA (m²); `None` when the engine must decide the row (`out`
    /// may then hold some doses already).
    pub(super) fn doses(&self, patient: &Patient, out: &mut Vec<Decimal>) -> Option<f64> {
        let (unrounded, used) = self.bsa(patient)?;
        for it in &self.items {
            let x = it.amount(used);
            out.push(match it.step {
                // Not rounded: the calculated dose as the engine turns it
                // into a decimal (`dose::Basis::amount`).
                None => to_decimal(x)?,
                Some(step) => Decimal::from(round_to_step(x, step, self.tolerance)?),
            });
        }
        Some(unrounded)
    }

    /// The patient's unrounded BSA and the BSA the doses use, both in m².
    /// The rounding mirrors [`BsaRounding::apply`] (half up, in decimal) in
    /// `f64`, and gives `None` near a tie, and near or past the tolerance
    /// (the engine's `checks::bsa_rounding`), where the engine decides.
    #[inline]
    fn bsa(&self, patient: &Patient) -> Option<(f64, f64)> {
        let unrounded = quantity::m2(
            body_surface_area(self.formula, patient.height, patient.weight, patient.sex).ok()?,
        );
        let used = match self.bsa_rounding {
            BsaRounding::None => unrounded,
            BsaRounding::Decimals(n) => {
                let scale = 10f64.powi(n as i32);
                round_half_up_clear_of_tie(unrounded * scale)? / scale
            }
        };
        if self.items.iter().any(|i| i.per_m2)
            && (used - unrounded).abs() * 100.0 >= (self.tolerance - 0.01) * unrounded
        {
            return None;
        }
        Some((unrounded, used))
    }
}

/// The calculated dose `x` (mg) rounded half up to a multiple of `step` mg;
/// `None` near a tie or near the tolerance (percent), where the engine
/// decides.
///
/// Mirrors the `Nearest` rule of `dose::round::round_dose` and the engine's
/// tolerance check (`dose::Basis::round`: the deviation, rounded to 2
/// decimals, against `rounding_tolerance`). Any rounding within 0.01
/// percentage point of the tolerance, or of a non-positive dose, is left to
/// the engine.
#[inline]
fn round_to_step(x: f64, step: u64, tolerance: f64) -> Option<u64> {
    let r = if step == 1 {
        round_half_up_clear_of_tie(x)?
    } else {
        let s = step as f64;
        round_half_up_clear_of_tie(x / s)? * s
    };
    (x > 0.0 && (r - x).abs() * 100.0 < (tolerance - 0.01) * x).then_some(r as u64)
}

/// Rounds half up when `y` is clearly not a tie; `None` within 1e-9 (relative)
/// of a tie, where the decimal arithmetic of the engine must decide
/// (mirrors [`crate::rounding::round_half_up`] after
/// [`crate::rounding::to_decimal`]).
fn round_half_up_clear_of_tie(y: f64) -> Option<f64> {
    if !y.is_finite() || !(0.0..=1e15).contains(&y) {
        return None;
    }
    // y is in [0, 1e15]: the integer cast truncates, which is floor here
    // (and avoids a libm call on baseline x86-64).
    let f = (y as u64) as f64;
    let frac = y - f;
    if (frac - 0.5).abs() <= 1e-9 * y.max(1.0) {
        return None;
    }
    Some(if frac > 0.5 { f + 1.0 } else { f })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tie_detection() {
        assert_eq!(round_half_up_clear_of_tie(1637.4), Some(1637.0));
        assert_eq!(round_half_up_clear_of_tie(1637.6), Some(1638.0));
        assert_eq!(round_half_up_clear_of_tie(2092.4999999999995), None);
        assert_eq!(round_half_up_clear_of_tie(2092.5), None);
    }

    /// With the default 10 % tolerance: 4.6 mg → 5 mg is +8.70 %, 4.4 mg →
    /// 4 mg is −9.09 %; to a 5 mg step, 10.5 mg is 2.1 steps → 10 mg
    /// (−4.76 %) and 12.5 mg is 2.5 steps, a tie for the engine.
    #[test]
    fn rounding_within_the_tolerance() {
        assert_eq!(round_to_step(4.6, 1, 10.0), Some(5));
        assert_eq!(round_to_step(4.4, 1, 10.0), Some(4));
        assert_eq!(round_to_step(10.5, 5, 10.0), Some(10));
        assert_eq!(round_to_step(12.5, 5, 10.0), None);
    }

    /// 0.6 mg → 1 mg is +66.7 %, which the engine refuses; 9.52 mg → 10 mg
    /// is +5.04 % (0.48 / 9.52): clear of a 5.06 % tolerance, but within
    /// 0.01 point of a 5.04 % one, where the engine decides.
    #[test]
    fn rounding_near_or_past_the_tolerance_goes_to_the_engine() {
        assert_eq!(round_to_step(0.6, 1, 10.0), None);
        assert_eq!(round_to_step(9.52, 1, 5.06), Some(10));
        assert_eq!(round_to_step(9.52, 1, 5.04), None);
        assert_eq!(round_to_step(0.0, 1, 10.0), None);
    }
}
