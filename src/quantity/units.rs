//! Units that `uom` does not ship and the product needs: millilitre per
//! minute (creatinine clearance, GFR). Each `unit!` call needs a module of
//! its own. (Per-m² doses are `uom`'s areal mass density, read in mg/m² by
//! [`super::PrescribedDose`].)

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

pub use ml_per_min::milliliter_per_minute;
