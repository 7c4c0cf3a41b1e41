//! Confusion matrix heat map for classifiers.

use crate::PlotError;
use crate::colormap;
use crate::figure::Figure;
use crate::font::{self, HAlign, VAlign};
use crate::frame::{self, PAD, TITLE_BAND};
use crate::scene::{INK, Rgba, Scene, WHITE};

/// Confusion matrix: `matrix[t][p]` counts rows of true class `t` predicted as `p` (shape
/// (classes, classes)), `class_names` one per class. Cells are shaded by count (matplotlib's
/// Blues) and show the count and, when there is room, the share of the true class's rows.
pub fn confusion_matrix(
    matrix: &[Vec<usize>],
    class_names: &[String],
    title: &str,
) -> Result<Figure, PlotError> {
    const P: &str = "confusion matrix";
    let n = class_names.len();
    if n == 0 {
        return Err(PlotError::input(P, "no classes (empty class_names)"));
    }
    if matrix.len() != n {
        return Err(PlotError::input(
            P,
            format!("matrix has {} rows but there are {n} classes", matrix.len()),
        ));
    }
    if let Some((t, r)) = matrix.iter().enumerate().find(|(_, r)| r.len() != n) {
        return Err(PlotError::input(
            P,
            format!("matrix row {t} has {} columns; expected {n}", r.len()),
        ));
    }
    let max = matrix.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let cell = (520.0 / n as f64).clamp(26.0, 90.0);
    let names_w = frame::max_width(class_names, frame::TICK_SIZE).min(260.0);
    let names: Vec<String> = class_names
        .iter()
        .map(|c| frame::fit_text(c, frame::TICK_SIZE, false, names_w))
        .collect();
    let vertical_x = names_w > cell - 6.0;
    let left = PAD + 24.0 + names_w + 10.0;
    let top = TITLE_BAND + 10.0;
    let grid = cell * n as f64;
    let x_band = if vertical_x { names_w + 14.0 } else { 22.0 };
    let width = (left + grid + 40.0).max(420.0);
    let height = top + grid + x_band + 46.0;
    let mut s = Scene::default();
    let big = cell >= 52.0;
    let count_size = if big {
        13.0
    } else {
        (cell * 0.36).clamp(8.0, 12.0)
    };
    for (t, row) in matrix.iter().enumerate() {
        let row_total: usize = row.iter().sum();
        for (p, &c) in row.iter().enumerate() {
            let (x, y) = (left + cell * p as f64, top + cell * t as f64);
            let frac = c as f64 / max;
            s.rect(x, y, x + cell, y + cell, Rgba::rgb(colormap::blues(frac)));
            let ink = if frac > 0.55 { WHITE } else { INK };
            let (cx, cy) = (x + cell / 2.0, y + cell / 2.0);
            if big && row_total > 0 {
                s.text(
                    (cx, cy - 7.0),
                    c.to_string(),
                    count_size,
                    ink,
                    HAlign::Center,
                    VAlign::Center,
                );
                let pct = format!("{:.0}%", 100.0 * c as f64 / row_total as f64);
                s.text(
                    (cx, cy + 9.0),
                    pct,
                    10.0,
                    ink,
                    HAlign::Center,
                    VAlign::Center,
                );
            } else {
                s.text(
                    (cx, cy),
                    c.to_string(),
                    count_size,
                    ink,
                    HAlign::Center,
                    VAlign::Center,
                );
            }
        }
    }
    s.rect_outline(left, top, left + grid, top + grid, INK, 1.0);
    for (i, name) in names.iter().enumerate() {
        let c = cell * (i as f64 + 0.5);
        s.text(
            (left - 8.0, top + c),
            name.clone(),
            frame::TICK_SIZE,
            INK,
            HAlign::Right,
            VAlign::Center,
        );
        if vertical_x {
            s.text_full(
                (left + c, top + grid + 8.0),
                name.clone(),
                frame::TICK_SIZE,
                INK,
                false,
                HAlign::Right,
                VAlign::Center,
                true,
            );
        } else {
            s.text(
                (left + c, top + grid + 8.0),
                name.clone(),
                frame::TICK_SIZE,
                INK,
                HAlign::Center,
                VAlign::Top,
            );
        }
    }
    let lab_y = top + grid + x_band + 10.0;
    s.text(
        (left + grid / 2.0, lab_y),
        "Predicted label",
        frame::LABEL_SIZE,
        INK,
        HAlign::Center,
        VAlign::Top,
    );
    let _ = font::text_width;
    s.text_full(
        (PAD, top + grid / 2.0),
        "True label",
        frame::LABEL_SIZE,
        INK,
        false,
        HAlign::Center,
        VAlign::Top,
        true,
    );
    frame::title(&mut s, title, left, left + grid, width);
    Ok(Figure::new(title, width, height, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_matrices_are_rejected() {
        let names: Vec<String> = vec!["a".into(), "b".into()];
        assert!(confusion_matrix(&[vec![1, 2]], &names, "t").is_err());
        assert!(confusion_matrix(&[vec![1, 2], vec![3]], &names, "t").is_err());
        assert!(confusion_matrix(&[], &[], "t").is_err());
        assert!(confusion_matrix(&[vec![1, 2], vec![3, 4]], &names, "t").is_ok());
        // All-zero matrices still render.
        assert!(confusion_matrix(&[vec![0, 0], vec![0, 0]], &names, "t").is_ok());
    }
}
