use super::{NOW, claims, decode_qr, keyring, modules_of_svg_path};
use crate::seat_codes::qr::{QUIET_ZONE, QrMatrix, render_png, render_svg};
use crate::seat_codes::{mint, seat_code_url};
use proptest::prelude::*;

const BASE: &str = "https://lire.example-rail.fr";
/// Format bits 0b11 mean level Q (rqrr reports the raw bits).
const LEVEL_Q: u16 = 3;

fn url(trip: u32, seat: u16, car: u8) -> String {
    seat_code_url(
        BASE,
        &mint(&keyring(), &claims(trip, seat, car), NOW).unwrap(),
    )
}

fn decode_png(png: &[u8]) -> Vec<(usize, u16, String)> {
    decode_qr(&image::load_from_memory(png).unwrap().to_luma8())
}

#[test]
fn seat_code_url_fits_version_5_at_level_q_and_decodes_back() {
    let url = url(u32::MAX, u16::MAX, u8::MAX);
    let code = QrMatrix::encode(&url).unwrap();
    assert!(code.version() <= 5, "version {}", code.version());
    let decoded = decode_png(&render_png(&code, 4));
    assert_eq!(decoded, vec![(usize::from(code.version()), LEVEL_Q, url)]);
}

#[test]
fn upper_case_url_leaves_room_for_a_longer_host() {
    // Why the printed URL is in upper case: with a 38-character base, the
    // mixed-case URL (byte mode for its lower-case part) needs version 6.
    let base = "https://lecture-a-bord.example-rail.fr";
    let token = mint(&keyring(), &claims(1, 1, 1), NOW).unwrap();
    assert!(
        QrMatrix::encode(&format!("{base}/t/{token}"))
            .unwrap()
            .version()
            > 5
    );
    assert!(
        QrMatrix::encode(&seat_code_url(base, &token))
            .unwrap()
            .version()
            <= 5
    );
}

#[test]
fn png_is_one_bit_grey_with_whole_pixels_and_a_quiet_zone() {
    let code = QrMatrix::encode(&url(1, 2, 3)).unwrap();
    let scale = 3;
    let png = render_png(&code, scale);
    let decoder = ::png::Decoder::new(std::io::Cursor::new(&png));
    let info = decoder.read_info().unwrap().info().clone();
    assert_eq!(
        (info.color_type, info.bit_depth),
        (::png::ColorType::Grayscale, ::png::BitDepth::One)
    );
    let side = (code.width() + 2 * QUIET_ZONE) * scale as usize;
    assert_eq!((info.width as usize, info.height as usize), (side, side));
    let image = image::load_from_memory(&png).unwrap().to_luma8();
    let margin = QUIET_ZONE * scale as usize;
    for y in 0..side {
        for x in 0..side {
            let inside =
                (margin..side - margin).contains(&x) && (margin..side - margin).contains(&y);
            let expected_dark = inside
                && code.is_dark((x - margin) / scale as usize, (y - margin) / scale as usize);
            assert_eq!(
                image.get_pixel(x as u32, y as u32).0[0] == 0,
                expected_dark,
                "pixel {x},{y}"
            );
        }
    }
}

#[test]
fn svg_path_covers_exactly_the_dark_modules_and_decodes_back() {
    let url = url(77, 12, 2);
    let code = QrMatrix::encode(&url).unwrap();
    let svg = render_svg(&code, 8);
    assert_eq!(svg.matches("<path").count(), 1);
    let side = code.width() + 2 * QUIET_ZONE;
    assert!(svg.contains(&format!(r#"viewBox="0 0 {side} {side}""#)));
    let grid = modules_of_svg_path(&svg, side);
    let scale = 4;
    let image = image::GrayImage::from_fn((side * scale) as u32, (side * scale) as u32, |x, y| {
        let dark = grid[y as usize / scale * side + x as usize / scale];
        image::Luma([if dark { 0 } else { 255 }])
    });
    for y in 0..code.width() {
        for x in 0..code.width() {
            assert_eq!(
                grid[(y + QUIET_ZONE) * side + x + QUIET_ZONE],
                code.is_dark(x, y)
            );
        }
    }
    assert_eq!(decode_qr(&image)[0].2, url);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn every_seat_code_decodes_back_to_its_url(trip: u32, seat: u16, car: u8) {
        let url = url(trip, seat, car);
        let code = QrMatrix::encode(&url).unwrap();
        prop_assert!(code.version() <= 5);
        let decoded = decode_png(&render_png(&code, 2));
        prop_assert_eq!(&decoded[0].2, &url);
    }
}
