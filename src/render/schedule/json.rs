//! The schedule as JSON (documented in `docs/output-json.md`), through wire
//! structs of its own; the patient, BSA and renal blocks are those of `dose`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::{RenderContext, dose_change_text};
use crate::dose::{Overridden, Warning};
use crate::quantity::{DoseBasis, DoseUnit};
use crate::regimen::{Role, Status};
use crate::render::dose::prescription_text;
use crate::render::ismp::drug_display_name;
use crate::render::json::{
    AdjustmentJson, AdministrationOverrideJson, BsaJson, DoseWeightJson, LimitJson, OverrideJson,
    PatientJson, RenalJson, RuleJson, SourceJson, WarningJson, overrides_of, tree, verdict_id,
    warnings_json,
};
use crate::rounding::tidy;
use crate::schedule::{CumulativeDose, Schedule, ScheduledAdministration, ScheduledCycle};

#[derive(Serialize)]
struct RegimenJson {
    id: String,
    name: String,
    version: String,
    status: Status,
    status_note: Option<String>,
    cycle_length_days: u32,
    sources: Vec<SourceJson>,
}

/// A laboratory result the schedule was judged with: the value in the lab's
/// canonical unit (or a multiple of the ULN), the ULN given with it, the
/// date taken (`null`: taken as the treatment date).
#[derive(Serialize)]
struct LabJson {
    lab: &'static str,
    value: Option<f64>,
    unit: &'static str,
    times_uln: Option<f64>,
    uln: Option<f64>,
    date: Option<NaiveDate>,
}

impl From<&crate::labs::LabResult> for LabJson {
    fn from(r: &crate::labs::LabResult) -> Self {
        let (value, times_uln) = match r.value {
            crate::quantity::LabValue::Measured(x) => (Some(tidy(x)), None),
            crate::quantity::LabValue::TimesUln(x) => (None, Some(tidy(x))),
        };
        LabJson {
            lab: r.lab.id(),
            value,
            unit: r.lab.unit(),
            times_uln,
            uln: r.uln.map(tidy),
            date: r.date,
        }
    }
}

#[derive(Serialize)]
struct AdministrationJson<'a> {
    date: NaiveDate,
    weekend: bool,
    holiday: bool,
    day: i32,
    drug: &'a str,
    display_name: String,
    role: Role,
    prescribed: String,
    basis: Option<DoseBasis>,
    unit: DoseUnit,
    calculated: Decimal,
    final_dose: Decimal,
    adjustments: Vec<AdjustmentJson<'a>>,
    overrides: Vec<AdministrationOverrideJson>,
    verdict: Option<&'static str>,
    criteria: Vec<RuleJson<'a>>,
    route: &'a str,
    infusion: Option<&'a str>,
    note: Option<&'a str>,
    instruction: Option<&'a str>,
    time: Option<crate::render::json::TimeJson<'a>>,
}

impl<'a> AdministrationJson<'a> {
    fn new(s: &'a ScheduledAdministration, overridden: &[Overridden]) -> Self {
        let a = &s.administration;
        AdministrationJson {
            date: s.date,
            weekend: s.weekend,
            holiday: s.holiday,
            day: a.day,
            drug: &a.drug,
            display_name: drug_display_name(&a.drug),
            role: a.role,
            prescribed: prescription_text(&a.prescription),
            basis: a.basis(),
            unit: a.unit,
            calculated: a.calculated,
            final_dose: a.final_dose,
            adjustments: crate::render::json::adjustments_of(a),
            overrides: overrides_of(a, overridden),
            verdict: a.verdict.map(verdict_id),
            criteria: a.criteria.iter().map(RuleJson::from).collect(),
            route: &a.route,
            infusion: a.infusion.as_deref(),
            note: a.note.as_deref(),
            instruction: a.instruction(),
            time: a.time.as_ref().map(crate::render::json::TimeJson::new),
        }
    }
}

#[derive(Serialize)]
struct CumulativeJson {
    drug: String,
    display_name: String,
    unit: DoseUnit,
    total: Decimal,
    total_per_m2: Option<Decimal>,
    limit: Option<LimitJson>,
}

impl From<&CumulativeDose> for CumulativeJson {
    fn from(c: &CumulativeDose) -> Self {
        CumulativeJson {
            drug: c.drug.clone(),
            display_name: drug_display_name(&c.drug),
            unit: c.unit,
            total: c.total,
            total_per_m2: c.total_per_m2,
            limit: c.limit.as_ref().map(LimitJson::from),
        }
    }
}

#[derive(Serialize)]
struct CycleJson<'a> {
    number: u32,
    start: NaiveDate,
    delay_days: u32,
    dose_changes: Vec<String>,
    administrations: Vec<AdministrationJson<'a>>,
    cumulative: Vec<CumulativeJson>,
}

impl<'a> CycleJson<'a> {
    fn new(c: &'a ScheduledCycle, overridden: &[Overridden]) -> Self {
        CycleJson {
            number: c.number,
            start: c.start,
            delay_days: c.delay_days,
            dose_changes: c.dose_changes.iter().map(dose_change_text).collect(),
            administrations: c
                .administrations
                .iter()
                .map(|a| AdministrationJson::new(a, overridden))
                .collect(),
            cumulative: c.cumulative.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize)]
struct ScheduleJson<'a> {
    patient_id: Option<String>,
    regimen: RegimenJson,
    regimen_source: Option<crate::render::provenance::RegimenSourceJson>,
    patient: PatientJson,
    bsa: BsaJson,
    renal: RenalJson,
    dose_weight: Option<DoseWeightJson>,
    labs: Vec<LabJson>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    cycles: Vec<CycleJson<'a>>,
    warnings: Vec<WarningJson>,
    overrides: Vec<OverrideJson>,
}

/// JSON: regimen, patient block (as in `dose`), cycles with dated
/// administrations and cumulative doses, warnings.
pub fn schedule_json(s: &Schedule, ctx: &RenderContext) -> Value {
    let warnings: &[Warning] = &s.warnings;
    tree(ScheduleJson {
        patient_id: ctx.patient_id.clone(),
        regimen: RegimenJson {
            id: s.regimen.id.clone(),
            name: s.regimen.name.clone(),
            version: s.regimen.version.clone(),
            status: s.regimen.status,
            status_note: s.regimen.status_note.clone(),
            cycle_length_days: s.regimen.cycle_length_days,
            sources: s.regimen.sources.iter().map(Into::into).collect(),
        },
        regimen_source: ctx.regimen_source.as_ref().map(Into::into),
        patient: PatientJson::from(&s.patient),
        bsa: BsaJson::from(&s.bsa),
        renal: RenalJson::from(&s.renal),
        dose_weight: crate::render::json::dose_weight_json(s.dose_weight),
        labs: s.labs.iter().map(LabJson::from).collect(),
        start: s.cycles.first().map(|c| c.start),
        end: s.last_date(),
        cycles: s
            .cycles
            .iter()
            .map(|c| CycleJson::new(c, &s.overridden))
            .collect(),
        warnings: warnings_json(warnings),
        overrides: s.overridden.iter().map(Into::into).collect(),
    })
}
