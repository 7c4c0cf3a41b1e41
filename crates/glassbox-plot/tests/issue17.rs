//! Issue 17 plots: heatmap, stacked force plot, interaction matrix and pair. Checks on the data
//! steps (cells, pooled row, f(x), orderings, stacked bounds), clear errors, and PNG + SVG files
//! for a single-output regressor and a 3-class explanation.

use std::path::Path;

use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, Array3, array};
use glassbox_core::rng::Rng;
use glassbox_plot::hclust::MAX_CLUSTER_ROWS;
use glassbox_plot::{HeatmapOrder, PlotError};

/// `n` rows, `m` features, `k` outputs of pseudo-random SHAP values; base values 0.5·(k+1).
fn expl(n: usize, m: usize, k: usize, seed: u64) -> Explanation {
    let mut rng = Rng::new(seed);
    let data = Array2::from_shape_fn((n, m), |_| rng.normal());
    let values = Array3::from_shape_fn((n, m, k), |(i, j, c)| {
        data[[i, j]] * (1.0 + c as f64) / (j + 1) as f64 + 0.01 * (i as f64 - j as f64)
    });
    Explanation::new(
        values,
        Array2::from_shape_fn((n, k), |(_, c)| 0.5 * (c + 1) as f64),
        data,
        (0..m).map(|j| format!("feature {j}")).collect(),
        (0..k).map(|c| format!("class {c}")).collect(),
        "test",
    )
    .unwrap()
}

fn all_orders() -> [HeatmapOrder; 5] {
    [
        HeatmapOrder::Clustered,
        HeatmapOrder::Prediction,
        HeatmapOrder::Feature(2),
        HeatmapOrder::FeatureValue(1),
        HeatmapOrder::Given,
    ]
}

fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut s = order.to_vec();
    s.sort_unstable();
    s == (0..n).collect::<Vec<_>>()
}

#[test]
fn heatmap_cells_pooled_row_and_fx_follow_the_order() {
    let e = expl(25, 7, 3, 1);
    for output in 0..3 {
        for order in all_orders() {
            let d = glassbox_plot::heatmap_data(&e, output, 4, order).unwrap();
            assert!(is_permutation(&d.order, 25), "{order:?}");
            assert_eq!(d.labels.len(), 4);
            assert_eq!(d.labels[3], "Sum of 4 other features");
            assert_eq!(d.matrix.dim(), (4, 25));
            let mut pooled: Vec<usize> = d.features[3].clone();
            pooled.extend(d.features[..3].iter().map(|f| f[0]));
            assert!(is_permutation(&pooled, 7));
            for (c, &i) in d.order.iter().enumerate() {
                for r in 0..3 {
                    assert_eq!(d.matrix[[r, c]], e.values[[i, d.features[r][0], output]]);
                }
                let rest: f64 = d.features[3]
                    .iter()
                    .map(|&j| e.values[[i, j, output]])
                    .sum();
                assert!((d.matrix[[3, c]] - rest).abs() < 1e-12);
                let fx = e.base_values[[i, output]]
                    + (0..7).map(|j| e.values[[i, j, output]]).sum::<f64>();
                assert!((d.fx[c] - fx).abs() < 1e-12);
            }
            // The shown features are the most important by mean |SHAP|.
            let ma = e.mean_abs(output);
            let shown_min = (0..3)
                .map(|r| ma[d.features[r][0]])
                .fold(f64::INFINITY, f64::min);
            assert!(d.features[3].iter().all(|&j| ma[j] <= shown_min));
            assert_eq!(d.base, 0.5 * (output + 1) as f64);
        }
    }
    // Orders are what they say.
    let fx = |o| glassbox_plot::heatmap_data(&e, 1, 4, o).unwrap();
    let p = fx(HeatmapOrder::Prediction);
    assert!(p.fx.windows(2).all(|w| w[0] >= w[1]));
    let f = fx(HeatmapOrder::Feature(2));
    let v: Vec<f64> = f.order.iter().map(|&i| e.values[[i, 2, 1]]).collect();
    assert!(v.windows(2).all(|w| w[0] >= w[1]));
    let g = fx(HeatmapOrder::FeatureValue(1));
    let v: Vec<f64> = g.order.iter().map(|&i| e.data[[i, 1]]).collect();
    assert!(v.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(fx(HeatmapOrder::Given).order, (0..25).collect::<Vec<_>>());
}

#[test]
fn heatmap_colour_limit_is_the_999th_percentile_of_abs() {
    // 1001 cells with |values| 0, 1, ..., 1000 (one feature): percentile 99.9 = 999.
    let n = 1001;
    let e = Explanation::new(
        Array3::from_shape_fn(
            (n, 1, 1),
            |(i, _, _)| if i % 2 == 0 { i as f64 } else { -(i as f64) },
        ),
        Array2::zeros((n, 1)),
        Array2::zeros((n, 1)),
        vec!["a".into()],
        vec!["y".into()],
        "t",
    )
    .unwrap();
    let d = glassbox_plot::heatmap_data(&e, 0, 5, HeatmapOrder::Given).unwrap();
    assert!((d.limit - 999.0).abs() < 1e-9, "{}", d.limit);
}

#[test]
fn clustered_order_keeps_identical_rows_adjacent() {
    // Rows 0..12 with SHAP vectors from three very different prototypes, duplicated pairwise:
    // row r and row r + 6 are identical.
    let protos = [[5.0, 0.0, -5.0], [-4.0, 4.0, 0.0], [0.0, -3.0, 3.0]];
    let e = Explanation::new(
        Array3::from_shape_fn((12, 3, 1), |(i, j, _)| {
            protos[i % 3][j] + 0.1 * ((i % 6) / 3) as f64
        }),
        Array2::zeros((12, 1)),
        Array2::zeros((12, 3)),
        vec!["a".into(), "b".into(), "c".into()],
        vec!["y".into()],
        "t",
    )
    .unwrap();
    let d = glassbox_plot::heatmap_data(&e, 0, 10, HeatmapOrder::Clustered).unwrap();
    assert!(is_permutation(&d.order, 12));
    let pos = |r: usize| d.order.iter().position(|&x| x == r).unwrap();
    for r in 0..6 {
        assert_eq!(pos(r).abs_diff(pos(r + 6)), 1, "{:?}", d.order);
    }
    // Each prototype's four rows are contiguous.
    let switches = d.order.windows(2).filter(|w| w[0] % 3 != w[1] % 3).count();
    assert_eq!(switches, 2, "{:?}", d.order);
    // The Given order would not pass these checks.
    let g = glassbox_plot::heatmap_data(&e, 0, 10, HeatmapOrder::Given).unwrap();
    assert_ne!(g.order, d.order);
}

#[test]
fn stacked_force_segments_span_exactly_to_fx() {
    let e = expl(30, 6, 3, 2);
    for output in [0, 2] {
        for order in all_orders() {
            let d = glassbox_plot::force_stacked_data(&e, output, order).unwrap();
            let rows: Vec<usize> = d.columns.iter().map(|c| c.row).collect();
            let h = glassbox_plot::heatmap_data(&e, output, 10, order).unwrap();
            assert_eq!(rows, h.order, "{order:?}");
            for c in &d.columns {
                let i = c.row;
                let vals: Vec<f64> = (0..6).map(|j| e.values[[i, j, output]]).collect();
                let p: f64 = vals.iter().filter(|v| **v > 0.0).sum();
                let n: f64 = vals.iter().filter(|v| **v < 0.0).map(|v| -v).sum();
                let fx = e.base_values[[i, output]] + vals.iter().sum::<f64>();
                assert!((c.fx - fx).abs() < 1e-12);
                assert_eq!(c.base, e.base_values[[i, output]]);
                // Red: contiguous from f(x) down to f(x) − P.
                let mut edge = c.fx;
                for s in &c.positive {
                    assert!(s.value > 0.0 && s.end == edge);
                    assert!((s.end - s.start - s.value).abs() < 1e-12);
                    assert_eq!(s.value, vals[s.feature]);
                    edge = s.start;
                }
                assert!((edge - (c.fx - p)).abs() < 1e-12);
                // Blue: contiguous from f(x) up to f(x) + N.
                let mut edge = c.fx;
                for s in &c.negative {
                    assert!(s.value < 0.0 && s.start == edge);
                    assert!((s.end - s.start + s.value).abs() < 1e-12);
                    edge = s.end;
                }
                assert!((edge - (c.fx + n)).abs() < 1e-12);
                let red: f64 = c.positive.iter().map(|s| s.end - s.start).sum();
                let blue: f64 = c.negative.iter().map(|s| s.end - s.start).sum();
                assert!((red - blue - (c.fx - c.base)).abs() < 1e-12);
                // Every non-zero feature appears exactly once.
                let nz = vals.iter().filter(|v| **v != 0.0).count();
                assert_eq!(c.positive.len() + c.negative.len(), nz);
            }
        }
    }
}

#[test]
fn interaction_matrix_orders_by_total_and_pair_doubles_off_diagonals() {
    let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
    // Totals: a 1.3, b 0.6, c 2.5, d 1.2.
    let m = array![
        [1.0, 0.1, 0.2, 0.0],
        [0.1, 0.3, 0.1, 0.1],
        [0.2, 0.1, 2.0, 0.2],
        [0.0, 0.1, 0.2, 0.9]
    ];
    let d = glassbox_plot::interaction_matrix_data(m.view(), &names, 10).unwrap();
    assert_eq!(d.features, vec![2, 0, 3, 1]);
    assert_eq!(d.labels, vec!["c", "a", "d", "b"]);
    assert_eq!(d.matrix[[0, 0]], 2.0);
    assert_eq!(d.matrix[[1, 2]], m[[0, 3]]);
    assert_eq!(d.matrix[[3, 0]], m[[1, 2]]);
    let d2 = glassbox_plot::interaction_matrix_data(m.view(), &names, 2).unwrap();
    assert_eq!(d2.features, vec![2, 0]);
    assert_eq!(d2.matrix.dim(), (2, 2));

    let e = expl(20, 4, 1, 3);
    let iv = Array3::from_shape_fn((20, 4, 4), |(r, a, b)| {
        if a == b {
            e.values[[r, a, 0]]
        } else {
            0.01 * (r + a + b) as f64
        }
    });
    let mut missing = e.clone();
    missing.data[[5, 1]] = f64::NAN;
    let p = glassbox_plot::interaction_pair_data(&missing, iv.view(), 1, 3, 0).unwrap();
    assert_eq!(p.rows.len(), 19);
    assert!(!p.rows.contains(&5));
    for (k, &r) in p.rows.iter().enumerate() {
        assert_eq!(p.x[k], e.data[[r, 1]]);
        assert_eq!(p.main[k], iv[[r, 1, 1]]);
        assert_eq!(p.interaction[k], 2.0 * iv[[r, 1, 3]]);
        assert!(p.color[k].is_some());
    }
    let mean = glassbox_plot::interaction::mean_abs_interactions(iv.view());
    let want: f64 = (0..20).map(|r| iv[[r, 0, 2]].abs()).sum::<f64>() / 20.0;
    assert!((mean[[0, 2]] - want).abs() < 1e-15);
}

fn input_error<T: std::fmt::Debug>(r: Result<T, PlotError>, needle: &str) {
    match r {
        Err(e @ PlotError::InvalidInput { .. }) => {
            assert!(e.to_string().contains(needle), "'{e}' lacks '{needle}'")
        }
        other => panic!("expected an input error containing '{needle}', got {other:?}"),
    }
}

#[test]
fn bad_input_gives_clear_errors() {
    let e = expl(6, 4, 2, 4);
    input_error(
        glassbox_plot::heatmap(&e, 2, 5, HeatmapOrder::Given),
        "output 2 out of range",
    );
    input_error(
        glassbox_plot::force_stacked(&e, 5, HeatmapOrder::Given, false),
        "output 5 out of range",
    );
    let empty = expl(0, 4, 1, 4);
    input_error(
        glassbox_plot::heatmap(&empty, 0, 5, HeatmapOrder::Clustered),
        "no rows",
    );
    input_error(
        glassbox_plot::force_stacked(&empty, 0, HeatmapOrder::Prediction, false),
        "no rows",
    );
    for order in [HeatmapOrder::Feature(4), HeatmapOrder::FeatureValue(9)] {
        input_error(glassbox_plot::heatmap_data(&e, 0, 5, order), "out of range");
        input_error(
            glassbox_plot::force_stacked_data(&e, 0, order),
            "out of range",
        );
    }
    input_error(
        glassbox_plot::heatmap_data(&e, 0, 0, HeatmapOrder::Given),
        "max_display",
    );
    let mut nan = e.clone();
    nan.values[[2, 1, 0]] = f64::NAN;
    input_error(
        glassbox_plot::heatmap(&nan, 0, 5, HeatmapOrder::Clustered),
        "finite",
    );
    // Clustering refuses more rows than it is meant for, and says what to do instead.
    let big = expl(MAX_CLUSTER_ROWS + 1, 2, 1, 4);
    input_error(
        glassbox_plot::heatmap_data(&big, 0, 5, HeatmapOrder::Clustered),
        "pass at most 2000 rows",
    );
    assert!(glassbox_plot::heatmap_data(&big, 0, 5, HeatmapOrder::Prediction).is_ok());
}

#[test]
fn bad_interaction_input_gives_clear_errors() {
    let e = expl(6, 4, 2, 4);
    let empty = expl(0, 4, 1, 4);
    let iv = Array3::<f64>::zeros((6, 4, 4));
    input_error(
        glassbox_plot::interaction_pair(&e, iv.view(), 0, 4, 0),
        "feature 4 out of range",
    );
    input_error(
        glassbox_plot::interaction_pair(&e, iv.view(), 7, 1, 0),
        "feature 7 out of range",
    );
    input_error(
        glassbox_plot::interaction_pair(&e, iv.view(), 2, 2, 0),
        "different features",
    );
    input_error(
        glassbox_plot::interaction_pair(&e, iv.view(), 0, 1, 2),
        "output 2 out of range",
    );
    let bad = Array3::<f64>::zeros((5, 4, 4));
    input_error(
        glassbox_plot::interaction_pair(&e, bad.view(), 0, 1, 0),
        "shape",
    );
    input_error(
        glassbox_plot::interaction_pair(&empty, iv.view(), 0, 1, 0),
        "no rows",
    );
    let names: Vec<String> = (0..3).map(|j| format!("f{j}")).collect();
    let sq = Array2::<f64>::zeros((3, 3));
    input_error(
        glassbox_plot::interaction_matrix(sq.view(), &names[..2], 5),
        "names",
    );
    let rect = Array2::<f64>::zeros((3, 2));
    input_error(
        glassbox_plot::interaction_matrix(rect.view(), &names, 5),
        "square",
    );
    let mut inf = sq.clone();
    inf[[1, 1]] = f64::INFINITY;
    input_error(
        glassbox_plot::interaction_matrix(inf.view(), &names, 5),
        "entry (1, 1)",
    );
}

/// Saves `fig` under `dir/stem`, checks that the PNG decodes at the figure's size and holds
/// ink and colour, and that the same figure gives the same bytes again; returns the SVG text.
fn saved(
    fig: glassbox_plot::Figure,
    again: glassbox_plot::Figure,
    dir: &Path,
    stem: &str,
) -> String {
    fig.save(&dir.join(stem)).unwrap();
    let png = image::open(dir.join(format!("{stem}.png")))
        .unwrap()
        .to_rgb8();
    assert_eq!(png.dimensions(), fig.size(), "{stem}");
    let dark = png.pixels().filter(|p| p.0.iter().all(|&v| v < 90)).count();
    let colour = png
        .pixels()
        .filter(|p| p.0.iter().max().unwrap() - p.0.iter().min().unwrap() > 80)
        .count();
    assert!(
        dark > 200 && colour > 200,
        "{stem}: {dark} dark, {colour} coloured pixels"
    );
    assert_eq!(
        fig.png_bytes().unwrap(),
        again.png_bytes().unwrap(),
        "{stem}"
    );
    let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
    assert_eq!(svg, again.svg_string().unwrap(), "{stem}");
    assert!(svg.starts_with("<svg"), "{stem}");
    svg
}

#[test]
fn figures_are_written_for_a_regressor_and_a_three_class_model() {
    let dir = tempfile::tempdir().unwrap();
    let reg = expl(40, 8, 1, 5);
    let cls = expl(30, 5, 3, 6);
    let iv = Array3::from_shape_fn((40, 8, 8), |(r, a, b)| {
        if a == b {
            reg.values[[r, a, 0]]
        } else {
            0.05 * reg.data[[r, a]] * reg.data[[r, b]]
        }
    });
    let mean = glassbox_plot::interaction::mean_abs_interactions(iv.view());
    for (tag, e) in [("reg", &reg), ("cls", &cls)] {
        for output in 0..e.n_outputs() {
            let stem = format!("heatmap_{tag}_{output}");
            let h = || glassbox_plot::heatmap(e, output, 4, HeatmapOrder::Clustered).unwrap();
            let svg = saved(h(), h(), dir.path(), &stem);
            assert!(
                svg.contains("mean(|SHAP|)") && svg.contains("other features"),
                "{stem}"
            );
            assert!(svg.contains(&format!("class {output}")) || tag == "reg");
            let stem = format!("stacked_{tag}_{output}");
            let prob = tag == "cls";
            let f =
                || glassbox_plot::force_stacked(e, output, HeatmapOrder::Prediction, prob).unwrap();
            let svg = saved(f(), f(), dir.path(), &stem);
            assert!(svg.contains("E[f(X)] ="), "{stem}");
            assert_eq!(svg.contains("ticks show probability"), prob, "{stem}");
        }
    }
    let names = reg.feature_names.clone();
    let m = || glassbox_plot::interaction_matrix(mean.view(), &names, 6).unwrap();
    let svg = saved(m(), m(), dir.path(), "interaction_matrix");
    assert!(svg.contains("top 6 of 8"));
    let p = || glassbox_plot::interaction_pair(&reg, iv.view(), 0, 3, 0).unwrap();
    let svg = saved(p(), p(), dir.path(), "interaction_pair");
    assert!(
        svg.contains("2·Φ(feature 0, feature 3)"),
        "interaction axis label"
    );
    assert!(
        svg.contains("Φ(feature 0, feature 0)"),
        "main effect axis label"
    );
}
