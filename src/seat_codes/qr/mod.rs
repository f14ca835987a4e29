//! QR codes of seat code URLs, rendered as crisp PNG and SVG.
//!
//! Encoding uses the `qrcode` crate's building blocks (segmenting, error
//! correction, function patterns, masks); only the mask choice is ours,
//! because the crate's penalty evaluation costs about a millisecond per code.

mod mask;
mod penalty;
mod png;
mod svg;
#[cfg(test)]
mod tests;

use qrcode::canvas::Canvas;
use qrcode::types::{EcLevel, QrError, Version};
use qrcode::{bits, ec};

pub(crate) use png::encode_grey;
pub use png::render_png;
pub use svg::render_svg;

/// Modules of light margin around a code, as the QR standard requires.
pub const QUIET_ZONE: usize = 4;

/// A QR code as a square of modules, level Q (25 % of codewords may be lost:
/// printed labels get scratched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    version: u8,
    width: usize,
    /// One byte per module, row by row: 1 dark, 0 light.
    modules: Vec<u8>,
}

impl QrMatrix {
    /// Encodes `text` in the smallest QR code version that holds it at level Q.
    pub fn encode(text: &str) -> Result<Self, QrError> {
        let bits = bits::encode_auto(text.as_bytes(), EcLevel::Q)?;
        let version = bits.version();
        let Version::Normal(number) = version else {
            unreachable!("encode_auto only chooses normal QR codes")
        };
        let (data, ec_data) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::Q)?;
        let mut canvas = Canvas::new(version, EcLevel::Q);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ec_data);
        let width = version.width() as usize;
        let modules = mask::apply_best(&canvas, number as usize, width);
        Ok(Self {
            version: number as u8,
            width,
            modules,
        })
    }

    /// The QR code version (1 to 40); the width is `17 + 4 × version` modules.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.modules[y * self.width + x] == 1
    }

    /// The dark runs of row `y` as `(first column, length)`.
    pub fn dark_runs(&self, y: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let row = &self.modules[y * self.width..(y + 1) * self.width];
        let mut x = 0;
        std::iter::from_fn(move || {
            while x < row.len() && row[x] == 0 {
                x += 1;
            }
            let start = x;
            while x < row.len() && row[x] == 1 {
                x += 1;
            }
            (x > start).then_some((start, x - start))
        })
    }
}
