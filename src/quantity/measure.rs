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
mod tests;
