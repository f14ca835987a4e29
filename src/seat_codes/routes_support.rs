//! Helpers of the routes that print codes, a trip's and a train set's alike:
//! file names, image and sheet responses, error mapping.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::Semaphore;

use super::batch::BatchError;
use super::qr::{QrMatrix, render_png, render_svg};
use super::sheet::{
    Heading, LabelSpec, Layout, PageFormat, SheetError, TripDisplay, render_labels, render_page,
};
use super::{Car, Seat};
use crate::error::AppError;
use crate::trips::Trip;

/// Pixels per module of a single code's PNG (a version 5 code is 360 pixels wide).
const CODE_SCALE: u32 = 8;

/// A sheet of 2,000 labels takes a few tenths of a second of CPU: two at a
/// time keep the other blocking work (ingestion, file reads) moving.
static SHEETS: Semaphore = Semaphore::const_new(2);

/// The two image formats of a single code.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ImageFormat {
    Png,
    Svg,
}

impl ImageFormat {
    fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Svg => "image/svg+xml",
        }
    }

    fn render(self, code: &QrMatrix) -> Vec<u8> {
        match self {
            Self::Png => render_png(code, CODE_SCALE),
            Self::Svg => render_svg(code, CODE_SCALE).into_bytes(),
        }
    }
}

/// One code as a PNG or SVG file named `filename`; `url` mints it on a
/// blocking thread, with the encoding and rendering.
pub(crate) async fn image_response(
    format: ImageFormat,
    filename: String,
    url: impl FnOnce() -> Result<String, AppError> + Send + 'static,
) -> Result<Response, AppError> {
    let bytes = blocking(move || Ok::<_, AppError>(format.render(&encode(&url()?)?))).await??;
    Ok(download(bytes, format.content_type(), &filename))
}

/// The query of a label sheet: which seats and cars, the grid, and for one
/// page (PNG, SVG) which page.
#[derive(Debug, Deserialize)]
pub(crate) struct SheetQuery {
    pub seats: Option<String>,
    cars: Option<String>,
    layout: Option<String>,
    page: Option<String>,
}

impl SheetQuery {
    /// The grid asked, or the default 3 × 8.
    pub(crate) fn layout(&self) -> Result<Layout, AppError> {
        match self.layout.as_deref() {
            Some(text) if !text.trim().is_empty() => Layout::parse(text).map_err(sheet_error),
            _ => Ok(Layout::default()),
        }
    }

    /// The cars asked (`cars=1,2`), or `None` for all.
    pub(crate) fn cars(&self) -> Option<Vec<String>> {
        self.cars
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| c.split(',').map(str::to_owned).collect())
    }

    /// The page asked, from 1 (the first when none).
    fn page(&self) -> Result<usize, AppError> {
        match self.page.as_deref().map(str::trim) {
            None | Some("") => Ok(1),
            Some(text) => match text.parse::<u16>() {
                Ok(n) if n > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(usize::from(n)),
                _ => Err(AppError::unprocessable(
                    "page-invalid",
                    format!("`{text}` is not a page number; pages start at 1."),
                )),
            },
        }
    }
}

/// What file of a sheet to send: the whole as PDF, or one page.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SheetFile {
    Pdf,
    Page(PageFormat, usize),
}

impl SheetFile {
    /// The whole sheet as PDF, for [`SheetFile::new`] (and a route's type).
    pub(crate) const PDF: u8 = 0;
    /// One page as PNG.
    pub(crate) const PNG: u8 = 1;
    /// One page as SVG.
    pub(crate) const SVG: u8 = 2;

    /// The file `kind` (one of the constants above) names, with the page of
    /// `query` for the one-page formats.
    pub(crate) fn new(kind: u8, query: &SheetQuery) -> Result<Self, AppError> {
        Ok(match kind {
            Self::PNG => Self::Page(PageFormat::Png, query.page()?),
            Self::SVG => Self::Page(PageFormat::Svg, query.page()?),
            _ => Self::Pdf,
        })
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Page(PageFormat::Png, _) => "image/png",
            Self::Page(PageFormat::Svg, _) => "image/svg+xml",
        }
    }

    /// `stem.pdf`, or `stem-page-2.png`.
    fn filename(self, stem: &str) -> String {
        match self {
            Self::Pdf => format!("{stem}.pdf"),
            Self::Page(PageFormat::Png, page) => format!("{stem}-page-{page}.png"),
            Self::Page(PageFormat::Svg, page) => format!("{stem}-page-{page}.svg"),
        }
    }
}

/// Draws a sheet of the labels `labels` mints, under `heading`, as the file
/// `file` asks, named from `stem`: on a blocking thread, two sheets at a time.
pub(crate) async fn sheet_response(
    file: SheetFile,
    stem: &str,
    heading: Heading,
    layout: Layout,
    labels: impl FnOnce() -> Result<Vec<LabelSpec>, AppError> + Send + 'static,
) -> Result<Response, AppError> {
    let _permit = SHEETS
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let bytes = blocking_heavy(move || {
        let labels = labels()?;
        match file {
            SheetFile::Pdf => render_labels(&heading, &labels, layout),
            SheetFile::Page(format, page) => render_page(&heading, &labels, layout, format, page),
        }
        .map_err(sheet_error)
    })
    .await??;
    Ok(download(bytes, file.content_type(), &file.filename(stem)))
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
