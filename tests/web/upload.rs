//! Order verification and the treatment history: uploads and pastes.
//!
//! docs/examples/orders/gemcitabine-docetaxel-c1.toml by hand (Mosteller):
//! BSA = sqrt(165 × 60 / 3600) = 1.6583 → 1.66 m²; gemcitabine 900 × 1.66 =
//! 1,494 mg, docetaxel 100 × 1.66 = 166 mg, as ordered: VERIFIED.

use crate::server::*;

const BOUNDARY: &str = "chemodose-test-boundary";

/// One part of a multipart form: a field, or a file when `file_name` is
/// given.
struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    content: &'a str,
}

/// Status and body of a `multipart/form-data` POST.
fn post_multipart(s: &Server, path: &str, parts: &[Part<'_>]) -> (u16, String) {
    let mut body = String::new();
    for p in parts {
        body.push_str(&format!("--{BOUNDARY}\r\n"));
        match p.file_name {
            Some(f) => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                p.name
            )),
            None => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                p.name
            )),
        }
        body.push_str(p.content);
        body.push_str("\r\n");
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    let mut r = agent()
        .post(&s.url(path))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .send(&body)
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn upload(s: &Server, path: &str, field: &str, file_name: &str, text: &str) -> (u16, String) {
    post_multipart(
        s,
        path,
        &[Part {
            name: field,
            file_name: Some(file_name),
            content: text,
        }],
    )
}

fn paste(s: &Server, path: &str, field: &str, text: &str) -> (u16, String) {
    post_multipart(
        s,
        path,
        &[Part {
            name: field,
            file_name: None,
            content: text,
        }],
    )
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The verdict box's word.
fn verdict(page: &str) -> &str {
    let at = page.find("id=\"verdict\"><p>").expect("a verdict") + "id=\"verdict\"><p>".len();
    &page[at..at + page[at..].find('<').unwrap()]
}

#[test]
fn an_order_is_verified_with_its_verdict_shown() {
    let s = Server::start();
    let (status, form) = get(&s, "/order");
    assert_eq!(status, 200);
    assert!(form.contains("enctype=\"multipart/form-data\""), "{form}");
    let order = read("docs/examples/orders/gemcitabine-docetaxel-c1.toml");
    let (status, page) = upload(&s, "/order", "order_file", "c1.toml", &order);
    assert_eq!(status, 200, "{page}");
    assert_eq!(verdict(&page), "VERIFIED");
    assert!(page.contains("verdict-verified"), "{page}");
    let record = &page[page.find("id=\"result\"").unwrap()..];
    assert!(record.contains("ORDER ORD-2026-0101: VERIFIED"), "{record}");
    assert!(
        record.contains("1,494 mg") && record.contains("166 mg"),
        "{record}"
    );
    // The same order pasted.
    let (status, page) = paste(&s, "/order", "order_text", &order);
    assert_eq!(status, 200, "{page}");
    assert_eq!(verdict(&page), "VERIFIED");
    // An amount 20 % over the independent one is stopped: REJECT.
    let bad = read("tests/data/orders/bad/dose-deviation-over.toml");
    let (status, page) = upload(&s, "/order", "order_file", "over.toml", &bad);
    assert_eq!(status, 200, "{page}");
    assert_eq!(verdict(&page), "REJECT");
    assert!(page.contains("dose-deviation-over"), "{page}");
    // The printable record, with its hash policy.
    let (status, html) = post_multipart(
        &s,
        "/order/print",
        &[
            Part {
                name: "name",
                file_name: None,
                content: "c1.toml",
            },
            Part {
                name: "order_text",
                file_name: None,
                content: &order,
            },
        ],
    );
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("ORD-2026-0101"), "{html}");
}

#[test]
fn an_unreadable_order_is_shown_with_its_located_errors() {
    let s = Server::start();
    let (status, page) = paste(&s, "/order", "order_text", "format = 1\nid = 3\n");
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("id=\"form-error\""), "{page}");
    assert!(page.contains("pasted order:2:6"), "{page}");
    assert!(!page.contains("id=\"verdict\""), "{page}");
    // Nothing sent.
    let (status, page) = paste(&s, "/order", "order_text", "  \n");
    assert_eq!(status, 400);
    assert!(page.contains("Paste the order"), "{page}");
}

#[test]
fn an_order_never_makes_the_server_read_a_file() {
    let s = Server::start();
    let order = read("docs/examples/orders/gemcitabine-docetaxel-c1.toml");
    for path in ["regimens/gemcitabine-docetaxel.toml", "/etc/passwd"] {
        let text = order.replace(
            "regimen = \"gemcitabine-docetaxel\"",
            &format!("regimen = \"{path}\""),
        );
        let (status, page) = upload(&s, "/order", "order_file", "o.toml", &text);
        assert_eq!(status, 400, "{path}: {page}");
        assert!(page.contains("is not an id or alias"), "{path}: {page}");
        assert!(!page.contains("root:"), "{page}");
    }
    // A file name is only a name: never opened.
    let (status, page) = upload(&s, "/order", "order_file", "../../etc/passwd", &order);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("passwd"), "{page}");
}

#[test]
fn hostile_strings_in_an_order_and_a_history_are_escaped() {
    let s = Server::start();
    let order = read("docs/examples/orders/gemcitabine-docetaxel-c1.toml").replace(
        "name = \"Example Patient One\"",
        "name = \"<script>alert('x')</script> \\\"quoted\\\"\"",
    );
    let (status, page) = upload(&s, "/order", "order_file", "o.toml", &order);
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt; &quot;quoted&quot;"),
        "{page}"
    );
    let history = read("tests/data/orders/history/test-0001-gemdoc.toml")
        .replace("id = \"TEST-0001\"", "id = \"<script>x</script>\\\"\"");
    let (status, page) = upload(&s, "/history", "history_file", "h.toml", &history);
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("<script>"), "{page}");
    assert!(
        page.contains("Treatment history of &lt;script&gt;x&lt;&#x2f;script&gt;&quot;"),
        "{page}"
    );
}

#[test]
fn a_history_shows_its_lines_and_cumulative_doses() {
    let s = Server::start();
    let (status, form) = get(&s, "/history");
    assert_eq!(status, 200);
    assert!(form.contains("name=\"history_file\""), "{form}");
    // tests/data/orders/history/test-0001-gemdoc.toml: one cycle on
    // 2026-11-10 at 165 cm, 70 kg: BSA sqrt(165 × 70 / 3600) = 1.7912 →
    // 1.79 m²; docetaxel 100 × 1.79 = 179 mg; gemcitabine 900 × 1.79 =
    // 1,611 mg on days 1 and 8, 3,222 mg in the cycle.
    let history = read("tests/data/orders/history/test-0001-gemdoc.toml");
    let (status, page) = upload(&s, "/history", "history_file", "h.toml", &history);
    assert_eq!(status, 200, "{page}");
    let shown = &page[page.find("id=\"result\"").unwrap()..];
    assert!(shown.contains("Treatment history of TEST-0001"), "{shown}");
    assert!(shown.contains("Lines of therapy"), "{shown}");
    assert!(shown.contains("DOCEtaxel      179 mg"), "{shown}");
    assert!(shown.contains("gemcitabine    3,222 mg"), "{shown}");
    // A bad history: its located error, 400.
    let (status, page) = paste(&s, "/history", "history_text", "[patient]\nid = \"\"\n");
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("patient id is blank"), "{page}");
}
