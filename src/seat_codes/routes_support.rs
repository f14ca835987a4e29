//! Helpers of the seat code routes: file names, responses, error mapping.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::batch::BatchError;
use super::qr::QrMatrix;
use super::sheet::{LabelSpec, SheetError, TripDisplay};
use super::{Car, Seat};
use crate::error::AppError;
use crate::trips::Trip;

/// The two image formats of a single code.
pub(crate) enum ImageFormat {
    Png,
    Svg,
}

/// Splits `12.png` into the seat and the format.
pub(crate) fn image_file(file: &str) -> Result<(Seat, ImageFormat), AppError> {
    let (seat, format) = match file.rsplit_once('.') {
        Some((seat, "png")) => (seat, ImageFormat::Png),
        Some((seat, "svg")) => (seat, ImageFormat::Svg),
        _ => {
            return Err(AppError::not_found(
                "Ask for a seat code as {seat}.png or {seat}.svg.",
            ));
        }
    };
    match seat.parse::<u16>() {
        Ok(n) if n > 0 && seat.bytes().all(|b| b.is_ascii_digit()) => Ok((Seat(n), format)),
        _ => Err(AppError::unprocessable(
            "seat-range-invalid",
            format!("`{seat}` is not a seat number."),
        )),
    }
}

/// Encodes a seat code URL as a QR code.
pub(crate) fn encode(url: &str) -> Result<QrMatrix, AppError> {
    QrMatrix::encode(url)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("encoding a seat code URL: {e:?}")))
}

/// The car as the API shows it: its number, or nothing.
pub(crate) fn car_text(label: &LabelSpec) -> Option<String> {
    (label.car != Car::NONE).then(|| label.car.0.to_string())
}

/// What a label prints about the trip: the date and departure in its time zone.
pub(crate) fn display(trip: &Trip) -> TripDisplay {
    let departs = trip.departs_at.with_timezone(&trip.timezone);
    TripDisplay {
        line: trip.line.clone(),
        train_number: trip.train_number.clone(),
        service_date: format!("{} {}", trip.service_date, departs.format("%H:%M")),
        origin: trip.origin.clone(),
        destination: trip.destination.clone(),
    }
}

/// A file answer, private to the operator who asked.
pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    let disposition = format!("inline; filename=\"{filename}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Runs CPU work on a blocking thread; a panic there is an internal error.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(rendering_failed)
}

/// Like [`blocking`], for work that allocates a lot for a moment (a label
/// sheet): what it freed goes back to the system afterwards.
pub(crate) async fn blocking_heavy<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    crate::memory::heavy(work).await.map_err(rendering_failed)
}

fn rendering_failed(e: tokio::task::JoinError) -> AppError {
    AppError::Internal(anyhow::anyhow!("rendering task failed: {e}"))
}

/// A refused batch is the client's to fix: `422` with its code.
pub(crate) fn batch_error(error: BatchError) -> AppError {
    AppError::unprocessable(error.code(), error.to_string())
}

/// A refused sheet: `422` with its code.
pub(crate) fn sheet_error(error: SheetError) -> AppError {
    AppError::unprocessable(error.code(), error.to_string())
}
