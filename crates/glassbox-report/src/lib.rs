//! glassbox-report.
