//! [`RawTable`]: every column of a file as read, before the target and features are chosen;
//! [`read_table`] picks the reader from the file extension.

use std::path::{Path, PathBuf};

use crate::cell::Cell;
use crate::error::DataError;
use crate::{csv_reader, parquet_reader, sheet_reader};

/// Which column labels the rows (and is therefore never a feature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndexCol {
    /// 0-based position among the table's columns (the first column of the header is 0), as
    /// pandas' `index_col=0`.
    Position(usize),
    /// Header name.
    Name(String),
}

/// How to read a table file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Spreadsheet sheet to read; `None` reads the first sheet. Ignored for CSV files.
    pub sheet: Option<String>,
    /// Index column, if the file has one; `None` labels rows by their 0-based data row number.
    pub index_col: Option<IndexCol>,
    /// Columns to decode (with the index column), by header name; `None` reads them all.
    /// Parquet files decode only these (a columnar file skips the others without reading them);
    /// a name the file lacks is reported when the table is used, with every column of the file.
    /// The other formats read every column and ignore this.
    pub columns: Option<Vec<String>>,
}

/// Where the table came from, for locating cells in error messages.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Source {
    /// A delimited text file; row locations are 1-based file lines.
    Text,
    /// A spreadsheet sheet; row locations are 1-based sheet rows.
    Sheet(String),
    /// A Parquet file; rows are located by their data row number.
    Parquet,
}

/// All columns of a table file as read, before target and feature selection.
///
/// The index column, if one was chosen, is not among [`RawTable::column_names`]: its values are
/// the [`RawTable::row_ids`].
#[derive(Clone, Debug, PartialEq)]
pub struct RawTable {
    pub(crate) path: PathBuf,
    pub(crate) source: Source,
    /// Column names, in file order (index column excluded).
    pub(crate) names: Vec<String>,
    /// 0-based absolute column of each column in the file or sheet (for cell references).
    pub(crate) file_columns: Vec<usize>,
    /// Cells, one `Vec` per column, each with one cell per data row.
    pub(crate) columns: Vec<Vec<Cell>>,
    /// One label per data row.
    pub(crate) row_ids: Vec<String>,
    /// 1-based file line (text) or sheet row (spreadsheet) of each data row.
    pub(crate) lines: Vec<u64>,
    /// Name of the index column, if one was chosen.
    pub(crate) index_name: Option<String>,
    /// Columns of the file that were not decoded ([`ReadOptions::columns`]), listed with the
    /// decoded ones when a column is not found.
    pub(crate) skipped: Vec<String>,
    /// 0-based data row (in the whole file) of this table's first row: 0, except for the
    /// chunks of [`crate::read_table_chunks`].
    pub(crate) first_row: usize,
}

/// Reads a table file, choosing the reader from the extension (case-insensitive):
/// `.csv`, `.tsv`, `.txt` as delimited text (delimiter sniffed among comma, semicolon and tab;
/// `.tsv` is always tab-separated), `.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods` as spreadsheets,
/// `.parquet` (`.pq`) as Parquet.
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<RawTable, DataError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "csv" | "txt" => csv_reader::read_delimited(path, None, opts),
        "tsv" | "tab" => csv_reader::read_delimited(path, Some(b'\t'), opts),
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => {
            sheet_reader::read_sheet(path, &extension, opts)
        }
        "parquet" | "pq" => {
            check_exists(path)?;
            parquet_reader::read_parquet(path, opts)
        }
        _ => {
            // Say "no such file" rather than "unsupported type" when both are true.
            check_exists(path)?;
            Err(DataError::UnsupportedFormat {
                path: path.to_path_buf(),
                extension: if extension.is_empty() {
                    "(none)".to_string()
                } else {
                    format!(".{extension}")
                },
            })
        }
    }
}

/// Maps a missing file to [`DataError::NotFound`] and other metadata failures to
/// [`DataError::Io`]. Directories are reported as unreadable files.
pub(crate) fn check_exists(path: &Path) -> Result<(), DataError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(DataError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("it is a directory, not a file"),
        }),
        Ok(_) => Ok(()),
        Err(e) => Err(io_error(path, e)),
    }
}

/// [`DataError::NotFound`] for a missing file, else [`DataError::Io`].
pub(crate) fn io_error(path: &Path, e: std::io::Error) -> DataError {
    if e.kind() == std::io::ErrorKind::NotFound {
        DataError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        DataError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// The header after cleaning: names trimmed, blank names replaced, uniqueness checked, index
/// column resolved.
#[derive(Clone)]
pub(crate) struct Header {
    /// One name per header field.
    pub names: Vec<String>,
    /// 0-based position of the index column.
    pub index: Option<usize>,
}

impl Header {
    /// Cleans raw header fields: trims them, names blank ones `Unnamed: <position>` (pandas'
    /// convention, so an unnamed index column in column A is `Unnamed: 0`), rejects duplicate
    /// names and resolves the index column.
    pub fn new(
        path: &Path,
        raw: &[String],
        index_col: Option<&IndexCol>,
    ) -> Result<Self, DataError> {
        let names: Vec<String> = raw
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let n = n.trim();
                if n.is_empty() {
                    format!("Unnamed: {i}")
                } else {
                    n.to_string()
                }
            })
            .collect();
        let mut seen = std::collections::HashMap::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            if let Some(&first) = seen.get(n.as_str()) {
                return Err(DataError::DuplicateColumn {
                    path: path.to_path_buf(),
                    name: n.clone(),
                    first,
                    second: i,
                });
            }
            seen.insert(n.as_str(), i);
        }
        let index = match index_col {
            None => None,
            Some(IndexCol::Position(p)) => {
                if *p >= names.len() {
                    return Err(DataError::IndexOutOfRange {
                        path: path.to_path_buf(),
                        position: *p,
                        n_columns: names.len(),
                    });
                }
                Some(*p)
            }
            Some(IndexCol::Name(wanted)) => match names.iter().position(|n| n == wanted) {
                Some(p) => Some(p),
                None => {
                    return Err(DataError::ColumnNotFound {
                        path: path.to_path_buf(),
                        role: "index column",
                        name: wanted.clone(),
                        suggestion: crate::suggest::closest_name(wanted, &names),
                        available: names,
                    });
                }
            },
        };
        Ok(Header { names, index })
    }
}

/// What a reader collected, turned into a [`RawTable`] by [`Collected::finish`].
pub(crate) struct Collected {
    pub path: PathBuf,
    pub source: Source,
    pub header: Header,
    /// 0-based absolute file/sheet column of header field 0.
    pub first_column: usize,
    /// Cells per header field (the index column's included), one per data row.
    pub columns: Vec<Vec<Cell>>,
    /// Names of the file's columns that were not decoded (Parquet projection).
    pub skipped: Vec<String>,
    /// 1-based file line or sheet row per data row.
    pub lines: Vec<u64>,
    /// 0-based data row of the file of the first row collected (0 unless reading in chunks).
    pub first_row: usize,
}

impl Collected {
    /// Splits off the index column, drops columns that are entirely blank (no header name and
    /// no values: trailing separators, formatted-but-empty spreadsheet columns) and checks that
    /// there is at least one data row.
    pub fn finish(self, what: &str) -> Result<RawTable, DataError> {
        let mut dropped = None;
        self.finish_chunk(what, &mut dropped)
    }

    /// [`Collected::finish`] for one chunk of a file read in chunks: the blank columns are
    /// found in the first chunk (`dropped` is `None`, and is set here) and the same columns
    /// are dropped from every later chunk, so that all chunks have the same columns.
    pub fn finish_chunk(
        self,
        what: &str,
        dropped: &mut Option<Vec<usize>>,
    ) -> Result<RawTable, DataError> {
        let n_rows = self.lines.len();
        if n_rows == 0 {
            return Err(DataError::Empty {
                path: self.path,
                what: format!("{what} has a header row but no data rows"),
            });
        }
        let first_row = self.first_row;
        let mut row_ids: Vec<String> = (first_row..first_row + n_rows)
            .map(|i| i.to_string())
            .collect();
        let mut index_name = None;
        let mut names = Vec::new();
        let mut file_columns = Vec::new();
        let mut columns = Vec::new();
        let decided = dropped.is_some();
        let drop_list = dropped.get_or_insert_with(Vec::new);
        for (j, (name, cells)) in self.header.names.into_iter().zip(self.columns).enumerate() {
            if Some(j) == self.header.index {
                row_ids = cells.iter().map(Cell::to_label).collect();
                index_name = Some(name);
                continue;
            }
            let blank = if decided {
                drop_list.contains(&j)
            } else {
                name == format!("Unnamed: {j}") && cells.iter().all(|c| *c == Cell::Empty)
            };
            if blank {
                if !decided {
                    drop_list.push(j);
                }
                continue;
            }
            names.push(name);
            file_columns.push(self.first_column + j);
            columns.push(cells);
        }
        Ok(RawTable {
            path: self.path,
            source: self.source,
            names,
            file_columns,
            columns,
            row_ids,
            lines: self.lines,
            index_name,
            skipped: self.skipped,
            first_row,
        })
    }
}

impl RawTable {
    /// Every column name of the file (the index column excluded): the decoded ones, then those
    /// [`ReadOptions::columns`] left out. For messages about a column that is not there.
    pub(crate) fn available(&self) -> Vec<String> {
        let mut all = self.names.clone();
        all.extend(self.skipped.iter().cloned());
        all
    }

    /// The file the table was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Column names in file order, the index column excluded.
    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    /// Number of data rows (the header excluded).
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// 0-based data row of the file that is this table's first row: 0 for a whole table, the
    /// rows of the earlier chunks for a chunk of [`crate::read_table_chunks`].
    pub fn first_row(&self) -> usize {
        self.first_row
    }

    /// One label per data row: the index column's values as text if an index column was
    /// chosen, else the 0-based data row number.
    pub fn row_ids(&self) -> &[String] {
        &self.row_ids
    }

    /// Name of the index column, if one was chosen.
    pub fn index_name(&self) -> Option<&str> {
        self.index_name.as_deref()
    }

    /// The sheet that was read, for spreadsheets.
    pub fn sheet(&self) -> Option<&str> {
        match &self.source {
            Source::Text | Source::Parquet => None,
            Source::Sheet(name) => Some(name),
        }
    }

    /// The cells of a column by name, one per data row.
    pub fn column(&self, name: &str) -> Option<&[Cell]> {
        self.position(name).map(|j| self.columns[j].as_slice())
    }

    /// 0-based position of a column among [`RawTable::column_names`].
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Where a cell is, for messages: `data row 12 (line 13)` for text files,
    /// `data row 12 (cell Sheet1!H13)` for spreadsheets, `data row 12` for Parquet files. `row` is the 0-based data row,
    /// `column` the 0-based position among [`RawTable::column_names`].
    pub fn locate(&self, row: usize, column: usize) -> String {
        let line = self.lines[row];
        match &self.source {
            Source::Text => format!("data row {} (line {line})", self.first_row + row + 1),
            Source::Parquet => format!("data row {}", self.first_row + row + 1),
            Source::Sheet(sheet) => format!(
                "data row {} (cell {}!{}{line})",
                self.first_row + row + 1,
                sheet_ref(sheet),
                column_letters(self.file_columns[column])
            ),
        }
    }
}

/// A sheet name as a cell reference writes it: quoted when it is not a plain word.
fn sheet_ref(sheet: &str) -> String {
    if sheet.chars().all(|c| c.is_alphanumeric() || c == '_') {
        sheet.to_string()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

/// Spreadsheet column letters for a 0-based column: 0 -> A, 25 -> Z, 26 -> AA.
pub(crate) fn column_letters(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn sheet_refs() {
        assert_eq!(sheet_ref("Sheet1"), "Sheet1");
        assert_eq!(sheet_ref("My data"), "'My data'");
        assert_eq!(sheet_ref("O'Brien"), "'O''Brien'");
    }
}
