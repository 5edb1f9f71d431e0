//! The outcome of golden checks in words: each mismatch with the step that
//! produced it, refusals, and the one-line verdict per check.
//!
//! Owns: how `verify` writes its results. Never does: run a check.

use super::dose::{adjustment_text, prescription_text};
use super::ismp::{format_decimal, format_number};
use crate::dose::Adjustment;
use crate::rounding::round_dp_half_up;
use crate::verify::{CheckResult, Expected, Mismatch, Outcome, Step};

/// "1,638 mg", "350 mcg".
fn expected_text(e: &Expected) -> String {
    match e.doses {
        Some(n) => format!("{n} × {} {}", format_decimal(e.value), e.unit.symbol()),
        None => format!("{} {}", format_decimal(e.value), e.unit.symbol()),
    }
}

/// What kind of step an adjustment is: "reduction", "BSA cap", ...
fn step_name(adj: &Adjustment) -> &'static str {
    match adj {
        Adjustment::ReductionLevel { .. } | Adjustment::ReductionPercent { .. } => "reduction",
        Adjustment::BsaCap { .. } => "BSA cap",
        Adjustment::MaxSingleDose { .. } => "maximum single dose",
        Adjustment::GfrCap { .. } => "GFR cap",
        Adjustment::Rounding { .. } => "rounding",
        Adjustment::Rule { .. } => "clinical rule",
    }
}

/// The step that produced a difference, in words.
pub fn step_text(m: &Mismatch) -> String {
    match &m.step {
        Step::NotGiven => {
            "the regimen does not give this drug on this day in this cycle".to_owned()
        }
        Step::NotInCheck => {
            "a dose the check does not list: add it so that it cannot move unnoticed".to_owned()
        }
        Step::Adjustment(adj) => format!("{}: {}", step_name(adj), adjustment_text(adj, m.unit)),
        Step::FinalDose => "final dose".to_owned(),
        Step::Doses { expected, given } if expected == given => {
            format!("each of the {given} doses of the day")
        }
        Step::Doses { expected, given } => {
            format!("{given} doses that day, the check expects {expected}")
        }
        Step::Basis {
            prescription,
            calculated,
            bsa_m2,
        } => format!(
            "BSA or basis: {} gives {} {} before any adjustment (BSA used {} m²)",
            prescription_text(prescription),
            format_decimal(round_dp_half_up(*calculated, 2)),
            m.unit.symbol(),
            format_number(*bsa_m2, 4)
        ),
    }
}

/// One check's result as the `verify` command prints it.
pub fn check_result_text(result: &CheckResult) -> String {
    let name = crate::render::escape::visible(&result.name);
    let text = match &result.outcome {
        Outcome::Passed => format!("  ok    {}\n", name),
        Outcome::Mismatches(list) => {
            let mut out = format!("  FAIL  {}\n", name);
            for m in list {
                out.push_str(&format!(
                    "        {} day {}: expected {}, got {}\n          step: {}\n",
                    crate::render::escape::visible(&m.drug),
                    m.day,
                    m.expected
                        .as_ref()
                        .map_or_else(|| "not in the check".to_owned(), expected_text),
                    m.got
                        .as_ref()
                        .map_or_else(|| "not given".to_owned(), expected_text),
                    step_text(m)
                ));
            }
            out
        }
        Outcome::Refused(e) => format!("  FAIL  {}\n        refused: {e}\n", name),
        Outcome::WrongRefusal { expected, got } => format!(
            "  FAIL  {}\n        expected a refusal containing \"{expected}\"; got: {}\n",
            name,
            got.as_ref().map_or_else(
                || "no refusal: doses were given".to_owned(),
                |e| e.to_string()
            )
        ),
    };
    // The second defence: no control character reaches the terminal.
    crate::render::escape::visible_lines(&text).into_owned()
}
