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
use crate::regimen::{CycleCount, CycleRange, CycleSpec};

impl Validator {
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

/// Parses a day list: `"1"`, `"1,8"`, `"1-5"`, `"1-3,8"`. Days ascend without repeats.
pub fn parse_day_list(s: &str, max: u32) -> Result<Vec<u32>, String> {
    let mut days = BTreeSet::new();
    if s.trim().is_empty() {
        return Err("the day list is empty".to_owned());
    }
    for part in s.split(',') {
        let part = part.trim();
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part, part),
        };
        let a: u32 = a
            .parse()
            .map_err(|_| format!("`{part}` in \"{s}\" is not a day or a range of days"))?;
        let b: u32 = b
            .parse()
            .map_err(|_| format!("`{part}` in \"{s}\" is not a day or a range of days"))?;
        if a == 0 || b == 0 {
            return Err(format!("days count from 1 (got `{part}` in \"{s}\")"));
        }
        if a > b {
            return Err(format!("range `{part}` in \"{s}\" runs backwards"));
        }
        if b > max {
            return Err(format!("day {b} in \"{s}\" is beyond {max}"));
        }
        for d in a..=b {
            if !days.insert(d) {
                return Err(format!("day {d} is listed twice in \"{s}\""));
            }
        }
    }
    Ok(days.into_iter().collect())
}

/// Parses a cycle range: `"1"`, `"2-6"`, `"9-"` (cycle 9 and every later one).
pub fn parse_cycle_range(s: &str) -> Result<CycleRange, String> {
    let t = s.trim();
    let bad = || format!("`{s}` is not a cycle or a range of cycles");
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
        return Err(format!("cycles count from 1 (got `{s}`)"));
    }
    if last.is_some_and(|l| l < first) {
        return Err(format!("range `{s}` runs backwards"));
    }
    if first > LIMITS.max_cycles as u32 || last.is_some_and(|l| l > LIMITS.max_cycles as u32) {
        return Err(format!("`{s}` is beyond {} cycles", LIMITS.max_cycles));
    }
    Ok(CycleRange { first, last })
}
