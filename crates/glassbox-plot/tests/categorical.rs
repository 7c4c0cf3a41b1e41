//! Categorical features in plots: values shown by their category labels (waterfall, force,
//! dependence ticks), no colour scale in the beeswarm (grey, as shap draws text features).

use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, Array3};

/// 6 rows; feature 0 numeric, feature 1 categorical (codes 0..2 = blue, green, red).
fn explanation() -> Explanation {
    let n = 6;
    let values = Array3::from_shape_fn((n, 2, 1), |(i, j, _)| (i as f64 - 2.5) * (j as f64 + 1.0));
    let data = Array2::from_shape_fn((n, 2), |(i, j)| {
        if j == 0 {
            i as f64 * 1.5
        } else {
            (i % 3) as f64
        }
    });
    Explanation::new(
        values,
        Array2::from_elem((n, 1), 1.0),
        data,
        vec!["size".into(), "colour".into()],
        vec!["y".into()],
        "test",
    )
    .unwrap()
    .with_categories(vec![
        None,
        Some(vec!["blue".into(), "green".into(), "red".into()]),
    ])
    .unwrap()
}

#[test]
fn categories_label_values_and_ticks() {
    let e = explanation();
    // Row 2 holds category 2 = red.
    let waterfall = glassbox_plot::waterfall(&e, 2, 0, 10)
        .unwrap()
        .svg_string()
        .unwrap();
    assert!(waterfall.contains("red = colour"), "waterfall label");
    assert!(
        waterfall.contains("3 = size"),
        "numeric values stay numbers"
    );
    let force = glassbox_plot::force(&e, 2, 0, 5, false)
        .unwrap()
        .svg_string()
        .unwrap();
    assert!(force.contains("colour = red"), "force label");
    let dep = glassbox_plot::dependence(&e, 1, 0, glassbox_plot::ColorBy::None, None)
        .unwrap()
        .svg_string()
        .unwrap();
    // Without categories the same explanation shows codes, not names.
    let mut plain = e.clone();
    plain.categories = vec![None, None];
    let plain_dep = glassbox_plot::dependence(&plain, 1, 0, glassbox_plot::ColorBy::None, None)
        .unwrap()
        .svg_string()
        .unwrap();
    for name in ["blue", "green", "red"] {
        assert!(dep.contains(name), "tick {name}");
        assert!(
            !plain_dep.contains(name),
            "no tick {name} without categories"
        );
    }
    let w = glassbox_plot::waterfall(&plain, 2, 0, 10)
        .unwrap()
        .svg_string()
        .unwrap();
    assert!(w.contains("2 = colour") && !w.contains("red"));
}

#[test]
fn categorical_rows_of_the_beeswarm_are_not_colour_scaled() {
    let e = explanation();
    let rows = glassbox_plot::beeswarm::beeswarm_data(&e, 0, 10).unwrap();
    let colour = rows.iter().find(|r| r.label == "colour").unwrap();
    assert!(colour.color.iter().all(Option::is_none));
    let size = rows.iter().find(|r| r.label == "size").unwrap();
    assert!(size.color.iter().all(Option::is_some));
}
