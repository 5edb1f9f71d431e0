//! Which characters an id, a name or a note may hold.
//!
//! Owns: the one list of characters refused in text that people or files
//! give us (patient ids, regimen ids, names and notes, drug names, history
//! files, administration records): control characters (C0, DEL, C1, and the
//! line and paragraph separators U+2028/U+2029), bidirectional controls
//! (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) and invisible
//! characters (soft hyphen, zero-width space and joiners, word joiner and
//! invisible operators, byte-order mark). A line break or an ESC in a
//! patient id forges a line or colours a terminal; a right-to-left
//! override makes a drug name read backwards; a zero-width space makes
//! `doxo\u{200B}rubicin` a drug the lifetime limit does not know.
//! Never does: decide what to do about them. The loaders and the command
//! line refuse them with a located message; the renderers
//! (`render::escape`) make them visible as a second defence.

use std::fmt;

/// Why a character is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsafeKind {
    /// A control character or a line or paragraph separator: it moves the
    /// cursor, starts a line, or drives the terminal (ESC).
    Control,
    /// A bidirectional control: it reorders the text around it.
    Bidi,
    /// An invisible character: it changes the text without being seen.
    Invisible,
}

/// The kind of a refused character, or `None` for a character that may
/// appear in an id, a name or a note.
pub fn unsafe_kind(c: char) -> Option<UnsafeKind> {
    match c {
        c if c.is_control() => Some(UnsafeKind::Control),
        '\u{2028}' | '\u{2029}' => Some(UnsafeKind::Control),
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => Some(UnsafeKind::Bidi),
        '\u{00AD}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}' => Some(UnsafeKind::Invisible),
        _ => None,
    }
}

/// Whether `c` is refused (see [`unsafe_kind`]).
pub fn is_unsafe(c: char) -> bool {
    unsafe_kind(c).is_some()
}

/// The first refused character of a text: what it is and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsafeChar {
    /// The character.
    pub ch: char,
    /// Its position in the text, in characters, from 1.
    pub position: usize,
    /// Why it is refused.
    pub kind: UnsafeKind,
}

/// The first refused character of `s`, if any.
///
/// ```
/// use chemodose::text::{find_unsafe, UnsafeKind};
/// let c = find_unsafe("gem\u{202E}citabine").unwrap();
/// assert_eq!((c.position, c.kind), (4, UnsafeKind::Bidi));
/// assert!(find_unsafe("P-0042 (DOXOrubicin, 75 mg/m²)").is_none());
/// ```
pub fn find_unsafe(s: &str) -> Option<UnsafeChar> {
    // Printable ASCII, nearly every value, needs no look at each character.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    s.chars().enumerate().find_map(|(i, ch)| {
        unsafe_kind(ch).map(|kind| UnsafeChar {
            ch,
            position: i + 1,
            kind,
        })
    })
}

/// A refused character in a named value: "the patient id holds a control
/// character (U+001B, escape) at character 4".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} holds {found}; ids, names and notes must be plain printable text on one line")]
pub struct UnsafeText {
    /// The value, as the user knows it ("the patient id", "`name`").
    pub what: String,
    /// The character found.
    pub found: UnsafeChar,
}

/// Checks that `s` holds no refused character; `what` names the value in
/// the message.
///
/// # Errors
/// [`UnsafeText`] naming the first refused character and its position.
pub fn check_plain(what: &str, s: &str) -> Result<(), UnsafeText> {
    match find_unsafe(s) {
        None => Ok(()),
        Some(found) => Err(UnsafeText {
            what: what.to_owned(),
            found,
        }),
    }
}

impl fmt::Display for UnsafeChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            UnsafeKind::Control => "a control character",
            UnsafeKind::Bidi => "a bidirectional control",
            UnsafeKind::Invisible => "an invisible character",
        };
        write!(f, "{kind} (U+{:04X}", u32::from(self.ch))?;
        if let Some(name) = char_name(self.ch) {
            write!(f, ", {name}")?;
        }
        write!(f, ") at character {}", self.position)
    }
}

/// The usual name of the refused characters people meet most.
fn char_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\0' => "null",
        '\t' => "tab",
        '\n' => "line feed",
        '\r' => "carriage return",
        '\u{1B}' => "escape",
        '\u{7F}' => "delete",
        '\u{85}' => "next line",
        '\u{2028}' => "line separator",
        '\u{2029}' => "paragraph separator",
        '\u{061C}' => "Arabic letter mark",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{202A}' => "left-to-right embedding",
        '\u{202B}' => "right-to-left embedding",
        '\u{202C}' => "pop directional formatting",
        '\u{202D}' => "left-to-right override",
        '\u{202E}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{00AD}' => "soft hyphen",
        '\u{200B}' => "zero-width space",
        '\u{200C}' => "zero-width non-joiner",
        '\u{200D}' => "zero-width joiner",
        '\u{2060}' => "word joiner",
        '\u{FEFF}' => "byte-order mark",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_controls_bidi_and_invisible() {
        for c in [
            '\0', '\t', '\n', '\r', '\u{1B}', '\u{7F}', '\u{85}', '\u{9B}', '\u{2028}', '\u{2029}',
        ] {
            assert_eq!(unsafe_kind(c), Some(UnsafeKind::Control), "{c:?}");
        }
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            assert_eq!(unsafe_kind(c), Some(UnsafeKind::Bidi), "{c:?}");
        }
        for c in [
            '\u{AD}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}',
        ] {
            assert_eq!(unsafe_kind(c), Some(UnsafeKind::Invisible), "{c:?}");
        }
    }

    #[test]
    fn keeps_what_pharmacists_write() {
        for s in [
            "Gemcitabine + docetaxel (leiomyosarcoma)",
            "DOXOrubicin 75 mg/m² ×10⁹/L ≥ 1.5",
            "Müller-Lyer, Ω, 中文, עברית",
            "=HYPERLINK(\"x\")",
            "  spaced  ",
        ] {
            assert_eq!(find_unsafe(s), None, "{s}");
        }
    }

    #[test]
    fn message_names_the_character_and_place() {
        let e = check_plain("the patient id", "P1\u{1B}[31m").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the patient id holds a control character (U+001B, escape) at character 3; ids, names and notes must be plain printable text on one line"
        );
    }
}
