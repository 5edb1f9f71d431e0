//! `chemodose regimens list|show|check`, and where regimens come from.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};

use chemodose::regimen::{
    Library, LibraryError, RegimenEntry, check_bytes, load_regimen_file, regimen_files,
};
use chemodose::render::regimen::{regimen_json, regimen_text};
use chemodose::render::regimen_html::regimen_html;
use chemodose::render::regimen_list;
use chemodose::render::regimen_md::regimen_markdown;

use super::args::ReportFormat;
use super::output::deliver;
use super::{InputError, Report, diagnostics};

/// Where to find regimens; shared by every command that takes one.
#[derive(Debug, Args, Clone, Default)]
#[group(skip)]
pub struct LibraryArgs {
    /// Folder of regimen files (else $CHEMODOSE_REGIMENS, else ./regimens
    /// when it exists, else the bundled library).
    #[arg(long, value_name = "DIR", global = true)]
    pub regimens: Option<PathBuf>,
}

impl LibraryArgs {
    /// The library in force and a description of where it came from.
    pub fn library(&self) -> Result<(Library, String), InputError> {
        match self.folder() {
            Some(d) => Library::load_dir(&d)
                .map(|l| (l, format!("folder {}", d.display())))
                .map_err(library_error),
            None => Library::bundled()
                .map(|l| (l, "bundled library".to_owned()))
                .map_err(library_error),
        }
    }

    /// A regimen by id or alias, or by path to a file. The rule
    /// (README, "Regimens"): a key ending in `.toml` is a file; a key with a
    /// `/` is a file when something exists at that path, else an id or
    /// alias (`gem/doc`); when it is neither, the message says both.
    pub fn regimen(&self, key: &str) -> Result<Arc<RegimenEntry>, InputError> {
        let path = Path::new(key);
        let has_separator = key.contains('/') || key.contains(std::path::MAIN_SEPARATOR);
        if key.ends_with(".toml") || (has_separator && path.exists()) {
            return RegimenEntry::file(path)
                .map(Arc::new)
                .map_err(|e| InputError(diagnostics::render(&e)));
        }
        // Parse only the one file when the id names it: start-up stays fast
        // (a bundled regimen is parsed lazily, not the whole library). An id
        // has no separator: a key with one is never joined to the folder.
        if !has_separator && let Some(entry) = self.single(key) {
            return entry;
        }
        let (lib, from) = self.library()?;
        lib.get(key).cloned().map(Arc::new).ok_or_else(|| {
            let what = if has_separator {
                format!("`{key}` is neither a file nor a regimen id or alias")
            } else {
                format!("unknown regimen `{key}`")
            };
            InputError(format!(
                "{what} in the {from}; known regimens: {}",
                lib.ids().join(", ")
            ))
        })
    }
}

impl LibraryArgs {
    /// The regimen files a command may read, which its output must not
    /// replace: the file `regimen` names when it is a path, and the files of
    /// the folder in force.
    pub fn files_read(&self, regimen: Option<&str>) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = regimen
            .filter(|key| key.ends_with(".toml") || key.contains('/'))
            .map(PathBuf::from)
            .into_iter()
            .collect();
        if let Some(dir) = self.folder() {
            files.extend(regimen_files(&dir).unwrap_or_default());
        }
        files
    }

    /// The folder in force (`--regimens`, `$CHEMODOSE_REGIMENS`, the site
    /// configuration's `regimens.folder`, `./regimens`), or `None` for the
    /// bundled library.
    pub fn folder(&self) -> Option<PathBuf> {
        self.regimens
            .clone()
            .or_else(|| std::env::var_os("CHEMODOSE_REGIMENS").map(PathBuf::from))
            .or_else(|| super::settings::optional(None, |c| &c.regimens))
            .or_else(|| {
                let local = PathBuf::from("regimens");
                local.is_dir().then_some(local)
            })
    }

    /// The regimen `<key>.toml` alone, when such a file exists; read and
    /// parsed again only when it changed (`regimen_memo`, for `serve`).
    pub(super) fn single(&self, key: &str) -> Option<Result<Arc<RegimenEntry>, InputError>> {
        let file = format!("{}.toml", key.trim());
        match self.folder() {
            Some(dir) => {
                let path = dir.join(&file);
                path.is_file().then(|| {
                    super::regimen_memo::file(&path)
                        .map_err(|e| InputError(diagnostics::render(&e)))
                })
            }
            None => chemodose::regimen::bundled()
                .iter()
                .find(|(n, _)| *n == file)
                .map(|(n, text)| {
                    super::regimen_memo::bundled(n, text)
                        .map_err(|e| InputError(diagnostics::render(&e)))
                }),
        }
    }
}

fn library_error(e: LibraryError) -> InputError {
    match e {
        LibraryError::Invalid(errs) => InputError(
            errs.iter()
                .map(diagnostics::render)
                .collect::<Vec<_>>()
                .join(""),
        ),
        other => InputError(other.to_string()),
    }
}

#[derive(Debug, Args)]
pub struct RegimensArgs {
    #[command(subcommand)]
    command: RegimensCommand,
}

/// The formats of `regimens show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum ShowFormat {
    // No doc comments on the values: clap would print a list of them in
    // place of `[possible values: ...]`.
    #[default]
    Text,
    Md,
    Html,
    Json,
    Fhir,
}

#[derive(Debug, Subcommand)]
enum RegimensCommand {
    /// List the regimens: id, name, status, cycle, drugs, source.
    List {
        #[command(flatten)]
        lib: LibraryArgs,
        /// Output format: text, Markdown (md), print-ready HTML (html) or JSON.
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        /// Write to this file (whole or not at all) instead of standard
        /// output: regimens.html.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Show one regimen as a pharmacist reads it on paper.
    Show {
        /// A regimen id or alias, or a path to a regimen file.
        regimen: String,
        #[command(flatten)]
        lib: LibraryArgs,
        /// Output format: text, Markdown (md), print-ready HTML (html), JSON,
        /// or a FHIR R4 Bundle with a PlanDefinition (fhir: docs/fhir.md).
        #[arg(long, value_enum, default_value_t)]
        format: ShowFormat,
        /// Write to this file (whole or not at all) instead of standard
        /// output: gemcitabine-docetaxel.html.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Validate regimen files and folders; every problem is printed.
    Check {
        /// Regimen files or folders: regimens/. The library in force when
        /// none is given.
        paths: Vec<PathBuf>,
        #[command(flatten)]
        lib: LibraryArgs,
    },
}

pub fn run(a: RegimensArgs) -> Result<Report, InputError> {
    match a.command {
        RegimensCommand::List {
            lib,
            format,
            output,
        } => list(&lib, format, output.as_deref()),
        RegimensCommand::Show {
            regimen,
            lib,
            format,
            output,
        } => {
            let entry = lib.regimen(&regimen)?;
            let text = match format {
                ShowFormat::Fhir => {
                    let bundle = chemodose::fhir::export::regimen::regimen_bundle(&entry.regimen);
                    serde_json::to_string_pretty(&bundle)? + "\n"
                }
                ShowFormat::Md => {
                    regimen_markdown(&entry.regimen, &entry.origin, Some(&entry.source))
                }
                ShowFormat::Html => {
                    regimen_html(&entry.regimen, &entry.origin, Some(&entry.source))
                }
                ShowFormat::Text => {
                    let mut text = regimen_text(&entry.regimen, &entry.origin);
                    for l in chemodose::render::provenance::source_lines(&entry.source) {
                        text.push_str(&l);
                        text.push('\n');
                    }
                    text
                }
                ShowFormat::Json => {
                    let mut json = regimen_json(&entry.regimen, &entry.origin);
                    if let Some(object) = json.as_object_mut() {
                        object.insert(
                            "regimen_source".to_owned(),
                            chemodose::render::provenance::source_json(&entry.source),
                        );
                    }
                    serde_json::to_string_pretty(&json)? + "\n"
                }
            };
            let mut notes = Vec::new();
            let stdout = deliver(
                text,
                output.as_deref(),
                &lib.files_read(Some(&regimen)),
                &mut notes,
            )?;
            Ok(Report {
                stdout,
                notes,
                ..Report::default()
            })
        }
        RegimensCommand::Check { paths, lib } => check(paths, &lib),
    }
}

fn list(
    lib: &LibraryArgs,
    format: ReportFormat,
    output: Option<&Path>,
) -> Result<Report, InputError> {
    let (library, from) = lib.library()?;
    let entries = library.entries();
    let text = match format {
        ReportFormat::Json => {
            let rows = chemodose::render::provenance::regimen_entries_json(entries);
            serde_json::to_string_pretty(&rows)? + "\n"
        }
        ReportFormat::Text => regimen_list::library_text(entries, &from),
        ReportFormat::Md => regimen_list::library_markdown(entries, &from),
        ReportFormat::Html => regimen_list::library_html(entries, &from),
    };
    let mut notes = Vec::new();
    let stdout = deliver(text, output, &lib.files_read(None), &mut notes)?;
    Ok(Report {
        stdout,
        notes,
        ..Report::default()
    })
}

fn check(paths: Vec<PathBuf>, lib: &LibraryArgs) -> Result<Report, InputError> {
    let mut files = Vec::new();
    let mut bundled = false;
    let folders: Vec<String> = if paths.is_empty() {
        lib.folder()
            .into_iter()
            .map(|d| d.display().to_string())
            .collect()
    } else {
        paths.iter().map(|p| p.display().to_string()).collect()
    };
    if paths.is_empty() {
        match lib.folder() {
            Some(d) => files.extend(regimen_files(&d).map_err(|e| InputError(e.to_string()))?),
            None => bundled = true,
        }
    }
    for p in paths {
        if p.is_dir() {
            files.extend(regimen_files(&p).map_err(|e| InputError(e.to_string()))?);
        } else if p.exists() {
            files.push(p);
        } else {
            return Err(InputError(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    if files.is_empty() && !bundled {
        // "0 regimen files checked: 0 valid" read as a pass.
        return Err(InputError(format!(
            "{}: no regimen files (*.toml) there, nothing was checked; give a folder that holds regimen files, or the files themselves",
            folders.join(", ")
        )));
    }
    let mut out = String::new();
    let mut failed = 0;
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut checked = 0;
    if bundled {
        checked = chemodose::regimen::bundled().len();
        if let Err(e) = Library::bundled() {
            out.push_str(&library_error(e).0);
            failed += 1;
        }
    }
    for f in &files {
        checked += 1;
        let shown = f.display().to_string();
        let result = match chemodose::files::read_bytes(f, chemodose::files::FileKind::Regimen) {
            Ok(bytes) => check_bytes(&shown, bytes).and_then(|r| {
                // The file name must match the id; load_regimen_file checks it.
                load_regimen_file(f).map(|_| r)
            }),
            Err(e) => {
                // The message names the file.
                out.push_str(&format!("{e}\n"));
                failed += 1;
                continue;
            }
        };
        match result {
            Ok(r) => {
                if let Some((_, first)) = seen.iter().find(|(id, _)| *id == r.id) {
                    out.push_str(&format!(
                        "{shown}: regimen id `{}` is already defined in {first}\n",
                        r.id
                    ));
                    failed += 1;
                } else {
                    seen.push((r.id.clone(), shown));
                }
            }
            Err(e) => {
                out.push_str(&diagnostics::render(&e));
                failed += 1;
            }
        }
    }
    out.push_str(&format!(
        "{checked} regimen file{} checked: {} valid, {failed} with problems\n",
        if checked == 1 { "" } else { "s" },
        checked - failed.min(checked)
    ));
    Ok(Report {
        stdout: out,
        notes: Vec::new(),
        problem: failed > 0,
        warnings: Vec::new(),
    })
}
