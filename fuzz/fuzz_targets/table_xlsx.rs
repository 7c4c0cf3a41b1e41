//! Fuzzes the spreadsheet table reader (`read_table` on an `.xlsx` file, through calamine):
//! any bytes must give Ok or Err, never a panic or an abort (a stray far cell once asked for a
//! 17-billion-cell range), and a table that reads must go on to training/feature tables.
#![no_main]

mod common;

use glassbox_data::{IndexCol, ReadOptions, read_table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let index_col = (data.len() % 2 == 1).then_some(IndexCol::Position(0));
    let path = common::write("fuzz.xlsx", data);
    let opts = ReadOptions {
        sheet: None,
        index_col,
    };
    if let Ok(raw) = read_table(&path, &opts) {
        common::exercise_table(&raw);
    }
});
