//! glassbox-data: from table files to model-ready [`glassbox_core::Table`]s, seeded splits, and
//! the synthetic benchmark data.
//!
//! # Pipeline
//! 1. [`read_table`] reads every column of a file into a [`RawTable`] of [`Cell`]s (numbers,
//!    text, empty, ...), without deciding yet what is a feature.
//! 2. [`RawTable::to_training_table`] picks the target and uses every other column (minus the
//!    dropped ones and the index) as features; [`RawTable::to_feature_table`] picks a trained
//!    model's feature columns by name. Only here must values be finite numbers.
//! 3. [`train_test_split`] splits row indices with a seed.
//!
//! A table larger than memory is read in chunks of rows with [`read_table_chunks`] (delimited
//! text and Parquet are streamed; each chunk is a [`RawTable`] numbered as in the whole file).
//!
//! ```
//! use std::path::Path;
//! use glassbox_data::{IndexCol, ReadOptions, read_table, train_test_split};
//!
//! let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/concrete/concrete.xlsx"));
//! let opts = ReadOptions { index_col: Some(IndexCol::Position(0)), ..ReadOptions::default() };
//! let raw = read_table(path, &opts)?;
//! let table = raw.to_training_table("Compressive strength (MPa)", &[])?;
//! assert_eq!(table.features.dim(), (1030, 8)); // (samples, features)
//! let split = train_test_split(table.n_samples(), 0.3, 42)?;
//! assert_eq!((split.train.len(), split.test.len()), (721, 309));
//! # Ok::<(), glassbox_data::DataError>(())
//! ```
//!
//! # Files
//! * **Delimited text** (`.csv`, `.txt`: delimiter sniffed among comma, semicolon and tab from the
//!   first 50 lines; `.tsv`: tab). UTF-8, optional byte-order mark, RFC 4180 quoting. The first
//!   non-blank line is the header; blank lines are skipped; every record must have as many fields
//!   as the header. In semicolon- or tab-separated files a field like `1,5` (one comma, no
//!   point) is the number 1.5, as comma-decimal locales export it.
//! * **Spreadsheets** (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`, read with calamine): the first
//!   sheet unless [`ReadOptions::sheet`] names one. The sheet's used range is the table: its
//!   first row is the header; empty rows after the last value are ignored. A used range
//!   over 2^27 cells, or over 2^20 cells with fewer values than one per 8 cells (a stray cell
//!   far from the table), is refused naming that cell, before it is allocated: `.xlsx`,
//!   `.xlsm` and `.xlsb` sheets are read cell by cell first, `.ods` workbooks are pre-scanned
//!   (every sheet: calamine reads them all at once; repeated empty rows and cells after the
//!   last value do not count, and a range over 2^20 cells may repeat its written cells at most
//!   64 times on average); `.xls` is bounded by its 65536 x 256 grid. A workbook calamine
//!   cannot read (even one it panics on) is a [`DataError::Workbook`].
//!
//! Extensions are matched case-insensitively.
//!
//! # Columns
//! * **Parquet** (`.parquet`, `.pq`, read with arrow-rs `parquet`; Snappy, gzip, LZ4, Zstandard
//!   or no compression): one column per root field. [`ReadOptions::columns`] limits what is
//!   decoded. Integer and floating-point columns are numbers, text columns are parsed as CSV
//!   fields are, nulls are empty cells (missing values); booleans, dates and other types are
//!   kept as such and refused as features, naming the column and type.
//! * Header names are trimmed. A blank header cell is named `Unnamed: <position>` (pandas'
//!   convention: the unnamed index column A of a sheet written by pandas is `Unnamed: 0`).
//!   A column with a blank header and no values at all (a trailing separator on every line)
//!   is dropped. Names must be unique.
//! * The index column ([`ReadOptions::index_col`], by 0-based position or by name) labels the
//!   rows and is never a feature; it is not among [`RawTable::column_names`]. Without one, rows
//!   are labelled by their 0-based data row number (`"0"`, `"1"`, ...).
//!
//! # Values
//! * A text field (CSV, or a text cell in a sheet) is trimmed and parsed as `f64`: `1`, `-2.5`,
//!   `1e-3`, and also `nan`, `inf`, `-inf` (which are then rejected with their location).
//!   Missing-value markers (`NA`, `N/A`, `null`, `None`, `?`, ... as pandas reads them) are
//!   reported as missing values, not as text.
//! * Spreadsheet numbers (float and integer cells) are numbers. Booleans, dates/times and error
//!   cells (`#DIV/0!`) are not numbers: a feature column holding one is rejected like a text
//!   column.
//! * Features and target must be finite numbers in every row: glassbox does not impute. A column
//!   with text asks to be dropped (`--drop`); an empty cell, missing marker, NaN or infinity is
//!   reported by column and row.
//!
//! # Row convention in messages
//! Rows are reported as the **1-based data row** (the first row after the header is data
//! row 1) **and** where to find it: the 1-based **line** of a text file (`data row 12 (line 13)`
//! when the header is on line 1) or the **cell reference** in a spreadsheet
//! (`data row 12 (cell Sheet1!H13)`). Every [`DataError`] message is one line and starts with
//! the file's path, e.g.
//! `data.csv: column 'surface', data row 12 (line 13): an empty cell; glassbox needs a finite
//! number in every feature cell`.
//! Column positions (for `--index-col` and duplicate names) count from 0.
//!
//! # Splits
//! [`train_test_split`] shuffles `0..n` with [`glassbox_core::rng::Rng`] (Fisher–Yates), takes
//! `round(n * test_fraction)` rows as the test part, and returns both parts sorted ascending.
//!
//! # Images
//! [`load_image_folder`] reads a folder with one subfolder per class (PNG, JPEG, BMP) into 1-channel
//! `f32` batches (N, 1, H, W) in `[0, 1]`, split by its `manifest.csv` or by a seeded
//! [`stratified_split`]; [`load_image_files`] reads a list of files. A file whose header declares more
//! than [`MAX_IMAGE_PIXELS`] pixels is refused before it is decoded. See the `images` module docs
//! for the layout, the manifest columns and the colour conversion.
//!
//! # Synthetic data
//! [`friedman1`] generates Friedman #1 regression data with a seed, for benchmarks.

mod categorical;
mod cell;
mod csv_reader;
mod error;
mod friedman;
mod image_folder;
mod images;
mod ods_scan;
mod parquet_reader;
mod parquet_writer;
mod raw_table;
mod select;
mod sheet_extent;
mod sheet_reader;
mod split;
mod suggest;
mod table_chunks;

pub use categorical::MAX_CATEGORIES;
pub use cell::Cell;
pub use error::DataError;
pub use friedman::{friedman1, friedman1_mean};
pub use images::{
    ColorPolicy, IMAGE_EXTENSIONS, ImageBatch, ImageDataset, ImageFolderOptions, ImageInfo,
    ImageLoadOptions, ImageSize, LabelledImages, MANIFEST_NAME, MAX_IMAGE_PIXELS, SplitSource,
    load_image_files, load_image_folder, stratified_split,
};
pub use parquet_writer::{ParquetColumnsWriter, write_parquet_columns};
pub use raw_table::{IndexCol, RawTable, ReadOptions, read_table};
pub use split::{Split, train_test_split};
pub use suggest::closest_name;
pub use table_chunks::{TableChunks, read_table_chunks};
