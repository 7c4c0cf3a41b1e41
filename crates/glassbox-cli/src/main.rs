//! The `glassbox` command-line tool.
fn main() {}
