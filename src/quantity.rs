//! Physical quantities as pharmacists type them.
//!
//! Owns: the custom `uom` units the product needs (mg/m², mL/min), the
//! plausibility bounds for patient measurements, and the parser that turns
//! `"170cm"`, `"5'7\""`, `"97 µmol/L"` into typed quantities.
//!
//! Never does: guess a unit. A bare number is an error that says what to
//! write instead; so is a unit of the wrong kind or a value outside the
//! documented bounds (see `docs/formulas.md`, "Plausibility bounds").

use std::fmt;

use uom::si::area::square_meter;
use uom::si::f64::{Area, Length, Mass, MassConcentration, Time, VolumeRate};
use uom::si::length::centimeter;
use uom::si::mass::kilogram;
use uom::si::mass_concentration::milligram_per_deciliter;
use uom::si::time::year;

use crate::display::format_number;

/// Units that `uom` does not ship and the product needs.
pub mod units {
    /// Milligram per square metre of body surface area, the unit of BSA-based doses.
    #[allow(missing_docs)]
    pub mod mg_per_m2 {
        unit! {
            system: uom::si;
            quantity: uom::si::areal_mass_density;

            @milligram_per_square_meter: 1.0E-6; "mg/m²", "milligram per square meter",
                "milligrams per square meter";
        }
    }

    /// Millilitre per minute, the unit of creatinine clearance and GFR.
    #[allow(missing_docs)]
    pub mod ml_per_min {
        unit! {
            system: uom::si;
            quantity: uom::si::volume_rate;

            @milliliter_per_minute: 1.0E-6 / 60.0; "mL/min", "milliliter per minute",
                "milliliters per minute";
        }
    }

    pub use mg_per_m2::milligram_per_square_meter;
    pub use ml_per_min::milliliter_per_minute;
}

use units::milliliter_per_minute;

/// Molar mass of creatinine (C4H7N3O), g/mol: converts µmol/L to mg/dL.
/// 1 mg/dL = 10 000 µg/L / 113.12 g/mol = 88.40 µmol/L.
pub const CREATININE_MOLAR_MASS_G_PER_MOL: f64 = 113.12;

/// What a typed value is meant to measure; decides the accepted units,
/// the example in error messages and the plausibility bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// Body height.
    Height,
    /// Body weight.
    Weight,
    /// Serum creatinine.
    SerumCreatinine,
    /// Age.
    Age,
    /// Body surface area (a BSA cap, or a BSA given directly).
    BodySurfaceArea,
    /// Glomerular filtration rate or creatinine clearance given directly.
    Gfr,
}

/// Plausibility bounds, in the canonical unit of each measure.
///
/// Wide enough for a premature neonate and the heaviest adults seen in
/// oncology practice; anything outside is far more likely a typing or unit
/// error (1700 cm, 0 kg) than a patient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Smallest accepted value, inclusive.
    pub min: f64,
    /// Largest accepted value, inclusive.
    pub max: f64,
    /// The unit `min` and `max` are in.
    pub unit: &'static str,
}

impl Measure {
    /// The name used in messages: "height", "serum creatinine".
    pub fn label(self) -> &'static str {
        match self {
            Measure::Height => "height",
            Measure::Weight => "weight",
            Measure::SerumCreatinine => "serum creatinine",
            Measure::Age => "age",
            Measure::BodySurfaceArea => "body surface area",
            Measure::Gfr => "GFR",
        }
    }

    /// A short example of a correctly typed value.
    pub fn example(self) -> &'static str {
        match self {
            Measure::Height => "170cm or 67in",
            Measure::Weight => "70kg or 154lb",
            Measure::SerumCreatinine => "1.1mg/dL or 97umol/L",
            Measure::Age => "64 or 64y",
            Measure::BodySurfaceArea => "2.0m2",
            Measure::Gfr => "90mL/min",
        }
    }

    /// The units accepted for this measure.
    pub fn accepted_units(self) -> &'static str {
        match self {
            Measure::Height => "cm, m, mm, in, ft (5ft7in, 5'7\")",
            Measure::Weight => "kg, g, lb",
            Measure::SerumCreatinine => "mg/dL, umol/L (µmol/L)",
            Measure::Age => "years (y, yr, years), months (mo), days (d); a bare number is years",
            Measure::BodySurfaceArea => "m2 (m², m^2)",
            Measure::Gfr => "mL/min",
        }
    }

    /// The plausibility bounds of this measure.
    pub fn bounds(self) -> Bounds {
        match self {
            Measure::Height => Bounds {
                min: 30.0,
                max: 250.0,
                unit: "cm",
            },
            Measure::Weight => Bounds {
                min: 0.5,
                max: 350.0,
                unit: "kg",
            },
            Measure::SerumCreatinine => Bounds {
                min: 0.1,
                max: 20.0,
                unit: "mg/dL",
            },
            Measure::Age => Bounds {
                min: 0.0,
                max: 120.0,
                unit: "years",
            },
            Measure::BodySurfaceArea => Bounds {
                min: 0.05,
                max: 6.0,
                unit: "m²",
            },
            Measure::Gfr => Bounds {
                min: 1.0,
                max: 250.0,
                unit: "mL/min",
            },
        }
    }

    /// Whether zero is a possible value (an age of 0 is a newborn; a weight of 0 is a typo).
    fn zero_allowed(self) -> bool {
        matches!(self, Measure::Age)
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a typed quantity was refused. Every variant names what was typed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantityError {
    /// A number without a unit.
    #[error("{measure} needs a unit, e.g. {example} (got `{input}`)")]
    MissingUnit {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// A correct example.
        example: &'static str,
    },
    /// Not a number followed by a unit.
    #[error("{measure}: `{input}` is not a number with a unit; write e.g. {example}")]
    NotANumber {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// A correct example.
        example: &'static str,
    },
    /// NaN or infinite.
    #[error("{measure}: `{input}` is not a finite number; write e.g. {example}")]
    NotFinite {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// A correct example.
        example: &'static str,
    },
    /// A unit nobody recognises.
    #[error("{measure}: unknown unit `{unit}` in `{input}`; accepted units: {accepted}")]
    UnknownUnit {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// The unit as typed.
        unit: String,
        /// The accepted units.
        accepted: &'static str,
    },
    /// A real unit, but of another kind (`--height 70kg`).
    #[error(
        "{measure}: `{unit}` in `{input}` is a unit of {kind}, not of {measure}; accepted units: {accepted}"
    )]
    WrongKind {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// The unit as typed.
        unit: String,
        /// What that unit measures.
        kind: &'static str,
        /// The accepted units.
        accepted: &'static str,
    },
    /// Zero or negative.
    #[error("{measure} must be greater than zero (got `{input}`)")]
    NotPositive {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
    },
    /// Outside the plausibility bounds.
    #[error(
        "{measure} of {value} {unit} is implausible (got `{input}`); accepted range is {min} to {max} {unit}"
    )]
    Implausible {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// The value in the canonical unit.
        value: String,
        /// Lower bound.
        min: String,
        /// Upper bound.
        max: String,
        /// Canonical unit of the bounds.
        unit: &'static str,
    },
}

/// The kinds of unit the parser knows, with the factor to the canonical unit
/// of that kind (cm, kg, mg/dL, years, m², mL/min).
#[derive(Debug, Clone, Copy, PartialEq)]
enum UnitKind {
    Length(f64),
    Mass(f64),
    Creatinine(f64),
    Age(f64),
    Area(f64),
    Flow(f64),
}

impl UnitKind {
    fn name(self) -> &'static str {
        match self {
            UnitKind::Length(_) => "length",
            UnitKind::Mass(_) => "mass",
            UnitKind::Creatinine(_) => "concentration",
            UnitKind::Age(_) => "time",
            UnitKind::Area(_) => "area",
            UnitKind::Flow(_) => "flow rate",
        }
    }

    fn measures(self, measure: Measure) -> Option<f64> {
        match (self, measure) {
            (UnitKind::Length(f), Measure::Height)
            | (UnitKind::Mass(f), Measure::Weight)
            | (UnitKind::Creatinine(f), Measure::SerumCreatinine)
            | (UnitKind::Age(f), Measure::Age)
            | (UnitKind::Area(f), Measure::BodySurfaceArea)
            | (UnitKind::Flow(f), Measure::Gfr) => Some(f),
            _ => None,
        }
    }
}

/// The unit table. Keys are lower case, with `µ`/`μ` already folded to `u`.
fn lookup_unit(unit: &str) -> Option<UnitKind> {
    let umol_l_to_mg_dl = CREATININE_MOLAR_MASS_G_PER_MOL / 10_000.0;
    Some(match unit {
        "cm" => UnitKind::Length(1.0),
        "m" => UnitKind::Length(100.0),
        "mm" => UnitKind::Length(0.1),
        "in" | "inch" | "inches" | "\"" => UnitKind::Length(2.54),
        "ft" | "feet" | "foot" | "'" => UnitKind::Length(30.48),
        "kg" => UnitKind::Mass(1.0),
        "g" => UnitKind::Mass(0.001),
        "lb" | "lbs" | "pound" | "pounds" => UnitKind::Mass(0.453_592_37),
        "mg/dl" => UnitKind::Creatinine(1.0),
        "umol/l" => UnitKind::Creatinine(umol_l_to_mg_dl),
        "y" | "yr" | "yrs" | "year" | "years" => UnitKind::Age(1.0),
        "mo" | "month" | "months" => UnitKind::Age(1.0 / 12.0),
        "d" | "day" | "days" => UnitKind::Age(1.0 / 365.25),
        "m2" | "m²" | "m^2" => UnitKind::Area(1.0),
        "ml/min" => UnitKind::Flow(1.0),
        _ => return None,
    })
}

/// Parses a height: `170cm`, `1.7m`, `67in`, `5ft7in`, `5'7"`.
pub fn parse_height(input: &str) -> Result<Length, QuantityError> {
    parse_canonical(Measure::Height, input).map(Length::new::<centimeter>)
}

/// Parses a body weight: `70kg`, `154lb`, `70000g`.
pub fn parse_weight(input: &str) -> Result<Mass, QuantityError> {
    parse_canonical(Measure::Weight, input).map(Mass::new::<kilogram>)
}

/// Parses a serum creatinine: `1.1mg/dL`, `97umol/L`, `97µmol/L`.
pub fn parse_serum_creatinine(input: &str) -> Result<MassConcentration, QuantityError> {
    parse_canonical(Measure::SerumCreatinine, input)
        .map(MassConcentration::new::<milligram_per_deciliter>)
}

/// Parses an age: `64`, `64y`, `18mo`. A bare number is years, the unit every
/// renal formula is defined in.
pub fn parse_age(input: &str) -> Result<Time, QuantityError> {
    parse_canonical(Measure::Age, input).map(Time::new::<year>)
}

/// Parses a body surface area such as a BSA cap: `2.0m2`, `2 m²`.
pub fn parse_bsa(input: &str) -> Result<Area, QuantityError> {
    parse_canonical(Measure::BodySurfaceArea, input).map(Area::new::<square_meter>)
}

/// Parses a GFR or creatinine clearance given directly: `90mL/min`.
pub fn parse_gfr(input: &str) -> Result<VolumeRate, QuantityError> {
    parse_canonical(Measure::Gfr, input).map(VolumeRate::new::<milliliter_per_minute>)
}

/// Checks an already typed quantity against the bounds of `measure`
/// (for values that did not come through the parser).
pub fn check_plausible(measure: Measure, canonical: f64, input: &str) -> Result<(), QuantityError> {
    if !canonical.is_finite() {
        return Err(QuantityError::NotFinite {
            measure,
            input: input.to_owned(),
            example: measure.example(),
        });
    }
    if canonical < 0.0 || (canonical == 0.0 && !measure.zero_allowed()) {
        return Err(QuantityError::NotPositive {
            measure,
            input: input.to_owned(),
        });
    }
    let b = measure.bounds();
    if canonical < b.min || canonical > b.max {
        return Err(QuantityError::Implausible {
            measure,
            input: input.to_owned(),
            value: format_number(canonical, 2),
            min: format_number(b.min, 2),
            max: format_number(b.max, 2),
            unit: b.unit,
        });
    }
    Ok(())
}

/// Parses `input` as `measure` and returns the value in its canonical unit.
fn parse_canonical(measure: Measure, input: &str) -> Result<f64, QuantityError> {
    let value = parse_number_and_unit(measure, input)?;
    check_plausible(measure, value, input)?;
    Ok(value)
}

/// Splits `input` into one or two number-unit pairs and converts to the
/// canonical unit; compound heights (`5ft7in`, `5'7"`) are summed.
fn parse_number_and_unit(measure: Measure, input: &str) -> Result<f64, QuantityError> {
    let text = input.trim();
    let not_a_number = || QuantityError::NotANumber {
        measure,
        input: input.to_owned(),
        example: measure.example(),
    };
    if text.is_empty() {
        return Err(not_a_number());
    }
    let mut rest = text;
    let mut total = 0.0;
    let mut parts = 0;
    let mut after_feet = false;
    while !rest.is_empty() {
        let (number, after) = split_number(rest);
        if number.is_empty() {
            // "nan", "inf" and friends parse as f64 but are not measurements.
            if parts == 0 && text.parse::<f64>().is_ok() {
                return Err(QuantityError::NotFinite {
                    measure,
                    input: input.to_owned(),
                    example: measure.example(),
                });
            }
            return Err(not_a_number());
        }
        let value: f64 = number.parse().map_err(|_| not_a_number())?;
        let after = after.trim_start();
        let (unit_text, remainder) = split_unit(after);
        if unit_text.is_empty() {
            if after_feet {
                // 5'7 means 5 ft 7 in.
                total += value * 2.54;
                parts += 1;
                rest = remainder.trim_start();
                continue;
            }
            if measure == Measure::Age && parts == 0 && remainder.is_empty() {
                return Ok(value);
            }
            return Err(QuantityError::MissingUnit {
                measure,
                input: input.to_owned(),
                example: measure.example(),
            });
        }
        let folded = fold_unit(unit_text);
        let kind = lookup_unit(&folded).ok_or_else(|| QuantityError::UnknownUnit {
            measure,
            input: input.to_owned(),
            unit: unit_text.to_owned(),
            accepted: measure.accepted_units(),
        })?;
        let factor = kind
            .measures(measure)
            .ok_or_else(|| QuantityError::WrongKind {
                measure,
                input: input.to_owned(),
                unit: unit_text.to_owned(),
                kind: kind.name(),
                accepted: measure.accepted_units(),
            })?;
        if value < 0.0 {
            return Err(QuantityError::NotPositive {
                measure,
                input: input.to_owned(),
            });
        }
        total += value * factor;
        parts += 1;
        after_feet = measure == Measure::Height && is_feet(&folded);
        rest = remainder.trim_start();
        // Only heights come in two parts (feet then inches).
        if parts == 2 || (measure != Measure::Height && !rest.is_empty()) || is_inches(&folded) {
            break;
        }
    }
    if !rest.is_empty() {
        return Err(not_a_number());
    }
    Ok(total)
}

fn is_inches(folded: &str) -> bool {
    matches!(folded, "in" | "inch" | "inches" | "\"")
}

/// The leading number of `s`: optional sign, digits, one decimal point.
fn split_number(s: &str) -> (&str, &str) {
    let mut end = 0;
    let mut seen_digit = false;
    let mut seen_point = false;
    for (i, c) in s.char_indices() {
        match c {
            '+' | '-' if i == 0 => {}
            '0'..='9' => seen_digit = true,
            '.' if !seen_point => seen_point = true,
            _ => break,
        }
        end = i + c.len_utf8();
    }
    if !seen_digit {
        return ("", s);
    }
    (&s[..end], &s[end..])
}

/// The unit after a number. Only a feet unit can be followed by another
/// number (`5ft7in`, `5'7"`); any other unit runs to the end (`m2`, `m^2`).
fn split_unit(s: &str) -> (&str, &str) {
    if let Some(p) = s.find(|c: char| c.is_ascii_digit()) {
        let head = s[..p].trim_end();
        if is_feet(&fold_unit(head)) {
            return (head, &s[p..]);
        }
    }
    (s.trim_end(), "")
}

fn is_feet(folded: &str) -> bool {
    matches!(folded, "ft" | "feet" | "foot" | "'")
}

/// Lower-cases a unit, folds micro signs and typographic primes, drops inner spaces.
fn fold_unit(unit: &str) -> String {
    unit.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'µ' | 'μ' => 'u',
            '′' | '’' => '\'',
            '″' | '”' => '"',
            _ => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// Length in centimetres, for display and formulas written in cm.
pub fn cm(length: Length) -> f64 {
    length.get::<centimeter>()
}

/// Mass in kilograms, for display and formulas written in kg.
pub fn kg(mass: Mass) -> f64 {
    mass.get::<kilogram>()
}

/// Concentration in mg/dL.
pub fn mg_per_dl(c: MassConcentration) -> f64 {
    c.get::<milligram_per_deciliter>()
}

/// Age in years.
pub fn years(t: Time) -> f64 {
    t.get::<year>()
}

/// Flow in mL/min.
pub fn ml_per_min(v: VolumeRate) -> f64 {
    v.get::<milliliter_per_minute>()
}

/// Area in m².
pub fn m2(a: Area) -> f64 {
    a.get::<square_meter>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> f64 {
        cm(parse_height(s).unwrap())
    }

    #[test]
    fn heights_in_every_accepted_form() {
        assert!((h("170cm") - 170.0).abs() < 1e-9);
        assert!((h("170 cm") - 170.0).abs() < 1e-9);
        assert!((h("1.7m") - 170.0).abs() < 1e-9);
        assert!((h("1700mm") - 170.0).abs() < 1e-9);
        assert!((h("170CM") - 170.0).abs() < 1e-9);
        // 67 in × 2.54 = 170.18 cm
        assert!((h("67in") - 170.18).abs() < 1e-9);
        // 5 ft 7 in = 67 in
        for s in [
            "5ft7in",
            "5ft 7in",
            "5 ft 7 in",
            "5'7\"",
            "5'7",
            "5′7″",
            "5' 7\"",
        ] {
            assert!((h(s) - 170.18).abs() < 1e-9, "{s}");
        }
        assert!((h("6ft") - 182.88).abs() < 1e-9);
    }

    #[test]
    fn weights_and_creatinine() {
        assert!((kg(parse_weight("70kg").unwrap()) - 70.0).abs() < 1e-9);
        assert!((kg(parse_weight("70000g").unwrap()) - 70.0).abs() < 1e-9);
        // 154 lb × 0.45359237 kg/lb = 69.85322498 kg
        assert!((kg(parse_weight("154lb").unwrap()) - 69.853_224_98).abs() < 1e-8);
        assert!((mg_per_dl(parse_serum_creatinine("1.1mg/dL").unwrap()) - 1.1).abs() < 1e-12);
        // 97 µmol/L × 113.12 g/mol = 10 972.64 µg/L = 1.097264 mg/dL
        for s in ["97umol/L", "97µmol/L", "97 μmol/l", "97 UMOL/L"] {
            let v = mg_per_dl(parse_serum_creatinine(s).unwrap());
            assert!((v - 1.097_264).abs() < 1e-9, "{s}: {v}");
        }
    }

    #[test]
    fn bare_number_names_the_fix() {
        let e = parse_height("170").unwrap_err();
        assert_eq!(
            e.to_string(),
            "height needs a unit, e.g. 170cm or 67in (got `170`)"
        );
        let e = parse_weight("70").unwrap_err();
        assert_eq!(
            e.to_string(),
            "weight needs a unit, e.g. 70kg or 154lb (got `70`)"
        );
    }

    #[test]
    fn wrong_kind_and_unknown_units() {
        let e = parse_height("70kg").unwrap_err();
        assert!(
            matches!(e, QuantityError::WrongKind { kind: "mass", .. }),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("`kg` in `70kg` is a unit of mass, not of height")
        );
        let e = parse_weight("70 stone").unwrap_err();
        assert!(matches!(e, QuantityError::UnknownUnit { .. }), "{e}");
        assert!(e.to_string().contains("unknown unit `stone`"));
        assert!(matches!(
            parse_serum_creatinine("1.1 mmol/L").unwrap_err(),
            QuantityError::UnknownUnit { .. }
        ));
    }

    #[test]
    fn zero_negative_nan_infinite_garbage() {
        assert!(matches!(
            parse_weight("0kg").unwrap_err(),
            QuantityError::NotPositive { .. }
        ));
        assert!(matches!(
            parse_height("-170cm").unwrap_err(),
            QuantityError::NotPositive { .. }
        ));
        assert!(matches!(
            parse_height("NaN").unwrap_err(),
            QuantityError::NotFinite { .. }
        ));
        assert!(matches!(
            parse_height("inf").unwrap_err(),
            QuantityError::NotFinite { .. }
        ));
        assert!(matches!(
            parse_height("").unwrap_err(),
            QuantityError::NotANumber { .. }
        ));
        assert!(matches!(
            parse_height("cm").unwrap_err(),
            QuantityError::NotANumber { .. }
        ));
        assert!(parse_height("170cm 3").is_err());
        assert!(parse_height("170cm3in").is_err());
        assert!(parse_height("7in5ft").is_err());
        assert!(parse_weight("70kg70kg").is_err());
        assert!(parse_height("1.2.3cm").is_err());
    }

    #[test]
    fn implausible_values_name_the_bound() {
        let e = parse_height("1700cm").unwrap_err();
        assert_eq!(
            e.to_string(),
            "height of 1,700 cm is implausible (got `1700cm`); accepted range is 30 to 250 cm"
        );
        let e = parse_weight("400kg").unwrap_err();
        assert!(
            e.to_string().contains("accepted range is 0.5 to 350 kg"),
            "{e}"
        );
        assert!(parse_serum_creatinine("25mg/dL").is_err());
        assert!(parse_serum_creatinine("0.05mg/dL").is_err());
        assert!(parse_age("121").is_err());
        assert!(parse_bsa("9m2").is_err());
    }

    #[test]
    fn ages() {
        assert!((years(parse_age("64").unwrap()) - 64.0).abs() < 1e-9);
        assert!((years(parse_age("64y").unwrap()) - 64.0).abs() < 1e-9);
        assert!((years(parse_age("18mo").unwrap()) - 1.5).abs() < 1e-9);
        assert!((years(parse_age("0").unwrap())).abs() < 1e-12);
    }

    #[test]
    fn bsa_and_gfr() {
        assert!((m2(parse_bsa("2.0m2").unwrap()) - 2.0).abs() < 1e-12);
        assert!((m2(parse_bsa("2 m²").unwrap()) - 2.0).abs() < 1e-12);
        assert!((ml_per_min(parse_gfr("90mL/min").unwrap()) - 90.0).abs() < 1e-9);
        assert!(matches!(
            parse_gfr("90").unwrap_err(),
            QuantityError::MissingUnit { .. }
        ));
    }
}

/// A carboplatin target area under the curve, in mg·min/mL. `uom` has no
/// quantity of this dimension (mass concentration × time), so it is a type
/// of its own that cannot be confused with a dose.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Auc(f64);

impl Auc {
    /// Largest target AUC accepted; published carboplatin targets run 4–8.
    pub const MAX: f64 = 10.0;

    /// A target AUC in mg·min/mL; refused outside (0, 10].
    pub fn new(mg_min_per_ml: f64) -> Result<Self, AucError> {
        if mg_min_per_ml.is_finite() && mg_min_per_ml > 0.0 && mg_min_per_ml <= Self::MAX {
            Ok(Auc(mg_min_per_ml))
        } else {
            Err(AucError(format_number(mg_min_per_ml, 3)))
        }
    }

    /// The value in mg·min/mL.
    pub fn mg_min_per_ml(self) -> f64 {
        self.0
    }
}

/// A target AUC outside the accepted range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("target AUC must be a number above 0 and at most 10 mg·min/mL, e.g. AUC 5 (got {0})")]
pub struct AucError(pub String);

/// Parses a target AUC as typed: `5`, `AUC 5`, `5 mg/mL*min`.
pub fn parse_auc(input: &str) -> Result<Auc, AucError> {
    let t = input.trim();
    let t = t
        .strip_prefix("AUC")
        .or_else(|| t.strip_prefix("auc"))
        .unwrap_or(t)
        .trim();
    let (number, unit) = split_number(t);
    let unit = fold_unit(unit);
    let unit_ok = matches!(
        unit.as_str(),
        "" | "mg/ml*min" | "mg/ml·min" | "mg·min/ml" | "mg*min/ml" | "mg/ml/min"
    );
    match number.parse::<f64>() {
        Ok(v) if unit_ok => Auc::new(v),
        _ => Err(AucError(format!("`{input}`"))),
    }
}

/// The mass unit a dose was written in, kept so that a dose prescribed in mcg
/// is shown in mcg (a 350 mcg filgrastim dose must not print as 0.35 mg).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DoseUnit {
    /// Milligram (also used for doses written in g).
    Mg,
    /// Microgram, written `mcg` (never `µg`, per ISMP).
    Mcg,
}

impl DoseUnit {
    /// `mg` or `mcg`.
    pub fn symbol(self) -> &'static str {
        match self {
            DoseUnit::Mg => "mg",
            DoseUnit::Mcg => "mcg",
        }
    }

    /// A mass in this unit.
    pub fn of(self, mass: Mass) -> f64 {
        match self {
            DoseUnit::Mg => mass.get::<uom::si::mass::milligram>(),
            DoseUnit::Mcg => mass.get::<uom::si::mass::microgram>(),
        }
    }

    /// A mass from a number in this unit.
    pub fn mass(self, value: f64) -> Mass {
        match self {
            DoseUnit::Mg => Mass::new::<uom::si::mass::milligram>(value),
            DoseUnit::Mcg => Mass::new::<uom::si::mass::microgram>(value),
        }
    }
}

/// A dose per kilogram of body weight: the mass of drug given for each kg.
/// mg/kg is a ratio of two masses, which `uom` would reduce to a bare number;
/// this type keeps it from being mistaken for one.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct PerKg(pub Mass);

/// The basis of a prescribed dose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseBasis {
    /// Per m² of body surface area.
    PerM2,
    /// Per kg of body weight.
    PerKg,
    /// A flat dose.
    Flat,
    /// Carboplatin target AUC (Calvert).
    Auc,
}

impl DoseBasis {
    /// How a pharmacist says it.
    pub fn describe(self) -> &'static str {
        match self {
            DoseBasis::PerM2 => "per m² of body surface area",
            DoseBasis::PerKg => "per kg of body weight",
            DoseBasis::Flat => "flat",
            DoseBasis::Auc => "target AUC (Calvert)",
        }
    }
}

/// A dose as a protocol prescribes it: `900 mg/m2`, `15 mcg/kg`, `800 mg`, `AUC 5`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PrescribedDose {
    /// Per m² of BSA.
    PerM2(uom::si::f64::ArealMassDensity, DoseUnit),
    /// Per kg of body weight.
    PerKg(PerKg, DoseUnit),
    /// Flat.
    Flat(Mass, DoseUnit),
    /// Target AUC; the result is in mg.
    Auc(Auc),
}

impl PrescribedDose {
    /// The basis.
    pub fn basis(&self) -> DoseBasis {
        match self {
            PrescribedDose::PerM2(..) => DoseBasis::PerM2,
            PrescribedDose::PerKg(..) => DoseBasis::PerKg,
            PrescribedDose::Flat(..) => DoseBasis::Flat,
            PrescribedDose::Auc(_) => DoseBasis::Auc,
        }
    }

    /// The unit the final dose is shown in.
    pub fn unit(&self) -> DoseUnit {
        match self {
            PrescribedDose::PerM2(_, u)
            | PrescribedDose::PerKg(_, u)
            | PrescribedDose::Flat(_, u) => *u,
            PrescribedDose::Auc(_) => DoseUnit::Mg,
        }
    }

    /// The number in the prescribed unit (900 for 900 mg/m², 5 for AUC 5).
    pub fn value(&self) -> f64 {
        match self {
            PrescribedDose::PerM2(d, u) => {
                // mg/m² or mcg/m²: the mass on one square metre.
                u.of(Mass::new::<kilogram>(
                    d.get::<uom::si::areal_mass_density::kilogram_per_square_meter>(),
                ))
            }
            PrescribedDose::PerKg(PerKg(m), u) | PrescribedDose::Flat(m, u) => u.of(*m),
            PrescribedDose::Auc(a) => a.mg_min_per_ml(),
        }
    }

    /// The same basis and unit, scaled by `factor` (for percentage reductions
    /// and cycle totals).
    pub fn scaled(&self, factor: f64) -> PrescribedDose {
        match *self {
            PrescribedDose::PerM2(d, u) => PrescribedDose::PerM2(d * factor, u),
            PrescribedDose::PerKg(PerKg(m), u) => PrescribedDose::PerKg(PerKg(m * factor), u),
            PrescribedDose::Flat(m, u) => PrescribedDose::Flat(m * factor, u),
            PrescribedDose::Auc(a) => PrescribedDose::Auc(Auc(a.0 * factor)),
        }
    }

    /// The number in the basis's milligram unit (mg/m², mg/kg, mg; AUC as is),
    /// so that doses written in mcg, mg or g compare correctly.
    pub fn canonical(&self) -> f64 {
        match self {
            PrescribedDose::PerM2(d, _) => {
                d.get::<uom::si::areal_mass_density::kilogram_per_square_meter>() * 1.0e6
            }
            PrescribedDose::PerKg(PerKg(m), _) | PrescribedDose::Flat(m, _) => {
                m.get::<uom::si::mass::milligram>()
            }
            PrescribedDose::Auc(a) => a.mg_min_per_ml(),
        }
    }

    /// The unit as written after the number: `mg/m²`, `mcg/kg`, `mg`.
    pub fn unit_text(&self) -> String {
        match self {
            PrescribedDose::PerM2(_, u) => format!("{}/m²", u.symbol()),
            PrescribedDose::PerKg(_, u) => format!("{}/kg", u.symbol()),
            PrescribedDose::Flat(_, u) => u.symbol().to_owned(),
            PrescribedDose::Auc(_) => "mg/mL·min".to_owned(),
        }
    }
}

impl fmt::Display for PrescribedDose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrescribedDose::Auc(a) => write!(f, "AUC {}", format_number(a.mg_min_per_ml(), 3)),
            _ => write!(f, "{} {}", format_number(self.value(), 4), self.unit_text()),
        }
    }
}

/// A dose string that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DoseError {
    /// No number at the start.
    #[error(
        "`{0}` is not a dose; write e.g. \"900 mg/m2\", \"15 mcg/kg\", \"800 mg\" or \"AUC 5\""
    )]
    NotADose(String),
    /// A number without a unit.
    #[error("dose `{0}` needs a unit, e.g. \"900 mg/m2\", \"15 mcg/kg\" or \"800 mg\"")]
    MissingUnit(String),
    /// A unit that is not a dose unit.
    #[error(
        "unknown dose unit `{unit}` in `{input}`; use mg, mcg or g, alone or per m2 or per kg (mg/m2, mcg/kg), or AUC N"
    )]
    UnknownUnit {
        /// What was typed.
        input: String,
        /// The unit as typed.
        unit: String,
    },
    /// Zero, negative or not finite.
    #[error("dose `{0}` must be a finite number greater than zero")]
    NotPositive(String),
    /// Beyond any real dose (protects the arithmetic from hostile files).
    #[error("dose `{0}` is implausibly large (more than 100 g)")]
    TooLarge(String),
    /// A bad AUC.
    #[error(transparent)]
    Auc(#[from] AucError),
    /// A dose with a basis where a plain mass is needed.
    #[error("`{0}` is a dose per m², per kg or an AUC; a plain mass is needed here, e.g. \"2 mg\"")]
    NotAMass(String),
}

/// Parses a prescribed dose: `900 mg/m2`, `900 mg/m²`, `1.5 g/m2`, `15 mcg/kg`,
/// `2 mg`, `AUC 5`. Units are case-insensitive; `µg`/`ug` read as mcg.
pub fn parse_dose(input: &str) -> Result<PrescribedDose, DoseError> {
    let t = input.trim();
    if t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("auc")) {
        return Ok(PrescribedDose::Auc(parse_auc(t)?));
    }
    let (number, rest) = split_number(t);
    if number.is_empty() {
        return Err(DoseError::NotADose(input.to_owned()));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| DoseError::NotADose(input.to_owned()))?;
    let unit = fold_unit(rest);
    if unit.is_empty() {
        return Err(DoseError::MissingUnit(input.to_owned()));
    }
    if !value.is_finite() || value <= 0.0 {
        return Err(DoseError::NotPositive(input.to_owned()));
    }
    let unknown = || DoseError::UnknownUnit {
        input: input.to_owned(),
        unit: rest.trim().to_owned(),
    };
    let (mass_text, per) = match unit.split_once('/') {
        Some((m, p)) => (m, Some(p)),
        None => (unit.as_str(), None),
    };
    let (mass, dose_unit) = match mass_text {
        "mg" => (Mass::new::<uom::si::mass::milligram>(value), DoseUnit::Mg),
        "g" => (Mass::new::<uom::si::mass::gram>(value), DoseUnit::Mg),
        "mcg" | "ug" => (Mass::new::<uom::si::mass::microgram>(value), DoseUnit::Mcg),
        _ => return Err(unknown()),
    };
    if mass.get::<uom::si::mass::gram>() > 100.0 {
        return Err(DoseError::TooLarge(input.to_owned()));
    }
    Ok(match per {
        None => PrescribedDose::Flat(mass, dose_unit),
        Some("m2" | "m²" | "m^2") => PrescribedDose::PerM2(
            uom::si::f64::ArealMassDensity::new::<
                uom::si::areal_mass_density::kilogram_per_square_meter,
            >(mass.get::<kilogram>()),
            dose_unit,
        ),
        Some("kg") => PrescribedDose::PerKg(PerKg(mass), dose_unit),
        Some(_) => return Err(unknown()),
    })
}

/// Parses a mass such as a maximum single dose or a tablet strength: `2 mg`, `200 mg`.
pub fn parse_dose_mass(input: &str) -> Result<(Mass, DoseUnit), DoseError> {
    match parse_dose(input)? {
        PrescribedDose::Flat(m, u) => Ok((m, u)),
        _ => Err(DoseError::NotAMass(input.to_owned())),
    }
}

#[cfg(test)]
mod dose_tests {
    use super::*;

    #[test]
    fn doses_as_pharmacists_write_them() {
        let d = parse_dose("900 mg/m2").unwrap();
        assert_eq!(d.basis(), DoseBasis::PerM2);
        assert!((d.value() - 900.0).abs() < 1e-9);
        assert_eq!(d.to_string(), "900 mg/m²");
        let d = parse_dose("1.5 g/m²").unwrap();
        assert!((d.value() - 1500.0).abs() < 1e-9);
        assert_eq!(d.to_string(), "1,500 mg/m²");
        let d = parse_dose("5 mcg/kg").unwrap();
        assert_eq!(d.basis(), DoseBasis::PerKg);
        assert_eq!(d.to_string(), "5 mcg/kg");
        let d = parse_dose("800 mg").unwrap();
        assert_eq!(d.basis(), DoseBasis::Flat);
        let d = parse_dose("AUC 5").unwrap();
        assert_eq!(d.basis(), DoseBasis::Auc);
        assert_eq!(d.to_string(), "AUC 5");
        assert_eq!(parse_dose("0.5 MG/M2").unwrap().to_string(), "0.5 mg/m²");
    }

    #[test]
    fn bad_doses() {
        assert!(matches!(
            parse_dose("900 mg/m").unwrap_err(),
            DoseError::UnknownUnit { .. }
        ));
        assert!(matches!(
            parse_dose("900").unwrap_err(),
            DoseError::MissingUnit(_)
        ));
        assert!(matches!(
            parse_dose("mg/m2").unwrap_err(),
            DoseError::NotADose(_)
        ));
        assert!(matches!(
            parse_dose("0 mg").unwrap_err(),
            DoseError::NotPositive(_)
        ));
        assert!(matches!(
            parse_dose("1e300 mg").unwrap_err(),
            DoseError::UnknownUnit { .. } | DoseError::NotADose(_)
        ));
        assert!(matches!(
            parse_dose("200000 mg").unwrap_err(),
            DoseError::TooLarge(_)
        ));
        assert!(parse_dose("AUC 50").is_err());
        assert!(parse_dose_mass("900 mg/m2").is_err());
    }

    /// Found by proptest: slicing the first three bytes to look for "AUC"
    /// panicked when they cut a multi-byte character.
    #[test]
    fn regression_multibyte_start_does_not_panic() {
        assert!(parse_dose("𝼑3 mg").is_err());
        assert!(parse_dose("µg").is_err());
    }
}
