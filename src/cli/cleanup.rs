//! Temporary files removed when the process is told to stop.
//!
//! Owns: the list of temporary files being written (`.chemodose-*.tmp`
//! beside an output), and what happens on SIGTERM, SIGINT and SIGHUP: every
//! listed file is removed, then the process ends as the signal would have
//! ended it (so a shell still sees "terminated" or "interrupted").
//! Never does: remove a file it did not create, or touch the target of an
//! output (a signal leaves the target as it was: the rename is all or
//! nothing). A `kill -9` cannot be caught: the temporary file then stays,
//! and the target is still intact.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

/// The temporary files being written now.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Installs the signal handling once, on the first temporary file.
static INSTALL: Once = Once::new();

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(unix)]
fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) else {
        // Without the handler a signal ends the process as before: the
        // target is intact, only the temporary file stays.
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            // Held to the end: a rename in progress finishes first, and no
            // new temporary file is started.
            let files = pending();
            for f in files.iter() {
                let _ = std::fs::remove_file(f);
            }
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            std::process::exit(128 + signal);
        }
    });
}

#[cfg(not(unix))]
fn install() {}

/// A temporary file on the list; dropping it takes it off.
#[derive(Debug)]
pub struct Registered {
    path: PathBuf,
}

/// Creates a temporary file with `create` and lists it, both while the list
/// is held, so that a signal never finds a file that is not listed.
pub fn create_listed<T>(
    create: impl FnOnce() -> std::io::Result<T>,
    path_of: impl FnOnce(&T) -> &Path,
) -> std::io::Result<(T, Registered)> {
    INSTALL.call_once(install);
    let mut list = pending();
    let made = create()?;
    let path = path_of(&made).to_owned();
    list.push(path.clone());
    Ok((made, Registered { path }))
}

impl Registered {
    /// Runs `finish` (the rename into place) while the list is held, then
    /// takes the file off it: a signal arriving meanwhile waits, and then
    /// finds nothing of ours to remove.
    pub fn finish<T>(self, finish: impl FnOnce() -> T) -> T {
        let mut list = pending();
        let out = finish();
        list.retain(|p| p != &self.path);
        out
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        pending().retain(|p| p != &self.path);
    }
}
