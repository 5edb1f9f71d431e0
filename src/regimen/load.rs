//! The regimen loader: TOML text to a validated [`Regimen`], or every problem
//! in the file with its line, column and what would be valid.
//!
//! Only this module knows TOML and spans. Structural errors (malformed TOML,
//! a wrong type, an unknown key) stop parsing at the first one, as in cargo;
//! every check after parsing is run and all problems are reported together.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use toml::Spanned;

use super::file::{CyclesValue, DrugFile, RegimenFile};
use super::{
    Ceiling, CycleCount, CycleRange, CycleSpec, DosePer, Dosing, Drug, LifetimeLimit, Phase,
    Regimen, RenalRequirement, RoundingRule, Source, Status, Supportive,
};
use crate::diagnostics::{Collector, FileErrors, Problem};
use crate::quantity::{
    DoseBasis, PrescribedDose, parse_bsa, parse_dose, parse_dose_mass, parse_gfr,
};

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
    max_file_bytes: 256 * 1024,
    max_drugs: 40,
    max_cycle_days: 365,
    max_cycles: 100,
    max_list: 20,
};

/// Drugs that must never be given intrathecally (ISMP; fatal).
const VINCA_ALKALOIDS: &[&str] = &[
    "vincristine",
    "vinblastine",
    "vinorelbine",
    "vindesine",
    "vinflunine",
];

/// Routes accepted in regimen files.
const ROUTES: &[&str] = &[
    "IV", "PO", "SC", "IM", "IT", "IP", "IA", "IVES", "TOP", "INH", "SL",
];

/// Reads and validates a regimen file. The file name (without `.toml`) must
/// equal the regimen's id.
pub fn load_regimen_file(path: &Path) -> Result<Regimen, FileErrors> {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Err(FileErrors::whole_file(
                &shown,
                "",
                format!("cannot read the file: {e}"),
                None,
            ));
        }
    };
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
    Ok(regimen)
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
pub fn parse_regimen(path: &str, text: &str) -> Result<Regimen, FileErrors> {
    if text.len() > LIMITS.max_file_bytes {
        return Err(FileErrors::whole_file(
            path,
            "",
            format!("the file is larger than {} bytes", LIMITS.max_file_bytes),
            None,
        ));
    }
    if text.trim().is_empty() {
        return Err(FileErrors::whole_file(
            path,
            text,
            "the file is empty",
            Some(
                "a regimen needs at least id, name, version, status, last_reviewed, [cycle], one [[source]] and one [[drug]]; see docs/regimen-format.md",
            ),
        ));
    }
    let file: RegimenFile = toml::from_str(text).map_err(|e| {
        FileErrors::toml(
            path,
            text,
            &e,
            "see docs/regimen-format.md for every key and its type",
        )
    })?;
    let mut v = Validator::default();
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
    fn problem(&mut self, span: Range<usize>, label: &str, message: String, help: Option<&str>) {
        let p = self.problems.at(span, message).label(label);
        if let Some(h) = help {
            p.help(h);
        }
    }

    fn dose(&mut self, s: &Spanned<String>, what: &str) -> Option<PrescribedDose> {
        match parse_dose(s.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.problem(
                    s.span(),
                    "not a valid dose",
                    format!("{what}: {e}"),
                    Some("valid doses look like \"900 mg/m2\", \"15 mcg/kg\", \"800 mg\" or \"AUC 5\""),
                );
                None
            }
        }
    }

    fn mass(&mut self, s: &Spanned<String>, what: &str) -> Option<uom::si::f64::Mass> {
        match parse_dose_mass(s.get_ref()) {
            Ok((m, _)) => Some(m),
            Err(e) => {
                self.problem(
                    s.span(),
                    "not a mass",
                    format!("{what}: {e}"),
                    Some("write a plain mass such as \"2 mg\" or \"300 mcg\""),
                );
                None
            }
        }
    }

    fn count(&mut self, s: &Spanned<i64>, what: &str, max: i64) -> Option<u32> {
        let n = *s.get_ref();
        if (1..=max).contains(&n) {
            Some(n as u32)
        } else {
            self.problem(
                s.span(),
                "out of range",
                format!("{what} must be between 1 and {max} (got {n})"),
                None,
            );
            None
        }
    }

    fn regimen(&mut self, f: RegimenFile) -> Option<Regimen> {
        let id = f.id.get_ref().clone();
        if !is_kebab_case(&id) {
            self.problem(
                f.id.span(),
                "not kebab-case",
                format!(
                    "id `{id}` must be kebab-case (lower-case letters, digits and single hyphens) and at most 80 characters"
                ),
                Some("for example \"gemcitabine-docetaxel\""),
            );
        }
        for (text, what) in [(&f.name, "name"), (&f.version, "version")] {
            if text.trim().is_empty() {
                self.problem(f.id.span(), "blank", format!("`{what}` is blank"), None);
            }
        }
        for src in &f.sources {
            if src.citation.trim().is_empty() {
                self.problem(
                    f.id.span(),
                    "blank",
                    "a [[source]] has a blank citation".to_owned(),
                    None,
                );
            }
        }
        let status = *f.status.get_ref();
        if matches!(status, Status::CaseReport | Status::Withdrawn)
            && f.status_note.as_deref().is_none_or(|n| n.trim().is_empty())
        {
            self.problem(
                f.status.span(),
                "needs status_note",
                format!("status `{status}` needs a `status_note` saying why"),
                Some("e.g. status_note = \"As published in ...; the report does not state the days.\""),
            );
        }
        let last_reviewed = self.date(&f.last_reviewed);
        if f.sources.is_empty() {
            self.problem(
                f.id.span(),
                "no source",
                "a regimen needs at least one [[source]] with a citation".to_owned(),
                Some("add [[source]] citation = \"...\""),
            );
        }
        let cycle = self.cycle(&f.cycle);
        if f.drugs.is_empty() {
            self.problem(
                f.id.span(),
                "no drug",
                "a regimen needs at least one [[drug]]".to_owned(),
                None,
            );
        }
        if f.drugs.len() > LIMITS.max_drugs {
            self.problem(
                f.drugs[LIMITS.max_drugs].span(),
                "too many drugs",
                format!("a regimen may have at most {} drugs", LIMITS.max_drugs),
                None,
            );
            return None;
        }
        let mut drugs = Vec::new();
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for d in &f.drugs {
            let name = d.get_ref().name.get_ref().trim().to_lowercase();
            if let Some(_first) = seen.get(&name) {
                self.problem(
                    d.get_ref().name.span(),
                    "duplicate",
                    format!("drug `{name}` is listed twice"),
                    Some("give each drug once; use [[drug.phase]] for cycle-specific doses"),
                );
            } else {
                seen.insert(name.clone(), d.get_ref().name.span());
            }
            if let Some(drug) = self.drug(d.get_ref(), cycle) {
                drugs.push(drug);
            }
        }
        self.companions(&f.drugs, &drugs);
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

    fn date(&mut self, d: &Spanned<toml::value::Datetime>) -> Option<NaiveDate> {
        self.problems
            .date(
                d,
                format!("last_reviewed must be a plain date (got {})", d.get_ref()),
            )
            .map_err(|p| {
                p.label("not a date")
                    .help("write last_reviewed = 2026-11-22")
            })
            .ok()
    }

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
                    self.problem(
                        m.span(),
                        "only with until-progression",
                        "max_cycles is only for cycles = \"until-progression\"".to_owned(),
                        None,
                    );
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
                self.problem(
                    cf.cycles.span(),
                    "not a cycle count",
                    format!("cycles must be a number or \"until-progression\" (got \"{t}\")"),
                    None,
                );
                None
            }
        };
        Some(CycleSpec {
            length_days: length?,
            count: count?,
        })
    }

    fn drug(&mut self, d: &DrugFile, cycle: Option<CycleSpec>) -> Option<Drug> {
        let name = d.name.get_ref().trim().to_lowercase();
        let before = self.problems.len();
        if name.is_empty() {
            self.problem(
                d.name.span(),
                "empty",
                "a drug needs a name".to_owned(),
                None,
            );
        }
        if let Some(text) = &d.instruction {
            if d.role == super::Role::Antineoplastic {
                self.problem(
                    d.name.span(),
                    "needs a dose",
                    format!("{name} is antineoplastic: it needs a `dose`; `instruction` is only for supportive care and premedication"),
                    None,
                );
            }
            if d.dose.is_some() || d.companion.is_some() || text.trim().is_empty() {
                self.problem(
                    d.name.span(),
                    "instruction and dose",
                    format!("{name}: give exactly one of `dose`, `[drug.companion]` or a non-empty `instruction`"),
                    None,
                );
            }
        }
        let dosing = match (&d.dose, &d.companion) {
            _ if d.instruction.is_some() => Some(Dosing::Instruction(
                d.instruction.clone().unwrap_or_default(),
            )),
            (Some(dose), None) => {
                let per = match d.dose_per.as_ref().map(|s| s.get_ref().as_str()) {
                    None | Some("day") => DosePer::Day,
                    Some("cycle") => DosePer::Cycle,
                    Some(other) => {
                        let span = d.dose_per.as_ref().map_or(0..0, Spanned::span);
                        self.problem(
                            span,
                            "day or cycle",
                            format!("dose_per must be \"day\" or \"cycle\" (got \"{other}\")"),
                            Some("\"day\": the dose is given on each listed day; \"cycle\": the dose is the cycle total split over the days"),
                        );
                        DosePer::Day
                    }
                };
                self.dose(dose, &format!("dose of {name}"))
                    .map(|dose| Dosing::Own { dose, per })
            }
            (None, Some(c)) => {
                let pct = *c.percent.get_ref();
                if !(pct.is_finite() && pct > 0.0 && pct <= 500.0) {
                    self.problem(
                        c.percent.span(),
                        "out of range",
                        format!("companion percent must be above 0 and at most 500 (got {pct})"),
                        None,
                    );
                }
                if d.dose_per.is_some() {
                    self.problem(
                        d.dose_per.as_ref().map_or(0..0, Spanned::span),
                        "not for companions",
                        format!("{name} is a companion; dose_per does not apply"),
                        None,
                    );
                }
                Decimal::from_f64(pct).map(|percent| Dosing::Companion {
                    of: c.of.get_ref().trim().to_lowercase(),
                    percent: percent.normalize(),
                })
            }
            (Some(dose), Some(_)) => {
                self.problem(
                    dose.span(),
                    "dose and companion",
                    format!("{name} has both a dose and a companion; give one"),
                    None,
                );
                None
            }
            (None, None) => {
                self.problem(
                    d.name.span(),
                    "no dose",
                    format!("{name} needs a `dose` or a `[drug.companion]`"),
                    Some("e.g. dose = \"900 mg/m2\""),
                );
                None
            }
        };
        let basis = match &dosing {
            Some(Dosing::Own { dose, .. }) => Some(*dose),
            _ => None,
        };
        let route = d.route.get_ref().trim().to_uppercase();
        if !ROUTES.contains(&route.as_str()) {
            self.problem(
                d.route.span(),
                "unknown route",
                format!("unknown route `{}`", d.route.get_ref()),
                Some(&format!("use one of {}", ROUTES.join(", "))),
            );
        }
        // ISMP: vinca alkaloids given intrathecally are fatal; never allow it.
        if route == "IT" && VINCA_ALKALOIDS.contains(&name.as_str()) {
            self.problem(
                d.route.span(),
                "fatal route",
                format!("{name} must never be given intrathecally (fatal; ISMP): route IT refused"),
                Some("vinca alkaloids are given IV only, as a minibag infusion"),
            );
        }
        // Settings that shape an own dose make no sense on a derived or protocol dose.
        if d.dose.is_none() {
            let own_only = [
                ("reductions", !d.reductions.is_empty()),
                ("[[drug.phase]]", !d.phases.is_empty()),
                ("bsa_cap", d.bsa_cap.is_some()),
                ("max_per_cycle", d.max_per_cycle.is_some()),
                ("max_single_dose", d.max_single_dose.is_some()),
                ("[drug.limit]", d.limit.is_some()),
            ];
            for (key, present) in own_only {
                if present {
                    self.problem(
                        d.name.span(),
                        "only with a dose",
                        format!("{name}: `{key}` applies only to a drug with its own `dose`"),
                        Some("a companion follows its parent's final dose; an instruction has no amount"),
                    );
                }
            }
            if d.instruction.is_some() && (d.round.is_some() || d.dose_per.is_some()) {
                self.problem(
                    d.name.span(),
                    "only with an amount",
                    format!("{name}: `round` and `dose_per` do not apply to an instruction"),
                    None,
                );
            }
        }
        if !d.bands.is_empty()
            && d.round
                .as_ref()
                .is_none_or(|r| r.get_ref().trim() != "bands")
        {
            self.problem(
                d.bands[0].span(),
                "unused bands",
                format!("{name}: `bands` are listed but round is not \"bands\""),
                Some("add round = \"bands\" or remove the bands"),
            );
        }
        if let Some(inf) = &d.infusion
            && !is_duration(inf.get_ref())
        {
            self.problem(
                inf.span(),
                "not a duration",
                format!("infusion `{}` is not a duration", inf.get_ref()),
                Some("write e.g. \"90 min\", \"24 h\", \"2-5 min\" or \"bolus\" (at most 14 days; a range runs forwards)"),
            );
        }
        let days = self.days(&d.days, cycle);
        let cycles = d.cycles.as_ref().and_then(|c| self.cycle_range(c, cycle));
        if let (
            Some(Dosing::Own {
                per: DosePer::Cycle,
                ..
            }),
            Some(days),
        ) = (&dosing, &days)
            && days.len() < 2
        {
            self.problem(
                d.days.span(),
                "one day",
                format!("{name}: dose_per = \"cycle\" splits the cycle total over the days, but only one day is listed"),
                Some("use dose_per = \"day\" for a single-day dose"),
            );
        }
        let mut phases = Vec::new();
        if d.phases.len() > LIMITS.max_list {
            self.problem(
                d.name.span(),
                "too many",
                format!("{name}: at most {} phases", LIMITS.max_list),
                None,
            );
        } else {
            for p in &d.phases {
                let range = self.cycle_range(&p.cycles, cycle);
                let dose = self.dose(&p.dose, &format!("phase dose of {name}"));
                if let (Some(base), Some(pd)) = (basis, dose)
                    && base.basis() != pd.basis()
                {
                    self.problem(
                        p.dose.span(),
                        "different basis",
                        format!(
                            "phase dose `{}` is {} but the dose of {name} is {}",
                            p.dose.get_ref(),
                            pd.basis().describe(),
                            base.basis().describe()
                        ),
                        None,
                    );
                }
                if let (Some(cycles), Some(dose)) = (range, dose) {
                    if phases.iter().any(|q: &Phase| overlaps(q.cycles, cycles)) {
                        self.problem(
                            p.cycles.span(),
                            "overlap",
                            format!("{name}: phases overlap"),
                            None,
                        );
                    }
                    phases.push(Phase { cycles, dose });
                }
            }
        }
        let max_single_dose = d
            .max_single_dose
            .as_ref()
            .and_then(|m| self.mass(m, "max_single_dose"));
        let max_per_cycle = d.max_per_cycle.as_ref().and_then(|m| {
            let dose = self.dose(m, "max_per_cycle")?;
            if let Some(base) = basis
                && dose.basis() != base.basis()
                && dose.basis() != DoseBasis::Flat
            {
                self.problem(
                    m.span(),
                    "different basis",
                    format!(
                        "max_per_cycle `{}` is {} but the dose of {name} is {}",
                        m.get_ref(),
                        dose.basis().describe(),
                        base.basis().describe()
                    ),
                    Some("write the ceiling in the dose's basis (\"100 mg/m2\") or in mg"),
                );
            }
            Some(Ceiling {
                dose,
                source: d.max_per_cycle_source.clone(),
            })
        });
        let bsa_cap = d.bsa_cap.as_ref().and_then(|c| {
            let cap = match parse_bsa(c.get_ref()) {
                Ok(a) => a,
                Err(e) => {
                    self.problem(
                        c.span(),
                        "not a BSA",
                        format!("bsa_cap: {e}"),
                        Some("write e.g. \"2 m2\""),
                    );
                    return None;
                }
            };
            if let Some(base) = basis
                && base.basis() != DoseBasis::PerM2
            {
                self.problem(
                    c.span(),
                    "cap on a non-BSA dose",
                    format!(
                        "{name} is dosed {}; a BSA cap only applies to per-m² doses",
                        base.basis().describe()
                    ),
                    Some("remove bsa_cap, or use max_single_dose for a ceiling in mg"),
                );
            }
            Some(cap)
        });
        let strengths: Vec<_> = d
            .strengths
            .iter()
            .filter_map(|s| self.mass(s, "strength"))
            .collect();
        let bands: Vec<_> = d
            .bands
            .iter()
            .filter_map(|s| self.mass(s, "band"))
            .collect();
        if d.strengths.len() > LIMITS.max_list || d.bands.len() > 200 {
            self.problem(
                d.name.span(),
                "too many",
                format!("{name}: too many strengths or bands"),
                None,
            );
        }
        let rounding = match &d.round {
            None => RoundingRule::None,
            Some(r) => self.rounding(r, &name, !strengths.is_empty(), bands),
        };
        let mut reductions = BTreeMap::new();
        if d.reductions.len() > LIMITS.max_list {
            self.problem(
                d.name.span(),
                "too many",
                format!("{name}: at most {} reduction levels", LIMITS.max_list),
                None,
            );
        }
        for (key, value) in &d.reductions {
            let level = match key.parse::<i32>() {
                // "-01" and "-1" would be one level written twice.
                Ok(l) if (-20..=-1).contains(&l) && l.to_string() == *key => l,
                _ => {
                    self.problem(
                        value.span(),
                        "bad level",
                        format!(
                            "reduction level `{key}` must be a negative whole number written plainly (-1, -2, ...)"
                        ),
                        None,
                    );
                    continue;
                }
            };
            let Some(dose) = self.dose(value, &format!("reduction level {level} of {name}")) else {
                continue;
            };
            if let Some(base) = basis {
                if dose.basis() != base.basis() {
                    self.problem(
                        value.span(),
                        "different basis",
                        format!(
                            "reduction level {level} `{}` is {} but the dose of {name} is {}",
                            value.get_ref(),
                            dose.basis().describe(),
                            base.basis().describe()
                        ),
                        None,
                    );
                } else if dose.canonical() >= base.canonical() {
                    self.problem(
                        value.span(),
                        "not a reduction",
                        format!("reduction level {level} ({dose}) is not smaller than the full dose ({base})"),
                        None,
                    );
                }
            }
            reductions.insert(level, dose);
        }
        // Deeper levels must be smaller than shallower ones.
        let mut last: Option<(i32, f64)> = None;
        for (level, dose) in reductions.iter().rev() {
            if let Some((l, v)) = last
                && dose.canonical() >= v
            {
                let span = d
                    .reductions
                    .get(&level.to_string())
                    .map_or(d.name.span(), Spanned::span);
                self.problem(
                    span,
                    "not decreasing",
                    format!("{name}: level {level} is not smaller than level {l}"),
                    None,
                );
            }
            last = Some((*level, dose.canonical()));
        }
        let lifetime_limit = d.limit.as_ref().and_then(|l| {
            let lifetime = self.dose(&l.lifetime, "lifetime limit")?;
            if l.source.trim().is_empty() {
                self.problem(l.lifetime.span(), "no source", "a lifetime limit needs its `source`".to_owned(), None);
            }
            if !matches!(lifetime.basis(), DoseBasis::PerM2 | DoseBasis::Flat) {
                self.problem(l.lifetime.span(), "bad basis", "a lifetime limit is in mg/m² or mg".to_owned(), None);
            }
            let after = l.after_cardiac_radiation.as_ref().and_then(|a| {
                let v = self.dose(a, "after_cardiac_radiation")?;
                if v.basis() != lifetime.basis() || v.canonical() > lifetime.canonical() {
                    self.problem(
                        a.span(),
                        "not lower",
                        "after_cardiac_radiation must be in the same unit as lifetime and not higher".to_owned(),
                        None,
                    );
                }
                Some(v)
            });
            Some(LifetimeLimit {
                lifetime,
                after_cardiac_radiation: after,
                source: l.source.clone(),
            })
        });
        let renal = d.renal.as_ref().map(|r| RenalRequirement {
            required: r.required,
            flag_below: r
                .flag_below
                .as_ref()
                .and_then(|f| match parse_gfr(f.get_ref()) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.problem(
                            f.span(),
                            "not a clearance",
                            format!("flag_below: {e}"),
                            None,
                        );
                        None
                    }
                }),
            note: r.note.clone(),
            source: r.source.clone(),
        });
        // A file must not break its own per-cycle ceiling with its full dose or
        // a phase dose: it would load and then refuse every calculation.
        if let (Some(c), Some(Dosing::Own { dose, per }), Some(days), Some(span)) = (
            &max_per_cycle,
            &dosing,
            &days,
            d.max_per_cycle.as_ref().map(Spanned::span),
        ) {
            let per_cycle = |x: &PrescribedDose| match per {
                DosePer::Day => x.canonical() * days.len() as f64,
                DosePer::Cycle => x.canonical(),
            };
            let all = std::iter::once(*dose).chain(phases.iter().map(|p| p.dose));
            if let Some(x) = all
                .filter(|x| x.basis() == c.dose.basis())
                .find(|x| per_cycle(x) > c.dose.canonical() * (1.0 + 1e-9))
            {
                self.problem(
                    span,
                    "below the prescribed dose",
                    format!(
                        "{name}: the file prescribes {} {} per cycle ({x}{}), above its own max_per_cycle of {}",
                        crate::display::format_number(per_cycle(&x), 4),
                        match x.basis() {
                            DoseBasis::PerM2 => "mg/m²",
                            DoseBasis::PerKg => "mg/kg",
                            DoseBasis::Flat => "mg",
                            DoseBasis::Auc => "AUC",
                        },
                        match per {
                            DosePer::Day => format!(" on each of {} days", days.len()),
                            DosePer::Cycle => " per cycle".to_owned(),
                        },
                        c.dose
                    ),
                    Some("check the day list, dose_per and the ceiling"),
                );
            }
        }
        if self.problems.len() > before {
            return None;
        }
        Some(Drug {
            name,
            role: d.role,
            dosing: dosing?,
            route,
            infusion: d.infusion.as_ref().map(|s| s.get_ref().trim().to_owned()),
            days: days?,
            cycles,
            phases,
            max_single_dose,
            max_per_cycle,
            bsa_cap,
            rounding,
            reductions,
            strengths,
            lifetime_limit,
            renal,
            note: d.note.clone(),
        })
    }

    fn rounding(
        &mut self,
        r: &Spanned<String>,
        name: &str,
        has_strengths: bool,
        bands: Vec<uom::si::f64::Mass>,
    ) -> RoundingRule {
        let text = r.get_ref().trim();
        match text {
            "none" => RoundingRule::None,
            "strengths" => {
                if !has_strengths {
                    self.problem(
                        r.span(),
                        "needs strengths",
                        format!("{name}: round = \"strengths\" needs a `strengths` list"),
                        Some("e.g. strengths = [\"200 mg\", \"400 mg\"]"),
                    );
                }
                RoundingRule::Strengths
            }
            "bands" => {
                if bands.is_empty() {
                    self.problem(
                        r.span(),
                        "needs bands",
                        format!("{name}: round = \"bands\" needs a `bands` list"),
                        None,
                    );
                }
                RoundingRule::Bands(bands)
            }
            _ => match RoundingRule::step(text) {
                Ok(rule) => rule,
                Err(e) => {
                    self.problem(
                        r.span(),
                        "not a rounding rule",
                        format!("{name}: round: {e}"),
                        Some("use \"none\", a step such as \"1 mg\" or \"10 mg\", \"strengths\" or \"bands\""),
                    );
                    RoundingRule::None
                }
            },
        }
    }

    fn days(&mut self, s: &Spanned<String>, cycle: Option<CycleSpec>) -> Option<Vec<u32>> {
        let max = cycle.map_or(LIMITS.max_cycle_days as u32, |c| c.length_days);
        match parse_day_list(s.get_ref(), LIMITS.max_cycle_days as u32) {
            Ok(days) => {
                if let Some(bad) = days.iter().find(|d| **d > max) {
                    self.problem(
                        s.span(),
                        "beyond the cycle",
                        format!("day {bad} is beyond the cycle length of {max} days"),
                        Some("days run from 1 to the cycle length"),
                    );
                    return None;
                }
                Some(days)
            }
            Err(e) => {
                self.problem(
                    s.span(),
                    "not a day list",
                    e,
                    Some("write e.g. \"1\", \"1,8\", \"1-5\" or \"1-3,8\""),
                );
                None
            }
        }
    }

    fn cycle_range(&mut self, s: &Spanned<String>, cycle: Option<CycleSpec>) -> Option<CycleRange> {
        let range = match parse_cycle_range(s.get_ref()) {
            Ok(r) => r,
            Err(e) => {
                self.problem(
                    s.span(),
                    "not a cycle range",
                    e,
                    Some("write e.g. \"1\", \"2-6\" or \"9-\""),
                );
                return None;
            }
        };
        let course_max = match cycle.map(|c| c.count) {
            Some(CycleCount::Fixed(n)) => Some(n),
            Some(CycleCount::UntilProgression { max }) => max,
            None => None,
        };
        if let Some(n) = course_max
            && (range.first > n || range.last.is_some_and(|l| l > n))
        {
            self.problem(
                s.span(),
                "beyond the course",
                format!("`{}` reaches beyond the regimen's {n} cycles", s.get_ref()),
                None,
            );
            return None;
        }
        Some(range)
    }

    fn companions(&mut self, files: &[Spanned<DrugFile>], drugs: &[Drug]) {
        for f in files {
            let d = f.get_ref();
            let Some(c) = &d.companion else { continue };
            let of = c.of.get_ref().trim().to_lowercase();
            let name = d.name.get_ref().trim().to_lowercase();
            if of == name {
                self.problem(
                    c.of.span(),
                    "itself",
                    format!("{name} cannot be a companion of itself"),
                    None,
                );
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
                    self.problem(
                        c.of.span(),
                        "not in this regimen",
                        format!(
                            "{name} is a companion of `{of}`, which is not a drug of this regimen"
                        ),
                        Some(&format!("drugs here: {}", names.join(", "))),
                    );
                }
                Some(p) if p.get_ref().companion.is_some() => {
                    self.problem(c.of.span(), "companion of a companion", format!("{name}: `{of}` is itself a companion; point at the drug with its own dose"), None);
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
                        self.problem(
                            d.days.span(),
                            "not the parent's days",
                            format!("{name} is given on days the parent `{of}` is not given"),
                            Some("a companion dose derives from the parent's dose on the same day"),
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
                            self.problem(
                                d.cycles.as_ref().map_or(d.name.span(), Spanned::span),
                                "not the parent's cycles",
                                format!("{name} runs in cycles where its parent `{of}` ({p}) is not given"),
                                Some("give the companion the parent's `cycles`"),
                            );
                        }
                    }
                }
            }
        }
    }
}

fn overlaps(a: CycleRange, b: CycleRange) -> bool {
    let a_last = a.last.unwrap_or(u32::MAX);
    let b_last = b.last.unwrap_or(u32::MAX);
    a.first <= b_last && b.first <= a_last
}

fn is_kebab_case(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_duration(s: &str) -> bool {
    let t = s.trim().to_lowercase();
    if matches!(t.as_str(), "bolus" | "push" | "slow push") {
        return true;
    }
    let Some((number, unit)) = t.split_once(' ') else {
        return false;
    };
    let minutes_per = match unit.trim() {
        "min" | "minutes" => 1.0,
        "h" | "hours" | "hour" => 60.0,
        _ => return false,
    };
    let values: Vec<f64> = number
        .split('-')
        .filter_map(|n| n.parse::<f64>().ok())
        .collect();
    // Longer than a continuous infusion could run (14 days) is a typo.
    let sane = |v: &f64| v.is_finite() && *v > 0.0 && v * minutes_per <= 14.0 * 24.0 * 60.0;
    values.len() == number.split('-').count()
        && (1..=2).contains(&values.len())
        && values.iter().all(sane)
        && values.windows(2).all(|w| w[0] < w[1])
}

/// Parses a day list: `"1"`, `"1,8"`, `"1-5"`, `"1-3,8"`. Days ascend without repeats.
pub fn parse_day_list(s: &str, max: u32) -> Result<Vec<u32>, String> {
    let mut days = BTreeSet::new();
    if s.trim().is_empty() {
        return Err("the day list is empty".to_owned());
    }
    for part in s.split(',') {
        let part = part.trim();
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (part, part),
        };
        let a: u32 = a
            .parse()
            .map_err(|_| format!("`{part}` in \"{s}\" is not a day or a range of days"))?;
        let b: u32 = b
            .parse()
            .map_err(|_| format!("`{part}` in \"{s}\" is not a day or a range of days"))?;
        if a == 0 || b == 0 {
            return Err(format!("days count from 1 (got `{part}` in \"{s}\")"));
        }
        if a > b {
            return Err(format!("range `{part}` in \"{s}\" runs backwards"));
        }
        if b > max {
            return Err(format!("day {b} in \"{s}\" is beyond {max}"));
        }
        for d in a..=b {
            if !days.insert(d) {
                return Err(format!("day {d} is listed twice in \"{s}\""));
            }
        }
    }
    Ok(days.into_iter().collect())
}

/// Parses a cycle range: `"1"`, `"2-6"`, `"9-"` (cycle 9 and every later one).
pub fn parse_cycle_range(s: &str) -> Result<CycleRange, String> {
    let t = s.trim();
    let bad = || format!("`{s}` is not a cycle or a range of cycles");
    let (first, last) = match t.split_once('-') {
        Some((a, "")) => (a.trim().parse::<u32>().map_err(|_| bad())?, None),
        Some((a, b)) => (
            a.trim().parse::<u32>().map_err(|_| bad())?,
            Some(b.trim().parse::<u32>().map_err(|_| bad())?),
        ),
        None => {
            let n = t.parse::<u32>().map_err(|_| bad())?;
            (n, Some(n))
        }
    };
    if first == 0 || last == Some(0) {
        return Err(format!("cycles count from 1 (got `{s}`)"));
    }
    if last.is_some_and(|l| l < first) {
        return Err(format!("range `{s}` runs backwards"));
    }
    if first > LIMITS.max_cycles as u32 || last.is_some_and(|l| l > LIMITS.max_cycles as u32) {
        return Err(format!("`{s}` is beyond {} cycles", LIMITS.max_cycles));
    }
    Ok(CycleRange { first, last })
}
