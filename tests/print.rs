//! The HTML schedule printed to PDF by headless Chromium: at least one page
//! per cycle, and the doses present in the PDF's text (read by pdftotext).
//! Locally the test is skipped, with a message, when Chromium or pdftotext is
//! missing; under CI (`CI` set) a missing tool is a failure, and `.ci/run`
//! installs both.

mod common;

use std::path::Path;
use std::process::Command;

use sha2::Digest as _;

use chemodose::dose::{DoseOptions, Reduction};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{parse_height, parse_weight};
use chemodose::regimen::Library;
use chemodose::render::schedule::{Paper, PrintedIdentity, RenderContext, schedule_html};
use chemodose::schedule::{DoseChange, Schedule, ScheduleOptions, build_schedule};

fn tool(name: &str) -> Option<String> {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()?;
    found
        .status
        .success()
        .then(|| String::from_utf8_lossy(&found.stdout).trim().to_owned())
}

#[test]
fn html_schedule_prints_one_cycle_per_page_with_the_doses() {
    let (Some(chromium), Some(pdftotext), Some(pdfinfo)) =
        (tool("chromium"), tool("pdftotext"), tool("pdfinfo"))
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and poppler-utils (.ci/run does)"
        );
        eprintln!("skipped: chromium or poppler-utils (pdftotext, pdfinfo) not installed");
        return;
    };
    let library = Library::bundled().unwrap();
    let entry = library.get("gemcitabine-docetaxel").unwrap();
    let regimen = entry.regimen.clone();
    // The digest worked out here from the file in the repository (what
    // `sha256sum regimens/gemcitabine-docetaxel.toml` prints), not taken
    // from the program's provenance.
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("regimens/gemcitabine-docetaxel.toml"),
    )
    .unwrap();
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let patient = Patient {
        height: parse_height("170cm").unwrap(),
        weight: parse_weight("70kg").unwrap(),
        measured_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 30),
        sex: Some(Sex::Female),
        age: None,
        serum_creatinine: None,
        serum_creatinine_on: None,
    };
    let s = schedule(&regimen, &patient);
    for (paper, size) in [(Paper::A4, (595.0, 842.0)), (Paper::Letter, (612.0, 792.0))] {
        let html = schedule_html(
            &s,
            &RenderContext {
                patient_id: Some("PT-0042".into()),
                generated: chrono::DateTime::from_timestamp(1_796_169_600, 0),
                identity: PrintedIdentity {
                    name: Some("Jane Example".into()),
                    mrn: Some("MRN-12345".into()),
                    birth_date: chrono::NaiveDate::from_ymd_opt(1961, 4, 2),
                },
                regimen_source: Some(entry.source.clone()),
                paper,
                ..Default::default()
            },
        );
        let dir = std::env::temp_dir().join(format!(
            "chemodose-print-{}-{}",
            std::process::id(),
            paper.css()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pdf = print(&chromium, &dir, &html);
        let margins = Margins {
            identity: vec![
                "Name: Jane Example".to_owned(),
                "MRN: MRN-12345".to_owned(),
                "DOB: 1961-04-02".to_owned(),
                "Patient id: PT-0042".to_owned(),
            ],
            regimen_file: format!("Regimen file: bundled, SHA-256 {}", &digest[..12]),
        };
        check_pdf(&pdf, &pdftotext, &pdfinfo, size, &margins);
        // The page's words, whatever the lines they wrap onto.
        let first = page_text(&pdftotext, &pdf, 1)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            first.contains("Height and weight measured on: 2026-11-30"),
            "{first}"
        );
        assert!(html.contains("weight 70 kg (measured 2026-11-30), female"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A regimen read from a local file with a long name, for a patient with a
/// long name, on Letter (the narrower printable width of the two is A4's,
/// 527 pt, but Letter is shorter): the file's name is shortened to 32
/// characters in the margin, and nothing passes the right margin.
#[test]
fn html_schedule_prints_a_long_regimen_file_name_within_the_margin() {
    let (Some(chromium), Some(pdftotext), Some(pdfinfo)) =
        (tool("chromium"), tool("pdftotext"), tool("pdfinfo"))
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium and poppler-utils (.ci/run does)"
        );
        eprintln!("skipped: chromium or poppler-utils (pdftotext, pdfinfo) not installed");
        return;
    };
    let library = Library::bundled().unwrap();
    let regimen = library
        .get("gemcitabine-docetaxel")
        .unwrap()
        .regimen
        .clone();
    let patient = Patient::new(
        parse_height("170cm").unwrap(),
        parse_weight("70kg").unwrap(),
    );
    let s = schedule(&regimen, &patient);
    // The file name has 44 characters: the first 31 are kept, then "…".
    let path = "/srv/pharmacy/regimens/gemcitabine-docetaxel-site-copy-2026-12.toml";
    // SHA-256 of the empty string, a digest anyone can check.
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let source = chemodose::regimen::RegimenSource::file(
        path,
        chemodose::regimen::Sha256::of(b""),
        "gemcitabine-docetaxel",
    );
    for (paper, size) in [(Paper::A4, (595.0, 842.0)), (Paper::Letter, (612.0, 792.0))] {
        let html = schedule_html(
            &s,
            &RenderContext {
                patient_id: Some("PT-0042".into()),
                generated: chrono::DateTime::from_timestamp(1_796_169_600, 0),
                identity: PrintedIdentity {
                    name: Some("Maria-Alexandra Christodoulopoulou-Vanderberg".into()),
                    mrn: Some("MRN-1234567890".into()),
                    birth_date: chrono::NaiveDate::from_ymd_opt(1961, 4, 2),
                },
                regimen_source: Some(source.clone()),
                paper,
                ..Default::default()
            },
        );
        assert!(html.contains("Height and weight measured on: <span class=\"fill\">"));
        let dir = std::env::temp_dir().join(format!(
            "chemodose-print-long-{}-{}",
            std::process::id(),
            paper.css()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let pdf = print(&chromium, &dir, &html);
        let margins = Margins {
            identity: vec![
                "Christodoulopoulou-Vanderberg".to_owned(),
                "MRN-1234567890".to_owned(),
                "Patient id: PT-0042".to_owned(),
            ],
            regimen_file: format!("gemcitabine-docetaxel-site-copy…, SHA-256 {}", &empty[..12]),
        };
        check_pdf(&pdf, &pdftotext, &pdfinfo, size, &margins);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Six cycles from 2026-12-01, docetaxel at dose level -1 from cycle 4.
fn schedule(regimen: &chemodose::regimen::Regimen, patient: &Patient) -> Schedule {
    let mut o = ScheduleOptions {
        start: chrono::NaiveDate::from_ymd_opt(2026, 12, 1),
        ..ScheduleOptions::default()
    };
    o.changes.push(DoseChange {
        from_cycle: 4,
        drug: Some("docetaxel".into()),
        reduction: Reduction::Level(-1),
    });
    // docetaxel requires liver tests: normal results, no rule fires
    let options = common::with_normal_labs(&DoseOptions::default());
    build_schedule(regimen, patient, &options, &o).unwrap()
}

/// What every page's margins must carry besides the regimen, the print
/// time, chemodose and the page number.
struct Margins {
    /// The patient's identifiers.
    identity: Vec<String>,
    /// The regimen file and the first 12 hex digits of its SHA-256.
    regimen_file: String,
}

/// The text of page `n` alone (`pdftotext -f n -l n`), laid out.
fn page_text(pdftotext: &str, pdf: &Path, n: usize) -> String {
    let out = Command::new(pdftotext)
        .args(["-layout", "-f", &n.to_string(), "-l", &n.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext page {n}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Prints `html` to a PDF with headless Chromium; returns its path.
fn print(chromium: &str, dir: &Path, html: &str) -> std::path::PathBuf {
    let html_path = dir.join("schedule.html");
    let pdf_path = dir.join("schedule.pdf");
    std::fs::write(&html_path, html).unwrap();
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf_path.display()))
        .arg(format!("file://{}", html_path.display()))
        .output()
        .expect("run chromium");
    assert!(
        pdf_path.exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    pdf_path
}

/// The printed schedule: the paper asked for, one cycle per page at
/// least, the doses, the patient's identifiers, the regimen and version,
/// the print time, chemodose and "Page N of M" on every page, the sign-off
/// block, and no word beyond the right margin (12 mm, 34 pt).
fn check_pdf(
    pdf: &Path,
    pdftotext: &str,
    pdfinfo: &str,
    (width, height): (f64, f64),
    margins: &Margins,
) {
    let info = Command::new(pdfinfo).arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .expect("page count");
    assert!(pages >= 6, "at least one page per cycle: {pages}");
    let size = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .expect("page size");
    let dims: Vec<f64> = size
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(
        (dims[0] - width).abs() < 2.0 && (dims[1] - height).abs() < 2.0,
        "{size}"
    );

    let text = Command::new(pdftotext)
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    // 900 × 1.82 = 1638 mg; 100 × 1.82 = 182 mg; level -1 from cycle 4: 75 × 1.82 = 136.5 → 137 mg
    assert_eq!(
        text.matches("1,638 mg").count(),
        12,
        "gemcitabine on days 1 and 8 of 6 cycles"
    );
    assert!(text.contains("182 mg") && text.contains("137 mg"));
    for n in 1..=6 {
        assert!(
            text.contains(&format!("Cycle {n} of 6")),
            "cycle {n} heading"
        );
    }
    for role in [
        "Prescriber",
        "Verifying pharmacist",
        "Second checker",
        "Nurse",
    ] {
        assert!(text.contains(role), "sign-off row {role}");
    }
    // Each page read alone, so that a margin printed on some pages only
    // cannot be found on another. 1 796 169 600 s after 1970-01-01 is
    // 20 789 days (2026-12-02) and 0 s: "2026-12-02 00:00 UTC".
    for n in 1..=pages {
        let page = page_text(pdftotext, pdf, n);
        let wants = margins.identity.iter().cloned().chain([
            "gemcitabine-docetaxel v1.3.0".to_owned(),
            margins.regimen_file.clone(),
            "Printed 2026-12-02 00:00 UTC".to_owned(),
            format!("chemodose {}", env!("CARGO_PKG_VERSION")),
            format!("Page {n} of {pages}"),
        ]);
        for want in wants {
            assert!(page.contains(&want), "page {n}: no `{want}`:\n{page}");
        }
    }
    // Every word's right edge inside the printable width.
    let boxes = Command::new(pdftotext)
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let boxes = String::from_utf8_lossy(&boxes.stdout);
    let right = width - 34.0 + 1.0;
    for line in boxes
        .lines()
        .filter(|l| l.trim_start().starts_with("<word"))
    {
        let x_max: f64 = line
            .split("xMax=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .expect("xMax");
        assert!(
            x_max <= right,
            "beyond the right margin ({x_max} > {right}): {line}"
        );
    }
}
