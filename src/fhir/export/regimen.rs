//! A regimen as FHIR, the way order templates express one: a Bundle of
//! type `collection` with a PlanDefinition (type `order-set`) for the
//! regimen and one ActivityDefinition (kind `MedicationRequest`) per drug,
//! each action timed by the cycle (`docs/fhir.md`, "regimens show").
//!
//! Owns: the mapping of a [`Regimen`] to those resources (status, sources
//! as citations, the prescribed dose in UCUM with its mCODE normalization
//! basis, route, days in words).
//! Never does: compute a dose; words come from [`crate::render`].

use crate::fhir::model::{
    ActivityDefinition, Bundle, BundleEntry, CodeableConcept, Dosage, DoseAndRate, PlanDefinition,
    PlanDefinitionAction, RelatedArtifact, RepeatTiming, Resource, TimingRepeat,
};
use crate::regimen::{CycleCount, Dosing, Regimen, Status};
use crate::render::ismp::drug_display_name;
use crate::render::regimen::{dose_text, drug_days_text};

use super::schedule::{medication, normalization_basis, ordered, route};

/// The canonical URL of a bundled regimen's PlanDefinition (chemodose's
/// own namespace; no public server serves it).
pub fn plan_url(r: &Regimen) -> String {
    format!("urn:chemodose:regimen:{}", r.id)
}

/// FHIR's publication status of a regimen: a draft is `draft`, a withdrawn
/// one `retired`, an active or case-report one `active` (a case report's
/// status is said in the description).
fn status(s: Status) -> &'static str {
    match s {
        Status::Active | Status::CaseReport => "active",
        Status::Draft => "draft",
        Status::Withdrawn => "retired",
    }
}

/// A computable name: letters and digits, each word capitalised.
fn computable(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The regimen as a FHIR Bundle.
pub fn regimen_bundle(r: &Regimen) -> Bundle<Resource> {
    let base = plan_url(r);
    let status = status(r.status);
    let cycle = RepeatTiming {
        repeat: TimingRepeat {
            count: match r.cycle.count {
                CycleCount::Fixed(n) => Some(n),
                CycleCount::UntilProgression { .. } => None,
            },
            count_max: match r.cycle.count {
                CycleCount::UntilProgression { max } => max,
                CycleCount::Fixed(_) => None,
            },
            frequency: Some(1),
            period: Some(r.cycle.length_days),
            period_unit: Some("d".to_owned()),
        },
    };
    let mut entries = Vec::new();
    let mut actions = Vec::new();
    for d in &r.drugs {
        let url = format!("{base}:drug:{}", d.name.replace(' ', "-"));
        let days = drug_days_text(d);
        let words = format!(
            "{}: {} {}; days: {days}; every {} days",
            drug_display_name(&d.name),
            dose_text(d),
            d.route,
            r.cycle.length_days
        );
        actions.push(PlanDefinitionAction {
            title: Some(drug_display_name(&d.name)),
            text_equivalent: Some(words.clone()),
            timing_timing: Some(cycle.clone()),
            definition_canonical: Some(url.clone()),
        });
        let (basis, dose_and_rate) = match &d.dosing {
            Dosing::Own { dose, .. } => (
                normalization_basis(dose.basis()),
                ordered(dose)
                    .map(|q| DoseAndRate {
                        kind: None,
                        dose_quantity: Some(q),
                    })
                    .into_iter()
                    .collect(),
            ),
            _ => (None, Vec::new()),
        };
        entries.push(BundleEntry {
            full_url: Some(url.clone()),
            resource: Resource::ActivityDefinition(ActivityDefinition {
                url,
                version: r.version.clone(),
                name: computable(&format!("{} {}", r.id, d.name)),
                status: status.to_owned(),
                kind: "MedicationRequest".to_owned(),
                extension: basis.into_iter().collect(),
                product_codeable_concept: medication(&d.name),
                dosage: vec![Dosage {
                    sequence: None,
                    text: Some(words),
                    timing: None,
                    route: Some(route(&d.route)),
                    dose_and_rate,
                }],
            }),
        });
    }
    let mut description = vec![format!("Status: {}.", r.status.id())];
    if let Some(n) = &r.status_note {
        description.push(n.clone());
    }
    if !r.indications.is_empty() {
        description.push(format!("Indications: {}.", r.indications.join("; ")));
    }
    if let Some(n) = &r.notes {
        description.push(n.clone());
    }
    let plan = PlanDefinition {
        url: base.clone(),
        version: r.version.clone(),
        name: computable(&r.id),
        title: r.name.clone(),
        kind: CodeableConcept::coded(
            "http://terminology.hl7.org/CodeSystem/plan-definition-type",
            "order-set",
            "Order Set",
            "order set",
        ),
        status: status.to_owned(),
        date: Some(r.last_reviewed.to_string()),
        description: Some(description.join(" ")),
        related_artifact: r
            .sources
            .iter()
            .map(|s| RelatedArtifact {
                kind: "citation".to_owned(),
                display: s.note.clone(),
                citation: Some(s.citation.clone()),
                url: s.url.clone(),
            })
            .collect(),
        action: actions,
    };
    entries.insert(
        0,
        BundleEntry {
            full_url: Some(base),
            resource: Resource::PlanDefinition(plan),
        },
    );
    Bundle {
        resource_type: "Bundle".to_owned(),
        kind: "collection".to_owned(),
        timestamp: None,
        entry: entries,
    }
}
