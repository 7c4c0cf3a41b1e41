//! Spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) through calamine, into a
//! [`RawTable`].

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, Ods, Range, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook};

use crate::cell::{Cell, format_number};
use crate::error::DataError;
use crate::ods_scan::check_ods;
use crate::raw_table::{Collected, Header, RawTable, ReadOptions, Source, check_exists};
use crate::sheet_extent::checked_range;

/// Reads one sheet of a workbook; `extension` is the lower-case file extension.
///
/// The sheet's used range is the table: its first row is the header, every later row a data
/// row; rows that are entirely empty at the end of the range are ignored. A used range that
/// breaks the size rule (`sheet_extent`) is refused before it is allocated.
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
            "ods" => {
                // calamine reads (and allocates) every sheet of an .ods when it opens it.
                check_ods(path)?;
                Sheets::Ods(open_workbook::<Ods<_>, _>(path).map_err(|e| e.to_string())?)
            }
            _ => Sheets::Xlsx(open_workbook::<Xlsx<_>, _>(path).map_err(|e| e.to_string())?),
        })
    })?;
    let sheet = pick_sheet(path, workbook.sheet_names(), opts)?;
    let sheet_error = |message: String| workbook_error(format!("sheet '{sheet}': {message}"));
    let range = guarded(&sheet_error, || match &mut workbook {
        Sheets::Xlsx(xlsx) => {
            let mut cells = xlsx
                .worksheet_cells_reader(&sheet)
                .map_err(|e| e.to_string())?;
            checked_range(|| cells.next_cell())
        }
        Sheets::Xlsb(xlsb) => {
            let mut cells = xlsb
                .worksheet_cells_reader(&sheet)
                .map_err(|e| e.to_string())?;
            checked_range(|| cells.next_cell())
        }
        // .xls: at most 65536 x 256 cells; .ods: checked by `check_ods`.
        other => other.worksheet_range(&sheet).map_err(|e| e.to_string()),
    })?;
    table_from_range(path, &sheet, &range, opts)
}

/// The sheet `opts` names (it must exist), or else the first one.
fn pick_sheet(path: &Path, sheets: Vec<String>, opts: &ReadOptions) -> Result<String, DataError> {
    match &opts.sheet {
        Some(wanted) if sheets.iter().any(|s| s == wanted) => Ok(wanted.clone()),
        Some(wanted) => Err(DataError::UnknownSheet {
            path: path.to_path_buf(),
            sheet: wanted.clone(),
            available: sheets,
        }),
        None => sheets.into_iter().next().ok_or_else(|| DataError::Empty {
            path: path.to_path_buf(),
            what: "the workbook has no sheets".into(),
        }),
    }
}

/// The table in `sheet`'s used range: the header row, then the data rows up to the last one
/// holding a value.
fn table_from_range(
    path: &Path,
    sheet: &str,
    range: &Range<Data>,
    opts: &ReadOptions,
) -> Result<RawTable, DataError> {
    let Some((start_row, start_col)) = range.start() else {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: format!("sheet '{sheet}' is empty"),
        });
    };
    let mut rows = range.rows();
    let Some(header_row) = rows.next() else {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: format!("sheet '{sheet}' is empty"),
        });
    };
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
        source: Source::Sheet(sheet.to_string()),
        header,
        first_column: start_col as usize,
        columns,
        lines,
        skipped: Vec::new(),
        first_row: 0,
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
