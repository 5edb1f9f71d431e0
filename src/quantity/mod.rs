//! Physical quantities as pharmacists type them.
//!
//! Owns: the custom `uom` units the product needs ([`units`]), the
//! plausibility bounds for patient measurements and the parser that turns
//! `"170cm"`, `"5'7\""`, `"97 µmol/L"` into typed quantities ([`measure`]),
//! prescribed doses and their bases (`"900 mg/m2"`, `"AUC 5"`; [`dose`]),
//! percentages written with their sign ([`percent`]) and laboratory results
//! (`"1.2x10^9/L"`, `"17umol/L"`, `"2.5xULN"`; [`lab`]).
//!
//! Never does: guess a unit. A bare number is an error that says what to
//! write instead; so is a unit of the wrong kind or a value outside the
//! documented bounds (see `docs/formulas.md`, "Plausibility bounds").
//! Never writes text for people: errors hold the values, and their messages
//! are written by [`crate::render`].

pub mod dose;
pub mod lab;
pub mod measure;
pub mod percent;
pub mod units;

use uom::si::area::square_meter;
use uom::si::f64::{Area, Length, Mass, MassConcentration, Time, VolumeRate};
use uom::si::length::centimeter;
use uom::si::mass::kilogram;
use uom::si::mass_concentration::milligram_per_deciliter;
use uom::si::time::year;

pub use dose::{
    Auc, AucError, DoseBasis, DoseUnit, ParseDoseError, PerKg, PrescribedDose, parse_auc,
    parse_dose, parse_dose_mass,
};
pub use lab::{
    BILIRUBIN_MOLAR_MASS_G_PER_MOL, HAEMOGLOBIN_MONOMER_MOLAR_MASS_G_PER_MOL, Lab, LabError,
    LabValue, MAX_TIMES_ULN, parse_lab, parse_uln,
};
pub use measure::{
    AsTyped, BMI_BOUNDS, Bounds, CREATININE_MOLAR_MASS_G_PER_MOL, Malformed, Measure,
    QuantityError, check_plausible, check_plausible_as_typed, check_proportions, parse_age,
    parse_bsa, parse_gfr, parse_height, parse_serum_creatinine, parse_weight,
};
pub use percent::{Percent, PercentError};
use units::milliliter_per_minute;

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
