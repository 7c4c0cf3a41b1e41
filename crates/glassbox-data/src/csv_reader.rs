//! Delimited text files (`.csv`, `.tsv`, `.txt`): delimiter sniffing and parsing into a
//! [`RawTable`].

use std::path::Path;

use crate::cell::Cell;
use crate::error::DataError;
use crate::raw_table::{Collected, Header, RawTable, ReadOptions, Source, check_exists, io_error};

/// The delimiters glassbox recognises, in order of preference on a tie.
const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];

/// Lines looked at when sniffing the delimiter.
const SNIFF_LINES: usize = 50;

/// Reads a delimited text file. `delimiter` forces one; `None` sniffs it.
pub(crate) fn read_delimited(
    path: &Path,
    delimiter: Option<u8>,
    opts: &ReadOptions,
) -> Result<RawTable, DataError> {
    check_exists(path)?;
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    // Spreadsheet programs often start UTF-8 CSV exports with a byte-order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            what: "the file is empty".into(),
        });
    }
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(bytes));
    // A comma cannot be both the separator and the decimal mark.
    let decimal_comma = delimiter != b',';
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);

    let csv_error = |e: csv::Error| DataError::Csv {
        path: path.to_path_buf(),
        line: e.position().map_or(0, |p| line_at(bytes, p.byte())),
        message: match e.kind() {
            csv::ErrorKind::Utf8 { .. } => {
                "the text is not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in Excel)".into()
            }
            _ => e.to_string(),
        },
    };

    let mut records = reader.records();
    let header_record = loop {
        match records.next() {
            None => {
                return Err(DataError::Empty {
                    path: path.to_path_buf(),
                    what: "the file is empty".into(),
                });
            }
            Some(r) => {
                let r = r.map_err(csv_error)?;
                if !is_blank(&r) {
                    break r;
                }
            }
        }
    };
    let raw_names: Vec<String> = header_record.iter().map(str::to_string).collect();
    let header = Header::new(path, &raw_names, opts.index_col.as_ref())?;
    let width = header.names.len();

    let mut columns: Vec<Vec<Cell>> = vec![Vec::new(); width];
    let mut lines = Vec::new();
    let mut line_counter = LineCounter::new(bytes);
    for record in records {
        let record = record.map_err(csv_error)?;
        if is_blank(&record) {
            continue;
        }
        let line = record
            .position()
            .map_or(0, |p| line_counter.line_at(p.byte()));
        if record.len() != width {
            return Err(DataError::RaggedRow {
                path: path.to_path_buf(),
                line,
                row: lines.len() + 1,
                found: record.len(),
                expected: width,
            });
        }
        for (j, field) in record.iter().enumerate() {
            let cell = if Some(j) == header.index {
                // Row labels keep their text exactly (e.g. "007" stays "007").
                let t = field.trim();
                if t.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(t.to_string())
                }
            } else {
                Cell::parse(field, decimal_comma)
            };
            columns[j].push(cell);
        }
        lines.push(line);
    }
    Collected {
        path: path.to_path_buf(),
        source: Source::Text,
        header,
        first_column: 0,
        columns,
        lines,
        skipped: Vec::new(),
    }
    .finish("the file")
}

/// The 1-based line of the record the csv crate says starts at byte `offset` of `bytes`,
/// counting `\n`. Computed here because the crate's own line number is one too low on CRLF
/// files: it ends a record at `\r`, so the offset (and line) it reports for the next record is
/// that of the `\n` still on the previous line; line-end bytes at the offset are skipped.
fn line_at(bytes: &[u8], offset: u64) -> u64 {
    let mut start = usize::try_from(offset).map_or(bytes.len(), |o| o.min(bytes.len()));
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// [`line_at`] for offsets that only grow, as the records of one file do: counts the newlines
/// since the previous call instead of from the start, so numbering all records is linear in the
/// file size (counting from the start each time made reading a 2450-row table take a second).
struct LineCounter<'b> {
    bytes: &'b [u8],
    /// Bytes before `pos` hold `newlines` `\n` bytes.
    pos: usize,
    newlines: u64,
}

impl<'b> LineCounter<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            newlines: 0,
        }
    }

    /// The same as `line_at(bytes, offset)`; offsets below an earlier one fall back to it.
    fn line_at(&mut self, offset: u64) -> u64 {
        let bytes = self.bytes;
        let mut start = usize::try_from(offset).map_or(bytes.len(), |o| o.min(bytes.len()));
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start < self.pos {
            return line_at(bytes, offset);
        }
        self.newlines += bytes[self.pos..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.pos = start;
        self.newlines + 1
    }
}

/// A record that is a whitespace-only line (the CSV parser already skips truly empty lines).
fn is_blank(record: &csv::StringRecord) -> bool {
    record.len() == 1 && record[0].trim().is_empty()
}

/// Picks the delimiter from the first lines: among comma, semicolon and tab, those that occur
/// in the header, preferring one that occurs equally often on every sampled line, then the most
/// frequent in the header. Delimiters inside double quotes are not counted. A file with none of
/// them is a one-column table (comma).
pub(crate) fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(SNIFF_LINES)
        .collect();
    let Some(first) = lines.first() else {
        return b',';
    };
    let mut best: Option<(bool, usize, u8)> = None;
    for &d in &CANDIDATES {
        let in_header = count_unquoted(first, d);
        if in_header == 0 {
            continue;
        }
        let consistent = lines.iter().all(|l| count_unquoted(l, d) == in_header);
        let better = match best {
            None => true,
            Some((c, n, _)) => (consistent, in_header) > (c, n),
        };
        if better {
            best = Some((consistent, in_header, d));
        }
    }
    best.map_or(b',', |(_, _, d)| d)
}

/// Occurrences of `d` outside double-quoted stretches of one line.
fn count_unquoted(line: &[u8], d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counter_agrees_with_counting_from_the_start() {
        let text = b"a,b\r\n1,2\r\n\r\n3,4\n\n5,6\n7,8";
        let mut counter = LineCounter::new(text);
        let mut checked = 0;
        for offset in 0..=text.len() as u64 + 2 {
            assert_eq!(
                counter.line_at(offset),
                line_at(text, offset),
                "offset {offset}"
            );
            checked += 1;
        }
        // Going back still answers correctly.
        assert_eq!(counter.line_at(4), line_at(text, 4));
        assert_eq!(checked, text.len() + 3);
        assert_eq!(line_at(text, 5), 2);
        assert_eq!(line_at(text, 12), 4);
    }

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"x;y\",b\n1,2\n"), b',');
        assert_eq!(sniff_delimiter(b"single\n1\n2\n"), b',');
        // Semicolons in one text field do not beat a consistent comma.
        assert_eq!(sniff_delimiter(b"a,b\nx;y,1\n2,3\n"), b',');
    }
}
