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
use crate::bsa::{BsaFormula, BsaRounding};
use crate::quantity::Percent;
use crate::regimen::RoundingRule;
use crate::renal::{CockcroftGaultOptions, GfrCap, WeightBasis};

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
    /// Mediastinal or cardiac-region radiation: the lower anthracycline
    /// lifetime limit applies.
    pub cardiac_radiation: bool,
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
            rounding: PerDrug::default(),
            days: BTreeMap::new(),
            rounding_tolerance: Self::DEFAULT_ROUNDING_TOLERANCE,
            planned_cycles: None,
            prior: Vec::new(),
            cardiac_radiation: false,
            overrides: Overrides::new(),
            lifetime_check: LifetimeCheck::PlannedCourse,
        }
    }
}
