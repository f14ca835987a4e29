//! Service routes: liveness, readiness, metrics, and the static web pages.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

use crate::app::AppState;
use crate::error::AppError;

/// `/healthz`, `/readyz`, the pages (`/`, `/read`, `/publisher`,
/// `/operator`), the service worker and `/static/…`; `/metrics` too unless
/// it has a listener of its own (`metrics_listen`).
pub fn router(state: &AppState) -> Router<AppState> {
    let static_dir = &state.static_root;
    let pages = Router::new()
        .route_service("/", page(static_dir.join("index.html")))
        .route_service("/read", page_with_inline_app(static_dir.join("read.html")))
        .route_service("/publisher", page(static_dir.join("publisher.html")))
        .route_service("/operator", page(static_dir.join("operator.html")))
        .nest_service(
            "/static",
            ServeDir::new(static_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        // A few minutes in the HTTP cache: the service worker installs the reader
        // from there seconds after the first load (the app is downloaded once),
        // and a new release still reaches phones within minutes.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=300"),
        ))
        // The reader's service worker must sit at the root to control /read and
        // the API; browsers look for a new one at every visit, never from a cache.
        .route_service(
            "/sw.js",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                ))
                .service(page(static_dir.join("sw.js"))),
        )
        // The same URL answers in several encodings: caches must keep them apart.
        .layer(SetResponseHeaderLayer::appending(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ));
    let service = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/openapi.json", get(openapi))
        .merge(pages);
    match state.config.metrics_listen {
        Some(_) => service,
        None => service.merge(metrics_router()),
    }
}

/// `/metrics` alone: on the public listener, or on the metrics listener.
pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// A page or the service worker, compressed as the browser accepts.
fn page(path: std::path::PathBuf) -> ServeFile {
    ServeFile::new(path).precompressed_br().precompressed_gzip()
}

/// A page the mirror wrote its modules and stylesheet into, with the
/// Content-Security-Policy that lets exactly those run.
fn page_with_inline_app(path: std::path::PathBuf) -> SetResponseHeader<ServeFile, HeaderValue> {
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let policy = crate::static_files::page_policy(&text);
    let policy = HeaderValue::from_str(&policy).expect("hash sources are header-safe");
    SetResponseHeader::overriding(page(path), header::CONTENT_SECURITY_POLICY, policy)
}

/// The process is alive.
async fn healthz() -> &'static str {
    "ok\n"
}

/// How long `/readyz` waits for the publication store: a balancer's check
/// must get an answer, and a bucket that takes longer is not ready.
const PUBLICATIONS_READY_WITHIN: Duration = Duration::from_secs(5);

/// Ready when everything a request may need answers: the session store, the
/// database, the publication files (the data directory or the bucket).
/// Asked together, so one slow part does not hide another.
async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    let publications = state.catalog.store().publications();
    let (sessions, database, files) = tokio::join!(
        state.sessions.ping(),
        state.db.generations(),
        tokio::time::timeout(PUBLICATIONS_READY_WITHIN, publications.ping()),
    );
    sessions?;
    database?;
    let unreachable = match files {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e:#}")),
        Err(_) => Some(format!("no answer within {PUBLICATIONS_READY_WITHIN:?}")),
    };
    if let Some(cause) = unreachable {
        tracing::warn!(store = %publications.describe(), %cause, "publication files unreachable");
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "publications-unavailable",
            "The publication files cannot be reached. Try again in a few seconds.",
        )
        .with_retry_after(crate::error::STORE_RETRY_AFTER));
    }
    if !state.data.root().is_dir() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the data directory {} is gone",
            state.data.root().display()
        )));
    }
    Ok("ready\n")
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = (StatusCode::OK, state.metrics.render()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// The OpenAPI description of the HTTP interface (kept beside the routes; a test
/// checks every route of the SPEC is in it).
pub const OPENAPI: &str = include_str!("http/openapi.json");

async fn openapi() -> Response {
    let mut response = (StatusCode::OK, OPENAPI).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
