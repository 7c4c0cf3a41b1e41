//! Model-agnostic explainers on the Friedman #1 table (3500 x 37) with a 100-tree random forest:
//! KernelSHAP (k-means(10) background, nsamples 500) and LIME tabular (5000 samples), per
//! explained row on 1 and 2 threads, with the model's own share of the time shown apart.
//!
//! Run: `cargo bench -p glassbox-explain --bench model_agnostic` (env `GLASSBOX_BENCH_ROWS`
//! sets the number of explained rows, default 40; `GLASSBOX_BENCH_REPS` the timed repetitions,
//! default 5). Each cell is the median of the repetitions after a warm-up, with the spread
//! (min-max) beside it, since the machine may be shared.

use std::time::Instant;

use glassbox_core::ndarray::{Array1, Array2, ArrayView2, Axis, s};
use glassbox_core::{Predict, TreeEnsemble};
use glassbox_data::friedman1;
use glassbox_explain::lime::tabular::{LimeMode, LimeTabular};
use glassbox_explain::shap::kernel_shap::KernelShap;
use glassbox_explain::shap::kmeans::kmeans;
use glassbox_models::forest::RandomForestParams;

/// A linear model: shows the explainers' own overhead when the model costs almost nothing.
struct Linear(Array1<f64>);

impl Predict for Linear {
    fn n_features(&self) -> usize {
        self.0.len()
    }
    fn n_outputs(&self) -> usize {
        1
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, glassbox_core::CoreError> {
        Ok(x.dot(&self.0).insert_axis(Axis(1)))
    }
}

/// The forest evaluated row by row through `predict_row_into` (the definition, and what
/// `TreeEnsemble::predict` did before its batch engine): the "before" column.
struct RowByRow<'a>(&'a TreeEnsemble);

impl Predict for RowByRow<'_> {
    fn n_features(&self) -> usize {
        self.0.n_features
    }
    fn n_outputs(&self) -> usize {
        self.0.n_outputs
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>, glassbox_core::CoreError> {
        let mut out = Array2::zeros((x.nrows(), self.0.n_outputs));
        for (row, mut o) in x.rows().into_iter().zip(out.rows_mut()) {
            self.0
                .predict_row_into(row, o.as_slice_mut().expect("contiguous"));
        }
        Ok(out)
    }
}

/// Median, min and max of `reps` timings (ms) after one warm-up call.
fn time_ms(mut f: impl FnMut(), reps: usize) -> (f64, f64, f64) {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[reps / 2], t[0], t[reps - 1])
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rows = env("GLASSBOX_BENCH_ROWS", 40);
    let reps = env("GLASSBOX_BENCH_REPS", 5).max(1);
    let table = friedman1(3500, 37, 1.0, 0);
    let (x, y) = (
        table.features.view(),
        table
            .target
            .as_ref()
            .expect("friedman1 has a target")
            .view(),
    );
    let t = Instant::now();
    let forest = RandomForestParams::default()
        .fit(x, y)
        .expect("forest fits");
    let e = forest.ensemble();
    let nodes: usize = e.trees.iter().map(|t| t.n_nodes()).sum();
    println!(
        "random forest, {} trees on 3500x37: fit {:.2} s; {nodes} nodes, max depth {}",
        e.trees.len(),
        t.elapsed().as_secs_f64(),
        e.max_depth()
    );
    println!("explained rows: {rows}; repetitions per cell: {reps} (median, [min - max])");
    let bg = kmeans(x, 10, 0).expect("kmeans");
    let explained = x.slice(s![..rows, ..]).to_owned();
    let linear = Linear((0..37).map(|j| 1.0 / (j + 1) as f64).collect());
    let row_by_row = RowByRow(e);

    // The model alone on 5000 rows of the table (the size of one explained row's batch).
    let batch5000 = Array2::from_shape_fn((5000, 37), |(i, j)| x[[i % 3500, j]]);
    let a = forest.predict(batch5000.view()).unwrap();
    let b = row_by_row.predict(batch5000.view()).unwrap();
    assert!(
        a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
        "batch and row-by-row predictions differ"
    );

    println!();
    println!("| what | model | threads | ms (per explained row for explainers) | spread |");
    println!("|---|---|---|---|---|");
    let cell = |what: &str, model: &str, threads: usize, t: (f64, f64, f64), per: f64| {
        println!(
            "| {what} | {model} | {threads} | {:.2} | {:.2} - {:.2} |",
            t.0 / per,
            t.1 / per,
            t.2 / per
        );
    };
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for (name, model) in [
            ("forest", &forest as &dyn Predict),
            ("forest row-by-row", &row_by_row as &dyn Predict),
        ] {
            let t =
                pool.install(|| time_ms(|| drop(model.predict(batch5000.view()).unwrap()), reps));
            cell(
                "predict 5000 table rows (the model alone)",
                name,
                threads,
                t,
                1.0,
            );
        }
        // KernelSHAP's tree path: the same values (checked bit for bit), coalitions evaluated
        // by walking each tree once per background row.
        {
            let sub = explained.view();
            let walk = KernelShap::for_tree_ensemble(e, bg.data.view(), Some(&bg.weights))
                .unwrap()
                .nsamples(500)
                .seed(1);
            let generic = KernelShap::new(e, bg.data.view(), Some(&bg.weights))
                .unwrap()
                .nsamples(500)
                .seed(1);
            let (a, b) = (walk.explain(sub).unwrap(), generic.explain(sub).unwrap());
            assert!(
                a.values
                    .iter()
                    .zip(&b.values)
                    .all(|(p, q)| p.to_bits() == q.to_bits()),
                "KernelSHAP tree walk and generic path differ"
            );
            let t = pool.install(|| time_ms(|| drop(walk.explain(sub).unwrap()), reps));
            cell(
                "KernelSHAP, k-means(10), nsamples 500",
                "forest (tree walk)",
                threads,
                t,
                rows as f64,
            );
        }
        for (name, model) in [
            ("forest", &forest as &dyn Predict),
            ("forest row-by-row", &row_by_row as &dyn Predict),
            ("linear", &linear as &dyn Predict),
        ] {
            // The old path is slow: time it on fewer rows.
            let n_here = if name == "forest row-by-row" {
                rows.min(8)
            } else {
                rows
            };
            let sub = explained.slice(s![..n_here, ..]);
            let ks = KernelShap::new(model, bg.data.view(), Some(&bg.weights))
                .unwrap()
                .nsamples(500)
                .seed(1);
            let t = pool.install(|| time_ms(|| drop(ks.explain(sub).unwrap()), reps));
            cell(
                "KernelSHAP, k-means(10), nsamples 500",
                name,
                threads,
                t,
                n_here as f64,
            );
            for (mode_name, mode) in [
                ("quartile", LimeMode::Quartile),
                (
                    "continuous",
                    LimeMode::Continuous {
                        around_instance: false,
                    },
                ),
            ] {
                let lime = LimeTabular::new(model, x)
                    .unwrap()
                    .mode(mode)
                    .nsamples(5000)
                    .seed(1);
                let t = pool.install(|| time_ms(|| drop(lime.explain(sub).unwrap()), reps));
                cell(
                    &format!("LIME tabular {mode_name}, 5000 samples"),
                    name,
                    threads,
                    t,
                    n_here as f64,
                );
            }
        }
    }
    println!();
    println!("targets (issue 6): KernelSHAP <= 5 ms/row, LIME <= 20 ms/row on 2 threads (forest)");
    println!(
        "forest = TreeEnsemble::predict (batch engine); row-by-row = predict_row_into per row"
    );
    println!(
        "forest (tree walk) = KernelShap::for_tree_ensemble: all coalitions walk each tree together"
    );
    println!("linear = a 37-coefficient linear model (the explainer's own overhead)");
    println!("reference: shap 0.51 KernelExplainer 37-94 ms/row, lime 0.2 194-380 ms/row");
}
