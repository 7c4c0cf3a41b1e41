//! Writes a table of row labels and `f64` columns as Parquet (arrow-rs `parquet`, Snappy),
//! for per-row results such as SHAP values, which pandas, pyarrow, Spark and Dask read directly.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::DataError;
use crate::raw_table::io_error;

/// Rows per row group: large enough for fast scans, small enough that a reader can skip.
const ROW_GROUP_ROWS: usize = 64 * 1024;

/// Writes `path` as a Parquet file with a non-null string column `label_name` holding `labels`,
/// then one non-null `f64` column per entry of `columns` (name, values), each as long as
/// `labels`. Snappy-compressed; the same input gives the same bytes.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("values.parquet");
/// use glassbox_data::{ReadOptions, read_table, write_parquet_columns};
///
/// let labels = vec!["a".to_string(), "b".to_string()];
/// write_parquet_columns(&path, "row_id", &labels, &[("x".into(), vec![1.5, -2.0])])?;
/// let back = read_table(&path, &ReadOptions::default())?;
/// assert_eq!(back.column_names(), ["row_id", "x"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_parquet_columns(
    path: &Path,
    label_name: &str,
    labels: &[String],
    columns: &[(String, Vec<f64>)],
) -> Result<(), DataError> {
    let names: Vec<String> = columns.iter().map(|(name, _)| name.clone()).collect();
    let mut writer = ParquetColumnsWriter::create(path, label_name, &names)?;
    let values: Vec<&[f64]> = columns.iter().map(|(_, v)| v.as_slice()).collect();
    writer.write(labels, &values)?;
    writer.finish()
}

/// [`write_parquet_columns`] a chunk of rows at a time, for results too large to hold: rows
/// are buffered into row groups of 65536 whatever the chunk sizes, so the file's bytes do not
/// depend on how the rows were chunked. The file exists only once [`Self::finish`] succeeds
/// (it is written under a temporary name and renamed).
pub struct ParquetColumnsWriter {
    path: std::path::PathBuf,
    temp: std::path::PathBuf,
    schema: Arc<Schema>,
    writer: Option<ArrowWriter<File>>,
}

impl ParquetColumnsWriter {
    /// Starts `path` with the string column `label_name` and one `f64` column per name.
    pub fn create(path: &Path, label_name: &str, names: &[String]) -> Result<Self, DataError> {
        let mut fields = vec![Field::new(label_name, DataType::Utf8, false)];
        fields.extend(
            names
                .iter()
                .map(|name| Field::new(name, DataType::Float64, false)),
        );
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("glassbox {}", env!("CARGO_PKG_VERSION")))
            .build();
        let mut temp = path.as_os_str().to_owned();
        temp.push(".partial");
        let temp = std::path::PathBuf::from(temp);
        let file = File::create(&temp).map_err(|e| io_error(&temp, e))?;
        let writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(props))
            .map_err(|e| parquet_error(path, &e))?;
        Ok(ParquetColumnsWriter {
            path: path.to_path_buf(),
            temp,
            schema,
            writer: Some(writer),
        })
    }

    /// Appends rows: `labels` and one slice per column, each as long as `labels`.
    pub fn write(&mut self, labels: &[String], columns: &[&[f64]]) -> Result<(), DataError> {
        let n = labels.len();
        if columns.len() + 1 != self.schema.fields().len() {
            return Err(parquet_error(
                &self.path,
                &format!(
                    "{} value columns given for {}",
                    columns.len(),
                    self.schema.fields().len() - 1
                ),
            ));
        }
        if let Some((j, v)) = columns.iter().enumerate().find(|(_, v)| v.len() != n) {
            return Err(parquet_error(
                &self.path,
                &format!(
                    "column '{}' has {} values for {n} rows",
                    self.schema.field(j + 1).name(),
                    v.len()
                ),
            ));
        }
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(StringArray::from_iter_values(labels))];
        arrays.extend(
            columns
                .iter()
                .map(|v| Arc::new(Float64Array::from(v.to_vec())) as ArrayRef),
        );
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)
            .map_err(|e| parquet_error(&self.path, &e))?;
        self.writer
            .as_mut()
            .expect("not finished")
            .write(&batch)
            .map_err(|e| parquet_error(&self.path, &e))
    }

    /// Writes the footer and renames the file to its final name.
    pub fn finish(mut self) -> Result<(), DataError> {
        let writer = self.writer.take().expect("finished once");
        writer.close().map_err(|e| parquet_error(&self.path, &e))?;
        std::fs::rename(&self.temp, &self.path).map_err(|e| io_error(&self.path, e))
    }
}

impl Drop for ParquetColumnsWriter {
    /// An unfinished file (an error part-way) is removed.
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn parquet_error(path: &Path, e: &dyn std::fmt::Display) -> DataError {
    DataError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
