//! Writing output files whole or not at all, never over an input, and never
//! over anything that is not a regular file; and the layout of a command's
//! JSON text.
//!
//! Owns: the checks on an output path (`--output`, `-o`, and the file an
//! edit rewrites), the temporary file beside it and the rename into place,
//! and words for a failed write that name the output, not an input; JSON
//! laid out for a person (the command line) or compact (the web API).
//! Never does: write through to a device, a pipe or a folder, or replace a
//! file the command reads.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::InputError;
use super::cleanup::{Registered, create_listed};

/// How a command lays out its JSON text: the same value either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonLayout {
    /// Indented, one value a line, and a final line break: what the command
    /// line prints.
    #[default]
    Pretty,
    /// No whitespace between tokens and no final line break: the web API's
    /// answer (`docs/api.md`), for a program to read.
    Compact,
}

/// `value` as JSON text laid out as `layout` says.
pub fn json_text(value: &impl serde::Serialize, layout: JsonLayout) -> Result<String, InputError> {
    match layout {
        JsonLayout::Pretty => Ok(serde_json::to_string_pretty(value)? + "\n"),
        JsonLayout::Compact => Ok(crate::render::json::to_compact_string(value)?),
    }
}

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

/// What kind of thing a path is, in words, when it is not a regular file.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Whether `output` (which exists) and `input` are the same file: the same
/// device and inode on Unix (a hard link, a symbolic link, another spelling
/// of the path), else the same canonical path.
fn same_file(output: &Path, input: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(o), Ok(i)) = (std::fs::metadata(output), std::fs::metadata(input))
            && o.dev() == i.dev()
            && o.ino() == i.ino()
        {
            return true;
        }
    }
    matches!(
        (std::fs::canonicalize(output), std::fs::canonicalize(input)),
        (Ok(o), Ok(i)) if o == i
    )
}

/// Refuses an output path that is not a new path or a regular file (a
/// device, a pipe, a folder, a symbolic link to nothing), or that is the
/// same file as one of `inputs`, the files the command reads.
///
/// # Errors
/// An [`InputError`] naming the output, and the input it would replace.
pub fn check_target(path: &Path, inputs: &[PathBuf]) -> Result<(), InputError> {
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(InputError(format!("cannot write {shown}: {e}"))),
        Ok(_) => {}
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(m) => {
            return Err(InputError(format!(
                "cannot write {shown}: it is {}, and an output is written only to a regular file or a new path (it would be replaced by a file); nothing was written. To write to standard output, leave out --output",
                kind_of(&m)
            )));
        }
        Err(e) => {
            return Err(InputError(format!(
                "cannot write {shown}: it is a symbolic link to a file that cannot be reached ({e}); nothing was written"
            )));
        }
    }
    if let Some(input) = inputs.iter().find(|i| same_file(path, i)) {
        let also = if input.as_path() == path {
            String::new()
        } else {
            format!(" ({shown} and {} are one file)", input.display())
        };
        return Err(InputError(format!(
            "refused: the output {shown} is the input {}{also}: writing it would destroy the input; nothing was written. Choose another output file",
            input.display()
        )));
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over the target. A reader never sees a
/// half-written file, and an existing file is replaced only by a whole one.
/// `inputs` are the files the command read: the output is refused when it
/// is one of them. An edit in place (a history file, a check file being
/// blessed) passes the files it read besides the one it rewrites.
///
/// # Errors
/// As [`check_target`], and any failure to write, naming `path`.
pub fn write_atomically(path: &Path, bytes: &[u8], inputs: &[PathBuf]) -> Result<(), InputError> {
    let mut file = AtomicFile::create(path, inputs)?;
    file.file()
        .write_all(bytes)
        .map_err(|e| write_error(path, &e))?;
    file.commit()
}

/// A report for standard output, or written to `output` whole (refused
/// over one of `inputs`, the files the command read): then standard output
/// is empty and a note says where it went.
///
/// # Errors
/// As [`write_atomically`].
pub fn deliver(
    text: String,
    output: Option<&Path>,
    inputs: &[PathBuf],
    notes: &mut Vec<String>,
) -> Result<String, InputError> {
    match output {
        None => Ok(text),
        Some(path) => {
            write_atomically(path, text.as_bytes(), inputs)?;
            notes.push(format!("wrote {}", path.display()));
            Ok(String::new())
        }
    }
}

/// "cannot write PATH: ..." for an error writing an output file.
pub fn write_error(path: &Path, e: &std::io::Error) -> InputError {
    InputError(format!("cannot write {}: {e}", path.display()))
}

/// A file being written through a temporary file beside it; `commit` renames
/// it into place, and dropping it without `commit` leaves the target
/// untouched and removes the temporary file (as does SIGTERM, SIGINT or
/// SIGHUP meanwhile).
pub struct AtomicFile {
    path: PathBuf,
    inputs: Vec<PathBuf>,
    // Declared before `listed`: the file goes before it leaves the list.
    tmp: tempfile::NamedTempFile,
    listed: Registered,
}

impl AtomicFile {
    /// Starts writing `path`, after [`check_target`] with `inputs`.
    ///
    /// # Errors
    /// As [`check_target`], or the temporary file cannot be created.
    pub fn create(path: &Path, inputs: &[PathBuf]) -> Result<Self, InputError> {
        check_target(path, inputs)?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let (tmp, listed) = create_listed(
            || temp_builder(path).tempfile_in(dir),
            tempfile::NamedTempFile::path,
        )
        .map_err(|e| {
            InputError(format!(
                "cannot write {}: cannot create a temporary file beside it: {e}",
                path.display()
            ))
        })?;
        Ok(AtomicFile {
            path: path.to_owned(),
            inputs: inputs.to_vec(),
            tmp,
            listed,
        })
    }

    /// The file to write to.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// Flushes to disk and renames over the target, checked again (it may
    /// have changed while the output was being written).
    ///
    /// # Errors
    /// As [`check_target`], or the flush or rename failed, naming the output.
    pub fn commit(self) -> Result<(), InputError> {
        let AtomicFile {
            path,
            inputs,
            tmp,
            listed,
        } = self;
        let fail = |what: &str, e: std::io::Error| {
            InputError(format!("cannot write {}: {what}: {e}", path.display()))
        };
        tmp.as_file()
            .sync_all()
            .map_err(|e| fail("sync failed", e))?;
        check_target(&path, &inputs)?;
        // Test hooks: die between writing the temporary file and the rename,
        // as a killed process would; or wait there, for a signal to be sent.
        match std::env::var("CHEMODOSE_FAILPOINT").as_deref() {
            Ok("before-rename") => std::process::abort(),
            Ok("pause-before-rename") => std::thread::sleep(std::time::Duration::from_secs(30)),
            _ => {}
        }
        listed
            .finish(|| tmp.persist(&path))
            .map_err(|e| fail("rename failed", e.error))?;
        // The rename lasts through a power cut only once the folder that
        // holds it is on disk too. Best effort: the file is in place either
        // way, and some file systems cannot sync a folder.
        #[cfg(unix)]
        {
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if let Ok(f) = std::fs::File::open(folder) {
                let _ = f.sync_all();
            }
        }
        Ok(())
    }
}

/// A writer that remembers its first error, so that a failure inside a
/// library call that both reads and writes can be told apart: a write error
/// names the output (or standard output), a read error the input.
pub struct Tracked<W> {
    inner: W,
    error: Option<std::io::ErrorKind>,
}

impl<W: Write> Tracked<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Tracked { inner, error: None }
    }

    /// The kind of the first write error, if any.
    pub fn failed(&self) -> Option<std::io::ErrorKind> {
        self.error
    }

    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            self.error.get_or_insert(e.kind());
        }
        r
    }
}

impl<W: Write> Write for Tracked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
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
