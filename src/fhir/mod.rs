//! FHIR R4 in and out: a patient's measurements read from a Bundle, and a
//! schedule, a regimen and a history written as FHIR resources
//! (`docs/fhir.md`).
//!
//! Owns: the typed serde structs of the resources used (`model.rs`), the
//! codes read and written with their sources (`codes.rs`), a Bundle read
//! into typed measurements and lab results with located errors
//! (`import/`), and the exports (`export/`).
//! Never does: read a file or the clock, compute a dose (the exports write
//! what the engine computed), or hand-build JSON text: every resource is a
//! struct serialised by serde.
//!
//! Why typed structs and not a FHIR model crate: the maintained ones
//! (`fhir-model` 0.13 for R4B, `fhir-r4` 4.1) are generated from the whole
//! specification, 200,000 to 630,000 lines, which would multiply the build
//! time of the library on the two cores CI has; chemodose uses a dozen
//! resources and a few dozen elements of them (`docs/fhir.md`, "Crate
//! choice").

pub mod codes;
pub mod export;
pub mod import;
pub mod model;

pub use import::{Dated, FhirError, FhirRecord, Problem, age_on, parse_bundle, parse_ndjson};
