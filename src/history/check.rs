//! What a new cycle must be to be recorded: in its line's time, after the
//! line's previous cycle in number and in date, and with actual doses only
//! of drugs the line's regimen doses in that cycle.
//!
//! Owns: these rules for `history record`, checked before the edit so that
//! the refusal speaks of what was typed, and the rule for actual doses
//! ([`actual_drug_problem`]) the loader applies to a file as well (the
//! loader checks a file's cycle order itself, as it reads, and locates each
//! error in the file).
//! Never does: format messages for the command line (the CLI names its
//! flags), read files, or judge a cycle given early (see
//! [`History::early_cycles`](super::History::early_cycles)).

use chrono::NaiveDate;

use crate::regimen::{Dosing, Library, Regimen};

use super::{History, LineRegimen};

/// Why an actual dose of a drug cannot be counted in a cycle of a regimen;
/// written, it would be left out of the cumulative doses without a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActualDrugProblem {
    /// The regimen has no drug of that name (a misspelling, another
    /// regimen's drug).
    NotInRegimen,
    /// The drug is given per an instruction (supportive care), with no dose
    /// of its own.
    NoDoseOfItsOwn,
    /// The regimen does not give the drug in that cycle.
    NotGivenInCycle,
}

/// Whether an actual dose recorded under `drug` (any case) in cycle `cycle`
/// of `regimen` would be counted; `None` when it would.
pub fn actual_drug_problem(regimen: &Regimen, cycle: u32, drug: &str) -> Option<ActualDrugProblem> {
    match regimen.drug(drug.trim()) {
        None => Some(ActualDrugProblem::NotInRegimen),
        Some(d) if matches!(d.dosing, Dosing::Instruction(_)) => {
            Some(ActualDrugProblem::NoDoseOfItsOwn)
        }
        Some(d) if !d.given_in_cycle(cycle) => Some(ActualDrugProblem::NotGivenInCycle),
        Some(_) => None,
    }
}

/// The names an actual dose may be recorded under in cycle `cycle` of
/// `regimen`: its drugs given in that cycle with an amount (own dose or a
/// companion's share), in the regimen's order.
pub fn dosed_drugs(regimen: &Regimen, cycle: u32) -> Vec<String> {
    regimen
        .drugs
        .iter()
        .filter(|d| !matches!(d.dosing, Dosing::Instruction(_)) && d.given_in_cycle(cycle))
        .map(|d| d.name.clone())
        .collect()
}

/// Why a new cycle cannot be recorded as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewCycleProblem {
    /// Its number is not above the line's last recorded cycle's.
    NumberNotAfter {
        /// The number asked for.
        number: u32,
        /// The line's last recorded cycle.
        previous: u32,
    },
    /// It is dated the day of the line's last recorded cycle (a cycle
    /// recorded twice, or two "cycles" one day).
    SameDay {
        /// The line's last recorded cycle.
        previous: u32,
        /// Their date.
        date: NaiveDate,
    },
    /// It is dated before the line's last recorded cycle.
    Before {
        /// The line's last recorded cycle.
        previous: u32,
        /// Its day 1.
        previous_date: NaiveDate,
        /// The new cycle's date.
        date: NaiveDate,
    },
    /// It is dated before its line starts.
    BeforeLineStart {
        /// The line's start.
        start: NaiveDate,
        /// The new cycle's date.
        date: NaiveDate,
    },
    /// An actual dose of a drug that would not be counted.
    ActualDrug {
        /// The name as given.
        drug: String,
        /// Why.
        problem: ActualDrugProblem,
        /// The line's regimen id.
        regimen: String,
        /// The cycle's number.
        cycle: u32,
        /// The names an actual dose may be recorded under in that cycle.
        dosed: Vec<String>,
    },
    /// The same drug is given two actual doses.
    ActualTwice {
        /// The name as given the second time.
        drug: String,
    },
}

/// A cycle to be added to line `line`: number (default: the line's last +
/// 1), day 1 and the drugs of its actual doses.
#[derive(Debug, Clone, Copy)]
pub struct NewCycle<'a> {
    /// The line.
    pub line: u32,
    /// Its number, when given.
    pub number: Option<u32>,
    /// Its day 1.
    pub date: NaiveDate,
    /// The drugs of its actual doses, as given.
    pub actual_drugs: &'a [String],
}

impl History {
    /// Every reason the cycle `new` cannot be added to its line, all
    /// together; empty when it can. A line that does not exist, has ended
    /// or whose cycles are not recorded one by one is left to the edit,
    /// which refuses it; a line whose regimen is not stated or not in
    /// `library` has its actual doses unchecked here (the loader reports
    /// an unknown regimen).
    pub fn new_cycle_problems(&self, new: NewCycle<'_>, library: &Library) -> Vec<NewCycleProblem> {
        let Some(line) = self.lines.iter().find(|l| l.number == new.line) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let last = line.cycles.last();
        let number = new
            .number
            .unwrap_or_else(|| last.map_or(1, |c| c.number.saturating_add(1)));
        if let Some(prev) = last {
            if number <= prev.number {
                out.push(NewCycleProblem::NumberNotAfter {
                    number,
                    previous: prev.number,
                });
            }
            if new.date == prev.date {
                out.push(NewCycleProblem::SameDay {
                    previous: prev.number,
                    date: prev.date,
                });
            } else if new.date < prev.date {
                out.push(NewCycleProblem::Before {
                    previous: prev.number,
                    previous_date: prev.date,
                    date: new.date,
                });
            }
        }
        if new.date < line.start {
            out.push(NewCycleProblem::BeforeLineStart {
                start: line.start,
                date: new.date,
            });
        }
        let regimen = match &line.regimen {
            LineRegimen::Id { id, .. } => library.get(id).map(|e| &e.regimen),
            LineRegimen::Inline(r) => Some(&**r),
            LineRegimen::NotStated { .. } => None,
        };
        let mut seen: Vec<String> = Vec::new();
        for drug in new.actual_drugs {
            let key = drug.trim().to_lowercase();
            if seen.contains(&key) {
                out.push(NewCycleProblem::ActualTwice { drug: drug.clone() });
                continue;
            }
            seen.push(key);
            if let Some(r) = regimen
                && let Some(problem) = actual_drug_problem(r, number, drug)
            {
                out.push(NewCycleProblem::ActualDrug {
                    drug: drug.clone(),
                    problem,
                    regimen: r.id.clone(),
                    cycle: number,
                    dosed: dosed_drugs(r, number),
                });
            }
        }
        out
    }
}
