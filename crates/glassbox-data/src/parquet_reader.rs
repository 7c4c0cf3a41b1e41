//! Parquet tables, read with the arrow-rs `parquet` crate into [`Cell`]s, so that every rule of
//! the other formats (target and feature choice, missing values, non-numeric columns) applies
//! unchanged.
//!
//! * Only the columns [`ReadOptions::columns`] names (and the index column) are decoded when it
//!   is given: Parquet is columnar, so the others are skipped, not read.
//! * Numbers: every integer and floating-point type becomes an `f64` (integers beyond 2^53 round
//!   to the nearest `f64`, as in a CSV file or pandas). Text (UTF-8, also dictionary-encoded, as
//!   pandas writes categoricals) is read as CSV fields are: text that parses as a number is a
//!   number, `NA`-style markers are missing values. Booleans stay booleans and dates and times
//!   stay dates, which no feature accepts. A null is an empty cell: a missing value.
//! * Other types (lists, structs, binary, decimals) become a cell naming the type, so a feature
//!   column of such a type is refused with that type in the message, while an unused one is
//!   harmless.
//! * A file that is not Parquet, or whose footer is damaged (a truncated download), is refused
//!   with one line naming the file and what the reader found.
//!
//! Codecs: uncompressed, Snappy (pandas' and Spark's default), gzip, LZ4 and Zstandard; Brotli
//! is not built in (an error says so).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::cell::Cell;
use crate::error::DataError;
use crate::raw_table::{Collected, Header, IndexCol, RawTable, ReadOptions, Source, io_error};

/// Rows decoded per record batch.
const BATCH_ROWS: usize = 64 * 1024;

/// Reads the Parquet file `path` whole (see the module documentation).
pub(crate) fn read_parquet(path: &Path, opts: &ReadOptions) -> Result<RawTable, DataError> {
    let mut chunks = ParquetChunks::open(path, opts, usize::MAX)?;
    Ok(chunks
        .next_chunk()?
        .expect("the first chunk is a table or an error"))
}

/// A Parquet file read record batch by record batch, [`ParquetChunks::next_chunk`] returning
/// tables of at most `chunk_rows` data rows of the projected columns.
pub(crate) struct ParquetChunks {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    header: Header,
    skipped: Vec<String>,
    /// Rows in the file (from its footer).
    total_rows: usize,
    chunk_rows: usize,
    /// Rows of a batch read but not yet returned.
    pending: Option<RecordBatch>,
    rows_read: usize,
    dropped: Option<Vec<usize>>,
    done: bool,
}

impl ParquetChunks {
    /// Opens `path`, reads its footer and sets up the projection of [`ReadOptions::columns`].
    pub(crate) fn open(
        path: &Path,
        opts: &ReadOptions,
        chunk_rows: usize,
    ) -> Result<Self, DataError> {
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        let parquet_error = |e: parquet::errors::ParquetError| DataError::Parquet {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet_error)?;
        let total_rows =
            usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let schema = Arc::clone(builder.schema());
        let all: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let wanted = projection(&all, opts);
        let mask = ProjectionMask::roots(builder.parquet_schema(), wanted.iter().copied());
        let chunk_rows = chunk_rows.max(1);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(chunk_rows.min(BATCH_ROWS))
            .build()
            .map_err(parquet_error)?;
        let raw_names: Vec<String> = wanted.iter().map(|&j| all[j].clone()).collect();
        let header = Header::new(path, &raw_names, opts.index_col.as_ref())?;
        let skipped = (0..all.len())
            .filter(|j| !wanted.contains(j))
            .map(|j| all[j].trim().to_string())
            .collect();
        Ok(ParquetChunks {
            path: path.to_path_buf(),
            reader,
            header,
            skipped,
            total_rows,
            chunk_rows,
            pending: None,
            rows_read: 0,
            dropped: None,
            done: false,
        })
    }

    /// Rows in the file, from its footer.
    pub(crate) fn total_rows(&self) -> usize {
        self.total_rows
    }

    /// The next at most `chunk_rows` data rows; `None` after the last. The first call returns
    /// a table or an error (a file without rows is [`DataError::Empty`]).
    pub(crate) fn next_chunk(&mut self) -> Result<Option<RawTable>, DataError> {
        if self.done && self.pending.is_none() {
            return Ok(None);
        }
        let mut columns: Vec<Vec<Cell>> = vec![Vec::new(); self.header.names.len()];
        let mut n = 0;
        while n < self.chunk_rows {
            let batch = match self.pending.take() {
                Some(b) => b,
                None => match self.reader.next() {
                    None => {
                        self.done = true;
                        break;
                    }
                    Some(b) => b.map_err(|e| DataError::Parquet {
                        path: self.path.clone(),
                        message: e.to_string(),
                    })?,
                },
            };
            // Take what fits; keep the rest of the batch for the next chunk.
            let take = batch.num_rows().min(self.chunk_rows - n);
            if take < batch.num_rows() {
                self.pending = Some(batch.slice(take, batch.num_rows() - take));
            }
            let batch = batch.slice(0, take);
            for (cells, array) in columns.iter_mut().zip(batch.columns()) {
                append_cells(array, cells);
            }
            n += take;
        }
        if n == 0 && self.rows_read > 0 {
            return Ok(None);
        }
        let first_row = self.rows_read;
        self.rows_read += n;
        Collected {
            path: self.path.clone(),
            source: Source::Parquet,
            header: self.header.clone(),
            first_column: 0,
            columns,
            lines: (first_row as u64 + 1..=(first_row + n) as u64).collect(),
            skipped: self.skipped.clone(),
            first_row,
        }
        .finish_chunk("the Parquet file", &mut self.dropped)
        .map(Some)
    }
}

/// The root columns to decode, in file order: all of them, or those `opts.columns` names plus
/// the index column. Names the file lacks are left out here: the caller's column lookup reports
/// them, listing every column of the file.
fn projection(all: &[String], opts: &ReadOptions) -> Vec<usize> {
    let Some(names) = &opts.columns else {
        return (0..all.len()).collect();
    };
    (0..all.len())
        .filter(|&j| {
            let name = all[j].trim();
            names.iter().any(|n| n.trim() == name)
                || match &opts.index_col {
                    Some(IndexCol::Position(p)) => *p == j,
                    Some(IndexCol::Name(n)) => n.trim() == name,
                    None => false,
                }
        })
        .collect()
}

/// Appends one cell per row of `array` to `cells`.
fn append_cells(array: &ArrayRef, cells: &mut Vec<Cell>) {
    // One cell per value of a primitive array of type `$t`, each converted by `$to_f64`.
    macro_rules! numbers {
        ($t:ty, $to_f64:expr) => {{
            let a = array.as_primitive::<$t>();
            cells.extend((0..a.len()).map(|i| {
                if a.is_null(i) {
                    Cell::Empty
                } else {
                    Cell::Number($to_f64(a.value(i)))
                }
            }));
        }};
    }
    match array.data_type() {
        DataType::Float64 => numbers!(Float64Type, f64::from),
        DataType::Float32 => numbers!(Float32Type, f64::from),
        DataType::Float16 => numbers!(Float16Type, f64::from),
        DataType::Int8 => numbers!(Int8Type, f64::from),
        DataType::Int16 => numbers!(Int16Type, f64::from),
        DataType::Int32 => numbers!(Int32Type, f64::from),
        DataType::UInt8 => numbers!(UInt8Type, f64::from),
        DataType::UInt16 => numbers!(UInt16Type, f64::from),
        DataType::UInt32 => numbers!(UInt32Type, f64::from),
        // 64-bit integers: the nearest f64 (exact up to 2^53), as a CSV field or pandas gives.
        DataType::Int64 => numbers!(Int64Type, |v: i64| v as f64),
        DataType::UInt64 => numbers!(UInt64Type, |v: u64| v as f64),
        DataType::Boolean => {
            let a = array.as_boolean();
            cells.extend((0..a.len()).map(|i| {
                if a.is_null(i) {
                    Cell::Empty
                } else {
                    Cell::Bool(a.value(i))
                }
            }));
        }
        DataType::Utf8 => text(array.as_string::<i32>().iter(), cells),
        DataType::LargeUtf8 => text(array.as_string::<i64>().iter(), cells),
        DataType::Utf8View => text(array.as_string_view().iter(), cells),
        DataType::Dictionary(_, values) if is_text(values) => {
            let dict = array.as_any_dictionary();
            let keys = dict.normalized_keys();
            let mut decoded = Vec::with_capacity(dict.values().len());
            append_cells(dict.values(), &mut decoded);
            cells.extend((0..array.len()).map(|i| {
                if array.is_null(i) {
                    Cell::Empty
                } else {
                    decoded[keys[i]].clone()
                }
            }));
        }
        t @ (DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(..)
        | DataType::Time32(_)
        | DataType::Time64(_)
        | DataType::Duration(_)
        | DataType::Interval(_)) => {
            let label = t.to_string();
            cells.extend((0..array.len()).map(|i| {
                if array.is_null(i) {
                    Cell::Empty
                } else {
                    Cell::DateTime(label.clone())
                }
            }));
        }
        other => {
            let label = format!("[a value of Parquet/Arrow type {other}]");
            cells.extend((0..array.len()).map(|i| {
                if array.is_null(i) {
                    Cell::Empty
                } else {
                    Cell::Text(label.clone())
                }
            }));
        }
    }
}

/// Whether a dictionary's values are text.
fn is_text(values: &DataType) -> bool {
    matches!(
        values,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// Text cells read as CSV fields are (numbers, missing-value markers, text); nulls are empty.
fn text<'a>(values: impl Iterator<Item = Option<&'a str>>, cells: &mut Vec<Cell>) {
    cells.extend(values.map(|v| v.map_or(Cell::Empty, |s| Cell::parse(s, false))));
}
