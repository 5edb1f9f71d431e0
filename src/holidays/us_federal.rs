//! United States federal: the legal public holidays of 5 U.S.C. § 6103(a)
//! on their observed days (§ 6103(b), Executive Order 11582). The rules and
//! their sources are in the parent module's doc.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::{last, nth, ymd};

/// The day a US federal holiday is observed (5 U.S.C. 6103(b), EO 11582).
fn us_observed(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d - Duration::days(1),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

/// US federal, one year (the observed days of that year's holidays).
pub(super) fn year(year: i32) -> Vec<(NaiveDate, &'static str)> {
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
    use super::super::Calendar;
    use super::super::testing::{d, dates};

    #[test]
    fn us_federal_observed_days() {
        // 2021: Juneteenth (Saturday 19 June) observed Friday 18 June;
        // Independence Day (Sunday) Monday 5 July; Christmas (Saturday)
        // Friday 24 December; New Year's Day 2022 (Saturday) Friday 31
        // December 2021, which belongs to the holidays of 2022.
        let y2021 = dates(Calendar::UsFederal, 2021);
        assert!(y2021.contains(&d("2021-06-18")));
        assert!(y2021.contains(&d("2021-07-05")));
        assert!(y2021.contains(&d("2021-12-24")));
        assert_eq!(y2021.len(), 11);
        let y2022 = dates(Calendar::UsFederal, 2022);
        assert_eq!(y2022[0], d("2021-12-31"));
        // Juneteenth from 2021 only.
        let y2020 = dates(Calendar::UsFederal, 2020);
        assert_eq!(y2020.len(), 10);
        assert!(!y2020.contains(&d("2020-06-19")));
        // 2027 by hand: MLK 18 Jan, Washington 15 Feb, Memorial 31 May,
        // Juneteenth (Saturday) 18 June, 4 July (Sunday) on 5 July, Labor
        // 6 Sep, Columbus 11 Oct, Veterans Thursday 11 Nov, Thanksgiving 25
        // Nov, Christmas (Saturday) Friday 24 Dec.
        assert_eq!(
            dates(Calendar::UsFederal, 2027),
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
        assert!(dates(Calendar::UsFederal, 1975).contains(&d("1975-10-27")));
    }
}
