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
    let negative = d.is_sign_negative() && !d.is_zero();
    let text = d.abs().to_string();
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text.clone(), None),
    };
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3);
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(f) = frac_part {
        out.push('.');
        out.push_str(&f);
    }
    out
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
    let name = &*crate::render::escape::visible(name);
    let lower = name.to_lowercase();
    for (plain, tall) in TALL_MAN {
        if lower == *plain {
            return (*tall).to_owned();
        }
        if let Some(prefix) = lower.strip_suffix(plain)
            && prefix.ends_with(' ')
        {
            return format!("{}{}", &name[..prefix.len()], tall);
        }
    }
    name.to_owned()
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
    }
}
