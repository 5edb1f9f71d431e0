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
//! - HTML: no `<script` and no raw `<` of the fuzzer's text.
#![no_main]

use chemodose::regimen::{Library, RegimenEntry};
use chemodose::render::csv::starts_like_formula;
use chemodose::render::schedule::{
    RenderContext, schedule_csv, schedule_html, schedule_ics, schedule_json, schedule_markdown,
    schedule_text,
};
use chemodose::schedule::{ScheduleOptions, build_schedule};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn entry() -> &'static RegimenEntry {
    static E: OnceLock<Library> = OnceLock::new();
    E.get_or_init(|| Library::bundled().expect("bundled library"))
        .get("gemcitabine-docetaxel")
        .expect("bundled gemcitabine-docetaxel")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Four values, separated by NUL (which no argument can hold).
    let mut parts = text.split('\0');
    let mut next = || parts.next().filter(|p| !p.is_empty()).map(str::to_owned);
    let (patient_id, name, mrn, regimen_name) = (next(), next(), next(), next());

    let mut regimen = entry().regimen.clone();
    if let Some(n) = &regimen_name {
        regimen.name = n.clone();
    }
    let patient = chemodose::patient::Patient::new(
        chemodose::quantity::parse_height("170cm").unwrap(),
        chemodose::quantity::parse_weight("70kg").unwrap(),
    );
    let options = ScheduleOptions {
        start: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
        ..ScheduleOptions::default()
    };
    let Ok(schedule) = build_schedule(&regimen, &patient, &Default::default(), &options) else {
        return;
    };
    let mut ctx = RenderContext {
        patient_id,
        ..RenderContext::default()
    };
    ctx.identity.name = name;
    ctx.identity.mrn = mrn;

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
    for value in [
        &ctx.patient_id,
        &ctx.identity.name,
        &ctx.identity.mrn,
        &regimen_name,
    ]
    .into_iter()
    .flatten()
    {
        if value.contains('<') {
            assert!(!html.contains(value.as_str()), "raw in the page: {value:?}");
        }
    }
});
