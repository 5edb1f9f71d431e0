//! Cycle schedules: the calendar date of every administration of every cycle.
//!
//! Owns: dates (cycle n, day d falls on start + (n − 1) × cycle length + the
//! delays so far + (d − 1)), delays, dose changes from a cycle on, weekend and
//! holiday flags, and the running cumulative dose per drug against its
//! lifetime limit. Every dose comes from the dose engine ([`crate::dose`]),
//! cycle by cycle, so each adjustment is shown where it applies.
//! Never does: move an administration (weekends and holidays are flagged,
//! not moved), read a file or the clock (the start date and holidays are
//! passed in).

use std::collections::{BTreeMap, BTreeSet};

use crate::bsa::BodySurfaceArea;
use crate::dose::{
    Administration, DoseError, DoseOptions, DosePlan, Exposure, LifetimeCheck, LimitScope,
    LimitStatus, Overridden, Reduction, RenalUsed, StopLedger, Warning, calculate, file_limit,
    lifetime_limit,
};
use crate::patient::Patient;
use crate::quantity::{DoseBasis, DoseUnit};
use crate::regimen::{CycleCount, Regimen, Source, Status};
use crate::renal::WeightBasis;
use crate::rounding::round_dp_half_up;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rust_decimal::Decimal;

/// The most cycles a schedule may have: the most of any course.
pub use crate::regimen::MAX_CYCLES;

/// A dose change that applies from a cycle on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseChange {
    /// First cycle it applies to.
    pub from_cycle: u32,
    /// The drug, or every antineoplastic drug when `None`.
    pub drug: Option<String>,
    /// The reduction.
    pub reduction: Reduction,
}

/// A day list for one drug that applies from a cycle on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayListChange {
    /// First cycle it applies to.
    pub from_cycle: u32,
    /// The drug, lower case.
    pub drug: String,
    /// The days, ascending.
    pub days: Vec<u32>,
}

/// What a schedule needs besides the regimen, patient and dose options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleOptions {
    /// Day 1 of cycle 1.
    pub start: Option<NaiveDate>,
    /// Number of cycles (default: the regimen's).
    pub cycles: Option<u32>,
    /// Delays in days by cycle: the cycle and every later one move.
    pub delays: BTreeMap<u32, u32>,
    /// Dose changes from a cycle on.
    pub changes: Vec<DoseChange>,
    /// Day-list changes from a cycle on.
    pub day_changes: Vec<DayListChange>,
    /// Dates to flag as holidays.
    pub holidays: BTreeSet<NaiveDate>,
}

/// One administration on its date.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledAdministration {
    /// Calendar date.
    pub date: NaiveDate,
    /// Saturday or Sunday.
    pub weekend: bool,
    /// In the holiday list.
    pub holiday: bool,
    /// The dose, with its adjustments.
    pub administration: Administration,
}

/// A drug's cumulative dose after a cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeDose {
    /// Drug name, lower case.
    pub drug: String,
    /// Unit of `total`.
    pub unit: DoseUnit,
    /// Total of the final doses so far in this schedule, in `unit`.
    pub total: Decimal,
    /// Total so far per m² of each cycle's BSA, 2 decimals; for per-m² drugs
    /// and drugs with a per-m² limit.
    pub total_per_m2: Option<Decimal>,
    /// Against the lifetime limit (prior exposure included).
    pub limit: Option<LimitStatus>,
}

/// A reduction in force in a cycle: for one drug, or for every
/// antineoplastic drug when `drug` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReductionInForce {
    /// The drug, lower case; `None` for every antineoplastic drug.
    pub drug: Option<String>,
    /// The reduction.
    pub reduction: Reduction,
}

/// One cycle of the schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledCycle {
    /// Cycle number, from 1.
    pub number: u32,
    /// Date of day 1.
    pub start: NaiveDate,
    /// Delay applied to this cycle, days; 0 when none.
    pub delay_days: u32,
    /// Reductions in force in this cycle: the one for all drugs first, then
    /// by drug name.
    pub dose_changes: Vec<ReductionInForce>,
    /// Administrations by date.
    pub administrations: Vec<ScheduledAdministration>,
    /// Cumulative doses after this cycle.
    pub cumulative: Vec<CumulativeDose>,
}

/// A regimen as a schedule names it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenSummary {
    /// The regimen's id (`gemcitabine-docetaxel`).
    pub id: String,
    /// Its name as printed.
    pub name: String,
    /// The version of the definition used.
    pub version: String,
    /// Its status (a draft or withdrawn one is only scheduled with an override).
    pub status: Status,
    /// Why the status is what it is.
    pub status_note: Option<String>,
    /// Cycle length, days.
    pub cycle_length_days: u32,
    /// What a pharmacist should know about the regimen as a whole.
    pub notes: Option<String>,
    /// Supportive care and monitoring, as written in the regimen.
    pub supportive: crate::regimen::Supportive,
    /// Its published sources, printed at the end of the schedule.
    pub sources: Vec<Source>,
}

/// A whole schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The regimen.
    pub regimen: RegimenSummary,
    /// The patient.
    pub patient: Patient,
    /// The BSA of the first cycle (formula, unrounded and used).
    pub bsa: BodySurfaceArea,
    /// Renal function used.
    pub renal: RenalUsed,
    /// Weight used for per-kg doses.
    pub dose_weight: Option<(WeightBasis, uom::si::f64::Mass)>,
    /// Every cycle, dated, in order.
    pub cycles: Vec<ScheduledCycle>,
    /// Warnings, each once.
    pub warnings: Vec<Warning>,
    /// Safety stops let through by a reason, each once; shown beside the
    /// doses they concern.
    pub overridden: Vec<Overridden>,
    /// The first cycle's plan, for the header (measurements, BSA, CrCl).
    pub first_plan: DosePlan,
    /// The laboratory results the schedule was judged with, by lab: printed
    /// with their dates and upper limits of normal.
    pub labs: Vec<crate::labs::LabResult>,
}

impl Schedule {
    /// Every administration in date order.
    pub fn administrations(
        &self,
    ) -> impl Iterator<Item = (&ScheduledCycle, &ScheduledAdministration)> {
        self.cycles
            .iter()
            .flat_map(|c| c.administrations.iter().map(move |a| (c, a)))
    }

    /// The date of the last administration.
    pub fn last_date(&self) -> Option<NaiveDate> {
        self.administrations().map(|(_, a)| a.date).max()
    }
}

/// A change to a schedule that names a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleChange {
    /// A delay of the cycle and every later one.
    Delay,
    /// A dose level or percent reduction from the cycle on.
    Dose,
    /// A day list from the cycle on.
    DayList,
}

impl std::fmt::Display for CycleChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CycleChange::Delay => "a delay",
            CycleChange::Dose => "a dose change from a cycle",
            CycleChange::DayList => "a day-list change from a cycle",
        })
    }
}

/// Why a schedule could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// From the dose engine.
    #[error(transparent)]
    Dose(#[from] DoseError),
    /// No start date.
    #[error("a schedule needs a start date (day 1 of cycle 1)")]
    NoStart,
    /// An open-ended regimen without a number of cycles.
    #[error("{regimen} runs {course}: the number of cycles to schedule is needed")]
    NeedsCycles {
        /// Regimen id.
        regimen: String,
        /// Its course.
        course: String,
    },
    /// Two dose changes from the same cycle for the same drug (or for all
    /// drugs): a dose level and a percent reduction, or the same kind twice.
    /// One would silently replace the other.
    #[error(
        "two dose changes from cycle {cycle} for {}: give one change per drug and cycle",
        drug.as_deref().unwrap_or("all drugs")
    )]
    ConflictingChanges {
        /// The cycle they start from.
        cycle: u32,
        /// The drug, lower case; `None` for all drugs.
        drug: Option<String>,
    },
    /// Zero or too many cycles.
    #[error("the number of cycles must be between 1 and {MAX_CYCLES} (got {0})")]
    BadCycleCount(u32),
    /// A delay or change for a cycle that is not in the schedule.
    #[error("{what} names cycle {cycle}, but the schedule has cycles 1 to {cycles}")]
    NoSuchCycle {
        /// What names the cycle.
        what: CycleChange,
        /// The cycle named.
        cycle: u32,
        /// Cycles scheduled.
        cycles: u32,
    },
    /// Dates beyond the calendar.
    #[error("the schedule runs past the last date the calendar can hold")]
    DateOverflow,
}

/// Builds the schedule: every cycle through the dose engine, dated.
pub fn build_schedule(
    regimen: &Regimen,
    patient: &Patient,
    base: &DoseOptions,
    options: &ScheduleOptions,
) -> Result<Schedule, ScheduleError> {
    let start = options.start.ok_or(ScheduleError::NoStart)?;
    let cycles = match (options.cycles.or(base.planned_cycles), regimen.cycle.count) {
        (Some(n), _) => n,
        (None, CycleCount::Fixed(n)) => n,
        (None, count @ CycleCount::UntilProgression { .. }) => {
            return Err(ScheduleError::NeedsCycles {
                regimen: regimen.id.clone(),
                course: count.to_string(),
            });
        }
    };
    if cycles == 0 || cycles > MAX_CYCLES {
        return Err(ScheduleError::BadCycleCount(cycles));
    }
    for &c in options.delays.keys() {
        if c == 0 || c > cycles {
            return Err(ScheduleError::NoSuchCycle {
                what: CycleChange::Delay,
                cycle: c,
                cycles,
            });
        }
    }
    for c in options.day_changes.iter().map(|c| c.from_cycle) {
        if c == 0 || c > cycles {
            return Err(ScheduleError::NoSuchCycle {
                what: CycleChange::DayList,
                cycle: c,
                cycles,
            });
        }
    }
    for (i, ch) in options.changes.iter().enumerate() {
        if options.changes[..i]
            .iter()
            .any(|c| c.from_cycle == ch.from_cycle && c.drug == ch.drug)
        {
            return Err(ScheduleError::ConflictingChanges {
                cycle: ch.from_cycle,
                drug: ch.drug.clone(),
            });
        }
        if ch.from_cycle == 0 || ch.from_cycle > cycles {
            return Err(ScheduleError::NoSuchCycle {
                what: CycleChange::Dose,
                cycle: ch.from_cycle,
                cycles,
            });
        }
    }
    let mut warnings: Vec<Warning> = Vec::new();
    let mut overridden: Vec<Overridden> = Vec::new();
    let mut scheduled = Vec::new();
    let mut plans = Vec::new();
    let mut delay_so_far: u64 = 0;
    let mut running: BTreeMap<String, (Exposure, Decimal)> = BTreeMap::new();
    for n in 1..=cycles {
        let mut opts = cycle_options(base, &options.changes, n);
        let mut day_changes: Vec<&DayListChange> = options
            .day_changes
            .iter()
            .filter(|c| c.from_cycle <= n)
            .collect();
        day_changes.sort_by_key(|c| c.from_cycle);
        for c in day_changes {
            opts.days.insert(c.drug.clone(), c.days.clone());
        }
        opts.planned_cycles = Some(cycles);
        opts.lifetime_check = LifetimeCheck::Caller;
        let delay = options.delays.get(&n).copied().unwrap_or(0);
        delay_so_far += u64::from(delay);
        let offset = u64::from(n - 1) * u64::from(regimen.cycle.length_days) + delay_so_far;
        let cycle_start = start
            .checked_add_days(Days::new(offset))
            .ok_or(ScheduleError::DateOverflow)?;
        // Each administration's criteria are judged on its own date, with
        // the results recent enough for it; later ones are NOT CHECKED.
        opts.clinical.cycle_start = Some(cycle_start);
        // What the schedule gave before this cycle, for `given_when`.
        opts.given_so_far = Some(
            running
                .iter()
                .map(|(drug, (e, _))| crate::dose::PriorExposure {
                    drug: drug.clone(),
                    mg_per_m2: e.mg_per_m2,
                    mg: e.mg,
                })
                .collect(),
        );
        let plan = calculate(regimen, patient, n, &opts)?;
        let mut administrations = Vec::new();
        for a in &plan.administrations {
            let date = cycle_start
                .checked_add_signed(chrono::TimeDelta::days(crate::dose::days_from_cycle_start(
                    a.day,
                )))
                .ok_or(ScheduleError::DateOverflow)?;
            administrations.push(ScheduledAdministration {
                date,
                weekend: matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
                holiday: options.holidays.contains(&date),
                administration: a.clone(),
            });
        }
        for a in &plan.administrations {
            // Per m² of the BSA used (positive and plausible, checked when it
            // was computed): checked all the same, never a panic or a guess.
            let per_m2 = plan
                .bsa
                .used_m2()
                .and_then(|bsa| a.final_mg().checked_div(bsa))
                .ok_or_else(|| DoseError::NotRepresentable {
                    drug: a.drug.clone(),
                })?;
            let entry = running.entry(a.drug.clone()).or_default();
            entry.0.mg += a.final_mg();
            entry.0.mg_per_m2 += per_m2;
            entry.1 += a.final_dose;
        }
        // The running status, for display; the limit is judged once, below.
        let mut cumulative = Vec::new();
        for drug in &regimen.drugs {
            if matches!(drug.dosing, crate::regimen::Dosing::Instruction(_)) {
                continue;
            }
            let Some((exposure, total)) = running.get(&drug.name) else {
                continue;
            };
            let exposure = Exposure {
                mg: exposure.mg,
                mg_per_m2: round_dp_half_up(exposure.mg_per_m2, 2),
            };
            let limit = lifetime_limit(drug, exposure, &opts)?;
            let per_m2_basis = drug
                .dose_in_cycle(n)
                .is_some_and(|d| d.basis() == DoseBasis::PerM2);
            let unit = plan
                .administrations
                .iter()
                .find(|a| a.drug == drug.name)
                .map_or(DoseUnit::Mg, |a| a.unit);
            cumulative.push(CumulativeDose {
                drug: drug.name.clone(),
                unit,
                total: *total,
                total_per_m2: (per_m2_basis || limit.is_some()).then_some(exposure.mg_per_m2),
                limit,
            });
        }
        for w in &plan.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
        for o in &plan.overridden {
            if !overridden.contains(o) {
                overridden.push(o.clone());
            }
        }
        scheduled.push(ScheduledCycle {
            number: n,
            start: cycle_start,
            delay_days: delay,
            dose_changes: reductions_in_force(&opts),
            administrations,
            cumulative,
        });
        plans.push(plan);
    }
    // The lifetime limits, judged once on the real course.
    let mut ledger = StopLedger::default();
    for drug in &regimen.drugs {
        let Some((exposure, _)) = running.get(&drug.name) else {
            continue;
        };
        let exposure = Exposure {
            mg: exposure.mg,
            mg_per_m2: round_dp_half_up(exposure.mg_per_m2, 2),
        };
        if let Some(status) = lifetime_limit(drug, exposure, base)? {
            file_limit(
                &drug.name,
                &status,
                LimitScope::ScheduledCycles(cycles),
                base,
                &mut warnings,
                &mut ledger,
            );
        }
    }
    if !ledger.refused.is_empty() {
        return Err(DoseError::Refused(ledger.refused).into());
    }
    for o in ledger.overridden {
        if !overridden.contains(&o) {
            overridden.push(o);
        }
    }
    let flagged: Vec<NaiveDate> = scheduled
        .iter()
        .flat_map(|c| c.administrations.iter())
        // Rows are flagged for every drug; the warning names the days that need
        // the day unit (antineoplastic drugs), not home G-CSF injections.
        .filter(|a| {
            (a.weekend || a.holiday)
                && a.administration.role == crate::regimen::Role::Antineoplastic
        })
        .map(|a| a.date)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !flagged.is_empty() {
        warnings.push(Warning::WeekendOrHoliday { dates: flagged });
    }
    let first_plan = plans.into_iter().next().expect("at least one cycle");
    Ok(Schedule {
        labs: base.clinical.labs.iter().cloned().collect(),
        regimen: RegimenSummary {
            id: regimen.id.clone(),
            name: regimen.name.clone(),
            version: regimen.version.clone(),
            status: regimen.status,
            status_note: regimen.status_note.clone(),
            cycle_length_days: regimen.cycle.length_days,
            notes: regimen.notes.clone(),
            supportive: regimen.supportive.clone(),
            sources: {
                // The standard antiemetic set's sources, where it is on the calendar.
                let mut sources = regimen.sources.clone();
                let with_set = scheduled.iter().any(|c: &ScheduledCycle| {
                    c.administrations
                        .iter()
                        .any(|a| a.administration.role == crate::regimen::Role::Antiemetic)
                });
                if with_set {
                    sources.extend(crate::antiemetics::sources());
                }
                sources
            },
        },
        patient: *patient,
        bsa: first_plan.bsa,
        renal: first_plan.renal.clone(),
        dose_weight: first_plan.dose_weight,
        cycles: scheduled,
        warnings,
        overridden,
        first_plan,
    })
}

/// The dose options in force in cycle `n`: the base options with every change
/// whose first cycle is `n` or earlier applied in cycle order.
fn cycle_options(base: &DoseOptions, changes: &[DoseChange], n: u32) -> DoseOptions {
    let mut opts = base.clone();
    let mut in_force: Vec<&DoseChange> = changes.iter().filter(|c| c.from_cycle <= n).collect();
    // From the same cycle, the change for all drugs first, then the per-drug
    // ones, which win over it as they do in a single dose: in the order
    // given, a later change for all drugs would clear a per-drug one.
    in_force.sort_by_key(|c| (c.from_cycle, c.drug.is_some()));
    for c in in_force {
        match &c.drug {
            Some(d) => {
                opts.reductions.drugs.insert(d.clone(), c.reduction);
            }
            None => {
                opts.reductions.all = Some(c.reduction);
                // A later change for all drugs replaces earlier per-drug ones.
                opts.reductions.drugs.clear();
            }
        }
    }
    opts
}

fn reductions_in_force(opts: &DoseOptions) -> Vec<ReductionInForce> {
    let all = opts.reductions.all.map(|reduction| ReductionInForce {
        drug: None,
        reduction,
    });
    all.into_iter()
        .chain(opts.reductions.drugs.iter().map(|(d, r)| ReductionInForce {
            drug: Some(d.clone()),
            reduction: *r,
        }))
        .collect()
}

/// A line of a holiday list that is not a date, or a date outside the
/// window of [`crate::dates`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct HolidayError {
    /// The line number, from 1.
    pub line: usize,
    /// The line as written, without its comment and surrounding blanks.
    pub text: String,
    /// What is wrong with it, and what to write.
    pub problem: HolidayProblem,
}

/// What is wrong with a line of a holiday list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidayProblem {
    /// Not `YYYY-MM-DD`.
    #[error("`{0}` is not a date (write 2026-12-25)")]
    NotADate(String),
    /// A date outside 1900-01-01 to 2199-12-31.
    #[error(transparent)]
    Outside(#[from] crate::dates::OutsideWindow),
    /// Lines that end in a carriage return alone.
    #[error("{}", crate::diagnostics::CR_LINE_ENDS)]
    CrLineEnds,
}

/// Reads a holiday list: one `YYYY-MM-DD` per line, from 1900-01-01 to
/// 2199-12-31; `#` starts a comment; a byte-order mark before the first line
/// is skipped. Errors name the line.
pub fn parse_holidays(text: &str) -> Result<BTreeSet<NaiveDate>, HolidayError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if crate::diagnostics::first_line_ends_in_cr(text.as_bytes()) {
        return Err(HolidayError {
            line: 1,
            text: String::new(),
            problem: HolidayProblem::CrLineEnds,
        });
    }
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let error = |problem| HolidayError {
            line: i + 1,
            text: line.to_owned(),
            problem,
        };
        let date = NaiveDate::parse_from_str(line, "%Y-%m-%d")
            .map_err(|_| error(HolidayProblem::NotADate(line.to_owned())))?;
        let date = crate::dates::check_date(date).map_err(|e| error(e.into()))?;
        out.insert(date);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holidays_file() {
        let h = parse_holidays("# UK 2026\n2026-12-25\n2026-12-26 # Boxing Day\n\n").unwrap();
        assert_eq!(h.len(), 2);
        let e = parse_holidays("25/12/2026").unwrap_err();
        assert_eq!(
            e,
            HolidayError {
                line: 1,
                text: "25/12/2026".to_owned(),
                problem: HolidayProblem::NotADate("25/12/2026".to_owned()),
            }
        );
        assert_eq!(
            e.to_string(),
            "line 1: `25/12/2026` is not a date (write 2026-12-25)"
        );
        // Issue 14: a byte-order mark (as Notepad writes) read as part of the
        // first date; a year far outside any treatment was accepted.
        let h = parse_holidays("\u{feff}2026-12-25\r\n2026-12-26\r\n").unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(
            parse_holidays("2026-12-25\n9999-12-25\n")
                .unwrap_err()
                .to_string(),
            "line 2: the date 9999-12-25 is outside 1900-01-01 to 2199-12-31; check the year"
        );
        // CR-only line ends read as one line, printed with its raw CR.
        assert_eq!(
            parse_holidays("2026-12-25\r2026-12-26\r")
                .unwrap_err()
                .to_string(),
            "line 1: the lines end in a carriage return alone (CR): save the file with LF or CRLF line ends"
        );
    }
}
