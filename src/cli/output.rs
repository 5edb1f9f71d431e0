//! Writing output files whole or not at all.

use std::io::Write;
use std::path::Path;

use super::InputError;

/// A temporary-file builder whose file gets the permissions the target has,
/// or ordinary ones (rw-r--r--) for a new file, not the 0600 of a temp file.
fn temp_builder(path: &Path) -> tempfile::Builder<'static, 'static> {
    let mut b = tempfile::Builder::new();
    b.prefix(".chemodose-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::metadata(path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o644));
        b.permissions(perms);
    }
    b
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the target. A reader never sees a
/// half-written file, and an existing file is replaced only by a whole one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), InputError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |what: &str, e: std::io::Error| {
        InputError(format!("cannot write {}: {what}: {e}", path.display()))
    };
    let mut tmp = temp_builder(path)
        .tempfile_in(dir)
        .map_err(|e| fail("cannot create a temporary file beside it", e))?;
    tmp.write_all(bytes).map_err(|e| fail("write failed", e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| fail("sync failed", e))?;
    // Test hook: die between writing the temporary file and the rename, as a
    // killed process would; the tests check that the original is intact.
    if std::env::var_os("CHEMODOSE_FAILPOINT").is_some_and(|v| v == "before-rename") {
        std::process::abort();
    }
    tmp.persist(path)
        .map_err(|e| fail("rename failed", e.error))?;
    Ok(())
}

/// A file being written through a temporary file beside it; `commit` renames
/// it into place, and dropping it without `commit` leaves the target untouched.
pub struct AtomicFile {
    path: std::path::PathBuf,
    tmp: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> Result<Self, InputError> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let tmp = temp_builder(path).tempfile_in(dir).map_err(|e| {
            InputError(format!(
                "cannot write {}: cannot create a temporary file beside it: {e}",
                path.display()
            ))
        })?;
        Ok(AtomicFile {
            path: path.to_owned(),
            tmp,
        })
    }

    /// The file to write to.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// Flushes to disk and renames over the target.
    pub fn commit(self) -> Result<(), InputError> {
        let fail = |what: &str, e: std::io::Error| {
            InputError(format!("cannot write {}: {what}: {e}", self.path.display()))
        };
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| fail("sync failed", e))?;
        let path = self.path.clone();
        self.tmp.persist(&path).map_err(|e| {
            InputError(format!(
                "cannot write {}: rename failed: {}",
                path.display(),
                e.error
            ))
        })?;
        Ok(())
    }
}

/// A spinner on stderr for inputs over 20 MB, only when stderr is a terminal
/// (so pipes and CI logs stay clean).
pub fn progress_bar(input_bytes: u64, noun: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    (std::io::stderr().is_terminal() && input_bytes > 20 << 20).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{spinner}} {{human_pos}} {noun} ({{per_sec}}) {{elapsed}}"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        b
    })
}
