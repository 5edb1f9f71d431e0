//! Reading a file of administrations and deriving its patients' lines, on
//! every core, with the output in input order.
//!
//! Owns: the threads and their hand-offs, a block's records grouped by
//! patient, and the merge (`records.rs` reads the header and each
//! record's cells). A reader thread cuts the file
//! into blocks of whole records ([`crate::files::CsvBlocks`]); workers read
//! the records of a block and derive every patient wholly inside it; this
//! thread joins the patients a block boundary cut in two, checks the order
//! of patients across blocks, and hands each block's output on in input
//! order. At most `2 × threads + 2` blocks of about [`BLOCK_BYTES`] are held
//! at once, so memory is bounded whatever the file's size.
//! Never does: decide a line (`derive`), format the output (the caller's
//! `render`), or open files (the caller passes a reader).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::order::{OrderBreak, PatientOrder};
use super::records::{
    ColumnNames, DeriveSummary, Drugs, Header, LinesError, SkippedRow, cell_text, parse_date,
};
use super::{Administration, DerivedLine, Drug, RegimenSets, Rules, derive};
use crate::files::{CsvBlocks, FileKind, newlines};
use crate::regimen::Library;

/// Most records one patient may have (a broken file must not exhaust memory).
pub const MAX_RECORDS_PER_PATIENT: usize = 1_000_000;

/// Bytes of whole records per block handed to a worker.
pub const BLOCK_BYTES: usize = 1 << 20;

/// The largest block asked for is read as blocks of this size.
pub const MAX_BLOCK_BYTES: usize = 64 << 20;

/// Most skipped records reported one by one; the rest are counted.
const MAX_REPORTED: usize = 100;

/// How a file is derived: its columns, the rules, the library lines are
/// matched against, and the threads.
#[derive(Debug, Clone, Copy)]
pub struct Derivation<'a> {
    /// The file's column names.
    pub columns: &'a ColumnNames,
    /// The rules of line derivation.
    pub rules: &'a Rules,
    /// The regimens lines are matched against.
    pub library: &'a Library,
    /// Worker threads, from 1 (a reader thread and the caller's run beside them).
    pub threads: usize,
    /// Bytes per block (tests make them small to cut patients in two), at
    /// most [`MAX_BLOCK_BYTES`].
    pub block_bytes: usize,
}

impl<'a> Derivation<'a> {
    /// One worker thread, blocks of [`BLOCK_BYTES`].
    pub fn new(columns: &'a ColumnNames, rules: &'a Rules, library: &'a Library) -> Self {
        Derivation {
            columns,
            rules,
            library,
            threads: 1,
            block_bytes: BLOCK_BYTES,
        }
    }

    /// Reads administrations from `input` (sorted by patient id) and
    /// derives every patient's lines. Workers turn each patient's lines into
    /// output with `render`; `emit` receives the outputs in input order, on
    /// the calling thread. A record with more or fewer cells than the
    /// header, an empty id or drug, or a date that is not one is skipped and
    /// reported in the summary.
    ///
    /// # Errors
    ///
    /// [`LinesError`] when the file cannot be read as a whole: the columns
    /// (`columns` not each its own, missing or twice in the header), line
    /// ends of a carriage return alone, patients in neither text nor numeric
    /// order, too many records for one patient, a record over the length
    /// limit, a failed read, or what `emit` returns. Outputs emitted before
    /// stay emitted.
    pub fn run<T: Default + Send>(
        &self,
        input: impl Read + Send,
        render: &(dyn Fn(&[DerivedLine], &mut T) + Sync),
        emit: &mut dyn FnMut(T) -> Result<(), LinesError>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<DeriveSummary, LinesError> {
        self.columns.check()?;
        let threads = self.threads.clamp(1, 256);
        let in_flight = 2 * threads + 2;
        let mut blocks = CsvBlocks::new(input, FileKind::Administrations);
        let mut first = Vec::new();
        let io = |e: std::io::Error| LinesError::Io(e.to_string());
        let first_line = blocks
            .next_block(&mut first, self.block_bytes.clamp(1, MAX_BLOCK_BYTES))
            .map_err(io)?
            .unwrap_or(1);
        if crate::diagnostics::first_line_ends_in_cr(&first) {
            return Err(LinesError::CrLineEnds);
        }
        // A byte-order mark, as spreadsheet programs write before the header.
        let bom = if first.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let (header, start) = Header::read(&first[bom..], self.columns)?;
        let start = bom + start;
        let first_line = first_line + newlines(&first[..start]);
        let reader_failed: Mutex<Option<std::io::Error>> = Mutex::new(None);
        let job = |index: u64, block: Vec<u8>, start: usize, line: u64| Job {
            index,
            block,
            start,
            line,
        };
        let regimens = RegimenSets::of(self.library);
        let shared = Shared {
            rules: self.rules,
            regimens: &regimens,
            header,
            render,
        };
        std::thread::scope(|s| {
            let (job_tx, job_rx) = sync_channel::<Job>(in_flight);
            let job_rx = Arc::new(Mutex::new(job_rx));
            let (done_tx, done_rx) = sync_channel::<Part<T>>(in_flight);
            let (free_tx, free_rx) = sync_channel::<Vec<u8>>(in_flight);
            for _ in 1..in_flight {
                let _ = free_tx.send(Vec::new());
            }
            let _ = job_tx.send(job(0, first, start, first_line));
            let (reader_failed, block_bytes) =
                (&reader_failed, self.block_bytes.clamp(1, MAX_BLOCK_BYTES));
            s.spawn(move || {
                let mut index = 1;
                while let Ok(mut block) = free_rx.recv() {
                    match blocks.next_block(&mut block, block_bytes) {
                        Ok(None) => return,
                        Ok(Some(line)) => {
                            if job_tx.send(job(index, block, 0, line)).is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            *reader_failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                            return;
                        }
                    }
                    index += 1;
                }
            });
            let shared = &shared;
            for _ in 0..threads {
                let (done_tx, job_rx) = (done_tx.clone(), Arc::clone(&job_rx));
                s.spawn(move || {
                    let mut drugs = Drugs::new(self.rules);
                    loop {
                        let next = job_rx.lock().map(|r| r.recv());
                        let Ok(Ok(job)) = next else { return };
                        let part = shared.part(job, &mut drugs);
                        if done_tx.send(part).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(done_tx);
            // The merge runs here; when it stops early, dropping the
            // receivers and the pool stops the other threads.
            let mut merge = Merge {
                shared,
                emit,
                summary: DeriveSummary::default(),
                order: PatientOrder::default(),
                carry: None,
            };
            let mut pending: BTreeMap<u64, Part<T>> = BTreeMap::new();
            let mut next = 0u64;
            for part in done_rx {
                pending.insert(part.index, part);
                while let Some(mut part) = pending.remove(&next) {
                    next += 1;
                    let block = std::mem::take(&mut part.block);
                    merge.part(part)?;
                    progress(merge.summary.records);
                    let _ = free_tx.send(block);
                }
            }
            if let Some(e) = reader_failed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
            {
                return Err(io(e));
            }
            merge.finish()
        })
    }
}

/// What every worker and the merge read.
struct Shared<'w, T> {
    rules: &'w Rules,
    regimens: &'w RegimenSets,
    header: Header,
    render: &'w (dyn Fn(&[DerivedLine], &mut T) + Sync),
}

impl<T: Default> Shared<'_, T> {
    /// Reads one block's records and derives the patients wholly inside it;
    /// a panic (a defect) stops the file with the block named, rather than
    /// leaving the other threads waiting for the block for ever.
    fn part(&self, job: Job, drugs: &mut Drugs<'_>) -> Part<T> {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut part = Part::new(job.index);
            self.read_block(&job, drugs, &mut part);
            part
        }));
        let mut part = run.unwrap_or_else(|_| {
            let mut part = Part::new(job.index);
            part.fatal = Some(LinesError::Io(format!(
                "chemodose failed on the records from line {}; this is a defect, please report it",
                job.line
            )));
            part
        });
        part.block = job.block;
        part
    }

    /// Reads `job`'s records into `part`: directly when the block has no
    /// quotes and its carriage returns all end lines (the common case), by
    /// the `csv` crate otherwise.
    fn read_block(&self, job: &Job, drugs: &mut Drugs<'_>, part: &mut Part<T>) {
        let header = &self.header;
        let bytes = &job.block[job.start..];
        let mut patients = Patients {
            shared: self,
            order: PatientOrder::default(),
            current: None,
            current_cell: Vec::new(),
            spare: Run::default(),
        };
        let plain = memchr::memchr(b'"', bytes).is_none()
            && memchr::memchr_iter(b'\r', bytes).all(|i| bytes.get(i + 1) == Some(&b'\n'));
        if plain {
            let mut fields: Vec<&[u8]> = Vec::with_capacity(header.width + 2);
            // One pass over the block finds every comma and line end.
            let (mut line, mut from) = (job.line, 0);
            let ends = memchr::memchr2_iter(b',', b'\n', bytes).chain(std::iter::once(bytes.len()));
            for at in ends {
                fields.push(&bytes[from.min(at)..at]);
                from = at + 1;
                if at < bytes.len() && bytes[at] == b',' {
                    continue;
                }
                // A record ends: its last cell without the CR of a CRLF.
                if let Some(last) = fields.last_mut() {
                    *last = last.strip_suffix(b"\r").unwrap_or(last);
                }
                // A blank line is one empty cell, and is no record.
                let blank = fields.len() == 1 && fields[0].is_empty();
                if !blank && let Err(e) = patients.record(&fields, line, drugs, part) {
                    part.fatal = Some(e);
                    return;
                }
                fields.clear();
                line += 1;
            }
        } else {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes);
            let mut record = csv::ByteRecord::new();
            let mut lines = crate::files::RecordLines::new(job.line);
            let mut line = job.line;
            loop {
                let from = reader.position().byte() as usize;
                match reader.read_byte_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        part.skip(line, e.to_string());
                        continue;
                    }
                }
                line = lines.line_of(bytes, from);
                let fields: Vec<&[u8]> = record.iter().collect();
                if let Err(e) = patients.record(&fields, line, drugs, part) {
                    part.fatal = Some(e);
                    return;
                }
            }
        }
        patients.end(part);
    }

    /// Derives one patient's lines and renders them into `out`; returns
    /// the number of lines.
    fn derive_into(&self, run: &mut Run, out: &mut T) -> u64 {
        let lines = derive(&run.patient, &mut run.records, self.rules, self.regimens);
        (self.render)(&lines, out);
        lines.len() as u64
    }
}

/// A block of whole records for a worker.
struct Job {
    /// Its place in the file, from 0.
    index: u64,
    /// The bytes read.
    block: Vec<u8>,
    /// Where its records start (after the header, in the first block).
    start: usize,
    /// The line of `block[start]`.
    line: u64,
}

/// One patient's records as read, in file order.
#[derive(Debug, Default)]
struct Run {
    patient: String,
    records: Vec<Administration>,
    /// The line of each record (to name the one over the limit when a
    /// patient cut in two is joined).
    lines: Vec<u64>,
}

/// A change of patient inside a block that breaks text or numeric order,
/// kept so that the file's order can take it in file order.
struct Break {
    line: u64,
    previous: String,
    patient: String,
    text: Option<OrderBreak>,
    numbers: Option<OrderBreak>,
}

/// What a worker made of one block.
struct Part<T> {
    index: u64,
    /// The bytes read, given back to the reader once the part is merged.
    block: Vec<u8>,
    records: u64,
    skipped: u64,
    errors: Vec<SkippedRow>,
    /// The block's first patient, who may have begun in the block before.
    first: Option<Run>,
    /// The output of the patients after the first and before the last.
    out: T,
    /// Patients and lines in `out`.
    patients: u64,
    lines: u64,
    /// The order breaks between the block's patients.
    breaks: Vec<Break>,
    /// The block's last patient, when not the first: may go on in the next.
    last: Option<Run>,
    /// What stops the file, after what is above.
    fatal: Option<LinesError>,
}

impl<T: Default> Part<T> {
    fn new(index: u64) -> Self {
        Part {
            index,
            block: Vec::new(),
            records: 0,
            skipped: 0,
            errors: Vec::new(),
            first: None,
            out: T::default(),
            patients: 0,
            lines: 0,
            breaks: Vec::new(),
            last: None,
            fatal: None,
        }
    }

    fn skip(&mut self, line: u64, message: String) {
        self.skipped += 1;
        if self.errors.len() < MAX_REPORTED {
            self.errors.push(SkippedRow { line, message });
        }
    }
}

/// The patients of one block, as a worker reads them.
struct Patients<'s, 'w, T> {
    shared: &'s Shared<'w, T>,
    order: PatientOrder,
    current: Option<Run>,
    /// The current patient's id cell as written.
    current_cell: Vec<u8>,
    /// A finished patient's buffers, for the next.
    spare: Run,
}

impl<T: Default> Patients<'_, '_, T> {
    /// One record: skipped with its reason, or added to its patient's run.
    fn record(
        &mut self,
        fields: &[&[u8]],
        line: u64,
        drugs: &mut Drugs<'_>,
        part: &mut Part<T>,
    ) -> Result<(), LinesError> {
        part.records += 1;
        let header = &self.shared.header;
        let (patient, drug, date) = match self.administration(fields, drugs) {
            Ok(r) => r,
            Err(message) => {
                part.skip(line, message);
                return Ok(());
            }
        };
        // A cell written differently (` 7` after `7`) may still be the same patient.
        if let Some(patient) = patient
            && self.current.as_ref().is_none_or(|r| r.patient != patient)
        {
            if let Some(run) = self.current.take() {
                let (text, numbers) = self.order.judge(line, &run.patient, &patient);
                if text.is_some() || numbers.is_some() {
                    let _ = self.order.take(text.clone(), numbers.clone());
                    part.breaks.push(Break {
                        line,
                        previous: run.patient.clone(),
                        patient: patient.clone(),
                        text,
                        numbers,
                    });
                }
                self.close(run, part);
            }
            self.current_cell.clear();
            self.current_cell.extend_from_slice(fields[header.patient]);
            let mut run = std::mem::take(&mut self.spare);
            run.patient = patient;
            self.current = Some(run);
        }
        if let Some(run) = self.current.as_mut() {
            push(run, drug, date, line)?;
        }
        Ok(())
    }

    /// One record's patient id (`None`: the patient of the record before),
    /// generic drug name and date, or why it is skipped. Cells seen before
    /// (the same patient's id, a known drug) are not checked again.
    fn administration(
        &self,
        fields: &[&[u8]],
        drugs: &mut Drugs<'_>,
    ) -> Result<(Option<String>, Drug, NaiveDate), String> {
        let header = &self.shared.header;
        if fields.len() != header.width {
            // A cell out of place (a comma in an unquoted drug name) or
            // missing: the cells read could be the wrong ones.
            return Err(format!(
                "{} fields, the header has {}: {}",
                fields.len(),
                header.width,
                if fields.len() > header.width {
                    "a cell is out of place; put a cell that holds a comma in double quotes"
                } else {
                    "write every column, an unknown value as an empty cell between commas"
                }
            ));
        }
        let (patient_cell, drug_cell) = (fields[header.patient], fields[header.drug]);
        let same_patient = self.current.is_some() && *self.current_cell == *patient_cell;
        let patient = (!same_patient).then(|| cell_text(patient_cell));
        let known = drugs.known(drug_cell);
        let drug = known.is_none().then(|| cell_text(drug_cell));
        if patient.as_deref().is_some_and(str::is_empty) {
            return Err("the patient id is empty".to_owned());
        }
        if drug.as_deref().is_some_and(str::is_empty) {
            return Err("the drug is empty".to_owned());
        }
        // A line break or an ESC would forge a line of the report; a
        // bidirectional control would reverse it.
        if let Some(p) = &patient {
            crate::text::check_plain("the patient id", p).map_err(|e| e.to_string())?;
        }
        if let Some(d) = &drug {
            crate::text::check_plain("the drug", d).map_err(|e| e.to_string())?;
        }
        let drug = match (known, drug) {
            (Some(known), _) => known,
            (None, d) => drugs.learn(drug_cell, d.as_deref().unwrap_or_default()),
        };
        let date = parse_date(fields[header.date])?;
        Ok((patient.map(Cow::into_owned), drug, date))
    }

    /// A patient ended inside the block: the block's first, kept whole for
    /// the merge, or derived and rendered.
    fn close(&mut self, mut run: Run, part: &mut Part<T>) {
        if part.first.is_none() {
            part.first = Some(run);
            return;
        }
        part.patients += 1;
        part.lines += self.shared.derive_into(&mut run, &mut part.out);
        // The next patient's records go where this one's were.
        run.records.clear();
        run.lines.clear();
        self.spare = run;
    }

    /// The end of the block: its last patient may go on in the next.
    fn end(mut self, part: &mut Part<T>) {
        if let Some(run) = self.current.take() {
            if part.first.is_none() {
                part.first = Some(run);
            } else {
                part.last = Some(run);
            }
        }
    }
}

/// Adds one administration to a patient's run, up to the limit.
fn push(run: &mut Run, drug: Drug, date: NaiveDate, line: u64) -> Result<(), LinesError> {
    if run.records.len() >= MAX_RECORDS_PER_PATIENT {
        return Err(too_many(line));
    }
    run.records.push(Administration { date, drug });
    run.lines.push(line);
    Ok(())
}

fn too_many(line: u64) -> LinesError {
    LinesError::Io(format!(
        "line {line}: more than {MAX_RECORDS_PER_PATIENT} records for one patient"
    ))
}

/// The merge, on the calling thread: blocks in file order.
struct Merge<'s, 'w, 'e, T> {
    shared: &'s Shared<'w, T>,
    emit: &'e mut dyn FnMut(T) -> Result<(), LinesError>,
    summary: DeriveSummary,
    order: PatientOrder,
    /// The last patient read, who may go on in the next block.
    carry: Option<Run>,
}

impl<T: Default> Merge<'_, '_, '_, T> {
    fn part(&mut self, part: Part<T>) -> Result<(), LinesError> {
        let s = &mut self.summary;
        s.records += part.records;
        s.skipped += part.skipped;
        let room = MAX_REPORTED.saturating_sub(s.errors.len());
        s.errors.extend(part.errors.into_iter().take(room));
        if let Some(first) = part.first {
            self.carry = Some(match self.carry.take() {
                Some(mut carry) if carry.patient == first.patient => {
                    join(&mut carry, first)?;
                    carry
                }
                Some(carry) => {
                    let line = first.lines.first().copied().unwrap_or_default();
                    let (text, numbers) = self.order.judge(line, &carry.patient, &first.patient);
                    self.take(line, &carry.patient, &first.patient, text, numbers)?;
                    self.close(carry)?;
                    first
                }
                None => first,
            });
        }
        if let Some(last) = part.last {
            for b in part.breaks {
                self.take(b.line, &b.previous, &b.patient, b.text, b.numbers)?;
            }
            if let Some(carry) = self.carry.take() {
                self.close(carry)?;
            }
            self.summary.patients += part.patients;
            self.summary.lines += part.lines;
            (self.emit)(part.out)?;
            self.carry = Some(last);
        }
        match part.fatal {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Takes the order breaks of `previous` → `patient` on `line`.
    fn take(
        &mut self,
        line: u64,
        previous: &str,
        patient: &str,
        text: Option<OrderBreak>,
        numbers: Option<OrderBreak>,
    ) -> Result<(), LinesError> {
        self.order
            .take(text, numbers)
            .map_err(|(text, numbers)| LinesError::NotSorted {
                line,
                patient: patient.to_owned(),
                previous: previous.to_owned(),
                text,
                numbers,
            })
    }

    /// Derives a patient the merge joined, and emits their lines.
    fn close(&mut self, mut run: Run) -> Result<(), LinesError> {
        let mut out = T::default();
        self.summary.patients += 1;
        self.summary.lines += self.shared.derive_into(&mut run, &mut out);
        (self.emit)(out)
    }

    /// The end of the file: the last patient.
    fn finish(mut self) -> Result<DeriveSummary, LinesError> {
        if let Some(carry) = self.carry.take() {
            self.close(carry)?;
        }
        Ok(self.summary)
    }
}

/// Joins the next block's first records of a patient to those before.
fn join(carry: &mut Run, run: Run) -> Result<(), LinesError> {
    let room = MAX_RECORDS_PER_PATIENT.saturating_sub(carry.records.len());
    if run.records.len() > room {
        return Err(too_many(run.lines.get(room).copied().unwrap_or_default()));
    }
    carry.records.extend(run.records);
    Ok(())
}

/// Reads administrations from `input` (sorted by patient id) on one worker
/// thread and hands each patient's lines to `emit`, in input order.
///
/// # Errors
///
/// As [`Derivation::run`].
pub fn derive_stream(
    input: impl Read + Send,
    columns: &ColumnNames,
    rules: &Rules,
    library: &Library,
    emit: &mut dyn FnMut(&[DerivedLine]) -> Result<(), LinesError>,
    progress: &mut dyn FnMut(u64),
) -> Result<DeriveSummary, LinesError> {
    Derivation::new(columns, rules, library).run(
        input,
        &|lines: &[DerivedLine], out: &mut Vec<DerivedLine>| out.extend_from_slice(lines),
        &mut |lines: Vec<DerivedLine>| emit(&lines),
        progress,
    )
}
