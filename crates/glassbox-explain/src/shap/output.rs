//! Which output space a tree model is explained in: margin (raw scores, log-odds) or
//! probability, and the two ways interventional TreeSHAP can explain a probability.
//!
//! TreeSHAP values are additive in the margin because a tree ensemble is a sum of trees. A
//! probability `g(margin)` (sigmoid, softmax) is not a sum of trees, so:
//! * path-dependent TreeSHAP has no exact probability-space version (neither in glassbox nor in
//!   shap, which only allows `model_output="probability"` with interventional perturbation);
//! * shap's interventional probability output (`tree_shap.h`, `dense_independent`) is *not* the
//!   Shapley value of the game `g(f(x_S, r_notS))`: per background row it rescales the
//!   margin-space values by `(g(f(x)) - g(f(r))) / (f(x) - f(r))`, a DeepLIFT-style rescale
//!   rule that keeps local accuracy but not the Shapley axioms of the transformed game.
//!   [`interventional_tree_shap_rescaled`] reproduces that (same cost as the margin explainer);
//! * [`interventional_tree_shap_transformed`] computes the exact Shapley values of
//!   `g(f(x_S, r_notS))`. Per (x, r) pair only the features on which `x` and `r` take
//!   different branches somewhere along the paths they can jointly reach are players (all others
//!   are null players, whose removal leaves every Shapley value unchanged). The ensemble's
//!   margin on every coalition of those `d` players is assembled from the leaf terms of the
//!   interventional traversal (a leaf adds its value to exactly the coalitions `S` with
//!   `A ⊆ S ⊆ players ∖ B`), then `g` is applied and the Shapley values are taken by definition.
//!   Cost per pair `O(terms · 2^d + d · 2^d · outputs)`, so `d` is capped at
//!   [`MAX_EXACT_PLAYERS`] and a pair beyond the cap is a clear error, never an approximation.

use glassbox_core::ndarray::{Array2, Array3, ArrayView2};
use glassbox_core::{SplitCondition, Tree, TreeEnsemble};
use rayon::prelude::*;

use super::ShapValues;
use super::tree_shap_interventional::{InterventionalKernel, Scratch};
use crate::ExplainError;

/// Most players (features on which a foreground and a background row take different branches)
/// one (x, r) pair may have in [`interventional_tree_shap_transformed`]: 2^16 coalitions.
pub const MAX_EXACT_PLAYERS: usize = 16;

/// The space a classifier's explanation is expressed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputSpace {
    /// Raw ensemble output: log-odds for binary boosting, per-class scores for multi-class,
    /// the prediction itself for regression and for forests that average probabilities.
    /// Exact and additive for every TreeSHAP variant.
    #[default]
    Margin,
    /// The probability `sigmoid(margin)` (one output) or `softmax(margins)` (several outputs).
    /// Only with interventional TreeSHAP (see the module documentation).
    Probability,
}

impl OutputSpace {
    /// Parses `"margin"` or `"probability"` (what `--output` accepts).
    pub fn parse(s: &str) -> Result<Self, ExplainError> {
        match s {
            "margin" | "raw" => Ok(OutputSpace::Margin),
            "probability" => Ok(OutputSpace::Probability),
            other => Err(ExplainError::InvalidArgument(format!(
                "output space '{other}' is unknown, expected 'margin' or 'probability'"
            ))),
        }
    }

    /// The transform from margins to this space for a model with `n_outputs` outputs, or
    /// `None` for the margin itself: sigmoid for one output, softmax for several.
    pub fn transform(self, n_outputs: usize) -> Option<fn(&[f64], usize) -> f64> {
        match self {
            OutputSpace::Margin => None,
            OutputSpace::Probability if n_outputs == 1 => Some(sigmoid),
            OutputSpace::Probability => Some(softmax),
        }
    }
}

/// How [`OutputSpace::Probability`] is computed by [`interventional_tree_shap_output`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProbabilityMethod {
    /// Exact Shapley values of the transformed game
    /// ([`interventional_tree_shap_transformed`]); errors when a row and a background row
    /// differ on more than [`MAX_EXACT_PLAYERS`] split features.
    #[default]
    Exact,
    /// shap's per-background-row rescale rule ([`interventional_tree_shap_rescaled`]): no
    /// size limit, local accuracy, single-output (sigmoid) models only.
    Rescaled,
}

/// Interventional TreeSHAP in the requested output space: the one entry point for a command
/// line's `--output margin|probability`. `x`: (samples, features); `background`:
/// (background_samples, features); returns values (samples, features, outputs) and base values
/// (samples, outputs) in that space.
pub fn interventional_tree_shap_output(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
    background: ArrayView2<'_, f64>,
    space: OutputSpace,
    method: ProbabilityMethod,
) -> Result<ShapValues, ExplainError> {
    let Some(transform) = space.transform(ensemble.n_outputs) else {
        return super::interventional_tree_shap(ensemble, x, background);
    };
    match method {
        ProbabilityMethod::Exact => {
            interventional_tree_shap_transformed(ensemble, x, background, transform)
        }
        ProbabilityMethod::Rescaled if ensemble.n_outputs == 1 => {
            interventional_tree_shap_rescaled(ensemble, x, background, sigmoid1)
        }
        ProbabilityMethod::Rescaled => Err(ExplainError::Unsupported(format!(
            "the rescaled probability method needs a single-output model (sigmoid); this one \
             has {} outputs (softmax): use the exact method",
            ensemble.n_outputs
        ))),
    }
}

/// Logistic function of margin `k`: [`glassbox_core::link::sigmoid`]`(margins[k])`, in the
/// `fn(&[f64], usize) -> f64` form that [`OutputSpace::transform`] returns.
pub fn sigmoid(margins: &[f64], k: usize) -> f64 {
    glassbox_core::link::sigmoid(margins[k])
}

/// Logistic function of one margin, overflow-free for large |m| (glassbox's one sigmoid).
pub use glassbox_core::link::sigmoid as sigmoid1;

/// Softmax probability of class `k` given all class margins (max-shifted, overflow-free):
/// [`glassbox_core::link::softmax_at`], in the `fn(&[f64], usize) -> f64` form that
/// [`OutputSpace::transform`] returns.
pub fn softmax(margins: &[f64], k: usize) -> f64 {
    glassbox_core::link::softmax_at(margins, k)
}

/// Exact interventional SHAP values of the transformed output `transform(margins, k)`, i.e. the
/// Shapley values of `v_k(S) = mean_r transform(f(x_S, r_notS), k)`.
///
/// `x`: rows to explain, shape (samples, features); `background`: shape (background_samples,
/// features); `transform(margins, k)` receives all `n_outputs` margins of one point (so softmax
/// works) and returns output `k` in the transformed space. Returns values (samples, features,
/// outputs) and base values (samples, outputs) `= mean_r transform(f(r), k)`; local accuracy
/// holds exactly. Same input checks as
/// [`interventional_tree_shap`](super::interventional_tree_shap), plus an error naming the
/// pair when a foreground and a background row differ on more than [`MAX_EXACT_PLAYERS`]
/// split features.
pub fn interventional_tree_shap_transformed(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
    background: ArrayView2<'_, f64>,
    transform: fn(&[f64], usize) -> f64,
) -> Result<ShapValues, ExplainError> {
    // Validates the ensemble and the shapes (its weight tables are not needed here).
    InterventionalKernel::new(ensemble, x, background)?;
    let (m, k, n) = (ensemble.n_features, ensemble.n_outputs, x.nrows());
    let bg = background.as_standard_layout();
    let n_bg = bg.nrows();
    let mut margins = vec![0.0; k];
    let mut base = vec![0.0; k];
    for r in bg.rows() {
        ensemble.predict_row_into(r, &mut margins);
        for (o, b) in base.iter_mut().enumerate() {
            *b += transform(&margins, o);
        }
    }
    base.iter_mut().for_each(|b| *b /= n_bg as f64);

    let rows: Vec<Result<Vec<f64>, ExplainError>> = (0..n)
        .into_par_iter()
        .map_init(
            || PairScratch::new(m),
            |s, i| {
                let xr = x.row(i).to_vec();
                let mut phi = vec![0.0; m * k];
                for (b, r) in bg.rows().into_iter().enumerate() {
                    let r = r.as_slice().expect("standard layout");
                    exact_pair(ensemble, &xr, r, transform, s, &mut phi).map_err(|d| {
                        ExplainError::Unsupported(format!(
                            "row {i} and background row {b} take different branches on {d} \
                             features; exact probability-space SHAP handles at most \
                             {MAX_EXACT_PLAYERS} (use margin output, or the rescaled \
                             probability method)"
                        ))
                    })?;
                }
                phi.iter_mut().for_each(|v| *v /= n_bg as f64);
                Ok(phi)
            },
        )
        .collect();
    let mut values = Array3::<f64>::zeros((n, m, k));
    for (i, row) in rows.into_iter().enumerate() {
        let row = row?;
        values
            .index_axis_mut(glassbox_core::ndarray::Axis(0), i)
            .as_slice_mut()
            .expect("a row of a fresh array is contiguous")
            .copy_from_slice(&row);
    }
    Ok(ShapValues {
        values,
        base_values: Array2::from_shape_fn((n, k), |(_, o)| base[o]),
    })
}

/// shap's probability-space interventional TreeSHAP: per background row `r`, the margin-space
/// values of output `k` are multiplied by `(link(f_k(x)) - link(f_k(r))) / (f_k(x) - f_k(r))`
/// and averaged; where `f_k(x) == f_k(r)` the slope of `link` there (symmetric difference) is
/// used (shap uses 1, which mixes units). `link` maps one margin to the output space
/// elementwise (e.g. [`sigmoid1`]); softmax is not elementwise and is not accepted here.
///
/// Local accuracy holds (`base + sum = link(f(x))` with `base = mean_r link(f(r))`), but these
/// are not the Shapley values of the transformed game; for those use
/// [`interventional_tree_shap_transformed`]. Shapes and errors as in
/// [`interventional_tree_shap`](super::interventional_tree_shap).
pub fn interventional_tree_shap_rescaled(
    ensemble: &TreeEnsemble,
    x: ArrayView2<'_, f64>,
    background: ArrayView2<'_, f64>,
    link: fn(f64) -> f64,
) -> Result<ShapValues, ExplainError> {
    let kernel = InterventionalKernel::new(ensemble, x, background)?;
    let (m, k, n) = (ensemble.n_features, ensemble.n_outputs, x.nrows());
    let bg = background.as_standard_layout();
    let n_bg = bg.nrows();
    let bg_margins: Vec<Vec<f64>> = bg
        .rows()
        .into_iter()
        .map(|r| {
            let mut out = vec![0.0; k];
            ensemble.predict_row_into(r, &mut out);
            out
        })
        .collect();
    let base: Vec<f64> = (0..k)
        .map(|o| bg_margins.iter().map(|mr| link(mr[o])).sum::<f64>() / n_bg as f64)
        .collect();
    let mut values = Array3::<f64>::zeros((n, m, k));
    if n > 0 && m * k > 0 {
        values
            .as_slice_mut()
            .expect("a fresh array is contiguous")
            .par_chunks_mut(m * k)
            .enumerate()
            .for_each_init(
                || (Scratch::new(m), vec![0.0; m * k], vec![0.0; k]),
                |(scratch, tmp, mx), (i, phi)| {
                    let xr = x.row(i).to_vec();
                    ensemble.predict_row_into(x.row(i), mx);
                    for (r, mr) in bg.rows().into_iter().zip(&bg_margins) {
                        let r = r.as_slice().expect("standard layout");
                        tmp.iter_mut().for_each(|v| *v = 0.0);
                        for t in 0..ensemble.trees.len() {
                            kernel.add_pair(t, &xr, r, tmp, scratch);
                        }
                        for o in 0..k {
                            let scale = secant_slope(link, mx[o], mr[o]);
                            for j in 0..m {
                                phi[j * k + o] += tmp[j * k + o] * scale;
                            }
                        }
                    }
                    phi.iter_mut().for_each(|v| *v /= n_bg as f64);
                },
            );
    }
    Ok(ShapValues {
        values,
        base_values: Array2::from_shape_fn((n, k), |(_, o)| base[o]),
    })
}

/// `(g(a) - g(b)) / (a - b)`, or the derivative of `g` at `a` when `a == b`.
fn secant_slope(g: fn(f64) -> f64, a: f64, b: f64) -> f64 {
    if a != b {
        return (g(a) - g(b)) / (a - b);
    }
    let h = 1e-5 * (1.0 + a.abs());
    (g(a + h) - g(a - h)) / (2.0 * h)
}

/// Reused buffers of one worker.
struct PairScratch {
    /// Per feature: its player index in the current pair, or `u32::MAX`.
    local: Vec<u32>,
    /// The features that currently have a player index (to reset `local`).
    players: Vec<usize>,
    /// Per feature: 0 free, 1 x side, 2 r side, as in the interventional traversal.
    state: Vec<u8>,
    /// Leaf terms `(A mask, B mask, output, value)`.
    terms: Vec<(u32, u32, usize, f64)>,
    /// Margins of every coalition, (2^d, outputs) row-major.
    table: Vec<f64>,
    /// Transformed values of every coalition for one output.
    values: Vec<f64>,
}

impl PairScratch {
    fn new(m: usize) -> Self {
        PairScratch {
            local: vec![u32::MAX; m],
            players: vec![],
            state: vec![0; m],
            terms: vec![],
            table: vec![],
            values: vec![],
        }
    }
}

/// Adds the exact Shapley values of `transform(f(x_S, r_notS), k)` for every output `k` to
/// `phi`, laid out (features, outputs). `Err(d)` when the pair has more than
/// [`MAX_EXACT_PLAYERS`] players (`d` counted up to the point of giving up).
fn exact_pair(
    e: &TreeEnsemble,
    x: &[f64],
    r: &[f64],
    transform: fn(&[f64], usize) -> f64,
    s: &mut PairScratch,
    phi: &mut [f64],
) -> Result<(), usize> {
    let k = e.n_outputs;
    s.terms.clear();
    for &f in &s.players {
        s.local[f] = u32::MAX;
    }
    s.players.clear();
    let mut constant = e.base_offset.clone();
    for (t, tree) in e.trees.iter().enumerate() {
        let mut walk = TermWalk {
            tree,
            split: e.split,
            x,
            r,
            weight: e.tree_weight[t],
            output: e.tree_output[t],
            s: &mut *s,
            constant: &mut constant,
        };
        walk.recurse(0, 0, 0)?;
    }
    let d = s.players.len();
    let size = 1usize << d;
    s.table.clear();
    for _ in 0..size {
        s.table.extend_from_slice(&constant);
    }
    let full = (size - 1) as u32;
    for &(a, b, o, v) in &s.terms {
        let free = full & !(a | b);
        // Every sub-mask of `free`, including 0 and `free` itself.
        let mut sub = free;
        loop {
            s.table[((a | sub) as usize) * k + o] += v;
            if sub == 0 {
                break;
            }
            sub = (sub - 1) & free;
        }
    }
    if d == 0 {
        return Ok(());
    }
    // Shapley weights |S|! (d-|S|-1)! / d! = 1 / (d * C(d-1, |S|)).
    let mut w = vec![0.0; d];
    let mut c = 1.0; // C(d-1, s)
    for (size_s, ws) in w.iter_mut().enumerate() {
        *ws = 1.0 / (d as f64 * c);
        c = c * (d - 1 - size_s) as f64 / (size_s + 1) as f64;
    }
    for o in 0..k {
        s.values.clear();
        for coalition in 0..size {
            let margins = &s.table[coalition * k..(coalition + 1) * k];
            s.values.push(transform(margins, o));
        }
        for (p, &feature) in s.players.iter().enumerate() {
            let bit = 1usize << p;
            let mut sum = 0.0;
            for coalition in (0..size).filter(|c| c & bit == 0) {
                sum += w[coalition.count_ones() as usize]
                    * (s.values[coalition | bit] - s.values[coalition]);
            }
            phi[feature * k + o] += sum;
        }
    }
    Ok(())
}

/// The interventional traversal, recording each reachable leaf as a term over the players.
struct TermWalk<'a> {
    tree: &'a Tree,
    split: SplitCondition,
    x: &'a [f64],
    r: &'a [f64],
    weight: f64,
    output: usize,
    s: &'a mut PairScratch,
    constant: &'a mut Vec<f64>,
}

impl TermWalk<'_> {
    fn recurse(&mut self, node: usize, a: u32, b: u32) -> Result<(), usize> {
        let tree = self.tree;
        if tree.is_leaf(node) {
            let v = self.weight * tree.value[node];
            if a == 0 && b == 0 {
                self.constant[self.output] += v;
            } else {
                self.s.terms.push((a, b, self.output, v));
            }
            return Ok(());
        }
        let j = tree.feature[node] as usize;
        let (left, right) = (tree.left[node] as usize, tree.right[node] as usize);
        let child = |go_left: bool| if go_left { left } else { right };
        let x_left = tree.goes_left(node, self.x[j], self.split);
        let r_left = tree.goes_left(node, self.r[j], self.split);
        match self.s.state[j] {
            1 => return self.recurse(child(x_left), a, b),
            2 => return self.recurse(child(r_left), a, b),
            _ => {}
        }
        if x_left == r_left {
            return self.recurse(child(x_left), a, b);
        }
        if self.s.local[j] == u32::MAX {
            if self.s.players.len() == MAX_EXACT_PLAYERS {
                return Err(MAX_EXACT_PLAYERS + 1);
            }
            self.s.local[j] = self.s.players.len() as u32;
            self.s.players.push(j);
        }
        let bit = 1u32 << self.s.local[j];
        self.s.state[j] = 1;
        let res = self.recurse(child(x_left), a | bit, b);
        if res.is_ok() {
            self.s.state[j] = 2;
            let res2 = self.recurse(child(r_left), a, b | bit);
            self.s.state[j] = 0;
            return res2;
        }
        self.s.state[j] = 0;
        res
    }
}
