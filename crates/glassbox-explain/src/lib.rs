//! glassbox-explain: explanation algorithms. Depends on `glassbox-core` only: explainers see
//! models through core's capability traits (`TreeEnsemble`, `Predict`, gradients), never
//! concrete model types.
//!
//! * [`shap`]: TreeSHAP (path-dependent and interventional), interaction values, KernelSHAP, and
//!   the brute-force Shapley oracle used by the tests.
//! * [`deep`]: DeepSHAP, Integrated Gradients, GradientSHAP.
//! * [`lime`]: LIME for tables and images.
//! * [`importance`]: permutation importance, partial dependence and ICE.
//! * [`cam`]: CAM, Grad-CAM and successors.

pub mod cam;
pub mod deep;
pub mod error;
pub mod importance;
pub mod lime;
pub(crate) mod linalg;
pub mod shap;

pub use error::ExplainError;
pub use shap::ShapValues;
