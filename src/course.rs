//! A course of treatment's identity on a calendar (issue 17, part 4): the
//! key that makes iCalendar UIDs unique per patient and course and stable
//! when the course is printed again, and the revision (`SEQUENCE`) that
//! lets a re-printed, delayed course update its own events.
//!
//! Owns: how a course key is derived, and how a cycle's revision is counted
//! from the changes recorded for the course.
//! Never does: read the clock or generate a random id (the same command
//! line gives the same key and revision), or write the calendar (that is
//! `render::schedule`).
//!
//! The rules (`docs/DESIGN.md`, "How are calendar events identified?"):
//! - the key is the first 16 hex digits of a SHA-256 of either the course id
//!   the user gives, or the patient id, the regimen id and the *planned*
//!   start (day 1 of cycle 1 as first planned, `--start`; delays are given
//!   apart, so a delay keeps the key);
//! - the revision of a cycle's events is the number of delay days in force
//!   for it (its own and every earlier cycle's) plus the number of dose and
//!   day-list changes from it or an earlier cycle: adding a delay or a change
//!   raises the revision of exactly the events it moves or changes.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::regimen::Sha256;
use crate::schedule::ScheduleOptions;

/// Who and what a course is, as the user identified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CourseIdentity<'a> {
    /// An id the user chose for the course (`--course-id`), used as given.
    Given(&'a str),
    /// A patient's course of one regimen from its planned first day.
    Patient {
        /// The pseudonymous patient id.
        patient_id: &'a str,
        /// The regimen's id.
        regimen_id: &'a str,
        /// Day 1 of cycle 1 as planned, before any delay.
        planned_start: NaiveDate,
    },
}

/// The course key: 16 lower-case hex digits (64 bits of a SHA-256), the same
/// for the same identity on every run.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CourseKey(String);

impl CourseKey {
    /// The key of a course. Fields are joined with a NUL, which no id can
    /// hold (ids are plain text), so two identities never share the input
    /// of the hash.
    pub fn of(identity: &CourseIdentity<'_>) -> CourseKey {
        let input = match identity {
            CourseIdentity::Given(id) => format!("chemodose course\0given\0{id}"),
            CourseIdentity::Patient {
                patient_id,
                regimen_id,
                planned_start,
            } => format!(
                "chemodose course\0patient\0{patient_id}\0{regimen_id}\0{}",
                planned_start.format("%Y-%m-%d")
            ),
        };
        let hex = Sha256::of(input.as_bytes()).to_string();
        CourseKey(hex[..16].to_owned())
    }

    /// The 16 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A course on a calendar: its key and the revisions of its cycles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    /// The course key, part of every event's UID.
    pub key: CourseKey,
    /// The revision of each cycle's events.
    pub revisions: Revisions,
}

/// The changes recorded for a course, from which each cycle's revision is
/// counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revisions {
    /// Delay days by cycle.
    delays: BTreeMap<u32, u32>,
    /// The first cycle of each dose or day-list change.
    changes_from: Vec<u32>,
}

impl Revisions {
    /// The delays and changes of a schedule's options.
    pub fn of(options: &ScheduleOptions) -> Revisions {
        Revisions {
            delays: options.delays.clone(),
            changes_from: options
                .changes
                .iter()
                .map(|c| c.from_cycle)
                .chain(options.day_changes.iter().map(|c| c.from_cycle))
                .collect(),
        }
    }

    /// The revision (iCalendar `SEQUENCE`) of cycle `cycle`'s events: delay
    /// days in force plus changes in force; 0 for a course as planned.
    pub fn sequence(&self, cycle: u32) -> u32 {
        let delay_days = self
            .delays
            .range(..=cycle)
            .fold(0u32, |sum, (_, d)| sum.saturating_add(*d));
        let changes = self.changes_from.iter().filter(|&&c| c <= cycle).count();
        delay_days.saturating_add(u32::try_from(changes).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dose::Reduction;
    use crate::schedule::{DayListChange, DoseChange};

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_key_is_the_head_of_the_sha256_of_the_identity() {
        // Computed apart from chemodose:
        // printf 'chemodose course\0given\0C-1' | sha256sum
        //   16e31d97e356d3686f156d73dfeb2ba6e0f6fbfeb328f87f728b7036ed80cd29
        let given = CourseKey::of(&CourseIdentity::Given("C-1"));
        assert_eq!(given.as_str(), "16e31d97e356d368");
        // printf 'chemodose course\0patient\0P1\0doxorubicin\0002026-12-07' | sha256sum
        //   814c9d88c393ea6c3ef6e3df91b8f7c459dc590bca70878c0c99aa8de9ab3815
        let patient = CourseKey::of(&CourseIdentity::Patient {
            patient_id: "P1",
            regimen_id: "doxorubicin",
            planned_start: date("2026-12-07"),
        });
        assert_eq!(patient.as_str(), "814c9d88c393ea6c");
    }

    #[test]
    fn different_patients_courses_or_starts_have_different_keys() {
        let key = |p, r, s| {
            CourseKey::of(&CourseIdentity::Patient {
                patient_id: p,
                regimen_id: r,
                planned_start: date(s),
            })
        };
        let a = key("P1", "doxorubicin", "2026-12-07");
        assert_eq!(a, key("P1", "doxorubicin", "2026-12-07"));
        assert_ne!(a, key("P2", "doxorubicin", "2026-12-07"));
        assert_ne!(a, key("P1", "doxorubicin", "2027-03-01"));
        assert_ne!(a, key("P1", "gemcitabine-docetaxel", "2026-12-07"));
        assert_ne!(a, CourseKey::of(&CourseIdentity::Given("P1")));
    }

    #[test]
    fn revisions_count_delay_days_and_changes_in_force() {
        let mut options = ScheduleOptions::default();
        assert_eq!(Revisions::of(&options).sequence(1), 0);
        options.delays.insert(2, 7);
        options.delays.insert(4, 3);
        options.changes.push(DoseChange {
            from_cycle: 3,
            drug: None,
            reduction: Reduction::Level(-1),
        });
        options.day_changes.push(DayListChange {
            from_cycle: 4,
            drug: "x".into(),
            days: vec![1],
        });
        let r = Revisions::of(&options);
        // Cycle 1: nothing; 2: 7 days; 3: 7 days + one dose change;
        // 4: 7 + 3 days + dose change + day-list change; 5 as 4.
        assert_eq!(
            (1..=5).map(|c| r.sequence(c)).collect::<Vec<_>>(),
            [0, 7, 8, 12, 12]
        );
    }
}
