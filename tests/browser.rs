//! The local web page in a real browser (issue 19): headless Chromium driven
//! through ChromeDriver (WebDriver) against a real `chemodose serve`
//! process, as a pharmacist uses it: values typed into the dose form and the
//! doses read from the page, a bad value shown beside its field, a refusal,
//! the schedule and its print-ready page, an order with a planted error
//! uploaded and queried; each print-ready page printed to PDF by the browser
//! (WebDriver "Print Page") and read back with pdftotext.
//!
//! The harness is `tests/common/browser.rs` (`open`, `fill`, `choose_file`,
//! `submit_and_wait`, `click_to_new_tab`, `text`, `print_pdf`, `pdf_text`).
//!
//! Doses by hand: gemcitabine/docetaxel at 170 cm and 70 kg, Mosteller BSA
//! sqrt(170 × 70 / 3600) = sqrt(3.3056) = 1.8181 → 1.82 m² (2 decimals);
//! gemcitabine 900 mg/m² × 1.82 m² = 1,638 mg (days 1 and 8), docetaxel
//! 100 mg/m² × 1.82 m² = 182 mg (day 8) (Hensley 2002; the regimen file).
//!
//! Without chromium, chromedriver or pdftotext the tests are skipped with a
//! note; under CI (`CI` set) they fail instead (`.ci/run` installs them).
//!
//! The README's screenshot `docs/images/dose-page.png` is made by the
//! ignored test at the end:
//! `cargo test --test browser -- --ignored --exact dose_page_screenshot_for_the_readme`.

mod common;
#[path = "common/browser.rs"]
mod harness;

use harness::{Browser, pdf_text};

/// The normal results of `docs/examples/gemdoc-labs.toml`, as form fields:
/// docetaxel is refused without liver tests (its boxed warning).
const LABS: &[(&str, &str)] = &[
    ("anc", "3.2x10^9/L"),
    ("platelets", "245x10^9/L"),
    ("bilirubin", "9umol/L"),
    ("bilirubin_uln", "21umol/L"),
    ("ast", "24U/L"),
    ("ast_uln", "40U/L"),
    ("alt", "22U/L"),
    ("alt_uln", "45U/L"),
    ("alp", "88U/L"),
    ("alp_uln", "130U/L"),
];

/// Opens the dose form and types gemcitabine/docetaxel at `height`, 70 kg,
/// with the normal liver tests and counts.
fn fill_gem_doc(b: &Browser, height: &str) {
    b.open("/dose");
    b.fill("regimen", "gemcitabine-docetaxel");
    b.fill("height", height);
    b.fill("weight", "70kg");
    b.fill_all(LABS);
}

/// The row of the dose table for `drug` on `day`: the line whose first two
/// words are the day and the drug (as printed, tall-man: `DOCEtaxel`).
fn rows<'a>(table: &'a str, day: &str, drug: &str) -> Vec<&'a str> {
    table
        .lines()
        .filter(|l| {
            let mut words = l.split_whitespace();
            words.next() == Some(day) && words.next() == Some(drug)
        })
        .collect()
}

/// The calculated and final doses of a row: the two amounts after the
/// prescribed dose, each `N mg` (a thousands separator allowed).
fn assert_row_doses(table: &str, day: &str, drug: &str, prescribed: &str, dose: &str) {
    let found = rows(table, day, drug);
    assert_eq!(found.len(), 1, "one row for {drug} day {day}:\n{table}");
    let row = found[0];
    let after = row
        .split_once(prescribed)
        .unwrap_or_else(|| panic!("{prescribed} in {row}"))
        .1;
    // Calculated, then final: the same here (no cap, no reduction).
    assert_eq!(
        after.matches(dose).count(),
        2,
        "calculated and final {dose} in: {row}"
    );
    assert!(
        after.trim_start().starts_with(dose),
        "calculated {dose} first in: {row}"
    );
}

#[test]
fn the_dose_form_typed_in_a_browser_gives_the_doses_by_hand() {
    let Some(b) = Browser::start() else { return };
    fill_gem_doc(&b, "170cm");
    b.submit_and_wait("#result");
    let table = b.text("#result");
    assert!(
        table.contains("1.82 m² used for dosing"),
        "BSA 1.82 m²: {table}"
    );
    assert_row_doses(&table, "1", "gemcitabine", "900 mg/m²", "1,638 mg");
    assert_row_doses(&table, "8", "gemcitabine", "900 mg/m²", "1,638 mg");
    assert_row_doses(&table, "8", "DOCEtaxel", "100 mg/m²", "182 mg");
    assert!(table.contains("PROCEED"), "{table}");
    // No error anywhere, and the values typed stay in the form.
    assert!(!b.has(".error"), "no error on the page");
    assert!(!b.has("#refusal"), "no refusal on the page");
    assert_eq!(b.value("height"), "170cm");
    assert_eq!(b.value("regimen"), "gemcitabine-docetaxel");
    assert_eq!(b.value("alp_uln"), "130U/L");
}

#[test]
fn a_height_without_its_unit_is_shown_beside_the_height_field() {
    let Some(b) = Browser::start() else { return };
    fill_gem_doc(&b, "170");
    b.submit_and_wait("#error-height");
    // Beside the field: the error is the next error span after the height
    // input, inside the same field row.
    let beside = b.text("#height ~ span.error");
    assert!(
        beside.contains("height needs a unit, e.g. 170cm or 67in"),
        "{beside}"
    );
    assert_eq!(b.text("#error-height"), beside);
    // Only height is wrong; no doses; the value typed is kept for correction.
    assert!(!b.has("#error-weight"), "weight was right");
    assert!(!b.has("#result"), "no doses with a bad height");
    assert_eq!(b.value("height"), "170");
    assert_eq!(b.value("weight"), "70kg");
}

#[test]
fn docetaxel_without_liver_tests_is_refused_in_a_red_box() {
    let Some(b) = Browser::start() else { return };
    b.open("/dose");
    b.fill("regimen", "gemcitabine-docetaxel");
    b.fill("height", "170cm");
    b.fill("weight", "70kg");
    b.submit_and_wait("#refusal");
    let text = b.text("#refusal");
    assert!(text.starts_with("REFUSED"), "{text}");
    assert!(text.contains("DOCEtaxel needs"), "{text}");
    assert!(!b.has("#result"), "no doses when refused");
}

#[test]
fn the_dose_print_ready_page_printed_by_the_browser_carries_the_doses() {
    let Some(b) = Browser::start() else { return };
    fill_gem_doc(&b, "170cm");
    b.submit_and_wait("#result");
    b.click_to_new_tab("#print", "/dose/print", "table.admin");
    // A4 portrait at scale 1: the print-ready page fits the paper (the
    // calculator's own page does not: docs/web.md, "Known limits").
    let pdf = b.print_pdf();
    let text = pdf_text(&b.tools, &pdf);
    assert!(text.contains("1.82 m²"), "BSA 1.82 m²: {text}");
    // Calculated and final dose on the table's row of each prescribed
    // dose (a row starts with its day; the totals below do not).
    let row = |prescribed: &str| -> String {
        text.lines()
            .filter(|l| {
                l.contains(prescribed)
                    && l.split_whitespace()
                        .next()
                        .is_some_and(|d| d.parse::<u32>().is_ok())
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        row("900 mg/m²").matches("1,638 mg").count(),
        4,
        "days 1 and 8: {text}"
    );
    let docetaxel = row("100 mg/m²");
    assert!(docetaxel.contains("DOCEtaxel"), "{text}");
    assert_eq!(docetaxel.matches("182 mg").count(), 2, "{text}");
}

/// Two cycles of gemcitabine/docetaxel from Tuesday 2026-12-01, cycle 2
/// delayed 7 days: cycle 1 days 1 and 8 are 2026-12-01 and 2026-12-08;
/// cycle 2 is due 21 days after 2026-12-01, on 2026-12-22, and the delay
/// moves it to 2026-12-29, its day 8 to 2027-01-05.
#[test]
fn the_schedule_print_ready_page_printed_by_the_browser_has_the_dates_and_doses() {
    let Some(b) = Browser::start() else { return };
    b.open("/schedule");
    b.fill("regimen", "gemcitabine-docetaxel");
    b.fill_all(&[
        ("height", "170cm"),
        ("weight", "70kg"),
        ("start", "2026-12-01"),
        ("cycles", "2"),
        ("delay", "2=7"),
        ("labs_date", "2026-11-30"),
        ("patient_id", "P-0001"),
    ]);
    b.fill_all(LABS);
    b.submit_and_wait("#result");
    let calendar = b.text("#result");
    for date in ["2026-12-01", "2026-12-08", "2026-12-29", "2027-01-05"] {
        assert!(calendar.contains(date), "{date}: {calendar}");
    }
    assert!(!calendar.contains("2026-12-22"), "delayed: {calendar}");
    b.click_to_new_tab("#print", "/schedule/print", "table.admin");
    let text = pdf_text(&b.tools, &b.print_pdf());
    // One cycle a page: pdftotext ends each page with a form feed.
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 2, "{} pages: {text}", pages.len());
    for date in ["2026-12-01", "2026-12-08", "2026-12-29", "2027-01-05"] {
        assert!(text.contains(date), "{date}: {text}");
    }
    assert!(
        text.contains("Cycle 2 of 2: day 1 Tue 2026-12-29 (delayed 7 days)"),
        "{text}"
    );
    // Each administration's row: its date, day, drug and dose.
    let on = |date: &str, drug: &str| -> Vec<&str> {
        text.lines()
            .filter(|l| l.contains(date) && l.contains(drug))
            .collect()
    };
    for date in ["2026-12-01", "2026-12-08", "2026-12-29", "2027-01-05"] {
        let rows = on(date, "gemcitabine");
        assert_eq!(rows.len(), 1, "{date}: {text}");
        assert!(rows[0].contains("1,638 mg"), "{}", rows[0]);
    }
    for date in ["2026-12-08", "2027-01-05"] {
        let rows = on(date, "DOCEtaxel");
        assert_eq!(rows.len(), 1, "{date}: {text}");
        assert!(rows[0].contains("182 mg"), "{}", rows[0]);
    }
    assert!(
        on("2026-12-01", "DOCEtaxel").is_empty(),
        "docetaxel on day 8 only"
    );
    assert!(text.contains("Patient id: P-0001"), "{text}");
}

/// docs/examples/orders/gemcitabine-docetaxel-c1.toml with one error planted:
/// docetaxel ordered as 176 mg. By hand: BSA sqrt(165 × 60 / 3600) =
/// sqrt(2.75) = 1.6583 → 1.66 m²; docetaxel 100 mg/m² × 1.66 = 166 mg;
/// deviation (176 − 166) / 166 = +6.02 %, above the 5 % agreement and within
/// 10 %: a query (dose-deviation), so the order is QUERY.
#[test]
fn an_order_with_a_planted_error_uploaded_in_a_browser_is_queried() {
    let Some(b) = Browser::start() else { return };
    let order = include_str!("../docs/examples/orders/gemcitabine-docetaxel-c1.toml");
    let planted = order.replacen("amount = \"166 mg\"", "amount = \"176 mg\"", 1);
    assert_ne!(planted, order, "the error is planted");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("order-c1.toml");
    std::fs::write(&file, &planted).unwrap();
    b.open("/order");
    b.choose_file("order_file", &file);
    b.submit_and_wait("#verdict");
    assert_eq!(b.text("#verdict"), "QUERY");
    let record = b.text("#result");
    assert!(
        record.contains("QUERY [dose-deviation] DOCEtaxel day 8: ordered 176 mg against the independent 166 mg (+6.02 %)"),
        "{record}"
    );
    // The gemcitabine lines agree: 900 mg/m² × 1.66 = 1,494 mg.
    assert!(!record.contains("gemcitabine day 1: ordered"), "{record}");
    b.click_to_new_tab("#print", "/order/print", "body");
    let text = pdf_text(&b.tools, &b.print_pdf());
    assert!(text.contains("Order ORD-2026-0101: QUERY"), "{text}");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("DOCEtaxel") && l.contains("176 mg"))
        .unwrap_or_else(|| panic!("the docetaxel line: {text}"));
    assert!(
        line.contains("166 mg") && line.contains("+6.02 %"),
        "{line}"
    );
}

/// Writes `docs/images/dose-page.png`, the README's picture of the dose page
/// (gemcitabine/docetaxel at 170 cm and 70 kg), scrolled to the doses, in
/// a window of [`harness::WINDOW`].
#[test]
#[ignore = "writes docs/images/dose-page.png; run by hand when the page changes"]
fn dose_page_screenshot_for_the_readme() {
    let Some(b) = Browser::start() else { return };
    fill_gem_doc(&b, "170cm");
    b.submit_and_wait("#result");
    // The end of the form (the options and the button), then the doses.
    b.scroll_to("#result", 266);
    let png = b.screenshot();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/images/dose-page.png");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &png).unwrap();
    eprintln!("wrote {} ({} bytes)", path.display(), png.len());
}
