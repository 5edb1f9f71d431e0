//! Every schedule renderer on hostile text: the patient id, the printed
//! name and MRN, and the regimen's name come from the fuzzer, and the
//! gemcitabine/docetaxel schedule of a 170 cm / 70 kg patient is written as
//! text, Markdown, HTML, CSV, JSON and iCalendar. None may panic or take
//! time or space out of proportion to the input (libFuzzer's `-timeout` and
//! `-rss_limit_mb`; a quadratic line folding once took 105 s on a 100,000-
//! character id), and each format's own rule must hold:
//! - iCalendar: CRLF line ends, at most 75 octets a line, no control
//!   character left in a line;
//! - CSV: no text cell a spreadsheet would run as a formula;
//! - HTML: no `<script`, and the same tags as for the same texts with
//!   every `<` made an `x` (no value becomes markup).
#![no_main]

use chemodose::dose::DoseOptions;
use chemodose::labs::parse_labs_toml;
use chemodose::regimen::{Library, RegimenEntry};
use chemodose::render::csv::starts_like_formula;
use chemodose::render::schedule::{
    RenderContext, schedule_csv, schedule_html, schedule_ics, schedule_json, schedule_markdown,
    schedule_text,
};
use chemodose::schedule::{Schedule, ScheduleOptions, build_schedule};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn entry() -> &'static RegimenEntry {
    static E: OnceLock<Library> = OnceLock::new();
    E.get_or_init(|| Library::bundled().expect("bundled library"))
        .get("gemcitabine-docetaxel")
        .expect("bundled gemcitabine-docetaxel")
}

/// The normal liver tests docetaxel needs (the tests' labs file): without
/// them the plan is refused and nothing is rendered.
fn dose_options() -> &'static DoseOptions {
    static O: OnceLock<DoseOptions> = OnceLock::new();
    O.get_or_init(|| {
        const FILE: &str = "docs/examples/gemdoc-labs.toml";
        let text = include_str!("../../docs/examples/gemdoc-labs.toml");
        let mut options = DoseOptions::default();
        for result in parse_labs_toml(FILE, text).expect("the labs file parses") {
            options.clinical.labs.insert(result);
        }
        options
    })
}

/// The fuzzer's four texts: patient id, printed name, MRN, regimen name.
type Texts = [Option<String>; 4];

/// The schedule and the render context for `texts`.
fn render_inputs(texts: &Texts) -> (Schedule, RenderContext) {
    let [patient_id, name, mrn, regimen_name] = texts.clone();
    let mut regimen = entry().regimen.clone();
    if let Some(n) = regimen_name {
        regimen.name = n;
    }
    let patient = chemodose::patient::Patient::new(
        chemodose::quantity::parse_height("170cm").unwrap(),
        chemodose::quantity::parse_weight("70kg").unwrap(),
    );
    let options = ScheduleOptions {
        start: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
        ..ScheduleOptions::default()
    };
    // The texts change no dose: the schedule always builds, so every input
    // reaches every renderer.
    let schedule =
        build_schedule(&regimen, &patient, dose_options(), &options).expect("the schedule builds");
    let mut ctx = RenderContext {
        patient_id,
        ..RenderContext::default()
    };
    ctx.identity.name = name;
    ctx.identity.mrn = mrn;
    (schedule, ctx)
}

/// The page's tags in order: each `<` and the name after it. A value that
/// reached the page unescaped would add one.
fn tags(html: &str) -> Vec<&str> {
    html.match_indices('<')
        .map(|(i, _)| {
            let rest = &html[i + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '!'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Four values, separated by NUL (which no argument can hold).
    let mut parts = text.split('\0');
    let mut next = || parts.next().filter(|p| !p.is_empty()).map(str::to_owned);
    let texts: Texts = [next(), next(), next(), next()];
    let (schedule, ctx) = render_inputs(&texts);

    let _ = schedule_text(&schedule, &ctx);
    let _ = schedule_markdown(&schedule, &ctx);
    let _ = schedule_json(&schedule, &ctx).to_string();

    let ics = schedule_ics(&schedule, &ctx);
    assert!(ics.ends_with("\r\n"));
    for line in ics[..ics.len() - 2].split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.chars().any(char::is_control), "control in {line:?}");
    }

    let csv = schedule_csv(&schedule, &ctx);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    for record in reader.records() {
        let record = record.expect("our CSV parses");
        for cell in record.iter() {
            assert!(
                !starts_like_formula(cell) || cell.trim().parse::<f64>().is_ok(),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
    }

    let html = schedule_html(&schedule, &ctx);
    assert!(!html.to_ascii_lowercase().contains("<script"));
    // The same texts with every `<` made an `x` give the same tags.
    if texts.iter().flatten().any(|t| t.contains('<')) {
        let plain: Texts = texts.clone().map(|t| t.map(|t| t.replace('<', "x")));
        let (schedule, ctx) = render_inputs(&plain);
        let baseline = schedule_html(&schedule, &ctx);
        assert_eq!(tags(&html), tags(&baseline), "a value made a tag");
    }
});
