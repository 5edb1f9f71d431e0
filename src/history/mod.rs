//! Treatment histories: a patient's lines of therapy, the cycles given, other
//! events that matter to dosing (surgery, radiation, anthracycline given
//! elsewhere), and the lifetime cumulative doses they add up to.
//!
//! Owns: the history file format (`docs/history-format.md`), its validation
//! (`load.rs`), the timeline, cumulative doses per drug (mg and mg/m² at each
//! cycle's BSA), doxorubicin-equivalent anthracycline totals with their
//! conversion factors (`anthracycline.rs`), and the edits `record`,
//! `start-line` and `end-line` make (in [`edit`]).
//! Never does: write files (the CLI writes the edited text atomically).

mod check;
pub mod edit;
mod file;
mod load;
pub mod new;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::dose::{
    DoseError, DoseOptions, Exposure, LifetimeCheck, LimitStatus, Overrides, PerDrug,
    PriorExposure, Reduction, Warning, calculate, lifetime_limit,
};
use crate::patient::{Patient, Sex};
use crate::regimen::{Intent, Library, Regimen};
use crate::rounding::round_dp_half_up;

pub use crate::anthracycline::{AnthracyclinePolicy, FactorSet};
pub use check::{ActualDrugProblem, NewCycle, NewCycleProblem, actual_drug_problem, dosed_drugs};
pub use file::HistoryFile;
pub use load::parse_history;

/// Most lines, cycles per line, measurements and events a history may hold.
pub const MAX_ENTRIES: usize = 500;

/// Why a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// The planned course was given.
    Completed,
    /// The disease progressed.
    Progression,
    /// Unacceptable toxicity.
    Toxicity,
    /// The patient decided to stop.
    PatientDecision,
    /// The patient died.
    Death,
    /// Another reason (see the note).
    Other,
    /// The source does not say why the line stopped.
    NotStated,
}

impl StopReason {
    /// Parses `completed`, `progression`, `toxicity`, `patient-decision`,
    /// `death`, `other`, `not-stated`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "completed" => StopReason::Completed,
            "progression" => StopReason::Progression,
            "toxicity" => StopReason::Toxicity,
            "patient-decision" => StopReason::PatientDecision,
            "death" => StopReason::Death,
            "other" => StopReason::Other,
            "not-stated" => StopReason::NotStated,
            _ => return None,
        })
    }
}

/// The accepted stop reasons, for messages.
pub const STOP_REASONS: &str =
    "completed, progression, toxicity, patient-decision, death, other, not-stated";

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// An operation (resection, laminectomy).
    Surgery,
    /// Radiotherapy; whether its field included the heart decides the
    /// anthracycline limit.
    Radiation,
    /// Anthracycline given elsewhere (counts towards the cumulative limit).
    PriorAnthracycline,
    /// Diagnosis or recurrence.
    Recurrence,
    /// The patient's death: no cycle may follow it.
    Death,
    /// Anything else.
    Other,
}

/// The accepted event kinds, for messages.
pub const EVENT_KINDS: &str = "surgery, radiation, prior-anthracycline, recurrence, death, other";

/// A dated measurement (any of the three may be missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// When it was measured.
    pub date: NaiveDate,
    /// Height, when measured that day.
    pub height: Option<uom::si::f64::Length>,
    /// Weight, when measured that day.
    pub weight: Option<uom::si::f64::Mass>,
    /// Serum creatinine.
    pub scr: Option<uom::si::f64::MassConcentration>,
}

/// A cycle that was given.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenCycle {
    /// Cycle number in the line.
    pub number: u32,
    /// Day 1.
    pub date: NaiveDate,
    /// The reductions given: for all antineoplastic drugs, or by drug.
    pub reduction: PerDrug<Reduction>,
    /// Doses given when they differed from the regimen: drug → mg per administration.
    pub actual: BTreeMap<String, Decimal>,
    /// Why it was delayed.
    pub delay_reason: Option<String>,
    /// Why it was given sooner after the line's previous cycle than the
    /// regimen's cycle length.
    pub early_reason: Option<String>,
    /// The recorded reason for going past a lifetime limit.
    pub allow_over_limit: Option<String>,
}

/// The regimen of a line.
#[derive(Debug, Clone, PartialEq)]
pub enum LineRegimen {
    /// By id, with the version it was given with.
    Id {
        /// The id.
        id: String,
        /// The pinned version.
        version: Option<String>,
    },
    /// Written inline in the history.
    Inline(Box<Regimen>),
    /// The source does not name the regimen: what it says instead
    /// ("Adriamycin-based chemotherapy"). Nothing from the line enters a
    /// cumulative dose.
    NotStated {
        /// The source's words.
        description: String,
    },
}

/// The number of cycles of a line whose cycles are not recorded one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatedCycles {
    /// The source states this many.
    Count(u32),
    /// The source does not say how many.
    Unknown,
}

/// Whether a radiation field included the heart (mediastinal or cardiac
/// region).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardiacRegion {
    /// It did: the lower anthracycline limit applies.
    Included,
    /// It did not.
    NotIncluded,
    /// Not known (not stated in the source): the lower anthracycline limit
    /// is applied, as if it had.
    Unknown,
}

/// Cardiac-region radiation anywhere in a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CardiacRadiation {
    /// No radiation, or none whose field included the heart.
    No,
    /// Radiation whose field included the heart.
    Yes,
    /// Radiation whose field is not known, and none known to include the
    /// heart.
    Unknown,
}

impl CardiacRadiation {
    /// Whether the lower anthracycline limit applies: after cardiac-region
    /// radiation, and, conservatively, after radiation whose field is not
    /// known.
    pub fn lower_limit(self) -> bool {
        !matches!(self, CardiacRadiation::No)
    }
}

/// A line of therapy.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Number, from 1.
    pub number: u32,
    /// Setting in words.
    pub setting: Option<String>,
    /// Curative, adjuvant, neoadjuvant or palliative, where the source says.
    pub intent: Option<Intent>,
    /// The regimen given: a library id, an inline definition, or what the
    /// source says when it does not name one.
    pub regimen: LineRegimen,
    /// The first day of the line.
    pub start: NaiveDate,
    /// The day it ended; `None` while it goes on.
    pub end: Option<NaiveDate>,
    /// Why it stopped.
    pub stop_reason: Option<StopReason>,
    /// Free text.
    pub stop_note: Option<String>,
    /// Cycles given, one by one.
    pub cycles: Vec<GivenCycle>,
    /// The number of cycles when they are not recorded one by one (`cycles`
    /// in the file); `None` when the cycles are those in [`Line::cycles`]
    /// (none yet is then none yet).
    pub stated_cycles: Option<StatedCycles>,
}

/// A treatment event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Surgery, radiation, death, ….
    pub kind: EventKind,
    /// When it happened.
    pub date: NaiveDate,
    /// What happened, in words.
    pub description: Option<String>,
    /// Radiation site.
    pub site: Option<String>,
    /// Radiation dose.
    pub dose: Option<String>,
    /// Radiation: whether the field included the heart; `None` for other
    /// kinds of event.
    pub cardiac_region: Option<CardiacRegion>,
    /// Prior anthracycline drug.
    pub drug: Option<String>,
    /// Prior anthracycline cumulative mg/m².
    pub cumulative_mg_per_m2: Option<Decimal>,
}

/// A validated history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The patient's id (a pseudonym, or the MRN).
    pub patient_id: String,
    /// The patient's name, when the file identifies the patient.
    pub name: Option<String>,
    /// The medical record number, when the file identifies the patient.
    pub mrn: Option<String>,
    /// For Cockcroft-Gault and the Schlich BSA; `None` when not recorded.
    pub sex: Option<Sex>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Or age on a date.
    pub age_at: Option<(u32, NaiveDate)>,
    /// What a reader of the history should know first (its provenance).
    pub note: Option<String>,
    /// When every date of the file is a placeholder (the source gives no
    /// calendar dates): how the dates were derived.
    pub placeholder_dates: Option<String>,
    /// Measurements by date.
    pub measurements: Vec<Measurement>,
    /// Lines in order.
    pub lines: Vec<Line>,
    /// Events by date.
    pub events: Vec<Event>,
}

/// One cycle's doses as recomputed.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleDoses {
    /// Cycle number in the line, from 1.
    pub number: u32,
    /// Date of day 1.
    pub date: NaiveDate,
    /// BSA used for dosing at that cycle's measurements, m²; `None` when the
    /// doses were not computed.
    pub bsa_m2: Option<Decimal>,
    /// Drug → (mg in the cycle, whether a recorded actual dose replaced the
    /// regimen's); empty when the doses were not computed.
    pub doses: BTreeMap<String, (Decimal, bool)>,
    /// Whether the doses were computed. They are not when the regimen does
    /// not confirm a drug's day list: no day count is invented (the line's
    /// gaps say so).
    pub computed: bool,
    /// The reductions recorded for the cycle: for all antineoplastic drugs,
    /// or by drug.
    pub reduction: PerDrug<Reduction>,
    /// Delay reason.
    pub delay_reason: Option<String>,
    /// Why it was given sooner than the regimen's cycle length after the
    /// line's previous cycle.
    pub early_reason: Option<String>,
    /// Recorded reason for going past a limit.
    pub allow_over_limit: Option<String>,
}

/// Why some of a line's doses are not in the cumulative totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The source does not name the regimen.
    RegimenNotStated {
        /// What it says instead.
        description: String,
    },
    /// The source does not say how many cycles were given.
    CyclesUnknown,
    /// The source gives the number of cycles, but not the cycles one by
    /// one (no dates, no measurements): their doses cannot be computed.
    CyclesNotRecorded {
        /// The number stated.
        count: u32,
    },
    /// The regimen does not confirm these drugs' day lists: a cycle's doses
    /// are not computed, because no day count may be invented.
    DaysUnconfirmed {
        /// The drugs, lower case.
        drugs: Vec<String>,
    },
}

/// A line that adds nothing, or not all it gave, to the cumulative doses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteLine {
    /// The line's number.
    pub line: u32,
    /// Its regimen id; `None` when the source does not name the regimen.
    pub regimen: Option<String>,
    /// The drugs whose doses in the line are not counted; `None` when the
    /// regimen is not stated (it may have held any drug).
    pub drugs: Option<Vec<String>>,
    /// Why.
    pub gaps: Vec<Gap>,
}

impl IncompleteLine {
    /// Whether the doses not counted may include `drug`.
    pub fn may_include(&self, drug: &str) -> bool {
        self.drugs
            .as_ref()
            .is_none_or(|d| d.iter().any(|x| x.eq_ignore_ascii_case(drug)))
    }
}

/// A warning of a history report.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryWarning {
    /// A line adds nothing, or not all it gave, to the cumulative doses
    /// (code `cumulative-incomplete`).
    CumulativeIncomplete(IncompleteLine),
    /// Radiation whose field is not known to have spared the heart: the
    /// lower anthracycline limit is applied (code `cardiac-region-unknown`).
    CardiacRegionUnknown {
        /// Date of the radiation.
        date: NaiveDate,
        /// Its site, as written.
        site: Option<String>,
        /// The doxorubicin-equivalent limit applied, mg/m².
        limit_mg_per_m2: Decimal,
    },
    /// A cycle given sooner after the line's previous cycle than the
    /// regimen's cycle length, with no `early_reason` recorded: a date
    /// written wrong, or a cycle given early without a word (code
    /// `cycle-early`).
    CycleEarly(EarlyCycle),
    /// A warning the dose engine also gives.
    Dose(Warning),
}

impl HistoryWarning {
    /// The stable code machines read (`docs/output-json.md`).
    pub fn code(&self) -> &'static str {
        match self {
            HistoryWarning::CumulativeIncomplete(_) => "cumulative-incomplete",
            HistoryWarning::CardiacRegionUnknown { .. } => "cardiac-region-unknown",
            HistoryWarning::CycleEarly(_) => "cycle-early",
            HistoryWarning::Dose(w) => w.code(),
        }
    }
}

/// One line as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct LineReport {
    /// The line's number, from 1.
    pub number: u32,
    /// Regimen id; `None` when the source does not name the regimen.
    pub regimen: Option<String>,
    /// Regimen name; `None` when the source does not name the regimen.
    pub regimen_name: Option<String>,
    /// What the source says instead of naming the regimen.
    pub regimen_not_stated: Option<String>,
    /// The setting in words ("first-line metastatic").
    pub setting: Option<String>,
    /// Curative, adjuvant, neoadjuvant or palliative, where known.
    pub intent: Option<Intent>,
    /// The first day of the line.
    pub start: NaiveDate,
    /// The day it ended; `None` while it goes on.
    pub end: Option<NaiveDate>,
    /// Days from start to end (inclusive of both), when ended; `None` when
    /// the dates are placeholders.
    pub duration_days: Option<i64>,
    /// Days from this line's start to the next line's start; `None` when
    /// the dates are placeholders.
    pub time_to_next_treatment_days: Option<i64>,
    /// Why it stopped.
    pub stop_reason: Option<StopReason>,
    /// Why it stopped, in words.
    pub stop_note: Option<String>,
    /// Cycles recorded one by one, recomputed.
    pub cycles: Vec<CycleDoses>,
    /// The number of cycles when they are not recorded one by one.
    pub stated_cycles: Option<StatedCycles>,
    /// Why the line's doses are not (all) in the cumulative totals; empty
    /// when they are.
    pub gaps: Vec<Gap>,
}

/// Cumulative dose of one drug across all lines.
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeDrug {
    /// Drug name, lower case.
    pub drug: String,
    /// Total mg of the cycles counted.
    pub mg: Decimal,
    /// Total mg/m² (each cycle's mg over that cycle's BSA).
    pub mg_per_m2: Decimal,
    /// Against the drug's lifetime limit, where a regimen defines one.
    pub limit: Option<LimitStatus>,
    /// Lines whose doses of this drug may be missing from the total: when
    /// not empty, the real total is higher by an amount not known.
    pub incomplete_lines: Vec<u32>,
}

/// One anthracycline's share of the doxorubicin-equivalent total.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Drug, lower case.
    pub drug: String,
    /// Given elsewhere (a `prior-anthracycline` event), not in a line.
    pub given_elsewhere: bool,
    /// Its cumulative dose, mg/m².
    pub mg_per_m2: Decimal,
    /// Its doxorubicin-equivalence factor.
    pub factor: Decimal,
    /// `mg_per_m2 × factor`, doxorubicin-equivalent mg/m², 2 decimals.
    pub equivalent_mg_per_m2: Decimal,
    /// Where the factor comes from.
    pub source: String,
}

/// The anthracycline total.
#[derive(Debug, Clone, PartialEq)]
pub struct AnthracyclineTotal {
    /// The factor set's name and version.
    pub factor_set: String,
    /// Each anthracycline's share.
    pub contributions: Vec<Contribution>,
    /// Total doxorubicin-equivalent mg/m² of what is counted.
    pub total_mg_per_m2: Decimal,
    /// The limit in force, mg/m².
    pub limit_mg_per_m2: Decimal,
    /// Whether the lower limit applies: after cardiac-region radiation, or
    /// after radiation whose field is not known.
    pub after_cardiac_radiation: bool,
    /// Why the lower limit applies, or not.
    pub cardiac_radiation: CardiacRadiation,
    /// What remains; `None` when lines that may hold an anthracycline are
    /// not counted (and the counted total is below the limit).
    pub remaining_mg_per_m2: Option<Decimal>,
    /// Where the limit comes from.
    pub limit_source: String,
    /// Lines that may hold anthracycline doses the total does not count.
    pub incomplete_lines: Vec<u32>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryReport {
    /// Patient id.
    pub patient_id: String,
    /// The patient's name, when the file gives it.
    pub name: Option<String>,
    /// The medical record number, when the file gives it.
    pub mrn: Option<String>,
    /// The patient note.
    pub note: Option<String>,
    /// When the file's dates are placeholders: how they were derived.
    pub placeholder_dates: Option<String>,
    /// Every line of therapy, in order.
    pub lines: Vec<LineReport>,
    /// Every event, by date.
    pub events: Vec<Event>,
    /// Cumulative doses by drug, of the cycles counted.
    pub cumulative: Vec<CumulativeDrug>,
    /// Anthracyclines as doxorubicin equivalents, where any were given (or
    /// may have been, in a line not counted).
    pub anthracycline: Option<AnthracyclineTotal>,
    /// Lines that add nothing, or not all they gave, to the cumulative doses.
    pub incomplete: Vec<IncompleteLine>,
    /// Warnings, the history's own first.
    pub warnings: Vec<HistoryWarning>,
}

impl HistoryReport {
    /// Whether every line's doses are in the cumulative totals.
    pub fn cumulative_complete(&self) -> bool {
        self.incomplete.is_empty()
    }
}

/// The prior exposure a history adds to a dose.
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    /// Each drug's cumulative dose over the cycles counted, anthracyclines
    /// together as doxorubicin equivalents.
    pub exposures: Vec<PriorExposure>,
    /// Lines before the dose that add nothing, or not all they gave: when
    /// not empty, the prior exposure is incomplete and a lifetime-limit
    /// check on it is not complete either.
    pub incomplete: Vec<IncompleteLine>,
    /// Cardiac-region radiation in the history.
    pub cardiac_radiation: CardiacRadiation,
}

impl Prior {
    /// Whether every earlier line's doses are counted.
    pub fn is_complete(&self) -> bool {
        self.incomplete.is_empty()
    }
}

/// Which recorded cycles count as prior exposure for a dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Before<'a> {
    /// Every recorded cycle.
    Everything,
    /// Cycles given before this date (a schedule starting then).
    Date(NaiveDate),
    /// Everything but the current line's cycles from `cycle` on (a dose of
    /// cycle `cycle` of `regimen`, whose course counts from that cycle).
    Cycle {
        /// The regimen being dosed.
        regimen: &'a str,
        /// The cycle being dosed.
        cycle: u32,
    },
}

/// The death recorded in `lines` and `events`: the earliest `death` event
/// or end of a line stopped by death.
pub(crate) fn death_date(lines: &[Line], events: &[Event]) -> Option<NaiveDate> {
    let events = events
        .iter()
        .filter(|e| e.kind == EventKind::Death)
        .map(|e| e.date);
    let lines = lines
        .iter()
        .filter(|l| l.stop_reason == Some(StopReason::Death))
        .filter_map(|l| l.end);
    events.chain(lines).min()
}

/// A cycle given sooner after the one before it than the regimen's cycle
/// length ([`History::early_cycles`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyCycle {
    /// The line.
    pub line: u32,
    /// The line's regimen id.
    pub regimen: String,
    /// The cycle.
    pub cycle: u32,
    /// Its day 1.
    pub date: NaiveDate,
    /// The cycle before it in the line.
    pub previous: u32,
    /// That cycle's day 1.
    pub previous_date: NaiveDate,
    /// Days from the previous cycle's day 1 to this one's.
    pub days: i64,
    /// The days the regimen's cycle length asks for between them.
    pub expected_days: i64,
}

/// Why a history could not be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HistoryError {
    /// A cycle without the measurements it needs.
    #[error("line {line} cycle {cycle} ({date}): no {what} measured on or before that date")]
    NoMeasurement {
        /// The line's number.
        line: u32,
        /// The cycle's number.
        cycle: u32,
        /// The cycle's date.
        date: NaiveDate,
        /// "height" or "weight".
        what: &'static str,
    },
    /// The regimen is not in the library.
    #[error("line {line}: unknown regimen `{id}`")]
    UnknownRegimen {
        /// The line's number.
        line: u32,
        /// The regimen id as written.
        id: String,
    },
    /// The engine refused a cycle.
    #[error("line {line} cycle {cycle}: {error}")]
    Dose {
        /// The line's number.
        line: u32,
        /// The cycle's number.
        cycle: u32,
        /// Why the engine refused.
        #[source]
        error: DoseError,
    },
}

impl History {
    /// The patient as measured on or before `date` (latest of each measurement).
    pub fn patient_on(&self, date: NaiveDate) -> (Option<Patient>, Option<&'static str>) {
        let latest = |f: &dyn Fn(&Measurement) -> bool| {
            self.measurements.iter().rfind(|m| m.date <= date && f(m))
        };
        let height = latest(&|m| m.height.is_some()).and_then(|m| m.height);
        let weight = latest(&|m| m.weight.is_some()).and_then(|m| m.weight);
        let scr_measurement = latest(&|m| m.scr.is_some());
        let scr = scr_measurement.and_then(|m| m.scr);
        let (Some(h), Some(w)) = (height, weight) else {
            return (
                None,
                Some(if height.is_none() { "height" } else { "weight" }),
            );
        };
        let mut p = Patient::new(h, w);
        p.sex = self.sex;
        p.serum_creatinine = scr;
        p.serum_creatinine_on = scr_measurement.map(|m| m.date);
        p.age = self
            .age_on(date)
            .and_then(|a| crate::quantity::parse_age(&format!("{a}")).ok());
        (Some(p), None)
    }

    /// The latest measurements of all.
    pub fn latest_patient(&self) -> Option<Patient> {
        let last = self.measurements.iter().map(|m| m.date).max()?;
        self.patient_on(last).0
    }

    /// Age in whole years on `date`.
    pub fn age_on(&self, date: NaiveDate) -> Option<u32> {
        use chrono::Datelike;
        if let Some((years, on)) = self.age_at {
            let days = (date - on).num_days();
            return u32::try_from(i64::from(years) + days.div_euclid(365)).ok();
        }
        self.birth_year
            .and_then(|y| u32::try_from(date.year() - y).ok())
    }

    /// The date of death, where the history records one: the earliest
    /// `death` event, or end of a line stopped by death (`stop_reason =
    /// "death"`). Nothing is given or started on or after it.
    pub fn death_date(&self) -> Option<NaiveDate> {
        death_date(&self.lines, &self.events)
    }

    /// The recorded cycles given sooner after the cycle before them in their
    /// line than the regimen's cycle length allows (its length for each
    /// cycle number between them), and not explained by an `early_reason`.
    /// Lines whose regimen is not stated are not judged.
    pub fn early_cycles(&self, library: &Library) -> Vec<EarlyCycle> {
        let mut out = Vec::new();
        for line in &self.lines {
            let Ok(Some(regimen)) = self.regimen(line, library) else {
                continue;
            };
            let length = i64::from(regimen.cycle.length_days);
            for w in line.cycles.windows(2) {
                let (before, cycle) = (&w[0], &w[1]);
                let steps = i64::from(cycle.number.saturating_sub(before.number).max(1));
                let days = (cycle.date - before.date).num_days();
                if days < length * steps && cycle.early_reason.is_none() {
                    out.push(EarlyCycle {
                        line: line.number,
                        regimen: regimen.id.clone(),
                        cycle: cycle.number,
                        date: cycle.date,
                        previous: before.number,
                        previous_date: before.date,
                        days,
                        expected_days: length * steps,
                    });
                }
            }
        }
        out
    }

    /// Cardiac-region radiation in the history: `Yes` when any radiation
    /// field included the heart, else `Unknown` when any radiation field is
    /// not known, else `No`.
    pub fn cardiac_radiation(&self) -> CardiacRadiation {
        let fields = self
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Radiation)
            .map(|e| e.cardiac_region.unwrap_or(CardiacRegion::Unknown));
        let mut out = CardiacRadiation::No;
        for f in fields {
            match f {
                CardiacRegion::Included => return CardiacRadiation::Yes,
                CardiacRegion::Unknown => out = CardiacRadiation::Unknown,
                CardiacRegion::NotIncluded => {}
            }
        }
        out
    }

    /// The regimen of a line; `None` when the source does not name it.
    fn regimen<'a>(
        &'a self,
        line: &'a Line,
        library: &'a Library,
    ) -> Result<Option<&'a Regimen>, HistoryError> {
        match &line.regimen {
            LineRegimen::Inline(r) => Ok(Some(r)),
            LineRegimen::NotStated { .. } => Ok(None),
            LineRegimen::Id { id, .. } => {
                library.get(id).map(|e| Some(&e.regimen)).ok_or_else(|| {
                    HistoryError::UnknownRegimen {
                        line: line.number,
                        id: id.clone(),
                    }
                })
            }
        }
    }

    /// Recomputes every given cycle and adds up the lifetime doses.
    ///
    /// # Errors
    /// A line whose regimen is not in `library`, a cycle without a height and
    /// weight measured on or before its date, or a cycle the engine cannot
    /// recompute.
    pub fn report(&self, library: &Library) -> Result<HistoryReport, HistoryError> {
        self.report_with(library, &AnthracyclinePolicy::default())
    }

    /// The report, with anthracyclines counted by `policy`.
    ///
    /// # Errors
    /// As [`History::report`].
    pub fn report_with(
        &self,
        library: &Library,
        policy: &AnthracyclinePolicy,
    ) -> Result<HistoryReport, HistoryError> {
        self.report_of(library, policy, Before::Everything)
    }

    /// The line a new dose of `regimen` continues: the last line with that
    /// regimen that has not ended.
    pub fn current_line(&self, regimen: &str) -> Option<&Line> {
        self.lines.iter().rev().find(|l| {
            l.end.is_none() && matches!(&l.regimen, LineRegimen::Id { id, .. } if id == regimen)
        })
    }

    /// The report of the cycles `before` counts.
    fn report_of(
        &self,
        library: &Library,
        policy: &AnthracyclinePolicy,
        before: Before<'_>,
    ) -> Result<HistoryReport, HistoryError> {
        let current = match before {
            Before::Cycle { regimen, .. } => self.current_line(regimen).map(|l| l.number),
            _ => None,
        };
        let keep_cycle = |line: &Line, c: &GivenCycle| match before {
            Before::Everything => true,
            Before::Date(d) => c.date < d,
            // The current line's cycles from this one on are the course
            // being dosed, not prior exposure: counting them twice would
            // refuse a course that is within the limit.
            Before::Cycle { cycle, .. } => !(Some(line.number) == current && c.number >= cycle),
        };
        let keep_line = |line: &Line| match before {
            Before::Date(d) => line.start < d,
            _ => true,
        };
        let placeholder = self.placeholder_dates.is_some();
        let mut version_warnings = Vec::new();
        let mut lines = Vec::new();
        let mut incomplete = Vec::new();
        let mut totals: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
        for (i, line) in self.lines.iter().enumerate() {
            let regimen = self.regimen(line, library)?;
            if let (
                LineRegimen::Id {
                    version: Some(v), ..
                },
                Some(regimen),
            ) = (&line.regimen, regimen)
                && *v != regimen.version
            {
                version_warnings.push(HistoryWarning::Dose(Warning::RegimenVersionChanged {
                    line: line.number,
                    regimen: regimen.id.clone(),
                    given: v.clone(),
                    current: regimen.version.clone(),
                }));
            }
            let kept: Vec<&GivenCycle> =
                line.cycles.iter().filter(|c| keep_cycle(line, c)).collect();
            let mut gaps = Vec::new();
            if let LineRegimen::NotStated { description } = &line.regimen {
                gaps.push(Gap::RegimenNotStated {
                    description: description.clone(),
                });
            }
            match line.stated_cycles {
                Some(StatedCycles::Count(count)) => gaps.push(Gap::CyclesNotRecorded { count }),
                Some(StatedCycles::Unknown) => gaps.push(Gap::CyclesUnknown),
                None => {}
            }
            let unconfirmed: Vec<String> = regimen
                .map(|r| {
                    r.drugs
                        .iter()
                        .filter(|d| !d.days_confirmed)
                        .map(|d| d.name.clone())
                        .collect()
                })
                .unwrap_or_default();
            if !unconfirmed.is_empty() && (!kept.is_empty() || line.stated_cycles.is_some()) {
                gaps.push(Gap::DaysUnconfirmed {
                    drugs: unconfirmed.clone(),
                });
            }
            let mut cycles = Vec::new();
            for c in kept {
                match regimen {
                    Some(r) if unconfirmed.is_empty() => {
                        let doses = self.cycle_doses(line, c, r)?;
                        if let Some(bsa) = doses.bsa_m2 {
                            for (drug, (mg, _)) in &doses.doses {
                                // The BSA is positive (`cycle_doses`); checked
                                // all the same, never a panic.
                                let per_m2 =
                                    mg.checked_div(bsa).ok_or_else(|| HistoryError::Dose {
                                        line: line.number,
                                        cycle: c.number,
                                        error: crate::dose::DoseError::NotRepresentable {
                                            drug: drug.clone(),
                                        },
                                    })?;
                                let t = totals.entry(drug.clone()).or_default();
                                t.0 += *mg;
                                t.1 += per_m2;
                            }
                        }
                        cycles.push(doses);
                    }
                    // No regimen, or a day list not confirmed: nothing is
                    // computed and nothing is added (the gap says so).
                    _ => cycles.push(CycleDoses {
                        number: c.number,
                        date: c.date,
                        bsa_m2: None,
                        doses: BTreeMap::new(),
                        computed: false,
                        reduction: c.reduction.clone(),
                        delay_reason: c.delay_reason.clone(),
                        early_reason: c.early_reason.clone(),
                        allow_over_limit: c.allow_over_limit.clone(),
                    }),
                }
            }
            if !gaps.is_empty() && keep_line(line) {
                incomplete.push(IncompleteLine {
                    line: line.number,
                    regimen: regimen.map(|r| r.id.clone()),
                    drugs: regimen.map(|r| {
                        r.drugs
                            .iter()
                            .filter(|d| !matches!(d.dosing, crate::regimen::Dosing::Instruction(_)))
                            .map(|d| d.name.clone())
                            .collect()
                    }),
                    gaps: gaps.clone(),
                });
            }
            let next_start = self.lines.get(i + 1).map(|n| n.start);
            lines.push(LineReport {
                number: line.number,
                regimen: regimen.map(|r| r.id.clone()),
                regimen_name: regimen.map(|r| r.name.clone()),
                regimen_not_stated: match &line.regimen {
                    LineRegimen::NotStated { description } => Some(description.clone()),
                    _ => None,
                },
                setting: line.setting.clone(),
                intent: line.intent,
                start: line.start,
                end: line.end,
                duration_days: line
                    .end
                    .filter(|_| !placeholder)
                    .map(|e| (e - line.start).num_days() + 1),
                time_to_next_treatment_days: next_start
                    .filter(|_| !placeholder)
                    .map(|n| (n - line.start).num_days()),
                stop_reason: line.stop_reason,
                stop_note: line.stop_note.clone(),
                cycles,
                stated_cycles: line.stated_cycles,
                gaps,
            });
        }
        let cardiac = self.cardiac_radiation();
        let options = DoseOptions {
            cardiac_radiation: cardiac.lower_limit(),
            ..DoseOptions::default()
        };
        let not_counted = |drug: &str| -> Vec<u32> {
            incomplete
                .iter()
                .filter(|l: &&IncompleteLine| l.may_include(drug))
                .map(|l| l.line)
                .collect()
        };
        let mut cumulative = Vec::new();
        for (drug, (mg, per_m2)) in &totals {
            let per_m2 = round_dp_half_up(*per_m2, 2);
            let limit_drug = self
                .lines
                .iter()
                .filter_map(|l| self.regimen(l, library).ok().flatten())
                .find_map(|r| r.drug(drug).filter(|d| d.lifetime_limit.is_some()));
            let limit = match limit_drug {
                Some(d) => lifetime_limit(
                    d,
                    Exposure {
                        mg: *mg,
                        mg_per_m2: per_m2,
                    },
                    &options,
                )
                .ok()
                .flatten(),
                None => None,
            };
            cumulative.push(CumulativeDrug {
                drug: drug.clone(),
                mg: *mg,
                mg_per_m2: per_m2,
                limit,
                incomplete_lines: not_counted(drug),
            });
        }
        let anthracycline = self.anthracycline_total(&cumulative, &incomplete, policy);
        let mut warnings: Vec<HistoryWarning> = incomplete
            .iter()
            .cloned()
            .map(HistoryWarning::CumulativeIncomplete)
            .collect();
        if cardiac == CardiacRadiation::Unknown {
            let limit = policy.total_limit().in_force(true);
            for e in self.events.iter().filter(|e| {
                e.kind == EventKind::Radiation
                    && e.cardiac_region.unwrap_or(CardiacRegion::Unknown) == CardiacRegion::Unknown
            }) {
                warnings.push(HistoryWarning::CardiacRegionUnknown {
                    date: e.date,
                    site: e.site.clone(),
                    limit_mg_per_m2: limit,
                });
            }
        }
        // Early cycles among those counted.
        let counted = |e: &EarlyCycle| {
            self.lines.iter().any(|l| {
                l.number == e.line
                    && keep_line(l)
                    && l.cycles
                        .iter()
                        .any(|c| c.number == e.cycle && keep_cycle(l, c))
            })
        };
        warnings.extend(
            self.early_cycles(library)
                .into_iter()
                .filter(counted)
                .map(HistoryWarning::CycleEarly),
        );
        warnings.extend(version_warnings);
        if let Some(a) = &anthracycline {
            if a.total_mg_per_m2 >= AnthracyclinePolicy::CARDIOPROTECTION_MG_PER_M2 {
                warnings.push(HistoryWarning::Dose(Warning::Cardioprotection {
                    cumulative_mg_per_m2: a.total_mg_per_m2,
                }));
            }
            if a.total_mg_per_m2 > a.limit_mg_per_m2 {
                warnings.push(HistoryWarning::Dose(Warning::AnthracyclineLimitExceeded {
                    total_mg_per_m2: a.total_mg_per_m2,
                    limit_mg_per_m2: a.limit_mg_per_m2,
                    source: a.limit_source.clone(),
                }));
            } else if a.total_mg_per_m2 * Decimal::from(100)
                >= a.limit_mg_per_m2 * Decimal::from(80)
            {
                warnings.push(HistoryWarning::Dose(Warning::AnthracyclineLimitNear {
                    total_mg_per_m2: a.total_mg_per_m2,
                    limit_mg_per_m2: a.limit_mg_per_m2,
                }));
            }
        }
        Ok(HistoryReport {
            patient_id: self.patient_id.clone(),
            name: self.name.clone(),
            mrn: self.mrn.clone(),
            note: self.note.clone(),
            placeholder_dates: self.placeholder_dates.clone(),
            lines,
            events: self.events.clone(),
            cumulative,
            anthracycline,
            incomplete,
            warnings,
        })
    }

    fn cycle_doses(
        &self,
        line: &Line,
        c: &GivenCycle,
        regimen: &Regimen,
    ) -> Result<CycleDoses, HistoryError> {
        let (patient, missing) = self.patient_on(c.date);
        let Some(patient) = patient else {
            return Err(HistoryError::NoMeasurement {
                line: line.number,
                cycle: c.number,
                date: c.date,
                what: missing.unwrap_or("height"),
            });
        };
        // A record of what was given: the engine recomputes, it does not refuse.
        let mut overrides = Overrides::new();
        for code in ["per-cycle-ceiling", "status-draft", "status-withdrawn"] {
            overrides.insert(code, "historical record");
        }
        let mut options = DoseOptions {
            lifetime_check: LifetimeCheck::Caller,
            overrides,
            rounding_tolerance: crate::quantity::Percent::whole(100),
            planned_cycles: Some(
                c.number
                    .max(regimen.cycle.count.planned().unwrap_or(c.number)),
            ),
            apply_rules: false,
            ..DoseOptions::default()
        };
        options.reductions = c.reduction.clone();
        let plan = calculate(regimen, &patient, c.number, &options).map_err(|error| {
            HistoryError::Dose {
                line: line.number,
                cycle: c.number,
                error,
            }
        })?;
        let mut doses: BTreeMap<String, (Decimal, bool)> = BTreeMap::new();
        for a in plan
            .administrations
            .iter()
            // The standard antiemetic set is not a cumulative dose of the line.
            .filter(|a| a.instruction().is_none() && a.role != crate::regimen::Role::Antiemetic)
        {
            let (mg, actual) = match c.actual.get(&a.drug) {
                Some(v) => (*v, true),
                None => (a.final_mg(), false),
            };
            let e = doses.entry(a.drug.clone()).or_default();
            e.0 += mg;
            e.1 |= actual;
        }
        // Positive and plausible (checked when it was computed); never a guess.
        let bsa_m2 = plan.bsa.used_m2().ok_or_else(|| HistoryError::Dose {
            line: line.number,
            cycle: c.number,
            error: crate::dose::DoseError::NotRepresentable {
                drug: regimen.id.clone(),
            },
        })?;
        Ok(CycleDoses {
            number: c.number,
            date: c.date,
            bsa_m2: Some(bsa_m2),
            doses,
            computed: true,
            reduction: c.reduction.clone(),
            delay_reason: c.delay_reason.clone(),
            early_reason: c.early_reason.clone(),
            allow_over_limit: c.allow_over_limit.clone(),
        })
    }

    fn anthracycline_total(
        &self,
        cumulative: &[CumulativeDrug],
        incomplete: &[IncompleteLine],
        policy: &AnthracyclinePolicy,
    ) -> Option<AnthracyclineTotal> {
        let share = |drug: &str, given_elsewhere: bool, mg_per_m2: Decimal| {
            policy.factors.factor(drug).map(|f| Contribution {
                drug: drug.to_owned(),
                given_elsewhere,
                mg_per_m2,
                factor: f.factor,
                equivalent_mg_per_m2: round_dp_half_up(mg_per_m2 * f.factor, 2),
                source: f.source.clone(),
            })
        };
        let in_lines = cumulative
            .iter()
            .filter_map(|c| share(&c.drug, false, c.mg_per_m2));
        let elsewhere = self
            .events
            .iter()
            .filter(|e| e.kind == EventKind::PriorAnthracycline)
            .filter_map(|e| share(e.drug.as_deref()?, true, e.cumulative_mg_per_m2?));
        let contributions: Vec<Contribution> = in_lines.chain(elsewhere).collect();
        // Lines not counted that held, or may have held, an anthracycline.
        let incomplete_lines: Vec<u32> = incomplete
            .iter()
            .filter(|l| match &l.drugs {
                None => true,
                Some(d) => d.iter().any(|d| policy.factors.factor(d).is_some()),
            })
            .map(|l| l.line)
            .collect();
        if contributions.is_empty() && incomplete_lines.is_empty() {
            return None;
        }
        let total: Decimal = contributions.iter().map(|c| c.equivalent_mg_per_m2).sum();
        let cardiac = self.cardiac_radiation();
        let total_limit = policy.total_limit();
        let limit = total_limit.in_force(cardiac.lower_limit());
        let remaining = if total >= limit {
            Some(Decimal::ZERO)
        } else if incomplete_lines.is_empty() {
            Some(limit - total)
        } else {
            None
        };
        Some(AnthracyclineTotal {
            factor_set: policy.factors.name.clone(),
            contributions,
            total_mg_per_m2: total,
            limit_mg_per_m2: limit,
            after_cardiac_radiation: cardiac.lower_limit(),
            cardiac_radiation: cardiac,
            remaining_mg_per_m2: remaining,
            limit_source: total_limit.source,
            incomplete_lines,
        })
    }

    /// The prior exposure this history adds to a dose: each drug's
    /// cumulative dose over the cycles `before` counts, with anthracyclines
    /// counted as doxorubicin equivalents against doxorubicin's limit; the
    /// earlier lines whose doses are not (all) counted, which make it
    /// incomplete; and cardiac-region radiation.
    ///
    /// # Errors
    /// As [`History::report`].
    pub fn prior_exposure(
        &self,
        library: &Library,
        before: Before<'_>,
        policy: &AnthracyclinePolicy,
    ) -> Result<Prior, HistoryError> {
        let report = self.report_of(library, policy, before)?;
        let mut exposures: Vec<PriorExposure> = report
            .cumulative
            .iter()
            .filter(|c| policy.factors.factor(&c.drug).is_none())
            .map(|c| PriorExposure {
                drug: c.drug.clone(),
                mg_per_m2: c.mg_per_m2,
                mg: c.mg,
            })
            .collect();
        if let Some(a) = &report.anthracycline
            && !a.contributions.is_empty()
        {
            let dox_mg = report
                .cumulative
                .iter()
                .find(|c| c.drug == "doxorubicin")
                .map_or(Decimal::ZERO, |c| c.mg);
            exposures.push(PriorExposure {
                drug: "doxorubicin".to_owned(),
                mg_per_m2: a.total_mg_per_m2,
                mg: dox_mg,
            });
        }
        Ok(Prior {
            exposures,
            incomplete: report.incomplete,
            cardiac_radiation: self.cardiac_radiation(),
        })
    }
}
