//! Reading the bundled molding table (4620 rows x 36 columns, plus the xlsx's index column)
//! from CSV and XLSX, and turning it into the training table. Prints a table of medians.
//!
//! Run: `cargo bench -p glassbox-data --bench read_table`

use std::path::Path;
use std::time::{Duration, Instant};

use glassbox_data::{IndexCol, ReadOptions, read_table};

const REPEATS: usize = 7;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(f: impl Fn() -> T) -> Duration {
    std::hint::black_box(f()); // warm-up (page cache)
    median(
        (0..REPEATS)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let data = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/molding"));
    let csv = data.join("ikv_injection_molding.csv");
    let xlsx = data.join("ikv_injection_molding.xlsx");
    let drop: Vec<String> = [
        "MoldNumber",
        "MoldName",
        "BrickType",
        "Variant",
        "Variant_en",
        "RunIndex",
        "SourceOrderRepaired",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let plain = ReadOptions::default();
    let indexed = ReadOptions {
        sheet: None,
        index_col: Some(IndexCol::Position(0)),
        columns: None,
    };
    let raw = read_table(&csv, &plain).unwrap();

    println!("glassbox-data read_table, molding 4620x36 (median of {REPEATS})");
    println!("{:<48} {:>10}", "step", "ms");
    let rows = [
        (
            "read_table csv (1.3 MB)",
            time(|| read_table(&csv, &plain).unwrap()),
        ),
        (
            "read_table xlsx (0.65 MB, index_col 0)",
            time(|| read_table(&xlsx, &indexed).unwrap()),
        ),
        (
            "to_training_table (28 features)",
            time(|| raw.to_training_table("Weight (g)", &drop).unwrap()),
        ),
    ];
    for (name, d) in rows {
        println!("{name:<48} {:>10.1}", d.as_secs_f64() * 1e3);
    }
}
