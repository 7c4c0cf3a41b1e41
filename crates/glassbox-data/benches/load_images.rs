//! Loading the bundled NEU image folder (1800 grayscale 200×200 PNGs, manifest split 1500/300).
//! Run with `cargo bench -p glassbox-data --bench load_images`; prints a table of medians.

use std::path::Path;
use std::time::Instant;

use glassbox_data::{ImageFolderOptions, load_image_folder};

fn main() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/neu"));
    let opts = ImageFolderOptions::default();
    let _ = load_image_folder(root, &opts).expect("bundled NEU data");
    let threads = rayon::current_num_threads();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let ds = load_image_folder(root, &opts).expect("bundled NEU data");
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(ds.train.len() + ds.test.len(), 1800);
    }
    times.sort_by(f64::total_cmp);
    println!("| task | threads | median | images/s |");
    println!("|---|---|---|---|");
    println!(
        "| load_image_folder NEU 1800 PNG 200x200 | {threads} | {:.3} s | {:.0} |",
        times[2],
        1800.0 / times[2]
    );
}
