//! Fuzzes image loading (`load_image_files`: size probe, decode with the truncated-JPEG check,
//! luma conversion, resizing): any bytes must give Ok or Err, never a panic, an abort or a huge
//! allocation.
#![no_main]

mod common;

use glassbox_data::{ImageLoadOptions, ImageSize, load_image_files};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The extension only steers the size probe; the decoder sniffs the format from the bytes.
    let name = ["fuzz.png", "fuzz.jpg", "fuzz.bmp"][data.len() % 3];
    let path = common::write(name, data);
    let paths = [path];
    let uniform = load_image_files(&paths, &ImageLoadOptions::default());
    if let Ok(batch) = uniform {
        assert_eq!(batch.len(), 1);
        let (h, w) = batch.image_size();
        assert!(
            batch.images.iter().all(|v| (0.0..=1.0).contains(v)),
            "{h}x{w}"
        );
        // What `image explain` does with a model's input size.
        let resize = ImageLoadOptions {
            size: ImageSize::Resize {
                height: 8,
                width: 8,
            },
            ..ImageLoadOptions::default()
        };
        let again = load_image_files(&paths, &resize).expect("a decodable image resizes");
        assert_eq!(again.image_size(), (8, 8));
    }
});
