//! Order verification and the treatment history: a file pasted or uploaded
//! (`multipart/form-data`, within the body limit), handed to `order verify`
//! or `history show` as text ([`crate::cli::run_args_with_text`]), and the
//! record shown as the command line prints it.
//!
//! Owns: reading the upload (the file when one is chosen, else the pasted
//! text), the verdict box of an order, the order's print-ready record.
//! Never does: write the text to disk, keep it, or read a file it names (an
//! order's regimen is an id or alias of the library).

use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use axum::response::Response;
use chemodose::files::FileKind;
use minijinja::context;

use super::{Shared, failure_text, library_argument};
use crate::cli::{Failure, GivenText, JsonLayout, Report, run_args_with_text};
use crate::web::{Server, print};

/// One of the two upload pages.
struct Page {
    /// `order` or `history`: the form's field names are `<kind>_text` and
    /// `<kind>_file`.
    kind: &'static str,
    title: &'static str,
    action: &'static str,
    /// What the text is called when it was pasted.
    pasted: &'static str,
    /// The command, before `--format` and the name.
    command: [&'static str; 2],
    file_kind: FileKind,
}

const ORDER: Page = Page {
    kind: "order",
    title: "Order verification",
    action: "/order",
    pasted: "pasted order",
    command: ["order", "verify"],
    file_kind: FileKind::Order,
};

const HISTORY: Page = Page {
    kind: "history",
    title: "Treatment history",
    action: "/history",
    pasted: "pasted history",
    command: ["history", "show"],
    file_kind: FileKind::History,
};

/// Why an upload gave no text: the status (400; 413 for a body beyond the
/// limit) and the message, shown on the page again.
type NotRead = (StatusCode, String);

/// The name an uploaded file goes by in messages and the record: its own
/// file name when that is plain and short, else `fallback`.
pub(super) fn shown_name(file_name: Option<&str>, fallback: &str) -> String {
    let name = file_name
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).trim())
        .unwrap_or_default();
    let plain = chemodose::text::find_unsafe(name).is_none()
        && !name.is_empty()
        && name.chars().count() <= 100
        && !name.starts_with('-');
    if plain {
        name.to_owned()
    } else {
        fallback.to_owned()
    }
}

/// Reads the form: `<kind>_file` when a file was chosen, else `<kind>_text`
/// (and `name`, the name a re-posted text goes by).
async fn read_upload(
    page: &Page,
    form: Result<Multipart, MultipartRejection>,
) -> Result<GivenText, NotRead> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let Ok(mut form) = form else {
        return Err(bad(format!(
            "The form could not be read: send it from the {} page.",
            page.title.to_lowercase()
        )));
    };
    let (text_field, file_field) = (format!("{}_text", page.kind), format!("{}_file", page.kind));
    let mut pasted: Vec<u8> = Vec::new();
    let mut name: Option<String> = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err((e.status(), e.body_text())),
        };
        let field_name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => return Err((e.status(), e.body_text())),
        };
        if field_name == file_field && !bytes.is_empty() {
            file = Some((
                shown_name(file_name.as_deref(), &format!("uploaded {}", page.kind)),
                bytes.to_vec(),
            ));
        } else if field_name == text_field {
            pasted = bytes.to_vec();
        } else if field_name == "name" {
            name = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let (name, bytes) = match file {
        Some(f) => f,
        None if !pasted.iter().all(u8::is_ascii_whitespace) => {
            (shown_name(name.as_deref(), page.pasted), pasted)
        }
        None => {
            return Err(bad(format!(
                "Paste the {} file's text, or choose the file.",
                page.kind
            )));
        }
    };
    chemodose::files::text_from_bytes(&name, bytes, page.file_kind)
        .map(|text| GivenText { name, text })
        .map_err(|e| bad(e.to_string()))
}

/// Runs the page's command in `format` on the given text, its JSON laid
/// out as `layout` says.
pub(super) fn run_on_text(
    server: &Server,
    command: [&str; 2],
    given: &GivenText,
    format: &str,
    layout: JsonLayout,
) -> Result<Report, Failure> {
    let mut args: Vec<String> = command.iter().map(|c| (*c).to_owned()).collect();
    args.push(format!("--format={format}"));
    args.extend(library_argument(server));
    args.extend(["--".to_owned(), given.name.clone()]);
    run_args_with_text(&args, given, layout)
}

/// What an upload page shows besides the form.
#[derive(Default)]
struct Shown {
    error: Option<String>,
    verdict: Option<String>,
    result: Option<String>,
    /// The text and name, sent back for the print-ready record.
    given: Option<(String, String)>,
}

fn upload_page(server: &Server, page: &Page, status: StatusCode, shown: Shown) -> Response {
    let (name, text) = shown.given.unwrap_or_default();
    server.page(
        status,
        "upload.html",
        context! {
            title => page.title,
            kind => page.kind,
            action => page.action,
            error => shown.error,
            verdict => shown.verdict,
            result => shown.result,
            name => name,
            text => text,
        },
    )
}

pub async fn order_form(State(server): Shared) -> Response {
    upload_page(&server, &ORDER, StatusCode::OK, Shown::default())
}

pub async fn history_form(State(server): Shared) -> Response {
    upload_page(&server, &HISTORY, StatusCode::OK, Shown::default())
}

/// The page for an upload that gave no text.
fn not_read(server: &Server, page: &Page, (status, message): NotRead) -> Response {
    upload_page(
        server,
        page,
        status,
        Shown {
            error: Some(message),
            ..Shown::default()
        },
    )
}

/// The verdict of each order of `order verify --format json`, in order.
pub(super) fn verdicts(json: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| {
            v.get("orders")?.as_array().map(|orders| {
                orders
                    .iter()
                    .filter_map(|o| o.get("verdict")?.as_str().map(str::to_owned))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// `POST /order`: the verification record, with its verdict in a box.
pub async fn order(State(server): Shared, form: Result<Multipart, MultipartRejection>) -> Response {
    let given = match read_upload(&ORDER, form).await {
        Ok(g) => g,
        Err(e) => return not_read(&server, &ORDER, e),
    };
    // The verdict from the JSON record, the record to read from the text:
    // both are the command line's, for the same order.
    let verdict = run_on_text(&server, ORDER.command, &given, "json", JsonLayout::Pretty)
        .ok()
        .and_then(|r| verdicts(&r.stdout).into_iter().next());
    match run_on_text(&server, ORDER.command, &given, "text", JsonLayout::Pretty) {
        Ok(report) => {
            let mut text = report.stdout;
            for line in report.warnings.iter().chain(&report.notes) {
                text.push_str(&format!("\n{line}"));
            }
            let shown = Shown {
                verdict,
                result: Some(text),
                given: Some((given.name, given.text)),
                ..Shown::default()
            };
            upload_page(&server, &ORDER, StatusCode::OK, shown)
        }
        Err(f) => failed(&server, &ORDER, &f),
    }
}

/// `POST /order/print`: the printable record (`order verify --format
/// html`), with its hash policy.
pub async fn order_print(
    State(server): Shared,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let given = match read_upload(&ORDER, form).await {
        Ok(g) => g,
        Err(e) => return not_read(&server, &ORDER, e),
    };
    match run_on_text(&server, ORDER.command, &given, "html", JsonLayout::Pretty) {
        Ok(report) => print::page(
            report.stdout,
            &print::file_name("order-verification", "html"),
        ),
        Err(f) => failed(&server, &ORDER, &f),
    }
}

/// `POST /history`: the timeline, lines and cumulative doses.
pub async fn history(
    State(server): Shared,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    let given = match read_upload(&HISTORY, form).await {
        Ok(g) => g,
        Err(e) => return not_read(&server, &HISTORY, e),
    };
    match run_on_text(&server, HISTORY.command, &given, "text", JsonLayout::Pretty) {
        Ok(report) => {
            let shown = Shown {
                result: Some(report.stdout),
                ..Shown::default()
            };
            upload_page(&server, &HISTORY, StatusCode::OK, shown)
        }
        Err(f) => failed(&server, &HISTORY, &f),
    }
}

/// The page of a text the command refused: its located errors, 400 (or
/// 422 for a refusal).
fn failed(server: &Server, page: &Page, f: &Failure) -> Response {
    let status = match f {
        Failure::Check(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    };
    upload_page(
        server,
        page,
        status,
        Shown {
            error: Some(failure_text(f)),
            ..Shown::default()
        },
    )
}
