//! The `history show` output as JSON.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::{LimitJson, WarningJson, tree, warnings_json};

/// One cycle of a history line, as recomputed.
#[derive(Serialize)]
struct HistoryCycleJson {
    number: u32,
    date: chrono::NaiveDate,
    bsa_m2: Decimal,
    /// drug → [mg, whether a recorded actual dose replaced the regimen's]
    doses: std::collections::BTreeMap<String, (Decimal, bool)>,
    reduction: Option<String>,
    delay_reason: Option<String>,
    allow_over_limit: Option<String>,
}

#[derive(Serialize)]
struct HistoryLineJson {
    number: u32,
    regimen: String,
    regimen_name: String,
    setting: Option<String>,
    intent: Option<crate::regimen::Intent>,
    start: chrono::NaiveDate,
    end: Option<chrono::NaiveDate>,
    duration_days: Option<i64>,
    time_to_next_treatment_days: Option<i64>,
    stop_reason: Option<crate::history::StopReason>,
    stop_note: Option<String>,
    cycles: Vec<HistoryCycleJson>,
}

#[derive(Serialize)]
struct HistoryEventJson {
    kind: crate::history::EventKind,
    date: chrono::NaiveDate,
    description: Option<String>,
    site: Option<String>,
    dose: Option<String>,
    cardiac_region: bool,
    drug: Option<String>,
    cumulative_mg_per_m2: Option<Decimal>,
}

#[derive(Serialize)]
struct CumulativeDrugJson {
    drug: String,
    mg: Decimal,
    mg_per_m2: Decimal,
    limit: Option<LimitJson>,
}

#[derive(Serialize)]
struct AnthracyclineJson {
    factor_set: String,
    /// [drug, mg/m², factor, doxorubicin-equivalent mg/m², factor source]
    contributions: Vec<(String, Decimal, Decimal, Decimal, String)>,
    total_mg_per_m2: Decimal,
    limit_mg_per_m2: Decimal,
    after_cardiac_radiation: bool,
    remaining_mg_per_m2: Decimal,
    limit_source: String,
}

#[derive(Serialize)]
struct HistoryJson {
    patient_id: String,
    lines: Vec<HistoryLineJson>,
    events: Vec<HistoryEventJson>,
    cumulative: Vec<CumulativeDrugJson>,
    anthracycline: Option<AnthracyclineJson>,
    warnings: Vec<WarningJson>,
}

/// A history report as JSON (documented in `docs/output-json.md`).
pub fn history_json(r: &crate::history::HistoryReport) -> Value {
    tree(HistoryJson {
        patient_id: r.patient_id.clone(),
        lines: r
            .lines
            .iter()
            .map(|l| HistoryLineJson {
                number: l.number,
                regimen: l.regimen.clone(),
                regimen_name: l.regimen_name.clone(),
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
                        reduction: c
                            .reduction
                            .as_ref()
                            .map(crate::render::schedule::reduction_text),
                        delay_reason: c.delay_reason.clone(),
                        allow_over_limit: c.allow_over_limit.clone(),
                    })
                    .collect(),
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
                cardiac_region: e.cardiac_region,
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
            remaining_mg_per_m2: a.remaining_mg_per_m2,
            limit_source: a.limit_source.clone(),
        }),
        warnings: warnings_json(&r.warnings),
    })
}
