//! 1-bit grayscale PNG of a QR code, whole pixels per module.

use super::{QUIET_ZONE, QrMatrix};

/// Renders `code` with `scale` pixels per module and a 4-module quiet zone,
/// as a 1-bit grayscale PNG (black modules on white).
pub fn render_png(code: &QrMatrix, scale: u32) -> Vec<u8> {
    let scale = scale.max(1) as usize;
    let side = (code.width() + 2 * QUIET_ZONE) * scale;
    let row_bytes = side.div_ceil(8);
    let light_row = vec![0xFFu8; row_bytes];
    let mut pixels = Vec::with_capacity(row_bytes * side);
    for _ in 0..QUIET_ZONE * scale {
        pixels.extend_from_slice(&light_row);
    }
    let mut row = light_row.clone();
    for y in 0..code.width() {
        row.copy_from_slice(&light_row);
        for (x, len) in code.dark_runs(y) {
            clear_bits(
                &mut row,
                (QUIET_ZONE + x) * scale,
                (QUIET_ZONE + x + len) * scale,
            );
        }
        for _ in 0..scale {
            pixels.extend_from_slice(&row);
        }
    }
    for _ in 0..QUIET_ZONE * scale {
        pixels.extend_from_slice(&light_row);
    }
    encode(&pixels, side as u32)
}

/// Sets pixels `[from, to)` of a packed row to black (0), most significant bit first.
fn clear_bits(row: &mut [u8], from: usize, to: usize) {
    for bit in from..to {
        row[bit / 8] &= !(0x80 >> (bit % 8));
    }
}

fn encode(pixels: &[u8], side: u32) -> Vec<u8> {
    // Rows repeat `scale` times; plain deflate finds them without filtering.
    encode_grey(
        pixels,
        (side, side),
        ::png::BitDepth::One,
        ::png::Filter::NoFilter,
        None,
    )
}

/// Packs greyscale `pixels` (rows from the top, `depth` bits each) of
/// `size` (width, height) as a PNG, quickly, with `filter`, and with the
/// resolution when `dpi` is given (printing software sizes the page by it).
pub(crate) fn encode_grey(
    pixels: &[u8],
    (width, height): (u32, u32),
    depth: ::png::BitDepth,
    filter: ::png::Filter,
    dpi: Option<f32>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(pixels.len() / 8 + 128);
    let mut encoder = ::png::Encoder::new(&mut out, width, height);
    encoder.set_color(::png::ColorType::Grayscale);
    encoder.set_depth(depth);
    encoder.set_filter(filter);
    encoder.set_compression(::png::Compression::Fast);
    if let Some(dpi) = dpi {
        let per_metre = (dpi / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(::png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: ::png::Unit::Meter,
        }));
    }
    let mut writer = encoder
        .write_header()
        .expect("writing into a Vec cannot fail");
    writer
        .write_image_data(pixels)
        .expect("the pixel buffer matches the header");
    writer.finish().expect("writing into a Vec cannot fail");
    out
}
