//! glassbox-plot.
