//! The four penalty rules of ISO/IEC 18004 §7.8.3 on lines stored as bit sets
//! (bit `x` of a row is the module in column `x`; 1 is dark).

/// One `u64` per row (or column) of a symbol at most 56 modules wide.
pub(super) type Lines = Vec<u64>;

/// Total penalty of a symbol given as rows and as columns.
pub(super) fn penalty(rows: &[u64], cols: &[u64], width: usize) -> u32 {
    let lines = |lines: &[u64]| {
        lines
            .iter()
            .map(|&l| runs(l, width) + finder_like(l, width))
            .sum::<u32>()
    };
    lines(rows) + lines(cols) + blocks(rows, width) + balance(rows, width)
}

/// Rule 1: each run of five or more modules of one colour costs its length − 2.
pub(super) fn runs(line: u64, width: usize) -> u32 {
    // Bit i set where module i differs from module i + 1: a run ends at i.
    let mut ends = (line ^ (line >> 1)) & ((1u64 << (width - 1)) - 1);
    ends |= 1 << (width - 1);
    let mut score = 0;
    let mut start = 0u32;
    while ends != 0 {
        let end = ends.trailing_zeros();
        let len = end + 1 - start;
        if len >= 5 {
            score += len - 2;
        }
        start = end + 1;
        ends &= ends - 1;
    }
    score
}

/// Rule 3: 40 for each 1:1:3:1:1 dark pattern with four light modules on
/// one side. Outside the symbol counts as light, as the quiet zone is.
pub(super) fn finder_like(line: u64, width: usize) -> u32 {
    // Module x of the line is bit x + 4 of `p`; bit s of each mask below says
    // whether the window of 11 modules starting at s matches.
    let p = line << 4;
    let n = !p;
    let finder = p & (n >> 1) & (p >> 2) & (p >> 3) & (p >> 4) & (n >> 5) & (p >> 6);
    let finder_then_light = finder & (n >> 7) & (n >> 8) & (n >> 9) & (n >> 10);
    let light_then_finder = n & (n >> 1) & (n >> 2) & (n >> 3) & (finder >> 4);
    let valid = (1u64 << (width + 8 - 10)) - 1;
    40 * ((finder_then_light & valid).count_ones() + (light_then_finder & valid).count_ones())
}

/// Rule 2: 3 for each 2×2 block of one colour.
pub(super) fn blocks(rows: &[u64], width: usize) -> u32 {
    let inner = (1u64 << (width - 1)) - 1;
    rows.windows(2)
        .map(|pair| {
            let (a, b) = (pair[0], pair[1]);
            let dark = a & b & (a >> 1) & (b >> 1);
            let light = !a & !b & !(a >> 1) & !(b >> 1);
            3 * ((dark | light) & inner).count_ones()
        })
        .sum()
}

/// Rule 4: 10 for each full 5 % the dark share strays from 50 %.
pub(super) fn balance(rows: &[u64], width: usize) -> u32 {
    let dark: u32 = rows.iter().map(|r| r.count_ones()).sum();
    let percent = dark * 100 / (width * width) as u32;
    10 * (percent.abs_diff(50) / 5)
}
