//! LIME for tables and images.

pub mod image;
pub mod image_classifier;
pub mod slic;
pub mod surrogate;
pub mod tabular;
