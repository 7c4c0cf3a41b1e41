//! [`ValuesWriter`]: one output's per-row values file (`shap_values[_outputK].csv|.parquet`:
//! `row_id`, one column per feature, `base_value`, `prediction`), written whole by an
//! in-memory run or a chunk at a time by a streamed one, with the same bytes either way.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use glassbox_data::ParquetColumnsWriter;

use super::{TabularExplanation, ValuesFormat};
use crate::run_dir::num;
use crate::{Error, Result};

/// Where one output's values go, a chunk at a time.
pub(crate) enum ValuesWriter {
    Csv {
        path: PathBuf,
        temp: PathBuf,
        csv: csv::Writer<BufWriter<File>>,
    },
    Parquet(ParquetColumnsWriter),
}

impl ValuesWriter {
    pub(crate) fn create(
        path: &Path,
        format: ValuesFormat,
        names: &[String],
    ) -> Result<ValuesWriter> {
        let mut columns = names.to_vec();
        columns.push("base_value".into());
        columns.push("prediction".into());
        match format {
            ValuesFormat::Parquet => Ok(ValuesWriter::Parquet(ParquetColumnsWriter::create(
                path, "row_id", &columns,
            )?)),
            ValuesFormat::Csv => {
                let temp = partial(path);
                let file = File::create(&temp).map_err(|e| Error::io(&temp, e))?;
                let mut csv = csv::Writer::from_writer(BufWriter::new(file));
                let mut header = vec!["row_id".to_string()];
                header.extend(columns);
                csv.write_record(&header)
                    .map_err(|e| Error::io(&temp, std::io::Error::other(e)))?;
                Ok(ValuesWriter::Csv {
                    path: path.to_path_buf(),
                    temp,
                    csv,
                })
            }
        }
    }

    /// Appends output `k` of a chunk: row ids, values, base values, predictions.
    pub(crate) fn append(&mut self, e: &TabularExplanation, k: usize) -> Result<()> {
        let x = &e.explanation;
        let (n, m) = (x.n_samples(), x.n_features());
        match self {
            ValuesWriter::Csv { temp, csv, .. } => {
                let mut record = Vec::with_capacity(m + 3);
                for i in 0..n {
                    record.clear();
                    record.push(e.row_ids[i].clone());
                    record.extend((0..m).map(|j| num(x.values[[i, j, k]])));
                    record.push(num(x.base_values[[i, k]]));
                    record.push(num(e.predictions[[i, k]]));
                    csv.write_record(&record)
                        .map_err(|err| Error::io(temp.clone(), std::io::Error::other(err)))?;
                }
                Ok(())
            }
            ValuesWriter::Parquet(w) => {
                let mut columns: Vec<Vec<f64>> = (0..m)
                    .map(|j| (0..n).map(|i| x.values[[i, j, k]]).collect())
                    .collect();
                columns.push(x.base_values.column(k).to_vec());
                columns.push(e.predictions.column(k).to_vec());
                let slices: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
                Ok(w.write(&e.row_ids, &slices)?)
            }
        }
    }

    /// Completes the file under its final name.
    pub(crate) fn finish(self) -> Result<()> {
        match self {
            ValuesWriter::Csv { path, temp, csv } => {
                let mut inner = csv
                    .into_inner()
                    .map_err(|e| Error::io(&temp, std::io::Error::other(e.to_string())))?;
                inner.flush().map_err(|e| Error::io(&temp, e))?;
                drop(inner);
                std::fs::rename(&temp, &path).map_err(|e| Error::io(&path, e))
            }
            ValuesWriter::Parquet(w) => Ok(w.finish()?),
        }
    }
}

/// `path` with `.partial` appended: where a file is written before it is complete.
fn partial(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

/// The values file of output `k` (of `outputs`) in `dir`: `shap_values.csv` for one output,
/// `shap_values_output{k}.csv` for several (or `.parquet`).
pub(crate) fn values_path(dir: &Path, k: usize, outputs: usize, format: ValuesFormat) -> PathBuf {
    let suffix = if outputs == 1 {
        String::new()
    } else {
        format!("_output{k}")
    };
    dir.join(format!("shap_values{suffix}.{}", format.extension()))
}
