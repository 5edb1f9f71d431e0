//! A cycle's doses as a pharmacist checks them: text and JSON.

use serde_json::{Value, json};

use crate::display::{format_decimal, format_number};
use crate::dose::{Administration, DosePlan};
use crate::quantity::{cm, kg, m2, mg_per_dl, ml_per_min, years};
use crate::regimen::Regimen;
use crate::render::text_table;
use crate::rounding::{round_dp_half_up, tidy};

/// A dose with its unit by the display rules: `1,575 mg`, `0.5 mg`, `350 mcg`.
pub fn amount(a: &Administration, value: rust_decimal::Decimal) -> String {
    if a.instruction.is_some() {
        return "per protocol".to_owned();
    }
    format!(
        "{} {}",
        format_decimal(round_dp_half_up(value, 2)),
        a.unit.symbol()
    )
}

/// The adjustments of one administration in words, or "none".
pub fn adjustments_text(a: &Administration) -> String {
    if a.adjustments.is_empty() {
        return "none".to_owned();
    }
    a.adjustments
        .iter()
        .map(|x| x.describe(a.unit))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The patient and the measurements used, one line each.
pub fn patient_lines(plan: &DosePlan) -> Vec<String> {
    let p = &plan.patient;
    let mut first = format!(
        "Patient: height {} cm, weight {} kg",
        format_number(cm(p.height), 2),
        format_number(kg(p.weight), 3)
    );
    if let Some(s) = p.sex {
        first.push_str(&format!(", {s}"));
    }
    if let Some(a) = p.age {
        first.push_str(&format!(", {} years", format_number(years(a), 1)));
    }
    if let Some(c) = p.serum_creatinine {
        first.push_str(&format!(
            ", serum creatinine {} mg/dL",
            format_number(mg_per_dl(c), 3)
        ));
    }
    let b = &plan.bsa;
    let mut lines = vec![
        first,
        format!(
            "BSA ({}): {} m², {} m² used for dosing ({})",
            b.formula.name(),
            format_number(m2(b.unrounded), 4),
            format_number(m2(b.used), 4),
            b.rounding.describe()
        ),
    ];
    if let Some((basis, w)) = plan.dose_weight {
        lines.push(format!(
            "Weight for per-kg doses: {basis} weight, {} kg",
            format_number(kg(w), 2)
        ));
    }
    if let Some(c) = &plan.renal.crcl {
        let floor = if c.creatinine_floored {
            format!(
                "; creatinine raised to the floor of {} mg/dL",
                format_number(mg_per_dl(c.creatinine_used), 3)
            )
        } else {
            String::new()
        };
        lines.push(format!(
            "Creatinine clearance (Cockcroft-Gault, {} weight {} kg{floor}): {} mL/min",
            c.weight_basis,
            format_number(kg(c.weight_used), 2),
            format_number(ml_per_min(c.value), 1)
        ));
    }
    if let Some(g) = plan.renal.gfr_given {
        lines.push(format!(
            "GFR given: {} mL/min",
            format_number(ml_per_min(g), 1)
        ));
    }
    if let Some(c) = &plan.renal.calvert {
        lines.push(format!(
            "Calvert: GFR used {} mL/min{}",
            format_number(ml_per_min(c.gfr_used), 1),
            if c.gfr_capped {
                " (capped at 125 mL/min)"
            } else {
                ""
            }
        ));
    }
    lines
}

/// The plan as text: header, one row per drug per day, totals, warnings.
pub fn dose_text(plan: &DosePlan, regimen: &Regimen) -> String {
    let mut out = String::new();
    let course = plan
        .planned_cycles
        .map_or_else(String::new, |n| format!(" of {n}"));
    out.push_str(&format!(
        "{} ({} v{}): cycle {}{course}, every {} days\n",
        regimen.name, regimen.id, regimen.version, plan.cycle, regimen.cycle.length_days
    ));
    if regimen.status.needs_attention() {
        out.push_str(&format!(
            "*** STATUS: {} ***\n",
            regimen.status.id().to_uppercase()
        ));
    }
    for l in patient_lines(plan) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = plan
        .administrations
        .iter()
        .map(|a| {
            let adj = adjustments_text(a);
            vec![
                a.day.to_string(),
                a.display_name.clone(),
                a.prescribed.clone(),
                amount(a, a.calculated),
                amount(a, a.final_dose),
                a.route.clone(),
                a.infusion.clone().unwrap_or_else(|| "-".to_owned()),
                adj,
            ]
        })
        .collect();
    out.push_str(&text_table(
        &[
            "Day",
            "Drug",
            "Prescribed",
            "Calculated",
            "Final dose",
            "Route",
            "Infusion",
            "Adjustments",
        ],
        &rows,
    ));
    out.push_str("\nTotals\n");
    let rows: Vec<Vec<String>> = plan
        .totals
        .iter()
        .map(|t| {
            let u = t.unit.symbol();
            let per_m2 = |v: Option<rust_decimal::Decimal>| {
                v.map_or(String::new(), |v| {
                    format!(" ({} {u}/m²)", format_decimal(v))
                })
            };
            let course = match (t.course_total, t.course_cycles) {
                (Some(c), Some(n)) => format!(
                    "{} {u} over {n} cycle{}{}",
                    format_decimal(round_dp_half_up(c, 2)),
                    if n == 1 { "" } else { "s" },
                    per_m2(t.course_total_per_m2)
                ),
                _ => "no planned course (give --cycles)".to_owned(),
            };
            let limit = t.limit.as_ref().map_or_else(
                || "-".to_owned(),
                |l| {
                    format!(
                        "{} of {} {} ({}%, {} remaining)",
                        format_decimal(l.cumulative),
                        format_decimal(l.limit_value),
                        l.unit,
                        format_decimal(l.percent_of_limit),
                        format_decimal(l.remaining)
                    )
                },
            );
            vec![
                t.display_name.clone(),
                format!(
                    "{} {u}{}",
                    format_decimal(round_dp_half_up(t.cycle_total, 2)),
                    per_m2(t.cycle_total_per_m2)
                ),
                course,
                limit,
            ]
        })
        .collect();
    out.push_str(&text_table(
        &[
            "Drug",
            "This cycle",
            "Course",
            "Lifetime (cumulative of limit)",
        ],
        &rows,
    ));
    if !plan.warnings.is_empty() {
        out.push_str("\nWarnings\n");
        for w in &plan.warnings {
            out.push_str(&format!("  ! {}\n", w.message));
        }
    }
    out
}

/// The plan as JSON (documented in `docs/output-json.md`).
pub fn dose_json(plan: &DosePlan) -> Value {
    let p = &plan.patient;
    json!({
        "regimen": plan.regimen_id,
        "regimen_version": plan.regimen_version,
        "status": plan.status,
        "cycle": plan.cycle,
        "planned_cycles": plan.planned_cycles,
        "patient": {
            "height_cm": tidy(cm(p.height)),
            "weight_kg": tidy(kg(p.weight)),
            "sex": p.sex,
            "age_years": p.age.map(|a| tidy(years(a))),
            "scr_mg_dl": p.serum_creatinine.map(|c| tidy(mg_per_dl(c))),
        },
        "bsa": {
            "formula": plan.bsa.formula.id(),
            "m2": tidy(m2(plan.bsa.unrounded)),
            "m2_used": tidy(m2(plan.bsa.used)),
            "rounding": plan.bsa.rounding.id(),
        },
        "dose_weight": plan.dose_weight.map(|(b, w)| json!({"basis": b.id(), "kg": tidy(kg(w))})),
        "renal": {
            "crcl_ml_min": plan.renal.crcl.map(|c| tidy(ml_per_min(c.value))),
            "crcl_weight_basis": plan.renal.crcl.map(|c| c.weight_basis.id()),
            "gfr_given_ml_min": plan.renal.gfr_given.map(|g| tidy(ml_per_min(g))),
            "calvert_gfr_used_ml_min": plan.renal.calvert.map(|c| tidy(ml_per_min(c.gfr_used))),
            "calvert_gfr_capped": plan.renal.calvert.map(|c| c.gfr_capped),
        },
        "administrations": plan.administrations.iter().map(|a| json!({
            "day": a.day,
            "drug": a.drug,
            "display_name": a.display_name,
            "role": a.role,
            "prescribed": a.prescribed,
            "basis": a.basis,
            "unit": a.unit,
            "calculated_mg": a.calculated_mg(),
            "final_mg": a.final_mg(),
            "calculated": a.calculated,
            "final_dose": a.final_dose,
            "final": amount(a, a.final_dose),
            "route": a.route,
            "infusion": a.infusion,
            "adjustments": a.adjustments,
            "instruction": a.instruction,
        })).collect::<Vec<_>>(),
        "totals": plan.totals,
        "warnings": plan.warnings,
    })
}
