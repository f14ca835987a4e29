//! One page of a sheet as SVG, in points like the PDF (A4, 210 × 297 mm):
//! for a print shop's or a label printer's own software. The text asks for
//! Helvetica (or Arial, its metric twin) and carries its width, so another
//! sans-serif still fits the label.

use std::fmt::Write;

use super::canvas::Canvas;
use super::layout::{Cell, PAGE_HEIGHT, PAGE_WIDTH};
use super::text::{Fitted, Font, to_unicode};
use crate::http::pages::escape;
use crate::seat_codes::qr::{QUIET_ZONE, QrMatrix};

/// An SVG page being drawn.
pub(super) struct SvgPage {
    out: String,
}

impl SvgPage {
    /// A white A4 page titled `title`.
    pub(super) fn new(title: &str) -> Self {
        let mut out = String::with_capacity(256 * 1024);
        let _ = write!(
            out,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}"><title>{}</title><rect width="100%" height="100%" fill="#fff"/>"##,
            escape(&title.replace(char::is_control, ""))
        );
        out.push_str(
            r##"<g font-family="Helvetica, Arial, 'Liberation Sans', sans-serif" fill="#000">"##,
        );
        Self { out }
    }

    /// The finished document.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.out.push_str("</g></svg>");
        self.out.into_bytes()
    }
}

/// SVG's y axis points down: `y` points above the bottom is this far from the top.
fn down(y: f32) -> f32 {
    PAGE_HEIGHT - y
}

impl Canvas for SvgPage {
    fn cut_marks(&mut self, cell: Cell) {
        let _ = write!(
            self.out,
            r##"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="none" stroke="#bfbfbf" stroke-width="0.3"/>"##,
            cell.x,
            down(cell.y + cell.height),
            cell.width,
            cell.height
        );
    }

    /// One path of horizontal runs in module units, scaled into place.
    fn qr(&mut self, x: f32, y: f32, side: f32, qr: &QrMatrix) {
        let module = side / (qr.width() + 2 * QUIET_ZONE) as f32;
        let _ = write!(
            self.out,
            r#"<path shape-rendering="crispEdges" transform="translate({x:.3} {:.3}) scale({module:.5})" d=""#,
            down(y + side)
        );
        for row in 0..qr.width() {
            for (start, len) in qr.dark_runs(row) {
                let _ = write!(
                    self.out,
                    "M{} {}h{len}v1h-{len}z",
                    start + QUIET_ZONE,
                    row + QUIET_ZONE
                );
            }
        }
        self.out.push_str(r#""/>"#);
    }

    fn text(&mut self, font: Font, text: &Fitted, x: f32, y: f32) {
        let weight = if font == Font::Bold {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let _ = write!(
            self.out,
            r#"<text x="{x:.2}" y="{:.2}" font-size="{:.2}"{weight} textLength="{:.2}" lengthAdjust="spacingAndGlyphs">{}</text>"#,
            down(y),
            text.size,
            text.width,
            escape(&to_unicode(&text.bytes))
        );
    }
}
