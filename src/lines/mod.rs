//! Lines of therapy derived from raw drug-administration records.
//!
//! Owns: the rules (data, not code: a TOML rules file with documented
//! defaults, `docs/lines-of-therapy.md`), the derivation for one patient's
//! records, matching a line's drug set to bundled regimens, and the streaming
//! reader that feeds one patient at a time. Never does: guess a regimen when
//! several match (it reports the ambiguity), or open files (the caller passes
//! a reader).

mod history;
pub mod omop;
mod order;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::regimen::{Library, Role};

pub use history::draft_history;
pub use order::OrderBreak;

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
    /// Generic drug name.
    pub drug: String,
}

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
    regimen: BTreeSet<String>,
    later: BTreeSet<String>,
    start: NaiveDate,
    last: NaiveDate,
    last_by_drug: BTreeMap<String, NaiveDate>,
    dates: BTreeSet<NaiveDate>,
    maintenance: Option<MaintenancePhase>,
}

impl Open {
    /// A line started by the drugs of one day.
    fn new(date: NaiveDate, day: &BTreeSet<String>) -> Open {
        Open {
            regimen: day.clone(),
            later: BTreeSet::new(),
            start: date,
            last: date,
            last_by_drug: day.iter().map(|d| (d.clone(), date)).collect(),
            dates: [date].into_iter().collect(),
            maintenance: None,
        }
    }

    /// After the window, a day of maintenance drugs alone in a line whose
    /// regimen holds other drugs starts (or extends) its maintenance
    /// phase; a day with any other drug ends the phase (the combination
    /// resumed).
    fn track_maintenance(&mut self, date: NaiveDate, day: &BTreeSet<String>, rules: &Rules) {
        let is_maintenance = |d: &String| rules.continues(d) || rules.switches(d);
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
            kind: if day.is_subset(&self.regimen) {
                MaintenanceKind::Continuation
            } else {
                MaintenanceKind::Switch
            },
        });
        phase.end = date;
        phase.drugs.extend(day.iter().cloned());
    }

    /// The drugs of one day given within this line.
    fn take(&mut self, date: NaiveDate, day: &BTreeSet<String>) {
        self.last = self.last.max(date);
        for d in day {
            self.last_by_drug.insert(d.clone(), date);
        }
        self.dates.insert(date);
    }

    /// A drug of the regimen not given since `drop_days` before `date`
    /// while the day continues another drug of it; drugs given that day are
    /// never dropped.
    fn dropped(&self, date: NaiveDate, day: &BTreeSet<String>, rules: &Rules) -> Option<String> {
        if !day.iter().any(|d| self.regimen.contains(d)) {
            return None;
        }
        self.regimen
            .iter()
            .find(|d| {
                !day.contains(*d)
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
    library: &Library,
) -> Vec<DerivedLine> {
    records.sort();
    let mut lines: Vec<DerivedLine> = Vec::new();
    let mut open: Option<Open> = None;
    let close = |o: Open, reason: EndReason, lines: &mut Vec<DerivedLine>| {
        lines.push(DerivedLine {
            patient: patient.to_owned(),
            number: lines.len() as u32 + 1,
            regimen_match: match_regimen(&o.regimen, library),
            regimen: o.regimen,
            later: o.later,
            start: o.start,
            end: o.last,
            administration_days: o.dates.len() as u32,
            end_reason: reason,
            maintenance: o.maintenance,
            dates: o.dates.into_iter().collect(),
        });
    };
    let given: Vec<&Administration> = records
        .iter()
        .filter(|a| !rules.ignore.contains(&a.drug))
        .collect();
    for same_day in given.chunk_by(|a, b| a.date == b.date) {
        let date = same_day[0].date;
        let day: BTreeSet<String> = same_day.iter().map(|a| a.drug.clone()).collect();
        let Some(mut cur) = open.take() else {
            open = Some(Open::new(date, &day));
            continue;
        };
        let gap = (date - cur.last).num_days();
        if gap > i64::from(rules.gap_days) {
            let resumes = day.is_subset(&cur.regimen);
            let exempt = day.iter().any(|d| rules.gap_exempt.contains(d));
            let same = resumes && (rules.after_gap == AfterGap::SameLine || exempt);
            if same {
                cur.take(date, &day);
                open = Some(cur);
            } else {
                close(cur, EndReason::Gap { days: gap }, &mut lines);
                open = Some(Open::new(date, &day));
            }
            continue;
        }
        let in_window = (date - cur.start).num_days() <= i64::from(rules.window_days);
        if in_window {
            cur.regimen.extend(day.iter().cloned());
            cur.take(date, &day);
            open = Some(cur);
            continue;
        }
        if rules.drop_starts_new_line
            && let Some(dropped) = cur.dropped(date, &day, rules)
        {
            close(cur, EndReason::DroppedDrug { drug: dropped }, &mut lines);
            open = Some(Open::new(date, &day));
            continue;
        }
        // A switch to maintenance: every drug of the day a maintenance
        // drug, after a line the rules allow it after.
        let switch_allowed = day
            .iter()
            .all(|d| rules.switches(d) || (rules.continues(d) && cur.regimen.contains(d)))
            && (rules.maintenance_after == MaintenanceAfter::AnyLine || lines.is_empty());
        let joins = |drug: &String| {
            cur.regimen.contains(drug)
                || cur.later.contains(drug)
                || cur.regimen.iter().any(|d| rules.substitutes(d, drug))
                || rules.additions.contains(drug)
                || (switch_allowed && rules.switches(drug))
        };
        match day.iter().find(|d| !joins(d)).cloned() {
            None => {
                for d in &day {
                    if !cur.regimen.contains(d) {
                        cur.later.insert(d.clone());
                    }
                }
                cur.take(date, &day);
                cur.track_maintenance(date, &day, rules);
                open = Some(cur);
            }
            Some(drug) => {
                close(cur, EndReason::NewDrug { drug }, &mut lines);
                open = Some(Open::new(date, &day));
            }
        }
    }
    if let Some(cur) = open {
        close(cur, EndReason::EndOfData, &mut lines);
    }
    lines
}

/// The bundled regimens whose antineoplastic drugs are exactly `drugs`.
pub fn match_regimen(drugs: &BTreeSet<String>, library: &Library) -> RegimenMatch {
    let ids: Vec<String> = library
        .entries()
        .iter()
        .filter(|e| {
            let set: BTreeSet<&str> = e
                .regimen
                .drugs
                .iter()
                .filter(|d| d.role == Role::Antineoplastic)
                .map(|d| d.name.as_str())
                .collect();
            set.len() == drugs.len() && drugs.iter().all(|d| set.contains(d.as_str()))
        })
        .map(|e| e.regimen.id.clone())
        .collect();
    match ids.len() {
        0 => RegimenMatch::None,
        1 => RegimenMatch::Exact { id: ids[0].clone() },
        _ => RegimenMatch::Ambiguous { ids },
    }
}

/// Column names of the administrations file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnNames {
    /// Patient id column.
    pub patient: String,
    /// Drug column.
    pub drug: String,
    /// Date column.
    pub date: String,
}

impl Default for ColumnNames {
    fn default() -> Self {
        ColumnNames {
            patient: "patient_id".to_owned(),
            drug: "drug".to_owned(),
            date: "date".to_owned(),
        }
    }
}

impl ColumnNames {
    /// The roles and their column names, in order.
    fn roles(&self) -> [(&'static str, &str); 3] {
        [
            ("patient", &self.patient),
            ("drug", &self.drug),
            ("date", &self.date),
        ]
    }

    /// Checks that every role has a column name of its own (names are
    /// compared as the header is read: trimmed, ignoring ASCII case).
    ///
    /// # Errors
    ///
    /// [`LinesError::EmptyColumnName`] for a blank name, and
    /// [`LinesError::SameColumn`] for two roles read from one column
    /// (`patient=drug` leaves the drug in `drug` too).
    pub fn check(&self) -> Result<(), LinesError> {
        let roles = self.roles();
        for (role, name) in roles {
            if name.trim().is_empty() {
                return Err(LinesError::EmptyColumnName(role));
            }
        }
        for (i, (first, a)) in roles.iter().enumerate() {
            for (second, b) in &roles[i + 1..] {
                if a.trim().eq_ignore_ascii_case(b.trim()) {
                    return Err(LinesError::SameColumn {
                        column: a.trim().to_owned(),
                        first,
                        second,
                    });
                }
            }
        }
        Ok(())
    }
}

/// A skipped record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// Line in the file (header = 1).
    pub line: u64,
    /// Why.
    pub message: String,
}

/// The outcome of reading a whole file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeriveSummary {
    /// Records read.
    pub records: u64,
    /// Patients.
    pub patients: u64,
    /// Lines derived.
    pub lines: u64,
    /// Records skipped.
    pub skipped: u64,
    /// The first skipped records, with reasons.
    pub errors: Vec<SkippedRow>,
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinesError {
    /// A column is missing.
    #[error(
        "the administrations file has no `{0}` column (rename it, or name the column with --columns)"
    )]
    MissingColumn(String),
    /// Two roles read from one column.
    #[error(
        "`{column}` is the column for both the {first} and the {second}: give each of patient, drug and date its own column (--columns patient=pid,drug=medication,date=given_on)"
    )]
    SameColumn {
        /// The column name.
        column: String,
        /// The first role (`patient`, `drug` or `date`).
        first: &'static str,
        /// The second role.
        second: &'static str,
    },
    /// A role mapped to a blank column name.
    #[error(
        "the column name for the {0} is blank: write its header name, e.g. --columns patient=pid"
    )]
    EmptyColumnName(&'static str),
    /// The header names a column that is read more than once.
    #[error(
        "the header has {count} columns named `{name}`: which one to read would be a guess; rename all but one"
    )]
    DuplicateColumn {
        /// The name, as the role asks for it.
        name: String,
        /// How many header columns have it.
        count: usize,
    },
    /// The patients are in neither text nor numeric order, so one patient's
    /// records may not be together.
    #[error(
        "line {line}: patient `{patient}` comes after `{previous}`, and the file is sorted by patient id neither as text ({text}) nor as numbers ({numbers}): sort it with `LC_ALL=C sort -t, -k1,1 -s` (or `sort -t, -k1,1n -s` when every id is a number), keeping the header first, so that memory holds one patient's records at a time"
    )]
    NotSorted {
        /// The line of the record (the header is line 1).
        line: u64,
        /// Its patient id.
        patient: String,
        /// The patient id of the record before.
        previous: String,
        /// Where text order was first broken.
        text: OrderBreak,
        /// Where numeric order was first broken.
        numbers: OrderBreak,
    },
    /// Lines that end in a carriage return alone: every record would be
    /// counted as line 1.
    #[error("{}", crate::diagnostics::CR_LINE_ENDS)]
    CrLineEnds,
    /// Reading failed.
    #[error("{0}")]
    Io(String),
}

/// Most records one patient may have (a broken file must not exhaust memory).
pub const MAX_RECORDS_PER_PATIENT: usize = 1_000_000;

/// Reads administrations from `input` (sorted by patient id), derives each
/// patient's lines and hands them to `emit` as soon as the patient is
/// complete. Memory holds one patient's records at a time. A record with
/// more or fewer cells than the header, an empty id or drug, or a date that
/// is not one is skipped and reported in the summary.
///
/// # Errors
///
/// [`LinesError`] when the file cannot be read as a whole: the columns
/// (`columns` not each its own, missing or twice in the header), patients
/// in neither text nor numeric order, too many records for one patient, a
/// failed read, or what `emit` returns. Lines emitted before stay emitted.
pub fn derive_stream(
    input: impl Read,
    columns: &ColumnNames,
    rules: &Rules,
    library: &Library,
    emit: &mut dyn FnMut(&[DerivedLine]) -> Result<(), LinesError>,
    progress: &mut dyn FnMut(u64),
) -> Result<DeriveSummary, LinesError> {
    columns.check()?;
    // A byte-order mark, as spreadsheet programs write before the header.
    let mut input = std::io::BufReader::new(input);
    let first =
        std::io::BufRead::fill_buf(&mut input).map_err(|e| LinesError::Io(e.to_string()))?;
    if crate::diagnostics::first_line_ends_in_cr(first) {
        return Err(LinesError::CrLineEnds);
    }
    let bom = first.starts_with(b"\xef\xbb\xbf");
    if bom {
        std::io::BufRead::consume(&mut input, 3);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader
        .byte_headers()
        .map_err(|e| LinesError::Io(e.to_string()))?
        .clone();
    let find = |name: &str| {
        let name = name.trim();
        let same = |h: &[u8]| String::from_utf8_lossy(h).trim().eq_ignore_ascii_case(name);
        match headers.iter().filter(|h| same(h)).count() {
            0 => Err(LinesError::MissingColumn(name.to_owned())),
            1 => Ok(headers.iter().position(same).unwrap_or_default()),
            count => Err(LinesError::DuplicateColumn {
                name: name.to_owned(),
                count,
            }),
        }
    };
    let (pi, di, ti) = (
        find(&columns.patient)?,
        find(&columns.drug)?,
        find(&columns.date)?,
    );
    let mut summary = DeriveSummary::default();
    let mut order = order::PatientOrder::default();
    let mut current: Option<String> = None;
    let mut records: Vec<Administration> = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut flush = |patient: &str,
                     records: &mut Vec<Administration>,
                     summary: &mut DeriveSummary|
     -> Result<(), LinesError> {
        let lines = derive(patient, records, rules, library);
        summary.patients += 1;
        summary.lines += lines.len() as u64;
        records.clear();
        emit(&lines)
    };
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            // Reading failed (or a record was over its limit): the rest of
            // the file cannot be read, so it is not skipped record by record
            // (that looped for ever on an error that stays).
            Err(e) if e.is_io_error() => return Err(LinesError::Io(e.to_string())),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                summary.skipped += 1;
                if summary.errors.len() < 100 {
                    summary.errors.push(SkippedRow {
                        line,
                        message: e.to_string(),
                    });
                }
                continue;
            }
        }
        summary.records += 1;
        if summary.records.is_multiple_of(1 << 20) {
            progress(summary.records);
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| {
            record
                .get(i)
                .map(|b| String::from_utf8_lossy(b).trim().to_owned())
                .unwrap_or_default()
        };
        let (patient, drug, date) = (field(pi), field(di), field(ti));
        let parsed = if record.len() != headers.len() {
            // A cell out of place (a comma in an unquoted drug name) or
            // missing: the cells read could be the wrong ones.
            Err(format!(
                "{} fields, the header has {}: {}",
                record.len(),
                headers.len(),
                if record.len() > headers.len() {
                    "a cell is out of place; put a cell that holds a comma in double quotes"
                } else {
                    "write every column, an unknown value as an empty cell between commas"
                }
            ))
        } else if patient.is_empty() {
            Err("the patient id is empty".to_owned())
        } else if drug.is_empty() {
            Err("the drug is empty".to_owned())
        } else if let Err(e) = crate::text::check_plain("the patient id", &patient)
            .and_then(|()| crate::text::check_plain("the drug", &drug))
        {
            // A line break or an ESC would forge a line of the report; a
            // bidirectional control would reverse it.
            Err(e.to_string())
        } else {
            NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .map_err(|_| format!("`{date}` is not a date (write 2019-03-04)"))
                .and_then(|d| crate::dates::check_date(d).map_err(|e| e.to_string()))
        };
        let date = match parsed {
            Ok(d) => d,
            Err(message) => {
                summary.skipped += 1;
                if summary.errors.len() < 100 {
                    summary.errors.push(SkippedRow { line, message });
                }
                continue;
            }
        };
        if current.as_deref() != Some(patient.as_str()) {
            if let Some(prev) = current.take() {
                if let Err((text, numbers)) = order.next(line, &prev, &patient) {
                    return Err(LinesError::NotSorted {
                        line,
                        patient,
                        previous: prev,
                        text,
                        numbers,
                    });
                }
                flush(&prev, &mut records, &mut summary)?;
            }
            current = Some(patient);
        }
        if records.len() >= MAX_RECORDS_PER_PATIENT {
            return Err(LinesError::Io(format!(
                "line {line}: more than {MAX_RECORDS_PER_PATIENT} records for one patient"
            )));
        }
        records.push(Administration {
            date,
            drug: rules.generic(&drug),
        });
    }
    if let Some(prev) = current {
        flush(&prev, &mut records, &mut summary)?;
    }
    progress(summary.records);
    Ok(summary)
}
