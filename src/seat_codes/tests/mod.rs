//! Tests of seat codes: tokens, keys, QR images, sheets and seat lists.

mod batch;
mod keystore;
mod pages;
mod qr;
mod seats;
mod sheet;
mod speed;
mod token;

use super::sheet::LabelSpec;
use super::{Car, Claims, Keyring, Seat, Window, mint, seat_code_url};

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

/// Reads back `M{x} {y}h{n}v1h-{n}z` runs into a grid of modules.
pub(super) fn modules_of_svg_path(svg: &str, side: usize) -> Vec<bool> {
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut grid = vec![false; side * side];
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (x, rest) = run.split_once(' ').unwrap();
        let (y, rest) = rest.split_once('h').unwrap();
        let (len, rest) = rest.split_once('v').unwrap();
        let len: usize = len.parse().unwrap();
        assert_eq!(rest, format!("1h-{len}z"));
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        for cell in &mut grid[y * side + x..y * side + x + len] {
            assert!(!*cell, "runs do not overlap");
            *cell = true;
        }
    }
    grid
}

/// Labels of known codes: the same pixels on every run, so a sheet that
/// reads back once reads back always (with random keys, rqrr missed about one
/// code in a few thousand, failing this test now and then).
pub(super) fn labels(count: u16) -> Vec<LabelSpec> {
    let keys = Keyring::with_secret_for_tests([7; 32], NOW);
    (1..=count)
        .map(|i| {
            let (seat, car) = (i, if i <= 20 { 1 } else { 2 });
            let token = mint(&keys, &claims(4242, seat, car), NOW).unwrap();
            LabelSpec {
                seat: Seat(seat),
                car: Car(car),
                url: seat_code_url("https://lire.example-rail.fr", &token),
            }
        })
        .collect()
}
