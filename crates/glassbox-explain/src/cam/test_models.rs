//! Reference convolutional classifiers for the CAM tests, written with plain loops in f64 so
//! that they cannot share the bugs of a fast engine: "same"-padded stride-1 convolutions, each
//! followed by a ReLU, then either global average pooling + dense or flatten + dense. Gradients
//! are hand-derived and checked against central finite differences in the tests below.

use glassbox_core::conv_classifier::check_images;
use glassbox_core::ndarray::{Array1, Array2, Array3, Array4, ArrayView3, ArrayView4, Axis};
use glassbox_core::rng::Rng;
use glassbox_core::{ConvClassifier, CoreError, GapHead, LayerGradients};

/// `n` images of `shape` (channels, height, width) with seeded uniform pixels in [0, 1).
pub(crate) fn random_images(n: usize, shape: [usize; 3], seed: u64) -> Array4<f32> {
    let mut rng = Rng::new(seed);
    Array4::from_shape_fn((n, shape[0], shape[1], shape[2]), |_| {
        rng.uniform(0.0, 1.0) as f32
    })
}

/// One "same"-padded, stride-1 convolution with an odd square kernel.
#[derive(Clone, Debug)]
pub(crate) struct RefConv {
    pub out_ch: usize,
    pub in_ch: usize,
    pub ks: usize,
    /// Weights (out_ch, in_ch, ks, ks), row-major.
    pub w: Vec<f64>,
    pub b: Vec<f64>,
}

impl RefConv {
    fn wt(&self, k: usize, c: usize, dy: usize, dx: usize) -> f64 {
        self.w[((k * self.in_ch + c) * self.ks + dy) * self.ks + dx]
    }

    /// Pre-activation output z (out_ch, H, W) of input x (in_ch, H, W).
    fn forward(&self, x: &Array3<f64>) -> Array3<f64> {
        let (_, h, w) = x.dim();
        let p = (self.ks / 2) as isize;
        Array3::from_shape_fn((self.out_ch, h, w), |(k, y, xx)| {
            let mut s = self.b[k];
            for c in 0..self.in_ch {
                for dy in 0..self.ks {
                    for dx in 0..self.ks {
                        let (yy, xs) =
                            (y as isize + dy as isize - p, xx as isize + dx as isize - p);
                        if yy >= 0 && xs >= 0 && (yy as usize) < h && (xs as usize) < w {
                            s += self.wt(k, c, dy, dx) * x[[c, yy as usize, xs as usize]];
                        }
                    }
                }
            }
            s
        })
    }

    /// Gradient with respect to the input, given dz (out_ch, H, W).
    fn backward(&self, dz: &Array3<f64>) -> Array3<f64> {
        let (_, h, w) = dz.dim();
        let p = (self.ks / 2) as isize;
        let mut dx_ = Array3::<f64>::zeros((self.in_ch, h, w));
        for k in 0..self.out_ch {
            for y in 0..h {
                for x in 0..w {
                    let g = dz[[k, y, x]];
                    for c in 0..self.in_ch {
                        for dy in 0..self.ks {
                            for dx in 0..self.ks {
                                let (yy, xs) =
                                    (y as isize + dy as isize - p, x as isize + dx as isize - p);
                                if yy >= 0 && xs >= 0 && (yy as usize) < h && (xs as usize) < w {
                                    dx_[[c, yy as usize, xs as usize]] += self.wt(k, c, dy, dx) * g;
                                }
                            }
                        }
                    }
                }
            }
        }
        dx_
    }
}

/// The classifier head after the last conv layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Head {
    /// Global average pooling then dense: dense weights (classes, channels).
    Gap,
    /// Flatten (channel, y, x) then dense: dense weights (classes, channels·H·W).
    Flatten,
}

/// conv+ReLU layers, then the head.
#[derive(Clone, Debug)]
pub(crate) struct RefCnn {
    pub input: [usize; 3],
    pub convs: Vec<RefConv>,
    pub head: Head,
    pub dense_w: Array2<f64>,
    pub dense_b: Vec<f64>,
}

impl RefCnn {
    /// Random weights: conv layers with `channels[l]` outputs and `ks`×`ks` kernels.
    pub fn random(
        seed: u64,
        input: [usize; 3],
        channels: &[usize],
        ks: usize,
        head: Head,
        classes: usize,
    ) -> Self {
        let mut rng = Rng::new(seed);
        let mut convs = Vec::new();
        let mut in_ch = input[0];
        for &k in channels {
            let scale = 1.0 / ((in_ch * ks * ks) as f64).sqrt();
            let w = (0..k * in_ch * ks * ks)
                .map(|_| rng.uniform(-1.5, 1.5) * scale)
                .collect();
            let b = (0..k).map(|_| rng.uniform(-0.1, 0.3)).collect();
            convs.push(RefConv {
                out_ch: k,
                in_ch,
                ks,
                w,
                b,
            });
            in_ch = k;
        }
        let feats = match head {
            Head::Gap => in_ch,
            Head::Flatten => in_ch * input[1] * input[2],
        };
        let dense_w = Array2::from_shape_fn((classes, feats), |_| rng.uniform(-1.0, 1.0));
        let dense_b = (0..classes).map(|_| rng.uniform(-0.5, 0.5)).collect();
        RefCnn {
            input,
            convs,
            head,
            dense_w,
            dense_b,
        }
    }

    /// Pre-activations z and activations a = ReLU(z) of every conv layer.
    pub fn conv_outputs(&self, x: &Array3<f64>) -> (Vec<Array3<f64>>, Vec<Array3<f64>>) {
        let (mut zs, mut acts) = (Vec::new(), Vec::new());
        let mut a = x.clone();
        for conv in &self.convs {
            let z = conv.forward(&a);
            a = z.mapv(|v| v.max(0.0));
            zs.push(z);
            acts.push(a.clone());
        }
        (zs, acts)
    }

    /// Scores when the activations of conv layer `l` are `a`: the rest of the network.
    pub fn scores_from(&self, l: usize, a: &Array3<f64>) -> Array1<f64> {
        let mut a = a.clone();
        for conv in &self.convs[l + 1..] {
            a = conv.forward(&a).mapv(|v| v.max(0.0));
        }
        let feats: Vec<f64> = match self.head {
            Head::Gap => a.outer_iter().map(|m| m.sum() / m.len() as f64).collect(),
            Head::Flatten => a.iter().copied().collect(),
        };
        Array1::from_shape_fn(self.dense_w.nrows(), |c| {
            self.dense_b[c]
                + self
                    .dense_w
                    .row(c)
                    .iter()
                    .zip(&feats)
                    .map(|(w, f)| w * f)
                    .sum::<f64>()
        })
    }

    /// Scores of one image (C, H, W).
    pub fn scores_one(&self, x: &Array3<f64>) -> Array1<f64> {
        let (_, acts) = self.conv_outputs(x);
        self.scores_from(self.convs.len() - 1, acts.last().unwrap())
    }

    /// Activations of conv layer `l` and `∂y^class/∂A_l`, by hand-written backpropagation.
    pub fn grad_one(&self, x: &Array3<f64>, l: usize, class: usize) -> (Array3<f64>, Array3<f64>) {
        let (zs, acts) = self.conv_outputs(x);
        let last = acts.last().unwrap();
        let (k, h, w) = last.dim();
        let wc = self.dense_w.row(class);
        let mut da = match self.head {
            Head::Gap => Array3::from_shape_fn((k, h, w), |(c, _, _)| wc[c] / (h * w) as f64),
            Head::Flatten => {
                Array3::from_shape_vec((k, h, w), wc.to_vec()).expect("flatten weights")
            }
        };
        for j in (l + 1..self.convs.len()).rev() {
            let dz = &da * &zs[j].mapv(|v| if v > 0.0 { 1.0 } else { 0.0 });
            da = self.convs[j].backward(&dz);
        }
        (acts[l].clone(), da)
    }

    fn layer_index(&self, layer: &str) -> Result<usize, CoreError> {
        self.conv_layers()
            .iter()
            .position(|l| l == layer)
            .ok_or_else(|| {
                CoreError::InvalidArgument(format!(
                    "unknown layer {layer:?}; conv layers: {}",
                    self.conv_layers().join(", ")
                ))
            })
    }
}

fn to_f64(x: ArrayView3<'_, f32>) -> Array3<f64> {
    x.mapv(|v| v as f64)
}

impl ConvClassifier for RefCnn {
    fn input_shape(&self) -> [usize; 3] {
        self.input
    }

    fn n_classes(&self) -> usize {
        self.dense_w.nrows()
    }

    fn class_names(&self) -> Vec<String> {
        (0..self.n_classes()).map(|c| format!("class{c}")).collect()
    }

    fn conv_layers(&self) -> Vec<String> {
        (1..=self.convs.len()).map(|i| format!("conv{i}")).collect()
    }

    fn class_scores(&self, images: ArrayView4<'_, f32>) -> Result<Array2<f32>, CoreError> {
        check_images(images.shape(), self.input)?;
        let n = images.dim().0;
        let mut out = Array2::<f32>::zeros((n, self.n_classes()));
        for (i, img) in images.outer_iter().enumerate() {
            let s = self.scores_one(&to_f64(img));
            out.row_mut(i).assign(&s.mapv(|v| v as f32));
        }
        Ok(out)
    }

    fn layer_gradients(
        &self,
        images: ArrayView4<'_, f32>,
        layer: &str,
        classes: &[usize],
    ) -> Result<LayerGradients, CoreError> {
        check_images(images.shape(), self.input)?;
        let l = self.layer_index(layer)?;
        let n = images.dim().0;
        if classes.len() != n || classes.iter().any(|&c| c >= self.n_classes()) {
            return Err(CoreError::InvalidArgument("bad classes".into()));
        }
        let (_, h, w) = (self.input[0], self.input[1], self.input[2]);
        let k = self.convs[l].out_ch;
        let mut activations = Array4::<f32>::zeros((n, k, h, w));
        let mut gradients = Array4::<f32>::zeros((n, k, h, w));
        for (i, img) in images.outer_iter().enumerate() {
            let (a, g) = self.grad_one(&to_f64(img), l, classes[i]);
            activations
                .index_axis_mut(Axis(0), i)
                .assign(&a.mapv(|v| v as f32));
            gradients
                .index_axis_mut(Axis(0), i)
                .assign(&g.mapv(|v| v as f32));
        }
        Ok(LayerGradients {
            activations,
            gradients,
            scores: self.class_scores(images)?,
        })
    }

    fn gap_head(&self, layer: &str) -> Option<GapHead> {
        let last = format!("conv{}", self.convs.len());
        (self.head == Head::Gap && layer == last).then(|| GapHead {
            weights: self.dense_w.mapv(|v| v as f32),
            bias: Array1::from_iter(self.dense_b.iter().map(|&v| v as f32)),
        })
    }
}

/// A network that sees only one quadrant: input channel `q` (of 4) carries content in quadrant
/// `q` only (see [`quadrant_images`]); one 1×1 identity conv layer copies the 4 channels, and
/// the flatten head scores class 0 from the top-left quadrant of every channel and class 1
/// from the bottom-right quadrant, with weight `gain`.
pub(crate) fn quadrant_model(size: usize, gain: f64) -> RefCnn {
    let mut w = vec![0.0; 16];
    for q in 0..4 {
        w[q * 4 + q] = 1.0;
    }
    let conv = RefConv {
        out_ch: 4,
        in_ch: 4,
        ks: 1,
        w,
        b: vec![0.0; 4],
    };
    let half = size / 2;
    let mut dense_w = Array2::<f64>::zeros((2, 4 * size * size));
    for c in 0..4 {
        for y in 0..size {
            for x in 0..size {
                let f = (c * size + y) * size + x;
                if y < half && x < half {
                    dense_w[[0, f]] = gain;
                }
                if y >= half && x >= half {
                    dense_w[[1, f]] = gain;
                }
            }
        }
    }
    RefCnn {
        input: [4, size, size],
        convs: vec![conv],
        head: Head::Flatten,
        dense_w,
        dense_b: vec![0.0, 0.0],
    }
}

/// Images for [`quadrant_model`]: channel `q` is positive in quadrant `q` (0 top-left, 1 top-
/// right, 2 bottom-left, 3 bottom-right) and 0 elsewhere. Shape (n, 4, size, size).
pub(crate) fn quadrant_images(n: usize, size: usize, seed: u64) -> Array4<f32> {
    let mut rng = Rng::new(seed);
    let half = size / 2;
    Array4::from_shape_fn((n, 4, size, size), |(_, q, y, x)| {
        let quad = 2 * usize::from(y >= half) + usize::from(x >= half);
        let v = rng.uniform(0.5, 1.0) as f32;
        if quad == q { v } else { 0.0 }
    })
}

/// A model without conv layers: class 0 scores `Σ v·x` over all pixels, class 1 scores 0, so
/// P(class 0) = sigmoid(Σ v·x). For the deletion / insertion tests.
#[derive(Clone, Debug)]
pub(crate) struct LinearImage {
    pub input: [usize; 3],
    /// Weights (C, H, W).
    pub v: Array3<f64>,
}

impl ConvClassifier for LinearImage {
    fn input_shape(&self) -> [usize; 3] {
        self.input
    }
    fn n_classes(&self) -> usize {
        2
    }
    fn class_names(&self) -> Vec<String> {
        vec!["a".into(), "b".into()]
    }
    fn conv_layers(&self) -> Vec<String> {
        Vec::new()
    }
    fn class_scores(&self, images: ArrayView4<'_, f32>) -> Result<Array2<f32>, CoreError> {
        check_images(images.shape(), self.input)?;
        let mut out = Array2::<f32>::zeros((images.dim().0, 2));
        for (i, img) in images.outer_iter().enumerate() {
            out[[i, 0]] = img
                .iter()
                .zip(&self.v)
                .map(|(&x, v)| x as f64 * v)
                .sum::<f64>() as f32;
        }
        Ok(out)
    }
    fn layer_gradients(
        &self,
        _: ArrayView4<'_, f32>,
        layer: &str,
        _: &[usize],
    ) -> Result<LayerGradients, CoreError> {
        Err(CoreError::InvalidArgument(format!(
            "no conv layer {layer:?}"
        )))
    }
    fn gap_head(&self, _: &str) -> Option<GapHead> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central finite differences of the reference model's scores with respect to the
    /// activations of each conv layer, against its hand-written backpropagation.
    fn check_gradients(model: &RefCnn, seed: u64) {
        let mut rng = Rng::new(seed);
        let [c, h, w] = model.input;
        let x = Array3::from_shape_fn((c, h, w), |_| rng.uniform(0.0, 1.0));
        let (_, acts) = model.conv_outputs(&x);
        let eps = 1e-6;
        let mut checked = 0;
        for (l, act) in acts.iter().enumerate() {
            for class in 0..model.dense_w.nrows() {
                let (a, g) = model.grad_one(&x, l, class);
                assert_eq!(&a, act);
                for (idx, &gv) in g.indexed_iter() {
                    let mut plus = act.clone();
                    plus[idx] += eps;
                    let mut minus = act.clone();
                    minus[idx] -= eps;
                    let fd = (model.scores_from(l, &plus)[class]
                        - model.scores_from(l, &minus)[class])
                        / (2.0 * eps);
                    assert!(
                        (fd - gv).abs() < 1e-7 * (1.0 + gv.abs()),
                        "layer {l} class {class} at {idx:?}: analytic {gv}, finite difference {fd}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 100);
    }

    #[test]
    fn gap_model_gradients_match_finite_differences() {
        let m = RefCnn::random(3, [2, 6, 5], &[3, 4], 3, Head::Gap, 3);
        check_gradients(&m, 10);
    }

    #[test]
    fn flatten_model_gradients_match_finite_differences() {
        let m = RefCnn::random(4, [1, 5, 6], &[3, 2], 3, Head::Flatten, 2);
        check_gradients(&m, 11);
    }

    #[test]
    fn trait_gradients_are_the_f64_gradients_in_f32() {
        let m = RefCnn::random(5, [1, 4, 4], &[2, 3], 3, Head::Gap, 2);
        let imgs =
            Array4::from_shape_fn((2, 1, 4, 4), |(i, _, y, x)| (i + y * 4 + x) as f32 / 20.0);
        let lg = m.layer_gradients(imgs.view(), "conv1", &[1, 0]).unwrap();
        let (_, g) = m.grad_one(&imgs.index_axis(Axis(0), 1).mapv(|v| v as f64), 0, 0);
        assert_eq!(lg.gradients.index_axis(Axis(0), 1), g.mapv(|v| v as f32));
        assert!(m.layer_gradients(imgs.view(), "conv9", &[0, 0]).is_err());
    }
}
