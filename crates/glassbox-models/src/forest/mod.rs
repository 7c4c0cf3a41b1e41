//! CART regression trees and the random forest.
//!
//! scikit-learn semantics (`RandomForestRegressor`): MSE criterion, best split over sorted
//! thresholds placed halfway between consecutive distinct values (`x <= threshold` goes left),
//! bootstrap samples as integer sample weights, node cover = weighted number of training samples.
//!
//! ```
//! use glassbox_core::Predict;
//! use glassbox_models::forest::RandomForestParams;
//! use ndarray::array;
//!
//! let x = array![[0.0], [1.0], [2.0], [3.0]];
//! let y = array![0.0, 0.0, 1.0, 1.0];
//! let params = RandomForestParams { n_estimators: 4, bootstrap: false, ..Default::default() };
//! let forest = params.fit(x.view(), y.view()).unwrap();
//! assert_eq!(forest.ensemble().trees[0].threshold[0], 1.5);
//! let p = forest.predict(array![[0.2], [2.9]].view()).unwrap();
//! assert_eq!(p, array![[0.0], [1.0]]);
//! ```

mod cart;
mod params;
mod random_forest;

pub use params::{MaxFeatures, RandomForestParams};
pub use random_forest::RandomForest;
