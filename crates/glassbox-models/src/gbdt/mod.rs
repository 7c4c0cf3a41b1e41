//! Importers for boosted-tree models trained elsewhere, one file per format.
