//! What the engine is asked to do besides the regimen and the patient: the
//! BSA formula and rounding, caps, the weight for per-kg doses, renal
//! options, reductions, rounding rules and tolerance, the planned course, the
//! prior exposure and the reasons given to go past a check.
//!
//! Owns: [`DoseOptions`] and its defaults, the one source of the defaults
//! the command line shows ([`DoseOptions::default`]).
//! Never does: parse what a user typed (the command line does, with the
//! parsers of [`crate::quantity`]) or compute anything.

use std::collections::BTreeMap;

use uom::si::f64::{Area, VolumeRate};

use super::stop::Overrides;
use crate::anthracycline::AnthracyclinePolicy;
use crate::bsa::{BsaFormula, BsaRounding};
use crate::quantity::Percent;
use crate::regimen::RoundingRule;
use crate::renal::{CockcroftGaultOptions, GfrCap, WeightBasis};
use crate::rules::ClinicalInputs;

use rust_decimal::Decimal;

/// A dose reduction asked for by the prescriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// A regimen dose level: -1, -2 (the level's dose replaces the full dose).
    Level(i32),
    /// A percent taken off the dose: 20 % gives 80 % of the dose.
    Percent(Percent),
}

/// A setting for all drugs, with per-drug overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct PerDrug<T> {
    /// Applies to every drug it fits (reductions and rounding: the
    /// antineoplastic drugs only).
    pub all: Option<T>,
    /// By lower-case drug name; wins over `all`.
    pub drugs: BTreeMap<String, T>,
}

impl<T> Default for PerDrug<T> {
    fn default() -> Self {
        PerDrug {
            all: None,
            drugs: BTreeMap::new(),
        }
    }
}

impl<T: Clone> PerDrug<T> {
    /// The setting for `name`: its own entry, else `all` where `applies_to_all`
    /// (reductions and rounding for "all drugs" mean the antineoplastic ones).
    /// Names match whatever their case, as the regimen's drug lookup does:
    /// a setting named `Docetaxel` must not be accepted and then ignored.
    pub(crate) fn for_drug(&self, name: &str, applies_to_all: bool) -> Option<T> {
        let own = self
            .drugs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone());
        own.or_else(|| {
            if applies_to_all {
                self.all.clone()
            } else {
                None
            }
        })
    }
}

/// Cumulative exposure before this course (from a history), for one drug.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorExposure {
    /// Drug name, lower case.
    pub drug: String,
    /// Cumulative dose per m² of the BSA used at each earlier cycle, mg/m².
    pub mg_per_m2: Decimal,
    /// Cumulative dose, mg.
    pub mg: Decimal,
}

/// An earlier line of treatment whose doses are not all in
/// [`DoseOptions::prior`] (a history that does not state the regimen, or
/// the cycles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncountedLine {
    /// The line's number in the history.
    pub line: u32,
    /// The drugs it may have given that are not counted; `None` when the
    /// regimen is not known (any drug).
    pub drugs: Option<Vec<String>>,
}

impl UncountedLine {
    /// Whether its doses not counted may include one of `drugs`.
    pub fn may_include(&self, mut drugs: impl FnMut(&str) -> bool) -> bool {
        self.drugs
            .as_ref()
            .is_none_or(|list| list.iter().any(|d| drugs(d)))
    }
}

/// An earlier weight to compare today's with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightReference {
    /// Which earlier weight.
    pub kind: WeightReferenceKind,
    /// When it was measured.
    pub date: chrono::NaiveDate,
    /// The weight.
    pub weight: uom::si::f64::Mass,
}

/// Which earlier weight a reference is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightReferenceKind {
    /// The weight at the current line's first cycle.
    LineStart,
    /// The weight at the last cycle given.
    LastCycle,
}

/// Who judges lifetime limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LifetimeCheck {
    /// [`calculate`](super::calculate) checks the planned course (prior
    /// exposure included).
    #[default]
    PlannedCourse,
    /// The caller sums the real course (a schedule whose doses change from
    /// cycle to cycle) and calls [`lifetime_limit`](super::lifetime_limit)
    /// itself.
    Caller,
}

/// Everything the engine needs besides the regimen and the patient. The
/// defaults are the product's defaults; the command line shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseOptions {
    /// BSA formula; Mosteller by default (see `docs/DESIGN.md`).
    pub bsa_formula: BsaFormula,
    /// How the BSA used for dosing is rounded; 2 decimals by default.
    pub bsa_rounding: BsaRounding,
    /// A BSA cap for every per-m² drug, m². Off by default: ASCO (Griggs
    /// 2012, 2021) recommends full weight-based dosing.
    pub bsa_cap: Option<Area>,
    /// Which weight per-kg doses use; actual weight by default.
    pub dose_weight: WeightBasis,
    /// A measured or estimated GFR for Calvert, mL/min; when absent,
    /// Cockcroft–Gault from age, sex and serum creatinine.
    pub gfr: Option<VolumeRate>,
    /// Cockcroft–Gault options (weight basis, creatinine floor).
    pub crcl: CockcroftGaultOptions,
    /// Calvert GFR cap; 125 mL/min (FDA) by default.
    pub gfr_cap: GfrCap,
    /// Dose reductions, for all antineoplastic drugs or by drug.
    pub reductions: PerDrug<Reduction>,
    /// The reductions of the current line's last cycle (from a history), for
    /// all antineoplastic drugs or by drug: a drug's dose is not raised above
    /// its own without a reason (no re-escalation).
    pub previous_reduction: PerDrug<Reduction>,
    /// Laboratory results, Child-Pugh class, toxicities, the treatment date
    /// and day, for the clinical rules of the regimen.
    pub clinical: ClinicalInputs,
    /// Whether the regimen's clinical rules apply. `false` only to recompute
    /// a cycle already given (a history record): its rules were judged on the
    /// day, on results the record does not hold, and the caller's reduction
    /// is what was given.
    pub apply_rules: bool,
    /// Rounding rules that replace the regimen's, for all antineoplastic
    /// drugs or by drug.
    pub rounding: PerDrug<RoundingRule>,
    /// Day lists prescribed for this cycle that replace a drug's own (GOG
    /// 108's cisplatin + ifosfamide on days 1-4 instead of 1-5), by drug
    /// (lower case); days ascending, within the cycle. Per-day doses only.
    pub days: BTreeMap<String, Vec<u32>>,
    /// Largest accepted change by rounding; 10 % by default (HOPA,
    /// Fahrenbruch et al., J Oncol Pract 2018).
    pub rounding_tolerance: Percent,
    /// The planned number of cycles, for course totals and lifetime limits;
    /// the regimen's when absent.
    pub planned_cycles: Option<u32>,
    /// Exposure before this course, by drug.
    pub prior: Vec<PriorExposure>,
    /// Earlier lines whose doses are not all in `prior`: a drug with a
    /// lifetime limit they may include stops (`prior-incomplete`).
    pub uncounted: Vec<UncountedLine>,
    /// The first cycle of the planned course that counts against lifetime
    /// limits; the cycles before it are in `prior` (a dose of cycle 3 with a
    /// history counts cycles 3 to the end, the history counts 1 and 2).
    /// `None` counts the whole planned course.
    pub course_from: Option<u32>,
    /// What this course has given before the cycle dosed, by drug, where the
    /// caller counts it (a schedule's running totals); `None` counts the
    /// regimen's cycles from `course_from` (for `given_when` conditions).
    pub given_so_far: Option<Vec<PriorExposure>>,
    /// Earlier weights to compare today's with (the line's first cycle, the
    /// last cycle), from a treatment history.
    pub weight_references: Vec<WeightReference>,
    /// A change of weight from a reference that stops the dose until it is
    /// acknowledged: 10 % by default (adults; US NIH Clinical Center
    /// practice, a ±10 % EMR flag; COSA calls 10 % common practice). 5 % is
    /// the paediatric setting.
    pub weight_change_threshold: Percent,
    /// Mediastinal or cardiac-region radiation: the lower anthracycline
    /// lifetime limit applies.
    pub cardiac_radiation: bool,
    /// How anthracyclines count together: the doxorubicin-equivalence
    /// factors and the lifetime limit every anthracycline is held to (the
    /// label's 550 mg/m², 400 after cardiac-region radiation, by default).
    pub anthracycline: AnthracyclinePolicy,
    /// Reasons to let specific safety stops through, by stop code; each
    /// reason is printed beside the doses it concerns.
    pub overrides: Overrides,
    /// Who judges lifetime limits.
    pub lifetime_check: LifetimeCheck,
}

impl DoseOptions {
    /// The default rounding tolerance, 10 % (HOPA position statement,
    /// Fahrenbruch et al., J Oncol Pract 2018).
    pub const DEFAULT_ROUNDING_TOLERANCE: Percent = Percent::whole(10);
    /// The default weight change that stops a dose until acknowledged, 10 %
    /// (clinical reference §9.7: NIH Clinical Center 10 % adults; Western
    /// Health EMR ±10 %; COSA "common practice").
    pub const DEFAULT_WEIGHT_CHANGE: Percent = Percent::whole(10);
    /// A weight change shown for information below the threshold, 5 %.
    pub const WEIGHT_CHANGE_INFORMATION: Percent = Percent::whole(5);
}

impl Default for DoseOptions {
    fn default() -> Self {
        DoseOptions {
            bsa_formula: BsaFormula::Mosteller,
            bsa_rounding: BsaRounding::default(),
            bsa_cap: None,
            dose_weight: WeightBasis::Actual,
            gfr: None,
            crcl: CockcroftGaultOptions::default(),
            gfr_cap: GfrCap::Fda125,
            reductions: PerDrug::default(),
            previous_reduction: PerDrug::default(),
            clinical: ClinicalInputs {
                max_result_age_days: ClinicalInputs::DEFAULT_MAX_RESULT_AGE_DAYS,
                ..ClinicalInputs::default()
            },
            apply_rules: true,
            rounding: PerDrug::default(),
            days: BTreeMap::new(),
            rounding_tolerance: Self::DEFAULT_ROUNDING_TOLERANCE,
            planned_cycles: None,
            prior: Vec::new(),
            uncounted: Vec::new(),
            course_from: None,
            given_so_far: None,
            weight_references: Vec::new(),
            weight_change_threshold: Self::DEFAULT_WEIGHT_CHANGE,
            cardiac_radiation: false,
            anthracycline: AnthracyclinePolicy::default(),
            overrides: Overrides::new(),
            lifetime_check: LifetimeCheck::PlannedCourse,
        }
    }
}
