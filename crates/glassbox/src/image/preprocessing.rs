//! [`Preprocessing`]: how the pixel values glassbox's image loader gives (in [0, 1]) become the
//! input of an imported network, `x' = (x · scale − mean[c]) / std[c]` per channel — what a
//! PyTorch pipeline's `ToTensor()` (+ `Normalize(mean, std)`) or a Keras `Rescaling` did before
//! the network was exported.
//!
//! The map is put in front of the network as one per-channel affine layer, so every explainer
//! (the CAM family, LIME, the deletion/insertion curves) keeps working on the images as loaded,
//! and gradients reach the pixels through it exactly.

use crate::{Error, Result};

/// Per-channel input normalisation of an imported image network; the default is none.
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocessing {
    /// Multiplies the loader's [0, 1] pixels first (255 for networks trained on 0–255 values);
    /// default 1.
    pub scale: f64,
    /// Subtracted per channel after scaling: empty (0), one value for every channel, or one
    /// per channel.
    pub mean: Vec<f64>,
    /// Divides per channel after the mean: empty (1), one value, or one per channel.
    pub std: Vec<f64>,
}

impl Default for Preprocessing {
    fn default() -> Self {
        Preprocessing {
            scale: 1.0,
            mean: Vec::new(),
            std: Vec::new(),
        }
    }
}

impl Preprocessing {
    /// Whether it leaves pixels unchanged.
    pub fn is_identity(&self) -> bool {
        self.scale == 1.0
            && self.mean.iter().all(|&m| m == 0.0)
            && self.std.iter().all(|&s| s == 1.0)
    }

    /// Parses a comma-separated list of numbers given to `flag` (e.g. `0.485,0.456,0.406`).
    pub fn parse_list(text: &str, flag: &str) -> Result<Vec<f64>> {
        text.split(',')
            .map(|part| {
                part.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        Error::Settings(format!(
                            "{flag} {text}: '{}' is not a finite number (expected a \
                             comma-separated list such as 0.485,0.456,0.406)",
                            part.trim()
                        ))
                    })
            })
            .collect()
    }

    /// The map as per-channel (weights, biases) for a network taking `channels` channels:
    /// `x' = weights[c] · x + biases[c]`. Errors (naming the flag) on a list whose length is
    /// neither 1 nor `channels`, a zero or non-finite std or scale.
    pub fn affine(&self, channels: usize) -> Result<(Vec<f64>, Vec<f64>)> {
        let expand = |v: &[f64], default: f64, flag: &str| -> Result<Vec<f64>> {
            match v.len() {
                0 => Ok(vec![default; channels]),
                1 => Ok(vec![v[0]; channels]),
                n if n == channels => Ok(v.to_vec()),
                n => Err(Error::Settings(format!(
                    "{flag}: {n} values for a network taking {channels}-channel images \
                     (give one value, or one per channel)"
                ))),
            }
        };
        let mean = expand(&self.mean, 0.0, "--mean")?;
        let std = expand(&self.std, 1.0, "--std")?;
        if !(self.scale.is_finite() && self.scale != 0.0) {
            return Err(Error::Settings(format!(
                "--scale {}: must be a finite nonzero number",
                self.scale
            )));
        }
        if let Some(s) = std.iter().find(|s| !(s.is_finite() && **s != 0.0)) {
            return Err(Error::Settings(format!(
                "--std {s}: every std must be a finite nonzero number"
            )));
        }
        let weights = std.iter().map(|s| self.scale / s).collect();
        let biases = mean.iter().zip(&std).map(|(m, s)| -m / s).collect();
        Ok((weights, biases))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imagenet_normalisation_as_an_affine_map() {
        let p = Preprocessing {
            scale: 1.0,
            mean: Preprocessing::parse_list("0.485, 0.456,0.406", "--mean").unwrap(),
            std: vec![0.229, 0.224, 0.225],
        };
        let (w, b) = p.affine(3).unwrap();
        for c in 0..3 {
            let x = 0.7;
            let want = (x - p.mean[c]) / p.std[c];
            assert!((w[c] * x + b[c] - want).abs() < 1e-15);
        }
        assert!(!p.is_identity() && Preprocessing::default().is_identity());
        let e = p.affine(1).unwrap_err().to_string();
        assert!(
            e.contains("--mean: 3 values for a network taking 1-channel"),
            "{e}"
        );
        let bad = Preprocessing {
            std: vec![0.0],
            ..Preprocessing::default()
        };
        assert!(bad.affine(1).unwrap_err().to_string().contains("--std 0"));
        assert!(Preprocessing::parse_list("1,x", "--mean").is_err());
        let scaled = Preprocessing {
            scale: 255.0,
            ..Preprocessing::default()
        };
        assert_eq!(scaled.affine(2).unwrap(), (vec![255.0; 2], vec![0.0; 2]));
    }
}
