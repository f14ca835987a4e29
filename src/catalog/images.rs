//! Pictures made to fit phones: the header is read first (dimensions, real
//! format), decoding happens only under the `image` crate's `Limits`, wide
//! pictures are downscaled and heavy ones re-encoded; the cover gets a
//! thumbnail. A picture that is not PNG, JPEG, GIF or WebP, or that would take
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
/// Width of the cover thumbnail shown in catalogs.
pub const THUMBNAIL_WIDTH: u32 = 320;
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

/// A small picture of the cover for catalogs.
pub fn thumbnail(bytes: &[u8]) -> Result<Picture, PictureError> {
    prepare(bytes)?;
    let image = decode(bytes)?;
    encode(&image.thumbnail(THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 2))
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

    #[test]
    fn thumbnail_is_small() {
        let thumb = thumbnail(&png(1200, 1800)).unwrap();
        assert!(thumb.width <= THUMBNAIL_WIDTH && thumb.height <= THUMBNAIL_WIDTH * 2);
        assert_eq!(thumb.media_type, "image/jpeg");
    }
}
