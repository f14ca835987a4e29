//! Operator trip routes (SPEC §3): create, list, read, change, cancel, and
//! GTFS import. The only file of the trip domain that knows HTTP.

use axum::Router;
use axum::extract::State;
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;

use super::change::TripChangeRequest;
use super::import_route::import_feed;
use super::model::{Trip, TripId};
use super::request::NewTripRequest;
use super::store::Actor;
use crate::app::AppState;
use crate::auth::{Operator, Via};
use crate::error::AppError;
use crate::http::body::Uploads;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};

/// Trip routes under `/api/v1/operator/trips`; every handler needs an operator key.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operator/trips", post(create).get(list))
        .route(
            "/api/v1/operator/trips/import",
            post(import_feed.layer(Uploads)),
        )
        .route("/api/v1/operator/trips/{id}", get(read).patch(change))
        .route("/api/v1/operator/trips/{id}/cancel", post(cancel))
        .route("/api/v1/operator/trips/{id}/history", get(history))
        .route("/api/v1/operator/trips/{id}/sessions", get(sessions))
}

async fn create(
    State(state): State<AppState>,
    Operator(operator): Operator,
    Via(via): Via,
    ApiJson(request): ApiJson<NewTripRequest>,
) -> Result<Response, AppError> {
    let draft = request.parse(state.config.default_timezone)?;
    let trip = state
        .trips
        .create(Actor::new(&operator.id, via), draft)
        .await?;
    tracing::info!(trip = %trip.id, "trip created");
    Ok((
        StatusCode::CREATED,
        axum::Json(with_vehicles(&state, &trip)),
    )
        .into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    date: Option<NaiveDate>,
}

async fn list(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Response, AppError> {
    let date = query.date.unwrap_or_else(|| Utc::now().date_naive());
    let trips = state.trips.trips_of(&operator.id, date).await?;
    let trips: Vec<_> = trips.iter().map(|t| with_vehicles(&state, t)).collect();
    Ok(axum::Json(json!({ "date": date, "trips": trips })).into_response())
}

async fn read(
    State(state): State<AppState>,
    operator: Operator,
    ApiPath(id): ApiPath<u32>,
) -> Result<Response, AppError> {
    let trip = own(&state, &operator, id).await?;
    Ok(axum::Json(with_vehicles(&state, &trip)).into_response())
}

/// The trip as the operator API shows it: with the vehicles that run it
/// (over the days held in memory) and its GTFS trip id.
fn with_vehicles(state: &AppState, trip: &Trip) -> serde_json::Value {
    let mut body = serde_json::to_value(trip).unwrap_or_default();
    body["vehicles"] = json!(state.vehicles.fleet().vehicles_of(trip.id));
    body["gtfs_trip_id"] = json!(trip.source.as_ref().map(|s| &s.feed_trip_id));
    body
}

/// The trip's changes, oldest first: who made each and when.
async fn history(
    State(state): State<AppState>,
    operator: Operator,
    ApiPath(id): ApiPath<u32>,
) -> Result<Response, AppError> {
    let id = own(&state, &operator, id).await?.id;
    Ok(axum::Json(state.trips.history(id).await?).into_response())
}

/// The operator's trip with this id; another operator's trip is a `404`
/// exactly like a missing one, so ids reveal nothing.
pub async fn own(state: &AppState, operator: &Operator, id: u32) -> Result<Trip, AppError> {
    let id = TripId::new(id);
    let trip = state.trips.trip_of(&operator.0.id, id).await?;
    Ok(trip.ok_or(super::TripError::NotFound(id))?)
}

/// A later arrival extends every open session of the trip; an earlier one
/// is recorded but never shortens a session.
async fn change(
    State(state): State<AppState>,
    operator: Operator,
    Via(via): Via,
    ApiPath(id): ApiPath<u32>,
    ApiJson(request): ApiJson<TripChangeRequest>,
) -> Result<Response, AppError> {
    let mut trip = own(&state, &operator, id).await?;
    let id = trip.id;
    let by = Actor::new(&operator.0.id, via);
    let change = request.parse()?;
    if let Some(arrives_at) = change.arrives_at {
        let arrival = state.trips.update_arrival(id, arrives_at, by).await?;
        if arrival.extends_window {
            let closes_at = window_end(&state, &arrival.trip);
            let live = state.sessions.extend_trip(id.get(), closes_at).await?;
            tracing::info!(trip = %id, live, "trip extended");
        }
        trip = arrival.trip;
    }
    if let Some(collections) = change.collections {
        trip = state.trips.set_collections(id, collections, by).await?;
    }
    Ok(axum::Json(with_vehicles(&state, &trip)).into_response())
}

/// Cancels the trip, then ends its sessions at once. Cancelling again
/// retries ending them (useful when the session store was down).
async fn cancel(
    State(state): State<AppState>,
    operator: Operator,
    Via(via): Via,
    ApiPath(id): ApiPath<u32>,
) -> Result<Response, AppError> {
    let id = own(&state, &operator, id).await?.id;
    let trip = state
        .trips
        .cancel(id, Actor::new(&operator.0.id, via))
        .await?;
    let ended = state.sessions.end_trip(id.get()).await?;
    tracing::info!(trip = %id, ended, "trip cancelled");
    Ok(axum::Json(with_vehicles(&state, &trip)).into_response())
}

/// How many sessions of the trip are open and the window they live in: what
/// the console states before an extension ("sessions will last until …") or
/// a cancellation ("42 open sessions will end").
async fn sessions(
    State(state): State<AppState>,
    operator: Operator,
    ApiPath(id): ApiPath<u32>,
) -> Result<Response, AppError> {
    let trip = own(&state, &operator, id).await?;
    let id = trip.id;
    let window = trip.window(&state.config);
    let live = if trip.is_cancelled() {
        0
    } else {
        state.sessions.live_sessions(id.get()).await?
    };
    let status = crate::reports::dashboard::status(&trip, &window, Utc::now());
    Ok(axum::Json(json!({
        "trip": id,
        "status": status,
        "live_sessions": live,
        "window": {"opens_at": window.opens_at, "closes_at": window.closes_at},
    }))
    .into_response())
}

/// The Unix second at which the trip's sessions expire.
pub fn window_end(state: &AppState, trip: &Trip) -> i64 {
    trip.window(&state.config).closes_at.timestamp()
}

impl From<super::TripError> for AppError {
    fn from(error: super::TripError) -> Self {
        use super::TripError as E;
        let code = error.code();
        match error {
            E::Invalid { field, reason } => {
                let errors = serde_json::json!([{"field": field, "detail": reason}]);
                AppError::unprocessable(code, format!("{field}: {reason}"))
                    .with_extra("field", field)
                    .with_extra("errors", errors)
            }
            E::Missing(fields) => {
                let errors: Vec<serde_json::Value> = fields
                    .iter()
                    .map(|f| serde_json::json!({"field": f, "detail": "is required"}))
                    .collect();
                AppError::unprocessable(code, format!("required: {}", fields.join(", ")))
                    .with_extra("field", fields[0])
                    .with_extra("errors", errors)
            }
            E::NotFound(id) => AppError::new(
                StatusCode::NOT_FOUND,
                code,
                format!("There is no trip {id}."),
            ),
            E::Cancelled(id) => AppError::conflict(
                code,
                format!("Trip {id} was cancelled; it can no longer change."),
            ),
            E::Database(e) => e.into(),
            E::IdsExhausted | E::Storage(_) => AppError::Internal(anyhow::Error::new(error)),
        }
    }
}
