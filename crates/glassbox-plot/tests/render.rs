//! Render smoke tests: every plot writes a PNG that decodes at the right size and is not blank,
//! an SVG that names what it shows, the same bytes every time, and nothing on failure.

use std::path::Path;

use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, Array3};
use glassbox_core::rng::Rng;
use glassbox_plot::{ColorBy, Figure, PlotError, Series};

const NAMES: [&str; 7] = [
    "Fill time derived (sec)",
    "Injection volume flow",
    "Holding pressure",
    "Mold temperature (°C)",
    "Cooling time",
    "Melt & <mold> temp",
    "Screw speed",
];

fn explanation(n: usize) -> Explanation {
    let m = NAMES.len();
    let mut rng = Rng::new(5);
    let data = Array2::from_shape_fn((n, m), |_| rng.normal());
    let values = Array3::from_shape_fn((n, m, 1), |(i, j, _)| {
        data[[i, j]] / (j + 1) as f64 + 0.2 * data[[i, j]] * data[[i, (j + 2) % m]]
    });
    Explanation::new(
        values,
        Array2::from_elem((n, 1), 22.0),
        data,
        NAMES.iter().map(|s| s.to_string()).collect(),
        vec!["Weight (g)".into()],
        "tree-shap",
    )
    .unwrap()
}

/// Saves `fig` as `<dir>/<stem>.{png,svg}`, checks the PNG and returns the SVG text.
fn check_saved(fig: &Figure, dir: &Path, stem: &str) -> String {
    fig.save(&dir.join(stem)).unwrap();
    let png = image::open(dir.join(format!("{stem}.png")))
        .unwrap()
        .to_rgb8();
    assert_eq!(png.dimensions(), fig.size(), "{stem}");
    let lum = |p: &image::Rgb<u8>| p.0.iter().map(|&v| v as u32).sum::<u32>() / 3;
    let dark = png.pixels().filter(|p| lum(p) < 80).count();
    let light = png.pixels().filter(|p| lum(p) > 240).count();
    let n = (png.width() * png.height()) as usize;
    assert!(dark > 200, "{stem}: only {dark} dark pixels");
    assert!(light > n / 3, "{stem}: only {light} light pixels of {n}");
    let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
    let (w, h) = fig.size();
    assert!(
        svg.starts_with(&format!("<svg width=\"{w}\" height=\"{h}\"")),
        "{stem}"
    );
    assert!(
        svg.contains(fig.title().split('—').next().unwrap().trim()),
        "{stem}: title missing"
    );
    svg
}

/// SVG text escapes `&` and `<`.
fn svg_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn shap_plots_render_with_feature_names() {
    let dir = tempfile::tempdir().unwrap();
    let e = explanation(80);
    let figs = [
        ("bar", glassbox_plot::shap_bar(&e, 0, 10).unwrap()),
        ("beeswarm", glassbox_plot::beeswarm(&e, 0, 10).unwrap()),
        ("waterfall", glassbox_plot::waterfall(&e, 2, 0, 10).unwrap()),
    ];
    for (stem, fig) in &figs {
        let svg = check_saved(fig, dir.path(), stem);
        for name in NAMES {
            assert!(
                svg.contains(&svg_text(name)),
                "{stem}: '{name}' missing from SVG"
            );
        }
    }
    let dep = glassbox_plot::dependence(&e, 0, 0, ColorBy::Auto, None).unwrap();
    let svg = check_saved(&dep, dir.path(), "dependence");
    assert!(svg.contains("SHAP value for Fill time derived (sec)"));
    // The top-k bucket appears when features are pooled.
    let bar = glassbox_plot::shap_bar(&e, 0, 4).unwrap();
    assert!(
        bar.svg_string()
            .unwrap()
            .contains("Sum of 4 other features")
    );
}

#[test]
fn long_feature_names_fit_inside_the_figure() {
    // The left margin grows with the longest label: nothing may be drawn left of x = 0, so
    // the leftmost column of the PNG stays white while the label's first glyph is visible.
    let e = explanation(20);
    let fig = glassbox_plot::beeswarm(&e, 0, 10).unwrap();
    let (w, h, rgb) = fig.to_rgb().unwrap();
    let col_is_white = |x: u32| (0..h).all(|y| rgb[((y * w + x) * 3) as usize] > 250);
    assert!(col_is_white(0) && col_is_white(1));
    assert!(
        !(2..40).all(col_is_white),
        "labels should start near the left padding"
    );
}

#[test]
fn other_plots_render() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(2);
    let measured: Vec<f64> = (0..200).map(|_| 20.0 + rng.next_f64()).collect();
    let predicted: Vec<f64> = measured.iter().map(|m| m + 0.02 * rng.normal()).collect();
    let fig = glassbox_plot::measured_vs_predicted(
        &measured,
        &predicted,
        "Forest — test set",
        "Weight (g)",
    )
    .unwrap();
    let svg = check_saved(&fig, dir.path(), "mvp");
    assert!(svg.contains("R² = ") && svg.contains("Measured Weight (g)"));

    let xs: Vec<f64> = (1..=30).map(|i| i as f64).collect();
    let ys: Vec<f64> = xs.iter().map(|x| 1.0 / x).collect();
    let fig = glassbox_plot::line_chart(
        &[Series::new("train loss", xs.clone(), ys)],
        "Loss",
        "Epoch",
        "MSE",
        true,
    )
    .unwrap();
    let svg = check_saved(&fig, dir.path(), "loss");
    assert!(svg.contains("train loss") && svg.contains("Epoch"));

    let labels: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    let means = [0.3, 0.1, 0.05, 0.02, 0.01, 0.0, -0.01];
    let fig = glassbox_plot::bar_with_errors(
        &labels,
        &means,
        &[0.01; 7],
        "Permutation importance",
        "Decrease in R²",
    )
    .unwrap();
    let svg = check_saved(&fig, dir.path(), "perm");
    assert!(svg.contains(&svg_text(NAMES[5])));

    let classes: Vec<String> = vec!["crazing".into(), "patches".into(), "scratches".into()];
    let cm = vec![vec![10, 1, 0], vec![2, 12, 1], vec![0, 0, 9]];
    let fig = glassbox_plot::confusion_matrix(&cm, &classes, "Confusion").unwrap();
    let svg = check_saved(&fig, dir.path(), "cm");
    assert!(svg.contains("scratches") && svg.contains("Predicted label"));
}

#[test]
fn rendering_is_deterministic_and_scales() {
    let e = explanation(60);
    let a = glassbox_plot::beeswarm(&e, 0, 5).unwrap();
    let b = glassbox_plot::beeswarm(&e, 0, 5).unwrap();
    assert_eq!(a.png_bytes().unwrap(), b.png_bytes().unwrap());
    assert_eq!(a.svg_string().unwrap(), b.svg_string().unwrap());
    let (w, h) = a.size();
    let (w2, h2, _) = a.clone().with_scale(2).to_rgb().unwrap();
    assert_eq!((w2, h2), (2 * w, 2 * h));
}

#[test]
fn failed_saves_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = explanation(10);
    let fig = glassbox_plot::shap_bar(&e, 0, 10).unwrap();
    let missing = dir.path().join("no-such-dir").join("bar");
    assert!(matches!(fig.save(&missing), Err(PlotError::Write { .. })));
    assert!(
        fig.save_png(&dir.path().join("no-such-dir/bar.png"))
            .is_err()
    );
    // The SVG target is a directory: the PNG already written must be removed again.
    std::fs::create_dir(dir.path().join("pair.svg")).unwrap();
    let err = fig.save(&dir.path().join("pair")).unwrap_err();
    assert!(err.to_string().contains("pair.svg"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|d| d.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        left,
        vec!["pair.svg".to_string()],
        "leftover files: {left:?}"
    );
}

#[test]
fn bad_explanations_give_plot_errors() {
    let e = explanation(5);
    let mut nan = e.clone();
    nan.values[[1, 2, 0]] = f64::NAN;
    assert!(matches!(
        glassbox_plot::beeswarm(&nan, 0, 10),
        Err(PlotError::InvalidInput { .. })
    ));
    assert!(glassbox_plot::waterfall(&nan, 0, 0, 10).is_err());
    assert!(glassbox_plot::dependence(&nan, 0, 0, ColorBy::Auto, None).is_err());
    assert!(glassbox_plot::waterfall(&e, 5, 0, 10).is_err());
    assert!(glassbox_plot::beeswarm(&e, 1, 10).is_err());
    let empty = Explanation::new(
        Array3::zeros((0, 2, 1)),
        Array2::zeros((0, 1)),
        Array2::zeros((0, 2)),
        vec!["a".into(), "b".into()],
        vec!["y".into()],
        "t",
    )
    .unwrap();
    let err = glassbox_plot::shap_bar(&empty, 0, 10).unwrap_err();
    assert!(err.to_string().contains("no rows"), "{err}");
    // Missing feature values are fine: drawn grey.
    let mut missing = e.clone();
    missing.data[[0, 0]] = f64::NAN;
    assert!(glassbox_plot::beeswarm(&missing, 0, 10).is_ok());
}
