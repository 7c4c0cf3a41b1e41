//! glassbox-data.
