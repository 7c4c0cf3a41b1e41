//! A pre-scan of an `.ods` workbook's `content.xml`, before calamine reads it.
//!
//! calamine parses every sheet of an `.ods` when it opens the file and stores each one densely,
//! expanding `table:number-rows-repeated` and `table:number-columns-repeated`; a stray cell far
//! from the table, or a few rows of cells repeated thousands of times, would make it allocate
//! gigabytes. The scan reads `content.xml` the way calamine does (the same XML reader and
//! settings, the same elements and attributes) but keeps only where each sheet's values are
//! ([`Extent`]), and checks them against the size rule of every spreadsheet format. Repeated
//! empty rows and cells after the last value (LibreOffice writes a million empty rows at the end
//! of every sheet) are not part of the used range. It also bounds the spaces that `text:s`
//! elements ask calamine to write.
//!
//! Where calamine would fail on the file anyway (malformed XML, a bad repeat count), the scan
//! stops and leaves the report to calamine, after checking what it has seen so far.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use quick_xml::Reader;
use quick_xml::escape::unescape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;

use crate::sheet_extent::{Block, Extent, cell_name};

/// Most spaces the `text:s` elements (`text:c`, a count of spaces) of an `.ods` may ask for in
/// all: calamine writes them out one by one, so `text:c="1000000000000"` would ask for a
/// terabyte.
pub const MAX_ODS_SPACES: u64 = 1 << 24;

/// Why the scan stopped early.
#[derive(Debug)]
enum Stop {
    /// The workbook breaks a size rule: this message (one line) says how.
    Refused(String),
    /// calamine fails on the file here too (and reports it).
    Malformed,
}

type Step<T> = Result<T, Stop>;

/// Checks every sheet of the `.ods` at `path` against the size rule ([`Extent::check`]) before
/// calamine opens it. A file that is not a zip with a `content.xml` passes (calamine reports
/// it); the error names the sheet.
pub(crate) fn check_ods(path: &Path) -> Result<(), String> {
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(());
    };
    check_content(BufReader::new(content))
}

/// [`check_ods`] on the text of `content.xml`.
pub(crate) fn check_content(content: impl BufRead) -> Result<(), String> {
    // calamine's settings (calamine::ods::parse_content).
    let mut xml = Reader::from_reader(content);
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut scan = Scan { xml, spaces: 0 };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let name = match scan.xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name() == QName("table:table") => {
                match raw_attr(&e, "table:name") {
                    Ok(None) => continue,
                    Ok(Some(v)) => match unescape(v) {
                        Ok(name) => name.into_owned(),
                        Err(_) => return Ok(()),
                    },
                    Err(_) => return Ok(()),
                }
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => continue,
        };
        let mut extent = Extent::default();
        let stop = scan.table(&mut extent).err();
        extent
            .check()
            .map_err(|message| format!("sheet '{name}': {message}"))?;
        match stop {
            None => {}
            Some(Stop::Malformed) => return Ok(()),
            Some(Stop::Refused(message)) => return Err(format!("sheet '{name}': {message}")),
        }
    }
}

/// The XML reader and what the scan has counted across sheets.
struct Scan<R> {
    xml: Reader<R>,
    /// Spaces asked for by `text:s` so far.
    spaces: u64,
}

/// What a table cell holds, decided from its attributes as calamine's `get_datatype` does.
struct CellKind {
    /// calamine reads a value or a formula from it.
    has_value: bool,
    /// calamine reads the value from the element's text (`text:p`, `text:s`, ...).
    text_content: bool,
}

impl<R: BufRead> Scan<R> {
    /// The rows of one `table:table`, up to its end tag, into `extent`.
    fn table(&mut self, extent: &mut Extent) -> Step<()> {
        let mut buf = Vec::new();
        let mut row = 0u64;
        loop {
            buf.clear();
            match self.xml.read_event_into(&mut buf) {
                Ok(Event::Start(e)) if e.name() == QName("table:table-row") => {
                    let repeats = match raw_attr(&e, "table:number-rows-repeated")? {
                        Some(v) => count(&unescape(v).map_err(|_| Stop::Malformed)?)?,
                        None => 1,
                    };
                    self.row(row, repeats, extent)?;
                    row = row.saturating_add(repeats);
                }
                Ok(Event::End(e)) if e.name() == QName("table:table") => return Ok(()),
                // calamine's read_table waits for the end tag forever.
                Ok(Event::Eof) => return Err(Stop::Refused(ends_early("the sheet"))),
                Err(_) => return Err(Stop::Malformed),
                Ok(_) => {}
            }
        }
    }

    /// One `table:table-row` (0-based sheet row `row`, repeated `repeats` times) up to its end
    /// tag; its values make one block of `extent`.
    fn row(&mut self, row: u64, repeats: u64, extent: &mut Extent) -> Step<()> {
        let mut buf = Vec::new();
        let mut skip = Vec::new();
        let (mut col, mut first, mut last) = (0u64, None, 0u64);
        let (mut values, mut written) = (0u64, 0u64);
        loop {
            buf.clear();
            match self.xml.read_event_into(&mut buf) {
                Ok(Event::Start(e)) if is_cell(e.name()) => {
                    // calamine parses this count without unescaping it.
                    let cols = match raw_attr(&e, "table:number-columns-repeated")? {
                        Some(v) => count(v)?,
                        None => 1,
                    };
                    let kind = cell_kind(&e)?;
                    if kind.text_content {
                        self.text(row, col)?;
                    } else {
                        skip.clear();
                        (self.xml.read_to_end_into(e.name(), &mut skip))
                            .map_err(|_| Stop::Malformed)?;
                    }
                    if kind.has_value {
                        first.get_or_insert(col);
                        last = col.saturating_add(cols.max(1) - 1);
                        values = values.saturating_add(cols);
                        written += 1;
                    }
                    col = col.saturating_add(cols);
                }
                Ok(Event::End(e)) if e.name() == QName("table:table-row") => break,
                // calamine accepts nothing else in a row, not even white space.
                _ => return Err(Stop::Malformed),
            }
        }
        if let Some(left) = first {
            extent.blocks.push(Block {
                top: row,
                left,
                bottom: row.saturating_add(repeats.max(1) - 1),
                right: last,
            });
            extent.values = extent.values.saturating_add(values.saturating_mul(repeats));
            extent.written = extent.written.saturating_add(written);
        }
        Ok(())
    }

    /// The text of a cell (0-based `row`, `col`) up to the cell's end tag, as calamine reads
    /// it: counts the spaces `text:s` asks for.
    fn text(&mut self, row: u64, col: u64) -> Step<()> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match self.xml.read_event_into(&mut buf) {
                Ok(Event::End(e)) if is_cell(e.name()) => return Ok(()),
                Ok(Event::Start(e)) if e.name() == QName("office:annotation") => loop {
                    buf.clear();
                    match self.xml.read_event_into(&mut buf) {
                        Ok(Event::End(e)) if e.name() == QName("office:annotation") => break,
                        // calamine waits for the annotation's end tag forever.
                        Ok(Event::Eof) => return Err(Stop::Refused(ends_early("a comment"))),
                        Err(_) => return Err(Stop::Malformed),
                        Ok(_) => {}
                    }
                },
                Ok(Event::Start(e)) if e.name() == QName("text:s") => {
                    let n = match raw_attr(&e, "text:c")? {
                        Some(v) => count(&unescape(v).map_err(|_| Stop::Malformed)?)?,
                        None => 1,
                    };
                    self.spaces = self.spaces.saturating_add(n);
                    if self.spaces > MAX_ODS_SPACES {
                        return Err(Stop::Refused(format!(
                            "cell {} asks for {n} spaces (text:s text:c); a workbook may ask for \
                             at most {MAX_ODS_SPACES} in all",
                            cell_name((row, col))
                        )));
                    }
                }
                Ok(Event::Eof) | Err(_) => return Err(Stop::Malformed),
                Ok(_) => {}
            }
        }
    }
}

/// The refusal for a `content.xml` that ends inside `what`.
fn ends_early(what: &str) -> String {
    format!("malformed workbook: content.xml ends inside {what}")
}

/// `table:table-cell` or `table:covered-table-cell`.
fn is_cell(name: QName) -> bool {
    name == QName("table:table-cell") || name == QName("table:covered-table-cell")
}

/// A repeat count, as calamine parses it (a `usize`).
fn count(v: &str) -> Step<u64> {
    v.parse::<usize>()
        .map(|n| n as u64)
        .map_err(|_| Stop::Malformed)
}

/// What a cell holds, from its attributes as calamine's `get_datatype` reads them (the first of
/// `office:value`, `office:string-value`, ... sets the value; `office:value-type="string"`
/// without one takes it from the text).
fn cell_kind(e: &BytesStart) -> Step<CellKind> {
    let (mut set, mut empty_string, mut is_string, mut is_error) = (false, false, false, false);
    let mut formula = false;
    for attr in RawAttrs(e.attributes_raw()) {
        let (key, value) = attr?;
        let decoded = || unescape(value).map_err(|_| Stop::Malformed);
        match key {
            "office:string-value" if !set => (set, empty_string) = (true, decoded()?.is_empty()),
            "office:value" | "office:date-value" | "office:time-value" | "office:boolean-value"
                if !set =>
            {
                set = true;
            }
            "office:value-type" if !set => is_string = value == "string",
            "calcext:value-type" => is_error = value == "error",
            "table:formula" => formula = !decoded()?.is_empty(),
            _ => {}
        }
    }
    let text_content = (!set && is_string) || (is_error && set && empty_string);
    Ok(CellKind {
        has_value: set || text_content || formula,
        text_content,
    })
}

/// The value of the first attribute named `name`, as calamine's `raw_attr` finds it.
fn raw_attr<'a>(e: &'a BytesStart, name: &str) -> Step<Option<&'a str>> {
    for attr in RawAttrs(e.attributes_raw()) {
        let (key, value) = attr?;
        if key == name {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// A tag's attributes as `(key, raw value)`, split as calamine splits them (`key="value"` or
/// `key='value'`, white space around `=`); a malformed one ends the list with
/// [`Stop::Malformed`], where calamine fails.
struct RawAttrs<'a>(&'a str);

impl<'a> Iterator for RawAttrs<'a> {
    type Item = Step<(&'a str, &'a str)>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.0.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if rest.is_empty() {
            self.0 = rest;
            return None;
        }
        self.0 = "";
        let (key, rest) = rest.split_once('=')?;
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let Some(quote) = rest.chars().next().filter(|&c| c == '"' || c == '\'') else {
            return Some(Err(Stop::Malformed));
        };
        let rest = &rest[1..];
        let (value, rest) = rest.split_once(quote).unwrap_or((rest, ""));
        self.0 = rest;
        Some(Ok((
            key.trim_end_matches(|c: char| c.is_ascii_whitespace()),
            value,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(raw: &str) -> Vec<(&str, &str)> {
        RawAttrs(raw).map_while(Result::ok).collect()
    }

    #[test]
    fn attributes_split_like_calamine() {
        assert_eq!(
            attrs(r#" a="1" b = '2'  c="""#),
            [("a", "1"), ("b", "2"), ("c", "")]
        );
        assert!(matches!(
            RawAttrs(" a=1").next(),
            Some(Err(Stop::Malformed))
        ));
        // A key without '=' ends the list (calamine fails there).
        assert_eq!(attrs(r#" a="1" b"#), [("a", "1")]);
        assert_eq!(attrs(r#" a="1"#), [("a", "1")]);
    }

    fn sheet(rows: &str) -> String {
        format!(
            "<office:document-content><office:body><office:spreadsheet>\
             <table:table table:name=\"S\">{rows}</table:table>\
             </office:spreadsheet></office:body></office:document-content>"
        )
    }

    #[test]
    fn trailing_empty_repeats_do_not_count() {
        let v = r#"<table:table-cell office:value-type="float" office:value="1"/>"#;
        let empty = r#"<table:table-cell table:number-columns-repeated="16383"/>"#;
        let rows = format!(
            "<table:table-row>{v}{v}{empty}</table:table-row>\
             <table:table-row table:number-rows-repeated=\"1048575\">{empty}</table:table-row>"
        );
        assert_eq!(check_content(sheet(&rows).as_bytes()), Ok(()));
    }

    #[test]
    fn repeated_values_and_far_cells_count() {
        let v = r#"<table:table-cell office:value-type="float" office:value="1"/>"#;
        let far = format!(
            "<table:table-row>{v}</table:table-row>\
             <table:table-row table:number-rows-repeated=\"899998\"><table:table-cell/></table:table-row>\
             <table:table-row><table:table-cell table:number-columns-repeated=\"4999\"/>{v}</table:table-row>"
        );
        let m = check_content(sheet(&far).as_bytes()).unwrap_err();
        assert!(
            m.starts_with("sheet 'S': the used range spans 900000 rows x 5000 columns")
                && m.contains("stretched by cell GJH900000"),
            "{m}"
        );
        // Under calamine's own cap of 10^8 cells (where it would fill 80 million cells).
        let near = far.replace("899998", "19998").replace("4999", "3999");
        let m = check_content(sheet(&near).as_bytes()).unwrap_err();
        assert!(
            m.contains("20000 rows x 4000 columns (80000000 cells; holding only 2 values"),
            "{m}"
        );
        let bomb = r#"<table:table-row table:number-rows-repeated="8000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>"#;
        let m = check_content(sheet(bomb).as_bytes()).unwrap_err();
        assert!(m.contains("but the file writes only 1 of them"), "{m}");
        let spaces = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="1000000000000"/></text:p></table:table-cell></table:table-row>"#;
        let m = check_content(sheet(spaces).as_bytes()).unwrap_err();
        assert!(m.contains("cell A1 asks for 1000000000000 spaces"), "{m}");
        let cut = "<table:table table:name=\"S\"><table:table-row>";
        let m = check_content(cut.as_bytes());
        assert_eq!(m, Ok(()), "calamine reports a row cut short");
        let cut = "<table:table table:name=\"S\"><table:table-row></table:table-row>";
        let m = check_content(cut.as_bytes()).unwrap_err();
        assert!(m.contains("content.xml ends inside the sheet"), "{m}");
    }
}
