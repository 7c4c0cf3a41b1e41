//! The fused inference pass (`Sequential::forward`: convolution, ReLU and max pooling in one
//! pass per tile) against the layer-by-layer pass (`forward_trace`), bit for bit, on the two
//! bundled NEU CNNs: what every explainer's network calls get must not depend on the path.

use std::path::Path;

use glassbox_core::rng::Rng;
use glassbox_models::nn::{Cnn, Tensor};

fn bundled(name: &str) -> Cnn {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/models")
        .join(name);
    Cnn::load(&dir).unwrap()
}

#[test]
fn fused_pass_equals_the_layer_by_layer_pass_on_the_bundled_cnns() {
    for name in ["neu-gap-cnn", "neu-flatten-cnn"] {
        let model = bundled(name);
        let [c, h, w] = model.input_shape();
        let mut rng = Rng::new(5);
        let x: Vec<f32> = (0..2 * c * h * w).map(|_| rng.next_f64() as f32).collect();
        let x = Tensor::new(vec![2, c, h, w], x).unwrap();
        let net = model.network();
        let fused = net.forward(&x);
        let trace = net.forward_trace(x);
        let plain = trace.last().unwrap();
        assert_eq!(fused.shape(), plain.shape());
        for (i, (a, b)) in fused.data().iter().zip(plain.data()).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{name}: output {i}: {a} vs {b}");
        }
    }
}
