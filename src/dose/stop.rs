//! Safety stops: where a pharmacist would stop, the engine stops. Each stop
//! carries the values it is about and a code; a caller lets a dose through
//! only by giving a reason for that one code ([`Overrides`]), and the plan
//! then shows the stop and the reason beside the doses it concerns.
//!
//! Owns: the kinds of stop, their codes, and the overrides.
//! Never does: write the message (`render::messages` does) or name a
//! command-line flag.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::options::{Reduction, WeightReferenceKind};
use super::plan::Change;
use super::plan::{LimitScope, LimitStatus, LimitUnit};
use crate::quantity::Percent;
use crate::quantity::PrescribedDose;
use crate::regimen::Status;
use crate::rules::{RuleResult, Variable};

/// A check that refused a dose.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// The regimen is a draft or withdrawn: not for new patients.
    RegimenStatus {
        /// Regimen id.
        regimen: String,
        /// Its status (`Draft` or `Withdrawn`).
        status: Status,
        /// The regimen's reason for its status.
        note: Option<String>,
    },
    /// A per-cycle ceiling is exceeded by the doses given.
    PerCycleCeiling {
        /// Drug, lower case.
        drug: String,
        /// The cycle.
        cycle: u32,
        /// The amount in the cycle, in `unit`.
        amount: Decimal,
        /// mg/m² or mg.
        unit: LimitUnit,
        /// The ceiling as the regimen writes it.
        ceiling: PrescribedDose,
        /// Where the ceiling comes from.
        ceiling_source: Option<String>,
    },
    /// The weight changed by the threshold or more since an earlier cycle:
    /// recalculate or acknowledge (never a silent recalculation).
    WeightChange(WeightChange),
    /// A drug needs an input that was not given (`requires` in the regimen).
    MissingInput {
        /// Drug, lower case.
        drug: String,
        /// The input.
        input: Variable,
    },
    /// An organ-function rule reads an input the drug requires, given but
    /// not in a form it can judge (a value without the ULN its × ULN
    /// threshold needs): the starting dose cannot be decided.
    UnjudgedRule {
        /// Drug, lower case.
        drug: String,
        /// The rule, as evaluated.
        rule: Box<RuleResult>,
    },
    /// Earlier lines whose doses are not counted may hold this drug (or
    /// another anthracycline): its lifetime limit cannot be checked.
    PriorIncomplete {
        /// Drug, lower case.
        drug: String,
        /// The history's line numbers.
        lines: Vec<u32>,
    },
    /// The source gives no day list for the drug (a case report): the
    /// prescriber must state the days.
    UnconfirmedDays {
        /// Drug, lower case.
        drug: String,
        /// The days the file encodes.
        days: Vec<u32>,
    },
    /// A day list the prescriber stated (`--days`) puts a G-CSF within the
    /// window its label forbids around a cytotoxic dose (the loader checks
    /// the regimen's own days).
    GcsfTiming {
        /// The G-CSF, lower case.
        gcsf: String,
        /// Its day in the cycle.
        day: u32,
        /// The cytotoxic drug, lower case.
        cytotoxic: String,
        /// That drug's day, counted from day 1 of the cycle (above the
        /// cycle length: in the next cycle).
        cytotoxic_day: u32,
        /// What the label says, with its source.
        rule: String,
    },
    /// An organ-function rule says not to give the regimen.
    OrganFunction {
        /// Drug, lower case.
        drug: String,
        /// The rule that fired, with what it read.
        rule: Box<RuleResult>,
        /// The drug's alternative rule tables (a site may choose one).
        tables: Vec<String>,
    },
    /// A treatment-day criterion says not to give the drug today.
    TreatmentDay {
        /// Drug, lower case.
        drug: String,
        /// The day of the cycle.
        day: u32,
        /// The rule that fired, with what it read.
        rule: Box<RuleResult>,
    },
    /// A toxicity rule stops the drug, or asks for a level below the lowest.
    Toxicity {
        /// Drug, lower case.
        drug: String,
        /// The rule that fired, with what it read.
        rule: Box<RuleResult>,
        /// The level that would be needed, where a level was asked for.
        level: Option<i32>,
    },
    /// More than one rule (or the caller's reduction) would change the dose:
    /// how to combine them is not sourced; every candidate is shown.
    CombinedReductions {
        /// Drug, lower case.
        drug: String,
        /// The day, when a treatment-day rule is one of them.
        day: Option<u32>,
        /// Every change that would apply.
        candidates: Vec<Change>,
    },
    /// The dose would go back up after a reduction in the line (never
    /// re-escalate without a reason: clinical reference §9.5).
    ReEscalation {
        /// Drug, lower case.
        drug: String,
        /// The reduction of the line's last cycle.
        previous: Reduction,
        /// The reduction asked for now; `None` for the full dose.
        requested: Option<Reduction>,
    },
    /// A lifetime limit would be exceeded.
    LifetimeLimit {
        /// Drug, lower case.
        drug: String,
        /// Where the patient would stand.
        status: LimitStatus,
        /// What the cumulative amount covers.
        scope: LimitScope,
    },
}

impl Stop {
    /// The code a caller gives to override this stop, with a reason.
    pub fn code(&self) -> String {
        match self {
            Stop::RegimenStatus { status, .. } => format!("status-{}", status.id()),
            Stop::PerCycleCeiling { .. } => "per-cycle-ceiling".to_owned(),
            Stop::LifetimeLimit { .. } => "lifetime-limit".to_owned(),
            Stop::WeightChange(_) => "weight-change".to_owned(),
            Stop::MissingInput { input, .. } => format!("missing-{input}"),
            Stop::UnjudgedRule { drug, rule } => format!("unjudged-{drug}-{}", inputs(rule)),
            Stop::PriorIncomplete { .. } => "prior-incomplete".to_owned(),
            Stop::UnconfirmedDays { drug, .. } => format!("unconfirmed-days-{drug}"),
            Stop::GcsfTiming { gcsf, .. } => format!("gcsf-timing-{gcsf}"),
            // The inputs the rule reads are part of the code: a reason given
            // for one rule (LVEF) must not let another (bilirubin) through.
            Stop::OrganFunction { drug, rule, .. } => format!("organ-{drug}-{}", inputs(rule)),
            Stop::TreatmentDay { drug, .. } => format!("hold-{drug}"),
            Stop::Toxicity { drug, rule, .. } => format!("toxicity-{drug}-{}", inputs(rule)),
            Stop::CombinedReductions { drug, .. } => format!("combined-{drug}"),
            Stop::ReEscalation { .. } => "re-escalation".to_owned(),
        }
    }

    /// Whether `code` has the shape of a stop's code (an override for a
    /// code no stop can have is a typing error, not a reason).
    pub fn is_code(code: &str) -> bool {
        const FIXED: [&str; 7] = [
            "status-draft",
            "status-withdrawn",
            "per-cycle-ceiling",
            "lifetime-limit",
            "weight-change",
            "re-escalation",
            "prior-incomplete",
        ];
        const FAMILIES: [&str; 8] = [
            "gcsf-timing-",
            "missing-",
            "unconfirmed-days-",
            "unjudged-",
            "organ-",
            "hold-",
            "toxicity-",
            "combined-",
        ];
        FIXED.contains(&code)
            || FAMILIES
                .iter()
                .any(|f| code.strip_prefix(f).is_some_and(|rest| !rest.is_empty()))
    }

    /// Whether the stop concerns `a`: a stop on every dose concerns them
    /// all; a drug's, that drug's; a treatment-day HOLD, only the
    /// administration held (the day, with its HOLD verdict).
    pub fn concerns(&self, a: &super::Administration) -> bool {
        match self {
            Stop::TreatmentDay { drug, day, .. } => {
                *drug == a.drug
                    && super::same_day(*day, a.day)
                    && a.verdict == Some(crate::rules::Verdict::Hold)
            }
            Stop::CombinedReductions {
                drug,
                day: Some(day),
                ..
            } => *drug == a.drug && super::same_day(*day, a.day),
            // A stop of the whole plan is shown beside the regimen's doses,
            // not beside each item of the standard antiemetic set.
            _ => match self.drug() {
                None => a.role != crate::regimen::Role::Antiemetic,
                Some(d) => d == a.drug,
            },
        }
    }

    /// The drug the stop concerns; `None` when it concerns every dose.
    pub fn drug(&self) -> Option<&str> {
        match self {
            Stop::RegimenStatus { .. } | Stop::WeightChange(_) => None,
            Stop::ReEscalation { drug, .. }
            | Stop::PerCycleCeiling { drug, .. }
            | Stop::LifetimeLimit { drug, .. }
            | Stop::MissingInput { drug, .. }
            | Stop::UnjudgedRule { drug, .. }
            | Stop::PriorIncomplete { drug, .. }
            | Stop::UnconfirmedDays { drug, .. }
            | Stop::OrganFunction { drug, .. }
            | Stop::TreatmentDay { drug, .. }
            | Stop::Toxicity { drug, .. }
            | Stop::CombinedReductions { drug, .. } => Some(drug),
            Stop::GcsfTiming { gcsf, .. } => Some(gcsf),
        }
    }
}

/// The inputs a rule reads, for a stop's code: "bilirubin", "ast-alp".
fn inputs(rule: &RuleResult) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for c in rule.rule.when.comparisons() {
        let id = c.variable.id();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids.join("-")
}

/// A weight compared with an earlier one.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightChange {
    /// Which earlier weight.
    pub reference: WeightReferenceKind,
    /// When it was measured.
    pub date: chrono::NaiveDate,
    /// The earlier weight, kg.
    pub from_kg: Decimal,
    /// Today's weight, kg.
    pub to_kg: Decimal,
    /// The signed change, percent of the earlier weight, 1 decimal.
    pub change_percent: Decimal,
    /// The threshold in force.
    pub threshold: Percent,
}

/// The reasons a caller gives to let specific stops through, by code. There
/// is no blanket override: each stop needs its own code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overrides(BTreeMap<String, String>);

impl Overrides {
    /// No overrides.
    pub fn new() -> Self {
        Overrides::default()
    }

    /// Adds the reason for `code`; `false` (and nothing changed) when the code
    /// already has one.
    pub fn insert(&mut self, code: &str, reason: &str) -> bool {
        if self.0.contains_key(code) {
            return false;
        }
        self.0.insert(code.to_owned(), reason.to_owned());
        true
    }

    /// The reason given for `code`.
    pub fn reason(&self, code: &str) -> Option<&str> {
        self.0.get(code).map(String::as_str)
    }

    /// Every code and reason.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(c, r)| (c.as_str(), r.as_str()))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A stop that a reason let through; shown beside the doses it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Overridden {
    /// The stop.
    pub stop: Stop,
    /// The reason given.
    pub reason: String,
}

/// Stops met while computing a plan: each is overridden by its reason or
/// collected for the refusal.
#[derive(Debug, Default)]
pub(crate) struct StopLedger {
    /// Stops without a reason: the plan is refused.
    pub refused: Vec<Stop>,
    /// Stops with a reason: the plan shows them.
    pub overridden: Vec<Overridden>,
}

impl StopLedger {
    /// Records `stop`, overridden when `overrides` has a reason for its code.
    pub fn meet(&mut self, stop: Stop, overrides: &Overrides) {
        if self.refused.contains(&stop) || self.overridden.iter().any(|o| o.stop == stop) {
            return;
        }
        match overrides.reason(&stop.code()) {
            Some(reason) => self.overridden.push(Overridden {
                stop,
                reason: reason.to_owned(),
            }),
            None => self.refused.push(stop),
        }
    }
}
