//! England and Wales: the bank holidays of the Banking and Financial
//! Dealings Act 1971, Schedule 1, with Good Friday and Christmas Day, and
//! the one-off holidays and moves proclaimed under its section 1 (as listed
//! at <https://www.gov.uk/bank-holidays>). The rules and their sources are
//! in the parent module's doc.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::{easter_sunday, last, nth, weekday_on_or_after, ymd};

/// England and Wales, one year.
pub(super) fn year(year: i32) -> Vec<(NaiveDate, &'static str)> {
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

#[cfg(test)]
mod tests {
    use super::super::Calendar;
    use super::super::testing::{d, dates};

    #[test]
    fn england_and_wales_2027_by_hand() {
        // 1 Jan 2027 is a Friday; Easter Sunday 28 March; May 2027 starts on
        // a Saturday (first Monday the 3rd, last the 31st); 30 August is the
        // last Monday of August; 25 December is a Saturday.
        assert_eq!(
            dates(Calendar::EnglandAndWales, 2027),
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
        let y2020 = dates(Calendar::EnglandAndWales, 2020);
        // VE Day: the early May bank holiday moved from Monday 4 to Friday 8 May.
        assert!(y2020.contains(&d("2020-05-08")));
        assert!(!y2020.contains(&d("2020-05-04")));
        let y2022 = dates(Calendar::EnglandAndWales, 2022);
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
        let y2026 = dates(Calendar::EnglandAndWales, 2026);
        assert!(y2026.contains(&d("2026-12-25")));
        assert!(y2026.contains(&d("2026-12-28")));
        assert!(!y2026.contains(&d("2026-12-26")));
    }
}
