//! `--format text|md|html|json` and `--output FILE` on `dose`, `regimens
//! show`, `regimens list` and `verify` (issue 18, part 2): the values are worked out by hand,
//! hostile values are written as text, and an output is written whole and
//! never over an input.
//!
//! The patient throughout: 170 cm, 70 kg. Mosteller BSA
//! sqrt(170 × 70 / 3600) = sqrt(3.3056) = 1.8181 m², 1.82 m² used (two
//! decimals, half up). Gemcitabine-docetaxel: gemcitabine 900 mg/m² × 1.82 =
//! 1,638 mg on days 1 and 8 (3,276 mg a cycle); docetaxel 100 mg/m² × 1.82 =
//! 182 mg on day 8, both within their 1 mg rounding step.

mod common;

use std::path::Path;

use common::{NORMAL_LABS, Run, assert_inert_markdown};

const HOSTILE: &str = "<script>alert(1)</script> [x](https://evil.example/) & | *";

/// `dose gemcitabine-docetaxel` for the patient, with the normal labs.
fn dose_args<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
    ];
    args.extend(NORMAL_LABS);
    args.extend(more);
    args
}

/// Panics unless `html` is well-formed XML (as the order record and the
/// schedule page are), and holds no script and no external asset.
fn assert_print_ready(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    let mut reader = quick_xml::Reader::from_str(html);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    let lower = html.to_ascii_lowercase();
    for absent in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!lower.contains(absent), "{absent} in:\n{html}");
    }
}

/// A copy of the bundled regimens folder in a temporary folder, with the
/// name (and notes) of gemcitabine-docetaxel replaced by `HOSTILE`.
fn hostile_regimens() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("regimens").unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let path = dir.path().join("gemcitabine-docetaxel.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "name = \"Gemcitabine + docetaxel (leiomyosarcoma)\"",
            &format!("name = \"{}\"", HOSTILE.replace('"', "\\\"")),
        )
        .replace(
            "notes = \"Fixed-dose-rate",
            &format!("notes = \"{} Fixed-dose-rate", HOSTILE),
        );
    assert!(text.contains("alert(1)"), "the name was not replaced");
    std::fs::write(&path, text).unwrap();
    dir
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

// ---- dose ----

#[test]
fn dose_markdown_shows_the_hand_worked_doses_as_inert_text() {
    let md = Run::new(&dose_args(&["--format", "md"])).success();
    assert_inert_markdown(&md);
    assert!(
        md.starts_with("# Gemcitabine + docetaxel (leiomyosarcoma)\n"),
        "{md}"
    );
    assert!(md.contains("gemcitabine-docetaxel v1.3.0"), "{md}");
    assert!(md.contains("Regimen file: "), "{md}");
    assert!(md.contains("1.82 m² used for dosing"), "{md}");
    // Day 1 gemcitabine 1,638 mg; day 8 docetaxel 182 mg, tall-man.
    assert!(
        md.contains("| 1 | gemcitabine | 900 mg/m² | 1,638 mg | 1,638 mg | IV |"),
        "{md}"
    );
    assert!(
        md.contains("| 8 | DOCEtaxel | 100 mg/m² | 182 mg | 182 mg | IV |"),
        "{md}"
    );
    // Totals: 2 × 1,638 = 3,276 mg (2 × 900 = 1,800 mg/m²).
    assert!(
        md.contains("| gemcitabine | 3,276 mg (1,800 mg/m²) |"),
        "{md}"
    );
    assert!(md.contains("## Clinical rules"), "{md}");
    assert!(md.contains("DOCEtaxel: PROCEED"), "{md}");
}

#[test]
fn dose_markdown_and_html_use_the_words_of_the_text() {
    // A 20% reduction of docetaxel: 182 × 0.8 = 145.6 → 146 mg.
    let more = ["--reduce", "docetaxel=20%"];
    let text = Run::new(&dose_args(&more)).success();
    let words = "reduced by 20%: 182 → 145.6 mg";
    assert!(text.contains(words), "{text}");
    let md = Run::new(&dose_args(&[more[0], more[1], "--format", "md"])).success();
    assert!(md.contains(words), "{md}");
    assert!(md.contains("| 146 mg |"), "{md}");
    let html = Run::new(&dose_args(&[more[0], more[1], "--format", "html"])).success();
    assert!(html.contains(&words.replace('>', "&gt;")), "{html}");
    assert!(html.contains("<td class=\"dose\">146 mg</td>"), "{html}");
}

#[test]
fn dose_html_is_a_print_ready_page_with_every_part_of_the_plan() {
    let html = Run::new(&dose_args(&["--format", "html"])).success();
    assert_print_ready(&html);
    for needed in [
        "@page { size: A4;",
        "<h1>Gemcitabine + docetaxel (leiomyosarcoma)</h1>",
        "gemcitabine-docetaxel v1.3.0",
        "Regimen file: ",
        "SHA-256 ",
        "Patient: height 170 cm, weight 70 kg",
        "1.82 m² used for dosing",
        "<td class=\"dose\">1,638 mg</td>",
        "<td class=\"dose\">182 mg</td>",
        "<td>DOCEtaxel</td>",
        "3,276 mg (1,800 mg/m²)",
        "Clinical rules, day 1: PROCEED",
        "Verifying pharmacist",
    ] {
        assert!(html.contains(needed), "{needed} missing:\n{html}");
    }
}

#[test]
fn dose_html_shows_the_verdict_and_overridden_stops_with_their_reasons() {
    // No labs: docetaxel needs liver tests, so the plan stops; overriding
    // the stop with a hostile reason gives the plan, the reason printed.
    let args = [
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--on",
        "2026-12-01",
        "--format",
        "html",
    ];
    let err = Run::new(&args).fails(1);
    assert!(err.contains("chemodose explain missing-ast"), "{err}");
    let mut with = args.to_vec();
    let over = "--override=missing-ast=<b>signed</b> by Dr X";
    with.extend([
        over,
        "--override=missing-alt=checked by phone",
        "--override=missing-alp=checked by phone",
        "--override=missing-bilirubin=checked by phone",
    ]);
    let html = Run::new(&with).success();
    assert_print_ready(&html);
    assert!(
        html.contains("Overridden stops (given anyway, with the reason)"),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;signed&lt;/b&gt; by Dr X"), "{html}");
    assert!(!html.contains("<b>signed"), "{html}");
    assert!(
        html.contains("<div class=\"status\">DAY 1 NOT CHECKED"),
        "{html}"
    );
    let md_args: Vec<&str> = with
        .iter()
        .map(|a| if *a == "html" { "md" } else { a })
        .collect();
    let md = Run::new(&md_args).success();
    assert_inert_markdown(&md);
    assert!(md.contains("\\<b\\>signed\\</b\\> by Dr X"), "{md}");
}

#[test]
fn dose_writes_a_hostile_regimen_name_as_text() {
    let dir = hostile_regimens();
    let folder = path(dir.path());
    let md = Run::new(&dose_args(&["--regimens", &folder, "--format", "md"])).success();
    assert_inert_markdown(&md);
    assert!(md.contains("\\<script\\>alert(1)\\</script\\>"), "{md}");
    let html = Run::new(&dose_args(&["--regimens", &folder, "--format", "html"])).success();
    assert_print_ready(&html);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("&amp; | *"), "{html}");
}

#[test]
fn dose_output_is_written_whole_and_never_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("doses.html");
    let run = Run::new(&dose_args(&["--format", "html", "--output", &path(&out)]));
    assert_eq!(run.success(), "", "nothing on standard output");
    assert!(run.stderr().contains("wrote "), "{}", run.stderr());
    let html = std::fs::read_to_string(&out).unwrap();
    assert_print_ready(&html);
    assert!(html.contains("<td class=\"dose\">182 mg</td>"));
    // Over the labs file it reads: refused, the file unchanged.
    let labs = dir.path().join("labs.toml");
    std::fs::copy(common::NORMAL_LABS_FILE, &labs).unwrap();
    let before = std::fs::read(&labs).unwrap();
    let err = Run::new(&[
        "dose",
        "gemcitabine-docetaxel",
        "--height",
        "170cm",
        "--weight",
        "70kg",
        "--labs",
        &path(&labs),
        "--on",
        "2026-12-01",
        "--format",
        "md",
        "--output",
        &path(&labs),
    ])
    .fails(2);
    assert!(err.contains("is the input"), "{err}");
    assert_eq!(std::fs::read(&labs).unwrap(), before);
}

// ---- regimens show ----

#[test]
fn regimens_show_markdown_is_the_sheet_as_inert_text() {
    let md = Run::new(&[
        "regimens",
        "show",
        "gemcitabine-docetaxel",
        "--format",
        "md",
    ])
    .success();
    assert_inert_markdown(&md);
    assert!(
        md.starts_with(
            "# Gemcitabine + docetaxel (leiomyosarcoma) (gemcitabine-docetaxel)  version 1.3.0\n"
        ),
        "{md}"
    );
    for needed in [
        "- Cycle: every 21 days, 6 cycles\n",
        "| gemcitabine | 900 mg/m² | IV | 1, 8 | 90 min | all |",
        "| DOCEtaxel | 100 mg/m² | IV | 8 | - | all |",
        "### DOCEtaxel",
        "- rounding: to the nearest 1 mg\n",
        "- dose reductions: level -1: 675 mg/m²\n",
        "- Regimen file: ",
        "## Sources",
    ] {
        assert!(md.contains(needed), "{needed} missing:\n{md}");
    }
}

#[test]
fn regimens_show_html_is_a_print_ready_page() {
    let html = Run::new(&[
        "regimens",
        "show",
        "gemcitabine-docetaxel",
        "--format",
        "html",
    ])
    .success();
    assert_print_ready(&html);
    for needed in [
        "@page { size: A4;",
        "<td>DOCEtaxel</td><td>100 mg/m²</td>",
        "<td>gemcitabine</td><td>900 mg/m²</td><td>IV</td><td>1, 8</td>",
        "<li>rounding: to the nearest 1 mg</li>",
        "Regimen file: ",
        "<h2>Sources</h2>",
    ] {
        assert!(html.contains(needed), "{needed} missing:\n{html}");
    }
}

#[test]
fn regimens_show_writes_a_hostile_name_and_note_as_text() {
    let dir = hostile_regimens();
    let folder = path(dir.path());
    let show = |format: &str| {
        Run::new(&[
            "regimens",
            "show",
            "gemcitabine-docetaxel",
            "--regimens",
            &folder,
            "--format",
            format,
        ])
        .success()
    };
    let md = show("md");
    assert_inert_markdown(&md);
    // The name in the heading, the note among the facts.
    assert!(
        md.starts_with("# \\<script\\>alert(1)\\</script\\>"),
        "{md}"
    );
    assert!(
        md.contains("- Notes: \\<script\\>alert(1)\\</script\\>"),
        "{md}"
    );
    let html = show("html");
    assert_print_ready(&html);
    assert!(
        html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("<li>Notes: &lt;script&gt;"), "{html}");
}

#[test]
fn regimens_show_output_is_written_and_never_over_the_regimen_file() {
    let dir = hostile_regimens();
    let out = dir.path().join("sheet.md");
    let run = Run::new(&[
        "regimens",
        "show",
        "doxorubicin",
        "--format",
        "md",
        "--output",
        &path(&out),
    ]);
    assert_eq!(run.success(), "");
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.contains("DOXOrubicin"), "{md}");
    // The regimen file named on the command line, and a file of the
    // folder in force: both refused, both unchanged.
    let file = dir.path().join("gemcitabine-docetaxel.toml");
    let before = std::fs::read(&file).unwrap();
    let err = Run::new(&[
        "regimens",
        "show",
        &path(&file),
        "--format",
        "html",
        "--output",
        &path(&file),
    ])
    .fails(2);
    assert!(err.contains("is the input"), "{err}");
    let err = Run::new(&[
        "regimens",
        "show",
        "doxorubicin",
        "--regimens",
        &path(dir.path()),
        "-o",
        &path(&file),
    ])
    .fails(2);
    assert!(err.contains("is the input"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn regimens_list_markdown_and_html_write_a_hostile_name_as_text() {
    let dir = hostile_regimens();
    let folder = path(dir.path());
    let list = |format: &str| {
        Run::new(&[
            "regimens",
            "list",
            "--regimens",
            &folder,
            "--format",
            format,
        ])
        .success()
    };
    let md = list("md");
    assert_inert_markdown(&md);
    assert!(md.starts_with("# Regimen library"), "{md}");
    assert!(
        md.contains("| gemcitabine-docetaxel | \\<script\\>alert(1)\\</script\\>"),
        "{md}"
    );
    // Tall-man names, and a draft marked so that it cannot be read past.
    assert!(md.contains("DOXOrubicin"), "{md}");
    assert!(md.contains("| DRAFT |"), "{md}");
    let html = list("html");
    assert_print_ready(&html);
    assert!(
        html.contains("<td>gemcitabine-docetaxel</td><td>&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    // One row per regimen file, and a header row.
    let files = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .filter(|e| {
            !e.as_ref()
                .unwrap()
                .path()
                .to_string_lossy()
                .ends_with(".checks.toml")
        })
        .count();
    assert_eq!(html.matches("<tr>").count(), files + 1, "{html}");
}

#[test]
fn regimens_list_output_is_written_and_never_over_a_regimen_file() {
    let dir = hostile_regimens();
    let out = dir.path().join("library.html");
    let run = Run::new(&[
        "regimens",
        "list",
        "--format",
        "html",
        "--output",
        &path(&out),
    ]);
    assert_eq!(run.success(), "");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("<h1>Regimen library</h1>")
    );
    let file = dir.path().join("doxorubicin.toml");
    let before = std::fs::read(&file).unwrap();
    let err = Run::new(&[
        "regimens",
        "list",
        "--regimens",
        &path(dir.path()),
        "-o",
        &path(&file),
    ])
    .fails(2);
    assert!(err.contains("is the input"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

// ---- verify ----

/// gemcitabine-docetaxel and its checks in a temporary folder, the regimen
/// rounding docetaxel to 10 mg steps (as `tests/cli.rs` does) and the first
/// check named `HOSTILE`: 100 mg/m² × 1.82 m² = 182 mg, to the nearest
/// 10 mg = 180 mg, where the check expects 182 mg.
fn changed_checks() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let regimen = std::fs::read_to_string("regimens/gemcitabine-docetaxel.toml").unwrap();
    let at = regimen.find("name = \"docetaxel\"").unwrap();
    let regimen = format!(
        "{}{}",
        &regimen[..at],
        regimen[at..].replacen("round = \"1 mg\"", "round = \"10 mg\"", 1)
    );
    std::fs::write(dir.path().join("gemcitabine-docetaxel.toml"), regimen).unwrap();
    let checks = std::fs::read_to_string("regimens/gemcitabine-docetaxel.checks.toml")
        .unwrap()
        .replacen(
            "name = \"typical adult\"",
            &format!("name = \"{}\"", HOSTILE.replace('"', "\\\"")),
            1,
        );
    assert!(checks.contains("alert(1)"));
    let path = dir.path().join("gemcitabine-docetaxel.checks.toml");
    std::fs::write(&path, checks).unwrap();
    (dir, path)
}

#[test]
fn verify_json_gives_each_check_and_each_mismatch() {
    // Unchanged, every check of the file passes.
    let run = Run::new(&[
        "verify",
        "regimens/gemcitabine-docetaxel.checks.toml",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.success()).unwrap();
    assert_eq!(json["failed"], 0, "{json}");
    let checks = json["files"][0]["checks"].as_array().unwrap();
    assert!(!checks.is_empty());
    assert!(checks.iter().all(|c| c["passed"] == true), "{json}");
    assert_eq!(json["passed"].as_u64().unwrap() as usize, checks.len());
    assert_eq!(json["files"][0]["regimen"]["id"], "gemcitabine-docetaxel");

    let (_dir, checks) = changed_checks();
    let run = Run::new(&["verify", &path(&checks), "--format", "json"]);
    assert_eq!(run.code(), Some(1), "exit 1 when a check fails");
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert!(json["failed"].as_u64().unwrap() >= 1, "{json}");
    let typical = json["files"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == HOSTILE)
        .unwrap_or_else(|| panic!("no check named {HOSTILE}: {json}"));
    assert_eq!(typical["passed"], false);
    assert_eq!(typical["outcome"], "mismatches");
    let m = &typical["mismatches"][0];
    assert_eq!(m["drug"], "docetaxel");
    assert_eq!(m["day"], 8);
    assert_eq!(m["expected"]["value"].as_f64(), Some(182.0));
    assert_eq!(m["got"]["value"].as_f64(), Some(180.0));
    assert_eq!(m["got"]["unit"], "mg");
    assert_eq!(m["step_kind"], "adjustment");
    assert_eq!(
        m["step"],
        // (180 − 182) / 182 = −1.099% → −1.1%.
        "rounding: rounded to the nearest 10 mg: 182 → 180 mg (-1.1%)"
    );
}

#[test]
fn verify_markdown_and_html_show_the_mismatch_and_escape_the_check_name() {
    let (_dir, checks) = changed_checks();
    let run = Run::new(&["verify", &path(&checks), "--format", "md"]);
    assert_eq!(run.code(), Some(1));
    let md = run.stdout();
    assert_inert_markdown(&md);
    assert!(
        md.contains(
            "| docetaxel | 8 | 182 mg | 180 mg | rounding: rounded to the nearest 10 mg: 182 → 180 mg (-1.1%) |"
        ),
        "{md}"
    );
    assert!(
        md.contains("| FAIL | \\<script\\>alert(1)\\</script\\>"),
        "{md}"
    );
    assert!(md.contains(" passed, "), "{md}");

    let run = Run::new(&["verify", &path(&checks), "--format", "html"]);
    assert_eq!(run.code(), Some(1));
    let html = run.stdout();
    assert_print_ready(&html);
    assert!(
        html.contains("<tr><td>docetaxel</td><td>8</td><td>182 mg</td><td>180 mg</td>"),
        "{html}"
    );
    assert!(
        html.contains("FAIL: &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
}

#[test]
fn verify_output_is_written_and_never_over_a_check_or_regimen_file() {
    let (dir, checks) = changed_checks();
    let out = dir.path().join("checks.html");
    let run = Run::new(&[
        "verify",
        &path(&checks),
        "--format",
        "html",
        "--output",
        &path(&out),
    ]);
    // The report is written; the exit still says a check failed.
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert_eq!(run.stdout(), "");
    assert_print_ready(&std::fs::read_to_string(&out).unwrap());
    let regimen = dir.path().join("gemcitabine-docetaxel.toml");
    for input in [&checks, &regimen] {
        let before = std::fs::read(input).unwrap();
        let err = Run::new(&["verify", &path(&checks), "-o", &path(input)]).fails(2);
        assert!(err.contains("is the input"), "{err}");
        assert_eq!(&std::fs::read(input).unwrap(), &before);
    }
    // --bless rewrites check files: not with another format or an output.
    let err = Run::new(&["verify", &path(&checks), "--bless", "--format", "json"]).fails(2);
    assert!(err.contains("cannot be used with"), "{err}");
}
