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
            let days = match self {
                Calendar::EnglandAndWales => england_and_wales(year),
                Calendar::UsFederal => us_federal(year),
            };
            out.extend(days.into_iter().map(|(d, _)| d));
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
        let mut days = match self {
            Calendar::EnglandAndWales => england_and_wales(year),
            Calendar::UsFederal => us_federal(year),
        };
        days.sort();
        Ok(days)
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

/// England and Wales, one year.
fn england_and_wales(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let mut early_may = nth(year, 5, Weekday::Mon, 1);
    let mut spring = last(year, 5, Weekday::Mon);
    let mut extra: Vec<(NaiveDate, &'static str)> = Vec::new();
    // One-off holidays and moves by royal proclamation (gov.uk).
    match year {
        1981 => extra.push((ymd(1981, 7, 29), "Royal wedding")),
        1995 => early_may = ymd(1995, 5, 8),
        1999 => extra.push((ymd(1999, 12, 31), "Millennium celebrations")),
        2002 => {
            spring = ymd(2002, 6, 4);
            extra.push((ymd(2002, 6, 3), "Golden Jubilee"));
        }
        2011 => extra.push((ymd(2011, 4, 29), "Royal wedding")),
        2012 => {
            spring = ymd(2012, 6, 4);
            extra.push((ymd(2012, 6, 5), "Diamond Jubilee"));
        }
        2020 => early_may = ymd(2020, 5, 8),
        2022 => {
            spring = ymd(2022, 6, 2);
            extra.push((ymd(2022, 6, 3), "Platinum Jubilee"));
            extra.push((ymd(2022, 9, 19), "State Funeral of Queen Elizabeth II"));
        }
        2023 => extra.push((ymd(2023, 5, 8), "Coronation of King Charles III")),
        _ => {}
    }
    // Christmas Day and Boxing Day: a day on a weekend is replaced by the
    // next weekday not already a holiday.
    let christmas = ymd(year, 12, 25);
    let (christmas_day, boxing_day) = match christmas.weekday() {
        // Sat 25, Sun 26: Monday 27 and Tuesday 28.
        Weekday::Sat => (ymd(year, 12, 27), ymd(year, 12, 28)),
        // Sun 25, Mon 26: Boxing Day on the Monday, Christmas on Tuesday 27.
        Weekday::Sun => (ymd(year, 12, 27), ymd(year, 12, 26)),
        // Fri 25, Sat 26: Boxing Day on Monday 28.
        Weekday::Fri => (christmas, ymd(year, 12, 28)),
        _ => (christmas, ymd(year, 12, 26)),
    };
    let mut days = vec![
        (weekday_on_or_after(ymd(year, 1, 1)), "New Year's Day"),
        (easter - Duration::days(2), "Good Friday"),
        (easter + Duration::days(1), "Easter Monday"),
        (early_may, "Early May bank holiday"),
        (spring, "Spring bank holiday"),
        (last(year, 8, Weekday::Mon), "Summer bank holiday"),
        (christmas_day, "Christmas Day"),
        (boxing_day, "Boxing Day"),
    ];
    days.extend(extra);
    days
}

/// The day a US federal holiday is observed (5 U.S.C. 6103(b), EO 11582).
fn us_observed(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d - Duration::days(1),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

/// US federal, one year (the observed days of that year's holidays).
fn us_federal(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut days = vec![(ymd(year, 1, 1), "New Year's Day")];
    if year >= 1986 {
        days.push((
            nth(year, 1, Weekday::Mon, 3),
            "Birthday of Martin Luther King, Jr.",
        ));
    }
    days.push((nth(year, 2, Weekday::Mon, 3), "Washington's Birthday"));
    days.push((last(year, 5, Weekday::Mon), "Memorial Day"));
    if year >= 2021 {
        days.push((ymd(year, 6, 19), "Juneteenth National Independence Day"));
    }
    days.push((ymd(year, 7, 4), "Independence Day"));
    days.push((nth(year, 9, Weekday::Mon, 1), "Labor Day"));
    days.push((nth(year, 10, Weekday::Mon, 2), "Columbus Day"));
    if year >= 1978 {
        days.push((ymd(year, 11, 11), "Veterans Day"));
    } else {
        days.push((nth(year, 10, Weekday::Mon, 4), "Veterans Day"));
    }
    days.push((nth(year, 11, Weekday::Thu, 4), "Thanksgiving Day"));
    days.push((ymd(year, 12, 25), "Christmas Day"));
    days.into_iter()
        .map(|(d, name)| (us_observed(d), name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn year(c: Calendar, y: i32) -> Vec<NaiveDate> {
        c.year(y).unwrap().into_iter().map(|(d, _)| d).collect()
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
    fn england_and_wales_2027_by_hand() {
        // 1 Jan 2027 is a Friday; Easter Sunday 28 March; May 2027 starts on
        // a Saturday (first Monday the 3rd, last the 31st); 30 August is the
        // last Monday of August; 25 December is a Saturday.
        assert_eq!(
            year(Calendar::EnglandAndWales, 2027),
            [
                d("2027-01-01"),
                d("2027-03-26"),
                d("2027-03-29"),
                d("2027-05-03"),
                d("2027-05-31"),
                d("2027-08-30"),
                d("2027-12-27"),
                d("2027-12-28"),
            ]
        );
    }

    #[test]
    fn england_and_wales_proclaimed_moves() {
        let y2020 = year(Calendar::EnglandAndWales, 2020);
        // VE Day: the early May bank holiday moved from Monday 4 to Friday 8 May.
        assert!(y2020.contains(&d("2020-05-08")));
        assert!(!y2020.contains(&d("2020-05-04")));
        let y2022 = year(Calendar::EnglandAndWales, 2022);
        // Platinum Jubilee: spring bank holiday on Thursday 2 June, and Friday 3 June; not Monday 30 May.
        assert!(y2022.contains(&d("2022-06-02")));
        assert!(y2022.contains(&d("2022-06-03")));
        assert!(!y2022.contains(&d("2022-05-30")));
        assert!(y2022.contains(&d("2022-09-19")));
        // 2022: 1 Jan a Saturday, so Monday 3 January; 25 Dec a Sunday, so
        // Boxing Day Monday 26 and Christmas Tuesday 27.
        assert!(y2022.contains(&d("2022-01-03")));
        assert!(y2022.contains(&d("2022-12-26")));
        assert!(y2022.contains(&d("2022-12-27")));
        assert_eq!(y2022.len(), 10);
        // 2026: 25 Dec a Friday, Boxing Day (Saturday) on Monday 28.
        let y2026 = year(Calendar::EnglandAndWales, 2026);
        assert!(y2026.contains(&d("2026-12-25")));
        assert!(y2026.contains(&d("2026-12-28")));
        assert!(!y2026.contains(&d("2026-12-26")));
    }

    #[test]
    fn us_federal_observed_days() {
        // 2021: Juneteenth (Saturday 19 June) observed Friday 18 June;
        // Independence Day (Sunday) Monday 5 July; Christmas (Saturday)
        // Friday 24 December; New Year's Day 2022 (Saturday) Friday 31
        // December 2021, which belongs to the holidays of 2022.
        let y2021 = year(Calendar::UsFederal, 2021);
        assert!(y2021.contains(&d("2021-06-18")));
        assert!(y2021.contains(&d("2021-07-05")));
        assert!(y2021.contains(&d("2021-12-24")));
        assert_eq!(y2021.len(), 11);
        let y2022 = year(Calendar::UsFederal, 2022);
        assert_eq!(y2022[0], d("2021-12-31"));
        // Juneteenth from 2021 only.
        let y2020 = year(Calendar::UsFederal, 2020);
        assert_eq!(y2020.len(), 10);
        assert!(!y2020.contains(&d("2020-06-19")));
        // 2027 by hand: MLK 18 Jan, Washington 15 Feb, Memorial 31 May,
        // Juneteenth (Saturday) 18 June, 4 July (Sunday) on 5 July, Labor
        // 6 Sep, Columbus 11 Oct, Veterans Thursday 11 Nov, Thanksgiving 25
        // Nov, Christmas (Saturday) Friday 24 Dec.
        assert_eq!(
            year(Calendar::UsFederal, 2027),
            [
                d("2027-01-01"),
                d("2027-01-18"),
                d("2027-02-15"),
                d("2027-05-31"),
                d("2027-06-18"),
                d("2027-07-05"),
                d("2027-09-06"),
                d("2027-10-11"),
                d("2027-11-11"),
                d("2027-11-25"),
                d("2027-12-24"),
            ]
        );
        // Before 1978 Veterans Day was the fourth Monday of October (1975: the 27th).
        assert!(year(Calendar::UsFederal, 1975).contains(&d("1975-10-27")));
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
