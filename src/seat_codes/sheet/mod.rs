//! Print-ready A4 sheets of seat code labels, as PDF.
//!
//! QR codes are vector rectangles (sharp at any printer resolution) and the
//! text uses the standard Helvetica fonts, so no font file is embedded.

mod label;
mod layout;
mod metrics;
mod text;

use super::qr::QrMatrix;
use super::{Car, Seat};
use label::{Common, Geometry};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, TextStr};
use text::{Font, fit};

pub use layout::Layout;

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
}

impl SheetError {
    /// The stable machine code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::LayoutInvalid { .. } => "layout-invalid",
            Self::TooDense => "layout-too-dense",
            Self::NoLabels => "seat-range-invalid",
            Self::UrlTooLong => "seat-code-url-too-long",
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

/// Draws labels under `heading` on as many A4 pages as they need.
/// CPU-bound: call it from a blocking thread.
pub fn render_labels(
    heading: &Heading,
    labels: &[LabelSpec],
    layout: Layout,
) -> Result<Vec<u8>, SheetError> {
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
    let mut pdf = Pdf::new();
    let catalog_id = Ref::new(1);
    let pages_id = Ref::new(2);
    let fonts = [
        (Font::Regular, Ref::new(3), "Helvetica"),
        (Font::Bold, Ref::new(4), "Helvetica-Bold"),
    ];
    let mut page_ids = Vec::new();
    let mut next_id = 5;
    for chunk in labels.chunks(layout.per_page()) {
        let (page_id, content_id) = (Ref::new(next_id), Ref::new(next_id + 1));
        next_id += 2;
        let mut content = Content::new();
        for (index, label) in chunk.iter().enumerate() {
            let qr = QrMatrix::encode(&label.url).map_err(|_| SheetError::UrlTooLong)?;
            if !geometry.fits(&qr) {
                return Err(SheetError::TooDense);
            }
            label::draw(
                &mut content,
                layout.cell(index),
                &geometry,
                &common,
                label.seat,
                label.car,
                &qr,
            );
        }
        let compressed = deflate(&content.finish());
        pdf.stream(content_id, &compressed)
            .filter(Filter::FlateDecode);
        let mut page = pdf.page(page_id);
        page.parent(pages_id).contents(content_id);
        page.media_box(Rect::new(0.0, 0.0, layout::PAGE_WIDTH, layout::PAGE_HEIGHT));
        let mut resources = page.resources();
        let mut font_dict = resources.fonts();
        for (font, id, _) in fonts {
            font_dict.pair(Name(font.resource()), id);
        }
        font_dict.finish();
        resources.finish();
        page.finish();
        page_ids.push(page_id);
    }
    for (_, id, name) in fonts {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.pages(pages_id)
        .count(page_ids.len() as i32)
        .kids(page_ids);
    pdf.catalog(catalog_id).pages(pages_id);
    pdf.document_info(Ref::new(next_id))
        .title(TextStr(&heading.title))
        .producer(TextStr("trajet"));
    Ok(pdf.finish())
}

/// Deflate at a fast level: label streams are large and repetitive.
fn deflate(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::fast(),
    );
    encoder
        .write_all(bytes)
        .expect("writing into a Vec cannot fail");
    encoder.finish().expect("writing into a Vec cannot fail")
}
