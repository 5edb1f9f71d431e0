//! # chemodose
//!
//! Checked chemotherapy doses from typed regimen definitions and a patient's
//! measurements.
//!
//! The crate is a pure calculation core with I/O at the edges: the modules
//! below compute from typed inputs to typed outputs and never read files, the
//! clock or the terminal, except the regimen loader (which reads files it is
//! handed), the renderers (which only build strings), and the command layer
//! (`cli`, with the web server) that the binary and the Python package run.
//!
//! ```
//! use chemodose::quantity::{parse_height, parse_weight};
//! use chemodose::bsa::{BsaFormula, body_surface_area};
//! use uom::si::area::square_meter;
//!
//! let height = parse_height("170cm").unwrap();
//! let weight = parse_weight("75kg").unwrap();
//! let bsa = body_surface_area(BsaFormula::Mosteller, height, weight, None).unwrap();
//! // Mosteller: sqrt(170 × 75 / 3600) = 1.882 m² (Mosteller 1987)
//! assert!((bsa.get::<square_meter>() - 1.882).abs() < 0.0005);
//! ```
//!
//! See `docs/ARCHITECTURE.md` for a map of the modules.

#[macro_use]
extern crate uom;

pub mod anthracycline;
pub mod antiemetics;
pub mod batch;
pub mod bsa;
pub mod config;
pub mod course;
pub mod dates;
pub mod diagnostics;
pub mod dose;
pub mod fhir;
pub mod files;
pub mod history;
pub mod holidays;
pub mod labs;
pub mod lines;
pub mod order;
pub mod patient;
pub mod quantity;
pub mod regimen;
pub mod renal;
pub mod render;
pub mod rounding;
pub mod rules;
pub mod schedule;
mod table_runs;
pub mod text;
pub mod verify;

// The command layer below names the library `chemodose::`, as a crate
// using it would.
extern crate self as chemodose;

/// The command layer: command-line arguments to a report and an exit code,
/// shared by the `chemodose` binary and the Python package (`python/`), so
/// that both read every flag with the same parsers and refuse with the same
/// messages. The only module that prints or exits (`cli::run`); hidden from
/// the library's documentation, as it is no API of its own.
#[doc(hidden)]
pub mod cli;
mod web;
