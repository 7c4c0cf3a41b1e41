//! Streamed explanations: a table file explained chunk by chunk with bounded memory
//! ([`explain_streaming`]), for tables larger than memory.
//!
//! The file is read in chunks of [`StreamSettings::chunk_rows`] rows (delimited text record by
//! record, Parquet batch by batch and only the model's columns) on a reader thread, while the
//! previous chunk is explained on all cores; each chunk's values are appended to the values
//! file as soon as they are computed. What needs all rows is accumulated: mean |SHAP| exactly
//! (summed in row order, so it equals the in-memory run's), local accuracy (every row checked,
//! as in memory) and the completeness gap; the beeswarm and dependence plots are drawn from a
//! seeded reservoir sample of [`StreamSettings::plot_rows`] rows (every row when the table has
//! no more), the bar plot from the exact means, the waterfall from the row asked for.
//!
//! Memory is a few chunks (the one being read, the one being explained), the sample and the
//! model, whatever the number of rows.

use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use rayon::prelude::*;

use glassbox_core::link::Link;
use glassbox_core::ndarray::{Array2, Array3};
use glassbox_core::rng::Rng;
use glassbox_core::{Explanation, Table};
use glassbox_data::{ReadOptions, read_table_chunks};

use super::explain::{TabularExplanation, explain, recorded_model};
use super::figures::{FigureSource, write_run_figures};
use super::values_writer::{ValuesWriter, values_path};
use super::{ExplainSettings, Method, WriteSettings};
use crate::records::tabular::ExplanationRecord;
use crate::records::{Timings, write_record};
use crate::{Error, Model, NoProgress, Progress, Result};

/// How a streamed explanation reads its table and what it keeps.
#[derive(Clone, Debug)]
pub struct StreamSettings {
    /// Rows per chunk (at least 1). Default 65536.
    pub chunk_rows: usize,
    /// Rows kept, a seeded reservoir sample ([`ExplainSettings::seed`]), for the beeswarm and
    /// dependence plots (at least 1). Default 10000.
    pub plot_rows: usize,
    /// The table's target column, if it has one (for imported models without feature names
    /// it is not a feature).
    pub target: Option<String>,
    /// How the table is read (sheet, index column); only the model's columns are decoded.
    pub read: ReadOptions,
    /// Plots, values format and the data file as recorded.
    pub write: WriteSettings,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            chunk_rows: 65536,
            plot_rows: 10_000,
            target: None,
            read: ReadOptions::default(),
            write: WriteSettings::default(),
        }
    }
}

/// What [`explain_streaming`] wrote and measured.
#[derive(Clone, Debug)]
pub struct StreamedExplanation {
    /// The run's `explanation.json`.
    pub record: ExplanationRecord,
    /// Seconds spent computing the values (summed over chunks).
    pub seconds: f64,
    /// Seconds from opening the table to the last file written.
    pub wall_seconds: f64,
    /// Chunks read.
    pub chunks: usize,
}

/// Explains every row of the table file `path` with a per-row method, chunk by chunk (see the
/// module documentation), writing into `dir` the files [`TabularExplanation::write`] writes:
/// per output `shap_values.csv` or `.parquet`, the bar, beeswarm, waterfall and dependence
/// plots, `explanation.json` (with `chunk_rows` and `plot_rows`) and `timings.json`.
///
/// Interactions (an n × features × features result) and LIME (a surrogate record per row in
/// `lime.json`) are refused; so is a background drawn from the explained table when the model
/// brings none: the background methods take theirs from [`ExplainSettings::background_data`]
/// or [`ExplainSettings::background_pool`], else from the first chunk. Errors stop the run at
/// the chunk they are in, naming the file's data row; files already written are left for the
/// caller to discard (the CLI stages its run folder).
pub fn explain_streaming(
    model: &Model,
    path: &Path,
    method: Method,
    settings: &ExplainSettings,
    stream: &StreamSettings,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<StreamedExplanation> {
    refuse_unstreamable(method)?;
    if stream.chunk_rows == 0 || stream.plot_rows == 0 {
        return Err(Error::Settings(
            "--chunk-rows and --plot-rows must be at least 1".into(),
        ));
    }
    let started = Instant::now();
    let read = ReadOptions {
        columns: model.table_columns(stream.target.as_deref()),
        ..stream.read.clone()
    };
    let chunks = read_table_chunks(path, &read, stream.chunk_rows)?;
    let total = chunks.total_rows();
    progress.start(method.name(), total.map(|n| n as u64));
    let target = stream.target.as_deref();
    let (tx, rx) = sync_channel::<Result<Table>>(1);
    let outcome = std::thread::scope(|scope| {
        // The reader: parses the next chunk and picks the model's columns while the current
        // one is explained. It stops when the explaining side hangs up.
        scope.spawn(move || {
            for chunk in chunks {
                let table = chunk
                    .map_err(Error::from)
                    .and_then(|raw| model.feature_table(&raw, target));
                let failed = table.is_err();
                if tx.send(table).is_err() || failed {
                    break;
                }
            }
        });
        let mut run: Option<Streamed> = None;
        let mut settings = settings.clone();
        for table in rx {
            let table = table?;
            if run.is_none() && method.uses_background() && settings.background_pool.is_none() {
                settings.background_pool = Some(super::background_pool(model, &table)?);
            }
            let e = explain(model, &table, method, &settings, &NoProgress)?;
            match &mut run {
                None => run = Some(Streamed::start(&e, stream, settings.seed, dir)?),
                Some(r) => r.check_same_columns(&e)?,
            }
            let r = run.as_mut().expect("started");
            r.add(&e, stream)?;
            r.chunks += 1;
            progress.advance(table.n_samples() as u64);
        }
        run.ok_or_else(|| Error::Input(format!("{}: no rows to explain", path.display())))
    });
    progress.finish();
    let run = outcome?;
    let (seconds, chunks) = (run.seconds, run.chunks);
    let record = run.finish(model, method, stream, dir, started)?;
    Ok(StreamedExplanation {
        record,
        seconds,
        wall_seconds: started.elapsed().as_secs_f64(),
        chunks,
    })
}

/// Refuses the methods whose results cannot be streamed.
fn refuse_unstreamable(method: Method) -> Result<()> {
    if method.can_stream() {
        return Ok(());
    }
    if !method.is_per_row() {
        return Err(Error::Settings(format!(
            "{} is a global method: it needs every row at once; drop --chunk-rows",
            method.name()
        )));
    }
    match method {
        Method::Interactions => Err(Error::Settings(
            "interactions are features x features per row: too large to stream; explain a \
             sample of the rows without --chunk-rows, or use tree-shap"
                .into(),
        )),
        Method::Lime => Err(Error::Settings(
            "lime keeps a surrogate record per row (lime.json) and cannot stream; use \
             kernel-shap or a tree method with --chunk-rows, or drop --chunk-rows"
                .into(),
        )),
        _ => Err(Error::Settings(format!("{} cannot stream", method.name()))),
    }
}

/// One explained row kept for the plots.
#[derive(Clone, Debug)]
struct KeptRow {
    /// 0-based row of the table.
    index: usize,
    /// Raw feature values, one per feature.
    data: Vec<f64>,
    /// Values, (features, outputs) row-major.
    values: Vec<f64>,
    /// Base value per output.
    base: Vec<f64>,
}

impl KeptRow {
    fn of(e: &TabularExplanation, i: usize, index: usize) -> KeptRow {
        let x = &e.explanation;
        KeptRow {
            index,
            data: x.data.row(i).to_vec(),
            values: x
                .values
                .index_axis(glassbox_core::ndarray::Axis(0), i)
                .iter()
                .copied()
                .collect(),
            base: x.base_values.row(i).to_vec(),
        }
    }
}

/// A seeded uniform sample of at most `capacity` rows of a stream (Vitter's algorithm R).
struct Reservoir {
    capacity: usize,
    rng: Rng,
    seen: usize,
    rows: Vec<KeptRow>,
}

impl Reservoir {
    /// Offers the rows of `e`, which are rows `first..` of the table.
    fn offer(&mut self, e: &TabularExplanation, first: usize) {
        for i in 0..e.row_ids.len() {
            let slot = if self.rows.len() < self.capacity {
                None
            } else {
                let j = self.rng.below(self.seen + 1);
                if j >= self.capacity {
                    self.seen += 1;
                    continue;
                }
                Some(j)
            };
            let row = KeptRow::of(e, i, first + i);
            match slot {
                None => self.rows.push(row),
                Some(j) => self.rows[j] = row,
            }
            self.seen += 1;
        }
    }
}

/// What a streamed run has accumulated so far.
struct Streamed {
    feature_names: Vec<String>,
    output_names: Vec<String>,
    writers: Vec<ValuesWriter>,
    rows: usize,
    /// Σ |φ| per output and feature, in row order.
    sum_abs: Vec<Vec<f64>>,
    max_rel_error: f64,
    rtol: Option<f64>,
    /// Approximate methods: Σ |f − base − Σφ| and Σ |f − base| over rows and outputs.
    gap: Option<(f64, f64)>,
    base_value: f64,
    background_rows: Option<usize>,
    seconds: f64,
    chunks: usize,
    sample: Reservoir,
    /// The row shown in the waterfall plot, once read.
    waterfall: Option<KeptRow>,
    /// How the outputs map to probabilities (every chunk's is the model's).
    margin_link: Link,
    /// Category labels per feature (every chunk's are the model's).
    categories: Vec<Option<Vec<String>>>,
}

impl Streamed {
    /// Starts the run on the first chunk's explanation `e`: opens the values files.
    fn start(
        e: &TabularExplanation,
        stream: &StreamSettings,
        seed: u64,
        dir: &Path,
    ) -> Result<Streamed> {
        let x = &e.explanation;
        let outputs = x.n_outputs();
        let writers = (0..outputs)
            .map(|k| {
                let path = values_path(dir, k, outputs, stream.write.format);
                ValuesWriter::create(&path, stream.write.format, &x.feature_names)
            })
            .collect::<Result<_>>()?;
        Ok(Streamed {
            feature_names: x.feature_names.clone(),
            output_names: x.output_names.clone(),
            writers,
            rows: 0,
            sum_abs: vec![vec![0.0; x.n_features()]; outputs],
            max_rel_error: 0.0,
            rtol: e.local_accuracy_rtol,
            gap: e.completeness_gap.map(|_| (0.0, 0.0)),
            base_value: x.base_values[[0, 0]],
            background_rows: e.background_rows,
            seconds: 0.0,
            chunks: 0,
            sample: Reservoir {
                capacity: stream.plot_rows,
                rng: Rng::derive(seed, 0x5354_5245_414d),
                seen: 0,
                rows: Vec::new(),
            },
            waterfall: None,
            margin_link: e.margin_link,
            categories: x.categories.clone(),
        })
    }

    /// Every chunk explains the same features and outputs (the model's): a guard, not a rule
    /// a table can break.
    fn check_same_columns(&self, e: &TabularExplanation) -> Result<()> {
        let x = &e.explanation;
        if x.feature_names != self.feature_names || x.output_names != self.output_names {
            return Err(Error::Input(
                "a chunk of the table explained different features or outputs than the first"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Adds a chunk: writes its values, accumulates the summaries, offers its rows to the
    /// sample.
    fn add(&mut self, e: &TabularExplanation, stream: &StreamSettings) -> Result<()> {
        let x = &e.explanation;
        let first = self.rows;
        // The outputs' files are independent: written in parallel.
        self.writers
            .par_iter_mut()
            .enumerate()
            .map(|(k, w)| w.append(e, k))
            .collect::<Result<Vec<()>>>()?;
        for (k, sums) in self.sum_abs.iter_mut().enumerate() {
            for (j, s) in sums.iter_mut().enumerate() {
                for i in 0..x.n_samples() {
                    *s += x.values[[i, j, k]].abs();
                }
            }
        }
        self.max_rel_error = self.max_rel_error.max(e.local_accuracy_max_rel_error);
        if let Some((num, den)) = &mut self.gap {
            for i in 0..x.n_samples() {
                for k in 0..x.n_outputs() {
                    let base = x.base_values[[i, k]];
                    let sum: f64 = (0..x.n_features()).map(|j| x.values[[i, j, k]]).sum();
                    *num += (e.predictions[[i, k]] - base - sum).abs();
                    *den += (e.predictions[[i, k]] - base).abs();
                }
            }
        }
        let row = stream.write.row;
        if (first..first + x.n_samples()).contains(&row) {
            self.waterfall = Some(KeptRow::of(e, row - first, row));
        }
        self.sample.offer(e, first);
        self.rows += x.n_samples();
        self.seconds += e.seconds;
        Ok(())
    }

    /// Completes the values files, draws the plots and writes the record.
    fn finish(
        self,
        model: &Model,
        method: Method,
        stream: &StreamSettings,
        dir: &Path,
        started: Instant,
    ) -> Result<ExplanationRecord> {
        let write = &stream.write;
        let Some(waterfall) = self.waterfall.clone() else {
            return Err(Error::Settings(format!(
                "--row {}: only {} rows were explained",
                write.row, self.rows
            )));
        };
        for w in self.writers {
            w.finish()?;
        }
        let n = self.rows as f64;
        let means: Vec<Vec<f64>> = self
            .sum_abs
            .iter()
            .map(|s| s.iter().map(|v| v / n).collect())
            .collect();
        let mut kept = self.sample.rows;
        kept.sort_by_key(|r| r.index);
        let plot_rows = kept.len();
        let sample = explanation_of(&kept, &self.feature_names, &self.output_names, method)?
            .with_categories(self.categories.clone())?;
        let one = explanation_of(
            std::slice::from_ref(&waterfall),
            &self.feature_names,
            &self.output_names,
            method,
        )?
        .with_categories(self.categories.clone())?;
        let source = FigureSource {
            rows: &sample,
            mean_abs: &means,
            one_row: (&one, 0, waterfall.index),
            interactions: None,
            probability_axis: self.margin_link == Link::Logistic,
        };
        write_run_figures(dir, write, &source, &|_| None)?;
        let mut ranked: Vec<(String, f64)> = self
            .feature_names
            .iter()
            .cloned()
            .zip(means[0].clone())
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let record = ExplanationRecord {
            method: method.name().into(),
            model: recorded_model(model),
            data: write.data.clone(),
            n_rows: self.rows,
            features: self.feature_names,
            output: self.output_names.join(", "),
            base_value: self.base_value,
            local_accuracy_rtol: self.rtol,
            local_accuracy_max_rel_error: self.max_rel_error,
            completeness_gap: self
                .gap
                .map(|(num, den)| if den > 0.0 { num / den } else { 0.0 }),
            background_rows: self.background_rows,
            mean_abs_shap: ranked,
            chunk_rows: Some(stream.chunk_rows),
            plot_rows: Some(plot_rows),
        };
        write_record(&dir.join("explanation.json"), &record)?;
        Timings::one("explain", self.seconds)
            .with("total", started.elapsed().as_secs_f64())
            .write(dir)?;
        Ok(record)
    }
}

/// An [`Explanation`] of kept rows, in their order.
fn explanation_of(
    rows: &[KeptRow],
    features: &[String],
    outputs: &[String],
    method: Method,
) -> Result<Explanation> {
    let (n, m, o) = (rows.len(), features.len(), outputs.len());
    let values = Array3::from_shape_fn((n, m, o), |(i, j, k)| rows[i].values[j * o + k]);
    let base = Array2::from_shape_fn((n, o), |(i, k)| rows[i].base[k]);
    let data = Array2::from_shape_fn((n, m), |(i, j)| rows[i].data[j]);
    Ok(Explanation::new(
        values,
        base,
        data,
        features.to_vec(),
        outputs.to_vec(),
        method.name(),
    )?)
}
