//! The FHIR R4 resources and data types chemodose reads and writes, as
//! typed serde structs: only the elements it uses (FHIR R4, 4.0.1,
//! <https://hl7.org/fhir/R4/>).
//!
//! Owns: the JSON shape of each element (names in camelCase, absent
//! elements left out, never `null`), the code systems' URIs.
//! Never does: decide what a value means (that is `import` and `export`),
//! or build JSON by hand: every resource is a struct serialised by serde.
//!
//! The import side reads resources through `serde_json::Value` first, so
//! that an unexpected element is ignored and a malformed one is reported
//! with the resource and element it is in (`import/`); these structs are
//! what it reads them into.

use serde::{Deserialize, Serialize};

/// LOINC (<https://loinc.org>), the code system of observations.
pub const LOINC: &str = "http://loinc.org";
/// UCUM (<https://ucum.org>), the code system of units.
pub const UCUM: &str = "http://unitsofmeasure.org";
/// SNOMED CT, the code system of routes and the mCODE normalization basis.
pub const SNOMED: &str = "http://snomed.info/sct";
/// RxNorm, the code system of drug ingredients.
pub const RXNORM: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
/// The mCODE normalization basis extension (mCODE STU4,
/// <https://hl7.org/fhir/us/mcode/StructureDefinition-mcode-normalization-basis.html>).
pub const MCODE_NORMALIZATION_BASIS: &str =
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-normalization-basis";

/// A code from a code system.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coding {
    /// The code system's URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Its name in the code system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// Codes and text for one concept.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeableConcept {
    /// The codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    /// The concept in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    /// Text only, no code.
    pub fn text(text: impl Into<String>) -> Self {
        CodeableConcept {
            coding: Vec::new(),
            text: Some(text.into()),
        }
    }

    /// One code from `system`, with its display and the text.
    pub fn coded(system: &str, code: &str, display: &str, text: impl Into<String>) -> Self {
        CodeableConcept {
            coding: vec![Coding {
                system: Some(system.to_owned()),
                code: Some(code.to_owned()),
                display: Some(display.to_owned()),
            }],
            text: Some(text.into()),
        }
    }
}

/// A measured amount. The value is written as a JSON number from its
/// decimal text (`serde_json::Number`), never through a binary float.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quantity {
    /// The number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Number>,
    /// `<`, `<=`, `>=`, `>`: the value is a bound, not a measurement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparator: Option<String>,
    /// The unit as displayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The unit's code system ([`UCUM`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The unit's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Quantity {
    /// A UCUM quantity from a decimal's text.
    pub fn ucum(value: rust_decimal::Decimal, code: &str) -> Self {
        Quantity {
            value: decimal_number(value),
            comparator: None,
            unit: Some(code.to_owned()),
            system: Some(UCUM.to_owned()),
            code: Some(code.to_owned()),
        }
    }
}

/// A decimal as a JSON number, from its text: `136.5` stays 136.5.
pub fn decimal_number(d: rust_decimal::Decimal) -> Option<serde_json::Number> {
    serde_json::from_str(&d.normalize().to_string()).ok()
}

/// A reference to another resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// `Patient/abc`, or the `fullUrl` of an entry (`urn:uuid:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The resource in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    /// A reference to `target`.
    pub fn to(target: &str) -> Self {
        Reference {
            reference: Some(target.to_owned()),
            display: None,
        }
    }
}

/// An extension: a URL and a coded value (the only kind written here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    /// What the extension is.
    pub url: String,
    /// Its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
}

/// A note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// The note's text (markdown in FHIR; plain text here).
    pub text: String,
}

/// A span of dates.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Period {
    /// First date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Last date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// An identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identifier {
    /// What kind of identifier (a medical record number).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    /// The namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The value.
    pub value: String,
}

/// When a dose is given: the dates of the events.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timing {
    /// The dates (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event: Vec<String>,
    /// The timing in words or code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
}

/// A dose and rate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DoseAndRate {
    /// The kind: ordered or calculated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    /// The amount of one dose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose_quantity: Option<Quantity>,
}

/// How a medication is to be taken.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dosage {
    /// The order of this instruction among others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u32>,
    /// The instruction in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    /// By which route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<CodeableConcept>,
    /// How much.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dose_and_rate: Vec<DoseAndRate>,
}

/// One entry of a Bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry<R> {
    /// The entry's URI, which references in the Bundle point to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    /// The resource.
    pub resource: R,
}

/// A Bundle of type `collection`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle<R> {
    /// Always `Bundle`.
    pub resource_type: String,
    /// Always `collection` here.
    #[serde(rename = "type")]
    pub kind: String,
    /// When the Bundle was assembled, where given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The entries.
    #[serde(default)]
    pub entry: Vec<BundleEntry<R>>,
}

/// The resources written, one variant each; serialised with their
/// `resourceType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
#[allow(clippy::large_enum_variant)]
pub enum Resource {
    /// The patient the requests are for.
    Patient(Patient),
    /// The course: one action per administration.
    RequestGroup(RequestGroup),
    /// One administration.
    MedicationRequest(MedicationRequest),
    /// A regimen, as an order template.
    PlanDefinition(PlanDefinition),
    /// One drug of a regimen.
    ActivityDefinition(ActivityDefinition),
    /// A line of therapy of a history.
    CarePlan(CarePlan),
    /// One drug of one recorded cycle of a history.
    MedicationStatement(MedicationStatement),
}

/// A patient: an identifier and the sex used by the formulas; a name and
/// birth year only where a history file gives them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// The pseudonymous id given (`--patient-id`, a history's `id`), and a
    /// history's MRN.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// The name, as the history file writes it (never split into parts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// `female` or `male`, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// A year (`1961`), or a full date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// A person's name, as text only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HumanName {
    /// The whole name as written.
    pub text: String,
}

/// A line of therapy: the plan a history's line followed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarePlan {
    /// `active` (the line goes on), `completed`, `revoked` (stopped before
    /// its course was complete) or `unknown` (the source does not say why).
    pub status: String,
    /// `plan`.
    pub intent: String,
    /// The regimen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The line in words: number, setting, intent, cycles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The patient.
    pub subject: Reference,
    /// From the line's start to its end; none when the dates are placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// One per recorded cycle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activity: Vec<CarePlanActivity>,
    /// Why it stopped; what is not stated or not counted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

/// An activity of a CarePlan: one recorded cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarePlanActivity {
    /// The cycle's MedicationStatements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcome_reference: Vec<Reference>,
    /// The cycle in words.
    pub detail: CarePlanActivityDetail,
}

/// What an activity was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarePlanActivityDetail {
    /// `completed`: the cycle was given.
    pub status: String,
    /// The cycle in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A record of a drug given: one drug of one recorded cycle of a history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationStatement {
    /// The line (CarePlan) the cycle was given in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub based_on: Vec<Reference>,
    /// `completed`.
    pub status: String,
    /// The drug: RxNorm where listed, the name as text always.
    pub medication_codeable_concept: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The cycle's day 1; none when the dates are placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<String>,
    /// Where the dose comes from (recomputed or recorded), reductions, reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// One per administration of the drug in the cycle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dosage: Vec<Dosage>,
}

/// A group of related requests: a course of treatment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestGroup {
    /// The course's identifier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// `draft`: computed, not yet signed.
    pub status: String,
    /// `proposal`: a suggestion, not an authorisation.
    pub intent: String,
    /// The regimen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    /// The patient.
    pub subject: Reference,
    /// Notes: the regimen file, warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// One action per cycle, each with one per administration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<RequestGroupAction>,
}

/// An action of a RequestGroup.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestGroupAction {
    /// In words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When (a cycle's dates, or an administration's date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing_period: Option<Period>,
    /// The request it stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Reference>,
    /// Nested actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<RequestGroupAction>,
}

/// One administration as a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationRequest {
    /// The mCODE normalization basis (BSA, body weight, fixed dose).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// `draft`.
    pub status: String,
    /// `proposal`.
    pub intent: String,
    /// The drug: RxNorm where listed, the name as text always.
    pub medication_codeable_concept: CodeableConcept,
    /// The patient.
    pub subject: Reference,
    /// The course it belongs to (the RequestGroup's identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_identifier: Option<Identifier>,
    /// The adjustments, and how it was prescribed, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
    /// The dose, route and date.
    pub dosage_instruction: Vec<Dosage>,
}

/// A citation of a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelatedArtifact {
    /// `citation`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What it supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The citation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Where it can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// How often: every `period` `period_unit`, `count` times.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingRepeat {
    /// How many times (cycles), where fixed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The most times, where the count is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_max: Option<u32>,
    /// Once per period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<u32>,
    /// The period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// `d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_unit: Option<String>,
}

/// A repeating timing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RepeatTiming {
    /// The repeat.
    pub repeat: TimingRepeat,
}

/// An action of a PlanDefinition: one drug.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDefinitionAction {
    /// In words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The action in words: dose, route, days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_equivalent: Option<String>,
    /// The cycle: once every `period` days, `count` cycles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing_timing: Option<RepeatTiming>,
    /// The ActivityDefinition of the drug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition_canonical: Option<String>,
}

/// A regimen as an order template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDefinition {
    /// Its canonical URL.
    pub url: String,
    /// The regimen's version.
    pub version: String,
    /// Computable name.
    pub name: String,
    /// The regimen's name.
    pub title: String,
    /// `order-set`.
    #[serde(rename = "type")]
    pub kind: CodeableConcept,
    /// draft, active or retired.
    pub status: String,
    /// The date last reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Notes and indications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its published sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_artifact: Vec<RelatedArtifact>,
    /// One action per drug.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<PlanDefinitionAction>,
}

/// One drug of a regimen as an activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDefinition {
    /// Its canonical URL.
    pub url: String,
    /// The regimen's version.
    pub version: String,
    /// Computable name.
    pub name: String,
    /// As the PlanDefinition.
    pub status: String,
    /// `MedicationRequest`.
    pub kind: String,
    /// The mCODE normalization basis of the prescribed dose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// The drug.
    pub product_codeable_concept: CodeableConcept,
    /// The prescribed dose, route and days.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dosage: Vec<Dosage>,
}
