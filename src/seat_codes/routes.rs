//! Operator routes of seat codes: mint a trip's codes, fetch one as PNG or
//! SVG, print a sheet of labels. Rendering runs on blocking threads.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use super::batch::{TripCodes, mint_batch, mint_one};
use super::qr::{render_png, render_svg};
use super::routes_support::{
    ImageFormat, batch_error, blocking, blocking_heavy, car_text, display, download, encode,
    image_file, sheet_error,
};
use super::sheet::{LabelSpec, Layout, render_sheet};
use super::{Keyring, Seat, Window, unix_now};
use crate::app::AppState;
use crate::auth::Operator;
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::trips::Trip;

/// Pixels per module of PNG codes (a version 5 code is 360 pixels wide).
const PNG_SCALE: u32 = 8;

/// A sheet of 2,000 labels takes a few tenths of a second of CPU: two at a
/// time keep the other blocking work (ingestion, file reads) moving.
pub(crate) static SHEETS: Semaphore = Semaphore::const_new(2);

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
    let (bytes, content_type) = blocking(move || {
        let label = minting.one(seat, query.car.as_deref())?;
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
        &format!("trip-{id}-seat-{file}"),
    ))
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
    ApiPath(id): ApiPath<u32>,
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
    let minting = Minting::new(&state, &operator, id).await?;
    let _permit = SHEETS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let pdf = blocking_heavy(move || {
        let labels = minting.batch(query.seats.as_deref(), cars.as_deref())?;
        render_sheet(&display(&minting.trip), &labels, layout).map_err(sheet_error)
    })
    .await??;
    Ok(download(
        pdf,
        "application/pdf",
        &format!("trip-{id}-seat-codes.pdf"),
    ))
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
