//! Steps 3 and 4 of the engine for one administration: the caps (the BSA
//! cap, then the maximum single dose, with the per-cycle ceiling shared over
//! the drug's days) and the rounding to a dose that can be prepared, never
//! above a cap and refused beyond the tolerance.
//!
//! Owns: the order of the caps and the ceiling rounding must not cross.
//! Never does: the rounding arithmetic itself (`round.rs`), or decide which
//! dose is in force (steps 1 and 2, `mod.rs`).

use rust_decimal::Decimal;
use uom::si::f64::Area;

use super::round::round_within;
use super::{Adjustment, CapSource, DoseError, Engine, exact};
use crate::quantity::{DoseBasis, DoseUnit, PrescribedDose, m2};
use crate::regimen::{Drug, Role};
use crate::rounding::significant;

impl Engine<'_> {
    /// Step 3: the BSA cap (the lower of the drug's and the caller's), then
    /// the maximum single dose. Returns the capped dose and the ceiling that
    /// rounding must not cross. `at_bsa` gives the dose of steps 1 and 2 at
    /// another BSA (the cap).
    pub(super) fn caps(
        &self,
        drug: &Drug,
        prescribed: PrescribedDose,
        unit: DoseUnit,
        mut dose: Decimal,
        at_bsa: impl Fn(Area) -> Result<Decimal, DoseError>,
        adjustments: &mut Vec<Adjustment>,
    ) -> Result<(Decimal, Option<Decimal>), DoseError> {
        let mut cap: Option<Decimal> = None;
        if prescribed.basis() == DoseBasis::PerM2 {
            let caps = [
                drug.bsa_cap.map(|c| (c, CapSource::Regimen)),
                self.options.bsa_cap.map(|c| (c, CapSource::Options)),
            ];
            if let Some((c, source)) = caps
                .into_iter()
                .flatten()
                .min_by(|a, b| m2(a.0).total_cmp(&m2(b.0)))
            {
                let bsa_m2 = exact(m2(self.bsa.used), drug)?;
                let cap_m2 = exact(m2(c), drug)?;
                // The dose at the capped BSA is a ceiling even when the cap does
                // not bind: rounding up must not carry the dose past it. A cap
                // never raises a dose.
                let ceiling = at_bsa(c)?.normalize();
                if bsa_m2 > cap_m2 {
                    let ceiling = ceiling.min(dose);
                    adjustments.push(Adjustment::BsaCap {
                        bsa_m2,
                        cap_m2,
                        source,
                        from: dose,
                        to: ceiling,
                    });
                    dose = ceiling;
                }
                cap = Some(ceiling);
            }
        }
        if let Some(max) = drug.max_single_dose {
            let max = exact(unit.of(max), drug)?;
            if dose > max {
                adjustments.push(Adjustment::MaxSingleDose {
                    max,
                    from: dose,
                    to: max,
                });
                dose = max;
            }
            cap = Some(cap.map_or(max, |c| c.min(max)));
        }
        // The per-cycle ceiling shared evenly by the drug's days caps each
        // administration, so that rounding up cannot carry the cycle past it
        // (doxorubicin 75 mg/m² × 1.66 m² = 124.5 mg is given as 124 mg, not
        // 125 mg = 75.3 mg/m²). A dose already above it is not lowered here:
        // the ceiling check refuses it, so that it is seen.
        // Dose and share come from the same figures by different arithmetic
        // (binary, then decimal): equal amounts may differ in the twelfth
        // digit, so "at the share" allows one part in 10⁹.
        if let Some(share) = self.ceiling_share(drug, unit)?
            && dose <= share + share / Decimal::from(1_000_000_000u32)
        {
            cap = Some(cap.map_or(share, |c| c.min(share)));
        }
        Ok((dose, cap))
    }

    /// A per-cycle ceiling shared evenly over the drug's days, in `unit`:
    /// `ceiling × BSA used ÷ days` for a per-m² ceiling, `ceiling ÷ days`
    /// for one in mg; `None` without a ceiling of those kinds.
    fn ceiling_share(&self, drug: &Drug, unit: DoseUnit) -> Result<Option<Decimal>, DoseError> {
        let Some(ceiling) = &drug.max_per_cycle else {
            return Ok(None);
        };
        let days = Decimal::from(self.days(drug).len().max(1));
        let mg = match ceiling.dose.basis() {
            DoseBasis::PerM2 => {
                exact(ceiling.dose.canonical(), drug)? * exact(m2(self.bsa.used), drug)? / days
            }
            DoseBasis::Flat => exact(ceiling.dose.canonical(), drug)? / days,
            DoseBasis::PerKg | DoseBasis::Auc => return Ok(None),
        };
        // At the doses' own precision: a share that does not terminate
        // (100 mg/m² × 2 m² / 3 days) must compare equal to the dose computed
        // from the same figures.
        Ok(Some(significant(match unit {
            DoseUnit::Mg => mg,
            DoseUnit::Mcg => mg * Decimal::ONE_THOUSAND,
        })))
    }

    /// Step 4: rounding by the drug's rule (or the caller's), never above
    /// `cap`, refused beyond the tolerance.
    pub(super) fn round(
        &self,
        drug: &Drug,
        day: i32,
        unit: DoseUnit,
        dose: Decimal,
        cap: Option<Decimal>,
        adjustments: &mut Vec<Adjustment>,
    ) -> Result<Decimal, DoseError> {
        // A rounding for "all drugs" means the antineoplastic ones: a 1 mg step
        // is meaningless for a 300 mcg G-CSF dose. Others are named one by one.
        let rule = self
            .options
            .rounding
            .for_drug(&drug.name, drug.role == Role::Antineoplastic)
            .unwrap_or_else(|| drug.rounding.clone());
        let strengths = drug
            .strengths
            .iter()
            .map(|s| exact(unit.of(*s), drug))
            .collect::<Result<Vec<_>, _>>()?;
        let (value, adjustment) = round_within(
            &drug.name,
            day,
            unit,
            dose,
            &rule,
            &strengths,
            cap,
            self.options.rounding_tolerance,
        )?;
        adjustments.extend(adjustment);
        Ok(value)
    }
}
