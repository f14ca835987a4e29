//! Which vehicles run which trip: an explicit assignment or swap, a roster,
//! and the operator's scan setting (sessions per seat code).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use serde::Deserialize;
use serde_json::json;

use super::{channel, csv_body};
use crate::app::AppState;
use crate::auth::Operator;
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiPath};
use crate::trips::TripId;
use crate::vehicles::VehicleError;
use crate::vehicles::assign::{Actor, Source};
use crate::vehicles::import::{RosterLine, parse_roster};

/// The most sessions per seat code and trip an operator may allow: a
/// photographed label must not open sessions for a whole carriage.
pub const MAX_SESSIONS_PER_SEAT_CODE: u32 = 20;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/operator/trips/{id}/vehicles",
            put(assign).get(read),
        )
        .route("/api/v1/operator/trips/{id}/vehicles/swap", post(swap))
        .route("/api/v1/operator/rosters", post(roster))
        .route("/api/v1/operator/settings", put(set_settings).get(settings))
}

#[derive(Deserialize)]
struct AssignRequest {
    vehicles: Vec<String>,
}

async fn read(
    State(state): State<AppState>,
    operator: Operator,
    ApiPath(id): ApiPath<u32>,
) -> Result<Response, AppError> {
    let trip = crate::trips::routes::own(&state, &operator, id).await?;
    let vehicles = state.vehicles.fleet().vehicles_of(trip.id);
    Ok(axum::Json(json!({ "trip": trip.id, "vehicles": vehicles })).into_response())
}

/// `PUT /trips/{id}/vehicles`: these sets (coupled when several) run the trip.
async fn assign(
    State(state): State<AppState>,
    Operator(operator): Operator,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u32>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<Response, AppError> {
    let actor = Actor {
        account: &operator.id,
        via: channel(&headers),
    };
    let trip = TripId::new(id);
    let vehicles = state
        .vehicles
        .assign(
            &state.trips,
            &operator.id,
            trip,
            &request.vehicles,
            Source::Api,
            actor,
        )
        .await?;
    tracing::info!(trip = %trip, ?vehicles, "trip's vehicles assigned");
    Ok(axum::Json(json!({ "trip": trip, "vehicles": vehicles })).into_response())
}

#[derive(Deserialize)]
struct SwapRequest {
    /// The set leaving the trip.
    replace: String,
    /// The set taking its place.
    with: String,
}

/// `POST /trips/{id}/vehicles/swap`: "24571 replaces 24533 on the 17:42".
async fn swap(
    State(state): State<AppState>,
    Operator(operator): Operator,
    headers: HeaderMap,
    ApiPath(id): ApiPath<u32>,
    ApiJson(request): ApiJson<SwapRequest>,
) -> Result<Response, AppError> {
    let trip = TripId::new(id);
    crate::trips::routes::own(&state, &Operator(operator.clone()), id).await?;
    let current = state.vehicles.fleet().vehicles_of(trip);
    if !current.contains(&request.replace) {
        return Err(VehicleError::invalid(
            "replace",
            format!("vehicle {} does not run this trip", request.replace),
        )
        .into());
    }
    let mut vehicles: Vec<String> = current
        .into_iter()
        .map(|v| {
            if v == request.replace {
                request.with.clone()
            } else {
                v
            }
        })
        .collect();
    vehicles.dedup();
    let actor = Actor {
        account: &operator.id,
        via: channel(&headers),
    };
    let vehicles = state
        .vehicles
        .assign(
            &state.trips,
            &operator.id,
            trip,
            &vehicles,
            Source::Api,
            actor,
        )
        .await?;
    tracing::info!(trip = %trip, replaced = %request.replace, by = %request.with, "vehicle swapped");
    Ok(axum::Json(json!({ "trip": trip, "vehicles": vehicles })).into_response())
}

#[derive(Deserialize)]
struct RosterJson {
    lines: Vec<RosterLine>,
}

/// `POST /rosters`: CSV `service_date,vehicle_id,block_id,trip_id` (or JSON
/// `{"lines": [...]}`) → counts and a per-line report.
async fn roster(
    State(state): State<AppState>,
    Operator(operator): Operator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let lines = if is_json {
        let parsed: RosterJson = serde_json::from_slice(&body).map_err(|e| {
            AppError::unprocessable(
                "roster-invalid",
                format!("the JSON roster cannot be read: {e}"),
            )
        })?;
        // Line numbers as in the equivalent CSV (its header is line 1).
        parsed
            .lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| (i as u64 + 2, Ok(l)))
            .collect()
    } else {
        csv_body(&headers)?;
        parse_roster(&body)?
    };
    let actor = Actor {
        account: &operator.id,
        via: "import",
    };
    let report = state
        .vehicles
        .import_roster(&operator.id, lines, actor)
        .await?;
    tracing::info!(
        lines = report.lines,
        trips = report.trips_changed,
        "roster imported"
    );
    Ok(axum::Json(report).into_response())
}

async fn settings(
    State(state): State<AppState>,
    Operator(operator): Operator,
) -> Result<Response, AppError> {
    let own = state.vehicles.fleet().sessions_per_seat_code(&operator.id);
    Ok(axum::Json(json!({
        "sessions_per_seat_code": own.unwrap_or(state.config.sessions_per_seat_code),
        "sessions_per_seat_code_default": state.config.sessions_per_seat_code,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct SettingsRequest {
    /// `null` returns to the service's default.
    sessions_per_seat_code: Option<u32>,
}

async fn set_settings(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiJson(request): ApiJson<SettingsRequest>,
) -> Result<Response, AppError> {
    if let Some(cap) = request.sessions_per_seat_code
        && !(1..=MAX_SESSIONS_PER_SEAT_CODE).contains(&cap)
    {
        return Err(VehicleError::invalid(
            "sessions_per_seat_code",
            format!("must be between 1 and {MAX_SESSIONS_PER_SEAT_CODE}"),
        )
        .into());
    }
    state
        .vehicles
        .set_sessions_per_seat_code(&operator.id, request.sessions_per_seat_code)
        .await?;
    settings(State(state), Operator(operator)).await
}
