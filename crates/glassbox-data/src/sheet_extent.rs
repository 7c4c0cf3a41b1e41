//! The size rule for a sheet's used range, checked before anything allocates it densely.
//!
//! calamine stores a sheet as a dense range, from its first to its last non-empty cell, so one
//! stray cell far from the table would ask for billions of cells and abort the process. Every
//! spreadsheet format whose grid is larger than `.xls`'s 65536 x 256 is checked against
//! [`Extent::check`] first: `.xlsx`/`.xlsm`/`.xlsb` through calamine's cells readers
//! ([`checked_range`]), `.ods` by a pre-scan of its `content.xml` (`ods_scan`).

use calamine::{Cell as CalamineCell, Data, DataRef, Range};

/// Most cells the used range of a sheet may span (rows x columns, empty ones included):
/// calamine stores the range densely, so one stray cell at XFD1048576 would ask for 17 billion
/// cells and abort the process.
pub const MAX_SHEET_CELLS: u64 = 1 << 27;

/// A used range of more cells than this must be mostly filled: at least one value per
/// [`MAX_CELLS_PER_VALUE`] cells. Below it any range is fine (a million empty cells take 32 MB).
pub const SPARSE_RANGE_CELLS: u64 = 1 << 20;

/// In a used range above [`SPARSE_RANGE_CELLS`] cells, the most cells per value. The dense range
/// and the table built from it take about 64 bytes per cell, so without this a 2 KB file with a
/// stray cell at AXX100000 (132 million cells, under [`MAX_SHEET_CELLS`]) would make glassbox
/// allocate 8 GB for two values; with it, memory stays proportional to the sheet's content.
pub const MAX_CELLS_PER_VALUE: u64 = 8;

/// In a used range above [`SPARSE_RANGE_CELLS`] cells, the most cells per cell *written* in the
/// file. Only `.ods` writes a cell once for many (`table:number-rows-repeated`,
/// `table:number-columns-repeated`): a 1 MB file of rows of 16384 repeated values would
/// otherwise expand to 130 million cells (8 GB). A repeated cell counts as one written cell, so a
/// range over 2^20 cells may repeat its written cells at most 64 times on average.
pub const MAX_CELLS_PER_WRITTEN_CELL: u64 = 64;

/// A rectangle of a sheet, 0-based rows and columns, both ends included. Its bottom-right cell
/// holds a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    /// First row.
    pub top: u64,
    /// First column.
    pub left: u64,
    /// Last row.
    pub bottom: u64,
    /// Last column.
    pub right: u64,
}

impl Block {
    /// The block of one cell at 0-based `(row, column)`.
    pub fn cell((row, col): (u32, u32)) -> Block {
        let (row, col) = (u64::from(row), u64::from(col));
        Block {
            top: row,
            left: col,
            bottom: row,
            right: col,
        }
    }
}

/// Where a sheet's values are, as far as the size rule is concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Extent {
    /// The rectangles holding values, each with a value in its bottom-right cell.
    pub blocks: Vec<Block>,
    /// Cells holding a value (a repeated cell counts every repeat).
    pub values: u64,
    /// Value cells as the file writes them (a repeated cell counts once).
    pub written: u64,
}

impl Extent {
    /// Checks the used range the blocks span (from the first row and column holding a value to
    /// the last) against [`MAX_SHEET_CELLS`], [`MAX_CELLS_PER_VALUE`] and
    /// [`MAX_CELLS_PER_WRITTEN_CELL`]; the error (one line) gives the range's size and names the
    /// value cell that stretches it most.
    pub fn check(&self) -> Result<(), String> {
        check_blocks(self.blocks.iter().copied(), self.values, self.written)
    }
}

/// [`Extent::check`] on `blocks` (cloned once to find the far cell if the check fails).
fn check_blocks(
    blocks: impl Iterator<Item = Block> + Clone,
    values: u64,
    written: u64,
) -> Result<(), String> {
    let Some((r0, c0, r1, c1)) = blocks.clone().fold(None, |acc, b| {
        let (r0, c0, r1, c1) = acc.unwrap_or((b.top, b.left, b.bottom, b.right));
        Some((
            r0.min(b.top),
            c0.min(b.left),
            r1.max(b.bottom),
            c1.max(b.right),
        ))
    }) else {
        return Ok(());
    };
    let rows = (r1 - r0).saturating_add(1);
    let cols = (c1 - c0).saturating_add(1);
    let total = rows.saturating_mul(cols);
    let sparse = total > SPARSE_RANGE_CELLS;
    let limit = if total > MAX_SHEET_CELLS {
        format!("at most {MAX_SHEET_CELLS}")
    } else if sparse && total > MAX_CELLS_PER_VALUE.saturating_mul(values) {
        format!(
            "holding only {values} values; a range over {SPARSE_RANGE_CELLS} cells needs a value \
             in at least one cell of {MAX_CELLS_PER_VALUE}"
        )
    } else if sparse && total > MAX_CELLS_PER_WRITTEN_CELL.saturating_mul(written) {
        return Err(format!(
            "the used range spans {rows} rows x {cols} columns ({total} cells) but the file \
             writes only {written} of them (the others repeat those); a range over \
             {SPARSE_RANGE_CELLS} cells may repeat a written cell at most \
             {MAX_CELLS_PER_WRITTEN_CELL} times on average"
        ));
    } else {
        return Ok(());
    };
    let stretch = |b: &Block| {
        let h = (b.bottom - r0).saturating_add(1);
        h.saturating_mul((b.right - c0).saturating_add(1))
    };
    let far = blocks
        .max_by_key(stretch)
        .map_or((r1, c1), |b| (b.bottom, b.right));
    Err(format!(
        "the used range spans {rows} rows x {cols} columns ({total} cells; {limit}), \
         stretched by cell {}: delete stray cells far from the table",
        cell_name(far)
    ))
}

/// A sheet's used range as calamine's `worksheet_range` builds it (the non-empty cells, dense
/// from the first to the last), read from one of calamine's cells readers (`next_cell` is its
/// `next_cell`: `.xlsx` and `.xlsb` have one), with its [`Extent`] checked before the dense
/// range is allocated.
pub(crate) fn checked_range<'a, E: std::fmt::Display>(
    mut next_cell: impl FnMut() -> Result<Option<CalamineCell<DataRef<'a>>>, E>,
) -> Result<Range<Data>, String> {
    let mut cells = Vec::new();
    while let Some(cell) = next_cell().map_err(|e| e.to_string())? {
        if !matches!(cell.get_value(), DataRef::Empty) {
            cells.push(CalamineCell::new(
                cell.get_position(),
                Data::from(cell.get_value().clone()),
            ));
        }
    }
    let n = cells.len() as u64;
    check_blocks(cells.iter().map(|c| Block::cell(c.get_position())), n, n)?;
    Ok(Range::from_sparse(cells))
}

/// A cell's A1-style name from its 0-based (row, column).
pub(crate) fn cell_name((row, col): (u64, u64)) -> String {
    let mut letters = Vec::new();
    let mut c = u128::from(col) + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!(
        "{}{}",
        String::from_utf8_lossy(&letters),
        u128::from(row) + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(blocks: &[(u64, u64, u64, u64)], values: u64, written: u64) -> Extent {
        Extent {
            blocks: blocks
                .iter()
                .map(|&(top, left, bottom, right)| Block {
                    top,
                    left,
                    bottom,
                    right,
                })
                .collect(),
            values,
            written,
        }
    }

    #[test]
    fn cell_names() {
        assert_eq!(cell_name((0, 0)), "A1");
        assert_eq!(cell_name((1_048_575, 16_383)), "XFD1048576");
        assert_eq!(cell_name((99_999, 1_323)), "AXX100000");
        assert_eq!(cell_name((u64::MAX, 0)), "A18446744073709551616");
    }

    #[test]
    fn the_rule() {
        // Small ranges are fine however empty.
        assert_eq!(
            extent(&[(0, 0, 0, 0), (999, 999, 999, 999)], 2, 2).check(),
            Ok(())
        );
        // Over 2^20 cells (1024 x 1025 = 1049600): one value per 8 cells, one written cell per
        // 64 cells.
        let dense = extent(&[(0, 0, 1023, 1024)], 131_200, 131_200);
        assert_eq!(dense.check(), Ok(()));
        let m = extent(&[(0, 0, 1023, 1024)], 131_199, 131_200).check();
        assert!(m.unwrap_err().contains("holding only 131199 values"));
        let m = extent(&[(0, 0, 1023, 1024)], 1 << 20, 1 << 14).check();
        assert!(m.unwrap_err().contains("writes only 16384 of them"));
        // Over 2^27 cells, even full; the far cell is named.
        let m = extent(&[(5, 5, 5, 5), (0, 0, u64::MAX, 3)], u64::MAX, u64::MAX).check();
        let m = m.unwrap_err();
        assert!(m.contains("18446744073709551615 rows x 6 columns"), "{m}");
        assert!(m.contains("stretched by cell D18446744073709551616"), "{m}");
    }
}
