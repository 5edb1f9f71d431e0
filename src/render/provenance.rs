//! Which regimen file an output came from, in words and as JSON: bundled or
//! the path, the SHA-256 of the bytes read, and a note when a file replaces
//! a bundled regimen of the same id (issue 17, part 5).
//!
//! Owns: the provenance line every text-like output prints, its JSON wire
//! struct (`regimen_source`, `docs/output-json.md`) and its iCalendar
//! properties.
//! Never does: hash or read a file (`regimen::RegimenSource` holds the
//! digest the loader computed).

use serde::Serialize;

use crate::regimen::{Origin, RegimenSource};
use crate::render::escape::visible;

/// "bundled doxorubicin.toml" or the path as given.
pub fn origin_text(source: &RegimenSource) -> String {
    match &source.origin {
        Origin::Bundled { file } => format!("bundled {}", visible(file)),
        Origin::File { path } => visible(path).into_owned(),
    }
}

/// "Regimen file: bundled doxorubicin.toml, SHA-256 6f0c…".
pub fn source_line(source: &RegimenSource) -> String {
    format!(
        "Regimen file: {}, SHA-256 {}",
        origin_text(source),
        source.sha256
    )
}

/// The longest file name [`page_margin_text`] prints whole; a longer one
/// keeps its first characters and ends in "…", so that the margin line
/// stays within the printable width of A4 and Letter.
const MARGIN_FILE_NAME_CHARS: usize = 32;

/// The first hex digits of the SHA-256 printed in a page margin (the whole
/// digest is in the document's footer).
pub const MARGIN_SHA256_DIGITS: usize = 12;

/// The provenance in a page's margin, short enough for every page: "bundled,
/// SHA-256 ce5d4e1df160", or the file's name (not its folder) with the
/// first 12 hex digits of its SHA-256: "gemdoc-local.toml, SHA-256 …".
pub fn page_margin_text(source: &RegimenSource) -> String {
    let name = match &source.origin {
        Origin::Bundled { .. } => "bundled".to_owned(),
        Origin::File { path } => {
            let name = std::path::Path::new(path)
                .file_name()
                .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned());
            let name = visible(&name).into_owned();
            if name.chars().count() > MARGIN_FILE_NAME_CHARS {
                let kept: String = name.chars().take(MARGIN_FILE_NAME_CHARS - 1).collect();
                format!("{kept}…")
            } else {
                name
            }
        }
    };
    let digest = source.sha256.to_string();
    format!("{name}, SHA-256 {}", &digest[..MARGIN_SHA256_DIGITS])
}

/// The note of a file that replaces a bundled regimen, or `None`:
/// "Note: this file replaces the bundled doxorubicin.toml (different
/// contents: bundled SHA-256 …)".
pub fn replaces_line(source: &RegimenSource) -> Option<String> {
    let r = source.replaces_bundled.as_ref()?;
    let contents = if r.sha256 == source.sha256 {
        "same contents".to_owned()
    } else {
        format!("DIFFERENT contents: bundled SHA-256 {}", r.sha256)
    };
    Some(format!(
        "Note: this file replaces the bundled {} ({contents})",
        visible(&r.file)
    ))
}

/// The provenance line, and the replacement note when there is one.
pub fn source_lines(source: &RegimenSource) -> Vec<String> {
    let mut lines = vec![source_line(source)];
    lines.extend(replaces_line(source));
    lines
}

/// `regimen_source` in JSON outputs.
#[derive(Debug, Serialize)]
pub struct RegimenSourceJson {
    /// "bundled" or "file".
    pub kind: &'static str,
    /// The bundled file name, or the path as given.
    pub path: String,
    /// SHA-256 of the bytes read, 64 lower-case hex digits.
    pub sha256: String,
    /// The bundled regimen a file replaces, or null.
    pub replaces_bundled: Option<ReplacedJson>,
}

/// The bundled regimen a file replaces.
#[derive(Debug, Serialize)]
pub struct ReplacedJson {
    /// The bundled file name.
    pub path: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Whether the file's bytes are the bundled file's.
    pub same_contents: bool,
}

impl From<&RegimenSource> for RegimenSourceJson {
    fn from(s: &RegimenSource) -> Self {
        let (kind, path) = match &s.origin {
            Origin::Bundled { file } => ("bundled", file.clone()),
            Origin::File { path } => ("file", path.clone()),
        };
        RegimenSourceJson {
            kind,
            path,
            sha256: s.sha256.to_string(),
            replaces_bundled: s.replaces_bundled.as_ref().map(|r| ReplacedJson {
                path: r.file.clone(),
                sha256: r.sha256.to_string(),
                same_contents: r.sha256 == s.sha256,
            }),
        }
    }
}

/// `regimen_source` as a JSON value, to add to an output's object.
pub fn source_json(source: &RegimenSource) -> serde_json::Value {
    serde_json::to_value(RegimenSourceJson::from(source)).unwrap_or(serde_json::Value::Null)
}

/// The side file beside a CSV output (`<output>.provenance.json`): the CSV
/// it describes (name and SHA-256 of its bytes), the regimen file, and the
/// chemodose version. A CSV holds records only, never comment lines, so its
/// provenance travels beside it.
pub fn side_file_json(described: &str, bytes: &[u8], source: &RegimenSource) -> serde_json::Value {
    serde_json::json!({
        "describes": described,
        "sha256": crate::regimen::Sha256::of(bytes).to_string(),
        "regimen_source": source_json(source),
        "chemodose_version": env!("CARGO_PKG_VERSION"),
    })
}

/// The source column of `regimens list`: "bundled", or the path with
/// "(replaces bundled, same contents)" or "(replaces bundled, DIFFERENT
/// contents)".
pub fn list_source_text(source: &RegimenSource) -> String {
    let origin = match &source.origin {
        Origin::Bundled { .. } => "bundled".to_owned(),
        Origin::File { path } => visible(path).into_owned(),
    };
    match &source.replaces_bundled {
        None => origin,
        Some(r) if r.sha256 == source.sha256 => {
            format!("{origin} (replaces bundled, same contents)")
        }
        Some(_) => format!("{origin} (replaces bundled, DIFFERENT contents)"),
    }
}

/// `regimens list --format json`: the rows of
/// [`crate::render::json::regimen_list_json`], each with its
/// `regimen_source`.
pub fn regimen_entries_json(entries: &[crate::regimen::RegimenEntry]) -> serde_json::Value {
    let mut rows = crate::render::json::regimen_list_json(entries.iter().map(|e| &e.regimen));
    if let Some(list) = rows.as_array_mut() {
        for (row, entry) in list.iter_mut().zip(entries) {
            if let Some(object) = row.as_object_mut() {
                object.insert("regimen_source".to_owned(), source_json(&entry.source));
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regimen::Sha256;

    /// SHA-256 of the empty string (`printf '' | sha256sum`).
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn the_margin_names_the_file_not_its_folder_and_12_hex_digits() {
        let bundled = RegimenSource {
            origin: Origin::Bundled {
                file: "doxorubicin.toml".into(),
            },
            sha256: Sha256::of(b""),
            replaces_bundled: None,
        };
        assert_eq!(page_margin_text(&bundled), "bundled, SHA-256 e3b0c44298fc");
        assert_eq!(&EMPTY[..12], "e3b0c44298fc");
        let file = |path: &str| RegimenSource {
            origin: Origin::File { path: path.into() },
            sha256: Sha256::of(b""),
            replaces_bundled: None,
        };
        assert_eq!(
            page_margin_text(&file("/srv/site/regimens/doxo-local.toml")),
            "doxo-local.toml, SHA-256 e3b0c44298fc"
        );
        // 32 characters are kept whole; 33 keep 31 and "…".
        let name32 = "abcdefghijklmnopqrstuvwxyz1.toml";
        assert_eq!(name32.chars().count(), 32);
        assert_eq!(
            page_margin_text(&file(name32)),
            format!("{name32}, SHA-256 e3b0c44298fc")
        );
        assert_eq!(
            page_margin_text(&file("abcdefghijklmnopqrstuvwxyz12.toml")),
            "abcdefghijklmnopqrstuvwxyz12.to…, SHA-256 e3b0c44298fc"
        );
    }
}
