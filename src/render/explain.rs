//! Safety stops explained: what each stop code means, where its rule comes
//! from and how to override it (`chemodose explain CODE`), and a refusal
//! cut into one short line and its citation, so that the error line stays
//! readable and the source is printed on a `help:` line of its own.
//!
//! Owns: the words of an explanation, the list of codes.
//! Never does: decide whether a stop arises (that is `dose`), or know the
//! command line beyond the `--override` syntax every stop shares.

use crate::dose::Stop;
use crate::render::ismp::{drug_display_name, format_decimal};
use crate::render::messages::{
    ceiling_text, cumulative_text, limit_source_text, limit_unit_text, stopping_status,
};
use crate::render::rules::fired_brief;

/// One stop code, or a family of codes (`organ-DRUG-INPUTS`), explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation {
    /// The code as a refusal names it; a family has its variable parts in
    /// capitals (`hold-DRUG`).
    pub code: &'static str,
    /// The rule in words.
    pub rule: &'static str,
    /// Where the rule and its figures come from.
    pub source: &'static str,
}

/// Every stop code and family, in the order a pharmacist meets them.
pub const EXPLANATIONS: [Explanation; 15] = [
    Explanation {
        code: "status-draft",
        rule: "The regimen file is a DRAFT: not reviewed for use, not for new patients.",
        source: "The regimen file's `status` and its note (regimen-format.md, \"status\").",
    },
    Explanation {
        code: "status-withdrawn",
        rule: "The regimen is WITHDRAWN (a drug's approval or evidence was withdrawn): not for new patients; a patient already on it continues only with a stated reason.",
        source: "The regimen file's `status` and its note, which cites the withdrawal.",
    },
    Explanation {
        code: "per-cycle-ceiling",
        rule: "A drug's dose in one cycle is above the regimen's per-cycle ceiling, the commonest sign of a per-day dose typed as per-cycle or the reverse.",
        source: "The drug's `max_per_cycle` in the regimen file, with its `source` (a label's maximum).",
    },
    Explanation {
        code: "lifetime-limit",
        rule: "The cumulative dose over the planned course (with prior exposure from --history) would exceed the drug's lifetime limit; anthracyclines count together as doxorubicin equivalents.",
        source: "The drug's `lifetime_limit` in the regimen file and its `source` (doxorubicin: 550 mg/m², 400 mg/m² after cardiac-region radiation, product information); the equivalence factors of --anthracycline-factors (IGHG by default) and a site's --anthracycline-limit.",
    },
    Explanation {
        code: "weight-change",
        rule: "Today's weight differs from the weight at the line's first or last cycle by the threshold or more: recalculate the BSA and doses, or acknowledge the change.",
        source: "--weight-change-threshold (10% by default; 5% is usual for children) against the history file's weights.",
    },
    Explanation {
        code: "re-escalation",
        rule: "The dose asked for is higher than the line's last cycle (a reduced level raised again), which is not done without a reason.",
        source: "The history file's last cycle of the line (its `level` or `reduce`).",
    },
    Explanation {
        code: "prior-incomplete",
        rule: "A line of the history may have given the drug (or another anthracycline) in doses that are not recorded, so its lifetime limit cannot be checked.",
        source: "The history file's lines without cycle records.",
    },
    Explanation {
        code: "missing-INPUT",
        rule: "A rule of the regimen needs a result that was not given (missing-crcl, missing-bilirubin, ...): the dose cannot be judged without it.",
        source: "The drug's `requires` and rules in the regimen file, each with its `source`.",
    },
    Explanation {
        code: "gcsf-timing-DRUG",
        rule: "A day list stated for this dose (--days) puts the G-CSF within the window its label forbids: a daily G-CSF not in the 24 hours before through the 24 hours after cytotoxic chemotherapy, a long-acting one also not in the 14 days before it. Keep the regimen's days for the cytotoxic drug, or move the G-CSF by local protocol and override with the reason.",
        source: "Neupogen (filgrastim) US prescribing information, dosage [R138]; Neulasta (pegfilgrastim) US prescribing information, dosage [R139].",
    },
    Explanation {
        code: "unconfirmed-days-DRUG",
        rule: "The source gives no day list for the drug: the file's days are a placeholder, and the prescriber must state them (--days DRUG=DAYS).",
        source: "The drug's `days_unconfirmed` in the regimen file.",
    },
    Explanation {
        code: "unjudged-DRUG-INPUTS",
        rule: "An organ-function rule reads a result as a multiple of the upper limit of normal, and the ULN was not given (--bilirubin-uln, --ast-uln, ...).",
        source: "The drug's rule in the regimen file, with its `source`.",
    },
    Explanation {
        code: "organ-DRUG-INPUTS",
        rule: "An organ-function rule says not to give the drug (renal or hepatic function beyond the label's limit).",
        source: "The drug's `[[drug.rule]]` of kind \"organ\" in the regimen file, with its `source` (the label, or a band table chosen with --rule-set).",
    },
    Explanation {
        code: "hold-DRUG",
        rule: "A treatment-day criterion says not to give the drug today (blood counts below the label's threshold): hold, and re-check.",
        source: "The drug's `[[drug.rule]]` of kind \"day\" in the regimen file, with its `source`.",
    },
    Explanation {
        code: "toxicity-DRUG-INPUTS",
        rule: "A toxicity rule stops the drug, or asks for a dose level below the regimen's lowest.",
        source: "The drug's `[[drug.rule]]` of kind \"toxicity\" in the regimen file, with its `source` (CTCAE grades given with --toxicity).",
    },
    Explanation {
        code: "combined-DRUG",
        rule: "More than one change to the dose applies (two rules, or a rule and the caller's reduction), and how to combine them is not sourced: choose one dose.",
        source: "The drug's rules in the regimen file; the engine takes one change per drug without a reason.",
    },
];

/// The explanation of `code`: a code as a refusal names it
/// (`organ-cisplatin-crcl`) is matched to its family.
pub fn explain(code: &str) -> Option<&'static Explanation> {
    let code = code.trim().to_lowercase();
    EXPLANATIONS.iter().find(|e| {
        match e.code.find(|c: char| c.is_ascii_uppercase()) {
            // A family: the fixed start, then something.
            Some(at) => code.len() > at && code.starts_with(&e.code[..at]),
            None => code == e.code,
        }
    })
}

/// The explanation in words: the rule, its source, how to override.
pub fn explanation_text(typed: &str, e: &Explanation) -> String {
    let code = if e.code.chars().any(|c| c.is_ascii_uppercase()) {
        typed.trim().to_lowercase()
    } else {
        e.code.to_owned()
    };
    format!(
        "{code}\n\nRule: {}\nSource: {}\nOverride: --override {code}=\"<reason>\" lets the dose through; the reason is printed beside the doses it concerns.\n",
        e.rule, e.source
    )
}

/// The list of codes, one a line, for `chemodose explain` alone.
pub fn codes_text() -> String {
    let mut out = String::from("Stop codes (chemodose explain CODE):\n");
    for e in &EXPLANATIONS {
        out.push_str(&format!("  {}\n", e.code));
    }
    out
}

/// A stop in one line, without the citation its full words carry (a
/// lifetime limit's source, a ceiling's source, a regimen status's note):
/// that goes on a line of its own ([`stop_citation`]).
pub fn stop_brief(stop: &Stop) -> String {
    match stop {
        Stop::LifetimeLimit {
            drug,
            status,
            scope,
        } => format!(
            "{} would exceed the lifetime limit of {} {}",
            cumulative_text(drug, status, *scope),
            format_decimal(status.limit_value),
            limit_unit_text(status.unit),
        ),
        Stop::PerCycleCeiling {
            drug,
            cycle,
            amount,
            unit,
            ceiling,
            ..
        } => format!(
            "{}; check per-day versus per-cycle dosing",
            ceiling_text(drug, *cycle, *amount, *unit, ceiling, None)
        ),
        Stop::RegimenStatus {
            regimen, status, ..
        } => format!(
            "{regimen} is {}: not for new patients",
            stopping_status(*status)
        ),
        Stop::TreatmentDay { drug, day, rule } => {
            format!(
                "HOLD {} day {day}: {}",
                drug_display_name(drug),
                fired_brief(rule)
            )
        }
        Stop::OrganFunction { drug, rule, tables } => {
            let mut s = format!("{}: {}", drug_display_name(drug), fired_brief(rule));
            if !tables.is_empty() {
                s.push_str(&format!(
                    "; the regimen also has the band table{} {}, for a site that follows one",
                    if tables.len() == 1 { "" } else { "s" },
                    tables.join(", ")
                ));
            }
            s
        }
        Stop::Toxicity {
            drug,
            rule,
            level: Some(l),
        } => format!(
            "{}: {}: dose level {l} is needed, but the regimen's levels stop above it (or a higher level was asked for)",
            drug_display_name(drug),
            fired_brief(rule)
        ),
        Stop::Toxicity {
            drug,
            rule,
            level: None,
        } => format!("{}: {}", drug_display_name(drug), fired_brief(rule)),
        other => other.to_string(),
    }
}

/// The citation [`stop_brief`] leaves out, where the stop has one.
pub fn stop_citation(stop: &Stop) -> Option<String> {
    match stop {
        Stop::LifetimeLimit { drug, status, .. } => Some(format!(
            "{} limit: {}",
            drug_display_name(drug),
            limit_source_text(status)
        )),
        Stop::PerCycleCeiling {
            drug,
            ceiling_source: Some(s),
            ..
        } => Some(format!("{} ceiling: {s}", drug_display_name(drug))),
        Stop::RegimenStatus {
            regimen,
            note: Some(n),
            ..
        } if !n.trim().is_empty() => Some(format!("{regimen}: {}", n.trim())),
        Stop::TreatmentDay { drug, rule, .. }
        | Stop::OrganFunction { drug, rule, .. }
        | Stop::Toxicity { drug, rule, .. } => Some(format!(
            "{} rule: {}",
            drug_display_name(drug),
            rule.rule.source
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_the_engine_accepts_is_explained_and_back() {
        for e in &EXPLANATIONS {
            // A family's example code: its variable parts filled in.
            let example = e
                .code
                .replace("DRUG", "cisplatin")
                .replace("INPUTS", "crcl")
                .replace("INPUT", "crcl");
            assert!(Stop::is_code(&example), "{example}");
            assert_eq!(explain(&example), Some(e), "{example}");
        }
        assert_eq!(explain("LIFETIME-LIMIT").unwrap().code, "lifetime-limit");
        assert!(explain("organ-").is_none());
        assert!(explain("nonsense").is_none());
    }

    #[test]
    fn a_family_explanation_names_the_code_typed() {
        let e = explain("hold-docetaxel").unwrap();
        let text = explanation_text("hold-docetaxel", e);
        assert!(text.starts_with("hold-docetaxel\n"), "{text}");
        assert!(
            text.contains("--override hold-docetaxel=\"<reason>\""),
            "{text}"
        );
    }
}
