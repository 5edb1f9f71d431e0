//! The schedule model as JSON (documented in `docs/output-json.md`).

use serde_json::{Value, json};

use super::RenderContext;
use crate::render::dose::dose_json;
use crate::schedule::Schedule;

/// JSON: regimen, patient block (as in `dose`), cycles with dated
/// administrations and cumulative doses, warnings.
pub fn schedule_json(s: &Schedule, ctx: &RenderContext) -> Value {
    let first = dose_json(&s.first_plan);
    json!({
        "patient_id": ctx.patient_id,
        "regimen": s.regimen,
        "patient": first["patient"],
        "bsa": first["bsa"],
        "renal": first["renal"],
        "dose_weight": first["dose_weight"],
        "start": s.cycles.first().map(|c| c.start),
        "end": s.last_date(),
        "cycles": s.cycles,
        "warnings": s.warnings,
    })
}
