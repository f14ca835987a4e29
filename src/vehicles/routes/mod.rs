//! Operator routes of train sets (SPEC §3): register, import, list, read,
//! retire; their labels (`codes.rs`); which trips they run (`assignments.rs`).
//! Another operator's vehicle answers `404`, like a missing one.

mod assignments;
mod codes;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::json;

use super::error::VehicleError;
use super::model::{NewVehicleRequest, Vehicle};
use crate::app::AppState;
use crate::auth::Operator;
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiPath};

/// Vehicle, label, assignment, roster and settings routes; every handler
/// needs an operator key (or console sign-in).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operator/vehicles", post(create).get(list))
        .route("/api/v1/operator/vehicles/import", post(import))
        .route("/api/v1/operator/vehicles/{id}", get(read).delete(retire))
        .merge(codes::router())
        .merge(assignments::router())
}

async fn create(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiJson(request): ApiJson<NewVehicleRequest>,
) -> Result<Response, AppError> {
    let draft = request.parse()?;
    let vehicle = state.vehicles.create(&operator.id, draft).await?;
    tracing::info!(vehicle = %vehicle.vehicle_ref, "vehicle registered");
    Ok((StatusCode::CREATED, axum::Json(&*vehicle)).into_response())
}

async fn list(
    State(state): State<AppState>,
    Operator(operator): Operator,
) -> Result<Response, AppError> {
    let vehicles = state.vehicles.fleet().of_operator(&operator.id);
    let vehicles: Vec<&Vehicle> = vehicles.iter().map(|v| &**v).collect();
    Ok(axum::Json(json!({ "vehicles": vehicles })).into_response())
}

/// The set, with the trips it runs over the days held in memory.
async fn read(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let vehicle = state.vehicles.get(&operator.id, &id)?;
    let fleet = state.vehicles.fleet();
    let now = Utc::now();
    let mut trips: Vec<_> = fleet
        .trips_of(vehicle.number)
        .iter()
        .filter_map(|(id, source)| Some((state.trips.shared(*id)?, *source)))
        .filter(|(t, _)| t.window(&state.config).closes_at > now)
        .collect();
    trips.sort_by_key(|(t, _)| t.departs_at);
    let trips: Vec<_> = trips
        .iter()
        .map(|(t, source)| {
            json!({
                "id": t.id, "line": t.line, "train_number": t.train_number,
                "origin": t.origin, "destination": t.destination,
                "departs_at": t.departs_at, "arrives_at": t.arrives_at, "state": t.state,
                "source": source.name(),
            })
        })
        .collect();
    let mut body = serde_json::to_value(&*vehicle).map_err(anyhow::Error::new)?;
    body["trips"] = json!(trips);
    Ok(axum::Json(body).into_response())
}

async fn retire(
    State(state): State<AppState>,
    Operator(operator): Operator,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    state.vehicles.retire(&operator.id, &id).await?;
    tracing::info!(vehicle = %id, "vehicle retired");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /vehicles/import`: a CSV `vehicle_id,label,car,seats`, one line per car.
async fn import(
    State(state): State<AppState>,
    Operator(operator): Operator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    csv_body(&headers)?;
    let report = state.vehicles.import_vehicles(&operator.id, &body).await?;
    Ok(axum::Json(report).into_response())
}

/// Refuses a body that says it is something other than CSV.
pub(super) fn csv_body(headers: &HeaderMap) -> Result<(), AppError> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/csv");
    if kind.starts_with("text/csv") || kind.starts_with("text/plain") {
        Ok(())
    } else {
        Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Send the file as text/csv.",
        ))
    }
}

/// `api` for a request with an API key, `console` for one from the signed-in console.
pub(super) fn channel(headers: &HeaderMap) -> &'static str {
    if headers.contains_key(header::AUTHORIZATION) {
        "api"
    } else {
        "console"
    }
}

impl From<VehicleError> for AppError {
    fn from(error: VehicleError) -> Self {
        use VehicleError as E;
        let code = error.code();
        match error {
            E::Invalid { field, reason } => {
                AppError::unprocessable(code, format!("{field}: {reason}"))
                    .with_extra("field", field)
            }
            E::NotFound(id) => AppError::new(
                StatusCode::NOT_FOUND,
                code,
                format!("There is no vehicle {id}."),
            ),
            E::Exists(id) => AppError::conflict(
                code,
                format!(
                    "Vehicle {id} is already registered; retire it first to register it again."
                ),
            ),
            E::Unknown(ids) => AppError::unprocessable(
                code,
                format!("These vehicles are not registered: {}.", ids.join(", ")),
            )
            .with_extra("vehicles", ids),
            E::Trip(e) => e.into(),
            E::Database(e) => e.into(),
            E::NumbersExhausted | E::Storage(_) => AppError::Internal(anyhow::Error::new(error)),
        }
    }
}
