//! How numbers and drug names are written for people.
//!
//! Owns: the medication-safety display rules of ISMP's list of error-prone
//! dose designations (no trailing zero, a leading zero, thousands
//! separators; "mg" and "units" spelled out) and tall-man lettering of
//! look-alike drug names (FDA/ISMP lists). Never does: round for dosing;
//! figures arrive already rounded by policy and this module only writes them.

use std::fmt;

use rust_decimal::Decimal;

use crate::quantity::PrescribedDose;
use crate::rounding::{round_dp_half_up, to_decimal};

/// Writes a decimal by the ISMP rules: `1` not `1.0`, `0.5` not `.5`,
/// `1,575` not `1575`.
pub fn format_decimal(d: Decimal) -> String {
    let d = d.normalize();
    let mut digits = Digits::default();
    let owned;
    // A decimal has at most 29 digits and a point, so they fit; were they
    // not to, they are written on the heap, never cut short.
    let text = match digits.of(d.abs()) {
        Some(t) => t,
        None => {
            owned = d.abs().to_string();
            &owned
        }
    };
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let mut out = String::with_capacity(text.len() + int_part.len() / 3 + 1);
    if d.is_sign_negative() && !d.is_zero() {
        out.push('-');
    }
    // The digits are ASCII: one byte each.
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac_part {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A decimal's digits as `Decimal` writes them, kept on the stack: a figure
/// is written many times an answer, and this spares it an allocation.
struct Digits {
    bytes: [u8; 64],
    len: usize,
}

impl Default for Digits {
    fn default() -> Self {
        Digits {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl Digits {
    /// `d` as `Decimal` writes it; `None` if it does not fit.
    fn of(&mut self, d: Decimal) -> Option<&str> {
        fmt::Write::write_fmt(self, format_args!("{d}")).ok()?;
        std::str::from_utf8(&self.bytes[..self.len]).ok()
    }
}

impl fmt::Write for Digits {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes a floating-point figure with at most `max_decimals` decimals, by the
/// same rules as [`format_decimal`]. Non-finite values print as `invalid`.
pub fn format_number(x: f64, max_decimals: u32) -> String {
    match to_decimal(x) {
        Some(d) => format_decimal(round_dp_half_up(d, max_decimals)),
        None => "invalid".to_owned(),
    }
}

/// Tall-man lettering for look-alike drug names.
///
/// CISplatin/CARBOplatin and DOXOrubicin/DAUNOrubicin are confirmed on the
/// FDA list (ISMP, "Look-alike drug names with recommended tall man
/// letters"). The others are in common oncology use; their list membership
/// is marked unconfirmed in `docs/formulas.md` and should be checked against
/// the current ISMP list.
const TALL_MAN: &[(&str, &str)] = &[
    ("cisplatin", "CISplatin"),
    ("carboplatin", "CARBOplatin"),
    ("doxorubicin", "DOXOrubicin"),
    ("daunorubicin", "DAUNOrubicin"),
    ("idarubicin", "IDArubicin"),
    ("vinblastine", "vinBLAStine"),
    ("vincristine", "vinCRIStine"),
    ("docetaxel", "DOCEtaxel"),
    ("paclitaxel", "PACLitaxel"),
];

/// The display name of a drug: tall-man lettering where it applies, the
/// name as written otherwise. Matching is case-insensitive on the whole name;
/// a prefix such as "liposomal doxorubicin" keeps its first word. A control
/// or bidirectional character is written as its escape
/// ([`crate::render::escape::visible`]).
pub fn drug_display_name(name: &str) -> String {
    let name = crate::render::escape::visible(name);
    for (plain, tall) in TALL_MAN {
        // The tall-man names are ASCII, so the match is made on the name's
        // last bytes, in the name's own bytes: no lowercase copy, whose
        // length can differ from the name's ("Ⱥ" is 2 bytes, "ⱥ" 3).
        let Some(split) = name.len().checked_sub(plain.len()) else {
            continue;
        };
        if !name.is_char_boundary(split) || !name[split..].eq_ignore_ascii_case(plain) {
            continue;
        }
        let prefix = &name[..split];
        if prefix.is_empty() || prefix.ends_with(' ') {
            return format!("{prefix}{tall}");
        }
    }
    name.into_owned()
}

/// A percentage with its sign: `10%`, `12.5%`.
impl fmt::Display for crate::quantity::Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", format_decimal(self.value()))
    }
}

/// A prescribed dose as a protocol writes it: `900 mg/m²`, `15 mcg/kg`,
/// `800 mg`, `AUC 5` (at most 4 decimals; AUC 3).
impl fmt::Display for PrescribedDose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrescribedDose::Auc(a) => write!(f, "AUC {}", format_number(a.mg_min_per_ml(), 3)),
            _ => write!(f, "{} {}", format_number(self.value(), 4), self.unit_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn ismp_number_rules() {
        assert_eq!(format_decimal(dec!(1.0)), "1");
        assert_eq!(format_decimal(dec!(0.50)), "0.5");
        assert_eq!(format_decimal(dec!(1575)), "1,575");
        assert_eq!(format_decimal(dec!(1234567.25)), "1,234,567.25");
        assert_eq!(format_decimal(dec!(999)), "999");
        assert_eq!(format_decimal(dec!(-1500)), "-1,500");
        assert_eq!(format_number(1.8824, 2), "1.88");
        assert_eq!(format_number(2.0000001, 3), "2");
        assert_eq!(format_number(f64::NAN, 2), "invalid");
    }

    #[test]
    fn tall_man_names() {
        assert_eq!(drug_display_name("cisplatin"), "CISplatin");
        assert_eq!(drug_display_name("Doxorubicin"), "DOXOrubicin");
        assert_eq!(
            drug_display_name("liposomal doxorubicin"),
            "liposomal DOXOrubicin"
        );
        assert_eq!(drug_display_name("gemcitabine"), "gemcitabine");
        assert_eq!(drug_display_name("mesna"), "mesna");
        assert_eq!(drug_display_name("CISPLATIN"), "CISplatin");
        assert_eq!(drug_display_name("nedaplatin"), "nedaplatin");
        assert_eq!(drug_display_name("platin"), "platin");
        // A prefix whose lowercase is longer than itself (each "Ⱥ" is 2
        // bytes, its lowercase 3): kept as written, and no panic.
        assert_eq!(
            drug_display_name("ȺȺȺȺȺȺȺȺȺȺȺȺ doxorubicin"),
            "ȺȺȺȺȺȺȺȺȺȺȺȺ DOXOrubicin"
        );
        assert_eq!(drug_display_name("Ⱥ docetaxel"), "Ⱥ DOCEtaxel");
        assert_eq!(drug_display_name("éé"), "éé");
    }

    #[test]
    fn long_figures_are_written_whole() {
        assert_eq!(
            format_decimal(Decimal::MAX),
            "79,228,162,514,264,337,593,543,950,335"
        );
        assert_eq!(format_decimal(dec!(-0.0001)), "-0.0001");
        assert_eq!(format_decimal(dec!(-0)), "0");
        assert_eq!(
            format_decimal(Decimal::from_i128_with_scale(1, 28)),
            "0.0000000000000000000000000001"
        );
    }
}
