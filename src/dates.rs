//! The dates chemodose accepts: a plausible window for every date read from
//! the command line or a file.
//!
//! Owns: the window ([`EARLIEST`] to [`LATEST`]), the check of a date
//! against it ([`check_date`]) and the reading of a typed `YYYY-MM-DD`
//! ([`parse_date`]), with the messages that say what to write instead.
//! Never does: read the clock (the window is fixed, not relative to today),
//! or decide whether a date is stale or in the future for a purpose (the
//! labs and the clinical rules do that).
//!
//! Why a window at all: a year typed as `0000`, `9999` or `+10000` is a
//! typing error, never a treatment date, and the calendars printed from it
//! are wrong (an iCalendar date holds four digits: `+100000427` is no
//! date). Why these bounds: nothing chemodose reads (a treatment, a
//! laboratory result, a holiday, a regimen's review) predates 1900, and a
//! date more than 170 years ahead is a mistyped year; a schedule of the
//! longest course from the last day of the window still ends within
//! four-digit years. The bounds are an engineering window, like the
//! body-mass index window of `docs/formulas.md`, not a clinical rule.

use chrono::NaiveDate;

/// The first date accepted anywhere: 1900-01-01.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("1900-01-01 is a date"),
};

/// The last date accepted anywhere: 2199-12-31.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(d) => d,
    None => panic!("2199-12-31 is a date"),
};

/// Why a typed date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not `YYYY-MM-DD`, or no such day (`2026-02-30`).
    #[error("`{0}` is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01")]
    NotADate(String),
    /// A real date outside [`EARLIEST`] to [`LATEST`].
    #[error(transparent)]
    Outside(#[from] OutsideWindow),
}

/// A date outside the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the date {date} is outside 1900-01-01 to 2199-12-31; check the year")]
pub struct OutsideWindow {
    /// The date as read.
    pub date: NaiveDate,
}

/// `date` when it lies within [`EARLIEST`] to [`LATEST`].
///
/// # Errors
///
/// [`OutsideWindow`] otherwise.
///
/// ```
/// use chemodose::dates::check_date;
/// use chrono::NaiveDate;
///
/// assert!(check_date(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()).is_ok());
/// let e = check_date(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()).unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "the date 9999-12-31 is outside 1900-01-01 to 2199-12-31; check the year"
/// );
/// ```
pub fn check_date(date: NaiveDate) -> Result<NaiveDate, OutsideWindow> {
    if (EARLIEST..=LATEST).contains(&date) {
        Ok(date)
    } else {
        Err(OutsideWindow { date })
    }
}

/// A date typed as `YYYY-MM-DD` (blanks around it ignored), within the
/// window.
///
/// # Errors
///
/// [`DateError::NotADate`] when the text is no date, and
/// [`DateError::Outside`] for a date outside the window.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateError> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| DateError::NotADate(text.to_owned()))?;
    Ok(check_date(date)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_and_its_messages() {
        assert_eq!(parse_date(" 1900-01-01 "), Ok(EARLIEST));
        assert_eq!(parse_date("2199-12-31"), Ok(LATEST));
        for (text, shown) in [
            ("1899-12-31", "1899-12-31"),
            ("2200-01-01", "2200-01-01"),
            ("0000-01-01", "0000-01-01"),
            ("9999-12-31", "9999-12-31"),
            ("+10000-04-27", "+10000-04-27"),
        ] {
            assert_eq!(
                parse_date(text).unwrap_err().to_string(),
                format!("the date {shown} is outside 1900-01-01 to 2199-12-31; check the year"),
                "{text}"
            );
        }
        assert_eq!(
            parse_date("2026-02-30").unwrap_err().to_string(),
            "`2026-02-30` is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01"
        );
    }
}
