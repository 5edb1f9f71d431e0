//! `chemodose order verify`: the pharmacist's independent double check of
//! one or more chemotherapy orders. Thin: reads the files, resolves the
//! regimen and a history, calls [`chemodose::order::verify_order`], renders.
//! An order may also be handed in as text ([`run_given`], the web page's
//! paste or upload): the same parsing, verification and record, with no
//! file read or written for it.
//!
//! Exit codes: 0 every order VERIFIED; 1 any QUERY or REJECT; 2 an order
//! file (or the history, or a flag) could not be read — the other orders are
//! still checked and reported, and exit 2 wins, as the worklist was not
//! checked whole.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};

use chemodose::files::{FileKind, read_bytes, read_text};
use chemodose::order::{
    Thresholds, Verdict, Verification, VerifyInputs, parse_order, verify_order,
};
use chemodose::quantity::Percent;
use chemodose::regimen::RegimenEntry;
use chemodose::render::order::{RecordContext, order_md, order_text, summary_md, summary_text};

use super::output::{JsonLayout, write_atomically};
use super::regimens::LibraryArgs;
use super::{Failure, GivenText, InputError, Report, args, diagnostics};

#[derive(Debug, Args)]
pub struct OrderArgs {
    #[command(subcommand)]
    command: OrderCommand,
}

#[derive(Debug, Subcommand)]
enum OrderCommand {
    /// Verify chemotherapy orders against the regimen in force and the patient.
    Verify(VerifyArgs),
}

/// Output formats of `order verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OrderFormat {
    #[default]
    Text,
    Md,
    Html,
    Json,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Order files (TOML, or JSON with a .json name); several give a
    /// summary table, then each order's report.
    /// (A name starting with `-` is read as an option: write `-- -name`.)
    #[arg(required = true, value_name = "ORDER_FILE")]
    orders: Vec<String>,
    /// A treatment history: prior doses count against lifetime limits, the
    /// weight is compared with the line's first and last cycles.
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// A FHIR R4 Bundle (or NDJSON) of the patient's record: its latest
    /// height and weight, and the Patient's gender, are compared with each
    /// order's (a difference is a finding); the order's own values are still
    /// the ones its doses are recomputed from (docs/fhir.md).
    #[arg(long, value_name = "BUNDLE")]
    fhir: Option<PathBuf>,
    /// Output format: text, Markdown, print-ready HTML or JSON.
    #[arg(long, value_enum, default_value_t)]
    format: OrderFormat,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// A dose deviation up to this agrees (NHS dose bands about 5-6 %).
    #[arg(long, allow_hyphen_values = true, value_parser = args::tolerance)]
    agree_within: Option<Percent>,
    /// A deviation up to this needs a stated reason; above it the order is
    /// stopped (HOPA: 10 %).
    #[arg(long, allow_hyphen_values = true, value_parser = args::tolerance)]
    query_within: Option<Percent>,
    /// The oldest weight accepted, in days before the planned date.
    #[arg(long, value_name = "DAYS", allow_hyphen_values = true, value_parser = args::days)]
    max_weight_age: Option<u32>,
    /// The oldest lab result (and serum creatinine) accepted, in days.
    #[arg(long, value_name = "DAYS", allow_hyphen_values = true, value_parser = args::days)]
    max_result_age: Option<u32>,
    /// The site's BSA formula for the independent calculation, as `dose
    /// --formula`. Default mosteller, or the site config's.
    #[arg(long, value_name = "FORMULA", value_parser = args::FORMULA)]
    formula: Option<chemodose::bsa::BsaFormula>,
    /// An alternative rule table of a regimen for one drug, as the regimen
    /// file names it: cisplatin=kintzel-dorr. Repeatable.
    #[arg(long, value_name = "DRUG=SET", value_parser = args::rule_set)]
    rule_set: Vec<(String, String)>,
    #[command(flatten)]
    lib: LibraryArgs,
}

pub fn run(a: OrderArgs) -> Result<Report, Failure> {
    match a.command {
        OrderCommand::Verify(v) => verify(v, Source::Files, JsonLayout::Pretty),
    }
}

/// `order verify NAME` with the order's text handed in
/// ([`super::run_args_with_text`]): the web page's paste or upload, its
/// JSON laid out as `layout` says.
pub(super) fn run_given(
    a: OrderArgs,
    given: &GivenText,
    layout: JsonLayout,
) -> Result<Report, Failure> {
    match a.command {
        OrderCommand::Verify(v) => verify(v, Source::Given(given), layout),
    }
}

/// Where the orders' texts come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// The files named on the command line.
    Files,
    /// One order handed in as text: nothing else is read (no `--history`)
    /// or written (no `--output`), and its regimen is an id or alias of the
    /// library, never a path.
    Given(&'a GivenText),
}

/// The regimen an order given as text names: an id or alias of the library
/// only; a path in a request is never read. An id that names a file
/// `<id>.toml` of the library reads that file alone, as `dose` does (for
/// `serve`: not the whole folder for every order); an alias, the library.
fn library_regimen(
    lib: &LibraryArgs,
    key: &str,
) -> Result<std::sync::Arc<RegimenEntry>, InputError> {
    let key = key.trim();
    let plain_id = !key.is_empty()
        && !key.ends_with(".toml")
        && !key.contains('/')
        && !key.contains(std::path::MAIN_SEPARATOR);
    if plain_id && let Some(entry) = lib.single(key) {
        return entry;
    }
    let (library, from) = lib.library()?;
    library.get(key).cloned().map(std::sync::Arc::new).ok_or_else(|| {
        InputError(format!(
            "the order's regimen `{key}` is not an id or alias of the {from} (an order given as text names its regimen by id or alias; a path is never read); known regimens: {}",
            library.ids().join(", ")
        ))
    })
}

/// SHA-256 of the regimen file an entry came from, hex.
fn regimen_hash(origin: &str) -> Option<String> {
    let bytes = match origin.strip_prefix("bundled:") {
        Some(name) => chemodose::regimen::bundled()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| text.as_bytes().to_vec())?,
        None => read_bytes(std::path::Path::new(origin), FileKind::Regimen).ok()?,
    };
    let digest = Sha256::digest(&bytes);
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}

fn verify(a: VerifyArgs, source: Source<'_>, layout: JsonLayout) -> Result<Report, Failure> {
    use super::settings::value;
    if let Source::Given(g) = source {
        if a.orders != [g.name.clone()] {
            return Err(
                InputError(format!("a given order is verified alone, as `{}`", g.name)).into(),
            );
        }
        if a.history.is_some() || a.fhir.is_some() || a.output.is_some() {
            return Err(InputError(
                "a given order is verified without --history, --fhir or --output: no file is read or written for it".to_owned(),
            )
            .into());
        }
    }
    let t = Thresholds::default();
    let thresholds = Thresholds {
        agree: value(a.agree_within, |c| &c.order_agree_within, t.agree),
        query: value(a.query_within, |c| &c.order_query_within, t.query),
        max_weight_age_days: value(
            a.max_weight_age,
            |c| &c.order_max_weight_age_days,
            t.max_weight_age_days,
        ),
        max_result_age_days: value(
            a.max_result_age,
            |c| &c.order_max_result_age_days,
            t.max_result_age_days,
        ),
    };
    let formula = value(
        a.formula,
        |c| &c.bsa_formula,
        chemodose::dose::DoseOptions::default().bsa_formula,
    );
    if thresholds.query.value() < thresholds.agree.value() {
        return Err(InputError(format!(
            "--query-within {} is below --agree-within {}: the reason band must start where agreement ends",
            thresholds.query, thresholds.agree
        ))
        .into());
    }
    let mut rule_sets = std::collections::BTreeMap::new();
    for (drug, set) in &a.rule_set {
        if rule_sets.insert(drug.clone(), set.clone()).is_some() {
            return Err(InputError(format!("--rule-set for {drug} is given twice")).into());
        }
    }
    let history = match &a.history {
        Some(path) => {
            let (library, _) = a.lib.library()?;
            let (_, h) = super::history::load(path, &library)?;
            Some((path.clone(), library, h))
        }
        None => None,
    };
    let record = match &a.fhir {
        Some(path) => Some(super::fhir::record_patient(path)?),
        None => None,
    };
    let version = env!("CARGO_PKG_VERSION").to_owned();
    let checked_at = super::schedule::generated_at();
    let mut results: Vec<(Verification, RecordContext)> = Vec::new();
    let mut unreadable: Vec<(String, String)> = Vec::new();
    let mut notes = Vec::new();
    if let Some((_, note)) = &record {
        notes.push(note.clone());
    }
    let warnings = Vec::new();
    for name in &a.orders {
        let path = std::path::Path::new(name);
        let shown = name.clone();
        let one = (|| -> Result<(Verification, RecordContext), InputError> {
            if name.is_empty() {
                return Err(InputError(
                    "an order file name is empty: give the path of an order file".to_owned(),
                ));
            }
            let text = match source {
                Source::Files => read_text(path, FileKind::Order)?,
                Source::Given(g) => g.text.clone(),
            };
            let order =
                parse_order(&shown, &text).map_err(|e| InputError(diagnostics::render(&e)))?;
            let entry = match source {
                Source::Files => a.lib.regimen(&order.regimen)?,
                Source::Given(_) => library_regimen(&a.lib, &order.regimen)?,
            };
            let mut inputs = VerifyInputs {
                thresholds,
                record: record.as_ref().map(|(r, _)| r.clone()),
                ..VerifyInputs::default()
            };
            inputs.options.clinical.rule_sets = rule_sets.clone();
            inputs.options.bsa_formula = formula;
            if let Some((hpath, library, h)) = &history {
                let mut w = Vec::new();
                super::dose::apply_history(
                    hpath,
                    library,
                    h,
                    super::dose::Dosing::Cycle {
                        regimen: &entry.regimen.id,
                        cycle: order.cycle,
                    },
                    &mut inputs.options,
                    &mut notes,
                    &mut w,
                )?;
                // The history's warnings are part of the record, as findings.
                inputs.history = Some(chemodose::order::HistoryPatient {
                    id: h.patient_id.clone(),
                    name: h.name.clone(),
                    mrn: h.mrn.clone(),
                    sex: h.sex,
                    birth_year: h.birth_year,
                    warnings: w.into_iter().map(|(c, m)| (c.to_owned(), m)).collect(),
                });
            }
            let v = verify_order(&order, &entry.regimen, &inputs);
            let ctx = RecordContext {
                order_file: shown.clone(),
                regimen_sha256: regimen_hash(&entry.origin),
                regimen_origin: entry.origin.clone(),
                chemodose_version: version.clone(),
                checked_at,
            };
            Ok((v, ctx))
        })();
        match one {
            Ok(r) => results.push(r),
            Err(InputError(message)) => unreadable.push((shown, message)),
        }
    }
    let pairs: Vec<(&Verification, &RecordContext)> = results.iter().map(|(v, c)| (v, c)).collect();
    let several = a.orders.len() > 1;
    let bad_names: Vec<String> = unreadable.iter().map(|(f, _)| f.clone()).collect();
    use super::settings::{Stamp, stamp};
    let text = match a.format {
        OrderFormat::Text => {
            let mut out = String::new();
            if several {
                let vs: Vec<&Verification> = pairs.iter().map(|(v, _)| *v).collect();
                out.push_str(&summary_text(&vs));
                for b in &bad_names {
                    out.push_str(&format!("NOT VERIFIED (unreadable): {b}\n"));
                }
                out.push('\n');
            }
            for (v, c) in &pairs {
                out.push_str(&order_text(v, c));
                out.push('\n');
            }
            stamp(Stamp::Text, out)
        }
        OrderFormat::Md => {
            let vs: Vec<&Verification> = pairs.iter().map(|(v, _)| *v).collect();
            let mut out = summary_md(&vs);
            for b in &bad_names {
                out.push_str(&format!(
                    "**NOT VERIFIED (unreadable):** {}\n\n",
                    chemodose::render::escape::markdown(b)
                ));
            }
            for (v, c) in &pairs {
                out.push_str(&order_md(v, c));
            }
            stamp(Stamp::Markdown, out)
        }
        OrderFormat::Html => stamp(
            Stamp::Html,
            chemodose::render::order_html::orders_html(&pairs, &bad_names),
        ),
        OrderFormat::Json => {
            let mut json =
                chemodose::render::json::orders_json(&pairs, &unreadable, &version, checked_at);
            super::settings::stamp_json(&mut json);
            super::output::json_text(&json, layout)?
        }
    };
    let problem = pairs.iter().any(|(v, _)| v.verdict != Verdict::Verified);
    let errors: Vec<String> = unreadable.iter().map(|(_, m)| m.clone()).collect();
    let stdout = match &a.output {
        Some(path) => {
            let mut inputs: Vec<PathBuf> = a.orders.iter().map(PathBuf::from).collect();
            inputs.extend(a.history.iter().cloned());
            inputs.extend(a.fhir.iter().cloned());
            inputs.extend(a.lib.files_read(None));
            write_atomically(path, text.as_bytes(), &inputs)?;
            notes.push(format!("wrote {}", path.display()));
            String::new()
        }
        None => text,
    };
    let report = Report {
        stdout,
        notes,
        warnings,
        problem,
    };
    if errors.is_empty() {
        Ok(report)
    } else {
        Err(Failure::Partial { report, errors })
    }
}
