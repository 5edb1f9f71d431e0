//! The schedule page, its downloads and the print-ready pages of the dose
//! and the schedule.
//!
//! By hand (regimens/gemcitabine-docetaxel.toml: gemcitabine 900 mg/m² days
//! 1 and 8, docetaxel 100 mg/m² day 8, every 21 days): at 170 cm and 70 kg
//! BSA = sqrt(170 × 70 / 3600) = 1.8181 → 1.82 m²; gemcitabine 900 × 1.82 =
//! 1,638 mg, docetaxel 100 × 1.82 = 182 mg. Start Tue 2026-12-01: cycle 1
//! day 8 is 2026-12-08; cycle 2 is due 21 days later, 2026-12-22, and a
//! delay of 7 days (`2=7`) moves it to 2026-12-29, its day 8 to 2027-01-05.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::server::*;

/// The schedule form's fields for two cycles of gemcitabine/docetaxel,
/// cycle 2 delayed 7 days.
fn course() -> Vec<(&'static str, String)> {
    let mut f = gem_doc("170cm");
    f.extend([
        ("start", "2026-12-01".to_owned()),
        ("cycles", "2".to_owned()),
        ("delay", "2=7".to_owned()),
        ("labs_date", "2026-11-30".to_owned()),
        ("patient_id", "P-0001".to_owned()),
    ]);
    f
}

/// The same as `chemodose schedule` arguments, `--flag=value`.
fn course_args(format: &str) -> Vec<String> {
    let mut args = vec!["schedule".to_owned(), format!("--format={format}")];
    for (k, v) in course() {
        if k != "regimen" {
            args.push(format!("--{}={v}", k.replace('_', "-")));
        }
    }
    args.extend(["--".to_owned(), "gemcitabine-docetaxel".to_owned()]);
    args
}

/// What `chemodose schedule` prints on standard output for the course.
fn command_line(format: &str) -> String {
    let out = crate::common::chemodose()
        .args(course_args(format))
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run chemodose schedule");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Status, headers and body of a form POST.
fn post_full(
    s: &Server,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, ureq::http::HeaderMap, String) {
    let mut r = agent()
        .post(&s.url(path))
        .send_form(fields.iter().copied())
        .unwrap();
    let headers = r.headers().clone();
    (
        r.status().as_u16(),
        headers,
        r.body_mut().read_to_string().unwrap(),
    )
}

fn header<'a>(h: &'a ureq::http::HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
}

#[test]
fn the_schedule_page_shows_the_calendar_by_hand() {
    let s = Server::start();
    let (status, form) = get(&s, "/schedule");
    assert_eq!(status, 200);
    assert!(form.contains("name=\"start\""), "{form}");
    assert!(form.contains("<textarea id=\"delay\""), "{form}");
    let fields = course();
    let (status, page) = post_form(&s, "/schedule", &as_refs(&fields));
    assert_eq!(status, 200, "{page}");
    let result = &page[page.find("id=\"result\"").expect("a calendar")..];
    assert!(result.contains("1,638 mg"), "{result}");
    assert!(result.contains("182 mg"), "{result}");
    // Cycle 2 delayed 7 days: 2026-12-22 + 7 = 2026-12-29, day 8 2027-01-05.
    assert!(result.contains("Cycle 2: day 1 Tue 2026-12-29"), "{result}");
    assert!(result.contains("Tue 2027-01-05"), "{result}");
    // The buttons post the values back in hidden inputs, not in an address.
    for id in ["print", "download-csv", "download-json", "download-ics"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}: {page}");
    }
    assert!(
        page.contains("<input type=\"hidden\" name=\"height\" value=\"170cm\">"),
        "{page}"
    );
    assert!(!page.contains("action=\"/schedule/download?"), "{page}");
}

#[test]
fn downloads_are_the_command_line_files_as_attachments() {
    let s = Server::start();
    for (format, content_type) in [
        ("csv", "text/csv; charset=utf-8"),
        ("json", "application/json"),
        ("ics", "text/calendar; charset=utf-8"),
    ] {
        let mut fields = course();
        fields.push(("format", format.to_owned()));
        let (status, h, body) = post_full(&s, "/schedule/download", &as_refs(&fields));
        assert_eq!(status, 200, "{format}: {body}");
        assert_eq!(header(&h, "content-type"), content_type, "{format}");
        assert_eq!(
            header(&h, "content-disposition"),
            format!("attachment; filename=\"schedule-gemcitabine-docetaxel-2026-12-01.{format}\""),
        );
        assert_eq!(body, command_line(format), "{format}");
    }
    // The values: cycle 1 day 8 in the CSV.
    let csv = command_line("csv");
    let day8: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",1,8,2026-12-08,") && l.contains("antineoplastic"))
        .collect();
    assert_eq!(day8.len(), 2, "{csv}");
    assert!(
        day8.iter()
            .any(|l| l.contains("gemcitabine") && l.contains(",1638,1638,mg,"))
    );
    assert!(
        day8.iter()
            .any(|l| l.contains("docetaxel") && l.contains(",182,182,mg,"))
    );
    // A calendar needs a patient or course id: the message is beside it.
    let mut fields = course();
    fields.retain(|(k, _)| *k != "patient_id");
    fields.push(("format", "ics".to_owned()));
    let (status, _, page) = post_full(&s, "/schedule/download", &as_refs(&fields));
    assert_eq!(status, 400);
    assert!(page.contains("id=\"error-patient_id\""), "{page}");
    // Any other format is refused.
    let mut fields = course();
    fields.push(("format", "pdf".to_owned()));
    let (status, _, _) = post_full(&s, "/schedule/download", &as_refs(&fields));
    assert_eq!(status, 400);
}

/// The page's policy allows its `<style>` block by the block's SHA-256,
/// computed here from the page's text: a browser applies the style. No
/// `style` attribute (which a hash of the block does not allow) is left.
fn assert_print_page(h: &ureq::http::HeaderMap, html: &str, file: &str) {
    assert_eq!(header(h, "content-type"), "text/html; charset=utf-8");
    assert_eq!(
        header(h, "content-disposition"),
        format!("inline; filename=\"{file}\"")
    );
    let start = html.find("<style>").expect("an inline style") + "<style>".len();
    let end = start + html[start..].find("</style>").unwrap();
    assert!(!html[end..].contains("<style"), "one style block");
    let digest = Sha256::digest(&html.as_bytes()[start..end]);
    let hash = base64::engine::general_purpose::STANDARD.encode(digest);
    let csp = header(h, "content-security-policy");
    assert_eq!(
        csp,
        format!(
            "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        )
    );
    assert!(!html.contains(" style=\""), "a style attribute");
    assert!(!html.contains("<script"), "{html}");
}

#[test]
fn print_ready_pages_carry_a_policy_allowing_their_own_style() {
    let s = Server::start();
    let fields = course();
    let (status, h, html) = post_full(&s, "/schedule/print", &as_refs(&fields));
    assert_eq!(status, 200, "{html}");
    assert_print_page(&h, &html, "schedule-gemcitabine-docetaxel-2026-12-01.html");
    assert!(html.contains("1,638 mg"), "{html}");
    assert_eq!(html, command_line("html"));
    // The dose result's print-ready page: `dose --format html`.
    let (status, page) = post_form(&s, "/dose", &as_refs(&gem_doc("170cm")));
    assert_eq!(status, 200);
    assert!(page.contains("action=\"&#x2f;dose&#x2f;print\""), "{page}");
    let (status, h, html) = post_full(&s, "/dose/print", &as_refs(&gem_doc("170cm")));
    assert_eq!(status, 200, "{html}");
    assert_print_page(&h, &html, "dose-gemcitabine-docetaxel-cycle-1.html");
    assert!(
        html.contains("1,638 mg") && html.contains("182 mg"),
        "{html}"
    );
    // Every other page keeps the site's policy.
    let (_, h, _) = post_full(&s, "/dose", &as_refs(&gem_doc("170cm")));
    assert!(header(&h, "content-security-policy").contains("style-src 'self'"));
}

#[test]
fn a_bad_schedule_value_is_shown_beside_its_field() {
    let s = Server::start();
    for (field, value, words) in [
        (
            "start",
            "2026-13-01",
            "is not a date; write it as YYYY-MM-DD",
        ),
        ("height", "170", "height needs a unit, e.g. 170cm or 67in"),
        ("delay", "3", "a delay is CYCLE=DAYS, e.g. 3=7"),
        ("cycles", "0", "--cycles"),
    ] {
        let mut fields = course();
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value.to_owned()));
        let (status, page) = post_form(&s, "/schedule", &as_refs(&fields));
        assert_eq!(status, 400, "{field}: {page}");
        let at = page
            .find(&format!("id=\"error-{field}\""))
            .unwrap_or_else(|| panic!("no error beside {field}: {page}"));
        let shown = &page[at..at + page[at..].find("</span>").unwrap()];
        assert!(shown.contains(words), "{field}: {shown}");
        assert!(!page.contains("id=\"result\""), "{page}");
        // The values typed stay in the form.
        assert!(page.contains(&format!("value=\"{value}\"")) || field == "delay");
    }
    // The print and download buttons answer the same way.
    let mut fields = course();
    fields.retain(|(k, _)| *k != "start");
    fields.push(("start", "tomorrow".to_owned()));
    let (status, _, page) = post_full(&s, "/schedule/print", &as_refs(&fields));
    assert_eq!(status, 400);
    assert!(page.contains("id=\"error-start\""), "{page}");
}

#[test]
fn a_schedule_refusal_is_shown_as_a_refusal() {
    let s = Server::start();
    // Docetaxel without liver tests: refused, 422.
    let (status, page) = post_form(
        &s,
        "/schedule",
        &[
            ("regimen", "gemcitabine-docetaxel"),
            ("start", "2026-12-01"),
            ("height", "170cm"),
            ("weight", "70kg"),
        ],
    );
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"refusal\""), "{page}");
    assert!(page.contains("DOCEtaxel needs"), "{page}");
    assert!(!page.contains("id=\"result\""), "{page}");
}

/// A program on the path, or `None`.
fn tool(name: &str) -> Option<String> {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()?;
    found
        .status
        .success()
        .then(|| String::from_utf8_lossy(&found.stdout).trim().to_owned())
}

/// What headless Chromium logs while loading `html` under `policy` (given
/// as a `<meta>` policy, as a file has no headers).
fn chromium_log(chromium: &str, html: &str, policy: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\"/>");
    let at = html.find("<style>").expect("a style block");
    std::fs::write(&page, format!("{}{meta}\n{}", &html[..at], &html[at..])).unwrap();
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A browser applies the print-ready page's style under the page's own
/// policy: Chromium reports no violation, and does report one when the
/// hash is wrong (so the check can fail). Skipped locally without
/// Chromium; under CI (`CI` set) Chromium is required, as for tests/print.rs.
#[test]
fn a_browser_applies_the_print_page_style_under_its_policy() {
    let Some(chromium) = tool("chromium") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run does)"
        );
        eprintln!("skipped: chromium not installed");
        return;
    };
    let s = Server::start();
    let (status, h, html) = post_full(&s, "/schedule/print", &as_refs(&course()));
    assert_eq!(status, 200, "{html}");
    // frame-ancestors is not read from a <meta> policy (Chromium says so):
    // the rest is the header's policy as served.
    let policy = header(&h, "content-security-policy").replace(" frame-ancestors 'none';", "");
    let violation = "violates the following Content Security Policy directive";
    let log = chromium_log(&chromium, &html, &policy);
    assert!(!log.contains(violation), "{policy}\n{log}");
    let wrong = policy.replace("'sha256-", "'sha256-AAAA");
    let log = chromium_log(&chromium, &html, &wrong);
    assert!(log.contains(violation), "{wrong}\n{log}");
}
