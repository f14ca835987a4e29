//! Operator routes of seat codes: mint a trip's codes, fetch one as PNG or
//! SVG, print a sheet of labels. Rendering runs on blocking threads.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::batch::{TripCodes, mint_batch, mint_one};
use super::routes_support::{
    SheetFile, SheetQuery, batch_error, blocking, car_text, display, image_file, image_response,
    sheet_response,
};
use super::sheet::{Heading, LabelSpec};
use super::{Keyring, Seat, Window, unix_now};
use crate::app::AppState;
use crate::auth::Operator;
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::trips::Trip;

/// `POST …/trips/{id}/codes`, `GET …/trips/{id}/codes/{seat}.png|.svg`,
/// `GET …/trips/{id}/sheet.pdf`, for operators.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operator/trips/{id}/codes", post(create_codes))
        .route("/api/v1/operator/trips/{id}/codes/{file}", get(code_image))
        .route("/api/v1/operator/trips/{id}/sheet.pdf", get(sheet))
}

#[derive(Deserialize)]
struct CodesRequest {
    seats: Option<String>,
    cars: Option<Vec<String>>,
}

#[derive(Serialize)]
struct CodesResponse {
    trip: u32,
    codes: Vec<CodeJson>,
}

#[derive(Serialize)]
struct CodeJson {
    seat: u16,
    car: Option<String>,
    url: String,
}

async fn create_codes(
    operator: Operator,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u32>,
    ApiJson(request): ApiJson<CodesRequest>,
) -> Result<axum::Json<CodesResponse>, AppError> {
    let minting = Minting::new(&state, &operator, id).await?;
    let labels = blocking(move || minting.batch(request.seats.as_deref(), request.cars.as_deref()))
        .await??;
    let codes = labels
        .into_iter()
        .map(|l| CodeJson {
            seat: l.seat.0,
            car: car_text(&l),
            url: l.url,
        })
        .collect();
    Ok(axum::Json(CodesResponse { trip: id, codes }))
}

#[derive(Deserialize)]
struct ImageQuery {
    car: Option<String>,
}

async fn code_image(
    operator: Operator,
    State(state): State<AppState>,
    ApiPath((id, file)): ApiPath<(u32, String)>,
    ApiQuery(query): ApiQuery<ImageQuery>,
) -> Result<Response, AppError> {
    let (seat, format) = image_file(&file)?;
    let minting = Minting::new(&state, &operator, id).await?;
    image_response(format, format!("trip-{id}-seat-{file}"), move || {
        Ok(minting.one(seat, query.car.as_deref())?.url)
    })
    .await
}

async fn sheet(
    operator: Operator,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<u32>,
    ApiQuery(query): ApiQuery<SheetQuery>,
) -> Result<Response, AppError> {
    let layout = query.layout()?;
    let cars = query.cars();
    let minting = Minting::new(&state, &operator, id).await?;
    let heading = Heading::from(&display(&minting.trip));
    sheet_response(
        SheetFile::Pdf,
        &format!("trip-{id}-seat-codes"),
        heading,
        layout,
        move || minting.batch(query.seats.as_deref(), cars.as_deref()),
    )
    .await
}

/// What every route needs to mint the codes of one trip.
struct Minting {
    keys: Arc<Keyring>,
    trip: Trip,
    window: Window,
    base: String,
    now: i64,
}

impl Minting {
    /// Finds the operator's trip (404 for a missing or someone else's trip),
    /// refuses a cancelled one (422), and takes its window.
    async fn new(state: &AppState, operator: &Operator, id: u32) -> Result<Self, AppError> {
        let trip = crate::trips::routes::own(state, operator, id).await?;
        if trip.is_cancelled() {
            return Err(AppError::unprocessable(
                "trip-cancelled",
                format!("Trip {id} was cancelled; its seat codes no longer work."),
            ));
        }
        let window = trip.window(&state.config);
        let window =
            Window::from_unix_seconds(window.opens_at.timestamp(), window.closes_at.timestamp())
                .map_err(|e| batch_error(e.into()))?;
        let base = state.config.public_url.clone();
        Ok(Self {
            keys: state.seat_keys.keyring(),
            trip,
            window,
            base,
            now: unix_now(),
        })
    }

    fn codes(&self) -> TripCodes<'_> {
        let cars = self.trip.cars.as_deref().unwrap_or_default();
        TripCodes {
            trip: self.trip.id.get(),
            seats: self.trip.seats.get() as u16,
            cars,
            window: self.window,
        }
    }

    fn batch(
        &self,
        seats: Option<&str>,
        cars: Option<&[String]>,
    ) -> Result<Vec<LabelSpec>, AppError> {
        mint_batch(&self.keys, &self.codes(), seats, cars, &self.base, self.now)
            .map_err(batch_error)
    }

    fn one(&self, seat: Seat, car: Option<&str>) -> Result<LabelSpec, AppError> {
        mint_one(&self.keys, &self.codes(), seat, car, &self.base, self.now).map_err(batch_error)
    }
}
