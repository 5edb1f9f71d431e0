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
mod report;

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
    /// The administrations the cycle's doses add up, in the plan's order
    /// (day, then the regimen's order); empty when the doses were not
    /// computed.
    pub administrations: Vec<DoseGiven>,
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

/// One administration of a recorded cycle, as recomputed (or as recorded,
/// when an `actual` dose replaced the regimen's).
#[derive(Debug, Clone, PartialEq)]
pub struct DoseGiven {
    /// The drug, as the regimen names it.
    pub drug: String,
    /// The day of the cycle (1 = the cycle's day 1).
    pub day: i32,
    /// The route, as the regimen writes it (`IV`).
    pub route: String,
    /// Antineoplastic, supportive or premedication (the standard antiemetic
    /// set is not a dose of the line, and is left out).
    pub role: crate::regimen::Role,
    /// The dose in mg.
    pub mg: Decimal,
    /// Whether it is the recorded `actual` dose rather than the recomputed one.
    pub actual: bool,
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
}
