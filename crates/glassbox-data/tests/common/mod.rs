//! Test helpers: temporary CSV files and minimal hand-written XLSX workbooks.
//!
//! The XLSX writer emits the smallest package calamine (and Excel) accept: content types,
//! relationships, a workbook listing the sheets, a style sheet whose cell format 1 is a date,
//! and one worksheet per sheet with inline strings. Writing the XML here keeps every fixture
//! readable in the test that uses it.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use glassbox_data::{DataError, RawTable, ReadOptions, read_table};

/// Path of a bundled data file.
pub fn bundled(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data")).join(rel)
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// Reads with default options.
pub fn read(path: &Path) -> Result<RawTable, DataError> {
    read_table(path, &ReadOptions::default())
}

/// The error's message, checked to be one line that starts with `path` when given.
pub fn message(err: &DataError, path: Option<&Path>) -> String {
    let m = err.to_string();
    assert!(!m.contains('\n'), "multi-line message: {m}");
    if let Some(p) = path {
        assert!(
            m.starts_with(&p.display().to_string()),
            "message does not start with the path {}: {m}",
            p.display()
        );
    }
    m
}

/// One spreadsheet cell of a hand-written sheet.
#[derive(Clone, Debug)]
pub enum X {
    /// No `<c>` element at all.
    None,
    /// A numeric cell, written verbatim into `<v>` (so "NaN" and "INF" can be written).
    Num(&'static str),
    /// An inline string.
    Str(&'static str),
    /// A boolean cell.
    Bool(bool),
    /// An error cell, e.g. "#DIV/0!".
    Err(&'static str),
    /// A numeric cell with the date format (Excel serial day number).
    Date(f64),
}

fn col_letter(j: usize) -> char {
    (b'A' + j as u8) as char
}

fn sheet_xml(rows: &[Vec<X>], first_row: usize) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (i, row) in rows.iter().enumerate() {
        let r = first_row + i;
        s.push_str(&format!(r#"<row r="{r}">"#));
        for (j, cell) in row.iter().enumerate() {
            let at = format!("{}{r}", col_letter(j));
            match cell {
                X::None => {}
                X::Num(v) => s.push_str(&format!(r#"<c r="{at}"><v>{v}</v></c>"#)),
                X::Str(t) => s.push_str(&format!(
                    r#"<c r="{at}" t="inlineStr"><is><t>{t}</t></is></c>"#
                )),
                X::Bool(b) => {
                    s.push_str(&format!(r#"<c r="{at}" t="b"><v>{}</v></c>"#, u8::from(*b)))
                }
                X::Err(e) => s.push_str(&format!(r#"<c r="{at}" t="e"><v>{e}</v></c>"#)),
                X::Date(d) => s.push_str(&format!(r#"<c r="{at}" s="1"><v>{d}</v></c>"#)),
            }
        }
        s.push_str("</row>");
    }
    s.push_str("</sheetData></worksheet>");
    s
}

/// Writes a workbook with the given sheets (name, rows; the first row goes to sheet row
/// `first_row`, 1-based) to `dir/name`.
pub fn write_xlsx_at(
    dir: &Path,
    name: &str,
    sheets: &[(&str, Vec<Vec<X>>)],
    first_row: usize,
) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, body: &str| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    let mut overrides = String::new();
    let mut sheet_list = String::new();
    let mut rels = String::new();
    for (k, (sheet, _)) in sheets.iter().enumerate() {
        let n = k + 1;
        overrides.push_str(&format!(
            r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        ));
        sheet_list.push_str(&format!(
            r#"<sheet name="{sheet}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
    }
    let styles_id = sheets.len() + 1;
    put(
        "[Content_Types].xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>"#
        ),
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put(
        "xl/workbook.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheet_list}</sheets></workbook>"#
        ),
    );
    put(
        "xl/_rels/workbook.xml.rels",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}<Relationship Id="rId{styles_id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#
        ),
    );
    put(
        "xl/styles.xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#,
    );
    for (k, (_, rows)) in sheets.iter().enumerate() {
        put(
            &format!("xl/worksheets/sheet{}.xml", k + 1),
            &sheet_xml(rows, first_row),
        );
    }
    zip.finish().unwrap();
    path
}

/// Writes a workbook whose first row is sheet row 1.
pub fn write_xlsx(dir: &Path, name: &str, sheets: &[(&str, Vec<Vec<X>>)]) -> PathBuf {
    write_xlsx_at(dir, name, sheets, 1)
}
