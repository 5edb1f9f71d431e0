//! The dose and schedule forms: the form, its result as the command line
//! prints it, a print-ready page (`--format html`, with its hash policy,
//! `web::print`) and, for a schedule, its CSV, JSON and iCalendar files.
//!
//! Owns: the form pages and what each of their buttons answers. The values
//! go back to the server in the body of a POST (hidden inputs), never in an
//! address: proxies log addresses. Never does: compute, parse a value, or
//! write a flag that is not a field of the form (`web::form`).

use std::collections::BTreeMap;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;

use super::{Shared, failure_text, known_regimen, library, library_for};
use crate::cli::{Failure, JsonLayout, Report, run_args_laid_out};
use crate::web::Server;
use crate::web::form::{DOSE, FormSpec, SCHEDULE};
use crate::web::print;

/// A button under a result: a form of hidden inputs (the values as typed)
/// posted to `action`.
#[derive(Debug, Clone, Copy, serde::Serialize)]
struct Export {
    /// Where the values are posted.
    action: &'static str,
    /// The `format` field sent with them, when the action takes one.
    format: Option<&'static str>,
    /// The button's words.
    label: &'static str,
    /// The button's id.
    id: &'static str,
    /// Opened in a new tab (a page to print), or saved.
    new_tab: bool,
}

/// One calculation page.
struct Page {
    spec: FormSpec,
    title: &'static str,
    action: &'static str,
    submit: &'static str,
    result_heading: &'static str,
    exports: &'static [Export],
}

const DOSE_PAGE: Page = Page {
    spec: DOSE,
    title: "Dose calculator",
    action: "/dose",
    submit: "Calculate",
    result_heading: "Doses",
    exports: &[Export {
        action: "/dose/print",
        format: None,
        label: "Print-ready page",
        id: "print",
        new_tab: true,
    }],
};

const SCHEDULE_PAGE: Page = Page {
    spec: SCHEDULE,
    title: "Schedule",
    action: "/schedule",
    submit: "Make the schedule",
    result_heading: "Calendar",
    exports: &[
        Export {
            action: "/schedule/print",
            format: None,
            label: "Print-ready page",
            id: "print",
            new_tab: true,
        },
        Export {
            action: "/schedule/download",
            format: Some("csv"),
            label: "CSV",
            id: "download-csv",
            new_tab: false,
        },
        Export {
            action: "/schedule/download",
            format: Some("json"),
            label: "JSON",
            id: "download-json",
            new_tab: false,
        },
        Export {
            action: "/schedule/download",
            format: Some("ics"),
            label: "Calendar (ICS)",
            id: "download-ics",
            new_tab: false,
        },
    ],
};

/// Why a form request gave no result, and where that belongs.
pub(super) enum Problem {
    /// A value the command line refused: beside its field.
    Field(&'static str, String),
    /// Bad input that names no field: above the form.
    Input(String),
    /// A safety stop: in the REFUSED box.
    Refused(String),
}

/// Runs the form's command in `format` on the values (its JSON laid out as
/// `layout` says): the regimen only as an id or alias of the library.
pub(super) fn run_form(
    server: &Server,
    spec: &FormSpec,
    values: &BTreeMap<String, String>,
    format: &str,
    layout: JsonLayout,
) -> Result<Report, Problem> {
    let typed = values.get("regimen").map(String::as_str).unwrap_or("");
    let (lib, _) = library_for(server, typed).map_err(|e| Problem::Input(e.0))?;
    let Some(id) = known_regimen(&lib, typed) else {
        return Err(Problem::Field(
            "regimen",
            "choose a regimen of the library (its id or alias)".to_owned(),
        ));
    };
    let args = spec.arguments(&id, values, server.regimens.as_deref(), format);
    run_args_laid_out(&args, layout).map_err(|f| match f {
        Failure::Check(r) => Problem::Refused(r.message),
        f => {
            let m = failure_text(&f);
            match spec.field_named_in(&m) {
                Some(name) => Problem::Field(name, m),
                None => Problem::Input(m),
            }
        }
    })
}

/// What a form page shows besides the form.
#[derive(Default)]
struct Shown {
    errors: BTreeMap<&'static str, String>,
    form_error: Option<String>,
    refusal: Option<String>,
    result: Option<String>,
}

/// A form page: the values as typed, errors by field, a refusal, the
/// result with its buttons.
fn form_page(
    server: &Server,
    page: &Page,
    status: StatusCode,
    values: &BTreeMap<String, String>,
    shown: Shown,
) -> Response {
    let regimens: Vec<_> = match library(server) {
        Ok((lib, _)) => lib
            .entries()
            .iter()
            .map(|e| context! { id => e.regimen.id.clone(), name => e.regimen.name.clone() })
            .collect(),
        Err(_) => Vec::new(),
    };
    // Only the form's own fields go back in the hidden inputs.
    let hidden: BTreeMap<String, String> = values
        .iter()
        .filter(|(k, v)| page.spec.knows(k) && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    server.page(
        status,
        "calc.html",
        context! {
            title => page.title,
            action => page.action,
            submit => page.submit,
            result_heading => page.result_heading,
            regimens => regimens,
            values => values,
            hidden => hidden,
            errors => shown.errors,
            form_error => shown.form_error,
            refusal => shown.refusal,
            result => shown.result,
            exports => minijinja::Value::from(minijinja::value::Serde(page.exports)),
            sections => minijinja::Value::from(minijinja::value::Serde(page.spec.sections)),
        },
    )
}

/// The form again with its problem: the message beside its field (400),
/// above the form (400), or in the REFUSED box (422).
fn problem_page(
    server: &Server,
    page: &Page,
    values: &BTreeMap<String, String>,
    problem: Problem,
) -> Response {
    let mut shown = Shown::default();
    let status = match problem {
        Problem::Field(name, m) => {
            shown.errors.insert(name, m);
            StatusCode::BAD_REQUEST
        }
        Problem::Input(m) => {
            shown.form_error = Some(m);
            StatusCode::BAD_REQUEST
        }
        Problem::Refused(m) => {
            shown.refusal = Some(m);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    form_page(server, page, status, values, shown)
}

/// The result page: the text with the warnings and notes after it.
fn result_page(server: &Server, page: &Page, values: &BTreeMap<String, String>) -> Response {
    match run_form(server, &page.spec, values, "text", JsonLayout::Pretty) {
        Ok(report) => {
            let mut text = report.stdout;
            for line in report.warnings.iter().chain(&report.notes) {
                text.push_str(&format!("\n{line}"));
            }
            let shown = Shown {
                result: Some(text),
                ..Shown::default()
            };
            form_page(server, page, StatusCode::OK, values, shown)
        }
        Err(p) => problem_page(server, page, values, p),
    }
}

/// A form that could not be read (not a form at all).
fn bad_form(server: &Server, page: &Page) -> Response {
    server.error_page(
        StatusCode::BAD_REQUEST,
        "Bad form",
        &format!(
            "The form could not be read: send it from the {} page.",
            page.title.to_lowercase()
        ),
    )
}

/// The empty form; only the regimen may be chosen through a link.
fn empty_form(server: &Server, page: &Page, values: BTreeMap<String, String>) -> Response {
    let values: BTreeMap<String, String> =
        values.into_iter().filter(|(k, _)| k == "regimen").collect();
    form_page(server, page, StatusCode::OK, &values, Shown::default())
}

type Values = Result<Form<BTreeMap<String, String>>, FormRejection>;

pub async fn dose_form(
    State(server): Shared,
    Query(values): Query<BTreeMap<String, String>>,
) -> Response {
    empty_form(&server, &DOSE_PAGE, values)
}

pub async fn dose(State(server): Shared, values: Values) -> Response {
    let Ok(Form(values)) = values else {
        return bad_form(&server, &DOSE_PAGE);
    };
    result_page(&server, &DOSE_PAGE, &values)
}

/// `POST /dose/print`: `dose --format html`, with its hash policy.
pub async fn dose_print(State(server): Shared, values: Values) -> Response {
    let Ok(Form(values)) = values else {
        return bad_form(&server, &DOSE_PAGE);
    };
    match run_form(&server, &DOSE, &values, "html", JsonLayout::Pretty) {
        Ok(report) => {
            let name = print::file_name(
                &format!(
                    "dose-{}-cycle-{}",
                    regimen_of(&values),
                    values.get("cycle").map_or("1", |c| c.trim())
                ),
                "html",
            );
            print::page(report.stdout, &name)
        }
        Err(p) => problem_page(&server, &DOSE_PAGE, &values, p),
    }
}

pub async fn schedule_form(
    State(server): Shared,
    Query(values): Query<BTreeMap<String, String>>,
) -> Response {
    empty_form(&server, &SCHEDULE_PAGE, values)
}

pub async fn schedule(State(server): Shared, values: Values) -> Response {
    let Ok(Form(values)) = values else {
        return bad_form(&server, &SCHEDULE_PAGE);
    };
    result_page(&server, &SCHEDULE_PAGE, &values)
}

/// `POST /schedule/print`: `schedule --format html`, with its hash policy.
pub async fn schedule_print(State(server): Shared, values: Values) -> Response {
    let Ok(Form(values)) = values else {
        return bad_form(&server, &SCHEDULE_PAGE);
    };
    match run_form(&server, &SCHEDULE, &values, "html", JsonLayout::Pretty) {
        Ok(report) => print::page(report.stdout, &schedule_file(&values, "html")),
        Err(p) => problem_page(&server, &SCHEDULE_PAGE, &values, p),
    }
}

/// `POST /schedule/download` with `format` csv, json or ics: the file
/// `schedule --format FORMAT` prints, as an attachment.
pub async fn schedule_download(State(server): Shared, values: Values) -> Response {
    let Ok(Form(values)) = values else {
        return bad_form(&server, &SCHEDULE_PAGE);
    };
    let (format, content_type) = match values.get("format").map(String::as_str) {
        Some("csv") => ("csv", "text/csv; charset=utf-8"),
        Some("json") => ("json", "application/json"),
        Some("ics") => ("ics", "text/calendar; charset=utf-8"),
        _ => {
            return server.error_page(
                StatusCode::BAD_REQUEST,
                "Bad download",
                "A schedule is downloaded as csv, json or ics.",
            );
        }
    };
    match run_form(&server, &SCHEDULE, &values, format, JsonLayout::Pretty) {
        Ok(report) => {
            print::attachment(report.stdout, content_type, &schedule_file(&values, format))
        }
        Err(p) => problem_page(&server, &SCHEDULE_PAGE, &values, p),
    }
}

/// The regimen as chosen (an id of the library, once the command ran).
fn regimen_of(values: &BTreeMap<String, String>) -> &str {
    values.get("regimen").map_or("", |r| r.trim())
}

/// `schedule-<regimen>-<start>.<extension>`: no patient value in a file
/// name, which download lists and folders show.
fn schedule_file(values: &BTreeMap<String, String>, extension: &str) -> String {
    print::file_name(
        &format!(
            "schedule-{}-{}",
            regimen_of(values),
            values.get("start").map_or("", |s| s.trim())
        ),
        extension,
    )
}
