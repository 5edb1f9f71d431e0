//! Dated laboratory results and the panel the clinical rules read.
//!
//! Owns: [`LabResult`] (one result with its ULN, date and origin), [`Labs`]
//! (the latest result of each lab, and its age on a treatment date), and the
//! labs file formats, TOML and CSV (`docs/labs.md`), with every problem of a
//! file reported together at its line and column (`file.rs`).
//!
//! Never does: read a file, or the clock (the command line reads the file and
//! passes the treatment date in); assume a ULN (a ULN-based value without
//! one is not known as a multiple, and [`Labs::times_uln`] says so with
//! `None`); judge a value clinically (that is the rules engine's); refuse a
//! result dated after today, which only the caller knows.
//!
//! Values are parsed by [`crate::quantity::parse_lab`] and
//! [`crate::quantity::parse_uln`]: a result is held in the lab's canonical
//! unit ([`Lab::unit`]) or as a multiple of the ULN.
//!
//! ```
//! use chemodose::labs::{LabOrigin, LabResult, Labs};
//! use chemodose::quantity::{Lab, parse_lab, parse_uln};
//! use chrono::NaiveDate;
//!
//! let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
//! let mut labs = Labs::default();
//! labs.insert(LabResult {
//!     lab: Lab::Alt,
//!     value: parse_lab(Lab::Alt, "100U/L").unwrap(),
//!     uln: Some(parse_uln(Lab::Alt, "40U/L").unwrap()),
//!     date: Some(day),
//!     origin: LabOrigin::CommandLine,
//! });
//! // 100 U/L ÷ 40 U/L = 2.5 × ULN
//! assert_eq!(labs.times_uln(Lab::Alt), Some(2.5));
//! assert_eq!(labs.age_days(Lab::Alt, day + chrono::Days::new(2)), Some(2));
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::quantity::{Lab, LabValue};
use crate::rounding::tidy;

mod file;

pub use file::{parse_labs_csv, parse_labs_toml};

/// Largest labs file, bytes (1 MiB), checked before parsing.
pub const MAX_FILE_BYTES: usize = crate::files::LABS_MAX_BYTES as usize;

/// Most problems reported for one file; the rest are counted in one line.
pub const MAX_PROBLEMS: usize = 100;

/// Where a result came from, for the printed record of what was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabOrigin {
    /// Typed on the command line (`--anc 1.2x10^9/L`).
    CommandLine,
    /// A labs file.
    File {
        /// The file as named to the user.
        path: String,
        /// The line of the result (1-based): the `[[result]]` header in TOML,
        /// the row in CSV.
        line: usize,
    },
    /// A treatment history.
    History,
    /// An Observation of a FHIR bundle (`--fhir`).
    Fhir {
        /// The bundle as named to the user.
        path: String,
        /// The resource: `Observation/anc-1`.
        resource: String,
    },
}

/// One laboratory result.
#[derive(Debug, Clone, PartialEq)]
pub struct LabResult {
    /// Which lab.
    pub lab: Lab,
    /// The value: absolute, in the lab's canonical unit ([`Lab::unit`]), or a
    /// multiple of the ULN reported with it.
    pub value: LabValue,
    /// The upper limit of normal reported with this result, in the lab's
    /// canonical unit; only for labs read against one ([`Lab::uln_based`])
    /// and only with an absolute value (a multiple of the ULN already has
    /// it folded in). `None` when not reported: never a default.
    pub uln: Option<f64>,
    /// The date the sample was taken. `None` is "today's", the treatment
    /// date of the caller.
    pub date: Option<NaiveDate>,
    /// Where it came from.
    pub origin: LabOrigin,
}

impl LabResult {
    /// The absolute value in the lab's canonical unit; `None` when only a
    /// multiple of the ULN is known.
    pub fn value(&self) -> Option<f64> {
        match self.value {
            LabValue::Measured(v) => Some(v),
            LabValue::TimesUln(_) => None,
        }
    }

    /// The value as a multiple of its ULN: the value ÷ the ULN reported with
    /// it (reduced to 12 significant digits, so that 1.8 mg/dL over a ULN of
    /// 1.2 mg/dL is exactly 1.5), or the multiple as given. `None` when the
    /// result has no ULN: a ULN-based rule then cannot be evaluated (clinical
    /// reference §9.1).
    pub fn times_uln(&self) -> Option<f64> {
        match self.value {
            LabValue::TimesUln(x) => Some(x),
            LabValue::Measured(v) => self.uln.filter(|u| *u > 0.0).map(|u| tidy(v / u)),
        }
    }

    /// Days from the sample to `on` (0 for a dateless result, which is
    /// `on`'s; negative for a result dated after `on`).
    pub fn age_days(&self, on: NaiveDate) -> i64 {
        self.date.map_or(0, |d| (on - d).num_days())
    }
}

/// The laboratory panel the rules read: at most one result per lab, the
/// latest by date. A dateless result is today's (the caller's treatment
/// date), newer than any dated one; of two results of the same date, the
/// one inserted last is kept.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Labs {
    results: BTreeMap<Lab, LabResult>,
}

impl Labs {
    /// Keeps `result` if it is at least as recent as the one held for its
    /// lab; returns whether it was kept.
    pub fn insert(&mut self, result: LabResult) -> bool {
        // `None` (today's) sorts after every date.
        let newer = |r: &LabResult| (r.date.is_none(), r.date);
        match self.results.get(&result.lab) {
            Some(held) if newer(held) > newer(&result) => false,
            _ => {
                self.results.insert(result.lab, result);
                true
            }
        }
    }

    /// Keeps `result` whatever its date (a value typed on the command line
    /// wins over a file); returns the result it replaced.
    pub fn replace(&mut self, result: LabResult) -> Option<LabResult> {
        self.results.insert(result.lab, result)
    }

    /// The result held for `lab`.
    pub fn get(&self, lab: Lab) -> Option<&LabResult> {
        self.results.get(&lab)
    }

    /// Every result held, in the order of [`Lab::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = &LabResult> {
        self.results.values()
    }

    /// Whether no result is held.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// How many labs have a result.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// The absolute value of `lab` in its canonical unit ([`Lab::unit`]);
    /// `None` without a result, or when only a multiple of the ULN is known.
    pub fn value(&self, lab: Lab) -> Option<f64> {
        self.get(lab).and_then(LabResult::value)
    }

    /// `lab` as a multiple of its ULN ([`LabResult::times_uln`]); `None`
    /// without a result or without a ULN. Never assumes a default ULN.
    pub fn times_uln(&self, lab: Lab) -> Option<f64> {
        self.get(lab).and_then(LabResult::times_uln)
    }

    /// Days from the sample of `lab` to `on` ([`LabResult::age_days`]);
    /// `None` without a result.
    pub fn age_days(&self, lab: Lab, on: NaiveDate) -> Option<i64> {
        self.get(lab).map(|r| r.age_days(on))
    }

    /// Whether `lab` cannot be used for a decision on `on` for its age: true
    /// when there is no result, when it is more than `max_age_days` old, or
    /// when it is dated after `on`. The maximum age is a site setting
    /// (clinical reference §9.1: UNCONFIRMED, e.g. 72 h).
    pub fn stale(&self, lab: Lab, on: NaiveDate, max_age_days: u32) -> bool {
        self.age_days(lab, on)
            .is_none_or(|age| !(0..=i64::from(max_age_days)).contains(&age))
    }
}

impl Extend<LabResult> for Labs {
    /// Inserts each result ([`Labs::insert`]).
    fn extend<I: IntoIterator<Item = LabResult>>(&mut self, iter: I) {
        for r in iter {
            self.insert(r);
        }
    }
}

impl FromIterator<LabResult> for Labs {
    fn from_iter<I: IntoIterator<Item = LabResult>>(iter: I) -> Self {
        let mut labs = Labs::default();
        labs.extend(iter);
        labs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn result(lab: Lab, value: LabValue, uln: Option<f64>, date: Option<NaiveDate>) -> LabResult {
        LabResult {
            lab,
            value,
            uln,
            date,
            origin: LabOrigin::CommandLine,
        }
    }

    #[test]
    fn the_latest_result_of_each_lab_is_kept() {
        let mut labs = Labs::default();
        let older = result(
            Lab::Anc,
            LabValue::Measured(0.9),
            None,
            Some(day(2026, 11, 28)),
        );
        let newer = result(
            Lab::Anc,
            LabValue::Measured(1.6),
            None,
            Some(day(2026, 11, 30)),
        );
        assert!(labs.insert(newer.clone()));
        assert!(!labs.insert(older.clone()), "an older result is not kept");
        assert_eq!(labs.value(Lab::Anc), Some(1.6));
        // A dateless result is today's: newer than any dated one.
        let today = result(Lab::Anc, LabValue::Measured(2.0), None, None);
        assert!(labs.insert(today));
        assert_eq!(labs.value(Lab::Anc), Some(2.0));
        assert!(!labs.insert(newer.clone()));
        // Same date: the last inserted is kept.
        let mut labs = Labs::default();
        labs.insert(newer.clone());
        let same_day = result(
            Lab::Anc,
            LabValue::Measured(1.7),
            None,
            Some(day(2026, 11, 30)),
        );
        assert!(labs.insert(same_day));
        assert_eq!(labs.value(Lab::Anc), Some(1.7));
        // `replace` wins whatever the date.
        assert_eq!(labs.replace(older).map(|r| r.value()), Some(Some(1.7)));
        assert_eq!(labs.value(Lab::Anc), Some(0.9));
        assert_eq!(labs.len(), 1);
        assert!(!labs.is_empty());
        assert_eq!(labs.value(Lab::Platelets), None);
    }

    #[test]
    fn iteration_follows_the_lab_order() {
        let labs: Labs = [Lab::Lvef, Lab::Anc, Lab::Alt]
            .into_iter()
            .map(|l| result(l, LabValue::Measured(10.0), None, None))
            .collect();
        let order: Vec<Lab> = labs.iter().map(|r| r.lab).collect();
        assert_eq!(order, [Lab::Anc, Lab::Alt, Lab::Lvef]);
    }

    #[test]
    fn multiples_of_the_uln_never_assume_a_uln() {
        let mut labs = Labs::default();
        // 95 U/L ÷ 40 U/L = 2.375 × ULN.
        labs.insert(result(Lab::Alt, LabValue::Measured(95.0), Some(40.0), None));
        assert_eq!(labs.times_uln(Lab::Alt), Some(2.375));
        assert_eq!(labs.value(Lab::Alt), Some(95.0));
        // No ULN reported: no multiple, no default.
        labs.insert(result(Lab::Ast, LabValue::Measured(95.0), None, None));
        assert_eq!(labs.times_uln(Lab::Ast), None);
        assert_eq!(labs.value(Lab::Ast), Some(95.0));
        // A multiple as given; no absolute value.
        labs.insert(result(Lab::Cpk, LabValue::TimesUln(2.5), None, None));
        assert_eq!(labs.times_uln(Lab::Cpk), Some(2.5));
        assert_eq!(labs.value(Lab::Cpk), None);
        // 1.8 mg/dL ÷ 1.2 mg/dL is 1.5 × ULN exactly, a band edge (pazopanib,
        // trabectedin US: "1.5 < bilirubin ≤ 3 × ULN").
        labs.insert(result(
            Lab::Bilirubin,
            LabValue::Measured(1.8),
            Some(1.2),
            None,
        ));
        assert_eq!(labs.times_uln(Lab::Bilirubin), Some(1.5));
        assert_eq!(labs.times_uln(Lab::Anc), None);
    }

    #[test]
    fn age_and_staleness() {
        let on = day(2026, 12, 1);
        let mut labs = Labs::default();
        labs.insert(result(
            Lab::Anc,
            LabValue::Measured(1.6),
            None,
            Some(day(2026, 11, 28)),
        ));
        labs.insert(result(
            Lab::Platelets,
            LabValue::Measured(150.0),
            None,
            None,
        ));
        labs.insert(result(
            Lab::Haemoglobin,
            LabValue::Measured(12.0),
            None,
            Some(day(2026, 12, 2)),
        ));
        // 28 November to 1 December: 3 days.
        assert_eq!(labs.age_days(Lab::Anc, on), Some(3));
        assert!(!labs.stale(Lab::Anc, on, 3));
        assert!(labs.stale(Lab::Anc, on, 2));
        // Dateless: today's, age 0.
        assert_eq!(labs.age_days(Lab::Platelets, on), Some(0));
        assert!(!labs.stale(Lab::Platelets, on, 0));
        // Dated after `on`: negative age, not usable for `on`.
        assert_eq!(labs.age_days(Lab::Haemoglobin, on), Some(-1));
        assert!(labs.stale(Lab::Haemoglobin, on, 30));
        // No result: no age, and never fresh.
        assert_eq!(labs.age_days(Lab::Alt, on), None);
        assert!(labs.stale(Lab::Alt, on, 30));
    }
}
