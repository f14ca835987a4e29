//! What a label is drawn on: a PDF page, an SVG page or a raster (PNG)
//! page. The label's geometry is computed once, in points from the page's
//! bottom-left corner as PDF has it; each surface turns that into its own
//! units, so the three formats print the same labels.

use super::layout::Cell;
use super::text::{Fitted, Font};
use crate::seat_codes::qr::QrMatrix;

/// A page labels are drawn on.
pub(super) trait Canvas {
    /// Thin grey borders to cut along, outside every quiet zone.
    fn cut_marks(&mut self, cell: Cell);

    /// `qr` with its quiet zone in the square of `side` points whose
    /// bottom-left corner is at `(x, y)`.
    fn qr(&mut self, x: f32, y: f32, side: f32, qr: &QrMatrix);

    /// `text` in `font`, its baseline starting at `(x, y)`.
    fn text(&mut self, font: Font, text: &Fitted, x: f32, y: f32);
}
