//! Mutation test of the ONNX reader: random byte flips, truncations, deletions, duplications and
//! varint rewrites of the committed fixtures must give `Ok` or `Err`, never a panic; whatever
//! imports must be a valid ensemble that predicts (NaN rows included), recomputes covers and
//! reports scores without panicking, or a network that predicts, differentiates and gives
//! DeepLIFT multipliers without panicking.

mod common;
// The byte mutations are shared with the other crates' mutation tests (one copy of the helper).
#[path = "../../glassbox-data/tests/mutate/mod.rs"]
mod mutate;

use common::path;
use glassbox_core::Predict;
use glassbox_core::differentiable::{DeepLift, Differentiable};
use glassbox_onnx::{Imported, parse, parse_any};
use ndarray::Array2;
use proptest::prelude::*;

const FILES: &[&str] = &[
    "rf_regressor.onnx",
    "gb_binary.onnx",
    "rf_3class.onnx",
    "lgbm_regressor.onnx",
    "gb_regressor_modes.onnx",
    "gb_regressor_modes_v5.onnx",
    "rf_3class_v5.onnx",
    "networks/mlp_regressor.onnx",
    "networks/gap_cnn.onnx",
    "networks/flatten_cnn.onnx",
];

fn load_all() -> Vec<Vec<u8>> {
    FILES
        .iter()
        .map(|f| std::fs::read(path(f)).unwrap())
        .collect()
}

/// Parses and, on success, exercises the result.
fn exercise(bytes: &[u8]) {
    if let Ok(mut m) = parse(bytes, "mutant.onnx") {
        m.ensemble.validate().expect("imports are validated");
        let f = m.n_features();
        if f > 10_000 {
            return; // a mutated input shape; building rows that wide proves nothing more
        }
        let mut x = Array2::from_elem((3, f), 0.5);
        x.row_mut(1).fill(f64::NAN);
        x.row_mut(2).fill(-1e30);
        let s = m.predict_scores(x.view()).unwrap();
        assert_eq!(s.dim(), (3, m.n_scores()));
        m.recompute_covers(x.view()).unwrap();
        let _ = m.ensemble.expected_value();
    }
    if let Ok(Imported::Network(n)) = parse_any(bytes, "mutant.onnx") {
        let f = n.n_features();
        if f > 1 << 16 || n.network().n_params() > 1 << 20 {
            return; // a mutated size; nothing more to learn from allocating it
        }
        let x = Array2::from_elem((2, f), 0.5);
        let r = Array2::from_elem((2, f), -0.25);
        let y = n.predict_outputs(x.view()).unwrap();
        assert_eq!(y.dim(), (2, n.n_outputs()));
        n.flat().input_gradients(x.view(), 0).unwrap();
        n.flat()
            .deeplift_multipliers(x.view(), r.view(), 0)
            .unwrap();
        let names = (0..n.n_outputs()).map(|i| i.to_string()).collect();
        let _ = n.to_cnn(names, None);
    }
}

/// The shared byte mutations, plus two aimed at protobuf.
#[derive(Clone, Debug)]
enum Mutation {
    /// A flip, truncation, deletion, duplication, nasty number or binary word.
    Common(mutate::Mutation),
    /// Flip the lowest bit of a byte (mostly a nearby threshold, weight or id).
    Nudge { at: usize },
    /// Overwrite 5 bytes with a large varint (lengths, ids, counts).
    Varint { at: usize, big: bool },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<prop::sample::Index>();
    prop_oneof![
        4 => mutate::mutation().prop_map(Mutation::Common),
        2 => pos.clone().prop_map(|i| Mutation::Nudge {
            at: i.index(1 << 20)
        }),
        1 => (pos, any::<bool>()).prop_map(|(i, big)| Mutation::Varint {
            at: i.index(1 << 20),
            big
        }),
    ]
}

fn apply(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let n = b.len().max(1);
    match *m {
        Mutation::Common(ref m) => return mutate::apply(b, m),
        Mutation::Nudge { at } => {
            if !b.is_empty() {
                b[at % n] ^= 1;
            }
        }
        Mutation::Varint { at, big } => {
            let v: &[u8] = if big {
                &[0xff, 0xff, 0xff, 0xff, 0x0f]
            } else {
                &[0x80, 0x80, 0x80, 0x80, 0x01]
            };
            let s = at % n;
            for (i, &byte) in v.iter().enumerate() {
                if let Some(slot) = b.get_mut(s + i) {
                    *slot = byte;
                }
            }
        }
    }
    b
}

proptest! {
    // A fixed seed keeps CI deterministic.
    #![proptest_config(ProptestConfig {
        cases: 400,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0_11ee_0b17),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_fixtures_never_panic(
        file in 0..FILES.len(),
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static FIXTURES: Vec<Vec<u8>> = load_all());
        let bytes = FIXTURES.with(|f| f[file].clone());
        exercise(&muts.iter().fold(bytes, apply));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }
}
