//! `verify --format json`: every check file's results
//! (`docs/output-json.md`, "verify").

use serde_json::{Value, json};

use crate::render::verify::{FileOutcome, FileRun, counts, expected_text, refusal_text, step_text};
use crate::verify::{CheckResult, Expected, Mismatch, Outcome, Step};

fn expected_json(e: Option<&Expected>) -> Value {
    e.map_or(Value::Null, |e| {
        json!({
            "value": e.value,
            "unit": e.unit.symbol(),
            "doses": e.doses,
            "text": expected_text(e),
        })
    })
}

/// The kind of step, snake_case: `not_given`, `not_in_check`,
/// `adjustment`, `final_dose`, `doses`, `basis`.
fn step_kind(s: &Step) -> &'static str {
    match s {
        Step::NotGiven => "not_given",
        Step::NotInCheck => "not_in_check",
        Step::Adjustment(_) => "adjustment",
        Step::FinalDose => "final_dose",
        Step::Doses { .. } => "doses",
        Step::Basis { .. } => "basis",
    }
}

fn mismatch_json(m: &Mismatch) -> Value {
    json!({
        "drug": m.drug,
        "day": m.day,
        "expected": expected_json(m.expected.as_ref()),
        "got": expected_json(m.got.as_ref()),
        "step": step_text(m),
        "step_kind": step_kind(&m.step),
    })
}

fn check_json(c: &CheckResult) -> Value {
    let (outcome, mismatches) = match &c.outcome {
        Outcome::Passed => ("passed", Vec::new()),
        Outcome::Mismatches(list) => ("mismatches", list.iter().map(mismatch_json).collect()),
        Outcome::Refused(_) => ("refused", Vec::new()),
        Outcome::WrongRefusal { .. } => ("wrong_refusal", Vec::new()),
    };
    json!({
        "name": c.name,
        "passed": c.passed(),
        "outcome": outcome,
        "mismatches": mismatches,
        "refusal": refusal_text(&c.outcome),
    })
}

/// The whole run as one JSON document.
pub fn verify_json(runs: &[FileRun]) -> Value {
    let (passed, failed) = counts(runs);
    let files: Vec<Value> = runs
        .iter()
        .map(|r| match &r.outcome {
            FileOutcome::Unreadable(message) => json!({
                "file": r.file,
                "error": message,
                "regimen": null,
                "checks_version": null,
                "checks": [],
            }),
            FileOutcome::Ran {
                regimen,
                version,
                origin,
                checks_version,
                results,
            } => json!({
                "file": r.file,
                "error": null,
                "regimen": { "id": regimen, "version": version, "origin": origin },
                "checks_version": checks_version,
                "checks": results.iter().map(check_json).collect::<Vec<_>>(),
            }),
        })
        .collect();
    json!({ "passed": passed, "failed": failed, "files": files })
}
