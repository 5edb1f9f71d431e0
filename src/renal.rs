//! Renal function and carboplatin dosing.
//!
//! Owns: Cockcroft–Gault creatinine clearance, the CKD-EPI 2021 (race-free)
//! eGFR, and the Calvert formula with its GFR cap. Never does: choose a
//! weight or a GFR for the caller; every choice is a parameter and is
//! returned with the result so that the output can show it.

use std::fmt;
use std::str::FromStr;

use uom::si::f64::{Area, Length, Mass, MassConcentration, Time, VolumeRate};
use uom::si::mass::milligram;

use crate::bsa::{BsaError, adjusted_body_weight, ideal_body_weight};
use crate::patient::Sex;
use crate::quantity::units::milliliter_per_minute;
use crate::quantity::{Auc, kg, m2, mg_per_dl, ml_per_min, years};

/// The FDA-recommended cap on the GFR used in the Calvert formula:
/// 125 mL/min (NCCN Chemotherapy Order Templates, Appendix B).
pub const CALVERT_GFR_CAP_ML_MIN: f64 = 125.0;

/// Which body weight enters Cockcroft–Gault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightBasis {
    /// Total body weight, as in the original 1976 paper and the
    /// eviQ/ADDIKD practice. The default.
    #[default]
    Actual,
    /// Ideal body weight (Devine).
    Ideal,
    /// Adjusted body weight, IBW + 0.4 × (TBW − IBW); NCCN suggests
    /// considering it when BMI ≥ 25.
    Adjusted,
}

impl WeightBasis {
    /// `actual`, `ideal` or `adjusted`.
    pub fn id(self) -> &'static str {
        match self {
            WeightBasis::Actual => "actual",
            WeightBasis::Ideal => "ideal",
            WeightBasis::Adjusted => "adjusted",
        }
    }
}

impl fmt::Display for WeightBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for WeightBasis {
    type Err = RenalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "actual" | "total" => Ok(WeightBasis::Actual),
            "ideal" => Ok(WeightBasis::Ideal),
            "adjusted" => Ok(WeightBasis::Adjusted),
            _ => Err(RenalError::UnknownWeightBasis(s.to_owned())),
        }
    }
}

/// Why a renal estimate could not be given. The message is written by
/// `render::messages` from the values held here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenalError {
    /// Not actual, ideal or adjusted, as typed.
    UnknownWeightBasis(String),
    /// Ideal or adjusted weight needs the patient's height; holds the basis.
    HeightRequired(&'static str),
    /// The equation is validated in adults only.
    NotAnAdult {
        /// The equation.
        formula: &'static str,
        /// The age given, years.
        age_years: f64,
    },
    /// From the weight descriptors.
    Weight(#[from] BsaError),
}

/// Options for Cockcroft–Gault.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CockcroftGaultOptions {
    /// Which weight to use.
    pub weight_basis: WeightBasis,
    /// A minimum serum creatinine (NCCN suggests considering 0.7 mg/dL in
    /// elderly or cachectic patients). Off by default.
    pub creatinine_floor: Option<MassConcentration>,
}

/// A creatinine clearance with the choices that produced it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CreatinineClearance {
    /// The clearance, mL/min (not indexed to BSA).
    pub value: VolumeRate,
    /// The weight basis used.
    pub weight_basis: WeightBasis,
    /// The weight that entered the formula.
    pub weight_used: Mass,
    /// The creatinine that entered the formula (after any floor).
    pub creatinine_used: MassConcentration,
    /// Whether the floor raised the creatinine.
    pub creatinine_floored: bool,
}

/// Cockcroft–Gault: `(140 − age) × weight / (72 × SCr)`, × 0.85 if female;
/// SCr in mg/dL, weight in kg, result in mL/min. Cockcroft DW, Gault MH.
/// Nephron 1976;16:31–41.
pub fn cockcroft_gault(
    age: Time,
    weight: Mass,
    height: Option<Length>,
    sex: Sex,
    serum_creatinine: MassConcentration,
    options: CockcroftGaultOptions,
) -> Result<CreatinineClearance, RenalError> {
    let age_y = years(age);
    if age_y < 18.0 {
        return Err(RenalError::NotAnAdult {
            formula: "Cockcroft-Gault",
            age_years: age_y,
        });
    }
    let weight_used = match options.weight_basis {
        WeightBasis::Actual => weight,
        WeightBasis::Ideal => {
            let h = height.ok_or(RenalError::HeightRequired("ideal"))?;
            ideal_body_weight(h, sex)?
        }
        WeightBasis::Adjusted => {
            let h = height.ok_or(RenalError::HeightRequired("adjusted"))?;
            adjusted_body_weight(ideal_body_weight(h, sex)?, weight)
        }
    };
    let (creatinine_used, creatinine_floored) = match options.creatinine_floor {
        Some(floor) if serum_creatinine < floor => (floor, true),
        _ => (serum_creatinine, false),
    };
    let mut crcl = (140.0 - age_y) * kg(weight_used) / (72.0 * mg_per_dl(creatinine_used));
    if sex == Sex::Female {
        crcl *= 0.85;
    }
    Ok(CreatinineClearance {
        value: VolumeRate::new::<milliliter_per_minute>(crcl),
        weight_basis: options.weight_basis,
        weight_used,
        creatinine_used,
        creatinine_floored,
    })
}

/// An eGFR indexed to 1.73 m² of body surface area (mL/min/1.73 m²), kept
/// apart from an absolute GFR so that the two cannot be mixed up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexedGfr(pub VolumeRate);

impl IndexedGfr {
    /// The absolute GFR for a patient of this BSA: `eGFR × BSA / 1.73`.
    pub fn deindex(self, bsa: Area) -> VolumeRate {
        self.0 * (m2(bsa) / 1.73)
    }

    /// In mL/min/1.73 m².
    pub fn ml_min_1_73m2(self) -> f64 {
        ml_per_min(self.0)
    }
}

/// CKD-EPI 2021 creatinine equation (race-free):
/// `142 × min(SCr/κ, 1)^α × max(SCr/κ, 1)^−1.200 × 0.9938^age × 1.012 [female]`,
/// κ = 0.7 (F) / 0.9 (M), α = −0.241 (F) / −0.302 (M). Inker LA et al.
/// N Engl J Med 2021;385:1737–49.
pub fn ckd_epi_2021(
    age: Time,
    sex: Sex,
    serum_creatinine: MassConcentration,
) -> Result<IndexedGfr, RenalError> {
    let age_y = years(age);
    if age_y < 18.0 {
        return Err(RenalError::NotAnAdult {
            formula: "CKD-EPI 2021",
            age_years: age_y,
        });
    }
    let (kappa, alpha, sex_factor) = match sex {
        Sex::Female => (0.7, -0.241, 1.012),
        Sex::Male => (0.9, -0.302, 1.0),
    };
    let ratio = mg_per_dl(serum_creatinine) / kappa;
    let egfr = 142.0
        * ratio.min(1.0).powf(alpha)
        * ratio.max(1.0).powf(-1.200)
        * 0.9938_f64.powf(age_y)
        * sex_factor;
    Ok(IndexedGfr(VolumeRate::new::<milliliter_per_minute>(egfr)))
}

/// Whether the Calvert GFR cap applies.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum GfrCap {
    /// Cap at 125 mL/min (the default).
    #[default]
    Fda125,
    /// No cap; the user turned it off.
    Off,
}

/// A carboplatin dose with the GFR that produced it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalvertDose {
    /// Total dose, mg (not mg/m²).
    pub dose: Mass,
    /// The GFR given.
    pub gfr_given: VolumeRate,
    /// The GFR used, after the cap.
    pub gfr_used: VolumeRate,
    /// Whether the cap lowered the GFR.
    pub gfr_capped: bool,
}

/// Calvert: `dose (mg) = AUC (mg/mL·min) × (GFR (mL/min) + 25)`. Calvert AH et
/// al. J Clin Oncol 1989;7:1748–56. The `1.2 × GFR + 20` variant of one R
/// package is not this formula and is not offered.
pub fn calvert(auc: Auc, gfr: VolumeRate, cap: GfrCap) -> CalvertDose {
    let given = ml_per_min(gfr);
    let (used, capped) = match cap {
        GfrCap::Fda125 if given > CALVERT_GFR_CAP_ML_MIN => (CALVERT_GFR_CAP_ML_MIN, true),
        _ => (given, false),
    };
    CalvertDose {
        dose: Mass::new::<milligram>(auc.mg_min_per_ml() * (used + 25.0)),
        gfr_given: gfr,
        gfr_used: VolumeRate::new::<milliliter_per_minute>(used),
        gfr_capped: capped,
    }
}
