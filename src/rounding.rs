//! Numeric rounding: the one place where a computed `f64` becomes a decimal
//! figure that is compared, rounded and printed.
//!
//! Owns: the conversion from binary floating point to decimal, and round
//! half up to a step. Never does: decide *whether* to round (that is the
//! BSA policy in [`crate::bsa`] and the dose rounding rule of a regimen).
//!
//! Why not round the `f64` directly: a product that is exactly half-way in
//! decimal (75 mg/m² × 1.82 m² = 136.5 mg; Mosteller of 202.5 cm and 96.1 kg
//! is exactly 2.325 m², × 900 mg/m² = 2092.5 mg) comes out of binary
//! arithmetic as 2092.4999999999995 and would round down. The formulas used
//! here carry a relative floating-point error far below 1e-13, so a result
//! is first reduced to [`SIGNIFICANT_DIGITS`] significant digits, which
//! removes the binary noise, and then rounded in decimal arithmetic, half up.
//! A true value that differed from a tie only beyond the twelfth significant
//! digit would be treated as the tie; no measurement carries such precision.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

/// Significant digits kept when a floating-point result becomes a decimal.
pub const SIGNIFICANT_DIGITS: u32 = 12;

/// Whole numbers below this are converted without `Decimal::from_f64`
/// ([`to_decimal`]): at most [`SIGNIFICANT_DIGITS`] digits, so the rounding
/// drops none, and far below 2^52, so the `f64` holds them exactly.
const WHOLE_EXACT_BELOW: f64 = 1e12;

/// Converts a floating-point result to a decimal at [`SIGNIFICANT_DIGITS`]
/// significant digits. `None` for NaN, infinities and values too large for
/// a decimal (about 7.9e28), which no dose or measurement reaches.
pub fn to_decimal(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    // A whole number under 10^12 (a dose in mg, a lab value, a threshold)
    // is exactly representable either way, and has no digit for the
    // rounding below to drop: `Decimal::from_f64` halves its mantissa down
    // to the integer itself at scale 0, which is `Decimal::from` of it.
    // The same value, found in a fraction of the time (tested against the
    // long way below).
    if x.fract() == 0.0 && x.abs() < WHOLE_EXACT_BELOW {
        // In range of i64 by the check above: the cast is exact.
        return Some(Decimal::from(x as i64));
    }
    through_binary_expansion(x)
}

/// `x` through `Decimal::from_f64`, then at [`SIGNIFICANT_DIGITS`]
/// significant digits: the way for every finite `x` ([`to_decimal`] takes a
/// shortcut for whole numbers only).
fn through_binary_expansion(x: f64) -> Option<Decimal> {
    let d = Decimal::from_f64(x)?;
    if d.is_zero() {
        return Some(Decimal::ZERO);
    }
    d.round_sf_with_strategy(SIGNIFICANT_DIGITS, RoundingStrategy::MidpointAwayFromZero)
        .map(|d| d.normalize())
}

/// A decimal at [`SIGNIFICANT_DIGITS`] significant digits, the precision of
/// every amount that came from floating point: two amounts meant to be
/// equal (a dose and its share of a ceiling, 66.6666666667 against
/// 66.666…67) then compare equal.
pub fn significant(d: Decimal) -> Decimal {
    if d.is_zero() {
        return Decimal::ZERO;
    }
    d.round_sf_with_strategy(SIGNIFICANT_DIGITS, RoundingStrategy::MidpointAwayFromZero)
        .map_or(d, |r| r.normalize())
}

/// A floating-point result without its binary noise (874.9999999999999 → 875),
/// for machine-readable output. Non-finite values pass through.
pub fn tidy(x: f64) -> f64 {
    to_decimal(x).map_or(x, to_f64)
}

/// Back to floating point, for `uom` quantities.
pub fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// Rounds `x` to the nearest multiple of `step`, exact ties going up.
/// `step` must be positive; a zero or negative step returns `x` unchanged.
pub fn round_half_up(x: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return x;
    }
    // Steps are validated (at least 1 mcg), so this cannot overflow; checked
    // arithmetic keeps a broken caller from panicking all the same.
    x.checked_div(step)
        .map(|q| q.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
        .and_then(|q| q.checked_mul(step))
        .map_or(x, |r| r.normalize())
}

/// Rounds `x` down to a multiple of `step` (used where rounding up would cross a cap).
pub fn round_down(x: Decimal, step: Decimal) -> Decimal {
    if step <= Decimal::ZERO {
        return x;
    }
    x.checked_div(step)
        .map(|q| q.floor())
        .and_then(|q| q.checked_mul(step))
        .map_or(x, |r| r.normalize())
}

/// Rounds `x` to `decimals` decimal places, half up.
pub fn round_dp_half_up(x: Decimal, decimals: u32) -> Decimal {
    x.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn exact_half_way_products_round_up() {
        // Mosteller 202.5 cm × 96.1 kg = sqrt(19460.25 / 3600) = sqrt(5.405625) = 2.325 m²
        let bsa = (202.5_f64 * 96.1 / 3600.0).sqrt();
        let dose = 900.0 * bsa;
        assert!(
            dose < 2092.5,
            "this test relies on the f64 product being low: {dose}"
        );
        assert_eq!(
            round_half_up(to_decimal(dose).unwrap(), dec!(1)),
            dec!(2093)
        );
    }

    #[test]
    fn whole_numbers_convert_as_the_long_way_does_digit_for_digit() {
        let mut cases: Vec<f64> = (-20_000..=20_000).map(f64::from).collect();
        cases.extend([
            0.0,
            -0.0,
            1638.0,
            182.0,
            999_999_999_999.0,
            -999_999_999_999.0,
        ]);
        cases.extend((0..40).map(|k| f64::from(2_u32).powi(k)));
        cases.extend((0..12).map(|k| 10_f64.powi(k)));
        // Whole numbers spread over the whole range (a fixed LCG: the
        // same cases every run).
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let digits = (state >> 60) as i32; // 0..=15
            #[allow(clippy::cast_precision_loss)]
            let x = ((state >> 11) as f64 / (1_u64 << 53) as f64 * 10_f64.powi(digits)).trunc();
            cases.push(x);
            cases.push(-x);
        }
        let mut whole = 0;
        for x in cases {
            let (fast, long) = (to_decimal(x), through_binary_expansion(x));
            assert_eq!(fast, long, "{x}");
            // The same digits and scale, not only the same value.
            assert_eq!(
                fast.map(|d| (d.mantissa(), d.scale())),
                long.map(|d| (d.mantissa(), d.scale())),
                "{x}"
            );
            if x.abs() < WHOLE_EXACT_BELOW {
                whole += 1;
            }
        }
        // The path under test was taken, and numbers past it were checked.
        assert!(whole > 100_000, "{whole}");
    }

    #[test]
    fn fractions_and_large_numbers_take_the_long_way() {
        for x in [
            0.1,
            1.82,
            2092.4999999999995,
            874.9999999999999,
            1e12,
            1.5e15,
            7.9e28,
        ] {
            assert_eq!(to_decimal(x), through_binary_expansion(x), "{x}");
        }
        assert_eq!(to_decimal(874.9999999999999), Some(dec!(875)));
        assert_eq!(to_decimal(1e12 + 1.0), Some(dec!(1000000000000)));
        assert_eq!(to_decimal(f64::NAN), None);
    }

    #[test]
    fn rounding_to_steps() {
        assert_eq!(round_half_up(dec!(1574.9), dec!(10)), dec!(1570));
        assert_eq!(round_half_up(dec!(1575), dec!(10)), dec!(1580));
        assert_eq!(round_half_up(dec!(0.125), dec!(0.01)), dec!(0.13));
        assert_eq!(round_down(dec!(2.19), dec!(0.5)), dec!(2));
        assert_eq!(round_dp_half_up(dec!(1.8825), 2), dec!(1.88));
        assert_eq!(round_dp_half_up(dec!(1.885), 2), dec!(1.89));
    }

    #[test]
    fn an_overflowing_step_does_not_panic() {
        // 1e-28 × 2000 overflows the quotient; the value comes back unrounded.
        let tiny = Decimal::new(1, 28);
        assert_eq!(round_half_up(dec!(2000), tiny), dec!(2000));
        assert_eq!(round_down(dec!(2000), tiny), dec!(2000));
    }

    #[test]
    fn non_finite_is_refused() {
        assert_eq!(to_decimal(f64::NAN), None);
        assert_eq!(to_decimal(f64::INFINITY), None);
        assert_eq!(to_decimal(0.0), Some(Decimal::ZERO));
    }
}
