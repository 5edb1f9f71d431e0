//! The verification: an order and the regimen in force → the independent
//! calculation (by [`crate::dose::calculate`], the one dose engine) → the
//! comparison, as findings. Pure: no file, no clock.
//!
//! Sources of the thresholds (clinical reference §9.8; the tiered ±5 % /
//! 5–10 % / > 10 % scheme itself has no published standard and is this
//! product's design, built from these anchors): HOPA position statement on
//! dose rounding (Fahrenbruch R et al., J Oncol Pract 2018: rounding within
//! 10 % acceptable, citing the NCI clinical-trial deficiency criterion of
//! more than 10 %); NHS England national dose banding (bands about 5-6 %);
//! Mass General Brigham order entry (a reason whenever the ordered total
//! differs from the calculated one).

use rust_decimal::Decimal;

use super::{Finding, Issue, Modification, Order, Severity, Verdict, Verification};
use crate::dose::{DoseError, DoseOptions, DosePlan, Reduction, Stop, calculate};
use crate::patient::Patient;
use crate::quantity::{Percent, kg, m2};
use crate::regimen::{DosePer, Dosing, Regimen};
use crate::rounding::{round_dp_half_up, to_decimal};

/// The reason the verification gives the engine for a stop it met, so that
/// the independent doses can still be compared; every such stop is a
/// finding, never a dose released.
pub const VERIFY_REASON: &str = "met by order verification: reported as a finding";

/// The site's thresholds for order verification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A deviation up to this agrees (default 5 %: NHS dose bands of about
    /// 5-6 %).
    pub agree: Percent,
    /// A deviation above `agree` and up to this needs a stated reason, else
    /// it is queried; above it the order is stopped (default 10 %: HOPA,
    /// Fahrenbruch 2018; NCI > 10 % deficiency criterion).
    pub query: Percent,
    /// The oldest weight (and height) accepted, days before the planned
    /// date (default 30: Mass General Brigham re-enters the chemotherapy
    /// weight every 30 days).
    pub max_weight_age_days: u32,
    /// The oldest serum creatinine accepted, days (default 3, as every lab
    /// result: `ClinicalInputs::DEFAULT_MAX_RESULT_AGE_DAYS`).
    pub max_result_age_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            agree: Percent::whole(5),
            query: Percent::whole(10),
            max_weight_age_days: 30,
            max_result_age_days: crate::rules::ClinicalInputs::DEFAULT_MAX_RESULT_AGE_DAYS,
        }
    }
}

/// What the caller adds to the order: the engine options a history gives
/// (prior exposure, weight references, the last reduction, anthracycline
/// policy), whose patient the history is, and the thresholds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VerifyInputs {
    /// The engine options before the order's own (labs, date, day, stated
    /// reductions and days are set from the order).
    pub options: DoseOptions,
    /// The thresholds.
    pub thresholds: Thresholds,
    /// The patient of the treatment history used, when one is: it must be
    /// the order's patient.
    pub history: Option<HistoryPatient>,
}

/// Who a treatment history is about, and what it says the caller should
/// know (its warnings, by stable code).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryPatient {
    /// The history's patient id (a pseudonym, or the MRN).
    pub id: String,
    /// The patient's name, where the history gives it.
    pub name: Option<String>,
    /// The medical record number, where the history gives it.
    pub mrn: Option<String>,
    /// Its sex, where recorded.
    pub sex: Option<crate::patient::Sex>,
    /// Its year of birth, where recorded.
    pub birth_year: Option<i32>,
    /// Its warnings: (code, words).
    pub warnings: Vec<(String, String)>,
}

pub(super) const SRC_THRESHOLDS: &str = "HOPA position statement (Fahrenbruch R et al., J Oncol Pract 2018: within 10 %; NCI deficiency criterion > 10 %); NHS England national dose banding (about 5-6 %); tiers: chemodose design, clinical reference §9.8";
pub(super) const SRC_REASON: &str = "Mass General Brigham order entry: a reason whenever the ordered total differs from the calculated total";
pub(super) const SRC_PER_DAY: &str = "Cisplatin injection US prescribing information, boxed warning: prescriptions that fail to differentiate daily doses from total dose per cycle are a named error";
pub(super) const SRC_VINCA: &str = "Vincristine sulfate injection US prescribing information, boxed warning (for intravenous use only: fatal if given by other routes); ASCO/ONS administration safety standards, 2016 update (Neuss MN et al., Oncol Nurs Forum 2017;44:31-43: vinca alkaloids in minibags)";
pub(super) const SRC_ORDER: &str = "ASCO/ONS chemotherapy administration safety standards (Jacobson JO et al., J Clin Oncol 2009;27:5469; Neuss MN et al., Oncol Nurs Forum 2017;44:31-43): the order's elements";
const SRC_WEIGHT_AGE: &str = "Mass General Brigham order entry: chemotherapy weight re-entered every 30 days (a site setting)";
pub(super) const SRC_MESNA: &str =
    "Mesna injection US prescribing information, section 2.1 (mesna with every ifosfamide dose)";

/// The vinca alkaloids, whose only route is intravenous.
pub(super) const VINCAS: [&str; 5] = [
    "vincristine",
    "vinblastine",
    "vinorelbine",
    "vindesine",
    "vinflunine",
];

/// Verifies one order against `regimen` (the regimen in force for the
/// order's id): recomputes every ordered line with the dose engine and the
/// clinical rules, then compares. Never fails: what cannot be computed is a
/// finding.
///
/// ```
/// use chemodose::order::{parse_order, verify_order, Verdict, VerifyInputs};
/// let lib = chemodose::regimen::Library::bundled().unwrap();
/// let order = parse_order("o.toml", r#"
///     format = 1
///     id = "EX-1"
///     regimen = "doxorubicin"
///     regimen_version = "1.1.0"
///     cycle = 1
///     days = [1]
///     date = 2026-12-01
///     prescriber = "Dr A Example"
///     written = 2026-11-30
///     [patient]
///     name = "Example Patient"
///     mrn = "X-1"
///     sex = "female"
///     age = 60
///     allergies = "nil known"
///     height = { value = "170 cm", date = 2026-11-30 }
///     weight = { value = "70 kg", date = 2026-11-30 }
///     [[drug]]
///     name = "doxorubicin"
///     dose = "75 mg/m2"
///     amount = "150 mg"
///     route = "IV"
///     days = [1]
/// "#).unwrap();
/// let regimen = &lib.get("doxorubicin").unwrap().regimen;
/// let v = verify_order(&order, regimen, &VerifyInputs::default());
/// // Mosteller sqrt(170 × 70 / 3600) = 1.818 → 1.82 m²; 75 × 1.82 = 136.5,
/// // held at 136 mg under the 75 mg/m² ceiling: 150 mg is 10.29 % over.
/// assert_eq!(v.verdict, Verdict::Reject);
/// assert!(v.findings.iter().any(|f| f.code == "dose-deviation-over"));
/// ```
pub fn verify_order(order: &Order, regimen: &Regimen, inputs: &VerifyInputs) -> Verification {
    let t = inputs.thresholds;
    let mut findings = Vec::new();
    order_checks(order, regimen, &t, &mut findings);
    if let Some(h) = &inputs.history {
        history_checks(order, h, &mut findings);
    }
    let patient = patient(order);
    let options = options(order, regimen, inputs);
    let plan = match compute(regimen, &patient, order.cycle, &options) {
        Ok(plan) => Some(plan),
        Err(error) => {
            findings.push(Finding {
                severity: Severity::Stop,
                code: "not-computed".to_owned(),
                drug: None,
                day: None,
                issue: Issue::NotComputed { error },
                source: SRC_ORDER.to_owned(),
            });
            None
        }
    };
    let mut lines = Vec::new();
    if let Some(plan) = &plan {
        engine_findings(plan, regimen, &mut findings);
        later_days(order, regimen, plan, &options, &mut findings);
        measurement_findings(order, plan, &t, &mut findings);
        super::lines::line_findings(order, regimen, plan, &t, &mut lines, &mut findings);
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Verification {
        order: order.clone(),
        regimen_id: regimen.id.clone(),
        regimen_name: regimen.name.clone(),
        regimen_version: regimen.version.clone(),
        regimen_status: regimen.status,
        verdict: Verdict::of(&findings),
        plan,
        lines,
        findings,
        thresholds: t,
    }
}

pub(super) fn finding(
    severity: Severity,
    code: &str,
    drug: Option<&str>,
    day: Option<u32>,
    issue: Issue,
    source: &str,
) -> Finding {
    Finding {
        severity,
        code: code.to_owned(),
        drug: drug.map(str::to_lowercase),
        day,
        issue,
        source: source.to_owned(),
    }
}

/// The checks of the order's own elements: version, allergies.
fn order_checks(order: &Order, regimen: &Regimen, _t: &Thresholds, out: &mut Vec<Finding>) {
    if order.regimen_version.trim() != regimen.version {
        out.push(finding(
            Severity::Query,
            "regimen-version",
            None,
            None,
            Issue::RegimenVersion {
                ordered: order.regimen_version.clone(),
                in_force: regimen.version.clone(),
            },
            "the regimen file in force (its version; every change bumps it)",
        ));
    }
    if order
        .patient
        .allergies
        .as_deref()
        .is_none_or(|a| a.trim().is_empty())
    {
        out.push(finding(
            Severity::Query,
            "allergies-not-recorded",
            None,
            None,
            Issue::AllergiesNotRecorded,
            "Cancer Council Australia guideline, medication order presentation: allergies or \"nil known\" recorded",
        ));
    }
}

/// The history must be the order's patient: its id, MRN or name is the
/// order's MRN or name, and its name, MRN, sex and year of birth (where both
/// say) agree. A history of another patient would count another person's
/// doses.
fn history_checks(order: &Order, h: &HistoryPatient, out: &mut Vec<Finding>) {
    use crate::patient::same_identity;
    let p = &order.patient;
    let id = h.id.trim();
    let mrns = (p.mrn.as_deref(), h.mrn.as_deref());
    let same_id = p.mrn.as_deref().is_some_and(|m| m.trim() == id)
        || p.name.trim() == id
        || matches!(mrns, (Some(a), Some(b)) if same_identity(a, b))
        || h.name.as_deref().is_some_and(|n| same_identity(n, &p.name));
    let mrn_differs = matches!(mrns, (Some(a), Some(b)) if !same_identity(a, b));
    let name_differs = h
        .name
        .as_deref()
        .is_some_and(|n| !same_identity(n, &p.name));
    let sex_differs = matches!((p.sex, h.sex), (Some(a), Some(b)) if a != b);
    let year_differs = matches!(
        (p.date_of_birth.map(|d| chrono::Datelike::year(&d)), h.birth_year),
        (Some(a), Some(b)) if a != b
    );
    if !same_id || mrn_differs || name_differs || sex_differs || year_differs {
        out.push(finding(
            Severity::Stop,
            "history-patient",
            None,
            None,
            Issue::HistoryPatient {
                history_id: h.id.clone(),
                id_matches: same_id,
                mrn_differs,
                name_differs,
                sex_differs,
                birth_year_differs: year_differs,
            },
            SRC_ORDER,
        ));
    }
    for (code, words) in &h.warnings {
        out.push(finding(
            Severity::Info,
            code,
            None,
            None,
            Issue::HistoryWarning {
                words: words.clone(),
            },
            "the treatment history",
        ));
    }
}

/// The patient the engine doses: the order's measurements; age from the
/// date of birth on the planned date where given.
fn patient(order: &Order) -> Patient {
    let p = &order.patient;
    let age = p
        .date_of_birth
        .and_then(|dob| order.date.years_since(dob))
        .or(p.age)
        .map(|y| uom::si::f64::Time::new::<uom::si::time::year>(f64::from(y)));
    Patient {
        height: p.height.value,
        weight: p.weight.value,
        // One date for both, as the page prints it: the order's when its
        // height and weight were measured the same day.
        measured_on: (p.height.date == p.weight.date).then_some(p.height.date),
        sex: p.sex,
        age,
        serum_creatinine: p.serum_creatinine.as_ref().map(|s| s.value),
        serum_creatinine_on: p.serum_creatinine.as_ref().map(|s| s.date),
    }
}

/// The engine options: the caller's, with the order's labs, date, first
/// day, stated modifications, and the days stated for a drug whose source
/// gives none.
fn options(order: &Order, regimen: &Regimen, inputs: &VerifyInputs) -> DoseOptions {
    let mut o = inputs.options.clone();
    o.clinical.labs = order.labs.iter().cloned().collect();
    o.clinical.on = Some(order.date);
    o.clinical.child_pugh = order.patient.child_pugh;
    o.clinical.max_result_age_days = inputs.thresholds.max_result_age_days;
    o.clinical.day = order
        .days
        .iter()
        .copied()
        .find(|d| *d <= regimen.cycle.length_days);
    for line in &order.drugs {
        let Some(drug) = regimen.drug(&line.name) else {
            continue;
        };
        let key = drug.name.to_lowercase();
        if let Some(m) = line.modification {
            let r = match m {
                Modification::Level(l) => Reduction::Level(l),
                Modification::Percent(p) => Reduction::Percent(p),
            };
            o.reductions.drugs.insert(key.clone(), r);
        }
        // Days the source never gave (a case report) are the prescriber's
        // to state: the engine doses the days ordered (a companion such as
        // mesna follows its parent's days); a per-cycle dose keeps its split.
        let stated = matches!(
            drug.dosing,
            Dosing::Own {
                per: DosePer::Day,
                ..
            }
        ) && !drug.days_confirmed;
        if stated && line.days.iter().all(|d| *d <= regimen.cycle.length_days) {
            o.days.insert(key, line.days.clone());
        }
    }
    o
}

/// The engine's plan, every stop it meets let through with
/// [`VERIFY_REASON`] so that the doses can still be compared.
fn compute(
    regimen: &Regimen,
    patient: &Patient,
    cycle: u32,
    options: &DoseOptions,
) -> Result<DosePlan, DoseError> {
    let mut o = options.clone();
    let mut last = None;
    // Each round lets through the stops met; a stop can uncover another
    // (a ceiling judged after a hold), so a few rounds, bounded.
    for _ in 0..6 {
        match calculate(regimen, patient, cycle, &o) {
            Ok(plan) => return Ok(plan),
            Err(DoseError::Refused(stops)) => {
                let mut added = false;
                for s in &stops {
                    added |= o.overrides.insert(&s.code(), VERIFY_REASON);
                }
                if !added {
                    return Err(DoseError::Refused(stops));
                }
                last = Some(stops);
            }
            Err(e) => return Err(e),
        }
    }
    Err(DoseError::Refused(last.unwrap_or_default()))
}

/// How serious an engine stop is on an order: an input to ask for is a
/// query; a rule that says not to give, a limit crossed, a withdrawn or
/// draft regimen is a stop.
fn stop_severity(s: &Stop) -> Severity {
    match s {
        Stop::MissingInput { .. }
        | Stop::UnjudgedRule { .. }
        | Stop::CombinedReductions { .. }
        | Stop::ReEscalation { .. }
        | Stop::WeightChange(_)
        | Stop::PriorIncomplete { .. }
        | Stop::UnconfirmedDays { .. } => Severity::Query,
        Stop::RegimenStatus { .. }
        | Stop::PerCycleCeiling { .. }
        | Stop::OrganFunction { .. }
        | Stop::TreatmentDay { .. }
        | Stop::Toxicity { .. }
        | Stop::LifetimeLimit { .. }
        | Stop::GcsfTiming { .. } => Severity::Stop,
    }
}

/// Where an engine stop's rule comes from.
fn stop_source(s: &Stop, regimen: &Regimen) -> String {
    let drug_rules = |drug: &str| {
        regimen
            .drug(drug)
            .and_then(|d| d.renal.as_ref().and_then(|r| r.source.clone()))
            .unwrap_or_else(|| format!("the regimen file {} (`requires`)", regimen.id))
    };
    match s {
        Stop::RegimenStatus { note, .. } => note
            .clone()
            .unwrap_or_else(|| "the regimen's status".to_owned()),
        Stop::GcsfTiming { rule, .. } => rule.clone(),
        Stop::PerCycleCeiling { ceiling_source, .. } => ceiling_source
            .clone()
            .unwrap_or_else(|| format!("the regimen file {} (max_per_cycle)", regimen.id)),
        Stop::LifetimeLimit { status, .. } => status.source.clone(),
        Stop::WeightChange(_) => "COSA guideline wiki (10 % \"common practice\"); NIH Clinical Center (10 % adults, 5 % children)".to_owned(),
        Stop::MissingInput { drug, .. } => drug_rules(drug),
        Stop::UnjudgedRule { rule, .. }
        | Stop::OrganFunction { rule, .. }
        | Stop::TreatmentDay { rule, .. }
        | Stop::Toxicity { rule, .. } => rule.rule.source.clone(),
        Stop::PriorIncomplete { .. } => "the treatment history (lines whose doses are not recorded)".to_owned(),
        Stop::UnconfirmedDays { .. } => regimen
            .notes
            .as_ref()
            .map(|_| format!("the regimen file {} (a case report that gives no day list)", regimen.id))
            .unwrap_or_default(),
        Stop::CombinedReductions { .. } => "clinical reference §9 (how reductions combine is not sourced)".to_owned(),
        Stop::ReEscalation { .. } => "Halaven US PI §2.2; Yondelis HCP dosing (no re-escalation)".to_owned(),
    }
}

/// The engine's stops, warnings and verdicts as findings.
fn engine_findings(plan: &DosePlan, regimen: &Regimen, out: &mut Vec<Finding>) {
    for o in &plan.overridden {
        if o.reason != VERIFY_REASON {
            continue;
        }
        out.push(finding(
            stop_severity(&o.stop),
            &o.stop.code(),
            o.stop.drug(),
            match &o.stop {
                Stop::TreatmentDay { day, .. } => Some(*day),
                _ => None,
            },
            Issue::EngineStop(o.stop.clone()),
            &stop_source(&o.stop, regimen),
        ));
    }
    for w in &plan.warnings {
        out.push(finding(
            Severity::Info,
            w.code(),
            None,
            None,
            Issue::EngineWarning(w.clone()),
            "the dose engine's warning (see the dose output)",
        ));
    }
    for d in &plan.assessment.drugs {
        let (severity, code) = match d.verdict {
            crate::rules::Verdict::NotChecked => (Severity::Query, "not-checked"),
            crate::rules::Verdict::Modify => (Severity::Info, "rules-modify"),
            _ => continue,
        };
        let rules: Vec<_> = d
            .organ
            .iter()
            .chain(&d.toxicity)
            .chain(&d.day)
            .filter(|r| match d.verdict {
                crate::rules::Verdict::NotChecked => r.unchecked(),
                _ => r.fired(),
            })
            .cloned()
            .collect();
        let source = rules
            .iter()
            .map(|r| r.rule.source.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        out.push(finding(
            severity,
            &format!("{code}-{}", d.drug),
            Some(&d.drug),
            Some(plan.assessment.day),
            Issue::RulesVerdict {
                drug: d.drug.clone(),
                verdict: d.verdict,
                rules,
            },
            &source,
        ));
    }
}

/// Treatment-day criteria of the other days the order covers (day 8 of a
/// day-1-and-8 order) are judged on their day, with that day's results, as
/// `dose` judges only the day assessed: recorded, so that a VERIFIED order
/// does not read as if day 8's counts were checked.
fn later_days(
    order: &Order,
    regimen: &Regimen,
    plan: &DosePlan,
    options: &DoseOptions,
    out: &mut Vec<Finding>,
) {
    let assessed = plan.assessment.day;
    for drug in &regimen.drugs {
        let name = drug.name.to_lowercase();
        let ordered = order
            .drugs
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(&drug.name));
        let Some(line) = ordered else { continue };
        let mut sources: Vec<&str> = Vec::new();
        let mut days: Vec<u32> = Vec::new();
        for &d in line.days.iter().filter(|d| **d != assessed) {
            let rules = crate::rules::in_force(
                &drug.rules,
                crate::rules::RuleKind::Day,
                &drug.name,
                &options.clinical,
            )
            .filter(|r| r.days.as_ref().is_none_or(|ds| ds.contains(&d)));
            let mut any = false;
            for r in rules {
                any = true;
                if !sources.contains(&r.source.as_str()) {
                    sources.push(&r.source);
                }
            }
            if any {
                days.push(d);
            }
        }
        if !days.is_empty() {
            out.push(finding(
                Severity::Info,
                &format!("later-day-criteria-{name}"),
                Some(&name),
                None,
                Issue::LaterDayCriteria {
                    drug: name.clone(),
                    days,
                    assessed,
                },
                &sources.join("; "),
            ));
        }
    }
}

/// Signed percent of `expected`, 2 decimals; `None` when `expected` is 0.
pub(super) fn percent_of(value: Decimal, expected: Decimal) -> Option<Decimal> {
    if expected.is_zero() {
        return None;
    }
    Some(round_dp_half_up(
        (value - expected) * Decimal::ONE_HUNDRED / expected,
        2,
    ))
}

/// BSA and weight used, stale and future measurements.
fn measurement_findings(order: &Order, plan: &DosePlan, t: &Thresholds, out: &mut Vec<Finding>) {
    let agree = t.agree.value();
    let recomputed = to_decimal(m2(plan.bsa.used)).unwrap_or_default();
    if let Some(used) = order.used.bsa.and_then(|b| to_decimal(m2(b)))
        && let Some(p) = percent_of(used, recomputed)
        && !p.is_zero()
    {
        out.push(finding(
            if p.abs() > agree {
                Severity::Query
            } else {
                Severity::Info
            },
            "bsa-differs",
            None,
            None,
            Issue::BsaDiffers {
                used_m2: used,
                recomputed_m2: recomputed,
                percent: p,
            },
            SRC_THRESHOLDS,
        ));
    }
    if let Some(stated) = &order.used.bsa_formula
        && stated.parse::<crate::bsa::BsaFormula>().ok() != Some(plan.bsa.formula)
    {
        out.push(finding(
            Severity::Query,
            "bsa-formula-differs",
            None,
            None,
            Issue::BsaFormulaDiffers {
                stated: stated.clone(),
                used: plan.bsa.formula,
            },
            "the site's BSA formula (Mosteller by default: docs/DESIGN.md); clinical reference §7.3: BSA and formula on the order",
        ));
    }
    let measured = to_decimal(kg(order.patient.weight.value)).unwrap_or_default();
    if let Some(used) = order.used.weight.and_then(|w| to_decimal(kg(w)))
        && let Some(p) = percent_of(used, measured)
        && !p.is_zero()
    {
        out.push(finding(
            if p.abs() > agree {
                Severity::Query
            } else {
                Severity::Info
            },
            "weight-differs",
            None,
            None,
            Issue::WeightDiffers {
                used_kg: used,
                measured_kg: measured,
                percent: p,
            },
            SRC_THRESHOLDS,
        ));
    }
    let p = &order.patient;
    let dated = [
        (
            "weight",
            Some(p.weight.date),
            t.max_weight_age_days,
            SRC_WEIGHT_AGE,
        ),
        (
            "height",
            Some(p.height.date),
            t.max_weight_age_days,
            SRC_WEIGHT_AGE,
        ),
        (
            "serum creatinine",
            p.serum_creatinine.as_ref().map(|s| s.date),
            t.max_result_age_days,
            "a site setting, as for every lab result (the labels say \"prior to each dose\"; clinical reference §9.1)",
        ),
    ];
    for (what, date, max, source) in dated {
        let Some(date) = date else { continue };
        let age = (order.date - date).num_days();
        // Height of an adult changes little: it is stale only past a year.
        let max = if what == "height" { 365 } else { max };
        if age < 0 {
            out.push(finding(
                Severity::Query,
                &format!("future-{}", what.replace(' ', "-")),
                None,
                None,
                Issue::FutureMeasurement { what, date },
                SRC_ORDER,
            ));
        } else if age > i64::from(max) {
            out.push(finding(
                Severity::Query,
                &format!("stale-{}", what.replace(' ', "-")),
                None,
                None,
                Issue::StaleMeasurement {
                    what,
                    date,
                    age_days: age,
                    max_days: max,
                },
                source,
            ));
        }
    }
}
