//! Permutation importance, partial dependence and ICE.

pub mod partial_dependence;
pub mod permutation;
