//! Reading a boosted-tree model file, with the format given or detected from its content.

use std::path::Path;

use super::imported::{BoostedFormat, ImportedModel};
use super::lightgbm_txt::parse_lightgbm_text;
use super::xgboost_json::parse_xgboost_json;
use crate::ModelError;

/// Detects the format from the first bytes: a JSON object (`{`, after an optional UTF-8 BOM and
/// whitespace) is XGBoost JSON (or UBJSON, which the XGBoost parser then rejects clearly), a
/// first line `tree` is LightGBM text. None when it is neither.
pub fn detect_format(bytes: &[u8]) -> Option<BoostedFormat> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let body = &bytes[start..];
    if body.starts_with(b"{") {
        return Some(BoostedFormat::XgboostJson);
    }
    let first_line = body.split(|&b| b == b'\n').next().unwrap_or(body);
    (first_line.trim_ascii() == b"tree").then_some(BoostedFormat::LightgbmText)
}

/// Parses a model held in memory; `format` None detects it from the content.
pub fn parse_boosted(
    bytes: &[u8],
    format: Option<BoostedFormat>,
    path_for_errors: &Path,
) -> Result<ImportedModel, ModelError> {
    let format = match format.or_else(|| detect_format(bytes)) {
        Some(f) => f,
        None => {
            return Err(ModelError::Format {
                path: path_for_errors.to_path_buf(),
                message: "not a boosted-tree model: expected XGBoost JSON (a JSON object) or \
                          LightGBM text (first line 'tree')"
                    .into(),
            });
        }
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match format {
        BoostedFormat::XgboostJson => parse_xgboost_json(bytes, path_for_errors),
        BoostedFormat::LightgbmText => {
            let text = std::str::from_utf8(bytes).map_err(|e| ModelError::Format {
                path: path_for_errors.to_path_buf(),
                message: format!(
                    "not a LightGBM text model: invalid UTF-8 at byte {}",
                    e.valid_up_to()
                ),
            })?;
            parse_lightgbm_text(text, path_for_errors)
        }
    }
}

/// Reads and parses the model file at `path`; `format` None detects it from the content.
pub fn load_boosted(
    path: &Path,
    format: Option<BoostedFormat>,
) -> Result<ImportedModel, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_boosted(&bytes, format, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect_format(b"  {\"learner\":{}}"),
            Some(BoostedFormat::XgboostJson)
        );
        assert_eq!(
            detect_format(b"\xEF\xBB\xBF{}"),
            Some(BoostedFormat::XgboostJson)
        );
        assert_eq!(
            detect_format(b"tree\nversion=v4\n"),
            Some(BoostedFormat::LightgbmText)
        );
        assert_eq!(
            detect_format(b"tree\r\nversion=v4\r\n"),
            Some(BoostedFormat::LightgbmText)
        );
        assert_eq!(detect_format(b"a,b,c\n1,2,3\n"), None);
        assert_eq!(detect_format(b""), None);
        assert_eq!(detect_format(b"trees\n"), None);
    }
}
