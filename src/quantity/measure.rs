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

/// The body-mass index (weight / height²) a height and a weight together
/// must give: 10 to 100 kg/m². An engineering plausibility window, not a
/// clinical range: it is there to catch a height or a weight typed wrong or
/// in the wrong unit (30 cm with 350 kg is 3,889 kg/m²; 170 cm with 0.5 kg
/// is 0.17 kg/m²), which each bound alone lets through. It is chosen wide: a
/// healthy term newborn is about 13 kg/m² and adult obesity class III starts
/// at 40 kg/m². Patients outside it (some preterm neonates, a BMI above 100)
/// exist, but are outside what this tool doses: see `docs/formulas.md`,
/// "Plausibility bounds".
pub const BMI_BOUNDS: Bounds = Bounds {
    min: 10.0,
    max: 100.0,
    unit: "kg/m²",
};

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
        /// The value in the unit it was typed in, when that is not the
        /// canonical unit (`499 g` for a weight): the message shows both.
        as_typed: Option<AsTyped>,
        /// The bounds it fell outside, in the same unit.
        bounds: Bounds,
    },
    /// Numbers and units put together in a way that has no single reading
    /// (`4ft4ft`, `5ft17in`, `1kg2kg`, `1e29kg`, `1,70m`).
    Malformed {
        /// What the value measures.
        measure: Measure,
        /// What was typed.
        input: String,
        /// What is wrong with it.
        problem: Malformed,
        /// A correct example.
        example: &'static str,
    },
    /// Height and weight that cannot belong to one person: their body-mass
    /// index is outside [`BMI_BOUNDS`] (30 cm with 350 kg).
    ImplausibleProportions {
        /// Height, cm.
        height_cm: f64,
        /// Weight, kg.
        weight_kg: f64,
        /// Weight / height², kg/m².
        bmi: f64,
        /// The window it fell outside.
        bounds: Bounds,
    },
}

/// A value in the unit it was typed in: `499` and `g`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsTyped {
    /// The number as typed.
    pub value: f64,
    /// The unit, as messages write it (`g`, `lb`, `µmol/L`).
    pub unit: &'static str,
}

/// How a typed measurement is malformed.
#[derive(Debug, Clone, PartialEq)]
pub enum Malformed {
    /// A number written with an exponent (`1e29kg`): refused, as a dose
    /// calculation never needs one and a stray `e` is a typing error.
    Exponent,
    /// A comma inside a number (`1,70m`, `70,000g`): a decimal comma or a
    /// thousands separator cannot be told apart.
    Comma,
    /// More than one number where one is expected (`1kg2kg`, `5lb5lb`,
    /// `170cm3in`).
    SeveralValues,
    /// Something other than inches after feet (`4ft4ft`, `5ft7cm`).
    AfterFeet {
        /// The unit as typed.
        unit: String,
    },
    /// Inches of 12 or more after feet (`5ft17in`).
    InchesAfterFeet {
        /// The inches as typed.
        inches: f64,
    },
    /// Feet with a fraction followed by inches (`5.5ft6in`).
    FractionalFeet,
    /// A sign inside a compound height (`5ft-7in`).
    Sign,
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
/// Each unit comes with the name messages write it by.
fn lookup_unit(unit: &str) -> Option<(UnitKind, &'static str)> {
    let umol_l_to_mg_dl = CREATININE_MOLAR_MASS_G_PER_MOL / 10_000.0;
    Some(match unit {
        "cm" => (UnitKind::Length(1.0), "cm"),
        "m" => (UnitKind::Length(100.0), "m"),
        "mm" => (UnitKind::Length(0.1), "mm"),
        "in" | "inch" | "inches" | "\"" => (UnitKind::Length(2.54), "in"),
        "ft" | "feet" | "foot" | "'" => (UnitKind::Length(30.48), "ft"),
        "kg" => (UnitKind::Mass(1.0), "kg"),
        "g" => (UnitKind::Mass(0.001), "g"),
        "lb" | "lbs" | "pound" | "pounds" => (UnitKind::Mass(0.453_592_37), "lb"),
        "mg/dl" => (UnitKind::Creatinine(1.0), "mg/dL"),
        "umol/l" => (UnitKind::Creatinine(umol_l_to_mg_dl), "µmol/L"),
        "y" | "yr" | "yrs" | "year" | "years" => (UnitKind::Age(1.0), "years"),
        "mo" | "month" | "months" => (UnitKind::Age(1.0 / 12.0), "months"),
        "d" | "day" | "days" => (UnitKind::Age(1.0 / 365.25), "days"),
        "m2" | "m²" | "m^2" => (UnitKind::Area(1.0), "m²"),
        "ml/min" => (UnitKind::Flow(1.0), "mL/min"),
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
    check_plausible_as_typed(measure, canonical, input, None)
}

/// [`check_plausible`] for a value typed in another unit than the canonical
/// one (`499 g`, a `weight_lb` column): a refusal shows it as typed too.
pub fn check_plausible_as_typed(
    measure: Measure,
    canonical: f64,
    input: &str,
    as_typed: Option<AsTyped>,
) -> Result<(), QuantityError> {
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
            as_typed: as_typed.filter(|t| t.unit != b.unit),
            bounds: b,
        });
    }
    Ok(())
}

/// Checks a height and a weight together: their body-mass index must be
/// within [`BMI_BOUNDS`]. Each alone is checked by [`parse_height`] and
/// [`parse_weight`]; this catches the pair that cannot be one person.
///
/// # Errors
///
/// [`QuantityError::ImplausibleProportions`] outside the window.
pub fn check_proportions(height: Length, weight: Mass) -> Result<(), QuantityError> {
    let height_cm = height.get::<centimeter>();
    let weight_kg = weight.get::<kilogram>();
    let metres = height_cm / 100.0;
    let bmi = weight_kg / (metres * metres);
    if (BMI_BOUNDS.min..=BMI_BOUNDS.max).contains(&bmi) {
        return Ok(());
    }
    Err(QuantityError::ImplausibleProportions {
        height_cm,
        weight_kg,
        bmi,
        bounds: BMI_BOUNDS,
    })
}

/// Parses `input` as `measure` and returns the value in its canonical unit.
fn parse_canonical(measure: Measure, input: &str) -> Result<f64, QuantityError> {
    let (value, as_typed) = parse_number_and_unit(measure, input)?;
    check_plausible_as_typed(measure, value, input, as_typed)?;
    Ok(value)
}

/// One number and the unit after it, as typed.
struct Part<'a> {
    /// The number's text, sign included.
    number: &'a str,
    value: f64,
    /// The unit as typed, trimmed; empty when there is none.
    unit: &'a str,
    /// What follows: only a feet unit can be followed by another number.
    rest: &'a str,
}

/// Reads one number and its unit from `s`, refusing exponents and commas in
/// the number.
fn next_part<'a>(measure: Measure, input: &str, s: &'a str) -> Result<Part<'a>, QuantityError> {
    let malformed = |problem| QuantityError::Malformed {
        measure,
        input: input.to_owned(),
        problem,
        example: measure.example(),
    };
    let not_a_number = || QuantityError::NotANumber {
        measure,
        input: input.to_owned(),
        example: measure.example(),
    };
    let (number, after) = split_number(s);
    if number.is_empty() {
        // "nan", "inf" and friends parse as f64 but are not measurements.
        if input.trim().parse::<f64>().is_ok() {
            return Err(QuantityError::NotFinite {
                measure,
                input: input.to_owned(),
                example: measure.example(),
            });
        }
        return Err(not_a_number());
    }
    let mut next = after.chars();
    let first = next.next();
    let second = next.next();
    let digit_follows = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    match first {
        Some('e' | 'E')
            if digit_follows(second)
                || (matches!(second, Some('+' | '-')) && digit_follows(next.next())) =>
        {
            return Err(malformed(Malformed::Exponent));
        }
        Some(',') if digit_follows(second) => return Err(malformed(Malformed::Comma)),
        _ => {}
    }
    let value: f64 = number.parse().map_err(|_| not_a_number())?;
    let (unit, rest) = split_unit(after.trim_start());
    Ok(Part {
        number,
        value,
        unit,
        rest,
    })
}

/// The kind, factor and display name of a typed unit of `measure`.
fn resolve_unit(
    measure: Measure,
    input: &str,
    unit: &str,
) -> Result<(String, f64, &'static str), QuantityError> {
    let folded = fold_unit(unit);
    let Some((kind, name)) = lookup_unit(&folded) else {
        if unit.chars().any(|c| c.is_ascii_digit()) {
            return Err(QuantityError::Malformed {
                measure,
                input: input.to_owned(),
                problem: Malformed::SeveralValues,
                example: measure.example(),
            });
        }
        return Err(QuantityError::UnknownUnit {
            measure,
            input: input.to_owned(),
            unit: unit.to_owned(),
            accepted: measure.accepted_units(),
        });
    };
    let factor = kind
        .measures(measure)
        .ok_or_else(|| QuantityError::WrongKind {
            measure,
            input: input.to_owned(),
            unit: unit.to_owned(),
            kind: kind.name(),
            accepted: measure.accepted_units(),
        })?;
    Ok((folded, factor, name))
}

/// Reads `input` as one number and its unit, or for a height feet then
/// inches (`5ft7in`, `5'7"`, `5'7`), and converts to the canonical unit.
/// Returns the value as typed as well when it was one number in another
/// unit (`499 g`).
fn parse_number_and_unit(
    measure: Measure,
    input: &str,
) -> Result<(f64, Option<AsTyped>), QuantityError> {
    let text = input.trim();
    let malformed = |problem| QuantityError::Malformed {
        measure,
        input: input.to_owned(),
        problem,
        example: measure.example(),
    };
    if text.is_empty() {
        return Err(QuantityError::NotANumber {
            measure,
            input: input.to_owned(),
            example: measure.example(),
        });
    }
    let first = next_part(measure, input, text)?;
    if first.unit.is_empty() {
        if measure == Measure::Age && first.rest.is_empty() {
            return Ok((first.value, None));
        }
        return Err(QuantityError::MissingUnit {
            measure,
            input: input.to_owned(),
            example: measure.example(),
        });
    }
    let (folded, factor, name) = resolve_unit(measure, input, first.unit)?;
    if first.value < 0.0 {
        return Err(QuantityError::NotPositive {
            measure,
            input: input.to_owned(),
        });
    }
    let rest = first.rest.trim_start();
    if rest.is_empty() {
        let as_typed = AsTyped {
            value: first.value,
            unit: name,
        };
        return Ok((first.value * factor, Some(as_typed)));
    }
    // Only a height in feet is followed by another number: its inches.
    if measure != Measure::Height || !is_feet(&folded) {
        return Err(malformed(Malformed::SeveralValues));
    }
    if first.number.contains('.') {
        return Err(malformed(Malformed::FractionalFeet));
    }
    let inches = next_part(measure, input, rest)?;
    if inches.number.starts_with(['+', '-']) {
        return Err(malformed(Malformed::Sign));
    }
    // 5'7 means 5 ft 7 in.
    if !inches.unit.is_empty() {
        let (folded, _, _) = resolve_unit(measure, input, inches.unit)?;
        if !is_inches(&folded) {
            return Err(malformed(Malformed::AfterFeet {
                unit: inches.unit.to_owned(),
            }));
        }
    }
    if !inches.rest.trim().is_empty() {
        return Err(malformed(Malformed::SeveralValues));
    }
    if inches.value >= 12.0 {
        return Err(malformed(Malformed::InchesAfterFeet {
            inches: inches.value,
        }));
    }
    Ok((first.value * factor + inches.value * 2.54, None))
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
/// number (`5ft7in`, `5'7"`, and `5ft-7in`, refused by the caller); any
/// other unit runs to the end (`m2`, `m^2`).
fn split_unit(s: &str) -> (&str, &str) {
    let bytes = s.as_bytes();
    let starts_number = |i: usize| {
        bytes[i].is_ascii_digit()
            || (matches!(bytes[i], b'+' | b'-') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
    };
    if let Some(p) = (0..bytes.len()).find(|&i| starts_number(i)) {
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

    /// Issue 14: `4ft4ft` was read as 243.84 cm and `5ft17in` as 195.58 cm;
    /// `5lb5lb` and `1kg2kg` were "unknown units", `1e29kg` an unknown unit
    /// `e29kg`. Each is now refused for what it is.
    #[test]
    fn malformed_heights_and_weights_are_refused_for_what_they_are() {
        let msg = |r: Result<f64, QuantityError>| r.unwrap_err().to_string();
        let height = |s: &str| msg(parse_height(s).map(cm));
        let weight = |s: &str| msg(parse_weight(s).map(kg));
        assert_eq!(
            height("4ft4ft"),
            "height: `4ft4ft` has `ft` after feet; only inches may follow feet, once, e.g. 170cm, 67in or 5ft7in"
        );
        assert_eq!(
            height("5ft7cm"),
            "height: `5ft7cm` has `cm` after feet; only inches may follow feet, once, e.g. 170cm, 67in or 5ft7in"
        );
        assert_eq!(
            height("5ft17in"),
            "height: `5ft17in` has 17 inches after feet; the inches must be under 12 (or write the height in inches alone, or in cm), e.g. 170cm, 67in or 5ft7in"
        );
        assert!(height("5ft12in").contains("12 inches after feet"));
        assert_eq!(
            height("5.5ft6in"),
            "height: `5.5ft6in` has a fraction of a foot followed by inches; write whole feet then inches, e.g. 170cm, 67in or 5ft7in"
        );
        for s in ["5ft-7in", "5ft+7in", "5'-7\""] {
            assert_eq!(
                height(s),
                format!(
                    "height: `{s}` has a sign before the inches; write feet then inches, e.g. 170cm, 67in or 5ft7in"
                )
            );
        }
        for s in ["170cm3in", "7in5ft", "5ft7in3", "170cm 3"] {
            assert_eq!(
                height(s),
                format!(
                    "height: `{s}` has more than one number; write one number and its unit, or feet then inches, e.g. 170cm, 67in or 5ft7in"
                )
            );
        }
        for s in ["5lb5lb", "1kg2kg", "70kg70kg", "70kg-5"] {
            assert_eq!(
                weight(s),
                format!(
                    "weight: `{s}` has more than one number; write one number and its unit, e.g. 70kg or 154lb"
                )
            );
        }
        for s in ["1e29kg", "1E3kg", "7e+1kg", "7e-1kg"] {
            assert_eq!(
                weight(s),
                format!(
                    "weight: `{s}` is written with an exponent; write the number in full, e.g. 70kg or 154lb"
                )
            );
        }
        assert_eq!(
            msg(parse_age("1e2").map(years)),
            "age: `1e2` is written with an exponent; write the number in full, e.g. 64 or 64y"
        );
        for s in ["70,5kg", "70,000g"] {
            assert_eq!(
                weight(s),
                format!(
                    "weight: `{s}` has a comma in a number, which could be a decimal comma or a thousands separator; write a decimal point and no separators, e.g. 70kg or 154lb"
                )
            );
        }
        assert!(height("1,70m").contains("has a comma in a number"));
        // Stones are not a unit here: the accepted ones are listed.
        assert_eq!(
            weight("10st"),
            "weight: unknown unit `st` in `10st`; accepted units: kg, g, lb"
        );
        // Still accepted: 11 inches, no inches, a space anywhere, a leading +.
        assert!((h("5ft11in") - 180.34).abs() < 1e-9);
        assert!((h("5ft0in") - 152.4).abs() < 1e-9);
        assert!((h("5ft 7 in") - 170.18).abs() < 1e-9);
        assert!((kg(parse_weight("+70kg").unwrap()) - 70.0).abs() < 1e-12);
    }

    /// Issue 14: `499g` said "weight of 0.5 kg is implausible" (0.499 kg
    /// rounded onto the bound), and a value too large for a decimal said
    /// "weight of invalid kg".
    #[test]
    fn implausible_values_are_shown_as_typed_and_never_rounded_onto_the_bound() {
        assert_eq!(
            parse_weight("499g").unwrap_err().to_string(),
            "weight of 499 g (0.499 kg) is implausible (got `499g`); accepted range is 0.5 to 350 kg (500 to 350,000 g)"
        );
        // 800 lb × 0.45359237 = 362.87 kg; 0.5 kg = 1.1023 lb, shown rounded
        // up (1.11), 350 kg = 771.6178 lb, shown rounded down (771.61).
        assert_eq!(
            parse_weight("800lb").unwrap_err().to_string(),
            "weight of 800 lb (362.87 kg) is implausible (got `800lb`); accepted range is 0.5 to 350 kg (1.11 to 771.61 lb)"
        );
        assert_eq!(
            parse_weight("0.4999kg").unwrap_err().to_string(),
            "weight of 0.4999 kg is implausible (got `0.4999kg`); accepted range is 0.5 to 350 kg"
        );
        assert_eq!(
            parse_weight("350.001kg").unwrap_err().to_string(),
            "weight of 350.001 kg is implausible (got `350.001kg`); accepted range is 0.5 to 350 kg"
        );
        let huge = format!("1{}kg", "0".repeat(33));
        assert_eq!(
            parse_weight(&huge).unwrap_err().to_string(),
            format!("weight `{huge}` is implausible; accepted range is 0.5 to 350 kg")
        );
    }

    /// Issue 14: 30 cm with 350 kg got an adult dose; 170 cm with 0.5 kg a
    /// flat adult dose. Each value alone is within its bounds.
    #[test]
    fn height_and_weight_are_checked_together() {
        let p = |h: &str, w: &str| {
            check_proportions(parse_height(h).unwrap(), parse_weight(w).unwrap())
                .map_err(|e| e.to_string())
        };
        // 350 / 0.3² = 3,888.89 kg/m²
        assert_eq!(
            p("30cm", "350kg").unwrap_err(),
            "height 30 cm with weight 350 kg is a body-mass index of 3,888.89 kg/m², outside the plausible 10 to 100 kg/m²: one of them is mistyped or in the wrong unit"
        );
        // 0.5 / 1.7² = 0.17 kg/m²
        assert!(
            p("170cm", "0.5kg")
                .unwrap_err()
                .contains("index of 0.17 kg/m²")
        );
        // 300 / 1.7² = 103.81 kg/m²
        assert!(
            p("170cm", "300kg")
                .unwrap_err()
                .contains("index of 103.81 kg/m²")
        );
        // Near the edges: 29 kg at 170 cm is 10.03 kg/m², 288 kg 99.65 kg/m².
        assert!(p("170cm", "29kg").is_ok());
        assert!(p("170cm", "288kg").is_ok());
        assert!(p("170cm", "70kg").is_ok());
        // A term newborn, 50 cm and 3.5 kg: 14 kg/m².
        assert!(p("50cm", "3.5kg").is_ok());
        // 9.99 kg/m² is refused and written so, not as 10.
        assert!(
            p("100cm", "9.99kg")
                .unwrap_err()
                .contains("index of 9.99 kg/m²")
        );
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
