//! Print-ready A4 sheets of seat code labels: the whole sheet as PDF, or
//! one page of it as PNG (300 dpi) or SVG. Each label's geometry is computed
//! once ([`label`]) and drawn on the format's [`canvas::Canvas`].

mod canvas;
mod label;
mod layout;
mod metrics;
mod pdf;
mod png;
mod svg;
mod text;

use super::qr::QrMatrix;
use super::{Car, Seat};
use canvas::Canvas;
use label::{Common, Geometry};
use text::{Font, fit};

pub use layout::Layout;
pub use pdf::render_labels;
pub use png::DPI;

/// The one-line instruction printed on every label.
pub const INSTRUCTION: &str =
    "Scannez pour lire pendant votre trajet / Scan to read during your trip";

/// The trip as printed on its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TripDisplay {
    /// Line name, such as `TER Auvergne-Rhône-Alpes` or `K17`.
    pub line: String,
    /// Train number, such as `17423`.
    pub train_number: String,
    /// Service date as it should be printed, such as `2026-11-28`.
    pub service_date: String,
    /// First stop.
    pub origin: String,
    /// Last stop.
    pub destination: String,
}

/// One label to print: its seat, car and seat code URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSpec {
    /// The seat, or [`Seat::WHOLE_TRIP`].
    pub seat: Seat,
    /// The car, or [`Car::NONE`].
    pub car: Car,
    /// The URL the QR code holds.
    pub url: String,
}

/// Why a sheet could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// A layout that is not `CxR` with 1–6 columns and 1–12 rows.
    #[error("layout `{layout}` is not columns x rows such as 3x8 (1 to 6 columns, 1 to 12 rows)")]
    LayoutInvalid {
        /// The layout as written.
        layout: String,
    },
    /// Labels too small for a scannable QR code and legible text.
    #[error(
        "labels of this layout are too small for a QR code that scans; use fewer columns or rows"
    )]
    TooDense,
    /// Nothing to print.
    #[error("the sheet has no labels")]
    NoLabels,
    /// A URL too long for any QR code.
    #[error("a seat code URL is too long for a QR code")]
    UrlTooLong,
    /// A page past the end of the sheet.
    #[error("the sheet has {pages} page(s); ask for a page from 1 to {pages}")]
    PageOutOfRange {
        /// How many pages the sheet has.
        pages: usize,
    },
}

impl SheetError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::LayoutInvalid { .. } => "layout-invalid",
            Self::TooDense => "layout-too-dense",
            Self::NoLabels => "seat-range-invalid",
            Self::UrlTooLong => "seat-code-url-too-long",
            Self::PageOutOfRange { .. } => "page-invalid",
        }
    }
}

/// The three lines every label of a sheet prints under its numbers (the
/// first in bold), and the document's title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// In bold: a trip's line and train number, a train set's operator.
    pub first: String,
    /// A trip's date and departure; a train set's name.
    pub second: String,
    /// A trip's route; a train set's id.
    pub third: String,
    /// The PDF's title.
    pub title: String,
}

impl From<&TripDisplay> for Heading {
    fn from(trip: &TripDisplay) -> Heading {
        Heading {
            first: format!("{} {}", trip.line, trip.train_number),
            second: trip.service_date.clone(),
            third: format!("{} → {}", trip.origin, trip.destination),
            title: format!("{} {} {}", trip.line, trip.train_number, trip.service_date),
        }
    }
}

/// Draws a trip's labels on as many A4 pages as they need. CPU-bound: call
/// it from a blocking thread.
pub fn render_sheet(
    trip: &TripDisplay,
    labels: &[LabelSpec],
    layout: Layout,
) -> Result<Vec<u8>, SheetError> {
    render_labels(&Heading::from(trip), labels, layout)
}

/// The formats of one page of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFormat {
    /// A 300 dpi greyscale PNG.
    Png,
    /// An SVG document in points.
    Svg,
}

/// How many pages `labels` labels take in `layout`.
pub fn page_count(labels: usize, layout: Layout) -> usize {
    labels.div_ceil(layout.per_page()).max(1)
}

/// Draws page `page` (from 1) of the sheet of `labels` under `heading`, as
/// one PNG or SVG file: the same labels in the same places as that page of
/// the PDF. CPU-bound: call it from a blocking thread.
pub fn render_page(
    heading: &Heading,
    labels: &[LabelSpec],
    layout: Layout,
    format: PageFormat,
    page: usize,
) -> Result<Vec<u8>, SheetError> {
    let prepared = Prepared::new(heading, labels, layout)?;
    let pages = page_count(labels.len(), layout);
    let chunk = page
        .checked_sub(1)
        .and_then(|index| labels.chunks(layout.per_page()).nth(index))
        .ok_or(SheetError::PageOutOfRange { pages })?;
    Ok(match format {
        PageFormat::Png => {
            let mut canvas = png::PngPage::new();
            prepared.draw(&mut canvas, chunk)?;
            canvas.finish()
        }
        PageFormat::Svg => {
            let title = format!("{} ({page}/{pages})", heading.title);
            let mut canvas = svg::SvgPage::new(&title);
            prepared.draw(&mut canvas, chunk)?;
            canvas.finish()
        }
    })
}

/// What every label of a sheet shares: its place in the grid and its text.
struct Prepared {
    layout: Layout,
    geometry: Geometry,
    common: Common,
}

impl Prepared {
    /// Fits the shared text and places the parts of a label, or says why
    /// the sheet cannot be drawn.
    fn new(heading: &Heading, labels: &[LabelSpec], layout: Layout) -> Result<Self, SheetError> {
        if labels.is_empty() {
            return Err(SheetError::NoLabels);
        }
        let cell = layout.cell(0);
        let instruction = fit(
            INSTRUCTION,
            Font::Regular,
            cell.width - 2.0 * 3.0 * layout::MM,
            3.5,
            6.5,
        );
        let geometry = Geometry::new(cell, instruction.size)?;
        let width = geometry.text_width();
        let common = Common {
            instruction,
            line: fit(&heading.first, Font::Bold, width, 5.0, 7.5),
            date: fit(&heading.second, Font::Regular, width, 5.0, 7.0),
            route: fit(&heading.third, Font::Regular, width, 4.5, 6.5),
        };
        Ok(Self {
            layout,
            geometry,
            common,
        })
    }

    /// Draws one page's labels, left to right then top to bottom.
    fn draw(&self, canvas: &mut impl Canvas, page: &[LabelSpec]) -> Result<(), SheetError> {
        for (index, label) in page.iter().enumerate() {
            let qr = QrMatrix::encode(&label.url).map_err(|_| SheetError::UrlTooLong)?;
            if !self.geometry.fits(&qr) {
                return Err(SheetError::TooDense);
            }
            label::draw(
                canvas,
                self.layout.cell(index),
                &self.geometry,
                &self.common,
                label.seat,
                label.car,
                &qr,
            );
        }
        Ok(())
    }
}
