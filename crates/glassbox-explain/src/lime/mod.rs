//! LIME for tables and images.

pub mod image;
pub mod slic;
pub mod surrogate;
pub mod tabular;
