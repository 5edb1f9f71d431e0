//! `chemodose dose`: one cycle's doses for a patient.

use clap::Args;
use uom::si::f64::{Area, Length, Mass, MassConcentration, Time, VolumeRate};

use chemodose::anthracycline::AnthracyclinePolicy;
use chemodose::bsa::{BsaFormula, BsaRounding};
use chemodose::dose::{
    DoseError, DoseOptions, Overrides, PerDrug, Reduction, WeightReference, WeightReferenceKind,
    calculate,
};
use chemodose::history::{Before, CardiacRadiation, GivenCycle, History};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::Percent;
use chemodose::regimen::{Regimen, RoundingRule};
use chemodose::renal::{CockcroftGaultOptions, GfrCap, WeightBasis};
use chemodose::render::dose::dose_text_from;
use chemodose::render::dose_html::dose_html;
use chemodose::render::dose_md::dose_markdown;
use chemodose::render::json::DoseJson;

use super::args::{self, ReportFormat};
use super::output::{JsonLayout, deliver, json_text};
use super::regimens::LibraryArgs;
use super::{InputError, Report};

mod resolve;
pub use resolve::{Dosing, apply_history};

/// Patient measurements and dose options shared by `dose` and `schedule`.
#[derive(Debug, Args, Clone)]
#[group(skip)]
pub struct PatientDoseArgs {
    #[command(flatten)]
    pub patient: PatientArgs,
    #[command(flatten)]
    pub dose: DoseOptionArgs,
    /// A treatment history: prior doses count against lifetime limits, and its
    /// latest measurements are used where --height, --weight, --sex, --age or
    /// --scr are not given.
    #[arg(long, value_name = "FILE")]
    pub history: Option<std::path::PathBuf>,
    /// A FHIR R4 Bundle (JSON, or NDJSON when the file ends in .ndjson)
    /// with the Patient and its Observations coded in LOINC: height,
    /// weight, serum creatinine and the laboratory results are taken from
    /// it where not given on the command line (docs/fhir.md).
    #[arg(long, value_name = "FILE")]
    pub fhir: Option<std::path::PathBuf>,
}

/// One patient's measurements.
#[derive(Debug, Args, Clone)]
#[group(skip)]
pub struct PatientArgs {
    /// Height with its unit: 170cm, 67in or 5ft7in. Required, unless
    /// --history or --fhir gives the latest.
    #[arg(long, value_name = "HEIGHT", required_unless_present_any = ["history", "fhir"], allow_hyphen_values = true, value_parser = args::height)]
    pub height: Option<Length>,
    /// Weight with its unit: 70kg or 154lb. Required, unless --history
    /// or --fhir gives the latest.
    #[arg(long, value_name = "WEIGHT", required_unless_present_any = ["history", "fhir"], allow_hyphen_values = true, value_parser = args::weight)]
    pub weight: Option<Mass>,
    /// The date --height and --weight were measured: 2026-11-30. On or
    /// before the treatment date (--start of a schedule; --on, or today, of
    /// a dose); printed beside them.
    #[arg(long, value_name = "DATE", requires_all = ["height", "weight"], value_parser = args::date)]
    pub measured_on: Option<chrono::NaiveDate>,
    /// The patient's sex, for the formulas that differ by it (Schlich,
    /// ideal weight, Cockcroft-Gault).
    #[arg(long, value_name = "SEX", value_parser = args::SEX)]
    pub sex: Option<Sex>,
    /// Age in years: 64 (or 64y).
    #[arg(long, value_name = "YEARS", allow_hyphen_values = true, value_parser = args::age)]
    pub age: Option<Time>,
    /// Serum creatinine with its unit: 1.1mg/dL or 97umol/L.
    #[arg(long, value_name = "SCR", allow_hyphen_values = true, value_parser = args::creatinine)]
    pub scr: Option<MassConcentration>,
    /// The date --scr was measured: 2026-11-30. On or before the treatment
    /// date; printed beside it.
    #[arg(long, value_name = "DATE", requires = "scr", value_parser = args::date)]
    pub scr_date: Option<chrono::NaiveDate>,
}

/// What the clinical rules read besides height, weight, sex, age and serum
/// creatinine: laboratory results, Child-Pugh class, toxicities, the date
/// and the day assessed.
#[derive(Debug, Args, Clone)]
#[group(skip)]
pub struct ClinicalArgs {
    #[command(flatten)]
    pub labs: super::labs::LabArgs,
    /// Child-Pugh class of hepatic impairment.
    #[arg(long, value_name = "CLASS", value_parser = args::CHILD_PUGH)]
    pub child_pugh: Option<chemodose::rules::ChildPugh>,
    /// The worst CTCAE grade of a toxicity in the previous cycle:
    /// febrile-neutropenia=3, neutropenia=4, thrombocytopenia=4,
    /// peripheral-neuropathy=3, non-haematological=3, ... Repeatable.
    #[arg(long, value_name = "TOXICITY=GRADE", value_parser = args::toxicity)]
    pub toxicity: Vec<(String, u8)>,
    /// The treatment date results are judged against: 2026-12-01. Today
    /// when not given.
    #[arg(long, value_name = "DATE", value_parser = args::date)]
    pub on: Option<chrono::NaiveDate>,
    /// The day of the cycle whose treatment-day criteria the results are
    /// for: 8. The cycle's first administration day when not given.
    #[arg(long, value_name = "DAY", allow_hyphen_values = true, value_parser = args::day_number)]
    pub day: Option<u32>,
    /// The oldest a result may be, in days, before it is stale and cannot
    /// let a dose PROCEED: 3 (the built-in default, or the site config's).
    #[arg(long, value_name = "DAYS",
          allow_hyphen_values = true, value_parser = args::days)]
    pub max_result_age: Option<u32>,
    /// An alternative rule table of a regimen for one drug, as the regimen
    /// file names it: cisplatin=kintzel-dorr. Repeatable.
    #[arg(long, value_name = "DRUG=SET", value_parser = args::rule_set)]
    pub rule_set: Vec<(String, String)>,
}

impl ClinicalArgs {
    /// The files these options read (a labs file), which an output must not
    /// replace.
    pub fn files_read(&self) -> Vec<std::path::PathBuf> {
        self.labs.labs.iter().cloned().collect()
    }

    /// The clinical inputs, judged on `--on` or today.
    pub fn clinical(&self) -> Result<chemodose::rules::ClinicalInputs, InputError> {
        let on = self.on.unwrap_or_else(super::today);
        let mut toxicities = std::collections::BTreeMap::new();
        for (name, grade) in &self.toxicity {
            if toxicities.insert(name.clone(), *grade).is_some() {
                return Err(InputError(format!("--toxicity {name} is given twice")));
            }
        }
        let mut rule_sets = std::collections::BTreeMap::new();
        for (drug, set) in &self.rule_set {
            if rule_sets.insert(drug.clone(), set.clone()).is_some() {
                return Err(InputError(format!("--rule-set for {drug} is given twice")));
            }
        }
        Ok(chemodose::rules::ClinicalInputs {
            labs: self.labs.labs(on)?,
            child_pugh: self.child_pugh,
            toxicities,
            on: Some(on),
            day: self.day,
            max_result_age_days: super::settings::value(
                self.max_result_age,
                |c| &c.max_result_age_days,
                chemodose::rules::ClinicalInputs::DEFAULT_MAX_RESULT_AGE_DAYS,
            ),
            rule_sets,
            cycle_start: None,
        })
    }
}

/// How anthracyclines count together, for `dose`, `schedule`, `batch` and
/// `history show`.
#[derive(Debug, Args, Clone)]
#[group(skip)]
pub struct AnthracyclineArgs {
    /// Doxorubicin-equivalence factors for anthracyclines: ighg
    /// (cardiotoxicity-based), cog (substitution rules), survivorship, or a
    /// site's factor file (TOML). Default ighg, or the site config's.
    #[arg(long, value_name = "SET|FILE", value_parser = args::factor_set)]
    pub anthracycline_factors: Option<chemodose::anthracycline::FactorSet>,
    /// A site's doxorubicin-equivalent lifetime limit instead of the label's
    /// 550 mg/m², e.g. 450mg/m2.
    #[arg(long, value_name = "DOSE", value_parser = args::limit_per_m2)]
    pub anthracycline_limit: Option<rust_decimal::Decimal>,
    /// A site's lower limit after cardiac-region radiation instead of the
    /// label's 400 mg/m² (never above --anthracycline-limit).
    #[arg(long, value_name = "DOSE", value_parser = args::limit_per_m2)]
    pub anthracycline_limit_after_radiation: Option<rust_decimal::Decimal>,
}

impl AnthracyclineArgs {
    /// The anthracycline policy: the factor set, and the label's limits
    /// unless the site gives its own.
    pub fn policy(&self) -> Result<AnthracyclinePolicy, InputError> {
        use super::settings::optional;
        use chemodose::config::FactorsSetting;
        let factors = match optional(
            self.anthracycline_factors
                .clone()
                .map(FactorsSetting::Bundled),
            |c| &c.anthracycline_factors,
        ) {
            None => chemodose::anthracycline::FactorSet::default(),
            Some(FactorsSetting::Bundled(set)) => set,
            Some(FactorsSetting::File(path)) => args::factor_set(&path.display().to_string())
                .map_err(|e| {
                    InputError(format!(
                        "anthracycline.factors of the site configuration: {e}"
                    ))
                })?,
        };
        let mut policy = AnthracyclinePolicy {
            factors,
            site_limit: None,
        };
        let site_limit = optional(self.anthracycline_limit, |c| &c.anthracycline_limit);
        let site_after = optional(self.anthracycline_limit_after_radiation, |c| {
            &c.anthracycline_limit_after_radiation
        });
        if site_limit.is_some() || site_after.is_some() {
            let label = AnthracyclinePolicy::label_limit();
            let limit = site_limit.unwrap_or(label.mg_per_m2);
            let after = site_after.unwrap_or(label.after_cardiac_radiation_mg_per_m2.min(limit));
            if after > limit {
                return Err(InputError(format!(
                    "the limit after cardiac-region radiation ({after} mg/m²) cannot be above the lifetime limit ({limit} mg/m²)"
                )));
            }
            policy.site_limit = Some(chemodose::anthracycline::Limit {
                mg_per_m2: limit,
                after_cardiac_radiation_mg_per_m2: after,
                source: format!(
                    "site setting: {limit} mg/m², {after} mg/m² after cardiac-region radiation (the label's are {} and {} mg/m²)",
                    label.mg_per_m2, label.after_cardiac_radiation_mg_per_m2
                ),
            });
        }
        Ok(policy)
    }
}

/// Dose options shared by `dose`, `schedule` and `batch`.
#[derive(Debug, Args, Clone)]
#[group(skip)]
pub struct DoseOptionArgs {
    /// BSA formula. Default mosteller, or the site config's.
    #[arg(long, value_name = "FORMULA", value_parser = args::FORMULA)]
    pub formula: Option<BsaFormula>,
    /// BSA rounding for dosing: a step in m², or none. Default 0.01, or the
    /// site config's.
    #[arg(long, value_name = "STEP", value_parser = args::BSA_ROUNDING)]
    pub bsa_round: Option<BsaRounding>,
    /// Cap the BSA of every per-m² drug, with its unit: 2.0m2. Off when not
    /// given (ASCO recommends full weight-based dosing), unless the site
    /// config sets one.
    #[arg(long, value_name = "BSA", allow_hyphen_values = true, value_parser = args::bsa_cap)]
    pub bsa_cap: Option<Area>,
    /// Weight for per-kg doses (ideal and adjusted need --height and --sex).
    /// Default actual, or the site config's.
    #[arg(long, value_name = "BASIS", value_parser = args::WEIGHT_BASIS)]
    pub dose_weight: Option<WeightBasis>,
    /// A measured or estimated GFR for carboplatin, with its unit: 90mL/min.
    #[arg(long, value_name = "GFR", allow_hyphen_values = true, value_parser = args::gfr)]
    pub gfr: Option<VolumeRate>,
    /// Do not cap the Calvert GFR at 125 mL/min.
    #[arg(long)]
    pub no_gfr_cap: bool,
    /// Weight for Cockcroft-Gault (ideal and adjusted need --height and --sex).
    /// Default actual, or the site config's.
    #[arg(long, value_name = "BASIS", value_parser = args::WEIGHT_BASIS)]
    pub crcl_weight: Option<WeightBasis>,
    /// Lowest serum creatinine for Cockcroft-Gault, with its unit: 0.7mg/dL.
    /// Off when not given.
    #[arg(long, value_name = "SCR", allow_hyphen_values = true, value_parser = args::creatinine)]
    pub scr_floor: Option<MassConcentration>,
    /// Planned number of cycles, 1 to 100, for course totals and lifetime
    /// limits: 6. The regimen's when not given.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = args::cycle_count)]
    pub cycles: Option<u32>,
    /// Dose level for all antineoplastic drugs (-1) or one drug (docetaxel=-1). Repeatable.
    #[arg(long, value_name = "[DRUG=]LEVEL", allow_hyphen_values = true, value_parser = args::level)]
    pub level: Vec<(Option<String>, i32)>,
    /// Percent reduction for all antineoplastic drugs (20%) or one drug (gemcitabine=25%). Repeatable.
    #[arg(long, value_name = "[DRUG=]PERCENT", allow_hyphen_values = true, value_parser = args::percent_for)]
    pub reduce: Vec<(Option<String>, Percent)>,
    /// A day list for one drug in this cycle, replacing the regimen's:
    /// cisplatin=1-4. Checked against the cycle length; shown beside the dose.
    /// Repeatable, one per drug.
    #[arg(long = "days", value_name = "DRUG=DAYS", value_parser = args::days_for)]
    pub days: Vec<(String, Vec<u32>)>,
    /// Rounding for the antineoplastic drugs or one drug (docetaxel=10mg): a
    /// step with its unit (1mg, 0.1mg, 5mcg), none, strengths (whole
    /// tablets or vials), or bands (one drug's dose bands from the regimen
    /// file: docetaxel=bands). Repeatable. Default each regimen's own, or
    /// the site config's.
    #[arg(long, value_name = "[DRUG=]RULE", allow_hyphen_values = true, value_parser = args::rounding_for)]
    pub round: Vec<(Option<String>, args::RoundArg)>,
    /// A weight change since the line's first or last cycle, in percent,
    /// that stops the dose until acknowledged with --override
    /// weight-change="reason": 5% for children. Default 10%, or the site
    /// config's.
    #[arg(long, value_name = "PERCENT", allow_hyphen_values = true, value_parser = args::tolerance)]
    pub weight_change_threshold: Option<Percent>,
    /// Largest accepted change by rounding, in percent of the calculated
    /// dose (HOPA: 10%). Default 10%, or the site config's.
    #[arg(long, value_name = "PERCENT", allow_hyphen_values = true, value_parser = args::tolerance)]
    pub round_tolerance: Option<Percent>,
    #[command(flatten)]
    pub anthracycline: AnthracyclineArgs,
    #[command(flatten)]
    pub clinical: ClinicalArgs,
    /// The patient has had mediastinal or cardiac-region radiation (lower anthracycline limit).
    #[arg(long)]
    pub cardiac_radiation: bool,
    /// Let one safety stop through, with the reason printed beside the dose:
    /// CODE="reason", the code as the refusal names it (status-withdrawn,
    /// per-cycle-ceiling, lifetime-limit, ...). Repeatable, one per stop.
    #[arg(long = "override", value_name = "CODE=REASON", value_parser = args::override_reason)]
    pub overrides: Vec<(String, String)>,
    /// The same as --override lifetime-limit="REASON".
    #[arg(long, value_name = "REASON", value_parser = args::plain)]
    pub allow_over_limit: Option<String>,
    /// The same as --override per-cycle-ceiling="REASON".
    #[arg(long, value_name = "REASON", value_parser = args::plain)]
    pub allow_over_ceiling: Option<String>,
}

impl PatientArgs {
    /// Refuses a measurement date after the treatment date: day 1 of a
    /// schedule (`--start`), or the date a dose is judged on (`--on`, else
    /// today, the date lab results are judged on). A later date is a typo
    /// (often two dates swapped): the page would say the patient was
    /// measured after being dosed.
    fn check_measured_on(
        &self,
        dosing: Dosing<'_>,
        on: Option<chrono::NaiveDate>,
    ) -> Result<(), InputError> {
        let (date, what) = match (dosing, on) {
            (Dosing::Schedule { start, .. }, _) => (start, "day 1 of the course, --start"),
            (Dosing::Cycle { .. }, Some(on)) => (on, "the treatment date, --on"),
            (Dosing::Cycle { .. }, None) => (super::today(), "today,"),
        };
        for (measured, flag, which) in [
            (self.measured_on, "--measured-on", "height and weight were"),
            (self.scr_date, "--scr-date", "serum creatinine was"),
        ] {
            if let Some(measured) = measured
                && measured > date
            {
                return Err(InputError(format!(
                    "{flag} {measured} is after {what} {date}: write the date {which} \
                     measured, on or before {date} (YYYY-MM-DD)"
                )));
            }
        }
        Ok(())
    }

    /// The patient, refusing missing height or weight.
    pub fn patient(&self) -> Result<Patient, InputError> {
        let height = self
            .height
            .ok_or_else(|| InputError("--height is required, e.g. --height 170cm".to_owned()))?;
        let weight = self
            .weight
            .ok_or_else(|| InputError("--weight is required, e.g. --weight 70kg".to_owned()))?;
        Ok(Patient {
            height,
            weight,
            measured_on: self.measured_on,
            sex: self.sex,
            age: self.age,
            serum_creatinine: self.scr,
            serum_creatinine_on: self.scr_date,
        })
    }
}

impl DoseOptionArgs {
    /// The engine options for `regimen` (`--round DRUG=bands` reads the
    /// drug's dose bands from it).
    pub fn options(&self, regimen: &Regimen) -> Result<DoseOptions, InputError> {
        let reductions = reductions(&self.level, &self.reduce)?;
        let mut rounding = PerDrug::default();
        for (drug, r) in &self.round {
            let rule = match (r, drug) {
                (args::RoundArg::Rule(rule), _) => rule.clone(),
                (args::RoundArg::RegimenBands, Some(d)) => regimen_bands(regimen, d)?,
                (args::RoundArg::RegimenBands, None) => {
                    return Err(InputError(
                        "--round bands needs a drug: docetaxel=bands".to_owned(),
                    ));
                }
            };
            set(&mut rounding, drug, rule, "--round")?;
        }
        use super::settings::{optional, value};
        let defaults = DoseOptions::default();
        // The site's rounding for all drugs stands unless `--round` without
        // a drug replaces it; `--round DRUG=…` still wins for that drug.
        rounding.all = optional(rounding.all.take(), |c| &c.rounding);
        Ok(DoseOptions {
            bsa_formula: value(self.formula, |c| &c.bsa_formula, defaults.bsa_formula),
            bsa_rounding: value(self.bsa_round, |c| &c.bsa_rounding, defaults.bsa_rounding),
            bsa_cap: optional(self.bsa_cap, |c| &c.bsa_cap),
            dose_weight: value(self.dose_weight, |c| &c.dose_weight, defaults.dose_weight),
            gfr: self.gfr,
            crcl: CockcroftGaultOptions {
                weight_basis: value(
                    self.crcl_weight,
                    |c| &c.crcl_weight,
                    defaults.crcl.weight_basis,
                ),
                creatinine_floor: self.scr_floor,
            },
            gfr_cap: if self.no_gfr_cap {
                GfrCap::Off
            } else {
                GfrCap::Fda125
            },
            reductions,
            rounding,
            rounding_tolerance: value(
                self.round_tolerance,
                |c| &c.round_tolerance,
                DoseOptions::DEFAULT_ROUNDING_TOLERANCE,
            ),
            weight_change_threshold: value(
                self.weight_change_threshold,
                |c| &c.weight_change_threshold,
                DoseOptions::DEFAULT_WEIGHT_CHANGE,
            ),
            course_from: None,
            given_so_far: None,
            weight_references: Vec::new(),
            planned_cycles: self.cycles,
            prior: Vec::new(),
            cardiac_radiation: self.cardiac_radiation,
            anthracycline: self.anthracycline.policy()?,
            clinical: self.clinical.clinical()?,
            previous_reduction: PerDrug::default(),
            apply_rules: true,
            uncounted: Vec::new(),
            overrides: self.overrides()?,
            days: {
                let mut days = std::collections::BTreeMap::new();
                for (drug, list) in &self.days {
                    if days.insert(drug.clone(), list.clone()).is_some() {
                        return Err(InputError(format!("--days for {drug} is given twice")));
                    }
                }
                days
            },
            lifetime_check: chemodose::dose::LifetimeCheck::PlannedCourse,
        })
    }
}

impl DoseOptionArgs {
    /// The overrides, each code once (the aliases included).
    fn overrides(&self) -> Result<Overrides, InputError> {
        let mut out = Overrides::new();
        let aliases = [
            ("lifetime-limit", &self.allow_over_limit),
            ("per-cycle-ceiling", &self.allow_over_ceiling),
        ];
        let given = self
            .overrides
            .iter()
            .map(|(c, r)| (c.as_str(), r.as_str()))
            .chain(
                aliases
                    .iter()
                    .filter_map(|(c, r)| r.as_deref().map(|r| (*c, r))),
            );
        for (code, reason) in given {
            if !out.insert(code, reason) {
                return Err(InputError(format!(
                    "the override {code} is given twice; give it once, with one reason"
                )));
            }
        }
        Ok(out)
    }
}

/// `--round DRUG=bands`: the drug's dose bands as the regimen file lists
/// them; refused when the regimen has no such drug or no bands for it.
fn regimen_bands(regimen: &Regimen, drug: &str) -> Result<RoundingRule, InputError> {
    let Some(d) = regimen.drugs.iter().find(|d| d.name == drug) else {
        return Err(InputError(format!(
            "--round {drug}=bands: `{drug}` is not a drug of regimen {}; its drugs: {}",
            regimen.id,
            regimen
                .drugs
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    match &d.rounding {
        RoundingRule::Bands(_) => Ok(d.rounding.clone()),
        other => Err(InputError(format!(
            "--round {drug}=bands: regimen {} lists no dose bands for {drug} (it rounds {}); give a step instead, e.g. --round {drug}=10mg",
            regimen.id,
            chemodose::render::regimen::rounding_text(
                other,
                chemodose::render::regimen::unit_of(d)
            )
        ))),
    }
}

/// The flag that gives a reduction: `--level`, `--reduce`, or with a suffix
/// (`--level-from`).
pub fn reduction_flag(r: &Reduction, suffix: &str) -> String {
    match r {
        Reduction::Level(_) => format!("--level{suffix}"),
        Reduction::Percent(_) => format!("--reduce{suffix}"),
    }
}

/// Two reductions given for the same drug (or all drugs), and from the same
/// cycle in a schedule (`prefix` is then `3=`): the refusal names both as
/// typed. A dose level and a percent are two changes to one dose, which the
/// engine takes one at a time; the same flag twice is a contradiction.
pub fn conflicting_reductions(
    prefix: &str,
    (drug, first): (&Option<String>, &Reduction),
    (_, second): (&Option<String>, &Reduction),
) -> String {
    let suffix = if prefix.is_empty() { "" } else { "-from" };
    let typed = |r: &Reduction| {
        let value = match r {
            Reduction::Level(l) => l.to_string(),
            Reduction::Percent(p) => {
                format!("{}%", chemodose::render::ismp::format_decimal(p.value()))
            }
        };
        let drug = drug.as_ref().map(|d| format!("{d}=")).unwrap_or_default();
        format!("{} {prefix}{drug}{value}", reduction_flag(r, suffix))
    };
    let who = match drug {
        Some(d) => d.clone(),
        None => "all drugs".to_owned(),
    };
    let when = if prefix.is_empty() {
        String::new()
    } else {
        format!(" from cycle {}", prefix.trim_end_matches('='))
    };
    if std::mem::discriminant(first) == std::mem::discriminant(second) {
        format!(
            "{} and {} are both given for {who}{when}: give one",
            typed(first),
            typed(second)
        )
    } else {
        format!(
            "{} and {} both change the dose of {who}{when}: a dose level and a percent reduction cannot both be given for the same drug; give one of them",
            typed(first),
            typed(second)
        )
    }
}

/// The reductions given as `--level [DRUG=]LEVEL` and `--reduce
/// [DRUG=]PERCENT`, by drug or for all antineoplastic drugs; one change per
/// drug (a level and a percent for the same drug, or either twice, are
/// refused naming both as typed). `dose`, `schedule` and `history record`
/// read them alike.
pub fn reductions(
    level: &[(Option<String>, i32)],
    reduce: &[(Option<String>, Percent)],
) -> Result<PerDrug<Reduction>, InputError> {
    let mut reductions = PerDrug::default();
    let given = level
        .iter()
        .map(|(d, l)| (d, Reduction::Level(*l)))
        .chain(reduce.iter().map(|(d, p)| (d, Reduction::Percent(*p))));
    let mut seen: Vec<(&Option<String>, Reduction)> = Vec::new();
    for (drug, reduction) in given {
        if let Some((_, earlier)) = seen.iter().find(|(d, _)| *d == drug) {
            return Err(InputError(conflicting_reductions(
                "",
                (drug, earlier),
                (drug, &reduction),
            )));
        }
        seen.push((drug, reduction));
        set(
            &mut reductions,
            drug,
            reduction,
            &reduction_flag(&reduction, ""),
        )?;
    }
    Ok(reductions)
}

fn set<T>(
    target: &mut PerDrug<T>,
    drug: &Option<String>,
    value: T,
    flag: &str,
) -> Result<(), InputError> {
    match drug {
        None => {
            if target.all.is_some() {
                return Err(InputError(format!("{flag} for all drugs is given twice")));
            }
            target.all = Some(value);
        }
        Some(d) => {
            if target.drugs.insert(d.clone(), value).is_some() {
                return Err(InputError(format!(
                    "{flag} for {d} is given twice (a level and a percent reduction cannot be combined)"
                )));
            }
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
#[group(skip)]
pub struct DoseArgs {
    /// A regimen id or alias (see `chemodose regimens list`), or a path to a regimen file.
    regimen: String,
    /// The cycle to dose, from 1: 2.
    #[arg(long, value_name = "N", default_value_t = 1, allow_hyphen_values = true, value_parser = args::cycle_number)]
    cycle: u32,
    #[command(flatten)]
    patient: PatientDoseArgs,
    #[command(flatten)]
    lib: LibraryArgs,
    /// Output format: text, Markdown (md), print-ready HTML (html) or JSON.
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// Write to this file (whole or not at all) instead of standard output:
    /// doses-cycle-1.html.
    #[arg(long, short, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

/// A dose error as an exit code (safety stops 1, bad input 2), with the
/// flag that would let the user proceed.
/// A note for each override no stop of the result used: a reason given for a
/// stop that did not arise (a code for another drug, or a stale habit).
pub fn unused_overrides<'a>(
    options: &DoseOptions,
    used: impl Iterator<Item = &'a chemodose::dose::Overridden> + Clone,
) -> Vec<String> {
    options
        .overrides
        .iter()
        .filter(|(code, _)| !used.clone().any(|o| o.stop.code() == *code))
        .map(|(code, _)| format!("--override {code} was not used: no such stop arose"))
        .collect()
}

pub fn dose_failure(e: DoseError) -> super::Failure {
    if let DoseError::Refused(stops) = &e {
        return super::Failure::Check(super::Refusal {
            message: refusal(stops, super::hints::dose_hint(&e)),
            stops: stops
                .iter()
                .map(|s| super::StopRef {
                    code: s.code(),
                    // The rule's own citation, else where the stop's rule comes from.
                    source: chemodose::render::explain::stop_citation(s).or_else(|| {
                        chemodose::render::explain::explain(&s.code()).map(|e| e.source.to_owned())
                    }),
                })
                .collect(),
        });
    }
    let message = super::hints::with_hint(&e.to_string(), super::hints::dose_hint(&e));
    if e.is_safety_stop() {
        super::Failure::Check(format!("refused: {message}").into())
    } else {
        super::Failure::Input(InputError(message))
    }
}

/// A refusal as one line of what stopped the dose, then `help:` lines: each
/// stop's citation, what to type (the override and other flags), and where
/// the rule is explained. The citation, hundreds of characters long, is
/// never part of the error line.
fn refusal(stops: &[chemodose::dose::Stop], hint: Option<String>) -> String {
    use chemodose::render::explain::{stop_brief, stop_citation};
    let brief = match stops {
        [one] => stop_brief(one),
        many => {
            let list: Vec<String> = many
                .iter()
                .enumerate()
                .map(|(i, s)| format!("({}) {}", i + 1, stop_brief(s)))
                .collect();
            format!(
                "{} checks stopped this plan: {}",
                many.len(),
                list.join("; ")
            )
        }
    };
    let mut out = format!("refused: {brief}");
    for citation in stops.iter().filter_map(stop_citation) {
        out.push_str(&format!("\nhelp: source: {citation}"));
    }
    if let Some(h) = hint {
        out.push_str(&format!("\nhelp: {h}"));
    }
    let mut codes: Vec<String> = stops.iter().map(|s| s.code()).collect();
    codes.dedup();
    for code in codes {
        out.push_str(&format!(
            "\nhelp: the rule, its source and how to override it: chemodose explain {code}"
        ));
    }
    out
}

/// `chemodose dose`, its JSON laid out as `layout` says.
pub fn run(a: DoseArgs, layout: JsonLayout) -> Result<Report, super::Failure> {
    let entry = a.lib.regimen(&a.regimen)?;
    let resolved = a.patient.resolve(
        &a.lib,
        &entry.regimen,
        Dosing::Cycle {
            regimen: &entry.regimen.id,
            cycle: a.cycle,
        },
    )?;
    let plan = calculate(
        &entry.regimen,
        &resolved.patient,
        a.cycle,
        &resolved.options,
    )
    .map_err(dose_failure)?;
    // The history's warnings head the output, where they are read.
    let leading: Vec<String> = resolved
        .warnings
        .iter()
        .map(|(code, words)| format!("WARNING ({code}): {words}"))
        .collect();
    let text = match a.format {
        ReportFormat::Text => {
            let mut text = String::new();
            for l in &leading {
                text.push_str(l);
                text.push('\n');
            }
            if !leading.is_empty() {
                text.push('\n');
            }
            super::settings::stamp(
                super::settings::Stamp::Text,
                text + &dose_text_from(&plan, &entry.regimen, Some(&entry.source)),
            )
        }
        ReportFormat::Md => super::settings::stamp(
            super::settings::Stamp::Markdown,
            dose_markdown(&plan, &entry.regimen, Some(&entry.source), &leading),
        ),
        ReportFormat::Html => super::settings::stamp(
            super::settings::Stamp::Html,
            dose_html(&plan, &entry.regimen, Some(&entry.source), &leading),
        ),
        // Written directly from its wire structs, keys in the same sorted
        // order as every JSON output (`render::json`).
        ReportFormat::Json => json_text(
            &DoseJson::new(&plan)
                .with_source(&entry.source)
                .with_leading_warnings(&resolved.warnings)
                .with_site_config(super::settings::in_force().as_ref()),
            layout,
        )?,
    };
    let mut notes = resolved.notes.clone();
    if entry.source.differs_from_bundled() {
        notes.extend(chemodose::render::provenance::replaces_line(&entry.source));
    }
    notes.extend(unused_overrides(&resolved.options, plan.overridden.iter()));
    // The files an output file must not replace matter only with `-o`:
    // listing the folder otherwise cost each `serve` request a tenth of its
    // time.
    let mut inputs = Vec::new();
    if a.output.is_some() {
        inputs = a.lib.files_read(Some(&a.regimen));
        inputs.extend(a.patient.files_read());
    }
    let stdout = deliver(text, a.output.as_deref(), &inputs, &mut notes)?;
    Ok(Report {
        stdout,
        warnings: resolved.warning_lines(),
        notes,
        problem: false,
    })
}
