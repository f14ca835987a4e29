//! The grid of labels on an A4 page.

use super::SheetError;

/// A4 in PDF points (1/72 inch).
pub(super) const PAGE_WIDTH: f32 = 595.276;
/// A4 height in points.
pub(super) const PAGE_HEIGHT: f32 = 841.89;
/// Printers rarely print closer than 5 mm to the edge; 8 mm leaves room.
const PAGE_MARGIN: f32 = 8.0 * MM;
/// One millimetre in points.
pub(super) const MM: f32 = 72.0 / 25.4;

/// Columns × rows of labels per page, written `3x8` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    columns: u8,
    rows: u8,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            columns: 3,
            rows: 8,
        }
    }
}

/// A label's rectangle on the page, in points from the bottom-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cell {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Layout {
    /// Parses `CxR` (columns × rows), such as `3x8` or `2x5`: 1 to 6 columns
    /// and 1 to 12 rows; whether the labels are large enough is checked when
    /// the sheet is drawn.
    pub fn parse(text: &str) -> Result<Self, SheetError> {
        let invalid = || SheetError::LayoutInvalid {
            layout: text.to_owned(),
        };
        let (columns, rows) = text
            .trim()
            .split_once(['x', 'X', '×'])
            .ok_or_else(invalid)?;
        let number = |s: &str, max: u8| match s.trim().parse::<u8>() {
            Ok(n) if (1..=max).contains(&n) && s.trim().bytes().all(|b| b.is_ascii_digit()) => {
                Ok(n)
            }
            _ => Err(invalid()),
        };
        Ok(Self {
            columns: number(columns, 6)?,
            rows: number(rows, 12)?,
        })
    }

    /// Labels on one page.
    pub fn per_page(self) -> usize {
        usize::from(self.columns) * usize::from(self.rows)
    }

    /// The rectangle of the `index`-th label of a page, left to right, then
    /// top to bottom.
    pub(super) fn cell(self, index: usize) -> Cell {
        let width = (PAGE_WIDTH - 2.0 * PAGE_MARGIN) / f32::from(self.columns);
        let height = (PAGE_HEIGHT - 2.0 * PAGE_MARGIN) / f32::from(self.rows);
        let column = (index % usize::from(self.columns)) as f32;
        let row = (index / usize::from(self.columns)) as f32;
        Cell {
            x: PAGE_MARGIN + column * width,
            y: PAGE_HEIGHT - PAGE_MARGIN - (row + 1.0) * height,
            width,
            height,
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.columns, self.rows)
    }
}

#[cfg(test)]
impl Layout {
    /// A label's rectangle, for tests that look at rasterized pages.
    pub(crate) fn cell_for_tests(self, index: usize) -> Cell {
        self.cell(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_columns_by_rows() {
        assert_eq!(Layout::parse("3x8").unwrap(), Layout::default());
        assert_eq!(Layout::parse(" 2X5 ").unwrap().per_page(), 10);
    }

    #[test]
    fn malformed_or_out_of_range_layout_is_refused() {
        for bad in [
            "", "3", "3x", "x8", "0x8", "3x0", "7x8", "3x13", "a x b", "3x8x2", "-3x8",
        ] {
            assert_eq!(
                Layout::parse(bad).unwrap_err().code(),
                "layout-invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn cells_tile_the_page_inside_the_margins() {
        let layout = Layout::default();
        let first = layout.cell(0);
        let last = layout.cell(layout.per_page() - 1);
        assert!((first.x - PAGE_MARGIN).abs() < 1e-3);
        assert!((first.y + first.height - (PAGE_HEIGHT - PAGE_MARGIN)).abs() < 1e-3);
        assert!((last.x + last.width - (PAGE_WIDTH - PAGE_MARGIN)).abs() < 1e-3);
        assert!((last.y - PAGE_MARGIN).abs() < 1e-3);
    }
}
