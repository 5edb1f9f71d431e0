//! FHIR exports: what the engine computed, written as FHIR resources.
//!
//! Owns: `schedule.rs` (a schedule as a RequestGroup with one
//! MedicationRequest per administration).
//! Never does: compute a dose or change one; every figure written is the
//! engine's.

pub mod schedule;
