//! Tables read in chunks ([`read_table_chunks`]) against the same files read whole: the chunks
//! put together are the whole table (cells, row ids, and every cell's location in messages),
//! for every chunk size, and errors in a later chunk name the file's row and line.

use std::path::{Path, PathBuf};

use glassbox_data::{Cell, IndexCol, RawTable, ReadOptions, read_table, read_table_chunks};

fn parquet_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/parquet")
        .join(name)
}

/// Every cell, row id and cell location of `whole`, compared with the chunks of `path`.
fn assert_chunks_equal_whole(path: &Path, opts: &ReadOptions, chunk_rows: usize) {
    let whole = read_table(path, opts).unwrap();
    let chunks: Vec<RawTable> = read_table_chunks(path, opts, chunk_rows)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let what = format!("{} in chunks of {chunk_rows}", path.display());
    assert_eq!(
        chunks.len(),
        whole.n_rows().div_ceil(chunk_rows),
        "{what}: chunk count"
    );
    let mut row = 0;
    for chunk in &chunks {
        assert_eq!(chunk.first_row(), row, "{what}");
        assert!(chunk.n_rows() <= chunk_rows, "{what}");
        assert_eq!(chunk.column_names(), whole.column_names(), "{what}");
        assert_eq!(chunk.index_name(), whole.index_name(), "{what}");
        for i in 0..chunk.n_rows() {
            assert_eq!(chunk.row_ids()[i], whole.row_ids()[row + i], "{what}");
            for (j, name) in whole.column_names().iter().enumerate() {
                let (a, b) = (
                    &chunk.column(name).unwrap()[i],
                    &whole.column(name).unwrap()[row + i],
                );
                let same = match (a, b) {
                    (Cell::Number(x), Cell::Number(y)) => x.to_bits() == y.to_bits(),
                    _ => a == b,
                };
                assert!(
                    same,
                    "{what}: row {} column {name}: {a:?} vs {b:?}",
                    row + i
                );
                assert_eq!(chunk.locate(i, j), whole.locate(row + i, j), "{what}");
            }
        }
        row += chunk.n_rows();
    }
    assert_eq!(row, whole.n_rows(), "{what}");
}

#[test]
fn csv_chunks_are_the_whole_table() {
    let dir = tempfile::tempdir().unwrap();
    // CRLF and LF lines, blank lines, a byte-order mark, a quoted field with a line break, a
    // trailing separator (a blank unnamed column, dropped from every chunk), an index column.
    let text = "\u{feff}id,a,b,\r\nr0,1,2,\r\n\r\nr1,3,\"4\",\nr2,5,6,\n\n  \nr3,\"7\n\",8,\r\nr4,NA,,\nr5,1e3,-2,\n";
    let path = dir.path().join("t.csv");
    std::fs::write(&path, text).unwrap();
    for index_col in [None, Some(IndexCol::Name("id".into()))] {
        let opts = ReadOptions {
            index_col,
            ..ReadOptions::default()
        };
        assert_eq!(read_table(&path, &opts).unwrap().n_rows(), 6);
        for chunk_rows in [1, 2, 4, 5, 6, 100] {
            assert_chunks_equal_whole(&path, &opts, chunk_rows);
        }
    }
    // Semicolons and decimal commas are sniffed from the head as in a whole read.
    let path = dir.path().join("semi.csv");
    std::fs::write(&path, "x;y\n1,5;2\n3;4,25\n").unwrap();
    assert_chunks_equal_whole(&path, &ReadOptions::default(), 1);
}

#[test]
fn a_csv_larger_than_the_sniffed_head_streams_with_its_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut text = String::from("k,v,w\n");
    for i in 0..20_000 {
        // Every 7th record ends in CRLF, every 11th is followed by a blank line.
        let end = if i % 7 == 0 { "\r\n" } else { "\n" };
        text.push_str(&format!("{i},{}.25,\"w{i}\"{end}", i * 3));
        if i % 11 == 0 {
            text.push('\n');
        }
    }
    assert!(text.len() > 200_000);
    std::fs::write(&path, &text).unwrap();
    for chunk_rows in [4096, 7777] {
        assert_chunks_equal_whole(&path, &ReadOptions::default(), chunk_rows);
    }
}

#[test]
fn parquet_chunks_are_the_whole_table_across_row_groups() {
    // 50 rows in row groups of 20, 20 and 10: chunks split and join row groups.
    for file in ["table_snappy.parquet", "nulls.parquet", "text.parquet"] {
        for chunk_rows in [1, 7, 20, 33, 50, 64] {
            assert_chunks_equal_whole(&parquet_fixture(file), &ReadOptions::default(), chunk_rows);
        }
    }
    let path = parquet_fixture("table_snappy.parquet");
    let chunks = read_table_chunks(&path, &ReadOptions::default(), 16).unwrap();
    assert_eq!(chunks.total_rows(), Some(50));
    // A projection decodes only the named columns in every chunk.
    let whole = read_table(&path, &ReadOptions::default()).unwrap();
    let first = whole.column_names()[0].clone();
    let opts = ReadOptions {
        columns: Some(vec![first.clone()]),
        ..ReadOptions::default()
    };
    for chunk in read_table_chunks(&path, &opts, 16).unwrap() {
        assert_eq!(chunk.unwrap().column_names(), std::slice::from_ref(&first));
    }
}

#[test]
fn a_spreadsheet_is_one_chunk() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/concrete/concrete.xlsx");
    let chunks = read_table_chunks(&path, &ReadOptions::default(), 10).unwrap();
    assert_eq!(chunks.total_rows(), Some(1030));
    let tables: Vec<RawTable> = chunks.collect::<Result<_, _>>().unwrap();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].n_rows(), 1030);
}

#[test]
fn errors_in_a_later_chunk_name_the_files_row_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, "a,b\n1,2\n3,4\n\n5,x\n6\n").unwrap();
    let mut chunks = read_table_chunks(&path, &ReadOptions::default(), 1).unwrap();
    chunks.next().unwrap().unwrap();
    chunks.next().unwrap().unwrap();
    let third = chunks.next().unwrap().unwrap();
    assert_eq!(third.first_row(), 2);
    assert_eq!(third.row_ids(), ["2"]);
    // The text cell is data row 3, on line 5 (after a blank line).
    let err = third
        .to_feature_table(&["a".into(), "b".into()], None)
        .unwrap_err();
    assert!(err.to_string().contains("data row 3 (line 5)"), "{err}");
    // The short record is data row 4 on line 6; the iterator ends after the error.
    let err = chunks.next().unwrap().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("line 6") && text.contains("bad.csv"),
        "{text}"
    );
    assert!(chunks.next().is_none());

    // A Parquet file with the error past the first chunk: nulls are reported by data row.
    let path = parquet_fixture("nulls.parquet");
    let whole = read_table(&path, &ReadOptions::default()).unwrap();
    let names: Vec<String> = whole.column_names().to_vec();
    let want = whole
        .to_feature_table(&names, None)
        .unwrap_err()
        .to_string();
    let got = read_table_chunks(&path, &ReadOptions::default(), 1)
        .unwrap()
        .find_map(|c| c.unwrap().to_feature_table(&names, None).err())
        .unwrap()
        .to_string();
    assert_eq!(got, want);
}

#[test]
fn an_empty_file_or_header_only_is_refused_when_opened_or_first_read() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "\n  \n").unwrap();
    let err = read_table_chunks(&empty, &ReadOptions::default(), 5)
        .err()
        .unwrap();
    assert!(err.to_string().contains("empty"), "{err}");
    let header = dir.path().join("header.csv");
    std::fs::write(&header, "a,b\n").unwrap();
    let mut chunks = read_table_chunks(&header, &ReadOptions::default(), 5).unwrap();
    let err = chunks.next().unwrap().unwrap_err();
    assert!(err.to_string().contains("no data rows"), "{err}");
    assert!(chunks.next().is_none());
}
