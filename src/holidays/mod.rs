//! Built-in holiday calendars: the public holidays of a few nations (and,
//! for Australia, of a state), computed by rule for every year they cover,
//! to flag on a schedule as a holidays file does.
//!
//! Owns: the named calendars ([`Calendar`]), their rules and the one-off
//! holidays proclaimed so far, Easter Sunday (the Anonymous Gregorian
//! algorithm, [`easter_sunday`]), and the dates a calendar gives for a span
//! of years ([`Calendar::dates`]). Each calendar's rules are in a file of
//! their own (`england_and_wales.rs`, `us_federal.rs`, `germany.rs`,
//! `france.rs`, `australia.rs`).
//! Never does: read a file or the clock, or move an administration (the
//! schedule flags a holiday; a person decides).
//!
//! The calendars and their primary sources:
//!
//! - `australia-nsw`: the public holidays of New South Wales under the
//!   Public Holidays Act 2010 (NSW), s 4 (as substituted by its Schedule
//!   2.2, in force 31 December 2011; "King's Birthday" since 2022 No 59),
//!   <https://legislation.nsw.gov.au/view/html/inforce/current/act-2010-115>:
//!   (a) New Year's Day, 1 January, and when it is a Saturday or Sunday an
//!   additional public holiday on the following Monday; (b) Australia Day,
//!   26 January, and when it is a Saturday or Sunday no public holiday on
//!   that day but the following Monday instead; (c)–(f) Good Friday, Easter
//!   Saturday, Easter Sunday and Easter Monday; (g) Anzac Day, 25 April,
//!   with no additional day; (h) the King's (before 2023 the Queen's)
//!   Birthday, the second Monday in June; (i) Labour Day, the first Monday
//!   in October; (j) Christmas Day and (k) Boxing Day, 25 and 26 December,
//!   each adding the following Monday when it is a Saturday and the
//!   following Tuesday when it is a Sunday. And the days the Minister has
//!   declared for the whole State by order under s 5(1): 22 September
//!   2022, the National Day of Mourning for Queen Elizabeth II (the order
//!   itself was not read for this calendar; the day is as reported). Not
//!   included: a holiday for part of the State (s 5(2)), a day substituted
//!   under s 6, local event days (s 8), and the Bank Holiday of the first
//!   Monday in August (banks only, not a public holiday under this Act).
//!   Australia has no national calendar: each state and territory declares
//!   its own days, so a calendar is named by its state. Covered from 2012,
//!   the first year wholly under s 4 as it now reads: 2011 ran under the
//!   Act's first s 4, whose text was not checked (and the Public Holidays
//!   Order 2011 added Sunday 25 December 2011).
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
//! - `france`: the eleven fêtes légales of the Code du travail, art.
//!   L3133-1: 1er janvier, lundi de Pâques, 1er mai, 8 mai, Ascension
//!   (Easter Sunday + 39 days), lundi de Pentecôte (+ 50), 14 juillet,
//!   Assomption (15 August), Toussaint (1 November), 11 novembre and jour
//!   de Noël, each on its own date (none moves for a weekend). Not
//!   included: Good Friday and 26 December in the Moselle, Bas-Rhin and
//!   Haut-Rhin (art. L3134-13), and the days commemorating the abolition of
//!   slavery overseas (art. L3422-2). Any of these days but 1 May, often
//!   the lundi de Pentecôte, may be an employer's journée de solidarité
//!   (art. L3133-7 ff.), a working day there: it is flagged all the same.
//!   Covered from 1982, the first year after the loi n° 81-893 of 2
//!   October 1981 made 8 May a fête légale again.
//! - `germany`: the nine gesetzliche Feiertage common to every state:
//!   Neujahr (1 January), Karfreitag, Ostermontag, 1. Mai, Christi
//!   Himmelfahrt (Easter Sunday + 39 days), Pfingstmontag (+ 50), Erster
//!   and Zweiter Weihnachtstag (25 and 26 December), in every state's
//!   Feiertagsgesetz (e.g. Baden-Württemberg's Gesetz über die Sonntage und
//!   Feiertage, § 1), and the Tag der Deutschen Einheit, 3 October, by
//!   federal law (Einigungsvertrag of 31 August 1990, Art. 2 Abs. 2); and
//!   the Reformationstag of 31 October 2017, a one-off holiday in every
//!   state, each by its own act (e.g. Schleswig-Holstein's Landesverordnung
//!   über den Reformationstag 2017 of 24 November 2014, § 1). None moves for
//!   a weekend. Not included: the holidays of some states only (e.g.
//!   Heilige Drei Könige, Fronleichnam, Mariä Himmelfahrt, the
//!   Reformationstag in other years, Allerheiligen, the Buß- und Bettag in
//!   Saxony): a site adds its state's in a holidays file. Covered from
//!   1995: until 1994 the Buß- und Bettag was a holiday in every state too
//!   (given up from 1995, except in Saxony, to fund the
//!   Pflegeversicherung), and the states' laws of 1991–1994 were not
//!   checked for this calendar, so those years are refused, not guessed.
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

mod australia;
mod england_and_wales;
mod france;
mod germany;
mod us_federal;

/// A built-in holiday calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Calendar {
    /// Bank holidays of England and Wales, with Good Friday and Christmas Day.
    EnglandAndWales,
    /// United States federal legal public holidays, on their observed days.
    UsFederal,
    /// The gesetzliche Feiertage common to every German state.
    Germany,
    /// The fêtes légales of France (Code du travail, art. L3133-1).
    France,
    /// The public holidays of New South Wales, Australia (Public Holidays
    /// Act 2010 (NSW), s 4), with their additional days.
    AustraliaNsw,
}

/// A calendar name that is not one of [`Calendar::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a built-in holiday calendar; the calendars are {names}",
    names = Calendar::names()
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
    /// Every built-in calendar, in the order of their names.
    pub const ALL: [Calendar; 5] = [
        Calendar::AustraliaNsw,
        Calendar::EnglandAndWales,
        Calendar::France,
        Calendar::Germany,
        Calendar::UsFederal,
    ];

    /// The name a site writes: `australia-nsw`, `england-and-wales`,
    /// `france`, `germany`, `us-federal`.
    pub fn name(self) -> &'static str {
        match self {
            Calendar::AustraliaNsw => "australia-nsw",
            Calendar::EnglandAndWales => "england-and-wales",
            Calendar::France => "france",
            Calendar::Germany => "germany",
            Calendar::UsFederal => "us-federal",
        }
    }

    /// Every calendar's name, for a message: `a, b and c`.
    fn names() -> String {
        let names: Vec<&str> = Calendar::ALL.iter().map(|c| c.name()).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// The primary source of the calendar's rules.
    pub fn source(self) -> &'static str {
        match self {
            Calendar::EnglandAndWales => {
                "Banking and Financial Dealings Act 1971, Schedule 1, and royal proclamations (gov.uk/bank-holidays)"
            }
            Calendar::UsFederal => "5 U.S.C. 6103 and Executive Order 11582",
            Calendar::Germany => {
                "the states' Feiertagsgesetze (e.g. Baden-Württemberg, § 1) and the Einigungsvertrag, Art. 2 Abs. 2"
            }
            Calendar::France => "Code du travail, art. L3133-1",
            Calendar::AustraliaNsw => "Public Holidays Act 2010 (NSW), s 4 and s 5",
        }
    }

    /// The first year the calendar covers.
    pub fn first_year(self) -> i32 {
        match self {
            Calendar::EnglandAndWales => 1978,
            Calendar::UsFederal => 1971,
            Calendar::Germany => 1995,
            Calendar::France => 1982,
            Calendar::AustraliaNsw => 2012,
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
            Calendar::Germany => germany::year(year),
            Calendar::France => france::year(year),
            Calendar::AustraliaNsw => australia::new_south_wales(year),
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

/// Helpers the calendars' tests share.
#[cfg(test)]
mod testing {
    use super::Calendar;
    use chrono::NaiveDate;

    /// A date written YYYY-MM-DD.
    pub fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The dates `calendar` gives for `year`.
    pub fn dates(calendar: Calendar, year: i32) -> Vec<NaiveDate> {
        calendar
            .year(year)
            .unwrap()
            .into_iter()
            .map(|(d, _)| d)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::d;
    use super::*;

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
        assert_eq!("Germany".parse(), Ok(Calendar::Germany));
        assert_eq!("france".parse(), Ok(Calendar::France));
        assert_eq!("australia-nsw".parse(), Ok(Calendar::AustraliaNsw));
        // Australia has no national calendar: a state is named.
        assert!("australia".parse::<Calendar>().is_err());
        assert!("deutschland".parse::<Calendar>().is_err());
        // Every name reads back as its calendar.
        for c in Calendar::ALL {
            assert_eq!(c.name().parse(), Ok(c));
            assert_eq!(c.to_string(), c.name());
        }
        assert_eq!(
            Calendar::EnglandAndWales
                .dates(1977, 1980)
                .unwrap_err()
                .first,
            1978
        );
        let span = Calendar::EnglandAndWales.dates(2026, 2027).unwrap();
        assert_eq!(span.len(), 16);
        // The whole window computes, for every calendar.
        for c in Calendar::ALL {
            assert!(c.dates(c.first_year(), 2199).is_ok(), "{c}");
            assert!(c.dates(c.first_year() - 1, 2199).is_err(), "{c}");
        }
    }

    #[test]
    fn the_unknown_calendar_message_lists_every_calendar() {
        let e = "narnia".parse::<Calendar>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`narnia` is not a built-in holiday calendar; the calendars are \
             australia-nsw, england-and-wales, france, germany and us-federal"
        );
    }
}
