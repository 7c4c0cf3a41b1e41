//! Image folders and image files: PNG, JPEG and BMP decoded to 1-channel (luma) `f32` batches
//! `(N, 1, H, W)` scaled to `[0, 1]` — or, with [`ColorPolicy::Rgb`], 3-channel batches
//! `(N, 3, H, W)` in R, G, B order — with labels from the folder layout or a manifest CSV.
//!
//! # Layout
//! `root/<class>/<image>` — one subfolder per class. Class names are the subfolder names, sorted
//! (byte order), unless a manifest gives a `class_id` order. Hidden entries (names starting with
//! `.`) and files directly in `root` (a README, the manifest) are ignored; any other file in a
//! class folder must be an image, so a stray file is reported by name instead of silently
//! skipped. Within a class, files are ordered naturally (`img_2` before `img_10`).
//!
//! # Manifest
//! When `root/manifest.csv` exists (and [`ImageFolderOptions::use_manifest`] is set), it fixes
//! the data set and its split: columns `file` (path relative to `root`) and `split` (`train` or
//! `test`) are required; `class` (default: the first folder of `file`) and `class_id` (fixes the
//! class order) are optional; other columns are ignored. Every row must point at an existing
//! file. Without a manifest, each class is split at random ([`stratified_split`]).
//!
//! # Pixels
//! Grayscale images are scaled by their maximum (255 or 65535). Colour images are converted with
//! the ITU-R 601 weights Pillow's `convert("L")` uses (`L = (19595 R + 38470 G + 7471 B + 2^15)
//! >> 16` on 8-bit values; 16-bit colour images go through 8 bits first), so results match a
//! Python pipeline that loads with Pillow. An RGB file whose three channels are equal everywhere
//! (a grayscale image saved as RGB, as the NEU JPEGs were) counts as grayscale; one whose
//! channels differ is flagged in [`ImageInfo::converted_from_color`], or refused with
//! [`ColorPolicy::Reject`]. Alpha is ignored.
//!
//! Decoding runs in parallel with rayon; the output order is the load order whatever the thread
//! count, and the first failing file in that order is the error reported.

use std::path::{Path, PathBuf};

use glassbox_core::ndarray::{Array4, Axis};
use glassbox_core::rng::Rng;
use image::{DynamicImage, ImageBuffer, ImageDecoder, Luma};
use rayon::prelude::*;

use crate::error::DataError;
use crate::image_folder::{read_manifest, scan_class_folders};
use crate::split::Split;

/// File extensions read as images (matched case-insensitively).
pub const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "bmp"];

/// Most pixels (width x height) an image file may declare: 2^25, 33.5 megapixels (8192 x 4096).
/// A JPEG decoder fills a scan that ends early with grey, so without a cap a 400-byte file
/// declaring 20000 x 20000 pixels decodes for minutes into gigabytes, and a header of
/// 65535 x 65535 asks for a 17 GB batch before anything is decoded.
pub const MAX_IMAGE_PIXELS: u64 = 1 << 25;

/// The manifest file looked for in an image folder's root.
pub const MANIFEST_NAME: &str = "manifest.csv";

/// What to do about image sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageSize {
    /// Every image must have the size of the first image loaded; others are refused.
    Uniform,
    /// Every image must be exactly `height × width`; others are refused.
    Exact {
        /// Required height in pixels.
        height: usize,
        /// Required width in pixels.
        width: usize,
    },
    /// Images of another size are resized to `height × width` (bilinear, the `image` crate's
    /// triangle filter) and flagged in [`ImageInfo::resized`].
    Resize {
        /// Target height in pixels.
        height: usize,
        /// Target width in pixels.
        width: usize,
    },
}

/// What to do with colour images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorPolicy {
    /// Convert to luma and flag them ([`ImageInfo::converted_from_color`]).
    Convert,
    /// Refuse them with [`DataError::ColorImage`].
    Reject,
    /// Keep three channels, R, G, B (a grayscale file gives three equal channels): for
    /// networks that take colour images.
    Rgb,
}

impl ColorPolicy {
    /// Channels of the decoded images: 3 for [`ColorPolicy::Rgb`], else 1.
    pub fn channels(self) -> usize {
        if self == ColorPolicy::Rgb { 3 } else { 1 }
    }
}

/// Options for loading images.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageLoadOptions {
    /// Size policy (default [`ImageSize::Uniform`]).
    pub size: ImageSize,
    /// Colour policy (default [`ColorPolicy::Convert`]).
    pub color: ColorPolicy,
    /// Who needs the size and the grayscale input, for messages (default `"the loader"`; the
    /// CLI says `"the model"`).
    pub required_by: String,
}

impl Default for ImageLoadOptions {
    fn default() -> Self {
        ImageLoadOptions {
            size: ImageSize::Uniform,
            color: ColorPolicy::Convert,
            required_by: "the loader".into(),
        }
    }
}

/// What happened to one image on the way in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// Size of the file's image, (height, width).
    pub original_size: (usize, usize),
    /// The file was a colour image (its channels differ somewhere) and was converted to luma.
    pub converted_from_color: bool,
    /// The image was resized to the batch's size.
    pub resized: bool,
}

/// A batch of decoded images.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageBatch {
    /// Pixels in `[0, 1]`, shape (samples, channels, height, width): 1 channel (luma), or 3
    /// (R, G, B) with [`ColorPolicy::Rgb`].
    pub images: Array4<f32>,
    /// Source file of each image, length (samples,).
    pub paths: Vec<PathBuf>,
    /// What happened to each image, length (samples,).
    pub info: Vec<ImageInfo>,
}

impl ImageBatch {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether the batch holds no image.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// (height, width) of every image in the batch.
    pub fn image_size(&self) -> (usize, usize) {
        let d = self.images.dim();
        (d.2, d.3)
    }

    /// Files that were colour images converted to luma.
    pub fn converted_from_color(&self) -> Vec<&Path> {
        self.flagged(|i| i.converted_from_color)
    }

    /// Files that were resized.
    pub fn resized(&self) -> Vec<&Path> {
        self.flagged(|i| i.resized)
    }

    fn flagged(&self, f: impl Fn(&ImageInfo) -> bool) -> Vec<&Path> {
        self.paths
            .iter()
            .zip(&self.info)
            .filter(|(_, i)| f(i))
            .map(|(p, _)| p.as_path())
            .collect()
    }

    /// The images at `indices` (in that order), as a new batch.
    pub fn select(&self, indices: &[usize]) -> ImageBatch {
        ImageBatch {
            images: self.images.select(Axis(0), indices),
            paths: indices.iter().map(|&i| self.paths[i].clone()).collect(),
            info: indices.iter().map(|&i| self.info[i]).collect(),
        }
    }
}

/// Images with their class labels.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledImages {
    /// The images.
    pub batch: ImageBatch,
    /// Class index of each image (into [`ImageDataset::class_names`]), length (samples,).
    pub labels: Vec<usize>,
}

impl LabelledImages {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there is no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The images at `indices` (in that order).
    pub fn select(&self, indices: &[usize]) -> LabelledImages {
        LabelledImages {
            batch: self.batch.select(indices),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// The first `k` images of each class (in load order), classes in index order.
    pub fn first_per_class(&self, k: usize, n_classes: usize) -> LabelledImages {
        let mut idx = Vec::new();
        for c in 0..n_classes {
            idx.extend(
                self.labels
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| **l == c)
                    .map(|(i, _)| i)
                    .take(k),
            );
        }
        self.select(&idx)
    }

    /// Images per class, length `n_classes`.
    pub fn class_counts(&self, n_classes: usize) -> Vec<usize> {
        let mut counts = vec![0; n_classes];
        for &l in &self.labels {
            if l < n_classes {
                counts[l] += 1;
            }
        }
        counts
    }
}

/// Where a data set's train/test split came from.
#[derive(Clone, Debug, PartialEq)]
pub enum SplitSource {
    /// The manifest's `split` column.
    Manifest(PathBuf),
    /// [`stratified_split`] with this fraction and seed.
    Stratified {
        /// Share of each class in the test part.
        test_fraction: f64,
        /// The seed.
        seed: u64,
    },
}

/// An image folder, loaded and split.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageDataset {
    /// The folder.
    pub root: PathBuf,
    /// Class names in class-index order.
    pub class_names: Vec<String>,
    /// Training images.
    pub train: LabelledImages,
    /// Test images.
    pub test: LabelledImages,
    /// How the split was made.
    pub split: SplitSource,
}

/// Options for [`load_image_folder`].
#[derive(Clone, Debug, PartialEq)]
pub struct ImageFolderOptions {
    /// Per-image options.
    pub load: ImageLoadOptions,
    /// Use `root/manifest.csv` when it exists (default true).
    pub use_manifest: bool,
    /// Share of each class in the test part when there is no manifest (default 0.2).
    pub test_fraction: f64,
    /// Seed of the split when there is no manifest (default 42).
    pub seed: u64,
}

impl Default for ImageFolderOptions {
    fn default() -> Self {
        ImageFolderOptions {
            load: ImageLoadOptions::default(),
            use_manifest: true,
            test_fraction: 0.2,
            seed: 42,
        }
    }
}

/// One file to load, with its label and part.
pub(crate) struct Item {
    pub path: PathBuf,
    pub label: usize,
    pub test: bool,
}

/// Loads an image folder (one subfolder per class, or a manifest; see the module docs) and
/// splits it into train and test parts.
pub fn load_image_folder(
    root: &Path,
    opts: &ImageFolderOptions,
) -> Result<ImageDataset, DataError> {
    if !root.exists() {
        return Err(DataError::NotFound {
            path: root.to_path_buf(),
        });
    }
    if !root.is_dir() {
        return Err(DataError::NoClassFolders {
            path: root.to_path_buf(),
        });
    }
    let manifest = root.join(MANIFEST_NAME);
    let (class_names, items, split) = if opts.use_manifest && manifest.is_file() {
        let (names, items) = read_manifest(root, &manifest)?;
        (names, items, SplitSource::Manifest(manifest))
    } else {
        let (names, files) = scan_class_folders(root)?;
        let labels: Vec<usize> = files.iter().map(|f| f.1).collect();
        let split = stratified_split(&labels, names.len(), opts.test_fraction, opts.seed)?;
        let mut is_test = vec![false; files.len()];
        for &i in &split.test {
            is_test[i] = true;
        }
        let items = files
            .into_iter()
            .zip(is_test)
            .map(|((path, label), test)| Item { path, label, test })
            .collect();
        (
            names,
            items,
            SplitSource::Stratified {
                test_fraction: opts.test_fraction,
                seed: opts.seed,
            },
        )
    };
    // Fix the size once for both parts, so train and test agree.
    let size = match opts.load.size {
        ImageSize::Uniform => match items.first() {
            Some(first) => {
                let (h, w) = probe_size(&first.path)?;
                Fixed {
                    height: h,
                    width: w,
                    resize: false,
                    from: format!("the first image, {}", first.path.display()),
                }
            }
            None => unreachable!("scan and manifest reject empty data sets"),
        },
        other => Fixed::from_policy(other, &opts.load.required_by).expect("not Uniform"),
    };
    let (test_items, train_items): (Vec<Item>, Vec<Item>) = items.into_iter().partition(|i| i.test);
    let load = |items: Vec<Item>| -> Result<LabelledImages, DataError> {
        let labels = items.iter().map(|i| i.label).collect();
        let paths: Vec<PathBuf> = items.into_iter().map(|i| i.path).collect();
        let batch = decode_batch(paths, &size, &opts.load)?;
        Ok(LabelledImages { batch, labels })
    };
    let train = load(train_items)?;
    let test = load(test_items)?;
    Ok(ImageDataset {
        root: root.to_path_buf(),
        class_names,
        train,
        test,
        split,
    })
}

/// Loads individual image files (e.g. the images to explain), in the order given.
///
/// With [`ImageSize::Uniform`] every image must have the first one's size.
pub fn load_image_files(
    paths: &[PathBuf],
    opts: &ImageLoadOptions,
) -> Result<ImageBatch, DataError> {
    for p in paths {
        if !p.exists() {
            return Err(DataError::NotFound { path: p.clone() });
        }
        check_extension(p)?;
    }
    let size = match opts.size {
        ImageSize::Uniform => match paths.first() {
            Some(first) => {
                let (h, w) = probe_size(first)?;
                Fixed {
                    height: h,
                    width: w,
                    resize: false,
                    from: format!("the first image, {}", first.display()),
                }
            }
            None => Fixed {
                height: 0,
                width: 0,
                resize: false,
                from: String::new(),
            },
        },
        other => Fixed::from_policy(other, &opts.required_by).expect("not Uniform"),
    };
    decode_batch(paths.to_vec(), &size, opts)
}

/// Splits each class at random: the indices of class `c` (in `labels`, length (samples,)) are
/// shuffled with `Rng::derive(seed, c)` and the first `round(n_c · test_fraction)` go to the
/// test part — at least one when the class has two or more images, and never the whole class.
/// Both parts are returned sorted ascending.
pub fn stratified_split(
    labels: &[usize],
    n_classes: usize,
    test_fraction: f64,
    seed: u64,
) -> Result<Split, DataError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::InvalidTestFraction {
            value: test_fraction,
        });
    }
    let mut train = Vec::new();
    let mut test = Vec::new();
    for c in 0..n_classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
        let n = idx.len();
        if n == 0 {
            continue;
        }
        Rng::derive(seed, c as u64).shuffle(&mut idx);
        let n_test =
            ((n as f64 * test_fraction).round() as usize).clamp(usize::from(n >= 2), n - 1);
        test.extend_from_slice(&idx[..n_test]);
        train.extend_from_slice(&idx[n_test..]);
    }
    if test.is_empty() {
        return Err(DataError::TooFewRows {
            n_rows: labels.len(),
            test_fraction,
            n_train: train.len(),
            n_test: 0,
            needed: 2 * n_classes.max(1),
        });
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok(Split { train, test })
}

/// The size every image of a batch gets.
struct Fixed {
    height: usize,
    width: usize,
    resize: bool,
    /// Where the size comes from, for messages.
    from: String,
}

impl Fixed {
    fn from_policy(p: ImageSize, required_by: &str) -> Option<Fixed> {
        match p {
            ImageSize::Uniform => None,
            ImageSize::Exact { height, width } => Some(Fixed {
                height,
                width,
                resize: false,
                from: format!("the input size of {required_by}"),
            }),
            ImageSize::Resize { height, width } => Some(Fixed {
                height,
                width,
                resize: true,
                from: String::new(),
            }),
        }
    }
}

/// Decodes `paths` in parallel into one (N, C, H, W) array (C from the colour policy).
fn decode_batch(
    paths: Vec<PathBuf>,
    size: &Fixed,
    opts: &ImageLoadOptions,
) -> Result<ImageBatch, DataError> {
    let channels = opts.color.channels();
    let plane = size.height * size.width * channels;
    let mut data = vec![0f32; paths.len() * plane];
    let info: Vec<ImageInfo> = if plane == 0 {
        Vec::new()
    } else {
        data.par_chunks_mut(plane)
            .zip(paths.par_iter())
            .map(|(out, path)| decode_into(path, out, size, opts))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<_, _>>()?
    };
    let images = Array4::from_shape_vec((paths.len(), channels, size.height, size.width), data)
        .expect("buffer holds N * C * H * W values");
    Ok(ImageBatch {
        images,
        paths,
        info,
    })
}

/// Decodes one file into `out` (C · H · W values, row-major).
fn decode_into(
    path: &Path,
    out: &mut [f32],
    size: &Fixed,
    opts: &ImageLoadOptions,
) -> Result<ImageInfo, DataError> {
    let img = decode(path)?;
    let (w0, h0) = (img.width() as usize, img.height() as usize);
    if opts.color == ColorPolicy::Rgb {
        return decode_rgb_into(path, img, out, size);
    }
    let (luma, color) = to_luma(img);
    if color && opts.color == ColorPolicy::Reject {
        return Err(DataError::ColorImage {
            path: path.to_path_buf(),
            expected: opts.required_by.clone(),
        });
    }
    let (luma, resized) = fit(path, luma, size)?;
    out.copy_from_slice(luma.as_raw());
    Ok(ImageInfo {
        original_size: (h0, w0),
        converted_from_color: color,
        resized,
    })
}

/// `img` at the batch's size: unchanged, resized (bilinear, `Triangle`) when the policy says
/// so, else refused naming the file and the size expected; with whether it was resized.
fn fit<P>(
    path: &Path,
    img: ImageBuffer<P, Vec<f32>>,
    size: &Fixed,
) -> Result<(ImageBuffer<P, Vec<f32>>, bool), DataError>
where
    P: image::Pixel<Subpixel = f32> + 'static,
{
    let (w0, h0) = (img.width() as usize, img.height() as usize);
    if (h0, w0) == (size.height, size.width) {
        return Ok((img, false));
    }
    if !size.resize {
        return Err(DataError::ImageSize {
            path: path.to_path_buf(),
            found_w: w0,
            found_h: h0,
            expected_w: size.width,
            expected_h: size.height,
            expected_from: size.from.clone(),
        });
    }
    let resized = image::imageops::resize(
        &img,
        size.width as u32,
        size.height as u32,
        image::imageops::FilterType::Triangle,
    );
    Ok((resized, true))
}

/// Decodes one file as R, G, B planes into `out` (3 · H · W values): 8-bit values / 255,
/// 16-bit / 65535 (the `image` crate's `to_rgb32f`); resized like the luma path.
fn decode_rgb_into(
    path: &Path,
    img: DynamicImage,
    out: &mut [f32],
    size: &Fixed,
) -> Result<ImageInfo, DataError> {
    let (w0, h0) = (img.width() as usize, img.height() as usize);
    let (rgb, resized) = fit(path, img.to_rgb32f(), size)?;
    let plane = size.height * size.width;
    for (i, p) in rgb.as_raw().chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = p[c];
        }
    }
    Ok(ImageInfo {
        original_size: (h0, w0),
        converted_from_color: false,
        resized,
    })
}

fn open_reader(
    path: &Path,
) -> Result<image::ImageReader<std::io::BufReader<std::fs::File>>, DataError> {
    let reader = image::ImageReader::open(path).map_err(|source| io_error(path, source))?;
    reader
        .with_guessed_format()
        .map_err(|source| io_error(path, source))
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> DataError {
    if source.kind() == std::io::ErrorKind::NotFound {
        DataError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        DataError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn decode(path: &Path) -> Result<DynamicImage, DataError> {
    let bytes = std::fs::read(path).map_err(|source| io_error(path, source))?;
    let reader = image::ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|source| io_error(path, source))?;
    let bad = |message: String| DataError::BadImage {
        path: path.to_path_buf(),
        message,
    };
    if reader.format() == Some(image::ImageFormat::Jpeg) && !jpeg_is_complete(&bytes) {
        return Err(bad(format!(
            "the JPEG is truncated ({} bytes, no end-of-image marker after its last scan): \
             the file was cut short; copy it again",
            bytes.len()
        )));
    }
    let decoder = reader.into_decoder().map_err(|e| bad(e.to_string()))?;
    let (w, h) = decoder.dimensions();
    check_pixels(path, w, h)?;
    DynamicImage::from_decoder(decoder).map_err(|e| bad(e.to_string()))
}

/// Refuses a header that declares more than [`MAX_IMAGE_PIXELS`] pixels, before anything of
/// that size is allocated or decoded.
fn check_pixels(path: &Path, w: u32, h: u32) -> Result<(), DataError> {
    let n = u64::from(w) * u64::from(h);
    if n > MAX_IMAGE_PIXELS {
        return Err(DataError::BadImage {
            path: path.to_path_buf(),
            message: format!(
                "the header declares {w}x{h} pixels (width x height), {n} pixels; glassbox \
                 loads images of at most {MAX_IMAGE_PIXELS} pixels: downscale it first"
            ),
        });
    }
    Ok(())
}

/// Whether a JPEG stream ends its (last) scan with an end-of-image marker (FF D9). The `image`
/// crate's decoder fills a cut-off scan with grey instead of failing, so a truncated file would
/// be explained as if it were whole. An EOI that belongs to an embedded EXIF thumbnail comes
/// before the main image's scans and does not count.
pub(crate) fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xFF, marker]);
    match (last(0xDA), last(0xD9)) {
        (Some(sos), Some(eoi)) => eoi > sos,
        (None, Some(_)) => true,
        _ => false,
    }
}

/// (height, width) from the file header, without decoding the pixels.
fn probe_size(path: &Path) -> Result<(usize, usize), DataError> {
    let (w, h) = open_reader(path)?
        .into_dimensions()
        .map_err(|e| DataError::BadImage {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    check_pixels(path, w, h)?;
    Ok((h as usize, w as usize))
}

/// Luma in `[0, 1]` and whether the image had colour (see the module docs).
fn to_luma(img: DynamicImage) -> (ImageBuffer<Luma<f32>, Vec<f32>>, bool) {
    let (w, h) = (img.width(), img.height());
    let buf = |v: Vec<f32>| ImageBuffer::from_raw(w, h, v).expect("w * h values");
    match img {
        DynamicImage::ImageLuma8(b) => (
            buf(b.into_raw().iter().map(|&v| v as f32 / 255.0).collect()),
            false,
        ),
        DynamicImage::ImageLumaA8(b) => (
            buf(b
                .into_raw()
                .chunks_exact(2)
                .map(|p| p[0] as f32 / 255.0)
                .collect()),
            false,
        ),
        DynamicImage::ImageLuma16(b) => (
            buf(b.into_raw().iter().map(|&v| v as f32 / 65535.0).collect()),
            false,
        ),
        DynamicImage::ImageLumaA16(b) => (
            buf(b
                .into_raw()
                .chunks_exact(2)
                .map(|p| p[0] as f32 / 65535.0)
                .collect()),
            false,
        ),
        other => {
            let rgb = other.to_rgb8().into_raw();
            let mut color = false;
            let v = rgb
                .chunks_exact(3)
                .map(|p| {
                    color |= p[0] != p[1] || p[1] != p[2];
                    let (r, g, b) = (p[0] as u32, p[1] as u32, p[2] as u32);
                    // Pillow's "L" conversion (ITU-R 601-2 luma in 16-bit fixed point).
                    ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) as f32 / 255.0
                })
                .collect();
            (buf(v), color)
        }
    }
}

fn has_image_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

pub(crate) fn check_extension(path: &Path) -> Result<(), DataError> {
    if has_image_extension(path) {
        return Ok(());
    }
    let ext = path
        .extension()
        .map(|e| format!("'.{}'", e.to_string_lossy()))
        .unwrap_or_else(|| "no extension".into());
    Err(DataError::BadImage {
        path: path.to_path_buf(),
        message: format!(
            "{ext} is not an image type glassbox reads; expected .png, .jpg, .jpeg or .bmp \
             (move other files out of the image folders)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pillow_luma_weights() {
        // Pillow: Image.new("RGB", (1, 1), (200, 100, 50)).convert("L").getpixel((0, 0)) == 124
        // (0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2).
        let img = DynamicImage::ImageRgb8(ImageBuffer::from_raw(1, 1, vec![200, 100, 50]).unwrap());
        let (l, color) = to_luma(img);
        assert!(color);
        assert_eq!(l.as_raw()[0], 124.0 / 255.0);
        let gray = DynamicImage::ImageRgb8(ImageBuffer::from_raw(1, 1, vec![77, 77, 77]).unwrap());
        let (l, color) = to_luma(gray);
        assert!(!color);
        assert_eq!(l.as_raw()[0], 77.0 / 255.0);
    }
}
