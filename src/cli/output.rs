//! Writing output files whole or not at all.

use std::io::Write;
use std::path::Path;

use super::InputError;

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
    let mut tmp = tempfile::Builder::new()
        .prefix(".chemodose-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| fail("cannot create a temporary file beside it", e))?;
    tmp.write_all(bytes).map_err(|e| fail("write failed", e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| fail("sync failed", e))?;
    tmp.persist(path)
        .map_err(|e| fail("rename failed", e.error))?;
    Ok(())
}
