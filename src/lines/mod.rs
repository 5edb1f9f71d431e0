//! Lines of therapy derived from raw drug-administration records.
//!
//! Owns: the rules (data, not code: a TOML rules file with documented
//! defaults, `docs/lines-of-therapy.md`), the derivation for one patient's
//! records, and matching a line's drug set to bundled regimens; `stream.rs`
//! reads a file of administrations and derives its patients on every core,
//! and `table.rs` does the same for a table of them in memory.
//! Never does: guess a regimen when several match (it reports the
//! ambiguity), or open files (the caller passes a reader).

mod history;
pub mod omop;
mod order;
mod records;
mod stream;
mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::regimen::{Library, Role};

pub use history::draft_history;
pub use order::OrderBreak;
pub use records::{ColumnNames, DeriveSummary, LinesError, SkippedRow};
pub use stream::{
    BLOCK_BYTES, Derivation, MAX_BLOCK_BYTES, MAX_RECORDS_PER_PATIENT, derive_stream,
};
pub use table::{AdministrationCells, DateCell, RecordCell, TableLines, derive_table};

/// The rules of line derivation. Every field has a documented default.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// The regimen of a line is every drug first given within this many days
    /// of the line's first administration (28: the Merck/Regenstrief
    /// algorithm; OHDSI OncoRegimenFinder uses 30).
    pub window_days: u32,
    /// A gap longer than this many days between administrations ends the line
    /// (120 by default; 60 or 180 are used for some indications).
    pub gap_days: u32,
    /// After a gap, the same drugs start a new line (`new-line`, default) or
    /// restart the same line (`same-line`).
    pub after_gap: AfterGap,
    /// Whether dropping a drug from the combination starts a new line
    /// (default false): a drug of the regimen not given for `drop_days`
    /// while another drug of it continues.
    pub drop_starts_new_line: bool,
    /// See `drop_starts_new_line` (default 60).
    pub drop_days: u32,
    /// Pairs that may replace each other within a line without starting a new
    /// one (cisplatin ↔ carboplatin, paclitaxel ↔ nab-paclitaxel).
    pub substitutions: Vec<[String; 2]>,
    /// Drugs that may be added to a line after its window without starting a
    /// new one.
    pub additions: Vec<String>,
    /// Maintenance drugs of both kinds: a drug of the regimen that
    /// continues alone after the combination (continuation), or a drug new
    /// to the line started alone after it (switch) keeps the line. A switch
    /// joins only on a day when every drug given is a maintenance drug (the
    /// new regimen is maintenance alone); with another new drug it starts
    /// a new line.
    pub maintenance: Vec<String>,
    /// Maintenance drugs for continuation only.
    pub continuation_maintenance: Vec<String>,
    /// Maintenance drugs for a switch only.
    pub switch_maintenance: Vec<String>,
    /// After which lines a switch to maintenance drugs alone keeps the line
    /// (`first-line`, the Merck algorithm; or `any-line`); after other
    /// lines it is a new line.
    pub maintenance_after: MaintenanceAfter,
    /// Drugs exempt from the gap rule: after a gap longer than `gap_days`,
    /// a day whose drugs are all drugs of the line, one of them exempt,
    /// continues the line (oral targeted drugs whose pharmacy fills claims
    /// data miss; the Merck algorithm's episode-gap list).
    pub gap_exempt: Vec<String>,
    /// Drugs that are not line-defining (supportive care, premedication).
    pub ignore: Vec<String>,
    /// Other names → generic name (matched case-insensitively).
    pub synonyms: BTreeMap<String, String>,
}

/// After which lines a switch to maintenance keeps the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MaintenanceAfter {
    /// Only after line 1 (Merck Line of Therapy Algorithm,
    /// `is_eligible_switch_maintenance`).
    FirstLine,
    /// After any line.
    AnyLine,
}

/// What a gap does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AfterGap {
    /// A new line starts.
    NewLine,
    /// The same drugs restart the same line; other drugs start a new one.
    SameLine,
}

impl Default for Rules {
    fn default() -> Self {
        let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        Rules {
            window_days: 28,
            gap_days: 120,
            after_gap: AfterGap::NewLine,
            drop_starts_new_line: false,
            drop_days: 60,
            substitutions: vec![
                ["cisplatin".to_owned(), "carboplatin".to_owned()],
                ["paclitaxel".to_owned(), "nab-paclitaxel".to_owned()],
            ],
            additions: Vec::new(),
            maintenance: vec!["olaratumab".to_owned()],
            continuation_maintenance: Vec::new(),
            switch_maintenance: Vec::new(),
            maintenance_after: MaintenanceAfter::FirstLine,
            gap_exempt: Vec::new(),
            ignore: [
                "mesna",
                "filgrastim",
                "pegfilgrastim",
                "lipegfilgrastim",
                "dexamethasone",
                "ondansetron",
                "granisetron",
                "palonosetron",
                "aprepitant",
                "fosaprepitant",
                "dexrazoxane",
                "leucovorin",
            ]
            .iter()
            .map(|x| (*x).to_owned())
            .collect(),
            synonyms: [
                s("adriamycin", "doxorubicin"),
                s("doxorubicin hydrochloride", "doxorubicin"),
                s("dtic", "dacarbazine"),
                s("dtic-dome", "dacarbazine"),
                s("ifex", "ifosfamide"),
                s("platinol", "cisplatin"),
                s("cddp", "cisplatin"),
                s("paraplatin", "carboplatin"),
                s("taxol", "paclitaxel"),
                s("abraxane", "nab-paclitaxel"),
                s("taxotere", "docetaxel"),
                s("gemzar", "gemcitabine"),
                s("yondelis", "trabectedin"),
                s("halaven", "eribulin"),
                s("votrient", "pazopanib"),
                s("lartruvo", "olaratumab"),
                s("mesnex", "mesna"),
                s("neupogen", "filgrastim"),
                s("neulasta", "pegfilgrastim"),
                s("g-csf", "filgrastim"),
            ]
            .into_iter()
            .collect(),
        }
    }
}

/// The bundled rules presets, by name (`--rules merck-nsclc`).
pub const PRESETS: &[(&str, &str)] = &[("merck-nsclc", include_str!("presets/merck-nsclc.toml"))];

impl Rules {
    /// A bundled preset by name (see [`PRESETS`]): `None` when there is
    /// no such preset.
    ///
    /// # Errors
    /// The located errors of a bundled preset that does not parse (a
    /// defect, which a test rules out).
    pub fn preset(name: &str) -> Option<Result<Rules, crate::diagnostics::FileErrors>> {
        let (name, text) = PRESETS.iter().find(|(n, _)| *n == name)?;
        Some(Rules::parse(&format!("bundled:{name}"), text))
    }

    /// Parses a rules file; missing keys take the defaults.
    ///
    /// # Errors
    /// The located TOML error (malformed TOML, a wrong type, an unknown key),
    /// or every drug name or other value holding a control, bidirectional or
    /// invisible character ([`crate::text`]).
    pub fn parse(path: &str, text: &str) -> Result<Rules, crate::diagnostics::FileErrors> {
        let rules = toml::from_str::<Rules>(text)
            .map(Rules::normalized)
            .map_err(|e| {
                crate::diagnostics::FileErrors::toml(
                    path,
                    text,
                    &e,
                    "see docs/lines-of-therapy.md for every rule",
                )
            })?;
        let mut c = crate::diagnostics::Collector::default();
        c.plain_text(text);
        if c.is_empty() {
            Ok(rules)
        } else {
            Err(c.into_sorted_errors(path, text))
        }
    }

    fn normalized(mut self) -> Rules {
        let low = |v: &mut Vec<String>| v.iter_mut().for_each(|x| *x = x.trim().to_lowercase());
        low(&mut self.additions);
        low(&mut self.maintenance);
        low(&mut self.continuation_maintenance);
        low(&mut self.switch_maintenance);
        low(&mut self.gap_exempt);
        low(&mut self.ignore);
        for pair in &mut self.substitutions {
            pair.iter_mut().for_each(|x| *x = x.trim().to_lowercase());
        }
        self.synonyms = self
            .synonyms
            .into_iter()
            .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_lowercase()))
            .collect();
        self
    }

    /// The generic name of a drug as recorded.
    pub fn generic(&self, name: &str) -> String {
        let n = name.trim().to_lowercase();
        self.synonyms.get(&n).cloned().unwrap_or(n)
    }

    /// A drug that may continue alone as maintenance.
    fn continues(&self, drug: &str) -> bool {
        self.maintenance.iter().any(|d| d == drug)
            || self.continuation_maintenance.iter().any(|d| d == drug)
    }

    /// A drug that may be switched to alone as maintenance.
    fn switches(&self, drug: &str) -> bool {
        self.maintenance.iter().any(|d| d == drug)
            || self.switch_maintenance.iter().any(|d| d == drug)
    }

    fn substitutes(&self, a: &str, b: &str) -> bool {
        self.substitutions
            .iter()
            .any(|[x, y]| (x == a && y == b) || (x == b && y == a))
    }
}

/// One administration record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Administration {
    /// Date given.
    pub date: NaiveDate,
    /// Generic drug name (shared: a file names a few drugs many times).
    pub drug: Drug,
}

/// A generic drug name, shared by the records that name it.
pub type Drug = Arc<str>;

/// The maintenance phase of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaintenancePhase {
    /// First day of maintenance drugs alone.
    pub start: NaiveDate,
    /// Last day of the line.
    pub end: NaiveDate,
    /// The maintenance drugs given in the phase.
    pub drugs: BTreeSet<String>,
    /// `continuation` (drugs of the line's regimen) or `switch` (a drug new
    /// to the line).
    pub kind: MaintenanceKind,
}

impl MaintenancePhase {
    /// "maintenance (continuation): pemetrexed from 2020-03-02 to 2020-05-08".
    pub fn text(&self) -> String {
        format!(
            "maintenance ({}): {} from {} to {}",
            self.kind.name(),
            self.drugs.iter().cloned().collect::<Vec<_>>().join(" + "),
            self.start,
            self.end
        )
    }
}

impl MaintenanceKind {
    /// Its name as written in every output: `continuation` or `switch`.
    pub fn name(self) -> &'static str {
        match self {
            MaintenanceKind::Continuation => "continuation",
            MaintenanceKind::Switch => "switch",
        }
    }
}

/// How a maintenance phase began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaintenanceKind {
    /// The combination's other drugs were dropped; maintenance drugs of it
    /// continue.
    Continuation,
    /// A maintenance drug new to the line was started alone.
    Switch,
}

/// Why a derived line ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EndReason {
    /// A drug outside the regimen was started after the window.
    NewDrug {
        /// The drug.
        drug: String,
    },
    /// No administration for longer than the gap.
    Gap {
        /// Days without an administration.
        days: i64,
    },
    /// A drug of the combination was dropped (only when the rules say so).
    DroppedDrug {
        /// The drug.
        drug: String,
    },
    /// The records end.
    EndOfData,
}

impl EndReason {
    /// In words.
    pub fn text(&self) -> String {
        match self {
            EndReason::NewDrug { drug } => format!("new drug ({drug})"),
            EndReason::Gap { days } => format!("gap of {days} days"),
            EndReason::DroppedDrug { drug } => format!("{drug} dropped"),
            EndReason::EndOfData => "end of data".to_owned(),
        }
    }
}

/// How a line's drug set matches the bundled regimens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RegimenMatch {
    /// Exactly one regimen has this drug set.
    Exact {
        /// Its id.
        id: String,
    },
    /// Several do; chemodose does not guess.
    Ambiguous {
        /// Their ids.
        ids: Vec<String>,
    },
    /// None does.
    None,
}

impl RegimenMatch {
    /// In words.
    pub fn text(&self) -> String {
        match self {
            RegimenMatch::Exact { id } => id.clone(),
            RegimenMatch::Ambiguous { ids } => format!("ambiguous: {}", ids.join(" | ")),
            RegimenMatch::None => "no bundled regimen".to_owned(),
        }
    }
}

/// A derived line of therapy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DerivedLine {
    /// Patient id.
    pub patient: String,
    /// Line number, from 1.
    pub number: u32,
    /// The regimen's drugs (given within the window).
    pub regimen: BTreeSet<String>,
    /// Drugs added later under the rules (additions, maintenance, substitutes).
    pub later: BTreeSet<String>,
    /// First administration.
    pub start: NaiveDate,
    /// Last administration.
    pub end: NaiveDate,
    /// Distinct administration days.
    pub administration_days: u32,
    /// Why it ended.
    pub end_reason: EndReason,
    /// The maintenance phase the line ended in, if any: from the first day
    /// on which only maintenance drugs were given after the window, to the
    /// line's end.
    pub maintenance: Option<MaintenancePhase>,
    /// Best-matching bundled regimen.
    pub regimen_match: RegimenMatch,
    /// The distinct administration dates (for histories).
    #[serde(skip)]
    pub dates: Vec<NaiveDate>,
}

struct Open {
    regimen: BTreeSet<Drug>,
    later: BTreeSet<Drug>,
    start: NaiveDate,
    last: NaiveDate,
    last_by_drug: BTreeMap<Drug, NaiveDate>,
    /// Ascending: days are taken in date order.
    dates: Vec<NaiveDate>,
    maintenance: Option<MaintenancePhase>,
}

impl Open {
    /// A line started by the drugs of one day.
    fn new(date: NaiveDate, day: &[Drug]) -> Open {
        Open {
            regimen: day.iter().cloned().collect(),
            later: BTreeSet::new(),
            start: date,
            last: date,
            last_by_drug: day.iter().map(|d| (d.clone(), date)).collect(),
            dates: vec![date],
            maintenance: None,
        }
    }

    /// After the window, a day of maintenance drugs alone in a line whose
    /// regimen holds other drugs starts (or extends) its maintenance
    /// phase; a day with any other drug ends the phase (the combination
    /// resumed).
    fn track_maintenance(&mut self, date: NaiveDate, day: &[Drug], rules: &Rules) {
        let is_maintenance = |d: &Drug| rules.continues(d) || rules.switches(d);
        let maintenance_only = day.iter().all(is_maintenance);
        let combination = self.regimen.iter().any(|d| !is_maintenance(d));
        if !(maintenance_only && combination) {
            self.maintenance = None;
            return;
        }
        let phase = self.maintenance.get_or_insert_with(|| MaintenancePhase {
            start: date,
            end: date,
            drugs: BTreeSet::new(),
            kind: if day.iter().all(|d| self.regimen.contains(d)) {
                MaintenanceKind::Continuation
            } else {
                MaintenanceKind::Switch
            },
        });
        phase.end = date;
        phase.drugs.extend(day.iter().map(|d| d.to_string()));
    }

    /// The drugs of one day given within this line.
    fn take(&mut self, date: NaiveDate, day: &[Drug]) {
        self.last = self.last.max(date);
        for d in day {
            match self.last_by_drug.get_mut(d) {
                Some(last) => *last = date,
                None => {
                    self.last_by_drug.insert(Arc::clone(d), date);
                }
            }
        }
        if self.dates.last() != Some(&date) {
            self.dates.push(date);
        }
    }

    /// A drug of the regimen not given since `drop_days` before `date`
    /// while the day continues another drug of it; drugs given that day are
    /// never dropped.
    fn dropped(&self, date: NaiveDate, day: &[Drug], rules: &Rules) -> Option<Drug> {
        if !day.iter().any(|d| self.regimen.contains(d)) {
            return None;
        }
        self.regimen
            .iter()
            .find(|d| {
                !day.contains(d)
                    && self
                        .last_by_drug
                        .get(*d)
                        .is_some_and(|l| (date - *l).num_days() > i64::from(rules.drop_days))
            })
            .cloned()
    }
}

/// Derives the lines of one patient from their administrations (any order).
///
/// The drugs given on one day are one regimen and are judged together,
/// before any of them joins a line: docetaxel and ramucirumab started on the
/// same day after pembrolizumab are one new line, whatever their names'
/// order (taken one at a time, the first in alphabetical order would have
/// joined the old line as a later drug).
pub fn derive(
    patient: &str,
    records: &mut [Administration],
    rules: &Rules,
    regimens: &RegimenSets,
) -> Vec<DerivedLine> {
    // Only the day matters: a day's drugs are one set.
    records.sort_by_key(|a| a.date);
    let mut lines: Vec<DerivedLine> = Vec::new();
    let mut open: Option<Open> = None;
    let close = |o: Open, reason: EndReason, lines: &mut Vec<DerivedLine>| {
        lines.push(DerivedLine {
            patient: patient.to_owned(),
            number: lines.len() as u32 + 1,
            regimen: names(&o.regimen),
            regimen_match: regimens.matching(&o.regimen),
            later: names(&o.later),
            start: o.start,
            end: o.last,
            administration_days: o.dates.len() as u32,
            end_reason: reason,
            maintenance: o.maintenance,
            dates: o.dates,
        });
    };
    // One day's drugs, sorted and each once (a buffer for every day).
    let mut day: Vec<Drug> = Vec::new();
    for same_day in records.chunk_by(|a, b| a.date == b.date) {
        let date = same_day[0].date;
        day.clear();
        day.extend(
            same_day
                .iter()
                .filter(|a| !rules.ignore.iter().any(|d| **d == *a.drug))
                .map(|a| Arc::clone(&a.drug)),
        );
        if day.is_empty() {
            continue;
        }
        day.sort_unstable();
        day.dedup();
        let day = day.as_slice();
        let Some(mut cur) = open.take() else {
            open = Some(Open::new(date, day));
            continue;
        };
        let gap = (date - cur.last).num_days();
        if gap > i64::from(rules.gap_days) {
            let resumes = day.iter().all(|d| cur.regimen.contains(d));
            let exempt = day
                .iter()
                .any(|d| rules.gap_exempt.iter().any(|e| **e == **d));
            let same = resumes && (rules.after_gap == AfterGap::SameLine || exempt);
            if same {
                cur.take(date, day);
                open = Some(cur);
            } else {
                close(cur, EndReason::Gap { days: gap }, &mut lines);
                open = Some(Open::new(date, day));
            }
            continue;
        }
        let in_window = (date - cur.start).num_days() <= i64::from(rules.window_days);
        if in_window {
            cur.regimen.extend(day.iter().cloned());
            cur.take(date, day);
            open = Some(cur);
            continue;
        }
        if rules.drop_starts_new_line
            && let Some(dropped) = cur.dropped(date, day, rules)
        {
            close(
                cur,
                EndReason::DroppedDrug {
                    drug: dropped.to_string(),
                },
                &mut lines,
            );
            open = Some(Open::new(date, day));
            continue;
        }
        // A switch to maintenance: every drug of the day a maintenance
        // drug, after a line the rules allow it after.
        let switch_allowed = day
            .iter()
            .all(|d| rules.switches(d) || (rules.continues(d) && cur.regimen.contains(d)))
            && (rules.maintenance_after == MaintenanceAfter::AnyLine || lines.is_empty());
        let joins = |drug: &Drug| {
            cur.regimen.contains(drug)
                || cur.later.contains(drug)
                || cur.regimen.iter().any(|d| rules.substitutes(d, drug))
                || rules.additions.iter().any(|a| **a == **drug)
                || (switch_allowed && rules.switches(drug))
        };
        match day.iter().find(|d| !joins(d)).cloned() {
            None => {
                for d in day {
                    if !cur.regimen.contains(d) {
                        cur.later.insert(Arc::clone(d));
                    }
                }
                cur.take(date, day);
                cur.track_maintenance(date, day, rules);
                open = Some(cur);
            }
            Some(drug) => {
                close(
                    cur,
                    EndReason::NewDrug {
                        drug: drug.to_string(),
                    },
                    &mut lines,
                );
                open = Some(Open::new(date, day));
            }
        }
    }
    if let Some(cur) = open {
        close(cur, EndReason::EndOfData, &mut lines);
    }
    lines
}

/// A set of drugs as one text, as every table output writes it:
/// `docetaxel+gemcitabine` (in the set's order), empty for no drug.
pub fn drugs_text(drugs: &BTreeSet<String>) -> String {
    drugs
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("+")
}

/// A set of shared drug names as plain names.
fn names(drugs: &BTreeSet<Drug>) -> BTreeSet<String> {
    drugs.iter().map(|d| d.to_string()).collect()
}

/// The library's regimens as sets of antineoplastic drugs, made once for
/// a file (a line is matched against every regimen).
#[derive(Debug, Clone, Default)]
pub struct RegimenSets {
    sets: Vec<(BTreeSet<String>, String)>,
}

impl RegimenSets {
    /// The regimens of `library`, each as its id and antineoplastic drugs.
    pub fn of(library: &Library) -> Self {
        RegimenSets {
            sets: library
                .entries()
                .iter()
                .map(|e| {
                    let drugs = e
                        .regimen
                        .drugs
                        .iter()
                        .filter(|d| d.role == Role::Antineoplastic)
                        .map(|d| d.name.clone())
                        .collect();
                    (drugs, e.regimen.id.clone())
                })
                .collect(),
        }
    }

    /// The regimens whose antineoplastic drugs are exactly `drugs`.
    pub fn matching(&self, drugs: &BTreeSet<Drug>) -> RegimenMatch {
        let ids: Vec<String> = self
            .sets
            .iter()
            .filter(|(set, _)| set.len() == drugs.len() && drugs.iter().all(|d| set.contains(&**d)))
            .map(|(_, id)| id.clone())
            .collect();
        match ids.len() {
            0 => RegimenMatch::None,
            1 => RegimenMatch::Exact { id: ids[0].clone() },
            _ => RegimenMatch::Ambiguous { ids },
        }
    }
}
