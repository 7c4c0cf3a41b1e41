//! glassbox-explain.
