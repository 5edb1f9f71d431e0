//! The schedule as Markdown: a heading per cycle and a pipe table.

use super::{
    RenderContext, adjustments_text, check_text, cumulative_text, date_text, dose_change_text,
    dose_text, drug_name, flags_text, header_lines, prescribed_text,
};
use crate::schedule::Schedule;

/// A value in Markdown: its Markdown and HTML syntax written as text, so
/// that a patient id or a regimen name cannot become a link, an image or a
/// script ([`crate::render::escape::markdown`]).
fn cell(s: &str) -> String {
    crate::render::escape::markdown(s)
}

/// Markdown.
pub fn schedule_markdown(s: &Schedule, ctx: &RenderContext) -> String {
    let mut out = format!("# {}\n\n", cell(&s.regimen.name));
    if s.regimen.status.needs_attention() {
        out.push_str(&format!(
            "> **STATUS: {}**",
            s.regimen.status.id().to_uppercase()
        ));
        if let Some(n) = &s.regimen.status_note {
            out.push_str(&format!(" {}", cell(n)));
        }
        out.push_str("\n\n");
    }
    for l in header_lines(s, ctx) {
        out.push_str(&format!("- {}\n", cell(&l)));
    }
    for c in &s.cycles {
        let delay = super::delay_text(c);
        out.push_str(&format!(
            "\n## Cycle {}: day 1 {}{delay}\n\n",
            c.number,
            date_text(c.start)
        ));
        for ch in &c.dose_changes {
            out.push_str(&format!(
                "Dose change in force: {}\n\n",
                cell(&dose_change_text(ch))
            ));
        }
        out.push_str(
            "| Date | Day | Drug | Dose | Prescribed | Route | Infusion | Adjustments | Check | Flags |\n",
        );
        out.push_str("|---|---:|---|---:|---|---|---|---|---|---|\n");
        for a in &c.administrations {
            let adm = &a.administration;
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                date_text(a.date),
                adm.day,
                cell(&drug_name(a)),
                cell(&dose_text(a)),
                cell(&prescribed_text(a)),
                cell(&adm.route),
                cell(adm.infusion.as_deref().unwrap_or("-")),
                cell(&adjustments_text(adm, &s.overridden)),
                cell(&check_text(a)),
                cell(&flags_text(a))
            ));
        }
        out.push_str(&format!("\nCumulative after cycle {}:\n\n", c.number));
        for cu in &c.cumulative {
            out.push_str(&format!("- {}\n", cell(&cumulative_text(cu))));
        }
    }
    let criteria = super::criteria_lines(s);
    if !criteria.is_empty() {
        out.push_str("\n## Treatment-day criteria\n\n");
        for l in criteria {
            out.push_str(&format!("- {}\n", cell(&l)));
        }
    }
    if !s.overridden.is_empty() {
        out.push_str("\n## Overridden stops (given anyway, with the reason)\n\n");
        for l in crate::render::dose::overridden_lines(&s.overridden) {
            out.push_str(&format!("- **{}**\n", cell(&l)));
        }
    }
    if !s.warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        for w in &s.warnings {
            out.push_str(&format!("- **{}**\n", cell(&w.to_string())));
        }
    }
    out.push_str("\n## Sources\n\n");
    for (i, src) in s.regimen.sources.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", i + 1, cell(&src.citation)));
    }
    out
}
