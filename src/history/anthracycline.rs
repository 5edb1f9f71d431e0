//! Anthracyclines counted together: the doxorubicin-equivalence factors that
//! turn each anthracycline's cumulative mg/m² into doxorubicin mg/m², with
//! their sources, and the doxorubicin lifetime limit the total is held to.
//!
//! Owns: the factor set (its name and version, shown with every total), the
//! factor and its source for each drug, and the doxorubicin limit with and
//! without cardiac-region radiation.
//! Never does: add doses up or judge a total against the limit (the history
//! report does, in `mod.rs`), or apply to a drug that is not listed here.

use rust_decimal::Decimal;

/// Doxorubicin-equivalence factors (multiply an anthracycline's cumulative
/// mg/m² by the factor). Cardiotoxicity-based set: daunorubicin 0.6 and
/// mitoxantrone 10.5 as recommended by the International Late Effects of
/// Childhood Cancer Guideline Harmonization Group (IGHG); epirubicin 1
/// (roughly isoequivalent for cardiotoxicity in Feijen et al., JAMA Oncol
/// 2019; IGHG makes no recommendation, so the conservative 1 is used);
/// idarubicin 5 (the commonly quoted survivorship factor; IGHG makes no
/// recommendation).
pub const ANTHRACYCLINE_FACTORS: &[(&str, &str, &str)] = &[
    ("doxorubicin", "1", "reference drug"),
    (
        "daunorubicin",
        "0.6",
        "IGHG recommendation (Feijen et al. 2015: 0.45)",
    ),
    (
        "epirubicin",
        "1",
        "Feijen et al., JAMA Oncol 2019: roughly isoequivalent; IGHG: no recommendation",
    ),
    (
        "idarubicin",
        "5",
        "commonly quoted survivorship factor; IGHG: no recommendation",
    ),
    (
        "mitoxantrone",
        "10.5",
        "IGHG recommendation (Feijen et al. 2019: about 10)",
    ),
];

/// The name of the factor set, shown with every total.
pub const ANTHRACYCLINE_FACTOR_SET: &str = "cardiotoxicity-based doxorubicin equivalents (IGHG; Feijen et al. 2015, 2019), chemodose set 2026-11";

/// The anthracyclines with a factor, for messages.
pub(super) const ANTHRACYCLINE_NAMES: &str =
    "doxorubicin, daunorubicin, epirubicin, idarubicin, mitoxantrone";

/// Doxorubicin lifetime limits used for the anthracycline total: 550 mg/m²,
/// 400 mg/m² after mediastinal or cardiac-region radiation (doxorubicin
/// product information, MIMS: Rubicin/Axibin).
pub const DOXORUBICIN_LIMIT: (u32, u32, &str) = (
    550,
    400,
    "doxorubicin product information (MIMS, Rubicin/Axibin): 550 mg/m², 400 mg/m² after cardiac-region radiation",
);

/// The factor for an anthracycline, `None` for other drugs.
pub fn anthracycline_factor(drug: &str) -> Option<Decimal> {
    ANTHRACYCLINE_FACTORS
        .iter()
        .find(|(d, _, _)| *d == drug)
        .and_then(|(_, f, _)| f.parse().ok())
}
/// Where an anthracycline's factor comes from, shown beside it; empty for
/// other drugs.
pub(super) fn factor_source(drug: &str) -> &'static str {
    ANTHRACYCLINE_FACTORS
        .iter()
        .find(|(d, _, _)| *d == drug)
        .map_or("", |(_, _, s)| s)
}
