//! The JSON of `order verify`: wire structs with stable field names
//! (documented in `docs/output-json.md`, "order verify").

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::tree;
use crate::order::{Severity, Verification};
use crate::quantity::{cm, kg, m2, mg_per_dl};
use crate::render::ismp::drug_display_name;
use crate::render::order::{RecordContext, finding_text, resolution_text};
use crate::rounding::{round_dp_half_up, to_decimal};

#[derive(Serialize)]
struct Output<'a> {
    format: &'static str,
    chemodose_version: &'a str,
    checked_at: Option<String>,
    orders: Vec<OrderOut>,
    unreadable: Vec<Unreadable>,
}

#[derive(Serialize)]
struct Unreadable {
    file: String,
    message: String,
}

#[derive(Serialize)]
struct OrderOut {
    file: String,
    order_id: String,
    verdict: &'static str,
    patient: PatientOut,
    regimen: RegimenOut,
    cycle: u32,
    days: Vec<u32>,
    planned_date: String,
    written: String,
    prescriber: String,
    measurements: MeasurementsOut,
    lines: Vec<LineOut>,
    findings: Vec<FindingOut>,
    counts: Counts,
}

#[derive(Serialize)]
struct PatientOut {
    name: String,
    mrn: Option<String>,
    date_of_birth: Option<String>,
    sex: Option<String>,
    age_years: Option<u32>,
    allergies: Option<String>,
}

#[derive(Serialize)]
struct RegimenOut {
    id: String,
    name: String,
    version_in_force: String,
    version_ordered: String,
    status: String,
    origin: String,
    sha256: Option<String>,
}

#[derive(Serialize)]
struct MeasurementsOut {
    height_cm: Option<Decimal>,
    height_date: String,
    weight_kg: Option<Decimal>,
    weight_date: String,
    serum_creatinine_mg_dl: Option<Decimal>,
    serum_creatinine_date: Option<String>,
    bsa_used_m2: Option<Decimal>,
    bsa_recomputed_m2: Option<Decimal>,
    bsa_formula: Option<String>,
    weight_used_kg: Option<Decimal>,
}

#[derive(Serialize)]
struct LineOut {
    drug: String,
    drug_display: String,
    day: u32,
    dose_ordered: Option<String>,
    amount_ordered_mg: Decimal,
    independent_mg: Option<Decimal>,
    deviation_percent: Option<Decimal>,
    route: String,
    infusion: Option<String>,
}

#[derive(Serialize)]
struct FindingOut {
    severity: &'static str,
    code: String,
    drug: Option<String>,
    day: Option<u32>,
    message: String,
    source: String,
    resolve: String,
}

#[derive(Serialize)]
struct Counts {
    stop: usize,
    query: usize,
    info: usize,
}

fn dec(x: f64, dp: u32) -> Option<Decimal> {
    to_decimal(x).map(|d| round_dp_half_up(d, dp).normalize())
}

fn order_out(v: &Verification, ctx: &RecordContext) -> OrderOut {
    let o = &v.order;
    let p = &o.patient;
    let count = |s| v.findings.iter().filter(|f| f.severity == s).count();
    OrderOut {
        file: ctx.order_file.clone(),
        order_id: o.id.clone(),
        verdict: v.verdict.id(),
        patient: PatientOut {
            name: p.name.clone(),
            mrn: p.mrn.clone(),
            date_of_birth: p.date_of_birth.map(|d| d.to_string()),
            sex: p.sex.map(|s| s.to_string()),
            age_years: p.age,
            allergies: p.allergies.clone(),
        },
        regimen: RegimenOut {
            id: v.regimen_id.clone(),
            name: v.regimen_name.clone(),
            version_in_force: v.regimen_version.clone(),
            version_ordered: o.regimen_version.clone(),
            status: v.regimen_status.to_string(),
            origin: ctx.regimen_origin.clone(),
            sha256: ctx.regimen_sha256.clone(),
        },
        cycle: o.cycle,
        days: o.days.clone(),
        planned_date: o.date.to_string(),
        written: o.written.to_string(),
        prescriber: o.prescriber.clone(),
        measurements: MeasurementsOut {
            height_cm: dec(cm(p.height.value), 2),
            height_date: p.height.date.to_string(),
            weight_kg: dec(kg(p.weight.value), 3),
            weight_date: p.weight.date.to_string(),
            serum_creatinine_mg_dl: p
                .serum_creatinine
                .as_ref()
                .and_then(|s| dec(mg_per_dl(s.value), 3)),
            serum_creatinine_date: p.serum_creatinine.as_ref().map(|s| s.date.to_string()),
            bsa_used_m2: o.used.bsa.and_then(|b| dec(m2(b), 4)),
            bsa_recomputed_m2: v.plan.as_ref().and_then(|pl| dec(m2(pl.bsa.used), 4)),
            bsa_formula: v.plan.as_ref().map(|pl| pl.bsa.formula.to_string()),
            weight_used_kg: o.used.weight.and_then(|w| dec(kg(w), 3)),
        },
        lines: v
            .lines
            .iter()
            .map(|l| {
                let line = &o.drugs[l.line];
                LineOut {
                    drug: l.drug.clone(),
                    drug_display: drug_display_name(&l.drug),
                    day: l.day,
                    dose_ordered: line.dose.map(|d| d.to_string()),
                    amount_ordered_mg: l.ordered_mg,
                    independent_mg: l.expected_mg,
                    deviation_percent: l.deviation_percent,
                    route: line.route.clone(),
                    infusion: line.infusion.clone(),
                }
            })
            .collect(),
        findings: v
            .findings
            .iter()
            .map(|f| FindingOut {
                severity: f.severity.id(),
                code: f.code.clone(),
                drug: f.drug.clone(),
                day: f.day,
                message: finding_text(f),
                source: f.source.clone(),
                resolve: resolution_text(f),
            })
            .collect(),
        counts: Counts {
            stop: count(Severity::Stop),
            query: count(Severity::Query),
            info: count(Severity::Info),
        },
    }
}

/// Every verified order, and the files that could not be read, as JSON.
pub fn orders_json(
    vs: &[(&Verification, &RecordContext)],
    unreadable: &[(String, String)],
    version: &str,
    checked_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Value {
    tree(Output {
        format: "chemodose-order-verification-1",
        chemodose_version: version,
        checked_at: checked_at.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        orders: vs.iter().map(|(v, c)| order_out(v, c)).collect(),
        unreadable: unreadable
            .iter()
            .map(|(file, message)| Unreadable {
                file: file.clone(),
                message: message.clone(),
            })
            .collect(),
    })
}
