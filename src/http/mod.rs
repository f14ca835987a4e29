//! The HTTP layer shared by every route: router assembly here; the request
//! middleware, body guard, error rendering, wrapped extractors and error
//! pages in their own files.

pub mod body;
pub mod extract;
mod middleware;
pub mod pages;
pub mod rate_limit;
mod render;
pub mod upload;

use axum::Router;
use axum::http::HeaderMap;

use crate::app::AppState;
use crate::error::AppError;

/// Every route of the service, with the layers every request goes through.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::service::router(&state))
        .merge(crate::console::router())
        .merge(crate::sessions::scan::router())
        .merge(crate::seat_codes::routes::router())
        .merge(crate::reader::routes::router())
        .merge(crate::trips::routes::router())
        .merge(crate::catalog::routes::router())
        .merge(crate::reports::routes::router())
        .merge(crate::lines::routes::router())
        .fallback(|| async { AppError::not_found("There is nothing at this address.") })
        // One layer, not three: axum wraps every route in each layer and clones
        // the whole chain of boxed services on every request.
        .layer(middleware::AroundLayer::new(state.clone()))
        .with_state(state)
}

/// Whether a path answers machines (problem+json) rather than people (HTML pages).
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/opds/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The value of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}
