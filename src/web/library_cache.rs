//! The regimen library of the pages, kept between requests while its folder
//! is unchanged.
//!
//! Each request still looks at the folder (one directory read and one
//! `stat` per regimen file, some tens of microseconds) and compares what it
//! sees with what the kept library was loaded from: the file names, and per
//! file its size, modification and change times, device and inode. Any
//! difference (a file edited, replaced, added, removed or renamed, a folder
//! given or taken away) loads the library again through the command line's
//! own loader, so an edited file shows at once, with the same messages.
//!
//! Times are trusted only once they are settled: a library is kept only
//! when every file's times are at least [`SETTLED`] old, because a file
//! written twice within one tick of a coarse file-system clock keeps its
//! times (and an edit may keep its size). Until then each request loads
//! the library again, as before this cache.
//!
//! Owns: the kept library and its fingerprint. Never does: parse a file or
//! word an error (that is `LibraryArgs::library`), or keep an error.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chemodose::regimen::Library;

use crate::cli::InputError;
use crate::cli::regimens::LibraryArgs;

/// How old a file's times must be before they are trusted to show a change:
/// above the 2 s tick of the coarsest file systems (FAT).
pub const SETTLED: Duration = Duration::from_secs(3);

/// What a library was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fingerprint {
    /// The library compiled into the binary: it never changes.
    Bundled,
    /// A folder and its regimen files, sorted by name.
    Folder(PathBuf, Vec<FileStamp>),
}

/// One regimen file as `stat` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    name: String,
    len: u64,
    /// Nanoseconds since 1970 (0 when the system does not say).
    modified: i128,
    /// Change time in nanoseconds (Unix; else 0): moves on every write,
    /// also when the modification time is set back.
    changed: i128,
    /// Device and inode (Unix; else 0): a file replaced by a rename is
    /// another file.
    device: u64,
    inode: u64,
}

impl Fingerprint {
    /// The regimen files of `dir` as `regimen_files` selects them (`*.toml`
    /// but not `*.checks.toml`, regular files, symbolic links followed).
    fn of(dir: &Path) -> std::io::Result<Fingerprint> {
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
            files.push(FileStamp::of(name, &meta));
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Fingerprint::Folder(dir.to_owned(), files))
    }

    /// Whether every file's times are at least [`SETTLED`] before `now`.
    fn settled(&self, now: SystemTime) -> bool {
        let now = nanos(now);
        let settled = SETTLED.as_nanos() as i128;
        match self {
            Fingerprint::Bundled => true,
            Fingerprint::Folder(_, files) => files
                .iter()
                .all(|f| now - f.modified >= settled && now - f.changed >= settled),
        }
    }
}

fn nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

impl FileStamp {
    #[cfg(unix)]
    fn of(name: String, meta: &std::fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt as _;
        FileStamp {
            name,
            len: meta.len(),
            modified: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            changed: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            device: meta.dev(),
            inode: meta.ino(),
        }
    }

    #[cfg(not(unix))]
    fn of(name: String, meta: &std::fs::Metadata) -> FileStamp {
        FileStamp {
            name,
            len: meta.len(),
            modified: meta.modified().map(nanos).unwrap_or(0),
            changed: 0,
            device: 0,
            inode: 0,
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
        if let Some(kept) = self.lock().as_ref()
            && kept.fingerprint == fingerprint
        {
            return Ok((kept.library.clone(), kept.from.clone()));
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
