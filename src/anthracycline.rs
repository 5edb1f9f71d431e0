//! Anthracyclines counted together: the doxorubicin-equivalence factors that
//! turn each anthracycline's cumulative mg/m² into doxorubicin mg/m², and the
//! lifetime limit the total is held to. Sites differ in both (clinical
//! reference §5: COG substitution rules, survivorship factors and the
//! cardiotoxicity-based IGHG factors disagree; a site may hold a 450 mg/m²
//! limit), so the policy is chosen by name or read from a site file, and its
//! name is shown with every total.
//!
//! Owns: [`AnthracyclinePolicy`], the bundled factor sets with their sources,
//! the doxorubicin label limits, and the cardioprotection threshold.
//! Never does: add doses up or judge a total (the dose engine and the
//! history report do), or apply to a drug no factor is given for.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::dec;

/// One anthracycline's factor: doxorubicin-equivalent mg/m² = mg/m² × factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    /// Drug name, lower case.
    pub drug: String,
    /// The factor (dimensionless).
    pub factor: Decimal,
    /// Where the factor comes from.
    pub source: String,
}

/// A named set of doxorubicin-equivalence factors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorSet {
    /// The set's id (`ighg`, `cog`, `survivorship`, or a site's).
    pub id: String,
    /// The set's name and version, shown with every total.
    pub name: String,
    /// The factors; doxorubicin is always 1.
    pub factors: Vec<Factor>,
}

/// The bundled factor sets, by id.
pub const FACTOR_SETS: &str = "ighg, cog, survivorship";

fn factor(drug: &str, factor: Decimal, source: &str) -> Factor {
    Factor {
        drug: drug.to_owned(),
        factor,
        source: source.to_owned(),
    }
}

impl FactorSet {
    /// Cardiotoxicity-based factors (the default): daunorubicin 0.6 and
    /// mitoxantrone 10.5 as recommended by the International Late Effects of
    /// Childhood Cancer Guideline Harmonization Group (IGHG); epirubicin 1
    /// (roughly isoequivalent for cardiotoxicity, Feijen et al., JAMA Oncol
    /// 2019; IGHG makes no recommendation, so the conservative 1 is used);
    /// idarubicin 5 (the commonly quoted survivorship factor; IGHG makes no
    /// recommendation).
    pub fn ighg() -> Self {
        FactorSet {
            id: "ighg".to_owned(),
            name: "cardiotoxicity-based doxorubicin equivalents (IGHG; Feijen et al. 2015, 2019), chemodose set 2026-11".to_owned(),
            factors: vec![
                factor("doxorubicin", dec!(1), "reference drug"),
                factor("daunorubicin", dec!(0.6), "IGHG recommendation (Feijen et al. 2015: 0.45)"),
                factor("epirubicin", dec!(1), "Feijen et al., JAMA Oncol 2019: roughly isoequivalent; IGHG: no recommendation"),
                factor("idarubicin", dec!(5), "commonly quoted survivorship factor; IGHG: no recommendation"),
                factor("mitoxantrone", dec!(10.5), "IGHG recommendation (Feijen et al. 2019: about 10)"),
            ],
        }
    }

    /// The Children's Oncology Group treatment-substitution rules
    /// (haematologic basis): daunorubicin and epirubicin isoequivalent,
    /// idarubicin and mitoxantrone 4-5, taken at the upper, more
    /// conservative end (5). Which COG guideline version uses this set is
    /// unconfirmed (clinical reference §5).
    pub fn cog() -> Self {
        let src = "COG treatment-substitution rules (haematologic basis), as tabulated by IGHG; version unconfirmed";
        FactorSet {
            id: "cog".to_owned(),
            name: "COG substitution-rule equivalents (haematologic basis; 4-5 taken as 5), chemodose set 2026-12".to_owned(),
            factors: vec![
                factor("doxorubicin", dec!(1), "reference drug"),
                factor("daunorubicin", dec!(1), src),
                factor("epirubicin", dec!(1), src),
                factor("idarubicin", dec!(5), src),
                factor("mitoxantrone", dec!(5), src),
            ],
        }
    }

    /// The commonly quoted survivorship factors, in their later values:
    /// daunorubicin 0.6 (earlier 0.5), epirubicin 0.8 (earlier 0.67),
    /// idarubicin 5, mitoxantrone 10 (earlier 4). The guideline versions are
    /// unconfirmed (clinical reference §5).
    pub fn survivorship() -> Self {
        let src = "commonly quoted survivorship factors (later values), as tabulated by IGHG; version unconfirmed";
        FactorSet {
            id: "survivorship".to_owned(),
            name: "survivorship-guideline equivalents (later values), chemodose set 2026-12"
                .to_owned(),
            factors: vec![
                factor("doxorubicin", dec!(1), "reference drug"),
                factor("daunorubicin", dec!(0.6), src),
                factor("epirubicin", dec!(0.8), src),
                factor("idarubicin", dec!(5), src),
                factor("mitoxantrone", dec!(10), src),
            ],
        }
    }

    /// The factor for `drug`, `None` for a drug the set does not list.
    pub fn factor(&self, drug: &str) -> Option<&Factor> {
        self.factors
            .iter()
            .find(|f| f.drug.eq_ignore_ascii_case(drug))
    }
}

impl Default for FactorSet {
    fn default() -> Self {
        FactorSet::ighg()
    }
}

/// A factor set id nobody knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown anthracycline factor set `{0}`; use one of ighg, cog, survivorship, or a site file"
)]
pub struct UnknownFactorSet(pub String);

/// The largest site file read, bytes.
pub const MAX_SITE_FILE_BYTES: usize = 64 * 1024;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    id: toml::Spanned<String>,
    name: toml::Spanned<String>,
    #[serde(default, rename = "factor")]
    factors: Vec<toml::Spanned<SiteFactor>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFactor {
    drug: toml::Spanned<String>,
    factor: toml::Spanned<f64>,
    source: toml::Spanned<String>,
}

/// Reads a site's own factor set (TOML): an `id`, a `name` (shown with every
/// total, so it should carry a version), and one `[[factor]]` per drug with
/// `drug`, `factor` and `source`:
///
/// ```
/// let text = r#"
/// id = "site-2026"
/// name = "Site anthracycline equivalents, 2026 review"
///
/// [[factor]]
/// drug = "doxorubicin"
/// factor = 1
/// source = "reference drug"
///
/// [[factor]]
/// drug = "epirubicin"
/// factor = 0.67
/// source = "site policy 2026-03 (older survivorship value)"
/// "#;
/// let set = chemodose::anthracycline::parse_factor_set("site.toml", text).unwrap();
/// assert_eq!(set.factor("epirubicin").unwrap().factor.to_string(), "0.67");
/// ```
///
/// # Errors
/// Every problem of the file with its line and column: TOML syntax, unknown
/// keys, a file over [`MAX_SITE_FILE_BYTES`], an id that is not kebab-case
/// or that names a bundled set, no doxorubicin factor of exactly 1, a factor
/// outside (0, 20], a drug listed twice, an empty source.
pub fn parse_factor_set(
    path: &str,
    text: &str,
) -> Result<FactorSet, crate::diagnostics::FileErrors> {
    use crate::diagnostics::{Collector, FileErrors};
    if text.len() > MAX_SITE_FILE_BYTES {
        return Err(FileErrors::whole_file(
            path,
            text,
            format!("the file is larger than {MAX_SITE_FILE_BYTES} bytes"),
            None,
        ));
    }
    let file: SiteFile = toml::from_str(text).map_err(|e| {
        FileErrors::toml(
            path,
            text,
            &e,
            "a site factor set has id, name and [[factor]] tables with drug, factor and source (docs/clinical-rules.md)",
        )
    })?;
    let mut c = Collector::default();
    let id = file.id.get_ref().trim().to_lowercase();
    if id.is_empty()
        || !id
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
    {
        c.at(file.id.span(), format!("`{id}` is not a kebab-case id"));
    } else if id.parse::<FactorSet>().is_ok() {
        c.at(
            file.id.span(),
            format!("`{id}` is a bundled set's id; give the site's set its own"),
        );
    }
    if file.name.get_ref().trim().is_empty() {
        c.at(
            file.name.span(),
            "the set needs a name (shown with every total)",
        );
    }
    let mut factors: Vec<Factor> = Vec::new();
    for f in &file.factors {
        let f = f.get_ref();
        let drug = f.drug.get_ref().trim().to_lowercase();
        if drug.is_empty() || factors.iter().any(|x| x.drug == drug) {
            c.at(f.drug.span(), format!("`{drug}` is empty or listed twice"));
            continue;
        }
        let value = *f.factor.get_ref();
        let factor = match Decimal::from_f64_retain(value).map(|d| d.round_dp(4).normalize()) {
            Some(d) if value > 0.0 && value <= 20.0 => d,
            _ => {
                c.at(
                    f.factor.span(),
                    format!("the factor of {drug} must be above 0 and at most 20 (got {value})"),
                );
                continue;
            }
        };
        if drug == "doxorubicin" && factor != Decimal::ONE {
            c.at(
                f.factor.span(),
                "doxorubicin is the reference drug: its factor is 1",
            );
        }
        if f.source.get_ref().trim().is_empty() {
            c.at(
                f.source.span(),
                format!("the factor of {drug} needs its source"),
            );
        }
        factors.push(Factor {
            drug,
            factor,
            source: f.source.get_ref().trim().to_owned(),
        });
    }
    if !factors.iter().any(|f| f.drug == "doxorubicin") {
        c.at(
            file.id.span(),
            "the set must list doxorubicin with the factor 1",
        );
    }
    if !c.is_empty() {
        return Err(c.into_errors(path, text));
    }
    Ok(FactorSet {
        id,
        name: file.name.get_ref().trim().to_owned(),
        factors,
    })
}

impl FromStr for FactorSet {
    type Err = UnknownFactorSet;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "ighg" => Ok(FactorSet::ighg()),
            "cog" => Ok(FactorSet::cog()),
            "survivorship" => Ok(FactorSet::survivorship()),
            _ => Err(UnknownFactorSet(s.to_owned())),
        }
    }
}

/// A site's doxorubicin-equivalent lifetime limit that is not a dose per
/// m² from 100 to 1,000 mg/m².
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteLimitError {
    /// Not a dose per m² (`450mg`, `450`).
    #[error("write a limit per m², e.g. 450mg/m2 (got `{0}`)")]
    NotPerM2(String),
    /// Outside 100 to 1,000 mg/m².
    #[error("a lifetime limit from 100 to 1,000 mg/m² is expected (got `{0}`)")]
    OutOfRange(String),
}

/// A site's lifetime limit per m² as typed (`450mg/m2`), in mg/m²: the one
/// reader of the command line's `--anthracycline-limit` and of the site
/// configuration's.
///
/// # Errors
/// [`SiteLimitError`] for a dose not per m², or one outside 100 to 1,000 mg/m².
pub fn parse_site_limit(s: &str) -> Result<Decimal, SiteLimitError> {
    match crate::quantity::parse_dose(s) {
        Ok(d @ crate::quantity::PrescribedDose::PerM2(..)) => {
            crate::rounding::to_decimal(d.canonical())
                .filter(|v| *v >= Decimal::from(100) && *v <= Decimal::from(1000))
                .ok_or_else(|| SiteLimitError::OutOfRange(s.to_owned()))
        }
        _ => Err(SiteLimitError::NotPerM2(s.to_owned())),
    }
}

impl fmt::Display for FactorSet {
    /// The set's id, as typed on the command line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// A doxorubicin-equivalent lifetime limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The lifetime limit, doxorubicin-equivalent mg/m².
    pub mg_per_m2: Decimal,
    /// The lower limit after mediastinal or cardiac-region radiation, mg/m².
    pub after_cardiac_radiation_mg_per_m2: Decimal,
    /// Where the limits come from.
    pub source: String,
}

impl Limit {
    /// The limit in force, mg/m².
    pub fn in_force(&self, cardiac_radiation: bool) -> Decimal {
        if cardiac_radiation {
            self.after_cardiac_radiation_mg_per_m2
        } else {
            self.mg_per_m2
        }
    }
}

/// How a site counts anthracyclines: the factor set, and a site's own
/// doxorubicin-equivalent lifetime limit where it holds one (else the
/// regimen's limit for the drug, else the label's).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnthracyclinePolicy {
    /// The factors.
    pub factors: FactorSet,
    /// The site's limit, which replaces the regimens' and the label's.
    pub site_limit: Option<Limit>,
}

impl AnthracyclinePolicy {
    /// The doxorubicin label limits: 550 mg/m², 400 mg/m² after
    /// mediastinal or cardiac-region radiation; count all prior
    /// anthracyclines (doxorubicin product information, MIMS:
    /// Rubicin/Axibin).
    pub const LABEL_LIMIT: Decimal = dec!(550);
    /// See [`Self::LABEL_LIMIT`].
    pub const LABEL_LIMIT_AFTER_RADIATION: Decimal = dec!(400);
    /// The source of the label limits.
    pub const LABEL_SOURCE: &'static str = "doxorubicin product information (MIMS, Rubicin/Axibin): 550 mg/m², 400 mg/m² after cardiac-region radiation";

    /// The cumulative doxorubicin-equivalent dose from which cardioprotection
    /// is considered and LVEF checked before each further dose: 300 mg/m²
    /// (dexrazoxane US indication after 300 mg/m² of doxorubicin; ASCO 2008
    /// protectants guideline: consider after > 300 mg/m²; doxorubicin label:
    /// assess LVEF more often above 300 mg/m²).
    pub const CARDIOPROTECTION_MG_PER_M2: Decimal = dec!(300);

    /// The label's limits (550 mg/m², 400 after cardiac-region radiation).
    pub fn label_limit() -> Limit {
        Limit {
            mg_per_m2: Self::LABEL_LIMIT,
            after_cardiac_radiation_mg_per_m2: Self::LABEL_LIMIT_AFTER_RADIATION,
            source: Self::LABEL_SOURCE.to_owned(),
        }
    }

    /// The limit a total of doxorubicin equivalents is held to when no
    /// regimen gives one: the site's, else the label's.
    pub fn total_limit(&self) -> Limit {
        self.site_limit.clone().unwrap_or_else(Self::label_limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_sets_by_id() {
        let s: FactorSet = "IGHG".parse().unwrap();
        assert_eq!(s.factor("mitoxantrone").unwrap().factor, dec!(10.5));
        assert_eq!(s.factor("Daunorubicin").unwrap().factor, dec!(0.6));
        let s: FactorSet = "cog".parse().unwrap();
        assert_eq!(s.factor("daunorubicin").unwrap().factor, dec!(1));
        assert_eq!(s.factor("idarubicin").unwrap().factor, dec!(5));
        let s: FactorSet = "survivorship".parse().unwrap();
        assert_eq!(s.factor("epirubicin").unwrap().factor, dec!(0.8));
        assert!("house".parse::<FactorSet>().is_err());
        for s in [
            FactorSet::ighg(),
            FactorSet::cog(),
            FactorSet::survivorship(),
        ] {
            assert_eq!(s.factor("doxorubicin").unwrap().factor, dec!(1));
            assert!(s.factor("cisplatin").is_none());
        }
    }

    #[test]
    fn the_label_limits() {
        let p = AnthracyclinePolicy::default();
        assert_eq!(p.total_limit().in_force(false), dec!(550));
        assert_eq!(p.total_limit().in_force(true), dec!(400));
    }
}
