//! [`Cell`]: one value as read from a file, before glassbox decides whether it is a usable number.

/// One cell of a [`crate::RawTable`], as read from the file.
///
/// Numbers are kept as `f64` even when they are NaN or infinite, so that the error message can
/// say exactly what was found when the cell is later needed as a feature or target.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A number: a CSV field or spreadsheet text that parses as `f64`, or a numeric spreadsheet
    /// cell. May be NaN or infinite (`nan`, `inf`, `-inf` in a CSV file).
    Number(f64),
    /// Text that is not a number.
    Text(String),
    /// An empty field or cell (whitespace only counts as empty).
    Empty,
    /// A conventional missing-value marker such as `NA`, `N/A`, `null`, `None` or `?`, kept
    /// verbatim for the error message.
    Missing(String),
    /// A spreadsheet boolean (`TRUE`/`FALSE`). glassbox does not treat booleans as numbers.
    Bool(bool),
    /// A spreadsheet date, time or duration, as displayed by calamine.
    DateTime(String),
    /// A spreadsheet error value such as `#DIV/0!`.
    Error(String),
}

/// Missing-value markers, as pandas' `read_csv` recognises them (the ones that `f64::from_str`
/// does not already read as NaN), plus `?` which the UCI repository uses.
const MISSING_MARKERS: &[&str] = &[
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
    "NULL", "None", "n/a", "null", "?",
];

impl Cell {
    /// Reads a text field: trimmed; empty -> [`Cell::Empty`]; a number (`1`, `-2.5`, `1e-3`,
    /// `nan`, `inf`, `-inf`, ...) -> [`Cell::Number`]; a missing-value marker ->
    /// [`Cell::Missing`]; anything else -> [`Cell::Text`].
    ///
    /// With `decimal_comma`, a field with exactly one comma and no point (`1,5`) is read as a
    /// decimal number; the CSV reader turns this on for semicolon- and tab-separated files,
    /// which is how spreadsheet programs in comma-decimal locales export.
    pub fn parse(field: &str, decimal_comma: bool) -> Cell {
        let s = field.trim();
        if s.is_empty() {
            return Cell::Empty;
        }
        if let Ok(x) = s.parse::<f64>() {
            return Cell::Number(x);
        }
        if decimal_comma
            && s.bytes().filter(|&b| b == b',').count() == 1
            && !s.contains('.')
            && let Ok(x) = s.replace(',', ".").parse::<f64>()
        {
            return Cell::Number(x);
        }
        if MISSING_MARKERS.contains(&s) {
            return Cell::Missing(s.to_string());
        }
        Cell::Text(s.to_string())
    }

    /// The value if the cell is a finite number.
    pub fn as_finite(&self) -> Option<f64> {
        match *self {
            Cell::Number(x) if x.is_finite() => Some(x),
            _ => None,
        }
    }

    /// True for text, booleans, dates and spreadsheet errors: cells that no amount of
    /// cleaning-up of missing values would make numeric.
    pub fn is_non_numeric(&self) -> bool {
        matches!(
            self,
            Cell::Text(_) | Cell::Bool(_) | Cell::DateTime(_) | Cell::Error(_)
        )
    }

    /// The cell as a row label: numbers without a trailing `.0` when they are whole, text
    /// verbatim, empty cells as the empty string.
    pub fn to_label(&self) -> String {
        match self {
            Cell::Number(x) => format_number(*x),
            Cell::Text(s) | Cell::Missing(s) | Cell::DateTime(s) | Cell::Error(s) => s.clone(),
            Cell::Empty => String::new(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        }
    }

    /// A short description for error messages, e.g. `text "abc"` or `an empty cell`.
    pub fn describe(&self) -> String {
        match self {
            Cell::Number(x) if x.is_nan() => "NaN".to_string(),
            Cell::Number(x) if x.is_infinite() => format!("an infinite value ({x})"),
            Cell::Number(x) => format!("the number {x}"),
            Cell::Text(s) => format!("text {}", quote_text(s)),
            Cell::Empty => "an empty cell".to_string(),
            Cell::Missing(s) => format!("the missing-value marker {}", quote_text(s)),
            Cell::Bool(b) => format!(
                "the boolean {} (glassbox does not read booleans as numbers)",
                if *b { "TRUE" } else { "FALSE" }
            ),
            Cell::DateTime(s) => format!(
                "the date/time {} (glassbox does not convert dates to numbers)",
                quote_text(s)
            ),
            Cell::Error(s) => format!("the spreadsheet error {s}"),
        }
    }
}

/// Whole numbers print without a fractional part (`3`, not `3.0`); others as Rust's shortest
/// round-tripping representation.
pub(crate) fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Quotes and escapes file text for a one-line message, shortening very long text.
pub(crate) fn quote_text(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    if s.chars().count() > MAX_CHARS {
        let head: String = s.chars().take(MAX_CHARS).collect();
        format!("{head:?}... ({} characters)", s.chars().count())
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_specials() {
        assert_eq!(Cell::parse(" 1e-3 ", false), Cell::Number(1e-3));
        assert_eq!(Cell::parse("-2.5", false), Cell::Number(-2.5));
        assert_eq!(Cell::parse("+7", false), Cell::Number(7.0));
        assert!(matches!(Cell::parse("nan", false), Cell::Number(x) if x.is_nan()));
        assert!(matches!(Cell::parse("NaN", false), Cell::Number(x) if x.is_nan()));
        assert_eq!(Cell::parse("inf", false), Cell::Number(f64::INFINITY));
        assert_eq!(Cell::parse("-inf", false), Cell::Number(f64::NEG_INFINITY));
        assert_eq!(Cell::parse("   ", false), Cell::Empty);
        assert_eq!(Cell::parse("NA", false), Cell::Missing("NA".into()));
        assert_eq!(Cell::parse("?", false), Cell::Missing("?".into()));
        assert_eq!(Cell::parse("abc", false), Cell::Text("abc".into()));
    }

    #[test]
    fn decimal_comma_only_when_asked_and_unambiguous() {
        assert_eq!(Cell::parse("1,5", true), Cell::Number(1.5));
        assert_eq!(Cell::parse("-0,25", true), Cell::Number(-0.25));
        assert_eq!(Cell::parse("1,5", false), Cell::Text("1,5".into()));
        assert_eq!(Cell::parse("1.000,5", true), Cell::Text("1.000,5".into()));
        assert_eq!(Cell::parse("1,0,5", true), Cell::Text("1,0,5".into()));
    }

    #[test]
    fn labels_and_descriptions() {
        assert_eq!(Cell::Number(3.0).to_label(), "3");
        assert_eq!(Cell::Number(-0.5).to_label(), "-0.5");
        assert_eq!(Cell::Number(1e20).to_label(), "100000000000000000000");
        assert_eq!(Cell::Text("a\nb".into()).describe(), "text \"a\\nb\"");
        let long = "x".repeat(100);
        assert!(Cell::Text(long).describe().ends_with("(100 characters)"));
    }
}
