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
    let n = labels.len();
    if let Some((name, v)) = columns.iter().find(|(_, v)| v.len() != n) {
        return Err(DataError::Parquet {
            path: path.to_path_buf(),
            message: format!("column '{name}' has {} values for {n} rows", v.len()),
        });
    }
    let mut fields = vec![Field::new(label_name, DataType::Utf8, false)];
    fields.extend(
        columns
            .iter()
            .map(|(name, _)| Field::new(name, DataType::Float64, false)),
    );
    let schema = Arc::new(Schema::new(fields));
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(StringArray::from_iter_values(labels))];
    arrays.extend(
        columns
            .iter()
            .map(|(_, v)| Arc::new(Float64Array::from(v.clone())) as ArrayRef),
    );
    let parquet_error = |e: &dyn std::fmt::Display| DataError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let batch = RecordBatch::try_new(Arc::clone(&schema), arrays).map_err(|e| parquet_error(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("glassbox {}", env!("CARGO_PKG_VERSION")))
        .build();
    let file = File::create(path).map_err(|e| io_error(path, e))?;
    let mut writer =
        ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| parquet_error(&e))?;
    writer.write(&batch).map_err(|e| parquet_error(&e))?;
    writer.close().map_err(|e| parquet_error(&e))?;
    Ok(())
}
