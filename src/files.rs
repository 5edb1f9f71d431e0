//! Input files: the one way the bytes of a file named by the user are read.
//!
//! Owns: [`FileKind`] and each kind's limit (`docs/input-files.md` lists
//! them), [`read_bytes`] and [`read_text`] for files read whole,
//! [`open_stream`] for CSV files read record by record, [`RecordLimit`],
//! which bounds each record of such a stream, and [`CsvBlocks`], which cuts
//! one into blocks of whole records for worker threads.
//!
//! Only regular files are read. A directory, a pipe (FIFO), a socket or a
//! device is refused, naming what it is, before a byte is read: reading
//! `/dev/zero` grew to gigabytes, and a pipe can block for ever (issue 14).
//! A file read whole is refused when its size is over the limit of its
//! kind, and the read itself stops one byte past the limit, should the
//! file grow in between (or report no size, as `/proc` files do). A stream
//! has no size limit, but no record of it may be longer than its kind's
//! record limit.
//!
//! Never does: parse what it reads, decide what a file means, or print.

use std::fmt;
use std::fs::{File, FileType};
use std::io::{self, Read};
use std::path::Path;

/// The kinds of file chemodose reads, each with its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A regimen file (`regimens/*.toml`, or a regimen named by its path).
    Regimen,
    /// A golden check file (`*.checks.toml`, `chemodose verify`).
    GoldenChecks,
    /// A treatment-history file (`history`, `--history`).
    History,
    /// A labs file (`--labs`, TOML or CSV).
    Labs,
    /// A holidays file (`schedule --holidays`).
    Holidays,
    /// The rules of `lines derive --rules`.
    LineRules,
    /// A site's anthracycline factor set (`--anthracycline-factors FILE`).
    AnthracyclineFactors,
    /// The patients CSV of `batch`, streamed.
    Patients,
    /// The administrations CSV of `lines derive` and `lines to-history`,
    /// streamed (or an OMOP DRUG_EXPOSURE table, with `--omop`).
    Administrations,
    /// An OMOP vocabulary table (`--concepts`, `--concept-ancestor`),
    /// streamed.
    OmopVocabulary,
    /// A chemotherapy order (`order verify`, TOML or JSON).
    Order,
}

/// 1 KiB.
const KIB: u64 = 1024;
/// 1 MiB.
const MIB: u64 = 1024 * KIB;

/// The largest regimen file, bytes (also `regimen::LIMITS.max_file_bytes`).
pub const REGIMEN_MAX_BYTES: u64 = 256 * KIB;

/// The longest line of a patients CSV, bytes (`batch` reads its input in
/// blocks of whole lines that grow to hold one line of at most this size).
pub const PATIENTS_MAX_LINE_BYTES: u64 = 16 * MIB;

/// The largest labs file, bytes (also `labs::MAX_FILE_BYTES`, which the
/// labs parsers check on text handed to them).
pub const LABS_MAX_BYTES: u64 = MIB;

/// The largest order file, bytes (also `order::MAX_FILE_BYTES`).
pub const ORDER_MAX_BYTES: u64 = 256 * KIB;

impl FileKind {
    /// Every kind, in the order `docs/input-files.md` lists them.
    pub const ALL: [FileKind; 11] = [
        FileKind::Regimen,
        FileKind::GoldenChecks,
        FileKind::History,
        FileKind::Labs,
        FileKind::Holidays,
        FileKind::LineRules,
        FileKind::AnthracyclineFactors,
        FileKind::Patients,
        FileKind::Administrations,
        FileKind::OmopVocabulary,
        FileKind::Order,
    ];

    /// The largest file of this kind read whole, bytes; `None` for a CSV
    /// that is streamed (see [`FileKind::max_record_bytes`]).
    pub const fn max_bytes(self) -> Option<u64> {
        match self {
            FileKind::Regimen => Some(REGIMEN_MAX_BYTES),
            FileKind::Labs => Some(LABS_MAX_BYTES),
            // As `verify::parse_check_file` checks on text handed to it.
            FileKind::GoldenChecks => Some(256 * KIB),
            // As `history::parse_history` checks on text handed to it.
            FileKind::History => Some(MIB),
            FileKind::Holidays => Some(64 * KIB),
            FileKind::LineRules => Some(256 * KIB),
            // As `anthracycline::MAX_SITE_FILE_BYTES`.
            FileKind::AnthracyclineFactors => Some(64 * KIB),
            FileKind::Order => Some(ORDER_MAX_BYTES),
            FileKind::Patients | FileKind::Administrations | FileKind::OmopVocabulary => None,
        }
    }

    /// The longest record (line) of a streamed CSV, bytes; `None` for a
    /// file read whole. A patients row is a few dozen bytes; the batch
    /// reader cuts its input at line ends, in blocks that grow to hold one
    /// line of at most this size (`batch::workers`).
    pub const fn max_record_bytes(self) -> Option<u64> {
        match self {
            FileKind::Patients => Some(PATIENTS_MAX_LINE_BYTES),
            FileKind::Administrations | FileKind::OmopVocabulary => Some(64 * KIB),
            _ => None,
        }
    }

    /// What the file is with its article, for messages: "a regimen file",
    /// "an administrations CSV file".
    pub fn with_article(self) -> String {
        let article = match self {
            FileKind::Administrations
            | FileKind::AnthracyclineFactors
            | FileKind::OmopVocabulary => "an",
            _ => "a",
        };
        format!("{article} {}", self.noun())
    }

    /// What the file is, for messages: "regimen file".
    pub const fn noun(self) -> &'static str {
        match self {
            FileKind::Regimen => "regimen file",
            FileKind::GoldenChecks => "golden check file",
            FileKind::History => "treatment-history file",
            FileKind::Labs => "labs file",
            FileKind::Holidays => "holidays file",
            FileKind::LineRules => "line rules file",
            FileKind::AnthracyclineFactors => "anthracycline factor file",
            FileKind::Patients => "patients CSV file",
            FileKind::Administrations => "administrations CSV file",
            FileKind::OmopVocabulary => "OMOP vocabulary table",
            FileKind::Order => "order file",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// A number of bytes for people: "256 KiB", "1 MiB", "300 bytes".
pub fn bytes_text(n: u64) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// What a path names when it is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRegular {
    /// A directory.
    Directory,
    /// A named pipe.
    Fifo,
    /// A character device (`/dev/zero`, a terminal).
    CharacterDevice,
    /// A block device (a disk).
    BlockDevice,
    /// A Unix socket.
    Socket,
    /// Anything else.
    Other,
}

impl NotRegular {
    /// What `t` is, or `None` for a regular file.
    fn of(t: FileType) -> Option<NotRegular> {
        if t.is_file() {
            return None;
        }
        if t.is_dir() {
            return Some(NotRegular::Directory);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return Some(NotRegular::Fifo);
            }
            if t.is_char_device() {
                return Some(NotRegular::CharacterDevice);
            }
            if t.is_block_device() {
                return Some(NotRegular::BlockDevice);
            }
            if t.is_socket() {
                return Some(NotRegular::Socket);
            }
        }
        Some(NotRegular::Other)
    }
}

impl fmt::Display for NotRegular {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotRegular::Directory => "a directory",
            NotRegular::Fifo => "a named pipe",
            NotRegular::CharacterDevice => "a character device",
            NotRegular::BlockDevice => "a block device",
            NotRegular::Socket => "a socket",
            NotRegular::Other => "not a regular file",
        })
    }
}

/// Why an input file was not read. Every message is the file's path as
/// given, a colon, and [`FileError::detail`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", self.path(), self.detail())]
pub enum FileError {
    /// The file could not be opened or read (missing, no permission, an
    /// I/O error); holds the system's reason.
    Unreadable {
        /// The path as given.
        path: String,
        /// The kind of file expected.
        kind: FileKind,
        /// The system's reason.
        reason: String,
    },
    /// A directory, a pipe, a socket or a device where a file is expected.
    NotRegular {
        /// The path as given.
        path: String,
        /// What it is.
        found: NotRegular,
        /// The kind of file expected.
        kind: FileKind,
    },
    /// Larger than the limit of its kind.
    TooLarge {
        /// The path as given.
        path: String,
        /// Its size, bytes (at least `limit + 1`).
        size: u64,
        /// The limit of its kind, bytes.
        limit: u64,
        /// The kind of file.
        kind: FileKind,
    },
    /// Not UTF-8 text.
    NotUtf8 {
        /// The path as given.
        path: String,
        /// Where the first bad byte is.
        offset: usize,
    },
}

impl FileError {
    /// The path as given.
    pub fn path(&self) -> &str {
        match self {
            FileError::Unreadable { path, .. }
            | FileError::NotRegular { path, .. }
            | FileError::TooLarge { path, .. }
            | FileError::NotUtf8 { path, .. } => path,
        }
    }

    /// What is wrong and what to give instead, without the path: for a
    /// caller that names the file itself (a located file error).
    pub fn detail(&self) -> String {
        match self {
            FileError::Unreadable { kind, reason, .. } => {
                format!("cannot read the {kind}: {reason}")
            }
            FileError::NotRegular { found, kind, .. } => format!(
                "{found}, not a regular file: give the path of {} (pipes and devices are not read)",
                kind.with_article()
            ),
            FileError::TooLarge {
                size, limit, kind, ..
            } => format!(
                "the file is {size} bytes; {kind}s are limited to {} ({limit} bytes): is this the right file?",
                bytes_text(*limit)
            ),
            FileError::NotUtf8 { offset, .. } => format!(
                "the file is not valid UTF-8 (first bad byte at offset {offset}); save it as UTF-8"
            ),
        }
    }
}

/// Opens `path` for reading when it is a regular file. What the path names
/// is looked at before it is opened (opening a pipe can block), and the
/// file opened is looked at again, should the path have changed between
/// the two.
///
/// # Errors
/// [`FileError::Unreadable`] when it cannot be opened,
/// [`FileError::NotRegular`] when it is not a regular file.
pub fn open_stream(path: &Path, kind: FileKind) -> Result<File, FileError> {
    let shown = || path.display().to_string();
    let unreadable = |e: io::Error| FileError::Unreadable {
        path: shown(),
        kind,
        reason: reason(&e),
    };
    let regular = |t: FileType| match NotRegular::of(t) {
        None => Ok(()),
        Some(found) => Err(FileError::NotRegular {
            path: shown(),
            found,
            kind,
        }),
    };
    regular(std::fs::metadata(path).map_err(unreadable)?.file_type())?;
    let file = File::open(path).map_err(unreadable)?;
    regular(file.metadata().map_err(unreadable)?.file_type())?;
    Ok(file)
}

/// The bytes of a regular file of `kind`, at most its limit.
///
/// # Errors
/// As [`open_stream`], and [`FileError::TooLarge`] over the limit (checked
/// before reading, and again while reading).
pub fn read_bytes(path: &Path, kind: FileKind) -> Result<Vec<u8>, FileError> {
    let file = open_stream(path, kind)?;
    let limit = kind.max_bytes().unwrap_or(MIB);
    let too_large = |size: u64| FileError::TooLarge {
        path: path.display().to_string(),
        size,
        limit,
        kind,
    };
    let unreadable = |e: io::Error| FileError::Unreadable {
        path: path.display().to_string(),
        kind,
        reason: reason(&e),
    };
    let len = file.metadata().map_err(unreadable)?.len();
    if len > limit {
        return Err(too_large(len));
    }
    // `len` is at most the limit here, a few hundred KiB.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > limit {
        return Err(too_large(read));
    }
    Ok(bytes)
}

/// The text of a regular file of `kind`, at most its limit, in UTF-8.
///
/// # Errors
/// As [`read_bytes`], and [`FileError::NotUtf8`].
pub fn read_text(path: &Path, kind: FileKind) -> Result<String, FileError> {
    String::from_utf8(read_bytes(path, kind)?).map_err(|e| FileError::NotUtf8 {
        path: path.display().to_string(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// The system's reason without the "(os error 2)" tail.
fn reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

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

    /// `docs/input-files.md` has one row per kind, with its limit.
    #[test]
    fn the_docs_table_lists_every_kind_with_its_limit() {
        let doc = include_str!("../docs/input-files.md");
        for kind in FileKind::ALL {
            let row = doc
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", kind.noun())))
                .unwrap_or_else(|| panic!("no row for {kind}"));
            let limit = match (kind.max_bytes(), kind.max_record_bytes()) {
                (Some(n), _) => format!("| {} whole |", bytes_text(n)),
                (None, Some(n)) => format!("at most {} |", bytes_text(n)),
                (None, None) => unreachable!("every kind has a limit"),
            };
            assert!(row.contains(&limit), "{row} lacks {limit}");
        }
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(bytes_text(256 * KIB), "256 KiB");
        assert_eq!(bytes_text(MIB), "1 MiB");
        assert_eq!(bytes_text(1000), "1000 bytes");
    }
}
