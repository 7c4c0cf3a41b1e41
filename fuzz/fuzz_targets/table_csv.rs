//! Fuzzes the delimited-text table reader (`read_table` on a `.csv`/`.tsv` file, delimiter
//! sniffing included): any bytes must give Ok or Err, never a panic, and a table that reads must
//! go on to training/feature tables without panicking.
#![no_main]

mod common;

use glassbox_data::{IndexCol, ReadOptions, read_table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The input's length picks the variant, so plain files stay valid seeds.
    let (name, index_col) = match data.len() % 4 {
        0 => ("fuzz.csv", None),
        1 => ("fuzz.csv", Some(IndexCol::Position(0))),
        2 => ("fuzz.tsv", None),
        _ => ("fuzz.txt", Some(IndexCol::Name("id".into()))),
    };
    let path = common::write(name, data);
    let opts = ReadOptions {
        sheet: None,
        index_col,
    };
    if let Ok(raw) = read_table(&path, &opts) {
        common::exercise_table(&raw);
    }
});
