//! The HTTP layer shared by every route: the request middleware, body guard,
//! error rendering, wrapped extractors and error pages, each in its own
//! file. The route table is `crate::router`: domains depend on this layer,
//! never the reverse.

pub mod body;
pub mod client;
pub mod cookie;
pub mod extract;
mod middleware;
pub use middleware::CONTENT_SECURITY_POLICY;
pub mod pages;
pub mod rate_limit;
mod render;
pub mod upload;

use crate::app::AppState;

/// The middleware every request goes through, as one layer: axum wraps every
/// route in each layer and clones the whole chain of boxed services on every
/// request, so one layer, not three.
pub fn layer(state: &AppState) -> middleware::AroundLayer {
    middleware::AroundLayer::new(state.clone())
}

/// Whether a path answers machines (problem+json) rather than people (HTML pages).
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/opds/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
}
