//! The fast path: the common batch case computed in `f64` without building
//! a dose plan, with the same doses as the engine.
//!
//! Owns: deciding once per plan whether the fast path applies (per-m² and
//! flat doses in mg, rounded to whole mg or not at all; no BSA cap,
//! reductions, companions, phases, ceilings or limits), one [`FastItem`] per
//! dose column, and per patient the engine's floating-point steps in the
//! engine's order: the BSA, its rounding, the amount, and the rounding to a
//! whole step with its tolerance.
//! Never does: decide a close call. A value within 1e-9 (relative) of a
//! rounding tie, or a rounding near the tolerance, gives `None`, and the row
//! goes to the engine, whose decimal arithmetic decides. `tests/batch.rs`
//! compares every fast row with the engine.

use rust_decimal::Decimal;

use crate::bsa::{BsaRounding, body_surface_area};
use crate::dose::DoseOptions;
use crate::patient::Patient;
use crate::quantity::{self, DoseUnit, PrescribedDose};
use crate::regimen::{DosePer, Dosing, Regimen, Role, RoundingRule};
use crate::rounding::to_decimal;

use super::{BatchPlan, DoseColumn};

/// The fast path for one dose column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct FastItem {
    /// The engine's `dose.value()` for a per-m² dose, or the flat amount.
    value: f64,
    /// Days the cycle dose is split over (1 for per-day doses).
    split: f64,
    per_m2: bool,
    /// Whole-mg rounding step; `None` for no rounding.
    pub(super) step: Option<u64>,
}

pub(super) fn fast_items(
    regimen: &Regimen,
    options: &DoseOptions,
    columns: &[DoseColumn],
) -> Option<Vec<FastItem>> {
    if options.bsa_cap.is_some()
        || options.reductions.all.is_some()
        || !options.reductions.drugs.is_empty()
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
    Some(items)
}

impl BatchPlan<'_> {
    /// The fast path for regimens whose every dose rounds to whole mg.
    pub(super) fn fast_int_doses(&self, patient: &Patient, out: &mut Vec<u64>) -> Option<f64> {
        let items = self.fast.as_deref()?;
        out.clear();
        let unrounded = quantity::m2(
            body_surface_area(self.formula, patient.height, patient.weight, patient.sex).ok()?,
        );
        let used = self.used_bsa(unrounded)?;
        let mut previous: Option<(FastItem, u64)> = None;
        for it in items {
            // Day 8 is usually day 1 again: same inputs, same dose.
            if let Some((p, r)) = previous
                && p == *it
            {
                out.push(r);
                continue;
            }
            let value = if it.per_m2 { it.value * used } else { it.value };
            // Dividing by 1 is exact: skipped, the result is the same f64.
            let x = if it.split == 1.0 {
                value
            } else {
                value / it.split
            };
            let step = it.step?;
            let r = if step == 1 {
                round_half_up_clear_of_tie(x)?
            } else {
                let s = step as f64;
                round_half_up_clear_of_tie(x / s)? * s
            };
            // Conservative: anything near or past the tolerance goes to the
            // engine, which decides in decimal arithmetic.
            if x <= 0.0 || (r - x).abs() * 100.0 >= (self.tolerance - 0.01) * x {
                return None;
            }
            out.push(r as u64);
            previous = Some((*it, r as u64));
        }
        Some(unrounded)
    }

    fn used_bsa(&self, unrounded: f64) -> Option<f64> {
        match self.bsa_rounding {
            BsaRounding::None => Some(unrounded),
            BsaRounding::Decimals(n) => {
                let scale = 10f64.powi(n as i32);
                Some(round_half_up_clear_of_tie(unrounded * scale)? / scale)
            }
        }
    }

    pub(super) fn fast_doses(
        &self,
        items: &[FastItem],
        patient: &Patient,
        out: &mut Vec<Decimal>,
    ) -> Option<f64> {
        let unrounded = quantity::m2(
            body_surface_area(self.formula, patient.height, patient.weight, patient.sex).ok()?,
        );
        let used = self.used_bsa(unrounded)?;
        for it in items {
            let value = if it.per_m2 { it.value * used } else { it.value };
            let x = value / it.split;
            let dose = match it.step {
                None => to_decimal(x)?,
                Some(step) => {
                    let s = step as f64;
                    let r = round_half_up_clear_of_tie(x / s)? * s;
                    // The engine refuses a rounding beyond the tolerance; let it.
                    if x <= 0.0 || ((r - x) / x * 100.0).abs() > self.tolerance - 1e-9 {
                        return None;
                    }
                    Decimal::from(r as u64)
                }
            };
            out.push(dose);
        }
        Some(unrounded)
    }
}

/// Rounds half up when `y` is clearly not a tie; `None` within 1e-9 (relative)
/// of a tie, where the decimal arithmetic of the engine must decide.
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
}
