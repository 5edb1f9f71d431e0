//! What to type next: the command-line flags that answer a library error.
//! The library says what is wrong and what value is needed; only this layer
//! knows the flags.

use chemodose::bsa::BsaError;
use chemodose::dose::{DoseError, DrugSetting, Needed, Stop};
use chemodose::renal::RenalError;
use chemodose::rules::Variable;
use chemodose::schedule::{CycleChange, ScheduleError};

/// `message` with `hint` after it, as one sentence more.
pub fn with_hint(message: &str, hint: Option<impl AsRef<str>>) -> String {
    match hint {
        Some(h) => format!("{message}. {}", h.as_ref()),
        None => message.to_owned(),
    }
}

/// What answers a height and a weight that cannot be one person's.
pub const PROPORTIONS_HINT: &str =
    "Check --height and --weight and their units, e.g. --height 170cm --weight 70kg";

/// The flags that answer a dose error.
pub fn dose_hint(e: &DoseError) -> Option<String> {
    Some(match e {
        DoseError::Refused(stops) => {
            let flags: Vec<String> = stops
                .iter()
                .map(|s| format!("--override {}=\"<reason>\"", s.code()))
                .collect();
            let mut hint = String::new();
            for s in stops {
                if let Some(h) = stop_hint(s) {
                    hint.push_str(&h);
                    hint.push_str(". ");
                }
            }
            format!("{hint}To give it anyway, pass {}", flags.join(" "))
        }
        DoseError::RoundingTolerance { .. } => {
            "For a finer rounding, pass --round DRUG=STEP (e.g. --round docetaxel=0.1mg)".to_owned()
        }
        DoseError::BadCycleCount { max, .. } => {
            format!("Pass --cycles with a number from 1 to {max}")
        }
        DoseError::BsaRoundingTolerance { .. } => {
            "For a finer BSA rounding, pass --bsa-round 0.01, 0.001 or none".to_owned()
        }
        DoseError::NeedsMeasurement { needs, .. } => match needs {
            Needed::SexForDoseWeight(_) => "Give --sex female or --sex male".to_owned(),
            Needed::GfrForCalvert => "Give --gfr, or --age, --sex and --scr".to_owned(),
        },
        DoseError::Measurement(_) => PROPORTIONS_HINT.to_owned(),
        DoseError::DayOutsideCycle { .. } => {
            "Give --day as a day of the cycle, e.g. --day 8, or leave it out for the first administration day".to_owned()
        }
        DoseError::NoOwnDose { drug, setting, .. } => {
            let flags = match setting {
                DrugSetting::Level => "--level and --level-from",
                DrugSetting::Percent => "--reduce and --reduce-from",
                DrugSetting::Rounding => "--round",
                DrugSetting::Days => "--days and --days-from",
            };
            format!("Leave {drug} out of {flags}")
        }
        DoseError::Bsa(b) => return bsa_hint(b).map(str::to_owned),
        DoseError::Renal(r) => return renal_hint(r).map(str::to_owned),
        _ => return None,
    })
}

/// The flags that answer one stop, besides its override.
fn stop_hint(s: &Stop) -> Option<String> {
    match s {
        Stop::MissingInput { input, .. } => Some(match input {
            Variable::Crcl => "Give --scr, --age and --sex, or --gfr".to_owned(),
            Variable::Scr => "Give --scr".to_owned(),
            Variable::ChildPugh => "Give --child-pugh A, B or C".to_owned(),
            Variable::Lab(l) if l.uln_based() => {
                format!(
                    "Give --{id} with its unit ({unit}), and --{id}-uln where a rule reads it as a multiple of the ULN",
                    id = l.id(),
                    unit = l.unit()
                )
            }
            Variable::Lab(l) => format!("Give --{} with its unit", l.id()),
            Variable::Toxicity(t) => format!("Give --toxicity {t}=GRADE"),
        }),
        Stop::UnjudgedRule { rule, .. } => {
            let mut flags: Vec<String> = Vec::new();
            for c in rule.comparisons.iter().filter(|c| c.observed.is_none()) {
                if let Variable::Lab(l) = &c.comparison.variable {
                    let flag = format!("--{}-uln", l.id());
                    if !flags.contains(&flag) {
                        flags.push(flag);
                    }
                }
            }
            Some(format!(
                "Give {} (the upper limit printed with the result)",
                flags.join(" and ")
            ))
        }
        Stop::GcsfTiming { cytotoxic, .. } => Some(format!(
            "Keep the regimen's days for {cytotoxic}, or move the G-CSF by local protocol and give the reason"
        )),
        Stop::UnconfirmedDays { drug, .. } => Some(format!(
            "State the days the prescriber ordered: --days {drug}=DAYS"
        )),
        Stop::OrganFunction { drug, tables, .. } if !tables.is_empty() => Some(format!(
            "To use a band table, pass --rule-set {drug}={}",
            tables.join(" or ")
        )),
        _ => None,
    }
}

/// The flags that answer a BSA error.
pub fn bsa_hint(e: &BsaError) -> Option<&'static str> {
    match e {
        BsaError::SexRequired(_) => Some("Give --sex female or --sex male"),
        _ => None,
    }
}

/// The flags that answer a renal error.
pub fn renal_hint(e: &RenalError) -> Option<&'static str> {
    match e {
        RenalError::HeightRequired(_) => Some("Give --height"),
        RenalError::Weight(b) => bsa_hint(b),
        _ => None,
    }
}

/// The flags that answer a schedule error.
pub fn schedule_hint(e: &ScheduleError) -> Option<String> {
    match e {
        ScheduleError::Dose(d) => dose_hint(d),
        ScheduleError::NoStart => Some("Give --start, e.g. --start 2026-12-01".to_owned()),
        ScheduleError::NeedsCycles { .. } => Some("Give --cycles N".to_owned()),
        ScheduleError::NoSuchCycle { what, .. } => Some(
            match what {
                CycleChange::Delay => "Check --delay CYCLE=DAYS",
                CycleChange::Dose => "Check --level-from and --reduce-from",
                CycleChange::DayList => "Check --days-from CYCLE=DRUG=DAYS",
            }
            .to_owned(),
        ),
        _ => None,
    }
}
