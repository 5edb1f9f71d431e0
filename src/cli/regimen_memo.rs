//! Parsed regimen files remembered by their bytes, for a process that loads
//! the same file again and again (`serve`: every dose request names its
//! regimen, and the command line it runs loads that file).
//!
//! The file is still read on every call, within its size limit, as before;
//! its regimen is parsed again only when the bytes differ from the bytes it
//! was last parsed from. A remembered regimen is therefore never other than
//! the file's contents at the time of the call: an edited file shows at
//! once, whatever its size or times.
//!
//! Owns: the memo (path → bytes read, entry). Never does: decide what a file
//! means or how its errors read (that is [`RegimenEntry::file`], called on
//! every miss), or remember an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use chemodose::diagnostics::FileErrors;
use chemodose::files::{FileKind, read_bytes};
use chemodose::regimen::{RegimenEntry, Sha256};

/// More paths than a regimen folder holds; past it the memo starts again.
const MAX_FILES: usize = 512;

type Memo = HashMap<PathBuf, (Vec<u8>, RegimenEntry)>;

fn memo() -> std::sync::MutexGuard<'static, Memo> {
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    MEMO.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`RegimenEntry::file`], remembered by the file's bytes.
pub fn file(path: &Path) -> Result<RegimenEntry, FileErrors> {
    // A file that cannot be read gets its error, in its words, from the
    // loader itself.
    let Ok(bytes) = read_bytes(path, FileKind::Regimen) else {
        return RegimenEntry::file(path);
    };
    if let Some((seen, entry)) = memo().get(path)
        && *seen == bytes
    {
        return Ok(entry.clone());
    }
    let entry = RegimenEntry::file(path)?;
    // Kept only when the loader parsed the very bytes read above (the file
    // did not change between the two reads).
    if entry.source.sha256 == Sha256::of(&bytes) {
        let mut memo = memo();
        if memo.len() >= MAX_FILES {
            memo.clear();
        }
        memo.insert(path.to_owned(), (bytes, entry.clone()));
    }
    Ok(entry)
}

/// [`RegimenEntry::bundled`], parsed once per bundled file.
pub fn bundled(name: &'static str, text: &'static str) -> Result<RegimenEntry, FileErrors> {
    static BUNDLED: OnceLock<Mutex<HashMap<&'static str, RegimenEntry>>> = OnceLock::new();
    let memo = BUNDLED.get_or_init(Mutex::default);
    if let Some(entry) = memo
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(name)
    {
        return Ok(entry.clone());
    }
    let entry = RegimenEntry::bundled(name, text)?;
    memo.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(name, entry.clone());
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled doxorubicin file with its name changed to `name` (same
    /// length as the original when `name` is).
    fn doxorubicin_named(name: &str) -> String {
        let (_, text) = chemodose::regimen::bundled()
            .iter()
            .find(|(n, _)| *n == "doxorubicin.toml")
            .expect("bundled doxorubicin");
        let line = text
            .lines()
            .find(|l| l.starts_with("name = "))
            .expect("a name line");
        text.replacen(line, &format!("name = \"{name}\""), 1)
    }

    #[test]
    fn an_edited_file_is_parsed_again_even_at_the_same_size_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doxorubicin.toml");
        std::fs::write(&path, doxorubicin_named("Doxorubicin AAAA")).unwrap();
        let first = file(&path).unwrap();
        assert_eq!(first.regimen.name, "Doxorubicin AAAA");
        // Remembered: the same entry again.
        assert_eq!(file(&path).unwrap(), first);
        // Rewritten at once with the same length: the new name shows.
        std::fs::write(&path, doxorubicin_named("Doxorubicin BBBB")).unwrap();
        let second = file(&path).unwrap();
        assert_eq!(second.regimen.name, "Doxorubicin BBBB");
        assert_ne!(second.source.sha256, first.source.sha256);
        // A broken file: the loader's error, not the remembered regimen.
        std::fs::write(&path, "id = ").unwrap();
        assert!(file(&path).is_err());
        // A missing file: an error too.
        std::fs::remove_file(&path).unwrap();
        assert!(file(&path).is_err());
    }
}
