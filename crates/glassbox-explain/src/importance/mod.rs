//! Permutation importance, partial dependence and ICE.
