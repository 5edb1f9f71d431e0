//! Laboratory results as typed: `1.2x10^9/L`, `1200/uL`, `9g/dL`,
//! `17umol/L`, `45U/L`, `2.5xULN`, `55%`. Each is a number with a unit; the
//! unit is required, checked against what the lab measures, converted to
//! the lab's canonical unit and held to the plausibility bounds of the
//! clinical reference, §9.1 ("Inputs the engine needs").
//!
//! Owns: the labs the clinical rules read ([`Lab`]), their canonical units,
//! accepted units and conversions (with the molar masses they come from),
//! their plausibility bounds, which of them may be written as a multiple of
//! the upper limit of normal (ULN), and [`LabError`].
//!
//! Never does: guess a unit (a bare number is an error that names the fix),
//! assume a ULN (a ULN comes with each result, or there is none), judge a
//! value clinically (the bounds are sanity limits that catch unit slips, not
//! thresholds), or write a message (see [`crate::render`]).
//!
//! Conversions are done in one division or multiplication from the typed
//! number and then reduced to 12 significant digits ([`crate::rounding::tidy`]),
//! so that `1500/uL` is exactly 1.5 ×10⁹/L and `90g/L` exactly 9 g/dL: the
//! rules compare against band edges (ANC ≥ 1.5, Hb ≥ 9 g/dL) and binary noise
//! must not move a value across one.

use std::str::FromStr;

use super::measure::{Bounds, fold_unit, split_number};
use crate::rounding::tidy;

/// Molar mass of total bilirubin (C33H36N4O6), g/mol: converts µmol/L to
/// mg/dL. 33 × 12.0107 + 36 × 1.00794 + 4 × 14.0067 + 6 × 15.9994 = 584.66
/// g/mol (IUPAC 2005 standard atomic weights), so 1 mg/dL = 10,000 µg/L ÷
/// 584.66 g/mol = 17.104 µmol/L, and mg/dL = µmol/L × 584.66 / 10,000.
///
/// The clinical reference (§9.1) gives the conventional divisor 17.1 and
/// marks its source UNCONFIRMED; 17.1 and 17.104 differ by 0.02 %.
pub const BILIRUBIN_MOLAR_MASS_G_PER_MOL: f64 = 584.66;

/// Molar mass of haemoglobin counted as the monomer Hb(Fe) (one globin
/// chain with its haem, a quarter of the tetramer), g/mol: converts mmol/L
/// to g/dL. 1 mmol/L × 16,114 g/mol = 16.114 g/L = 1.6114 g/dL, so
/// g/dL = mmol/L × 16,114 / 10,000 and 1 g/dL = 10 g/L ÷ 16.114 g/mmol =
/// 0.6206 mmol/L.
///
/// Haemoglobin in mmol/L is not in the clinical reference (§9.1 lists g/L
/// only); the monomer convention is the one laboratories reporting Hb in
/// mmol/L use (normal adult values about 7.5 to 11 mmol/L). A value
/// reported per mole of tetramer (64,456 g/mol) would read four times too
/// low here, which errs towards "Hb too low, delay", never towards treating.
pub const HAEMOGLOBIN_MONOMER_MOLAR_MASS_G_PER_MOL: f64 = 16_114.0;

/// Largest multiple of the ULN accepted when a result is written as one
/// (`2.5xULN`). A sanity limit only, not from a source: the largest absolute
/// bounds (AST 10,000 U/L, CPK 100,000 U/L) over ordinary ULNs (40 U/L,
/// 200 U/L) are 250 and 500 × ULN.
pub const MAX_TIMES_ULN: f64 = 1_000.0;

/// A laboratory result the clinical rules read (organ function and
/// treatment-day criteria, clinical reference §9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lab {
    /// Absolute neutrophil count, ×10⁹/L.
    Anc,
    /// Platelet count, ×10⁹/L.
    Platelets,
    /// Haemoglobin, g/dL.
    Haemoglobin,
    /// Total bilirubin, mg/dL (or × ULN).
    Bilirubin,
    /// Aspartate aminotransferase, units/L (or × ULN).
    Ast,
    /// Alanine aminotransferase, units/L (or × ULN).
    Alt,
    /// Alkaline phosphatase, units/L (or × ULN).
    Alp,
    /// Serum albumin, g/L.
    Albumin,
    /// Creatine phosphokinase (CK), units/L (or × ULN).
    Cpk,
    /// Left ventricular ejection fraction, %.
    Lvef,
}

impl Lab {
    /// Every lab, in the order they are listed in help and documentation.
    pub const ALL: [Lab; 10] = [
        Lab::Anc,
        Lab::Platelets,
        Lab::Haemoglobin,
        Lab::Bilirubin,
        Lab::Ast,
        Lab::Alt,
        Lab::Alp,
        Lab::Albumin,
        Lab::Cpk,
        Lab::Lvef,
    ];

    /// The name used on the command line, in labs files and in regimen rule
    /// conditions: `anc`, `platelets`, `hb`, `bilirubin`, `ast`, `alt`,
    /// `alp`, `albumin`, `cpk`, `lvef`.
    pub fn id(self) -> &'static str {
        match self {
            Lab::Anc => "anc",
            Lab::Platelets => "platelets",
            Lab::Haemoglobin => "hb",
            Lab::Bilirubin => "bilirubin",
            Lab::Ast => "ast",
            Lab::Alt => "alt",
            Lab::Alp => "alp",
            Lab::Albumin => "albumin",
            Lab::Cpk => "cpk",
            Lab::Lvef => "lvef",
        }
    }

    /// The name used in messages: "ANC", "total bilirubin".
    pub fn label(self) -> &'static str {
        match self {
            Lab::Anc => "ANC",
            Lab::Platelets => "platelets",
            Lab::Haemoglobin => "haemoglobin",
            Lab::Bilirubin => "total bilirubin",
            Lab::Ast => "AST",
            Lab::Alt => "ALT",
            Lab::Alp => "ALP",
            Lab::Albumin => "albumin",
            Lab::Cpk => "CPK",
            Lab::Lvef => "LVEF",
        }
    }

    /// Whether [`Lab::label`] is a plural noun ("platelets need a unit").
    pub fn label_is_plural(self) -> bool {
        self == Lab::Platelets
    }

    /// The canonical unit as displayed: values from [`parse_lab`] and
    /// [`parse_uln`] are in this unit.
    pub fn unit(self) -> &'static str {
        match self {
            Lab::Anc | Lab::Platelets => "×10⁹/L",
            Lab::Haemoglobin => "g/dL",
            Lab::Bilirubin => "mg/dL",
            // ISMP: "units", never "U" or "IU", in anything displayed.
            Lab::Ast | Lab::Alt | Lab::Alp | Lab::Cpk => "units/L",
            Lab::Albumin => "g/L",
            Lab::Lvef => "%",
        }
    }

    /// A short example of a correctly typed value.
    pub fn example(self) -> &'static str {
        match self {
            Lab::Anc => "1.5x10^9/L or 1500/uL",
            Lab::Platelets => "150x10^9/L or 150000/uL",
            Lab::Haemoglobin => "12g/dL or 120g/L",
            Lab::Bilirubin => "0.8mg/dL or 14umol/L",
            Lab::Ast | Lab::Alt => "40U/L or 1.5xULN",
            Lab::Alp => "100U/L or 1.5xULN",
            Lab::Albumin => "35g/L or 3.5g/dL",
            Lab::Cpk => "150U/L or 1.5xULN",
            Lab::Lvef => "55%",
        }
    }

    /// The units accepted for this lab, as listed in messages and help.
    pub fn accepted_units(self) -> &'static str {
        match self {
            Lab::Anc | Lab::Platelets => {
                "x10^9/L (also ×10^9/L, x10e9/L, G/L), per microlitre /uL (also /µL, /mm3, cells/uL), x10^6/L"
            }
            Lab::Haemoglobin => "g/dL, g/L, mmol/L",
            Lab::Bilirubin => "mg/dL, umol/L (µmol/L), or a multiple of the ULN (1.5xULN)",
            Lab::Ast | Lab::Alt | Lab::Alp | Lab::Cpk => {
                "U/L (also IU/L, units/L), or a multiple of the ULN (2.5xULN)"
            }
            Lab::Albumin => "g/L, g/dL",
            Lab::Lvef => "%",
        }
    }

    /// The plausibility bounds, inclusive, in the canonical unit (clinical
    /// reference §9.1). Sanity limits that catch unit slips (platelets
    /// 150,000 typed as ×10⁹/L, Hb 90 typed as g/dL, albumin 3.5 typed as
    /// g/L), not clinical thresholds.
    pub fn bounds(self) -> Bounds {
        let (min, max) = match self {
            Lab::Anc => (0.0, 100.0),
            Lab::Platelets => (0.0, 2_000.0),
            Lab::Haemoglobin => (2.0, 25.0),
            Lab::Bilirubin => (0.0, 50.0),
            Lab::Ast | Lab::Alt => (0.0, 10_000.0),
            Lab::Alp => (0.0, 5_000.0),
            Lab::Albumin => (5.0, 60.0),
            Lab::Cpk => (0.0, 100_000.0),
            Lab::Lvef => (5.0, 85.0),
        };
        Bounds {
            min,
            max,
            unit: self.unit(),
        }
    }

    /// The bounds of a result written as a multiple of the ULN.
    pub fn times_uln_bounds(self) -> Bounds {
        Bounds {
            min: 0.0,
            max: MAX_TIMES_ULN,
            unit: "× ULN",
        }
    }

    /// Whether the rules read this lab against the upper limit of normal
    /// (total bilirubin, AST, ALT, ALP, CPK): only these take a ULN, and only
    /// these may be written as a multiple of it (`2.5xULN`).
    pub fn uln_based(self) -> bool {
        matches!(
            self,
            Lab::Bilirubin | Lab::Ast | Lab::Alt | Lab::Alp | Lab::Cpk
        )
    }
}

impl FromStr for Lab {
    type Err = LabError;

    /// Parses a lab's id ([`Lab::id`]), case-insensitively; `haemoglobin`,
    /// `hemoglobin`, `plt` and `ck` are accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let folded = s.trim().to_lowercase();
        if let Some(lab) = Lab::ALL.into_iter().find(|l| l.id() == folded) {
            return Ok(lab);
        }
        match folded.as_str() {
            "haemoglobin" | "hemoglobin" => Ok(Lab::Haemoglobin),
            "plt" => Ok(Lab::Platelets),
            "ck" => Ok(Lab::Cpk),
            _ => Err(LabError::UnknownLab {
                input: s.to_owned(),
            }),
        }
    }
}

/// A parsed laboratory value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LabValue {
    /// An absolute value in the lab's canonical unit ([`Lab::unit`]).
    Measured(f64),
    /// A multiple of the upper limit of normal reported with the result
    /// (2.5 for `2.5xULN`); only for labs where [`Lab::uln_based`].
    TimesUln(f64),
}

/// Why a typed lab value or ULN was refused. Every variant names what was
/// typed; the message is written by `render::messages`, which takes the
/// example and the accepted units from [`Lab`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabError {
    /// A lab id nobody recognises (`--labs` file, rule condition).
    UnknownLab {
        /// What was typed.
        input: String,
    },
    /// A number without a unit (`150` for platelets).
    MissingUnit {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
    },
    /// Not a number followed by a unit.
    NotANumber {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
    },
    /// NaN or infinite.
    NotFinite {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
    },
    /// A comma in the number (`1,500/uL`): a thousands separator and a
    /// decimal comma cannot be told apart.
    Comma {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
    },
    /// A unit nobody recognises.
    UnknownUnit {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
        /// The unit as typed.
        unit: String,
    },
    /// A real unit, but not one this lab is written in (`--anc 12g/dL`,
    /// `--bilirubin 17mmol/L`).
    WrongUnit {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
        /// The unit as typed.
        unit: String,
        /// What that unit measures: "cell count", "mass concentration",
        /// "substance concentration", "enzyme activity", "percentage".
        kind: &'static str,
    },
    /// A multiple of the ULN, or a ULN, for a lab read against fixed cut-offs
    /// (ANC, platelets, haemoglobin, albumin, LVEF).
    NotUlnBased {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
    },
    /// A ULN written as a multiple of itself (`--ast-uln 1xULN`).
    UlnAsMultiple {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
    },
    /// A ULN of zero.
    UlnZero {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
    },
    /// A negative number.
    Negative {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
    },
    /// Outside the plausibility bounds.
    Implausible {
        /// The lab.
        lab: Lab,
        /// What was typed.
        input: String,
        /// The value in the unit of `bounds` (the canonical unit, or × ULN).
        value: f64,
        /// The bounds it fell outside ([`Lab::bounds`] or
        /// [`Lab::times_uln_bounds`]).
        bounds: Bounds,
    },
}

/// The units the lab parser knows. Each is one unit, whatever the lab; which
/// labs accept it, and with what factor, is [`conversion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabUnit {
    /// ×10⁹/L, G/L.
    GigaPerLitre,
    /// ×10⁶/L.
    MegaPerLitre,
    /// /µL, /mm³, cells/µL.
    PerMicrolitre,
    /// g/dL.
    GramPerDecilitre,
    /// g/L.
    GramPerLitre,
    /// mg/dL.
    MilligramPerDecilitre,
    /// mg/L.
    MilligramPerLitre,
    /// µmol/L.
    MicromolePerLitre,
    /// mmol/L.
    MillimolePerLitre,
    /// U/L, IU/L, units/L.
    UnitsPerLitre,
    /// %.
    Percent,
    /// × ULN.
    TimesUln,
}

impl LabUnit {
    fn kind(self) -> &'static str {
        match self {
            LabUnit::GigaPerLitre => "cell count (a capital G is giga, 10⁹; grams are a small g)",
            LabUnit::MegaPerLitre | LabUnit::PerMicrolitre => "cell count",
            LabUnit::GramPerDecilitre
            | LabUnit::GramPerLitre
            | LabUnit::MilligramPerDecilitre
            | LabUnit::MilligramPerLitre => "mass concentration",
            LabUnit::MicromolePerLitre | LabUnit::MillimolePerLitre => "substance concentration",
            LabUnit::UnitsPerLitre => "enzyme activity",
            LabUnit::Percent => "percentage",
            LabUnit::TimesUln => "multiple of the upper limit of normal",
        }
    }
}

/// How a typed number becomes the canonical value. Divisions are kept as
/// divisions so that `1500/uL ÷ 1000` is exactly 1.5.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Conversion {
    /// Already canonical.
    Same,
    /// Multiply by the factor.
    Times(f64),
    /// Divide by the divisor.
    Over(f64),
    /// A molar concentration times a molar mass in g/mol, over 10,000
    /// (µmol/L → mg/dL, mmol/L → g/dL).
    Molar(f64),
}

impl Conversion {
    fn apply(self, x: f64) -> f64 {
        tidy(match self {
            Conversion::Same => x,
            Conversion::Times(f) => x * f,
            Conversion::Over(d) => x / d,
            Conversion::Molar(m) => x * m / 10_000.0,
        })
    }
}

/// The conversion of `unit` to the canonical unit of `lab`, or `None` when
/// the lab is not written in that unit.
fn conversion(lab: Lab, unit: LabUnit) -> Option<Conversion> {
    use Conversion::{Molar, Over, Same, Times};
    use LabUnit as U;
    Some(match (lab, unit) {
        // 1 ×10⁹/L = 1 G/L; 1/µL = 1/mm³ = 10⁶/L, so ÷ 1,000 to ×10⁹/L
        // (1,500/mm³ = 1.5 ×10⁹/L, clinical reference §9.1 [R115]).
        (Lab::Anc | Lab::Platelets, U::GigaPerLitre) => Same,
        (Lab::Anc | Lab::Platelets, U::MegaPerLitre | U::PerMicrolitre) => Over(1_000.0),
        (Lab::Haemoglobin, U::GramPerDecilitre) => Same,
        (Lab::Haemoglobin, U::GramPerLitre) => Over(10.0),
        (Lab::Haemoglobin, U::MillimolePerLitre) => Molar(HAEMOGLOBIN_MONOMER_MOLAR_MASS_G_PER_MOL),
        (Lab::Bilirubin, U::MilligramPerDecilitre) => Same,
        (Lab::Bilirubin, U::MicromolePerLitre) => Molar(BILIRUBIN_MOLAR_MASS_G_PER_MOL),
        (Lab::Ast | Lab::Alt | Lab::Alp | Lab::Cpk, U::UnitsPerLitre) => Same,
        (Lab::Albumin, U::GramPerLitre) => Same,
        (Lab::Albumin, U::GramPerDecilitre) => Times(10.0),
        (Lab::Lvef, U::Percent) => Same,
        _ => return None,
    })
}

/// The unit table. `folded` is lower case without spaces, with `µ`/`μ`
/// folded to `u`, `×` to `x` and superscripts to plain digits; `giga` says
/// whether the unit was typed with a capital `G` (`G/L` is a count per
/// litre, `g/L` grams per litre).
fn lookup(folded: &str, giga: bool) -> Option<LabUnit> {
    Some(match folded {
        "x10^9/l" | "x10e9/l" | "x10**9/l" => LabUnit::GigaPerLitre,
        "g/l" if giga => LabUnit::GigaPerLitre,
        "x10^6/l" | "x10e6/l" | "x10**6/l" => LabUnit::MegaPerLitre,
        "/ul" | "/mm3" | "/mcl" | "cells/ul" | "cells/mm3" | "cells/mcl" => LabUnit::PerMicrolitre,
        "g/dl" => LabUnit::GramPerDecilitre,
        "g/l" => LabUnit::GramPerLitre,
        "mg/dl" => LabUnit::MilligramPerDecilitre,
        "mg/l" => LabUnit::MilligramPerLitre,
        "umol/l" => LabUnit::MicromolePerLitre,
        "mmol/l" => LabUnit::MillimolePerLitre,
        "u/l" | "iu/l" | "units/l" | "unit/l" => LabUnit::UnitsPerLitre,
        "%" => LabUnit::Percent,
        "xuln" => LabUnit::TimesUln,
        _ => return None,
    })
}

/// Folds a typed unit for [`lookup`]: `×` → `x`, `⁹` → `^9`, `³` → `3`,
/// then [`fold_unit`] (lower case, no spaces, `µ` → `u`).
fn fold_lab_unit(unit: &str) -> String {
    let mut s = String::with_capacity(unit.len());
    for c in unit.chars() {
        match c {
            '×' | '✕' => s.push('x'),
            '⁹' => s.push_str("^9"),
            '⁶' => s.push_str("^6"),
            '³' => s.push('3'),
            _ => s.push(c),
        }
    }
    fold_unit(&s)
}

/// Parses a laboratory value: a number with one of the lab's units
/// ([`Lab::accepted_units`]), or a multiple of the ULN (`2.5xULN`) for labs
/// read against one ([`Lab::uln_based`]). Unit names are case-insensitive,
/// except that a count in giga per litre is written with a capital `G`
/// (`1.5G/L`).
///
/// ```
/// use chemodose::quantity::{Lab, LabValue, parse_lab};
/// // 1,500/µL ÷ 1,000 = 1.5 ×10⁹/L (clinical reference §9.1)
/// assert_eq!(parse_lab(Lab::Anc, "1500/uL"), Ok(LabValue::Measured(1.5)));
/// assert_eq!(parse_lab(Lab::Ast, "2.5xULN"), Ok(LabValue::TimesUln(2.5)));
/// assert!(parse_lab(Lab::Platelets, "150").is_err()); // no unit
/// ```
///
/// # Errors
/// [`LabError::MissingUnit`] for a bare number;
/// [`LabError::NotANumber`], [`LabError::NotFinite`] or [`LabError::Comma`]
/// when the number is not a plain decimal; [`LabError::UnknownUnit`] or
/// [`LabError::WrongUnit`] for a unit this lab is not written in;
/// [`LabError::NotUlnBased`] for `xULN` on a lab with fixed cut-offs;
/// [`LabError::Negative`]; [`LabError::Implausible`] outside [`Lab::bounds`]
/// (or [`Lab::times_uln_bounds`]).
pub fn parse_lab(lab: Lab, input: &str) -> Result<LabValue, LabError> {
    let typed = split(lab, input)?;
    let value = match typed.unit {
        LabUnit::TimesUln if lab.uln_based() => LabValue::TimesUln(typed.number),
        LabUnit::TimesUln => {
            return Err(LabError::NotUlnBased {
                lab,
                input: input.to_owned(),
            });
        }
        _ => LabValue::Measured(convert(lab, input, &typed)?),
    };
    let (v, bounds) = match value {
        LabValue::Measured(v) => (v, lab.bounds()),
        LabValue::TimesUln(x) => (x, lab.times_uln_bounds()),
    };
    check_bounds(lab, input, v, bounds)?;
    Ok(value)
}

/// Parses the upper limit of normal reported with a result, in any of the
/// lab's units (not as a multiple of itself), and returns it in the lab's
/// canonical unit. Only for labs where [`Lab::uln_based`].
///
/// ```
/// use chemodose::quantity::{Lab, parse_uln};
/// assert_eq!(parse_uln(Lab::Alt, "40U/L"), Ok(40.0));
/// ```
///
/// # Errors
/// [`LabError::NotUlnBased`] for a lab read against fixed cut-offs;
/// [`LabError::UlnAsMultiple`] for `1xULN`; [`LabError::UlnZero`] for zero;
/// otherwise the errors of [`parse_lab`].
pub fn parse_uln(lab: Lab, input: &str) -> Result<f64, LabError> {
    if !lab.uln_based() {
        return Err(LabError::NotUlnBased {
            lab,
            input: input.to_owned(),
        });
    }
    let typed = split(lab, input)?;
    if typed.unit == LabUnit::TimesUln {
        return Err(LabError::UlnAsMultiple {
            lab,
            input: input.to_owned(),
        });
    }
    let value = convert(lab, input, &typed)?;
    if value == 0.0 {
        return Err(LabError::UlnZero {
            lab,
            input: input.to_owned(),
        });
    }
    check_bounds(lab, input, value, lab.bounds())?;
    Ok(value)
}

/// A typed number and its unit.
struct Typed<'a> {
    /// The number as typed, checked finite and not negative.
    number: f64,
    /// The unit it was typed in.
    unit: LabUnit,
    /// The unit as typed, for messages.
    unit_text: &'a str,
}

/// The typed number and its unit, with the number checked (finite, not
/// negative, no comma) and the unit known.
fn split(lab: Lab, input: &str) -> Result<Typed<'_>, LabError> {
    let owned = || input.to_owned();
    let text = input.trim();
    if text.contains(',') {
        return Err(LabError::Comma {
            lab,
            input: owned(),
        });
    }
    let (number, rest) = split_number(text);
    if number.is_empty() {
        // "nan", "inf" and friends parse as f64 but are not measurements.
        if text.parse::<f64>().is_ok() {
            return Err(LabError::NotFinite {
                lab,
                input: owned(),
            });
        }
        return Err(LabError::NotANumber {
            lab,
            input: owned(),
        });
    }
    let value: f64 = number.parse().map_err(|_| LabError::NotANumber {
        lab,
        input: owned(),
    })?;
    if !value.is_finite() {
        // A number of 400 digits parses as infinity.
        return Err(LabError::NotFinite {
            lab,
            input: owned(),
        });
    }
    let unit_text = rest.trim();
    if unit_text.is_empty() {
        return Err(LabError::MissingUnit {
            lab,
            input: owned(),
        });
    }
    let giga = unit_text.starts_with('G');
    let unit = lookup(&fold_lab_unit(unit_text), giga).ok_or_else(|| {
        if unit_text.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            LabError::NotANumber {
                lab,
                input: owned(),
            }
        } else {
            LabError::UnknownUnit {
                lab,
                input: owned(),
                unit: unit_text.to_owned(),
            }
        }
    })?;
    if number.starts_with('-') {
        return Err(LabError::Negative {
            lab,
            input: owned(),
        });
    }
    Ok(Typed {
        number: value,
        unit,
        unit_text,
    })
}

/// The typed value converted to the canonical unit of `lab`.
fn convert(lab: Lab, input: &str, typed: &Typed<'_>) -> Result<f64, LabError> {
    let conversion = conversion(lab, typed.unit).ok_or_else(|| LabError::WrongUnit {
        lab,
        input: input.to_owned(),
        unit: typed.unit_text.to_owned(),
        kind: typed.unit.kind(),
    })?;
    Ok(conversion.apply(typed.number))
}

fn check_bounds(lab: Lab, input: &str, value: f64, bounds: Bounds) -> Result<(), LabError> {
    if !(bounds.min..=bounds.max).contains(&value) {
        return Err(LabError::Implausible {
            lab,
            input: input.to_owned(),
            value,
            bounds,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical value of a measured result.
    fn measured(lab: Lab, s: &str) -> f64 {
        match parse_lab(lab, s) {
            Ok(LabValue::Measured(v)) => v,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ids_labels_and_aliases() {
        for lab in Lab::ALL {
            assert_eq!(lab.id().parse::<Lab>(), Ok(lab));
            assert_eq!(lab.id().to_uppercase().parse::<Lab>(), Ok(lab));
        }
        assert_eq!("haemoglobin".parse(), Ok(Lab::Haemoglobin));
        assert_eq!("Hemoglobin".parse(), Ok(Lab::Haemoglobin));
        assert_eq!(" hb ".parse(), Ok(Lab::Haemoglobin));
        assert_eq!("plt".parse(), Ok(Lab::Platelets));
        assert_eq!("CK".parse(), Ok(Lab::Cpk));
        assert_eq!(
            "wbc".parse::<Lab>(),
            Err(LabError::UnknownLab {
                input: "wbc".to_owned()
            })
        );
        let labels: Vec<_> = Lab::ALL.iter().map(|l| l.label()).collect();
        assert_eq!(
            labels,
            [
                "ANC",
                "platelets",
                "haemoglobin",
                "total bilirubin",
                "AST",
                "ALT",
                "ALP",
                "albumin",
                "CPK",
                "LVEF"
            ]
        );
        let uln: Vec<_> = Lab::ALL.into_iter().filter(|l| l.uln_based()).collect();
        assert_eq!(
            uln,
            [Lab::Bilirubin, Lab::Ast, Lab::Alt, Lab::Alp, Lab::Cpk]
        );
    }

    #[test]
    fn counts_in_every_accepted_form() {
        for lab in [Lab::Anc, Lab::Platelets] {
            // ×10⁹/L and G/L are the canonical unit: 1.2 stays 1.2.
            for s in [
                "1.2x10^9/L",
                "1.2×10^9/L",
                "1.2 x 10^9/L",
                "1.2 × 10^9 /L",
                "1.2x10e9/L",
                "1.2X10^9/l",
                "1.2×10⁹/L",
                "1.2G/L",
                "1.2 G/L",
                "+1.2x10^9/L",
            ] {
                assert_eq!(measured(lab, s), 1.2, "{s}");
            }
            // Per µL = per mm³ = ×10⁶/L: ÷ 1,000. 1,200/µL = 1.2 ×10⁹/L.
            for s in [
                "1200/uL",
                "1200/µL",
                "1200/μL",
                "1200/mm3",
                "1200/mm³",
                "1200 cells/uL",
                "1200 cells/mm3",
                "1200/mcL",
                "1200 x10^6/L",
                "1200/UL",
            ] {
                assert_eq!(measured(lab, s), 1.2, "{s}");
            }
        }
        // Clinical reference §9.1 [R115]: 1,500/mm³ = 1.5 ×10⁹/L, exactly
        // (a rule reads ANC ≥ 1.5).
        assert_eq!(measured(Lab::Anc, "1500/mm3"), 1.5);
        // 150,000/µL ÷ 1,000 = 150 ×10⁹/L.
        assert_eq!(measured(Lab::Platelets, "150000/uL"), 150.0);
        assert_eq!(measured(Lab::Platelets, "75000/uL"), 75.0);
    }

    #[test]
    fn haemoglobin_in_g_dl_g_l_and_mmol_l() {
        assert_eq!(measured(Lab::Haemoglobin, "12g/dL"), 12.0);
        assert_eq!(measured(Lab::Haemoglobin, "12 G/DL"), 12.0);
        // g/L ÷ 10: 120 g/L = 12 g/dL; 90 g/L is exactly 9 g/dL (trabectedin: Hb ≥ 9 g/dL).
        assert_eq!(measured(Lab::Haemoglobin, "120g/L"), 12.0);
        assert_eq!(measured(Lab::Haemoglobin, "90 g/l"), 9.0);
        // mmol/L × 16,114 / 10,000: 7.5 × 1.6114 = 12.0855 g/dL.
        assert!(close(measured(Lab::Haemoglobin, "7.5mmol/L"), 12.0855));
        // 6.2 × 1.6114 = 9.99068 g/dL.
        assert!(close(measured(Lab::Haemoglobin, "6.2 mmol/l"), 9.990_68));
        // 1 g/dL = 0.6206 mmol/L: 0.6206 × 1.6114 = 1.00003484, so
        // 12 g/dL = 7.4472 mmol/L → 7.4472 × 1.6114 = 12.00041808.
        assert!(close(
            measured(Lab::Haemoglobin, "7.4472mmol/L"),
            12.000_418_08
        ));
    }

    #[test]
    fn bilirubin_in_mg_dl_and_umol_l() {
        assert_eq!(measured(Lab::Bilirubin, "1.2mg/dL"), 1.2);
        assert_eq!(measured(Lab::Bilirubin, "1.2 MG/DL"), 1.2);
        // µmol/L × 584.66 / 10,000: 20 × 584.66 = 11,693.2 → 1.16932 mg/dL.
        for s in ["20umol/L", "20µmol/L", "20 μmol/L", "20 UMOL/L"] {
            assert!(close(measured(Lab::Bilirubin, s), 1.169_32), "{s}");
        }
        // The band edges of the clinical reference §9.3 (there with ÷ 17.1):
        // 51.3 × 584.66 = 29,993.058 → 2.9993058 mg/dL (≤ 3.0, the 50 % band);
        // 53.0 × 584.66 = 30,986.98 → 3.098698 mg/dL (> 3.0, the 25 % band);
        // 85.5 × 584.66 = 49,988.43 → 4.998843 mg/dL (≤ 5.0).
        assert!(close(measured(Lab::Bilirubin, "51.3umol/L"), 2.999_305_8));
        assert!(close(measured(Lab::Bilirubin, "53umol/L"), 3.098_698));
        assert!(close(measured(Lab::Bilirubin, "85.5umol/L"), 4.998_843));
        // 1 mg/dL = 10,000 / 584.66 = 17.104 µmol/L: 17.104 × 584.66 =
        // 10,000.02464 → 1.000002464 mg/dL.
        assert!(close(
            measured(Lab::Bilirubin, "17.104umol/L"),
            1.000_002_464
        ));
    }

    /// docs/labs.md: the derived ÷ 17.104 and the reference's ÷ 17.1 put no
    /// value typed in whole µmol/L or to one decimal in a different §9.3
    /// band; 20.52 µmol/L (two decimals) is the first that differs.
    #[test]
    fn bilirubin_factors_agree_on_bands_to_one_decimal() {
        // Edges in mg/dL, and whether the edge value belongs to the band below.
        let edges = [
            (1.2, false),
            (1.6, false),
            (3.0, true),
            (5.0, true),
            (7.0, true),
        ];
        let band = |mg: f64| {
            edges
                .iter()
                .filter(|(e, closed_below)| if *closed_below { mg > *e } else { mg >= *e })
                .count()
        };
        for tenths in 0..=5_000 {
            let typed = format!("{}.{}umol/L", tenths / 10, tenths % 10);
            let derived = measured(Lab::Bilirubin, &typed);
            // The reference's conventional factor, in the same 12 digits.
            let conventional = tidy(f64::from(tenths) / 10.0 / 17.1);
            assert_eq!(band(derived), band(conventional), "{typed}");
        }
        // 20.52 × 584.66 / 10,000 = 1.1997223 mg/dL (< 1.2); 20.52 / 17.1 = 1.2.
        assert!(close(measured(Lab::Bilirubin, "20.52umol/L"), 1.199_722_32));
        assert_eq!(tidy(20.52 / 17.1), 1.2);
    }

    #[test]
    fn enzymes_albumin_and_lvef() {
        for lab in [Lab::Ast, Lab::Alt, Lab::Alp, Lab::Cpk] {
            for s in ["45U/L", "45 u/l", "45 IU/L", "45 units/L", "45 Units/L"] {
                assert_eq!(measured(lab, s), 45.0, "{lab:?} {s}");
            }
        }
        assert_eq!(measured(Lab::Albumin, "35g/L"), 35.0);
        // g/dL × 10: 3.5 g/dL = 35 g/L; 2.5 g/dL = 25 g/L exactly (trabectedin: albumin ≥ 25 g/L).
        assert_eq!(measured(Lab::Albumin, "3.5g/dL"), 35.0);
        assert_eq!(measured(Lab::Albumin, "2.5 g/dl"), 25.0);
        assert_eq!(measured(Lab::Lvef, "55%"), 55.0);
        assert_eq!(measured(Lab::Lvef, "55 %"), 55.0);
    }

    #[test]
    fn multiples_of_the_uln() {
        for lab in [Lab::Bilirubin, Lab::Ast, Lab::Alt, Lab::Alp, Lab::Cpk] {
            for s in [
                "2.5xULN",
                "2.5 x ULN",
                "2.5×ULN",
                "2.5 × uln",
                "2.5XULN",
                "2.5 x uln",
            ] {
                assert_eq!(parse_lab(lab, s), Ok(LabValue::TimesUln(2.5)), "{s}");
            }
            assert_eq!(parse_lab(lab, "0xULN"), Ok(LabValue::TimesUln(0.0)));
            assert_eq!(
                parse_lab(lab, "1000xULN"),
                Ok(LabValue::TimesUln(MAX_TIMES_ULN))
            );
            assert!(matches!(
                parse_lab(lab, "1000.1xULN"),
                Err(LabError::Implausible { value, .. }) if value == 1000.1
            ));
        }
        for lab in [
            Lab::Anc,
            Lab::Platelets,
            Lab::Haemoglobin,
            Lab::Albumin,
            Lab::Lvef,
        ] {
            assert!(
                matches!(parse_lab(lab, "2.5xULN"), Err(LabError::NotUlnBased { .. })),
                "{lab:?}"
            );
        }
    }

    #[test]
    fn bare_numbers_are_refused_with_an_example() {
        let e = parse_lab(Lab::Platelets, "150").unwrap_err();
        assert_eq!(
            e,
            LabError::MissingUnit {
                lab: Lab::Platelets,
                input: "150".to_owned()
            }
        );
        assert_eq!(
            e.to_string(),
            "platelets need a unit, e.g. 150x10^9/L or 150000/uL (got `150`)"
        );
        assert_eq!(
            parse_lab(Lab::Anc, "1.2").unwrap_err().to_string(),
            "ANC needs a unit, e.g. 1.5x10^9/L or 1500/uL (got `1.2`)"
        );
        for lab in Lab::ALL {
            assert!(
                matches!(parse_lab(lab, "17"), Err(LabError::MissingUnit { .. })),
                "{lab:?}"
            );
        }
        // LVEF as a fraction is a bare number too.
        assert!(matches!(
            parse_lab(Lab::Lvef, "0.55"),
            Err(LabError::MissingUnit { .. })
        ));
    }

    #[test]
    fn units_of_another_kind_are_refused_naming_the_right_ones() {
        let cases = [
            (Lab::Anc, "1.2g/dL", "mass concentration"),
            (Lab::Platelets, "150g/L", "mass concentration"),
            (Lab::Platelets, "150U/L", "enzyme activity"),
            (Lab::Bilirubin, "17mmol/L", "substance concentration"),
            (Lab::Bilirubin, "17U/L", "enzyme activity"),
            (Lab::Bilirubin, "1.2g/dL", "mass concentration"),
            (Lab::Haemoglobin, "120mg/dL", "mass concentration"),
            (Lab::Ast, "45%", "percentage"),
            (Lab::Alt, "45umol/L", "substance concentration"),
            (Lab::Albumin, "35mmol/L", "substance concentration"),
            (Lab::Lvef, "55U/L", "enzyme activity"),
        ];
        for (lab, s, kind) in cases {
            match parse_lab(lab, s) {
                Err(LabError::WrongUnit { kind: k, .. }) => assert_eq!(k, kind, "{s}"),
                other => panic!("{lab:?} {s}: {other:?}"),
            }
        }
        // A capital G is giga: `120G/L` is a count, never grams of haemoglobin.
        assert!(matches!(
            parse_lab(Lab::Haemoglobin, "120G/L"),
            Err(LabError::WrongUnit { kind, .. }) if kind.starts_with("cell count")
        ));
        let e = parse_lab(Lab::Bilirubin, "17mmol/L").unwrap_err();
        assert_eq!(
            e.to_string(),
            "total bilirubin: `mmol/L` in `17mmol/L` is a unit of substance concentration, not one total bilirubin is written in; accepted units: mg/dL, umol/L (µmol/L), or a multiple of the ULN (1.5xULN)"
        );
        let e = parse_lab(Lab::Anc, "1.2 stone").unwrap_err();
        assert_eq!(
            e,
            LabError::UnknownUnit {
                lab: Lab::Anc,
                input: "1.2 stone".to_owned(),
                unit: "stone".to_owned()
            }
        );
        assert!(matches!(
            parse_lab(Lab::Alt, "45 ukat/L"),
            Err(LabError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_lab(Lab::Ast, "2.5 ULN"),
            Err(LabError::UnknownUnit { .. })
        ));
    }

    /// The unit slips of the clinical reference §9.1 fail the bounds.
    #[test]
    fn typical_unit_slips_fail_the_bounds() {
        // Platelets 150,000 per µL typed as ×10⁹/L.
        assert!(matches!(
            parse_lab(Lab::Platelets, "150000x10^9/L"),
            Err(LabError::Implausible { value, .. }) if value == 150_000.0
        ));
        // ANC 1,500 per µL typed as ×10⁹/L.
        assert!(matches!(
            parse_lab(Lab::Anc, "1500x10^9/L"),
            Err(LabError::Implausible { .. })
        ));
        // Albumin 3.5 g/dL typed as g/L.
        assert!(matches!(
            parse_lab(Lab::Albumin, "3.5g/L"),
            Err(LabError::Implausible { .. })
        ));
        // Haemoglobin 90 g/L typed as g/dL.
        assert!(matches!(
            parse_lab(Lab::Haemoglobin, "90g/dL"),
            Err(LabError::Implausible { .. })
        ));
        // Bilirubin 17 µmol/L typed without a unit is refused for the unit;
        // typed as `17mg/dL` it is inside 0–50 mg/dL, the reference's bounds,
        // and only a rule can catch it (doxorubicin: > 5 mg/dL contraindicated).
        assert!(matches!(
            parse_lab(Lab::Bilirubin, "17"),
            Err(LabError::MissingUnit { .. })
        ));
        assert_eq!(measured(Lab::Bilirubin, "17mg/dL"), 17.0);
        let e = parse_lab(Lab::Platelets, "150000x10^9/L").unwrap_err();
        assert_eq!(
            e.to_string(),
            "platelets of 150,000 ×10⁹/L is implausible (got `150000x10^9/L`); accepted range is 0 to 2,000 ×10⁹/L; write e.g. 150x10^9/L or 150000/uL"
        );
    }

    #[test]
    fn bounds_are_inclusive_and_zero_only_where_the_table_starts_at_zero() {
        let edges = [
            (Lab::Anc, "x10^9/L", 0.0, 100.0),
            (Lab::Platelets, "x10^9/L", 0.0, 2_000.0),
            (Lab::Haemoglobin, "g/dL", 2.0, 25.0),
            (Lab::Bilirubin, "mg/dL", 0.0, 50.0),
            (Lab::Ast, "U/L", 0.0, 10_000.0),
            (Lab::Alt, "U/L", 0.0, 10_000.0),
            (Lab::Alp, "U/L", 0.0, 5_000.0),
            (Lab::Albumin, "g/L", 5.0, 60.0),
            (Lab::Cpk, "U/L", 0.0, 100_000.0),
            (Lab::Lvef, "%", 5.0, 85.0),
        ];
        for (lab, unit, min, max) in edges {
            assert_eq!(lab.bounds().min, min);
            assert_eq!(lab.bounds().max, max);
            assert_eq!(measured(lab, &format!("{min}{unit}")), min, "{lab:?}");
            assert_eq!(measured(lab, &format!("{max}{unit}")), max, "{lab:?}");
            let above = format!("{}{unit}", max + 0.01);
            assert!(
                matches!(parse_lab(lab, &above), Err(LabError::Implausible { .. })),
                "{above}"
            );
            if min > 0.0 {
                let below = format!("{}{unit}", min - 0.01);
                assert!(
                    matches!(parse_lab(lab, &below), Err(LabError::Implausible { .. })),
                    "{below}"
                );
                assert!(matches!(
                    parse_lab(lab, &format!("0{unit}")),
                    Err(LabError::Implausible { .. })
                ));
            }
        }
        // Bounds apply after conversion: 2,000,001/µL = 2,000.001 ×10⁹/L.
        assert!(matches!(
            parse_lab(Lab::Platelets, "2000001/uL"),
            Err(LabError::Implausible { .. })
        ));
        assert_eq!(measured(Lab::Platelets, "2000000/uL"), 2_000.0);
        // 855 µmol/L × 584.66 / 10,000 = 49.98843 mg/dL (in); 856 → 50.046896 (out).
        assert!(close(measured(Lab::Bilirubin, "855umol/L"), 49.988_43));
        assert!(matches!(
            parse_lab(Lab::Bilirubin, "856umol/L"),
            Err(LabError::Implausible { value, .. }) if close(value, 50.046_896)
        ));
    }

    #[test]
    fn not_numbers_negatives_commas() {
        let kind = |lab, s| parse_lab(lab, s).unwrap_err();
        assert!(matches!(
            kind(Lab::Anc, "-1x10^9/L"),
            LabError::Negative { .. }
        ));
        assert!(matches!(kind(Lab::Ast, "-0U/L"), LabError::Negative { .. }));
        assert!(matches!(kind(Lab::Anc, "1,500/uL"), LabError::Comma { .. }));
        assert!(matches!(kind(Lab::Anc, "1,5G/L"), LabError::Comma { .. }));
        for s in ["nan", "inf", "-inf", "NaN"] {
            assert!(
                matches!(kind(Lab::Anc, s), LabError::NotFinite { .. }),
                "{s}"
            );
        }
        let huge = format!("1{}U/L", "0".repeat(400));
        assert!(matches!(kind(Lab::Ast, &huge), LabError::NotFinite { .. }));
        for s in [
            "",
            "   ",
            "x10^9/L",
            "abc",
            "1.2.3x10^9/L",
            "1.2 3x10^9/L",
            ".",
        ] {
            assert!(
                matches!(kind(Lab::Anc, s), LabError::NotANumber { .. }),
                "{s:?}"
            );
        }
        assert!(matches!(
            kind(Lab::Anc, "1e3/uL"),
            LabError::UnknownUnit { .. }
        ));
        assert_eq!(
            kind(Lab::Anc, "1,500/uL").to_string(),
            "ANC: `1,500/uL` has a comma, which could be a thousands separator or a decimal comma; write the number without separators and with a decimal point, e.g. 1.5x10^9/L or 1500/uL"
        );
    }

    #[test]
    fn upper_limits_of_normal() {
        assert_eq!(parse_uln(Lab::Ast, "40U/L"), Ok(40.0));
        assert_eq!(parse_uln(Lab::Cpk, "190 IU/L"), Ok(190.0));
        assert_eq!(parse_uln(Lab::Bilirubin, "1.2mg/dL"), Ok(1.2));
        // 21 µmol/L × 584.66 / 10,000 = 1.227786 mg/dL.
        assert!(close(
            parse_uln(Lab::Bilirubin, "21umol/L").unwrap(),
            1.227_786
        ));
        let e = |lab, s| parse_uln(lab, s).unwrap_err();
        assert!(matches!(
            e(Lab::Ast, "1xULN"),
            LabError::UlnAsMultiple { .. }
        ));
        assert!(matches!(e(Lab::Ast, "0U/L"), LabError::UlnZero { .. }));
        assert!(matches!(e(Lab::Ast, "40"), LabError::MissingUnit { .. }));
        assert!(matches!(e(Lab::Ast, "-40U/L"), LabError::Negative { .. }));
        assert!(matches!(
            e(Lab::Ast, "10001U/L"),
            LabError::Implausible { .. }
        ));
        assert!(matches!(
            e(Lab::Anc, "1.5x10^9/L"),
            LabError::NotUlnBased { .. }
        ));
        assert!(matches!(
            e(Lab::Bilirubin, "40U/L"),
            LabError::WrongUnit { .. }
        ));
        assert_eq!(
            e(Lab::Ast, "1xULN").to_string(),
            "the ULN of AST is written in its units, not as a multiple of itself, e.g. 40U/L (got `1xULN`)"
        );
        assert_eq!(
            e(Lab::Anc, "1.5x10^9/L").to_string(),
            "ANC is read against fixed values, not against the upper limit of normal: it takes no ULN and no multiple of the ULN (got `1.5x10^9/L`); write e.g. 1.5x10^9/L or 1500/uL"
        );
    }
}
