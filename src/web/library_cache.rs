//! The regimen library of the pages, kept between requests while its folder
//! is unchanged.
//!
//! A request looks at the whole folder (the folder's own `stat`, one
//! directory read and one `stat` per regimen file, some tens of
//! microseconds) and compares what it sees with what the kept library was
//! loaded from: the folder's times and inode, the file names, and per file
//! its size, modification and change times, device and inode. Any
//! difference (a file edited, replaced, added, removed or renamed, a folder
//! given or taken away) loads the library again through the command line's
//! own loader, so an edited file shows at once, with the same messages.
//!
//! A request that names a regimen by the id of its file (`<id>.toml` of the
//! kept library's folder: what the forms and the API send) looks at that
//! file and the folder only, two `stat`s ([`LibraryCache::library_for`]):
//! a file added, removed or renamed changes the folder's times, and an edit
//! of the file its own. An edit in place of *another* file changes neither,
//! and is seen by the next request that looks at the whole folder (a page,
//! a regimen named by an alias), which lets the kept library go for every
//! request. The regimen dosed is always read by the command line itself
//! from its own file (`cli::regimen_memo`), never taken from this library,
//! which only says that the id is one of the library's.
//!
//! Times are trusted only once they are settled: a library is kept only
//! when every file's times and the folder's are at least
//! [`SETTLED`](crate::cli::file_stamp::SETTLED) old, because a file
//! written twice within one tick of a coarse file-system clock keeps its
//! times (and an edit may keep its size). Until then each request loads
//! the library again, as before this cache.
//!
//! Owns: the kept library and its fingerprint. Never does: parse a file or
//! word an error (that is `LibraryArgs::library`), or keep an error.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chemodose::regimen::Library;

use crate::cli::InputError;
use crate::cli::file_stamp::Stamp;
use crate::cli::regimens::LibraryArgs;

/// What a library was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fingerprint {
    /// The library compiled into the binary: it never changes.
    Bundled,
    /// A folder as `stat` sees it (its times move when a file is added,
    /// removed or renamed in it), and its regimen files, sorted by name.
    Folder(PathBuf, Stamp, Vec<FileStamp>),
}

/// One regimen file as `stat` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    name: String,
    stamp: Stamp,
}

impl Fingerprint {
    /// The regimen files of `dir` as `regimen_files` selects them (`*.toml`
    /// but not `*.checks.toml`, regular files, symbolic links followed).
    fn of(dir: &Path) -> std::io::Result<Fingerprint> {
        // Before the listing: a change during it shows next time.
        let folder = Stamp::of(&std::fs::metadata(dir)?);
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !name.ends_with(".toml") || name.ends_with(".checks.toml") {
                continue;
            }
            let Ok(meta) = std::fs::metadata(entry.path()) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            files.push(FileStamp {
                name,
                stamp: Stamp::of(&meta),
            });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Fingerprint::Folder(dir.to_owned(), folder, files))
    }

    /// Whether every file's times and the folder's are at least
    /// [`SETTLED`](crate::cli::file_stamp::SETTLED) before `now`.
    fn settled(&self, now: SystemTime) -> bool {
        match self {
            Fingerprint::Bundled => true,
            Fingerprint::Folder(_, folder, files) => {
                folder.settled(now) && files.iter().all(|f| f.stamp.settled(now))
            }
        }
    }
}

struct Kept {
    fingerprint: Fingerprint,
    library: Arc<Library>,
    from: String,
}

/// The library last loaded, and what it was loaded from.
#[derive(Default)]
pub struct LibraryCache {
    kept: Mutex<Option<Kept>>,
}

impl LibraryCache {
    /// The library `args` names (its folder, else the bundled library) and
    /// where it came from, as `LibraryArgs::library` gives them.
    pub fn library(&self, args: &LibraryArgs) -> Result<(Arc<Library>, String), InputError> {
        self.library_at(args, SystemTime::now())
    }

    /// As [`LibraryCache::library`], for a request naming the regimen `key`:
    /// when `key` is the id of a file `<key>.toml` of the kept library's
    /// folder, and neither that file nor the folder changed since the
    /// library was loaded, the kept library, after two `stat`s and no
    /// directory read; else as [`LibraryCache::library`].
    pub fn library_for(
        &self,
        args: &LibraryArgs,
        key: &str,
    ) -> Result<(Arc<Library>, String), InputError> {
        match self.unchanged_for(args, key) {
            Some(kept) => Ok(kept),
            None => self.library(args),
        }
    }

    /// The kept library when `<key>.toml` and its folder are as they were
    /// when it was loaded. A key that is not a plain file name (a path, a
    /// hidden name) is never joined to the folder.
    fn unchanged_for(&self, args: &LibraryArgs, key: &str) -> Option<(Arc<Library>, String)> {
        let key = key.trim();
        if key.is_empty()
            || key.starts_with('.')
            || key.contains(['/', '\\', '\0'])
            || key.contains(std::path::MAIN_SEPARATOR)
        {
            return None;
        }
        let dir = args.folder()?;
        let name = format!("{key}.toml");
        // Before the comparison: a change after these shows next time.
        let folder = Stamp::of(&std::fs::metadata(&dir).ok()?);
        let meta = std::fs::metadata(dir.join(&name)).ok()?;
        if !meta.is_file() {
            return None;
        }
        let file = Stamp::of(&meta);
        let kept = self.lock();
        let kept = kept.as_ref()?;
        match &kept.fingerprint {
            Fingerprint::Folder(kept_dir, kept_folder, files)
                if *kept_dir == dir
                    && *kept_folder == folder
                    && files.iter().any(|f| f.name == name && f.stamp == file) =>
            {
                Some((kept.library.clone(), kept.from.clone()))
            }
            _ => None,
        }
    }

    fn library_at(
        &self,
        args: &LibraryArgs,
        now: SystemTime,
    ) -> Result<(Arc<Library>, String), InputError> {
        let folder = args.folder();
        // Taken before the load: a change during the load shows as a
        // different fingerprint next time.
        let fingerprint = match &folder {
            None => Fingerprint::Bundled,
            Some(dir) => match Fingerprint::of(dir) {
                Ok(f) => f,
                // The loader says why the folder cannot be read.
                Err(_) => {
                    let (library, from) = args.library()?;
                    return Ok((Arc::new(library), from));
                }
            },
        };
        {
            let mut kept = self.lock();
            if let Some(k) = kept.as_ref()
                && k.fingerprint == fingerprint
            {
                return Ok((k.library.clone(), k.from.clone()));
            }
            // Outdated: never handed out again, not even for one file's id.
            *kept = None;
        }
        // The folder seen above, not looked up again.
        let (library, from) = match &folder {
            Some(dir) => LibraryArgs {
                regimens: Some(dir.clone()),
            }
            .library()?,
            None => (
                Library::bundled().map_err(|e| InputError(e.to_string()))?,
                "bundled library".to_owned(),
            ),
        };
        let library = Arc::new(library);
        if fingerprint.settled(now) {
            *self.lock() = Some(Kept {
                fingerprint,
                library: library.clone(),
                from: from.clone(),
            });
        }
        Ok((library, from))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Kept>> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn bundled_text(file: &str) -> &'static str {
        chemodose::regimen::bundled()
            .iter()
            .find(|(n, _)| *n == file)
            .map(|(_, t)| *t)
            .expect("a bundled file")
    }

    /// `text` with its `name = "..."` line changed to `name`.
    fn renamed(text: &str, name: &str) -> String {
        let line = text.lines().find(|l| l.starts_with("name = ")).unwrap();
        text.replacen(line, &format!("name = \"{name}\""), 1)
    }

    fn name_of(cache: &LibraryCache, args: &LibraryArgs, now: SystemTime) -> String {
        let (lib, _) = cache.library_at(args, now).unwrap();
        lib.get("doxorubicin").unwrap().regimen.name.clone()
    }

    #[test]
    fn a_settled_folder_is_kept_and_any_change_loads_it_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doxorubicin.toml");
        let text = bundled_text("doxorubicin.toml");
        std::fs::write(&file, renamed(text, "Doxorubicin AAAA")).unwrap();
        let args = LibraryArgs {
            regimens: Some(dir.path().to_owned()),
        };
        let cache = LibraryCache::default();
        // Judged a minute later: the file's times are settled, so it is kept.
        let later = SystemTime::now() + Duration::from_secs(60);
        let (first, from) = cache.library_at(&args, later).unwrap();
        assert_eq!(from, format!("folder {}", dir.path().display()));
        let (again, _) = cache.library_at(&args, later).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "kept, not loaded again");
        // Edited in place, another size: the new name shows.
        std::fs::write(&file, renamed(text, "Doxorubicin B")).unwrap();
        assert_eq!(name_of(&cache, &args, later), "Doxorubicin B");
        // Replaced by a rename, as editors save, at the same size: another
        // inode, the new name shows.
        let new = dir.path().join("doxorubicin.toml.new");
        std::fs::write(&new, renamed(text, "Doxorubicin C")).unwrap();
        std::fs::rename(&new, &file).unwrap();
        assert_eq!(name_of(&cache, &args, later), "Doxorubicin C");
        // A file added, then removed: seen both times.
        let other = dir.path().join("eribulin.toml");
        std::fs::write(&other, bundled_text("eribulin.toml")).unwrap();
        let (with, _) = cache.library_at(&args, later).unwrap();
        assert!(with.get("eribulin").is_some());
        std::fs::remove_file(&other).unwrap();
        let (without, _) = cache.library_at(&args, later).unwrap();
        assert!(without.get("eribulin").is_none());
        // A broken file: the loader's error, never the kept library.
        std::fs::write(&file, "id = ").unwrap();
        assert!(cache.library_at(&args, later).is_err());
    }

    /// A file written twice within one tick of the file system's clock
    /// keeps its times, and an edit may keep its size: a folder that changed
    /// moments ago is loaded on every request until it settles.
    #[test]
    fn a_folder_changed_moments_ago_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doxorubicin.toml");
        let text = bundled_text("doxorubicin.toml");
        std::fs::write(&file, renamed(text, "Doxorubicin AAAA")).unwrap();
        let args = LibraryArgs {
            regimens: Some(dir.path().to_owned()),
        };
        let cache = LibraryCache::default();
        let now = SystemTime::now();
        let (first, _) = cache.library_at(&args, now).unwrap();
        assert!(cache.lock().is_none(), "not kept while unsettled");
        // Rewritten at once, same size: perhaps the same times; still seen.
        std::fs::write(&file, renamed(text, "Doxorubicin BBBB")).unwrap();
        assert_eq!(name_of(&cache, &args, now), "Doxorubicin BBBB");
        assert_eq!(
            first.get("doxorubicin").unwrap().regimen.name,
            "Doxorubicin AAAA"
        );
    }

    /// A request naming a regimen by its file's id looks at that file and
    /// the folder only; every change to either is seen by the next request,
    /// a file replaced at the same size with its modification time set
    /// back included (its change time moves).
    #[test]
    fn a_request_for_one_regimen_sees_its_file_and_the_folder_change() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("doxorubicin.toml");
        let text = bundled_text("doxorubicin.toml");
        std::fs::write(&file, renamed(text, "Doxorubicin AAAA")).unwrap();
        let eribulin = dir.path().join("eribulin.toml");
        std::fs::write(&eribulin, bundled_text("eribulin.toml")).unwrap();
        let args = LibraryArgs {
            regimens: Some(dir.path().to_owned()),
        };
        let cache = LibraryCache::default();
        let later = SystemTime::now() + Duration::from_secs(60);
        let keep = |cache: &LibraryCache| cache.library_at(&args, later).unwrap().0;
        let first = keep(&cache);
        let fast = |key: &str| cache.unchanged_for(&args, key).map(|(l, _)| l);
        assert!(Arc::ptr_eq(&fast("doxorubicin").unwrap(), &first));
        assert!(Arc::ptr_eq(&fast(" doxorubicin ").unwrap(), &first));
        // Not the name of a file of the folder: the whole folder is looked at.
        for key in [
            "Doxorubicin",
            "single-agent doxorubicin",
            "",
            ".doxorubicin",
            "../doxorubicin",
            "x/../doxorubicin",
        ] {
            assert!(fast(key).is_none(), "{key:?}");
        }
        let (same, _) = cache
            .library_for(&args, "single-agent doxorubicin")
            .unwrap();
        assert!(Arc::ptr_eq(&same, &first), "unchanged: kept");

        // The same size, the modification time set back: the change time
        // moved, so it is seen.
        let before = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::fs::write(&file, renamed(text, "Doxorubicin BBBB")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(before)
            .unwrap();
        assert!(fast("doxorubicin").is_none());
        let (lib, _) = cache.library_for(&args, "doxorubicin").unwrap();
        assert_eq!(
            lib.get("doxorubicin").unwrap().regimen.name,
            "Doxorubicin BBBB"
        );
        // Replaced by a rename at the same size: another inode.
        keep(&cache);
        let new = dir.path().join("doxorubicin.toml.new");
        std::fs::write(&new, renamed(text, "Doxorubicin CCCC")).unwrap();
        std::fs::rename(&new, &file).unwrap();
        assert!(fast("doxorubicin").is_none());
        assert_eq!(name_of(&cache, &args, later), "Doxorubicin CCCC");
        // Another file removed, then added again: the folder's times move.
        keep(&cache);
        std::fs::remove_file(&eribulin).unwrap();
        assert!(fast("doxorubicin").is_none());
        let (lib, _) = cache.library_for(&args, "doxorubicin").unwrap();
        assert!(lib.get("eribulin").is_none());
        keep(&cache);
        std::fs::write(&eribulin, bundled_text("eribulin.toml")).unwrap();
        assert!(fast("doxorubicin").is_none());
        let (lib, _) = cache.library_for(&args, "doxorubicin").unwrap();
        assert!(lib.get("eribulin").is_some());
        // The file itself removed: no longer a regimen of the library.
        keep(&cache);
        std::fs::remove_file(&file).unwrap();
        assert!(fast("doxorubicin").is_none());
        let (lib, _) = cache.library_for(&args, "doxorubicin").unwrap();
        assert!(lib.get("doxorubicin").is_none());
        // Another file edited in place moves neither this file's times nor
        // the folder's: a request for this regimen keeps the library (whose
        // regimen the command line reads from its own file), and the next
        // look at the whole folder sees the edit.
        std::fs::write(&file, renamed(text, "Doxorubicin DDDD")).unwrap();
        let kept = keep(&cache);
        std::fs::write(&eribulin, "id = ").unwrap();
        assert!(Arc::ptr_eq(&fast("doxorubicin").unwrap(), &kept));
        assert!(cache.library_at(&args, later).is_err());
        // Once seen outdated, the kept library is let go.
        assert!(fast("doxorubicin").is_none());
        assert!(cache.library_for(&args, "doxorubicin").is_err());
    }

    #[test]
    fn a_folder_that_cannot_be_read_is_the_loaders_error_and_not_kept() {
        let cache = LibraryCache::default();
        let missing = LibraryArgs {
            regimens: Some(PathBuf::from("/nonexistent/chemodose-regimens")),
        };
        let e = cache.library(&missing).unwrap_err();
        assert!(e.0.contains("/nonexistent/chemodose-regimens"), "{}", e.0);
        assert!(cache.lock().is_none());
        // The bundled library never changes: always settled.
        assert!(Fingerprint::Bundled.settled(UNIX_EPOCH));
    }
}
