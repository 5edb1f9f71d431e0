//! What `dose`, `schedule` and `order verify` take from a patient's
//! measurements and treatment history: the patient and the engine options
//! (prior exposure, the weights to compare with, the line's last reduction,
//! cardiac radiation), with the notes and warnings to show.

use super::*;

/// The patient and engine options for a dose or schedule, with what the
/// history adds and what it cannot vouch for.
pub struct Resolved {
    /// The patient.
    pub patient: Patient,
    /// The engine options.
    pub options: DoseOptions,
    /// Notes for standard error.
    pub notes: Vec<String>,
    /// Warnings from the history: (stable code, words).
    pub warnings: Vec<(&'static str, String)>,
    /// The patient's name and MRN as the history gives them, when it does.
    pub identity: (Option<String>, Option<String>),
}

impl Resolved {
    /// The warnings as "code: words" lines for standard error.
    pub fn warning_lines(&self) -> Vec<String> {
        self.warnings
            .iter()
            .map(|(code, words)| format!("{code}: {words}"))
            .collect()
    }
}

/// The code of the warning that a history's prior exposure is incomplete.
pub const PRIOR_INCOMPLETE: &str = "prior-exposure-incomplete";

impl PatientDoseArgs {
    /// The files these options read (a labs file, a history), which an
    /// output must not replace.
    pub fn files_read(&self) -> Vec<std::path::PathBuf> {
        let mut files = self.dose.clinical.files_read();
        files.extend(self.history.iter().cloned());
        files.extend(self.fhir.iter().cloned());
        files
    }

    /// The patient and the engine options, with the history's measurements and
    /// prior exposure merged in when `--history` is given.
    pub fn resolve(
        &self,
        lib: &LibraryArgs,
        regimen: &Regimen,
        dosing: Dosing<'_>,
    ) -> Result<Resolved, InputError> {
        let mut options = self.dose.options(regimen)?;
        self.patient
            .check_measured_on(dosing, self.dose.clinical.on)?;
        let mut notes = Vec::new();
        // The bundle fills what the command line did not give; the history
        // fills what is still missing.
        let merged;
        let given = match &self.fhir {
            None => &self.patient,
            Some(fhir_path) => {
                let record = super::super::fhir::read(fhir_path)?;
                let on = match (dosing, self.dose.clinical.on) {
                    (Dosing::Schedule { start, .. }, _) => (start, "day 1 of the course, --start"),
                    (Dosing::Cycle { .. }, Some(on)) => (on, "the treatment date, --on"),
                    (Dosing::Cycle { .. }, None) => (super::super::today(), "today,"),
                };
                merged = super::super::fhir::merge_patient(
                    fhir_path,
                    &record,
                    &self.patient,
                    on,
                    &mut notes,
                )?;
                super::super::fhir::merge_labs(
                    fhir_path,
                    &record,
                    &mut options.clinical.labs,
                    &mut notes,
                )?;
                &merged
            }
        };
        let Some(path) = &self.history else {
            return Ok(Resolved {
                patient: given.patient()?,
                options,
                notes,
                warnings: Vec::new(),
                identity: (None, None),
            });
        };
        let (library, _) = lib.library()?;
        let (_, history) = super::super::history::load(path, &library)?;
        let mut warnings = Vec::new();
        let latest = history.latest_patient();
        let height = given.height.or(latest.map(|p| p.height));
        let weight = given.weight.or(latest.map(|p| p.weight));
        let (Some(height), Some(weight)) = (height, weight) else {
            return Err(InputError(format!(
                "{}: no height and weight recorded; give --height and --weight",
                path.display()
            )));
        };
        if given.height.is_none() || given.weight.is_none() {
            notes.push(format!(
                "height and weight from the latest measurements in {}",
                path.display()
            ));
        }
        let patient = Patient {
            height,
            weight,
            measured_on: match (given.height, given.weight) {
                (Some(_), Some(_)) => given.measured_on,
                (None, None) => history_measured_on(&history),
                // One from the command line, one from the history: no one date.
                _ => None,
            },
            sex: given.sex.or(history.sex),
            age: given.age.or(latest.and_then(|p| p.age)),
            serum_creatinine: given.scr.or(latest.and_then(|p| p.serum_creatinine)),
            serum_creatinine_on: match given.scr {
                Some(_) => given.scr_date,
                None => latest.and_then(|p| p.serum_creatinine_on),
            },
        };
        apply_history(
            path,
            &library,
            &history,
            dosing,
            &mut options,
            &mut notes,
            &mut warnings,
        )?;
        Ok(Resolved {
            patient,
            options,
            notes,
            warnings,
            identity: (history.name.clone(), history.mrn.clone()),
        })
    }
}

/// What a treatment history adds to the engine options for a dose of
/// `dosing`: prior exposure (and the lines it cannot count), the weights to
/// compare today's with, the line's last reduction and cardiac-region
/// radiation; with the notes and warnings to show. Shared by `dose`,
/// `schedule` and `order verify`.
pub fn apply_history(
    path: &std::path::Path,
    library: &chemodose::regimen::Library,
    history: &History,
    dosing: Dosing<'_>,
    options: &mut DoseOptions,
    notes: &mut Vec<String>,
    warnings: &mut Vec<(&'static str, String)>,
) -> Result<(), InputError> {
    let before = match dosing {
        Dosing::Cycle { regimen, cycle } => {
            // The history holds the earlier cycles; the course counts from this one.
            options.course_from = Some(cycle);
            Before::Cycle { regimen, cycle }
        }
        Dosing::Schedule { start, .. } => Before::Date(start),
    };
    let prior = history
        .prior_exposure(library, before, &options.anthracycline)
        .map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    options.prior = prior.exposures.clone();
    options.uncounted = prior
        .incomplete
        .iter()
        .map(|l| chemodose::dose::UncountedLine {
            line: l.line,
            drugs: l.drugs.clone(),
        })
        .collect();
    options.weight_references = weight_references(history, dosing);
    options.previous_reduction = previous_reduction(history, dosing);
    match prior.cardiac_radiation {
        CardiacRadiation::Yes => {
            options.cardiac_radiation = true;
            notes.push(
                "cardiac-region radiation in the history: the lower anthracycline limit applies"
                    .to_owned(),
            );
        }
        CardiacRadiation::Unknown => {
            options.cardiac_radiation = true;
            notes.push(
                    "radiation in the history whose field is not known (cardiac region unknown: the lower limit is applied)"
                        .to_owned(),
                );
        }
        CardiacRadiation::No => {}
    }
    if !prior.is_complete() {
        // The engine counts what the history records; it cannot know
        // what the lines below gave, so its lifetime-limit check is not
        // complete either.
        let lines: Vec<String> = prior
            .incomplete
            .iter()
            .map(chemodose::render::history::incomplete_line_text)
            .collect();
        warnings.push((
                PRIOR_INCOMPLETE,
                format!(
                    "the prior exposure from {} is INCOMPLETE, so lifetime limits are checked against recorded cycles only: {}. Confirm the doses given before relying on a lifetime limit",
                    path.display(),
                    lines.join("; ")
                ),
            ));
    }
    if !options.prior.is_empty() {
        notes.push(format!(
            "prior exposure from {} counts against lifetime limits",
            path.display()
        ));
    }
    Ok(())
}

/// What the patient's measurements are resolved for.
#[derive(Debug, Clone, Copy)]
pub enum Dosing<'a> {
    /// One cycle of a regimen.
    Cycle {
        /// Regimen id.
        regimen: &'a str,
        /// The cycle.
        cycle: u32,
    },
    /// A schedule starting on a date.
    Schedule {
        /// Regimen id.
        regimen: &'a str,
        /// Day 1 of cycle 1.
        start: chrono::NaiveDate,
    },
}

/// The weights today's is compared with: at the current line's first cycle
/// and at its last cycle before this one.
/// The reduction of the current line's last cycle before this dose: a
/// dose less reduced is a re-escalation, which needs a reason.
fn previous_reduction(history: &History, dosing: Dosing<'_>) -> PerDrug<Reduction> {
    let regimen = match dosing {
        Dosing::Cycle { regimen, .. } | Dosing::Schedule { regimen, .. } => regimen,
    };
    let Some(line) = history.current_line(regimen) else {
        return PerDrug::default();
    };
    line.cycles
        .iter()
        .filter(|c| match dosing {
            Dosing::Cycle { cycle, .. } => c.number < cycle,
            Dosing::Schedule { start, .. } => c.date < start,
        })
        .max_by_key(|c| c.number)
        .map(|c| c.reduction.clone())
        .unwrap_or_default()
}

fn weight_references(history: &History, dosing: Dosing<'_>) -> Vec<WeightReference> {
    let regimen = match dosing {
        Dosing::Cycle { regimen, .. } | Dosing::Schedule { regimen, .. } => regimen,
    };
    let earlier = |c: &GivenCycle| match dosing {
        Dosing::Cycle { cycle, .. } => c.number < cycle,
        Dosing::Schedule { start, .. } => c.date < start,
    };
    let Some(line) = history.current_line(regimen) else {
        return Vec::new();
    };
    let given: Vec<&GivenCycle> = line.cycles.iter().filter(|c| earlier(c)).collect();
    let weight_on = |kind, date| {
        history.patient_on(date).0.map(|p| WeightReference {
            kind,
            date,
            weight: p.weight,
        })
    };
    let first = given.iter().min_by_key(|c| c.number);
    let last = given.iter().max_by_key(|c| c.number);
    let mut out: Vec<WeightReference> = first
        .and_then(|c| weight_on(WeightReferenceKind::LineStart, c.date))
        .into_iter()
        .collect();
    if let Some(l) = last
        && first.is_some_and(|f| f.number != l.number)
        && let Some(r) = weight_on(WeightReferenceKind::LastCycle, l.date)
    {
        out.push(r);
    }
    out
}

/// The date of the history's latest height and weight, when both were
/// measured that day (the date the page prints beside them); `None` when
/// they were measured on different days.
fn history_measured_on(history: &History) -> Option<chrono::NaiveDate> {
    let latest = |f: &dyn Fn(&chemodose::history::Measurement) -> bool| {
        history
            .measurements
            .iter()
            .filter(|m| f(m))
            .map(|m| m.date)
            .max()
    };
    let height = latest(&|m| m.height.is_some())?;
    let weight = latest(&|m| m.weight.is_some())?;
    (height == weight).then_some(height)
}
