//! SHAP-family explainers.

pub mod exact;
mod gauss_legendre;
pub mod kernel_shap;
mod kernel_shap_trees;
mod kernel_shap_wls;
pub mod kmeans;
mod lars;
pub mod output;
pub mod tree_shap;
pub mod tree_shap_classic;
pub mod tree_shap_interactions;
pub mod tree_shap_interactions_conditional;
pub mod tree_shap_interventional;
mod tree_shap_plan;
mod tree_shap_v2;

pub use tree_shap::{TreeShap, TreeShapAlgorithm, tree_shap};
pub use tree_shap_classic::tree_shap_classic;
pub use tree_shap_interactions::{InteractionValues, tree_shap_interactions};
pub use tree_shap_interventional::interventional_tree_shap;

use glassbox_core::ndarray::{Array2, Array3};
use glassbox_core::{CoreError, Explanation};

/// SHAP values for a batch, before they are dressed as an [`Explanation`].
#[derive(Clone, Debug, PartialEq)]
pub struct ShapValues {
    /// Attributions, shape (samples, features, outputs).
    pub values: Array3<f64>,
    /// Base values, shape (samples, outputs).
    pub base_values: Array2<f64>,
}

impl ShapValues {
    /// Wraps the values with the data shown beside them, shape (samples, features), and names.
    pub fn into_explanation(
        self,
        data: Array2<f64>,
        feature_names: Vec<String>,
        output_names: Vec<String>,
        method: &str,
    ) -> Result<Explanation, CoreError> {
        Explanation::new(
            self.values,
            self.base_values,
            data,
            feature_names,
            output_names,
            method,
        )
    }
}
