//! The HTML schedule printed to PDF by headless Chromium: at least one page
//! per cycle, and the doses present in the PDF's text (read by pdftotext).
//! Locally the test is skipped, with a message, when Chromium or pdftotext is
//! missing; under CI (`CI` set) a missing tool is a failure, and `.ci/run`
//! installs both.

mod common;

use std::path::Path;
use std::process::Command;

use chemodose::dose::{DoseOptions, Reduction};
use chemodose::patient::{Patient, Sex};
use chemodose::quantity::{parse_height, parse_weight};
use chemodose::regimen::Library;
use chemodose::render::schedule::{RenderContext, schedule_html};
use chemodose::schedule::{DoseChange, ScheduleOptions, build_schedule};

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
    let regimen = Library::bundled()
        .unwrap()
        .get("gemcitabine-docetaxel")
        .unwrap()
        .regimen
        .clone();
    let patient = Patient {
        height: parse_height("170cm").unwrap(),
        weight: parse_weight("70kg").unwrap(),
        sex: Some(Sex::Female),
        age: None,
        serum_creatinine: None,
    };
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
    let s = build_schedule(&regimen, &patient, &options, &o).unwrap();
    let html = schedule_html(
        &s,
        &RenderContext {
            patient_id: Some("PT-0042".into()),
            generated: None,
            ..Default::default()
        },
    );

    let dir = std::env::temp_dir().join(format!("chemodose-print-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
        Path::new(&pdf_path).exists(),
        "no PDF: {}",
        String::from_utf8_lossy(&status.stderr)
    );

    let info = Command::new(pdfinfo).arg(&pdf_path).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .expect("page count");
    assert!(pages >= 6, "at least one page per cycle: {pages}");

    let text = Command::new(pdftotext)
        .arg("-layout")
        .arg(&pdf_path)
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
    assert!(text.contains("PT-0042"));
    let _ = std::fs::remove_dir_all(&dir);
}
