//! Pictures made to fit phones: the header is read first (dimensions, real
//! format), decoding happens only under the `image` crate's `Limits`, wide
//! pictures are downscaled and heavy ones re-encoded; the cover gets a
//! thumbnail, in whichever of JPEG and a 256-colour PNG is smaller. A picture that is not PNG, JPEG, GIF or WebP, or that would take
//! too much memory to decode (a decompression bomb), is dropped: chapters
//! then show their alternative text.
//!
//! SVG images are not handled here: they are markup, sanitized by
//! `sanitize::sanitize_svg` and served as their own clean document.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// Wider pictures are downscaled: a phone's screen is at most ~1,440 px wide.
pub const MAX_WIDTH: u32 = 1600;
/// Larger files are re-encoded even when narrow enough (a photo saved as PNG).
pub const REENCODE_ABOVE_BYTES: usize = 1024 * 1024;
/// Width of the cover thumbnail: catalog cards show covers 88 CSS px wide
/// (5.5rem), on phone screens of up to 3 pixels per CSS pixel.
pub const THUMBNAIL_WIDTH: u32 = 264;
/// Colours a picture may have to be drawn art (kept as a palette PNG).
const PALETTE: usize = 256;
/// Pictures beyond these dimensions are refused before decoding.
pub const MAX_SIDE: u32 = 12_000;
/// Decoding may allocate at most this (a 4,000 × 4,000 RGBA picture is 64 MiB).
pub const MAX_DECODE_BYTES: u64 = 96 * 1024 * 1024;
const JPEG_QUALITY: u8 = 80;

/// A picture ready to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Encoded bytes.
    pub bytes: Vec<u8>,
    /// `image/png`, `image/jpeg`, `image/gif` or `image/webp` (from the content, not the manifest).
    pub media_type: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Why a picture is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    /// Not a format browsers and this service both handle.
    #[error("not a PNG, JPEG, GIF or WebP picture")]
    Unsupported,
    /// The header announces a picture too large to decode safely.
    #[error("{width}×{height} pixels is beyond the limits")]
    TooLarge { width: u32, height: u32 },
    /// The data is corrupt or decoding hit a limit.
    #[error("cannot be decoded: {0}")]
    Corrupt(String),
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// A decoder over an image in memory.
type Reader<'a> = ImageReader<Cursor<&'a [u8]>>;

fn reader(bytes: &[u8]) -> Result<(Reader<'_>, ImageFormat), PictureError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PictureError::Corrupt(e.to_string()))?;
    let format = reader.format().ok_or(PictureError::Unsupported)?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP
    ) {
        return Err(PictureError::Unsupported);
    }
    reader.limits(limits());
    Ok((reader, format))
}

/// Checks a picture's header and makes it fit phones.
pub fn prepare(bytes: &[u8]) -> Result<Picture, PictureError> {
    let (mut header, format) = reader(bytes)?;
    // Reading the header allocates no pixels; the dimensions are judged here.
    header.no_limits();
    let (width, height) = header
        .into_dimensions()
        .map_err(|e| PictureError::Corrupt(e.to_string()))?;
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_SIDE || height > MAX_SIDE || pixels * 4 > MAX_DECODE_BYTES {
        return Err(PictureError::TooLarge { width, height });
    }
    let media_type = media_type(format);
    // GIFs may be animated; decoding would keep one frame, so they are kept as they are.
    let keep =
        width <= MAX_WIDTH && (bytes.len() <= REENCODE_ABOVE_BYTES || format == ImageFormat::Gif);
    if keep {
        return Ok(Picture {
            bytes: bytes.to_vec(),
            media_type,
            width,
            height,
        });
    }
    let image = decode(bytes)?;
    let image = if width > MAX_WIDTH {
        image.resize(MAX_WIDTH, u32::MAX, FilterType::Triangle)
    } else {
        image
    };
    let encoded = encode(&image)?;
    if width <= MAX_WIDTH && encoded.bytes.len() >= bytes.len() {
        return Ok(Picture {
            bytes: bytes.to_vec(),
            media_type,
            width,
            height,
        });
    }
    Ok(encoded)
}

/// A small picture of the cover for catalogs. Drawn covers (a few flat
/// colours) come out of the downscale with a few more colours at their edges
/// and weigh two to three times less as a 256-colour PNG than as a JPEG,
/// looking the same; photographs stay JPEG.
pub fn thumbnail(bytes: &[u8]) -> Result<Picture, PictureError> {
    prepare(bytes)?;
    let image = decode(bytes)?;
    let small = image.thumbnail(THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 2);
    let encoded = encode(&small)?;
    if image.color().has_alpha() || !is_drawn(&image) {
        return Ok(encoded);
    }
    let palette = palette_png(&small)?;
    Ok(if palette.bytes.len() < encoded.bytes.len() {
        palette
    } else {
        encoded
    })
}

/// Whether the picture has at most [`PALETTE`] colours (drawn art, not a photograph).
fn is_drawn(image: &DynamicImage) -> bool {
    let mut colours = std::collections::HashSet::new();
    for pixel in image.to_rgb8().pixels() {
        if colours.insert(pixel.0) && colours.len() > PALETTE {
            return false;
        }
    }
    true
}

/// An opaque picture as a PNG of its 256 most telling colours (NeuQuant).
fn palette_png(image: &DynamicImage) -> Result<Picture, PictureError> {
    let rgba = image.to_rgba8();
    let quantizer = color_quant::NeuQuant::new(10, PALETTE, rgba.as_raw());
    let indexes: Vec<u8> = rgba
        .pixels()
        .map(|p| quantizer.index_of(&p.0) as u8)
        .collect();
    let (width, height) = rgba.dimensions();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(quantizer.color_map_rgb());
    encoder.set_compression(png::Compression::High);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&indexes))
        .map_err(|e| PictureError::Corrupt(e.to_string()))?;
    Ok(Picture {
        bytes: out,
        media_type: "image/png",
        width,
        height,
    })
}

fn decode(bytes: &[u8]) -> Result<DynamicImage, PictureError> {
    let (reader, _) = reader(bytes)?;
    reader
        .decode()
        .map_err(|e| PictureError::Corrupt(e.to_string()))
}

/// JPEG for opaque pictures, PNG when transparency must survive.
fn encode(image: &DynamicImage) -> Result<Picture, PictureError> {
    let mut out = Vec::new();
    let (width, height) = (image.width(), image.height());
    let media_type = if image.color().has_alpha() {
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map(|_| "image/png")
    } else {
        let rgb = image.to_rgb8();
        JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .encode_image(&rgb)
            .map(|_| "image/jpeg")
    };
    let media_type = media_type.map_err(|e| PictureError::Corrupt(e.to_string()))?;
    Ok(Picture {
        bytes: out,
        media_type,
        width,
        height,
    })
}

fn media_type(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "image/png",
        ImageFormat::Gif => "image/gif",
        ImageFormat::WebP => "image/webp",
        _ => "image/jpeg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = DynamicImage::new_rgb8(width, height);
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    /// A real PNG whose header is rewritten to announce other dimensions.
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(1, 1);
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        bytes
    }

    #[test]
    fn wide_picture_is_downscaled_to_phone_width() {
        let picture = prepare(&png(3200, 1000)).unwrap();
        assert_eq!((picture.width, picture.height), (MAX_WIDTH, 500));
        let decoded = image::load_from_memory(&picture.bytes).unwrap();
        assert_eq!(decoded.width(), MAX_WIDTH);
    }

    #[test]
    fn small_picture_is_kept_byte_for_byte() {
        let original = png(40, 30);
        assert_eq!(prepare(&original).unwrap().bytes, original);
    }

    #[test]
    fn decompression_bomb_is_refused_from_its_header() {
        let bomb = png_claiming(100_000, 100_000);
        assert_eq!(
            prepare(&bomb),
            Err(PictureError::TooLarge {
                width: 100_000,
                height: 100_000
            })
        );
        assert!(thumbnail(&bomb).is_err());
        // Within the side limit but too many pixels to decode in the memory allowed.
        assert!(matches!(
            prepare(&png_claiming(11_000, 11_000)),
            Err(PictureError::TooLarge { .. })
        ));
    }

    #[test]
    fn other_formats_are_dropped() {
        assert_eq!(
            prepare(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(PictureError::Unsupported)
        );
        assert_eq!(prepare(b"BM not really"), Err(PictureError::Unsupported));
    }

    /// A 600 × 900 picture: flat bands of a few colours, or a photograph-like
    /// gradient with noise (tens of thousands of colours).
    fn cover(drawn: bool) -> Vec<u8> {
        let mut seed = 7u32;
        let image = image::RgbImage::from_fn(600, 900, |x, y| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let noise = (seed >> 16) as u8 % 24;
            if drawn {
                let band = [[29, 53, 87], [230, 57, 70], [241, 250, 238]][(y / 120 % 3) as usize];
                image::Rgb(if (x / 40 + y / 40) % 7 == 0 {
                    [168, 218, 220]
                } else {
                    band
                })
            } else {
                image::Rgb([(x / 3) as u8 + noise, (y / 4) as u8 + noise, 128 + noise])
            }
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(image)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_photograph_cover_becomes_a_small_jpeg_sized_for_the_catalog_card() {
        let thumb = thumbnail(&cover(false)).unwrap();
        assert_eq!((thumb.width, thumb.height), (THUMBNAIL_WIDTH, 396));
        assert_eq!(thumb.media_type, "image/jpeg");
        let decoded = image::load_from_memory(&thumb.bytes).unwrap();
        assert_eq!(decoded.width(), THUMBNAIL_WIDTH);
    }

    #[test]
    fn a_drawn_cover_becomes_a_palette_png_smaller_than_its_jpeg() {
        let source = image::load_from_memory(&cover(true)).unwrap();
        let jpeg = encode(&source.thumbnail(THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 2)).unwrap();
        let thumb = thumbnail(&cover(true)).unwrap();
        assert_eq!(thumb.media_type, "image/png");
        assert_eq!((thumb.width, thumb.height), (THUMBNAIL_WIDTH, 396));
        assert!(
            thumb.bytes.len() * 2 < jpeg.bytes.len(),
            "{} bytes, JPEG {}",
            thumb.bytes.len(),
            jpeg.bytes.len()
        );
        let decoded = image::load_from_memory(&thumb.bytes).unwrap().to_rgb8();
        // The colours survive: a pixel inside a band keeps the band's colour, near enough.
        let [r, g, b] = decoded.get_pixel(5, 30).0;
        assert!(
            r.abs_diff(29) < 8 && g.abs_diff(53) < 8 && b.abs_diff(87) < 8,
            "{r} {g} {b}"
        );
    }
}
