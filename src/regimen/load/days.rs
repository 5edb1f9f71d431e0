//! When a drug is given, as a regimen file writes it: day lists within a
//! cycle (`"1-3,8"`) and ranges of cycles (`"2-6"`, `"9-"`).
//!
//! Owns: reading both notations, and the checks that tie them to the
//! regimen's `[cycle]` (a day within the cycle length, a cycle range within
//! the course).
//! Never does: date anything (the schedule does), or decide which drug is
//! given when (the drug's checks in `drug.rs` call these).

use std::collections::BTreeSet;

use toml::Spanned;

use super::{LIMITS, Validator};
use crate::regimen::file::DrugFile;
use crate::regimen::{CycleCount, CycleRange, CycleSpec, Role};

/// The furthest a premedication's `relative_days` may be from the drug it
/// premedicates, either side: a week.
pub(super) const MAX_RELATIVE_DAYS: i32 = 7;

impl Validator {
    /// A drug's days: its own `days`, or for a premedication its
    /// `relative_days` (then its own days are empty and the offsets are
    /// returned); exactly one of the two.
    pub(super) fn drug_days(
        &mut self,
        d: &DrugFile,
        name: &str,
        cycle: Option<CycleSpec>,
    ) -> (Option<Vec<u32>>, Vec<i32>) {
        match (&d.days, &d.relative_days) {
            (Some(days), None) => (self.days(days, cycle), Vec::new()),
            (None, None) => {
                self.problems
                    .at(d.name.span(), format!("{name} has no `days`"))
                    .label("when?")
                    .help("write e.g. days = \"1\", \"1,8\" or \"1-5\"; a premedication may instead give `relative_days` from the drug it premedicates");
                (None, Vec::new())
            }
            (Some(days), Some(_)) => {
                self.problems
                    .at(
                        days.span(),
                        format!("{name}: give `days` or `relative_days`, not both"),
                    )
                    .label("both");
                (None, Vec::new())
            }
            (None, Some(rel)) => {
                let before = self.problems.len();
                if d.premedicates.is_none() || d.role != Role::Premedication {
                    self.problems
                        .at(
                            rel.span(),
                            format!("{name}: `relative_days` count from the drug a premedication premedicates"),
                        )
                        .label("relative to which drug?")
                        .help("give role = \"premedication\" and premedicates = \"...\", or write the days with `days`");
                }
                if !d.times.is_empty() {
                    self.problems
                        .at(
                            rel.span(),
                            format!("{name}: `times` count from the start of the drug on the same day, which `relative_days` leave"),
                        )
                        .label("times on days without the drug")
                        .help("use `times_a_day` for doses on the days before and after, or `days` with `times` for the same day");
                }
                let offsets = self
                    .problems
                    .parse(rel, parse_relative_days)
                    .map_err(|p| {
                        p.label("not a list of days from the drug")
                            .help("write signed whole days from each day of the drug, ascending, within a week: \"-1,0,+1\" (the day before, of and after)")
                    })
                    .ok();
                if let Some(o) = &offsets
                    && o.first().is_some_and(|&first| first > 0)
                {
                    self.problems
                        .at(
                            rel.span(),
                            format!("{name} premedicates: it starts on the day of the drug or before (an offset of 0 or less)"),
                        )
                        .label("starts after the drug")
                        .help("e.g. \"-1,0,+1\": the day before, the day of and the day after");
                }
                match offsets {
                    Some(o) if self.problems.len() == before => (Some(Vec::new()), o),
                    _ => (None, Vec::new()),
                }
            }
        }
    }

    /// A drug's `days`, each within the cycle length (or within the longest
    /// cycle allowed when the `[cycle]` itself is wrong).
    pub(super) fn days(
        &mut self,
        s: &Spanned<String>,
        cycle: Option<CycleSpec>,
    ) -> Option<Vec<u32>> {
        let max = cycle.map_or(LIMITS.max_cycle_days as u32, |c| c.length_days);
        let days = self
            .problems
            .parse(s, |t| parse_day_list(t, LIMITS.max_cycle_days as u32))
            .map_err(|p| {
                p.label("not a day list")
                    .help("write e.g. \"1\", \"1,8\", \"1-5\" or \"1-3,8\"")
            })
            .ok()?;
        if let Some(bad) = days.iter().find(|d| **d > max) {
            self.problems
                .at(
                    s.span(),
                    format!("day {bad} is beyond the cycle length of {max} days"),
                )
                .label("beyond the cycle")
                .help("days run from 1 to the cycle length");
            return None;
        }
        Some(days)
    }

    /// A range of cycles (a drug's `cycles`, a phase's `cycles`), within the
    /// planned course or the protocol's maximum where there is one.
    pub(super) fn cycle_range(
        &mut self,
        s: &Spanned<String>,
        cycle: Option<CycleSpec>,
    ) -> Option<CycleRange> {
        let range = self
            .problems
            .parse(s, parse_cycle_range)
            .map_err(|p| {
                p.label("not a cycle range")
                    .help("write e.g. \"1\", \"2-6\" or \"9-\"")
            })
            .ok()?;
        let course_max = match cycle.map(|c| c.count) {
            Some(CycleCount::Fixed(n)) => Some(n),
            Some(CycleCount::UntilProgression { max }) => max,
            None => None,
        };
        if let Some(n) = course_max
            && (range.first > n || range.last.is_some_and(|l| l > n))
        {
            self.problems
                .at(
                    s.span(),
                    format!("`{}` reaches beyond the regimen's {n} cycles", s.get_ref()),
                )
                .label("beyond the course");
            return None;
        }
        Some(range)
    }
}

/// Whether two cycle ranges share a cycle (an open range runs for ever).
pub(super) fn overlaps(a: CycleRange, b: CycleRange) -> bool {
    let a_last = a.last.unwrap_or(u32::MAX);
    let b_last = b.last.unwrap_or(u32::MAX);
    a.first <= b_last && b.first <= a_last
}

/// Why a day list could not be read; `list` is the list as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayListError {
    /// Nothing but blanks was written.
    #[error("the day list is empty")]
    Empty,
    /// A part that is neither a day number nor a range of two ("d1", "1 to 5").
    #[error("`{part}` in \"{list}\" is not a day or a range of days")]
    NotADay {
        /// The part, trimmed.
        part: String,
        /// The whole list.
        list: String,
    },
    /// Day 0: a cycle's first day is day 1.
    #[error("days count from 1 (got `{part}` in \"{list}\")")]
    DayZero {
        /// The part holding the 0.
        part: String,
        /// The whole list.
        list: String,
    },
    /// A range whose first day is after its last ("8-1").
    #[error("range `{part}` in \"{list}\" runs backwards")]
    Backwards {
        /// The range.
        part: String,
        /// The whole list.
        list: String,
    },
    /// A day after the longest cycle the caller allows.
    #[error("day {day} in \"{list}\" is beyond {max}")]
    BeyondMax {
        /// The day, 1-based.
        day: u32,
        /// The whole list.
        list: String,
        /// The last day allowed, 1-based.
        max: u32,
    },
    /// A day written twice, alone or inside a range ("1-3,2").
    #[error("day {day} is listed twice in \"{list}\"")]
    Twice {
        /// The day, 1-based.
        day: u32,
        /// The whole list.
        list: String,
    },
}

/// Why a cycle range could not be read; `range` is the range as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CycleRangeError {
    /// Neither a cycle number, nor "a-b", nor "a-" ("1 to 4").
    #[error("`{range}` is not a cycle or a range of cycles")]
    NotACycleRange {
        /// The range as written.
        range: String,
    },
    /// Cycle 0: the first cycle is cycle 1.
    #[error("cycles count from 1 (got `{range}`)")]
    CycleZero {
        /// The range as written.
        range: String,
    },
    /// A range whose first cycle is after its last ("6-2").
    #[error("range `{range}` runs backwards")]
    Backwards {
        /// The range as written.
        range: String,
    },
    /// A cycle beyond the most cycles a regimen may have.
    #[error("`{range}` is beyond {max} cycles")]
    BeyondMax {
        /// The range as written.
        range: String,
        /// The most cycles a regimen may have ([`LIMITS`]).
        max: i64,
    },
}

/// Why `relative_days` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelativeDaysError {
    /// Nothing written.
    #[error("no days given")]
    Empty,
    /// A part that is not a signed whole number of days within a week.
    #[error("`{0}` is not a whole number of days from -7 to +7")]
    NotAnOffset(String),
    /// Offsets out of order or repeated.
    #[error("the days must be distinct and ascending")]
    NotAscending,
}

/// Reads `relative_days`: signed whole days from the drug premedicated,
/// "-1,0,+1", ascending, within a week either side.
pub fn parse_relative_days(s: &str) -> Result<Vec<i32>, RelativeDaysError> {
    if s.trim().is_empty() {
        return Err(RelativeDaysError::Empty);
    }
    let mut out: Vec<i32> = Vec::new();
    for part in s.split(',') {
        let t = part.trim();
        let digits = t.strip_prefix('+').unwrap_or(t);
        let n = digits
            .parse::<i32>()
            .ok()
            .filter(|n| n.abs() <= MAX_RELATIVE_DAYS && !digits.starts_with('+'))
            .ok_or_else(|| RelativeDaysError::NotAnOffset(t.to_owned()))?;
        if out.last().is_some_and(|&last| n <= last) {
            return Err(RelativeDaysError::NotAscending);
        }
        out.push(n);
    }
    Ok(out)
}

/// Parses a day list: `"1"`, `"1,8"`, `"1-5"`, `"1-3,8"`. Days ascend without
/// repeats and none is beyond `max`.
pub fn parse_day_list(s: &str, max: u32) -> Result<Vec<u32>, DayListError> {
    let mut days = BTreeSet::new();
    if s.trim().is_empty() {
        return Err(DayListError::Empty);
    }
    for part in s.split(',') {
        let part = part.trim();
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part, part),
        };
        let not_a_day = || DayListError::NotADay {
            part: part.to_owned(),
            list: s.to_owned(),
        };
        let a: u32 = a.parse().map_err(|_| not_a_day())?;
        let b: u32 = b.parse().map_err(|_| not_a_day())?;
        if a == 0 || b == 0 {
            return Err(DayListError::DayZero {
                part: part.to_owned(),
                list: s.to_owned(),
            });
        }
        if a > b {
            return Err(DayListError::Backwards {
                part: part.to_owned(),
                list: s.to_owned(),
            });
        }
        if b > max {
            return Err(DayListError::BeyondMax {
                day: b,
                list: s.to_owned(),
                max,
            });
        }
        for d in a..=b {
            if !days.insert(d) {
                return Err(DayListError::Twice {
                    day: d,
                    list: s.to_owned(),
                });
            }
        }
    }
    Ok(days.into_iter().collect())
}

/// Parses a cycle range: `"1"`, `"2-6"`, `"9-"` (cycle 9 and every later one).
pub fn parse_cycle_range(s: &str) -> Result<CycleRange, CycleRangeError> {
    let t = s.trim();
    let range = || s.to_owned();
    let bad = || CycleRangeError::NotACycleRange { range: range() };
    let (first, last) = match t.split_once('-') {
        Some((a, "")) => (a.trim().parse::<u32>().map_err(|_| bad())?, None),
        Some((a, b)) => (
            a.trim().parse::<u32>().map_err(|_| bad())?,
            Some(b.trim().parse::<u32>().map_err(|_| bad())?),
        ),
        None => {
            let n = t.parse::<u32>().map_err(|_| bad())?;
            (n, Some(n))
        }
    };
    if first == 0 || last == Some(0) {
        return Err(CycleRangeError::CycleZero { range: range() });
    }
    if last.is_some_and(|l| l < first) {
        return Err(CycleRangeError::Backwards { range: range() });
    }
    if first > LIMITS.max_cycles as u32 || last.is_some_and(|l| l > LIMITS.max_cycles as u32) {
        return Err(CycleRangeError::BeyondMax {
            range: range(),
            max: LIMITS.max_cycles,
        });
    }
    Ok(CycleRange { first, last })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_list_errors_keep_their_words() {
        let e = |s: &str| parse_day_list(s, 365).unwrap_err().to_string();
        assert_eq!(e(" "), "the day list is empty");
        assert_eq!(
            e("d1,d8"),
            "`d1` in \"d1,d8\" is not a day or a range of days"
        );
        assert_eq!(e("0,8"), "days count from 1 (got `0` in \"0,8\")");
        assert_eq!(e("8-1"), "range `8-1` in \"8-1\" runs backwards");
        assert_eq!(e("1,400"), "day 400 in \"1,400\" is beyond 365");
        assert_eq!(e("1-3,2"), "day 2 is listed twice in \"1-3,2\"");
        assert_eq!(parse_day_list("1-3, 8", 365), Ok(vec![1, 2, 3, 8]));
    }

    #[test]
    fn cycle_range_errors_keep_their_words() {
        let e = |s: &str| parse_cycle_range(s).unwrap_err().to_string();
        assert_eq!(e("1 to 4"), "`1 to 4` is not a cycle or a range of cycles");
        assert_eq!(e("0-4"), "cycles count from 1 (got `0-4`)");
        assert_eq!(e("6-2"), "range `6-2` runs backwards");
        assert_eq!(e("1-101"), "`1-101` is beyond 100 cycles");
        assert_eq!(
            parse_cycle_range("9-"),
            Ok(CycleRange {
                first: 9,
                last: None
            })
        );
    }
}
