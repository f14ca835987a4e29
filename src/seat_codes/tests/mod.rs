//! Tests of seat codes: tokens, keys, QR images, sheets and seat lists.

mod batch;
mod keystore;
mod qr;
mod seats;
mod sheet;
mod speed;
mod token;

use super::{Car, Claims, Keyring, Seat, Window};

/// 2027-01-15 08:00 UTC, a plausible "now".
pub(super) const NOW: i64 = 1_799_996_400;

/// A trip window of two hours starting in a week.
pub(super) fn claims(trip: u32, seat: u16, car: u8) -> Claims {
    let start = NOW + 7 * 86_400;
    let window = Window::from_unix_seconds(start, start + 2 * 3_600).unwrap();
    Claims {
        trip,
        seat: Seat(seat),
        car: Car(car),
        window,
    }
}

pub(super) fn keyring() -> Keyring {
    Keyring::generate(NOW).unwrap()
}

/// Decodes every QR code found in a grey image: (version, ecc format bits, text).
pub(super) fn decode_qr(image: &image::GrayImage) -> Vec<(usize, u16, String)> {
    let (w, h) = image.dimensions();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
            image.get_pixel(x as u32, y as u32).0[0]
        });
    prepared
        .detect_grids()
        .iter()
        .map(|grid| {
            let (meta, text) = grid.decode().expect("a detected grid decodes");
            (meta.version.0, meta.ecc_level, text)
        })
        .collect()
}
