//! glassbox-plot: the figures glassbox writes, as PNG and SVG, with the look of Python's shap.
//!
//! Every plot is split in two: a pure *data* step (sorting, top-k with an "other features"
//! bucket, beeswarm packing, colour scaling, interaction choice), public and unit-tested, and a
//! *rendering* step that lays the numbers out as a [`Figure`]. A figure is a list of drawing
//! primitives in logical pixels; it renders to PNG (plotters' bitmap backend, 3× supersampled for
//! anti-aliasing, text rasterised from the embedded DejaVu Sans font, encoded with `image`) and
//! to SVG (plotters' SVG backend). No system fonts are needed, and the same input always gives
//! the same bytes. Files are written atomically through [`glassbox_core::atomic`].
//!
//! Plots: [`measured_vs_predicted`], [`shap_bar`], [`shap_bar_multi`] (per-class stacked
//! bars), [`beeswarm`], [`waterfall`] ([`waterfall_probability`] with probability ticks),
//! [`force`] (one row, shap's additive force layout, optional probability ticks),
//! [`force_stacked()`] (many rows side by side, shap's JavaScript-only stacked force plot),
//! [`heatmap()`] (instances × features, ordered by [`HeatmapOrder`]: clustered with
//! [`hclust::leaf_order`], by prediction, by a feature, or as given), [`decision`],
//! [`dependence`], [`interaction_matrix`] and [`interaction_pair`] (SHAP interaction values),
//! [`line_chart`], [`bar_with_errors`], [`confusion_matrix`], [`training_history`]; for images
//! the CAM panels [`cam_panel`] and [`cam_grid`], jet overlays ([`saliency`]) and
//! [`deletion_insertion`] curves; colour maps in [`colormap`].

pub mod axis;
pub mod bar;
pub mod bar_multi;
pub mod beeswarm;
mod check;
pub mod colormap;
pub mod confusion;
pub mod decision;
pub mod dependence;
mod error;
pub mod faithfulness;
mod figure;
mod font;
pub mod force;
pub mod force_stacked;
mod frame;
pub mod hclust;
pub mod heatmap;
pub mod history;
pub mod interaction;
pub mod lime_panel;
pub mod line;
pub mod ranking;
mod raster;
mod render;
pub mod saliency;
pub mod scatter;
mod scene;
pub mod waterfall;

pub use bar::{bar_with_errors, shap_bar, shap_bar_means};
pub use bar_multi::{
    shap_bar_multi, shap_bar_multi_data, shap_bar_multi_means, shap_bar_multi_means_data,
};
pub use beeswarm::beeswarm;
pub use confusion::confusion_matrix;
pub use decision::{decision, decision_data};
pub use dependence::{ColorBy, dependence};
pub use error::PlotError;
pub use faithfulness::{FaithfulnessCurve, deletion_insertion};
pub use figure::Figure;
pub use force::{force, force_data, force_figure};
pub use force_stacked::{force_stacked, force_stacked_data};
pub use heatmap::{HeatmapOrder, heatmap, heatmap_data};
pub use history::training_history;
pub use interaction::{
    interaction_matrix, interaction_matrix_data, interaction_pair, interaction_pair_data,
};
pub use lime_panel::{LimePanel, lime_grid, lime_panel};
pub use line::{Series, line_chart};
pub use saliency::{CamPanel, cam_grid, cam_panel, overlay_rgb, save_overlay_png};
pub use scatter::measured_vs_predicted;
pub use waterfall::{waterfall, waterfall_figure, waterfall_numbered, waterfall_probability};
