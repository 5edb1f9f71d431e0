//! OMOP CDM input for lines of therapy: DRUG_EXPOSURE rows become
//! administrations (`person_id`, the drug's ingredient, the
//! `drug_exposure_start_date`).
//!
//! Owns: the drug-concept → ingredient map read from the vocabulary
//! (`CONCEPT`, and `CONCEPT_ANCESTOR` for drugs that are not ingredients
//! themselves), and [`OmopAdministrations`], a reader that turns a
//! DRUG_EXPOSURE table into the administrations CSV `derive_stream` reads,
//! one row at a time (memory holds the map, not the table). A row whose
//! concept maps to no ingredient, or whose date is not a date, is skipped
//! with its line and reason, never dropped silently.
//!
//! Never does: open files (the caller passes readers), or guess an
//! ingredient by name.

use std::collections::HashMap;
use std::io::Read;

use crate::lines::SkippedRow;

/// Most skipped rows kept with their reason (the rest are counted).
const MAX_REASONS: usize = 1000;

/// Why the vocabulary or the DRUG_EXPOSURE table cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OmopError {
    /// A required column is missing.
    #[error("{table} has no `{column}` column (an OMOP CDM {table} table has it)")]
    MissingColumn {
        /// The table (`CONCEPT`, `CONCEPT_ANCESTOR`, `DRUG_EXPOSURE`).
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// Reading failed.
    #[error("{table}: {message}")]
    Read {
        /// The table.
        table: &'static str,
        /// What failed.
        message: String,
    },
}

impl OmopError {
    /// The table the error is about.
    pub fn table(&self) -> &'static str {
        match self {
            OmopError::MissingColumn { table, .. } | OmopError::Read { table, .. } => table,
        }
    }
}

/// Drug concept id → the names of its ingredients (lower case).
#[derive(Debug, Default, Clone)]
pub struct Concepts {
    ingredients: HashMap<i64, Vec<String>>,
}

/// A CSV reader over a table whose header line was read ahead.
type TableReader<R> = csv::Reader<std::io::Chain<std::io::Cursor<Vec<u8>>, R>>;

/// A CSV reader for an OMOP table: tab-separated when the header holds a
/// tab (as the vocabulary files from Athena are), else comma-separated.
fn table_reader<R: Read>(mut input: R, table: &'static str) -> Result<TableReader<R>, OmopError> {
    // Read the header line to choose the delimiter, then read it again.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while head.len() < 64 * 1024 {
        match input.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                head.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(e) => {
                return Err(OmopError::Read {
                    table,
                    message: e.to_string(),
                });
            }
        }
    }
    let delimiter = if head.contains(&b'\t') { b'\t' } else { b',' };
    Ok(csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .quoting(delimiter == b',')
        .from_reader(std::io::Cursor::new(head).chain(input)))
}

/// The index of `column` in `headers` (case-insensitive).
fn column(
    headers: &csv::ByteRecord,
    table: &'static str,
    column: &'static str,
) -> Result<usize, OmopError> {
    headers
        .iter()
        .position(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(column)
        })
        .ok_or(OmopError::MissingColumn { table, column })
}

fn cell(r: &csv::ByteRecord, i: usize) -> &str {
    r.get(i)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or("")
        .trim()
}

impl Concepts {
    /// The map from the vocabulary: every `Ingredient` concept of
    /// `CONCEPT` maps to its own name; with `CONCEPT_ANCESTOR`, every
    /// descendant of an ingredient maps to it (a clinical drug of two
    /// ingredients to both).
    ///
    /// # Errors
    /// [`OmopError`] when a table lacks a column or cannot be read.
    pub fn read(concept: impl Read, ancestor: Option<impl Read>) -> Result<Concepts, OmopError> {
        let read_err = |table: &'static str| {
            move |e: csv::Error| OmopError::Read {
                table,
                message: e.to_string(),
            }
        };
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut r = table_reader(concept, "CONCEPT")?;
        let h = r.byte_headers().map_err(read_err("CONCEPT"))?.clone();
        let (id, name, class) = (
            column(&h, "CONCEPT", "concept_id")?,
            column(&h, "CONCEPT", "concept_name")?,
            column(&h, "CONCEPT", "concept_class_id")?,
        );
        let mut row = csv::ByteRecord::new();
        while r.read_byte_record(&mut row).map_err(read_err("CONCEPT"))? {
            if !cell(&row, class).eq_ignore_ascii_case("ingredient") {
                continue;
            }
            if let Ok(i) = cell(&row, id).parse::<i64>() {
                let n = cell(&row, name).to_lowercase();
                if !n.is_empty() {
                    names.insert(i, n);
                }
            }
        }
        // Descendant → ingredient ids (ids, not names: the ancestor table
        // has millions of rows).
        let mut ingredient_ids: HashMap<i64, Vec<i64>> = HashMap::new();
        if let Some(ancestor) = ancestor {
            let mut r = table_reader(ancestor, "CONCEPT_ANCESTOR")?;
            let h = r
                .byte_headers()
                .map_err(read_err("CONCEPT_ANCESTOR"))?
                .clone();
            let (a, d) = (
                column(&h, "CONCEPT_ANCESTOR", "ancestor_concept_id")?,
                column(&h, "CONCEPT_ANCESTOR", "descendant_concept_id")?,
            );
            while r
                .read_byte_record(&mut row)
                .map_err(read_err("CONCEPT_ANCESTOR"))?
            {
                let (Ok(a), Ok(d)) = (cell(&row, a).parse::<i64>(), cell(&row, d).parse::<i64>())
                else {
                    continue;
                };
                if a != d && names.contains_key(&a) {
                    let list = ingredient_ids.entry(d).or_default();
                    if !list.contains(&a) {
                        list.push(a);
                    }
                }
            }
        }
        let mut ingredients: HashMap<i64, Vec<String>> =
            names.iter().map(|(i, n)| (*i, vec![n.clone()])).collect();
        for (drug, ids) in ingredient_ids {
            let list = ingredients.entry(drug).or_default();
            for n in ids.iter().filter_map(|i| names.get(i)) {
                if !list.contains(n) {
                    list.push(n.clone());
                }
            }
            list.sort();
        }
        Ok(Concepts { ingredients })
    }

    /// The ingredients of a drug concept; empty when unknown.
    pub fn ingredients(&self, concept: i64) -> &[String] {
        self.ingredients.get(&concept).map_or(&[], Vec::as_slice)
    }
}

/// A DRUG_EXPOSURE table read as the administrations CSV of
/// `derive_stream` (`patient_id,drug,date`): one row per ingredient of
/// each exposure, the person id kept as the patient id.
pub struct OmopAdministrations<R: Read> {
    rows: TableReader<R>,
    concepts: Concepts,
    columns: (usize, usize, usize),
    pending: Vec<u8>,
    at: usize,
    header_sent: bool,
    done: bool,
    /// Rows skipped (an unknown concept, a bad date or person id).
    pub skipped: u64,
    /// The first skipped rows, with their line in the DRUG_EXPOSURE file.
    pub errors: Vec<SkippedRow>,
}

impl<R: Read> OmopAdministrations<R> {
    /// Reads the header of a DRUG_EXPOSURE table.
    ///
    /// # Errors
    /// [`OmopError`] when `person_id`, `drug_concept_id` or
    /// `drug_exposure_start_date` is missing.
    pub fn new(input: R, concepts: Concepts) -> Result<Self, OmopError> {
        let mut rows = table_reader(input, "DRUG_EXPOSURE")?;
        let h = rows
            .byte_headers()
            .map_err(|e| OmopError::Read {
                table: "DRUG_EXPOSURE",
                message: e.to_string(),
            })?
            .clone();
        let columns = (
            column(&h, "DRUG_EXPOSURE", "person_id")?,
            column(&h, "DRUG_EXPOSURE", "drug_concept_id")?,
            column(&h, "DRUG_EXPOSURE", "drug_exposure_start_date")?,
        );
        Ok(OmopAdministrations {
            rows,
            concepts,
            columns,
            pending: Vec::new(),
            at: 0,
            header_sent: false,
            done: false,
            skipped: 0,
            errors: Vec::new(),
        })
    }

    fn skip(&mut self, line: u64, message: String) {
        self.skipped += 1;
        if self.errors.len() < MAX_REASONS {
            self.errors.push(SkippedRow { line, message });
        }
    }

    /// Converts rows into `pending` until it holds something or the table ends.
    fn refill(&mut self) -> std::io::Result<()> {
        self.pending.clear();
        self.at = 0;
        if !self.header_sent {
            self.header_sent = true;
            self.pending.extend_from_slice(b"patient_id,drug,date\n");
            return Ok(());
        }
        let mut row = csv::ByteRecord::new();
        while self.pending.is_empty() {
            let more = self
                .rows
                .read_byte_record(&mut row)
                .map_err(|e| std::io::Error::other(format!("DRUG_EXPOSURE: {e}")))?;
            if !more {
                self.done = true;
                return Ok(());
            }
            let line = row.position().map_or(0, |p| p.line());
            let (p, c, d) = self.columns;
            let person = cell(&row, p).to_owned();
            let concept = cell(&row, c).to_owned();
            // The start date; a datetime keeps its date.
            let date = cell(&row, d).get(..10).unwrap_or("").to_owned();
            if person.is_empty() || !person.bytes().all(|b| b.is_ascii_digit()) {
                self.skip(line, format!("person_id `{person}` is not a number"));
                continue;
            }
            if chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").is_err() {
                self.skip(
                    line,
                    format!(
                        "drug_exposure_start_date `{}` is not YYYY-MM-DD",
                        cell(&row, d)
                    ),
                );
                continue;
            }
            let ingredients = concept
                .parse::<i64>()
                .map(|id| self.concepts.ingredients(id))
                .unwrap_or(&[]);
            if ingredients.is_empty() {
                self.skip(
                    line,
                    format!(
                        "drug_concept_id `{concept}` is not an ingredient in CONCEPT, nor mapped to one through CONCEPT_ANCESTOR"
                    ),
                );
                continue;
            }
            for i in ingredients {
                // Ingredient names hold no comma or quote in RxNorm; quote
                // anyway so that none can shift a cell.
                let name = i.replace('"', "\"\"");
                self.pending
                    .extend_from_slice(format!("{person},\"{name}\",{date}\n").as_bytes());
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for OmopAdministrations<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at >= self.pending.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
            if self.pending.is_empty() {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
