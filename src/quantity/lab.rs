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
mod tests;
