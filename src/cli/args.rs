//! Value parsers shared by subcommands: each turns one argument into a typed
//! value or a message clap prints next to the argument's name.

use chemodose::bsa::{BsaFormula, BsaRounding};
use chemodose::patient::Sex;
use chemodose::quantity::{self, Percent};
use chemodose::renal::WeightBasis;
use uom::si::f64::{Length, Mass, MassConcentration, Time, VolumeRate};

/// A value parser that reads a value as `parse` does (its words for a bad
/// value unchanged) and lists the values it takes, which clap prints in the
/// help as `[possible values: …]`.
#[derive(Clone)]
pub struct Listed<T> {
    parse: fn(&str) -> Result<T, String>,
    values: &'static [&'static str],
}

impl<T> Listed<T> {
    /// `parse`, listing `values`.
    pub const fn new(
        parse: fn(&str) -> Result<T, String>,
        values: &'static [&'static str],
    ) -> Self {
        Listed { parse, values }
    }
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for Listed<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        clap::builder::TypedValueParser::parse_ref(&self.parse, cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.values
                .iter()
                .map(|v| clap::builder::PossibleValue::new(*v)),
        ))
    }
}

/// The BSA formula ids as `--formula` takes them, followed by `extra`: one
/// list for `--formula` and `bsa --formula` (which adds "all").
macro_rules! formula_ids {
    ($($extra:literal),*) => {
        &[
            "mosteller",
            "dubois",
            "haycock",
            "gehan_george",
            "boyd",
            "fujimoto",
            "takahira",
            "shuter_aslani",
            "schlich",
            "livingston_lee",
            $($extra),*
        ]
    };
}

/// The BSA formulas by id, as `--formula` takes them.
pub const FORMULAS: &[&str] = formula_ids!();

/// `--formula`: one BSA formula.
pub const FORMULA: Listed<BsaFormula> = Listed::new(formula, FORMULAS);

/// `bsa --formula`: one BSA formula, or all.
pub const FORMULA_OR_ALL: Listed<FormulaChoice> = Listed::new(formula_choice, formula_ids!("all"));

/// `--sex`.
pub const SEX: Listed<Sex> = Listed::new(sex, &["female", "male"]);

/// `--dose-weight`, `--crcl-weight`.
pub const WEIGHT_BASIS: Listed<WeightBasis> =
    Listed::new(weight_basis, &["actual", "ideal", "adjusted"]);

/// `--bsa-round`.
pub const BSA_ROUNDING: Listed<BsaRounding> =
    Listed::new(bsa_rounding, &["0.1", "0.01", "0.001", "none"]);

/// `--child-pugh`.
pub const CHILD_PUGH: Listed<chemodose::rules::ChildPugh> =
    Listed::new(child_pugh, &["A", "B", "C"]);

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

/// Output formats of a report: `dose`, `regimens show`, `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReportFormat {
    // No doc comments on the values: clap would print a list of them in
    // place of `[possible values: text, md, html, json]`.
    #[default]
    Text,
    Md,
    Html,
    Json,
}

pub fn bsa(s: &str) -> Result<uom::si::f64::Area, String> {
    quantity::parse_bsa(s).map_err(|e| e.to_string())
}

pub fn formula(s: &str) -> Result<BsaFormula, String> {
    s.parse()
        .map_err(|e: chemodose::bsa::BsaError| e.to_string())
}

/// `NAME=VALUE` or `VALUE`.
fn split_drug(s: &str) -> (Option<String>, &str) {
    match s.split_once('=') {
        Some((d, v)) => (Some(d.trim().to_lowercase()), v.trim()),
        None => (None, s.trim()),
    }
}

/// A dose level: `-1` or `docetaxel=-1`.
pub fn level(s: &str) -> Result<(Option<String>, i32), String> {
    let (drug, v) = split_drug(s);
    match v.parse::<i32>() {
        Ok(l) if l < 0 => Ok((drug, l)),
        _ => Err(format!(
            "a dose level is a negative whole number such as -1, optionally for one drug (docetaxel=-1); got `{s}`"
        )),
    }
}

/// A tolerance percent: `10%` (0% allowed: no rounding at all; the % sign is
/// required, so that 10 is never read as 0.1).
pub fn tolerance(s: &str) -> Result<Percent, String> {
    Percent::tolerance(s).map_err(|e| e.to_string())
}

/// A reduction: `20%` or `gemcitabine=25%`.
pub fn percent_for(s: &str) -> Result<(Option<String>, Percent), String> {
    let (drug, v) = split_drug(s);
    Ok((drug, Percent::reduction(v).map_err(|e| e.to_string())?))
}

/// A day list for one drug: `cisplatin=1-4`, `gemcitabine=1,8`.
pub fn days_for(s: &str) -> Result<(String, Vec<u32>), String> {
    let Some((drug, days)) = s.split_once('=') else {
        return Err(format!(
            "write the drug and its days: cisplatin=1-4 or gemcitabine=1,8 (got `{s}`)"
        ));
    };
    let drug = drug.trim().to_lowercase();
    if drug.is_empty() {
        return Err(format!("a drug name is needed before `=` (got `{s}`)"));
    }
    // The cycle length is checked by the engine; 366 only bounds the list.
    let days = chemodose::regimen::parse_day_list(days.trim(), 366).map_err(|e| e.to_string())?;
    Ok((drug, days))
}

/// An anthracycline factor set: `ighg`, `cog`, `survivorship`.
/// A bundled factor set by id (`ighg`), or a site's set from a TOML file.
pub fn factor_set(s: &str) -> Result<chemodose::anthracycline::FactorSet, String> {
    if let Ok(set) = s.parse() {
        return Ok(set);
    }
    let path = std::path::Path::new(s.trim());
    if !path.exists() {
        return Err(chemodose::anthracycline::UnknownFactorSet(s.to_owned()).to_string());
    }
    let text = chemodose::files::read_text(path, chemodose::files::FileKind::AnthracyclineFactors)
        .map_err(|e| e.to_string())?;
    chemodose::anthracycline::parse_factor_set(&path.display().to_string(), &text)
        .map_err(|e| e.to_string())
}

/// A lifetime limit per m²: `450mg/m2`; returns mg/m².
pub fn limit_per_m2(s: &str) -> Result<rust_decimal::Decimal, String> {
    chemodose::anthracycline::parse_site_limit(s).map_err(|e| e.to_string())
}

/// A whole number from `min`, for `what` (`a number of cycles`): a sign, a
/// decimal point or a unit is refused with what to write.
fn whole(s: &str, what: &str, min: u32, example: &str) -> Result<u32, String> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return match t.parse::<u32>() {
            Ok(n) if n >= min => Ok(n),
            Ok(_) if min == 1 => Err(format!("{what} is at least 1 (got `{s}`), e.g. {example}")),
            Ok(_) => Err(format!(
                "{what} is at least {min} (got `{s}`), e.g. {example}"
            )),
            Err(_) => Err(format!("{what} of `{s}` is too large, e.g. {example}")),
        };
    }
    if t.starts_with('-') {
        return Err(format!(
            "{what} cannot be negative (got `{s}`); write a whole number from {min}, e.g. {example}"
        ));
    }
    Err(format!(
        "{what} is a whole number from {min} (got `{s}`), e.g. {example}"
    ))
}

/// `--day`: a day of the cycle, from 1 (day 1 is the first).
pub fn day_number(s: &str) -> Result<u32, String> {
    whole(s, "the day of the cycle", 1, "--day 8 (day 1 is the first)")
}

/// `--line`: a line of therapy as the history file numbers it, from 1.
pub fn line_number(s: &str) -> Result<u32, String> {
    whole(s, "the line number", 1, "--line 2")
}

/// `--max-result-age`: days, from 0.
pub fn days(s: &str) -> Result<u32, String> {
    whole(s, "the age in days", 0, "--max-result-age 3")
}

/// `--threads`: worker threads, from 1.
pub fn threads(s: &str) -> Result<usize, String> {
    whole(s, "the number of threads", 1, "--threads 4").map(|n| n as usize)
}

/// A BSA cap: a positive area, `2m2`.
pub fn bsa_cap(s: &str) -> Result<uom::si::f64::Area, String> {
    if s.trim().starts_with('-') {
        return Err(format!(
            "a BSA cap cannot be negative (got `{s}`); write the largest BSA to dose on, e.g. --bsa-cap 2m2"
        ));
    }
    bsa(s).map_err(|e| format!("{e}; write the largest BSA to dose on, e.g. --bsa-cap 2m2"))
}

/// A date: `2026-12-01`, within the window of [`chemodose::dates`].
pub fn date(s: &str) -> Result<chrono::NaiveDate, String> {
    chemodose::dates::parse_date(s).map_err(|e| e.to_string())
}

/// A Child-Pugh class: A, B or C.
pub fn child_pugh(s: &str) -> Result<chemodose::rules::ChildPugh, String> {
    s.parse()
        .map_err(|_| format!("a Child-Pugh class is A, B or C (got `{s}`)"))
}

/// A toxicity and its CTCAE grade: `febrile-neutropenia=3`.
pub fn toxicity(s: &str) -> Result<(String, u8), String> {
    let bad = || {
        format!(
            "write a toxicity and its CTCAE grade 0-5, e.g. febrile-neutropenia=3; toxicities: {} (got `{s}`)",
            chemodose::rules::condition::TOXICITIES.join(", ")
        )
    };
    let (name, grade) = s.split_once('=').ok_or_else(bad)?;
    let name = name.trim().to_lowercase();
    if !chemodose::rules::condition::TOXICITIES.contains(&name.as_str()) {
        return Err(bad());
    }
    match grade.trim().parse::<u8>() {
        Ok(g) if g <= 5 => Ok((name, g)),
        _ => Err(bad()),
    }
}

/// An alternative rule table for one drug: `cisplatin=kintzel-dorr`.
pub fn rule_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((d, set)) if !d.trim().is_empty() && !set.trim().is_empty() => {
            Ok((d.trim().to_lowercase(), set.trim().to_lowercase()))
        }
        _ => Err(format!(
            "write the drug and the table: cisplatin=kintzel-dorr (got `{s}`)"
        )),
    }
}

/// Text that is printed or written into a file as given (a patient id, a
/// reason, a note): refused when it holds a control, bidirectional or
/// invisible character (`chemodose::text`), which would forge a line of
/// output, drive the terminal or reorder what a pharmacist reads.
pub fn plain(s: &str) -> Result<String, String> {
    chemodose::text::check_plain("the value", s)
        .map(|()| s.to_owned())
        .map_err(|e| e.to_string())
}

/// An override: `CODE=reason`; the reason must say something.
pub fn override_reason(s: &str) -> Result<(String, String), String> {
    let Some((code, reason)) = s.split_once('=') else {
        return Err(format!(
            "write the stop's code and a reason: CODE=\"reason\", e.g. status-withdrawn=\"ANNOUNCE follow-up, consultant approved\" (got `{s}`)"
        ));
    };
    let code = code.trim().to_lowercase();
    let reason = reason.trim();
    if code.is_empty()
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "`{code}` is not a stop code (codes look like status-withdrawn)"
        ));
    }
    if !chemodose::dose::Stop::is_code(&code) {
        return Err(format!(
            "`{code}` is not a stop code: a refusal names its code (status-withdrawn, lifetime-limit, hold-docetaxel, organ-cisplatin-crcl, …; docs/clinical-rules.md lists them)"
        ));
    }
    chemodose::text::check_plain(&format!("the reason for {code}"), reason)
        .map_err(|e| e.to_string())?;
    if reason.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
        return Err(format!(
            "the override {code} needs a reason that says why (got `{reason}`)"
        ));
    }
    Ok((code, reason.to_owned()))
}

/// A `--round` value: a rule, or `bands`, one drug's dose bands as its
/// regimen file lists them (resolved against the regimen,
/// [`super::dose::DoseOptionArgs::options`]).
#[derive(Debug, Clone, PartialEq)]
pub enum RoundArg {
    /// A rule as typed: a step, none or strengths.
    Rule(chemodose::regimen::RoundingRule),
    /// The drug's dose bands from the regimen file.
    RegimenBands,
}

/// `1mg`, `none`, `strengths`, or any of them for one drug
/// (`docetaxel=10mg`); `bands` for one drug (`docetaxel=bands`).
pub fn rounding_for(s: &str) -> Result<(Option<String>, RoundArg), String> {
    let (drug, v) = split_drug(s);
    if v.eq_ignore_ascii_case("bands") {
        return match drug {
            Some(d) => Ok((Some(d), RoundArg::RegimenBands)),
            None => Err(format!(
                "dose bands are one drug's, as its regimen file lists them: write DRUG=bands, e.g. docetaxel=bands (got `{s}`)"
            )),
        };
    }
    let rule = chemodose::regimen::RoundingRule::parse(v).map_err(|e| {
        format!("{e}; optionally for one drug (docetaxel=10mg), or a drug's dose bands (docetaxel=bands)")
    })?;
    Ok((drug, RoundArg::Rule(rule)))
}

/// `--cycles N`: the planned number of cycles, a whole number. Whether it is
/// within 1 to [`chemodose::regimen::MAX_CYCLES`] is the engine's check; a
/// number that is not a whole number, or does not fit (`-1`,
/// `99999999999`), is refused here with the same range.
pub fn cycle_count(s: &str) -> Result<u32, String> {
    if s.trim().starts_with('-') {
        return whole(s, "the number of cycles", 1, "--cycles 6");
    }
    if whole_number(s) == Some(0) {
        return Err(format!(
            "a course has at least 1 cycle (got `{s}`); give the planned number of cycles, e.g. --cycles 6, or leave --cycles out for the regimen's"
        ));
    }
    whole_number(s).ok_or_else(|| {
        format!(
            "the number of cycles must be a whole number from 1 to {max} (got `{s}`); write e.g. --cycles 6",
            max = chemodose::regimen::MAX_CYCLES
        )
    })
}

/// `--cycle N`: a cycle number, a whole number; as [`cycle_count`].
pub fn cycle_number(s: &str) -> Result<u32, String> {
    if s.trim().starts_with('-') || whole_number(s) == Some(0) {
        return whole(s, "the cycle", 1, "--cycle 1 for the first");
    }
    whole_number(s).ok_or_else(|| {
        format!(
            "a cycle number is a whole number from 1 to {max} (got `{s}`); write e.g. --cycle 2",
            max = chemodose::regimen::MAX_CYCLES
        )
    })
}

/// `s` as a whole number that fits a `u32` (digits only, a leading `+`
/// allowed).
fn whole_number(s: &str) -> Option<u32> {
    let digits = s.trim();
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The help lists every formula the library has, by its id.
    #[test]
    fn the_listed_formulas_are_the_library_s() {
        let ids: Vec<&str> = BsaFormula::ALL.iter().map(|f| f.id()).collect();
        assert_eq!(ids, FORMULAS);
        for v in FORMULAS {
            assert!(formula(v).is_ok(), "{v}");
        }
        for v in ["female", "male"] {
            assert!(sex(v).is_ok());
        }
        for v in ["actual", "ideal", "adjusted"] {
            assert!(weight_basis(v).is_ok());
        }
        for v in ["0.1", "0.01", "0.001", "none"] {
            assert!(bsa_rounding(v).is_ok());
        }
        for v in ["A", "B", "C"] {
            assert!(child_pugh(v).is_ok());
        }
    }
}
