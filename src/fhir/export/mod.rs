//! FHIR exports: what the engine computed, and what a regimen file says,
//! written as FHIR resources.
//!
//! Owns: `schedule.rs` (a schedule as a RequestGroup with one
//! MedicationRequest per administration), `regimen.rs` (a regimen as a
//! PlanDefinition with one ActivityDefinition per drug).
//! Never does: compute a dose or change one; every figure written is the
//! engine's or the regimen file's, and every word comes from
//! [`crate::render`].

pub mod regimen;
pub mod schedule;
