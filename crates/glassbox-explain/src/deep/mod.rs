//! DeepSHAP, Integrated Gradients, GradientSHAP.
