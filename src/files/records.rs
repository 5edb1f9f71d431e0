//! CSV records read as a stream: where a record ends (the `csv` crate's
//! grammar, outside quotes), [`RecordLimit`], which bounds each record,
//! [`CsvBlocks`], which cuts a stream into blocks of whole records for
//! worker threads, and [`RecordLines`], the line a record starts on.
//!
//! Never does: parse a record's fields, or open a file ([`super`] does).

use std::io::{self, Read};

use super::{FileKind, KIB, bytes_text};

/// A record of a streamed CSV longer than its kind allows; the error a
/// [`RecordLimit`] reader returns, as the source of an
/// [`io::ErrorKind::InvalidData`] error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "line {line}: a record is longer than {}, the limit for {kind}s: is this the right file?",
    bytes_text(*max)
)]
pub struct RecordTooLong {
    /// The line the record starts on (the first line is 1).
    pub line: u64,
    /// The limit, bytes.
    pub max: u64,
    /// The kind of file.
    pub kind: FileKind,
}

/// Where the CSV grammar is, as the `csv` crate reads it by default (comma,
/// double quotes doubled inside quotes, any of CR, LF or CRLF ending a
/// record): enough to tell where a record ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvState {
    /// At the start of a field.
    StartField,
    /// In a field that did not start with a quote.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// A quote in a quoted field: its end, or the first of two.
    QuoteInQuoted,
}

impl CsvState {
    /// The state after byte `b`, and whether `b` ends a record.
    fn step(self, b: u8) -> (CsvState, bool) {
        match (self, b) {
            (CsvState::Quoted, b'"') => (CsvState::QuoteInQuoted, false),
            (CsvState::Quoted, _) => (CsvState::Quoted, false),
            (CsvState::StartField, b'"') => (CsvState::Quoted, false),
            (CsvState::QuoteInQuoted, b'"') => (CsvState::Quoted, false),
            (_, b',') => (CsvState::StartField, false),
            (_, b'\n' | b'\r') => (CsvState::StartField, true),
            (_, _) => (CsvState::Unquoted, false),
        }
    }
}

/// A reader that refuses a CSV record longer than `max` bytes, so that a
/// parser reading one record at a time holds at most one record of that
/// size: `lines derive` of a file of zeros, with no line end, asked for
/// 4 GiB and aborted (issue 14). Records end where the `csv` crate ends
/// them, outside quotes; a quoted field may span lines, and counts whole.
///
/// Once over the limit, every later read fails too.
#[derive(Debug)]
pub struct RecordLimit<R> {
    inner: R,
    kind: FileKind,
    max: u64,
    state: CsvState,
    /// Bytes of the record so far.
    in_record: u64,
    /// The line being read (1-based).
    line: u64,
    /// The line the record began on.
    record_line: u64,
    /// Set once the limit is crossed.
    failed: Option<RecordTooLong>,
}

impl<R: Read> RecordLimit<R> {
    /// Wraps `inner`, a CSV of `kind`, refusing a record longer than the
    /// kind's record limit (64 KiB where the kind has none).
    pub fn new(inner: R, kind: FileKind) -> Self {
        RecordLimit {
            inner,
            kind,
            max: kind.max_record_bytes().unwrap_or(64 * KIB),
            state: CsvState::StartField,
            in_record: 0,
            line: 1,
            record_line: 1,
            failed: None,
        }
    }

    fn error(e: &RecordTooLong) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e.clone())
    }
}

impl<R: Read> Read for RecordLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = &self.failed {
            return Err(Self::error(e));
        }
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            let ends_record;
            (self.state, ends_record) = self.state.step(b);
            if b == b'\n' {
                self.line += 1;
            }
            if ends_record {
                self.in_record = 0;
                self.record_line = self.line;
                continue;
            }
            self.in_record += 1;
            if self.in_record > self.max {
                let e = RecordTooLong {
                    line: self.record_line,
                    max: self.max,
                    kind: self.kind,
                };
                let error = Self::error(&e);
                self.failed = Some(e);
                return Err(error);
            }
        }
        Ok(n)
    }
}

/// A CSV stream cut into blocks of whole records, for readers that hand
/// each block to another thread: every block starts where a record starts
/// and ends where one ends (outside quotes, as the `csv` crate reads), so
/// that each can be parsed on its own. No record may be longer than the
/// kind's record limit, as with [`RecordLimit`]; a block grows to hold one
/// record of at most that size, and no further.
#[derive(Debug)]
pub struct CsvBlocks<R> {
    inner: R,
    kind: FileKind,
    max: u64,
    /// The start of a record not yet ended, read with the last block.
    carry: Vec<u8>,
    /// The line the next block's first byte is on (the first line is 1).
    line: u64,
    eof: bool,
}

impl<R: Read> CsvBlocks<R> {
    /// Cuts `inner`, a CSV of `kind`, refusing a record longer than the
    /// kind's record limit (64 KiB where the kind has none).
    pub fn new(inner: R, kind: FileKind) -> Self {
        CsvBlocks {
            inner,
            kind,
            max: kind.max_record_bytes().unwrap_or(64 * KIB),
            carry: Vec::new(),
            line: 1,
            eof: false,
        }
    }

    /// Fills `block` with the next whole records, about `size` bytes of
    /// them (more when one record is longer), and returns the line its first
    /// byte is on; `None` once the stream is done. The last block ends where
    /// the stream does, with or without a line end.
    ///
    /// # Errors
    /// A failed read, or a record over the limit (an
    /// [`io::ErrorKind::InvalidData`] error whose source is a
    /// [`RecordTooLong`] naming the line the record starts on).
    pub fn next_block(&mut self, block: &mut Vec<u8>, size: usize) -> io::Result<Option<u64>> {
        block.clear();
        block.append(&mut self.carry);
        let mut want = size.max(block.len() + size / 2).max(1);
        let cut = loop {
            if !self.eof {
                // Up to `want` bytes, or to the end: fewer means the end.
                let more = want.saturating_sub(block.len()) as u64;
                (&mut self.inner).take(more).read_to_end(block)?;
                self.eof = block.len() < want;
            }
            // A CR at the end may be the first half of a CRLF: the record
            // it ends waits for the next read (the CR-only check of the
            // first line, and line counting, see the whole line end).
            let whole = match block.last() {
                Some(b'\r') if !self.eof => &block[..block.len() - 1],
                _ => &block[..],
            };
            let (end, longest) = record_ends(whole);
            if let Some((start, len)) = longest
                && len > self.max
            {
                let line = self.line + newlines(&block[..start]);
                let e = RecordTooLong {
                    line,
                    max: self.max,
                    kind: self.kind,
                };
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
            if self.eof {
                break block.len();
            }
            if let Some(end) = end {
                break end;
            }
            // No record ends in the block: read on, into a larger one (the
            // limit above stops this at one record of the largest size).
            want = want.saturating_mul(2);
        };
        if block.is_empty() {
            return Ok(None);
        }
        self.carry.extend_from_slice(&block[cut..]);
        block.truncate(cut);
        let first = self.line;
        self.line += newlines(block);
        Ok(Some(first))
    }
}

/// The line each record of a block starts on, for a `csv` reader of the
/// block: the crate's position of a record is where its reading began, so
/// blank lines and the LF of a CRLF before the record would be counted as
/// its line. Records are asked for in order.
#[derive(Debug, Clone, Copy)]
pub struct RecordLines {
    counted_to: usize,
    line: u64,
}

impl RecordLines {
    /// A block whose first byte is on line `first_line`.
    pub fn new(first_line: u64) -> Self {
        RecordLines {
            counted_to: 0,
            line: first_line,
        }
    }

    /// The line of the record whose reading began at byte `from` of `block`
    /// (the reader's `position().byte()` before reading it).
    pub fn line_of(&mut self, block: &[u8], from: usize) -> u64 {
        let start = block[from.min(block.len())..]
            .iter()
            .position(|b| *b != b'\n' && *b != b'\r')
            .map_or(block.len(), |i| from + i);
        self.line += newlines(&block[self.counted_to.min(start)..start]);
        self.counted_to = self.counted_to.max(start);
        self.line
    }
}

/// The number of line feeds in `bytes`.
pub(crate) fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Where the last record of `block` (which starts at a record's start)
/// ends, just after its line end; and the start and length of the longest
/// record, the unended one at the end included. Line ends do not count.
fn record_ends(block: &[u8]) -> (Option<usize>, Option<(usize, u64)>) {
    let mut longest: Option<(usize, u64)> = None;
    let mut note = |start: usize, end: usize| {
        let len = (end - start) as u64;
        if longest.is_none_or(|(_, l)| len > l) {
            longest = Some((start, len));
        }
    };
    let mut start = 0;
    let mut last_end = None;
    if memchr::memchr(b'"', block).is_none() {
        // No quotes: every CR or LF ends a record.
        for i in memchr::memchr2_iter(b'\n', b'\r', block) {
            note(start, i);
            start = i + 1;
            last_end = Some(start);
        }
    } else {
        let mut state = CsvState::StartField;
        for (i, &b) in block.iter().enumerate() {
            let ends;
            (state, ends) = state.step(b);
            if ends {
                note(start, i);
                start = i + 1;
                last_end = Some(start);
            }
        }
    }
    note(start, block.len());
    (last_end, longest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], max: u64) -> io::Result<Vec<u8>> {
        let mut r = RecordLimit::new(input, FileKind::Administrations);
        r.max = max;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn records_up_to_the_limit_pass() {
        // Each record is at most 8 bytes; line ends do not count.
        let text = b"patient,\r\n12345678\n\"a,b\",c\r1234\n";
        assert_eq!(read_all(text, 8).unwrap(), text);
    }

    #[test]
    fn a_record_over_the_limit_is_refused_with_its_line() {
        let e = read_all(b"a,b\nabcdefghi\n", 8).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            e.to_string(),
            "line 2: a record is longer than 8 bytes, the limit for administrations CSV files: is this the right file?"
        );
    }

    #[test]
    fn a_quoted_field_spanning_lines_counts_whole() {
        // "1\n2\n3\n4\n5" is one field of 9 bytes + 2 quotes: 11 bytes.
        assert!(read_all(b"\"1\n2\n3\n4\n5\"\nx\n", 10).is_err());
        assert!(read_all(b"\"1\n2\n3\n4\n5\"\nx\n", 11).is_ok());
        // A doubled quote stays inside the field: `"a""` newline `b"` is
        // one field of 7 bytes.
        assert!(read_all(b"\"a\"\"\nb\"\n", 7).is_ok());
        assert!(read_all(b"\"a\"\"\nb\"\n", 6).is_err());
    }

    #[test]
    fn zeros_without_a_line_end_stop_at_the_limit() {
        let zeros = io::repeat(0).take(1 << 30);
        let mut r = RecordLimit::new(zeros, FileKind::Administrations);
        let mut sink = Vec::new();
        let e = r.read_to_end(&mut sink).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 1: a record is longer than 64 KiB")
        );
        assert!(sink.len() < 1 << 20, "{}", sink.len());
        // Every later read fails too.
        assert!(r.read(&mut [0u8; 16]).is_err());
    }

    /// The records of `bytes` as the `csv` crate reads them.
    fn records(bytes: &[u8]) -> Vec<csv::ByteRecord> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes)
            .byte_records()
            .map(Result::unwrap)
            .collect()
    }

    /// Cut into blocks of any size, a CSV is the same bytes, and each block
    /// holds the same records as the whole read at once: quoted line
    /// breaks, doubled quotes, CR, LF and CRLF line ends, a quote inside an
    /// unquoted cell, blank lines and a last line without its end.
    #[test]
    fn blocks_end_where_records_end() {
        let text: &[u8] = b"id,drug,date\r\n1,\"a\nb\",x\n2,\"c\"\"\r\nd\",y\r3,e\"f,z\n\n\n4,\"\",w\r\n5,g,\"h\"";
        for size in 1..=text.len() + 1 {
            let mut blocks = CsvBlocks::new(text, FileKind::Administrations);
            let (mut joined, mut parsed, mut line) = (Vec::new(), Vec::new(), 1);
            let mut block = Vec::new();
            while let Some(first) = blocks.next_block(&mut block, size).unwrap() {
                assert_eq!(first, line, "size {size}");
                line += newlines(&block);
                joined.extend_from_slice(&block);
                parsed.extend(records(&block));
            }
            assert_eq!(joined, text, "size {size}");
            assert_eq!(parsed, records(text), "size {size}");
        }
    }

    #[test]
    fn a_block_record_over_the_limit_is_refused_with_its_line() {
        let text = b"a,b\n\"1\n2\",3\nabcdefghi\nx\n";
        let mut blocks = CsvBlocks::new(&text[..], FileKind::Administrations);
        blocks.max = 8;
        let mut block = Vec::new();
        let e = loop {
            match blocks.next_block(&mut block, 4) {
                Ok(Some(_)) => {}
                Ok(None) => panic!("no error"),
                Err(e) => break e,
            }
        };
        assert_eq!(
            e.to_string(),
            "line 4: a record is longer than 8 bytes, the limit for administrations CSV files: is this the right file?"
        );
        // Zeros without a line end stop at the limit, not at the end.
        let zeros = io::repeat(0).take(1 << 30);
        let mut blocks = CsvBlocks::new(zeros, FileKind::Administrations);
        let e = blocks.next_block(&mut block, 1 << 10).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 1: a record is longer than 64 KiB")
        );
        assert!(block.capacity() < 1 << 20, "{}", block.capacity());
    }
}
