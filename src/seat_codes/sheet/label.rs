//! One label: QR code on the left, car and seat in large type on the right,
//! the trip below them, the instruction along the bottom.

use super::SheetError;
use super::canvas::Canvas;
use super::layout::{Cell, MM};
use super::text::{Fitted, Font, fit};
use crate::seat_codes::qr::{QUIET_ZONE, QrMatrix};
use crate::seat_codes::{Car, Seat};

/// Smallest printed module: below this, phone cameras struggle with print.
const MIN_MODULE: f32 = 0.4 * MM;
const PAD: f32 = 3.0 * MM;
const GAP: f32 = 4.0;
const CAPTION: f32 = 5.5;
const BIG: f32 = 22.0;

/// The text every label of a sheet shares, fitted once.
pub(super) struct Common {
    pub instruction: Fitted,
    pub line: Fitted,
    pub date: Fitted,
    pub route: Fitted,
}

/// Where the parts of a label go, relative to its cell.
pub(super) struct Geometry {
    qr_side: f32,
    text_x: f32,
    text_width: f32,
}

impl Geometry {
    /// Places the QR code and the text column, or says the cell is too small.
    pub(super) fn new(cell: Cell, instruction_size: f32) -> Result<Self, SheetError> {
        let band = instruction_size + 2.5;
        let qr_side = (cell.height - 2.0 * PAD - band).min((cell.width - 2.0 * PAD) * 0.55);
        let text_x = PAD + qr_side + GAP;
        let text_width = cell.width - PAD - text_x;
        // A version 5 code (the largest seat code), captions, big numbers and
        // three trip lines above the instruction band.
        let text_height = CAPTION + 2.0 + BIG * 0.75 + 10.0 + 8.5 + 8.0;
        let too_dense = qr_side / (37.0 + 2.0 * QUIET_ZONE as f32) < MIN_MODULE
            || text_width < 60.0
            || cell.height - 2.0 * PAD - band < text_height;
        if too_dense {
            return Err(SheetError::TooDense);
        }
        Ok(Self {
            qr_side,
            text_x,
            text_width,
        })
    }

    /// Width available for the trip lines.
    pub(super) fn text_width(&self) -> f32 {
        self.text_width
    }

    /// Whether `qr` prints with modules large enough to scan.
    pub(super) fn fits(&self, qr: &QrMatrix) -> bool {
        self.qr_side / (qr.width() + 2 * QUIET_ZONE) as f32 >= MIN_MODULE
    }
}

/// Draws one label on `canvas`.
pub(super) fn draw(
    canvas: &mut impl Canvas,
    cell: Cell,
    geo: &Geometry,
    common: &Common,
    seat: Seat,
    car: Car,
    qr: &QrMatrix,
) {
    canvas.cut_marks(cell);
    let band = common.instruction.size + 2.5;
    canvas.qr(cell.x + PAD, cell.y + PAD + band, geo.qr_side, qr);
    canvas.text(
        Font::Regular,
        &common.instruction,
        cell.x + PAD,
        cell.y + PAD,
    );
    let x = cell.x + geo.text_x;
    let top = cell.y + cell.height - PAD;
    let numbers_y = top - CAPTION - 2.0 - BIG * 0.72;
    let seat_x = if car == Car::NONE {
        x
    } else {
        x + geo.text_width * 0.4
    };
    if car != Car::NONE {
        number(
            canvas,
            "Voiture / Car",
            &car.0.to_string(),
            x,
            top,
            numbers_y,
            seat_x - x - GAP,
        );
    }
    let seat_width = x + geo.text_width - seat_x;
    if seat == Seat::WHOLE_TRIP {
        caption(
            canvas,
            "Tout le train / Whole train",
            seat_x,
            top,
            seat_width,
        );
    } else {
        number(
            canvas,
            "Place / Seat",
            &seat.0.to_string(),
            seat_x,
            top,
            numbers_y,
            seat_width,
        );
    }
    let mut y = numbers_y - 10.0;
    for (font, line) in [
        (Font::Bold, &common.line),
        (Font::Regular, &common.date),
        (Font::Regular, &common.route),
    ] {
        canvas.text(font, line, x, y);
        y -= 8.5;
    }
}

fn caption(canvas: &mut impl Canvas, text: &str, x: f32, top: f32, width: f32) {
    canvas.text(
        Font::Regular,
        &fit(text, Font::Regular, width, 4.0, CAPTION),
        x,
        top - CAPTION,
    );
}

fn number(
    canvas: &mut impl Canvas,
    label: &str,
    value: &str,
    x: f32,
    top: f32,
    baseline: f32,
    width: f32,
) {
    caption(canvas, label, x, top, width);
    canvas.text(
        Font::Bold,
        &fit(value, Font::Bold, width, 8.0, BIG),
        x,
        baseline,
    );
}
