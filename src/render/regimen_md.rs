//! A regimen sheet as Markdown: the same lines and table as the text
//! ([`super::regimen`]), every value written as text
//! ([`super::escape::markdown`]).
//!
//! Owns: the Markdown layout of `regimens show --format md`. Never does:
//! word a dose, a rule or a limit (the text renderer's pieces do).

use super::escape::markdown;
use super::ismp::drug_display_name;
use super::markdown_table;
use super::regimen::{
    DRUG_HEADERS, drug_details, drug_rows, regimen_facts, regimen_heading, source_text,
    status_alert, supportive_lines,
};
use crate::regimen::{Regimen, RegimenSource};

/// The regimen as Markdown; `source` the file it was read from, with its
/// SHA-256.
pub fn regimen_markdown(r: &Regimen, origin: &str, source: Option<&RegimenSource>) -> String {
    let mut o = format!("# {}\n\n", markdown(&regimen_heading(r)));
    if let Some(alert) = status_alert(r) {
        o.push_str(&format!("> **{alert}**"));
        if let Some(n) = &r.status_note {
            o.push_str(&format!(" {}", markdown(n)));
        }
        o.push_str("\n\n");
    }
    for l in regimen_facts(r, origin).into_iter().chain(
        source
            .map(crate::render::provenance::source_lines)
            .unwrap_or_default(),
    ) {
        o.push_str(&format!("- {}\n", markdown(&l)));
    }
    o.push_str("\n## Drugs\n\n");
    o.push_str(&markdown_table(&DRUG_HEADERS, &drug_rows(r)));
    for d in &r.drugs {
        o.push_str(&format!(
            "\n### {}\n\n",
            markdown(&drug_display_name(&d.name))
        ));
        for l in drug_details(d) {
            o.push_str(&format!("- {}\n", markdown(&l)));
        }
    }
    let support = supportive_lines(r);
    if !support.is_empty() {
        o.push_str("\n## Supportive care\n\n");
        for l in support {
            o.push_str(&format!("- {}\n", markdown(&l)));
        }
    }
    o.push_str("\n## Sources\n\n");
    for (i, src) in r.sources.iter().enumerate() {
        o.push_str(&format!("{}. {}\n", i + 1, markdown(&source_text(src))));
    }
    o
}
