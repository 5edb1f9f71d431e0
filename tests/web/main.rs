//! The local web page (issue 19), through a real server process on
//! 127.0.0.1:0 and a real HTTP client: every page and API route, bad input
//! (the message beside its field), a refusal, hostile strings, oversize
//! bodies, the security headers, downloads equal to the command line's
//! output, print-ready pages whose policy allows their style by hash, and a
//! graceful stop on TERM.
//!
//! Doses by hand: gemcitabine/docetaxel at 170 cm and 70 kg, BSA
//! sqrt(170 × 70 / 3600) = 1.818 → 1.82 m²; gemcitabine 900 × 1.82 = 1,638
//! mg, docetaxel 100 × 1.82 = 182 mg (Hensley 2002).

#[path = "../common/mod.rs"]
mod common;
mod server;

mod api;
mod schedule;
mod upload;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use server::*;

#[test]
fn every_page_carries_the_security_headers() {
    let s = Server::start();
    for path in [
        "/",
        "/regimens",
        "/dose",
        "/schedule",
        "/order",
        "/history",
        "/api/openapi.json",
        "/no-such-page",
    ] {
        let r = agent().get(&s.url(path)).call().unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
        assert_eq!(h.get("cache-control").unwrap(), "no-store");
    }
    let (status, body) = get(&s, "/no-such-page");
    assert_eq!(status, 404);
    assert!(body.contains("There is no page at this address."), "{body}");
    // No script anywhere, and the stylesheet is chemodose's own.
    let (_, index) = get(&s, "/");
    assert!(!index.contains("<script"), "{index}");
    assert!(index.contains("href=\"/static/style.css\""), "{index}");
    for page in ["/dose", "/schedule", "/order", "/history"] {
        assert!(index.contains(&format!("<a href=\"{page}\">")), "{index}");
    }
    let r = agent().get(&s.url("/static/style.css")).call().unwrap();
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "text/css; charset=utf-8"
    );
}

#[test]
fn the_regimen_library_lists_searches_and_shows() {
    let s = Server::start();
    let (status, list) = get(&s, "/regimens");
    assert_eq!(status, 200);
    assert!(list.contains("gemcitabine-docetaxel"), "{list}");
    assert!(list.contains("DOCEtaxel"), "tall-man names: {list}");
    // Search by drug: doxorubicin is in the doxorubicin regimens, not in
    // gemcitabine/docetaxel.
    let (_, found) = get(&s, "/regimens?q=doxorubicin");
    assert!(found.contains(">doxorubicin</a>"), "{found}");
    assert!(!found.contains(">gemcitabine-docetaxel</a>"), "{found}");
    let (status, one) = get(&s, "/regimens/gemcitabine-docetaxel");
    assert_eq!(status, 200);
    assert!(
        one.contains("Gemcitabine + docetaxel (leiomyosarcoma)"),
        "{one}"
    );
    assert!(one.contains("SHA-256"), "provenance: {one}");
    // An alias finds the regimen; a path is never read.
    let (status, _) = get(&s, "/regimens/GemDoc");
    assert_eq!(status, 200);
    for path in [
        "/regimens/..%2F..%2Fetc%2Fpasswd",
        "/regimens/%2Fetc%2Fpasswd",
        "/regimens/regimens%2Fdoxorubicin.toml",
    ] {
        let (status, body) = get(&s, path);
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("No such regimen"), "{path}: {body}");
    }
}

#[test]
fn the_dose_form_gives_the_doses_by_hand() {
    let s = Server::start();
    let (status, form) = get(&s, "/dose?regimen=gemcitabine-docetaxel");
    assert_eq!(status, 200);
    assert!(
        form.contains("<option value=\"gemcitabine-docetaxel\" selected>"),
        "{form}"
    );
    let fields = gem_doc("170cm");
    let (status, page) = post_form(&s, "/dose", &as_refs(&fields));
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("1,638 mg"), "{page}");
    assert!(page.contains("182 mg"), "{page}");
    assert!(page.contains("DOCEtaxel"), "{page}");
    assert!(page.contains("PROCEED"), "{page}");
    // The values typed stay in the form.
    assert!(page.contains("value=\"170cm\""), "{page}");
}

#[test]
fn a_bad_value_is_shown_beside_its_field() {
    let s = Server::start();
    let fields = gem_doc("170");
    let (status, page) = post_form(&s, "/dose", &as_refs(&fields));
    assert_eq!(status, 400);
    let at = page
        .find("id=\"error-height\"")
        .expect("an error beside height");
    assert!(
        page[at..].contains("height needs a unit, e.g. 170cm or 67in"),
        "{page}"
    );
    assert!(!page.contains("id=\"result\""), "no doses: {page}");
    // A lab value without its unit: beside the lab.
    let mut fields = gem_doc("170cm");
    fields.retain(|(k, _)| *k != "anc");
    fields.push(("anc", "3.2".to_owned()));
    let (status, page) = post_form(&s, "/dose", &as_refs(&fields));
    assert_eq!(status, 400);
    assert!(page.contains("id=\"error-anc\""), "{page}");
    // An unknown regimen: beside the regimen.
    let (status, page) = post_form(
        &s,
        "/dose",
        &[
            ("regimen", "/etc/passwd"),
            ("height", "170cm"),
            ("weight", "70kg"),
        ],
    );
    assert_eq!(status, 400);
    assert!(page.contains("id=\"error-regimen\""), "{page}");
}

#[test]
fn a_refusal_is_shown_as_a_refusal() {
    let s = Server::start();
    // Docetaxel without liver tests: refused (its boxed warning), 422.
    let (status, page) = post_form(
        &s,
        "/dose",
        &[
            ("regimen", "gemcitabine-docetaxel"),
            ("height", "170cm"),
            ("weight", "70kg"),
        ],
    );
    assert_eq!(status, 422);
    assert!(page.contains("id=\"refusal\""), "{page}");
    assert!(page.contains("REFUSED"), "{page}");
    assert!(page.contains("DOCEtaxel needs"), "{page}");
    assert!(!page.contains("id=\"result\""), "{page}");
}

#[test]
fn hostile_strings_are_escaped_and_never_read_as_flags() {
    let s = Server::start();
    let mut fields = gem_doc("<script>alert(1)</script>");
    // A value that would be a flag on a command line stays a value.
    fields.push(("sex", "--labs=/etc/passwd".to_owned()));
    let (status, page) = post_form(&s, "/dose", &as_refs(&fields));
    assert_eq!(status, 400);
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{page}"
    );
    let (_, found) = get(&s, "/regimens?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert!(!found.contains("<script>"), "{found}");
    let mut fields = gem_doc("170cm");
    fields.push(("sex", "--labs=/etc/passwd".to_owned()));
    let (status, page) = post_form(&s, "/dose", &as_refs(&fields));
    assert_eq!(status, 400);
    assert!(page.contains("id=\"error-sex\""), "{page}");
}

#[test]
fn the_api_gives_the_command_line_json() {
    let s = Server::start();
    let mut body = serde_json::Map::new();
    for (k, v) in gem_doc("170cm") {
        body.insert(k.to_owned(), serde_json::Value::String(v));
    }
    let (status, text) = post_json(
        &s,
        "/api/dose",
        &serde_json::Value::Object(body).to_string(),
    );
    assert_eq!(status, 200, "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let finals: Vec<(String, i64, f64)> = json["administrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["role"] == "antineoplastic")
        .map(|a| {
            (
                a["drug"].as_str().unwrap().to_owned(),
                a["day"].as_i64().unwrap(),
                a["final_dose"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        finals,
        [
            ("gemcitabine".to_owned(), 1, 1638.0),
            ("gemcitabine".to_owned(), 8, 1638.0),
            ("docetaxel".to_owned(), 8, 182.0),
        ]
    );
    // Bad input: 400 with the field; a stop: 422.
    let (status, text) = post_json(
        &s,
        "/api/dose",
        r#"{"regimen": "gemcitabine-docetaxel", "height": "170", "weight": "70kg"}"#,
    );
    assert_eq!(status, 400);
    let e: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(e["field"], "height");
    assert_eq!(e["kind"], "input");
    let (status, text) = post_json(
        &s,
        "/api/dose",
        r#"{"regimen": "gemcitabine-docetaxel", "height": "170cm", "weight": "70kg"}"#,
    );
    assert_eq!(status, 422);
    let e: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(e["kind"], "stop");
    // Not JSON: 400, in JSON.
    let (status, text) = post_json(&s, "/api/dose", "{not json");
    assert_eq!(status, 400);
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
        "{text}"
    );
}

/// A request announcing a body over the limit is answered 413 before its
/// body is read (a real client would still be sending it).
fn announced(s: &Server, path: &str, content_type: &str, length: usize) -> String {
    use std::io::{Read, Write};
    let addr = s.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[test]
fn an_oversize_body_is_refused() {
    let s = Server::start();
    // 256 KiB is the limit; a form or an order file is far smaller.
    for (path, kind) in [
        ("/dose", "application/x-www-form-urlencoded"),
        ("/api/dose", "application/json"),
        ("/schedule", "application/x-www-form-urlencoded"),
        ("/api/schedule", "application/json"),
        ("/order", "multipart/form-data; boundary=x"),
        ("/history", "multipart/form-data; boundary=x"),
        ("/api/order/verify", "application/json"),
    ] {
        let answer = announced(&s, path, kind, 300 * 1024);
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
    }
    // Just under the limit is read (and refused for what it says).
    let (status, _) = post_form(&s, "/dose", &[("regimen", "x".repeat(1000).as_str())]);
    assert_eq!(status, 400);
}

#[cfg(unix)]
#[test]
fn term_stops_the_server_cleanly() {
    let mut child = common::chemodose()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("serving http://127.0.0.1:"), "{first}");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?} {rest:?}");
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

#[test]
fn binding_beyond_this_machine_warns() {
    let mut child = common::chemodose()
        .args(["serve", "--bind", "0.0.0.0:0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.contains("warning: listening on 0.0.0.0:"), "{first}");
    assert!(first.contains("reachable from the network"), "{first}");
}
