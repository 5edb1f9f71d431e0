//! Order verification in words: each finding, what would resolve it, and
//! the verification record as text and Markdown (HTML in `order_html`,
//! JSON in `json::order`). ISMP figures and tall-man names throughout;
//! every value from an order is escaped for its format.
//!
//! Never does: compute or compare (that is [`crate::order`]).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::escape::markdown;
use super::ismp::{drug_display_name, format_decimal};
use crate::order::{Finding, Issue, LineCheck, Severity, Verification};
use crate::quantity::{cm, kg, m2};
use crate::rounding::{round_dp_half_up, to_decimal};

/// What the record says besides the verification: the order file, the
/// regimen file and its hash, the program, the time of the check.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordContext {
    /// The order file as named.
    pub order_file: String,
    /// Where the regimen came from (`bundled:doxorubicin.toml`, a path).
    pub regimen_origin: String,
    /// SHA-256 of the regimen file's bytes, hex.
    pub regimen_sha256: Option<String>,
    /// chemodose's version.
    pub chemodose_version: String,
    /// When the check was made; `None` prints no time.
    pub checked_at: Option<DateTime<Utc>>,
}

/// An amount in mg with its unit, ISMP style: "1,494 mg".
pub fn mg_text(mg: Decimal) -> String {
    format!("{} mg", format_decimal(round_dp_half_up(mg, 3)))
}

/// A signed percent: "+10.29 %", "-3 %".
pub fn percent_text(p: Decimal) -> String {
    let sign = if p.is_sign_positive() && !p.is_zero() {
        "+"
    } else {
        ""
    };
    format!("{sign}{} %", format_decimal(p))
}

fn drug(d: &str) -> String {
    drug_display_name(d)
}

fn days_text(days: &[u32]) -> String {
    days.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The finding in words (one sentence, no source).
pub fn finding_text(f: &Finding) -> String {
    match &f.issue {
        Issue::DoseDeviation {
            percent,
            ordered_mg,
            expected_mg,
            reason,
        } => {
            let reason = reason
                .as_ref()
                .map(|r| format!("; reason stated: \"{r}\""))
                .unwrap_or_default();
            format!(
                "{} day {}: ordered {} against the independent {} ({}){reason}",
                drug(f.drug.as_deref().unwrap_or("")),
                f.day.unwrap_or(0),
                mg_text(*ordered_mg),
                mg_text(*expected_mg),
                percent_text(*percent)
            )
        }
        Issue::PerDayPerCycle {
            ordered_mg,
            daily_mg,
            cycle_mg,
            days,
        } => format!(
            "PER-DAY vs PER-CYCLE CONFUSION: {} day {} is ordered {}, the whole cycle's total ({} over {days} days); the daily dose is {}",
            drug(f.drug.as_deref().unwrap_or("")),
            f.day.unwrap_or(0),
            mg_text(*ordered_mg),
            mg_text(*cycle_mg),
            mg_text(*daily_mg)
        ),
        Issue::DosePerDayIsCycleDose {
            ordered,
            daily,
            days,
        } => format!(
            "PER-DAY vs PER-CYCLE CONFUSION: {} is ordered {ordered} a day, the per-cycle dose ({daily} a day × {days} days)",
            drug(f.drug.as_deref().unwrap_or(""))
        ),
        Issue::BsaDiffers {
            used_m2,
            recomputed_m2,
            percent,
        } => format!(
            "the BSA used, {} m², differs from the recomputed {} m² ({})",
            format_decimal(*used_m2),
            format_decimal(*recomputed_m2),
            percent_text(*percent)
        ),
        Issue::BsaFormulaDiffers { stated, used } => format!(
            "the order names the BSA formula \"{stated}\"; the independent calculation uses {used}"
        ),
        Issue::WeightDiffers {
            used_kg,
            measured_kg,
            percent,
        } => format!(
            "the weight used, {} kg, differs from the latest measurement, {} kg ({})",
            format_decimal(*used_kg),
            format_decimal(*measured_kg),
            percent_text(*percent)
        ),
        Issue::StaleMeasurement {
            what,
            date,
            age_days,
            max_days,
        } => format!(
            "the {what} of {date} is {age_days} days old on the planned date (at most {max_days} days)"
        ),
        Issue::FutureMeasurement { what, date } => {
            format!("the {what} is dated {date}, after the planned date")
        }
        Issue::MissingDrug { drug: d, days } => format!(
            "{} (day {}) is in the regimen but not on the order",
            drug(d),
            days_text(days)
        ),
        Issue::MissingCompanion { drug: d, of } => format!(
            "{} is not ordered with {}: it is mandatory with it",
            drug(d),
            drug(of)
        ),
        Issue::ExtraDrug { drug: d } => {
            format!("{} is not in the regimen", drug(d))
        }
        Issue::DuplicateDrug { drug: d } => format!("{} is ordered on two lines", drug(d)),
        Issue::Route {
            drug: d,
            ordered,
            regimen,
        } => format!(
            "{} is ordered {ordered}; the regimen gives it {regimen}",
            drug(d)
        ),
        Issue::VincaNotIv { drug: d, route } => format!(
            "{} is ordered {route}: a vinca alkaloid is given INTRAVENOUSLY ONLY (fatal by other routes)",
            drug(d)
        ),
        Issue::DayNotInCycle {
            drug: d,
            day,
            length,
        } => format!(
            "{} is ordered on day {day}, outside the {length}-day cycle",
            drug(d)
        ),
        Issue::DayNotInRegimen {
            drug: d,
            day,
            regimen_days,
        } => format!(
            "{} is ordered on day {day}; the regimen gives it on day {} (within this order's days)",
            drug(d),
            days_text(regimen_days)
        ),
        Issue::DayMissing { drug: d, day } => format!(
            "{} is not ordered on day {day}, a day of the regimen this order covers",
            drug(d)
        ),
        Issue::DaysStated { drug: d, days } => format!(
            "{}: the source gives no day list; the prescriber's days {} are used",
            drug(d),
            days_text(days)
        ),
        Issue::Infusion {
            drug: d,
            ordered,
            regimen,
        } => match ordered {
            Some(o) => format!(
                "{} infusion ordered over {o}; the regimen gives {regimen}",
                drug(d)
            ),
            None => format!(
                "{}: no infusion time on the order; the regimen gives {regimen}",
                drug(d)
            ),
        },
        Issue::RegimenVersion { ordered, in_force } => format!(
            "the order was written against regimen version {ordered}; the version in force is {in_force}"
        ),
        Issue::EngineStop(s) => s.to_string(),
        Issue::EngineWarning(w) => w.to_string(),
        Issue::RulesVerdict {
            drug: d,
            verdict,
            rules,
        } => {
            let rules: Vec<String> = rules.iter().map(super::rules::result_text).collect();
            format!(
                "{} {}: {}",
                drug(d),
                super::rules::verdict_text(*verdict),
                rules.join("; ")
            )
        }
        Issue::LaterDayCriteria {
            drug: d,
            days,
            assessed,
        } => format!(
            "{}: the treatment-day criteria of day {} are judged on that day, with that day's results (this check judged day {assessed})",
            drug(d),
            days_text(days)
        ),
        Issue::NotComputed { error } => {
            format!("the independent calculation could not be made: {error}")
        }
        Issue::HistoryPatient {
            history_id,
            id_matches,
            mrn_differs,
            name_differs,
            sex_differs,
            birth_year_differs,
        } => {
            let mut why = Vec::new();
            if !id_matches {
                why.push(format!(
                    "its patient id `{history_id}` is neither the order's MRN nor its name"
                ));
            }
            if *mrn_differs {
                why.push("its MRN differs".to_owned());
            }
            if *name_differs {
                why.push("its patient name differs".to_owned());
            }
            if *sex_differs {
                why.push("its sex differs".to_owned());
            }
            if *birth_year_differs {
                why.push("its year of birth differs".to_owned());
            }
            format!(
                "the treatment history may be another patient's: {}",
                why.join("; ")
            )
        }
        Issue::HistoryWarning { words } => words.clone(),
        Issue::AllergiesNotRecorded => {
            "allergies are not recorded (write \"nil known\" when there are none)".to_owned()
        }
    }
}

/// What would resolve a finding.
pub fn resolution_text(f: &Finding) -> String {
    let code = f.code.as_str();
    let text = match code {
        "dose-agrees" => "nothing: within the agreement threshold (rounding)",
        "dose-deviation" if f.severity == Severity::Info => {
            "nothing further: the stated reason is recorded"
        }
        "dose-deviation" => {
            "the prescriber states the reason (a dose level or percent on the line), or corrects the amount"
        }
        "dose-deviation-over" => {
            "the prescriber corrects the amount, or orders the intended reduction as a dose level"
        }
        "per-day-per-cycle" => {
            "the prescriber rewrites the dose as the amount per day, with its days"
        }
        "bsa-formula-differs" => {
            "the prescriber recalculates with the site's formula (order verify --formula; Mosteller by default)"
        }
        "bsa-differs" | "weight-differs" => {
            "the prescriber recalculates from the latest height and weight"
        }
        "vinca-not-iv" => {
            "the order is rewritten for IV administration (minibag); never given by another route"
        }
        "route-differs" => "the prescriber confirms the route",
        "infusion-differs" | "infusion-missing" => {
            "the prescriber states the protocol's infusion time"
        }
        "extra-drug" => "the drug is ordered separately, or removed",
        "duplicate-drug" => "one line per drug",
        "missing-drug" => "the prescriber adds the drug or states why it is left out",
        "companion-missing" => "the prescriber adds the companion (mesna) at the protocol's dose",
        "day-not-in-cycle" => "the prescriber corrects the day",
        "day-not-in-regimen" | "day-missing" => {
            "the prescriber corrects the days, or states why they differ"
        }
        "days-stated" => "nothing: the days used are shown",
        "regimen-version" => "the order is rewritten against the version in force",
        "allergies-not-recorded" => "record the allergies, or \"nil known\"",
        "history-patient" => {
            "use this patient's history (its id is the order's MRN), or correct the order's identifiers"
        }
        "not-computed" => "correct what the calculation needs (shown above) and verify again",
        "weight-change" => {
            "recalculate from today's weight, or the prescriber acknowledges the change"
        }
        _ if code.starts_with("stale-") || code.starts_with("future-") => {
            "a new measurement, dated, before the dose"
        }
        _ if code.starts_with("not-checked-") => {
            "recent results of the inputs named, then verify again"
        }
        _ if code.starts_with("rules-modify-") => "nothing: the changed dose is the one compared",
        _ if code.starts_with("later-day-criteria-") => {
            "check the criteria on the day, before the dose (the printed schedule lists them)"
        }
        _ if code.starts_with("missing-") => "the input named, on the order",
        _ if code.starts_with("hold-") => {
            "do not give today: act as the rule says (delay, re-check) and verify a new order with the new results"
        }
        _ if code.starts_with("organ-") || code.starts_with("toxicity-") => {
            "the prescriber reviews the treatment (another regimen, or the site's band table); not given as ordered"
        }
        _ if code.starts_with("status-") && f.severity == Severity::Stop => {
            "an order against an active regimen"
        }
        "per-cycle-ceiling" | "lifetime-limit" => {
            "the prescriber lowers the dose or documents the decision to exceed the limit (signed, with its reason)"
        }
        "prior-incomplete" | "prior-exposure-incomplete" => {
            "confirm the doses given before, then verify again"
        }
        _ if f.severity == Severity::Info => "nothing: recorded",
        _ => {
            "the prescriber resolves it (the stop's code is explained in docs/clinical-rules.md) before anything is prepared"
        }
    };
    text.to_owned()
}

/// "STOP", "QUERY", "info".
pub fn severity_text(s: Severity) -> &'static str {
    match s {
        Severity::Stop => "STOP",
        Severity::Query => "QUERY",
        Severity::Info => "info",
    }
}

/// The patient's identifiers on one line.
pub fn patient_line(v: &Verification) -> String {
    let p = &v.order.patient;
    let mut parts = vec![p.name.clone()];
    if let Some(m) = &p.mrn {
        parts.push(format!("MRN {m}"));
    }
    if let Some(d) = p.date_of_birth {
        parts.push(format!("born {d}"));
    }
    if let Some(s) = p.sex {
        parts.push(s.to_string());
    }
    if let Some(a) = p.age {
        parts.push(format!("{a} years"));
    }
    parts.join(", ")
}

/// The measurements and what was used, one line each.
pub fn measurement_lines(v: &Verification) -> Vec<String> {
    let p = &v.order.patient;
    let mut out = vec![format!(
        "height {} cm ({}); weight {} kg ({})",
        format_decimal(to_decimal(cm(p.height.value)).unwrap_or_default()),
        p.height.date,
        format_decimal(to_decimal(kg(p.weight.value)).unwrap_or_default()),
        p.weight.date
    )];
    if let Some(s) = &p.serum_creatinine {
        out.push(format!("serum creatinine {} ({})", s.as_written, s.date));
    }
    let used_bsa = v
        .order
        .used
        .bsa
        .and_then(|b| to_decimal(m2(b)))
        .map_or("not stated".to_owned(), |b| {
            format!("{} m²", format_decimal(b))
        });
    let recomputed = v.plan.as_ref().map_or("not computed".to_owned(), |p| {
        format!(
            "{} m² ({}, from {} m²)",
            format_decimal(to_decimal(m2(p.bsa.used)).unwrap_or_default()),
            p.bsa.formula,
            format_decimal(round_dp_half_up(
                to_decimal(m2(p.bsa.unrounded)).unwrap_or_default(),
                4
            ))
        )
    });
    out.push(format!(
        "BSA used by the prescriber: {used_bsa}; recomputed: {recomputed}"
    ));
    if let Some(w) = v.order.used.weight.and_then(|w| to_decimal(kg(w))) {
        out.push(format!(
            "weight used by the prescriber: {} kg",
            format_decimal(w)
        ));
    }
    for l in &v.order.labs {
        let value = super::rules::lab_value_text(l.lab, l.value);
        let date = l.date.map(|d| d.to_string()).unwrap_or_default();
        out.push(format!("{} {value} ({date})", l.lab.id()));
    }
    out
}

/// The order line beside the independent calculation, as table cells:
/// drug, day, dose ordered, amount ordered, independent, deviation, route,
/// infusion.
pub fn line_cells(v: &Verification, l: &LineCheck) -> Vec<String> {
    let line = &v.order.drugs[l.line];
    let dose = line.dose.map(|d| d.to_string()).unwrap_or_default();
    let modification = match line.modification {
        Some(crate::order::Modification::Level(n)) => format!(" (level {n})"),
        Some(crate::order::Modification::Percent(p)) => format!(" (-{p})"),
        None => String::new(),
    };
    vec![
        drug(&l.drug),
        l.day.to_string(),
        format!("{dose}{modification}"),
        mg_text(l.ordered_mg),
        l.expected_mg.map_or("-".to_owned(), mg_text),
        l.deviation_percent.map_or("-".to_owned(), percent_text),
        line.route.clone(),
        line.infusion.clone().unwrap_or_default(),
    ]
}

/// How each independent dose was reached (the prescription, the amount
/// calculated and every adjustment: rounding, caps, rules), one line per
/// drug and calculation, its days together: what explains a difference.
pub fn calculation_lines(v: &Verification) -> Vec<String> {
    let mut out: Vec<(String, Vec<u32>, String)> = Vec::new();
    for l in &v.lines {
        let Some(a) = &l.independent else { continue };
        let text = format!(
            "{} → calculated {}, given {}; adjustments: {}",
            super::dose::prescription_text(&a.prescription),
            super::dose::amount(a, a.calculated),
            super::dose::amount(a, a.final_dose),
            super::dose::adjustments_text(a, &[])
        );
        match out.iter_mut().find(|(d, _, t)| *d == l.drug && *t == text) {
            Some((_, days, _)) => days.push(l.day),
            None => out.push((l.drug.clone(), vec![l.day], text)),
        }
    }
    out.into_iter()
        .map(|(d, days, text)| {
            let which = if days.len() == 1 { "day" } else { "days" };
            format!("{} {which} {}: {text}", drug(&d), days_text(&days))
        })
        .collect()
}

/// The headers of [`line_cells`].
pub const LINE_HEADERS: [&str; 8] = [
    "Drug",
    "Day",
    "Dose ordered",
    "Amount ordered",
    "Independent",
    "Deviation",
    "Route",
    "Infusion",
];

/// The summary row of one order: order, patient, regimen, cycle/day,
/// verdict, findings.
pub fn summary_cells(v: &Verification) -> Vec<String> {
    let count = |s| v.findings.iter().filter(|f| f.severity == s).count();
    vec![
        v.order.id.clone(),
        v.order.patient.name.clone(),
        format!("{} {}", v.regimen_id, v.regimen_version),
        format!("C{} D{}", v.order.cycle, days_text(&v.order.days)),
        v.verdict.id().to_owned(),
        format!(
            "{} stop, {} query, {} info",
            count(Severity::Stop),
            count(Severity::Query),
            count(Severity::Info)
        ),
    ]
}

/// The headers of [`summary_cells`].
pub const SUMMARY_HEADERS: [&str; 6] = [
    "Order",
    "Patient",
    "Regimen",
    "Cycle/day",
    "Verdict",
    "Findings",
];

/// "2026-12-01 10:15 UTC" or "(time not recorded)".
pub fn checked_text(ctx: &RecordContext) -> String {
    ctx.checked_at
        .map_or("(time not recorded)".to_owned(), |t| {
            t.format("%Y-%m-%d %H:%M UTC").to_string()
        })
}

/// One order's verification as plain text.
pub fn order_text(v: &Verification, ctx: &RecordContext) -> String {
    let mut out = String::new();
    let o = &v.order;
    out.push_str(&format!("ORDER {}: {}\n", o.id, v.verdict.id()));
    out.push_str(&format!("Patient: {}\n", patient_line(v)));
    out.push_str(&format!(
        "Allergies: {}\n",
        o.patient.allergies.as_deref().unwrap_or("not recorded")
    ));
    out.push_str(&format!(
        "Regimen: {} ({}), version {} in force, {}; ordered against version {}\n",
        v.regimen_name, v.regimen_id, v.regimen_version, v.regimen_status, o.regimen_version
    ));
    out.push_str(&format!(
        "Regimen file: {}{}\n",
        ctx.regimen_origin,
        ctx.regimen_sha256
            .as_ref()
            .map(|h| format!(", SHA-256 {h}"))
            .unwrap_or_default()
    ));
    out.push_str(&format!(
        "Cycle {}, day {}; planned {}; written {} by {}\n",
        o.cycle,
        days_text(&o.days),
        o.date,
        o.written,
        o.prescriber
    ));
    for l in measurement_lines(v) {
        out.push_str(&format!("  {l}\n"));
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = v.lines.iter().map(|l| line_cells(v, l)).collect();
    out.push_str(&super::text_table(&LINE_HEADERS, &rows));
    out.push_str("\nIndependent calculation:\n");
    for l in calculation_lines(v) {
        out.push_str(&format!("  {l}\n"));
    }
    out.push('\n');
    if v.findings.is_empty() {
        out.push_str("Findings: none\n");
    } else {
        out.push_str("Findings:\n");
        for f in &v.findings {
            out.push_str(&format!(
                "  {} [{}] {}\n      source: {}\n      resolve: {}\n",
                severity_text(f.severity),
                f.code,
                finding_text(f),
                f.source,
                resolution_text(f)
            ));
        }
    }
    out.push_str(&format!(
        "\nChecked {} by chemodose {}; thresholds: agrees within {}, reason needed to {}\n",
        checked_text(ctx),
        ctx.chemodose_version,
        v.thresholds.agree,
        v.thresholds.query
    ));
    super::escape::visible_lines(&out).into_owned()
}

/// The summary table of several orders, as text.
pub fn summary_text(vs: &[&Verification]) -> String {
    let rows: Vec<Vec<String>> = vs.iter().map(|v| summary_cells(v)).collect();
    super::text_table(&SUMMARY_HEADERS, &rows)
}

fn md_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| markdown(c)).collect();
    format!("| {} |\n", cells.join(" | "))
}

fn md_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = md_row(&headers.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    out.push_str(&format!("|{}\n", "---|".repeat(headers.len())));
    for r in rows {
        out.push_str(&md_row(r));
    }
    out
}

/// The summary table of several orders, as Markdown.
pub fn summary_md(vs: &[&Verification]) -> String {
    let rows: Vec<Vec<String>> = vs.iter().map(|v| summary_cells(v)).collect();
    format!(
        "# Order verification\n\n{}\n",
        md_table(&SUMMARY_HEADERS, &rows)
    )
}

/// One order's verification record as Markdown.
pub fn order_md(v: &Verification, ctx: &RecordContext) -> String {
    let o = &v.order;
    let mut out = format!("## Order {}: {}\n\n", markdown(&o.id), v.verdict.id());
    let facts = record_facts(v, ctx);
    for (k, val) in facts {
        out.push_str(&format!("- **{k}:** {}\n", markdown(&val)));
    }
    for l in measurement_lines(v) {
        out.push_str(&format!("- {}\n", markdown(&l)));
    }
    out.push_str("\n### Order as written beside the independent calculation\n\n");
    let rows: Vec<Vec<String>> = v.lines.iter().map(|l| line_cells(v, l)).collect();
    out.push_str(&md_table(&LINE_HEADERS, &rows));
    out.push_str("\nIndependent calculation:\n\n");
    for l in calculation_lines(v) {
        out.push_str(&format!("- {}\n", markdown(&l)));
    }
    out.push_str("\n### Findings\n\n");
    if v.findings.is_empty() {
        out.push_str("None.\n");
    } else {
        let rows: Vec<Vec<String>> = v
            .findings
            .iter()
            .map(|f| {
                vec![
                    severity_text(f.severity).to_owned(),
                    f.code.clone(),
                    finding_text(f),
                    f.source.clone(),
                    resolution_text(f),
                ]
            })
            .collect();
        out.push_str(&md_table(
            &["Severity", "Code", "Finding", "Source", "Resolves it"],
            &rows,
        ));
    }
    out.push_str(&format!(
        "\nChecked {} by chemodose {}; agrees within {}, a stated reason up to {}.\n\n",
        markdown(&checked_text(ctx)),
        markdown(&ctx.chemodose_version),
        v.thresholds.agree,
        v.thresholds.query
    ));
    out.push_str("Verifying pharmacist: ______________________  Date/time: __________\n\n");
    out.push_str("Second checker: ______________________  Date/time: __________\n\n");
    out
}

/// The facts heading a verification record, label and text, for the
/// Markdown and HTML records alike.
pub(crate) fn record_facts(v: &Verification, ctx: &RecordContext) -> Vec<(&'static str, String)> {
    let o = &v.order;
    vec![
        ("Patient", patient_line(v)),
        (
            "Allergies",
            o.patient
                .allergies
                .clone()
                .unwrap_or_else(|| "not recorded".to_owned()),
        ),
        (
            "Regimen",
            format!(
                "{} ({}), version {} in force ({}); ordered against {}",
                v.regimen_name,
                v.regimen_id,
                v.regimen_version,
                v.regimen_status,
                o.regimen_version
            ),
        ),
        (
            "Regimen file",
            format!(
                "{}{}",
                ctx.regimen_origin,
                ctx.regimen_sha256
                    .as_ref()
                    .map(|h| format!(", SHA-256 {h}"))
                    .unwrap_or_default()
            ),
        ),
        (
            "Cycle and days",
            format!(
                "cycle {}, day {}; planned {}",
                o.cycle,
                days_text(&o.days),
                o.date
            ),
        ),
        (
            "Prescriber",
            format!("{}, written {}", o.prescriber, o.written),
        ),
        ("Order file", ctx.order_file.clone()),
    ]
}
