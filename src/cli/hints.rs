//! What to type next: the command-line flags that answer a library error.
//! The library says what is wrong and what value is needed; only this layer
//! knows the flags.

use chemodose::bsa::BsaError;
use chemodose::dose::{DoseError, Needed};
use chemodose::renal::RenalError;
use chemodose::schedule::ScheduleError;

/// `message` with `hint` after it, as one sentence more.
pub fn with_hint(message: &str, hint: Option<&str>) -> String {
    match hint {
        Some(h) => format!("{message}. {h}"),
        None => message.to_owned(),
    }
}

/// The flags that answer a dose error.
pub fn dose_hint(e: &DoseError) -> Option<&'static str> {
    Some(match e {
        DoseError::PerCycleCeiling { .. } => {
            "To give it anyway, pass --allow-over-ceiling \"<reason>\""
        }
        DoseError::LifetimeLimit { .. } => {
            "To give it anyway, pass --allow-over-limit \"<reason>\""
        }
        DoseError::RoundingTolerance { .. } => {
            "For a finer rounding, pass --round DRUG=STEP (e.g. --round docetaxel=0.1mg)"
        }
        DoseError::NeedsMeasurement { needs, .. } => match needs {
            Needed::SexForDoseWeight(_) => "Give --sex female or --sex male",
            Needed::GfrForCalvert => "Give --gfr, or --age, --sex and --scr",
        },
        DoseError::Bsa(b) => return bsa_hint(b),
        DoseError::Renal(r) => return renal_hint(r),
        _ => return None,
    })
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
pub fn schedule_hint(e: &ScheduleError) -> Option<&'static str> {
    match e {
        ScheduleError::Dose(d) => dose_hint(d),
        ScheduleError::NoStart => Some("Give --start, e.g. --start 2026-12-01"),
        ScheduleError::NeedsCycles { .. } => Some("Give --cycles N"),
        _ => None,
    }
}
