//! The messages of the dose engine: its errors ([`DoseError`]), safety stops
//! ([`Stop`]), weight changes and warnings, with the texts of limits and
//! ceilings they share with the renderers.

use std::fmt;

use rust_decimal::Decimal;

use crate::dose::{
    Course, DaysProblem, DoseError, DrugSetting, LimitScope, LimitStatus, LimitUnit, Needed, Stop,
    Warning, WeightChange, WeightReferenceKind,
};
use crate::quantity::PrescribedDose;
use crate::regimen::Status;
use crate::render::ismp::{drug_display_name, format_decimal, format_number};
use crate::rounding::round_dp_half_up;

/// What a missing input is, for a refusal: "creatinine clearance", "total
/// bilirubin (with its upper limit of normal)".
fn input_needed(v: &crate::rules::Variable) -> String {
    use crate::rules::Variable;
    match v {
        Variable::Crcl => "creatinine clearance".to_owned(),
        other => crate::render::rules::variable_label(other),
    }
}

/// One change to a dose, for a refusal that lists them.
fn change_text(c: &crate::dose::Change) -> String {
    match c {
        crate::dose::Change::Rule { rule, level } => match level {
            Some(l) if !matches!(rule.rule.then, crate::rules::Action::Level(_)) => format!(
                "{} → dose level {l}",
                crate::render::rules::fired_text(rule)
            ),
            _ => crate::render::rules::fired_text(rule),
        },
        crate::dose::Change::Caller(r) => format!(
            "the prescribed {}",
            crate::render::schedule::reduction_text(&r.requested())
        ),
    }
}

/// The unit a limit or ceiling amount is counted in.
pub fn limit_unit_text(unit: LimitUnit) -> &'static str {
    match unit {
        LimitUnit::MgPerM2 => "mg/m²",
        LimitUnit::Mg => "mg",
    }
}

/// What a cumulative amount covers: "the planned 6 cycles", with "plus prior
/// exposure" when earlier doses count too.
pub fn scope_text(scope: LimitScope, with_prior: bool) -> String {
    let base = match scope {
        LimitScope::PlannedCycles(n) => format!("the planned {n} cycles"),
        LimitScope::CyclesUpTo(c) => format!("cycles 1-{c}"),
        LimitScope::RemainingCycles { from, to } => {
            format!("cycles {from}-{to} of the planned {to}")
        }
        LimitScope::ScheduledCycles(n) => format!("the scheduled {n} cycles"),
        LimitScope::AllLines => "all lines".to_owned(),
        LimitScope::RunningTotal => String::new(),
    };
    if with_prior {
        format!("{base} plus prior exposure")
    } else {
        base
    }
}

/// A limit's source, with the reason a lower limit applies.
pub fn limit_source_text(status: &LimitStatus) -> String {
    if status.after_cardiac_radiation {
        format!("{}; limit after cardiac-region radiation", status.source)
    } else {
        status.source.clone()
    }
}

/// "DOXOrubicin: cumulative 602.2 mg/m² over the planned 8 cycles", the start
/// of every lifetime-limit message.
pub(crate) fn cumulative_text(drug: &str, status: &LimitStatus, scope: LimitScope) -> String {
    format!(
        "{}: cumulative {} {} over {}",
        drug_display_name(drug),
        format_decimal(status.cumulative),
        limit_unit_text(status.unit),
        scope_text(scope, !status.prior.is_zero())
    )
}

/// " (source)" or "".
fn source_suffix(source: Option<&str>) -> String {
    source.map_or(String::new(), |s| format!(" ({s})"))
}

/// A regimen's status as the stop for it names it (`explain`'s brief and
/// the stop's message say it in the same words).
pub(crate) fn stopping_status(status: Status) -> &'static str {
    match status {
        Status::Withdrawn => "WITHDRAWN",
        Status::Draft => "a DRAFT regimen, not reviewed for use",
        Status::CaseReport => "a CASE-REPORT regimen",
        Status::Active => "active",
    }
}

/// "CISplatin: 125 mg/m² in cycle 1 is above the per-cycle ceiling of 100 mg/m² (source)".
pub(crate) fn ceiling_text(
    drug: &str,
    cycle: u32,
    amount: Decimal,
    unit: LimitUnit,
    ceiling: &PrescribedDose,
    source: Option<&str>,
) -> String {
    format!(
        "{}: {} {} in cycle {cycle} is above the per-cycle ceiling of {ceiling}{}",
        drug_display_name(drug),
        format_decimal(amount),
        limit_unit_text(unit),
        source_suffix(source)
    )
}

impl fmt::Display for DoseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DoseError::Measurement(e) => e.fmt(f),
            DoseError::Bsa(e) => e.fmt(f),
            DoseError::Renal(e) => e.fmt(f),
            DoseError::NeedsMeasurement { drug, needs } => match needs {
                Needed::SexForDoseWeight(basis) => write!(
                    f,
                    "a per-kg dose on {basis} weight needs the patient's sex (female or male)"
                ),
                Needed::GfrForCalvert => write!(
                    f,
                    "{} needs a GFR for Calvert dosing: a measured GFR, or age, sex and serum creatinine for Cockcroft-Gault",
                    drug.as_deref()
                        .map_or_else(|| "an AUC dose".to_owned(), drug_display_name)
                ),
            },
            DoseError::UnknownDrug {
                name,
                regimen,
                known,
            } => write!(
                f,
                "`{name}` is not a drug of {regimen}; its drugs are {}",
                known.join(", ")
            ),
            DoseError::NoSuchLevel {
                drug,
                level,
                regimen,
                available,
            } => {
                let available = if available.is_empty() {
                    "none".to_owned()
                } else {
                    available
                        .iter()
                        .map(i32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                write!(
                    f,
                    "{} has no dose level {level} in {regimen}; levels defined: {available}",
                    drug_display_name(drug)
                )
            }
            DoseError::BadDays {
                drug,
                days,
                cycle_length,
                problem,
            } => {
                let list = crate::render::regimen::days_text(days);
                let name = drug_display_name(drug);
                match problem {
                    DaysProblem::Empty => write!(
                        f,
                        "{name}: a day list needs at least one day, counted from 1 (got `{list}`)"
                    ),
                    DaysProblem::OutsideCycle => write!(
                        f,
                        "{name}: days {list} do not fit a {cycle_length}-day cycle"
                    ),
                    DaysProblem::CycleTotal => write!(
                        f,
                        "{name}'s dose is a cycle total split over its days; another day list would change the daily dose: prescribe the dose instead"
                    ),
                }
            }
            DoseError::NoOwnDose {
                drug,
                setting,
                follows,
            } => {
                let what = match setting {
                    DrugSetting::Level => "a dose level",
                    DrugSetting::Percent => "a percent reduction",
                    DrugSetting::Rounding => "a rounding rule",
                    DrugSetting::Days => "a day list",
                };
                let name = drug_display_name(drug);
                match follows {
                    Some(parent) => {
                        let parent = drug_display_name(parent);
                        if *setting == DrugSetting::Days {
                            write!(
                                f,
                                "{name} has no days of its own (it is given with every dose of {parent}, on {parent}'s days): {what} cannot apply to it; a day list for {parent} carries over to it"
                            )
                        } else {
                            write!(
                                f,
                                "{name} has no dose of its own (its dose is a share of {parent}'s final dose, so a change to {parent}'s dose carries over to it): {what} cannot apply to it"
                            )
                        }
                    }
                    None => write!(
                        f,
                        "{name} has no dose of its own (it is given by local protocol): {what} cannot apply to it"
                    ),
                }
            }
            DoseError::BadReduction(p) => write!(
                f,
                "a reduction must be more than 0% and less than 100% (got {}%)",
                format_decimal(p.value())
            ),
            DoseError::DayOutsideCycle { day, cycle_length } => write!(
                f,
                "day {day} is not a day of the cycle: its days are 1 to {cycle_length}"
            ),
            DoseError::CycleOutOfRange {
                cycle,
                regimen,
                course,
            } => {
                let course = match course {
                    Course::Planned(n) => format!("{regimen} runs {n} cycles"),
                    Course::Regimen(count) => format!("{regimen} runs {count}"),
                    Course::AtMost(n) => format!("a course has at most {n} cycles"),
                };
                write!(f, "cycle {cycle} is outside the course: {course}")
            }
            DoseError::BadCycleCount { cycles, max } => write!(
                f,
                "the number of cycles must be from 1 to {max} (got {cycles}); a course has at most {max} cycles"
            ),
            DoseError::RoundingTolerance {
                drug,
                day,
                calculated,
                rounded,
                unit,
                deviation,
                tolerance,
            } => write!(
                f,
                "{} day {day}: rounding {} {u} to {} {u} is a {}% change, beyond the {}% tolerance; choose a finer rounding rule or check the dose",
                drug_display_name(drug),
                format_decimal(round_dp_half_up(*calculated, 2)),
                format_decimal(*rounded),
                format_decimal(*deviation),
                format_decimal(tolerance.value()),
                u = unit.symbol(),
            ),
            DoseError::BsaRoundingTolerance {
                unrounded_m2,
                used_m2,
                deviation,
                tolerance,
            } => write!(
                f,
                "rounding the BSA of {} m² to {} m² is a {}% change, beyond the {}% tolerance; every per-m² dose would move with it",
                format_decimal(round_dp_half_up(*unrounded_m2, 4)),
                format_decimal(*used_m2),
                format_decimal(*deviation),
                format_decimal(tolerance.value()),
            ),
            DoseError::Rounding { drug, error } => write!(f, "{drug}: {error}"),
            DoseError::UnknownRuleSet { drug, set, known } => {
                if known.is_empty() {
                    write!(
                        f,
                        "{} has no alternative rule table `{set}`: its rules have none to choose",
                        drug_display_name(drug)
                    )
                } else {
                    write!(
                        f,
                        "{} has no rule table `{set}`; its tables: {}",
                        drug_display_name(drug),
                        known.join(", ")
                    )
                }
            }
            DoseError::Refused(stops) => match stops.as_slice() {
                [one] => one.fmt(f),
                many => {
                    write!(f, "{} checks stopped this plan:", many.len())?;
                    for (i, stop) in many.iter().enumerate() {
                        let end = if i + 1 == many.len() { "" } else { ";" };
                        write!(f, " ({}) {stop}{end}", i + 1)?;
                    }
                    Ok(())
                }
            },
            DoseError::NotRepresentable { drug } => write!(
                f,
                "{}: a dose left the range of exact decimal arithmetic; check the measurements and the regimen",
                drug_display_name(drug)
            ),
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::RegimenStatus {
                regimen,
                status,
                note,
            } => {
                write!(
                    f,
                    "{regimen} is {}: not for new patients",
                    stopping_status(*status)
                )?;
                match note {
                    Some(n) if !n.trim().is_empty() => write!(f, " ({})", n.trim()),
                    _ => Ok(()),
                }
            }
            Stop::PerCycleCeiling {
                drug,
                cycle,
                amount,
                unit,
                ceiling,
                ceiling_source,
            } => write!(
                f,
                "{}; check per-day versus per-cycle dosing",
                ceiling_text(
                    drug,
                    *cycle,
                    *amount,
                    *unit,
                    ceiling,
                    ceiling_source.as_deref()
                )
            ),
            Stop::MissingInput { drug, input } => write!(
                f,
                "{} needs {} before it can be dosed",
                drug_display_name(drug),
                input_needed(input),
            ),
            Stop::PriorIncomplete { drug, lines } => {
                let lines: Vec<String> = lines.iter().map(u32::to_string).collect();
                write!(
                    f,
                    "{}: the history's line{} {} may have given it (or another anthracycline) in doses that are not counted, so its lifetime limit cannot be checked; find the doses given and record them",
                    drug_display_name(drug),
                    if lines.len() == 1 { "" } else { "s" },
                    lines.join(", ")
                )
            }
            Stop::UnjudgedRule { drug, rule } => {
                let mut unread: Vec<String> = Vec::new();
                for c in rule.comparisons.iter().filter(|c| c.observed.is_none()) {
                    let name = crate::render::rules::variable_label(&c.comparison.variable);
                    if !unread.contains(&name) {
                        unread.push(name);
                    }
                }
                write!(
                    f,
                    "{}: the organ-function rule `{}` cannot be judged: {} {} given without the upper limit of normal its × ULN threshold needs",
                    drug_display_name(drug),
                    rule.rule.when_written,
                    unread.join(", "),
                    if unread.len() == 1 { "is" } else { "are" }
                )
            }
            Stop::UnconfirmedDays { drug, days } => write!(
                f,
                "{}: the source gives no day list (the file holds day {} only as a placeholder); the prescriber must state the days",
                drug_display_name(drug),
                crate::render::regimen::days_text(days)
            ),
            Stop::GcsfTiming {
                gcsf,
                day,
                cytotoxic,
                cytotoxic_day,
                rule,
            } => write!(
                f,
                "{} on day {day} is too close to {} on day {cytotoxic_day} with the days as prescribed: {rule}",
                drug_display_name(gcsf),
                drug_display_name(cytotoxic)
            ),
            Stop::OrganFunction { drug, rule, tables } => {
                write!(
                    f,
                    "{}: {}",
                    drug_display_name(drug),
                    crate::render::rules::fired_text(rule)
                )?;
                if !tables.is_empty() {
                    write!(
                        f,
                        "; the regimen also has the band table{} {}, for a site that follows one",
                        if tables.len() == 1 { "" } else { "s" },
                        tables.join(", ")
                    )?;
                }
                Ok(())
            }
            Stop::TreatmentDay { drug, day, rule } => write!(
                f,
                "HOLD {} day {day}: {}",
                drug_display_name(drug),
                crate::render::rules::fired_text(rule)
            ),
            Stop::Toxicity { drug, rule, level } => match level {
                Some(l) => write!(
                    f,
                    "{}: {}: dose level {l} is needed, but the regimen's levels stop above it (or a higher level was asked for)",
                    drug_display_name(drug),
                    crate::render::rules::fired_text(rule)
                ),
                None => write!(
                    f,
                    "{}: {}",
                    drug_display_name(drug),
                    crate::render::rules::fired_text(rule)
                ),
            },
            Stop::CombinedReductions {
                drug,
                day,
                candidates,
            } => {
                let on = day.map_or(String::new(), |d| format!(" on day {d}"));
                write!(
                    f,
                    "{}: more than one change to the dose{on}, and how to combine them is not sourced: ",
                    drug_display_name(drug)
                )?;
                for (i, c) in candidates.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "({}) {}", i + 1, change_text(c))?;
                }
                f.write_str(". Choose one dose and give the reason (with the reason, every change applies in turn)")
            }
            Stop::ReEscalation {
                drug,
                previous,
                requested,
            } => write!(
                f,
                "{}: the line's last cycle was given at {}; {} would raise the dose again (no re-escalation without a reason)",
                drug_display_name(drug),
                crate::render::schedule::reduction_text(previous),
                requested.as_ref().map_or_else(
                    || "the full dose".to_owned(),
                    crate::render::schedule::reduction_text
                )
            ),
            Stop::WeightChange(c) => write!(
                f,
                "{c}, at or beyond the {} threshold: recalculate the BSA and doses from today's weight, or acknowledge the change",
                c.threshold
            ),
            Stop::LifetimeLimit {
                drug,
                status,
                scope,
            } => write!(
                f,
                "{} would exceed the lifetime limit of {} {} ({})",
                cumulative_text(drug, status, *scope),
                format_decimal(status.limit_value),
                limit_unit_text(status.unit),
                limit_source_text(status)
            ),
        }
    }
}

impl fmt::Display for WeightChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reference = match self.reference {
            WeightReferenceKind::LineStart => "the first cycle of this line",
            WeightReferenceKind::LastCycle => "the last cycle",
        };
        let sign = if self.change_percent > Decimal::ZERO {
            "+"
        } else {
            ""
        };
        write!(
            f,
            "weight {} kg is {sign}{}% from {} kg at {reference} ({})",
            format_decimal(round_dp_half_up(self.to_kg, 2)),
            format_decimal(self.change_percent),
            format_decimal(round_dp_half_up(self.from_kg, 2)),
            self.date
        )
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::RegimenStatus {
                regimen,
                status,
                note,
            } => {
                let what = match status {
                    Status::CaseReport => {
                        "a CASE-REPORT regimen, as published in a case report, not a standard"
                    }
                    Status::Draft => "a DRAFT regimen: not reviewed for use",
                    Status::Withdrawn => "WITHDRAWN",
                    Status::Active => "active",
                };
                write!(
                    f,
                    "{regimen} is {what}. {}",
                    note.as_deref().unwrap_or_default()
                )
            }
            Warning::CourseBeyondRegimen { planned, max } => write!(
                f,
                "the planned {planned} cycles are more than the regimen's {max}"
            ),
            Warning::LifetimeLimitNear {
                drug,
                status,
                scope,
            } => write!(
                f,
                "{} is {}% of the lifetime limit of {} {} ({})",
                cumulative_text(drug, status, *scope),
                format_decimal(status.percent_of_limit),
                format_decimal(status.limit_value),
                limit_unit_text(status.unit),
                limit_source_text(status)
            ),
            Warning::WeightChange(c) => write!(f, "{c} (information: below the threshold)"),
            Warning::RenalFunctionMissing { drug } => write!(
                f,
                "{} needs renal function, but creatinine clearance could not be estimated: give serum creatinine, age and sex (or a measured GFR)",
                drug_display_name(drug)
            ),
            Warning::RenalFunctionFailed { drug, error } => write!(
                f,
                "{} needs renal function, but Cockcroft-Gault failed: {error}",
                drug_display_name(drug)
            ),
            Warning::RenalFlag {
                drug,
                clearance_ml_min,
                threshold_ml_min,
                note,
                source,
            } => write!(
                f,
                "{}: creatinine clearance {} mL/min is below {} mL/min{}{}",
                drug_display_name(drug),
                format_number(*clearance_ml_min, 1),
                format_number(*threshold_ml_min, 1),
                note.as_ref().map_or(String::new(), |n| format!(": {n}")),
                source_suffix(source.as_deref())
            ),
            Warning::WeekendOrHoliday { dates } => write!(
                f,
                "antineoplastic administrations fall on a weekend or holiday (flagged, not moved): {}",
                dates
                    .iter()
                    .map(|d| d.format("%a %Y-%m-%d").to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Warning::RegimenVersionChanged {
                line,
                regimen,
                given,
                current,
            } => write!(
                f,
                "line {line}: given with {regimen} version {given}; the library now has version {current} (doses are recomputed with the current definition)"
            ),
            Warning::AnthracyclineLimitExceeded {
                total_mg_per_m2,
                limit_mg_per_m2,
                source,
            } => write!(
                f,
                "cumulative anthracycline {} mg/m² doxorubicin-equivalent exceeds the {} mg/m² limit ({source})",
                format_decimal(*total_mg_per_m2),
                format_decimal(*limit_mg_per_m2)
            ),
            Warning::Cardioprotection {
                cumulative_mg_per_m2,
            } => write!(
                f,
                "cumulative anthracycline {} mg/m² doxorubicin-equivalent: consider dexrazoxane (ASCO 2008: after more than 300 mg/m²; 10:1 to doxorubicin, 5:1 if CrCl < 40 mL/min) and check the LVEF before each further dose (doxorubicin label)",
                format_decimal(*cumulative_mg_per_m2)
            ),
            Warning::AnthracyclineLimitNear {
                total_mg_per_m2,
                limit_mg_per_m2,
            } => write!(
                f,
                "cumulative anthracycline {} mg/m² doxorubicin-equivalent is at least 80% of the {} mg/m² limit",
                format_decimal(*total_mg_per_m2),
                format_decimal(*limit_mg_per_m2)
            ),
        }
    }
}
