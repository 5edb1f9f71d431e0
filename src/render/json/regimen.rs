//! A regimen as JSON (`regimens show --format json`, `regimens list
//! --format json`). Doses are strings as written ("900 mg/m²") so that no
//! unit is lost; numbers that are quantities carry their unit in the key.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::{SourceJson, tree};
use crate::quantity::{DoseBasis, DoseUnit, m2, ml_per_min};
use crate::regimen::{
    DosePer, Dosing, Drug, EmetogenicRisk, FebrileNeutropeniaRisk, Intent, Regimen, Role, Status,
    Supportive, Timing,
};
use crate::render::ismp::drug_display_name;
use crate::render::regimen::{rounding_text, unit_of};
use crate::rounding::tidy;

#[derive(Serialize)]
struct CompanionJson {
    of: String,
    percent: Decimal,
}

#[derive(Serialize)]
struct PhaseJson {
    cycles: String,
    dose: String,
}

#[derive(Serialize)]
struct CeilingJson {
    dose: String,
    source: Option<String>,
}

#[derive(Serialize)]
struct LifetimeLimitJson {
    lifetime: String,
    after_cardiac_radiation: Option<String>,
    source: String,
}

#[derive(Serialize)]
struct RenalJson {
    required: bool,
    flag_below_ml_min: Option<f64>,
    note: Option<String>,
    source: Option<String>,
}

#[derive(Serialize)]
struct DrugJson {
    name: String,
    display_name: String,
    role: Role,
    dose: Option<String>,
    basis: Option<DoseBasis>,
    dose_per: Option<DosePer>,
    companion: Option<CompanionJson>,
    route: String,
    infusion: Option<String>,
    days: Vec<u32>,
    /// A premedication's days counted from the drug it premedicates
    /// (empty `days`); absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    relative_days: Vec<i32>,
    cycles: Option<String>,
    phases: Vec<PhaseJson>,
    reductions: BTreeMap<String, String>,
    max_single_dose_mg: Option<f64>,
    max_per_cycle: Option<CeilingJson>,
    bsa_cap_m2: Option<f64>,
    rounding: String,
    lifetime_limit: Option<LifetimeLimitJson>,
    renal: Option<RenalJson>,
    instruction: Option<String>,
    premedicates: Option<String>,
    /// Several doses a day: minutes from the start of `times_from`.
    times_minutes: Option<Vec<i32>>,
    times_from: Option<String>,
    /// Several doses a day at times set locally.
    times_a_day: Option<u32>,
    /// As printed: "twice daily", "at 0 h, +4 h and +8 h of IFOSfamide".
    timing: Option<String>,
    note: Option<String>,
    requires: Vec<String>,
    days_confirmed: bool,
    rules: Vec<RuleDefJson>,
}

/// A rule as the regimen file states it.
#[derive(Serialize)]
struct RuleDefJson {
    kind: &'static str,
    set: Option<String>,
    days: Option<Vec<u32>>,
    when: String,
    then: String,
    source: String,
    note: Option<String>,
}

impl From<&Drug> for DrugJson {
    fn from(d: &Drug) -> Self {
        let (dose, basis, per) = match &d.dosing {
            Dosing::Own { dose, per } => (Some(dose.to_string()), Some(dose.basis()), Some(*per)),
            _ => (None, None, None),
        };
        DrugJson {
            name: d.name.clone(),
            display_name: drug_display_name(&d.name),
            role: d.role,
            dose,
            basis,
            dose_per: per,
            companion: match &d.dosing {
                Dosing::Companion { of, percent } => Some(CompanionJson {
                    of: of.clone(),
                    percent: *percent,
                }),
                _ => None,
            },
            route: d.route.clone(),
            infusion: d.infusion.clone(),
            days: d.days.clone(),
            relative_days: d.relative_days.clone(),
            cycles: d.cycles.map(|c| c.to_string()),
            phases: d
                .phases
                .iter()
                .map(|p| PhaseJson {
                    cycles: p.cycles.to_string(),
                    dose: p.dose.to_string(),
                })
                .collect(),
            reductions: d
                .reductions
                .iter()
                .map(|(l, v)| (l.to_string(), v.to_string()))
                .collect(),
            max_single_dose_mg: d.max_single_dose.map(|m| tidy(DoseUnit::Mg.of(m))),
            max_per_cycle: d.max_per_cycle.as_ref().map(|c| CeilingJson {
                dose: c.dose.to_string(),
                source: c.source.clone(),
            }),
            bsa_cap_m2: d.bsa_cap.map(|c| tidy(m2(c))),
            rounding: rounding_text(&d.rounding, unit_of(d)),
            lifetime_limit: d.lifetime_limit.as_ref().map(|l| LifetimeLimitJson {
                lifetime: l.lifetime.to_string(),
                after_cardiac_radiation: l.after_cardiac_radiation.map(|a| a.to_string()),
                source: l.source.clone(),
            }),
            renal: d.renal.as_ref().map(|r| RenalJson {
                required: r.required,
                flag_below_ml_min: r.flag_below.map(|f| tidy(ml_per_min(f))),
                note: r.note.clone(),
                source: r.source.clone(),
            }),
            instruction: match &d.dosing {
                Dosing::Instruction(t) => Some(t.clone()),
                _ => None,
            },
            premedicates: d.premedicates.clone(),
            times_minutes: match &d.timing {
                Some(Timing::From { minutes, .. }) => Some(minutes.clone()),
                _ => None,
            },
            times_from: match &d.timing {
                Some(Timing::From { drug, .. }) => Some(drug.clone()),
                _ => None,
            },
            times_a_day: match &d.timing {
                Some(Timing::TimesADay(n)) => Some(*n),
                _ => None,
            },
            timing: d.timing.as_ref().map(crate::render::regimen::timing_text),
            note: d.note.clone(),
            requires: d.requires.iter().map(|v| v.id().to_owned()).collect(),
            days_confirmed: d.days_confirmed,
            rules: d
                .rules
                .iter()
                .map(|r| RuleDefJson {
                    kind: r.kind.id(),
                    set: r.set.clone(),
                    days: r.days.clone(),
                    when: r.when_written.clone(),
                    then: r.then.to_string(),
                    source: r.source.clone(),
                    note: r.note.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct CycleJson {
    length_days: u32,
    cycles: String,
    planned: Option<u32>,
}

#[derive(Serialize)]
struct SupportiveJson {
    hydration: Option<String>,
    premedication: Vec<String>,
    antiemetics: Option<String>,
    growth_factor: Option<String>,
    monitoring: Vec<String>,
    other: Vec<String>,
}

impl From<&Supportive> for SupportiveJson {
    fn from(s: &Supportive) -> Self {
        SupportiveJson {
            hydration: s.hydration.clone(),
            premedication: s.premedication.clone(),
            antiemetics: s.antiemetics.clone(),
            growth_factor: s.growth_factor.clone(),
            monitoring: s.monitoring.clone(),
            other: s.other.clone(),
        }
    }
}

#[derive(Serialize)]
struct RegimenJson {
    id: String,
    name: String,
    aliases: Vec<String>,
    version: String,
    status: Status,
    status_note: Option<String>,
    last_reviewed: String,
    indications: Vec<String>,
    intent: Vec<Intent>,
    emetogenic_risk: Option<EmetogenicRisk>,
    antiemetic_set: crate::regimen::AntiemeticSet,
    antiemetic_days: Option<Vec<u32>>,
    febrile_neutropenia_risk: Option<FebrileNeutropeniaRisk>,
    notes: Option<String>,
    cycle: CycleJson,
    drugs: Vec<DrugJson>,
    supportive: SupportiveJson,
    sources: Vec<SourceJson>,
    origin: String,
}

/// The regimen as JSON (`regimens show --format json`).
pub fn regimen_json(r: &Regimen, origin: &str) -> Value {
    tree(RegimenJson {
        id: r.id.clone(),
        name: r.name.clone(),
        aliases: r.aliases.clone(),
        version: r.version.clone(),
        status: r.status,
        status_note: r.status_note.clone(),
        last_reviewed: r.last_reviewed.to_string(),
        indications: r.indications.clone(),
        intent: r.intent.clone(),
        emetogenic_risk: r.emetogenic_risk,
        antiemetic_set: r.antiemetic_set,
        antiemetic_days: r.antiemetic_days.clone(),
        febrile_neutropenia_risk: r.febrile_neutropenia_risk,
        notes: r.notes.clone(),
        cycle: CycleJson {
            length_days: r.cycle.length_days,
            cycles: r.cycle.count.to_string(),
            planned: r.cycle.count.planned(),
        },
        drugs: r.drugs.iter().map(Into::into).collect(),
        supportive: SupportiveJson::from(&r.supportive),
        sources: r.sources.iter().map(Into::into).collect(),
        origin: origin.to_owned(),
    })
}

#[derive(Serialize)]
struct RegimenRowJson {
    id: String,
    name: String,
    version: String,
    status: Status,
    cycle_length_days: u32,
    cycles: String,
    drugs: Vec<String>,
}

/// One row per regimen (`regimens list --format json`).
pub fn regimen_list_json<'a>(regimens: impl IntoIterator<Item = &'a Regimen>) -> Value {
    tree(
        regimens
            .into_iter()
            .map(|r| RegimenRowJson {
                id: r.id.clone(),
                name: r.name.clone(),
                version: r.version.clone(),
                status: r.status,
                cycle_length_days: r.cycle.length_days,
                cycles: r.cycle.count.to_string(),
                drugs: r.drugs.iter().map(|d| d.name.clone()).collect(),
            })
            .collect::<Vec<_>>(),
    )
}
