//! [`ImageMethod`]: what `explain_images` computes, by the names the CLI uses.

use std::fmt;
use std::str::FromStr;

use glassbox_explain::cam::CamMethod;

use crate::Error;

/// An image explanation method: a CAM-family map at a conv layer, or LIME over superpixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageMethod {
    /// A CAM-family method (CAM, Grad-CAM, Grad-CAM++, Score-CAM, XGrad-CAM, HiResCAM,
    /// LayerCAM, Eigen-CAM).
    Cam(CamMethod),
    /// LIME with SLIC superpixels (model-agnostic).
    Lime,
}

impl ImageMethod {
    /// The name on the command line and in `summary.json` (`grad-cam`, `lime`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ImageMethod::Cam(m) => m.name(),
            ImageMethod::Lime => "lime",
        }
    }

    /// Every method name, comma-separated, in the order of the CLI's help.
    pub fn all_names() -> String {
        format!("{}, lime", CamMethod::all_names())
    }

    /// True for LIME, which perturbs the input instead of reading a layer.
    pub fn is_lime(self) -> bool {
        self == ImageMethod::Lime
    }
}

impl fmt::Display for ImageMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ImageMethod {
    type Err = Error;

    /// Parses a method name (case-insensitive); the error lists the valid names.
    fn from_str(s: &str) -> Result<ImageMethod, Error> {
        if s.eq_ignore_ascii_case("lime") {
            return Ok(ImageMethod::Lime);
        }
        s.parse::<CamMethod>().map(ImageMethod::Cam).map_err(|_| {
            Error::Settings(format!(
                "unknown method {s:?}; expected one of {}",
                ImageMethod::all_names()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_errors_list_them() {
        for name in ImageMethod::all_names().split(", ") {
            let m: ImageMethod = name.parse().unwrap();
            assert_eq!(m.name(), name);
        }
        assert_eq!("LIME".parse::<ImageMethod>().unwrap(), ImageMethod::Lime);
        let e = "grad-came".parse::<ImageMethod>().unwrap_err().to_string();
        assert!(e.contains("grad-cam") && e.contains("lime"), "{e}");
    }
}
