//! Mask choice by the penalty rules of ISO/IEC 18004 §7.8.3, bit-parallel.
//!
//! The `qrcode` crate evaluates its eight masks on module enums, about a
//! millisecond per code. Here each masked symbol is built by one XOR per row:
//! the crate draws, once per version, the function patterns with the format
//! information and the mask over the empty data area; the data modules of a
//! code then flip that template. Rows (and columns) are `u64` bit sets, so
//! each penalty rule is a few word operations per line.

use super::penalty::{Lines, penalty};
use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::types::{Color, EcLevel, Version};
use std::sync::OnceLock;

const PATTERNS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// Largest version whose lines, with 4 light modules each side, fit a `u64`.
const FAST_MAX_VERSION: usize = 9;

/// Per version: each mask's symbol with no data, as rows and as columns.
static TEMPLATES: [OnceLock<Vec<(Lines, Lines)>>; FAST_MAX_VERSION] =
    [const { OnceLock::new() }; FAST_MAX_VERSION];

/// Masks `canvas` (function patterns and data drawn) with the mask of lowest
/// penalty and returns its modules, 1 for dark, row by row.
pub(super) fn apply_best(canvas: &Canvas, version: usize, width: usize) -> Vec<u8> {
    if version > FAST_MAX_VERSION {
        // Large codes are rare here (seat codes are version 5 at most).
        return to_bytes_from_colors(canvas.apply_best_mask().into_colors());
    }
    let (data_rows, data_cols) = data_lines(canvas, width);
    let templates = TEMPLATES[version - 1].get_or_init(|| templates(version, width));
    let mut rows = vec![0u64; width];
    let mut cols = vec![0u64; width];
    let mut best: Option<(u32, Vec<u64>)> = None;
    for (template_rows, template_cols) in templates {
        xor_into(&mut rows, template_rows, &data_rows);
        xor_into(&mut cols, template_cols, &data_cols);
        let score = penalty(&rows, &cols, width);
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, rows.clone()));
        }
    }
    let rows = best.expect("eight masks were tried").1;
    rows.iter()
        .flat_map(|row| (0..width).map(move |x| (row >> x & 1) as u8))
        .collect()
}

/// The dark data modules (not yet masked) as row and column bit sets.
fn data_lines(canvas: &Canvas, width: usize) -> (Lines, Lines) {
    let mut rows = vec![0u64; width];
    let mut cols = vec![0u64; width];
    for (y, row) in rows.iter_mut().enumerate() {
        for (x, col) in cols.iter_mut().enumerate() {
            if canvas.get(x as i16, y as i16) == Module::Unmasked(Color::Dark) {
                *row |= 1 << x;
                *col |= 1 << y;
            }
        }
    }
    (rows, cols)
}

/// The eight masked symbols of `version` with an empty data area.
fn templates(version: usize, width: usize) -> Vec<(Lines, Lines)> {
    let mut blank = Canvas::new(Version::Normal(version as i16), EcLevel::Q);
    blank.draw_all_functional_patterns();
    PATTERNS
        .iter()
        .map(|pattern| {
            let mut masked = blank.clone();
            masked.apply_mask(*pattern);
            let modules = to_bytes_from_colors(masked.into_colors());
            let line = |index: &dyn Fn(usize, usize) -> usize| -> Lines {
                (0..width)
                    .map(|i| {
                        (0..width).fold(0u64, |acc, j| acc | u64::from(modules[index(i, j)]) << j)
                    })
                    .collect()
            };
            (line(&|y, x| y * width + x), line(&|x, y| y * width + x))
        })
        .collect()
}

fn xor_into(out: &mut [u64], template: &[u64], data: &[u64]) {
    for ((o, t), d) in out.iter_mut().zip(template).zip(data) {
        *o = t ^ d;
    }
}

fn to_bytes_from_colors(colors: Vec<Color>) -> Vec<u8> {
    colors
        .into_iter()
        .map(|c| u8::from(c == Color::Dark))
        .collect()
}

#[cfg(test)]
pub(super) fn masked_by_crate(canvas: &Canvas, pattern: usize) -> Vec<u8> {
    let mut masked = canvas.clone();
    masked.apply_mask(PATTERNS[pattern]);
    to_bytes_from_colors(masked.into_colors())
}

#[cfg(test)]
pub(super) fn masked_by_template(
    canvas: &Canvas,
    version: usize,
    width: usize,
    pattern: usize,
) -> Vec<u8> {
    let (data_rows, _) = data_lines(canvas, width);
    let template = &templates(version, width)[pattern].0;
    let mut rows = vec![0u64; width];
    xor_into(&mut rows, template, &data_rows);
    rows.iter()
        .flat_map(|row| (0..width).map(move |x| (row >> x & 1) as u8))
        .collect()
}
