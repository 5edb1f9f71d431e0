//! France: the eleven fêtes légales of the Code du travail, art. L3133-1,
//! on their own dates (French law moves none for a weekend). The days
//! added in Alsace-Moselle and overseas are not here. The rules and their
//! sources are in the parent module's doc.

use chrono::{Duration, NaiveDate};

use super::{easter_sunday, ymd};

/// France, one year (from 1982), in the order of art. L3133-1.
pub(super) fn year(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    vec![
        (ymd(year, 1, 1), "1er janvier"),
        (easter + Duration::days(1), "Lundi de Pâques"),
        (ymd(year, 5, 1), "1er mai"),
        (ymd(year, 5, 8), "8 mai"),
        (easter + Duration::days(39), "Ascension"),
        (easter + Duration::days(50), "Lundi de Pentecôte"),
        (ymd(year, 7, 14), "14 juillet"),
        (ymd(year, 8, 15), "Assomption"),
        (ymd(year, 11, 1), "Toussaint"),
        (ymd(year, 11, 11), "11 novembre"),
        (ymd(year, 12, 25), "Jour de Noël"),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::Calendar;
    use super::super::testing::{d, dates};

    #[test]
    fn france_2026_by_hand() {
        // Easter Sunday 2026 is 5 April: lundi de Pâques 6 April, Ascension
        // (+39) Thursday 14 May, lundi de Pentecôte (+50) 25 May. The
        // Toussaint falls on a Sunday and stays there (no substitute day).
        assert_eq!(
            dates(Calendar::France, 2026),
            [
                d("2026-01-01"),
                d("2026-04-06"),
                d("2026-05-01"),
                d("2026-05-08"),
                d("2026-05-14"),
                d("2026-05-25"),
                d("2026-07-14"),
                d("2026-08-15"),
                d("2026-11-01"),
                d("2026-11-11"),
                d("2026-12-25"),
            ]
        );
        // Good Friday (3 April) and 26 December are Alsace-Moselle's only.
        assert!(!dates(Calendar::France, 2026).contains(&d("2026-04-03")));
        assert!(!dates(Calendar::France, 2026).contains(&d("2026-12-26")));
    }

    #[test]
    fn france_ascension_on_the_first_of_may() {
        // Easter Sunday 2008 was 23 March, so the Ascension (+39) fell on
        // Thursday 1 May: eleven fêtes légales, ten days.
        let names = Calendar::France.year(2008).unwrap();
        assert_eq!(names.len(), 11);
        assert_eq!(
            names
                .iter()
                .filter(|(day, _)| *day == d("2008-05-01"))
                .count(),
            2
        );
        assert_eq!(Calendar::France.dates(2008, 2008).unwrap().len(), 10);
        // Lundi de Pentecôte (+50) 12 May 2008.
        assert!(dates(Calendar::France, 2008).contains(&d("2008-05-12")));
    }

    #[test]
    fn france_from_1982() {
        // 8 May is a fête légale again from the loi n° 81-893 of 2 October
        // 1981; 1982 is the first year covered, 1981 is refused.
        assert!(dates(Calendar::France, 1982).contains(&d("1982-05-08")));
        let e = Calendar::France.dates(1981, 1982).unwrap_err();
        assert_eq!((e.year, e.first), (1981, 1982));
    }
}
