//! The passenger API: every route takes a `Passenger` (a live session).

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::Passenger;
use crate::trips::Trip;

/// `/api/v1/session`, and the reading routes as they land.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/session", get(session))
}

/// The trip as a passenger sees it.
pub fn trip_summary(trip: &Trip) -> Value {
    json!({
        "id": trip.id,
        "line": trip.line,
        "train_number": trip.train_number,
        "origin": trip.origin,
        "destination": trip.destination,
        "service_date": trip.service_date,
        "departs_at": trip.departs_at.to_rfc3339(),
        "arrives_at": trip.arrives_at.to_rfc3339(),
        "timezone": trip.timezone.name(),
    })
}

async fn session(passenger: Passenger) -> Json<Value> {
    let now = chrono::Utc::now().timestamp();
    let expires_at = passenger.session.expires_at;
    Json(json!({
        "trip": trip_summary(&passenger.trip),
        "opened_at": chrono::DateTime::from_timestamp(passenger.session.opened_at, 0).map(|t| t.to_rfc3339()),
        "expires_at": chrono::DateTime::from_timestamp(expires_at, 0).map(|t| t.to_rfc3339()),
        "seconds_left": (expires_at - now).max(0),
    }))
}
