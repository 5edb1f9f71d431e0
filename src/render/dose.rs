//! A cycle's doses as a pharmacist checks them: the words for a
//! prescription and its adjustments, and the dose table as text. (The JSON
//! is in [`super::json`].)

use rust_decimal::Decimal;

use crate::bsa::BsaRounding;
use crate::dose::{
    Adjustment, Administration, AppliedReduction, CapSource, DosePlan, DoseTime, Overridden,
    Prescription,
};
use crate::quantity::{DoseUnit, cm, kg, m2, mg_per_dl, ml_per_min, years};
use crate::regimen::{DosePer, Regimen, Role};
use crate::render::escape::{visible, visible_lines};
use crate::render::ismp::{drug_display_name, format_decimal, format_number};
use crate::render::regimen::rounding_text;
use crate::render::text_table;
use crate::rounding::round_dp_half_up;

/// What is printed for a dose the regimen leaves to local choice: a blank
/// to fill by hand, never an amount.
pub const LOCAL_BLANK: &str = "______ (local)";

/// A dose with its unit by the display rules: `1,575 mg`, `0.5 mg`, `350 mcg`;
/// a blank to fill for a dose given by local protocol.
pub fn amount(a: &Administration, value: Decimal) -> String {
    if a.instruction().is_some() {
        return LOCAL_BLANK.to_owned();
    }
    format!(
        "{} {}",
        format_decimal(round_dp_half_up(value, 2)),
        a.unit.symbol()
    )
}

/// The adjustments of one administration in words, then the overridden stops
/// that concern it with their reasons; "none" when there are neither.
pub fn adjustments_text(a: &Administration, overridden: &[Overridden]) -> String {
    let overrides = overridden
        .iter()
        .filter(|o| o.stop.concerns(a))
        .map(override_text);
    let all: Vec<String> = a
        .adjustments
        .iter()
        .map(|x| adjustment_text(x, a.unit))
        .chain(overrides)
        .collect();
    if all.is_empty() {
        "none".to_owned()
    } else {
        all.join("; ")
    }
}

/// "line 2 not counted", "lines 1, 3 not counted".
pub fn uncounted_text(lines: &[u32]) -> String {
    let list: Vec<String> = lines.iter().map(u32::to_string).collect();
    format!(
        "history line{} {} not counted",
        if list.len() == 1 { "" } else { "s" },
        list.join(", ")
    )
}

/// An overridden stop beside a dose: "override status-withdrawn: &lt;reason&gt;".
pub fn override_text(o: &Overridden) -> String {
    format!("override {}: {}", o.stop.code(), o.reason)
}

/// The overridden stops in full, one line each, for the header of a plan:
/// "status-withdrawn (olaratumab-doxorubicin is WITHDRAWN: ...): &lt;reason&gt;".
pub fn overridden_lines(overridden: &[Overridden]) -> Vec<String> {
    overridden
        .iter()
        .map(|o| format!("{} ({}): {}", o.stop.code(), o.stop, o.reason))
        .collect()
}

/// One adjustment in words, with its size: "dose level -1 (75 mg/m²): 182 →
/// 136.5 mg", "rounded to the nearest 1 mg: 136.5 → 137 mg (+0.37%)".
pub fn adjustment_text(adjustment: &Adjustment, unit: DoseUnit) -> String {
    let u = unit.symbol();
    let f = |d: &Decimal| format_decimal(*d);
    match adjustment {
        Adjustment::ReductionLevel {
            level,
            dose,
            from,
            to,
        } => format!("dose level {level} ({dose}): {} → {} {u}", f(from), f(to)),
        Adjustment::ReductionPercent { percent, from, to } => format!(
            "reduced by {}%: {} → {} {u}",
            f(&percent.value()),
            f(from),
            f(to)
        ),
        Adjustment::BsaCap {
            bsa_m2,
            cap_m2,
            source,
            from,
            to,
        } => format!(
            "BSA capped at {} m² ({}; BSA {} m²): {} → {} {u}",
            f(cap_m2),
            cap_source_text(*source),
            f(bsa_m2),
            f(from),
            f(to)
        ),
        Adjustment::MaxSingleDose { max, from, to } => {
            format!(
                "maximum single dose {} {u}: {} → {} {u}",
                f(max),
                f(from),
                f(to)
            )
        }
        Adjustment::GfrCap {
            gfr_ml_min,
            used_ml_min,
        } => format!(
            "GFR capped at {} mL/min (was {} mL/min)",
            f(used_ml_min),
            f(gfr_ml_min)
        ),
        Adjustment::Rule {
            rule,
            level,
            from,
            to,
        } => {
            let action = match level {
                Some(l) => format!("dose level {l}"),
                None => crate::render::rules::action_text(&rule.rule.then),
            };
            format!(
                "{}: {} → {action} ({}): {} → {} {u}",
                crate::render::rules::kind_text(rule.rule.kind),
                crate::render::rules::readings_text(rule),
                rule.rule.source,
                f(from),
                f(to)
            )
        }
        Adjustment::Rounding {
            rule,
            from,
            to,
            deviation_percent,
            held_under_cap,
        } => {
            let sign = if *deviation_percent > Decimal::ZERO {
                "+"
            } else {
                ""
            };
            let held = if *held_under_cap {
                ", held under the cap"
            } else {
                ""
            };
            format!(
                "rounded {}: {} → {} {u} ({sign}{}%{held})",
                rounding_text(rule, unit),
                f(from),
                f(to),
                f(deviation_percent)
            )
        }
    }
}

/// The BSA rounding policy in words: "rounded half up to 2 decimals".
pub fn bsa_rounding_text(r: BsaRounding) -> String {
    match r {
        BsaRounding::None => "not rounded".to_owned(),
        BsaRounding::Decimals(1) => "rounded half up to 1 decimal".to_owned(),
        BsaRounding::Decimals(n) => format!("rounded half up to {n} decimals"),
    }
}

/// The BSA rounding of a plan in words, with the change it made when it
/// moved the BSA: "rounded half up to 2 decimals, +0.1%". Every per-m²
/// dose moves by that change, with no adjustment of its own.
pub fn bsa_rounding_change_text(b: &crate::bsa::BodySurfaceArea) -> String {
    let change = b.rounding_change_percent();
    let policy = bsa_rounding_text(b.rounding);
    if change.is_zero() {
        policy
    } else {
        let sign = if change > Decimal::ZERO { "+" } else { "" };
        format!("{policy}, {sign}{}%", format_decimal(change))
    }
}

/// Who set a BSA cap: "regimen" or "command line" (the caller's setting).
pub fn cap_source_text(source: CapSource) -> &'static str {
    match source {
        CapSource::Regimen => "regimen",
        CapSource::Options => "command line",
    }
}

/// The dose as prescribed for this cycle: "900 mg/m²", "100 mg/m² → level -1:
/// 75 mg/m²", "20 mg/m² − 20%", "60 mg/m² per cycle over 4 days", "60% of
/// IFOSfamide", or a protocol instruction.
pub fn prescription_text(p: &Prescription) -> String {
    match p {
        Prescription::Own {
            dose,
            per,
            days,
            reduction,
            changed_days,
        } => {
            let mut text = match reduction {
                None => dose.to_string(),
                Some(AppliedReduction::Level {
                    level,
                    dose: level_dose,
                }) => format!("{dose} → level {level}: {level_dose}"),
                Some(AppliedReduction::Percent(p)) => {
                    format!("{dose} − {}%", format_decimal(p.value()))
                }
            };
            if *per == DosePer::Cycle {
                text = format!("{text} per cycle over {days} days");
            }
            if let Some(c) = changed_days {
                text = format!(
                    "{text} on days {} as prescribed (regimen: days {})",
                    crate::render::regimen::days_text(&c.given),
                    crate::render::regimen::days_text(&c.regimen)
                );
            }
            text
        }
        Prescription::Companion { of, percent } => {
            format!("{}% of {}", format_decimal(*percent), drug_display_name(of))
        }
        Prescription::Instruction(text) => text.clone(),
    }
}

/// When in its day one of several doses is given: "at the start of
/// IFOSfamide", "4 h after the start of IFOSfamide", "30 min before
/// trabectedin", "dose 1 of 2 that day".
pub fn time_text(t: &DoseTime) -> String {
    match t {
        DoseTime::From { drug, minutes: 0 } => {
            format!("at the start of {}", drug_display_name(drug))
        }
        DoseTime::From { drug, minutes } if *minutes > 0 => format!(
            "{} after the start of {}",
            duration_text(minutes.unsigned_abs()),
            drug_display_name(drug)
        ),
        DoseTime::From { drug, minutes } => format!(
            "{} before {}",
            duration_text(minutes.unsigned_abs()),
            drug_display_name(drug)
        ),
        DoseTime::OfDay { n, count } => format!("dose {n} of {count} that day"),
    }
}

/// Minutes as "30 min", "4 h", "1 h 30 min".
pub(crate) fn duration_text(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// The prescription of one administration with its time in the day, where
/// the drug is given several times a day: "20% of IFOSfamide, 4 h after the
/// start of IFOSfamide".
pub fn administration_prescribed(a: &Administration) -> String {
    let mut text = prescription_text(&a.prescription);
    // An item of the standard antiemetic set says which set it is from.
    if a.role == Role::Antiemetic
        && a.instruction().is_none()
        && let Some(note) = &a.note
    {
        text = format!("{text}, {note}");
    }
    match &a.time {
        None => text,
        Some(t) => format!("{text}, {}", time_text(t)),
    }
}

/// The patient and the measurements used, one line each.
/// The patient and the measurements used, one line each. The first names the date height and weight were measured, where given:
/// "Patient: height 170 cm, weight 70 kg (measured 2026-12-01), female".
pub fn patient_lines(plan: &DosePlan) -> Vec<String> {
    let p = &plan.patient;
    let mut first = format!(
        "Patient: height {} cm, weight {} kg",
        format_number(cm(p.height), 2),
        format_number(kg(p.weight), 3)
    );
    if let Some(d) = p.measured_on {
        first.push_str(&format!(" (measured {})", d.format("%Y-%m-%d")));
    }
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
        if let Some(d) = p.serum_creatinine_on {
            first.push_str(&format!(" (measured {})", d.format("%Y-%m-%d")));
        }
    }
    let b = &plan.bsa;
    let mut lines = vec![
        first,
        format!(
            "BSA ({}): {} m², {} m² used for dosing ({})",
            b.formula.name(),
            format_number(m2(b.unrounded), 4),
            format_number(m2(b.used), 4),
            bsa_rounding_change_text(b)
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

/// The verdict of a plan whose clinical rules did not all pass, in words:
/// "DAY 8 NOT CHECKED: ..."; `None` for PROCEED or a regimen without rules.
pub fn verdict_words(a: &crate::dose::Assessment) -> Option<String> {
    use crate::rules::Verdict;
    let what = match a.verdict {
        Verdict::Proceed => return None,
        Verdict::Modify => "MODIFY: a clinical rule changed a dose (shown beside it)",
        Verdict::NotChecked => {
            "NOT CHECKED: a result the criteria need was not given or is stale; check it before giving"
        }
        Verdict::Hold => "HOLD: a criterion failed (given only with the reason shown)",
    };
    if a.drugs.is_empty() {
        return None;
    }
    Some(format!("DAY {} {what}", a.day))
}

/// A banner for a plan whose clinical rules did not all pass: "*** DAY 8
/// NOT CHECKED: ... ***"; `None` for PROCEED or a regimen without rules.
pub fn verdict_banner(a: &crate::dose::Assessment) -> Option<String> {
    verdict_words(a).map(|w| format!("*** {w} ***"))
}

/// The regimen line of a plan: "Gemcitabine-docetaxel (gemcitabine-docetaxel
/// v1.2): cycle 1 of 8, every 21 days". Raw: each format escapes it.
pub fn plan_title(plan: &DosePlan, regimen: &Regimen) -> String {
    let course = plan
        .planned_cycles
        .map_or_else(String::new, |n| format!(" of {n}"));
    format!(
        "{} ({} v{}): cycle {}{course}, every {} days",
        regimen.name, regimen.id, regimen.version, plan.cycle, regimen.cycle.length_days
    )
}

/// "STATUS: WITHDRAWN" for a regimen whose status needs attention.
pub fn status_words(regimen: &Regimen) -> Option<String> {
    regimen
        .status
        .needs_attention()
        .then(|| format!("STATUS: {}", regimen.status.id().to_uppercase()))
}

/// The headers of the dose table; a Check column where the regimen has
/// clinical rules.
pub fn administration_headers(plan: &DosePlan) -> Vec<&'static str> {
    let mut headers = vec![
        "Day",
        "Drug",
        "Prescribed",
        "Calculated",
        "Final dose",
        "Route",
        "Infusion",
        "Adjustments",
    ];
    if !plan.assessment.drugs.is_empty() {
        headers.push("Check");
    }
    headers
}

/// One row per administration, the cells of [`administration_headers`]:
/// raw text, each format escapes it.
pub fn administration_rows(plan: &DosePlan) -> Vec<Vec<String>> {
    // A Check column where the regimen has clinical rules: the day
    // assessed stamped with its verdict beside its dose.
    let checked = !plan.assessment.drugs.is_empty();
    plan.administrations
        .iter()
        .map(|a| {
            let adj = adjustments_text(a, &plan.overridden);
            let mut row = vec![
                a.day.to_string(),
                drug_display_name(&a.drug),
                administration_prescribed(a),
                amount(a, a.calculated),
                amount(a, a.final_dose),
                a.route.clone(),
                a.infusion.clone().unwrap_or_else(|| "-".to_owned()),
                adj,
            ];
            if checked {
                let has_rules = plan.assessment.drugs.iter().any(|d| d.drug == a.drug);
                row.push(if a.verdict.is_none() && has_rules {
                    // Another day of the cycle: its criteria are judged on it.
                    format!("judged on day {}", a.day)
                } else {
                    crate::render::rules::check_text(a.verdict, &a.criteria)
                });
            }
            row
        })
        .collect()
}

/// The headers of the totals table.
pub const TOTALS_HEADERS: [&str; 4] = [
    "Drug",
    "This cycle",
    "Course",
    "Lifetime (cumulative of limit)",
];

/// One row per drug: this cycle, the planned course and the lifetime limit.
pub fn totals_rows(plan: &DosePlan) -> Vec<Vec<String>> {
    plan.totals
        .iter()
        .map(|t| {
            let u = t.unit.symbol();
            let per_m2 = |v: Option<Decimal>| {
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
                _ => "no planned course (give the number of cycles)".to_owned(),
            };
            let limit = t.limit.as_ref().map_or_else(
                || "-".to_owned(),
                |l| {
                    if l.uncounted_lines.is_empty() {
                        format!(
                            "{} of {} {} ({}%, {} remaining)",
                            format_decimal(l.cumulative),
                            format_decimal(l.limit_value),
                            crate::render::messages::limit_unit_text(l.unit),
                            format_decimal(l.percent_of_limit),
                            format_decimal(l.remaining)
                        )
                    } else {
                        format!(
                            "at least {} of {} {} (remaining unknown: {})",
                            format_decimal(l.cumulative),
                            format_decimal(l.limit_value),
                            crate::render::messages::limit_unit_text(l.unit),
                            uncounted_text(&l.uncounted_lines)
                        )
                    }
                },
            );
            vec![
                drug_display_name(&t.drug),
                format!(
                    "{} {u}{}",
                    format_decimal(round_dp_half_up(t.cycle_total, 2)),
                    per_m2(t.cycle_total_per_m2)
                ),
                course,
                limit,
            ]
        })
        .collect()
}

/// The heading of the overridden stops, in every format.
pub const OVERRIDDEN_HEADING: &str = "Overridden stops (given anyway, with the reason)";

/// The plan as text: header, one row per drug per day, totals, warnings.
pub fn dose_text(plan: &DosePlan, regimen: &Regimen) -> String {
    dose_text_from(plan, regimen, None)
}

/// [`dose_text`] with the regimen file it came from under the regimen line
/// (`render::provenance`).
pub fn dose_text_from(
    plan: &DosePlan,
    regimen: &Regimen,
    source: Option<&crate::regimen::RegimenSource>,
) -> String {
    let mut out = String::new();
    out.push_str(&visible(&plan_title(plan, regimen)));
    out.push('\n');
    for l in source
        .map(crate::render::provenance::source_lines)
        .unwrap_or_default()
    {
        out.push_str(&l);
        out.push('\n');
    }
    if let Some(status) = status_words(regimen) {
        out.push_str(&format!("*** {status} ***\n"));
    }
    if let Some(banner) = verdict_banner(&plan.assessment) {
        out.push_str(&banner);
        out.push('\n');
    }
    for l in patient_lines(plan) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&text_table(
        &administration_headers(plan),
        &administration_rows(plan),
    ));
    out.push_str("\nTotals\n");
    out.push_str(&text_table(&TOTALS_HEADERS, &totals_rows(plan)));
    let assessment = crate::render::rules::assessment_lines(&plan.assessment);
    if !assessment.is_empty() {
        out.push('\n');
        for l in assessment {
            out.push_str(&l);
            out.push('\n');
        }
    }
    if !plan.overridden.is_empty() {
        out.push_str(&format!("\n{OVERRIDDEN_HEADING}\n"));
        for l in overridden_lines(&plan.overridden) {
            out.push_str(&format!("  ! {l}\n"));
        }
    }
    if !plan.warnings.is_empty() {
        out.push_str("\nWarnings\n");
        for w in &plan.warnings {
            out.push_str(&format!("  ! {w}\n"));
        }
    }
    // The second defence: no control character reaches the terminal.
    visible_lines(&out).into_owned()
}
