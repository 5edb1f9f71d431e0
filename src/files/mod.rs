//! Input files: the one way the bytes of a file named by the user are read.
//!
//! Owns: [`FileKind`] and each kind's limit (`docs/input-files.md` lists
//! them), [`read_bytes`] and [`read_text`] for files read whole (and
//! [`text_from_bytes`], the same checks on an upload's bytes),
//! [`open_stream`] for CSV files read record by record; and, in
//! `records.rs`, [`RecordLimit`], which bounds each record of such a
//! stream, and [`CsvBlocks`], which cuts one into blocks of whole records
//! for worker threads.
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
    /// The site configuration (`chemodose.toml`, `--config`).
    SiteConfig,
    /// A FHIR R4 Bundle (JSON) or NDJSON of resources (`--fhir`).
    FhirBundle,
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

/// The largest FHIR bundle, bytes (also `fhir::MAX_FILE_BYTES`): a
/// patient's record with a few hundred observations is well under 1 MiB.
pub const FHIR_MAX_BYTES: u64 = 4 * MIB;

/// The largest order file, bytes (also `order::MAX_FILE_BYTES`).
pub const ORDER_MAX_BYTES: u64 = 256 * KIB;

impl FileKind {
    /// Every kind, in the order `docs/input-files.md` lists them.
    pub const ALL: [FileKind; 13] = [
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
        FileKind::SiteConfig,
        FileKind::FhirBundle,
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
            // As `config::MAX_FILE_BYTES`.
            FileKind::SiteConfig => Some(64 * KIB),
            // As `fhir::MAX_FILE_BYTES`.
            FileKind::FhirBundle => Some(FHIR_MAX_BYTES),
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
            FileKind::SiteConfig => "site configuration file",
            FileKind::FhirBundle => "FHIR bundle",
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
    utf8(&path.display().to_string(), read_bytes(path, kind)?)
}

/// The text of an input of `kind` handed in as bytes instead of read from a
/// file (an upload to `chemodose serve`), held to the same limit and the
/// same UTF-8 check as [`read_text`]; `name` stands for its path in
/// messages.
///
/// # Errors
/// [`FileError::TooLarge`] over the limit of `kind`, [`FileError::NotUtf8`].
pub fn text_from_bytes(name: &str, bytes: Vec<u8>, kind: FileKind) -> Result<String, FileError> {
    let limit = kind.max_bytes().unwrap_or(MIB);
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(FileError::TooLarge {
            path: name.to_owned(),
            size,
            limit,
            kind,
        });
    }
    utf8(name, bytes)
}

/// `bytes` as UTF-8 text, or where the first bad byte is.
fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, FileError> {
    String::from_utf8(bytes).map_err(|e| FileError::NotUtf8 {
        path: name.to_owned(),
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

mod records;

pub(crate) use records::newlines;
pub use records::{CsvBlocks, RecordLimit, RecordLines, RecordTooLong};

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/input-files.md` has one row per kind, with its limit.
    #[test]
    fn the_docs_table_lists_every_kind_with_its_limit() {
        let doc = include_str!("../../docs/input-files.md");
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
