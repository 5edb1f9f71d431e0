//! Validation of a drug's clinical rules: `requires` and `[[drug.rule]]`.
//!
//! Owns: what makes a rule well formed (a known kind, a condition that
//! reads, an action the kind allows, a level the drug defines, a dose in the
//! drug's basis, days the drug is given on, a source).
//! Never does: evaluate a rule (that is [`crate::rules`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use toml::Spanned;

use super::Validator;
use super::days::parse_day_list;
use crate::quantity::PrescribedDose;
use crate::regimen::Dosing;
use crate::regimen::file::{DrugFile, RuleFile};
use crate::rules::{Action, Condition, Rule, RuleKind, Variable};

/// Most rules one drug may carry.
const MAX_RULES: usize = 40;

impl Validator {
    /// `requires`: the inputs without which the dose cannot be given.
    pub(super) fn requires(&mut self, d: &DrugFile) -> Vec<Variable> {
        let mut out: Vec<Variable> = Vec::new();
        for r in &d.requires {
            match Variable::parse(r.get_ref(), false) {
                Ok(v) if out.contains(&v) => {
                    self.problems
                        .at(r.span(), format!("`{v}` is required twice"))
                        .label("twice");
                }
                Ok(v) => out.push(v),
                Err(e) => {
                    self.problems
                        .at(r.span(), format!("requires: {e}"))
                        .label("unknown input");
                }
            }
        }
        out
    }

    /// `[[drug.rule]]`: every rule read, checked against the drug.
    pub(super) fn rules(
        &mut self,
        d: &DrugFile,
        name: &str,
        dosing: Option<&Dosing>,
        days: Option<&[u32]>,
        levels: &BTreeMap<i32, PrescribedDose>,
    ) -> Vec<Arc<Rule>> {
        if d.rules.len() > MAX_RULES {
            self.problems
                .at(d.name.span(), format!("{name}: at most {MAX_RULES} rules"))
                .label("too many");
            return Vec::new();
        }
        if !d.rules.is_empty() && !matches!(dosing, Some(Dosing::Own { .. })) {
            self.problems
                .at(
                    d.name.span(),
                    format!("{name}: rules apply only to a drug with its own `dose`"),
                )
                .label("only with a dose");
            return Vec::new();
        }
        d.rules
            .iter()
            .filter_map(|r| self.rule(r, name, dosing, days, levels).map(Arc::new))
            .collect()
    }

    fn rule(
        &mut self,
        spanned: &Spanned<RuleFile>,
        name: &str,
        dosing: Option<&Dosing>,
        days: Option<&[u32]>,
        levels: &BTreeMap<i32, PrescribedDose>,
    ) -> Option<Rule> {
        let r = spanned.get_ref();
        let before = self.problems.len();
        let kind = match r.kind.get_ref().trim() {
            "organ" => Some(RuleKind::Organ),
            "day" => Some(RuleKind::Day),
            "toxicity" => Some(RuleKind::Toxicity),
            other => {
                self.problems
                    .at(r.kind.span(), format!("unknown rule kind `{other}`"))
                    .label("unknown kind")
                    .help("use organ (organ-function starting dose), day (treatment-day criteria) or toxicity (dose level after a toxicity)");
                None
            }
        };
        let when = match Condition::parse(r.when.get_ref(), kind == Some(RuleKind::Toxicity)) {
            Ok(c) => Some(c),
            Err(e) => {
                self.problems
                    .at(r.when.span(), format!("{name}: when: {e}"))
                    .label("not a condition");
                None
            }
        };
        let then = match Action::parse(r.then.get_ref()) {
            Ok(a) => Some(a),
            Err(e) => {
                self.problems
                    .at(r.then.span(), format!("{name}: then: {e}"))
                    .label("not an action");
                None
            }
        };
        if let (Some(kind), Some(action)) = (kind, &then) {
            self.action_fits(r, name, kind, action, dosing, levels);
        }
        let rule_days = r.days.as_ref().and_then(|s| {
            if kind != Some(RuleKind::Day) {
                self.problems
                    .at(
                        s.span(),
                        format!("{name}: `days` applies only to a day rule"),
                    )
                    .label("not a day rule");
                return None;
            }
            let list = self
                .problems
                .parse(s, |t| parse_day_list(t, u32::MAX))
                .map_err(|p| p.label("not a day list"))
                .ok()?;
            if let Some(given) = days
                && let Some(bad) = list.iter().find(|d| !given.contains(d))
            {
                self.problems
                    .at(s.span(), format!("{name} is not given on day {bad}"))
                    .label("not a day of the drug");
            }
            Some(list)
        });
        let set = r.set.as_ref().and_then(|s| {
            let v = s.get_ref().trim().to_lowercase();
            if v.is_empty()
                || !v
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                self.problems
                    .at(
                        s.span(),
                        format!("set `{}` must be a kebab-case name", s.get_ref()),
                    )
                    .label("not a name");
                return None;
            }
            Some(v)
        });
        if r.source.get_ref().trim().is_empty() {
            self.problems
                .at(r.source.span(), format!("{name}: a rule needs its source"))
                .label("no source");
        }
        if self.problems.len() > before {
            return None;
        }
        Some(Rule {
            kind: kind?,
            when: when?,
            when_written: r.when.get_ref().trim().to_owned(),
            then: then?,
            days: rule_days,
            set,
            source: r.source.get_ref().trim().to_owned(),
            note: r.note.clone(),
        })
    }

    /// An action the rule's kind allows, naming a level the drug defines or a
    /// dose in the drug's basis.
    fn action_fits(
        &mut self,
        r: &RuleFile,
        name: &str,
        kind: RuleKind,
        action: &Action,
        dosing: Option<&Dosing>,
        levels: &BTreeMap<i32, PrescribedDose>,
    ) {
        let allowed = match kind {
            RuleKind::Organ => matches!(
                action,
                Action::Give(_) | Action::Level(_) | Action::Dose(_) | Action::Omit | Action::Stop
            ),
            RuleKind::Day => !matches!(action, Action::OneLevelDown),
            RuleKind::Toxicity => matches!(
                action,
                Action::Level(_) | Action::OneLevelDown | Action::Stop | Action::Omit
            ),
        };
        if !allowed {
            self.problems
                .at(
                    r.then.span(),
                    format!("{name}: `{}` is not an action of a {} rule", r.then.get_ref().trim(), kind.id()),
                )
                .label("not for this kind")
                .help("organ: give N%, level -N, dose ..., omit, stop; day: also delay N days and hold; toxicity: level -N, one level down, omit, stop");
        }
        if let Action::Level(l) = action
            && !levels.contains_key(l)
        {
            self.problems
                .at(r.then.span(), format!("{name} has no dose level {l}"))
                .label("no such level")
                .help("list the level under `reductions`");
        }
        if let (Action::Dose(dose), Some(Dosing::Own { dose: full, .. })) = (action, dosing)
            && dose.basis() != full.basis()
        {
            self.problems
                .at(
                    r.then.span(),
                    format!(
                        "{name}: the rule's dose is {} but the drug's is {}",
                        dose.basis().describe(),
                        full.basis().describe()
                    ),
                )
                .label("different basis");
        }
    }
}
