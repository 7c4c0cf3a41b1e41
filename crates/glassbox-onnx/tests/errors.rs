//! Bad and unsupported files give clear errors naming the file and, where there is one, the
//! node and operator; nothing panics.

mod common;

use common::path;
use glassbox_onnx::{OnnxError, load, parse};

fn err(name: &str) -> String {
    let e = load(path(name)).expect_err(name);
    let msg = e.to_string();
    assert!(msg.contains(name), "message does not name the file: {msg}");
    msg
}

#[test]
fn missing_file() {
    let e = load(path("no_such_model.onnx")).unwrap_err();
    assert!(matches!(e, OnnxError::Io { .. }));
    assert!(e.to_string().contains("no_such_model.onnx"));
}

#[test]
fn truncated_file() {
    let bytes = std::fs::read(path("gb_regressor.onnx")).unwrap();
    for cut in [1, 10, bytes.len() / 2, bytes.len() - 3] {
        let e = parse(&bytes[..cut], "cut.onnx").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("cut.onnx"), "{msg}");
        assert!(
            matches!(e, OnnxError::Decode { .. })
                || msg.contains("no graph")
                || msg.contains("no input"),
            "cut at {cut}: {msg}"
        );
    }
    let e = parse(&bytes[..bytes.len() / 2], "half.onnx").unwrap_err();
    assert!(
        e.to_string().contains("truncated, or not an ONNX file"),
        "{e}"
    );
}

#[test]
fn random_bytes_and_other_formats() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for len in [0usize, 1, 7, 64, 1000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let e = parse(&bytes, "random.bin").unwrap_err();
        assert!(e.to_string().contains("random.bin"), "{e}");
    }
    let e = parse(b"{\"learner\": {}}", "model.json").unwrap_err();
    assert!(e.to_string().contains("model.json"));
}

#[test]
fn unsupported_op_names_op_node_opset_and_what_is_supported() {
    let msg = err("bad_unsupported_op.onnx");
    for part in [
        "'Sin'",
        "'my_sin'",
        "opset 17",
        "TreeEnsembleRegressor",
        "ZipMap",
    ] {
        assert!(msg.contains(part), "missing {part}: {msg}");
    }
}

#[test]
fn two_inputs() {
    let msg = err("bad_two_inputs.onnx");
    assert!(msg.contains("2 inputs") && msg.contains("'extra'"), "{msg}");
}

#[test]
fn wrong_input_rank() {
    let msg = err("bad_input_rank.onnx");
    assert!(msg.contains("rank 3") && msg.contains("(N, F)"), "{msg}");
}

#[test]
fn min_aggregation_says_why() {
    let msg = err("bad_min_aggregate.onnx");
    for part in ["'MIN'", "TreeEnsembleRegressor", "additive", "SUM"] {
        assert!(msg.contains(part), "missing {part}: {msg}");
    }
}

#[test]
fn equality_split_names_the_node() {
    let msg = err("bad_branch_eq.onnx");
    for part in [
        "BRANCH_EQ",
        "tree 0 node 0",
        "TreeEnsembleRegressor",
        "cannot represent exactly",
    ] {
        assert!(msg.contains(part), "missing {part}: {msg}");
    }
}

#[test]
fn cover_data_must_fit() {
    let mut m = load(path("gb_regressor.onnx")).unwrap();
    let e = m
        .recompute_covers(ndarray::Array2::zeros((3, 4)).view())
        .unwrap_err();
    assert!(
        e.to_string().contains("4 columns") && e.to_string().contains("5 features"),
        "{e}"
    );
    let e = m
        .recompute_covers(ndarray::Array2::zeros((0, 5)).view())
        .unwrap_err();
    assert!(e.to_string().contains("no rows"), "{e}");
    assert!(!m.has_covers());
}
