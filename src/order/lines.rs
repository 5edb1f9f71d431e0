//! The checks of the ordered drug lines against the independent plan:
//! drugs (missing, extra, duplicate, a missing companion), routes (a vinca
//! alkaloid not IV), infusion times, days, the dose deviation tiers and
//! per-day vs per-cycle confusion. Part of [`super::check`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::check::{
    SRC_MESNA, SRC_ORDER, SRC_PER_DAY, SRC_REASON, SRC_THRESHOLDS, SRC_VINCA, Thresholds, VINCAS,
    finding, percent_of,
};
use super::{Finding, Issue, LineCheck, Order, OrderedDrug, Severity};
use crate::dose::DosePlan;
use crate::quantity::PrescribedDose;
use crate::regimen::{DosePer, Dosing, Regimen};
use crate::rounding::to_decimal;

/// Lower case, without spaces: "IV bolus" → "ivbolus".
fn folded(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a route is intravenous ("IV", "intravenous", "IV infusion").
fn is_iv(route: &str) -> bool {
    let r = folded(route);
    r == "iv" || r.starts_with("ivinfusion") || r.starts_with("ivbolus") || r == "intravenous"
}

/// Minutes of an infusion time written "90 min", "1 h", "24 hours", "2h".
fn minutes(s: &str) -> Option<Decimal> {
    let t = folded(s);
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: Decimal = n.parse().ok()?;
    match unit {
        "min" | "mins" | "minute" | "minutes" | "m" => Some(n),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(n * Decimal::from(60)),
        _ => None,
    }
}

/// Every check of the ordered drug lines.
pub(super) fn line_findings(
    order: &Order,
    regimen: &Regimen,
    plan: &DosePlan,
    t: &Thresholds,
    lines: &mut Vec<LineCheck>,
    out: &mut Vec<Finding>,
) {
    let length = regimen.cycle.length_days;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, line) in order.drugs.iter().enumerate() {
        let Some(drug) = regimen.drug(&line.name) else {
            out.push(finding(
                Severity::Stop,
                "extra-drug",
                Some(&line.name),
                None,
                Issue::ExtraDrug {
                    drug: line.name.clone(),
                },
                "the regimen file in force (its drug list)",
            ));
            continue;
        };
        let name = drug.name.to_lowercase();
        if seen.insert(name.clone(), index).is_some() {
            out.push(finding(
                Severity::Query,
                "duplicate-drug",
                Some(&name),
                None,
                Issue::DuplicateDrug {
                    drug: line.name.clone(),
                },
                SRC_ORDER,
            ));
            continue;
        }
        route_checks(line, &name, &drug.route, drug.infusion.as_deref(), out);
        let regimen_days: Vec<u32> = plan
            .administrations
            .iter()
            .filter(|a| a.drug == name)
            // An order's days run from 1; a premedication the day before
            // day 1 is not on its day lists.
            .filter_map(|a| u32::try_from(a.day).ok())
            .collect();
        day_checks(
            order,
            line,
            &name,
            drug.days_confirmed,
            &regimen_days,
            length,
            out,
        );
        for &day in &line.days {
            // An order line is the day's amount: a drug given several times
            // a day is compared with the day's total.
            let independent = plan.day_dose(&name, crate::dose::cycle_day(day));
            // The day's amount: each dose times the doses a day.
            let ordered_mg = line.amount.mg() * Decimal::from(line.times_a_day);
            let expected_mg = independent
                .as_ref()
                .map(crate::dose::Administration::final_mg);
            let deviation = expected_mg.and_then(|e| percent_of(ordered_mg, e));
            lines.push(LineCheck {
                drug: name.clone(),
                day,
                line: index,
                ordered_mg,
                expected_mg,
                deviation_percent: deviation,
                independent,
            });
            let (Some(expected), Some(p)) = (expected_mg, deviation) else {
                continue;
            };
            let total = plan
                .totals
                .iter()
                .find(|d| d.drug == name)
                .map(|d| d.unit.to_mg(d.cycle_total));
            let days = u32::try_from(regimen_days.len()).unwrap_or(u32::MAX);
            if days >= 2
                && let Some(total) = total
                && percent_of(ordered_mg, total).is_some_and(|q| q.abs() <= t.agree.value())
            {
                out.push(finding(
                    Severity::Stop,
                    "per-day-per-cycle",
                    Some(&name),
                    Some(day),
                    Issue::PerDayPerCycle {
                        ordered_mg,
                        daily_mg: expected,
                        cycle_mg: total,
                        days,
                    },
                    SRC_PER_DAY,
                ));
                continue;
            }
            deviation_finding(line, &name, day, ordered_mg, expected, p, t, out);
        }
        per_day_dose_check(line, &name, plan, &regimen_days, out);
    }
    missing_drugs(order, regimen, plan, &seen, out);
}

fn route_checks(
    line: &OrderedDrug,
    name: &str,
    route: &str,
    infusion: Option<&str>,
    out: &mut Vec<Finding>,
) {
    let vinca = VINCAS.iter().any(|v| name.contains(v));
    if vinca && !is_iv(&line.route) {
        out.push(finding(
            Severity::Stop,
            "vinca-not-iv",
            Some(name),
            None,
            Issue::VincaNotIv {
                drug: name.to_owned(),
                route: line.route.clone(),
            },
            SRC_VINCA,
        ));
    } else if folded(&line.route) != folded(route) && !(is_iv(&line.route) && is_iv(route)) {
        out.push(finding(
            Severity::Query,
            "route-differs",
            Some(name),
            None,
            Issue::Route {
                drug: name.to_owned(),
                ordered: line.route.clone(),
                regimen: route.to_owned(),
            },
            "the regimen file in force (the drug's route)",
        ));
    }
    if let Some(regimen) = infusion {
        let same = match &line.infusion {
            None => false,
            Some(o) => match (minutes(o), minutes(regimen)) {
                (Some(a), Some(b)) => a == b,
                _ => folded(o) == folded(regimen),
            },
        };
        if !same {
            out.push(finding(
                Severity::Query,
                if line.infusion.is_some() {
                    "infusion-differs"
                } else {
                    "infusion-missing"
                },
                Some(name),
                None,
                Issue::Infusion {
                    drug: name.to_owned(),
                    ordered: line.infusion.clone(),
                    regimen: regimen.to_owned(),
                },
                "the regimen file in force (the drug's infusion time, from its sources)",
            ));
        }
    }
}

fn day_checks(
    order: &Order,
    line: &OrderedDrug,
    name: &str,
    confirmed: bool,
    regimen_days: &[u32],
    length: u32,
    out: &mut Vec<Finding>,
) {
    for &day in &line.days {
        if day > length {
            out.push(finding(
                Severity::Stop,
                "day-not-in-cycle",
                Some(name),
                Some(day),
                Issue::DayNotInCycle {
                    drug: name.to_owned(),
                    day,
                    length,
                },
                "the regimen file in force (its cycle length)",
            ));
        } else if !order.days.contains(&day) || !regimen_days.contains(&day) {
            out.push(finding(
                Severity::Query,
                "day-not-in-regimen",
                Some(name),
                Some(day),
                Issue::DayNotInRegimen {
                    drug: name.to_owned(),
                    day,
                    regimen_days: regimen_days.to_vec(),
                },
                "the regimen file in force (the drug's days)",
            ));
        }
    }
    for &day in regimen_days {
        if order.days.contains(&day) && !line.days.contains(&day) {
            out.push(finding(
                Severity::Query,
                "day-missing",
                Some(name),
                Some(day),
                Issue::DayMissing {
                    drug: name.to_owned(),
                    day,
                },
                "the regimen file in force (the drug's days)",
            ));
        }
    }
    if !confirmed {
        out.push(finding(
            Severity::Info,
            "days-stated",
            Some(name),
            None,
            Issue::DaysStated {
                drug: name.to_owned(),
                days: line.days.clone(),
            },
            "the regimen's source gives no day list (a case report): the prescriber's days are used",
        ));
    }
}

#[allow(clippy::too_many_arguments)]
fn deviation_finding(
    line: &OrderedDrug,
    name: &str,
    day: u32,
    ordered_mg: Decimal,
    expected_mg: Decimal,
    p: Decimal,
    t: &Thresholds,
    out: &mut Vec<Finding>,
) {
    let size = p.abs();
    let (severity, code, source) = if size.is_zero() {
        return;
    } else if size <= t.agree.value() {
        (Severity::Info, "dose-agrees", SRC_THRESHOLDS)
    } else if size <= t.query.value() {
        if line.reason.is_some() {
            (Severity::Info, "dose-deviation", SRC_REASON)
        } else {
            (Severity::Query, "dose-deviation", SRC_REASON)
        }
    } else {
        (Severity::Stop, "dose-deviation-over", SRC_THRESHOLDS)
    };
    out.push(finding(
        severity,
        code,
        Some(name),
        Some(day),
        Issue::DoseDeviation {
            percent: p,
            ordered_mg,
            expected_mg,
            reason: line.reason.clone(),
        },
        source,
    ));
}

/// An ordered per-m² (or per-kg) dose that is the regimen's daily dose
/// times its days: the per-cycle dose written as a daily one.
fn per_day_dose_check(
    line: &OrderedDrug,
    name: &str,
    plan: &DosePlan,
    regimen_days: &[u32],
    out: &mut Vec<Finding>,
) {
    let Some(ordered) = line.dose else { return };
    let days = u32::try_from(regimen_days.len()).unwrap_or(0);
    if days < 2 {
        return;
    }
    let Some(crate::dose::Prescription::Own {
        dose,
        per: DosePer::Day,
        ..
    }) = plan
        .administrations
        .iter()
        .find(|a| a.drug == name)
        .map(|a| &a.prescription)
    else {
        return;
    };
    if ordered.basis() != dose.basis() || matches!(dose, PrescribedDose::Auc(_)) {
        return;
    }
    let per_cycle = to_decimal(dose.canonical() * f64::from(days));
    let written = to_decimal(ordered.canonical());
    if let (Some(c), Some(w)) = (per_cycle, written)
        && percent_of(w, c).is_some_and(|p| p.abs() <= Decimal::ONE)
    {
        out.push(finding(
            Severity::Stop,
            "per-day-per-cycle",
            Some(name),
            None,
            Issue::DosePerDayIsCycleDose {
                ordered,
                daily: *dose,
                days,
            },
            SRC_PER_DAY,
        ));
    }
}

/// Regimen drugs given on the order's days that are not ordered.
fn missing_drugs(
    order: &Order,
    regimen: &Regimen,
    plan: &DosePlan,
    ordered: &BTreeMap<String, usize>,
    out: &mut Vec<Finding>,
) {
    for drug in &regimen.drugs {
        let name = drug.name.to_lowercase();
        if ordered.contains_key(&name) || matches!(drug.dosing, Dosing::Instruction(_)) {
            continue;
        }
        let mut days: Vec<u32> = plan
            .administrations
            .iter()
            .filter(|a| a.drug == name)
            .filter_map(|a| u32::try_from(a.day).ok())
            .filter(|d| order.days.contains(d))
            .collect();
        // Once per day, however many doses that day.
        days.dedup();
        if days.is_empty() {
            continue;
        }
        match &drug.dosing {
            Dosing::Companion { of, .. } if ordered.contains_key(&of.to_lowercase()) => {
                out.push(finding(
                    Severity::Stop,
                    "companion-missing",
                    Some(&name),
                    None,
                    Issue::MissingCompanion {
                        drug: name.clone(),
                        of: of.to_lowercase(),
                    },
                    SRC_MESNA,
                ));
            }
            _ => out.push(finding(
                Severity::Query,
                "missing-drug",
                Some(&name),
                None,
                Issue::MissingDrug {
                    drug: name.clone(),
                    days,
                },
                "the regimen file in force (its drug list)",
            )),
        }
    }
}
