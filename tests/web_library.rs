//! The web page's regimen library is kept between requests (issue 19, the
//! load run: reading the folder on every request took most of a dose
//! request's time), yet an edited file still shows at once: through a real
//! `chemodose serve --regimens DIR` and a real HTTP client, a regimen file is
//! edited between two requests, at the same size, and the next answer is the
//! new file's.
//!
//! Doses by hand: 180 cm and 80 kg, Mosteller BSA sqrt(180 × 80 / 3600) =
//! sqrt(4) = 2.00 m²; doxorubicin 75 mg/m² × 2.00 = 150 mg, then 60 mg/m² ×
//! 2.00 = 120 mg.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(regimens: &Path) -> Server {
        let mut child = common::chemodose()
            .args(["serve", "--bind", "127.0.0.1:0", "--regimens"])
            .arg(regimens)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chemodose serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().expect("a line").expect("readable");
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first}"))
            .trim_end_matches('/')
            .to_owned();
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut r = agent().get(&format!("{}{path}", self.base)).call().unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    fn dose(&self, body: &str) -> (u16, serde_json::Value) {
        let mut r = agent()
            .post(&format!("{}/api/dose", self.base))
            .header("content-type", "application/json")
            .send(body)
            .unwrap();
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

const DOXORUBICIN: &str = include_str!("../regimens/doxorubicin.toml");

const PATIENT: &str =
    r#"{"regimen": "doxorubicin", "height": "180cm", "weight": "80kg", "bilirubin": "0.5mg/dL"}"#;

/// The final doxorubicin dose of a `/api/dose` answer, in mg.
fn doxorubicin_mg(answer: &serde_json::Value) -> f64 {
    let doses: Vec<f64> = answer["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["drug"] == "doxorubicin")
        .map(|a| a["final_dose"].as_f64().unwrap())
        .collect();
    assert_eq!(doses.len(), 1, "{answer}");
    doses[0]
}

#[test]
fn a_regimen_file_edited_between_requests_shows_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doxorubicin.toml");
    std::fs::write(&file, DOXORUBICIN).unwrap();
    let s = Server::start(dir.path());

    let (status, answer) = s.dose(PATIENT);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(doxorubicin_mg(&answer), 150.0);
    // The pages escape "/" as "&#x2f;".
    let (_, page) = s.get("/regimens/doxorubicin");
    assert!(
        page.contains("<h1>Doxorubicin 75 mg&#x2f;m2 every 21 days</h1>"),
        "{page}"
    );

    // The same file, the same size, another dose and name.
    let edited = DOXORUBICIN
        .replacen("dose = \"75 mg/m2\"", "dose = \"60 mg/m2\"", 1)
        .replacen(
            "name = \"Doxorubicin 75 mg/m2 every 21 days\"",
            "name = \"Doxorubicin 60 mg/m2 every 21 days\"",
            1,
        );
    assert_eq!(edited.len(), DOXORUBICIN.len());
    assert_ne!(edited, DOXORUBICIN);
    std::fs::write(&file, &edited).unwrap();

    let (status, answer) = s.dose(PATIENT);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(doxorubicin_mg(&answer), 120.0);
    let (_, page) = s.get("/regimens/doxorubicin");
    assert!(
        page.contains("<h1>Doxorubicin 60 mg&#x2f;m2 every 21 days</h1>"),
        "{page}"
    );
    let (_, list) = s.get("/regimens");
    assert!(
        list.contains("Doxorubicin 60 mg&#x2f;m2 every 21 days"),
        "{list}"
    );

    // A file added: listed and dosed at once; removed: gone at once.
    std::fs::write(
        dir.path().join("eribulin.toml"),
        include_str!("../regimens/eribulin.toml"),
    )
    .unwrap();
    let (status, _) = s.get("/regimens/eribulin");
    assert_eq!(status, 200);
    std::fs::remove_file(dir.path().join("eribulin.toml")).unwrap();
    let (status, _) = s.get("/regimens/eribulin");
    assert_eq!(status, 404);

    // A broken edit: refused in words, never the last good regimen.
    std::fs::write(
        &file,
        DOXORUBICIN.replacen("dose = \"75 mg/m2\"", "dose = ", 1),
    )
    .unwrap();
    let (status, answer) = s.dose(PATIENT);
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["kind"], "input", "{answer}");
}

/// Longer than the time a library's files and folder must be left alone
/// before the server keeps it (`cli::file_stamp::SETTLED`, 3 s): the
/// requests below are answered by the kept library, which looks only at the
/// regimen's file and its folder.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(3_500);

/// A folder of doxorubicin and eribulin, left alone until it is settled.
fn settled_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("doxorubicin.toml"), DOXORUBICIN).unwrap();
    std::fs::write(
        dir.path().join("eribulin.toml"),
        include_str!("../regimens/eribulin.toml"),
    )
    .unwrap();
    std::thread::sleep(SETTLE);
    dir
}

#[test]
fn a_settled_regimen_file_rewritten_at_the_same_size_and_time_shows_at_once() {
    let dir = settled_folder();
    let file = dir.path().join("doxorubicin.toml");
    let s = Server::start(dir.path());
    for _ in 0..2 {
        let (status, answer) = s.dose(PATIENT);
        assert_eq!(status, 200, "{answer}");
        assert_eq!(doxorubicin_mg(&answer), 150.0);
    }
    // Rewritten in place, the same size, its modification time set back to
    // what it was: only its change time tells.
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    let edited = DOXORUBICIN.replacen("dose = \"75 mg/m2\"", "dose = \"60 mg/m2\"", 1);
    assert_eq!(edited.len(), DOXORUBICIN.len());
    std::fs::write(&file, &edited).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let (status, answer) = s.dose(PATIENT);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(doxorubicin_mg(&answer), 120.0);
}

#[test]
fn a_file_added_to_or_removed_from_a_settled_folder_is_seen_by_the_next_dose() {
    let dir = settled_folder();
    let s = Server::start(dir.path());
    let (status, answer) = s.dose(PATIENT);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(doxorubicin_mg(&answer), 150.0);
    // A broken file added: the library cannot be loaded, and the dose is
    // refused in the loader's words, as before the library was kept.
    std::fs::write(dir.path().join("broken.toml"), "id = ").unwrap();
    let (status, answer) = s.dose(PATIENT);
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("broken.toml"),
        "{answer}"
    );
    std::fs::remove_file(dir.path().join("broken.toml")).unwrap();
    let (status, answer) = s.dose(PATIENT);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(doxorubicin_mg(&answer), 150.0);
    // The regimen's own file removed: no longer a regimen of the library.
    std::fs::remove_file(dir.path().join("doxorubicin.toml")).unwrap();
    let (status, answer) = s.dose(PATIENT);
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["field"], "regimen", "{answer}");
}
