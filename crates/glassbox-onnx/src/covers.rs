//! Node covers recomputed from data: ONNX files carry no per-node sample counts (converters
//! write `nodes_hitrates` as 1.0 or not at all), while path-dependent TreeSHAP weighs the two
//! sides of a split on an unknown feature by the share of training samples that went each way.
//! Routing the training rows (or a representative sample) through each tree and counting the
//! rows that reach every node gives exactly those covers.

use glassbox_core::TreeEnsemble;
use ndarray::ArrayView2;

/// Replaces every node's cover by the number of rows of `data`, shape (samples, features), that
/// reach it (missing values follow each node's default direction, exactly as in prediction).
///
/// Errors (plain messages): a width different from the ensemble's feature count, or no rows.
pub fn recompute(ensemble: &mut TreeEnsemble, data: ArrayView2<'_, f64>) -> Result<(), String> {
    if data.ncols() != ensemble.n_features {
        return Err(format!(
            "the data has {} columns but the model has {} features",
            data.ncols(),
            ensemble.n_features
        ));
    }
    if data.nrows() == 0 {
        return Err("the data has no rows".into());
    }
    let rows: Vec<Vec<f64>> = data.rows().into_iter().map(|r| r.to_vec()).collect();
    let split = ensemble.split;
    for tree in &mut ensemble.trees {
        tree.cover.iter_mut().for_each(|c| *c = 0.0);
        for x in &rows {
            let mut n = 0;
            tree.cover[0] += 1.0;
            while !tree.is_leaf(n) {
                n = tree.next(n, x, split);
                tree.cover[n] += 1.0;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::{LEAF, Missing, SplitCondition, Tree};
    use ndarray::array;

    fn stump() -> TreeEnsemble {
        TreeEnsemble {
            trees: vec![Tree {
                left: vec![1, LEAF, LEAF],
                right: vec![2, LEAF, LEAF],
                feature: vec![1, 0, 0],
                threshold: vec![0.5, 0.0, 0.0],
                default_left: vec![false, true, true],
                missing: vec![Missing::Default; 3],
                cover: vec![0.0; 3],
                value: vec![0.0, 1.0, 2.0],
            }],
            tree_output: vec![0],
            tree_weight: vec![1.0],
            base_offset: vec![0.0],
            n_features: 2,
            n_outputs: 1,
            split: SplitCondition::LessOrEqual,
            feature_names: None,
        }
    }

    #[test]
    fn counts_rows_per_node() {
        let mut e = stump();
        let x = array![[0.0, 0.5], [0.0, 0.6], [9.0, f64::NAN], [0.0, -1.0]];
        recompute(&mut e, x.view()).unwrap();
        assert_eq!(e.trees[0].cover, vec![4.0, 2.0, 2.0]);
        assert!((e.expected_value()[0] - 1.5).abs() < 1e-15);
    }

    #[test]
    fn refuses_bad_data() {
        let mut e = stump();
        assert!(
            recompute(&mut e, array![[1.0]].view())
                .unwrap_err()
                .contains("1 columns")
        );
        let empty = ndarray::Array2::<f64>::zeros((0, 2));
        assert!(
            recompute(&mut e, empty.view())
                .unwrap_err()
                .contains("no rows")
        );
    }
}
