//! The regimen loader: TOML text to a validated [`Regimen`], or every problem
//! in the file with its line, column and what would be valid.
//!
//! Owns: reading a regimen file (size limits, UTF-8, the id matching the
//! file name), the regimen-level checks (id, status, sources, `[cycle]`,
//! duplicate drugs, companions against their parents) and the shared value
//! checks (doses, masses, counts). Each drug entry is checked in [`drug`];
//! day lists and cycle ranges are read in [`days`].
//! Never does: compute a dose, or draw the problems (the command line draws
//! [`FileErrors`]).
//!
//! Only the loaders know TOML and spans. Structural errors (malformed TOML,
//! a wrong type, an unknown key) stop parsing at the first one, as in cargo;
//! every check after parsing is run and all problems are reported together.

mod days;

pub use days::{DayListError, parse_day_list};
mod drug;
mod rules;
pub(crate) mod timing;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use toml::Spanned;
use uom::si::f64::Mass;

use super::file::{CyclesValue, DrugFile, RegimenFile};
use super::source::{RegimenSource, Sha256};
use super::{CycleCount, CycleSpec, Drug, Regimen, Source, Status, Supportive};
use crate::diagnostics::{Collector, FileErrors, Problem, TomlKind};
use crate::quantity::{PrescribedDose, parse_dose, parse_dose_mass};

/// Limits on what a regimen file may contain, so that a broken or hostile
/// file cannot exhaust memory or time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file, bytes.
    pub max_file_bytes: usize,
    /// Most drugs in one regimen.
    pub max_drugs: usize,
    /// Longest cycle, days.
    pub max_cycle_days: i64,
    /// Most cycles.
    pub max_cycles: i64,
    /// Most reduction levels, phases, bands or strengths per drug.
    pub max_list: usize,
}

/// The limits in force.
pub const LIMITS: Limits = Limits {
    max_file_bytes: crate::files::REGIMEN_MAX_BYTES as usize,
    max_drugs: 40,
    max_cycle_days: 365,
    max_cycles: super::MAX_CYCLES as i64,
    max_list: 20,
};

/// Reads and validates a regimen file. The file name (without `.toml`) must
/// equal the regimen's id.
pub fn load_regimen_file(path: &Path) -> Result<Regimen, FileErrors> {
    load_regimen_sourced(path).map(|(regimen, _)| regimen)
}

/// [`load_regimen_file`], with where the regimen came from: the path as
/// shown and the SHA-256 of the bytes read (the same bytes that were parsed).
pub fn load_regimen_sourced(path: &Path) -> Result<(Regimen, RegimenSource), FileErrors> {
    let shown = path.display().to_string();
    let bytes = crate::files::read_bytes(path, crate::files::FileKind::Regimen)
        .map_err(|e| FileErrors::whole_file(&shown, "", e.detail(), None))?;
    let sha256 = Sha256::of(&bytes);
    let text = decode(&shown, bytes)?;
    let regimen = parse_regimen(&shown, &text)?;
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".toml"))
        .unwrap_or_default();
    if stem != regimen.id {
        let span = id_span(&text);
        return Err(FileErrors {
            path: shown,
            text,
            problems: vec![Problem {
                message: format!(
                    "the id `{}` does not match the file name `{stem}.toml`",
                    regimen.id
                ),
                span,
                label: "id".to_owned(),
                help: Some(format!(
                    "rename the file to `{}.toml` or change the id",
                    regimen.id
                )),
            }],
        });
    }
    let source = RegimenSource::file(&shown, sha256, &regimen.id);
    Ok((regimen, source))
}

/// Bytes to text, refusing oversized and non-UTF-8 files.
pub(crate) fn decode(shown: &str, bytes: Vec<u8>) -> Result<String, FileErrors> {
    if bytes.len() > LIMITS.max_file_bytes {
        return Err(FileErrors::whole_file(
            shown,
            "",
            format!(
                "the file is {} bytes; regimen files are limited to {} bytes",
                bytes.len(),
                LIMITS.max_file_bytes
            ),
            None,
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        FileErrors::whole_file(
            shown,
            "",
            format!(
                "the file is not valid UTF-8 (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            Some("save the file as UTF-8"),
        )
    })
}

fn id_span(text: &str) -> Option<Range<usize>> {
    let file: RegimenFile = toml::from_str(text).ok()?;
    Some(file.id.span())
}

/// Parses and validates regimen TOML. `path` is only used in messages.
///
/// ```
/// let err = chemodose::regimen::parse_regimen("x.toml", "id = 3").unwrap_err();
/// // Every problem carries the file, line and column it was found at.
/// assert!(err.to_string().starts_with("x.toml:1:"), "{err}");
/// ```
///
/// # Errors
/// [`FileErrors`]: every problem found, each at its file, line and column:
/// TOML syntax, unknown or missing keys, a value of the wrong type, doses,
/// days, rules, levels and limits that do not hold together, a file past
/// the size limits ([`LIMITS`]).
pub fn parse_regimen(path: &str, text: &str) -> Result<Regimen, FileErrors> {
    let mut v = Validator::default();
    let file: RegimenFile = v.problems.read_file(
        path,
        text,
        &TomlKind {
            max_bytes: LIMITS.max_file_bytes as u64,
            too_large: format!("the file is larger than {} bytes", LIMITS.max_file_bytes),
            empty_help: "a regimen needs at least id, name, version, status, last_reviewed, [cycle], one [[source]] and one [[drug]]; see docs/regimen-format.md",
            keys_help: "see docs/regimen-format.md for every key and its type",
        },
    )?;
    let regimen = v.regimen(file);
    match regimen {
        Some(r) if v.problems.is_empty() => Ok(r),
        _ => Err(v.problems.into_sorted_errors(path, text)),
    }
}

/// The checks run after parsing, collecting every problem of the file.
#[derive(Default)]
struct Validator {
    problems: Collector,
}

impl Validator {
    /// A dose such as "900 mg/m2" or "AUC 5"; `what` names it in the message.
    fn dose(&mut self, s: &Spanned<String>, what: &str) -> Option<PrescribedDose> {
        self.problems
            .parse_named(s, what, parse_dose)
            .map_err(|p| {
                p.label("not a valid dose").help(
                    "valid doses look like \"900 mg/m2\", \"15 mcg/kg\", \"800 mg\" or \"AUC 5\"",
                )
            })
            .ok()
    }

    /// A plain mass such as "2 mg" (a strength, a band, a ceiling).
    fn mass(&mut self, s: &Spanned<String>, what: &str) -> Option<Mass> {
        self.problems
            .parse_named(s, what, parse_dose_mass)
            .map(|(m, _)| m)
            .map_err(|p| {
                p.label("not a mass")
                    .help("write a plain mass such as \"2 mg\" or \"300 mcg\"")
            })
            .ok()
    }

    /// A whole number from 1 to `max` (cycle length, number of cycles).
    fn count(&mut self, s: &Spanned<i64>, what: &str, max: i64) -> Option<u32> {
        let n = *s.get_ref();
        if (1..=max).contains(&n) {
            Some(n as u32)
        } else {
            self.problems
                .at(
                    s.span(),
                    format!("{what} must be between 1 and {max} (got {n})"),
                )
                .label("out of range");
            None
        }
    }

    /// The whole regimen: its own fields, its `[cycle]`, each drug, then the
    /// companions against their parents.
    fn regimen(&mut self, f: RegimenFile) -> Option<Regimen> {
        let id = f.id.get_ref().clone();
        if !is_kebab_case(&id) {
            self.problems
                .at(
                    f.id.span(),
                    format!(
                        "id `{id}` must be kebab-case (lower-case letters, digits and single hyphens) and at most 80 characters"
                    ),
                )
                .label("not kebab-case")
                .help("for example \"gemcitabine-docetaxel\"");
        }
        for (text, what) in [(&f.name, "name"), (&f.version, "version")] {
            if text.trim().is_empty() {
                self.problems
                    .at(f.id.span(), format!("`{what}` is blank"))
                    .label("blank");
            }
        }
        for src in &f.sources {
            if src.citation.trim().is_empty() {
                self.problems
                    .at(f.id.span(), "a [[source]] has a blank citation")
                    .label("blank");
            }
        }
        let status = *f.status.get_ref();
        if matches!(status, Status::CaseReport | Status::Withdrawn)
            && f.status_note.as_deref().is_none_or(|n| n.trim().is_empty())
        {
            self.problems
                .at(
                    f.status.span(),
                    format!("status `{status}` needs a `status_note` saying why"),
                )
                .label("needs status_note")
                .help("e.g. status_note = \"As published in ...; the report does not state the days.\"");
        }
        let last_reviewed = self.date(&f.last_reviewed);
        if f.sources.is_empty() {
            self.problems
                .at(
                    f.id.span(),
                    "a regimen needs at least one [[source]] with a citation",
                )
                .label("no source")
                .help("add [[source]] citation = \"...\"");
        }
        let cycle = self.cycle(&f.cycle);
        if f.drugs.is_empty() {
            self.problems
                .at(f.id.span(), "a regimen needs at least one [[drug]]")
                .label("no drug");
        }
        if f.drugs.len() > LIMITS.max_drugs {
            self.problems
                .at(
                    f.drugs[LIMITS.max_drugs].span(),
                    format!("a regimen may have at most {} drugs", LIMITS.max_drugs),
                )
                .label("too many drugs");
            return None;
        }
        let mut drugs = Vec::new();
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for d in &f.drugs {
            let name = d.get_ref().name.get_ref().trim().to_lowercase();
            if let Some(_first) = seen.get(&name) {
                self.problems
                    .at(
                        d.get_ref().name.span(),
                        format!("drug `{name}` is listed twice"),
                    )
                    .label("duplicate")
                    .help("give each drug once; use [[drug.phase]] for cycle-specific doses");
            } else {
                seen.insert(name.clone(), d.get_ref().name.span());
            }
            if let Some(drug) = self.drug(d.get_ref(), cycle) {
                drugs.push(drug);
            }
        }
        self.companions(&f.drugs, &drugs);
        self.cumulative_conditions(&f.drugs, &drugs);
        let antiemetic_days = f
            .antiemetic_days
            .as_ref()
            .and_then(|s| self.antiemetic_days(s, cycle, &drugs));
        if f.emetogenic_risk.is_none()
            && f.drugs
                .iter()
                .any(|d| d.get_ref().role == super::Role::Antineoplastic)
        {
            // The antiemetics of every treatment day follow from it (ASCO
            // 2020 [R144][R145]); a regimen without it would print none.
            self.problems
                .at(
                    f.id.span(),
                    "a regimen with an antineoplastic drug needs `emetogenic_risk`",
                )
                .label("no emetogenic risk")
                .help("emetogenic_risk = \"minimal\" | \"low\" | \"moderate\" | \"high\", from ASCO 2020 Table 1 or the local table, with its [[source]]");
        }
        if let Some(c) = cycle {
            self.gcsf_timing(&f.drugs, &drugs, c.length_days);
        }
        self.premedications(&f.drugs, &drugs, cycle.map(|c| c.length_days));
        let cycle = cycle?;
        let last_reviewed = last_reviewed?;
        if drugs.len() != f.drugs.len() {
            return None;
        }
        Some(Regimen {
            id,
            name: f.name,
            aliases: f.aliases,
            version: f.version,
            status,
            status_note: f.status_note,
            last_reviewed,
            indications: f.indications,
            intent: f.intent,
            emetogenic_risk: f.emetogenic_risk,
            antiemetic_set: f.antiemetic_set,
            antiemetic_days,
            febrile_neutropenia_risk: f.febrile_neutropenia_risk,
            notes: f.notes,
            sources: f
                .sources
                .into_iter()
                .map(|s| Source {
                    citation: s.citation,
                    url: s.url,
                    doi: s.doi,
                    pmid: s.pmid,
                    note: s.note,
                })
                .collect(),
            cycle,
            drugs,
            supportive: Supportive {
                hydration: f.supportive.hydration,
                premedication: f.supportive.premedication,
                antiemetics: f.supportive.antiemetics,
                growth_factor: f.supportive.growth_factor,
                monitoring: f.supportive.monitoring,
                other: f.supportive.other,
            },
        })
    }

    /// `last_reviewed`: a plain date.
    fn date(&mut self, d: &Spanned<toml::value::Datetime>) -> Option<NaiveDate> {
        self.problems
            .date(
                d,
                format!("last_reviewed must be a plain date (got {})", d.get_ref()),
            )
            .map_err(|p| {
                p.label("not a plausible date")
                    .help("write last_reviewed = 2026-11-22")
            })
            .ok()
    }

    /// `[cycle]`: its length, and a number of cycles or "until-progression"
    /// with an optional protocol maximum.
    fn cycle(&mut self, c: &Spanned<super::file::CycleFile>) -> Option<CycleSpec> {
        let cf = c.get_ref();
        let length = self.count(&cf.length_days, "cycle length_days", LIMITS.max_cycle_days);
        let count = match cf.cycles.get_ref() {
            CyclesValue::Count(n) => {
                let n = self.count(
                    &Spanned::new(cf.cycles.span(), *n),
                    "number of cycles",
                    LIMITS.max_cycles,
                );
                if let Some(m) = &cf.max_cycles {
                    self.problems
                        .at(
                            m.span(),
                            "max_cycles is only for cycles = \"until-progression\"",
                        )
                        .label("only with until-progression");
                }
                n.map(CycleCount::Fixed)
            }
            CyclesValue::Text(t) if t == "until-progression" => {
                let max = match &cf.max_cycles {
                    Some(m) => Some(self.count(m, "max_cycles", LIMITS.max_cycles)?),
                    None => None,
                };
                Some(CycleCount::UntilProgression { max })
            }
            CyclesValue::Text(t) => {
                self.problems
                    .at(
                        cf.cycles.span(),
                        format!("cycles must be a number or \"until-progression\" (got \"{t}\")"),
                    )
                    .label("not a cycle count");
                None
            }
        };
        Some(CycleSpec {
            length_days: length?,
            count: count?,
        })
    }

    /// Each companion points at another drug of the regimen that has its own
    /// dose, and is given only on that drug's days and cycles.
    fn companions(&mut self, files: &[Spanned<DrugFile>], drugs: &[Drug]) {
        for f in files {
            let d = f.get_ref();
            let Some(c) = &d.companion else { continue };
            let of = c.of.get_ref().trim().to_lowercase();
            let name = d.name.get_ref().trim().to_lowercase();
            if of == name {
                self.problems
                    .at(
                        c.of.span(),
                        format!("{name} cannot be a companion of itself"),
                    )
                    .label("itself");
                continue;
            }
            let parent = files
                .iter()
                .find(|p| p.get_ref().name.get_ref().trim().eq_ignore_ascii_case(&of));
            match parent {
                None => {
                    let names: Vec<String> = files
                        .iter()
                        .map(|p| p.get_ref().name.get_ref().clone())
                        .collect();
                    self.problems
                        .at(
                            c.of.span(),
                            format!(
                                "{name} is a companion of `{of}`, which is not a drug of this regimen"
                            ),
                        )
                        .label("not in this regimen")
                        .help(format!("drugs here: {}", names.join(", ")));
                }
                Some(p) if p.get_ref().companion.is_some() => {
                    self.problems
                        .at(
                            c.of.span(),
                            format!("{name}: `{of}` is itself a companion; point at the drug with its own dose"),
                        )
                        .label("companion of a companion");
                }
                Some(_) => {
                    let parent_days = drugs.iter().find(|x| x.name == of).map(|x| x.days.clone());
                    let own_days = drugs
                        .iter()
                        .find(|x| x.name == name)
                        .map(|x| x.days.clone());
                    if let (Some(pd), Some(od)) = (parent_days, own_days)
                        && !od.iter().all(|day| pd.contains(day))
                    {
                        self.problems
                            .at(
                                d.days_span(),
                                format!("{name} is given on days the parent `{of}` is not given"),
                            )
                            .label("not the parent's days")
                            .help(
                                "a companion dose derives from the parent's dose on the same day",
                            );
                    }
                    let parent_cycles = drugs.iter().find(|x| x.name == of).map(|x| x.cycles);
                    let own_cycles = drugs.iter().find(|x| x.name == name).map(|x| x.cycles);
                    if let (Some(Some(p)), Some(o)) = (parent_cycles, own_cycles) {
                        let within = o.is_some_and(|o| {
                            o.first >= p.first
                                && match (o.last, p.last) {
                                    (_, None) => true,
                                    (Some(ol), Some(pl)) => ol <= pl,
                                    (None, Some(_)) => false,
                                }
                        });
                        if !within {
                            self.problems
                                .at(
                                    d.cycles.as_ref().map_or(d.name.span(), Spanned::span),
                                    format!("{name} runs in cycles where its parent `{of}` ({p}) is not given"),
                                )
                                .label("not the parent's cycles")
                                .help("give the companion the parent's `cycles`");
                        }
                    }
                }
            }
        }
    }
}

impl Validator {
    /// Each `given_when` counts another drug of the regimen with its own
    /// per-m² dose.
    fn cumulative_conditions(&mut self, files: &[Spanned<DrugFile>], drugs: &[super::Drug]) {
        for d in drugs {
            let Some(c) = &d.given_when else { continue };
            let counted = drugs.iter().find(|x| x.name == c.drug && x.name != d.name);
            let per_m2 = counted.is_some_and(|x| {
                matches!(&x.dosing, super::Dosing::Own { dose, .. }
                    if dose.basis() == crate::quantity::DoseBasis::PerM2)
            });
            if per_m2 {
                continue;
            }
            let span = files
                .iter()
                .find(|f| {
                    f.get_ref()
                        .name
                        .get_ref()
                        .trim()
                        .eq_ignore_ascii_case(&d.name)
                })
                .and_then(|f| f.get_ref().given_when.as_ref().map(Spanned::span))
                .unwrap_or(0..0);
            self.problems
                .at(
                    span,
                    format!(
                        "{}: given_when counts `{}`, which is not another drug of this regimen with a dose per m2",
                        d.name, c.drug
                    ),
                )
                .label("no such per-m2 drug");
        }
    }

    /// `antiemetic_days`: a day list of antineoplastic days.
    fn antiemetic_days(
        &mut self,
        s: &Spanned<String>,
        cycle: Option<super::CycleSpec>,
        drugs: &[super::Drug],
    ) -> Option<Vec<u32>> {
        let days = self.days(s, cycle)?;
        let chemo = |d: &u32| {
            drugs
                .iter()
                .any(|x| x.role == super::Role::Antineoplastic && x.days.contains(d))
        };
        if let Some(bad) = days.iter().find(|d| !chemo(d)) {
            self.problems
                .at(
                    s.span(),
                    format!("antiemetic_days: no antineoplastic drug is given on day {bad}"),
                )
                .label("not a chemotherapy day")
                .help("list the antineoplastic days whose emetogenic risk the set covers");
            return None;
        }
        Some(days)
    }

    /// Each `premedicates` against the drug it names ([`timing`]).
    fn premedications(
        &mut self,
        files: &[Spanned<DrugFile>],
        drugs: &[Drug],
        cycle_days: Option<u32>,
    ) {
        for d in drugs {
            let Some(file) = files.iter().find(|f| {
                f.get_ref()
                    .name
                    .get_ref()
                    .trim()
                    .eq_ignore_ascii_case(&d.name)
            }) else {
                continue;
            };
            let f = file.get_ref();
            let (Some(target), Some(span)) =
                (&d.premedicates, f.premedicates.as_ref().map(Spanned::span))
            else {
                continue;
            };
            for problem in timing::premedication_problems(d, drugs, cycle_days) {
                let (at, message, label) = match problem {
                    timing::PremedicationProblem::NotAPremedication => (
                        span.clone(),
                        format!(
                            "{} premedicates `{target}` but its role is not `premedication`",
                            d.name
                        ),
                        "not a premedication",
                    ),
                    timing::PremedicationProblem::UnknownDrug => (
                        span.clone(),
                        format!(
                            "{} premedicates `{target}`, which is not another drug of this regimen",
                            d.name
                        ),
                        "no such drug",
                    ),
                    timing::PremedicationProblem::DayWithout { day } => (
                        f.days_span(),
                        format!(
                            "{target} is given on day {day} without its premedication {} that day or the day before",
                            d.name
                        ),
                        "premedication missing",
                    ),
                    timing::PremedicationProblem::BeyondCycle { day, offset } => (
                        f.days_span(),
                        format!(
                            "{} {offset:+} days from {target} on day {day} falls after the cycle's last day",
                            d.name
                        ),
                        "beyond the cycle",
                    ),
                };
                let help = if label == "beyond the cycle" {
                    "a day past the cycle's last day is the next cycle's: write offsets that stay within the cycle, or give the days with `days`"
                } else {
                    "a premedication is given before the drug it premedicates: on each of its days (minutes before) or from the day before"
                };
                self.problems.at(at, message).label(label).help(help);
            }
        }
    }

    /// G-CSF days against the cytotoxic days ([`timing`]), each conflict at
    /// the G-CSF's `days`.
    fn gcsf_timing(&mut self, files: &[Spanned<DrugFile>], drugs: &[Drug], cycle_days: u32) {
        for c in timing::gcsf_conflicts(drugs, cycle_days) {
            let Some(file) = files.iter().find(|d| {
                d.get_ref()
                    .name
                    .get_ref()
                    .trim()
                    .eq_ignore_ascii_case(&c.gcsf)
            }) else {
                continue;
            };
            let when = if c.cytotoxic_day > cycle_days {
                format!("day {} of the next cycle", c.cytotoxic_day - cycle_days)
            } else {
                format!("day {}", c.cytotoxic_day)
            };
            self.problems
                .at(
                    file.get_ref().days_span(),
                    format!(
                        "{} on day {} is too close to {} on {when}: {}",
                        c.gcsf, c.day, c.cytotoxic, c.rule
                    ),
                )
                .label("G-CSF too close to chemotherapy")
                .help("give a daily G-CSF only on days without cytotoxic treatment (after the end of a long infusion), and a long-acting G-CSF also at least 14 days before the next cytotoxic day");
        }
    }
}

/// An id of lower-case letters, digits and single inner hyphens, at most 80
/// characters.
fn is_kebab_case(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
