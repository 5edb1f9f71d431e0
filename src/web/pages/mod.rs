//! The pages and the API: each request read, handed to the command line's
//! own parsing and engine ([`crate::cli::run_args`], or
//! [`crate::cli::run_args_with_text`] for an order or a history sent as
//! text), and drawn.
//!
//! Owns: which page answers which request, and a refusal or an input error
//! shown where it belongs (beside its field, or as a refusal box): here the
//! start page and the regimen library; `calc.rs` the dose and schedule
//! forms with their print-ready pages and downloads; `upload.rs` order
//! verification and the history; `api.rs` the JSON API and its OpenAPI
//! document. Never does: compute, parse a value, store or write a request's
//! text, or let a request name a file.

pub mod api;
pub mod calc;
pub mod upload;

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chemodose::regimen::Library;
use minijinja::context;

use super::Server;
use crate::cli::regimens::LibraryArgs;
use crate::cli::{Failure, InputError, Refusal, run_args};

pub(super) type Shared = State<Arc<Server>>;

/// The library in force, and where it came from (loaded again when its
/// folder changed: `library_cache`).
pub(super) fn library(server: &Server) -> Result<(Arc<Library>, String), InputError> {
    server.library.library(&LibraryArgs {
        regimens: server.regimens.clone(),
    })
}

/// As [`library`], for a request naming the regimen `key`: when `key` is
/// the id of a regimen file of the folder, only that file and the folder
/// are looked at (`library_cache`, `LibraryCache::library_for`).
pub(super) fn library_for(
    server: &Server,
    key: &str,
) -> Result<(Arc<Library>, String), InputError> {
    server.library.library_for(
        &LibraryArgs {
            regimens: server.regimens.clone(),
        },
        key,
    )
}

/// The regimen a request names, only as an id or alias of the library (a
/// request never names a file): its id.
pub(super) fn known_regimen(library: &Library, key: &str) -> Option<String> {
    library.get(key.trim()).map(|e| e.regimen.id.clone())
}

/// The arguments that point the command line at the server's library.
pub(super) fn library_argument(server: &Server) -> Option<String> {
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

/// A failure in words: the message, or the errors of the inputs that could
/// not be read, one after the other.
pub(super) fn failure_text(f: &Failure) -> String {
    match f {
        Failure::Input(InputError(m)) | Failure::Check(Refusal { message: m, .. }) => m.clone(),
        Failure::Partial { errors, .. } => errors.join("\n"),
    }
}

pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/style.css"),
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
