//! Value parsers shared by subcommands: each turns one argument into a typed
//! value or a message clap prints next to the argument's name.

use chemodose::bsa::{BsaFormula, BsaRounding};
use chemodose::patient::Sex;
use chemodose::quantity;
use chemodose::renal::WeightBasis;
use uom::si::f64::{Length, Mass, MassConcentration, Time, VolumeRate};

pub fn height(s: &str) -> Result<Length, String> {
    quantity::parse_height(s).map_err(|e| e.to_string())
}

pub fn weight(s: &str) -> Result<Mass, String> {
    quantity::parse_weight(s).map_err(|e| e.to_string())
}

pub fn creatinine(s: &str) -> Result<MassConcentration, String> {
    quantity::parse_serum_creatinine(s).map_err(|e| e.to_string())
}

pub fn age(s: &str) -> Result<Time, String> {
    quantity::parse_age(s).map_err(|e| e.to_string())
}

pub fn gfr(s: &str) -> Result<VolumeRate, String> {
    quantity::parse_gfr(s).map_err(|e| e.to_string())
}

pub fn sex(s: &str) -> Result<Sex, String> {
    s.parse()
        .map_err(|e: chemodose::patient::SexError| e.to_string())
}

pub fn weight_basis(s: &str) -> Result<WeightBasis, String> {
    s.parse()
        .map_err(|e: chemodose::renal::RenalError| e.to_string())
}

pub fn bsa_rounding(s: &str) -> Result<BsaRounding, String> {
    s.parse()
        .map_err(|e: chemodose::bsa::BsaError| e.to_string())
}

/// A formula name, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormulaChoice {
    One(BsaFormula),
    All,
}

pub fn formula_choice(s: &str) -> Result<FormulaChoice, String> {
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(FormulaChoice::All);
    }
    s.parse()
        .map(FormulaChoice::One)
        .map_err(|e: chemodose::bsa::BsaError| e.to_string())
}

pub fn auc(s: &str) -> Result<quantity::Auc, String> {
    quantity::parse_auc(s).map_err(|e| e.to_string())
}

/// Output formats for the measurement commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SimpleFormat {
    #[default]
    Text,
    Json,
}
