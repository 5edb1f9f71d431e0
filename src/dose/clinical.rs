//! The clinical-rules step of the engine: for one drug in one cycle, which
//! rules are in force and what they read, what they change (organ function,
//! toxicity, the caller's reduction, a treatment-day criterion), whether the
//! drug is left out, and which stops they raise. Called by the engine as one
//! step, between the basis and the caps; the rules themselves are
//! [`crate::rules`].
//!
//! Owns: how rule results become changes, stops and verdicts; the
//! one-change-per-drug rule (clinical reference §9: when more than one
//! reduction fires, stop and show every candidate); no re-escalation.
//! Never does: compute an amount (the engine does, in its order).

use super::error::DoseError;
use super::options::Reduction;
use super::plan::{AppliedReduction, Assessment, Change, DrugAssessment};
use super::stop::Stop;
use super::stop::StopLedger;
use super::{Engine, InForce};
use crate::regimen::{Dosing, Drug, Role};
use crate::rules::{self, Action, Readings, RuleKind, RuleResult, Truth, Variable, Verdict};
use chrono::NaiveDate;

/// A drug's rules for a cycle, as the engine applies them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DrugRules {
    /// What changes the dose, in the order applied (organ, toxicity, the
    /// caller's reduction). More than one is a stop.
    pub changes: Vec<Change>,
    /// The rule that leaves the drug out of the cycle, where one does.
    pub omitted: Option<RuleResult>,
    /// The stops raised (recorded only for the cycle asked for).
    pub stops: Vec<Stop>,
    /// The evaluated rules, for the plan.
    pub assessment: DrugAssessment,
}

impl Engine<'_> {
    /// The readings the rules read: the caller's inputs and the renal
    /// function the engine estimated.
    pub(super) fn readings(&self) -> Readings<'_> {
        let crcl = self
            .crcl
            .as_ref()
            .and_then(|c| c.as_ref().ok().map(|c| c.value))
            .or(self.options.gfr)
            .map(crate::quantity::ml_per_min);
        Readings {
            clinical: &self.options.clinical,
            crcl_ml_min: crcl,
            scr_mg_dl: self.scr_mg_dl,
            on: None,
            fresh_only: false,
        }
    }

    /// Requirements, organ-function and toxicity rules of `drug`, with the
    /// caller's reduction: the changes to its dose and the stops.
    pub(super) fn drug_rules(
        &self,
        drug: &Drug,
        caller: Option<AppliedReduction>,
    ) -> Result<DrugRules, DoseError> {
        if !self.options.apply_rules {
            return Ok(DrugRules {
                changes: caller.map(Change::Caller).into_iter().collect(),
                omitted: None,
                stops: Vec::new(),
                assessment: DrugAssessment {
                    drug: drug.name.clone(),
                    missing: Vec::new(),
                    organ: Vec::new(),
                    toxicity: Vec::new(),
                    day: Vec::new(),
                    omitted: None,
                    verdict: Verdict::Proceed,
                },
            });
        }
        let readings = self.readings();
        let clinical = &self.options.clinical;
        let mut stops = Vec::new();
        let mut changes = Vec::new();
        let mut omitted = None;
        let missing: Vec<Variable> = drug
            .requires
            .iter()
            .filter(|v| !readings.known(v))
            .cloned()
            .collect();
        for input in &missing {
            stops.push(Stop::MissingInput {
                drug: drug.name.clone(),
                input: input.clone(),
            });
        }
        if !drug.days_confirmed && !self.options.days.contains_key(&drug.name) {
            stops.push(Stop::UnconfirmedDays {
                drug: drug.name.clone(),
                days: drug.days.clone(),
            });
        }
        let organ: Vec<RuleResult> =
            rules::in_force(&drug.rules, RuleKind::Organ, &drug.name, clinical)
                .map(|r| rules::evaluate(r, &readings))
                .collect();
        // A required input given in a form a rule cannot read (no ULN): the
        // starting dose cannot be decided (clinical reference §9.1: "cannot
        // evaluate" blocks sign-off rather than assuming a default).
        for r in &organ {
            if let Truth::Unknown(vars) = &r.truth
                && vars
                    .iter()
                    .any(|v| drug.requires.contains(v) && !missing.contains(v))
            {
                stops.push(Stop::UnjudgedRule {
                    drug: drug.name.clone(),
                    rule: Box::new(r.clone()),
                });
            }
        }
        for r in organ.iter().filter(|r| r.fired()) {
            match r.rule.then {
                Action::Stop => stops.push(Stop::OrganFunction {
                    drug: drug.name.clone(),
                    rule: Box::new(r.clone()),
                    tables: tables(drug, RuleKind::Organ, clinical.rule_set(&drug.name)),
                }),
                Action::Omit => omitted = omitted.or(Some(r.clone())),
                _ if r.rule.then.modifies() => changes.push(Change::Rule {
                    rule: Box::new(r.clone()),
                    level: match r.rule.then {
                        Action::Level(l) => Some(l),
                        _ => None,
                    },
                }),
                _ => {}
            }
        }
        let toxicity: Vec<RuleResult> =
            rules::in_force(&drug.rules, RuleKind::Toxicity, &drug.name, clinical)
                .map(|r| rules::evaluate(r, &readings))
                .collect();
        let mut caller_stands = caller;
        for r in toxicity.iter().filter(|r| r.fired()) {
            let level = match r.rule.then {
                Action::Stop => {
                    stops.push(Stop::Toxicity {
                        drug: drug.name.clone(),
                        rule: Box::new(r.clone()),
                        level: None,
                    });
                    continue;
                }
                Action::Omit => {
                    omitted = omitted.or(Some(r.clone()));
                    continue;
                }
                Action::Level(l) => l,
                Action::OneLevelDown => self.level_in_force(drug, caller) - 1,
                _ => continue,
            };
            if !drug.reductions.contains_key(&level) {
                // Below the lowest level: the label says stop (eribulin at 0.7 mg/m²).
                stops.push(Stop::Toxicity {
                    drug: drug.name.clone(),
                    rule: Box::new(r.clone()),
                    level: Some(level),
                });
                continue;
            }
            match caller {
                // The caller's own level is at or below it: it stands.
                Some(AppliedReduction::Level { level: c, .. }) if c <= level => {}
                Some(AppliedReduction::Level { level: c, .. }) if c > level => {
                    stops.push(Stop::Toxicity {
                        drug: drug.name.clone(),
                        rule: Box::new(r.clone()),
                        level: Some(level),
                    });
                }
                _ => {
                    if matches!(caller, Some(AppliedReduction::Level { .. })) {
                        caller_stands = None;
                    }
                    changes.push(Change::Rule {
                        rule: Box::new(r.clone()),
                        level: Some(level),
                    });
                }
            }
        }
        if let Some(c) = caller_stands {
            changes.push(Change::Caller(c));
        }
        if changes.len() > 1 {
            stops.push(Stop::CombinedReductions {
                drug: drug.name.clone(),
                day: None,
                candidates: changes.clone(),
            });
        }
        if let Some(stop) = self.re_escalation(drug, caller, &changes) {
            stops.push(stop);
        }
        Ok(DrugRules {
            changes,
            omitted: omitted.clone(),
            stops,
            assessment: DrugAssessment {
                drug: drug.name.clone(),
                missing,
                organ,
                toxicity,
                day: Vec::new(),
                omitted,
                verdict: Verdict::Proceed,
            },
        })
    }

    /// The level in force before a toxicity rule: the line's last one
    /// (from a history), else the caller's (without a history, the level
    /// the prescriber says the patient is at), else the full dose (0). With
    /// a history the caller's level is this cycle's prescription, which may
    /// already be the level the rule asks for: counting down from it would
    /// reduce twice.
    fn level_in_force(&self, drug: &Drug, caller: Option<AppliedReduction>) -> i32 {
        let previous = self.options.previous_reduction.for_drug(&drug.name, true);
        match (previous, caller) {
            (Some(Reduction::Level(l)), _) => l,
            (_, Some(AppliedReduction::Level { level, .. })) => level,
            _ => 0,
        }
    }

    /// A stop when the dose asked for is less reduced than the line's last
    /// cycle (no re-escalation without a reason).
    fn re_escalation(
        &self,
        drug: &Drug,
        caller: Option<AppliedReduction>,
        changes: &[Change],
    ) -> Option<Stop> {
        if drug.role != Role::Antineoplastic {
            return None;
        }
        // The last cycle's own reduction of this drug, else its reduction
        // of every antineoplastic drug.
        let previous = self.options.previous_reduction.for_drug(&drug.name, true)?;
        let toxicity_level = changes.iter().find_map(|c| match c {
            Change::Rule { level, .. } => *level,
            Change::Caller(_) => None,
        });
        let requested = match (caller, toxicity_level) {
            (_, Some(l)) => Some(Reduction::Level(l)),
            (Some(c), None) => Some(c.requested()),
            (None, None) => None,
        };
        let lower = match (previous, requested) {
            (_, None) => true,
            (Reduction::Level(p), Some(Reduction::Level(r))) => r > p,
            (Reduction::Percent(p), Some(Reduction::Percent(r))) => r < p,
            // A level and a percent cannot be compared: a reason is needed.
            _ => true,
        };
        lower.then_some(Stop::ReEscalation {
            drug: drug.name.clone(),
            previous,
            requested,
        })
    }

    /// The first administration day of any drug of its own dose in the cycle:
    /// the day assessed when the caller names none.
    pub(super) fn first_day(&self, cycle: u32) -> u32 {
        self.regimen
            .drugs
            .iter()
            .filter(|d| d.given_in_cycle(cycle) && matches!(d.dosing, Dosing::Own { .. }))
            .filter_map(|d| self.days(d).first().copied())
            .min()
            .unwrap_or(1)
    }

    /// Judges one treatment day of a drug on its date: its criteria, and
    /// the change a criterion makes; a HOLD, or a second change to the
    /// dose, is met as a stop.
    pub(super) fn judge_day(
        &self,
        drug: &Drug,
        in_force: &InForce,
        day: u32,
        a: &mut Assessor<'_>,
    ) -> JudgedDay {
        let overrides = &self.options.overrides;
        let on = a.date_of(day);
        let results = self.day_rules(drug, day, on);
        let mut change = None;
        for r in results.iter().filter(|r| r.fired()) {
            if r.rule.then.withholds() {
                a.ledger.meet(
                    Stop::TreatmentDay {
                        drug: drug.name.clone(),
                        day,
                        rule: Box::new(r.clone()),
                    },
                    overrides,
                );
            } else if r.rule.then.modifies() {
                let c = Change::Rule {
                    rule: Box::new(r.clone()),
                    level: match r.rule.then {
                        Action::Level(l) => Some(l),
                        _ => None,
                    },
                };
                if change.is_some() || !in_force.rules.changes.is_empty() {
                    let mut candidates = in_force.rules.changes.clone();
                    candidates.extend(change.clone());
                    candidates.push(c.clone());
                    a.ledger.meet(
                        Stop::CombinedReductions {
                            drug: drug.name.clone(),
                            day: Some(day),
                            candidates,
                        },
                        overrides,
                    );
                }
                change.get_or_insert(c);
            }
        }
        JudgedDay { results, change }
    }

    /// The treatment-day rules of `drug` on `day`, evaluated on its date
    /// with results recent enough for it.
    pub(super) fn day_rules(
        &self,
        drug: &Drug,
        day: u32,
        on: Option<chrono::NaiveDate>,
    ) -> Vec<RuleResult> {
        let readings = Readings {
            on,
            fresh_only: true,
            ..self.readings()
        };
        rules::in_force(
            &drug.rules,
            RuleKind::Day,
            &drug.name,
            &self.options.clinical,
        )
        .filter(|r| r.on_day(day))
        .map(|r| rules::evaluate(r, &readings))
        .collect()
    }
}

/// Evaluates the clinical rules of the cycle asked for: records their stops
/// and the day's verdicts.
pub(super) struct Assessor<'l> {
    pub(super) ledger: &'l mut StopLedger,
    /// The day of the cycle assessed.
    pub(super) day: u32,
    /// Its date, where known (the caller's treatment date).
    pub(super) on: Option<NaiveDate>,
    /// In a schedule, the date of day 1: every day is judged, on its date.
    pub(super) cycle_start: Option<NaiveDate>,
    /// Whether every administration day is judged (a schedule), or only
    /// the day assessed.
    pub(super) every_day: bool,
    pub(super) drugs: Vec<DrugAssessment>,
}

/// A treatment day as judged: its criteria, and the change they make.
pub(super) struct JudgedDay {
    pub(super) results: Vec<RuleResult>,
    pub(super) change: Option<Change>,
}

impl Assessor<'_> {
    /// The date of `day` of the cycle: from day 1's in a schedule, else the
    /// treatment date for the day assessed (and as many days on for
    /// another).
    fn date_of(&self, day: u32) -> Option<NaiveDate> {
        match self.cycle_start {
            Some(start) => start.checked_add_days(chrono::Days::new(u64::from(day - 1))),
            None => self.on.and_then(|on| {
                let offset = i64::from(day) - i64::from(self.day);
                on.checked_add_signed(chrono::TimeDelta::days(offset))
            }),
        }
    }

    pub(super) fn finish(self) -> Assessment {
        let verdict = self
            .drugs
            .iter()
            .map(|d| d.verdict)
            .fold(Verdict::Proceed, Verdict::and);
        Assessment {
            day: self.day,
            drugs: self.drugs,
            verdict,
        }
    }
}

/// The alternative tables of `kind` a drug offers, besides the one chosen.
fn tables(drug: &Drug, kind: RuleKind, chosen: Option<&String>) -> Vec<String> {
    let mut sets: Vec<String> = drug
        .rules
        .iter()
        .filter(|r| r.kind == kind)
        .filter_map(|r| r.set.clone())
        .filter(|s| Some(s) != chosen)
        .collect();
    sets.sort();
    sets.dedup();
    sets
}

/// A drug's verdict on a day whose criteria are `day`: HOLD when a rule withholds it, NOT CHECKED when a rule
/// could not be judged or a required input is missing, MODIFY when a rule
/// changed its dose or left it out, else PROCEED.
pub(super) fn verdict(a: &DrugAssessment, day: &[RuleResult], changed_by_rule: bool) -> Verdict {
    let mut v = Verdict::of(day);
    let stops = |results: &[RuleResult]| {
        results
            .iter()
            .any(|r| r.fired() && r.rule.then == Action::Stop)
    };
    if stops(&a.organ) || stops(&a.toxicity) {
        v = v.and(Verdict::Hold);
    }
    // Toxicity not reported is not a missing input: only organ rules count.
    if a.organ.iter().any(RuleResult::unchecked) || !a.missing.is_empty() {
        v = v.and(Verdict::NotChecked);
    }
    if changed_by_rule || a.omitted.is_some() {
        v = v.and(Verdict::Modify);
    }
    v
}
