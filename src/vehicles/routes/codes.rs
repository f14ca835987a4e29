//! A train set's labels: mint them as JSON, one as PNG or SVG, a PDF sheet
//! (car and seat, the operator's name, no date), and reprint one seat.
//! Rendering runs on blocking threads, sheets two at a time.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::Operator;
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::seat_codes::qr::{render_png, render_svg};
use crate::seat_codes::routes::SHEETS;
use crate::seat_codes::routes_support::{
    ImageFormat, blocking, blocking_heavy, download, encode, image_file, sheet_error,
};
use crate::seat_codes::seats::parse_car;
use crate::seat_codes::sheet::{Layout, render_labels};
use crate::seat_codes::{Car, Keyring, Seat};
use crate::vehicles::codes::{LabelError, cars_of, heading, label, labels};
use crate::vehicles::fleet::Fleet;
use crate::vehicles::model::Vehicle;

/// Pixels per module of PNG codes, as for trip codes.
const PNG_SCALE: u32 = 8;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operator/vehicles/{id}/codes", post(create_codes))
        .route(
            "/api/v1/operator/vehicles/{id}/codes/{car}/{file}",
            get(code_image),
        )
        .route(
            "/api/v1/operator/vehicles/{id}/codes/{car}/{seat}/reprint",
            post(reprint),
        )
        .route("/api/v1/operator/vehicles/{id}/sheet.pdf", get(sheet))
}

#[derive(Deserialize)]
struct CodesRequest {
    seats: Option<String>,
    cars: Option<Vec<String>>,
}

#[derive(Serialize)]
struct CodeJson {
    car: String,
    seat: u16,
    url: String,
}

/// What every route needs to mint a set's labels.
struct Minting {
    keys: Arc<Keyring>,
    fleet: Arc<Fleet>,
    vehicle: Arc<Vehicle>,
    base: String,
}

impl Minting {
    fn new(state: &AppState, operator: &Operator, id: &str) -> Result<Self, AppError> {
        Ok(Self {
            keys: state.seat_keys.keyring(),
            fleet: state.vehicles.fleet(),
            vehicle: state.vehicles.get(&operator.0.id, id)?,
            base: state.config.public_url.clone(),
        })
    }

    fn seat(&self, car: &str, seat: Seat) -> Result<Car, AppError> {
        let car = parse_car(car)
            .ok()
            .filter(|c| self.vehicle.has_seat(*c, seat));
        car.ok_or_else(|| {
            AppError::not_found(format!(
                "Train set {} has no seat {} in that car.",
                self.vehicle.vehicle_ref, seat.0
            ))
        })
    }
}

async fn create_codes(
    operator: Operator,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<CodesRequest>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let m = Minting::new(&state, &operator, &id)?;
    let codes = blocking(move || {
        let cars = cars_of(&m.vehicle, request.cars.as_deref())?;
        labels(
            &m.keys,
            &m.fleet,
            &m.vehicle,
            &cars,
            request.seats.as_deref(),
            &m.base,
        )
    })
    .await?
    .map_err(label_error)?;
    let codes: Vec<CodeJson> = codes
        .into_iter()
        .map(|l| CodeJson {
            car: l.car.0.to_string(),
            seat: l.seat.0,
            url: l.url,
        })
        .collect();
    Ok(axum::Json(
        serde_json::json!({ "vehicle": id, "codes": codes }),
    ))
}

async fn code_image(
    operator: Operator,
    State(state): State<AppState>,
    ApiPath((id, car, file)): ApiPath<(String, String, String)>,
) -> Result<Response, AppError> {
    let (seat, format) = image_file(&file)?;
    let m = Minting::new(&state, &operator, &id)?;
    let car_number = m.seat(&car, seat)?;
    let (bytes, content_type) = blocking(move || {
        let label = label(&m.keys, &m.fleet, &m.vehicle, car_number, seat, &m.base);
        let code = encode(&label.url)?;
        Ok::<_, AppError>(match format {
            ImageFormat::Png => (render_png(&code, PNG_SCALE), "image/png"),
            ImageFormat::Svg => (render_svg(&code, PNG_SCALE).into_bytes(), "image/svg+xml"),
        })
    })
    .await??;
    Ok(download(
        bytes,
        content_type,
        &format!("vehicle-{}-car-{car}-seat-{file}", safe(&id)),
    ))
}

/// Reprints one seat: the answer is the new label; the old one is refused from now on.
async fn reprint(
    operator: Operator,
    State(state): State<AppState>,
    ApiPath((id, car, seat)): ApiPath<(String, String, u16)>,
) -> Result<axum::Json<serde_json::Value>, AppError> {
    let m = Minting::new(&state, &operator, &id)?;
    let car_number = m.seat(&car, Seat(seat))?;
    let generation = state
        .vehicles
        .reprint(&m.vehicle, car_number, Seat(seat))
        .await?;
    let fleet = state.vehicles.fleet();
    let label = label(&m.keys, &fleet, &m.vehicle, car_number, Seat(seat), &m.base);
    tracing::info!(vehicle = %id, car = %car, seat, generation, "seat label reprinted");
    Ok(axum::Json(serde_json::json!({
        "vehicle": id, "car": car_number.0.to_string(), "seat": seat,
        "generation": generation, "url": label.url,
    })))
}

#[derive(Deserialize)]
struct SheetQuery {
    seats: Option<String>,
    cars: Option<String>,
    layout: Option<String>,
}

async fn sheet(
    operator: Operator,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<SheetQuery>,
) -> Result<Response, AppError> {
    let layout = match query.layout.as_deref() {
        Some(text) if !text.trim().is_empty() => Layout::parse(text).map_err(sheet_error)?,
        _ => Layout::default(),
    };
    let cars: Option<Vec<String>> = query
        .cars
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.split(',').map(str::to_owned).collect());
    let m = Minting::new(&state, &operator, &id)?;
    let heading = heading(&operator.0.name, &m.vehicle);
    let _permit = SHEETS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let pdf = blocking_heavy(move || {
        let cars = cars_of(&m.vehicle, cars.as_deref()).map_err(label_error)?;
        let labels = labels(
            &m.keys,
            &m.fleet,
            &m.vehicle,
            &cars,
            query.seats.as_deref(),
            &m.base,
        )
        .map_err(label_error)?;
        render_labels(&heading, &labels, layout).map_err(sheet_error)
    })
    .await??;
    Ok(download(
        pdf,
        "application/pdf",
        &format!("vehicle-{}-labels.pdf", safe(&id)),
    ))
}

fn label_error(error: LabelError) -> AppError {
    AppError::unprocessable(error.code(), error.to_string())
}

/// A vehicle id as it may appear in a file name.
fn safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
