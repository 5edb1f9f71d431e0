//! A treatment history as FHIR: a Bundle of type `collection` with the
//! Patient, one CarePlan per line of therapy, and one MedicationStatement
//! per drug of each recorded cycle whose doses were computed
//! (`docs/fhir.md`, "history").
//!
//! Why MedicationStatement and not MedicationAdministration: a history
//! records that a cycle was given on its day 1, often reconstructed from
//! letters or a case report, and chemodose recomputes its doses from the
//! regimen; MedicationAdministration is "based on actual administration
//! information from the person who administered the medication", while a
//! MedicationStatement is "a record of the use of a medication (individual
//! administration or entire course)" whose "administration does not have to
//! be directly observed" (FHIR R4 MedicationStatement; mCODE STU1
//! CancerRelatedMedicationStatement).
//!
//! Owns: the mapping of a [`HistoryReport`] to those resources, the
//! CarePlan status from the line's stop reason, the notes saying where each
//! dose comes from (recomputed, or the recorded actual dose) and what is not
//! stated; the entries' `urn:uuid` names, derived from the patient id, the
//! line, the cycle and the drug, so that the same history gives the same
//! bytes and a resource keeps its name as the history grows.
//! Never does: compute or change a dose (the figures are the history
//! report's), or write a dose, a date or a code the history does not give:
//! a line whose regimen or cycles are not stated has no MedicationStatement,
//! and placeholder dates are written in words only, never as FHIR dates.

use crate::fhir::codes::{IDENTIFIER_MRN, IDENTIFIER_TYPE};
use crate::fhir::export::schedule::{dose_type, medication, route, uuid};
use crate::fhir::model::{
    Annotation, Bundle, BundleEntry, CarePlan, CarePlanActivity, CarePlanActivityDetail,
    CodeableConcept, Dosage, DoseAndRate, HumanName, Identifier, MedicationStatement, Patient,
    Period, Quantity, Reference, Resource,
};
use crate::history::{
    CycleDoses, DoseGiven, History, HistoryReport, HistoryWarning, LineReport, StatedCycles,
    StopReason,
};
use crate::patient::Sex;
use crate::regimen::{Intent, Role};
use crate::render::history::{gap_text, stop_reason_text};
use crate::render::ismp::{drug_display_name, format_decimal};
use crate::render::schedule::reduction_text;

/// The history as a FHIR Bundle. `h` is the history the report was made
/// from (for the patient's sex and birth year, which the report does not
/// carry).
pub fn history_bundle(h: &History, r: &HistoryReport) -> Bundle<Resource> {
    let seed = format!("history {}", r.patient_id);
    let patient_url = uuid(&seed, "patient");
    let dated = r.placeholder_dates.is_none();
    let mut entries = vec![BundleEntry {
        full_url: Some(patient_url.clone()),
        resource: Resource::Patient(patient(h, r)),
    }];
    for line in &r.lines {
        let line_url = uuid(&seed, &format!("line {}", line.number));
        let mut statements = Vec::new();
        let mut activity = Vec::new();
        for c in &line.cycles {
            let mut refs = Vec::new();
            for (drug, given) in by_drug(&c.administrations) {
                let url = uuid(
                    &seed,
                    &format!("line {} cycle {} {drug}", line.number, c.number),
                );
                refs.push(Reference::to(&url));
                statements.push(BundleEntry {
                    full_url: Some(url),
                    resource: Resource::MedicationStatement(statement(
                        line,
                        c,
                        &drug,
                        &given,
                        (&patient_url, &line_url),
                        dated,
                    )),
                });
            }
            activity.push(CarePlanActivity {
                outcome_reference: refs,
                detail: CarePlanActivityDetail {
                    status: "completed".to_owned(),
                    description: Some(cycle_words(line, c, dated)),
                },
            });
        }
        entries.push(BundleEntry {
            full_url: Some(line_url),
            resource: Resource::CarePlan(care_plan(r, line, &patient_url, activity)),
        });
        entries.extend(statements);
    }
    Bundle {
        resource_type: "Bundle".to_owned(),
        kind: "collection".to_owned(),
        // No timestamp: the same history gives the same bytes.
        timestamp: None,
        entry: entries,
    }
}

/// The Patient: the history's id; its MRN, name and birth year only where
/// the file gives them.
fn patient(h: &History, r: &HistoryReport) -> Patient {
    let mut identifier = vec![Identifier {
        kind: None,
        system: None,
        value: r.patient_id.clone(),
    }];
    if let Some(mrn) = &r.mrn {
        let (code, display) = IDENTIFIER_MRN;
        identifier.push(Identifier {
            kind: Some(CodeableConcept::coded(
                IDENTIFIER_TYPE,
                code,
                display,
                display,
            )),
            system: None,
            value: mrn.clone(),
        });
    }
    Patient {
        identifier,
        name: r
            .name
            .iter()
            .map(|n| HumanName { text: n.clone() })
            .collect(),
        gender: h.sex.map(|s| {
            match s {
                Sex::Female => "female",
                Sex::Male => "male",
            }
            .to_owned()
        }),
        // A FHIR date may be a year alone; an age on a date is not turned
        // into a birth year (it could be either of two).
        birth_date: h.birth_year.map(|y| format!("{y:04}")),
    }
}

/// A cycle's administrations grouped by drug, in the order the drugs first
/// appear.
fn by_drug(administrations: &[DoseGiven]) -> Vec<(String, Vec<&DoseGiven>)> {
    let mut out: Vec<(String, Vec<&DoseGiven>)> = Vec::new();
    for a in administrations {
        match out.iter_mut().find(|(d, _)| *d == a.drug) {
            Some((_, v)) => v.push(a),
            None => out.push((a.drug.clone(), vec![a])),
        }
    }
    out
}

/// "cycle 2, day 1 2018-04-23", or with "(placeholder date)".
fn cycle_words(line: &LineReport, c: &CycleDoses, dated: bool) -> String {
    let mut s = format!(
        "line {} cycle {}, day 1 {}{}",
        line.number,
        c.number,
        c.date,
        if dated { "" } else { " (placeholder date)" }
    );
    if !c.computed {
        let why: Vec<String> = line.gaps.iter().map(gap_text).collect();
        s.push_str(&format!(
            "; doses not computed ({}): no MedicationStatement",
            why.join("; ")
        ));
    }
    s
}

/// One drug of one cycle.
fn statement(
    line: &LineReport,
    c: &CycleDoses,
    drug: &str,
    given: &[&DoseGiven],
    (patient_url, line_url): (&str, &str),
    dated: bool,
) -> MedicationStatement {
    let shown = drug_display_name(drug);
    let regimen = line.regimen.as_deref().unwrap_or("the line's regimen");
    let mut note = Vec::new();
    let bsa = c.bsa_m2.map_or(String::new(), |b| {
        format!(" (BSA {} m²)", format_decimal(b))
    });
    if given.iter().any(|a| !a.actual) {
        note.push(format!(
            "dose recomputed by chemodose from regimen {regimen} at this cycle's measurements{bsa}; the history records no other dose"
        ));
    }
    if given.iter().any(|a| a.actual) {
        note.push(
            "the recorded actual dose (the history's `actual`: given when it differed from the regimen's)"
                .to_owned(),
        );
    }
    let antineoplastic = given.iter().any(|a| a.role == Role::Antineoplastic);
    if let Some(x) = c.reduction.for_drug(drug, antineoplastic) {
        note.push(format!(
            "reduction recorded for the cycle: {}",
            reduction_text(&x)
        ));
    }
    if let Some(x) = &c.delay_reason {
        note.push(format!("cycle delayed: {x}"));
    }
    if let Some(x) = &c.early_reason {
        note.push(format!("cycle given early: {x}"));
    }
    if let Some(x) = &c.allow_over_limit {
        note.push(format!("recorded past a lifetime limit: {x}"));
    }
    if !dated {
        note.push(format!(
            "day 1 {} is a placeholder date (the history's placeholder_dates), so no date is given as effective[x]",
            c.date
        ));
    }
    let dosage = given
        .iter()
        .zip(1u32..)
        .map(|(a, i)| Dosage {
            sequence: Some(i),
            text: Some(format!(
                "{shown} {} mg {}, line {} cycle {} day {}{}",
                format_decimal(a.mg),
                a.route,
                line.number,
                c.number,
                a.day,
                if a.actual {
                    " (recorded actual dose)"
                } else {
                    " (recomputed)"
                }
            )),
            timing: None,
            route: Some(route(&a.route)),
            dose_and_rate: vec![DoseAndRate {
                // `calculated` for a recomputed dose; a recorded dose is
                // neither ordered nor calculated, so no type.
                kind: (!a.actual).then(|| dose_type("calculated")),
                dose_quantity: Some(Quantity::ucum(a.mg, "mg")),
            }],
        })
        .collect();
    MedicationStatement {
        based_on: vec![Reference::to(line_url)],
        status: "completed".to_owned(),
        medication_codeable_concept: medication(drug),
        subject: Reference::to(patient_url),
        effective_date_time: dated.then(|| c.date.to_string()),
        note: note.into_iter().map(|text| Annotation { text }).collect(),
        dosage,
    }
}

/// The CarePlan's status: `active` while the line goes on; `completed`
/// when it stopped as planned; `revoked` ("terminated prior to the full
/// completion of the intended actions", FHIR R4 request-status) when it
/// stopped for progression, toxicity, the patient's decision, death or
/// another reason; `unknown` when the source does not say why.
fn status(line: &LineReport) -> &'static str {
    match (line.end, line.stop_reason) {
        (None, _) => "active",
        (Some(_), Some(StopReason::Completed)) => "completed",
        (Some(_), Some(StopReason::NotStated) | None) => "unknown",
        (Some(_), Some(_)) => "revoked",
    }
}

fn intent_text(i: Intent) -> &'static str {
    match i {
        Intent::Curative => "curative",
        Intent::Adjuvant => "adjuvant",
        Intent::Neoadjuvant => "neoadjuvant",
        Intent::Palliative => "palliative",
    }
}

/// One line of therapy.
fn care_plan(
    r: &HistoryReport,
    line: &LineReport,
    patient_url: &str,
    activity: Vec<CarePlanActivity>,
) -> CarePlan {
    let dated = r.placeholder_dates.is_none();
    let title = match (&line.regimen, &line.regimen_name, &line.regimen_not_stated) {
        (Some(id), Some(name), _) => format!("{name} ({id})"),
        (Some(id), None, _) => id.clone(),
        (None, _, Some(d)) => format!("regimen not stated in the source (\"{d}\")"),
        (None, _, None) => "regimen not stated".to_owned(),
    };
    let mut description = vec![format!("line {}", line.number)];
    description.extend(line.setting.clone());
    description.extend(line.intent.map(|i| format!("intent {}", intent_text(i))));
    description.push(match line.stated_cycles {
        Some(StatedCycles::Count(n)) => format!("{n} cycle(s) stated, not recorded one by one"),
        Some(StatedCycles::Unknown) => "number of cycles not stated".to_owned(),
        None => format!("{} cycle(s) recorded", line.cycles.len()),
    });
    let mut note = Vec::new();
    if let Some(reason) = line.stop_reason {
        let mut s = format!("stopped: {}", stop_reason_text(reason));
        if let Some(n) = &line.stop_note {
            s.push_str(&format!(" ({n})"));
        }
        note.push(s);
    }
    if let Some(how) = &r.placeholder_dates {
        note.push(format!(
            "DATES ARE PLACEHOLDERS, so no period is given: from {} to {} on the history's placeholder dates ({how})",
            line.start,
            line.end
                .map_or_else(|| "no end".to_owned(), |e| e.to_string())
        ));
    }
    for g in &line.gaps {
        note.push(format!(
            "no dose exported for what is not stated or not computed: {}",
            gap_text(g)
        ));
    }
    for w in &r.warnings {
        if let HistoryWarning::CycleEarly(e) = w
            && e.line == line.number
        {
            note.push(format!("WARNING ({}): {w}", w.code()));
        }
    }
    CarePlan {
        status: status(line).to_owned(),
        intent: "plan".to_owned(),
        title: Some(title),
        description: Some(description.join("; ")),
        subject: Reference::to(patient_url),
        period: dated.then(|| Period {
            start: Some(line.start.to_string()),
            end: line.end.map(|e| e.to_string()),
        }),
        activity,
        note: note.into_iter().map(|text| Annotation { text }).collect(),
    }
}
