//! The regimen file as written: serde structs that mirror the TOML, with spans
//! kept for every value that is checked after parsing. Only the loader uses
//! these; the rest of the crate sees [`super::Regimen`].
//!
//! The JSON Schema in `docs/regimen.schema.json` is generated from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::{AntiemeticSet, EmetogenicRisk, FebrileNeutropeniaRisk, Intent, Role, Status};

/// One regimen file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "chemodose regimen")]
pub struct RegimenFile {
    /// Kebab-case identifier, unique in a library and equal to the file name.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Name as printed.
    pub name: String,
    /// Other names (acronyms, brand combinations).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Version of this definition, e.g. "1.0.0"; bump on every change.
    pub version: String,
    /// active, draft, case-report or withdrawn.
    #[schemars(with = "Status")]
    pub status: Spanned<Status>,
    /// Why the status is what it is; required for case-report and withdrawn.
    pub status_note: Option<String>,
    /// Date of the last pharmacist review (TOML date, e.g. 2026-11-22).
    #[schemars(with = "String")]
    pub last_reviewed: Spanned<toml::value::Datetime>,
    /// Indications, free text.
    #[serde(default)]
    pub indications: Vec<String>,
    /// Treatment intent(s).
    #[serde(default)]
    pub intent: Vec<Intent>,
    /// Emetogenic risk.
    pub emetogenic_risk: Option<EmetogenicRisk>,
    /// "standard" (default): the standard antiemetic set for
    /// `emetogenic_risk` on each chemotherapy day; "as-needed": none
    /// scheduled (oral daily treatment of low or minimal risk).
    #[serde(default)]
    pub antiemetic_set: AntiemeticSet,
    /// The chemotherapy days the emetogenic risk applies to, when not every
    /// antineoplastic day ("1" when day 8 gives only an antibody of minimal
    /// risk): a day list.
    #[schemars(with = "Option<String>")]
    pub antiemetic_days: Option<Spanned<String>>,
    /// Febrile-neutropenia risk.
    pub febrile_neutropenia_risk: Option<FebrileNeutropeniaRisk>,
    /// Free-text notes shown with the regimen.
    pub notes: Option<String>,
    /// Cycle length and count.
    #[schemars(with = "CycleFile")]
    pub cycle: Spanned<CycleFile>,
    /// Published sources; at least one.
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceFile>,
    /// Drugs, in order of administration.
    #[serde(default, rename = "drug")]
    #[schemars(with = "Vec<DrugFile>")]
    pub drugs: Vec<Spanned<DrugFile>>,
    /// Supportive care given as instructions.
    #[serde(default)]
    pub supportive: SupportiveFile,
}

/// `[cycle]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleFile {
    /// Days from one cycle's day 1 to the next.
    #[schemars(with = "u32")]
    pub length_days: Spanned<i64>,
    /// A number of cycles, or "until-progression".
    #[schemars(with = "CyclesValue")]
    pub cycles: Spanned<CyclesValue>,
    /// With "until-progression": the most cycles a protocol allows.
    #[schemars(with = "Option<u32>")]
    pub max_cycles: Option<Spanned<i64>>,
}

/// A number of cycles or the text "until-progression".
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CyclesValue {
    /// A fixed number.
    Count(i64),
    /// "until-progression".
    Text(String),
}

/// `[[source]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// Citation text.
    pub citation: String,
    /// URL.
    pub url: Option<String>,
    /// DOI.
    pub doi: Option<String>,
    /// PubMed id.
    pub pmid: Option<String>,
    /// What this source supports.
    pub note: Option<String>,
}

/// `[[drug]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrugFile {
    /// Generic name, lower case (tall-man lettering is applied on output).
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// antineoplastic, supportive or premedication.
    pub role: Role,
    /// The dose with its basis: "900 mg/m2", "15 mcg/kg", "800 mg", "AUC 5".
    #[schemars(with = "Option<String>")]
    pub dose: Option<Spanned<String>>,
    /// "day" (the dose is given on each listed day; default) or "cycle"
    /// (the dose is the cycle total, split evenly over the listed days).
    #[schemars(with = "Option<String>")]
    pub dose_per: Option<Spanned<String>>,
    /// A dose derived from another drug's final dose, on the same days.
    pub companion: Option<CompanionFile>,
    /// For supportive and premedication drugs given by local protocol: the
    /// instruction instead of a dose ("filgrastim SC daily per local protocol").
    /// The drug then appears on its days with this text and no amount.
    pub instruction: Option<String>,
    /// Route: IV, PO, SC, IM, IT, ...
    #[schemars(with = "String")]
    pub route: Spanned<String>,
    /// Infusion duration: "90 min", "24 h", "2-5 min", "bolus".
    #[schemars(with = "Option<String>")]
    pub infusion: Option<Spanned<String>>,
    /// Administration days in the cycle: "1", "1,8", "1-5", "1-3,8".
    /// Required, except for a premedication given on `relative_days`.
    #[schemars(with = "Option<String>")]
    pub days: Option<Spanned<String>>,
    /// For a premedication: its days counted from each day of the drug it
    /// `premedicates`, instead of `days`: "-1,0,+1" is the day before, the
    /// day of and the day after (docetaxel's dexamethasone). A day before
    /// day 1 is day -1 (there is no day 0); the days follow the drug's days
    /// as given, so a dose left out leaves out its premedication.
    #[schemars(with = "Option<String>")]
    pub relative_days: Option<Spanned<String>>,
    /// Cycles in which the drug is given, when not all: "1-8".
    #[schemars(with = "Option<String>")]
    pub cycles: Option<Spanned<String>>,
    /// For a premedication: the drug of the regimen it is given before
    /// ("trabectedin"); the loader checks it is given on each of that drug's
    /// days or the day before.
    #[schemars(with = "Option<String>")]
    pub premedicates: Option<Spanned<String>>,
    /// For supportive care and premedication: one dose at each of these
    /// times from the start of the drug it goes with (the companion's `of`,
    /// or the drug it `premedicates`) on the same day: "0 h", "+4 h",
    /// "-30 min". The dose (or companion percent) is per time.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub times: Vec<Spanned<String>>,
    /// For supportive care and premedication: this many doses on each of
    /// its days, at times set locally (2 = twice daily). The dose is per time.
    #[schemars(with = "Option<u32>")]
    pub times_a_day: Option<Spanned<i64>>,
    /// Given only from the cycle that starts with at least this cumulative
    /// dose of another per-m² drug of the regimen, prior exposure included:
    /// "cumulative doxorubicin >= 300 mg/m2" (dexrazoxane).
    #[schemars(with = "Option<String>")]
    pub given_when: Option<Spanned<String>>,
    /// Doses that differ in some cycles (a cycle-1 loading dose).
    #[serde(default, rename = "phase")]
    pub phases: Vec<PhaseFile>,
    /// Largest single administration, a mass: "2 mg".
    #[schemars(with = "Option<String>")]
    pub max_single_dose: Option<Spanned<String>>,
    /// Largest total in one cycle, in the dose's basis or in mg: "100 mg/m2".
    #[schemars(with = "Option<String>")]
    pub max_per_cycle: Option<Spanned<String>>,
    /// Where the per-cycle ceiling comes from.
    pub max_per_cycle_source: Option<String>,
    /// BSA cap for this drug: "2 m2". Only for per-m² doses.
    #[schemars(with = "Option<String>")]
    pub bsa_cap: Option<Spanned<String>>,
    /// Rounding: "none", a step such as "1 mg" or "10 mg", "strengths"
    /// (what the listed strengths can make), or "bands" (nearest of `bands`).
    #[schemars(with = "Option<String>")]
    pub round: Option<Spanned<String>>,
    /// Dose bands for `round = "bands"`: ["1200 mg", "1400 mg"].
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub bands: Vec<Spanned<String>>,
    /// Dose-reduction levels: `-1 = "75 mg/m2"`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub reductions: BTreeMap<String, Spanned<String>>,
    /// Tablet or vial strengths: ["200 mg", "400 mg"].
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub strengths: Vec<Spanned<String>>,
    /// Cumulative lifetime limit.
    pub limit: Option<LimitFile>,
    /// Renal-function requirement (a flag; rules refuse and modify).
    pub renal: Option<RenalFile>,
    /// Inputs without which the dose is refused: `crcl`, `scr`, `child-pugh`
    /// or a lab (`anc`, `platelets`, `hb`, `bilirubin`, `ast`, `alt`, `alp`,
    /// `albumin`, `cpk`, `lvef`). Enforced only for a drug with its own `dose`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub requires: Vec<Spanned<String>>,
    /// Organ-function, treatment-day and toxicity rules, each with its
    /// source; only for a drug with its own `dose`, at most 40.
    #[serde(default, rename = "rule")]
    #[schemars(with = "Vec<RuleFile>")]
    pub rules: Vec<Spanned<RuleFile>>,
    /// `false` when the source gives no day list (a case report): the dose
    /// is refused until the prescriber states the days (`--days`). Default
    /// `true`.
    pub days_confirmed: Option<bool>,
    /// Administration note shown with the drug.
    pub note: Option<String>,
}

/// One rule as written: `[[drug.rule]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// `organ` (organ-function starting dose), `day` (treatment-day
    /// criteria) or `toxicity` (dose level after a toxicity).
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    /// The condition: comparisons with units, joined by `and` or `or` (not
    /// both without parentheses): `crcl < 60 mL/min`, `bilirubin > 1.5 x ULN`,
    /// `child-pugh >= B`; in toxicity rules also `febrile-neutropenia >= 3`.
    #[schemars(with = "String")]
    pub when: Spanned<String>,
    /// The action: `give 50%`, `level -1`, `one level down`, `dose 0.9 mg/m2`,
    /// `omit`, `delay 7 days`, `hold`, `stop`. Organ rules: give, level,
    /// dose, omit, stop; day rules: all but `one level down`; toxicity rules:
    /// level, one level down, omit, stop.
    #[schemars(with = "String")]
    pub then: Spanned<String>,
    /// Day rules only: the administration days it applies to (`"8"`), days
    /// of the drug; every day of the drug when left out.
    #[schemars(with = "Option<String>")]
    pub days: Option<Spanned<String>>,
    /// A named alternative table (kebab-case), inactive unless the caller
    /// chooses it for the drug (`--rule-set cisplatin=kintzel-dorr`).
    #[schemars(with = "Option<String>")]
    pub set: Option<Spanned<String>>,
    /// Where the rule comes from; must not be empty.
    #[schemars(with = "String")]
    pub source: Spanned<String>,
    /// What a pharmacist should know beside it.
    pub note: Option<String>,
}

/// `[drug.companion]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanionFile {
    /// The drug this dose derives from.
    #[schemars(with = "String")]
    pub of: Spanned<String>,
    /// Percentage of the parent's final dose, e.g. 60.
    #[schemars(with = "f64")]
    pub percent: Spanned<f64>,
}

/// `[[drug.phase]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhaseFile {
    /// Cycles of this phase: "1", "2-6".
    #[schemars(with = "String")]
    pub cycles: Spanned<String>,
    /// The dose in these cycles.
    #[schemars(with = "String")]
    pub dose: Spanned<String>,
}

/// `[drug.limit]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitFile {
    /// Cumulative lifetime limit: "550 mg/m2".
    #[schemars(with = "String")]
    pub lifetime: Spanned<String>,
    /// Lower limit after mediastinal or cardiac-region radiation: "400 mg/m2".
    #[schemars(with = "Option<String>")]
    pub after_cardiac_radiation: Option<Spanned<String>>,
    /// Where the limit comes from.
    pub source: String,
}

/// `[drug.renal]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenalFile {
    /// Renal function must be known to give this drug.
    #[serde(default)]
    pub required: bool,
    /// Flag the dose when creatinine clearance is below this: "60 mL/min".
    #[schemars(with = "Option<String>")]
    pub flag_below: Option<Spanned<String>>,
    /// What to do when flagged.
    pub note: Option<String>,
    /// Where the threshold comes from.
    pub source: Option<String>,
}

/// `[supportive]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportiveFile {
    /// Hydration instructions.
    pub hydration: Option<String>,
    /// Premedication instructions.
    #[serde(default)]
    pub premedication: Vec<String>,
    /// Antiemetic instructions.
    pub antiemetics: Option<String>,
    /// Growth-factor instructions.
    pub growth_factor: Option<String>,
    /// Monitoring before and during treatment.
    #[serde(default)]
    pub monitoring: Vec<String>,
    /// Anything else.
    #[serde(default)]
    pub other: Vec<String>,
}

impl DrugFile {
    /// Where the drug's days are written (`days`, or `relative_days`), or
    /// its name when neither is: for problems with its days.
    pub fn days_span(&self) -> std::ops::Range<usize> {
        self.days
            .as_ref()
            .or(self.relative_days.as_ref())
            .map_or_else(|| self.name.span(), Spanned::span)
    }
}
