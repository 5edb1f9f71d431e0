//! A set of regimens: the bundled library compiled into the binary, or a
//! folder of regimen files. Ids are unique within a library.

use std::path::Path;

use super::Regimen;
use super::load::{decode, load_regimen_sourced, parse_regimen};
use super::source::RegimenSource;
use crate::diagnostics::FileErrors;

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The bundled regimen files: (file name, text).
pub fn bundled() -> &'static [(&'static str, &'static str)] {
    BUNDLED
}

/// The bundled check files (`<id>.checks.toml`): (file name, text).
pub fn bundled_checks() -> &'static [(&'static str, &'static str)] {
    BUNDLED_CHECKS
}

/// A regimen and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct RegimenEntry {
    /// The regimen.
    pub regimen: Regimen,
    /// A file path, or `bundled:<file>`.
    pub origin: String,
    /// Bundled or the file, with the SHA-256 of the bytes read.
    pub source: RegimenSource,
}

impl RegimenEntry {
    /// The bundled regimen file `name` with its embedded `text`.
    pub fn bundled(name: &str, text: &str) -> Result<RegimenEntry, FileErrors> {
        let origin = format!("bundled:{name}");
        let regimen = parse_regimen(&origin, text)?;
        Ok(RegimenEntry {
            regimen,
            origin,
            source: RegimenSource::bundled(name, text),
        })
    }

    /// A regimen file read at run time (its name must be its id).
    pub fn file(path: &Path) -> Result<RegimenEntry, FileErrors> {
        let (regimen, source) = load_regimen_sourced(path)?;
        Ok(RegimenEntry {
            regimen,
            origin: path.display().to_string(),
            source,
        })
    }
}

/// Why a library could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LibraryError {
    /// One or more files have problems.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FileErrors>),
    /// Two files share an id.
    #[error("regimen id or alias `{id}` is defined twice: in {first} and in {second}")]
    Duplicate {
        /// The id.
        id: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
    /// A folder could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The folder.
        path: String,
        /// The system's message.
        message: String,
    },
}

/// A set of regimens with unique ids.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Library {
    entries: Vec<RegimenEntry>,
}

impl Library {
    /// The library compiled into the binary.
    pub fn bundled() -> Result<Library, LibraryError> {
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        for (name, text) in BUNDLED {
            match RegimenEntry::bundled(name, text) {
                Ok(entry) => entries.push(entry),
                Err(e) => errors.push(e),
            }
        }
        Self::build(entries, errors)
    }

    /// Every `*.toml` in `dir` (not `*.checks.toml`), in name order.
    pub fn load_dir(dir: &Path) -> Result<Library, LibraryError> {
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        for path in regimen_files(dir)? {
            match RegimenEntry::file(&path) {
                Ok(entry) => entries.push(entry),
                Err(e) => errors.push(e),
            }
        }
        Self::build(entries, errors)
    }

    fn build(entries: Vec<RegimenEntry>, errors: Vec<FileErrors>) -> Result<Library, LibraryError> {
        if !errors.is_empty() {
            return Err(LibraryError::Invalid(errors));
        }
        for (i, e) in entries.iter().enumerate() {
            // An alias that is another regimen's id or alias would make lookups ambiguous.
            for alias in &e.regimen.aliases {
                if let Some(other) = entries.iter().enumerate().find(|(j, o)| {
                    *j != i
                        && (o.regimen.id.eq_ignore_ascii_case(alias)
                            || o.regimen
                                .aliases
                                .iter()
                                .any(|a| a.eq_ignore_ascii_case(alias)))
                }) {
                    return Err(LibraryError::Duplicate {
                        id: alias.clone(),
                        first: other.1.origin.clone(),
                        second: e.origin.clone(),
                    });
                }
            }
            if let Some(first) = entries[..i].iter().find(|f| f.regimen.id == e.regimen.id) {
                return Err(LibraryError::Duplicate {
                    id: e.regimen.id.clone(),
                    first: first.origin.clone(),
                    second: e.origin.clone(),
                });
            }
        }
        Ok(Library { entries })
    }

    /// The regimen with this id or alias (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&RegimenEntry> {
        let k = key.trim();
        self.entries
            .iter()
            .find(|e| e.regimen.id.eq_ignore_ascii_case(k))
            .or_else(|| {
                self.entries
                    .iter()
                    .find(|e| e.regimen.aliases.iter().any(|a| a.eq_ignore_ascii_case(k)))
            })
    }

    /// All regimens, in file-name order.
    pub fn entries(&self) -> &[RegimenEntry] {
        &self.entries
    }

    /// The ids, for messages.
    pub fn ids(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.regimen.id.as_str()).collect()
    }
}

/// The regimen files of a folder, sorted.
pub fn regimen_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, LibraryError> {
    let rd = std::fs::read_dir(dir).map_err(|e| LibraryError::Io {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    let mut files: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.ends_with(".toml") && !name.ends_with(".checks.toml") && p.is_file()
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Validates one file's bytes as a regimen (for `regimens check` on files
/// that may not be UTF-8).
pub fn check_bytes(shown: &str, bytes: Vec<u8>) -> Result<Regimen, FileErrors> {
    let text = decode(shown, bytes)?;
    parse_regimen(shown, &text)
}
