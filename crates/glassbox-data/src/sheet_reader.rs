//! Spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) through calamine, into a
//! [`RawTable`].

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{
    Cell as CalamineCell, Data, DataRef, Ods, Range, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook,
};

use crate::cell::{Cell, format_number};
use crate::error::DataError;
use crate::raw_table::{Collected, Header, RawTable, ReadOptions, Source, check_exists};

/// Reads one sheet of a workbook; `extension` is the lower-case file extension.
///
/// The sheet's used range is the table: its first row is the header, every later row a data
/// row; rows that are entirely empty at the end of the range are ignored.
pub(crate) fn read_sheet(
    path: &Path,
    extension: &str,
    opts: &ReadOptions,
) -> Result<RawTable, DataError> {
    check_exists(path)?;
    let workbook_error = |message: String| DataError::Workbook {
        path: path.to_path_buf(),
        format: format!(".{extension}"),
        message,
    };
    let mut workbook: Sheets<BufReader<File>> = guarded(&workbook_error, || {
        Ok(match extension {
            "xls" => Sheets::Xls(open_workbook::<Xls<_>, _>(path).map_err(|e| e.to_string())?),
            "xlsb" => Sheets::Xlsb(open_workbook::<Xlsb<_>, _>(path).map_err(|e| e.to_string())?),
            "ods" => Sheets::Ods(open_workbook::<Ods<_>, _>(path).map_err(|e| e.to_string())?),
            _ => Sheets::Xlsx(open_workbook::<Xlsx<_>, _>(path).map_err(|e| e.to_string())?),
        })
    })?;
    let sheets = workbook.sheet_names();
    let sheet = match &opts.sheet {
        Some(wanted) => {
            if !sheets.iter().any(|s| s == wanted) {
                return Err(DataError::UnknownSheet {
                    path: path.to_path_buf(),
                    sheet: wanted.clone(),
                    available: sheets,
                });
            }
            wanted.clone()
        }
        None => match sheets.first() {
            Some(s) => s.clone(),
            None => {
                return Err(DataError::Empty {
                    path: path.to_path_buf(),
                    what: "the workbook has no sheets".into(),
                });
            }
        },
    };
    let sheet_error = |message: String| workbook_error(format!("sheet '{sheet}': {message}"));
    let range = guarded(&sheet_error, || match &mut workbook {
        Sheets::Xlsx(xlsx) => xlsx_range(xlsx, &sheet),
        other => other.worksheet_range(&sheet).map_err(|e| e.to_string()),
    })?;

    let Some((start_row, start_col)) = range.start() else {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: format!("sheet '{sheet}' is empty"),
        });
    };
    let mut rows = range.rows();
    let header_row = rows.next().expect("a non-empty range has a first row");
    let raw_names: Vec<String> = header_row.iter().map(header_text).collect();
    let header = Header::new(path, &raw_names, opts.index_col.as_ref())?;
    let width = header.names.len();

    let data_rows: Vec<&[Data]> = rows.collect();
    let used = data_rows
        .iter()
        .rposition(|r| r.iter().any(|c| !matches!(c, Data::Empty)))
        .map_or(0, |last| last + 1);
    let mut columns: Vec<Vec<Cell>> = (0..width).map(|_| Vec::with_capacity(used)).collect();
    for row in &data_rows[..used] {
        for (j, value) in row.iter().enumerate() {
            let cell = if Some(j) == header.index {
                index_cell(value)
            } else {
                to_cell(value)
            };
            columns[j].push(cell);
        }
    }
    // The header row is sheet row start_row + 1 (1-based); data row i is two further down.
    let lines = (0..used as u64)
        .map(|i| u64::from(start_row) + 2 + i)
        .collect();
    Collected {
        path: path.to_path_buf(),
        source: Source::Sheet(sheet.clone()),
        header,
        first_column: start_col as usize,
        columns,
        lines,
    }
    .finish(&format!("sheet '{sheet}'"))
}

/// Runs calamine (`read`), turning its error message, or a panic inside it, into a
/// [`DataError::Workbook`]. calamine panics on some malformed files: a cell reference such as
/// `A99999999999` overflows its `u32` row in `get_row_and_optional_column` ("attempt to
/// multiply with overflow" in builds with overflow checks; release builds wrap silently).
/// That is the file's fault and is reported as a malformed workbook, not as a crash.
fn guarded<T>(
    workbook_error: &dyn Fn(String) -> DataError,
    read: impl FnOnce() -> Result<T, String>,
) -> Result<T, DataError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(r) => r.map_err(workbook_error),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown error".into());
            Err(workbook_error(format!(
                "malformed workbook: the spreadsheet reader (calamine) failed with \"{what}\""
            )))
        }
    }
}

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

/// An .xlsx sheet's used range, as calamine's `worksheet_range` builds it (non-empty cells,
/// dense from the first to the last), but with its size checked before the dense range is
/// allocated; the error names the cell farthest from the first one.
fn xlsx_range(xlsx: &mut Xlsx<BufReader<File>>, sheet: &str) -> Result<Range<Data>, String> {
    let mut reader = xlsx
        .worksheet_cells_reader(sheet)
        .map_err(|e| e.to_string())?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? {
        if !matches!(cell.get_value(), DataRef::Empty) {
            cells.push(CalamineCell::new(
                cell.get_position(),
                Data::from(cell.get_value().clone()),
            ));
        }
    }
    let bound = |f: fn(&(u32, u32)) -> u32| {
        let v = cells.iter().map(|c| f(&c.get_position()));
        (v.clone().min().unwrap_or(0), v.max().unwrap_or(0))
    };
    let ((r0, r1), (c0, c1)) = (bound(|p| p.0), bound(|p| p.1));
    let (rows, cols) = (u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1);
    let (total, values) = (rows * cols, cells.len() as u64);
    let too_big = total > MAX_SHEET_CELLS;
    let too_sparse = total > SPARSE_RANGE_CELLS && total > MAX_CELLS_PER_VALUE * values;
    if !cells.is_empty() && (too_big || too_sparse) {
        let far = cells
            .iter()
            .map(CalamineCell::get_position)
            .max_by_key(|&(r, c)| u64::from(r - r0 + 1) * u64::from(c - c0 + 1))
            .unwrap_or((r1, c1));
        let limit = if too_big {
            format!("at most {MAX_SHEET_CELLS}")
        } else {
            format!(
                "holding only {values} values; a range over {SPARSE_RANGE_CELLS} cells needs a \
                 value in at least one cell of {MAX_CELLS_PER_VALUE}"
            )
        };
        return Err(format!(
            "the used range spans {rows} rows x {cols} columns ({total} cells; {limit}), \
             stretched by cell {}: delete stray cells far from the table",
            cell_name(far)
        ));
    }
    Ok(Range::from_sparse(cells))
}

/// A cell's A1-style name from its 0-based (row, column).
fn cell_name((row, col): (u32, u32)) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// A header cell as a column name.
fn header_text(value: &Data) -> String {
    match value {
        Data::String(s) => s.clone(),
        Data::Float(x) => format_number(*x),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// A data cell. Text that reads as a number counts as that number, like a CSV field.
fn to_cell(value: &Data) -> Cell {
    match value {
        Data::Float(x) => Cell::Number(*x),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::String(s) => Cell::parse(s, false),
        Data::Empty => Cell::Empty,
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => Cell::DateTime(format!("Excel serial {d}")),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::DateTime(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// An index cell: text kept verbatim, numbers as labels.
fn index_cell(value: &Data) -> Cell {
    match value {
        Data::String(s) if !s.trim().is_empty() => Cell::Text(s.trim().to_string()),
        other => to_cell(other),
    }
}
