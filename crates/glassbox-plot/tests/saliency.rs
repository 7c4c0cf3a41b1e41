//! CAM figures written to disk: PNGs decode at the figure's size, the overlay PNG holds the
//! blended pixels, the SVG embeds the rasters, and grids stack one row per image.

use glassbox_core::ndarray::Array2;
use glassbox_plot::saliency::{normalize01, overlay_rgb};
use glassbox_plot::{CamPanel, cam_grid, cam_panel, save_overlay_png, training_history};

fn image(h: usize, w: usize, phase: usize) -> Array2<f32> {
    Array2::from_shape_fn((h, w), |(y, x)| ((x + y + phase) % 7) as f32 / 6.0)
}

fn panel<'a>(
    img: &'a Array2<f32>,
    raw: &'a Array2<f64>,
    up: &'a Array2<f64>,
    name: &str,
) -> CamPanel<'a> {
    CamPanel {
        image: img.view(),
        raw_map: raw.view(),
        map: up.view(),
        name: name.into(),
        true_class: Some("scratches".into()),
        predicted: "scratches".into(),
        score: 0.987,
        explained: "scratches".into(),
        alpha: 0.5,
    }
}

#[test]
fn overlay_png_holds_the_blend() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(20, 30, 0);
    let map = Array2::from_shape_fn((20, 30), |(y, x)| (x * y) as f64 - 7.0);
    let path = dir.path().join("overlay.png");
    save_overlay_png(&path, img.view(), map.view(), 0.4).unwrap();
    let png = image::open(&path).unwrap().to_rgb8();
    assert_eq!(png.dimensions(), (30, 20));
    let want = overlay_rgb(img.view(), normalize01(map.view()).unwrap().view(), 0.4).unwrap();
    assert_eq!(png.into_raw(), want);
    // Mismatched map: an error and no file.
    let bad = dir.path().join("bad.png");
    assert!(save_overlay_png(&bad, img.view(), Array2::zeros((5, 5)).view(), 0.5).is_err());
    assert!(!bad.exists());
}

#[test]
fn panel_and_grid_files() {
    let dir = tempfile::tempdir().unwrap();
    let imgs: Vec<Array2<f32>> = (0..3).map(|i| image(24, 24, i)).collect();
    let raw = Array2::from_shape_fn((3, 3), |(y, x)| (y * 3 + x) as f64);
    let up = Array2::from_shape_fn((24, 24), |(y, x)| (y + x) as f64);
    let p = panel(&imgs[0], &raw, &up, "scratches_251.png");
    let fig = cam_panel(&p).unwrap();
    fig.save(&dir.path().join("panel")).unwrap();
    let png = image::open(dir.path().join("panel.png")).unwrap().to_rgb8();
    assert_eq!(png.dimensions(), fig.size());
    let svg = std::fs::read_to_string(dir.path().join("panel.svg")).unwrap();
    assert!(svg.contains("data:image/png;base64,"));
    assert!(svg.contains("scratches_251.png · true: scratches · predicted: scratches (0.987)"));
    // Same input, same bytes.
    assert_eq!(
        fig.png_bytes().unwrap(),
        cam_panel(&p).unwrap().png_bytes().unwrap()
    );

    let panels: Vec<CamPanel> = imgs
        .iter()
        .enumerate()
        .map(|(i, im)| panel(im, &raw, &up, &format!("img_{i}.png")))
        .collect();
    let grid = cam_grid(&panels, "Grad-CAM — conv4").unwrap();
    let (gw, gh) = grid.size();
    assert_eq!(gw, fig.size().0);
    assert!(gh > 3 * 192, "{gh}");
    grid.save_png(&dir.path().join("grid.png")).unwrap();
    let svg = grid.svg_string().unwrap();
    assert_eq!(svg.matches("<image ").count(), 3 * 5);
    // Mixed sizes are refused.
    let other = image(10, 10, 0);
    let up10 = Array2::zeros((10, 10));
    let mixed = [panels[0].clone(), panel(&other, &raw, &up10, "small.png")];
    let err = cam_grid(&mixed, "t").unwrap_err().to_string();
    assert!(err.contains("small.png"), "{err}");
    assert!(cam_grid(&[], "t").is_err());
}

#[test]
fn history_renders() {
    let dir = tempfile::tempdir().unwrap();
    let f = training_history(
        &[1.5, 0.9, 0.5],
        &[0.3, 0.6, 0.8],
        Some(&[1.6, 1.0, 0.7]),
        Some(&[0.3, 0.5, 0.7]),
        "gap-cnn",
    )
    .unwrap();
    f.save(&dir.path().join("history")).unwrap();
    let png = image::open(dir.path().join("history.png")).unwrap();
    assert_eq!((png.width(), png.height()), f.size());
}
