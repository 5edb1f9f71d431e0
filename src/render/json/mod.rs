//! The JSON outputs, as wire structs of their own (documented field by field
//! in `docs/output-json.md`). The engine's types hold values; these structs
//! say what leaves the program, so a field cannot change without the
//! compiler pointing here.
//!
//! Owns: the JSON field names and shapes of `dose` (here), `history`
//! (`history`), `regimens show` (`regimen`) and the blocks `schedule`
//! shares with `dose` (its own wire structs are in `render::schedule::json`),
//! and the web API's compact JSON text (`compact`, serde_json's text written
//! faster). Never does: compute. Every value is read from a result.
//!
//! Keys come out sorted, as they always have: through `serde_json::Value`
//! (whose objects are sorted maps), or, for the `dose` output, written
//! directly from its wire structs, whose fields are declared in sorted
//! order (a tree of a 20 KB answer cost more than the dose itself in
//! `serve`; `docs/performance.md`, "Web API load"). The tests hold every
//! struct of the `dose` output to that order (`tests.rs`).

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

mod compact;
mod history;
mod order;
mod regimen;
#[cfg(test)]
mod tests;
mod verify;

pub use compact::to_compact_string;
pub use history::history_json;
pub use order::orders_json;
pub use regimen::{regimen_json, regimen_list_json};
pub use verify::verify_json;

use super::dose::{amount, cap_source_text, prescription_text};
use super::ismp::drug_display_name;
use super::messages::{limit_source_text, limit_unit_text};
use super::regimen::rounding_text;
use crate::bsa::BodySurfaceArea;
use crate::dose::{
    Adjustment, Administration, DosePlan, DoseTime, DrugTotal, LimitStatus, Overridden, RenalUsed,
    Warning,
};
use crate::patient::{Patient, Sex};
use crate::quantity::{DoseBasis, DoseUnit, cm, kg, m2, mg_per_dl, ml_per_min, years};
use crate::regimen::{Role, Source, Status};
use crate::renal::WeightBasis;
use crate::rounding::tidy;

/// A serialisable value as a JSON tree (keys sorted); `Null` if it cannot be.
pub(crate) fn tree(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Writes a field through [`tree`]: its keys sorted whatever the order its
/// type writes them in.
fn as_tree<T: Serialize, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    tree(value).serialize(s)
}

/// The patient's measurements, in canonical units.
#[derive(Serialize)]
pub(crate) struct PatientJson {
    age_years: Option<f64>,
    height_cm: f64,
    measured_on: Option<chrono::NaiveDate>,
    scr_measured_on: Option<chrono::NaiveDate>,
    scr_mg_dl: Option<f64>,
    sex: Option<Sex>,
    weight_kg: f64,
}

impl From<&Patient> for PatientJson {
    fn from(p: &Patient) -> Self {
        PatientJson {
            height_cm: tidy(cm(p.height)),
            weight_kg: tidy(kg(p.weight)),
            measured_on: p.measured_on,
            sex: p.sex,
            age_years: p.age.map(|a| tidy(years(a))),
            scr_mg_dl: p.serum_creatinine.map(|c| tidy(mg_per_dl(c))),
            scr_measured_on: p.serum_creatinine.and(p.serum_creatinine_on),
        }
    }
}

/// The BSA: formula, unrounded, used, rounding policy.
#[derive(Serialize)]
pub(crate) struct BsaJson {
    formula: &'static str,
    m2: f64,
    m2_used: f64,
    rounding: String,
}

impl From<&BodySurfaceArea> for BsaJson {
    fn from(b: &BodySurfaceArea) -> Self {
        BsaJson {
            formula: b.formula.id(),
            m2: tidy(m2(b.unrounded)),
            m2_used: tidy(m2(b.used)),
            rounding: b.rounding.id(),
        }
    }
}

/// The weight per-kg doses used.
#[derive(Serialize)]
pub(crate) struct DoseWeightJson {
    basis: &'static str,
    kg: f64,
}

pub(crate) fn dose_weight_json(
    w: Option<(WeightBasis, uom::si::f64::Mass)>,
) -> Option<DoseWeightJson> {
    w.map(|(basis, w)| DoseWeightJson {
        basis: basis.id(),
        kg: tidy(kg(w)),
    })
}

/// The renal function used.
#[derive(Serialize)]
pub(crate) struct RenalJson {
    calvert_gfr_capped: Option<bool>,
    calvert_gfr_used_ml_min: Option<f64>,
    crcl_ml_min: Option<f64>,
    crcl_weight_basis: Option<&'static str>,
    gfr_given_ml_min: Option<f64>,
}

impl From<&RenalUsed> for RenalJson {
    fn from(r: &RenalUsed) -> Self {
        RenalJson {
            crcl_ml_min: r.crcl.map(|c| tidy(ml_per_min(c.value))),
            crcl_weight_basis: r.crcl.map(|c| c.weight_basis.id()),
            gfr_given_ml_min: r.gfr_given.map(|g| tidy(ml_per_min(g))),
            calvert_gfr_used_ml_min: r.calvert.map(|c| tidy(ml_per_min(c.gfr_used))),
            calvert_gfr_capped: r.calvert.map(|c| c.gfr_capped),
        }
    }
}

/// One adjustment, tagged by `kind`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum AdjustmentJson<'a> {
    ReductionLevel {
        level: i32,
        prescribed: String,
        from: Decimal,
        to: Decimal,
    },
    ReductionPercent {
        percent: Decimal,
        from: Decimal,
        to: Decimal,
    },
    BsaCap {
        bsa_m2: Decimal,
        cap_m2: Decimal,
        from_setting: &'static str,
        from: Decimal,
        to: Decimal,
    },
    MaxSingleDose {
        max: Decimal,
        from: Decimal,
        to: Decimal,
    },
    GfrCap {
        gfr_ml_min: Decimal,
        used_ml_min: Decimal,
    },
    Rounding {
        rule: String,
        from: Decimal,
        to: Decimal,
        deviation_percent: Decimal,
        held_under_cap: bool,
    },
    Rule {
        rule: RuleJson<'a>,
        level: Option<i32>,
        from: Decimal,
        to: Decimal,
    },
}

impl<'a> AdjustmentJson<'a> {
    fn new(a: &'a Adjustment, unit: DoseUnit) -> Self {
        match a {
            Adjustment::ReductionLevel {
                level,
                dose,
                from,
                to,
            } => AdjustmentJson::ReductionLevel {
                level: *level,
                prescribed: dose.to_string(),
                from: *from,
                to: *to,
            },
            Adjustment::ReductionPercent { percent, from, to } => {
                AdjustmentJson::ReductionPercent {
                    percent: percent.value(),
                    from: *from,
                    to: *to,
                }
            }
            Adjustment::BsaCap {
                bsa_m2,
                cap_m2,
                source,
                from,
                to,
            } => AdjustmentJson::BsaCap {
                bsa_m2: *bsa_m2,
                cap_m2: *cap_m2,
                from_setting: cap_source_text(*source),
                from: *from,
                to: *to,
            },
            Adjustment::MaxSingleDose { max, from, to } => AdjustmentJson::MaxSingleDose {
                max: *max,
                from: *from,
                to: *to,
            },
            Adjustment::GfrCap {
                gfr_ml_min,
                used_ml_min,
            } => AdjustmentJson::GfrCap {
                gfr_ml_min: *gfr_ml_min,
                used_ml_min: *used_ml_min,
            },
            Adjustment::Rule {
                rule,
                level,
                from,
                to,
            } => AdjustmentJson::Rule {
                rule: RuleJson::from(rule.as_ref()),
                level: *level,
                from: *from,
                to: *to,
            },
            Adjustment::Rounding {
                rule,
                from,
                to,
                deviation_percent,
                held_under_cap,
            } => AdjustmentJson::Rounding {
                rule: rounding_text(rule, unit),
                from: *from,
                to: *to,
                deviation_percent: *deviation_percent,
                held_under_cap: *held_under_cap,
            },
        }
    }
}

pub(crate) fn adjustments_of(a: &Administration) -> Vec<AdjustmentJson<'_>> {
    a.adjustments
        .iter()
        .map(|x| AdjustmentJson::new(x, a.unit))
        .collect()
}

/// One administration in the `dose` output.
#[derive(Serialize)]
struct DoseAdministrationJson<'a> {
    /// Internally tagged (`kind` first when written directly): through a
    /// tree, which sorts `kind` among the other keys.
    #[serde(serialize_with = "as_tree")]
    adjustments: Vec<AdjustmentJson<'a>>,
    basis: Option<DoseBasis>,
    calculated: Decimal,
    calculated_mg: Decimal,
    day: i32,
    display_name: String,
    drug: &'a str,
    #[serde(rename = "final")]
    final_text: String,
    final_dose: Decimal,
    final_mg: Decimal,
    infusion: Option<&'a str>,
    instruction: Option<&'a str>,
    overrides: Vec<AdministrationOverrideJson>,
    prescribed: String,
    role: Role,
    route: &'a str,
    time: Option<TimeJson<'a>>,
    unit: DoseUnit,
    verdict: Option<&'static str>,
}

/// When in its day one of several doses of a drug is given.
#[derive(Serialize)]
pub(crate) struct TimeJson<'a> {
    /// Dose n of `of` that day, at a time set locally.
    dose: Option<u32>,
    /// The drug the time counts from (its start), lower case.
    from: Option<&'a str>,
    /// Minutes from that drug's start; negative before it.
    minutes: Option<i32>,
    /// How many doses that day.
    of: Option<u32>,
    /// As printed: "4 h after the start of IFOSfamide".
    text: String,
}

impl<'a> TimeJson<'a> {
    pub(crate) fn new(t: &'a DoseTime) -> Self {
        let text = crate::render::dose::time_text(t);
        match t {
            DoseTime::From { drug, minutes } => TimeJson {
                from: Some(drug),
                minutes: Some(*minutes),
                dose: None,
                of: None,
                text,
            },
            DoseTime::OfDay { n, count } => TimeJson {
                from: None,
                minutes: None,
                dose: Some(*n),
                of: Some(*count),
                text,
            },
        }
    }
}

impl<'a> DoseAdministrationJson<'a> {
    fn new(a: &'a Administration, overridden: &[Overridden]) -> Self {
        DoseAdministrationJson {
            day: a.day,
            drug: &a.drug,
            display_name: drug_display_name(&a.drug),
            role: a.role,
            prescribed: prescription_text(&a.prescription),
            basis: a.basis(),
            unit: a.unit,
            calculated_mg: a.calculated_mg(),
            final_mg: a.final_mg(),
            calculated: a.calculated,
            final_dose: a.final_dose,
            final_text: amount(a, a.final_dose),
            route: &a.route,
            infusion: a.infusion.as_deref(),
            adjustments: adjustments_of(a),
            overrides: overrides_of(a, overridden),
            verdict: a.verdict.map(verdict_id),
            instruction: a.instruction(),
            time: a.time.as_ref().map(TimeJson::new),
        }
    }
}

/// A lifetime limit and where the patient stands.
#[derive(Serialize)]
pub(crate) struct LimitJson {
    after_cardiac_radiation: bool,
    complete: bool,
    cumulative: Decimal,
    limit: String,
    limit_value: Decimal,
    percent_of_limit: Decimal,
    prior: Decimal,
    remaining: Option<Decimal>,
    source: String,
    uncounted_lines: Vec<u32>,
    unit: &'static str,
}

impl From<&LimitStatus> for LimitJson {
    fn from(l: &LimitStatus) -> Self {
        LimitJson {
            limit: l.limit.to_string(),
            limit_value: l.limit_value,
            unit: limit_unit_text(l.unit),
            prior: l.prior,
            cumulative: l.cumulative,
            percent_of_limit: l.percent_of_limit,
            remaining: l.uncounted_lines.is_empty().then_some(l.remaining),
            after_cardiac_radiation: l.after_cardiac_radiation,
            source: limit_source_text(l),
            complete: l.uncounted_lines.is_empty(),
            uncounted_lines: l.uncounted_lines.clone(),
        }
    }
}

/// Totals for one drug.
#[derive(Serialize)]
struct DrugTotalJson {
    course_cycles: Option<u32>,
    course_total: Option<Decimal>,
    course_total_per_m2: Option<Decimal>,
    cycle_total: Decimal,
    cycle_total_per_m2: Option<Decimal>,
    display_name: String,
    drug: String,
    limit: Option<LimitJson>,
    unit: DoseUnit,
}

impl From<&DrugTotal> for DrugTotalJson {
    fn from(t: &DrugTotal) -> Self {
        DrugTotalJson {
            drug: t.drug.clone(),
            display_name: drug_display_name(&t.drug),
            unit: t.unit,
            cycle_total: t.cycle_total,
            cycle_total_per_m2: t.cycle_total_per_m2,
            course_cycles: t.course_cycles,
            course_total: t.course_total,
            course_total_per_m2: t.course_total_per_m2,
            limit: t.limit.as_ref().map(LimitJson::from),
        }
    }
}

/// One comparison of a rule as evaluated.
#[derive(Serialize)]
pub(crate) struct ComparisonJson<'a> {
    class: Option<String>,
    comparator: &'static str,
    date: Option<chrono::NaiveDate>,
    grade: Option<u8>,
    input: &'a str,
    result: &'static str,
    stale: bool,
    threshold: &'a str,
    times_uln: Option<Decimal>,
    value: Option<Decimal>,
}

/// A rule as evaluated: its condition, action and source, what it read and
/// whether it fired (`true`, `false`, `unknown`).
#[derive(Serialize)]
pub(crate) struct RuleJson<'a> {
    comparisons: Vec<ComparisonJson<'a>>,
    kind: &'static str,
    note: Option<&'a str>,
    result: &'static str,
    source: &'a str,
    then: String,
    when: &'a str,
}

fn truth_id(t: &crate::rules::Truth) -> &'static str {
    match t {
        crate::rules::Truth::True => "true",
        crate::rules::Truth::False => "false",
        crate::rules::Truth::Unknown(_) => "unknown",
    }
}

impl<'a> From<&'a crate::rules::RuleResult> for RuleJson<'a> {
    fn from(r: &'a crate::rules::RuleResult) -> Self {
        use crate::rules::Observed;
        RuleJson {
            kind: r.rule.kind.id(),
            when: &r.rule.when_written,
            then: r.rule.then.to_string(),
            source: &r.rule.source,
            note: r.rule.note.as_deref(),
            result: truth_id(&r.truth),
            comparisons: r
                .comparisons
                .iter()
                .map(|c| ComparisonJson {
                    input: c.comparison.variable.id(),
                    comparator: c.comparison.comparator.symbol(),
                    threshold: &c.comparison.written,
                    value: match &c.observed {
                        Some(Observed::Value(v)) => Some(*v),
                        _ => None,
                    },
                    times_uln: match &c.observed {
                        Some(Observed::TimesUln(v)) => Some(*v),
                        _ => None,
                    },
                    class: match &c.observed {
                        Some(Observed::Class(k)) => Some(k.to_string()),
                        _ => None,
                    },
                    grade: match &c.observed {
                        Some(Observed::Grade(g)) => Some(*g),
                        _ => None,
                    },
                    date: c.date,
                    stale: c.stale,
                    result: truth_id(&c.truth),
                })
                .collect(),
        }
    }
}

/// A drug's clinical rules as evaluated, with its verdict.
#[derive(Serialize)]
pub(crate) struct DrugAssessmentJson<'a> {
    day: Vec<RuleJson<'a>>,
    drug: &'a str,
    missing: Vec<&'a str>,
    omitted_by: Option<RuleJson<'a>>,
    organ: Vec<RuleJson<'a>>,
    toxicity: Vec<RuleJson<'a>>,
    verdict: &'static str,
}

/// The plan's clinical assessment: the day assessed, the verdict, by drug.
#[derive(Serialize)]
pub(crate) struct AssessmentJson<'a> {
    day: u32,
    drugs: Vec<DrugAssessmentJson<'a>>,
    verdict: &'static str,
}

/// A verdict id: `proceed`, `modify`, `hold`, `not-checked`.
pub(crate) fn verdict_id(v: crate::rules::Verdict) -> &'static str {
    match v {
        crate::rules::Verdict::Proceed => "proceed",
        crate::rules::Verdict::Modify => "modify",
        crate::rules::Verdict::Hold => "hold",
        crate::rules::Verdict::NotChecked => "not-checked",
    }
}

impl<'a> From<&'a crate::dose::Assessment> for AssessmentJson<'a> {
    fn from(a: &'a crate::dose::Assessment) -> Self {
        AssessmentJson {
            day: a.day,
            verdict: verdict_id(a.verdict),
            drugs: a
                .drugs
                .iter()
                .map(|d| DrugAssessmentJson {
                    drug: &d.drug,
                    verdict: verdict_id(d.verdict),
                    missing: d.missing.iter().map(|v| v.id()).collect(),
                    omitted_by: d.omitted.as_ref().map(RuleJson::from),
                    organ: d.organ.iter().map(RuleJson::from).collect(),
                    day: d.day.iter().map(RuleJson::from).collect(),
                    toxicity: d.toxicity.iter().map(RuleJson::from).collect(),
                })
                .collect(),
        }
    }
}

/// An overridden stop: its code, the reason given and the stop in words.
#[derive(Serialize)]
pub(crate) struct OverrideJson {
    code: String,
    message: String,
    reason: String,
}

impl From<&Overridden> for OverrideJson {
    fn from(o: &Overridden) -> Self {
        OverrideJson {
            code: o.stop.code(),
            reason: o.reason.clone(),
            message: o.stop.to_string(),
        }
    }
}

/// The overridden stops that concern one administration: code and reason.
#[derive(Serialize)]
pub(crate) struct AdministrationOverrideJson {
    code: String,
    reason: String,
}

/// The overridden stops that concern `a` (its own and every dose's).
pub(crate) fn overrides_of(
    a: &Administration,
    overridden: &[Overridden],
) -> Vec<AdministrationOverrideJson> {
    overridden
        .iter()
        .filter(|o| o.stop.concerns(a))
        .map(|o| AdministrationOverrideJson {
            code: o.stop.code(),
            reason: o.reason.clone(),
        })
        .collect()
}

/// A warning: a stable code and the words.
#[derive(Serialize)]
pub(crate) struct WarningJson {
    code: &'static str,
    message: String,
}

impl From<&Warning> for WarningJson {
    fn from(w: &Warning) -> Self {
        WarningJson {
            code: w.code(),
            message: w.to_string(),
        }
    }
}

pub(crate) fn warnings_json(warnings: &[Warning]) -> Vec<WarningJson> {
    warnings.iter().map(WarningJson::from).collect()
}

/// The `dose` output (`docs/output-json.md`, "dose"), written directly:
/// its fields, and every struct's below it, are declared in sorted order.
#[derive(Serialize)]
pub struct DoseJson<'a> {
    administrations: Vec<DoseAdministrationJson<'a>>,
    assessment: AssessmentJson<'a>,
    bsa: BsaJson,
    cycle: u32,
    dose_weight: Option<DoseWeightJson>,
    overrides: Vec<OverrideJson>,
    patient: PatientJson,
    planned_cycles: Option<u32>,
    regimen: String,
    /// The regimen file and its SHA-256, when the caller knows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    regimen_source: Option<Value>,
    regimen_version: String,
    renal: RenalJson,
    /// The site configuration in force, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    site_config: Option<Value>,
    status: Status,
    totals: Vec<DrugTotalJson>,
    warnings: Vec<WarningJson>,
}

impl<'a> DoseJson<'a> {
    /// The plan's output.
    pub fn new(plan: &'a DosePlan) -> Self {
        DoseJson {
            administrations: plan
                .administrations
                .iter()
                .map(|a| DoseAdministrationJson::new(a, &plan.overridden))
                .collect(),
            assessment: AssessmentJson::from(&plan.assessment),
            bsa: BsaJson::from(&plan.bsa),
            cycle: plan.cycle,
            dose_weight: dose_weight_json(plan.dose_weight),
            overrides: plan.overridden.iter().map(Into::into).collect(),
            patient: PatientJson::from(&plan.patient),
            planned_cycles: plan.planned_cycles,
            regimen: plan.regimen_id.clone(),
            regimen_source: None,
            regimen_version: plan.regimen_version.clone(),
            renal: RenalJson::from(&plan.renal),
            site_config: None,
            status: plan.status,
            totals: plan.totals.iter().map(Into::into).collect(),
            warnings: warnings_json(&plan.warnings),
        }
    }

    /// With `regimen_source`: the regimen file and its SHA-256.
    pub fn with_source(mut self, source: &crate::regimen::RegimenSource) -> Self {
        self.regimen_source = Some(super::provenance::source_json(source));
        self
    }

    /// With warnings from outside the plan (code, words) before its own.
    pub fn with_leading_warnings(mut self, warnings: &[(&'static str, String)]) -> Self {
        let leading = warnings.iter().map(|(code, message)| WarningJson {
            code,
            message: message.clone(),
        });
        self.warnings = leading.chain(self.warnings).collect();
        self
    }

    /// With `site_config`: the site configuration in force, if any.
    pub fn with_site_config(mut self, c: Option<&crate::config::InForce>) -> Self {
        self.site_config = c.map(site_config_json);
        self
    }
}

/// The plan as JSON (documented in `docs/output-json.md`).
pub fn dose_json(plan: &DosePlan) -> Value {
    tree(DoseJson::new(plan))
}

/// A published source.
#[derive(Serialize)]
pub(crate) struct SourceJson {
    citation: String,
    doi: Option<String>,
    note: Option<String>,
    pmid: Option<String>,
    url: Option<String>,
}

impl From<&Source> for SourceJson {
    fn from(s: &Source) -> Self {
        SourceJson {
            citation: s.citation.clone(),
            url: s.url.clone(),
            doi: s.doi.clone(),
            pmid: s.pmid.clone(),
            note: s.note.clone(),
        }
    }
}

/// `site_config`: the site configuration file in force and the settings
/// taken from it; the field is left out when no file is in force.
#[derive(Debug, Serialize)]
pub struct SiteConfigJson<'a> {
    /// The file, as named.
    pub file: &'a str,
    /// The keys whose values were used (`dose.bsa_formula`).
    pub settings: &'a [String],
}

/// The `site_config` field of a JSON output.
pub fn site_config_json(c: &crate::config::InForce) -> Value {
    serde_json::to_value(SiteConfigJson {
        file: &c.file,
        settings: &c.settings,
    })
    .unwrap_or(Value::Null)
}
