//! The dose form: its fields, each mapped to the command-line flag it
//! stands for, and the form turned into the command line `dose` parses. The
//! web page has no parser of its own: every value goes through the same
//! clap parsers, library checks and messages as the command line, and an
//! error is shown beside the field whose flag it names.
//!
//! Owns: the field list and the translation to arguments. Never does:
//! compute a dose, read a file, or accept a flag that reads one (`--labs`,
//! `--history`, a regimen path): only the flags below are ever written.

use std::collections::BTreeMap;

/// One input of the form: its name, the flag it becomes, how it is shown.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Field {
    /// The form field's name (and the key in `/api/dose`).
    pub name: &'static str,
    /// The command-line flag it becomes.
    pub flag: &'static str,
    /// The label on the page.
    pub label: &'static str,
    /// An example value, shown as the placeholder.
    pub example: &'static str,
    /// A short hint: the unit, or what the value means.
    pub hint: &'static str,
}

const fn field(
    name: &'static str,
    flag: &'static str,
    label: &'static str,
    example: &'static str,
    hint: &'static str,
) -> Field {
    Field {
        name,
        flag,
        label,
        example,
        hint,
    }
}

/// The patient's measurements.
pub const PATIENT: &[Field] = &[
    field(
        "height",
        "--height",
        "Height",
        "170cm",
        "with its unit: cm, in, 5ft7in",
    ),
    field(
        "weight",
        "--weight",
        "Weight",
        "70kg",
        "with its unit: kg, lb",
    ),
    field(
        "measured_on",
        "--measured-on",
        "Height and weight measured on",
        "2026-11-30",
        "YYYY-MM-DD",
    ),
    field("sex", "--sex", "Sex", "female", "female or male"),
    field("age", "--age", "Age", "64", "years"),
    field(
        "scr",
        "--scr",
        "Serum creatinine",
        "1.1mg/dL",
        "mg/dL or umol/L",
    ),
    field(
        "scr_date",
        "--scr-date",
        "Serum creatinine measured on",
        "2026-11-30",
        "YYYY-MM-DD",
    ),
];

/// Laboratory results, dateless: taken on the treatment date.
pub const LABS: &[Field] = &[
    field("anc", "--anc", "ANC", "3.2x10^9/L", "x10^9/L or cells/mm3"),
    field(
        "platelets",
        "--platelets",
        "Platelets",
        "245x10^9/L",
        "x10^9/L",
    ),
    field("hb", "--hb", "Haemoglobin", "12g/dL", "g/dL or g/L"),
    field(
        "bilirubin",
        "--bilirubin",
        "Total bilirubin",
        "9umol/L",
        "umol/L, mg/dL, or 1.2xULN",
    ),
    field(
        "bilirubin_uln",
        "--bilirubin-uln",
        "Bilirubin ULN",
        "21umol/L",
        "the lab's upper limit of normal",
    ),
    field("ast", "--ast", "AST", "24U/L", "units/L"),
    field("ast_uln", "--ast-uln", "AST ULN", "40U/L", "units/L"),
    field("alt", "--alt", "ALT", "22U/L", "units/L"),
    field("alt_uln", "--alt-uln", "ALT ULN", "45U/L", "units/L"),
    field("alp", "--alp", "ALP", "88U/L", "units/L"),
    field("alp_uln", "--alp-uln", "ALP ULN", "130U/L", "units/L"),
    field("lvef", "--lvef", "LVEF", "60%", "percent"),
];

/// Options of the calculation.
pub const OPTIONS: &[Field] = &[
    field(
        "on",
        "--on",
        "Treatment date",
        "2026-12-01",
        "YYYY-MM-DD; the date labs are judged on (default today)",
    ),
    field(
        "formula",
        "--formula",
        "BSA formula",
        "mosteller",
        "mosteller, dubois, haycock, ...",
    ),
    field(
        "level",
        "--level",
        "Dose level",
        "docetaxel=-1",
        "-1, or DRUG=-1; several separated by commas",
    ),
    field(
        "reduce",
        "--reduce",
        "Percent reduction",
        "gemcitabine=20%",
        "20%, or DRUG=20%; several separated by commas",
    ),
];

/// The fields that may be given several times, comma-separated.
const REPEATED: &[&str] = &["level", "reduce"];

/// Every field of the form, in order.
pub fn all() -> impl Iterator<Item = &'static Field> {
    PATIENT.iter().chain(LABS).chain(OPTIONS)
}

/// The field whose flag a message names first (`--height`, `--bilirubin-uln`),
/// for showing the message beside it; the longest flag wins where one is a
/// prefix of another (`--bilirubin-uln` before `--bilirubin`).
pub fn field_named_in(message: &str) -> Option<&'static str> {
    let mut best: Option<(usize, usize, &'static str)> = None;
    for f in all() {
        let mut from = 0;
        while let Some(i) = message[from..].find(f.flag) {
            let at = from + i;
            let end = at + f.flag.len();
            // A whole flag, not the start of a longer one.
            let whole = message[end..]
                .chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'));
            if whole {
                let better = best.is_none_or(|(b_at, b_len, _)| {
                    at < b_at || (at == b_at && f.flag.len() > b_len)
                });
                if better {
                    best = Some((at, f.flag.len(), f.name));
                }
                break;
            }
            from = end;
        }
    }
    best.map(|(_, _, name)| name).or_else(|| {
        if message.contains("--cycle") {
            Some("cycle")
        } else if message.contains("--override") {
            Some("overrides")
        } else {
            None
        }
    })
}

/// The command line for `dose` from the form's values: `--flag=value` only
/// (a value can never be read as another flag), the regimen after `--`.
/// Empty fields are left out; overrides are `CODE=reason`, one per line.
pub fn dose_arguments(
    regimen: &str,
    values: &BTreeMap<String, String>,
    regimens_folder: Option<&std::path::Path>,
    format: &str,
) -> Vec<String> {
    let mut args = vec!["dose".to_owned(), format!("--format={format}")];
    if let Some(dir) = regimens_folder {
        args.push(format!("--regimens={}", dir.display()));
    }
    if let Some(c) = values
        .get("cycle")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
    {
        args.push(format!("--cycle={c}"));
    }
    for f in all() {
        let Some(v) = values
            .get(f.name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        else {
            continue;
        };
        if REPEATED.contains(&f.name) {
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                args.push(format!("{}={part}", f.flag));
            }
        } else {
            args.push(format!("{}={v}", f.flag));
        }
    }
    if let Some(o) = values.get("overrides") {
        for line in o.lines().map(str::trim).filter(|l| !l.is_empty()) {
            args.push(format!("--override={line}"));
        }
    }
    args.push("--".to_owned());
    args.push(regimen.to_owned());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_flag_equals_value_and_the_regimen_after_a_separator() {
        let values: BTreeMap<String, String> = [
            ("height", "170cm"),
            ("weight", " 70kg "),
            ("sex", ""),
            ("level", "docetaxel=-1, gemcitabine=-1"),
            ("anc", "--labs=/etc/passwd"),
            ("overrides", "missing-bilirubin=no labs yet\n\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let args = dose_arguments("gemcitabine-docetaxel", &values, None, "text");
        assert_eq!(
            args,
            [
                "dose",
                "--format=text",
                "--height=170cm",
                "--weight=70kg",
                "--anc=--labs=/etc/passwd",
                "--level=docetaxel=-1",
                "--level=gemcitabine=-1",
                "--override=missing-bilirubin=no labs yet",
                "--",
                "gemcitabine-docetaxel",
            ]
        );
    }

    #[test]
    fn a_message_is_shown_beside_the_field_whose_flag_it_names() {
        assert_eq!(
            field_named_in("invalid value '170' for '--height <HEIGHT>': no unit"),
            Some("height")
        );
        assert_eq!(
            field_named_in("--bilirubin-uln needs --bilirubin"),
            Some("bilirubin_uln")
        );
        assert_eq!(field_named_in("no flag here"), None);
    }
}
