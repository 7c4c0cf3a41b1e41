//! [`DataError`]: everything that can go wrong between a file on disk and a [`glassbox_core::Table`].
//!
//! Every message is one line. Messages about a file start with the file's path; messages about
//! a cell name the column and the row as `data row N (line L)` for text files or
//! `data row N (cell Sheet1!C13)` for spreadsheets (see the crate documentation for the row
//! convention). Text taken from the file is quoted with Rust's escaping, so a stray newline in a
//! cell cannot break the message over two lines.

use std::path::PathBuf;

use glassbox_core::CoreError;

/// An error while reading a table or turning it into a [`glassbox_core::Table`].
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file does not exist.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The file that was asked for.
        path: PathBuf,
    },
    /// The file exists but could not be read (permissions, a directory, an I/O failure).
    #[error("{}: cannot read the file: {}", path.display(), one_line(&source.to_string()))]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file's extension names no format glassbox reads.
    #[error(
        "{}: unsupported file type '{extension}'; expected .csv, .tsv, .txt, .xlsx, .xlsm, \
         .xlsb, .xls, .ods or .parquet",
        path.display()
    )]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// Its extension (empty if it has none).
        extension: String,
    },
    /// A spreadsheet that calamine cannot open or whose sheet cannot be read: a corrupt or
    /// truncated file, or a file of another type renamed to `.xlsx`.
    #[error(
        "{}: not a readable {format} workbook (is the file corrupt, or not really {format}?): {}",
        path.display(),
        one_line(message)
    )]
    Workbook {
        /// The file.
        path: PathBuf,
        /// The format the extension promised, e.g. `.xlsx`.
        format: String,
        /// calamine's description of the failure.
        message: String,
    },
    /// A Parquet file that cannot be read: not Parquet at all, a damaged or truncated footer, a
    /// corrupt page, a codec glassbox is not built with.
    #[error(
        "{}: not a readable Parquet file (is it corrupt or truncated?): {}",
        path.display(),
        one_line(message)
    )]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The Parquet reader's description of the failure.
        message: String,
    },
    /// A CSV file the CSV parser rejects (for example invalid UTF-8).
    #[error("{}: line {line}: {}", path.display(), one_line(message))]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line of the file where the problem was found.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A CSV record whose number of fields differs from the header's.
    #[error(
        "{}: line {line} (data row {row}) has {found} fields, but the header has {expected}",
        path.display()
    )]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 1-based line of the file where the record starts.
        line: u64,
        /// 1-based data row (the first row after the header is 1).
        row: usize,
        /// Number of fields in that record.
        found: usize,
        /// Number of fields in the header.
        expected: usize,
    },
    /// No header, or a header but no data rows, or a workbook without sheets.
    #[error("{}: {what}; expected a header row followed by at least one data row", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
        /// What was found, e.g. "the file is empty" or "sheet 'Sheet1' has only a header row".
        what: String,
    },
    /// The requested sheet is not in the workbook.
    #[error("{}: no sheet named '{sheet}'; the workbook has {}", path.display(), quoted_list(available))]
    UnknownSheet {
        /// The file.
        path: PathBuf,
        /// The sheet that was asked for.
        sheet: String,
        /// The sheets the workbook has, in order.
        available: Vec<String>,
    },
    /// An index column given by position beyond the last column.
    #[error(
        "{}: index column {position} is out of range; the table has {n_columns} columns, \
         numbered 0 to {}",
        path.display(),
        n_columns.saturating_sub(1)
    )]
    IndexOutOfRange {
        /// The file.
        path: PathBuf,
        /// The 0-based position that was asked for.
        position: usize,
        /// How many columns the header has.
        n_columns: usize,
    },
    /// A column named by the user (target, `--drop`, feature, index) is not in the table.
    #[error(
        "{}: {role} '{name}' not found{}; available columns: {}",
        path.display(),
        suggestion.as_ref().map(|s| format!("; did you mean '{s}'?")).unwrap_or_default(),
        quoted_list(available)
    )]
    ColumnNotFound {
        /// The file.
        path: PathBuf,
        /// Which kind of column was looked for, e.g. "target column" or "--drop column".
        role: &'static str,
        /// The name that was asked for.
        name: String,
        /// The closest existing name, if one is close.
        suggestion: Option<String>,
        /// The table's column names (the index column excluded).
        available: Vec<String>,
    },
    /// A column asked for as target or feature is the index column, which only labels rows.
    #[error(
        "{}: the {role} '{name}' is the index column; an index column only labels rows, so \
         choose another index column or none",
        path.display()
    )]
    IsIndexColumn {
        /// The file.
        path: PathBuf,
        /// "target column" or "feature column".
        role: &'static str,
        /// The column name.
        name: String,
    },
    /// Two header cells carry the same name.
    #[error(
        "{}: the column name '{name}' appears more than once (at positions {first} and {second}, \
         counting from 0); column names must be unique",
        path.display()
    )]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        name: String,
        /// 0-based position of its first occurrence.
        first: usize,
        /// 0-based position of its second occurrence.
        second: usize,
    },
    /// A feature or target column holds something that is not a number (text, a boolean, a date,
    /// a spreadsheet error).
    #[error(
        "{}: {role} '{column}' is not numeric: {location} holds {found}; {advice}",
        path.display()
    )]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// "feature column" or "target column".
        role: &'static str,
        /// The column's name.
        column: String,
        /// The first offending cell, e.g. `data row 1 (line 2)`.
        location: String,
        /// What the cell holds, e.g. `text "1x1_Original"` (this and `advice` are boxed to keep
        /// `DataError` small, as clippy asks of error types).
        found: Box<str>,
        /// What to do about it, e.g. `leave it out with --drop MoldName`.
        advice: Box<str>,
    },
    /// A text column that cannot be a categorical feature: a cell without a label (empty,
    /// missing, a date, a spreadsheet error) or too many distinct labels.
    #[error("{}: categorical column '{column}', {location} {problem}", path.display())]
    Categorical {
        /// The file.
        path: PathBuf,
        /// The column's name.
        column: String,
        /// The offending cell (e.g. `data row 3 (line 4)`) or `the column`.
        location: String,
        /// What is wrong and what to do, e.g. `has 250 distinct text values, ...`.
        problem: String,
    },
    /// An empty cell, a missing-value marker (`NA`, `?`, ...), NaN or an infinity in a feature
    /// or the target.
    #[error(
        "{}: column '{column}', {location}: {found}; glassbox needs a finite number in every \
         {role} cell",
        path.display()
    )]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// "feature" or "target".
        role: &'static str,
        /// The column's name.
        column: String,
        /// The first offending cell, e.g. `data row 12 (line 13)`.
        location: String,
        /// What the cell holds, e.g. `empty cell` or `NaN`.
        found: String,
    },
    /// Removing the target, the index and the `--drop` columns left nothing to learn from.
    #[error(
        "{}: no feature columns left after removing the target '{target}'{}; the table's \
         columns are {}",
        path.display(),
        if dropped.is_empty() { String::new() } else { format!(" and the dropped columns {}", quoted_list(dropped)) },
        quoted_list(available)
    )]
    NoFeatures {
        /// The file.
        path: PathBuf,
        /// The target column.
        target: String,
        /// The columns removed with `--drop`.
        dropped: Vec<String>,
        /// The table's column names (the index column excluded).
        available: Vec<String>,
    },
    /// A test fraction outside the open interval (0, 1).
    #[error(
        "test fraction {value} is invalid; expected a number strictly between 0 and 1, e.g. 0.3"
    )]
    InvalidTestFraction {
        /// The fraction that was given.
        value: f64,
    },
    /// A split that would leave fewer than 2 rows in the train or the test part.
    #[error(
        "cannot split {n_rows} rows with test fraction {test_fraction}: that gives {n_train} \
         training and {n_test} test rows, and each part needs at least 2; the table needs at \
         least {needed} rows for this fraction"
    )]
    TooFewRows {
        /// Rows in the table.
        n_rows: usize,
        /// The requested test fraction.
        test_fraction: f64,
        /// Rows the training part would get.
        n_train: usize,
        /// Rows the test part would get.
        n_test: usize,
        /// The smallest table that this fraction can split.
        needed: usize,
    },
    /// An image folder with no class subfolders holding images.
    #[error(
        "{}: no class folders found; expected one subfolder per class holding .png, .jpg, \
         .jpeg or .bmp images (e.g. {}/<class>/<image>.png)",
        path.display(),
        path.display()
    )]
    NoClassFolders {
        /// The image folder.
        path: PathBuf,
    },
    /// A class subfolder without any image file.
    #[error("{}: class folder has no images; expected .png, .jpg, .jpeg or .bmp files in it", path.display())]
    EmptyClassFolder {
        /// The class folder.
        path: PathBuf,
    },
    /// A file that is not an image glassbox reads, or an image that cannot be decoded.
    #[error("{}: not a readable image: {}", path.display(), one_line(message))]
    BadImage {
        /// The file.
        path: PathBuf,
        /// What went wrong (the decoder's message, or the unsupported extension).
        message: String,
    },
    /// An image whose size differs from the size every image must have.
    #[error(
        "{}: image is {found_w}x{found_h} pixels (width x height); expected \
         {expected_w}x{expected_h} ({expected_from}); resize the images to one size, or ask \
         glassbox to resize them",
        path.display()
    )]
    ImageSize {
        /// The file.
        path: PathBuf,
        /// Its width.
        found_w: usize,
        /// Its height.
        found_h: usize,
        /// The required width.
        expected_w: usize,
        /// The required height.
        expected_h: usize,
        /// Where the required size comes from, e.g. `the first image (a/b.png)` or `the model's input`.
        expected_from: String,
    },
    /// A colour image where only grayscale images are accepted.
    #[error(
        "{}: colour image (its red, green and blue channels differ), but {expected} \
         expects 1-channel grayscale images; convert it to grayscale first",
        path.display()
    )]
    ColorImage {
        /// The file.
        path: PathBuf,
        /// What expects grayscale, e.g. `the model`.
        expected: String,
    },
    /// A problem with a row or the header of an image manifest CSV.
    #[error("{}: {location}: {}", path.display(), one_line(message))]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// `header` or `line N`.
        location: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The assembled table broke one of [`glassbox_core::Table`]'s invariants (a bug: the
    /// checks here should have caught it first).
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// `'a', 'b', 'c'`; long lists are shortened so the message stays readable.
pub(crate) fn quoted_list(names: &[String]) -> String {
    const MAX: usize = 60;
    let mut out: Vec<String> = names.iter().take(MAX).map(|n| format!("'{n}'")).collect();
    if names.len() > MAX {
        out.push(format!("... ({} more)", names.len() - MAX));
    }
    if out.is_empty() {
        "none".to_string()
    } else {
        out.join(", ")
    }
}

/// Replaces line breaks so a message from a dependency stays on one line.
pub(crate) fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
