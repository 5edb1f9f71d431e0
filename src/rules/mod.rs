//! Clinical rules: organ function, treatment-day criteria and toxicity, as
//! data in the regimen files, evaluated against the patient's inputs into
//! verdicts, each with its source. Inputs → evaluated rules → verdicts.
//!
//! Evaluation order (clinical reference §9, "rule-engine conventions"):
//! requirements and contraindications first (a missing required input or a
//! `stop` refuses the dose), then the organ-function starting dose, then the
//! day-of-treatment criteria (proceed, modify or hold), then the dose level
//! carried from earlier toxicity. When more than one rule (or the caller's
//! own reduction) would change one drug's dose, the engine stops and shows
//! every candidate: how to combine them is not sourced, so the pharmacist
//! decides, with a reason.
//!
//! Owns: the condition language ([`condition`]), rules and actions
//! ([`rule`]), the inputs a rule reads ([`ClinicalInputs`]), the result of
//! evaluating a rule ([`RuleResult`]) and the verdicts ([`Verdict`]).
//! Never does: change a dose (the dose engine applies the actions, in its
//! order of operations) or write text for people.

pub mod condition;
pub mod rule;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::labs::Labs;
use crate::quantity::{Lab, LabValue};
use crate::rounding::to_decimal;

pub use condition::{
    ChildPugh, Comparator, Comparison, Condition, ConditionError, Inputs, Observed, Threshold,
    Truth, Variable,
};
pub use rule::{Action, ActionError, Rule, RuleKind};

/// What the caller knows of the patient beyond height, weight, sex, age and
/// serum creatinine: laboratory results, the Child-Pugh class, toxicities of
/// the previous cycle, the treatment date and which day is assessed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClinicalInputs {
    /// The latest laboratory results.
    pub labs: Labs,
    /// The Child-Pugh class, where assessed.
    pub child_pugh: Option<ChildPugh>,
    /// The worst CTCAE grade of each toxicity in the previous cycle, by name
    /// ([`condition::TOXICITIES`]). A toxicity not listed was not reported.
    pub toxicities: BTreeMap<String, u8>,
    /// The treatment date the results are judged on (their age); `None`
    /// judges no age.
    pub on: Option<NaiveDate>,
    /// The day of the cycle whose treatment-day criteria are assessed; the
    /// first administration day when `None`.
    pub day: Option<u32>,
    /// The oldest a result may be, in days, before it is stale (a stale
    /// result cannot let a dose PROCEED).
    pub max_result_age_days: u32,
    /// Named alternative rule tables chosen by drug (`cisplatin` →
    /// `kintzel-dorr`).
    pub rule_sets: BTreeMap<String, String>,
    /// In a schedule, the date of the cycle's day 1: every administration's
    /// treatment-day criteria are then judged on its own date (a result
    /// too old for that date is not used). `None` judges only the day
    /// assessed (`day`), on `on`.
    pub cycle_start: Option<NaiveDate>,
}

impl ClinicalInputs {
    /// The default largest age of a result: 3 days before a dose (a site
    /// setting; the labels say "prior to each dose", and the maximum age is
    /// unconfirmed: clinical reference §9.1).
    pub const DEFAULT_MAX_RESULT_AGE_DAYS: u32 = 3;

    /// The rule table chosen for `drug`, whatever the case of the drug's
    /// name, as the regimen's drug lookup matches it: a table named for
    /// `Cisplatin` must not be accepted and then ignored.
    pub fn rule_set(&self, drug: &str) -> Option<&String> {
        self.rule_sets
            .iter()
            .find(|(d, _)| d.eq_ignore_ascii_case(drug))
            .map(|(_, set)| set)
    }
}

/// The inputs a rule reads, in one place: the caller's, and the renal
/// function the engine estimated.
#[derive(Debug, Clone)]
pub struct Readings<'a> {
    /// The caller's inputs.
    pub clinical: &'a ClinicalInputs,
    /// Creatinine clearance used, mL/min (Cockcroft-Gault, else a GFR given).
    pub crcl_ml_min: Option<f64>,
    /// Serum creatinine, mg/dL.
    pub scr_mg_dl: Option<f64>,
    /// The date judged on, where it is not the caller's treatment date (a
    /// later day of the cycle, or a scheduled administration).
    pub on: Option<NaiveDate>,
    /// Treat a stale result as not given: a treatment-day criterion is
    /// judged only on a result recent enough for the day (clinical
    /// reference §9.1: counts "prior to each dose").
    pub fresh_only: bool,
}

impl Readings<'_> {
    /// When the result behind `variable` was taken and whether it is stale;
    /// `None` for inputs without a date.
    pub fn dated(&self, variable: &Variable) -> Option<(Option<NaiveDate>, bool)> {
        let Variable::Lab(lab) = variable else {
            return None;
        };
        let r = self.clinical.labs.get(*lab)?;
        let stale = self.on.or(self.clinical.on).is_some_and(|on| {
            let age = r.age_days(on);
            age < 0 || age > i64::from(self.clinical.max_result_age_days)
        });
        Some((r.date, stale))
    }

    /// Whether `variable` is known in any form (for a requirement).
    pub fn known(&self, variable: &Variable) -> bool {
        match variable {
            Variable::Crcl => self.crcl_ml_min.is_some(),
            Variable::Scr => self.scr_mg_dl.is_some(),
            Variable::Lab(l) => self.clinical.labs.get(*l).is_some(),
            Variable::ChildPugh => self.clinical.child_pugh.is_some(),
            Variable::Toxicity(t) => self.clinical.toxicities.contains_key(t),
        }
    }
}

impl Inputs for Readings<'_> {
    fn observe(&self, variable: &Variable, threshold: &Threshold) -> Option<Observed> {
        let dec = |x: f64| to_decimal(x);
        match variable {
            Variable::Crcl => self.crcl_ml_min.and_then(dec).map(Observed::Value),
            Variable::Scr => self.scr_mg_dl.and_then(dec).map(Observed::Value),
            Variable::ChildPugh => self.clinical.child_pugh.map(Observed::Class),
            Variable::Toxicity(t) => self
                .clinical
                .toxicities
                .get(t)
                .copied()
                .map(Observed::Grade),
            Variable::Lab(lab) => {
                if self.fresh_only && self.dated(variable).is_some_and(|(_, stale)| stale) {
                    return None;
                }
                lab_value(&self.clinical.labs, *lab, threshold)
            }
        }
    }
}

/// A lab in the form a threshold is written in: as a multiple of its ULN,
/// or absolute (a multiple given with its ULN converts; without one it is
/// not known absolutely).
fn lab_value(labs: &Labs, lab: Lab, threshold: &Threshold) -> Option<Observed> {
    let r = labs.get(lab)?;
    match threshold {
        Threshold::TimesUln(_) => r.times_uln().and_then(to_decimal).map(Observed::TimesUln),
        _ => match r.value {
            LabValue::Measured(v) => to_decimal(v).map(Observed::Value),
            LabValue::TimesUln(x) => r.uln.and_then(|u| to_decimal(x * u)).map(Observed::Value),
        },
    }
}

/// One comparison of a rule, as evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonResult {
    /// The comparison.
    pub comparison: Comparison,
    /// The value it read; `None` when not known.
    pub observed: Option<Observed>,
    /// Whether it holds.
    pub truth: Truth,
    /// The date of the result read, where it has one.
    pub date: Option<NaiveDate>,
    /// The result is older than the largest age allowed (or dated after the
    /// treatment date).
    pub stale: bool,
}

/// A rule, as evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    /// The rule.
    pub rule: Arc<Rule>,
    /// Whether its condition holds.
    pub truth: Truth,
    /// Each comparison.
    pub comparisons: Vec<ComparisonResult>,
}

impl RuleResult {
    /// Whether the rule fired (its condition holds).
    pub fn fired(&self) -> bool {
        self.truth == Truth::True
    }

    /// Whether a result it read is stale.
    pub fn stale(&self) -> bool {
        self.comparisons.iter().any(|c| c.stale)
    }

    /// Whether it could not be judged: an input missing, or a stale result.
    pub fn unchecked(&self) -> bool {
        matches!(self.truth, Truth::Unknown(_)) || self.stale()
    }
}

/// Evaluates `rule` against `readings`.
pub fn evaluate(rule: &Arc<Rule>, readings: &Readings<'_>) -> RuleResult {
    let comparisons: Vec<ComparisonResult> = rule
        .when
        .comparisons()
        .into_iter()
        .map(|c| {
            let (truth, mut observed) = c.evaluate(readings);
            if observed.is_none() && readings.fresh_only {
                // Not used for being stale, but shown with its date.
                let all = Readings {
                    fresh_only: false,
                    ..readings.clone()
                };
                observed = all.observe(&c.variable, &c.threshold);
            }
            let (date, stale) = readings
                .dated(&c.variable)
                .filter(|_| observed.is_some())
                .unwrap_or((None, false));
            ComparisonResult {
                comparison: c.clone(),
                observed,
                truth,
                date,
                stale,
            }
        })
        .collect();
    // The condition from the comparisons just judged, not from reading
    // every input a second time.
    let truth = rule
        .when
        .truth_of(&mut comparisons.iter().map(|c| c.truth.clone()));
    RuleResult {
        rule: rule.clone(),
        truth,
        comparisons,
    }
}

/// The rules of `kind` in force for `drug`: the chosen alternative table
/// where the caller chose one for the drug and it has rules of this kind,
/// else the default rules of this kind (a renal table chosen does not set
/// aside the treatment-day criteria).
pub fn in_force<'r>(
    rules: &'r [Arc<Rule>],
    kind: RuleKind,
    drug: &str,
    clinical: &ClinicalInputs,
) -> impl Iterator<Item = &'r Arc<Rule>> {
    let chosen = clinical
        .rule_set(drug)
        .filter(|set| {
            rules
                .iter()
                .any(|r| r.kind == kind && r.set.as_ref() == Some(*set))
        })
        .cloned();
    rules
        .iter()
        .filter(move |r| r.kind == kind && r.set == chosen)
}

/// The alternative tables a drug's rules define, by name, sorted.
pub fn sets(rules: &[Arc<Rule>]) -> Vec<String> {
    let mut sets: Vec<String> = rules.iter().filter_map(|r| r.set.clone()).collect();
    sets.sort();
    sets.dedup();
    sets
}

/// The verdict on giving a drug today, or the regimen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Every criterion passed: give as calculated.
    Proceed,
    /// A rule changed the dose: give the dose shown.
    Modify,
    /// A criterion could not be judged (an input missing or stale): the
    /// dose is shown, stamped as not checked.
    NotChecked,
    /// A criterion failed: do not give.
    Hold,
}

impl Verdict {
    /// The verdict of a set of day criteria: HOLD if one that withholds
    /// fired, NOT CHECKED if one could not be judged, MODIFY if one that
    /// changes the dose fired, else PROCEED.
    pub fn of(results: &[RuleResult]) -> Verdict {
        if results.iter().any(|r| r.fired() && r.rule.then.withholds()) {
            Verdict::Hold
        } else if results.iter().any(RuleResult::unchecked) {
            Verdict::NotChecked
        } else if results.iter().any(|r| r.fired() && r.rule.then.modifies()) {
            Verdict::Modify
        } else {
            Verdict::Proceed
        }
    }

    /// The more serious of two verdicts.
    pub fn and(self, other: Verdict) -> Verdict {
        self.max(other)
    }
}

/// A decimal's value, for tests and messages.
pub fn observed_value(o: &Observed) -> Option<Decimal> {
    match o {
        Observed::Value(v) | Observed::TimesUln(v) => Some(*v),
        _ => None,
    }
}
