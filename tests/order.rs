//! Order verification (issue 16): a corpus of orders under
//! `tests/data/orders/`. `good/` holds a correct order for every bundled
//! regimen, each dose worked out by hand in the file's comments (Mosteller
//! BSA, the regimen's dose, its rounding and ceiling); `bad/` holds orders
//! with one planted error each, whose `# expect:` lines give the finding
//! (code, severity, drug, day) that must be raised.

mod common;

use std::path::{Path, PathBuf};

use chemodose::dose::{PriorExposure, WeightReference, WeightReferenceKind};
use chemodose::order::{
    Finding, Order, Severity, Verdict, Verification, VerifyInputs, parse_order, verify_order,
};
use chemodose::regimen::{Library, Regimen, Status, load_regimen_file};
use common::Run;
use rust_decimal::dec;

fn files(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    out.sort();
    out
}

fn regimen_for(order: &Order) -> Regimen {
    if order.regimen.ends_with(".toml") {
        return load_regimen_file(Path::new(&order.regimen)).unwrap();
    }
    Library::bundled()
        .unwrap()
        .get(&order.regimen)
        .unwrap_or_else(|| panic!("no regimen {}", order.regimen))
        .regimen
        .clone()
}

fn load(path: &Path) -> (Order, Regimen) {
    let text = std::fs::read_to_string(path).unwrap();
    let order = parse_order(&path.display().to_string(), &text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let regimen = regimen_for(&order);
    (order, regimen)
}

fn verify(path: &Path) -> Verification {
    let (order, regimen) = load(path);
    verify_order(&order, &regimen, &VerifyInputs::default())
}

fn serious(v: &Verification) -> Vec<&Finding> {
    v.findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .collect()
}

#[test]
fn every_bundled_regimen_has_a_correct_order() {
    for (name, _) in chemodose::regimen::bundled() {
        let path = Path::new("tests/data/orders/good").join(name);
        assert!(path.is_file(), "no correct order for {name}");
    }
}

#[test]
fn correct_orders_verify_with_no_query() {
    for path in files("tests/data/orders/good") {
        let v = verify(&path);
        let serious = serious(&v);
        match v.regimen_status {
            // A draft or withdrawn regimen is not for new patients: a
            // correct order still stops on the status alone.
            Status::Draft | Status::Withdrawn => {
                let code = format!("status-{}", v.regimen_status.id());
                assert_eq!(
                    serious.iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
                    vec![code.as_str()],
                    "{}",
                    path.display()
                );
                assert_eq!(v.verdict, Verdict::Reject);
            }
            _ => {
                assert!(serious.is_empty(), "{}: {serious:#?}", path.display());
                assert_eq!(v.verdict, Verdict::Verified, "{}", path.display());
            }
        }
        // Every ordered administration met its independent twin, exactly.
        assert!(!v.lines.is_empty());
        for l in &v.lines {
            assert_eq!(
                l.expected_mg,
                Some(l.ordered_mg),
                "{} {} day {}",
                path.display(),
                l.drug,
                l.day
            );
        }
    }
}

/// `# expect: CODE SEVERITY DRUG DAY` (`-` for none), or `# expect: verdict V`.
fn expectations(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// `# history: FILE`: the order is verified with that history, through the
/// command line (which reads the history into the engine's options).
fn history_of(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("# history: ").map(str::to_owned))
}

/// The findings of an order verified with its history by the command line,
/// as (code, severity, drug, day), and its verdict.
type Found = (String, Severity, Option<String>, Option<u32>);

fn verify_with_history(path: &Path, history: &str) -> (Vec<Found>, String) {
    let run = Run::new(&[
        "order",
        "verify",
        &path.display().to_string(),
        "--history",
        history,
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), run.stderr()));
    let order = &json["orders"][0];
    let found = order["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let severity = match f["severity"].as_str().unwrap() {
                "stop" => Severity::Stop,
                "query" => Severity::Query,
                _ => Severity::Info,
            };
            (
                f["code"].as_str().unwrap().to_owned(),
                severity,
                f["drug"].as_str().map(str::to_owned),
                f["day"].as_u64().map(|d| d as u32),
            )
        })
        .collect();
    (found, order["verdict"].as_str().unwrap().to_owned())
}

#[test]
fn each_planted_error_is_caught_with_its_code_and_severity() {
    for path in files("tests/data/orders/bad") {
        let (found, verdict_found): (Vec<Found>, String) = match history_of(&path) {
            Some(h) => verify_with_history(&path, &h),
            None => {
                let v = verify(&path);
                let found = v
                    .findings
                    .iter()
                    .map(|f| (f.code.clone(), f.severity, f.drug.clone(), f.day))
                    .collect();
                (found, v.verdict.id().to_owned())
            }
        };
        let expected = expectations(&path);
        assert!(!expected.is_empty(), "{}: no # expect line", path.display());
        let mut verdict = None;
        for e in &expected {
            if e[0] == "verdict" {
                verdict = Some(e[1].clone());
                continue;
            }
            let severity = match e[1].as_str() {
                "stop" => Severity::Stop,
                "query" => Severity::Query,
                _ => Severity::Info,
            };
            let drug = (e[2] != "-").then(|| e[2].clone());
            let day = (e[3] != "-").then(|| e[3].parse::<u32>().unwrap());
            assert!(
                found
                    .iter()
                    .any(|f| f.0 == e[0] && f.1 == severity && f.2 == drug && f.3 == day),
                "{}: expected {e:?}, found {found:#?}",
                path.display(),
            );
        }
        let expected_verdict = verdict.unwrap_or_else(|| {
            if expected.iter().any(|e| e[1] == "stop") {
                "REJECT".to_owned()
            } else {
                "QUERY".to_owned()
            }
        });
        assert_eq!(verdict_found, expected_verdict, "{}", path.display());
    }
}

#[test]
fn the_corpus_plants_every_kind_of_error_the_issue_names() {
    let planted: Vec<String> = files("tests/data/orders/bad")
        .iter()
        .flat_map(|p| expectations(p))
        .map(|e| e[0].clone())
        .collect();
    for code in [
        "dose-deviation",
        "dose-deviation-over",
        "dose-agrees",
        "bsa-differs",
        "bsa-formula-differs",
        "weight-differs",
        "stale-weight",
        "missing-drug",
        "extra-drug",
        "route-differs",
        "vinca-not-iv",
        "day-not-in-cycle",
        "day-not-in-regimen",
        "infusion-differs",
        "companion-missing",
        "regimen-version",
        "hold-gemcitabine",
        "organ-cisplatin-crcl",
        "missing-crcl",
        "not-checked-gemcitabine",
        "per-day-per-cycle",
        "weight-change",
        "lifetime-limit",
        "history-patient",
    ] {
        assert!(
            planted.iter().any(|p| p == code),
            "no planted error for {code}"
        );
    }
}

/// The withdrawn regimen's stop, from the good corpus.
#[test]
fn a_withdrawn_regimen_rejects_the_order() {
    let v = verify(Path::new(
        "tests/data/orders/good/olaratumab-doxorubicin.toml",
    ));
    assert!(
        v.findings
            .iter()
            .any(|f| f.code == "status-withdrawn" && f.severity == Severity::Stop)
    );
}

/// With a history: the weight at the line's first cycle was 70 kg, today's
/// is 60 kg: (60 - 70) / 70 = -14.3 %, past the 10 % threshold (NIH
/// Clinical Center, COSA): recalculate or acknowledge, a query.
#[test]
fn weight_change_against_the_line_start_is_queried() {
    let (order, regimen) = load(Path::new(
        "tests/data/orders/good/gemcitabine-docetaxel.toml",
    ));
    let mut inputs = VerifyInputs::default();
    inputs.options.weight_references = vec![WeightReference {
        kind: WeightReferenceKind::LineStart,
        date: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        weight: chemodose::quantity::parse_weight("70kg").unwrap(),
    }];
    let v = verify_order(&order, &regimen, &inputs);
    assert!(
        v.findings
            .iter()
            .any(|f| f.code == "weight-change" && f.severity == Severity::Query),
        "{:#?}",
        v.findings
    );
}

/// With a history: 450 mg/m² of doxorubicin before; this course of 6 × 124
/// mg at 1.66 m² (74.70 mg/m² each, 448.19 mg/m²) would reach 898 mg/m², past
/// the 550 mg/m² lifetime limit: a stop.
#[test]
fn a_lifetime_limit_crossed_with_the_history_rejects() {
    let (order, regimen) = load(Path::new("tests/data/orders/good/doxorubicin.toml"));
    let mut inputs = VerifyInputs::default();
    inputs.options.prior = vec![PriorExposure {
        drug: "doxorubicin".to_owned(),
        mg_per_m2: dec!(450),
        mg: dec!(747),
    }];
    let v = verify_order(&order, &regimen, &inputs);
    assert!(
        v.findings
            .iter()
            .any(|f| f.code == "lifetime-limit" && f.severity == Severity::Stop),
        "{:#?}",
        v.findings
    );
    assert_eq!(v.verdict, Verdict::Reject);
}

/// Thresholds are the site's: 7.10 % agrees when agreement is 8 %.
#[test]
fn thresholds_are_configurable() {
    let (order, regimen) = load(Path::new("tests/data/orders/bad/dose-deviation.toml"));
    let mut inputs = VerifyInputs::default();
    inputs.thresholds.agree = chemodose::quantity::Percent::whole(8);
    let v = verify_order(&order, &regimen, &inputs);
    assert_eq!(v.verdict, Verdict::Verified, "{:#?}", v.findings);
}

#[test]
fn cli_exit_codes() {
    Run::new(&[
        "order",
        "verify",
        "tests/data/orders/good/gemcitabine-docetaxel.toml",
    ])
    .success();
    let run = Run::new(&[
        "order",
        "verify",
        "tests/data/orders/bad/dose-deviation-over.toml",
    ]);
    run.fails(1);
    assert!(run.stdout().contains("REJECT"), "{}", run.stdout());
    let run = Run::new(&["order", "verify", "tests/data/orders/bad/bsa-differs.toml"]);
    run.fails(1);
    assert!(run.stdout().contains("QUERY"), "{}", run.stdout());
}

/// A worklist: one summary table, then each report; a bad file is reported
/// (located, on stderr), the others still checked, and exit 2.
#[test]
fn a_worklist_with_an_unreadable_order() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("typo.toml");
    let good = std::fs::read_to_string("tests/data/orders/good/gemcitabine-docetaxel.toml")
        .unwrap()
        .replace("allergies =", "alergies =");
    std::fs::write(&bad, good).unwrap();
    let bad = bad.display().to_string();
    let run = Run::new(&[
        "order",
        "verify",
        "tests/data/orders/good/gemcitabine-docetaxel.toml",
        &bad,
        "tests/data/orders/bad/hold.toml",
    ]);
    assert_eq!(run.code(), Some(2));
    let stdout = run.stdout();
    assert!(stdout.contains("Cycle/day"), "{stdout}");
    assert!(stdout.contains("ORDER ORD-2026-0101") || stdout.contains("GOOD-GEMDOC"));
    assert!(stdout.contains("NOT VERIFIED (unreadable)"), "{stdout}");
    assert!(stdout.contains("hold-gemcitabine"), "{stdout}");
    let stderr = run.stderr();
    assert!(stderr.contains("alergies"), "{stderr}");
    assert!(stderr.contains("typo.toml"), "{stderr}");
}

#[test]
fn a_json_order_is_accepted() {
    let text = std::fs::read_to_string("tests/data/orders/good/trabectedin.toml").unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.json");
    std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let out = Run::new(&[
        "order",
        "verify",
        &path.display().to_string(),
        "--format",
        "json",
    ])
    .success();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["orders"][0]["verdict"], "VERIFIED");
    assert_eq!(json["orders"][0]["regimen"]["id"], "trabectedin");
    assert_eq!(json["orders"][0]["lines"][1]["amount_ordered_mg"], 2.4);
}

/// The printable record carries what a signed verification needs, and an
/// order's values are escaped (a name holding markup prints as text).
#[test]
fn the_html_record_has_signature_lines_and_escapes_values() {
    let text = std::fs::read_to_string("tests/data/orders/good/doxorubicin.toml")
        .unwrap()
        .replace("Corpus Patient", "<script>alert(1)</script> & Co");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("order.toml");
    std::fs::write(&path, text).unwrap();
    let out = Run::new(&[
        "order",
        "verify",
        &path.display().to_string(),
        "--format",
        "html",
    ])
    .success();
    assert!(!out.contains("<script>"), "{out}");
    assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
    for needed in [
        "Verifying pharmacist",
        "Second checker",
        "SHA-256",
        "version 1.2.0 in force",
        "DOXOrubicin",
        "124 mg",
    ] {
        assert!(out.contains(needed), "{needed} missing");
    }
    // Well-formed as XML too, as the schedule page is.
    let mut reader = quick_xml::Reader::from_str(&out);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    let md = Run::new(&[
        "order",
        "verify",
        &path.display().to_string(),
        "--format",
        "md",
    ])
    .success();
    assert!(md.contains("\\<script\\>"), "{md}");
    assert!(md.contains("Second checker"));
}

#[test]
fn an_unknown_key_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("o.toml");
    let text = std::fs::read_to_string("tests/data/orders/good/pazopanib.toml")
        .unwrap()
        .replace("prescriber =", "prescribed_by =");
    std::fs::write(&path, text).unwrap();
    let err = Run::new(&["order", "verify", &path.display().to_string()]).fails(2);
    assert!(err.contains("prescribed_by"), "{err}");
    assert!(err.contains("o.toml:"), "{err}");
}

#[test]
fn the_json_schema_is_up_to_date() {
    let schema = schemars::schema_for!(chemodose::order::OrderFile);
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = Path::new("docs/order.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == text,
        "docs/order.schema.json is stale: run `UPDATE_SCHEMA=1 cargo test --test order` and commit it"
    );
}

#[test]
fn the_example_orders_verify() {
    for path in files("docs/examples/orders") {
        let v = verify(&path);
        assert!(
            serious(&v).is_empty(),
            "{}: {:#?}",
            path.display(),
            v.findings
        );
    }
}

/// A history of another patient (its id is neither the order's MRN nor its
/// name) would count another person's doses: a stop.
#[test]
fn a_history_of_another_patient_rejects_the_order() {
    let run = Run::new(&[
        "order",
        "verify",
        "docs/examples/orders/gemcitabine-docetaxel-c1.toml",
        "--history",
        "docs/examples/lms-case-1.toml",
    ]);
    run.fails(1);
    assert!(
        run.stdout().contains("STOP [history-patient]"),
        "{}",
        run.stdout()
    );
}

/// How the records look (values are checked above, by hand; a snapshot
/// shows the layout): the text record of an order with a stop and the
/// Markdown record of one with a query; the regimen file named but not
/// hashed (the hash is tested through the command line), no time of check.
#[test]
fn the_records_look_like_this() {
    use chemodose::render::order::{RecordContext, order_md, order_text};
    let record = |file: &str| {
        let (order, regimen) = load(Path::new(file));
        let v = verify_order(&order, &regimen, &VerifyInputs::default());
        let ctx = RecordContext {
            order_file: file.to_owned(),
            regimen_origin: format!("bundled:{}.toml", regimen.id),
            regimen_sha256: None,
            chemodose_version: "TEST".to_owned(),
            checked_at: None,
        };
        (v, ctx)
    };
    let (v, ctx) = record("tests/data/orders/bad/companion-missing.toml");
    insta::assert_snapshot!("order_text", order_text(&v, &ctx));
    let (v, ctx) = record("tests/data/orders/bad/dose-deviation.toml");
    insta::assert_snapshot!("order_md", order_md(&v, &ctx));
}

/// A history that names its patient: the order's MRN and name must be the
/// history's. The order of `docs/examples/orders/gemcitabine-docetaxel-c1.toml`
/// is for Example Patient One, MRN EX-000101, born 1962, female.
#[test]
fn a_history_whose_name_or_mrn_is_not_the_orders_rejects_it() {
    let dir = tempfile::tempdir().unwrap();
    let verify = |patient: &str| {
        let path = dir.path().join("h.toml");
        std::fs::write(
            &path,
            format!("[patient]\n{patient}sex = \"female\"\nbirth_year = 1962\n"),
        )
        .unwrap();
        Run::new(&[
            "order",
            "verify",
            "docs/examples/orders/gemcitabine-docetaxel-c1.toml",
            "--history",
            path.to_str().unwrap(),
        ])
    };
    // A pseudonymous id with the order's MRN and name: the same patient.
    let run = verify("id = \"P-7\"\nname = \"example patient  one\"\nmrn = \"EX-000101\"\n");
    assert!(
        !run.stdout().contains("history-patient"),
        "{}",
        run.stdout()
    );
    // The id is the order's MRN, but the name is another's.
    let run = verify("id = \"EX-000101\"\nname = \"Example Patient Two\"\n");
    run.fails(1);
    assert!(
        run.stdout().contains("STOP [history-patient]")
            && run.stdout().contains("its patient name differs"),
        "{}",
        run.stdout()
    );
    // The name matches, the MRN does not.
    let run = verify("id = \"P-7\"\nname = \"Example Patient One\"\nmrn = \"EX-000999\"\n");
    run.fails(1);
    assert!(run.stdout().contains("its MRN differs"), "{}", run.stdout());
}
