//! The versioned model file written by `glassbox train` and read by `glassbox explain`.
