//! Regimen definitions: the typed model, the TOML loader with its
//! diagnostics, and the library of bundled regimens.
//!
//! Owns: what a regimen *is* (drugs, doses with their basis, days, cycles,
//! caps, rounding rules, reductions, companions, limits, sources) and the
//! checks that make a bad file fail when it is loaded, never later.
//! Never does: compute a dose (that is [`crate::dose`], which reads regimens;
//! this module never calls it).

mod file;
mod library;
pub(crate) mod load;
mod source;

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uom::si::f64::{Area, Mass, VolumeRate};

use crate::quantity::{DoseUnit, PrescribedDose};

pub use file::RegimenFile;

/// The most cycles of a course, everywhere a number of cycles is given: in
/// a regimen file, a planned course (`dose --cycles`), a cycle number, a
/// schedule and a history line. Every cycle of a planned course is
/// computed for its totals, so the number bounds the work and the memory
/// of a calculation (`dose --cycles 1000000` took 21 s and 6.9 GB).
pub const MAX_CYCLES: u32 = 100;
pub use library::{
    Library, LibraryError, RegimenEntry, bundled, bundled_checks, check_bytes, regimen_files,
};
pub use load::{
    DayListError, LIMITS, load_regimen_file, load_regimen_sourced, parse_day_list, parse_regimen,
};
pub use source::{Origin, RegimenSource, ReplacedBundled, Sha256};

/// Where a regimen stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// In use.
    Active,
    /// Being written or reviewed; not for use.
    Draft,
    /// As published in a case report, not a standard.
    CaseReport,
    /// Withdrawn; kept for history.
    Withdrawn,
}

impl Status {
    /// As written in files.
    pub fn id(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Draft => "draft",
            Status::CaseReport => "case-report",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Whether the output must show the status prominently.
    pub fn needs_attention(self) -> bool {
        self != Status::Active
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Treatment intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Intent {
    /// Given to cure the cancer.
    Curative,
    /// After local treatment (surgery), to lower the risk of recurrence.
    Adjuvant,
    /// Before local treatment, to shrink the tumour.
    Neoadjuvant,
    /// To control disease or symptoms, not to cure.
    Palliative,
}

/// Emetogenic risk of the regimen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EmetogenicRisk {
    /// Below 10 % of patients vomit without prophylaxis (ASCO 2020 categories).
    Minimal,
    /// 10–30 % without prophylaxis.
    Low,
    /// 30–90 % without prophylaxis.
    Moderate,
    /// Above 90 % without prophylaxis.
    High,
}

impl EmetogenicRisk {
    /// As written in files: `minimal`, `low`, `moderate`, `high`.
    pub fn id(self) -> &'static str {
        match self {
            EmetogenicRisk::Minimal => "minimal",
            EmetogenicRisk::Low => "low",
            EmetogenicRisk::Moderate => "moderate",
            EmetogenicRisk::High => "high",
        }
    }
}

/// Febrile-neutropenia risk of the regimen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FebrileNeutropeniaRisk {
    /// Below 10 %.
    Low,
    /// 10–20 %.
    Intermediate,
    /// Above 20 %.
    High,
}

/// What a drug is in the regimen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The anticancer drugs.
    Antineoplastic,
    /// Supportive care (mesna, G-CSF).
    Supportive,
    /// Given before a drug to prevent a reaction (dexamethasone before docetaxel).
    Premedication,
    /// Against nausea and vomiting: the standard set for the regimen's
    /// emetogenic risk ([`crate::antiemetics`]).
    Antiemetic,
}

/// How the antiemetics of a regimen are scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AntiemeticSet {
    /// The standard set for the emetogenic risk on each chemotherapy day
    /// ([`crate::antiemetics`]).
    #[default]
    Standard,
    /// None scheduled: as needed (oral daily treatment of low or minimal
    /// risk), with the regimen's `[supportive] antiemetics` text.
    AsNeeded,
}

/// A published source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Citation text.
    pub citation: String,
    /// Where the source can be read, as written in the file.
    pub url: Option<String>,
    /// Digital object identifier (`10.1200/JCO.2002.11.050`), without a resolver prefix.
    pub doi: Option<String>,
    /// PubMed id.
    pub pmid: Option<String>,
    /// What it supports.
    pub note: Option<String>,
}

/// How many cycles a regimen runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleCount {
    /// A fixed number.
    Fixed(u32),
    /// Until progression or unacceptable toxicity, with an optional maximum.
    UntilProgression {
        /// The most cycles the protocol allows.
        max: Option<u32>,
    },
}

impl CycleCount {
    /// The planned number of cycles, where the regimen fixes one.
    pub fn planned(self) -> Option<u32> {
        match self {
            CycleCount::Fixed(n) => Some(n),
            CycleCount::UntilProgression { max } => max,
        }
    }
}

impl fmt::Display for CycleCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CycleCount::Fixed(n) => write!(f, "{n} cycles"),
            CycleCount::UntilProgression { max: None } => f.write_str("until progression"),
            CycleCount::UntilProgression { max: Some(m) } => {
                write!(f, "until progression, at most {m} cycles")
            }
        }
    }
}

/// Cycle length and count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleSpec {
    /// Days from one cycle's day 1 to the next.
    pub length_days: u32,
    /// How many cycles.
    pub count: CycleCount,
}

/// An inclusive range of cycle numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleRange {
    /// First cycle, from 1.
    pub first: u32,
    /// Last cycle, inclusive; `None` for "and every later cycle".
    pub last: Option<u32>,
}

impl CycleRange {
    /// Whether cycle `n` is in the range.
    pub fn contains(self, n: u32) -> bool {
        n >= self.first && self.last.is_none_or(|l| n <= l)
    }
}

impl fmt::Display for CycleRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.last {
            Some(l) if l == self.first => write!(f, "cycle {l}"),
            Some(l) => write!(f, "cycles {}-{l}", self.first),
            None => write!(f, "cycles {} on", self.first),
        }
    }
}

/// Whether a drug's dose is given on each listed day or is a cycle total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DosePer {
    /// The dose is given on each listed day.
    #[default]
    Day,
    /// The dose is the total per cycle, split evenly over the listed days
    /// (a continuous infusion of a total).
    Cycle,
}

/// How a drug's dose is set.
#[derive(Debug, Clone, PartialEq)]
pub enum Dosing {
    /// Its own prescribed dose.
    Own {
        /// The dose.
        dose: PrescribedDose,
        /// Per day or per cycle.
        per: DosePer,
    },
    /// A percentage of another drug's final dose on the same day (mesna).
    Companion {
        /// The parent drug's name.
        of: String,
        /// Percentage of the parent's final dose.
        percent: Decimal,
    },
    /// Given by local protocol (supportive care, premedication): no amount.
    Instruction(String),
}

/// When in its day a supportive or premedication dose is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timing {
    /// One dose at each of these minutes from the start of another drug's
    /// dose on the same day, ascending; negative is before it (mesna at 0,
    /// 240 and 480 minutes of ifosfamide; dexamethasone 30 minutes before
    /// trabectedin).
    From {
        /// The drug counted from, lower case.
        drug: String,
        /// Minutes from its start, ascending, distinct.
        minutes: Vec<i32>,
    },
    /// This many doses on the day at times set locally ("twice daily").
    TimesADay(u32),
}

impl Timing {
    /// How many doses a day.
    pub fn doses_a_day(&self) -> u32 {
        match self {
            Timing::From { minutes, .. } => u32::try_from(minutes.len()).unwrap_or(u32::MAX),
            Timing::TimesADay(n) => *n,
        }
    }
}

/// A drug given only once another drug's cumulative dose has reached a
/// threshold (dexrazoxane from cumulative doxorubicin 300 mg/m²).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CumulativeCondition {
    /// The drug counted, lower case.
    pub drug: String,
    /// Given from cycles that start with at least this much of it, mg/m²
    /// (prior exposure and the earlier cycles of the course).
    pub at_least_mg_per_m2: Decimal,
}

/// A cycle-specific dose (a loading dose in cycle 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// The cycles.
    pub cycles: CycleRange,
    /// The dose in them.
    pub dose: PrescribedDose,
}

/// A per-cycle ceiling with its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Ceiling {
    /// The most that may be given in one cycle, in the dose's basis or in mg.
    pub dose: PrescribedDose,
    /// Where it comes from.
    pub source: Option<String>,
}

/// How a final dose is rounded.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum RoundingRule {
    /// Not rounded.
    #[default]
    None,
    /// To the nearest multiple of a step, half up.
    Nearest {
        /// The step.
        step: Mass,
        /// The unit it was written in.
        unit: DoseUnit,
    },
    /// To what whole tablets or vials of the drug's strengths can make.
    Strengths,
    /// To the nearest of a list of dose bands.
    Bands(Vec<Mass>),
}

impl RoundingRule {
    /// The smallest rounding step accepted: 1 mcg. Finer steps mean nothing
    /// for a prepared dose, and would overflow decimal arithmetic.
    pub const MIN_STEP_MG: f64 = 0.001;

    /// Parses a rule as written on the command line or in a check file: a step
    /// with a unit (`1mg`, `10 mg`, `0.1mg`, `5mcg`), `none` or `strengths`.
    /// (`bands` needs the band list of a regimen file.)
    ///
    /// # Errors
    /// [`RoundingRuleError`] for anything else, or a step finer than 1 mcg.
    pub fn parse(s: &str) -> Result<RoundingRule, RoundingRuleError> {
        match s.trim().to_lowercase().as_str() {
            "none" => Ok(RoundingRule::None),
            "strengths" => Ok(RoundingRule::Strengths),
            _ => Self::step(s).map_err(RoundingRuleError),
        }
    }

    /// A "nearest step" rule from text such as `1 mg`, refusing steps below
    /// [`Self::MIN_STEP_MG`].
    ///
    /// # Errors
    /// [`RoundingStepError`] for text that is not a mass, or a step finer
    /// than 1 mcg.
    pub fn step(s: &str) -> Result<RoundingRule, RoundingStepError> {
        let (step, unit) = crate::quantity::parse_dose_mass(s)
            .map_err(|_| RoundingStepError::NotAStep(s.to_owned()))?;
        if DoseUnit::Mg.of(step) < Self::MIN_STEP_MG * (1.0 - 1e-9) {
            return Err(RoundingStepError::TooFine(s.to_owned()));
        }
        Ok(RoundingRule::Nearest { step, unit })
    }
}

/// A rounding step that cannot be used; holds the text as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundingStepError {
    /// Not a mass with a unit.
    #[error("`{0}` is not a step with a unit (1mg, 10mg, 0.1mg)")]
    NotAStep(String),
    /// Finer than [`RoundingRule::MIN_STEP_MG`] (1 mcg).
    #[error("a rounding step of `{0}` is finer than 1 mcg (0.001 mg)")]
    TooFine(String),
}

/// A rounding rule that cannot be used: not a step, `none` or `strengths`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rounding: {0}; or none, or strengths")]
pub struct RoundingRuleError(pub RoundingStepError);

/// A cumulative lifetime limit.
#[derive(Debug, Clone, PartialEq)]
pub struct LifetimeLimit {
    /// The limit.
    pub lifetime: PrescribedDose,
    /// The lower limit after mediastinal or cardiac-region radiation.
    pub after_cardiac_radiation: Option<PrescribedDose>,
    /// Where it comes from.
    pub source: String,
}

/// A renal-function requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct RenalRequirement {
    /// Renal function must be known.
    pub required: bool,
    /// Flag when creatinine clearance is below this.
    pub flag_below: Option<VolumeRate>,
    /// What to do when flagged.
    pub note: Option<String>,
    /// Where the threshold comes from.
    pub source: Option<String>,
}

/// One drug of a regimen.
#[derive(Debug, Clone, PartialEq)]
pub struct Drug {
    /// Generic name, lower case.
    pub name: String,
    /// Anticancer, supportive or premedication: only antineoplastic drugs take
    /// a regimen-wide reduction or rounding.
    pub role: Role,
    /// Dose or derivation.
    pub dosing: Dosing,
    /// Route (IV, PO, SC, ...).
    pub route: String,
    /// Infusion duration as written ("90 min", "24 h").
    pub infusion: Option<String>,
    /// Administration days, ascending.
    pub days: Vec<u32>,
    /// Cycles in which it is given; all when `None`.
    pub cycles: Option<CycleRange>,
    /// Cycle-specific doses.
    pub phases: Vec<Phase>,
    /// Largest single administration.
    pub max_single_dose: Option<Mass>,
    /// Largest total in one cycle.
    pub max_per_cycle: Option<Ceiling>,
    /// BSA cap for this drug.
    pub bsa_cap: Option<Area>,
    /// Rounding rule.
    pub rounding: RoundingRule,
    /// Dose-reduction levels, keyed -1, -2, ...
    pub reductions: BTreeMap<i32, PrescribedDose>,
    /// Tablet or vial strengths.
    pub strengths: Vec<Mass>,
    /// Cumulative lifetime limit.
    pub lifetime_limit: Option<LifetimeLimit>,
    /// Renal requirement (a flag only; rules refuse and modify).
    pub renal: Option<RenalRequirement>,
    /// Inputs without which the dose cannot be given.
    pub requires: Vec<crate::rules::Variable>,
    /// Organ-function, treatment-day and toxicity rules, in file order.
    pub rules: Vec<std::sync::Arc<crate::rules::Rule>>,
    /// Whether the source gives the day list; `false` for a case report
    /// that states a dose but not its days.
    pub days_confirmed: bool,
    /// For a premedication: the drug of the regimen it is given before.
    pub premedicates: Option<String>,
    /// For a premedication given on days counted from the drug it
    /// premedicates (`relative_days`): the offsets, ascending ("-1,0,+1"
    /// is `[-1, 0, 1]`); `days` is then empty. Empty otherwise.
    pub relative_days: Vec<i32>,
    /// For supportive care and premedication: several doses a day, each of
    /// the drug's dose (mesna 20 % at 0, 4 and 8 h); `None` for one dose.
    pub timing: Option<Timing>,
    /// Given only from the cycle that starts with this cumulative dose.
    pub given_when: Option<CumulativeCondition>,
    /// Administration note.
    pub note: Option<String>,
}

impl Drug {
    /// Whether the drug is given in cycle `n`.
    pub fn given_in_cycle(&self, n: u32) -> bool {
        self.cycles.is_none_or(|r| r.contains(n))
    }

    /// The prescribed dose in cycle `n` (phases first), `None` for companions.
    pub fn dose_in_cycle(&self, n: u32) -> Option<PrescribedDose> {
        match &self.dosing {
            Dosing::Own { dose, .. } => Some(
                self.phases
                    .iter()
                    .find(|p| p.cycles.contains(n))
                    .map_or(*dose, |p| p.dose),
            ),
            Dosing::Companion { .. } | Dosing::Instruction(_) => None,
        }
    }
}

/// Supportive-care instructions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Supportive {
    /// Hydration instructions as written (volumes, timing), with their source.
    pub hydration: Option<String>,
    /// Premedication instructions, one per entry.
    pub premedication: Vec<String>,
    /// The antiemetic plan as written.
    pub antiemetics: Option<String>,
    /// Growth factor.
    pub growth_factor: Option<String>,
    /// What to monitor (LVEF, counts), one per entry.
    pub monitoring: Vec<String>,
    /// Anything else.
    pub other: Vec<String>,
}

/// A validated regimen.
#[derive(Debug, Clone, PartialEq)]
pub struct Regimen {
    /// Kebab-case id.
    pub id: String,
    /// The name as a pharmacist knows it ("Gemcitabine + docetaxel").
    pub name: String,
    /// Other names.
    pub aliases: Vec<String>,
    /// Version of the definition.
    pub version: String,
    /// Active, draft, case report or withdrawn: draft and withdrawn regimens
    /// are stops for a new patient.
    pub status: Status,
    /// Why the status is what it is.
    pub status_note: Option<String>,
    /// Last pharmacist review.
    pub last_reviewed: NaiveDate,
    /// The diseases it is used for, as written.
    pub indications: Vec<String>,
    /// Intent(s).
    pub intent: Vec<Intent>,
    /// Emetogenic risk.
    pub emetogenic_risk: Option<EmetogenicRisk>,
    /// How the antiemetics follow from it.
    pub antiemetic_set: AntiemeticSet,
    /// The antineoplastic days the emetogenic risk applies to; every
    /// antineoplastic day when `None`.
    pub antiemetic_days: Option<Vec<u32>>,
    /// Febrile-neutropenia risk.
    pub febrile_neutropenia_risk: Option<FebrileNeutropeniaRisk>,
    /// What a pharmacist should know about the regimen as a whole.
    pub notes: Option<String>,
    /// The published sources of the doses, days and rules, at least one.
    pub sources: Vec<Source>,
    /// Cycle length and number of cycles.
    pub cycle: CycleSpec,
    /// Drugs in order of administration.
    pub drugs: Vec<Drug>,
    /// Supportive care.
    pub supportive: Supportive,
}

impl Regimen {
    /// The drug called `name` (case-insensitive).
    pub fn drug(&self, name: &str) -> Option<&Drug> {
        self.drugs
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// Whether any drug needs renal function.
    pub fn needs_renal_function(&self) -> bool {
        self.drugs.iter().any(|d| {
            d.renal
                .as_ref()
                .is_some_and(|r| r.required || r.flag_below.is_some())
                || matches!(
                    d.dosing,
                    Dosing::Own {
                        dose: PrescribedDose::Auc(_),
                        ..
                    }
                )
        })
    }
}
