//! The history file as written: serde structs mirroring the TOML, with spans
//! for values checked after parsing. The JSON Schema in
//! `docs/history.schema.json` is generated from these types.

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use crate::regimen::{Intent, RegimenFile};

/// A patient's treatment history.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "chemodose treatment history")]
pub struct HistoryFile {
    /// Who the history is about: an id, and the name and MRN when it identifies the patient.
    pub patient: PatientFile,
    /// Dated measurements; the latest on or before a cycle's date is used.
    #[serde(default, rename = "measurement")]
    #[schemars(with = "Vec<MeasurementFile>")]
    pub measurements: Vec<Spanned<MeasurementFile>>,
    /// Lines of therapy, in order.
    #[serde(default, rename = "line")]
    #[schemars(with = "Vec<LineFile>")]
    pub lines: Vec<Spanned<LineFile>>,
    /// Other treatment events: surgery, radiation, prior anthracycline, death.
    #[serde(default, rename = "event")]
    #[schemars(with = "Vec<EventFile>")]
    pub events: Vec<Spanned<EventFile>>,
}

/// `[patient]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientFile {
    /// The patient's id: the site's pseudonym, or the medical record number.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The patient's name, when the file identifies the patient.
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// The medical record number, when the file identifies the patient.
    #[schemars(with = "Option<String>")]
    pub mrn: Option<Spanned<String>>,
    /// female or male.
    #[schemars(with = "Option<String>")]
    pub sex: Option<Spanned<String>>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Or: age in years on a date.
    pub age_at: Option<AgeAtFile>,
    /// Free text (diagnosis, illustrative-data disclaimer).
    pub note: Option<String>,
    /// When the source gives no calendar dates: every date in the file is a
    /// placeholder that keeps the source's order and stated intervals; say
    /// how they were derived. Durations are then not reported.
    pub placeholder_dates: Option<String>,
}

/// `age_at = { years = 64, on = 2019-03-01 }`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgeAtFile {
    /// Age in whole years.
    pub years: u32,
    /// On this date.
    #[schemars(with = "String")]
    pub on: Spanned<toml::value::Datetime>,
}

/// `[[measurement]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementFile {
    /// Date measured.
    #[schemars(with = "String")]
    pub date: Spanned<toml::value::Datetime>,
    /// Height with a unit.
    #[schemars(with = "Option<String>")]
    pub height: Option<Spanned<String>>,
    /// Weight with a unit.
    #[schemars(with = "Option<String>")]
    pub weight: Option<Spanned<String>>,
    /// Serum creatinine with a unit.
    #[schemars(with = "Option<String>")]
    pub scr: Option<Spanned<String>>,
}

/// `[[line]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LineFile {
    /// Line number, from 1, in order.
    #[schemars(with = "u32")]
    pub number: Spanned<i64>,
    /// Setting in words: "adjuvant", "first-line metastatic".
    pub setting: Option<String>,
    /// Intent.
    pub intent: Option<Intent>,
    /// A bundled or local regimen id.
    #[schemars(with = "Option<String>")]
    pub regimen: Option<Spanned<String>>,
    /// The regimen version this line was given with.
    pub regimen_version: Option<String>,
    /// Or: the regimen itself, inline (same format as a regimen file).
    #[schemars(with = "Option<RegimenFile>")]
    pub inline_regimen: Option<Spanned<toml::Table>>,
    /// Or: the source does not name the regimen; what it says instead
    /// ("Adriamycin-based chemotherapy"). Nothing from this line enters a
    /// cumulative dose.
    #[schemars(with = "Option<String>")]
    pub regimen_not_stated: Option<Spanned<String>>,
    /// The number of cycles given, as the source states it, when the cycles
    /// are not recorded one by one as `[[line.cycle]]`; or "unknown" when the
    /// source does not state it. Such cycles add nothing to cumulative doses.
    #[serde(rename = "cycles")]
    #[schemars(with = "Option<CountOrUnknown>")]
    pub cycle_count: Option<Spanned<CountOrUnknown>>,
    /// First day of the line.
    #[schemars(with = "String")]
    pub start: Spanned<toml::value::Datetime>,
    /// Last day of the line (when it has ended).
    #[schemars(with = "Option<String>")]
    pub end: Option<Spanned<toml::value::Datetime>>,
    /// completed, progression, toxicity, patient-decision, death, other.
    #[schemars(with = "Option<String>")]
    pub stop_reason: Option<Spanned<String>>,
    /// Free text about the end.
    pub stop_note: Option<String>,
    /// Cycles given.
    #[serde(default, rename = "cycle")]
    #[schemars(with = "Vec<CycleFile>")]
    pub cycles: Vec<Spanned<CycleFile>>,
}

impl LineFile {
    /// Whether the file records cycles one by one.
    pub fn cycles_recorded(&self) -> bool {
        !self.cycles.is_empty()
    }
}

/// `[[line.cycle]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleFile {
    /// Cycle number in the line.
    #[schemars(with = "u32")]
    pub number: Spanned<i64>,
    /// Day 1 of the cycle.
    #[schemars(with = "String")]
    pub date: Spanned<toml::value::Datetime>,
    /// Dose level given: for all antineoplastic drugs (-1), or by drug
    /// ({ docetaxel = -1 }).
    #[schemars(with = "Option<LevelSchema>")]
    pub level: Option<Spanned<ForDrugs<i32>>>,
    /// Percent reduction given: for all antineoplastic drugs ("20%"), or by
    /// drug ({ gemcitabine = "20%" }).
    #[schemars(with = "Option<ReduceSchema>")]
    pub reduce: Option<Spanned<ForDrugs<String>>>,
    /// Doses actually given when they differed, per administration: { doxorubicin = "25 mg" }.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, String>")]
    pub actual: std::collections::BTreeMap<String, Spanned<String>>,
    /// Why the cycle was delayed.
    pub delay_reason: Option<String>,
    /// Why the cycle was given sooner after the line's previous cycle than
    /// the regimen's cycle length.
    pub early_reason: Option<String>,
    /// The reason recorded when the cycle went past a lifetime limit.
    pub allow_over_limit: Option<String>,
    /// Free text.
    pub note: Option<String>,
}

/// A value for all antineoplastic drugs, or a table of values by drug
/// (each with its place in the file, for an error about that drug).
#[derive(Debug)]
pub enum ForDrugs<T> {
    /// `level = -1`, `reduce = "20%"`.
    All(T),
    /// `level = { docetaxel = -1 }`, by the drug's name as written.
    Drugs(std::collections::BTreeMap<String, Spanned<T>>),
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for ForDrugs<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ForDrugsVisitor(std::marker::PhantomData))
    }
}

/// Reads a plain value as [`ForDrugs::All`] and a table as
/// [`ForDrugs::Drugs`]; the value's own type decides what it accepts.
struct ForDrugsVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: serde::de::DeserializeOwned> serde::de::Visitor<'de> for ForDrugsVisitor<T> {
    type Value = ForDrugs<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a value for all antineoplastic drugs, or a table of values by drug")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        use serde::de::IntoDeserializer;
        T::deserialize(v.into_deserializer()).map(ForDrugs::All)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        use serde::de::IntoDeserializer;
        T::deserialize(v.to_owned().into_deserializer()).map(ForDrugs::All)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut drugs = std::collections::BTreeMap::new();
        while let Some((drug, value)) = m.next_entry::<String, Spanned<T>>()? {
            drugs.insert(drug, value);
        }
        Ok(ForDrugs::Drugs(drugs))
    }
}

/// The schema of `level`: an integer, or a table of integers by drug.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum LevelSchema {
    All(i32),
    Drugs(std::collections::BTreeMap<String, i32>),
}

/// The schema of `reduce`: a percent, or a table of percents by drug.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ReduceSchema {
    All(String),
    Drugs(std::collections::BTreeMap<String, String>),
}

/// `[[event]]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    /// surgery, radiation, prior-anthracycline, recurrence, death, other.
    #[schemars(with = "String")]
    pub kind: Spanned<String>,
    /// Date.
    #[schemars(with = "String")]
    pub date: Spanned<toml::value::Datetime>,
    /// What happened.
    pub description: Option<String>,
    /// Radiation: site ("T9-T11", "mediastinum").
    pub site: Option<String>,
    /// Radiation: total dose ("30 Gy in 10 fractions").
    pub dose: Option<String>,
    /// Radiation: whether the field included the heart (mediastinal or
    /// cardiac region): true, false or "unknown"; absent is unknown. True or
    /// unknown: the lower anthracycline limit applies.
    #[schemars(with = "Option<BoolOrUnknown>")]
    pub cardiac_region: Option<Spanned<BoolOrUnknown>>,
    /// Prior anthracycline: the drug.
    pub drug: Option<String>,
    /// Prior anthracycline: cumulative dose per m² ("300 mg/m2").
    #[schemars(with = "Option<String>")]
    pub cumulative: Option<Spanned<String>>,
}

/// A number, or the text "unknown".
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CountOrUnknown {
    /// A number.
    Count(i64),
    /// "unknown".
    Text(String),
}

/// true, false, or the text "unknown".
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum BoolOrUnknown {
    /// Known.
    Known(bool),
    /// "unknown".
    Text(String),
}
