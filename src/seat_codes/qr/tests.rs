//! The fast mask choice against the crate's masking and a plain reading of
//! the penalty rules.

use super::mask::{masked_by_crate, masked_by_template};
use super::penalty::{blocks, finder_like, penalty, runs};
use proptest::prelude::*;
use qrcode::canvas::Canvas;
use qrcode::types::{EcLevel, Version};
use qrcode::{bits, ec};

fn line(modules: &[u8]) -> u64 {
    modules
        .iter()
        .enumerate()
        .fold(0, |acc, (x, &m)| acc | u64::from(m) << x)
}

#[test]
fn run_of_five_costs_three_and_each_extra_module_one() {
    assert_eq!(runs(line(&[1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0]), 11), 0);
    assert_eq!(runs(line(&[1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1]), 11), 3);
    assert_eq!(runs(line(&[0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]), 13), 8);
}

#[test]
fn finder_like_pattern_next_to_four_light_modules_costs_forty() {
    assert_eq!(
        finder_like(line(&[1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1]), 13),
        40
    );
    assert_eq!(
        finder_like(line(&[1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1]), 13),
        0
    );
}

#[test]
fn finder_like_pattern_at_the_edge_meets_the_quiet_zone() {
    // Only three light modules precede it inside: the fourth is the quiet zone.
    assert_eq!(
        finder_like(line(&[0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 1]), 11),
        40
    );
}

#[test]
fn uniform_two_by_two_block_costs_three() {
    let rows = [line(&[1, 1, 1]), line(&[1, 1, 0]), line(&[0, 0, 0])];
    assert_eq!(blocks(&rows, 3), 3);
}

fn drawn_canvas(text: &str) -> (Canvas, usize, usize) {
    let bits = bits::encode_auto(text.as_bytes(), EcLevel::Q).unwrap();
    let version = bits.version();
    let Version::Normal(number) = version else {
        unreachable!()
    };
    let (data, ec_data) = ec::construct_codewords(&bits.into_bytes(), version, EcLevel::Q).unwrap();
    let mut canvas = Canvas::new(version, EcLevel::Q);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec_data);
    (canvas, number as usize, version.width() as usize)
}

#[test]
fn template_masking_gives_the_crates_symbol_for_every_mask() {
    for text in [
        "HTTPS://LIRE.EXAMPLE-RAIL.FR/T/AEAAAAAB2QAAQAAZ7GBWAH4HN3T4ZLN3TFA5VDQ",
        "A",
        "hello, world 0123456789",
    ] {
        let (canvas, version, width) = drawn_canvas(text);
        for pattern in 0..8 {
            assert_eq!(
                masked_by_template(&canvas, version, width, pattern),
                masked_by_crate(&canvas, pattern)
            );
        }
    }
}

/// The penalty rules read plainly, one module at a time.
fn reference_penalty(grid: &[u8], width: usize) -> u32 {
    let at = |x: usize, y: usize| grid[y * width + x];
    let line_score = |get: &dyn Fn(usize) -> u8| {
        let mut score = 0;
        let mut run = 1;
        for i in 1..=width {
            if i < width && get(i) == get(i - 1) {
                run += 1;
            } else {
                score += if run >= 5 { run - 2 } else { 0 };
                run = 1;
            }
        }
        let padded = |i: isize| {
            if (0..width as isize).contains(&i) {
                get(i as usize)
            } else {
                0
            }
        };
        let finder = [1, 0, 1, 1, 1, 0, 1];
        for start in -4..width as isize {
            let is_finder = |from: isize| (0..7).all(|k| padded(from + k) == finder[k as usize]);
            let light = |from: isize| (0..4).all(|k| padded(from + k) == 0);
            if is_finder(start) && light(start + 7) {
                score += 40;
            }
            if light(start - 4) && is_finder(start) {
                score += 40;
            }
        }
        score
    };
    let mut total = 0;
    for i in 0..width {
        total += line_score(&|x| at(x, i)) + line_score(&|y| at(i, y));
    }
    for y in 0..width - 1 {
        for x in 0..width - 1 {
            let sum = at(x, y) + at(x + 1, y) + at(x, y + 1) + at(x + 1, y + 1);
            total += if sum == 0 || sum == 4 { 3 } else { 0 };
        }
    }
    let dark: u32 = grid.iter().map(|&m| u32::from(m)).sum();
    total + 10 * ((dark * 100 / (width * width) as u32).abs_diff(50) / 5)
}

proptest! {
    #[test]
    fn bit_parallel_penalty_equals_the_plain_rules(width in 21usize..=56, seed: u64, density in 1u64..8) {
        // Sparse or dense grids, so that long runs and finder shapes occur.
        let mut state = seed | 1;
        let grid: Vec<u8> = (0..width * width).map(|_| {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            u8::from(state % 8 < density)
        }).collect();
        let rows: Vec<u64> = grid.chunks(width).map(line).collect();
        let cols: Vec<u64> = (0..width).map(|x| line(&(0..width).map(|y| grid[y * width + x]).collect::<Vec<_>>())).collect();
        prop_assert_eq!(penalty(&rows, &cols, width), reference_penalty(&grid, width));
    }
}
