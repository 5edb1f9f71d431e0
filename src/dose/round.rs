//! Dose rounding: the one function that turns a calculated dose into the
//! dose that is prepared, and checks the deviation against the tolerance.
//!
//! Rules (per drug in the regimen, or `--round`): nearest step, what whole
//! tablets or vials of the listed strengths can make, or the nearest dose
//! band. Ties go up; a rounding that would cross a cap goes down instead.
//! HOPA (Fahrenbruch et al., J Oncol Pract 2018) accepts rounding within
//! 10 % of the ordered dose; the tolerance is configurable.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::{Adjustment, DoseError};
use crate::quantity::{DoseUnit, Percent};
use crate::regimen::RoundingRule;
use crate::rounding::{round_down, round_half_up, to_decimal};

/// The most strength combinations considered (a DP over amounts); beyond any real dose.
const MAX_STRENGTH_UNITS: usize = 200_000;

/// The rounding of a carboplatin dose by the Calvert formula when no
/// regimen gives one (`chemodose carboplatin`): to the nearest 1 mg, the
/// rule of the bundled carboplatin regimen (`regimens/carboplatin-paclitaxel.toml`,
/// `round = "1 mg"`; a test holds the two equal), so that the command and
/// `dose` give one answer for one patient.
pub fn calvert_rounding() -> RoundingRule {
    RoundingRule::Nearest {
        step: uom::si::f64::Mass::new::<uom::si::mass::milligram>(1.0),
        unit: DoseUnit::Mg,
    }
}

/// The outcome of rounding one dose.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounded {
    /// The dose to prepare, in the dose's unit.
    pub value: Decimal,
    /// Signed deviation from the calculated dose, percent.
    pub deviation_percent: Decimal,
    /// Whether a rounding up would have crossed a cap and was taken down.
    pub held_under_cap: bool,
}

/// Why a dose could not be rounded by its rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    /// No amount the strengths or bands can make is near the dose.
    #[error("no amount that the listed {0} can make is close to the dose")]
    Unreachable(&'static str),
}

/// The rounding step of the dose engine: `dose` (in `unit`) rounded by
/// `rule` ([`round_dose`]), refused when the change is beyond `tolerance`.
/// Returns the dose to prepare and, when rounding changed it, the
/// [`Adjustment::Rounding`] to print. [`crate::dose::calculate`] rounds every
/// dose through it, and so does any other path to a final dose (the
/// `carboplatin` command), so that one patient gets one answer.
///
/// # Errors
/// [`DoseError::Rounding`] when the rule cannot be met (no strength or band
/// near the dose); [`DoseError::RoundingTolerance`] when the change is
/// beyond `tolerance`, judged on the exact change, not the 2-decimal
/// percent shown.
#[allow(clippy::too_many_arguments)]
pub fn round_within(
    drug: &str,
    day: i32,
    unit: DoseUnit,
    dose: Decimal,
    rule: &RoundingRule,
    strengths: &[Decimal],
    cap: Option<Decimal>,
    tolerance: Percent,
) -> Result<(Decimal, Option<Adjustment>), DoseError> {
    let r = round_dose(dose, unit, rule, strengths, cap).map_err(|error| DoseError::Rounding {
        drug: drug.to_owned(),
        error,
    })?;
    if r.value == dose {
        return Ok((r.value, None));
    }
    // Judged on the exact change: the 2-decimal figure shown would let
    // +0.004 % through a 0 % tolerance (regression test in tests/engine.rs).
    let exact_change = (r.value - dose).abs() * Decimal::ONE_HUNDRED;
    if exact_change > tolerance.value() * dose.abs() {
        return Err(DoseError::RoundingTolerance {
            drug: drug.to_owned(),
            day,
            calculated: dose,
            rounded: r.value,
            unit,
            deviation: r.deviation_percent,
            tolerance,
        });
    }
    Ok((
        r.value,
        Some(Adjustment::Rounding {
            rule: rule.clone(),
            from: dose,
            to: r.value,
            deviation_percent: r.deviation_percent,
            held_under_cap: r.held_under_cap,
        }),
    ))
}

/// Rounds `dose` (in `unit`) by `rule`, never above `cap` (same unit) when given.
pub fn round_dose(
    dose: Decimal,
    unit: DoseUnit,
    rule: &RoundingRule,
    strengths: &[Decimal],
    cap: Option<Decimal>,
) -> Result<Rounded, RoundError> {
    let value = match rule {
        RoundingRule::None => {
            return Ok(Rounded {
                value: dose,
                deviation_percent: Decimal::ZERO,
                held_under_cap: false,
            });
        }
        RoundingRule::Nearest { step, .. } => {
            let step = to_decimal(unit.of(*step)).unwrap_or(Decimal::ONE);
            let up = round_half_up(dose, step);
            return Ok(finish(dose, up, cap, |_| round_down(dose, step)));
        }
        RoundingRule::Strengths => nearest_of(dose, &reachable(strengths, dose)?, cap)
            .ok_or(RoundError::Unreachable("strengths"))?,
        RoundingRule::Bands(bands) => {
            let set: BTreeSet<Decimal> = bands
                .iter()
                .filter_map(|b| to_decimal(unit.of(*b)))
                .collect();
            nearest_of(dose, &set, cap).ok_or(RoundError::Unreachable("dose bands"))?
        }
    };
    Ok(Rounded {
        deviation_percent: deviation(dose, value.0),
        value: value.0,
        held_under_cap: value.1,
    })
}

fn finish(
    dose: Decimal,
    up: Decimal,
    cap: Option<Decimal>,
    down: impl Fn(Decimal) -> Decimal,
) -> Rounded {
    let (value, held) = match cap {
        Some(c) if up > c => (down(c), true),
        _ => (up, false),
    };
    Rounded {
        value,
        deviation_percent: deviation(dose, value),
        held_under_cap: held,
    }
}

/// Signed percent deviation of `to` from `from`, 2 decimals.
pub fn deviation(from: Decimal, to: Decimal) -> Decimal {
    if from.is_zero() {
        return Decimal::ZERO;
    }
    ((to - from) / from * Decimal::ONE_HUNDRED)
        .round_dp(2)
        .normalize()
}

/// The nearest member of `set` to `dose` (ties up), not above `cap`.
fn nearest_of(
    dose: Decimal,
    set: &BTreeSet<Decimal>,
    cap: Option<Decimal>,
) -> Option<(Decimal, bool)> {
    let allowed = |v: &Decimal| cap.is_none_or(|c| *v <= c);
    let below = set.range(..=dose).next_back().copied();
    let above = set.range(dose..).find(|v| **v > dose).copied();
    let pick = match (below, above) {
        (Some(b), Some(a)) => {
            if a - dose <= dose - b {
                a
            } else {
                b
            }
        }
        (Some(b), None) => b,
        (None, Some(a)) => a,
        (None, None) => return None,
    };
    if allowed(&pick) {
        return Some((pick, false));
    }
    set.range(..=cap?).next_back().map(|v| (*v, true))
}

/// Every amount whole units of `strengths` can make, from the smallest strength
/// up to 1.5 × `dose`.
fn reachable(strengths: &[Decimal], dose: Decimal) -> Result<BTreeSet<Decimal>, RoundError> {
    let positive: Vec<Decimal> = strengths
        .iter()
        .copied()
        .filter(|s| *s > Decimal::ZERO)
        .collect();
    if positive.is_empty() {
        return Err(RoundError::Unreachable("strengths"));
    }
    // Work in integer multiples of the finest decimal place used.
    let scale = positive.iter().map(|s| s.scale()).max().unwrap_or(0).min(4);
    let factor = Decimal::from(10u64.pow(scale));
    let units: Vec<usize> = positive
        .iter()
        .filter_map(|s| usize::try_from((s * factor).trunc().mantissa()).ok())
        .filter(|u| *u > 0)
        .collect();
    let limit = ((dose * factor * Decimal::new(15, 1)).ceil())
        .mantissa()
        .clamp(0, MAX_STRENGTH_UNITS as i128) as usize;
    let mut can = vec![false; limit + 1];
    can[0] = true;
    for amount in 1..=limit {
        can[amount] = units.iter().any(|u| *u <= amount && can[amount - u]);
    }
    Ok((1..=limit)
        .filter(|a| can[*a])
        .map(|a| Decimal::from(a as u64) / factor)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;
    use uom::si::f64::Mass;
    use uom::si::mass::milligram;

    fn nearest(step: f64) -> RoundingRule {
        RoundingRule::Nearest {
            step: Mass::new::<milligram>(step),
            unit: DoseUnit::Mg,
        }
    }

    #[test]
    fn nearest_step_half_up() {
        let r = round_dose(dec!(2092.5), DoseUnit::Mg, &nearest(1.0), &[], None).unwrap();
        assert_eq!(r.value, dec!(2093));
        let r = round_dose(dec!(1574.4), DoseUnit::Mg, &nearest(10.0), &[], None).unwrap();
        assert_eq!(r.value, dec!(1570));
        // (1570 − 1574.4) / 1574.4 = −0.28 %
        assert_eq!(r.deviation_percent, dec!(-0.28));
    }

    #[test]
    fn rounding_never_crosses_a_cap() {
        // 1.99 mg rounds to 2 mg, but a 1.995 mg cap holds it at 1.9 mg (step 0.1).
        let r = round_dose(
            dec!(1.96),
            DoseUnit::Mg,
            &nearest(0.1),
            &[],
            Some(dec!(1.995)),
        )
        .unwrap();
        assert_eq!(r.value, dec!(1.9));
        assert!(r.held_under_cap);
    }

    #[test]
    fn strengths_make_whole_tablets() {
        // 200 and 400 mg tablets: 700 mg → 600 or 800; 700 is a tie, up to 800.
        let r = round_dose(
            dec!(700),
            DoseUnit::Mg,
            &RoundingRule::Strengths,
            &[dec!(200), dec!(400)],
            None,
        )
        .unwrap();
        assert_eq!(r.value, dec!(800));
        let r = round_dose(
            dec!(650),
            DoseUnit::Mg,
            &RoundingRule::Strengths,
            &[dec!(200), dec!(400)],
            None,
        )
        .unwrap();
        assert_eq!(r.value, dec!(600));
        // 300 and 480 mcg syringes: 350 → 300; 420 → 480 (60 above vs 120 below)
        let r = round_dose(
            dec!(420),
            DoseUnit::Mcg,
            &RoundingRule::Strengths,
            &[dec!(300), dec!(480)],
            None,
        )
        .unwrap();
        assert_eq!(r.value, dec!(480));
    }

    #[test]
    fn round_within_refuses_a_change_beyond_the_tolerance_and_records_the_rest() {
        let ten = Percent::tolerance("10%").unwrap();
        // 410.46 mg → 410 mg: −0.11 %, within 10 %.
        let (v, adj) = round_within(
            "carboplatin",
            1,
            DoseUnit::Mg,
            dec!(410.46),
            &calvert_rounding(),
            &[],
            None,
            ten,
        )
        .unwrap();
        assert_eq!(v, dec!(410));
        assert!(
            matches!(adj, Some(Adjustment::Rounding { from, to, .. }) if from == dec!(410.46) && to == dec!(410))
        );
        // 4.4 mg → 4 mg by a 1 mg step is −9.09 %: refused at 5 %.
        let five = Percent::tolerance("5%").unwrap();
        let e = round_within(
            "x",
            1,
            DoseUnit::Mg,
            dec!(4.4),
            &calvert_rounding(),
            &[],
            None,
            five,
        );
        assert!(
            matches!(e, Err(DoseError::RoundingTolerance { .. })),
            "{e:?}"
        );
        // Already on the step: no adjustment.
        let (_, adj) = round_within(
            "x",
            1,
            DoseUnit::Mg,
            dec!(625),
            &calvert_rounding(),
            &[],
            None,
            ten,
        )
        .unwrap();
        assert!(adj.is_none());
    }

    #[test]
    fn bands_pick_the_nearest() {
        let bands = RoundingRule::Bands(
            [1200.0, 1400.0, 1600.0]
                .iter()
                .map(|b| Mass::new::<milligram>(*b))
                .collect(),
        );
        let r = round_dose(dec!(1480), DoseUnit::Mg, &bands, &[], None).unwrap();
        assert_eq!(r.value, dec!(1400));
        let r = round_dose(dec!(1500), DoseUnit::Mg, &bands, &[], None).unwrap();
        assert_eq!(r.value, dec!(1600));
        let r = round_dose(dec!(1500), DoseUnit::Mg, &bands, &[], Some(dec!(1550))).unwrap();
        assert_eq!(r.value, dec!(1400));
    }
}
