//! Render tests for the force, decision and multi-output bar plots: PNG and SVG bytes, determinism, and clear errors.

use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, Array3};
use glassbox_plot::PlotError;

fn explanation(n: usize, m: usize, base: f64) -> Explanation {
    let values = Array3::from_shape_fn((n, m, 1), |(i, j, _)| {
        (((i * 5 + j * 3) % 7) as f64 - 3.0) / (j + 1) as f64
    });
    Explanation::new(
        values,
        Array2::from_elem((n, 1), base),
        Array2::from_shape_fn((n, m), |(i, j)| (i + j) as f64 * 0.5),
        (0..m).map(|j| format!("feature {j}")).collect(),
        vec!["y".into()],
        "test",
    )
    .unwrap()
}

#[test]
fn force_renders_png_and_svg_deterministically() {
    let e = explanation(4, 9, 0.3);
    for prob in [false, true] {
        let a = glassbox_plot::force(&e, 1, 0, 5, prob).unwrap();
        let b = glassbox_plot::force(&e, 1, 0, 5, prob).unwrap();
        let png = a.png_bytes().unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        assert_eq!(png, b.png_bytes().unwrap());
        let svg = a.svg_string().unwrap();
        assert_eq!(svg, b.svg_string().unwrap());
        assert!(svg.contains("f(x) ="));
        assert!(svg.contains("E[f(X)] ="));
        assert_eq!(svg.contains("ticks show probability"), prob);
    }
}

#[test]
fn force_rejects_bad_input() {
    let e = explanation(3, 4, 0.0);
    let err = glassbox_plot::force(&e, 0, 1, 5, false).unwrap_err();
    assert!(err.to_string().contains("output 1 out of range"), "{err}");
    let err = glassbox_plot::force(&e, 3, 0, 5, false).unwrap_err();
    assert!(err.to_string().contains("row 3 out of range"), "{err}");
    let mut nan = e.clone();
    nan.values[[0, 1, 0]] = f64::NAN;
    assert!(matches!(
        glassbox_plot::force(&nan, 0, 0, 5, false),
        Err(PlotError::InvalidInput { .. })
    ));
    let empty = explanation(0, 4, 0.0);
    let err = glassbox_plot::force(&empty, 0, 0, 5, false).unwrap_err();
    assert!(err.to_string().contains("no rows"), "{err}");
}

#[test]
fn decision_renders_deterministically_and_rejects_bad_input() {
    let e = explanation(12, 9, 0.3);
    let rows: Vec<usize> = (0..12).collect();
    let a = glassbox_plot::decision(&e, &rows, 0, 5, false).unwrap();
    let b = glassbox_plot::decision(&e, &rows, 0, 5, false).unwrap();
    assert_eq!(a.png_bytes().unwrap(), b.png_bytes().unwrap());
    let svg = a.svg_string().unwrap();
    assert_eq!(svg, b.svg_string().unwrap());
    assert!(svg.contains("5 other features"));
    assert!(!svg.contains("ticks show probability"));
    let probability = glassbox_plot::decision(&e, &rows, 0, 5, true).unwrap();
    assert!(
        probability
            .svg_string()
            .unwrap()
            .contains("ticks show probability")
    );
    assert!(glassbox_plot::decision(&e, &rows, 1, 5, false).is_err());
    assert!(glassbox_plot::decision(&e, &[], 0, 5, false).is_err());
    let mut nan = e.clone();
    nan.values[[3, 1, 0]] = f64::NAN;
    assert!(matches!(
        glassbox_plot::decision(&nan, &rows, 0, 5, false),
        Err(PlotError::InvalidInput { .. })
    ));
}

#[test]
fn multi_output_bar_renders_with_class_names() {
    let n = 10;
    let e = Explanation::new(
        Array3::from_shape_fn((n, 6, 3), |(i, j, k)| {
            ((i + 2 * j + 3 * k) % 5) as f64 - 2.0
        }),
        Array2::zeros((n, 3)),
        Array2::zeros((n, 6)),
        (0..6).map(|j| format!("feature {j}")).collect(),
        vec!["setosa".into(), "versicolor".into(), "virginica".into()],
        "test",
    )
    .unwrap();
    let a = glassbox_plot::shap_bar_multi(&e, 4).unwrap();
    let b = glassbox_plot::shap_bar_multi(&e, 4).unwrap();
    assert_eq!(a.png_bytes().unwrap(), b.png_bytes().unwrap());
    let svg = a.svg_string().unwrap();
    assert_eq!(svg, b.svg_string().unwrap());
    for c in [
        "setosa",
        "versicolor",
        "virginica",
        "Sum of 3 other features",
    ] {
        assert!(svg.contains(c), "{c} missing");
    }
    let mut nan = e.clone();
    nan.values[[0, 0, 2]] = f64::NAN;
    assert!(matches!(
        glassbox_plot::shap_bar_multi(&nan, 4),
        Err(PlotError::InvalidInput { .. })
    ));
    let empty = explanation(0, 4, 0.0);
    assert!(glassbox_plot::shap_bar_multi(&empty, 4).is_err());
}

#[test]
fn waterfall_probability_ticks_keep_the_margin_geometry() {
    let e = explanation(4, 9, -0.2);
    let a = glassbox_plot::waterfall_probability(&e, 1, 0, 6).unwrap();
    let svg = a.svg_string().unwrap();
    assert_eq!(
        svg,
        glassbox_plot::waterfall_probability(&e, 1, 0, 6)
            .unwrap()
            .svg_string()
            .unwrap()
    );
    assert!(svg.contains("f(x) (margin; ticks show probability)"));
    assert!(svg.contains("(p = "));
    // Same layout as the plain waterfall, 18 px taller for the axis title under E[f(X)].
    let (w, h) = glassbox_plot::waterfall(&e, 1, 0, 6).unwrap().size();
    assert_eq!(a.size(), (w, h + 18));
    assert!(glassbox_plot::waterfall_probability(&e, 1, 1, 6).is_err());
    assert!((glassbox_plot::force::logistic(0.0) - 0.5).abs() < 1e-15);
}
