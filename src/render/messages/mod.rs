//! The messages of errors and warnings, written from the values they hold.
//!
//! Owns: the `Display` of every library error whose message shows a figure or
//! a drug name (figures by the ISMP rules, drug names in tall-man letters),
//! and the words of each engine [`crate::dose::Warning`]. Here the errors
//! of typed input (quantities, labs, BSA, renal function); in `dose.rs` the
//! engine's errors, stops and warnings.
//! Never does: name a command-line flag. A message says what is wrong and
//! what the value must be; the command-line layer adds which flag to pass.

use std::fmt;

use super::ismp::{format_decimal, format_number};
use crate::bsa::BsaError;
use crate::quantity::{AucError, Lab, LabError, Malformed, Measure, PercentError, QuantityError};
use crate::renal::RenalError;
use crate::rounding::{round_dp_half_up, to_decimal};

mod dose;

pub(crate) use dose::{ceiling_text, cumulative_text, stopping_status};
pub use dose::{limit_source_text, limit_unit_text, scope_text};

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::MissingUnit {
                measure,
                input,
                example,
            } => write!(f, "{measure} needs a unit, e.g. {example} (got `{input}`)"),
            QuantityError::NotANumber {
                measure,
                input,
                example,
            } => write!(
                f,
                "{measure}: `{input}` is not a number with a unit; write e.g. {example}"
            ),
            QuantityError::NotFinite {
                measure,
                input,
                example,
            } => write!(
                f,
                "{measure}: `{input}` is not a finite number; write e.g. {example}"
            ),
            QuantityError::UnknownUnit {
                measure,
                input,
                unit,
                accepted,
            } => write!(
                f,
                "{measure}: unknown unit `{unit}` in `{input}`; accepted units: {accepted}"
            ),
            QuantityError::WrongKind {
                measure,
                input,
                unit,
                kind,
                accepted,
            } => write!(
                f,
                "{measure}: `{unit}` in `{input}` is a unit of {kind}, not of {measure}; accepted units: {accepted}"
            ),
            QuantityError::NotPositive { measure, input } => {
                write!(f, "{measure} must be greater than zero (got `{input}`)")
            }
            QuantityError::Implausible {
                measure,
                input,
                value,
                as_typed,
                bounds,
            } => {
                let range = format!(
                    "accepted range is {} to {} {unit}",
                    format_number(bounds.min, 2),
                    format_number(bounds.max, 2),
                    unit = bounds.unit,
                );
                let canonical = outside_figure(*value, bounds.min, bounds.max)
                    .map(|v| format!("{v} {}", bounds.unit));
                let typed = as_typed.and_then(|t| {
                    to_decimal(t.value).map(|d| format!("{} {}", format_decimal(d), t.unit))
                });
                // The range in the unit typed too: 0.5 kg is 500 g.
                let per_unit = as_typed.map(|t| t.value / value);
                // Rounded inwards, so that the figures shown are accepted.
                let typed_range = per_unit
                    .filter(|r| r.is_finite() && *r > 0.0)
                    .and_then(|r| {
                        let min = to_decimal(bounds.min * r)?.round_dp_with_strategy(
                            2,
                            rust_decimal::RoundingStrategy::AwayFromZero,
                        );
                        let max = to_decimal(bounds.max * r)?
                            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
                        Some(format!(
                            " ({} to {} {})",
                            format_decimal(min),
                            format_decimal(max),
                            as_typed.map_or("", |t| t.unit)
                        ))
                    });
                match (typed, canonical) {
                    (Some(t), Some(c)) => write!(
                        f,
                        "{measure} of {t} ({c}) is implausible (got `{input}`); {range}{}",
                        typed_range.unwrap_or_default()
                    ),
                    (Some(v), None) | (None, Some(v)) => {
                        write!(
                            f,
                            "{measure} of {v} is implausible (got `{input}`); {range}"
                        )
                    }
                    (None, None) => write!(f, "{measure} `{input}` is implausible; {range}"),
                }
            }
            QuantityError::Malformed {
                measure,
                input,
                problem,
                example,
            } => {
                let what = match problem {
                    Malformed::Exponent => "is written with an exponent; write the number in full".to_owned(),
                    Malformed::Comma => "has a comma in a number, which could be a decimal comma or a thousands separator; write a decimal point and no separators".to_owned(),
                    Malformed::SeveralValues if *measure == Measure::Height => "has more than one number; write one number and its unit, or feet then inches".to_owned(),
                    Malformed::SeveralValues => "has more than one number; write one number and its unit".to_owned(),
                    Malformed::AfterFeet { unit } => format!("has `{unit}` after feet; only inches may follow feet, once"),
                    Malformed::InchesAfterFeet { inches } => format!(
                        "has {} inches after feet; the inches must be under 12 (or write the height in inches alone, or in cm)",
                        format_number(*inches, 2)
                    ),
                    Malformed::FractionalFeet => "has a fraction of a foot followed by inches; write whole feet then inches".to_owned(),
                    Malformed::Sign => "has a sign before the inches; write feet then inches".to_owned(),
                };
                let example = if *measure == Measure::Height {
                    "170cm, 67in or 5ft7in"
                } else {
                    example
                };
                write!(f, "{measure}: `{input}` {what}, e.g. {example}")
            }
            QuantityError::ImplausibleProportions {
                height_cm,
                weight_kg,
                bmi,
                bounds,
            } => write!(
                f,
                "height {} cm with weight {} kg is a body-mass index of {} {unit}, outside the plausible {} to {} {unit}: one of them is mistyped or in the wrong unit",
                format_number(*height_cm, 2),
                format_number(*weight_kg, 3),
                outside_figure(*bmi, bounds.min, bounds.max)
                    .unwrap_or_else(|| "far outside".to_owned()),
                format_number(bounds.min, 2),
                format_number(bounds.max, 2),
                unit = bounds.unit,
            ),
        }
    }
}

/// A value outside `min..=max`, written with as many decimals (2 to 6) as
/// it takes not to round onto the range (0.499 kg is not written 0.5 kg
/// when 0.5 kg is accepted); `None` when it cannot be written as a decimal.
fn outside_figure(value: f64, min: f64, max: f64) -> Option<String> {
    let d = to_decimal(value)?;
    let (lo, hi) = (to_decimal(min)?, to_decimal(max)?);
    let mut shown = round_dp_half_up(d, 2);
    for dp in 3..=6 {
        if shown < lo || shown > hi {
            break;
        }
        shown = round_dp_half_up(d, dp);
    }
    Some(format_decimal(shown))
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::UnknownLab { input } => {
                let ids: Vec<&str> = Lab::ALL.iter().map(|l| l.id()).collect();
                write!(f, "unknown lab `{input}`; use one of {}", ids.join(", "))
            }
            LabError::MissingUnit { lab, input } => write!(
                f,
                "{} {} a unit, e.g. {} (got `{input}`)",
                lab.label(),
                if lab.label_is_plural() {
                    "need"
                } else {
                    "needs"
                },
                lab.example()
            ),
            LabError::NotANumber { lab, input } => write!(
                f,
                "{}: `{input}` is not a number with a unit; write e.g. {}",
                lab.label(),
                lab.example()
            ),
            LabError::NotFinite { lab, input } => write!(
                f,
                "{}: `{input}` is not a finite number; write e.g. {}",
                lab.label(),
                lab.example()
            ),
            LabError::Comma { lab, input } => write!(
                f,
                "{}: `{input}` has a comma, which could be a thousands separator or a decimal comma; write the number without separators and with a decimal point, e.g. {}",
                lab.label(),
                lab.example()
            ),
            LabError::UnknownUnit { lab, input, unit } => write!(
                f,
                "{}: unknown unit `{unit}` in `{input}`; accepted units: {}",
                lab.label(),
                lab.accepted_units()
            ),
            LabError::WrongUnit {
                lab,
                input,
                unit,
                kind,
            } => write!(
                f,
                "{label}: `{unit}` in `{input}` is a unit of {kind}, not one {label} is written in; accepted units: {}",
                lab.accepted_units(),
                label = lab.label(),
            ),
            LabError::NotUlnBased { lab, input } => write!(
                f,
                "{} is read against fixed values, not against the upper limit of normal: it takes no ULN and no multiple of the ULN (got `{input}`); write e.g. {}",
                lab.label(),
                lab.example()
            ),
            LabError::UlnAsMultiple { lab, input } => write!(
                f,
                "the ULN of {} is written in its units, not as a multiple of itself, e.g. {} (got `{input}`)",
                lab.label(),
                first_example(*lab)
            ),
            LabError::UlnZero { lab, input } => write!(
                f,
                "the ULN of {} must be greater than zero (got `{input}`)",
                lab.label()
            ),
            LabError::Negative { lab, input } => {
                write!(f, "{} cannot be negative (got `{input}`)", lab.label())
            }
            LabError::Implausible {
                lab,
                input,
                value,
                bounds,
            } => write!(
                f,
                "{} of {} {unit} is implausible (got `{input}`); accepted range is {} to {} {unit}; write e.g. {}",
                lab.label(),
                format_number(*value, 3),
                format_number(bounds.min, 2),
                format_number(bounds.max, 2),
                lab.example(),
                unit = bounds.unit,
            ),
        }
    }
}

/// The first of a lab's examples, in its units: "40U/L" of "40U/L or 1.5xULN".
fn first_example(lab: Lab) -> &'static str {
    let example = lab.example();
    example.split(" or ").next().unwrap_or(example)
}

impl fmt::Display for AucError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let got = match self {
            AucError::OutOfRange(v) => format_number(*v, 3),
            AucError::NotAnAuc(text) => format!("`{text}`"),
        };
        write!(
            f,
            "target AUC must be a number above 0 and at most 10 mg·min/mL, e.g. AUC 5 (got {got})"
        )
    }
}

impl fmt::Display for PercentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PercentError::NoSign(s) => {
                write!(f, "write a percent with its sign, e.g. 20% (got `{s}`)")
            }
            PercentError::NotAReduction(s) => {
                write!(f, "a percent above 0% and below 100% is needed (got `{s}`)")
            }
            PercentError::NotATolerance(s) => {
                write!(f, "a percent from 0% to below 100% is needed (got `{s}`)")
            }
        }
    }
}

impl fmt::Display for BsaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BsaError::UnknownFormula(name) => write!(
                f,
                "unknown BSA formula `{name}`; use one of mosteller, dubois, haycock, gehan_george, boyd, fujimoto, takahira, shuter_aslani, schlich, livingston_lee"
            ),
            BsaError::SexRequired(formula) => write!(
                f,
                "the {formula} formula differs by sex: the patient's sex (female or male) is needed"
            ),
            BsaError::Implausible { formula, value_m2 } => {
                let bounds = Measure::BodySurfaceArea.bounds();
                write!(
                    f,
                    "{formula} BSA of {} m² is implausible (accepted {} to {} m²); check height and weight",
                    format_number(*value_m2, 3),
                    format_number(bounds.min, 2),
                    format_number(bounds.max, 2)
                )
            }
            BsaError::IdealWeightUndefined { height_cm } => write!(
                f,
                "ideal body weight (Devine) is not defined below 152.4 cm (60 in); height is {} cm",
                format_number(*height_cm, 1)
            ),
            BsaError::BadRounding(text) => write!(
                f,
                "BSA rounding must be a step of at most 0.1 m²: write 0.1, 0.01, 0.001 or none (got `{text}`)"
            ),
        }
    }
}

impl fmt::Display for RenalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenalError::UnknownWeightBasis(text) => write!(
                f,
                "weight basis must be actual, ideal or adjusted (got `{text}`)"
            ),
            RenalError::HeightRequired(basis) => {
                write!(f, "the {basis} weight basis needs a height")
            }
            RenalError::NotAnAdult { formula, age_years } => write!(
                f,
                "{formula} is validated for adults (18 years or older); age given is {} years",
                format_number(*age_years, 1)
            ),
            RenalError::Weight(e) => e.fmt(f),
        }
    }
}
