//! A schedule as FHIR: a Bundle of type `collection` with the Patient, a
//! RequestGroup for the course (one action per cycle, one nested action
//! per administration) and one MedicationRequest per administration,
//! supportive care included (`docs/fhir.md`, "schedule").
//!
//! Owns: the mapping of a [`Schedule`] to those resources: the dose in
//! UCUM `mg`, the prescribed dose (`900 mg/m2`) and the mCODE
//! normalization basis, the route (SNOMED CT where checked), the date, the
//! adjustments as notes; the entries' `urn:uuid` names, derived from the
//! course so that the same schedule gives the same bytes.
//! Never does: compute or change a dose; words come from
//! [`crate::render`], as on every other page.

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::dose::{Administration, AppliedReduction, Prescription};
use crate::fhir::codes::{self, BASIS_BSA, BASIS_FIXED, BASIS_WEIGHT};
use crate::fhir::model::{
    Annotation, Bundle, BundleEntry, CodeableConcept, Coding, Dosage, DoseAndRate, Extension,
    Identifier, MCODE_NORMALIZATION_BASIS, MedicationRequest, Patient, Period, Quantity, RXNORM,
    Reference, RequestGroup, RequestGroupAction, Resource, SNOMED,
};
use crate::patient::Sex;
use crate::quantity::{DoseBasis, DoseUnit, PrescribedDose};
use crate::render::dose::{adjustment_text, administration_prescribed};
use crate::render::ismp::drug_display_name;
use crate::render::schedule::RenderContext;
use crate::schedule::{Schedule, ScheduledAdministration};

/// The dose-rate type code system (`ordered`, `calculated`).
const DOSE_RATE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/dose-rate-type";

/// The identifier system of chemodose's course keys.
pub const COURSE_SYSTEM: &str = "urn:chemodose:course";

/// A `urn:uuid:` name derived from `seed` and `name`: the same inputs give
/// the same name (SHA-256, shaped as a version-5-style UUID).
pub fn uuid(seed: &str, name: &str) -> String {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update([0]);
    h.update(name.as_bytes());
    let d = h.finalize();
    let hex: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-5{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        // The RFC 4122 variant: 8, 9, a or b.
        ["8", "9", "a", "b"][usize::from(d[8] & 3)],
        &hex[17..20],
        &hex[20..32]
    )
}

/// The schedule as a FHIR Bundle.
pub fn schedule_bundle(s: &Schedule, ctx: &RenderContext) -> Bundle<Resource> {
    let start = s.cycles.first().map(|c| c.start);
    let seed = match &ctx.course {
        Some(c) => format!("course {}", c.key.as_str()),
        None => format!(
            "schedule {} {} {}",
            s.regimen.id,
            s.regimen.version,
            start.map(|d| d.to_string()).unwrap_or_default()
        ),
    };
    let patient_url = uuid(&seed, "patient");
    let group_url = uuid(&seed, "course");
    let course_id = Identifier {
        system: Some(COURSE_SYSTEM.to_owned()),
        value: match &ctx.course {
            Some(c) => c.key.as_str().to_owned(),
            None => group_url.trim_start_matches("urn:uuid:").to_owned(),
        },
    };
    let mut entries = vec![BundleEntry {
        full_url: Some(patient_url.clone()),
        resource: Resource::Patient(Patient {
            identifier: ctx
                .patient_id
                .iter()
                .map(|id| Identifier {
                    system: None,
                    value: id.clone(),
                })
                .collect(),
            gender: s.patient.sex.map(|x| match x {
                Sex::Female => "female".to_owned(),
                Sex::Male => "male".to_owned(),
            }),
        }),
    }];
    let mut requests = Vec::new();
    let mut cycle_actions = Vec::new();
    for c in &s.cycles {
        let mut actions = Vec::new();
        for (i, a) in c.administrations.iter().enumerate() {
            let url = uuid(&seed, &format!("cycle {} administration {i}", c.number));
            actions.push(RequestGroupAction {
                title: Some(format!(
                    "{}, day {}",
                    drug_display_name(&a.administration.drug),
                    a.administration.day
                )),
                timing_period: Some(Period {
                    start: Some(a.date.to_string()),
                    end: Some(a.date.to_string()),
                }),
                resource: Some(Reference::to(&url)),
                action: Vec::new(),
            });
            requests.push(BundleEntry {
                full_url: Some(url),
                resource: Resource::MedicationRequest(request(
                    a,
                    c.number,
                    &patient_url,
                    &course_id,
                )),
            });
        }
        cycle_actions.push(RequestGroupAction {
            title: Some(format!("Cycle {}", c.number)),
            timing_period: Some(Period {
                start: Some(c.start.to_string()),
                end: c
                    .administrations
                    .iter()
                    .map(|a| a.date)
                    .max()
                    .map(|d| d.to_string()),
            }),
            resource: None,
            action: actions,
        });
    }
    let mut note = Vec::new();
    if let Some(src) = &ctx.regimen_source {
        note.push(Annotation {
            text: crate::render::provenance::source_line(src),
        });
    }
    for w in &s.warnings {
        note.push(Annotation {
            text: format!("WARNING ({}): {w}", w.code()),
        });
    }
    entries.push(BundleEntry {
        full_url: Some(group_url),
        resource: Resource::RequestGroup(RequestGroup {
            identifier: vec![course_id],
            status: "draft".to_owned(),
            intent: "proposal".to_owned(),
            code: Some(CodeableConcept::text(format!(
                "{} ({} v{})",
                s.regimen.name, s.regimen.id, s.regimen.version
            ))),
            subject: Reference::to(&patient_url),
            note,
            action: cycle_actions,
        }),
    });
    entries.extend(requests);
    Bundle {
        resource_type: "Bundle".to_owned(),
        kind: "collection".to_owned(),
        // No timestamp: the same schedule gives the same bytes.
        timestamp: None,
        entry: entries,
    }
}

/// The drug: its RxNorm ingredient where listed, its name as text always.
pub fn medication(drug: &str) -> CodeableConcept {
    let text = drug_display_name(drug);
    match codes::ingredient(drug) {
        Some(i) => CodeableConcept {
            coding: vec![Coding {
                system: Some(RXNORM.to_owned()),
                code: Some(i.rxcui.to_owned()),
                display: Some(drug.to_owned()),
            }],
            text: Some(text),
        },
        None => CodeableConcept::text(text),
    }
}

/// The route: SNOMED CT where checked, the regimen's text always.
pub fn route(route: &str) -> CodeableConcept {
    match codes::route(route) {
        Some((code, display)) => CodeableConcept::coded(SNOMED, code, display, route),
        None => CodeableConcept::text(route),
    }
}

/// The mCODE normalization basis of a prescribed dose; none for a target
/// AUC (Calvert), which the value set does not hold.
pub fn normalization_basis(basis: DoseBasis) -> Option<Extension> {
    let (code, display) = match basis {
        DoseBasis::PerM2 => BASIS_BSA,
        DoseBasis::PerKg => BASIS_WEIGHT,
        DoseBasis::Flat => BASIS_FIXED,
        DoseBasis::Auc => return None,
    };
    Some(Extension {
        url: MCODE_NORMALIZATION_BASIS.to_owned(),
        value_codeable_concept: Some(CodeableConcept::coded(SNOMED, code, display, display)),
    })
}

/// The prescribed dose as an `ordered` quantity in UCUM: `900 mg/m2`,
/// `15 ug/kg`, `800 mg`, `5 mg.min/mL`.
pub fn ordered(dose: &PrescribedDose) -> Option<Quantity> {
    let u = match dose.unit() {
        DoseUnit::Mg => "mg",
        DoseUnit::Mcg => "ug",
    };
    let code = match dose.basis() {
        DoseBasis::PerM2 => format!("{u}/m2"),
        DoseBasis::PerKg => format!("{u}/kg"),
        DoseBasis::Flat => u.to_owned(),
        DoseBasis::Auc => "mg.min/mL".to_owned(),
    };
    let value = crate::rounding::to_decimal(dose.value()).map(crate::rounding::significant)?;
    Some(Quantity::ucum(value, &code))
}

fn dose_type(code: &str) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: Some(DOSE_RATE_TYPE.to_owned()),
            code: Some(code.to_owned()),
            display: Some(
                if code == "ordered" {
                    "Ordered"
                } else {
                    "Calculated"
                }
                .to_owned(),
            ),
        }],
        text: None,
    }
}

/// One administration as a MedicationRequest.
fn request(
    sa: &ScheduledAdministration,
    cycle: u32,
    patient_url: &str,
    course: &Identifier,
) -> MedicationRequest {
    let a: &Administration = &sa.administration;
    let mut dose_and_rate = Vec::new();
    if let Prescription::Own {
        dose, reduction, ..
    } = &a.prescription
        && let Some(q) = ordered(&in_force(dose, reduction.as_ref()))
    {
        dose_and_rate.push(DoseAndRate {
            kind: Some(dose_type("ordered")),
            dose_quantity: Some(q),
        });
    }
    if a.instruction().is_none() {
        dose_and_rate.push(DoseAndRate {
            kind: Some(dose_type("calculated")),
            dose_quantity: Some(Quantity::ucum(a.final_mg(), "mg")),
        });
    }
    let mut text = format!(
        "{}: {}",
        drug_display_name(&a.drug),
        administration_prescribed(a)
    );
    if a.instruction().is_none() {
        text.push_str(&format!(
            " = {} mg",
            crate::render::ismp::format_decimal(mg_shown(a.final_mg()))
        ));
    }
    text.push_str(&format!(" {}", a.route));
    if let Some(inf) = &a.infusion {
        text.push_str(&format!(", infusion {inf}"));
    }
    text.push_str(&format!(", cycle {cycle} day {} ({})", a.day, sa.date));
    let mut note: Vec<Annotation> = a
        .adjustments
        .iter()
        .map(|adj| Annotation {
            text: adjustment_text(adj, a.unit),
        })
        .collect();
    if let Some(n) = &a.note {
        note.push(Annotation { text: n.clone() });
    }
    MedicationRequest {
        extension: a
            .basis()
            .and_then(normalization_basis)
            .into_iter()
            .collect(),
        status: "draft".to_owned(),
        intent: "proposal".to_owned(),
        medication_codeable_concept: medication(&a.drug),
        subject: Reference::to(patient_url),
        group_identifier: Some(course.clone()),
        note,
        dosage_instruction: vec![Dosage {
            sequence: None,
            text: Some(text),
            timing: Some(crate::fhir::model::Timing {
                event: vec![sa.date.to_string()],
                code: None,
            }),
            route: Some(route(&a.route)),
            dose_and_rate,
        }],
    }
}

/// The dose prescribed for the cycle with the caller's dose level or
/// percent reduction applied (the `ordered` dose); a clinical rule's change
/// and rounding are in the notes and the `calculated` dose.
fn in_force(dose: &PrescribedDose, reduction: Option<&AppliedReduction>) -> PrescribedDose {
    match reduction {
        None => *dose,
        Some(AppliedReduction::Level { dose, .. }) => *dose,
        Some(AppliedReduction::Percent(p)) => {
            dose.scaled(crate::rounding::to_f64(p.remaining_fraction()))
        }
    }
}

/// A dose in mg as shown: its decimal, trailing zeros dropped.
fn mg_shown(d: Decimal) -> Decimal {
    d.normalize()
}
