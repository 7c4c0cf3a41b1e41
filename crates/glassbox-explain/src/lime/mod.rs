//! LIME for tables and images.
