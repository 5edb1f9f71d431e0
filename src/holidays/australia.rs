//! Australia, by state: Australia has no single national calendar of
//! public holidays (each state declares its own), so each calendar here is
//! one state's. New South Wales: the standard public holidays of the Public
//! Holidays Act 2010 (NSW), s 4, with the additional days it declares when
//! a day falls on a weekend, and the whole-State day declared under s 5 so
//! far. The rules and their sources are in the parent module's doc.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::{easter_sunday, nth, weekday_on_or_after, ymd};

/// New South Wales, one year (from 2012, the first whole year under s 4 as
/// substituted by Schedule 2.2 of the Act, in force 31 December 2011).
pub(super) fn new_south_wales(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let mut days = Vec::new();
    // s 4(a): 1 January, and when it is a Saturday or Sunday an additional
    // public holiday on the following Monday.
    let new_year = ymd(year, 1, 1);
    days.push((new_year, "New Year's Day"));
    if is_weekend(new_year) {
        days.push((weekday_on_or_after(new_year), "New Year's Day (additional)"));
    }
    // s 4(b): 26 January; when it is a Saturday or Sunday there is no
    // public holiday on that day, and the following Monday is one instead.
    days.push((weekday_on_or_after(ymd(year, 1, 26)), "Australia Day"));
    // s 4(c)-(f): Good Friday, the day after it, the Sunday and the Monday
    // following it.
    days.push((easter - Duration::days(2), "Good Friday"));
    days.push((easter - Duration::days(1), "Easter Saturday"));
    days.push((easter, "Easter Sunday"));
    days.push((easter + Duration::days(1), "Easter Monday"));
    // s 4(g): 25 April, with no additional day for a weekend.
    days.push((ymd(year, 4, 25), "Anzac Day"));
    // s 4(h): the second Monday in June (the Queen's Birthday until the
    // 2022 amendment, 2022 No 59).
    let birthday = if year >= 2023 {
        "King's Birthday"
    } else {
        "Queen's Birthday"
    };
    days.push((nth(year, 6, Weekday::Mon, 2), birthday));
    // s 4(i): the first Monday in October.
    days.push((nth(year, 10, Weekday::Mon, 1), "Labour Day"));
    // s 4(j)-(k): 25 and 26 December; a day on a Saturday adds the
    // following Monday, a day on a Sunday the following Tuesday: two days
    // later either way (Christmas on a Saturday: Monday 27, Boxing Day on
    // the Sunday: Tuesday 28).
    for (day, name, additional) in [
        (25, "Christmas Day", "Christmas Day (additional)"),
        (26, "Boxing Day", "Boxing Day (additional)"),
    ] {
        let date = ymd(year, 12, day);
        days.push((date, name));
        if is_weekend(date) {
            days.push((date + Duration::days(2), additional));
        }
    }
    // s 5(1): days declared for the whole State by the Minister's order.
    if year == 2022 {
        days.push((
            ymd(2022, 9, 22),
            "National Day of Mourning for Queen Elizabeth II",
        ));
    }
    days
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::super::Calendar;
    use super::super::testing::{d, dates};

    #[test]
    fn new_south_wales_2026_by_hand() {
        // 1 January 2026 is a Thursday, 26 January a Monday. Easter Sunday
        // 5 April: Good Friday 3, Easter Saturday 4, Easter Monday 6 April.
        // Anzac Day is a Saturday, with no additional day (s 4(g)). June
        // begins on a Monday: the King's Birthday is Monday 8 June. October
        // begins on a Thursday: Labour Day Monday 5 October. 25 December is
        // a Friday; Boxing Day a Saturday, so Monday 28 December is added.
        assert_eq!(
            dates(Calendar::AustraliaNsw, 2026),
            [
                d("2026-01-01"),
                d("2026-01-26"),
                d("2026-04-03"),
                d("2026-04-04"),
                d("2026-04-05"),
                d("2026-04-06"),
                d("2026-04-25"),
                d("2026-06-08"),
                d("2026-10-05"),
                d("2026-12-25"),
                d("2026-12-26"),
                d("2026-12-28"),
            ]
        );
    }

    #[test]
    fn new_south_wales_2021_christmas_and_boxing_day_on_a_weekend() {
        // 2021: 1 January a Friday, 26 January a Tuesday; Easter Sunday 4
        // April; Anzac Day a Sunday, no additional day; June begins on a
        // Tuesday (Queen's Birthday Monday 14 June); October on a Friday
        // (Labour Day Monday 4 October). 25 December a Saturday: Monday 27
        // added; 26 December a Sunday: Tuesday 28 added (s 4(j), (k)).
        assert_eq!(
            dates(Calendar::AustraliaNsw, 2021),
            [
                d("2021-01-01"),
                d("2021-01-26"),
                d("2021-04-02"),
                d("2021-04-03"),
                d("2021-04-04"),
                d("2021-04-05"),
                d("2021-04-25"),
                d("2021-06-14"),
                d("2021-10-04"),
                d("2021-12-25"),
                d("2021-12-26"),
                d("2021-12-27"),
                d("2021-12-28"),
            ]
        );
    }

    #[test]
    fn new_south_wales_weekend_rules() {
        // 1 January 2022 a Saturday: the day and Monday 3 January (s 4(a)).
        // 25 December 2022 a Sunday: Tuesday 27 added; Boxing Day Monday
        // 26, nothing added. 22 September 2022, the day of mourning (s 5).
        let y2022 = dates(Calendar::AustraliaNsw, 2022);
        for day in ["2022-01-01", "2022-01-03", "2022-09-22"] {
            assert!(y2022.contains(&d(day)), "{day}");
        }
        assert_eq!(
            y2022[y2022.len() - 3..],
            [d("2022-12-25"), d("2022-12-26"), d("2022-12-27")]
        );
        assert_eq!(y2022.len(), 14);
        // 1 January 2023 a Sunday: Monday 2 January added.
        let y2023 = dates(Calendar::AustraliaNsw, 2023);
        assert_eq!(y2023[..2], [d("2023-01-01"), d("2023-01-02")]);
        assert!(!y2023.contains(&d("2023-09-22")));
        // 26 January 2025 a Sunday: not a public holiday; Monday 27 is
        // instead (s 4(b)).
        let y2025 = dates(Calendar::AustraliaNsw, 2025);
        assert!(y2025.contains(&d("2025-01-27")));
        assert!(!y2025.contains(&d("2025-01-26")));
    }

    #[test]
    fn new_south_wales_from_2012() {
        // 1 January 2012 a Sunday, under s 4 as substituted from 31
        // December 2011: the day and Monday 2 January.
        let y2012 = dates(Calendar::AustraliaNsw, 2012);
        assert_eq!(y2012[..2], [d("2012-01-01"), d("2012-01-02")]);
        // 2011 ran under the Act's first s 4, not checked here: refused.
        let e = Calendar::AustraliaNsw.dates(2011, 2012).unwrap_err();
        assert_eq!((e.year, e.first), (2011, 2012));
    }
}
