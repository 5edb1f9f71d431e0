//! The JSON API: `POST /api/dose`, `POST /api/schedule`, `POST
//! /api/order/verify`, and `GET /api/openapi.json`, the OpenAPI document
//! describing them (`docs/api.md`). Each answer is the command line's own
//! JSON (`--format json`, `docs/output-json.md`) written compact (the same
//! value, keys and numbers), or an error object.
//!
//! Owns: the request types, the error object, which status each outcome
//! is, and the OpenAPI document derived from them (`utoipa`; the dose and
//! schedule request objects from the forms' field lists, so the document
//! cannot drift from what is accepted). Never does: compute or parse a
//! value; a request key that is not a field is refused, never ignored.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};
use utoipa::{OpenApi, PartialSchema, ToSchema};

use super::Shared;
use super::calc::{Problem, run_form};
use super::upload::{run_on_text, shown_name};
use crate::cli::{Failure, GivenText, JsonLayout};
use crate::web::form::{DOSE, FormSpec, Many, SCHEDULE};

/// What went wrong, in the answer's `kind`.
#[derive(Debug, Clone, Copy, serde::Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// Bad input: a value the command line refuses, an unknown key, an
    /// order that cannot be read (status 400).
    Input,
    /// A safety stop: the dose is refused, with the override that would let
    /// it through (status 422).
    Stop,
}

/// The answer to a request that gave no result.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct ApiError {
    /// The command line's message, in its words.
    error: String,
    /// The request key the message is about, when it names one.
    field: Option<String>,
    /// Bad input (400) or a safety stop (422).
    kind: ErrorKind,
}

fn api_error(status: StatusCode, kind: ErrorKind, field: Option<&str>, message: &str) -> Response {
    (
        status,
        Json(ApiError {
            error: message.to_owned(),
            field: field.map(str::to_owned),
            kind,
        }),
    )
        .into_response()
}

fn json_answer(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// The request object of a form's API: `regimen` and each field of the
/// form, every value a string written as on the command line.
fn form_schema(spec: &FormSpec, required: &[&str]) -> RefOr<Schema> {
    let string = |description: String, example: &str| {
        let mut b = ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description));
        if !example.is_empty() {
            b = b.examples([serde_json::Value::String(example.to_owned())]);
        }
        b
    };
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(format!(
            "The fields of the {} form, each a string written as on the command line (`chemodose {} --help`). Empty strings are left out; an unknown key is refused.",
            spec.command, spec.command
        )))
        .property(
            "regimen",
            string(
                "A regimen id or alias of the library in force (never a path).".to_owned(),
                "gemcitabine-docetaxel",
            ),
        )
        .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)));
    for f in spec.fields() {
        let several = match f.many {
            Many::One => "",
            Many::Commas => "; several separated by commas",
            Many::Lines => "; several, one per line",
        };
        object = object.property(
            f.name,
            string(
                format!("{}: {} (`{}`{several})", f.label, f.hint, f.flag),
                f.example,
            ),
        );
    }
    for r in required {
        object = object.required(*r);
    }
    RefOr::T(Schema::Object(Object::from(object)))
}

/// `POST /api/dose`'s request: the dose form's fields.
pub struct DoseRequest;

impl PartialSchema for DoseRequest {
    fn schema() -> RefOr<Schema> {
        form_schema(&DOSE, &["regimen", "height", "weight"])
    }
}

impl ToSchema for DoseRequest {}

/// `POST /api/schedule`'s request: the schedule form's fields.
pub struct ScheduleRequest;

impl PartialSchema for ScheduleRequest {
    fn schema() -> RefOr<Schema> {
        form_schema(&SCHEDULE, &["regimen", "start", "height", "weight"])
    }
}

impl ToSchema for ScheduleRequest {}

/// `POST /api/order/verify`'s request.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// The order file's text: TOML, or JSON with the same keys (read as JSON
    /// when it starts with `{`), as `docs/order-verification.md` describes.
    /// Its regimen must be an id or alias of the library.
    #[schema(
        example = "format = 1\nid = \"ORD-2026-0101\"\nregimen = \"gemcitabine-docetaxel\"\n..."
    )]
    order: String,
    /// What the order is called in messages and in the record's `file`
    /// (letters, digits and punctuation, at most 100 characters; a name
    /// ending in `.json` is read as JSON). Default `posted order`.
    #[schema(example = "ORD-2026-0101.toml")]
    name: Option<String>,
}

/// The form's values, refusing a key that is not one of its fields.
fn form_values(
    spec: &FormSpec,
    body: Result<Json<BTreeMap<String, String>>, JsonRejection>,
) -> Result<BTreeMap<String, String>, Response> {
    let values = match body {
        Ok(Json(v)) => v,
        Err(e) => {
            return Err(api_error(
                StatusCode::BAD_REQUEST,
                ErrorKind::Input,
                None,
                &e.body_text(),
            ));
        }
    };
    if let Some(k) = values.keys().find(|k| !spec.knows(k)) {
        return Err(api_error(
            StatusCode::BAD_REQUEST,
            ErrorKind::Input,
            Some(k),
            &format!(
                "`{}` is not a field of {}: see /api/openapi.json",
                chemodose::render::escape::visible(k),
                spec.command
            ),
        ));
    }
    Ok(values)
}

/// A form's API: the command's JSON, or the error object.
fn form_api(
    server: &crate::web::Server,
    spec: &FormSpec,
    body: Result<Json<BTreeMap<String, String>>, JsonRejection>,
) -> Response {
    let values = match form_values(spec, body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match run_form(server, spec, &values, "json", JsonLayout::Compact) {
        Ok(report) => json_answer(report.stdout),
        Err(Problem::Field(name, m)) => {
            api_error(StatusCode::BAD_REQUEST, ErrorKind::Input, Some(name), &m)
        }
        Err(Problem::Input(m)) => api_error(StatusCode::BAD_REQUEST, ErrorKind::Input, None, &m),
        Err(Problem::Refused(m)) => {
            api_error(StatusCode::UNPROCESSABLE_ENTITY, ErrorKind::Stop, None, &m)
        }
    }
}

/// One cycle's doses.
///
/// The doses of `chemodose dose --format json`, for the dose form's fields.
#[utoipa::path(
    post,
    path = "/api/dose",
    request_body(content = DoseRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The JSON of `chemodose dose --format json` (docs/output-json.md, \"dose\"), written compact.", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "Bad input: not JSON, an unknown key, or a value the command line refuses (`field` names its key).", body = ApiError),
        (status = 413, description = "The body is over 256 KiB."),
        (status = 422, description = "A safety stop refused the dose (`kind` is `stop`); the message names the override.", body = ApiError),
    )
)]
pub async fn api_dose(
    State(server): Shared,
    body: Result<Json<BTreeMap<String, String>>, JsonRejection>,
) -> Response {
    form_api(&server, &DOSE, body)
}

/// A course's calendar.
///
/// Every administration of every cycle on its date, as `chemodose schedule
/// --format json` gives it, for the schedule form's fields.
#[utoipa::path(
    post,
    path = "/api/schedule",
    request_body(content = ScheduleRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The JSON of `chemodose schedule --format json` (docs/output-json.md, \"schedule\"), written compact.", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "Bad input: not JSON, an unknown key, or a value the command line refuses (`field` names its key).", body = ApiError),
        (status = 413, description = "The body is over 256 KiB."),
        (status = 422, description = "A safety stop refused a dose of the course (`kind` is `stop`).", body = ApiError),
    )
)]
pub async fn api_schedule(
    State(server): Shared,
    body: Result<Json<BTreeMap<String, String>>, JsonRejection>,
) -> Response {
    form_api(&server, &SCHEDULE, body)
}

/// Verify an order.
///
/// The order recomputed by the dose engine and compared, as `chemodose
/// order verify --format json` records it. Every verdict (VERIFIED, QUERY,
/// REJECT) is a 200 answer: the verdict is in `orders[0].verdict`.
#[utoipa::path(
    post,
    path = "/api/order/verify",
    request_body(content = OrderRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The JSON of `chemodose order verify --format json` (docs/output-json.md, \"order verify\"), written compact, whatever the verdict.", body = serde_json::Value, content_type = "application/json"),
        (status = 400, description = "Not JSON, an unknown key, or an order that cannot be read (located errors in `error`; `field` is `order`).", body = ApiError),
        (status = 413, description = "The body is over 256 KiB."),
    )
)]
pub async fn api_order_verify(
    State(server): Shared,
    body: Result<Json<OrderRequest>, JsonRejection>,
) -> Response {
    let request = match body {
        Ok(Json(r)) => r,
        Err(e) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                ErrorKind::Input,
                None,
                &e.body_text(),
            );
        }
    };
    let name = shown_name(request.name.as_deref(), "posted order");
    let text = match chemodose::files::text_from_bytes(
        &name,
        request.order.into_bytes(),
        chemodose::files::FileKind::Order,
    ) {
        Ok(t) => t,
        Err(e) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                ErrorKind::Input,
                Some("order"),
                &e.to_string(),
            );
        }
    };
    let given = GivenText { name, text };
    match run_on_text(
        &server,
        ["order", "verify"],
        &given,
        "json",
        JsonLayout::Compact,
    ) {
        Ok(report) => json_answer(report.stdout),
        Err(Failure::Check(r)) => api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::Stop,
            None,
            &r.message,
        ),
        Err(f) => api_error(
            StatusCode::BAD_REQUEST,
            ErrorKind::Input,
            Some("order"),
            &super::failure_text(&f),
        ),
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    responses((status = 200, description = "The OpenAPI document of this API.", body = serde_json::Value, content_type = "application/json"))
)]
pub async fn openapi_json() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => json_answer(json + "\n"),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The OpenAPI document: the routes above, their request objects and the
/// error object.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "chemodose local API",
        description = "The JSON API of `chemodose serve`: the command line's own parsing, engine and JSON (docs/api.md, docs/output-json.md). No login: it listens on this machine unless told otherwise."
    ),
    paths(api_dose, api_schedule, api_order_verify, openapi_json),
    components(schemas(DoseRequest, ScheduleRequest, OrderRequest, ApiError, ErrorKind))
)]
pub struct ApiDoc;
