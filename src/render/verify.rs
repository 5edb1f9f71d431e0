//! The outcome of golden checks in words: each mismatch with the step that
//! produced it, refusals, and the one-line verdict per check; the run of
//! every check file as text, Markdown and a print-ready HTML page (the JSON
//! is in [`super::json`]).
//!
//! Owns: how `verify` writes its results. Never does: run a check.

use std::fmt::Write as _;

use super::dose::{adjustment_text, prescription_text};
use super::escape::{markdown, visible};
use super::ismp::{format_decimal, format_number};
use crate::dose::Adjustment;
use crate::rounding::round_dp_half_up;
use crate::verify::{CheckResult, Expected, Mismatch, Outcome, Step};

/// One check file as `verify` ran it.
#[derive(Debug, Clone)]
pub struct FileRun {
    /// The check file as named (a path, or `bundled:<file>`).
    pub file: String,
    /// What came of it.
    pub outcome: FileOutcome,
}

/// What came of one check file.
#[derive(Debug, Clone)]
pub enum FileOutcome {
    /// The file could not be read: its located errors, drawn. It counts as
    /// one failure.
    Unreadable(String),
    /// Its checks ran against a regimen.
    Ran {
        /// The regimen's id.
        regimen: String,
        /// The regimen's version in force.
        version: String,
        /// Where the regimen was read from.
        origin: String,
        /// The version the checks were worked out for, when the file says.
        checks_version: Option<String>,
        /// Each check's result, in file order.
        results: Vec<CheckResult>,
    },
}

/// How many checks passed and failed over every file (an unreadable file
/// is one failure).
pub fn counts(runs: &[FileRun]) -> (usize, usize) {
    let (mut passed, mut failed) = (0, 0);
    for r in runs {
        match &r.outcome {
            FileOutcome::Unreadable(_) => failed += 1,
            FileOutcome::Ran { results, .. } => {
                for c in results {
                    if c.passed() {
                        passed += 1;
                    } else {
                        failed += 1;
                    }
                }
            }
        }
    }
    (passed, failed)
}

/// "12 passed, 1 failed".
pub fn summary_text(runs: &[FileRun]) -> String {
    let (passed, failed) = counts(runs);
    format!("{passed} passed, {failed} failed")
}

/// "regimens/x.checks.toml: x v1.3.0 (regimens/x.toml)".
fn heading(file: &str, regimen: &str, version: &str, origin: &str) -> String {
    format!("{file}: {regimen} v{version} ({origin})")
}

/// "the checks were worked out for version 1.2.0; the regimen is version
/// 1.3.0", when they differ.
fn version_note(checks_version: Option<&String>, version: &str) -> Option<String> {
    checks_version.filter(|v| *v != version).map(|v| {
        format!("the checks were worked out for version {v}; the regimen is version {version}")
    })
}

/// "1,638 mg", "3 × 364 mg".
pub fn expected_text(e: &Expected) -> String {
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

/// The headers of a mismatch table.
pub const MISMATCH_HEADERS: [&str; 5] = ["Drug", "Day", "Expected", "Got", "Step"];

/// A mismatch's cells: drug, day, what the check expects, what the engine
/// gives, and the step that made the difference.
pub fn mismatch_cells(m: &Mismatch) -> Vec<String> {
    vec![
        m.drug.clone(),
        m.day.to_string(),
        m.expected
            .as_ref()
            .map_or_else(|| "not in the check".to_owned(), expected_text),
        m.got
            .as_ref()
            .map_or_else(|| "not given".to_owned(), expected_text),
        step_text(m),
    ]
}

/// A failed check's refusal in words: "refused: …", or the refusal the
/// check expected and what came; `None` for doses.
pub fn refusal_text(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Passed | Outcome::Mismatches(_) => None,
        Outcome::Refused(e) => Some(format!("refused: {e}")),
        Outcome::WrongRefusal { expected, got } => Some(format!(
            "expected a refusal containing \"{expected}\"; got: {}",
            got.as_ref().map_or_else(
                || "no refusal: doses were given".to_owned(),
                |e| e.to_string()
            )
        )),
    }
}

/// "ok" or "FAIL".
pub fn verdict_word(result: &CheckResult) -> &'static str {
    if result.passed() { "ok" } else { "FAIL" }
}

/// One check's result as the `verify` command prints it.
pub fn check_result_text(result: &CheckResult) -> String {
    let name = visible(&result.name);
    let mut out = format!("  {:<4}  {}\n", verdict_word(result), name);
    if let Outcome::Mismatches(list) = &result.outcome {
        for m in list {
            let c = mismatch_cells(m);
            out.push_str(&format!(
                "        {} day {}: expected {}, got {}\n          step: {}\n",
                visible(&c[0]),
                c[1],
                c[2],
                c[3],
                c[4]
            ));
        }
    }
    if let Some(r) = refusal_text(&result.outcome) {
        out.push_str(&format!("        {r}\n"));
    }
    // The second defence: no control character reaches the terminal.
    crate::render::escape::visible_lines(&out).into_owned()
}

/// Every file's results and the count, as text.
pub fn verify_text(runs: &[FileRun]) -> String {
    let mut out = String::new();
    for r in runs {
        match &r.outcome {
            FileOutcome::Unreadable(message) => out.push_str(message),
            FileOutcome::Ran {
                regimen,
                version,
                origin,
                checks_version,
                results,
            } => {
                out.push_str(&heading(&r.file, regimen, version, origin));
                out.push('\n');
                if let Some(n) = version_note(checks_version.as_ref(), version) {
                    out.push_str(&format!("  note  {n}\n"));
                }
                for c in results {
                    out.push_str(&check_result_text(c));
                }
            }
        }
    }
    out.push_str(&summary_text(runs));
    out.push('\n');
    out
}

/// Every file's results as Markdown: a table of the checks per file, then
/// each failed check's mismatches; values written as text.
pub fn verify_markdown(runs: &[FileRun]) -> String {
    let mut o = format!("# Golden checks\n\n**{}**\n", summary_text(runs));
    for r in runs {
        match &r.outcome {
            FileOutcome::Unreadable(message) => {
                let _ = writeln!(o, "\n## {}\n\nNot read:\n", markdown(&r.file));
                // An indented code block: the drawn errors as they are.
                for l in message.lines() {
                    let _ = writeln!(o, "    {}", visible(l));
                }
            }
            FileOutcome::Ran {
                regimen,
                version,
                origin,
                checks_version,
                results,
            } => {
                let _ = writeln!(
                    o,
                    "\n## {}\n",
                    markdown(&heading(&r.file, regimen, version, origin))
                );
                if let Some(n) = version_note(checks_version.as_ref(), version) {
                    let _ = writeln!(o, "> **note** {}\n", markdown(&n));
                }
                let rows: Vec<Vec<String>> = results
                    .iter()
                    .map(|c| vec![verdict_word(c).to_owned(), c.name.clone()])
                    .collect();
                o.push_str(&super::markdown_table(&["Result", "Check"], &rows));
                for c in results.iter().filter(|c| !c.passed()) {
                    let _ = writeln!(o, "\n### FAIL: {}\n", markdown(&c.name));
                    if let Outcome::Mismatches(list) = &c.outcome {
                        let rows: Vec<Vec<String>> = list.iter().map(mismatch_cells).collect();
                        o.push_str(&super::markdown_table(&MISMATCH_HEADERS, &rows));
                    }
                    if let Some(t) = refusal_text(&c.outcome) {
                        let _ = writeln!(o, "{}", markdown(&t));
                    }
                }
            }
        }
    }
    o
}

/// Every file's results as one print-ready HTML page (A4, no script, no
/// external assets), every value escaped; well-formed XML.
pub fn verify_html(runs: &[FileRun]) -> String {
    use super::schedule::html::{STYLE, escape};
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Golden checks</title>\n<style>{STYLE}@page {{ size: A4; margin: 20mm 12mm 16mm 12mm; \
         @bottom-left {{ content: \"chemodose {}\"; font: 8pt sans-serif; }} \
         @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); font: 8pt sans-serif; }} }}\n</style>\n</head>\n<body>\n<h1>Golden checks</h1>\n<p><b>{}</b></p>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&summary_text(runs))
    );
    for r in runs {
        match &r.outcome {
            FileOutcome::Unreadable(message) => {
                let lines: Vec<String> = message.lines().map(escape).collect();
                let _ = writeln!(
                    o,
                    "<h2>{}</h2>\n<div class=\"warnings\">\n<h3>Not read</h3>\n<pre>{}</pre>\n</div>",
                    escape(&r.file),
                    lines.join("\n")
                );
            }
            FileOutcome::Ran {
                regimen,
                version,
                origin,
                checks_version,
                results,
            } => {
                let _ = writeln!(
                    o,
                    "<h2>{}</h2>",
                    escape(&heading(&r.file, regimen, version, origin))
                );
                if let Some(n) = version_note(checks_version.as_ref(), version) {
                    let _ = writeln!(o, "<p class=\"flag\">note: {}</p>", escape(&n));
                }
                let rows: Vec<Vec<String>> = results
                    .iter()
                    .map(|c| vec![verdict_word(c).to_owned(), c.name.clone()])
                    .collect();
                o.push_str(&super::html_table(&["Result", "Check"], &rows));
                for c in results.iter().filter(|c| !c.passed()) {
                    let _ = writeln!(o, "<h3>FAIL: {}</h3>", escape(&c.name));
                    if let Outcome::Mismatches(list) = &c.outcome {
                        let rows: Vec<Vec<String>> = list.iter().map(mismatch_cells).collect();
                        o.push_str(&super::html_table(&MISMATCH_HEADERS, &rows));
                    }
                    if let Some(t) = refusal_text(&c.outcome) {
                        let _ = writeln!(o, "<p class=\"flag\">{}</p>", escape(&t));
                    }
                }
            }
        }
    }
    o.push_str("<p>Generated by chemodose.</p>\n</body>\n</html>\n");
    o
}
