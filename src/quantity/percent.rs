//! Percentages as typed: `20%`. The sign is required, so that 20 is never
//! read as 0.2 or 2,000 %.
//!
//! Owns: [`Percent`], parsed once and used for dose reductions, the rounding
//! tolerance and any other percentage a user types.
//! Never does: decide what a percentage means; each use checks its range
//! ([`Percent::reduction`], [`Percent::tolerance`]).

use rust_decimal::Decimal;

/// A percentage, held exactly: `Percent(20)` is 20 %, a factor of 0.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(Decimal);

/// Why a typed percentage was refused; holds the text as typed. The message
/// is written by `render::messages`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PercentError {
    /// No `%` sign (`20` instead of `20%`).
    NoSign(String),
    /// A reduction must be above 0 % and below 100 %.
    NotAReduction(String),
    /// A tolerance must be from 0 % to below 100 %.
    NotATolerance(String),
}

impl Percent {
    /// A percentage from its number (20 for 20 %); `None` below zero.
    pub fn new(value: Decimal) -> Option<Percent> {
        (value >= Decimal::ZERO).then(|| Percent(value.normalize()))
    }

    /// A whole percentage, for constants: `Percent::whole(10)` is 10 %.
    pub const fn whole(n: u32) -> Percent {
        Percent(Decimal::from_parts(n, 0, 0, false, 0))
    }

    /// The number: 20 for 20 %.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// What remains after taking this percentage off, as a factor:
    /// 0.8 for 20 %.
    pub fn remaining_fraction(self) -> Decimal {
        (Decimal::ONE_HUNDRED - self.0) / Decimal::ONE_HUNDRED
    }

    /// Whether it is a usable dose reduction: above 0 % and below 100 %.
    pub fn is_reduction(self) -> bool {
        self.0 > Decimal::ZERO && self.0 < Decimal::ONE_HUNDRED
    }

    /// Parses a dose reduction: above 0 % and below 100 % (`20%`).
    ///
    /// # Errors
    /// [`PercentError::NoSign`] without the `%` sign,
    /// [`PercentError::NotAReduction`] for anything but a number in (0, 100).
    pub fn reduction(input: &str) -> Result<Percent, PercentError> {
        Self::number(input)?
            .filter(|p| p.is_reduction())
            .ok_or_else(|| PercentError::NotAReduction(input.to_owned()))
    }

    /// Parses a tolerance: from 0 % (no change allowed) to below 100 % (`10%`).
    ///
    /// # Errors
    /// [`PercentError::NoSign`] without the `%` sign,
    /// [`PercentError::NotATolerance`] for anything but a number in [0, 100).
    pub fn tolerance(input: &str) -> Result<Percent, PercentError> {
        Self::number(input)?
            .filter(|p| p.0 < Decimal::ONE_HUNDRED)
            .ok_or_else(|| PercentError::NotATolerance(input.to_owned()))
    }

    /// The number before a required `%` (`None` when it is not a
    /// non-negative number); an error only when the sign is missing.
    fn number(input: &str) -> Result<Option<Percent>, PercentError> {
        let Some(number) = input.trim().strip_suffix('%') else {
            return Err(PercentError::NoSign(input.to_owned()));
        };
        Ok(number.trim().parse::<Decimal>().ok().and_then(Percent::new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn reductions_need_the_sign_and_a_range() {
        assert_eq!(Percent::reduction("20%").unwrap().value(), dec!(20));
        assert_eq!(Percent::reduction(" 12.5 % ").unwrap().value(), dec!(12.5));
        assert_eq!(
            Percent::reduction("20"),
            Err(PercentError::NoSign("20".to_owned()))
        );
        assert!(matches!(
            Percent::reduction("0%"),
            Err(PercentError::NotAReduction(_))
        ));
        assert!(matches!(
            Percent::reduction("100%"),
            Err(PercentError::NotAReduction(_))
        ));
        // 20 % off leaves 0.8 of the dose.
        assert_eq!(
            Percent::reduction("20%").unwrap().remaining_fraction(),
            dec!(0.8)
        );
    }

    #[test]
    fn tolerances_may_be_zero() {
        assert_eq!(Percent::tolerance("0%").unwrap().value(), dec!(0));
        assert_eq!(Percent::tolerance("10%").unwrap().value(), dec!(10));
        assert!(matches!(
            Percent::tolerance("100%"),
            Err(PercentError::NotATolerance(_))
        ));
        assert!(matches!(
            Percent::tolerance("ten%"),
            Err(PercentError::NotATolerance(_))
        ));
    }
}
