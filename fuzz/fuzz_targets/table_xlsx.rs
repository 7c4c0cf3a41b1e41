//! Fuzzes the spreadsheet table reader (`read_table` on an `.xlsx` file, through calamine):
//! any bytes must give Ok or Err, never a panic or an abort (a stray far cell once asked for a
//! 17-billion-cell range), and a table that reads must go on to training/feature tables.
#![no_main]

mod common;

use glassbox_data::{IndexCol, ReadOptions, read_table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // `read_table` runs calamine under `catch_unwind` (it panics on some malformed workbooks)
    // and reports such a panic as an error. libfuzzer-sys's panic hook aborts at the panic,
    // before anything can catch it, so put the default hook back: a panic that escapes
    // `read_table` still aborts (libfuzzer-sys aborts on any panic out of the target).
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| drop(std::panic::take_hook()));
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
