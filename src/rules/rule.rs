//! Rules as regimen files state them: for a drug, when a condition holds,
//! an action, with its source. Three kinds, applied at three steps of the
//! engine (clinical reference §9, "evaluation order"):
//! - **organ** rules set the starting dose from organ function (renal,
//!   hepatic bands), between the basis and the caller's reduction;
//! - **day** rules are the treatment-day criteria of an administration day
//!   (blood counts before day 1 or day 8): proceed, modify, or hold;
//! - **toxicity** rules set the dose level from the worst grade of a
//!   toxicity in the previous cycle.
//!
//! Owns: [`Rule`], [`RuleKind`], [`Action`] and the text forms of actions.
//! Never does: evaluate a rule (that is [`super::evaluate`]) or change a dose.

use std::fmt;

use crate::quantity::{Percent, PrescribedDose, parse_dose};

use super::condition::Condition;

/// When in the engine a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// Organ function: the starting dose of every administration.
    Organ,
    /// Treatment-day criteria of the days listed.
    Day,
    /// Toxicity in the previous cycle: the dose level.
    Toxicity,
}

impl RuleKind {
    /// As written in regimen files.
    pub fn id(self) -> &'static str {
        match self {
            RuleKind::Organ => "organ",
            RuleKind::Day => "day",
            RuleKind::Toxicity => "toxicity",
        }
    }
}

/// What a rule does when its condition holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Give this percentage of the dose (`give 50%`; 25 % is "reduce by 75 %").
    Give(Percent),
    /// Give the regimen's dose level (`level -1`).
    Level(i32),
    /// One dose level below the one in force (`one level down`).
    OneLevelDown,
    /// Give this dose instead (`dose 0.9 mg/m2`).
    Dose(PrescribedDose),
    /// Do not give this drug (`omit`): the others go ahead.
    Omit,
    /// Do not give it today; re-check after this many days (`delay 7 days`).
    Delay(u32),
    /// Do not give it today (`hold`).
    Hold,
    /// Do not give the regimen (`stop`): a contraindication.
    Stop,
}

impl Action {
    /// Whether the action changes the dose (a MODIFY verdict).
    pub fn modifies(&self) -> bool {
        matches!(
            self,
            Action::Give(_) | Action::Level(_) | Action::OneLevelDown | Action::Dose(_)
        )
    }

    /// Whether the drug is not given (a HOLD verdict).
    pub fn withholds(&self) -> bool {
        matches!(
            self,
            Action::Omit | Action::Delay(_) | Action::Hold | Action::Stop
        )
    }

    /// Reads an action as written: `give 50%`, `level -1`, `one level down`,
    /// `dose 0.9 mg/m2`, `omit`, `delay 7 days`, `hold`, `stop`.
    ///
    /// # Errors
    /// [`ActionError`] with the text.
    pub fn parse(text: &str) -> Result<Action, ActionError> {
        let t = text.trim();
        let lower = t.to_lowercase();
        let bad = || ActionError(t.to_owned());
        Ok(match lower.as_str() {
            "omit" => Action::Omit,
            "hold" => Action::Hold,
            "stop" => Action::Stop,
            "one level down" => Action::OneLevelDown,
            _ => {
                if let Some(p) = lower.strip_prefix("give ") {
                    // "give 50%": what is given, not what is taken off.
                    let p = Percent::tolerance(p.trim()).map_err(|_| bad())?;
                    if p.value().is_zero() {
                        return Err(bad());
                    }
                    Action::Give(p)
                } else if let Some(l) = lower.strip_prefix("level ") {
                    match l.trim().parse::<i32>() {
                        Ok(l) if (-20..=-1).contains(&l) => Action::Level(l),
                        _ => return Err(bad()),
                    }
                } else if let Some(d) = t.get(5..).filter(|_| lower.starts_with("dose ")) {
                    Action::Dose(parse_dose(d).map_err(|_| bad())?)
                } else if let Some(d) = lower.strip_prefix("delay ") {
                    let days = d.trim().trim_end_matches("days").trim_end_matches("day");
                    match days.trim().parse::<u32>() {
                        Ok(n) if (1..=28).contains(&n) => Action::Delay(n),
                        _ => return Err(bad()),
                    }
                } else {
                    return Err(bad());
                }
            }
        })
    }
}

impl fmt::Display for Action {
    /// The action as written in regimen files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Give(p) => write!(f, "give {}%", p.value().normalize()),
            Action::Level(l) => write!(f, "level {l}"),
            Action::OneLevelDown => f.write_str("one level down"),
            Action::Dose(d) => write!(f, "dose {d}"),
            Action::Omit => f.write_str("omit"),
            Action::Delay(d) => write!(f, "delay {d} days"),
            Action::Hold => f.write_str("hold"),
            Action::Stop => f.write_str("stop"),
        }
    }
}

/// An action that cannot be read; holds the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an action: write give 50%, level -1, one level down, dose 0.9 mg/m2, omit, delay 7 days, hold or stop"
)]
pub struct ActionError(pub String);

/// One rule of a drug.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// When it applies.
    pub kind: RuleKind,
    /// The condition, as parsed.
    pub when: Condition,
    /// The condition as written, for the record.
    pub when_written: String,
    /// What it does.
    pub then: Action,
    /// The administration days it applies to (day rules); `None` for every
    /// day of the drug.
    pub days: Option<Vec<u32>>,
    /// A named alternative table (`kintzel-dorr`): inactive unless the
    /// caller chooses it for the drug; then the drug's default rules of the
    /// kinds the table covers are set aside.
    pub set: Option<String>,
    /// Where the rule comes from.
    pub source: String,
    /// What a pharmacist should know beside it.
    pub note: Option<String>,
}

impl Rule {
    /// Whether the rule applies on `day`.
    pub fn on_day(&self, day: u32) -> bool {
        self.days.as_ref().is_none_or(|d| d.contains(&day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn actions_as_written() {
        assert_eq!(
            Action::parse("give 50%").unwrap(),
            Action::Give(Percent::new(dec!(50)).unwrap())
        );
        assert_eq!(Action::parse("Level -1").unwrap(), Action::Level(-1));
        assert_eq!(Action::parse("delay 7 days").unwrap(), Action::Delay(7));
        assert_eq!(Action::parse("omit").unwrap(), Action::Omit);
        assert_eq!(
            Action::parse("one level down").unwrap(),
            Action::OneLevelDown
        );
        assert!(matches!(
            Action::parse("dose 0.9 mg/m2").unwrap(),
            Action::Dose(_)
        ));
        for bad in [
            "give 0%",
            "give 50",
            "level 1",
            "delay 0 days",
            "reduce 50%",
            "",
        ] {
            assert!(Action::parse(bad).is_err(), "{bad}");
        }
    }
}
