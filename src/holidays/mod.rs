//! Built-in holiday calendars: the public holidays of a few nations,
//! computed by rule for every year they cover, to flag on a schedule as a
//! holidays file does.
//!
//! Owns: the named calendars ([`Calendar`]), their rules and the one-off
//! holidays proclaimed so far, Easter Sunday (the Anonymous Gregorian
//! algorithm, [`easter_sunday`]), and the dates a calendar gives for a span
//! of years ([`Calendar::dates`]).
//! Never does: read a file or the clock, or move an administration (the
//! schedule flags a holiday; a person decides).
//!
//! The calendars and their primary sources:
//!
//! - `england-and-wales`: bank holidays under the Banking and Financial
//!   Dealings Act 1971, Schedule 1 (New Year's Day, Easter Monday, the last
//!   Monday in May and in August, 26 December or the weekday after it when
//!   it falls on a weekend, and 27 December when Christmas Day is a
//!   Sunday), with the early May bank holiday (first Monday in May) and New
//!   Year's Day added by royal proclamation under section 1(3) every year
//!   since 1978 and 1974; Good Friday and Christmas Day, common-law
//!   holidays; and the one-off holidays and moves proclaimed under
//!   section 1(2)–(3) as published at <https://www.gov.uk/bank-holidays>.
//!   Covered from 1978 (the first year of today's pattern). A holiday
//!   proclaimed after this release is not known.
//! - `us-federal`: the legal public holidays of 5 U.S.C. § 6103(a) (as
//!   amended by the Uniform Monday Holiday Act, Pub. L. 90-363, from 1971;
//!   Veterans Day back on 11 November from 1978, Pub. L. 94-97; Martin
//!   Luther King Jr.'s birthday from 1986, Pub. L. 98-144; Juneteenth from
//!   2021, Pub. L. 117-17), on the day observed under § 6103(b) and
//!   Executive Order 11582: a holiday on a Saturday is observed the Friday
//!   before, on a Sunday the Monday after. Inauguration Day (§ 6103(c),
//!   the Washington, D.C. area only) and days closed by executive order are
//!   not included. Covered from 1971.
//!
//! Calendars are flags for a person to read, not a statement that a clinic
//! is closed: a site's own closures go in a holidays file.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

mod england_and_wales;
mod us_federal;

/// A built-in holiday calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Calendar {
    /// Bank holidays of England and Wales, with Good Friday and Christmas Day.
    EnglandAndWales,
    /// United States federal legal public holidays, on their observed days.
    UsFederal,
}

/// A calendar name that is not one of [`Calendar::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a built-in holiday calendar; the calendars are england-and-wales and us-federal"
)]
pub struct UnknownCalendar(pub String);

/// Dates asked of a calendar before the first year it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {calendar} holiday calendar covers {first} onwards, not {year}; give the holidays of {year} in a holidays file"
)]
pub struct BeforeCalendar {
    /// The calendar.
    pub calendar: Calendar,
    /// The year asked for.
    pub year: i32,
    /// The first year the calendar covers.
    pub first: i32,
}

impl Calendar {
    /// Every built-in calendar.
    pub const ALL: [Calendar; 2] = [Calendar::EnglandAndWales, Calendar::UsFederal];

    /// The name a site writes: `england-and-wales`, `us-federal`.
    pub fn name(self) -> &'static str {
        match self {
            Calendar::EnglandAndWales => "england-and-wales",
            Calendar::UsFederal => "us-federal",
        }
    }

    /// The primary source of the calendar's rules.
    pub fn source(self) -> &'static str {
        match self {
            Calendar::EnglandAndWales => {
                "Banking and Financial Dealings Act 1971, Schedule 1, and royal proclamations (gov.uk/bank-holidays)"
            }
            Calendar::UsFederal => "5 U.S.C. 6103 and Executive Order 11582",
        }
    }

    /// The first year the calendar covers.
    pub fn first_year(self) -> i32 {
        match self {
            Calendar::EnglandAndWales => 1978,
            Calendar::UsFederal => 1971,
        }
    }

    /// The holidays observed for the holidays of the years `from` to `to`
    /// (a day observed for a holiday of `to` may fall in the year after,
    /// and one of `from` in the year before: a US New Year's Day on a
    /// Saturday is observed on 31 December).
    ///
    /// # Errors
    /// [`BeforeCalendar`] when `from` is before [`Calendar::first_year`].
    pub fn dates(self, from: i32, to: i32) -> Result<BTreeSet<NaiveDate>, BeforeCalendar> {
        if from < self.first_year() {
            return Err(BeforeCalendar {
                calendar: self,
                year: from,
                first: self.first_year(),
            });
        }
        let mut out = BTreeSet::new();
        for year in from..=to {
            out.extend(self.days(year).into_iter().map(|(d, _)| d));
        }
        Ok(out)
    }

    /// The holidays of one year with their names, in date order (for
    /// `chemodose config show` and tests).
    ///
    /// # Errors
    /// [`BeforeCalendar`] for a year before [`Calendar::first_year`].
    pub fn year(self, year: i32) -> Result<Vec<(NaiveDate, &'static str)>, BeforeCalendar> {
        self.dates(year, year)?;
        let mut days = self.days(year);
        days.sort();
        Ok(days)
    }

    /// The holidays of one year with their names, by the calendar's rules
    /// (unchecked against [`Calendar::first_year`]).
    fn days(self, year: i32) -> Vec<(NaiveDate, &'static str)> {
        match self {
            Calendar::EnglandAndWales => england_and_wales::year(year),
            Calendar::UsFederal => us_federal::year(year),
        }
    }
}

impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Calendar {
    type Err = UnknownCalendar;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Calendar::ALL
            .into_iter()
            .find(|c| c.name() == t)
            .ok_or_else(|| UnknownCalendar(s.to_owned()))
    }
}

/// Easter Sunday of a Gregorian year, by the Anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher; *Nature*, 1876).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, month as u32, day as u32)
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The `n`th `weekday` of a month (n from 1).
fn nth(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n).unwrap_or(NaiveDate::MIN)
}

/// The last `weekday` of a month.
fn last(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let next_month = if month == 12 {
        ymd(year + 1, 1, 1)
    } else {
        ymd(year, month + 1, 1)
    };
    let mut d = next_month - Duration::days(1);
    while d.weekday() != weekday {
        d -= Duration::days(1);
    }
    d
}

/// The weekday on or after `d` (Saturday and Sunday move to Monday).
fn weekday_on_or_after(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d + Duration::days(2),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn easter_by_the_anonymous_gregorian_algorithm() {
        // Published dates of Easter Sunday.
        assert_eq!(easter_sunday(1900), d("1900-04-15"));
        assert_eq!(easter_sunday(1961), d("1961-04-02"));
        assert_eq!(easter_sunday(2008), d("2008-03-23"));
        assert_eq!(easter_sunday(2019), d("2019-04-21"));
        assert_eq!(easter_sunday(2024), d("2024-03-31"));
        assert_eq!(easter_sunday(2025), d("2025-04-20"));
        assert_eq!(easter_sunday(2027), d("2027-03-28"));
        // The latest possible date, 25 April, falls in 2038.
        assert_eq!(easter_sunday(2038), d("2038-04-25"));
    }

    #[test]
    fn names_and_coverage() {
        assert_eq!("england-and-wales".parse(), Ok(Calendar::EnglandAndWales));
        assert_eq!(" US-Federal ".parse(), Ok(Calendar::UsFederal));
        assert!("australia".parse::<Calendar>().is_err());
        assert_eq!(
            Calendar::EnglandAndWales
                .dates(1977, 1980)
                .unwrap_err()
                .first,
            1978
        );
        let span = Calendar::EnglandAndWales.dates(2026, 2027).unwrap();
        assert_eq!(span.len(), 16);
        // The whole window computes.
        assert!(Calendar::UsFederal.dates(1971, 2199).is_ok());
    }
}
