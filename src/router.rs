//! Every route of the service, with the middleware every request goes
//! through. The one place that knows every domain's routes: the domains
//! depend on `app` and `http`, never the reverse.

use axum::Router;

use crate::app::AppState;
use crate::error::AppError;

/// The service's router over `state`.
pub fn router(state: &AppState) -> Router {
    Router::new()
        .merge(crate::service::router(state))
        .merge(crate::console::router())
        .merge(crate::sessions::scan::router())
        .merge(crate::seat_codes::routes::router())
        .merge(crate::reader::routes::router())
        .merge(crate::trips::routes::router())
        .merge(crate::vehicles::routes::router())
        .merge(crate::realtime::routes::router())
        .merge(crate::catalog::routes::router())
        .merge(crate::reports::routes::router())
        .merge(crate::lines::routes::router())
        .fallback(|| async { AppError::not_found("There is nothing at this address.") })
        .layer(crate::http::layer(state))
        .with_state(state.clone())
}

/// What the metrics listener (`metrics_listen`) serves: `/metrics` and
/// nothing else, for the monitoring network only.
pub fn metrics_router(state: &AppState) -> Router {
    crate::service::metrics_router().with_state(state.clone())
}
