//! The schedule as aligned text for the terminal, one block per cycle.

use super::{
    RenderContext, adjustments_text, check_text, cumulative_text, date_text, dose_change_text,
    dose_text, drug_name, flags_text, header_lines, prescribed_text,
};
use crate::render::text_table;
use crate::schedule::Schedule;

/// Text: header, then per cycle a table and the cumulative doses, then warnings.
pub fn schedule_text(s: &Schedule, ctx: &RenderContext) -> String {
    let mut out = String::new();
    if s.regimen.status.needs_attention() {
        out.push_str(&format!(
            "*** STATUS: {} ***\n",
            s.regimen.status.id().to_uppercase()
        ));
    }
    for l in header_lines(s, ctx) {
        out.push_str(&l);
        out.push('\n');
    }
    for c in &s.cycles {
        let delay = super::delay_text(c);
        out.push_str(&format!(
            "\nCycle {}: day 1 {}{delay}\n",
            c.number,
            date_text(c.start)
        ));
        for ch in &c.dose_changes {
            out.push_str(&format!("Dose change in force: {}\n", dose_change_text(ch)));
        }
        let rows: Vec<Vec<String>> = c
            .administrations
            .iter()
            .map(|a| {
                let adm = &a.administration;
                vec![
                    date_text(a.date),
                    adm.day.to_string(),
                    drug_name(a),
                    dose_text(a),
                    prescribed_text(a),
                    adm.route.clone(),
                    adm.infusion.clone().unwrap_or_else(|| "-".to_owned()),
                    adjustments_text(adm, &s.overridden),
                    check_text(a),
                    flags_text(a),
                ]
            })
            .collect();
        out.push_str(&text_table(
            &[
                "Date",
                "Day",
                "Drug",
                "Dose",
                "Prescribed",
                "Route",
                "Infusion",
                "Adjustments",
                "Check",
                "Flags",
            ],
            &rows,
        ));
        out.push_str(&format!("Cumulative after cycle {}:\n", c.number));
        for cu in &c.cumulative {
            out.push_str(&format!("  {}\n", cumulative_text(cu)));
        }
    }
    let criteria = super::criteria_lines(s);
    if !criteria.is_empty() {
        out.push_str("\nTreatment-day criteria (the Check column: each dose judged on its own date, with results recent enough for it)\n");
        for l in criteria {
            out.push_str(&format!("  {l}\n"));
        }
    }
    if !s.overridden.is_empty() {
        out.push_str("\nOverridden stops (given anyway, with the reason)\n");
        for l in crate::render::dose::overridden_lines(&s.overridden) {
            out.push_str(&format!("  ! {l}\n"));
        }
    }
    if !s.warnings.is_empty() {
        out.push_str("\nWarnings\n");
        for w in &s.warnings {
            out.push_str(&format!("  ! {w}\n"));
        }
    }
    // The second defence: no control character reaches the terminal.
    crate::render::escape::visible_lines(&out).into_owned()
}
