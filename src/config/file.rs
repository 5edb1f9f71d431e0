//! The site configuration file as written: serde structs that mirror the
//! TOML, with the span of every value so that a bad one is a located
//! problem. Only [`super::parse_config`] reads them; the rest of the crate
//! sees [`super::SiteConfig`].
//!
//! The JSON Schema in `docs/config.schema.json` is generated from these types.

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A site's `chemodose.toml`: the policies that would otherwise be typed on
/// every command. Every key is optional; a key left out is the built-in
/// default, and a command-line flag wins over the file.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "chemodose site configuration")]
pub struct ConfigFile {
    /// How doses are calculated (`dose`, `schedule`, `batch`).
    #[serde(default)]
    pub dose: DoseTable,
    /// How anthracyclines count together (`dose`, `schedule`, `batch`,
    /// `history show`).
    #[serde(default)]
    pub anthracycline: AnthracyclineTable,
    /// The calendar and the printed page (`schedule`).
    #[serde(default)]
    pub schedule: ScheduleTable,
    /// Order verification thresholds (`order verify`).
    #[serde(default)]
    pub order: OrderTable,
    /// Where regimens are read from.
    #[serde(default)]
    pub regimens: RegimensTable,
}

/// `[dose]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DoseTable {
    /// BSA formula: mosteller, dubois, haycock, gehan_george, boyd,
    /// fujimoto, takahira, shuter_aslani, schlich or livingston_lee
    /// (`--formula`; also the formula of `order verify`).
    #[schemars(with = "Option<String>")]
    pub bsa_formula: Option<Spanned<String>>,
    /// BSA rounding for dosing: 0.1, 0.01, 0.001 or none (`--bsa-round`).
    #[schemars(with = "Option<String>")]
    pub bsa_rounding: Option<Spanned<String>>,
    /// The largest BSA to dose per-m² drugs on, with its unit: "2m2"
    /// (`--bsa-cap`; left out: no cap).
    #[schemars(with = "Option<String>")]
    pub bsa_cap: Option<Spanned<String>>,
    /// Weight for per-kg doses: actual, ideal or adjusted (`--dose-weight`).
    #[schemars(with = "Option<String>")]
    pub dose_weight: Option<Spanned<String>>,
    /// Weight for Cockcroft-Gault: actual, ideal or adjusted (`--crcl-weight`).
    #[schemars(with = "Option<String>")]
    pub crcl_weight: Option<Spanned<String>>,
    /// Rounding for every antineoplastic drug in place of each regimen's:
    /// a step with a unit ("1mg"), "none" or "strengths" (`--round`; left
    /// out: each regimen's own rounding).
    #[schemars(with = "Option<String>")]
    pub rounding: Option<Spanned<String>>,
    /// Largest accepted rounding change, a percent with its sign: "10%"
    /// (`--round-tolerance`).
    #[schemars(with = "Option<String>")]
    pub round_tolerance: Option<Spanned<String>>,
    /// A weight change since the line's first or last cycle that stops the
    /// dose until acknowledged: "10%" (`--weight-change-threshold`).
    #[schemars(with = "Option<String>")]
    pub weight_change_threshold: Option<Spanned<String>>,
    /// The oldest a lab result may be, in whole days, before it is stale
    /// (`--max-result-age` of `dose` and `schedule`).
    #[schemars(with = "Option<u32>")]
    pub max_result_age_days: Option<Spanned<u32>>,
}

/// `[anthracycline]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnthracyclineTable {
    /// Doxorubicin-equivalence factors: ighg, cog, survivorship, or the path
    /// of a site's factor file (relative to this file's folder)
    /// (`--anthracycline-factors`).
    #[schemars(with = "Option<String>")]
    pub factors: Option<Spanned<String>>,
    /// The site's doxorubicin-equivalent lifetime limit: "450mg/m2"
    /// (`--anthracycline-limit`; left out: the label's 550 mg/m²).
    #[schemars(with = "Option<String>")]
    pub limit: Option<Spanned<String>>,
    /// The site's limit after cardiac-region radiation: "350mg/m2"
    /// (`--anthracycline-limit-after-radiation`; left out: the label's 400 mg/m²).
    #[schemars(with = "Option<String>")]
    pub limit_after_radiation: Option<Spanned<String>>,
}

/// `[schedule]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleTable {
    /// The paper of the printed schedule: a4 or letter (`--paper`).
    #[schemars(with = "Option<String>")]
    pub paper: Option<Spanned<String>>,
    /// A holidays file to flag (one YYYY-MM-DD a line), relative to this
    /// file's folder (`--holidays`).
    #[schemars(with = "Option<String>")]
    pub holidays: Option<Spanned<String>>,
    /// Built-in holiday calendars to flag: australia-nsw, england-and-wales,
    /// france, germany, us-federal (`--holiday-calendar`).
    #[schemars(with = "Option<Vec<String>>")]
    pub holiday_calendars: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `[order]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderTable {
    /// A dose deviation up to this agrees: "5%" (`--agree-within`).
    #[schemars(with = "Option<String>")]
    pub agree_within: Option<Spanned<String>>,
    /// A deviation up to this needs a stated reason, above it the order is
    /// stopped: "10%" (`--query-within`).
    #[schemars(with = "Option<String>")]
    pub query_within: Option<Spanned<String>>,
    /// The oldest weight accepted, whole days before the planned date
    /// (`--max-weight-age`).
    #[schemars(with = "Option<u32>")]
    pub max_weight_age_days: Option<Spanned<u32>>,
    /// The oldest lab result accepted, whole days (`--max-result-age` of
    /// `order verify`).
    #[schemars(with = "Option<u32>")]
    pub max_result_age_days: Option<Spanned<u32>>,
}

/// `[regimens]`
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegimensTable {
    /// The folder of regimen files, relative to this file's folder
    /// (`--regimens`, after `$CHEMODOSE_REGIMENS`; left out: ./regimens
    /// when it exists, else the bundled library).
    #[schemars(with = "Option<String>")]
    pub folder: Option<Spanned<String>>,
}
