//! A cycle's doses as Markdown: the same lines, tables and words as the
//! text ([`super::dose`]), every value written as text
//! ([`super::escape::markdown`]).
//!
//! Owns: the Markdown layout of `dose --format md`. Never does: word a
//! dose, an adjustment or a verdict (the text renderer's pieces do).

use super::dose::{
    OVERRIDDEN_HEADING, TOTALS_HEADERS, administration_headers, administration_rows,
    overridden_lines, patient_lines, plan_title, status_words, verdict_words,
};
use super::escape::markdown;
use super::markdown_table;
use crate::dose::DosePlan;
use crate::regimen::{Regimen, RegimenSource};

/// A line of the clinical-rules list as a Markdown list item, its depth
/// from its indent (two spaces a level, as the text prints it).
fn list_item(line: &str) -> String {
    let body = line.trim_start();
    let depth = (line.len() - body.len()) / 2;
    format!("{}- {}\n", "  ".repeat(depth), markdown(body))
}

/// The plan as Markdown. `leading_warnings` are the warnings read before
/// the plan (a history's), as the text prints them above it.
pub fn dose_markdown(
    plan: &DosePlan,
    regimen: &Regimen,
    source: Option<&RegimenSource>,
    leading_warnings: &[String],
) -> String {
    let mut o = format!("# {}\n\n", markdown(&regimen.name));
    if let Some(status) = status_words(regimen) {
        o.push_str(&format!("> **{status}**"));
        if let Some(n) = &regimen.status_note {
            o.push_str(&format!(" {}", markdown(n)));
        }
        o.push_str("\n\n");
    }
    if let Some(v) = verdict_words(&plan.assessment) {
        o.push_str(&format!("> **{}**\n\n", markdown(&v)));
    }
    for w in leading_warnings {
        o.push_str(&format!("> **{}**\n\n", markdown(w)));
    }
    o.push_str(&format!("- {}\n", markdown(&plan_title(plan, regimen))));
    for l in source
        .map(crate::render::provenance::source_lines)
        .unwrap_or_default()
    {
        o.push_str(&format!("- {}\n", markdown(&l)));
    }
    for l in patient_lines(plan) {
        o.push_str(&format!("- {}\n", markdown(&l)));
    }
    o.push_str("\n## Doses\n\n");
    o.push_str(&markdown_table(
        &administration_headers(plan),
        &administration_rows(plan),
    ));
    o.push_str("\n## Totals\n\n");
    o.push_str(&markdown_table(
        &TOTALS_HEADERS,
        &super::dose::totals_rows(plan),
    ));
    let assessment = crate::render::rules::assessment_lines(&plan.assessment);
    if !assessment.is_empty() {
        o.push_str("\n## Clinical rules\n\n");
        for l in assessment {
            o.push_str(&list_item(&l));
        }
    }
    if !plan.overridden.is_empty() {
        o.push_str(&format!("\n## {OVERRIDDEN_HEADING}\n\n"));
        for l in overridden_lines(&plan.overridden) {
            o.push_str(&format!("- **{}**\n", markdown(&l)));
        }
    }
    if !plan.warnings.is_empty() {
        o.push_str("\n## Warnings\n\n");
        for w in &plan.warnings {
            o.push_str(&format!("- **{}**\n", markdown(&w.to_string())));
        }
    }
    o
}
