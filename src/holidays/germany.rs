//! Germany: the nine gesetzliche Feiertage common to every state (the
//! states' Feiertagsgesetze and the Einigungsvertrag, Art. 2 Abs. 2), with
//! the one-off nationwide Reformationstag of 2017. State-only holidays are
//! not here. The rules and their sources are in the parent module's doc.

use chrono::{Duration, NaiveDate};

use super::{easter_sunday, ymd};

/// Germany, one year (from 1995).
pub(super) fn year(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let mut days = vec![
        (ymd(year, 1, 1), "Neujahr"),
        (easter - Duration::days(2), "Karfreitag"),
        (easter + Duration::days(1), "Ostermontag"),
        (ymd(year, 5, 1), "1. Mai"),
        (easter + Duration::days(39), "Christi Himmelfahrt"),
        (easter + Duration::days(50), "Pfingstmontag"),
        (ymd(year, 10, 3), "Tag der Deutschen Einheit"),
        (ymd(year, 12, 25), "Erster Weihnachtstag"),
        (ymd(year, 12, 26), "Zweiter Weihnachtstag"),
    ];
    // The 500th anniversary of the Reformation: a one-off holiday in every
    // state, each by its own act (e.g. Schleswig-Holstein's Landesverordnung
    // über den Reformationstag 2017 of 24 November 2014, § 1).
    if year == 2017 {
        days.push((ymd(2017, 10, 31), "Reformationstag (2017, every state)"));
    }
    days
}

#[cfg(test)]
mod tests {
    use super::super::Calendar;
    use super::super::testing::{d, dates};

    #[test]
    fn germany_2026_by_hand() {
        // Easter Sunday 2026 is 5 April (published): Karfreitag Friday 3
        // April, Ostermontag 6 April, Christi Himmelfahrt (+39) Thursday 14
        // May, Pfingstmontag (+50) Monday 25 May. No day moves for a weekend.
        assert_eq!(
            dates(Calendar::Germany, 2026),
            [
                d("2026-01-01"),
                d("2026-04-03"),
                d("2026-04-06"),
                d("2026-05-01"),
                d("2026-05-14"),
                d("2026-05-25"),
                d("2026-10-03"),
                d("2026-12-25"),
                d("2026-12-26"),
            ]
        );
    }

    #[test]
    fn germany_reformationstag_2017_only() {
        // Easter Sunday 2017 is 16 April: Karfreitag 14 April, Ostermontag
        // 17 April, Himmelfahrt 25 May, Pfingstmontag 5 June; and Tuesday
        // 31 October, the 500th Reformationstag, in every state that year.
        assert_eq!(
            dates(Calendar::Germany, 2017),
            [
                d("2017-01-01"),
                d("2017-04-14"),
                d("2017-04-17"),
                d("2017-05-01"),
                d("2017-05-25"),
                d("2017-06-05"),
                d("2017-10-03"),
                d("2017-10-31"),
                d("2017-12-25"),
                d("2017-12-26"),
            ]
        );
        // A state holiday only in the other years: not in the calendar.
        assert!(!dates(Calendar::Germany, 2016).contains(&d("2016-10-31")));
        assert!(!dates(Calendar::Germany, 2018).contains(&d("2018-10-31")));
        assert!(!dates(Calendar::Germany, 2026).contains(&d("2026-10-31")));
    }

    #[test]
    fn germany_from_1995() {
        // 1995, the first year covered: Easter Sunday 16 April; the Buß- und
        // Bettag (Wednesday 22 November 1995) was no longer a holiday
        // outside Saxony, and is not in the calendar.
        let y1995 = dates(Calendar::Germany, 1995);
        assert_eq!(y1995.len(), 9);
        assert!(y1995.contains(&d("1995-04-14")));
        assert!(y1995.contains(&d("1995-06-05")));
        assert!(!y1995.contains(&d("1995-11-22")));
        // 1994 had the Buß- und Bettag in every state: refused, not guessed.
        let e = Calendar::Germany.dates(1994, 1995).unwrap_err();
        assert_eq!((e.year, e.first), (1994, 1995));
        assert!(e.to_string().contains("germany"), "{e}");
    }
}
