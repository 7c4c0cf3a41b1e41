//! Delimited text files (`.csv`, `.tsv`, `.txt`): delimiter sniffing and parsing into a
//! [`RawTable`].

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cell::Cell;
use crate::error::DataError;
use crate::raw_table::{Collected, Header, RawTable, ReadOptions, Source, check_exists, io_error};

/// The delimiters glassbox recognises, in order of preference on a tie.
const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];

/// Lines looked at when sniffing the delimiter.
const SNIFF_LINES: usize = 50;

/// Bytes read at the start of a file to sniff its delimiter: until [`SNIFF_LINES`] non-blank
/// lines are complete, at most this many.
const MAX_HEAD: usize = 64 << 20;

/// Reads a delimited text file whole. `delimiter` forces one; `None` sniffs it.
pub(crate) fn read_delimited(
    path: &Path,
    delimiter: Option<u8>,
    opts: &ReadOptions,
) -> Result<RawTable, DataError> {
    let mut chunks = DelimitedChunks::open(path, delimiter, opts, usize::MAX)?;
    // The first chunk is the whole table (or the error that it has no data rows).
    Ok(chunks
        .next_chunk()?
        .expect("the first chunk is a table or an error"))
}

/// A delimited text file read record by record, [`DelimitedChunks::next_chunk`] returning
/// tables of at most `chunk_rows` data rows; only the current chunk (and the parser's
/// read-ahead) is held in memory.
pub(crate) struct DelimitedChunks {
    path: PathBuf,
    reader: csv::Reader<Tracked<std::io::Chain<std::io::Cursor<Vec<u8>>, File>>>,
    header: Header,
    decimal_comma: bool,
    chunk_rows: usize,
    /// Data rows returned so far.
    rows_read: usize,
    /// Blank columns found in the first chunk ([`Collected::finish_chunk`]).
    dropped: Option<Vec<usize>>,
    done: bool,
}

impl DelimitedChunks {
    /// Opens `path`, sniffs the delimiter (unless `delimiter` forces one) from its first lines
    /// and reads the header.
    pub(crate) fn open(
        path: &Path,
        delimiter: Option<u8>,
        opts: &ReadOptions,
        chunk_rows: usize,
    ) -> Result<Self, DataError> {
        check_exists(path)?;
        let mut file = File::open(path).map_err(|e| io_error(path, e))?;
        let (mut head, eof) = read_head(&mut file).map_err(|e| io_error(path, e))?;
        // Spreadsheet programs often start UTF-8 CSV exports with a byte-order mark.
        if head.starts_with(b"\xEF\xBB\xBF") {
            head.drain(..3);
        }
        if eof && head.iter().all(u8::is_ascii_whitespace) {
            return Err(DataError::Empty {
                path: path.to_path_buf(),
                what: "the file is empty".into(),
            });
        }
        let delimiter = delimiter.unwrap_or_else(|| {
            // Only complete lines count (the head may end inside one).
            let complete = match head.iter().rposition(|&b| b == b'\n') {
                Some(end) if !eof => &head[..end],
                _ => &head[..],
            };
            sniff_delimiter(complete)
        });
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(Tracked::new(std::io::Cursor::new(head).chain(file)));
        let mut record = csv::StringRecord::new();
        loop {
            let more = reader
                .read_record(&mut record)
                .map_err(|e| csv_error(path, &mut reader, e))?;
            if !more {
                return Err(DataError::Empty {
                    path: path.to_path_buf(),
                    what: "the file is empty".into(),
                });
            }
            if !is_blank(&record) {
                break;
            }
        }
        let raw_names: Vec<String> = record.iter().map(str::to_string).collect();
        let header = Header::new(path, &raw_names, opts.index_col.as_ref())?;
        Ok(DelimitedChunks {
            path: path.to_path_buf(),
            reader,
            header,
            // A comma cannot be both the separator and the decimal mark.
            decimal_comma: delimiter != b',',
            chunk_rows: chunk_rows.max(1),
            rows_read: 0,
            dropped: None,
            done: false,
        })
    }

    /// The next at most `chunk_rows` data rows; `None` after the last. The first call returns
    /// a table or an error (a file without data rows is [`DataError::Empty`]).
    pub(crate) fn next_chunk(&mut self) -> Result<Option<RawTable>, DataError> {
        if self.done {
            return Ok(None);
        }
        let width = self.header.names.len();
        let mut columns: Vec<Vec<Cell>> = vec![Vec::new(); width];
        let mut lines = Vec::new();
        let mut record = csv::StringRecord::new();
        while lines.len() < self.chunk_rows {
            let more = self
                .reader
                .read_record(&mut record)
                .map_err(|e| csv_error(&self.path, &mut self.reader, e))?;
            if !more {
                self.done = true;
                break;
            }
            if is_blank(&record) {
                continue;
            }
            let line = record
                .position()
                .map_or(0, |p| self.reader.get_mut().line_at(p.byte()));
            if record.len() != width {
                return Err(DataError::RaggedRow {
                    path: self.path.clone(),
                    line,
                    row: self.rows_read + lines.len() + 1,
                    found: record.len(),
                    expected: width,
                });
            }
            for (j, field) in record.iter().enumerate() {
                let cell = if Some(j) == self.header.index {
                    // Row labels keep their text exactly (e.g. "007" stays "007").
                    let t = field.trim();
                    if t.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(t.to_string())
                    }
                } else {
                    Cell::parse(field, self.decimal_comma)
                };
                columns[j].push(cell);
            }
            lines.push(line);
        }
        if lines.is_empty() && self.rows_read > 0 {
            return Ok(None);
        }
        let first_row = self.rows_read;
        self.rows_read += lines.len();
        Collected {
            path: self.path.clone(),
            source: Source::Text,
            header: self.header.clone(),
            first_column: 0,
            columns,
            lines,
            skipped: Vec::new(),
            first_row,
        }
        .finish_chunk("the file", &mut self.dropped)
        .map(Some)
    }
}

/// One line for a CSV parse error, with the line it happened on.
fn csv_error<R: Read>(
    path: &Path,
    reader: &mut csv::Reader<Tracked<R>>,
    e: csv::Error,
) -> DataError {
    DataError::Csv {
        path: path.to_path_buf(),
        line: e
            .position()
            .map_or(0, |p| reader.get_mut().line_at(p.byte())),
        message: match e.kind() {
            csv::ErrorKind::Utf8 { .. } => {
                "the text is not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in Excel)".into()
            }
            _ => e.to_string(),
        },
    }
}

/// The first bytes of `file`: until [`SNIFF_LINES`] + 1 non-blank lines are complete, the end
/// of the file, or [`MAX_HEAD`] bytes; and whether the end was reached.
fn read_head(file: &mut File) -> std::io::Result<(Vec<u8>, bool)> {
    let mut head = Vec::new();
    let mut block = vec![0u8; 64 << 10];
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            return Ok((head, true));
        }
        head.extend_from_slice(&block[..n]);
        let lines = head
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count();
        if lines > SNIFF_LINES + 1 || head.len() >= MAX_HEAD {
            return Ok((head, false));
        }
    }
}

/// The 1-based line of the record the csv crate says starts at byte `offset` of `bytes`,
/// counting `\n`. Computed here because the crate's own line number is one too low on CRLF
/// files: it ends a record at `\r`, so the offset (and line) it reports for the next record is
/// that of the `\n` still on the previous line; line-end bytes at the offset are skipped.
#[cfg(test)]
fn line_at(bytes: &[u8], offset: u64) -> u64 {
    let mut start = usize::try_from(offset).map_or(bytes.len(), |o| o.min(bytes.len()));
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// A reader that keeps the bytes passing through it to the CSV parser since the last record
/// it numbered, so records are numbered by file line (as `line_at` defines it) in one pass
/// over a file that is never held whole.
struct Tracked<R> {
    inner: R,
    /// Bytes from stream offset `kept_start` on, as read so far.
    kept: Vec<u8>,
    kept_start: u64,
    /// `kept[..pos]` has been counted: `newlines` `\n` bytes come before `kept[pos]`.
    pos: usize,
    newlines: u64,
}

impl<R> Tracked<R> {
    fn new(inner: R) -> Self {
        Tracked {
            inner,
            kept: Vec::new(),
            kept_start: 0,
            pos: 0,
            newlines: 0,
        }
    }

    /// The line of the record starting at stream offset `offset` (`line_at` of the whole
    /// stream). Offsets must not go below an earlier call's (records only move forward); one
    /// that does is answered with the earlier line.
    fn line_at(&mut self, offset: u64) -> u64 {
        let at = usize::try_from(offset.saturating_sub(self.kept_start)).unwrap_or(usize::MAX);
        let mut start = at.min(self.kept.len()).max(self.pos);
        while start < self.kept.len() && matches!(self.kept[start], b'\r' | b'\n') {
            start += 1;
        }
        self.newlines += self.kept[self.pos..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.pos = start;
        // Forget what is counted once it is large (amortised: the rest moves rarely).
        if self.pos >= 1 << 16 {
            self.kept.drain(..self.pos);
            self.kept_start += self.pos as u64;
            self.pos = 0;
        }
        self.newlines + 1
    }
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.kept.extend_from_slice(&buf[..n]);
        Ok(n)
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
    fn tracked_lines_agree_with_counting_from_the_start() {
        let text = b"a,b\r\n1,2\r\n\r\n3,4\n\n5,6\n7,8";
        // Read the whole text through the tracker in small pieces, then number every offset
        // in order; and the same with a gap after each offset (records skip ahead).
        for step in [1u64, 3] {
            let mut tracked = Tracked::new(&text[..]);
            let mut sink = Vec::new();
            let mut piece = [0u8; 4];
            loop {
                let n = tracked.read(&mut piece).unwrap();
                if n == 0 {
                    break;
                }
                sink.extend_from_slice(&piece[..n]);
            }
            assert_eq!(sink, text);
            let mut checked = 0;
            for offset in (0..=text.len() as u64 + 2).step_by(step as usize) {
                assert_eq!(
                    tracked.line_at(offset),
                    line_at(text, offset),
                    "offset {offset}, step {step}"
                );
                checked += 1;
            }
            assert!(checked >= text.len() / 3);
        }
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
