//! Parsed regimen files remembered, for a process that loads the same file
//! again and again (`serve`: every dose request names its regimen, and the
//! command line it runs loads that file).
//!
//! Each call looks at the file's stamp (`stat`: size, modification and
//! change times, device, inode; [`Stamp`]). When it is the stamp the
//! remembered regimen was read under, and that stamp's times were settled
//! then ([`SETTLED`](super::file_stamp::SETTLED): a later write moves
//! them), the remembered regimen is the file's, and the file is not read.
//! Otherwise the file is read, within its size limit, and parsed again only
//! when its bytes differ from those last parsed. A remembered regimen is
//! therefore never other than the file's contents at the time of the call:
//! an edited file shows at once, whatever its size, and whatever its times
//! when it was written moments before it was read.
//!
//! Owns: the memo (path → stamp, bytes read, entry). Never does: decide
//! what a file means or how its errors read (that is
//! [`RegimenEntry::file`], called on every miss), or remember an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use chemodose::diagnostics::FileErrors;
use chemodose::files::{FileKind, read_bytes};
use chemodose::regimen::{RegimenEntry, Sha256};

use super::file_stamp::Stamp;

/// More paths than a regimen folder holds; past it the memo starts again.
const MAX_FILES: usize = 512;

/// A regimen file as last parsed.
struct Remembered {
    /// The file's stamp taken before the bytes below were read, when its
    /// times were settled; else `None`, and the bytes are compared.
    stamp: Option<Stamp>,
    bytes: Vec<u8>,
    entry: Arc<RegimenEntry>,
}

type Memo = HashMap<PathBuf, Remembered>;

fn memo() -> std::sync::MutexGuard<'static, Memo> {
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    MEMO.get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`RegimenEntry::file`], remembered while the file is unchanged.
pub fn file(path: &Path) -> Result<Arc<RegimenEntry>, FileErrors> {
    file_at(path, SystemTime::now())
}

fn file_at(path: &Path, now: SystemTime) -> Result<Arc<RegimenEntry>, FileErrors> {
    // Taken before the file is read: a write after it moves it.
    let stamp = Stamp::of_path(path).filter(|s| s.settled(now));
    if let Some(s) = &stamp
        && let Some(r) = memo().get(path)
        && r.stamp.as_ref() == Some(s)
    {
        return Ok(r.entry.clone());
    }
    // A file that cannot be read gets its error, in its words, from the
    // loader itself.
    let Ok(bytes) = read_bytes(path, FileKind::Regimen) else {
        return RegimenEntry::file(path).map(Arc::new);
    };
    if let Some(r) = memo().get_mut(path)
        && r.bytes == bytes
    {
        // The bytes read after `stamp` was taken are those parsed.
        r.stamp = stamp;
        return Ok(r.entry.clone());
    }
    let entry = Arc::new(RegimenEntry::file(path)?);
    // Kept only when the loader parsed the very bytes read above (the file
    // did not change between the two reads).
    if entry.source.sha256 == Sha256::of(&bytes) {
        let mut memo = memo();
        if memo.len() >= MAX_FILES {
            memo.clear();
        }
        memo.insert(
            path.to_owned(),
            Remembered {
                stamp,
                bytes,
                entry: entry.clone(),
            },
        );
    }
    Ok(entry)
}

/// [`RegimenEntry::bundled`], parsed once per bundled file.
pub fn bundled(name: &'static str, text: &'static str) -> Result<Arc<RegimenEntry>, FileErrors> {
    static BUNDLED: OnceLock<Mutex<HashMap<&'static str, Arc<RegimenEntry>>>> = OnceLock::new();
    let memo = BUNDLED.get_or_init(Mutex::default);
    if let Some(entry) = memo
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(name)
    {
        return Ok(entry.clone());
    }
    let entry = Arc::new(RegimenEntry::bundled(name, text)?);
    memo.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(name, entry.clone());
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
        assert!(Arc::ptr_eq(&file(&path).unwrap(), &first));
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

    /// Once a file's times are settled its stamp stands for its bytes: an
    /// edit moves the stamp (the change time, even with the size kept and
    /// the modification time set back), and the file is read again.
    #[test]
    fn a_settled_file_is_trusted_while_its_stamp_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("doxorubicin.toml");
        std::fs::write(&path, doxorubicin_named("Doxorubicin AAAA")).unwrap();
        // Judged a minute later: the file's times are settled.
        let later = SystemTime::now() + Duration::from_secs(60);
        let first = file_at(&path, later).unwrap();
        let stamp = Stamp::of_path(&path);
        assert!(stamp.is_some());
        assert_eq!(memo().get(path.as_path()).unwrap().stamp, stamp);
        assert!(Arc::ptr_eq(&file_at(&path, later).unwrap(), &first));
        // The same size, the modification time set back.
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::write(&path, doxorubicin_named("Doxorubicin BBBB")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        let second = file_at(&path, later).unwrap();
        assert_eq!(second.regimen.name, "Doxorubicin BBBB");
        // Replaced by a rename, the same size: another inode.
        let new = dir.path().join("doxorubicin.toml.new");
        std::fs::write(&new, doxorubicin_named("Doxorubicin CCCC")).unwrap();
        std::fs::rename(&new, &path).unwrap();
        assert_eq!(
            file_at(&path, later).unwrap().regimen.name,
            "Doxorubicin CCCC"
        );
        // Judged now, the times are not settled: no stamp is kept, and the
        // bytes are compared on every call.
        std::fs::write(&path, doxorubicin_named("Doxorubicin DDDD")).unwrap();
        assert_eq!(file(&path).unwrap().regimen.name, "Doxorubicin DDDD");
        assert_eq!(memo().get(path.as_path()).unwrap().stamp, None);
    }
}
