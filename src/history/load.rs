//! Reading a history file: TOML text to a validated [`History`], or every
//! problem in the file with its line and column.
//!
//! Owns: the checks a history file must pass (a patient id, and a name and MRN when given,
//! plain dates, measurements with a unit, lines numbered in order with one
//! regimen each, cycles moving forward within their line, events of a known
//! kind, prior anthracyclines with a known factor) and the size limits.
//! Never does: recompute a dose or add doses up (that is the report, in
//! `mod.rs`), or edit the file (that is [`super::edit`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use toml::Spanned;

use super::file::{self, HistoryFile};
use super::{
    CardiacRegion, EVENT_KINDS, Event, EventKind, GivenCycle, History, Line, LineRegimen,
    MAX_ENTRIES, Measurement, STOP_REASONS, StatedCycles, StopReason,
};
use crate::anthracycline::FactorSet;
use crate::diagnostics::{Collector, FileErrors, TomlKind};
use crate::dose::{PerDrug, Reduction};
use crate::patient::Sex;
use crate::quantity::{
    DoseUnit, parse_dose, parse_dose_mass, parse_height, parse_serum_creatinine, parse_weight,
};
use crate::regimen::{Library, parse_regimen};
use crate::rounding::to_decimal;

/// A date of the history file, or `None` with the problem recorded when the
/// value is not a plain date.
fn file_date(
    c: &mut Collector,
    d: &Spanned<toml::value::Datetime>,
    what: &str,
) -> Option<NaiveDate> {
    c.date(d, format!("{what} must be a plain date"))
        .map_err(|p| p.help("write e.g. 2026-11-22"))
        .ok()
}

/// What a history file without its `[patient]` table is told.
pub const NEW_HISTORY_HELP: &str = "a history needs at least a [patient] table with its id (docs/history-format.md); to start one, run `chemodose history new FILE --patient-id ID`";

/// Parses and validates a history file. `path` is only used in messages; a
/// line's regimen id is looked up in `library`.
pub fn parse_history(path: &str, text: &str, library: &Library) -> Result<History, FileErrors> {
    let mut c = Collector::default();
    let raw: HistoryFile = c
        .read_file(
            path,
            text,
            &TomlKind {
                max_bytes: crate::files::FileKind::History
                    .max_bytes()
                    .unwrap_or(u64::MAX),
                too_large: "the history file is larger than 1 MiB".to_owned(),
                empty_help: NEW_HISTORY_HELP,
                keys_help: "see docs/history-format.md for every key",
            },
        )
        .map_err(|mut e| {
            // A file without its [patient] table: say how to start one.
            for p in &mut e.problems {
                if p.message.starts_with("missing field `patient`") {
                    p.help = Some(NEW_HISTORY_HELP.to_owned());
                }
            }
            e
        })?;
    let p = &raw.patient;
    if p.id.get_ref().trim().is_empty() {
        c.at(p.id.span(), "patient id is blank")
            .help("write the site's id for the patient: a pseudonym (P-0042) or the MRN");
    }
    // A name or MRN, when given, identifies: blank would read as "checked".
    let identity = |c: &mut Collector, v: &Option<Spanned<String>>, what: &str| {
        let v = v.as_ref()?;
        let text = v.get_ref().trim();
        if text.is_empty() {
            c.at(
                v.span(),
                format!("{what} is blank: write it, or leave `{what}` out"),
            );
            return None;
        }
        Some(text.to_owned())
    };
    let name = identity(&mut c, &p.name, "name");
    let mrn = identity(&mut c, &p.mrn, "mrn");
    let sex = p
        .sex
        .as_ref()
        .and_then(|s| c.parse(s, |v| v.parse::<Sex>()).ok());
    let age_at = p
        .age_at
        .as_ref()
        .and_then(|a| file_date(&mut c, &a.on, "age_at.on").map(|d| (a.years, d)));
    if let Some(y) = p.birth_year
        && !(1880..=2100).contains(&y)
    {
        c.at(p.id.span(), format!("birth_year {y} is implausible"));
    }
    if raw.measurements.len() > MAX_ENTRIES
        || raw.lines.len() > MAX_ENTRIES
        || raw.events.len() > MAX_ENTRIES
    {
        c.at(
            p.id.span(),
            format!("a history holds at most {MAX_ENTRIES} measurements, lines and events each"),
        );
        return Err(c.into_errors(path, text));
    }
    let mut measurements = Vec::new();
    for m in &raw.measurements {
        let r = m.get_ref();
        let date = file_date(&mut c, &r.date, "measurement date");
        let height = r
            .height
            .as_ref()
            .and_then(|s| c.parse(s, parse_height).ok());
        let weight = r
            .weight
            .as_ref()
            .and_then(|s| c.parse(s, parse_weight).ok());
        let scr = r
            .scr
            .as_ref()
            .and_then(|s| c.parse(s, parse_serum_creatinine).ok());
        if r.height.is_none() && r.weight.is_none() && r.scr.is_none() {
            c.at(m.span(), "a measurement needs height, weight or scr");
        }
        if let Some(date) = date {
            measurements.push(Measurement {
                date,
                height,
                weight,
                scr,
            });
        }
    }
    measurements.sort_by_key(|m| m.date);
    let mut lines = Vec::new();
    // The raw line each parsed line came from, for locating later problems.
    let mut raw_of_line = Vec::new();
    for (i, l) in raw.lines.iter().enumerate() {
        if let Some(line) = parse_line(&mut c, l, i, library) {
            lines.push(line);
            raw_of_line.push(l.get_ref());
        }
    }
    for w in lines.windows(2) {
        if w[1].start < w[0].start
            && let Some(s) = raw.lines.get(w[1].number as usize - 1)
        {
            c.at(
                s.get_ref().start.span(),
                format!("line {} starts before line {}", w[1].number, w[0].number),
            );
        }
    }
    let mut events = Vec::new();
    for e in &raw.events {
        let r = e.get_ref();
        let kind = match r.kind.get_ref().as_str() {
            "surgery" => Some(EventKind::Surgery),
            "radiation" => Some(EventKind::Radiation),
            "prior-anthracycline" => Some(EventKind::PriorAnthracycline),
            "recurrence" => Some(EventKind::Recurrence),
            "death" => Some(EventKind::Death),
            "other" => Some(EventKind::Other),
            other => {
                c.at(
                    r.kind.span(),
                    format!("unknown event kind `{other}`; use {EVENT_KINDS}"),
                );
                None
            }
        };
        let date = file_date(&mut c, &r.date, "event date");
        let cumulative = match (&kind, &r.cumulative) {
            (Some(EventKind::PriorAnthracycline), Some(s)) => match parse_dose(s.get_ref()) {
                Ok(d) if d.basis() == crate::quantity::DoseBasis::PerM2 => {
                    to_decimal(d.canonical())
                }
                _ => {
                    c.at(
                        s.span(),
                        format!(
                            "cumulative `{}` must be a dose per m², e.g. \"300 mg/m2\"",
                            s.get_ref()
                        ),
                    );
                    None
                }
            },
            (Some(EventKind::PriorAnthracycline), None) => {
                c.at(
                    e.span(),
                    "a prior-anthracycline event needs drug and cumulative (\"300 mg/m2\")",
                );
                None
            }
            _ => None,
        };
        if kind == Some(EventKind::PriorAnthracycline) {
            match r.drug.as_deref().map(str::to_lowercase) {
                Some(d) if FactorSet::ighg().factor(&d).is_some() => {}
                Some(d) => {
                    c
                        .at(
                            r.kind.span(),
                            format!("`{d}` is not an anthracycline with a known doxorubicin-equivalence factor (doxorubicin, daunorubicin, epirubicin, idarubicin, mitoxantrone)"),
                        );
                }
                None => {
                    c.at(r.kind.span(), "a prior-anthracycline event needs `drug`");
                }
            }
        }
        let cardiac_region = match (&kind, &r.cardiac_region) {
            (Some(EventKind::Radiation), None) => Some(CardiacRegion::Unknown),
            (Some(EventKind::Radiation), Some(v)) => match v.get_ref() {
                file::BoolOrUnknown::Known(true) => Some(CardiacRegion::Included),
                file::BoolOrUnknown::Known(false) => Some(CardiacRegion::NotIncluded),
                file::BoolOrUnknown::Text(t) if t.trim() == "unknown" => {
                    Some(CardiacRegion::Unknown)
                }
                file::BoolOrUnknown::Text(t) => {
                    c.at(
                        v.span(),
                        format!("cardiac_region `{t}` must be true, false or \"unknown\""),
                    )
                    .help("leave it out, or write \"unknown\", when the source does not say whether the field included the heart");
                    None
                }
            },
            (Some(_), Some(v)) => {
                c.at(v.span(), "cardiac_region belongs to a radiation event only");
                None
            }
            _ => None,
        };
        if let (Some(kind), Some(date)) = (kind, date) {
            events.push(Event {
                kind,
                date,
                description: r.description.clone(),
                site: r.site.clone(),
                dose: r.dose.clone(),
                cardiac_region,
                drug: r.drug.as_ref().map(|d| d.to_lowercase()),
                cumulative_mg_per_m2: cumulative,
            });
        }
    }
    events.sort_by_key(|e| e.date);
    nothing_after_death(&mut c, &lines, &raw_of_line, &events);
    if !c.is_empty() {
        return Err(c.into_sorted_errors(path, text));
    }
    Ok(History {
        patient_id: p.id.get_ref().trim().to_owned(),
        name,
        mrn,
        sex,
        birth_year: p.birth_year,
        age_at,
        note: p.note.clone(),
        placeholder_dates: p.placeholder_dates.clone(),
        measurements,
        lines,
        events,
    })
}

/// A line that starts, or a cycle given, on or after the patient's death,
/// or a line that ends after it, is an error: the death is the earliest
/// `death` event or end of a line stopped by death (see
/// [`History::death_date`](super::History::death_date)).
fn nothing_after_death(
    c: &mut Collector,
    lines: &[Line],
    raw: &[&file::LineFile],
    events: &[Event],
) {
    let Some(death) = super::death_date(lines, events) else {
        return;
    };
    for (line, r) in lines.iter().zip(raw) {
        let n = line.number;
        if line.start >= death {
            c.at(
                r.start.span(),
                format!(
                    "line {n} starts on {}, on or after the death recorded on {death}",
                    line.start
                ),
            );
        }
        if let (Some(end), Some(span)) = (line.end, r.end.as_ref())
            && end > death
        {
            c.at(
                span.span(),
                format!("line {n} ends on {end}, after the death recorded on {death}"),
            );
        }
        // A parsed line kept every one of its cycles, in order.
        for (cycle, rc) in line.cycles.iter().zip(&r.cycles) {
            if cycle.date >= death {
                c.at(
                    rc.get_ref().date.span(),
                    format!(
                        "line {n} cycle {} is dated {}, on or after the death recorded on {death}",
                        cycle.number, cycle.date
                    ),
                );
            }
        }
    }
}

/// An `actual` dose is counted only for a drug the line's regimen gives a
/// dose of in that cycle: any other name (a misspelling, a drug of another
/// regimen, a supportive drug given per protocol) would be written and then
/// silently left out of the cumulative doses.
/// A cycle's `level` and `reduce`: for all antineoplastic drugs, or by
/// drug, under the regimen's name of an antineoplastic drug of the line's
/// regimen (a misspelt or supportive drug would be written and then never
/// applied). One change per drug: a level and a percent for the same drug,
/// or for all drugs, are refused.
fn cycle_reduction(
    c: &mut Collector,
    y: &file::CycleFile,
    regimen: Option<&crate::regimen::Regimen>,
    line: i64,
    cycle: i64,
) -> PerDrug<Reduction> {
    use file::ForDrugs;
    let mut out = PerDrug::default();
    if let (Some(l), Some(p)) = (&y.level, &y.reduce)
        && matches!(l.get_ref(), ForDrugs::All(_))
        && matches!(p.get_ref(), ForDrugs::All(_))
    {
        c.at(p.span(), "give `level` or `reduce`, not both");
        return out;
    }
    let by_drug = |c: &mut Collector,
                   out: &mut PerDrug<Reduction>,
                   drug: &str,
                   at: std::ops::Range<usize>,
                   r: Reduction| {
        let key = match regimen {
            Some(reg) => match reg.drug(drug.trim()) {
                Some(d) if d.role == crate::regimen::Role::Antineoplastic => d.name.clone(),
                _ => {
                    let drugs: Vec<&str> = reg
                        .drugs
                        .iter()
                        .filter(|d| d.role == crate::regimen::Role::Antineoplastic)
                        .map(|d| d.name.as_str())
                        .collect();
                    c.at(
                        at,
                        format!(
                            "line {line} cycle {cycle}: `{drug}` is not an antineoplastic drug of regimen {}; its antineoplastic drugs: {}",
                            reg.id,
                            drugs.join(", ")
                        ),
                    )
                    .help("a dose level or a reduction is written under the regimen's name of the drug: check the spelling");
                    return;
                }
            },
            None => drug.trim().to_lowercase(),
        };
        if out.drugs.insert(key.clone(), r).is_some() {
            c.at(
                at,
                format!(
                    "line {line} cycle {cycle}: {key} has both a `level` and a `reduce`: a dose level and a percent reduction cannot both be given for the same drug; write the one given"
                ),
            );
        }
    };
    if let Some(l) = &y.level {
        match l.get_ref() {
            ForDrugs::All(level) => out.all = Some(Reduction::Level(*level)),
            ForDrugs::Drugs(m) if m.is_empty() => {
                c.at(l.span(), "an empty `level` table: write the level given by drug ({ docetaxel = -1 }), or leave `level` out");
            }
            ForDrugs::Drugs(m) => {
                for (drug, level) in m {
                    by_drug(
                        c,
                        &mut out,
                        drug,
                        level.span(),
                        Reduction::Level(*level.get_ref()),
                    );
                }
            }
        }
    }
    if let Some(p) = &y.reduce {
        match p.get_ref() {
            ForDrugs::All(text) => {
                let spanned = Spanned::new(p.span(), text.clone());
                if let Ok(percent) = c.parse(&spanned, crate::quantity::Percent::reduction) {
                    out.all = Some(Reduction::Percent(percent));
                }
            }
            ForDrugs::Drugs(m) if m.is_empty() => {
                c.at(p.span(), "an empty `reduce` table: write the reduction given by drug ({ gemcitabine = \"20%\" }), or leave `reduce` out");
            }
            ForDrugs::Drugs(m) => {
                for (drug, text) in m {
                    if let Ok(percent) = c.parse(text, crate::quantity::Percent::reduction) {
                        by_drug(c, &mut out, drug, text.span(), Reduction::Percent(percent));
                    }
                }
            }
        }
    }
    out
}

fn check_actual_drug(
    c: &mut Collector,
    regimen: &crate::regimen::Regimen,
    line: i64,
    cycle: i64,
    drug: &str,
    at: std::ops::Range<usize>,
) {
    use super::check::{ActualDrugProblem, actual_drug_problem, dosed_drugs};
    let Ok(n) = u32::try_from(cycle) else {
        return;
    };
    let Some(problem) = actual_drug_problem(regimen, n, drug) else {
        return;
    };
    let id = &regimen.id;
    let dosed = dosed_drugs(regimen, n).join(", ");
    let problem = match problem {
        ActualDrugProblem::NotInRegimen => format!(
            "line {line} cycle {cycle}: `{drug}` is not a drug of regimen {id}; its drugs dosed in cycle {cycle}: {dosed}"
        ),
        ActualDrugProblem::NoDoseOfItsOwn => format!(
            "line {line} cycle {cycle}: {drug} has no dose of its own in regimen {id} (it is given per an instruction), so an actual dose of it cannot be counted; its drugs dosed in cycle {cycle}: {dosed}"
        ),
        ActualDrugProblem::NotGivenInCycle => format!(
            "line {line} cycle {cycle}: {drug} is not given in cycle {cycle} of regimen {id}; its drugs dosed in cycle {cycle}: {dosed}"
        ),
    };
    c.at(at, problem)
        .help("an actual dose is written under the regimen's name of a drug given in that cycle: check the spelling and the cycle");
}

fn parse_line(
    c: &mut Collector,
    l: &Spanned<file::LineFile>,
    index: usize,
    library: &Library,
) -> Option<Line> {
    let r = l.get_ref();
    let before = c.len();
    let number = *r.number.get_ref();
    if number != index as i64 + 1 {
        c.at(
            r.number.span(),
            format!(
                "lines are numbered 1, 2, ... in order; expected {} here, found {number}",
                index + 1
            ),
        );
    }
    let regimen = match (&r.regimen, &r.inline_regimen, &r.regimen_not_stated) {
        (Some(id), None, None) => {
            // A pinned version that differs is shown as a warning in the report.
            if library.get(id.get_ref()).is_none() {
                c
                    .at(
                        id.span(),
                        format!("unknown regimen `{}`; known: {}", id.get_ref(), library.ids().join(", ")),
                    )
                    .help("use a bundled or local id, write the regimen inline as [line.inline_regimen], or write regimen_not_stated = \"...\" when the source does not name it");
            }
            Some(LineRegimen::Id {
                id: id.get_ref().clone(),
                version: r.regimen_version.clone(),
            })
        }
        (None, Some(table), None) => {
            let text = toml::to_string(table.get_ref()).unwrap_or_default();
            match parse_regimen("inline regimen", &text) {
                Ok(reg) => Some(LineRegimen::Inline(Box::new(reg))),
                Err(e) => {
                    let inner: Vec<String> = e.problems.iter().map(|p| p.message.clone()).collect();
                    c.at(
                        table.span(),
                        format!("line {number}: inline regimen: {}", inner.join("; ")),
                    );
                    None
                }
            }
        }
        (None, None, Some(words)) => {
            let description = words.get_ref().trim();
            if description.is_empty() {
                c.at(
                    words.span(),
                    format!("line {number}: regimen_not_stated is blank"),
                )
                .help(
                    "write what the source says instead, e.g. \"doxorubicin-based chemotherapy\"",
                );
            }
            if r.regimen_version.is_some() {
                c.at(
                    words.span(),
                    format!("line {number}: regimen_version goes with `regimen`, not with regimen_not_stated"),
                );
            }
            match &r.cycle_count {
                None if r.cycles_recorded() => {
                    c.at(
                        words.span(),
                        format!("line {number}: the cycles of a regimen that is not stated cannot be recomputed"),
                    )
                    .help("give their number instead of [[line.cycle]]: cycles = 3, or cycles = \"unknown\"");
                }
                None => {
                    c.at(
                        words.span(),
                        format!("line {number}: the regimen is not stated: say how many cycles"),
                    )
                    .help("cycles = 3 as the source states it, or cycles = \"unknown\"");
                }
                Some(_) => {}
            }
            Some(LineRegimen::NotStated {
                description: description.to_owned(),
            })
        }
        _ => {
            c
                .at(
                    r.number.span(),
                    format!("line {number} needs exactly one of `regimen` (an id), `[line.inline_regimen]` or `regimen_not_stated`"),
                );
            None
        }
    };
    let stated_cycles = match &r.cycle_count {
        None => None,
        Some(v) => {
            let stated = match v.get_ref() {
                file::CountOrUnknown::Count(n)
                    if (1..=crate::schedule::MAX_CYCLES as i64).contains(n) =>
                {
                    Some(StatedCycles::Count(*n as u32))
                }
                file::CountOrUnknown::Count(n) => {
                    c.at(
                        v.span(),
                        format!("line {number}: cycles = {n} is out of range"),
                    );
                    None
                }
                file::CountOrUnknown::Text(t) if t.trim() == "unknown" => {
                    Some(StatedCycles::Unknown)
                }
                file::CountOrUnknown::Text(t) => {
                    c.at(
                        v.span(),
                        format!(
                            "line {number}: cycles `{t}` must be a number of cycles or \"unknown\""
                        ),
                    );
                    None
                }
            };
            if r.cycles_recorded() {
                c.at(
                    v.span(),
                    format!("line {number}: give the cycles either as a number (`cycles`) or one by one (`[[line.cycle]]`), not both"),
                );
            }
            stated
        }
    };
    let start = file_date(c, &r.start, "start");
    let end = r.end.as_ref().and_then(|e| file_date(c, e, "end"));
    if let (Some(s), Some(e), Some(es)) = (start, end, r.end.as_ref())
        && e < s
    {
        c.at(es.span(), format!("line {number} ends before it starts"));
    }
    let stop_reason = r.stop_reason.as_ref().and_then(|s| {
        let v = StopReason::parse(s.get_ref());
        if v.is_none() {
            c.at(
                s.span(),
                format!("unknown stop reason `{}`; use {STOP_REASONS}", s.get_ref()),
            );
        }
        v
    });
    if r.end.is_some() != r.stop_reason.is_some() {
        c.at(
            r.number.span(),
            format!("line {number}: `end` and `stop_reason` go together"),
        );
    }
    if r.cycles.len() > MAX_ENTRIES {
        c.at(
            r.number.span(),
            format!("line {number}: at most {MAX_ENTRIES} cycles"),
        );
        return None;
    }
    // The regimen an `actual` dose must belong to (none when not stated).
    let line_regimen = match &regimen {
        Some(LineRegimen::Id { id, .. }) => library.get(id).map(|e| &e.regimen),
        Some(LineRegimen::Inline(reg)) => Some(&**reg),
        _ => None,
    };
    let mut cycles: Vec<GivenCycle> = Vec::new();
    for cy in &r.cycles {
        let y = cy.get_ref();
        let n = *y.number.get_ref();
        if !(1..=crate::schedule::MAX_CYCLES as i64).contains(&n) {
            c.at(y.number.span(), format!("cycle number {n} is out of range"));
            continue;
        }
        let date = file_date(c, &y.date, "cycle date");
        if let (Some(d), Some(s)) = (date, start)
            && d < s
        {
            c.at(
                y.date.span(),
                format!("cycle {n} is dated before line {number} starts"),
            );
        }
        if let (Some(d), Some(e), Some(es)) = (date, end, r.end.as_ref())
            && d > e
        {
            c.at(
                es.span(),
                format!("line {number} ends before its cycle {n}"),
            );
        }
        if let Some(prev) = cycles.last() {
            if n as u32 <= prev.number {
                c.at(
                    y.number.span(),
                    format!(
                        "cycle {n} of line {number} follows cycle {}: cycle numbers go up",
                        prev.number
                    ),
                );
            }
            match date {
                Some(d) if d == prev.date => {
                    c.at(
                        y.date.span(),
                        format!(
                            "cycle {n} of line {number} has the date of cycle {} ({d}): each cycle is recorded once, on its own day 1",
                            prev.number
                        ),
                    );
                }
                Some(d) if d < prev.date => {
                    c.at(
                        y.date.span(),
                        format!(
                            "cycle {n} of line {number} ({d}) is dated before cycle {} ({}): cycles go forward in date",
                            prev.number, prev.date
                        ),
                    );
                }
                _ => {}
            }
        }
        let reduction = cycle_reduction(c, y, line_regimen, number, n);
        let mut actual = BTreeMap::new();
        for (drug, dose) in &y.actual {
            if let Some(reg) = line_regimen {
                check_actual_drug(c, reg, number, n, drug, dose.span());
            }
            // Kept under the regimen's own name of the drug, which the
            // cumulative doses look up: ` Doxorubicin` is doxorubicin.
            let key = line_regimen
                .and_then(|r| r.drug(drug.trim()))
                .map_or_else(|| drug.trim().to_lowercase(), |d| d.name.clone());
            // `Doxorubicin` and `doxorubicin` are one drug: one would
            // silently replace the other.
            if actual.contains_key(&key) {
                c.at(
                    dose.span(),
                    format!(
                        "line {number} cycle {n}: an actual dose of {key} is given twice; write one, the dose given"
                    ),
                );
            }
            if let Ok((m, _)) =
                c.parse_named(dose, &format!("actual dose of {drug}"), parse_dose_mass)
            {
                actual.insert(key, to_decimal(DoseUnit::Mg.of(m)).unwrap_or_default());
            }
        }
        if let Some(d) = date {
            cycles.push(GivenCycle {
                number: n as u32,
                date: d,
                reduction,
                actual,
                delay_reason: y.delay_reason.clone(),
                early_reason: y.early_reason.clone(),
                allow_over_limit: y.allow_over_limit.clone(),
            });
        }
    }
    if c.len() > before {
        return None;
    }
    Some(Line {
        number: number as u32,
        setting: r.setting.clone(),
        intent: r.intent,
        regimen: regimen?,
        start: start?,
        end,
        stop_reason,
        stop_note: r.stop_note.clone(),
        cycles,
        stated_cycles,
    })
}
