//! Measurements as typed: height, weight, serum creatinine, age, a BSA or a
//! GFR given directly. Each is a number with a unit; the unit is required,
//! checked against what the value measures, converted to the canonical unit
//! and held to documented plausibility bounds.
//!
//! Owns: the unit table, the plausibility bounds, [`QuantityError`].
//! Never does: guess a unit, or write a message (see [`crate::render`]).

use std::fmt;

use uom::si::area::square_meter;
use uom::si::f64::{Area, Length, Mass, MassConcentration, Time, VolumeRate};
use uom::si::length::centimeter;
use uom::si::mass::kilogram;
use uom::si::mass_concentration::milligram_per_deciliter;
use uom::si::time::year;

use super::units::milliliter_per_minute;

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

/// Why a typed quantity was refused. Every variant names what was typed;
/// the message is written by `render::messages` (it shows figures by the
/// ISMP rules).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantityError {
    /// A number without a unit.
    MissingUnit {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// A correct example.
        example: &'static str,
    },
    /// Not a number followed by a unit.
    NotANumber {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// A correct example.
        example: &'static str,
    },
    /// NaN or infinite.
    NotFinite {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// A correct example.
        example: &'static str,
    },
    /// A unit nobody recognises.
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
    NotPositive {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
    },
    /// Outside the plausibility bounds.
    Implausible {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// The value in the canonical unit of `measure` (see [`Measure::bounds`]).
        value: f64,
        /// The bounds it fell outside, in the same unit.
        bounds: Bounds,
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
            value: canonical,
            bounds: b,
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
pub(super) fn split_number(s: &str) -> (&str, &str) {
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
pub(super) fn fold_unit(unit: &str) -> String {
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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantity::{cm, kg, m2, mg_per_dl, ml_per_min, years};

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
