//! A history file drafted from derived lines, to be curated by hand.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::{DerivedLine, EndReason, RegimenMatch};
use crate::regimen::Library;

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Groups administration dates into cycles: a date at least `min_gap` days
/// after the current cycle's day 1 starts the next cycle.
fn cycles(dates: &[NaiveDate], min_gap: i64) -> Vec<NaiveDate> {
    let mut starts: Vec<NaiveDate> = Vec::new();
    for d in dates {
        match starts.last() {
            Some(s) if (*d - *s).num_days() < min_gap => {}
            _ => starts.push(*d),
        }
    }
    starts
}

/// The draft: one `[[line]]` per derived line, cycles from the administration
/// dates, and comments wherever a person has to decide.
pub fn draft_history(patient: &str, lines: &[DerivedLine], library: &Library) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Treatment history of {patient}, DRAFTED by `chemodose lines to-history` from"
    );
    o.push_str("# administration records. Curate it by hand before use: choose the regimen\n");
    o.push_str("# where several match, add measurements (height, weight, creatinine with\n");
    o.push_str("# their dates), intent and setting, and the real reasons each line stopped.\n\n");
    let _ = writeln!(o, "[patient]\nid = {}\n", quote(patient));
    o.push_str(
        "# [[measurement]]\n# date = 2019-03-01\n# height = \"165cm\"\n# weight = \"62kg\"\n",
    );
    for l in lines {
        let drugs = l.regimen.iter().cloned().collect::<Vec<_>>().join(" + ");
        let _ = writeln!(
            o,
            "\n# derived: {drugs}; {} administration days; ended: {}",
            l.administration_days,
            l.end_reason.text()
        );
        if !l.later.is_empty() {
            let _ = writeln!(
                o,
                "# later in the line: {}",
                l.later.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        if let Some(m) = &l.maintenance {
            let _ = writeln!(o, "# {}", m.text());
        }
        let (regimen, cycle_days) = match &l.regimen_match {
            RegimenMatch::Exact { id } => (
                id.clone(),
                library.get(id).map(|e| e.regimen.cycle.length_days),
            ),
            RegimenMatch::Ambiguous { ids } => {
                let _ = writeln!(
                    o,
                    "# CHECK: several bundled regimens have these drugs: {}; the first is written below",
                    ids.join(", ")
                );
                (
                    ids[0].clone(),
                    library.get(&ids[0]).map(|e| e.regimen.cycle.length_days),
                )
            }
            RegimenMatch::None => {
                o.push_str("# CHECK: no bundled regimen has these drugs: name a local regimen or write [line.inline_regimen]\n");
                (format!("unknown-{}", drugs.replace(" + ", "-")), None)
            }
        };
        let _ = writeln!(
            o,
            "[[line]]\nnumber = {}\nregimen = {}\nstart = {}",
            l.number,
            quote(&regimen),
            l.start
        );
        match &l.end_reason {
            EndReason::EndOfData => o.push_str("# ongoing at the end of the records: no end\n"),
            reason => {
                let _ = writeln!(
                    o,
                    "end = {}\nstop_reason = \"other\"\nstop_note = {}",
                    l.end,
                    quote(&format!(
                        "derived: {}; CHECK the real reason",
                        reason.text()
                    ))
                );
            }
        }
        // A new cycle starts at least three quarters of a cycle after the last one.
        let min_gap = cycle_days.map_or(14, |d| i64::from(d) * 3 / 4);
        for (i, d) in cycles(&l.dates, min_gap).iter().enumerate() {
            let _ = writeln!(o, "\n[[line.cycle]]\nnumber = {}\ndate = {d}", i + 1);
        }
    }
    o
}
