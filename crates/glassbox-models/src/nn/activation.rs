//! Elementwise activations of imported networks — [`Sigmoid`], [`Tanh`], [`LeakyRelu`] — with
//! their gradients and the DeepLIFT rescale rule ([`super::Relu`] has its own file: glassbox's
//! own networks use it, with a secant that never cancels).

use super::{Layer, LayerSpec, Param, Scalar, Tensor};

/// Below this |x − r| shap's DeepExplainer takes the gradient instead of the secant for smooth
/// nonlinearities (PyTorch `nonlinear_1d`, TensorFlow `nonlinearity_1d`): the secant
/// `(f(x) − f(r)) / (x − r)` loses its digits to cancellation there.
pub const RESCALE_EPSILON: f64 = 1e-6;

/// An elementwise function with its derivative, and how its DeepLIFT secant behaves.
trait Elementwise: Copy + Send + Sync + std::fmt::Debug {
    fn spec(&self) -> LayerSpec;
    fn f<T: Scalar>(&self, x: T) -> T;
    /// The derivative at `x`, whose image is `y = f(x)`.
    fn df<T: Scalar>(&self, x: T, y: T) -> T;
    /// Whether the secant is exact to rounding for every `x != r` (piecewise linear), so the
    /// gradient is needed only at `x == r`.
    const SECANT_EXACT: bool;
}

/// The rescale multiplier between `x` and `r` (outputs `fx`, `fr`): the secant, or the
/// derivative at `x` where the secant is unreliable (see [`RESCALE_EPSILON`]).
#[inline]
fn rescale<E: Elementwise, T: Scalar>(e: &E, x: T, r: T, fx: T, fr: T) -> T {
    let d = x - r;
    let near = if E::SECANT_EXACT {
        d == T::ZERO
    } else {
        d.abs() < T::from_f64(RESCALE_EPSILON)
    };
    if near { e.df(x, fx) } else { (fx - fr) / d }
}

fn map<T: Scalar>(x: &Tensor<T>, f: impl Fn(T) -> T) -> Tensor<T> {
    let data = x.data().iter().map(|&v| f(v)).collect();
    Tensor::new(x.shape().to_vec(), data).expect("same shape")
}

macro_rules! elementwise_layer {
    ($t:ty) => {
        impl<T: Scalar> Layer<T> for $t {
            fn spec(&self) -> LayerSpec {
                Elementwise::spec(self)
            }

            fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
                Ok(input.to_vec())
            }

            fn params(&self) -> Vec<&Param<T>> {
                Vec::new()
            }

            fn params_mut(&mut self) -> Vec<&mut Param<T>> {
                Vec::new()
            }

            fn forward(&self, x: &Tensor<T>) -> Tensor<T> {
                map(x, |v| self.f(v))
            }

            fn backward(
                &self,
                x: &Tensor<T>,
                y: &Tensor<T>,
                dy: &Tensor<T>,
                _param_grads: Option<&mut [Vec<T>]>,
            ) -> Tensor<T> {
                let data = x
                    .data()
                    .iter()
                    .zip(y.data())
                    .zip(dy.data())
                    .map(|((&xv, &yv), &d)| d * self.df(xv, yv))
                    .collect();
                Tensor::new(x.shape().to_vec(), data).expect("same shape")
            }

            fn deeplift_backward(
                &self,
                x: &Tensor<T>,
                r: &Tensor<T>,
                y: &Tensor<T>,
                yr: &Tensor<T>,
                m_y: &Tensor<T>,
            ) -> Tensor<T> {
                let data = x
                    .data()
                    .iter()
                    .zip(r.data())
                    .zip(y.data().iter().zip(yr.data()))
                    .zip(m_y.data())
                    .map(|(((&xv, &rv), (&fx, &fr)), &m)| m * rescale(self, xv, rv, fx, fr))
                    .collect();
                Tensor::new(x.shape().to_vec(), data).expect("same shape")
            }
        }
    };
}

/// The logistic sigmoid `1 / (1 + e^(−x))`, any shape; derivative `y (1 − y)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sigmoid;

impl Elementwise for Sigmoid {
    fn spec(&self) -> LayerSpec {
        LayerSpec::Sigmoid
    }
    fn f<T: Scalar>(&self, x: T) -> T {
        // Never exponentiates a large positive number.
        if x >= T::ZERO {
            T::ONE / (T::ONE + (-x).exp())
        } else {
            let e = x.exp();
            e / (T::ONE + e)
        }
    }
    fn df<T: Scalar>(&self, _x: T, y: T) -> T {
        y * (T::ONE - y)
    }
    const SECANT_EXACT: bool = false;
}

/// The hyperbolic tangent, any shape; derivative `1 − y²`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tanh;

impl Elementwise for Tanh {
    fn spec(&self) -> LayerSpec {
        LayerSpec::Tanh
    }
    fn f<T: Scalar>(&self, x: T) -> T {
        x.tanh()
    }
    fn df<T: Scalar>(&self, _x: T, y: T) -> T {
        T::ONE - y * y
    }
    const SECANT_EXACT: bool = false;
}

/// `x` for `x > 0`, else `alpha · x`, any shape (PyTorch's `LeakyReLU`, ONNX's `LeakyRelu`);
/// derivative 1 for `x > 0`, else `alpha`.
///
/// DeepLIFT: the secant. On one side of 0 it is exactly 1 or `alpha`; across 0 it is
/// `(x − alpha·r) / (x − r)` for `x > 0 ≥ r`, whose denominator `|x − r| ≥ max(|x|, |r|)` never
/// cancels — so it is used for every `x != r` (as [`super::relu_rescale`] does for ReLU, and
/// unlike shap's 1e-6 gradient fallback, which breaks summation to delta by up to 1e-6 × the
/// downstream weights for pairs straddling 0).
#[derive(Clone, Copy, Debug)]
pub struct LeakyRelu {
    alpha: f64,
}

impl LeakyRelu {
    /// A layer with slope `alpha` below 0.
    pub fn new(alpha: f64) -> Self {
        LeakyRelu { alpha }
    }
}

impl Elementwise for LeakyRelu {
    fn spec(&self) -> LayerSpec {
        LayerSpec::LeakyRelu { alpha: self.alpha }
    }
    fn f<T: Scalar>(&self, x: T) -> T {
        if x > T::ZERO {
            x
        } else {
            T::from_f64(self.alpha) * x
        }
    }
    fn df<T: Scalar>(&self, x: T, _y: T) -> T {
        if x > T::ZERO {
            T::ONE
        } else {
            T::from_f64(self.alpha)
        }
    }
    const SECANT_EXACT: bool = true;
}

elementwise_layer!(Sigmoid);
elementwise_layer!(Tanh);
elementwise_layer!(LeakyRelu);
