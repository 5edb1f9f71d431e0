//! The local web page (`chemodose serve`): the regimen library, the dose
//! calculator, the schedule, order verification and the treatment history
//! in a browser, on the same library and through the same command-line
//! parsers as `chemodose` itself (no second implementation of any rule),
//! with a JSON API and its OpenAPI document beside the pages.
//!
//! Owns: the routes, the pages (minijinja templates, HTML auto-escaped), the
//! limits and security headers of every response, the access log (method,
//! path without its query, status, time: never a value typed), graceful
//! shutdown. `form.rs` the calculation forms' fields and their flags;
//! `pages/` each page and the API; `print.rs` print-ready pages (with a
//! policy allowing their own style by hash) and downloads. Never does:
//! store or write anything from a request, read a file named by a request,
//! or serve an asset from another host.

mod form;
mod library_cache;
mod pages;
mod print;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pages::{api, calc, upload};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// The largest request body: a form or an order file, far below a megabyte.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The longest a request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Only chemodose's own stylesheet; no script, no frames, forms to itself.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// What every request handler shares.
pub struct Server {
    /// The regimen folder given to `serve --regimens`, else the library the
    /// command line would use.
    pub regimens: Option<PathBuf>,
    /// Where the access log goes (the command line's standard error).
    pub log: Box<dyn Fn(&str) + Send + Sync>,
    templates: minijinja::Environment<'static>,
    /// The library, kept while its folder is unchanged.
    library: library_cache::LibraryCache,
}

impl Server {
    /// A server over the regimen folder `regimens` (or the default library),
    /// logging each request to `log`.
    pub fn new(regimens: Option<PathBuf>, log: Box<dyn Fn(&str) + Send + Sync>) -> Self {
        let mut templates = minijinja::Environment::new();
        // The names end in .html: every value is HTML-escaped.
        for (name, text) in [
            ("base.html", include_str!("templates/base.html")),
            ("index.html", include_str!("templates/index.html")),
            ("regimens.html", include_str!("templates/regimens.html")),
            ("regimen.html", include_str!("templates/regimen.html")),
            ("calc.html", include_str!("templates/calc.html")),
            ("upload.html", include_str!("templates/upload.html")),
            ("error.html", include_str!("templates/error.html")),
        ] {
            templates
                .add_template(name, text)
                .expect("the bundled templates are valid");
        }
        Server {
            regimens,
            log,
            templates,
            library: library_cache::LibraryCache::default(),
        }
    }

    /// A page from its template, or the error page when it cannot be drawn.
    fn page(&self, status: StatusCode, name: &str, context: minijinja::Value) -> Response {
        match self
            .templates
            .get_template(name)
            .and_then(|t| t.render(context))
        {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "the page could not be drawn",
            )
                .into_response(),
        }
    }

    /// The error page: a title and one message, never a trace.
    fn error_page(&self, status: StatusCode, title: &str, message: &str) -> Response {
        self.page(
            status,
            "error.html",
            minijinja::context! { title => title, message => message },
        )
    }
}

/// The router: pages, API, stylesheet, limits and headers.
pub fn router(server: Arc<Server>) -> Router {
    let log_state = server.clone();
    Router::new()
        .route("/", get(pages::index))
        .route("/regimens", get(pages::regimens))
        .route("/regimens/{id}", get(pages::regimen))
        .route("/dose", get(calc::dose_form).post(calc::dose))
        .route("/dose/print", post(calc::dose_print))
        .route("/schedule", get(calc::schedule_form).post(calc::schedule))
        .route("/schedule/print", post(calc::schedule_print))
        .route("/schedule/download", post(calc::schedule_download))
        .route("/order", get(upload::order_form).post(upload::order))
        .route("/order/print", post(upload::order_print))
        .route("/history", get(upload::history_form).post(upload::history))
        .route("/api/dose", post(api::api_dose))
        .route("/api/schedule", post(api::api_schedule))
        .route("/api/order/verify", post(api::api_order_verify))
        .route("/api/openapi.json", get(api::openapi_json))
        .route("/static/style.css", get(pages::style))
        .fallback(pages::not_found)
        .with_state(server)
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let server = log_state.clone();
                async move { access_log(&server, request, next).await }
            },
        ))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(security_headers))
}

/// The headers every response carries, set in one step (one layer a
/// header cost a request five boxed futures). A print-ready page sets its
/// own, stricter policy (`print.rs`): every other response gets the site's.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// One line per request: method, path (never the query, which may hold a
/// patient's values), status, milliseconds.
async fn access_log(server: &Server, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    (server.log)(&format!(
        "{method} {} {} {} ms",
        chemodose::render::escape::visible(&path),
        response.status().as_u16(),
        started.elapsed().as_millis()
    ));
    response
}

/// Serves `server` on `listener` until `shutdown` completes; requests in
/// flight are answered first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Server,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(Arc::new(server)))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Whether `addr` is reachable only from this machine.
pub fn is_loopback(addr: SocketAddr) -> bool {
    addr.ip().is_loopback()
}
