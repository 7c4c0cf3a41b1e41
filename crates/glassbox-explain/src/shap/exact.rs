//! Brute-force Shapley values over all `2^M` coalitions: the oracle the fast explainers are
//! tested against.
//!
//! [`shapley_brute_force`] takes any value function `v(S)`, so the same oracle serves
//! path-dependent TreeSHAP ([`path_dependent_value`]), interventional TreeSHAP and interaction
//! values. It shares no code with the fast algorithms: it evaluates the definition
//! `phi_i = sum_{S not containing i} |S|! (M - |S| - 1)! / M! * (v(S + i) - v(S))` literally.

use glassbox_core::model::check_input;
use glassbox_core::ndarray::{Array2, Array3, ArrayView2};
use glassbox_core::{Tree, TreeEnsemble};

use super::ShapValues;
use crate::ExplainError;

/// The largest number of players [`shapley_brute_force`] accepts (`2^20` coalitions).
pub const MAX_BRUTE_FORCE_FEATURES: usize = 20;

/// Exact Shapley values of the game `value` with `m` players, by enumerating all `2^m`
/// coalitions.
///
/// `value(S)` receives the coalition as a bitmask (bit `j` set = player `j` present) and is
/// called exactly once per coalition. Returns `phi`, length `m`.
///
/// # Panics
/// If `m > MAX_BRUTE_FORCE_FEATURES` (the cost is `O(m 2^m)`; this is a test oracle).
pub fn shapley_brute_force(m: usize, value: impl Fn(u64) -> f64) -> Vec<f64> {
    assert!(
        m <= MAX_BRUTE_FORCE_FEATURES,
        "shapley_brute_force: {m} players, at most {MAX_BRUTE_FORCE_FEATURES} supported"
    );
    if m == 0 {
        return Vec::new();
    }
    let n_sets = 1u64 << m;
    let v: Vec<f64> = (0..n_sets).map(value).collect();
    // weight[s] = s! (m - 1 - s)! / m! = 1 / (m * C(m - 1, s)).
    let weight: Vec<f64> = (0..m)
        .map(|s| 1.0 / (m as f64 * binomial(m - 1, s)))
        .collect();
    (0..m)
        .map(|i| {
            let bit = 1u64 << i;
            (0..n_sets)
                .filter(|s| s & bit == 0)
                .map(|s| weight[s.count_ones() as usize] * (v[(s | bit) as usize] - v[s as usize]))
                .sum()
        })
        .collect()
}

/// `C(n, k)` as f64 (exact for the small `n` used here).
fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    let mut c = 1.0;
    for j in 0..k {
        c = c * (n - j) as f64 / (j + 1) as f64;
    }
    c.round()
}

/// Share of a node's cover that goes to `child`: `cover[child] / (cover[left] + cover[right])`,
/// or 1/2 when both children have zero cover. This is the convention of every path-dependent
/// explainer in glassbox; normalising by the children (rather than the parent's own cover) keeps
/// the expectation proper even when an imported model's covers are slightly inconsistent.
fn child_share(tree: &Tree, node: usize, child: usize) -> f64 {
    let total = tree.cover[tree.left[node] as usize] + tree.cover[tree.right[node] as usize];
    if total > 0.0 {
        tree.cover[child] / total
    } else {
        0.5
    }
}

/// Path-dependent expectation of one tree: `E[tree(x) | x_S]`, where a split on a feature in
/// `subset` follows `x` (via [`Tree::next`], so missing values behave as in prediction) and a
/// split on any other feature follows both children, weighted by their cover shares.
fn tree_value(tree: &Tree, ensemble: &TreeEnsemble, x: &[f64], subset: u64) -> f64 {
    let mut total = 0.0;
    let mut stack = vec![(0usize, 1.0f64)];
    while let Some((node, w)) = stack.pop() {
        if tree.is_leaf(node) {
            total += w * tree.value[node];
            continue;
        }
        let f = tree.feature[node] as usize;
        if f < 64 && subset & (1u64 << f) != 0 {
            stack.push((tree.next(node, x, ensemble.split), w));
        } else {
            for child in [tree.left[node] as usize, tree.right[node] as usize] {
                stack.push((child, w * child_share(tree, node, child)));
            }
        }
    }
    total
}

/// The path-dependent TreeSHAP value function for output `output`:
/// `v(S) = base_offset[output] + sum over trees t adding to output of tree_weight[t] * E[tree_t(x) | x_S]`
/// (see the module doc of [`crate::shap::tree_shap`] for the expectation).
///
/// `x` is one row, length `n_features`; `subset` has bit `j` set when feature `j` is known
/// (features with index >= 64 are always unknown). The ensemble is assumed valid.
pub fn path_dependent_value(ensemble: &TreeEnsemble, x: &[f64], subset: u64, output: usize) -> f64 {
    let mut v = ensemble.base_offset[output];
    for (t, tree) in ensemble.trees.iter().enumerate() {
        if ensemble.tree_output[t] == output {
            v += ensemble.tree_weight[t] * tree_value(tree, ensemble, x, subset);
        }
    }
    v
}

/// Path-dependent SHAP values by brute force over all coalitions, for every row of `x`,
/// shape (samples, features): values (samples, features, outputs) and base values
/// `v(empty set)`, shape (samples, outputs). Exponential in the number of features: an oracle for
/// tests, limited to [`MAX_BRUTE_FORCE_FEATURES`] features.
pub fn tree_shap_brute_force(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
) -> Result<ShapValues, ExplainError> {
    check_input(x, ensemble.n_features)?;
    ensemble.validate()?;
    let (n, m, k) = (x.nrows(), ensemble.n_features, ensemble.n_outputs);
    if m > MAX_BRUTE_FORCE_FEATURES {
        return Err(ExplainError::InvalidArgument(format!(
            "brute-force Shapley values need at most {MAX_BRUTE_FORCE_FEATURES} features, the model has {m}"
        )));
    }
    let mut values = Array3::zeros((n, m, k));
    let mut base_values = Array2::zeros((n, k));
    for (i, row) in x.rows().into_iter().enumerate() {
        let row = row.to_vec();
        for o in 0..k {
            let phi = shapley_brute_force(m, |s| path_dependent_value(ensemble, &row, s, o));
            for (j, p) in phi.into_iter().enumerate() {
                values[[i, j, o]] = p;
            }
            base_values[[i, o]] = path_dependent_value(ensemble, &row, 0, o);
        }
    }
    Ok(ShapValues {
        values,
        base_values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additive_game_gives_its_coefficients() {
        let c = [1.5, -2.0, 0.25, 7.0];
        let phi = shapley_brute_force(4, |s| {
            (0..4).filter(|j| s & (1 << j) != 0).map(|j| c[j]).sum()
        });
        for j in 0..4 {
            assert!((phi[j] - c[j]).abs() < 1e-14);
        }
    }

    #[test]
    fn product_game_splits_evenly() {
        // v(S) = 1 iff both players 0 and 1 are present: each gets 1/2, player 2 is a dummy.
        let phi = shapley_brute_force(3, |s| if s & 0b11 == 0b11 { 1.0 } else { 0.0 });
        assert!((phi[0] - 0.5).abs() < 1e-15 && (phi[1] - 0.5).abs() < 1e-15);
        assert_eq!(phi[2], 0.0);
    }

    #[test]
    fn weights_sum_to_one_per_player() {
        // v(S) = 1 if player 0 present: phi_0 = sum of weights over all S = 1.
        let phi = shapley_brute_force(12, |s| (s & 1) as f64);
        assert!((phi[0] - 1.0).abs() < 1e-13);
        assert!(phi[1..].iter().all(|&p| p == 0.0));
        assert_eq!(binomial(10, 3), 120.0);
    }
}
