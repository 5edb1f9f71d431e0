//! The `history show` output as JSON.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::{LimitJson, WarningJson, tree};
use crate::history::{CardiacRegion, Gap, HistoryWarning, IncompleteLine, StatedCycles};

/// One cycle of a history line, as recomputed.
#[derive(Serialize)]
struct HistoryCycleJson {
    number: u32,
    date: chrono::NaiveDate,
    /// null when the doses were not computed
    bsa_m2: Option<Decimal>,
    /// drug → [mg, whether a recorded actual dose replaced the regimen's]
    doses: std::collections::BTreeMap<String, (Decimal, bool)>,
    /// false: the doses were not computed (a day list not confirmed)
    computed: bool,
    reduction: Option<String>,
    delay_reason: Option<String>,
    early_reason: Option<String>,
    allow_over_limit: Option<String>,
}

#[derive(Serialize)]
struct HistoryLineJson {
    number: u32,
    /// null when the source does not name the regimen
    regimen: Option<String>,
    regimen_name: Option<String>,
    /// what the source says instead of a regimen
    regimen_not_stated: Option<String>,
    setting: Option<String>,
    intent: Option<crate::regimen::Intent>,
    start: chrono::NaiveDate,
    end: Option<chrono::NaiveDate>,
    duration_days: Option<i64>,
    time_to_next_treatment_days: Option<i64>,
    stop_reason: Option<crate::history::StopReason>,
    stop_note: Option<String>,
    cycles: Vec<HistoryCycleJson>,
    /// the number of cycles given: recorded or stated; null when unknown
    cycle_count: Option<u32>,
    /// "recorded" (one by one in `cycles`), "stated" (a number only) or "unknown"
    cycle_count_source: &'static str,
    /// whether the line's doses are in the cumulative totals
    counted: bool,
    /// why they are not
    gaps: Vec<GapJson>,
}

/// Why a line's doses are not counted.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum GapJson {
    RegimenNotStated { description: String },
    CyclesUnknown,
    CyclesNotRecorded { count: u32 },
    DaysUnconfirmed { drugs: Vec<String> },
}

impl From<&Gap> for GapJson {
    fn from(g: &Gap) -> Self {
        match g {
            Gap::RegimenNotStated { description } => GapJson::RegimenNotStated {
                description: description.clone(),
            },
            Gap::CyclesUnknown => GapJson::CyclesUnknown,
            Gap::CyclesNotRecorded { count } => GapJson::CyclesNotRecorded { count: *count },
            Gap::DaysUnconfirmed { drugs } => GapJson::DaysUnconfirmed {
                drugs: drugs.clone(),
            },
        }
    }
}

/// A line whose doses are not counted.
#[derive(Serialize)]
struct IncompleteLineJson {
    line: u32,
    regimen: Option<String>,
    /// null: the regimen is not stated, any drug may be missing
    drugs: Option<Vec<String>>,
    gaps: Vec<GapJson>,
}

impl From<&IncompleteLine> for IncompleteLineJson {
    fn from(l: &IncompleteLine) -> Self {
        IncompleteLineJson {
            line: l.line,
            regimen: l.regimen.clone(),
            drugs: l.drugs.clone(),
            gaps: l.gaps.iter().map(GapJson::from).collect(),
        }
    }
}

#[derive(Serialize)]
struct HistoryEventJson {
    kind: crate::history::EventKind,
    date: chrono::NaiveDate,
    description: Option<String>,
    site: Option<String>,
    dose: Option<String>,
    /// true, false or "unknown" for radiation; null for other events
    cardiac_region: Value,
    drug: Option<String>,
    cumulative_mg_per_m2: Option<Decimal>,
}

#[derive(Serialize)]
struct CumulativeDrugJson {
    drug: String,
    mg: Decimal,
    mg_per_m2: Decimal,
    limit: Option<LimitJson>,
    /// false: lines whose doses of this drug are not counted exist
    complete: bool,
    incomplete_lines: Vec<u32>,
}

#[derive(Serialize)]
struct AnthracyclineJson {
    factor_set: String,
    /// [drug, mg/m², factor, doxorubicin-equivalent mg/m², factor source]
    contributions: Vec<(String, Decimal, Decimal, Decimal, String)>,
    total_mg_per_m2: Decimal,
    limit_mg_per_m2: Decimal,
    after_cardiac_radiation: bool,
    /// "yes", "no" or "unknown"
    cardiac_radiation: crate::history::CardiacRadiation,
    /// null when not known (lines not counted)
    remaining_mg_per_m2: Option<Decimal>,
    limit_source: String,
    complete: bool,
    incomplete_lines: Vec<u32>,
}

#[derive(Serialize)]
struct HistoryJson {
    patient_id: String,
    name: Option<String>,
    mrn: Option<String>,
    note: Option<String>,
    placeholder_dates: Option<String>,
    lines: Vec<HistoryLineJson>,
    events: Vec<HistoryEventJson>,
    cumulative: Vec<CumulativeDrugJson>,
    anthracycline: Option<AnthracyclineJson>,
    cumulative_complete: bool,
    incomplete_lines: Vec<IncompleteLineJson>,
    warnings: Vec<WarningJson>,
}

/// A history warning: a stable code and the words.
pub(crate) fn history_warning_json(w: &HistoryWarning) -> WarningJson {
    WarningJson {
        code: w.code(),
        message: w.to_string(),
    }
}

/// A history report as JSON (documented in `docs/output-json.md`).
pub fn history_json(r: &crate::history::HistoryReport) -> Value {
    tree(HistoryJson {
        patient_id: r.patient_id.clone(),
        name: r.name.clone(),
        mrn: r.mrn.clone(),
        note: r.note.clone(),
        placeholder_dates: r.placeholder_dates.clone(),
        lines: r
            .lines
            .iter()
            .map(|l| HistoryLineJson {
                number: l.number,
                regimen: l.regimen.clone(),
                regimen_name: l.regimen_name.clone(),
                regimen_not_stated: l.regimen_not_stated.clone(),
                setting: l.setting.clone(),
                intent: l.intent,
                start: l.start,
                end: l.end,
                duration_days: l.duration_days,
                time_to_next_treatment_days: l.time_to_next_treatment_days,
                stop_reason: l.stop_reason,
                stop_note: l.stop_note.clone(),
                cycles: l
                    .cycles
                    .iter()
                    .map(|c| HistoryCycleJson {
                        number: c.number,
                        date: c.date,
                        bsa_m2: c.bsa_m2,
                        doses: c.doses.clone(),
                        computed: c.computed,
                        reduction: crate::render::schedule::reductions_text(&c.reduction),
                        delay_reason: c.delay_reason.clone(),
                        early_reason: c.early_reason.clone(),
                        allow_over_limit: c.allow_over_limit.clone(),
                    })
                    .collect(),
                cycle_count: match l.stated_cycles {
                    Some(StatedCycles::Count(n)) => Some(n),
                    Some(StatedCycles::Unknown) => None,
                    None => u32::try_from(l.cycles.len()).ok(),
                },
                cycle_count_source: match l.stated_cycles {
                    Some(StatedCycles::Count(_)) => "stated",
                    Some(StatedCycles::Unknown) => "unknown",
                    None => "recorded",
                },
                counted: l.gaps.is_empty(),
                gaps: l.gaps.iter().map(GapJson::from).collect(),
            })
            .collect(),
        events: r
            .events
            .iter()
            .map(|e| HistoryEventJson {
                kind: e.kind,
                date: e.date,
                description: e.description.clone(),
                site: e.site.clone(),
                dose: e.dose.clone(),
                cardiac_region: match e.cardiac_region {
                    Some(CardiacRegion::Included) => Value::Bool(true),
                    Some(CardiacRegion::NotIncluded) => Value::Bool(false),
                    Some(CardiacRegion::Unknown) => Value::String("unknown".to_owned()),
                    None => Value::Null,
                },
                drug: e.drug.clone(),
                cumulative_mg_per_m2: e.cumulative_mg_per_m2,
            })
            .collect(),
        cumulative: r
            .cumulative
            .iter()
            .map(|c| CumulativeDrugJson {
                drug: c.drug.clone(),
                mg: c.mg,
                mg_per_m2: c.mg_per_m2,
                limit: c.limit.as_ref().map(LimitJson::from),
                complete: c.incomplete_lines.is_empty(),
                incomplete_lines: c.incomplete_lines.clone(),
            })
            .collect(),
        anthracycline: r.anthracycline.as_ref().map(|a| AnthracyclineJson {
            factor_set: a.factor_set.clone(),
            contributions: a
                .contributions
                .iter()
                .map(|c| {
                    let drug = if c.given_elsewhere {
                        format!("{} (given elsewhere)", c.drug)
                    } else {
                        c.drug.clone()
                    };
                    (
                        drug,
                        c.mg_per_m2,
                        c.factor,
                        c.equivalent_mg_per_m2,
                        c.source.clone(),
                    )
                })
                .collect(),
            total_mg_per_m2: a.total_mg_per_m2,
            limit_mg_per_m2: a.limit_mg_per_m2,
            after_cardiac_radiation: a.after_cardiac_radiation,
            cardiac_radiation: a.cardiac_radiation,
            remaining_mg_per_m2: a.remaining_mg_per_m2,
            limit_source: a.limit_source.clone(),
            complete: a.incomplete_lines.is_empty(),
            incomplete_lines: a.incomplete_lines.clone(),
        }),
        cumulative_complete: r.cumulative_complete(),
        incomplete_lines: r.incomplete.iter().map(IncompleteLineJson::from).collect(),
        warnings: r.warnings.iter().map(history_warning_json).collect(),
    })
}
