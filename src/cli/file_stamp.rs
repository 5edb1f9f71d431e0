//! A file or folder as `stat` sees it, for a long-running process (`serve`)
//! that keeps what it read from a file while the file is unchanged.
//!
//! Owns: the stamp (size, modification and change times, device, inode)
//! and when its times are trusted ([`SETTLED`]). Never does: read a file's
//! contents, or decide what is kept (`regimen_memo`, `web::library_cache`).

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How old a file's times must be before they are trusted to show a change:
/// above the 2 s tick of the coarsest file systems (FAT). A file written
/// twice within one tick keeps its times (and an edit may keep its size);
/// one written at least a tick after it was stamped gets new ones, and its
/// change time moves on every write, even when the modification time is
/// set back.
pub const SETTLED: Duration = Duration::from_secs(3);

/// A file or folder as `stat` sees it (symbolic links followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// Size in bytes.
    pub len: u64,
    /// Modification time, nanoseconds since 1970 (0 when the system does
    /// not say).
    pub modified: i128,
    /// Change time in nanoseconds (Unix; else 0): moves on every write,
    /// also when the modification time is set back.
    pub changed: i128,
    /// Device and inode (Unix; else 0): a file replaced by a rename is
    /// another file.
    pub device: u64,
    /// See `device`.
    pub inode: u64,
}

impl Stamp {
    /// The stamp of what `path` names now, if it can be read.
    pub fn of_path(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|m| Stamp::of(&m))
    }

    /// The stamp of `meta`.
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt as _;
        Stamp {
            len: meta.len(),
            modified: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            changed: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            device: meta.dev(),
            inode: meta.ino(),
        }
    }

    /// The stamp of `meta`.
    #[cfg(not(unix))]
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().map(nanos).unwrap_or(0),
            changed: 0,
            device: 0,
            inode: 0,
        }
    }

    /// Whether both times are at least [`SETTLED`] before `now`: only then
    /// does an unchanged stamp say the contents are unchanged.
    pub fn settled(&self, now: SystemTime) -> bool {
        let now = nanos(now);
        let settled = SETTLED.as_nanos() as i128;
        now - self.modified >= settled && now - self.changed >= settled
    }
}

fn nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}
