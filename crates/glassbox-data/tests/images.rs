//! Image folders, manifests and image files: tiny images written to a temporary folder, with
//! pixel values chosen so every decoded value can be checked exactly; and the bundled NEU set
//! against the statistics in its README.

use std::path::{Path, PathBuf};

use glassbox_data::{
    ColorPolicy, DataError, ImageFolderOptions, ImageLoadOptions, ImageSize, MAX_IMAGE_PIXELS,
    SplitSource, load_image_files, load_image_folder, stratified_split,
};
use image::{GrayImage, RgbImage};

/// A `w × h` grayscale image whose pixel (x, y) is `base + x + w·y` (mod 256).
fn gray(w: u32, h: u32, base: u8) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| {
        image::Luma([base.wrapping_add((x + w * y) as u8)])
    })
}

fn save_gray(dir: &Path, rel: &str, img: &GrayImage) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    img.save(&p).unwrap();
    p
}

/// Two classes, `n` images each, 4 × 3 pixels; image `i` of class `c` has base `100·c + 10·i`.
fn two_class_folder(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (c, name) in ["dogs", "cats"].iter().enumerate() {
        for i in 0..n {
            // Natural order: name_2 before name_10.
            save_gray(
                dir.path(),
                &format!("{name}/{name}_{}.png", i + 1),
                &gray(4, 3, (100 * c + 10 * i) as u8),
            );
        }
    }
    dir
}

fn err_of<T: std::fmt::Debug>(r: Result<T, DataError>) -> String {
    let msg = r.unwrap_err().to_string();
    assert!(!msg.contains('\n'), "multi-line message: {msg}");
    msg
}

#[test]
fn folder_loads_classes_labels_and_exact_pixels() {
    let dir = two_class_folder(10);
    let opts = ImageFolderOptions {
        test_fraction: 0.3,
        seed: 7,
        ..Default::default()
    };
    let ds = load_image_folder(dir.path(), &opts).unwrap();
    // Classes sorted by name: cats (written second) is class 0.
    assert_eq!(ds.class_names, ["cats", "dogs"]);
    assert_eq!((ds.train.len(), ds.test.len()), (14, 6));
    assert_eq!(ds.train.class_counts(2), [7, 7]);
    assert_eq!(ds.test.class_counts(2), [3, 3]);
    assert_eq!(ds.train.batch.images.dim(), (14, 1, 3, 4));
    assert_eq!(
        ds.split,
        SplitSource::Stratified {
            test_fraction: 0.3,
            seed: 7
        }
    );
    // Every image's pixels are exactly its file's bytes / 255, and its label its folder.
    for part in [&ds.train, &ds.test] {
        for (k, path) in part.batch.paths.iter().enumerate() {
            let name = path.file_stem().unwrap().to_str().unwrap();
            let (class, idx) = name.split_once('_').unwrap();
            let i: usize = idx.parse::<usize>().unwrap() - 1;
            let c = if class == "cats" { 1 } else { 0 }; // base class (write order)
            assert_eq!(ds.class_names[part.labels[k]], class);
            let base = (100 * c + 10 * i) as u8;
            for y in 0..3 {
                for x in 0..4 {
                    let want = base.wrapping_add((x + 4 * y) as u8) as f32 / 255.0;
                    assert_eq!(part.batch.images[[k, 0, y, x]], want, "{name} ({x}, {y})");
                }
            }
            assert!(!part.batch.info[k].converted_from_color && !part.batch.info[k].resized);
        }
    }
    // Load order: class by class, files in natural order (cats_2 before cats_10).
    let names: Vec<String> = ds
        .train
        .batch
        .paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let cats: Vec<usize> = names
        .iter()
        .filter(|n| n.starts_with("cats"))
        .map(|n| n[5..n.len() - 4].parse().unwrap())
        .collect();
    assert!(cats.windows(2).all(|w| w[0] < w[1]), "{names:?}");
    assert!(names.iter().position(|n| n.starts_with("dogs")).unwrap() == 7);
    // Deterministic, and the seed matters.
    let again = load_image_folder(dir.path(), &opts).unwrap();
    assert_eq!(again, ds);
    let other = load_image_folder(
        dir.path(),
        &ImageFolderOptions {
            seed: 8,
            ..opts.clone()
        },
    )
    .unwrap();
    assert_ne!(other.test.batch.paths, ds.test.batch.paths);
}

#[test]
fn stratified_split_keeps_class_shares_and_every_class_in_train() {
    let labels: Vec<usize> = (0..103)
        .map(|i| if i < 90 { 0 } else { 1 + i % 2 })
        .collect();
    let s = stratified_split(&labels, 3, 0.2, 1).unwrap();
    let count = |idx: &[usize], c: usize| idx.iter().filter(|&&i| labels[i] == c).count();
    assert_eq!(
        [count(&s.test, 0), count(&s.test, 1), count(&s.test, 2)],
        [18, 1, 1]
    ); // round(90 * 0.2), round(6.5 * 0.2) = 1
    let mut all = [s.train.clone(), s.test.clone()].concat();
    all.sort_unstable();
    assert_eq!(all, (0..103).collect::<Vec<_>>());
    assert!(s.train.windows(2).all(|w| w[0] < w[1]));
    // A class of two gives one image to each part.
    let s = stratified_split(&[0, 0, 1, 1], 2, 0.1, 3).unwrap();
    assert_eq!((s.train.len(), s.test.len()), (2, 2));
    assert!(stratified_split(&[0, 1], 2, 0.5, 3).is_err()); // nothing can go to test
    assert!(err_of(stratified_split(&[0, 0], 1, 1.0, 3)).contains("test fraction"));
}

#[test]
fn manifest_fixes_split_and_class_order() {
    let dir = two_class_folder(3);
    // class_id order puts dogs first, against name order; one dogs image is not listed.
    std::fs::write(
        dir.path().join("manifest.csv"),
        "file,class,class_id,split,extra\n\
         cats/cats_1.png,cats,1,train,x\n\
         dogs/dogs_3.png,dogs,0,test,x\n\
         dogs/dogs_1.png,dogs,0,train,x\n\
         cats/cats_2.png,cats,1,TEST,x\n",
    )
    .unwrap();
    let ds = load_image_folder(dir.path(), &ImageFolderOptions::default()).unwrap();
    assert_eq!(ds.class_names, ["dogs", "cats"]);
    assert_eq!(ds.train.labels, [1, 0]);
    assert_eq!(ds.test.labels, [0, 1]);
    assert!(ds.test.batch.paths[0].ends_with("dogs/dogs_3.png"));
    assert!(matches!(ds.split, SplitSource::Manifest(_)));
    // dogs_3 has base 20.
    assert_eq!(ds.test.batch.images[[0, 0, 0, 1]], 21.0 / 255.0);
    // Ignoring the manifest scans the folders instead.
    let scanned = load_image_folder(
        dir.path(),
        &ImageFolderOptions {
            use_manifest: false,
            test_fraction: 0.34,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(scanned.class_names, ["cats", "dogs"]);
    assert_eq!(scanned.train.len() + scanned.test.len(), 6);
}

#[test]
fn manifest_without_class_columns_uses_the_folder() {
    let dir = two_class_folder(2);
    std::fs::write(
        dir.path().join("manifest.csv"),
        "file,split\ndogs/dogs_1.png,train\ncats/cats_1.png,train\ndogs/dogs_2.png,test\n",
    )
    .unwrap();
    let ds = load_image_folder(dir.path(), &ImageFolderOptions::default()).unwrap();
    assert_eq!(ds.class_names, ["cats", "dogs"]);
    assert_eq!(ds.train.labels, [1, 0]);
}

#[test]
fn manifest_errors_name_the_line() {
    let dir = two_class_folder(2);
    let m = dir.path().join("manifest.csv");
    let cases = [
        (
            "file,split\ndogs/dogs_1.png,train\ndogs/missing.png,test\n",
            "line 3: file 'dogs/missing.png' does not exist",
        ),
        (
            "file,split\ndogs/dogs_1.png,train\ndogs/dogs_2.png,validation\n",
            "line 3: split is 'validation'; expected train or test",
        ),
        (
            "file,class\ndogs/dogs_1.png,dogs\n",
            "header: no 'split' column",
        ),
        (
            "file,split\ndogs/dogs_1.png,train\ndogs/dogs_2.png,train\n",
            "no row has split 'test'",
        ),
        (
            "file,split\ndogs/dogs_1.png,train\ndogs/dogs_1.png,test\n",
            "listed twice (first on line 2)",
        ),
        (
            "file,class,class_id,split\ndogs/dogs_1.png,dogs,0,train\ncats/cats_1.png,cats,2,test\n",
            "1 is missing",
        ),
        (
            "file,class,class_id,split\ndogs/dogs_1.png,dogs,0,train\ncats/cats_1.png,cats,0,test\n",
            "line 3: class_id 0 is class 'cats' here but 'dogs' on line 2",
        ),
    ];
    for (text, want) in cases {
        std::fs::write(&m, text).unwrap();
        let msg = err_of(load_image_folder(
            dir.path(),
            &ImageFolderOptions::default(),
        ));
        assert!(msg.contains(want), "{text:?}: {msg}");
        assert!(msg.starts_with(&m.display().to_string()), "{msg}");
    }
}

#[test]
fn bad_folders_and_files_are_named() {
    let opts = ImageFolderOptions::default();
    // No class folders.
    let dir = tempfile::tempdir().unwrap();
    assert!(err_of(load_image_folder(dir.path(), &opts)).contains("no class folders"));
    assert!(err_of(load_image_folder(&dir.path().join("nope"), &opts)).contains("no such file"));
    // An empty class folder.
    let dir = two_class_folder(2);
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let msg = err_of(load_image_folder(dir.path(), &opts));
    assert!(msg.contains("empty: class folder has no images"), "{msg}");
    // A stray text file; hidden files are ignored.
    let dir = two_class_folder(2);
    std::fs::write(dir.path().join("dogs/.DS_Store"), b"x").unwrap();
    std::fs::write(dir.path().join("dogs/notes.txt"), b"x").unwrap();
    let msg = err_of(load_image_folder(dir.path(), &opts));
    assert!(
        msg.contains("notes.txt: not a readable image: '.txt'"),
        "{msg}"
    );
    // A corrupt PNG.
    let dir = two_class_folder(2);
    std::fs::write(dir.path().join("cats/cats_2.png"), b"not a png at all").unwrap();
    let msg = err_of(load_image_folder(dir.path(), &opts));
    assert!(msg.contains("cats_2.png: not a readable image"), "{msg}");
}

#[test]
fn sizes_are_refused_or_resized() {
    let dir = two_class_folder(2);
    save_gray(dir.path(), "dogs/dogs_3.png", &gray(6, 5, 0));
    let msg = err_of(load_image_folder(
        dir.path(),
        &ImageFolderOptions::default(),
    ));
    assert!(
        msg.contains(
            "dogs_3.png: image is 6x5 pixels (width x height); expected 4x3 (the first image, "
        ),
        "{msg}"
    );
    let opts = ImageFolderOptions {
        load: ImageLoadOptions {
            size: ImageSize::Resize {
                height: 3,
                width: 4,
            },
            ..Default::default()
        },
        test_fraction: 0.4,
        ..Default::default()
    };
    let ds = load_image_folder(dir.path(), &opts).unwrap();
    let all: Vec<_> = [&ds.train, &ds.test]
        .iter()
        .flat_map(|p| p.batch.resized())
        .collect();
    assert_eq!(all.len(), 1);
    assert!(all[0].ends_with("dogs_3.png"));
    // A constant image stays constant under resizing.
    let c = tempfile::tempdir().unwrap();
    let p = save_gray(
        c.path(),
        "c.png",
        &GrayImage::from_pixel(9, 7, image::Luma([51])),
    );
    let b = load_image_files(
        std::slice::from_ref(&p),
        &ImageLoadOptions {
            size: ImageSize::Resize {
                height: 3,
                width: 4,
            },
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(b.images.dim(), (1, 1, 3, 4));
    assert!(b.images.iter().all(|&v| (v - 0.2).abs() < 1e-6));
    assert_eq!(b.info[0].original_size, (7, 9));
    // Exact size names the requirement.
    let msg = err_of(load_image_files(
        &[p],
        &ImageLoadOptions {
            size: ImageSize::Exact {
                height: 24,
                width: 24,
            },
            required_by: "the model".into(),
            ..Default::default()
        },
    ));
    assert!(
        msg.contains(
            "image is 9x7 pixels (width x height); expected 24x24 (the input size of the model)"
        ),
        "{msg}"
    );
}

#[test]
fn colour_is_detected_converted_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let color = dir.path().join("color.png");
    RgbImage::from_fn(2, 2, |x, _| image::Rgb([200, 100, (50 * x) as u8]))
        .save(&color)
        .unwrap();
    let grey_rgb = dir.path().join("grey_rgb.bmp");
    RgbImage::from_pixel(2, 2, image::Rgb([90, 90, 90]))
        .save(&grey_rgb)
        .unwrap();
    let b = load_image_files(
        &[color.clone(), grey_rgb.clone()],
        &ImageLoadOptions::default(),
    )
    .unwrap();
    assert_eq!(b.converted_from_color(), [color.as_path()]);
    // Pillow's L: (200·19595 + 100·38470 + 0·7471 + 32768) >> 16 = 118.
    assert_eq!(b.images[[0, 0, 0, 0]], 118.0 / 255.0);
    assert_eq!(b.images[[1, 0, 1, 1]], 90.0 / 255.0);
    let msg = err_of(load_image_files(
        &[grey_rgb, color],
        &ImageLoadOptions {
            color: ColorPolicy::Reject,
            required_by: "the model".into(),
            ..Default::default()
        },
    ));
    assert!(
        msg.contains("color.png: colour image") && msg.contains("the model expects 1-channel"),
        "{msg}"
    );
}

#[test]
fn rgb_policy_keeps_three_planes_in_r_g_b_order() {
    let dir = tempfile::tempdir().unwrap();
    let color = dir.path().join("color.png");
    RgbImage::from_fn(3, 2, |x, y| {
        image::Rgb([200, (100 + x) as u8, (50 * y) as u8])
    })
    .save(&color)
    .unwrap();
    let grey = save_gray(dir.path(), "grey.png", &gray(3, 2, 40));
    let b = load_image_files(
        &[color, grey],
        &ImageLoadOptions {
            color: ColorPolicy::Rgb,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(b.images.dim(), (2, 3, 2, 3));
    for y in 0..2 {
        for x in 0..3 {
            assert_eq!(b.images[[0, 0, y, x]], 200.0 / 255.0);
            assert_eq!(b.images[[0, 1, y, x]], (100 + x) as f32 / 255.0);
            assert_eq!(b.images[[0, 2, y, x]], (50 * y) as f32 / 255.0);
            // A grayscale file gives three equal channels.
            let g = b.images[[1, 0, y, x]];
            assert_eq!((b.images[[1, 1, y, x]], b.images[[1, 2, y, x]]), (g, g));
        }
    }
    assert!(b.converted_from_color().is_empty());
}

#[test]
fn jpeg_and_bmp_decode() {
    let dir = tempfile::tempdir().unwrap();
    let jpg = dir.path().join("a.JPG");
    GrayImage::from_pixel(16, 16, image::Luma([128]))
        .save_with_format(&jpg, image::ImageFormat::Jpeg)
        .unwrap();
    let bmp = save_gray(dir.path(), "b.bmp", &gray(16, 16, 3));
    let b = load_image_files(&[jpg, bmp], &ImageLoadOptions::default()).unwrap();
    assert!((b.images[[0, 0, 5, 5]] - 128.0 / 255.0).abs() < 2.0 / 255.0);
    assert_eq!(b.images[[1, 0, 1, 2]], 21.0 / 255.0);
    // Missing files and non-images are named.
    let msg = err_of(load_image_files(
        &[dir.path().join("x.png")],
        &ImageLoadOptions::default(),
    ));
    assert!(msg.contains("x.png: no such file"), "{msg}");
}

#[test]
fn truncated_images_are_refused_not_explained_as_if_whole() {
    let dir = tempfile::tempdir().unwrap();
    let img = GrayImage::from_fn(64, 64, |x, y| image::Luma([((x * 3 + y * 5) % 256) as u8]));
    let whole = dir.path().join("whole.jpg");
    img.save_with_format(&whole, image::ImageFormat::Jpeg)
        .unwrap();
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let opts = ImageLoadOptions::default();
    assert!(load_image_files(std::slice::from_ref(&whole), &opts).is_ok());
    let msg = err_of(load_image_files(&[cut], &opts));
    assert!(
        msg.contains("cut.jpg") && msg.contains("the JPEG is truncated"),
        "{msg}"
    );
    // A PNG cut short is refused by its decoder.
    let png = save_gray(dir.path(), "whole.png", &img);
    let bytes = std::fs::read(&png).unwrap();
    let cut_png = dir.path().join("cut.png");
    std::fs::write(&cut_png, &bytes[..bytes.len() / 2]).unwrap();
    let msg = err_of(load_image_files(&[cut_png], &opts));
    assert!(msg.contains("cut.png"), "{msg}");
}

/// `bytes` with the first SOF0 marker's height and width replaced.
fn with_jpeg_size(mut bytes: Vec<u8>, h: u16, w: u16) -> Vec<u8> {
    let sof = bytes.windows(2).position(|m| m == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    bytes
}

#[test]
fn a_tiny_file_declaring_a_huge_image_is_refused_before_decoding() {
    // Found with the image_decode fuzz target: a 394-byte JPEG whose header declares
    // 20000 x 20000 pixels decoded for minutes (the decoder fills the missing scan with grey),
    // and 65535 x 65535 asked for a 17 GB batch before decoding.
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.jpg");
    gray(12, 10, 40)
        .save_with_format(&small, image::ImageFormat::Jpeg)
        .unwrap();
    let bytes = std::fs::read(&small).unwrap();
    let opts = ImageLoadOptions::default();
    let resize = ImageLoadOptions {
        size: ImageSize::Resize {
            height: 8,
            width: 8,
        },
        ..ImageLoadOptions::default()
    };
    for (h, w) in [(20000, 20000), (65535, 65535), (4097, 8193)] {
        let p = dir.path().join(format!("huge_{h}x{w}.jpg"));
        std::fs::write(&p, with_jpeg_size(bytes.clone(), h, w)).unwrap();
        for o in [&opts, &resize] {
            let msg = err_of(load_image_files(std::slice::from_ref(&p), o));
            assert!(
                msg.contains(&format!("huge_{h}x{w}.jpg"))
                    && msg.contains(&format!("declares {w}x{h} pixels"))
                    && msg.contains(&format!("at most {MAX_IMAGE_PIXELS} pixels")),
                "{msg}"
            );
        }
    }
    // At the cap a header is accepted (the image then fails or loads on its merits).
    let p = dir.path().join("at_cap.jpg");
    std::fs::write(&p, with_jpeg_size(bytes, 4096, 8192)).unwrap();
    let r = load_image_files(std::slice::from_ref(&p), &resize);
    assert!(r.as_ref().map_or(true, |b| b.image_size() == (8, 8)));
    if let Err(e) = r {
        assert!(!e.to_string().contains("at most"), "{e}");
    }
}

#[test]
fn selecting_per_class() {
    let dir = two_class_folder(5);
    let ds = load_image_folder(
        dir.path(),
        &ImageFolderOptions {
            test_fraction: 0.4,
            ..Default::default()
        },
    )
    .unwrap();
    let sel = ds.train.first_per_class(2, 2);
    assert_eq!(sel.labels, [0, 0, 1, 1]);
    assert_eq!(sel.batch.images.dim(), (4, 1, 3, 4));
    assert_eq!(sel.batch.paths[0], ds.train.batch.paths[0]);
    let last = ds.train.len() - 1;
    let one = ds.train.select(&[last]);
    assert_eq!(
        one.batch
            .images
            .index_axis(glassbox_core::ndarray::Axis(0), 0),
        ds.train
            .batch
            .images
            .index_axis(glassbox_core::ndarray::Axis(0), last)
    );
}

/// The bundled NEU set: 1500/300 from its manifest, and the README's pixel statistics over the
/// training images (mean 0.5065, std 0.2105), computed there with Python.
#[test]
fn bundled_neu_matches_its_readme() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/neu"));
    let ds = load_image_folder(root, &ImageFolderOptions::default()).unwrap();
    assert_eq!(
        ds.class_names,
        [
            "crazing",
            "inclusion",
            "patches",
            "pitted_surface",
            "rolled-in_scale",
            "scratches"
        ]
    );
    assert_eq!((ds.train.len(), ds.test.len()), (1500, 300));
    assert_eq!(ds.test.class_counts(6), [50; 6]);
    assert_eq!(ds.train.batch.image_size(), (200, 200));
    assert!(ds.train.batch.converted_from_color().is_empty());
    let x = &ds.train.batch.images;
    let n = x.len() as f64;
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    assert!((mean - 0.5065).abs() < 5e-5, "mean {mean}");
    assert!((var.sqrt() - 0.2105).abs() < 5e-5, "std {}", var.sqrt());
    assert!(ds.test.batch.paths[0].ends_with("crazing/crazing_251.png"));
}
