//! Print-ready pages and downloads: the command line's own files
//! (`dose --format html`, `schedule --format html|csv|json|ics`) answered as
//! they are, byte for byte.
//!
//! A print-ready page keeps its stylesheet inline, so that the file a
//! pharmacist saves is whole. The site's policy (`style-src 'self'`) would
//! block that style, so the page is answered with a policy of its own that
//! allows exactly its `<style>` blocks by their SHA-256 (CSP Level 2
//! hash-source), computed from the page's text on each response: nothing
//! else (no script, no other style, no form, no frame, no image) is
//! allowed.
//!
//! Owns: the hash policy and the headers of an attachment. Never does:
//! change a byte of the command line's output.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The text of each `<style>` block of `html`, in order: what a browser
/// hashes to match a hash-source (the element's text, exactly).
pub fn style_blocks(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<style>") {
        let body = &rest[start + "<style>".len()..];
        let Some(end) = body.find("</style>") else {
            break;
        };
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

/// `'sha256-<base64>'` of one style block.
pub fn hash_source(style: &str) -> String {
    let digest = Sha256::digest(style.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The policy of a print-ready page: its own style blocks by hash, nothing
/// else.
pub fn policy(html: &str) -> String {
    let hashes: Vec<String> = style_blocks(html).into_iter().map(hash_source).collect();
    let style = if hashes.is_empty() {
        "'none'".to_owned()
    } else {
        hashes.join(" ")
    };
    format!(
        "default-src 'none'; style-src {style}; img-src 'none'; form-action 'none'; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

/// A file name made of letters, digits, `.`, `-` and `_` only (anything
/// else becomes `_`), at most 100 characters: safe in a header, on any
/// disk, and never a path.
pub fn file_name(stem: &str, extension: &str) -> String {
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    name.push('.');
    name.push_str(extension);
    name
}

/// A print-ready page, shown in the browser (to print, or to save under
/// `name`), with its hash policy.
pub fn page(html: String, name: &str) -> Response {
    let csp = policy(&html);
    let Ok(csp) = HeaderValue::from_str(&csp) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::CONTENT_DISPOSITION, disposition("inline", name)),
        ],
        html,
    )
        .into_response()
}

/// A file to save, as `name`, of `content_type`.
pub fn attachment(body: String, content_type: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition("attachment", name)),
        ],
        body,
    )
        .into_response()
}

/// `inline; filename="name"`; the name is made by [`file_name`].
fn disposition(kind: &str, name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{kind}; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_style_block_is_allowed_by_its_hash_and_nothing_else() {
        let html =
            "<html><head><style>\nbody { color: #111; }\n</style></head><body></body></html>";
        assert_eq!(style_blocks(html), ["\nbody { color: #111; }\n"]);
        let p = policy(html);
        // SHA-256 of the block's text, base64 (CSP Level 2, hash-source).
        let expected = hash_source("\nbody { color: #111; }\n");
        assert!(p.contains(&format!("style-src {expected};")), "{p}");
        assert!(p.starts_with("default-src 'none';"), "{p}");
        assert!(!p.contains("unsafe"), "{p}");
        assert!(policy("<p>no style</p>").contains("style-src 'none'"));
    }

    /// The hash of the empty string, a published value (RFC 6234 test
    /// vector, base64): the hash is over the bytes and nothing else.
    #[test]
    fn the_hash_of_nothing_is_the_known_one() {
        assert_eq!(
            hash_source(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }

    #[test]
    fn a_file_name_is_never_a_path_or_a_header_break() {
        assert_eq!(
            file_name("schedule-../../etc/passwd\r\n", "csv"),
            "schedule-.._.._etc_passwd__.csv"
        );
        assert_eq!(file_name("dose-\"x\"", "html"), "dose-_x_.html");
    }
}
