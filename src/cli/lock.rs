//! One edit of a history file at a time.
//!
//! Owns: the advisory lock `history record`, `start-line` and `end-line`
//! hold on the history file from before they read it until the edited file
//! has been renamed into place, so that two edits at once cannot both start
//! from the same text and lose one of them.
//! Never does: lock out readers (`history show`, `dose --history`), which
//! see the old file or the new one, never half of one; or wait for ever.
//!
//! The lock is on the file itself (no lock file is left beside it). An edit
//! replaces the file by a rename, so a writer that was waiting may hold the
//! lock of a file no longer there: after taking the lock it checks that the
//! path still names the file it locked, and otherwise locks the new one.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use fs4::FileExt;
use fs4::TryLockError;

use super::InputError;

/// How long an edit waits for another to finish, unless
/// `CHEMODOSE_LOCK_TIMEOUT` gives a number of seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The lock; released when dropped (and by the system when the process ends,
/// however it ends).
#[derive(Debug)]
pub struct EditLock {
    _file: File,
}

/// The wait in force: `CHEMODOSE_LOCK_TIMEOUT` seconds, else 30.
pub fn timeout() -> Duration {
    std::env::var("CHEMODOSE_LOCK_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 3600.0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64)
}

/// Whether `path` still names the file open as `file`.
fn still_named(file: &File, path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (held, named) = (file.metadata()?, std::fs::metadata(path)?);
        Ok(held.dev() == named.dev() && held.ino() == named.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        Ok(true)
    }
}

/// Takes the edit lock of the history file `path`, waiting up to `wait` for
/// another edit to finish.
///
/// # Errors
/// The file cannot be opened or locked, or another edit held it for longer
/// than `wait`: nothing has been read or written.
pub fn lock_for_edit(path: &Path, wait: Duration) -> Result<EditLock, InputError> {
    let shown = path.display();
    let started = Instant::now();
    // Spread the retries of many waiting processes a little.
    let mut pause = Duration::from_millis(5 + u64::from(std::process::id() % 7));
    loop {
        // Only a regular file: opening a pipe would block before the lock.
        let file = chemodose::files::open_stream(path, chemodose::files::FileKind::History)
            .map_err(|e| InputError(e.to_string()))?;
        match FileExt::try_lock(&file) {
            Ok(()) => match still_named(&file, path) {
                Ok(true) => return Ok(EditLock { _file: file }),
                // Replaced by the edit we waited for: lock the new file.
                Ok(false) => continue,
                Err(e) => return Err(InputError(format!("{shown}: {e}"))),
            },
            Err(TryLockError::WouldBlock) => {
                if started.elapsed() >= wait {
                    return Err(InputError(format!(
                        "{shown}: another chemodose is editing this history file and has not finished after {} s; nothing was written. Try again when it has finished",
                        wait.as_secs_f64()
                    )));
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(TryLockError::Error(e)) => {
                return Err(InputError(format!(
                    "{shown}: cannot lock the file for editing: {e}; nothing was written"
                )));
            }
        }
    }
}
