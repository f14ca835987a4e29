//! One page of a sheet as a 300 dpi greyscale PNG (2480 × 3508 pixels):
//! for printers and print shops that take images. QR modules are whole
//! pixels (crisp edges, as scanners want); the text is drawn from the
//! embedded DejaVu Sans, anti-aliased, and squeezed where needed to the
//! width the PDF's Helvetica takes, so the layout is the same.

use std::sync::LazyLock;

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _, point};

use super::canvas::Canvas;
use super::layout::{Cell, PAGE_HEIGHT, PAGE_WIDTH};
use super::text::{Fitted, Font, to_unicode};
use crate::seat_codes::qr::{QUIET_ZONE, QrMatrix, encode_grey};

/// Print resolution: what label printers and print shops expect.
pub const DPI: f32 = 300.0;
/// Pixels per point.
const SCALE: f32 = DPI / 72.0;
const WHITE: u8 = 255;
/// The cut marks' grey, as in the PDF (75 % white).
const GREY: u8 = 191;

/// The two faces, cut down to WinAnsi (see `fonts/LICENSE`).
static FONTS: LazyLock<[FontRef<'static>; 2]> = LazyLock::new(|| {
    let load = |bytes: &'static [u8]| {
        FontRef::try_from_slice(bytes).expect("the embedded fonts are valid TrueType")
    };
    [
        load(include_bytes!("fonts/DejaVuSans-WinAnsi.ttf")),
        load(include_bytes!("fonts/DejaVuSans-Bold-WinAnsi.ttf")),
    ]
});

/// A greyscale page being drawn, one byte per pixel, rows from the top.
pub(super) struct PngPage {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl PngPage {
    /// A white A4 page at [`DPI`].
    pub(super) fn new() -> Self {
        let width = (PAGE_WIDTH * SCALE).round() as usize;
        let height = (PAGE_HEIGHT * SCALE).round() as usize;
        Self {
            width,
            height,
            pixels: vec![WHITE; width * height],
        }
    }

    /// The page as a PNG file.
    pub(super) fn finish(self) -> Vec<u8> {
        // Mostly white rows and long runs: the row above predicts well.
        encode_grey(
            &self.pixels,
            (self.width as u32, self.height as u32),
            ::png::BitDepth::Eight,
            ::png::Filter::Up,
            Some(DPI),
        )
    }

    /// Darkens pixel `(x, y)` (from the top left) to `value`, never lightens.
    fn darken(&mut self, x: usize, y: usize, value: u8) {
        if x < self.width && y < self.height {
            let pixel = &mut self.pixels[y * self.width + x];
            *pixel = (*pixel).min(value);
        }
    }

    fn fill(&mut self, x: usize, y: usize, width: usize, height: usize, value: u8) {
        for row in y..(y + height).min(self.height) {
            let start = row * self.width + x.min(self.width);
            let end = row * self.width + (x + width).min(self.width);
            self.pixels[start..end].fill(value);
        }
    }
}

/// A position in points (from the bottom left) as pixels from the top left.
fn px(x: f32, y: f32) -> (f32, f32) {
    (x * SCALE, (PAGE_HEIGHT - y) * SCALE)
}

impl Canvas for PngPage {
    fn cut_marks(&mut self, cell: Cell) {
        let (left, bottom) = px(cell.x, cell.y);
        let (right, top) = px(cell.x + cell.width, cell.y + cell.height);
        let (left, top) = (left.round() as usize, top.round() as usize);
        let (right, bottom) = (right.round() as usize, bottom.round() as usize);
        for x in left..=right {
            self.darken(x, top, GREY);
            self.darken(x, bottom, GREY);
        }
        for y in top..=bottom {
            self.darken(left, y, GREY);
            self.darken(right, y, GREY);
        }
    }

    /// Whole pixels per module, the code centred in its square.
    fn qr(&mut self, x: f32, y: f32, side: f32, qr: &QrMatrix) {
        let modules = qr.width() + 2 * QUIET_ZONE;
        let side_px = side * SCALE;
        let module = ((side_px / modules as f32).floor() as usize).max(1);
        let margin = (side_px - (module * modules) as f32) / 2.0;
        let (left, top) = px(x, y + side);
        let left = (left + margin).round() as usize + QUIET_ZONE * module;
        let top = (top + margin).round() as usize + QUIET_ZONE * module;
        for row in 0..qr.width() {
            for (start, len) in qr.dark_runs(row) {
                self.fill(
                    left + start * module,
                    top + row * module,
                    len * module,
                    module,
                    0,
                );
            }
        }
    }

    fn text(&mut self, font: Font, text: &Fitted, x: f32, y: f32) {
        let face = &FONTS[usize::from(font == Font::Bold)];
        let em = text.size * SCALE;
        let units = face.units_per_em().unwrap_or(2048.0);
        let height = em * face.height_unscaled() / units;
        let chars = to_unicode(&text.bytes);
        let natural: f32 = {
            let scaled = face.as_scaled(PxScale::from(height));
            chars
                .chars()
                .map(|c| scaled.h_advance(face.glyph_id(c)))
                .sum()
        };
        // Never wider than the Helvetica text the layout made room for.
        let squeeze = if natural > 0.0 {
            (text.width * SCALE / natural).min(1.0)
        } else {
            1.0
        };
        let scale = PxScale {
            x: height * squeeze,
            y: height,
        };
        let scaled = face.as_scaled(scale);
        let (mut pen, baseline) = px(x, y);
        for c in chars.chars() {
            let id = face.glyph_id(c);
            let glyph = id.with_scale_and_position(scale, point(pen, baseline));
            pen += scaled.h_advance(id);
            let Some(outline) = face.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            let (left, top) = (bounds.min.x as i64, bounds.min.y as i64);
            outline.draw(|gx, gy, coverage| {
                let (x, y) = (left + i64::from(gx), top + i64::from(gy));
                if x >= 0 && y >= 0 {
                    let ink = (f32::from(WHITE) * (1.0 - coverage.clamp(0.0, 1.0))).round();
                    self.darken(x as usize, y as usize, ink as u8);
                }
            });
        }
    }
}
