//! Plot build and render times on the sizes the CLI produces: 1050 explained rows × 37
//! features (the molding test split). `cargo bench -p glassbox-plot --bench render`.

use std::time::Instant;

use glassbox_core::Explanation;
use glassbox_core::ndarray::{Array2, Array3};
use glassbox_core::rng::Rng;
use glassbox_plot::{ColorBy, Figure, PlotError};

fn explanation(n: usize, m: usize) -> Explanation {
    let mut rng = Rng::new(1);
    let data = Array2::from_shape_fn((n, m), |_| rng.normal());
    let values = Array3::from_shape_fn((n, m, 1), |(i, j, _)| {
        data[[i, j]] / (j + 1) as f64 + 0.1 * data[[i, j]] * data[[i, (j + 1) % m]]
    });
    Explanation::new(
        values,
        Array2::from_elem((n, 1), 20.0),
        data,
        (0..m).map(|j| format!("Feature number {j}")).collect(),
        vec!["y".into()],
        "bench",
    )
    .unwrap()
}

/// A named way to build one figure.
type Builder<'a> = Box<dyn Fn() -> Result<Figure, PlotError> + 'a>;

fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..5)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[2]
}

fn main() -> Result<(), PlotError> {
    let e = explanation(1050, 37);
    let cases: Vec<(&str, Builder)> = vec![
        (
            "shap_bar (37 features)",
            Box::new(|| glassbox_plot::shap_bar(&e, 0, 20)),
        ),
        (
            "beeswarm 1050×20 rows",
            Box::new(|| glassbox_plot::beeswarm(&e, 0, 20)),
        ),
        (
            "waterfall",
            Box::new(|| glassbox_plot::waterfall(&e, 0, 0, 20)),
        ),
        (
            "dependence (auto colour)",
            Box::new(|| glassbox_plot::dependence(&e, 0, 0, ColorBy::Auto, None)),
        ),
    ];
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "plot", "build ms", "png ms", "svg ms"
    );
    for (name, build) in &cases {
        let fig = build()?;
        let b = median_ms(|| {
            build().unwrap();
        });
        let p = median_ms(|| {
            fig.png_bytes().unwrap();
        });
        let s = median_ms(|| {
            fig.svg_string().unwrap();
        });
        println!("{name:<28} {b:>10.1} {p:>10.1} {s:>10.1}");
    }
    Ok(())
}
