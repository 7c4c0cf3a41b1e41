//! Mutation tests of image loading (`load_image_files`: size probe, decoding with the
//! truncated-JPEG check, luma conversion, resizing): byte flips, truncations, splices and big
//! words (image sizes in PNG/BMP/JPEG headers) in valid PNG, JPEG and BMP files must give `Ok` or
//! `Err`, never a panic, an abort or a huge allocation. The `image_decode` fuzz target in
//! `fuzz/` runs the same property without a limit.

mod mutate;

use std::path::{Path, PathBuf};

use glassbox_data::{ImageLoadOptions, ImageSize, load_image_files};
use image::{GrayImage, ImageFormat, RgbImage};
use mutate::{apply, config, mutation};
use proptest::prelude::*;

fn encode(img: image::DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// (extension, bytes) of small grey and colour images in each format.
fn bases() -> Vec<(&'static str, Vec<u8>)> {
    let gray = GrayImage::from_fn(12, 10, |x, y| image::Luma([(x * 20 + y * 7) as u8]));
    let rgb = RgbImage::from_fn(9, 8, |x, y| {
        image::Rgb([(x * 28) as u8, (y * 30) as u8, 90])
    });
    let (g, c) = (
        image::DynamicImage::ImageLuma8(gray),
        image::DynamicImage::ImageRgb8(rgb),
    );
    vec![
        ("png", encode(g.clone(), ImageFormat::Png)),
        ("png", encode(c.clone(), ImageFormat::Png)),
        ("jpg", encode(g.clone(), ImageFormat::Jpeg)),
        ("jpg", encode(c.clone(), ImageFormat::Jpeg)),
        ("bmp", encode(g, ImageFormat::Bmp)),
        ("bmp", encode(c, ImageFormat::Bmp)),
    ]
}

/// Loads `bytes` as one image, as the loader does and resized, checking the values.
fn exercise(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    let paths = [path.to_path_buf()];
    match load_image_files(&paths, &ImageLoadOptions::default()) {
        Ok(b) => {
            assert_eq!(b.len(), 1);
            assert!(b.images.iter().all(|v| (0.0..=1.0).contains(v)));
            let resize = ImageLoadOptions {
                size: ImageSize::Resize {
                    height: 6,
                    width: 5,
                },
                ..ImageLoadOptions::default()
            };
            let r = load_image_files(&paths, &resize).expect("a decodable image resizes");
            assert_eq!(r.image_size(), (6, 5));
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "one line: {msg}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
        }
    }
}

#[test]
fn unmutated_images_load() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (ext, bytes)) in bases().iter().enumerate() {
        let p = dir.path().join(format!("i{i}.{ext}"));
        std::fs::write(&p, bytes).unwrap();
        load_image_files(&[p], &ImageLoadOptions::default()).unwrap();
    }
}

proptest! {
    #![proptest_config(config(2000, 0x696d_6167))]

    #[test]
    fn mutated_images_never_panic(
        file in 0..6usize,
        muts in prop::collection::vec(mutation(), 1..4),
    ) {
        thread_local!(static BASE: (tempfile::TempDir, Vec<(&'static str, Vec<u8>)>) =
            (tempfile::tempdir().unwrap(), bases()));
        BASE.with(|(dir, files)| {
            let (ext, bytes) = &files[file];
            let mutated = muts.iter().fold(bytes.clone(), apply);
            exercise(&dir.path().join(format!("m.{ext}")), &mutated);
        });
    }
}

/// Writes seeds for the `image_decode` fuzz target into `$GLASSBOX_FUZZ_SEEDS` (run with
/// `--ignored`).
#[test]
#[ignore = "writes fuzz seeds; run by hand"]
fn write_fuzz_seeds() {
    let out = PathBuf::from(std::env::var("GLASSBOX_FUZZ_SEEDS").unwrap());
    std::fs::create_dir_all(&out).unwrap();
    for (i, (ext, bytes)) in bases().iter().enumerate() {
        std::fs::write(out.join(format!("seed{i}.{ext}")), bytes).unwrap();
    }
}
