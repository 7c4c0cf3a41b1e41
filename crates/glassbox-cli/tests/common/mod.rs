//! Helpers shared by the CLI tests: a tiny synthetic image data set.

#![allow(dead_code)]

use std::path::Path;

use glassbox_core::rng::Rng;
use glassbox_plot::saliency::save_rgb_png;

/// Side of the synthetic images.
pub const SIDE: usize = 24;

/// A gray `SIDE`×`SIDE` image with a bright 6×6 square in the left (class 0) or right half on
/// noise, as RGB bytes (R = G = B, so it counts as grayscale).
pub fn square_image(rng: &mut Rng, right: bool) -> Vec<u8> {
    let x0 = rng.below(SIDE / 2 - 6) + if right { SIDE / 2 } else { 0 };
    let y0 = rng.below(SIDE - 6);
    let mut rgb = Vec::with_capacity(SIDE * SIDE * 3);
    for y in 0..SIDE {
        for x in 0..SIDE {
            let inside = (x0..x0 + 6).contains(&x) && (y0..y0 + 6).contains(&y);
            let v = if inside {
                220
            } else {
                30 + rng.below(40) as u8
            };
            rgb.extend_from_slice(&[v, v, v]);
        }
    }
    rgb
}

/// Writes `rgb`, a `side`×`side` image, as a PNG at `path` (its folder created).
pub fn write_png(path: &Path, rgb: &[u8], side: usize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    save_rgb_png(path, side as u32, side as u32, rgb).unwrap();
}

/// `root/left/*.png`, `root/right/*.png`, `n` [`square_image`]s each, drawn from `seed`.
pub fn synthetic(root: &Path, n: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    for (c, name) in ["left", "right"].iter().enumerate() {
        for i in 0..n {
            write_png(
                &root.join(format!("{name}/{name}_{i}.png")),
                &square_image(&mut rng, c == 1),
                SIDE,
            );
        }
    }
}
