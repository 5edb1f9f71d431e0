//! The threads of a batch: a reader that cuts the input into blocks of whole
//! records (`files::CsvBlocks`: never inside a quoted cell, even one holding
//! a line break), workers that turn each block into output bytes, and the
//! hand-back of those bytes to the caller's writer in input order.
//!
//! Owns: the block size and the longest line accepted, splitting a block
//! into lines and fields (directly when it has no quotes, by the `csv` crate
//! otherwise), the loop over a block's rows, counting skipped rows and
//! keeping the first [`MAX_REPORTED_ERRORS`] reasons, and putting the blocks
//! back in order; at most `2 × threads` blocks are in flight.
//! Never does: parse a cell (`columns`), compute a dose (the plan: fast path
//! or engine) or format an output value (`writer`).

use std::io::{Read, Write};

use rust_decimal::Decimal;

use super::columns::{Columns, check_units, parse_row};
use super::writer::RowWriter;
use super::{BatchError, BatchPlan, BatchSummary, Layout, MAX_REPORTED_ERRORS, RowError};

/// Bytes per block of whole lines handed to a worker.
const BLOCK_BYTES: usize = 1 << 20;
/// The longest line accepted (a broken file must not exhaust memory).
const MAX_LINE_BYTES: usize = crate::files::PATIENTS_MAX_LINE_BYTES as usize;

/// What a worker made of one block of lines.
#[derive(Default)]
struct Part {
    /// The output rows, ready to write.
    out: Vec<u8>,
    /// Data rows read (empty lines not counted).
    rows: u64,
    /// Patients written.
    written: u64,
    /// Patients whose doses came from the fast path.
    fast: u64,
    /// The first skipped rows of the block, at most [`MAX_REPORTED_ERRORS`].
    errors: Vec<RowError>,
    /// Rows skipped.
    skipped: u64,
    /// A CSV error that stops the batch (bad quoting).
    fatal: Option<BatchError>,
}

/// Computes one block of whole lines whose first line is line `first_line`
/// of the file.
fn process(
    plan: &BatchPlan<'_>,
    c: &Columns,
    layout: Layout,
    bytes: &[u8],
    first_line: u64,
) -> Part {
    let mut part = Part {
        out: Vec::with_capacity(bytes.len() * 3),
        ..Part::default()
    };
    let mut rows = RowState {
        doses: Vec::with_capacity(plan.columns.len()),
        course: Vec::with_capacity(plan.drugs.len()),
        whole_mg: Vec::with_capacity(plan.columns.len()),
        writer: RowWriter::new(plan, layout),
    };
    if !bytes.contains(&b'"') {
        // No quoting anywhere: split lines and fields directly (the common case).
        let mut fields: Vec<&[u8]> = Vec::with_capacity(c.names.len() + 2);
        let mut start = 0;
        let mut index = 0u64;
        let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
        for end in ends {
            if start > bytes.len() {
                break;
            }
            let raw = &bytes[start..end];
            start = end + 1;
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            index += 1;
            if line.is_empty() {
                continue;
            }
            fields.clear();
            let mut from = 0;
            for comma in memchr::memchr_iter(b',', line) {
                fields.push(&line[from..comma]);
                from = comma + 1;
            }
            fields.push(&line[from..]);
            one_row(
                plan,
                c,
                layout,
                &fields,
                first_line + index - 1,
                &mut rows,
                &mut part,
            );
        }
        return part;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut lines = crate::files::RecordLines::new(first_line);
    let mut line = first_line;
    loop {
        let from = reader.position().byte() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                part.fatal = Some(BatchError::Csv {
                    line,
                    message: e.to_string(),
                });
                break;
            }
        }
        line = lines.line_of(bytes, from);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue;
        }
        let fields: Vec<&[u8]> = record.iter().collect();
        one_row(plan, c, layout, &fields, line, &mut rows, &mut part);
    }
    part
}

/// Buffers reused from row to row.
struct RowState<'p> {
    /// The row's doses, mg, one per dose column.
    doses: Vec<Decimal>,
    /// The engine's course totals, mg, one per drug (empty on the fast path).
    course: Vec<Decimal>,
    /// The row's doses in whole mg, when the fast path gives integers.
    whole_mg: Vec<u64>,
    /// The output rows.
    writer: RowWriter<'p>,
}

/// Reads, doses and writes one row, or counts it as skipped with its reason.
/// A panic while doing so (a defect: issue 14's 50 cm × 3 kg row divided by
/// a zero BSA and killed the whole run) is contained to the row: nothing of
/// it is written, and it is skipped with the defect named.
fn one_row(
    plan: &BatchPlan<'_>,
    c: &Columns,
    layout: Layout,
    fields: &[&[u8]],
    line: u64,
    st: &mut RowState<'_>,
    part: &mut Part,
) {
    part.rows += 1;
    contained(part, line, |part| {
        dose_row(plan, c, layout, fields, line, st, part);
    });
}

/// Runs `f` on `part`; should it panic, undoes what it added to `part` and
/// counts the row at `line` as skipped, with the panic's message.
fn contained(part: &mut Part, line: u64, f: impl FnOnce(&mut Part)) {
    let (out, written, fast, skipped) = (part.out.len(), part.written, part.fast, part.skipped);
    let errors = part.errors.len();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(part)));
    if let Err(payload) = run {
        part.out.truncate(out);
        part.errors.truncate(errors);
        (part.written, part.fast, part.skipped) = (written, fast, skipped);
        part.skip(line, &defect(payload.as_ref()));
    }
}

/// The reason a row is skipped when dosing it panicked: a defect, named
/// with the panic's message.
pub(super) fn defect(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned());
    format!(
        "not dosed: chemodose failed on this row ({what}); this is a defect, please report it with the row"
    )
}

/// [`one_row`] without the guard.
fn dose_row(
    plan: &BatchPlan<'_>,
    c: &Columns,
    layout: Layout,
    fields: &[&[u8]],
    line: u64,
    st: &mut RowState<'_>,
    part: &mut Part,
) {
    let row = match parse_row(c, fields) {
        Ok(r) => r,
        Err(problem) => {
            part.skip(line, &problem);
            return;
        }
    };
    if layout == Layout::Wide
        && let Some(fast) = &plan.fast
        && fast.whole_mg
        && let Some(bsa) = fast.whole_mg_doses(&row.patient, &mut st.whole_mg)
    {
        part.written += 1;
        part.fast += 1;
        st.writer
            .whole_mg_row(row.id, bsa, &st.whole_mg, &mut part.out);
        return;
    }
    let mut fast = false;
    match plan.doses(&row.patient, &mut st.doses, &mut st.course, &mut fast) {
        Err(refused) => part.skip(line, &refused),
        Ok(bsa) => {
            part.written += 1;
            part.fast += u64::from(fast);
            st.writer
                .row(row.id, bsa, &st.doses, &st.course, &mut part.out);
        }
    }
}

impl Part {
    /// Counts a skipped row, and keeps its line and reason while fewer than
    /// [`MAX_REPORTED_ERRORS`] are kept.
    fn skip(&mut self, line: u64, why: &dyn std::fmt::Display) {
        self.skipped += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(RowError {
                line,
                message: why.to_string(),
            });
        }
    }
}

/// Runs the threads over the rest of `input` (the header already read) and
/// writes the output rows to `output` in input order.
///
/// A reader thread cuts the input into blocks of whole lines, `threads`
/// workers compute them, and this thread writes the results in input order;
/// at most `2 × threads` blocks are in flight, so memory stays bounded
/// whatever the file's size.
pub(super) fn run(
    plan: &BatchPlan<'_>,
    columns: &Columns,
    mut input: impl Read + Send,
    output: &mut impl Write,
    layout: Layout,
    threads: usize,
    progress: &mut dyn FnMut(u64),
) -> Result<BatchSummary, BatchError> {
    use std::collections::BTreeMap;
    use std::sync::mpsc::sync_channel;
    use std::sync::{Arc, Mutex};

    let io = |e: std::io::Error| BatchError::Io(e.to_string());
    let threads = threads.clamp(1, 64);
    let mut summary = BatchSummary::default();
    let failure: Mutex<Option<BatchError>> = Mutex::new(None);
    let fail = |e: BatchError| {
        let mut f = failure.lock().unwrap_or_else(|p| p.into_inner());
        f.get_or_insert(e);
    };
    std::thread::scope(|s| {
        let (work_tx, work_rx) = sync_channel::<(u64, Vec<u8>, u64)>(threads * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = sync_channel::<(u64, Part)>(threads * 2);
        let fail = &fail;
        s.spawn(move || {
            // Blocks of whole records: a block never ends inside a quoted
            // cell, even one that holds a line break.
            let mut blocks =
                crate::files::CsvBlocks::new(&mut input, crate::files::FileKind::Patients);
            let mut idx = 0u64;
            loop {
                let mut block = Vec::new();
                let line = match blocks.next_block(&mut block, BLOCK_BYTES) {
                    Ok(None) => return,
                    // The header was line 1 of the file; this reader starts after it.
                    Ok(Some(line)) => line + 1,
                    Err(e) => {
                        return fail(
                            match e
                                .get_ref()
                                .and_then(|r| r.downcast_ref::<crate::files::RecordTooLong>())
                            {
                                Some(long) => BatchError::Csv {
                                    line: long.line + 1,
                                    message: format!(
                                        "a line is longer than {MAX_LINE_BYTES} bytes"
                                    ),
                                },
                                None => BatchError::Io(e.to_string()),
                            },
                        );
                    }
                };
                if idx == 0
                    && let Err(e) = check_units(columns, &block, line)
                {
                    return fail(e);
                }
                if work_tx.send((idx, block, line)).is_err() {
                    return;
                }
                idx += 1;
            }
        });
        for _ in 0..threads {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            s.spawn(move || {
                loop {
                    let next = rx.lock().map(|r| r.recv());
                    let Ok(Ok((idx, block, line))) = next else {
                        break;
                    };
                    if tx
                        .send((idx, process(plan, columns, layout, &block, line)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut pending: BTreeMap<u64, Part> = BTreeMap::new();
        let mut next = 0u64;
        for (idx, part) in done_rx {
            pending.insert(idx, part);
            while let Some(r) = pending.remove(&next) {
                next += 1;
                if let Some(f) = r.fatal {
                    fail(f);
                    return;
                }
                if let Err(e) = output.write_all(&r.out) {
                    fail(io(e));
                    return;
                }
                summary.rows += r.rows;
                summary.written += r.written;
                summary.skipped += r.skipped;
                summary.fast_rows += r.fast;
                for e in r.errors {
                    if summary.errors.len() < MAX_REPORTED_ERRORS {
                        summary.errors.push(e);
                    }
                }
                progress(summary.rows);
            }
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: one row that panicked killed the whole run. The row is
    /// skipped with the panic's message; nothing of it is written, and the
    /// rows before and after it are.
    #[test]
    fn a_panic_in_a_row_skips_that_row_only() {
        let mut part = Part::default();
        contained(&mut part, 2, |p| {
            p.out.extend_from_slice(b"a,1\n");
            p.written += 1;
        });
        contained(&mut part, 3, |p| {
            p.out.extend_from_slice(b"b,");
            p.written += 1;
            panic!("attempt to divide by zero");
        });
        contained(&mut part, 4, |p| {
            p.out.extend_from_slice(b"c,3\n");
            p.written += 1;
        });
        assert_eq!(part.out, b"a,1\nc,3\n");
        assert_eq!((part.written, part.skipped), (2, 1));
        assert_eq!(part.errors.len(), 1);
        assert_eq!(part.errors[0].line, 3);
        assert_eq!(
            part.errors[0].message,
            "not dosed: chemodose failed on this row (attempt to divide by zero); this is a defect, please report it with the row"
        );
    }
}
