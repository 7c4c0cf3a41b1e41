//! glassbox's explicit neural-network layer engine.
