//! A train set's labels: mint them as JSON, one as PNG or SVG, the sheet as
//! PDF or one page of it as PNG or SVG (car and seat, the operator's name,
//! no date), and reprint one seat. Rendering runs on blocking threads,
//! sheets two at a time.

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
use crate::seat_codes::routes_support::{
    SheetFile, SheetQuery, blocking, image_file, image_response, sheet_response,
};
use crate::seat_codes::seats::parse_car;
use crate::seat_codes::{Car, Keyring, Seat};
use crate::vehicles::codes::{LabelError, cars_of, heading, label, labels};
use crate::vehicles::fleet::Fleet;
use crate::vehicles::model::Vehicle;

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
        .route(
            "/api/v1/operator/vehicles/{id}/sheet.pdf",
            get(sheet::<{ SheetFile::PDF }>),
        )
        .route(
            "/api/v1/operator/vehicles/{id}/sheet.png",
            get(sheet::<{ SheetFile::PNG }>),
        )
        .route(
            "/api/v1/operator/vehicles/{id}/sheet.svg",
            get(sheet::<{ SheetFile::SVG }>),
        )
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
    let filename = format!("vehicle-{}-car-{car}-seat-{file}", safe(&id));
    image_response(format, filename, move || {
        Ok(label(&m.keys, &m.fleet, &m.vehicle, car_number, seat, &m.base).url)
    })
    .await
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

/// The sheet as [`SheetFile::new`] reads `KIND`: the whole as PDF, or one
/// page (`?page=`, from 1) as a 300 dpi PNG or as SVG.
async fn sheet<const KIND: u8>(
    operator: Operator,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<SheetQuery>,
) -> Result<Response, AppError> {
    let file = SheetFile::new(KIND, &query)?;
    let layout = query.layout()?;
    let cars = query.cars();
    let m = Minting::new(&state, &operator, &id)?;
    let heading = heading(&operator.0.name, &m.vehicle);
    sheet_response(
        file,
        &format!("vehicle-{}-labels", safe(&id)),
        heading,
        layout,
        move || {
            let cars = cars_of(&m.vehicle, cars.as_deref()).map_err(label_error)?;
            labels(
                &m.keys,
                &m.fleet,
                &m.vehicle,
                &cars,
                query.seats.as_deref(),
                &m.base,
            )
            .map_err(label_error)
        },
    )
    .await
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
