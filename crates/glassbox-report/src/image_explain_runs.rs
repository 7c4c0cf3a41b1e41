//! Image explanation runs: the folders written by `glassbox image explain` (CAM-family heat maps
//! or LIME superpixel weights, with their faithfulness evidence), read into report sections.
//!
//! An image explanation run is a `summary.json` with a `method`; it must also hold the grid, the
//! panels it embeds and (when curves were computed) the first image's curve. The captions are
//! written for a reader who has never seen a heat map.

use std::path::{Path, PathBuf};

use crate::runs::read_run_record;
use glassbox::records::image::{ImageExplainSummary, ImageSummaryEntry};

use crate::document::{Figure, Note, Section, Table};
use crate::error::ReportError;
use crate::image_runs::{lacks_method, opt_number};
use crate::runs::{format_number, require};

const EXPLAIN_WHY: &str = "`glassbox image explain` writes it with summary.json";

/// Panels embedded beside the grid (the grid already shows every image; a panel is the large
/// version of one row, so a few suffice and the page stays small).
const MAX_PANELS: usize = 2;

/// The sub-folders `glassbox image explain` writes, listed with their file counts.
const EXPLAIN_SUBFOLDERS: [&str; 4] = ["panels", "overlays", "curves", "maps"];

/// Two plain sentences on what a CAM-family method computes.
fn method_description(method: &str) -> String {
    match method {
        "cam" => "CAM (class activation mapping, Zhou et al. 2016) adds up the feature maps of \
                  the last convolution layer, each weighted by the weight the classifier gives \
                  it for the class, so the map shows how much each image region adds to the \
                  class score. It only applies to networks that end in global average pooling \
                  and a single dense layer (gap-cnn)."
            .into(),
        "grad-cam" => "Grad-CAM (Selvaraju et al. 2017) weights each feature map of a \
                       convolution layer by the average gradient of the class score with \
                       respect to it (how much the score would rise if that feature grew), adds \
                       them up and keeps the positive part. It works for any convolutional \
                       network and any of its conv layers; on gap-cnn's last layer it gives the \
                       same map as CAM up to scale."
            .into(),
        "grad-cam++" => "Grad-CAM++ (Chattopadhyay et al. 2018) is Grad-CAM with finer weights: \
                         each position's gradient is weighted using second- and third-order \
                         terms instead of a plain average, so that several separate regions of \
                         the same class all show up, not only the strongest one. Like Grad-CAM \
                         it works for any convolutional network."
            .into(),
        "score-cam" => "Score-CAM (Wang et al. 2020) uses no gradients: it shows the network the \
                        image masked by each feature map of the layer in turn and weights that \
                        map by the class score the masked image gets. It needs one network pass \
                        per feature map, so it is slower, but it is not disturbed by noisy \
                        gradients."
            .into(),
        "xgrad-cam" => "XGrad-CAM (Fu et al. 2020) is Grad-CAM with each feature map's \
                        gradient averaged with the map's own activations as weights instead of \
                        uniformly, the weighting that two axioms of faithful attribution \
                        (sensitivity and conservation) call for."
            .into(),
        "hires-cam" => "HiResCAM (Draelos & Carin 2020) multiplies each feature map by its \
                        gradient position by position and adds them up, instead of averaging \
                        the gradient first as Grad-CAM does; where the layer feeds the \
                        classifier directly, the map is exactly each region's share of the \
                        class score, so it never marks a region the network did not use."
            .into(),
        "layer-cam" => "LayerCAM (Jiang et al. 2021) multiplies each feature map by its positive \
                        gradient position by position and adds them up; keeping the gradient \
                        per position gives sharper maps at shallower layers than Grad-CAM."
            .into(),
        "eigen-cam" => "Eigen-CAM (Muhammad & Yeasin 2020) uses neither gradients nor the class: \
                        it shows the first principal component of the layer's feature maps, the \
                        spatial pattern that explains most of their variation. It is the same \
                        for every class, so it shows what the network attends to, not why it \
                        chose a class."
            .into(),
        "lime" => "LIME (Ribeiro et al. 2016) treats the network as a black box: it cuts the \
                   image into superpixels (SLIC: small regions of similar brightness), shows the \
                   network many copies with random superpixels greyed out, and fits a weighted \
                   linear model of the class probability on which superpixels were kept. Each \
                   superpixel's weight is how much keeping it raises (positive) or lowers \
                   (negative) the probability; the linear model's R² says how well it mimics \
                   the network around this image."
            .into(),
        other => format!("Heat maps computed with {other}."),
    }
}

/// The `panels/<stem>.png` of an image entry, as written by `image explain`; only a plain
/// relative path inside the run folder counts, so that a doctored summary cannot make the
/// report embed a file from elsewhere.
fn panel_of(entry: &ImageSummaryEntry) -> Option<&str> {
    let p = entry.panel.as_str();
    (!p.is_empty()
        && Path::new(p)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_))))
    .then_some(p)
}

/// The curve file of an entry: `curves/` + the panel's file name.
fn curve_of(entry: &ImageSummaryEntry) -> Option<String> {
    let panel = panel_of(entry)?;
    let file = panel.rsplit('/').next()?;
    Some(format!("curves/{file}"))
}

fn file_name_of(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The section of a `glassbox image explain` run, plus the counts of files in its sub-folders.
pub(crate) fn explain_section(
    dir: &Path,
    name: &str,
) -> Result<(Section, Vec<(String, usize)>), ReportError> {
    let summary_path = dir.join("summary.json");
    if lacks_method(&summary_path) {
        return Err(ReportError::BadJson {
            path: summary_path,
            what: "glassbox image explanation summary (summary.json)".into(),
            message: "no \"method\" field".into(),
        });
    }
    let s: ImageExplainSummary = read_run_record(
        &summary_path,
        "glassbox image explanation summary (summary.json)",
    )?;
    let method = s.method.as_str();
    let grid = require(dir, "grid.png", EXPLAIN_WHY)?;
    let images: Vec<&ImageSummaryEntry> = s.images.iter().collect();
    let steps = s.faithfulness_steps;
    let first_curve = match images.first().and_then(|e| curve_of(e)) {
        Some(curve) if steps > 0 => Some(require(dir, &curve, EXPLAIN_WHY)?),
        _ => None,
    };
    let layer = s.layer.as_str();
    let arch = s.arch.as_str();
    let raw = Some((s.raw_map_size.0 as u64, s.raw_map_size.1 as u64));

    let mut section = Section::new(format!("Image explanation run {name} ({method})"));
    section = intro_blocks(section, &s);
    section = section
        .figure(grid_figure(&grid, &s)?)
        .table(per_image_table(&images));
    section = faithfulness_blocks(section, &s, first_curve)?;
    section = panel_figures(dir, section, &images, method)?;
    section = section.table(explain_settings(&s, method, layer, arch, raw, steps));
    Ok((section, subfolder_counts(dir)))
}

/// What the method computes, what this run explains, and how to read a panel.
fn intro_blocks(mut section: Section, s: &ImageExplainSummary) -> Section {
    let (method, layer, arch) = (s.method.as_str(), s.layer.as_str(), s.arch.as_str());
    let images = &s.images;
    let raw = Some((s.raw_map_size.0, s.raw_map_size.1));
    let lime = method == "lime";
    section = section.text(method_description(method));
    section = if lime {
        section.text(format!(
            "Here it explains {} image{} classified by a {arch} network{}. Unless a class was \
             chosen, the weights explain the class the network predicted for that image.",
            images.len(),
            if images.len() == 1 { "" } else { "s" },
            s.lime
                .as_ref()
                .map(|l| (l.samples, l.segments))
                .map_or_else(String::new, |(n, k)| format!(
                    ", with {n} perturbed copies of each image and about {k} superpixels"
                )),
        ))
    } else {
        section.text(format!(
            "Here it explains {} image{} classified by a {arch} network, at its layer {layer}{}. \
         Unless a class was chosen, each map explains the class the network predicted for that \
         image.",
            images.len(),
            if images.len() == 1 { "" } else { "s" },
            raw.map_or_else(String::new, |(h, w)| format!(
                ", whose maps are {w}×{h} cells (one cell per region of the image)"
            )),
        ))
    };
    section = if lime {
        section.heading("How to read a panel").text(
            "Each row of the grid (and each panel) shows one image four times: the superpixels \
             LIME switched on and off (yellow borders); each superpixel coloured by its weight \
             (red: keeping it raises the class probability, blue: it lowers it, white: no \
             effect; the colour bar gives the largest weight); the top superpixels for the \
             class alone, the rest darkened; and the top superpixels for (green) and against \
             (red) the class. Check that the green covers the defect itself, and look at the \
             surrogate R² in the heading: a low value means the linear model, and so the \
             weights, describe the network poorly for that image.",
        )
    } else {
        section.heading("How to read a panel").text(
            "Each row of the grid (and each panel) shows one image four times: the original; the \
         raw map at the layer's low resolution, one square per cell; the map enlarged smoothly \
         to the image size and scaled to 0–1; and the overlay of that map on the image. The \
         colours run from blue (0: this region did not raise the class score) to red (1: the \
         regions that raised it most). Check that the red covers the defect itself and not \
         the background, the image border or a label.",
        )
    };
    section
}

/// The grid of every image, with its caption.
fn grid_figure(grid: &Path, s: &ImageExplainSummary) -> Result<Figure, ReportError> {
    let (method, layer) = (s.method.as_str(), s.layer.as_str());
    let lime = method == "lime";
    let grid_figure =
        Figure::from_file(format!("Heat maps of every image ({method})"), grid)?.photo()?;
    Ok(if lime {
        grid_figure
            .shows(
                "One row per explained image: superpixels, their LIME weights, the top \
                 superpixels for the class, and the top superpixels for and against it, with \
                 the file name, the true class (where known), the predicted class, its \
                 probability and the surrogate's R² above the row.",
            )
            .how_to_read(
                "Green / red = the superpixels whose presence raised / lowered the explained \
                 class's probability most. Compare rows of the same class: a network that has \
                 learned the defect relies on similar structures every time.",
            )
    } else {
        grid_figure
            .shows(format!(
                "One row per explained image: original, raw {layer} map, enlarged map and \
                 overlay, with the file name, the true class (where known), the predicted \
                 class and its probability above the row."
            ))
            .how_to_read(
                "Red = the regions that raised the score of the explained class the most, blue \
                 = regions that did not. Compare rows of the same class: a network that has \
                 learned the defect marks similar structures every time.",
            )
    })
}

/// The faithfulness checks: what they measure, their means, a warning when the maps ignore
/// the randomisation, and the first image's curves.
fn faithfulness_blocks(
    mut section: Section,
    s: &ImageExplainSummary,
    first_curve: Option<PathBuf>,
) -> Result<Section, ReportError> {
    let steps = s.faithfulness_steps;
    let images = &s.images;
    section = section.heading("Is the map faithful to the network?").text(
        "A heat map is only useful if it shows what the network really relies on. Three checks \
         measure that. Deletion (Petsiuk et al. 2018): remove the most important pixels \
         first, by the map, and watch the class probability; a good map makes it drop fast, \
         so a low area under the curve (AUC, 0 to 1) is good. Insertion: start from a blurred \
         copy of the image and put the most important pixels back first; a good map makes the \
         probability rise fast, so a high AUC is good. Randomisation check (Adebayo et al. \
         2018): re-initialise the network's classifier head with random weights and compute the \
         map again; a low rank correlation (Spearman, −1 to 1) between the two maps means the \
         map depends on what the network learned, while a value near 1 means it mostly shows \
         the image's own structure.",
    );
    section = section.table(means_table(s, steps));
    if let Some(rho) = s.mean_randomization_spearman
        && rho > 0.5
    {
        section = section.note(Note::warning(format!(
            "The maps barely change when the classifier is randomised (mean Spearman {}): \
             they may show edges and textures of the image rather than what the network \
             learned.",
            format_number(rho)
        )));
    }
    if let (Some(first), Some(curve)) = (images.first(), first_curve) {
        let file = file_name_of(&first.file);
        section = section.figure(
            Figure::from_file(format!("Deletion and insertion curves ({file})"), &curve)?
                .source(curve_of(first).unwrap_or_default())
                .shows(format!(
                    "For the first image ({file}): the probability of the explained class while \
                     the pixels the map ranks highest are deleted (set to black) or inserted \
                     into a blurred copy, from 0% to 100% of the pixels."
                ))
                .how_to_read(
                    "The deletion curve should fall steeply at the left (small area under it); \
                     the insertion curve should rise steeply at the left (large area). The \
                     legend gives each area (AUC). The curves of every image are in the \
                     curves/ folder.",
                ),
        );
    }
    Ok(section)
}

/// The sub-folders of the run with their file counts.
fn subfolder_counts(dir: &Path) -> Vec<(String, usize)> {
    EXPLAIN_SUBFOLDERS
        .iter()
        .filter_map(|sub| {
            let entries = std::fs::read_dir(dir.join(sub)).ok()?;
            let n = entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_file())
                .count();
            Some((format!("{sub}/"), n))
        })
        .collect()
}

fn per_image_table(images: &[&ImageSummaryEntry]) -> Table {
    // The explained class gets its own column only when it differs from the prediction
    // somewhere (`--class`); otherwise it would repeat the predicted column.
    let explained_differs = images
        .iter()
        .any(|e| e.explained_class != e.predicted_class);
    let mut header = vec![
        "file",
        "true class",
        "predicted",
        "probability",
        "deletion AUC (low = good)",
        "insertion AUC (high = good)",
        "randomisation Spearman (low = good)",
    ];
    if explained_differs {
        header.insert(4, "explained class");
    }
    // LIME runs record each surrogate's fit.
    let has_r2 = images.iter().any(|e| e.surrogate_r2.is_some());
    if has_r2 {
        header.push("surrogate R² (high = faithful)");
    }
    let mut table = Table::grid("Per image", header);
    for e in images {
        let mut row = vec![
            file_name_of(&e.file).to_string(),
            e.true_class.as_deref().unwrap_or("—").to_string(),
            e.predicted_class.clone(),
            format_number(e.probability),
            opt_number(e.deletion_auc),
            opt_number(e.insertion_auc),
            e.randomization_spearman
                .map_or_else(|| "— (a map is constant)".into(), format_number),
        ];
        if explained_differs {
            row.insert(4, e.explained_class.clone());
        }
        if has_r2 {
            row.push(opt_number(e.surrogate_r2));
        }
        table = table.cells(row);
    }
    table
}

fn means_table(s: &ImageExplainSummary, steps: usize) -> Table {
    let mut t = Table::key_value("Means over the images");
    if steps > 0 {
        t = t
            .row("deletion AUC (low = good)", opt_number(s.mean_deletion_auc))
            .row(
                "insertion AUC (high = good)",
                opt_number(s.mean_insertion_auc),
            );
    } else {
        t = t.row("deletion / insertion", "not computed (--steps 0)");
    }
    if s.randomized_layers.is_empty() {
        t = t.row("randomisation check", "not run (--randomize-top 0)");
    } else {
        t = t
            .row(
                "randomisation Spearman (low = good)",
                opt_number(s.mean_randomization_spearman),
            )
            .row("layers re-initialised", s.randomized_layers.join(", "));
        if s.randomization_cascade.len() > 1 {
            // Cascading (Adebayo et al. 2018): correlations should fall as layers go.
            let mut above: Vec<&str> = Vec::new();
            for step in &s.randomization_cascade {
                above.push(&step.layer);
                t = t.row(
                    format!("Spearman with {} re-initialised", above.join(" + ")),
                    opt_number(step.mean_spearman),
                );
            }
        }
    }
    t
}

fn explain_settings(
    s: &ImageExplainSummary,
    method: &str,
    layer: &str,
    arch: &str,
    raw: Option<(u64, u64)>,
    steps: usize,
) -> Table {
    let mut t = Table::key_value("Settings").row("method", method.to_string());
    if let Some(l) = &s.lime {
        let n = |v: f64| format_number(v);
        t = t
            .row("perturbed copies per image", n(l.samples as f64))
            .row("superpixels asked of SLIC", n(l.segments as f64))
            .row("SLIC compactness", n(l.compactness))
            .row("switched-off superpixels become", l.hide_color.clone())
            .row("superpixels marked in the top tiles", n(l.top as f64))
            .row("seed", n(l.seed as f64));
        if let Some(r2) = s.mean_surrogate_r2 {
            t = t.row("mean surrogate R²", format_number(r2));
        }
        t = t.row("architecture", arch.to_string());
    } else {
        t = t
            .row("layer", layer.to_string())
            .row("architecture", arch.to_string());
        if let Some((h, w)) = raw {
            t = t.row("raw map size (width × height)", format!("{w} × {h}"));
        }
    }
    t = t.row("model folder", s.model.clone());
    if let Some(p) = &s.preprocessing {
        let list = |v: &[f64], default: &str| {
            if v.is_empty() {
                default.to_string()
            } else {
                v.iter()
                    .map(|x| format_number(*x))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        t = t.row(
            "input map of the imported network",
            format!(
                "(pixel × {} − mean [{}]) / std [{}], pixels in [0, 1]",
                format_number(p.scale),
                list(&p.mean, "0"),
                list(&p.std, "1")
            ),
        );
    }
    if !s.class_names.is_empty() {
        t = t.row("classes", s.class_names.join(", "));
    }
    if let Some(kernel) = &s.upsampling {
        let how = match kernel.as_str() {
            "opencv" => "bicubic, OpenCV's kernel (cv2.INTER_CUBIC, a = −0.75)".to_string(),
            "pil" => "bicubic, PIL's kernel (Image.BICUBIC, a = −0.5)".to_string(),
            other => other.to_string(),
        };
        t = t.row("upsampling of the raw maps", how);
    }
    t.row("overlay opacity (alpha)", format_number(s.alpha))
        .row("deletion/insertion steps", steps.to_string())
}

/// Up to [`MAX_PANELS`] panels: the first image, and the first misclassified one if any (the
/// most instructive row to see large).
fn panel_figures(
    dir: &Path,
    mut section: Section,
    images: &[&ImageSummaryEntry],
    method: &str,
) -> Result<Section, ReportError> {
    let mut chosen: Vec<&ImageSummaryEntry> = images.first().copied().into_iter().collect();
    if let Some(wrong) = images.iter().skip(1).find(|e| {
        e.true_class
            .as_ref()
            .is_some_and(|t| *t != e.predicted_class)
    }) {
        chosen.push(wrong);
    }
    chosen.truncate(MAX_PANELS);
    for e in chosen {
        let Some(panel) = panel_of(e) else { continue };
        let path = require(dir, panel, EXPLAIN_WHY)?;
        let file = file_name_of(&e.file);
        let predicted = e.predicted_class.as_str();
        let verdict = match e.true_class.as_deref() {
            Some(t) if t == predicted => format!("a {t} image, classified correctly"),
            Some(t) => format!("a {t} image that the network took for {predicted}"),
            None => format!("predicted as {predicted}"),
        };
        let figure = Figure::from_file(format!("Panel: {file}"), &path)?
            .photo()?
            .source(panel.to_string());
        section = section.figure(if method == "lime" {
            figure
                .shows(format!(
                    "The LIME explanation of {file}, {verdict}, at full size: superpixels, \
                     their weights, the top superpixels for the class, and those for (green) \
                     and against (red) it."
                ))
                .how_to_read(
                    "Green marks the superpixels whose presence raised the explained class's \
                     probability most, red those that lowered it. For a wrong prediction, the \
                     green shows what misled the network.",
                )
        } else {
            figure
                .shows(format!(
                    "The {method} explanation of {file}, {verdict}, at full size: original, \
                     raw low-resolution map, enlarged map, overlay."
                ))
                .how_to_read(
                    "Red marks the regions that raised the explained class's score most. For a \
                     wrong prediction, the red shows what misled the network.",
                )
        });
    }
    if images.len() > MAX_PANELS {
        section = section.note(Note::info(format!(
            "The panels of all {} images are in the panels/ folder, the overlays alone in \
             overlays/, and the raw maps as CSV and .npy in maps/.",
            images.len()
        )));
    }
    Ok(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(panel: &str) -> ImageSummaryEntry {
        ImageSummaryEntry {
            file: "a.png".into(),
            panel: panel.into(),
            true_class: None,
            predicted_class: "x".into(),
            probability: 0.5,
            explained_class: "x".into(),
            explained_probability: 0.5,
            deletion_auc: None,
            insertion_auc: None,
            randomization_spearman: None,
            surrogate_r2: None,
            superpixels: None,
        }
    }

    #[test]
    fn curves_sit_beside_their_panels_and_paths_stay_inside_the_run() {
        assert_eq!(
            curve_of(&entry("panels/000_a.png")).unwrap(),
            "curves/000_a.png"
        );
        assert_eq!(panel_of(&entry("../x.png")), None);
        assert_eq!(panel_of(&entry("/etc/x.png")), None);
    }

    /// A real explanation run (Grad-CAM of the bundled CNN on one NEU image) reads, and the
    /// same run with a field renamed by hand is an error naming the file and the field.
    #[test]
    fn a_renamed_summary_field_is_an_error_naming_file_and_field() {
        use glassbox::image::{
            ImageExplainSettings, ImageInputs, ImageModel, explain_images, write_image_explanation,
        };
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");
        let model = ImageModel::load(&Path::new(data).join("models/neu-gap-cnn")).unwrap();
        let image = Path::new(data).join("neu/patches/patches_260.png");
        let inputs = ImageInputs::from_files(&model, &[image], false).unwrap();
        let settings = ImageExplainSettings {
            steps: 2,
            randomize_top: 0,
            ..ImageExplainSettings::default()
        };
        let method = "grad-cam".parse().unwrap();
        let e = explain_images(&model, &inputs, method, &settings, &glassbox::NoProgress).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("run");
        std::fs::create_dir(&run).unwrap();
        write_image_explanation(&e, &model, &inputs, &run, &glassbox::NoProgress).unwrap();
        crate::run_section(&run).unwrap();

        let path = run.join("summary.json");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace("\"insertion_auc\"", "\"insertion_area\""),
        )
        .unwrap();
        let msg = crate::run_section(&run).unwrap_err().to_string();
        assert!(
            msg.contains("summary.json") && msg.contains("insertion_area"),
            "{msg}"
        );
        std::fs::write(
            &path,
            text.replace("\"mean_insertion_auc\"", "\"mean_ins\""),
        )
        .unwrap();
        let msg = crate::run_section(&run).unwrap_err().to_string();
        assert!(
            msg.contains("summary.json") && msg.contains("mean_ins"),
            "{msg}"
        );
    }
}
