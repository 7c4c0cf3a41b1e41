//! The default CAM upsampling equals OpenCV's `cv2.resize(..., INTER_CUBIC)` on fixture numbers
//! written by OpenCV itself (`tests/fixtures/make_cv2_resize.py`, version recorded in the
//! file), and PIL's kernel differs from it.

use glassbox_core::ndarray::Array2;
use glassbox_explain::cam::BicubicKernel;
use glassbox_explain::cam::upsample::upsample_bicubic;

fn matrix(v: &serde_json::Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    let (h, w) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((h, w), rows.into_iter().flatten().collect()).unwrap()
}

#[test]
fn default_upsampling_matches_opencv_inter_cubic() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cv2_resize_cubic.json"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for (i, case) in cases.iter().enumerate() {
        let (input, expected) = (matrix(&case["input"]), matrix(&case["output"]));
        let (oh, ow) = expected.dim();
        let ours = upsample_bicubic(input.view(), oh, ow, BicubicKernel::default()).unwrap();
        let worst = ours
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        // OpenCV's float32 positions and weights are reproduced, so only the order of the f64
        // sums differs (measured < 1e-13; values here are O(1)). With f64 weights the gap was
        // 1.7e-6.
        assert!(
            worst < 1e-12,
            "case {i} {:?} -> {:?}: max |glassbox - cv2| = {worst:e}",
            input.dim(),
            (oh, ow)
        );
        // PIL's kernel is another interpolation: it must not pass the same check (upscales).
        if oh > input.dim().0 {
            let pil = upsample_bicubic(input.view(), oh, ow, BicubicKernel::Pil).unwrap();
            let gap = pil
                .iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                gap > 1e-3,
                "case {i}: PIL's kernel matched OpenCV ({gap:e})"
            );
        }
    }
}
