//! glassbox-models.
