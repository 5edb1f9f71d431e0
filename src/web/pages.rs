//! The pages and the API: each request read, handed to the command line's
//! own parsing and engine ([`crate::cli::run_args`]), and drawn.
//!
//! Owns: which page answers which request, and a refusal or an input error
//! shown where it belongs (beside its field, or as a refusal box). Never
//! does: compute, parse a value, or let a request name a file.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chemodose::regimen::Library;
use minijinja::context;

use super::Server;
use super::form;
use crate::cli::regimens::LibraryArgs;
use crate::cli::{Failure, InputError, run_args};

type Shared = State<Arc<Server>>;

/// The library in force, and where it came from (loaded again when its
/// folder changed: `library_cache`).
fn library(server: &Server) -> Result<(Arc<Library>, String), InputError> {
    server.library.library(&LibraryArgs {
        regimens: server.regimens.clone(),
    })
}

/// The regimen a request names, only as an id or alias of the library (a
/// request never names a file): its id.
fn known_regimen(library: &Library, key: &str) -> Option<String> {
    library.get(key.trim()).map(|e| e.regimen.id.clone())
}

/// The arguments that point the command line at the server's library.
fn library_argument(server: &Server) -> Option<String> {
    server
        .regimens
        .as_ref()
        .map(|d| format!("--regimens={}", d.display()))
}

pub async fn index(State(server): Shared) -> Response {
    match library(&server) {
        Ok((lib, from)) => server.page(
            StatusCode::OK,
            "index.html",
            context! {
                title => "chemodose",
                count => lib.entries().len(),
                library => from,
                version => env!("CARGO_PKG_VERSION"),
            },
        ),
        Err(e) => server.error_page(StatusCode::INTERNAL_SERVER_ERROR, "Regimen library", &e.0),
    }
}

#[derive(serde::Deserialize)]
pub struct Search {
    q: Option<String>,
}

pub async fn regimens(State(server): Shared, Query(search): Query<Search>) -> Response {
    let (lib, from) = match library(&server) {
        Ok(l) => l,
        Err(e) => {
            return server.error_page(StatusCode::INTERNAL_SERVER_ERROR, "Regimen library", &e.0);
        }
    };
    let q = search.q.unwrap_or_default();
    let needle = q.trim().to_lowercase();
    let rows: Vec<_> = lib
        .entries()
        .iter()
        .map(|e| &e.regimen)
        .filter(|r| {
            needle.is_empty()
                || r.id.to_lowercase().contains(&needle)
                || r.name.to_lowercase().contains(&needle)
                || r.aliases.iter().any(|a| a.to_lowercase().contains(&needle))
                || r.drugs.iter().any(|d| d.name.contains(&needle))
        })
        .map(|r| {
            context! {
                id => r.id.clone(),
                name => r.name.clone(),
                version => r.version.clone(),
                status => r.status.id(),
                attention => r.status.needs_attention(),
                drugs => r.drugs.iter()
                    .map(|d| chemodose::render::ismp::drug_display_name(&d.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    server.page(
        StatusCode::OK,
        "regimens.html",
        context! { title => "Regimens", rows => rows, q => q, count => lib.entries().len(), library => from },
    )
}

pub async fn regimen(State(server): Shared, Path(id): Path<String>) -> Response {
    let lib = match library(&server) {
        Ok((l, _)) => l,
        Err(e) => {
            return server.error_page(StatusCode::INTERNAL_SERVER_ERROR, "Regimen library", &e.0);
        }
    };
    let Some(id) = known_regimen(&lib, &id) else {
        return server.error_page(
            StatusCode::NOT_FOUND,
            "No such regimen",
            "There is no regimen with that id or alias in the library: see the list of regimens.",
        );
    };
    let mut args = vec![
        "regimens".to_owned(),
        "show".to_owned(),
        "--format=text".to_owned(),
    ];
    args.extend(library_argument(&server));
    args.extend(["--".to_owned(), id.clone()]);
    match run_args(&args) {
        Ok(report) => {
            let name = lib
                .get(&id)
                .map(|e| e.regimen.name.clone())
                .unwrap_or_default();
            server.page(
                StatusCode::OK,
                "regimen.html",
                context! { title => name.clone(), name => name, id => id, text => report.stdout },
            )
        }
        Err(f) => server.error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Regimen",
            &failure_text(&f),
        ),
    }
}

fn failure_text(f: &Failure) -> String {
    match f {
        Failure::Input(InputError(m)) | Failure::Check(m) => m.clone(),
        Failure::Partial { errors, .. } => errors.join("\n"),
    }
}

/// The dose form's page: the values as typed, errors by field, a refusal,
/// the result.
fn dose_page(
    server: &Server,
    status: StatusCode,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<&str, String>,
    form_error: Option<&str>,
    refusal: Option<&str>,
    result: Option<&str>,
) -> Response {
    let regimens: Vec<_> = match library(server) {
        Ok((lib, _)) => lib
            .entries()
            .iter()
            .map(|e| context! { id => e.regimen.id.clone(), name => e.regimen.name.clone() })
            .collect(),
        Err(_) => Vec::new(),
    };
    server.page(
        status,
        "dose.html",
        context! {
            title => "Dose calculator",
            regimens => regimens,
            values => values,
            errors => errors,
            form_error => form_error,
            refusal => refusal,
            result => result,
            patient_fields => minijinja::Value::from(minijinja::value::Serde(form::PATIENT)),
            lab_fields => minijinja::Value::from(minijinja::value::Serde(form::LABS)),
            option_fields => minijinja::Value::from(minijinja::value::Serde(form::OPTIONS)),
        },
    )
}

pub async fn dose_form(
    State(server): Shared,
    Query(values): Query<BTreeMap<String, String>>,
) -> Response {
    // Only the regimen may be chosen through a link.
    let values: BTreeMap<String, String> =
        values.into_iter().filter(|(k, _)| k == "regimen").collect();
    dose_page(
        &server,
        StatusCode::OK,
        &values,
        &BTreeMap::new(),
        None,
        None,
        None,
    )
}

/// What a dose request gave: the command line's report, or where its
/// problem belongs.
enum Outcome {
    Done(crate::cli::Report),
    Field(&'static str, String),
    Input(String),
    Refused(String),
}

fn run_dose(server: &Server, values: &BTreeMap<String, String>, format: &str) -> Outcome {
    let lib = match library(server) {
        Ok((l, _)) => l,
        Err(e) => return Outcome::Input(e.0),
    };
    let typed = values.get("regimen").map(String::as_str).unwrap_or("");
    let Some(id) = known_regimen(&lib, typed) else {
        return Outcome::Field(
            "regimen",
            "choose a regimen of the library (its id or alias)".to_owned(),
        );
    };
    let args = form::dose_arguments(&id, values, server.regimens.as_deref(), format);
    match run_args(&args) {
        Ok(report) => Outcome::Done(report),
        Err(Failure::Check(m)) => Outcome::Refused(m),
        Err(f) => {
            let m = failure_text(&f);
            match form::field_named_in(&m) {
                Some(name) => Outcome::Field(name, m),
                None => Outcome::Input(m),
            }
        }
    }
}

pub async fn dose(
    State(server): Shared,
    values: Result<Form<BTreeMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(values)) = values else {
        return server.error_page(
            StatusCode::BAD_REQUEST,
            "Bad form",
            "The form could not be read: send it from the dose page.",
        );
    };
    let mut errors = BTreeMap::new();
    match run_dose(&server, &values, "text") {
        Outcome::Done(report) => {
            let mut text = report.stdout;
            for line in report.warnings.iter().chain(&report.notes) {
                text.push_str(&format!("\n{line}"));
            }
            dose_page(
                &server,
                StatusCode::OK,
                &values,
                &errors,
                None,
                None,
                Some(&text),
            )
        }
        Outcome::Field(name, m) => {
            errors.insert(name, m);
            dose_page(
                &server,
                StatusCode::BAD_REQUEST,
                &values,
                &errors,
                None,
                None,
                None,
            )
        }
        Outcome::Input(m) => dose_page(
            &server,
            StatusCode::BAD_REQUEST,
            &values,
            &errors,
            Some(&m),
            None,
            None,
        ),
        Outcome::Refused(m) => dose_page(
            &server,
            StatusCode::UNPROCESSABLE_ENTITY,
            &values,
            &errors,
            None,
            Some(&m),
            None,
        ),
    }
}

/// `POST /api/dose`: the form's fields as a JSON object of strings; the
/// answer is the JSON of `chemodose dose --format json`, or an error object
/// (`error`, `field`, `kind`: `input` 400 or `stop` 422).
pub async fn api_dose(
    State(server): Shared,
    body: Result<Json<BTreeMap<String, String>>, JsonRejection>,
) -> Response {
    let values = match body {
        Ok(Json(v)) => v,
        Err(e) => return api_error(StatusCode::BAD_REQUEST, "input", None, &e.body_text()),
    };
    match run_dose(&server, &values, "json") {
        Outcome::Done(report) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            report.stdout,
        )
            .into_response(),
        Outcome::Field(name, m) => api_error(StatusCode::BAD_REQUEST, "input", Some(name), &m),
        Outcome::Input(m) => api_error(StatusCode::BAD_REQUEST, "input", None, &m),
        Outcome::Refused(m) => api_error(StatusCode::UNPROCESSABLE_ENTITY, "stop", None, &m),
    }
}

fn api_error(status: StatusCode, kind: &str, field: Option<&str>, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": message, "field": field, "kind": kind })),
    )
        .into_response()
}

pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("static/style.css"),
    )
        .into_response()
}

pub async fn not_found(State(server): Shared) -> Response {
    server.error_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no page at this address.",
    )
}
