//! CAM, Grad-CAM and successors.
