//! The clinical rules in words: what a rule read, what it decided, the
//! verdicts, and the stops they raise.
//!
//! Owns: the names of inputs as printed (CrCl, ANC, AST), values with their
//! units, actions, verdicts ("PROCEED", "NOT CHECKED").
//! Never does: evaluate a rule.

use super::ismp::format_decimal;
use crate::rules::{
    Action, ComparisonResult, Observed, RuleKind, RuleResult, Threshold, Truth, Variable, Verdict,
};

/// A laboratory value with its unit: "3.2 ×10⁹/L", or "1.5 × ULN".
pub fn lab_value_text(lab: crate::quantity::Lab, value: crate::quantity::LabValue) -> String {
    match value {
        crate::quantity::LabValue::Measured(x) => {
            format!("{} {}", super::ismp::format_number(x, 3), lab.unit())
        }
        crate::quantity::LabValue::TimesUln(x) => {
            format!("{} × ULN", super::ismp::format_number(x, 3))
        }
    }
}

/// A laboratory result as a printed page lists it: "total bilirubin
/// 0.585 mg/dL (ULN 1.228 mg/dL), taken 2026-11-30"; a result without a
/// date says so (it counts as taken on the treatment date).
pub fn lab_result_text(r: &crate::labs::LabResult) -> String {
    let mut s = format!("{} {}", r.lab.label(), lab_value_text(r.lab, r.value));
    if let Some(uln) = r.uln {
        s.push_str(&format!(
            " (ULN {} {})",
            super::ismp::format_number(uln, 3),
            r.lab.unit()
        ));
    }
    match r.date {
        Some(d) => s.push_str(&format!(", taken {}", d.format("%Y-%m-%d"))),
        None => s.push_str(", date not given (taken as the treatment date)"),
    }
    s
}

/// An input as printed: "CrCl", "ANC", "total bilirubin", "Child-Pugh class".
pub fn variable_label(v: &Variable) -> String {
    match v {
        Variable::Crcl => "CrCl".to_owned(),
        Variable::Scr => "serum creatinine".to_owned(),
        Variable::Lab(l) => l.label().to_owned(),
        Variable::ChildPugh => "Child-Pugh class".to_owned(),
        Variable::Toxicity(t) => t.replace('-', " "),
    }
}

/// The unit of an input's values, as printed.
fn unit(v: &Variable) -> &'static str {
    match v {
        Variable::Crcl => "mL/min",
        Variable::Scr => "mg/dL",
        Variable::Lab(l) => l.unit(),
        Variable::ChildPugh | Variable::Toxicity(_) => "",
    }
}

/// A value read: "42 mL/min", "1.2 ×10⁹/L", "2 × ULN", "class B", "grade 3".
pub fn observed_text(v: &Variable, o: &Observed) -> String {
    match o {
        Observed::Value(x) => {
            let u = unit(v);
            // As the header prints it: a clearance to 1 decimal, others to 3.
            let decimals = if *v == Variable::Crcl { 1 } else { 3 };
            let x = format_decimal(crate::rounding::round_dp_half_up(*x, decimals));
            if u == "%" {
                format!("{x}%")
            } else {
                format!("{x} {u}")
            }
        }
        Observed::TimesUln(x) => format!(
            "{} × ULN",
            format_decimal(crate::rounding::round_dp_half_up(*x, 2))
        ),
        Observed::Class(c) => c.to_string(),
        Observed::Grade(g) => format!("grade {g}"),
    }
}

/// A threshold as printed: "< 1.5 ×10⁹/L", "> 1.5 × ULN".
fn threshold_text(c: &ComparisonResult) -> String {
    let cmp = &c.comparison;
    let symbol = match cmp.comparator.symbol() {
        "<=" => "≤",
        ">=" => "≥",
        s => s,
    };
    let value = match &cmp.threshold {
        Threshold::Value(x) => observed_text(&cmp.variable, &Observed::Value(*x)),
        Threshold::TimesUln(x) => observed_text(&cmp.variable, &Observed::TimesUln(*x)),
        Threshold::Class(k) => format!("class {k}"),
        Threshold::Grade(g) => format!("grade {g}"),
    };
    format!("{symbol} {value}")
}

/// One comparison as evaluated: "ANC 1.2 ×10⁹/L (< 1.5 ×10⁹/L)", "ANC not
/// given (< 1.5 ×10⁹/L)", "ANC 1.2 ×10⁹/L, 5 days old (stale)".
pub fn comparison_text(c: &ComparisonResult) -> String {
    let name = variable_label(&c.comparison.variable);
    let value = match &c.observed {
        Some(o) => observed_text(&c.comparison.variable, o),
        None => "not given".to_owned(),
    };
    let mark = match c.truth {
        Truth::True => "meets",
        Truth::False => "does not meet",
        Truth::Unknown(_) => "cannot be judged against",
    };
    let date = c.date.map_or(String::new(), |d| format!(" on {d}"));
    let stale = if c.stale { ", STALE" } else { "" };
    format!("{name} {value}{date}{stale} ({mark} {})", threshold_text(c))
}

/// An action in words.
pub fn action_text(a: &Action) -> String {
    match a {
        Action::Give(p) => format!("give {}% of the dose", format_decimal(p.value())),
        Action::Level(l) => format!("dose level {l}"),
        Action::OneLevelDown => "one dose level down".to_owned(),
        Action::Dose(d) => format!("give {d}"),
        Action::Omit => "omit the drug".to_owned(),
        Action::Delay(d) => format!("delay {d} days and re-check"),
        Action::Hold => "hold (not given today)".to_owned(),
        Action::Stop => "do not give".to_owned(),
    }
}

/// What kind of rule: "organ function", "treatment day", "toxicity".
pub fn kind_text(k: RuleKind) -> &'static str {
    match k {
        RuleKind::Organ => "organ function",
        RuleKind::Day => "treatment day",
        RuleKind::Toxicity => "toxicity",
    }
}

/// What a rule read, for the values that decided it: "CrCl 42 mL/min".
pub fn readings_text(r: &RuleResult) -> String {
    let mut read: Vec<String> = Vec::new();
    for c in &r.comparisons {
        let Some(o) = &c.observed else { continue };
        let text = format!(
            "{} {}",
            variable_label(&c.comparison.variable),
            observed_text(&c.comparison.variable, o)
        );
        // A band reads its input twice (crcl >= 40 and crcl <= 50): once.
        if !read.contains(&text) {
            read.push(text);
        }
    }
    if read.is_empty() {
        "no value given".to_owned()
    } else {
        read.join(", ")
    }
}

/// A rule that fired, in one line: "organ function: CrCl 42 mL/min (when crcl
/// < 60 mL/min) → do not give (source)".
pub fn fired_text(r: &RuleResult) -> String {
    format!("{} ({})", fired_brief(r), r.rule.source)
}

/// [`fired_text`] without the rule's source, for an error line whose
/// citation is printed apart (`render::explain::stop_citation`).
pub fn fired_brief(r: &RuleResult) -> String {
    format!(
        "{}: {} (when {}) → {}",
        kind_text(r.rule.kind),
        readings_text(r),
        r.rule.when_written,
        action_text(&r.rule.then),
    )
}

/// A rule as evaluated, in one line: "treatment day: ANC 1.2 ×10⁹/L (meets <
/// 1.5 ×10⁹/L) → hold (not given today) (source)"; a rule that did not fire
/// says "no change", one that could not be judged "cannot be judged".
pub fn result_text(r: &RuleResult) -> String {
    let comparisons: Vec<String> = r.comparisons.iter().map(comparison_text).collect();
    let outcome = match r.truth {
        Truth::True => format!("→ {}", action_text(&r.rule.then)),
        Truth::False => "→ no change".to_owned(),
        Truth::Unknown(_) => format!(
            "→ cannot be judged (if it held: {})",
            action_text(&r.rule.then)
        ),
    };
    let stale = if r.stale() {
        " [a result is stale]"
    } else {
        ""
    };
    format!(
        "{}: {} {outcome}{stale} ({})",
        kind_text(r.rule.kind),
        comparisons.join(", "),
        r.rule.source
    )
}

/// What to check before a dose, for a schedule: "check ANC, platelets:
/// hold if anc < 1.5 x10^9/L; give 50% if ...".
pub fn criteria_text(rules: &[crate::rules::Rule]) -> String {
    rules
        .iter()
        .map(|r| format!("{} if {}", action_text(&r.then), r.when_written))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The assessment of a plan, for the text and Markdown outputs: the day and
/// verdict, then by drug its verdict, missing inputs and every rule as
/// evaluated.
pub fn assessment_lines(a: &crate::dose::Assessment) -> Vec<String> {
    if a.drugs.is_empty() {
        return Vec::new();
    }
    let mut out = vec![format!(
        "Clinical rules, day {}: {}",
        a.day,
        verdict_text(a.verdict)
    )];
    for d in &a.drugs {
        let mut head = format!(
            "  {}: {}",
            super::ismp::drug_display_name(&d.drug),
            verdict_text(d.verdict)
        );
        if !d.missing.is_empty() {
            let names: Vec<String> = d.missing.iter().map(variable_label).collect();
            head.push_str(&format!(" (not given: {})", names.join(", ")));
        }
        if let Some(r) = &d.omitted {
            head.push_str(&format!(" (left out: {})", fired_text(r)));
        }
        out.push(head);
        for r in d.organ.iter().chain(&d.day) {
            out.push(format!("    {}", result_text(r)));
        }
        for r in d
            .toxicity
            .iter()
            .filter(|r| !matches!(r.truth, Truth::Unknown(_)))
        {
            out.push(format!("    {}", result_text(r)));
        }
    }
    out
}

/// A verdict as printed: PROCEED, MODIFY, HOLD, NOT CHECKED.
pub fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Proceed => "PROCEED",
        Verdict::Modify => "MODIFY",
        Verdict::Hold => "HOLD",
        Verdict::NotChecked => "NOT CHECKED",
    }
}

/// An administration's check, for a schedule row: its verdict and what
/// decided it. "PROCEED: ANC 2 ×10⁹/L, platelets 150 ×10⁹/L"; "NOT CHECKED:
/// ANC not given"; "-" for a drug without rules. The criteria themselves
/// are listed once, below the schedule ([`criteria_line`]).
pub fn check_text(verdict: Option<Verdict>, criteria: &[RuleResult]) -> String {
    let Some(v) = verdict else {
        return "-".to_owned();
    };
    let word = verdict_text(v);
    let detail: Vec<String> = match v {
        Verdict::Proceed => criteria
            .iter()
            .map(readings_text)
            .filter(|t| t != "no value given")
            .collect(),
        Verdict::Modify | Verdict::Hold => criteria
            .iter()
            .filter(|r| r.fired())
            .map(|r| {
                format!(
                    "{} (when {}) → {}",
                    readings_text(r),
                    r.rule.when_written,
                    action_text(&r.rule.then)
                )
            })
            .collect(),
        Verdict::NotChecked => {
            let unchecked: Vec<&RuleResult> = criteria.iter().filter(|r| r.unchecked()).collect();
            let mut why: Vec<String> = Vec::new();
            for c in unchecked.iter().flat_map(|r| &r.comparisons) {
                let name = variable_label(&c.comparison.variable);
                let text = match (c.stale, c.date, &c.observed) {
                    (true, Some(d), _) => format!("{name} of {d} too old"),
                    (true, None, _) => format!("{name} too old"),
                    (false, _, None) => format!("{name} not given"),
                    (false, _, Some(_)) => continue,
                };
                if !why.contains(&text) {
                    why.push(text);
                }
            }
            if why.is_empty() {
                Vec::new()
            } else {
                vec![why.join(", ")]
            }
        }
    };
    if detail.is_empty() {
        if v == Verdict::NotChecked {
            return format!("{word}: an organ-function result was not given or is stale");
        }
        return word.to_owned();
    }
    format!("{word}: {}", detail.join("; "))
}

/// A treatment-day criterion, once for a schedule: "GEMcitabine day 8: give
/// 75% if anc >= 0.5 x10^9/L and anc < 1 x10^9/L (source)".
pub fn criteria_line(drug: &str, days: &[u32], r: &crate::rules::Rule) -> String {
    let days: Vec<String> = days.iter().map(u32::to_string).collect();
    let word = if days.len() == 1 { "day" } else { "days" };
    format!(
        "{} {word} {}: {} if {} ({})",
        super::ismp::drug_display_name(drug),
        days.join(", "),
        r.then,
        r.when_written,
        r.source
    )
}

/// An administration's check in a few words, for a printed page: the
/// verdict, and for NOT CHECKED the inputs still needed ("NOT CHECKED: ANC,
/// platelets"); "-" for a drug without rules. The criteria are listed below
/// the schedule.
pub fn check_short(verdict: Option<Verdict>, criteria: &[RuleResult]) -> String {
    let Some(v) = verdict else {
        return "-".to_owned();
    };
    if v != Verdict::NotChecked {
        return verdict_text(v).to_owned();
    }
    let mut needed: Vec<String> = Vec::new();
    for c in criteria
        .iter()
        .filter(|r| r.unchecked())
        .flat_map(|r| &r.comparisons)
        .filter(|c| c.stale || c.observed.is_none())
    {
        let name = variable_label(&c.comparison.variable);
        if !needed.contains(&name) {
            needed.push(name);
        }
    }
    if needed.is_empty() {
        return verdict_text(v).to_owned();
    }
    format!("{}: {}", verdict_text(v), needed.join(", "))
}
