//! Prescribed doses: a number, a mass unit and a basis (per m² of body
//! surface area, per kg of body weight, flat, or a carboplatin target AUC),
//! as protocols write them: `900 mg/m2`, `15 mcg/kg`, `800 mg`, `AUC 5`.
//!
//! Owns: [`PrescribedDose`], [`DoseUnit`] (mg or mcg, kept as written so a
//! mcg dose is shown in mcg), [`DoseBasis`], [`Auc`] and [`PerKg`] (ratios
//! that `uom` would reduce to bare numbers), and the dose parser.
//! Never does: compute a patient's dose (that is [`crate::dose`]) or write
//! one for people (that is [`crate::render`]).

use uom::si::f64::Mass;
use uom::si::mass::kilogram;

use super::measure::{fold_unit, split_number};

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
            Err(AucError::OutOfRange(mg_min_per_ml))
        }
    }

    /// The value in mg·min/mL.
    pub fn mg_min_per_ml(self) -> f64 {
        self.0
    }
}

/// A target AUC that cannot be used; the message is written by
/// `render::messages`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AucError {
    /// A number outside (0, [`Auc::MAX`]] mg·min/mL (or not finite).
    OutOfRange(f64),
    /// Text that is not an AUC (`"AUC five"`), as typed.
    NotAnAuc(String),
}

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
        _ => Err(AucError::NotAnAuc(input.to_owned())),
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

    /// An amount in this unit, in mg.
    pub fn to_mg(self, amount: rust_decimal::Decimal) -> rust_decimal::Decimal {
        match self {
            DoseUnit::Mg => amount,
            DoseUnit::Mcg => (amount / rust_decimal::Decimal::ONE_THOUSAND).normalize(),
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

/// A dose as written (in a regimen file, a check file or on the command
/// line) that could not be read. Every variant holds the text as written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseDoseError {
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
///
/// ```
/// use chemodose::quantity::{DoseBasis, parse_dose};
/// assert_eq!(parse_dose("900 mg/m2").unwrap().basis(), DoseBasis::PerM2);
/// assert_eq!(parse_dose("AUC 5").unwrap().basis(), DoseBasis::Auc);
/// // A bare number is never read as a dose: the unit is required.
/// assert!(parse_dose("900").is_err());
/// ```
///
/// # Errors
/// [`ParseDoseError`]: no number, no or an unknown unit, a dose that is not
/// a finite positive number or beyond 100 g, or a bad AUC.
pub fn parse_dose(input: &str) -> Result<PrescribedDose, ParseDoseError> {
    let t = input.trim();
    if t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("auc")) {
        return Ok(PrescribedDose::Auc(parse_auc(t)?));
    }
    let (number, rest) = split_number(t);
    if number.is_empty() {
        return Err(ParseDoseError::NotADose(input.to_owned()));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| ParseDoseError::NotADose(input.to_owned()))?;
    let unit = fold_unit(rest);
    if unit.is_empty() {
        return Err(ParseDoseError::MissingUnit(input.to_owned()));
    }
    if !value.is_finite() || value <= 0.0 {
        return Err(ParseDoseError::NotPositive(input.to_owned()));
    }
    let unknown = || ParseDoseError::UnknownUnit {
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
        return Err(ParseDoseError::TooLarge(input.to_owned()));
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
pub fn parse_dose_mass(input: &str) -> Result<(Mass, DoseUnit), ParseDoseError> {
    match parse_dose(input)? {
        PrescribedDose::Flat(m, u) => Ok((m, u)),
        _ => Err(ParseDoseError::NotAMass(input.to_owned())),
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
            ParseDoseError::UnknownUnit { .. }
        ));
        assert!(matches!(
            parse_dose("900").unwrap_err(),
            ParseDoseError::MissingUnit(_)
        ));
        assert!(matches!(
            parse_dose("mg/m2").unwrap_err(),
            ParseDoseError::NotADose(_)
        ));
        assert!(matches!(
            parse_dose("0 mg").unwrap_err(),
            ParseDoseError::NotPositive(_)
        ));
        assert!(matches!(
            parse_dose("1e300 mg").unwrap_err(),
            ParseDoseError::UnknownUnit { .. } | ParseDoseError::NotADose(_)
        ));
        assert!(matches!(
            parse_dose("200000 mg").unwrap_err(),
            ParseDoseError::TooLarge(_)
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
