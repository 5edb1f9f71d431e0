//! The order file as written: serde structs that mirror the TOML (a JSON
//! order is read into the same structs), spans kept for every value checked
//! after parsing, and the checks that turn it into an [`Order`] with every
//! problem located (file, line, column), as regimen files are.
//!
//! The JSON Schema in `docs/order.schema.json` is generated from these types.

use std::ops::Range;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::{
    DatedMeasure, Modification, Order, OrderPatient, OrderedAmount, OrderedDrug, PrescriberUsed,
};
use crate::diagnostics::{Collector, FileErrors, TomlKind};
use crate::labs::{LabOrigin, LabResult};
use crate::quantity::{
    Lab, parse_bsa, parse_dose, parse_dose_mass, parse_height, parse_lab, parse_serum_creatinine,
    parse_uln, parse_weight,
};
use crate::regimen::Intent;

/// The order format this version reads (`format = 1`).
pub const FORMAT: u32 = 1;

/// The largest order file, bytes (`files::FileKind::Order`).
pub const MAX_FILE_BYTES: u64 = crate::files::ORDER_MAX_BYTES;

/// The most drug lines and lab results an order may hold.
pub const MAX_LINES: usize = 64;

/// Where the keys of an order file are documented.
const KEYS_HELP: &str = "see docs/order-verification.md for the keys of an order file";

/// One chemotherapy order, as the prescriber wrote it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "chemodose order")]
pub struct OrderFile {
    /// The order format: 1.
    #[schemars(with = "u32")]
    pub format: Spanned<i64>,
    /// The order's own identifier (the prescribing system's number).
    pub id: String,
    /// Regimen id or alias as ordered.
    pub regimen: String,
    /// The regimen version the order was written against.
    pub regimen_version: String,
    /// The cycle, from 1.
    #[schemars(with = "u32")]
    pub cycle: Spanned<i64>,
    /// The days of the cycle this order covers, e.g. [1] or [1, 8].
    #[schemars(with = "Vec<u32>")]
    pub days: Spanned<Vec<i64>>,
    /// The planned date of the first day covered (YYYY-MM-DD).
    #[schemars(with = "String")]
    pub date: Spanned<toml::Value>,
    /// Treatment intent.
    pub intent: Option<Intent>,
    /// Who wrote the order.
    pub prescriber: String,
    /// When the order was written (YYYY-MM-DD).
    #[schemars(with = "String")]
    pub written: Spanned<toml::Value>,
    /// The patient.
    pub patient: PatientFile,
    /// What the prescriber used in the calculation.
    #[serde(default)]
    pub used: UsedFile,
    /// Laboratory results with their dates.
    #[serde(default, rename = "lab")]
    #[schemars(with = "Vec<LabFile>")]
    pub labs: Vec<Spanned<LabFile>>,
    /// The ordered drug lines.
    #[serde(default, rename = "drug")]
    #[schemars(with = "Vec<DrugLineFile>")]
    pub drugs: Vec<Spanned<DrugLineFile>>,
}

/// `[patient]`: two identifiers, sex, age or date of birth, measurements.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientFile {
    /// Name, or a pseudonymous id.
    pub name: String,
    /// Medical record number (the second identifier; or give date_of_birth).
    pub mrn: Option<String>,
    /// Date of birth (YYYY-MM-DD).
    #[schemars(with = "Option<String>")]
    pub date_of_birth: Option<Spanned<toml::Value>>,
    /// female or male.
    #[schemars(with = "Option<String>")]
    pub sex: Option<Spanned<String>>,
    /// Age in years, when the date of birth is not given.
    #[schemars(with = "Option<u32>")]
    pub age: Option<Spanned<i64>>,
    /// Allergies, free text ("nil known" when none).
    pub allergies: Option<String>,
    /// Child-Pugh class of hepatic impairment, where assessed: A, B or C.
    #[schemars(with = "Option<String>")]
    pub child_pugh: Option<Spanned<String>>,
    /// Height with its date.
    #[schemars(with = "MeasureFile")]
    pub height: Spanned<MeasureFile>,
    /// Weight with its date.
    #[schemars(with = "MeasureFile")]
    pub weight: Spanned<MeasureFile>,
    /// Serum creatinine with its date.
    #[schemars(with = "Option<MeasureFile>")]
    pub serum_creatinine: Option<Spanned<MeasureFile>>,
}

/// A measurement with its unit and date: `{ value = "165 cm", date = 2026-11-30 }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureFile {
    /// The value with its unit.
    #[schemars(with = "String")]
    pub value: Spanned<String>,
    /// When it was measured (YYYY-MM-DD).
    #[schemars(with = "String")]
    pub date: Spanned<toml::Value>,
}

/// `[used]`: the BSA and weight the prescriber used.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsedFile {
    /// The BSA used, e.g. "1.66 m2".
    #[schemars(with = "Option<String>")]
    pub bsa: Option<Spanned<String>>,
    /// The weight used, e.g. "60 kg".
    #[schemars(with = "Option<String>")]
    pub weight: Option<Spanned<String>>,
    /// The BSA formula named on the order (free text, shown).
    pub bsa_formula: Option<String>,
}

/// `[[lab]]`: one result, as in a labs file's `[[result]]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabFile {
    /// The lab: anc, platelets, hb, bilirubin, ast, alt, alp, albumin, cpk, lvef.
    #[schemars(with = "String")]
    pub lab: Spanned<String>,
    /// The value with its unit, e.g. "2.1x10^9/L".
    #[schemars(with = "String")]
    pub value: Spanned<String>,
    /// The sample's date (YYYY-MM-DD).
    #[schemars(with = "String")]
    pub date: Spanned<toml::Value>,
    /// The laboratory's upper limit of normal, for bilirubin, AST, ALT, ALP, CPK.
    #[schemars(with = "Option<String>")]
    pub uln: Option<Spanned<String>>,
}

/// `[[drug]]`: one ordered drug line.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrugLineFile {
    /// The drug, as the regimen names it.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// The dose as ordered per m² or per kg (e.g. "900 mg/m2"), or a flat dose.
    #[schemars(with = "Option<String>")]
    pub dose: Option<Spanned<String>>,
    /// The calculated amount of each administration, e.g. "1494 mg".
    #[schemars(with = "String")]
    pub amount: Spanned<String>,
    /// Doses of `amount` on each of its days (2 = twice daily; default 1):
    /// the day's amount is `amount` times this.
    #[schemars(with = "Option<u32>")]
    pub times_a_day: Option<Spanned<i64>>,
    /// The route: IV, PO, SC, ...
    pub route: String,
    /// Infusion time as written: "90 min", "1 h".
    #[schemars(with = "Option<String>")]
    pub infusion: Option<Spanned<String>>,
    /// Diluent and volume, free text.
    pub diluent: Option<String>,
    /// The days of the cycle this drug is given on, within the order's days.
    #[schemars(with = "Vec<u32>")]
    pub days: Spanned<Vec<i64>>,
    /// A dose level the prescriber ordered (-1, -2).
    #[schemars(with = "Option<i32>")]
    pub level: Option<Spanned<i64>>,
    /// A percent reduction the prescriber ordered, e.g. "20%".
    #[schemars(with = "Option<String>")]
    pub reduce: Option<Spanned<String>>,
    /// Why the dose differs from the protocol's (a stated reason).
    pub reason: Option<String>,
}

/// Parses and validates an order file; `path` names it in messages. A file
/// whose name ends in `.json` (or whose text starts with `{`) is read as
/// JSON; its problems are located in the TOML it is read as, which the
/// message shows.
///
/// # Errors
/// Every problem of the file, located: over [`MAX_FILE_BYTES`], empty,
/// malformed, an unknown key, a wrong format number, a value without its
/// unit or outside its bounds, a date that is not a plain date, days outside
/// 1-366, no drug line, a lab given twice for one date.
pub fn parse_order(path: &str, text: &str) -> Result<Order, FileErrors> {
    let kind = TomlKind {
        max_bytes: MAX_FILE_BYTES,
        too_large: format!(
            "the file is {} bytes; order files are limited to {MAX_FILE_BYTES} bytes (256 KiB)",
            text.len()
        ),
        empty_help: "an order needs format, id, regimen, cycle, days, [patient] and [[drug]] lines",
        keys_help: KEYS_HELP,
    };
    let json = path.to_ascii_lowercase().ends_with(".json") || text.trim_start().starts_with('{');
    let converted;
    let (path_shown, text) = if json && u64::try_from(text.len()).is_ok_and(|n| n <= MAX_FILE_BYTES)
    {
        converted = json_as_toml(path, text)?;
        (
            format!("{path} (JSON, read as the TOML shown)"),
            converted.as_str(),
        )
    } else {
        (path.to_owned(), text)
    };
    let mut c = Collector::default();
    let file: OrderFile = c.read_file(&path_shown, text, &kind)?;
    let order = check(&mut c, file);
    match order {
        Some(mut o) if c.is_empty() => {
            // A lab's origin is its `[[lab]]` header: the byte offset kept
            // while checking becomes the line (1-based) in the file shown.
            for l in &mut o.labs {
                if let LabOrigin::File { path, line } = &mut l.origin {
                    let at = (*line).min(text.len());
                    *line = text.get(..at).map_or(0, |t| t.matches('\n').count()) + 1;
                    path.clone_from(&path_shown);
                }
            }
            Ok(o)
        }
        _ => Err(c.into_sorted_errors(&path_shown, text)),
    }
}

/// A JSON order as the TOML document the parser reads.
fn json_as_toml(path: &str, text: &str) -> Result<String, FileErrors> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let at = offset_of(text, e.line(), e.column());
        let mut c = Collector::default();
        c.at(at..at, format!("not valid JSON: {e}")).label("here");
        c.into_errors(path, text)
    })?;
    let whole = |message: String| FileErrors {
        path: path.to_owned(),
        text: String::new(),
        problems: vec![crate::diagnostics::Problem {
            message,
            span: None,
            label: String::new(),
            help: Some(
                "an order in JSON is one object with the keys of the TOML format; no null values"
                    .to_owned(),
            ),
        }],
    };
    let table = toml::Value::try_from(value)
        .map_err(|e| whole(format!("cannot be read as an order: {e}")))?;
    toml::to_string(&table).map_err(|e| whole(format!("cannot be read as an order: {e}")))
}

/// The byte offset of a 1-based line and column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col = column.saturating_sub(1);
            return offset + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

/// The order, or `None` when a required part failed (the collector holds why).
fn check(c: &mut Collector, f: OrderFile) -> Option<Order> {
    if *f.format.get_ref() != i64::from(FORMAT) {
        c.at(
            f.format.span(),
            format!("format {} is not known", f.format.get_ref()),
        )
        .label("not 1")
        .help("this version of chemodose reads format = 1");
    }
    for (what, value) in [
        ("id", &f.id),
        ("regimen", &f.regimen),
        ("prescriber", &f.prescriber),
    ] {
        if value.trim().is_empty() {
            c.at(0..0, format!("`{what}` is empty"));
        }
    }
    let cycle = match u32::try_from(*f.cycle.get_ref()) {
        Ok(n) if (1..=crate::regimen::MAX_CYCLES).contains(&n) => Some(n),
        _ => {
            c.at(
                f.cycle.span(),
                "the cycle must be a whole number from 1 to 100",
            )
            .label("not a cycle");
            None
        }
    };
    let days = day_list(c, &f.days, "the order's days");
    let planned = date(c, &f.date);
    let written = date(c, &f.written);
    let patient = patient(c, &f.patient);
    let used = used(c, &f.used);
    if f.labs.len() > MAX_LINES || f.drugs.len() > MAX_LINES {
        c.at(
            0..0,
            format!("an order holds at most {MAX_LINES} drug lines and {MAX_LINES} lab results"),
        );
        return None;
    }
    let mut labs = Vec::new();
    for l in &f.labs {
        if let Some(r) = lab(c, l) {
            if labs
                .iter()
                .any(|o: &LabResult| o.lab == r.lab && o.date == r.date)
            {
                c.at(
                    l.span(),
                    format!(
                        "{} is given twice for {}",
                        r.lab.id(),
                        r.date.map(|d| d.to_string()).unwrap_or_default()
                    ),
                )
                .label("given twice");
            } else {
                labs.push(r);
            }
        }
    }
    if f.drugs.is_empty() {
        c.at(0..0, "the order has no [[drug]] line")
            .help("add one [[drug]] table per ordered drug");
    }
    let mut drugs = Vec::new();
    for d in &f.drugs {
        if let Some(line) = drug(c, d) {
            drugs.push(line);
        }
    }
    Some(Order {
        id: f.id,
        regimen: f.regimen,
        regimen_version: f.regimen_version,
        cycle: cycle?,
        days: days?,
        date: planned?,
        intent: f.intent,
        prescriber: f.prescriber,
        written: written?,
        patient: patient?,
        used: used?,
        labs,
        drugs,
    })
}

fn span_of<T>(s: &Spanned<T>) -> Range<usize> {
    s.span()
}

/// A plain date written as a TOML date or as "YYYY-MM-DD" (JSON has no dates).
fn date(c: &mut Collector, v: &Spanned<toml::Value>) -> Option<NaiveDate> {
    let parsed = match v.get_ref() {
        toml::Value::Datetime(d) => match (d.date, d.time, d.offset) {
            (Some(x), None, None) => {
                NaiveDate::from_ymd_opt(x.year.into(), x.month.into(), x.day.into())
            }
            _ => None,
        },
        toml::Value::String(s) if s.len() == 10 => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        _ => None,
    };
    match parsed.map(crate::dates::check_date) {
        Some(Ok(d)) => Some(d),
        Some(Err(outside)) => {
            c.at(v.span(), outside.to_string())
                .label("outside 1900 to 2199");
            None
        }
        None => {
            c.at(v.span(), "not a plain date")
                .label("not a date")
                .help("write a date as YYYY-MM-DD, e.g. 2026-12-01");
            None
        }
    }
}

/// Days of a cycle: each 1 to 366, ascending, none twice, at least one.
fn day_list(c: &mut Collector, v: &Spanned<Vec<i64>>, what: &str) -> Option<Vec<u32>> {
    let mut out: Vec<u32> = Vec::new();
    for d in v.get_ref() {
        match u32::try_from(*d) {
            Ok(n) if (1..=366).contains(&n) && out.last().is_none_or(|l| *l < n) => out.push(n),
            _ => {
                c.at(
                    span_of(v),
                    format!(
                        "{what} must be days of the cycle from 1, ascending, each once (found {d})"
                    ),
                )
                .label("not a day list");
                return None;
            }
        }
    }
    if out.is_empty() {
        c.at(span_of(v), format!("{what} list no day"))
            .label("empty");
        return None;
    }
    Some(out)
}

fn measure<T, E: std::fmt::Display>(
    c: &mut Collector,
    m: &Spanned<MeasureFile>,
    parser: impl FnOnce(&str) -> Result<T, E>,
) -> Option<DatedMeasure<T>> {
    let m = m.get_ref();
    let value = c.parse(&m.value, parser).ok();
    let on = date(c, &m.date);
    Some(DatedMeasure {
        value: value?,
        as_written: m.value.get_ref().clone(),
        date: on?,
    })
}

fn patient(c: &mut Collector, p: &PatientFile) -> Option<OrderPatient> {
    if p.name.trim().is_empty() {
        c.at(0..0, "the patient's name (or pseudonymous id) is empty");
    }
    if p.mrn.as_deref().is_none_or(|m| m.trim().is_empty()) && p.date_of_birth.is_none() {
        c.at(
            0..0,
            "the patient has one identifier: give mrn or date_of_birth as the second",
        )
        .help("two patient identifiers (ASCO/ONS administration safety standards)");
    }
    let date_of_birth = p.date_of_birth.as_ref().map(|d| date(c, d));
    let sex = p
        .sex
        .as_ref()
        .map(|s| c.parse(s, |t| t.parse::<crate::patient::Sex>()).ok());
    let age = match &p.age {
        Some(a) => match u32::try_from(*a.get_ref()) {
            Ok(n) if (1..=120).contains(&n) => Some(Some(n)),
            _ => {
                c.at(a.span(), "the age must be in years, 1 to 120")
                    .label("not an age");
                None
            }
        },
        None => Some(None),
    };
    let child_pugh = p
        .child_pugh
        .as_ref()
        .map(|s| c.parse(s, |t| t.parse::<crate::rules::ChildPugh>()).ok());
    let height = measure(c, &p.height, parse_height);
    let weight = measure(c, &p.weight, parse_weight);
    let scr = match &p.serum_creatinine {
        Some(m) => measure(c, m, parse_serum_creatinine).map(Some),
        None => Some(None),
    };
    Some(OrderPatient {
        name: p.name.clone(),
        mrn: p.mrn.clone(),
        date_of_birth: match date_of_birth {
            Some(d) => Some(d?),
            None => None,
        },
        sex: match sex {
            Some(s) => Some(s?),
            None => None,
        },
        age: age?,
        allergies: p.allergies.clone(),
        child_pugh: match child_pugh {
            Some(x) => Some(x?),
            None => None,
        },
        height: height?,
        weight: weight?,
        serum_creatinine: scr?,
    })
}

fn used(c: &mut Collector, u: &UsedFile) -> Option<PrescriberUsed> {
    let bsa = u.bsa.as_ref().map(|b| c.parse(b, parse_bsa).ok());
    let weight = u.weight.as_ref().map(|w| c.parse(w, parse_weight).ok());
    Some(PrescriberUsed {
        bsa: match bsa {
            Some(b) => Some(b?),
            None => None,
        },
        weight: match weight {
            Some(w) => Some(w?),
            None => None,
        },
        bsa_formula: u.bsa_formula.clone(),
    })
}

fn lab(c: &mut Collector, l: &Spanned<LabFile>) -> Option<LabResult> {
    let start = l.span().start;
    let f = l.get_ref();
    let lab: Lab = c.parse(&f.lab, |s| s.parse::<Lab>()).ok()?;
    let value = c.parse(&f.value, |s| parse_lab(lab, s)).ok();
    let uln = match &f.uln {
        Some(u) => Some(c.parse(u, |s| parse_uln(lab, s)).ok()?),
        None => None,
    };
    let on = date(c, &f.date);
    Some(LabResult {
        lab,
        value: value?,
        uln,
        date: Some(on?),
        origin: LabOrigin::File {
            path: String::new(),
            line: start,
        },
    })
}

fn drug(c: &mut Collector, d: &Spanned<DrugLineFile>) -> Option<OrderedDrug> {
    let f = d.get_ref();
    let before = c.len();
    if f.name.get_ref().trim().is_empty() {
        c.at(f.name.span(), "the drug's name is empty");
    }
    let dose = f.dose.as_ref().map(|s| c.parse(s, parse_dose).ok());
    let amount = c
        .parse(&f.amount, parse_dose_mass)
        .ok()
        .and_then(|(mass, unit)| {
            crate::rounding::to_decimal(unit.of(mass)).map(|value| OrderedAmount {
                value,
                unit,
                as_written: f.amount.get_ref().clone(),
            })
        });
    let days = day_list(c, &f.days, "a drug's days");
    let times_a_day = match &f.times_a_day {
        None => Some(1),
        Some(t) => match u32::try_from(*t.get_ref()) {
            Ok(n) if (1..=24).contains(&n) => Some(n),
            _ => {
                c.at(t.span(), "times_a_day is 1 to 24")
                    .label("doses a day");
                None
            }
        },
    };
    let modification = match (&f.level, &f.reduce) {
        (Some(l), None) => match i32::try_from(*l.get_ref()) {
            Ok(n) if (-5..=-1).contains(&n) => Some(Modification::Level(n)),
            _ => {
                c.at(l.span(), "a dose level is -1 to -5")
                    .label("not a level");
                None
            }
        },
        (None, Some(r)) => c
            .parse(r, crate::quantity::Percent::reduction)
            .ok()
            .map(Modification::Percent),
        (Some(l), Some(_)) => {
            c.at(
                l.span(),
                "give a dose level or a percent reduction, not both",
            )
            .label("two changes");
            None
        }
        (None, None) => None,
    };
    if c.len() != before {
        return None;
    }
    Some(OrderedDrug {
        name: f.name.get_ref().trim().to_owned(),
        dose: dose.flatten(),
        amount: amount?,
        route: f.route.trim().to_owned(),
        infusion: f.infusion.as_ref().map(|s| s.get_ref().trim().to_owned()),
        diluent: f.diluent.clone(),
        days: days?,
        times_a_day: times_a_day?,
        modification,
        reason: f.reason.clone().filter(|r| !r.trim().is_empty()),
    })
}

/// The amount of an ordered dose as a decimal, for tests of the parser.
#[cfg(test)]
fn amount_of(o: &Order, i: usize) -> rust_decimal::Decimal {
    o.drugs[i].amount.value
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = r#"
format = 1
id = "T-1"
regimen = "doxorubicin"
regimen_version = "1.0.0"
cycle = 1
days = [1]
date = 2026-12-01
prescriber = "Dr Example"
written = 2026-11-30
[patient]
name = "Test Patient"
mrn = "MRN-1"
sex = "female"
age = 60
allergies = "nil known"
height = { value = "170 cm", date = 2026-11-30 }
weight = { value = "70 kg", date = 2026-11-30 }
[[drug]]
name = "doxorubicin"
dose = "75 mg/m2"
amount = "136 mg"
route = "IV"
days = [1]
"#;

    #[test]
    fn a_plain_order_parses() {
        let o = parse_order("o.toml", ORDER).unwrap();
        assert_eq!(o.cycle, 1);
        assert_eq!(amount_of(&o, 0), rust_decimal::Decimal::from(136));
        assert_eq!(o.patient.height.as_written, "170 cm");
    }

    #[test]
    fn an_unknown_key_is_located() {
        let text = ORDER.replace("allergies", "alergies");
        let e = parse_order("o.toml", &text).unwrap_err();
        let p = &e.problems[0];
        let (line, _) = e.location(p).unwrap();
        assert_eq!(line, 16, "{}", p.message);
    }

    #[test]
    fn a_value_without_unit_is_located() {
        let text = ORDER.replace("\"136 mg\"", "\"136\"");
        let e = parse_order("o.toml", &text).unwrap_err();
        assert_eq!(e.location(&e.problems[0]).unwrap().0, 22);
    }

    #[test]
    fn a_lab_knows_its_line() {
        let text =
            format!("{ORDER}[[lab]]\nlab = \"anc\"\nvalue = \"2x10^9/L\"\ndate = 2026-11-30\n");
        let o = parse_order("o.toml", &text).unwrap();
        assert_eq!(
            o.labs[0].origin,
            LabOrigin::File {
                path: "o.toml".to_owned(),
                line: 25
            }
        );
    }

    #[test]
    fn json_is_read_as_the_same_order() {
        let toml_value: toml::Value = toml::from_str(ORDER).unwrap();
        let json = serde_json::to_string(&toml_value).unwrap();
        let o = parse_order("o.json", &json).unwrap();
        assert_eq!(o.id, "T-1");
        assert_eq!(amount_of(&o, 0), rust_decimal::Decimal::from(136));
    }

    #[test]
    fn bad_json_is_located() {
        let e = parse_order("o.json", "{\n  \"format\": 1,\n  oops\n}").unwrap_err();
        assert_eq!(e.location(&e.problems[0]).unwrap().0, 3);
    }
}
