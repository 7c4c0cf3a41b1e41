//! Tables: loading models ([`crate::Model`]), training, and the one explain entry point for
//! tabular models.
