//! The server process and the HTTP client the web tests share.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// A server process, stopped (TERM) when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

/// The time every output that carries one is made at, in the server and in
/// the command lines the tests compare it with (iCalendar DTSTAMP, the
/// order record's `checked_at`): 2026-12-01T00:00:00Z.
pub const EPOCH: &str = "1796083200";

impl Server {
    pub fn start() -> Server {
        let mut child = crate::common::chemodose()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chemodose serve");
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let first = lines.next().expect("a line").expect("readable");
        let base = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first}"))
            .trim_end_matches('/')
            .to_owned();
        // Keep draining the access log so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Server { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and body of a GET.
pub fn get(s: &Server, path: &str) -> (u16, String) {
    let mut r = agent().get(&s.url(path)).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

/// Status and body of a form POST.
pub fn post_form(s: &Server, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut r = agent()
        .post(&s.url(path))
        .send_form(fields.iter().copied())
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

/// Status and body of a JSON POST.
pub fn post_json(s: &Server, path: &str, body: &str) -> (u16, String) {
    let mut r = agent()
        .post(&s.url(path))
        .header("content-type", "application/json")
        .send(body)
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

/// The normal results of `docs/examples/gemdoc-labs.toml`, as form fields
/// (docetaxel is not dosed without liver tests).
pub const LABS: &[(&str, &str)] = &[
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

pub fn gem_doc(height: &str) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&str, String)> = vec![
        ("regimen", "gemcitabine-docetaxel".to_owned()),
        ("height", height.to_owned()),
        ("weight", "70kg".to_owned()),
    ];
    f.extend(LABS.iter().map(|(k, v)| (*k, (*v).to_owned())));
    f
}

pub fn as_refs<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
