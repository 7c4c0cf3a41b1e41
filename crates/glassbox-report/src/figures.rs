//! The plain-language explanation of every kind of figure glassbox writes, keyed by file name.
//!
//! Matching is by file-name prefix so that per-output files (`shap_bar_output1.png`) and
//! per-class panels (`gradcam_crazing.png`) get their family's text; unknown names get a generic
//! text rather than being dropped.

/// Title and explanation of a figure file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureText {
    /// Figure title.
    pub title: String,
    /// What the figure shows.
    pub shows: String,
    /// How to read it.
    pub how_to_read: String,
    /// Position in the page among a run's figures (known kinds first, in a reading order).
    pub rank: usize,
}

/// (file-name prefix, title, what it shows, how to read it), in page order. Longer prefixes
/// come before shorter ones that they extend (`gradcam` before `cam`).
const KNOWN: &[(&str, &str, &str, &str)] = &[
    (
        "measured_vs_predicted",
        "Measured vs. predicted",
        "Every held-out test row as one dot: the measured value across, the model's prediction \
         up. The test rows were not used for training, so this is an honest check of the model.",
        "Dots on the diagonal line are perfect predictions; the vertical distance from the line \
         is a row's error. R² near 1 means the model explains almost all of the variation.",
    ),
    (
        "loss",
        "Training loss",
        "The training (and validation, where shown) loss after each epoch.",
        "The curve should fall and level off. A validation curve that rises while training \
         loss still falls means the model starts to memorise the training data.",
    ),
    (
        "training_history",
        "Training history",
        "Loss (how wrong the network's answers are) and accuracy (share classified correctly) \
         after each epoch, for the training images and, where drawn, the held-out test images.",
        "Loss should fall and accuracy rise, both levelling off, with the test lines close to \
         the training lines; training accuracy that keeps rising while test accuracy stalls \
         means the network memorises its training images.",
    ),
    (
        "confusion_matrix",
        "Confusion matrix",
        "How the test images of each true class were classified.",
        "Rows are the true class, columns the predicted class; the diagonal holds the correct \
         predictions, everything off the diagonal is a mistake (and which class it was confused \
         with).",
    ),
    (
        "confusion",
        "Confusion matrix",
        "How the test images of each true class were classified.",
        "Rows are the true class, columns the predicted class; the diagonal holds the correct \
         predictions, everything off the diagonal is a mistake (and which class it was confused \
         with).",
    ),
    (
        "shap_bar_classes",
        "Feature importance by class",
        "For a model of several outputs (classes): each feature's mean |SHAP value| per class, \
         stacked into one bar, features ordered by the total.",
        "A long bar is a feature that matters overall; its segments show for which classes. A \
         feature that matters for one class only has one long segment.",
    ),
    (
        "shap_bar",
        "Feature importance (mean |SHAP|)",
        "How much each feature moves the model's prediction on average, in the target's units \
         (the mean absolute SHAP value over the explained rows). The least important features \
         are summed into one bar.",
        "Longer bar = more influence. The bar says nothing about direction (up or down); the \
         beeswarm below shows that.",
    ),
    (
        "shap_beeswarm",
        "SHAP beeswarm",
        "One dot per explained row and feature: how far that feature pushed that row's \
         prediction away from the average prediction.",
        "Right of zero = pushed the prediction up, left = down. Colour is the feature's own \
         value (red high, blue low), so red dots on the right mean \"high values raise the \
         prediction\". Features are sorted by importance, most important on top.",
    ),
    (
        "shap_waterfall",
        "Waterfall for one row",
        "How the model reached its prediction for a single row: it starts at the average \
         prediction E[f(X)] and adds one contribution per feature.",
        "Read from the bottom up: each bar is one feature's push (red up, blue down, labelled \
         \"value = feature\"), and the last bar ends at this row's prediction f(x). The bars add \
         up exactly to the prediction.",
    ),
    (
        "shap_force_stacked",
        "Force plots of every row, side by side",
        "Each explained row's force plot turned upright and placed next to the others (similar \
         rows side by side, or by prediction for more than 2000 rows): the line where red meets \
         blue is each row's prediction f(x), the horizontal line the average prediction.",
        "Red bands below the line pushed that row's prediction up, blue bands above pushed it \
         down; a wide band is a feature that matters for those rows. Groups of rows with the \
         same pattern were predicted for the same reasons.",
    ),
    (
        "shap_force",
        "Force plot for the same row",
        "The waterfall's row drawn as one band: every feature's push laid end to end, from the \
         average prediction E[f(X)] to this row's prediction f(x).",
        "Red segments push the prediction up (to the right) and blue ones down; they meet at \
         f(x). The widest segments matter most; the largest are labelled \"feature = value\". \
         For a binary classifier explained in log-odds, the ticks show probabilities.",
    ),
    (
        "shap_decision",
        "Decision plot",
        "Up to 100 explained rows as lines: each starts at the average prediction at the \
         bottom and adds one feature's contribution per level, most important feature at the \
         top, ending at the row's prediction.",
        "Where lines fan out is where features separate the rows; a line that swings at one \
         level was moved by that feature. Colour is the final prediction (red high, blue \
         low), so a red line ending left of the others is worth a look.",
    ),
    (
        "shap_dependence",
        "Dependence plot (most important feature)",
        "Each dot is a row: the value of the most important feature across, its SHAP value up; \
         the grey histogram shows how the feature's values are distributed.",
        "The shape shows how the model's use of the feature changes with its value (a straight \
         rising line = the prediction grows steadily with it). The colour is a second feature \
         that interacts with it; a vertical spread of colours at one x value is that interaction.",
    ),
    (
        "shap_heatmap",
        "SHAP heatmap",
        "Every explained row (across) and feature (down) as one cell coloured by its SHAP \
         value, rows ordered so that similar explanations sit together; the curve on top is \
         each row's prediction f(x), the bars at the right each feature's mean |SHAP value|.",
        "Red cells raised that row's prediction, blue lowered it, white did little. Blocks of \
         one colour are groups of rows the model treats alike; compare them with the curve \
         above to see which features drive high and low predictions.",
    ),
    (
        "shap_interaction_matrix",
        "Interaction matrix",
        "The mean |SHAP interaction value| of every pair of features over the explained rows; \
         the diagonal holds each feature's main effect, the rest how much pairs act together.",
        "Dark off-diagonal cells are strong interactions: the effect of one feature depends \
         on the value of the other. The dependence plot is coloured by the strongest one.",
    ),
    (
        "deletion",
        "Deletion curve",
        "The model's score while the most important pixels (by the explanation) are removed \
         first.",
        "A faithful explanation makes the score drop fast, so a smaller area under the curve \
         is better.",
    ),
    (
        "insertion",
        "Insertion curve",
        "The model's score while the most important pixels are put back first into a blurred \
         copy of the image.",
        "A faithful explanation makes the score rise fast, so a larger area under the curve is \
         better.",
    ),
    (
        "grid",
        "Heat-map grid",
        "One row per explained image: the original, the raw low-resolution map, the map \
         enlarged to the image size, and the overlay of the map on the image.",
        "Red marks the regions that raised the explained class's score the most, blue those \
         that did not; check that the red covers the defect and not the background.",
    ),
    (
        "gradcam",
        "Grad-CAM",
        "Grad-CAM heat maps over test images: the regions whose features raised the score of \
         the predicted class the most.",
        "Warm colours mark the regions the network relied on; check that they cover the defect \
         and not the background.",
    ),
    (
        "grad_cam",
        "Grad-CAM",
        "Grad-CAM heat maps over test images: the regions whose features raised the score of \
         the predicted class the most.",
        "Warm colours mark the regions the network relied on; check that they cover the defect \
         and not the background.",
    ),
    (
        "cam",
        "Class activation maps (CAM)",
        "CAM heat maps over test images: the network's last feature maps weighted by the \
         predicted class's weights.",
        "Warm colours mark the regions the network relied on; check that they cover the defect \
         and not the background.",
    ),
    (
        "saliency",
        "Saliency maps",
        "Pixel attributions over test images.",
        "Bright pixels changed the predicted class's score the most.",
    ),
];

/// Title and explanation for a figure file named `file_name` (e.g. `shap_bar_output1.png`).
pub fn describe_figure(file_name: &str) -> FigureText {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    for (rank, (prefix, title, shows, how)) in KNOWN.iter().enumerate() {
        if let Some(rest) = stem.strip_prefix(prefix)
            && (rest.is_empty() || rest.starts_with(['_', '-']))
        {
            let qualifier = rest.trim_start_matches(['_', '-']);
            let title = match qualifier.strip_prefix("output") {
                _ if qualifier.is_empty() => (*title).to_string(),
                Some(k) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("{title} (output {k})")
                }
                _ => format!("{title} ({})", qualifier.replace(['_', '-'], " ")),
            };
            return FigureText {
                title,
                shows: (*shows).to_string(),
                how_to_read: (*how).to_string(),
                rank,
            };
        }
    }
    FigureText {
        title: file_name.to_string(),
        shows: format!("A figure found in the run folder ({file_name})."),
        how_to_read: "glassbox does not know this kind of figure; see the command that \
                      wrote it for how to read it."
            .into(),
        rank: KNOWN.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_and_per_output_suffixes() {
        let t = describe_figure("shap_bar.png");
        assert_eq!(t.title, "Feature importance (mean |SHAP|)");
        assert!(t.how_to_read.contains("beeswarm"));
        assert_eq!(
            describe_figure("shap_beeswarm_output2.png").title,
            "SHAP beeswarm (output 2)"
        );
        assert_eq!(
            describe_figure("gradcam_crazing.png").title,
            "Grad-CAM (crazing)"
        );
        assert_eq!(
            describe_figure("cam_rolled-in_scale.png").title,
            "Class activation maps (CAM) (rolled in scale)"
        );
        assert!(describe_figure("shap_bar.png").rank < describe_figure("shap_beeswarm.png").rank);
    }

    #[test]
    fn prefixes_match_whole_words_only() {
        // "camera.png" is not a CAM panel, "confusion_matrix" is a confusion matrix.
        let t = describe_figure("camera.png");
        assert_eq!(t.title, "camera.png");
        assert_eq!(t.rank, KNOWN.len());
        assert_eq!(
            describe_figure("confusion_matrix.png").title,
            "Confusion matrix"
        );
        assert_eq!(
            describe_figure("confusion_matrix_gap-cnn.png").title,
            "Confusion matrix (gap cnn)"
        );
    }
}
