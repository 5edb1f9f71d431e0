//! A regimen as a pharmacist reads it on paper, and as JSON.

use crate::quantity::{DoseUnit, m2, ml_per_min};
use crate::regimen::{DosePer, Dosing, Drug, Regimen, RoundingRule, Timing};
use crate::render::escape::{visible, visible_lines};
use crate::render::ismp::{drug_display_name, format_number};
use crate::render::text_table;

/// A drug's dose in words, with its times in the day: "900 mg/m²".
pub fn dose_text(d: &Drug) -> String {
    let dose = dosing_text(d);
    match &d.timing {
        None => dose,
        Some(t) => format!("{dose} {}", timing_text(t)),
    }
}

/// Several doses a day: "twice daily", "3 times daily", "at 0 h, +4 h and
/// +8 h of IFOSfamide", "30 min before trabectedin".
pub fn timing_text(t: &Timing) -> String {
    match t {
        Timing::TimesADay(1) => "once daily".to_owned(),
        Timing::TimesADay(2) => "twice daily".to_owned(),
        Timing::TimesADay(n) => format!("{n} times daily"),
        Timing::From { drug, minutes } if minutes.len() == 1 && minutes[0] < 0 => {
            format!(
                "{} before {}",
                crate::render::dose::duration_text(minutes[0].unsigned_abs()),
                drug_display_name(drug)
            )
        }
        Timing::From { drug, minutes } => {
            let times: Vec<String> = minutes.iter().map(|&m| offset_text(m)).collect();
            let list = match times.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    format!("{} and {last}", rest.join(", "))
                }
                _ => times.join(""),
            };
            format!("at {list} of {}", drug_display_name(drug))
        }
    }
}

/// Minutes from a drug's start: "0 h", "+4 h", "-30 min", "+1 h 30 min".
fn offset_text(minutes: i32) -> String {
    let sign = match minutes {
        0 => return "0 h".to_owned(),
        m if m > 0 => "+",
        _ => "-",
    };
    format!(
        "{sign}{}",
        crate::render::dose::duration_text(minutes.unsigned_abs())
    )
}

fn dosing_text(d: &Drug) -> String {
    match &d.dosing {
        Dosing::Own {
            dose,
            per: DosePer::Day,
        } => format!("{dose}"),
        Dosing::Own {
            dose,
            per: DosePer::Cycle,
        } => {
            let n = d.days.len() as f64;
            format!(
                "{dose} per cycle (= {} {} per day)",
                format_number(dose.value() / n, 3),
                dose.unit_text()
            )
        }
        Dosing::Companion { of, percent } => format!("{percent}% of the {of} dose"),
        Dosing::Instruction(text) => text.clone(),
    }
}

/// How the regimen's antiemetics are scheduled: "standard set for high
/// emetic risk on the chemotherapy days (ASCO 2020 ...)", "as needed, none
/// scheduled".
fn antiemetics_text(r: &Regimen) -> Option<String> {
    let risk = r.emetogenic_risk?.id();
    Some(match (r.antiemetic_set, &r.antiemetic_days) {
        (crate::regimen::AntiemeticSet::AsNeeded, _) => {
            format!("{risk} emetic risk; as needed, none scheduled")
        }
        (crate::regimen::AntiemeticSet::Standard, days) => format!(
            "{risk} emetic risk; the standard set on {} (ASCO 2020 [R145], multi-day rule [R146]; blanks where the site chooses)",
            days.as_ref().map_or_else(
                || "every chemotherapy day".to_owned(),
                |d| format!("day {}", days_text(d))
            )
        ),
    })
}

/// The days as a pharmacist writes them: "1, 8", "1-5", "1-3, 8".
pub fn days_text(days: &[u32]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let start = days[i];
        let mut end = start;
        while i + 1 < days.len() && days[i + 1] == end + 1 {
            i += 1;
            end = days[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

/// A drug's days in words: its day list, or for a premedication given on
/// days counted from its drug, "day -1, 0, +1 of docetaxel".
pub fn drug_days_text(d: &crate::regimen::Drug) -> String {
    match (&d.premedicates, d.relative_days.is_empty()) {
        (Some(target), false) => {
            let offsets: Vec<String> = d
                .relative_days
                .iter()
                .map(|o| {
                    if *o == 0 {
                        "0".to_owned()
                    } else {
                        format!("{o:+}")
                    }
                })
                .collect();
            format!("day {} of {target}", offsets.join(", "))
        }
        _ => days_text(&d.days),
    }
}

/// The rounding rule in words.
pub fn rounding_text(r: &RoundingRule, strengths_unit: DoseUnit) -> String {
    match r {
        RoundingRule::None => "not rounded".to_owned(),
        RoundingRule::Nearest { step, unit } => {
            format!(
                "to the nearest {} {}",
                format_number(unit.of(*step), 4),
                unit.symbol()
            )
        }
        RoundingRule::Strengths => "to whole tablets/vials of the listed strengths".to_owned(),
        RoundingRule::Bands(b) => format!(
            "to dose bands ({})",
            b.iter()
                .map(|m| format!(
                    "{} {}",
                    format_number(strengths_unit.of(*m), 4),
                    strengths_unit.symbol()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The unit a drug's doses are shown in (a companion's are mg).
pub fn unit_of(d: &Drug) -> DoseUnit {
    match &d.dosing {
        Dosing::Own { dose, .. } => dose.unit(),
        Dosing::Companion { .. } | Dosing::Instruction(_) => DoseUnit::Mg,
    }
}

/// A rule on a regimen sheet: "organ rule (table kintzel-dorr): when crcl <
/// 40 mL/min → stop (source)"; a day rule names its days.
pub fn rule_line(rule: &crate::rules::Rule) -> String {
    let set = rule
        .set
        .as_ref()
        .map_or(String::new(), |s| format!(" (table {s})"));
    let days = match (&rule.days, rule.kind) {
        (Some(d), _) => format!(", day {}", days_text(d)),
        (None, crate::rules::RuleKind::Day) => ", every day given".to_owned(),
        _ => String::new(),
    };
    format!(
        "{} rule{set}{days}: when {} → {} ({})",
        rule.kind.id(),
        rule.when_written,
        rule.then,
        rule.source
    )
}

/// The first line of a regimen sheet: "Gemcitabine + docetaxel
/// (gemcitabine-docetaxel)  version 1.3.0". Raw: each format escapes it.
pub fn regimen_heading(r: &Regimen) -> String {
    format!("{} ({})  version {}", r.name, r.id, r.version)
}

/// "STATUS: WITHDRAWN" for a status that needs attention (printed with its
/// note), else `None` and the status is one of [`regimen_facts`].
pub fn status_alert(r: &Regimen) -> Option<String> {
    r.status
        .needs_attention()
        .then(|| format!("STATUS: {}", r.status.id().to_uppercase()))
}

/// The facts under the heading, one line each: status (when it needs no
/// attention), other names, indications, cycle, last review, the file it
/// was read from (`origin`), notes, antiemetics.
pub fn regimen_facts(r: &Regimen, origin: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !r.status.needs_attention() {
        out.push(format!("Status: {}", r.status));
    }
    if !r.aliases.is_empty() {
        out.push(format!("Also called: {}", r.aliases.join(", ")));
    }
    if !r.indications.is_empty() {
        out.push(format!("Indications: {}", r.indications.join("; ")));
    }
    out.push(format!(
        "Cycle: every {} days, {}",
        r.cycle.length_days, r.cycle.count
    ));
    out.push(format!("Last reviewed: {}", r.last_reviewed));
    out.push(format!("Definition: {origin}"));
    if let Some(n) = &r.notes {
        out.push(format!("Notes: {n}"));
    }
    if let Some(line) = antiemetics_text(r) {
        out.push(format!("Antiemetics: {line}"));
    }
    out
}

/// The headers of the drug table.
pub const DRUG_HEADERS: [&str; 6] = ["Drug", "Dose", "Route", "Days", "Infusion", "Cycles"];

/// One row per drug, the cells of [`DRUG_HEADERS`].
pub fn drug_rows(r: &Regimen) -> Vec<Vec<String>> {
    r.drugs
        .iter()
        .map(|d| {
            vec![
                drug_display_name(&d.name),
                dose_text(d),
                d.route.clone(),
                drug_days_text(d),
                d.infusion.clone().unwrap_or_else(|| "-".to_owned()),
                d.cycles.map_or_else(|| "all".to_owned(), |c| c.to_string()),
            ]
        })
        .collect()
}

/// What a drug's row cannot hold, one line each: phases, dose levels,
/// ceilings, caps, rounding, strengths, limits, renal function,
/// requirements, rules and its note.
pub fn drug_details(d: &Drug) -> Vec<String> {
    let mut lines = Vec::new();
    for p in &d.phases {
        lines.push(format!("{}: {}", p.cycles, p.dose));
    }
    if !d.reductions.is_empty() {
        let levels: Vec<String> = d
            .reductions
            .iter()
            .rev()
            .map(|(l, v)| format!("level {l}: {v}"))
            .collect();
        lines.push(format!("dose reductions: {}", levels.join("; ")));
    }
    if let Some(m) = d.max_single_dose {
        lines.push(format!(
            "maximum single dose {} mg",
            format_number(DoseUnit::Mg.of(m), 4)
        ));
    }
    if let Some(c) = &d.max_per_cycle {
        lines.push(format!(
            "maximum per cycle {}{}",
            c.dose,
            c.source
                .as_ref()
                .map_or(String::new(), |s| format!(" ({s})"))
        ));
    }
    if let Some(c) = d.bsa_cap {
        lines.push(format!("BSA capped at {} m²", format_number(m2(c), 2)));
    }
    lines.push(format!(
        "rounding: {}",
        rounding_text(&d.rounding, unit_of(d))
    ));
    if !d.strengths.is_empty() {
        let u = unit_of(d);
        let s: Vec<String> = d
            .strengths
            .iter()
            .map(|m| format!("{} {}", format_number(u.of(*m), 4), u.symbol()))
            .collect();
        lines.push(format!("strengths: {}", s.join(", ")));
    }
    if let Some(l) = &d.lifetime_limit {
        let after = l.after_cardiac_radiation.map_or(String::new(), |a| {
            format!("; {a} after cardiac-region radiation")
        });
        lines.push(format!(
            "lifetime limit {}{after} ({})",
            l.lifetime, l.source
        ));
    }
    if let Some(rn) = &d.renal {
        let mut s = String::from("renal function");
        if rn.required {
            s.push_str(" required");
        }
        if let Some(f) = rn.flag_below {
            s.push_str(&format!(
                "; flagged below CrCl {} mL/min",
                format_number(ml_per_min(f), 1)
            ));
        }
        if let Some(n) = &rn.note {
            s.push_str(&format!(": {n}"));
        }
        lines.push(s);
    }
    if !d.requires.is_empty() {
        let needs: Vec<String> = d
            .requires
            .iter()
            .map(crate::render::rules::variable_label)
            .collect();
        lines.push(format!("requires: {}", needs.join(", ")));
    }
    if !d.days_confirmed {
        lines.push(
            "day list NOT CONFIRMED by the source: the prescriber states the days".to_owned(),
        );
    }
    for rule in &d.rules {
        lines.push(rule_line(rule));
    }
    if let Some(n) = &d.note {
        lines.push(n.clone());
    }
    lines
}

/// The supportive care, one line each: "Hydration: …", "Premedication: …".
pub fn supportive_lines(r: &Regimen) -> Vec<String> {
    let s = &r.supportive;
    let mut support = Vec::new();
    if let Some(h) = &s.hydration {
        support.push(format!("Hydration: {h}"));
    }
    for p in &s.premedication {
        support.push(format!("Premedication: {p}"));
    }
    if let Some(a) = &s.antiemetics {
        support.push(format!("Antiemetics: {a}"));
    }
    if let Some(g) = &s.growth_factor {
        support.push(format!("Growth factor: {g}"));
    }
    for m in &s.monitoring {
        support.push(format!("Monitoring: {m}"));
    }
    for o in &s.other {
        support.push(o.clone());
    }
    support
}

/// A source as cited: the citation, DOI, PMID, URL and its note.
pub fn source_text(src: &crate::regimen::Source) -> String {
    let mut line = src.citation.clone();
    for (label, v) in [("DOI", &src.doi), ("PMID", &src.pmid), ("URL", &src.url)] {
        if let Some(v) = v {
            line.push_str(&format!(" {label}: {v}"));
        }
    }
    if let Some(n) = &src.note {
        line.push_str(&format!(" ({n})"));
    }
    line
}

/// The regimen on paper.
pub fn regimen_text(r: &Regimen, origin: &str) -> String {
    let mut out = String::new();
    out.push_str(&visible(&regimen_heading(r)));
    out.push('\n');
    if let Some(alert) = status_alert(r) {
        out.push_str(&format!("\n*** {alert} ***\n"));
        if let Some(n) = &r.status_note {
            out.push_str(&format!("{}\n", visible(n)));
        }
        out.push('\n');
    }
    for l in regimen_facts(r, origin) {
        out.push_str(&visible(&l));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&text_table(&DRUG_HEADERS, &drug_rows(r)));
    for d in &r.drugs {
        out.push_str(&format!("\n{}:\n", drug_display_name(&d.name)));
        for l in drug_details(d) {
            out.push_str(&format!("  - {}\n", visible(&l)));
        }
    }
    let support = supportive_lines(r);
    if !support.is_empty() {
        out.push_str("\nSupportive care:\n");
        for l in support {
            out.push_str(&format!("  - {}\n", visible(&l)));
        }
    }
    out.push_str("\nSources:\n");
    for (i, src) in r.sources.iter().enumerate() {
        out.push_str(&visible(&format!("  [{}] {}", i + 1, source_text(src))));
        out.push('\n');
    }
    // The second defence: no control character reaches the terminal.
    visible_lines(&out).into_owned()
}

pub use crate::render::json::regimen_json;
