//! [`read_table_chunks`]: a table file read as consecutive [`RawTable`]s of at most a given
//! number of rows, so that a table larger than memory can be processed chunk by chunk.

use std::path::Path;

use crate::csv_reader::DelimitedChunks;
use crate::error::DataError;
use crate::parquet_reader::ParquetChunks;
use crate::raw_table::{RawTable, ReadOptions, read_table};

/// The chunks of one table file, in file order ([`read_table_chunks`]). An iterator of
/// [`RawTable`]s; it ends after the first error.
pub struct TableChunks {
    source: Chunks,
    total_rows: Option<usize>,
    failed: bool,
}

enum Chunks {
    Delimited(DelimitedChunks),
    Parquet(ParquetChunks),
    /// A spreadsheet, read whole (calamine reads a sheet at once) and returned as one chunk.
    Whole(Option<RawTable>),
}

/// Reads the table file `path` in chunks of at most `chunk_rows` data rows (at least 1).
///
/// Delimited text is parsed record by record and Parquet decoded record batch by record batch
/// (only the [`ReadOptions::columns`] and the index), so only the current chunk is in memory;
/// a spreadsheet is read whole and returned as one chunk. Every chunk has the same columns, and
/// its rows are numbered as in the whole file: [`RawTable::first_row`] is the number of rows
/// before it, default row ids continue (`"65536"`, ...) and error messages name the file's data
/// row and line. Concatenated, the chunks are exactly [`read_table`]'s table; the header is
/// checked when the file is opened, every chunk's rows when it is read.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("t.csv");
/// # std::fs::write(&path, "x,y\n1,2\n3,4\n5,6\n")?;
/// use glassbox_data::{ReadOptions, read_table_chunks};
///
/// let chunks = read_table_chunks(&path, &ReadOptions::default(), 2)?;
/// let sizes: Vec<usize> = chunks.map(|c| c.map(|t| t.n_rows())).collect::<Result<_, _>>()?;
/// assert_eq!(sizes, [2, 1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_table_chunks(
    path: &Path,
    opts: &ReadOptions,
    chunk_rows: usize,
) -> Result<TableChunks, DataError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (source, total_rows) = match extension.as_str() {
        "csv" | "txt" => (
            Chunks::Delimited(DelimitedChunks::open(path, None, opts, chunk_rows)?),
            None,
        ),
        "tsv" | "tab" => (
            Chunks::Delimited(DelimitedChunks::open(path, Some(b'\t'), opts, chunk_rows)?),
            None,
        ),
        "parquet" | "pq" => {
            crate::raw_table::check_exists(path)?;
            let chunks = ParquetChunks::open(path, opts, chunk_rows)?;
            let total = chunks.total_rows();
            (Chunks::Parquet(chunks), Some(total))
        }
        _ => {
            let table = read_table(path, opts)?;
            let total = table.n_rows();
            (Chunks::Whole(Some(table)), Some(total))
        }
    };
    Ok(TableChunks {
        source,
        total_rows,
        failed: false,
    })
}

impl TableChunks {
    /// The number of data rows in the file when it is known before reading them (Parquet's
    /// footer, a spreadsheet read whole); `None` for delimited text.
    pub fn total_rows(&self) -> Option<usize> {
        self.total_rows
    }
}

impl Iterator for TableChunks {
    type Item = Result<RawTable, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let next = match &mut self.source {
            Chunks::Delimited(c) => c.next_chunk(),
            Chunks::Parquet(c) => c.next_chunk(),
            Chunks::Whole(t) => Ok(t.take()),
        };
        match next {
            Ok(chunk) => chunk.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
