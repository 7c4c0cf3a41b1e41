//! shap's beeswarm summary plot: one row per feature, each explained row a dot at its SHAP
//! value, coloured by the feature's value, dots packed vertically where they crowd.

use glassbox_core::Explanation;

use crate::figure::Figure;
use crate::frame::{self, Area, COLORBAR_BAND, PAD, Scale, TITLE_BAND, X_AXIS_BAND};
use crate::ranking::{color_positions, other_label, rank_top_k};
use crate::scene::{MISSING, Rgba, Scene};
use crate::{PlotError, check, colormap};

/// One beeswarm row (top to bottom).
#[derive(Clone, Debug, PartialEq)]
pub struct BeeswarmRow {
    /// Feature name, or "Sum of N other features".
    pub label: String,
    /// SHAP value per explained row, length (samples,).
    pub shap: Vec<f64>,
    /// Colour position in `[0, 1]` per explained row (shap's 5th–95th percentile scaling of the
    /// feature's values), `None` for missing values and for the pooled row (drawn grey).
    pub color: Vec<Option<f64>>,
    /// Feature indices behind the row.
    pub features: Vec<usize>,
}

/// Rows of the beeswarm for `output`: features sorted by mean |SHAP| (descending), at most
/// `max_display` rows, the last pooling the remaining features (their SHAP values summed per
/// explained row, as shap does).
pub fn beeswarm_data(
    e: &Explanation,
    output: usize,
    max_display: usize,
) -> Result<Vec<BeeswarmRow>, PlotError> {
    check::explanation("beeswarm", e, output)?;
    if max_display == 0 {
        return Err(PlotError::input(
            "beeswarm",
            "max_display must be at least 1",
        ));
    }
    let r = rank_top_k(&e.mean_abs(output), max_display);
    let n = e.n_samples();
    let mut rows: Vec<BeeswarmRow> = r
        .shown
        .iter()
        .map(|&j| {
            let data: Vec<f64> = e.data.column(j).to_vec();
            BeeswarmRow {
                label: e.feature_names[j].clone(),
                shap: (0..n).map(|i| e.values[[i, j, output]]).collect(),
                // Categories have no order to colour by: grey, as shap draws them.
                color: match e.categories.get(j) {
                    Some(Some(_)) => vec![None; n],
                    _ => color_positions(&data),
                },
                features: vec![j],
            }
        })
        .collect();
    if !r.rest.is_empty() {
        rows.push(BeeswarmRow {
            label: other_label(r.rest.len()),
            shap: (0..n)
                .map(|i| r.rest.iter().map(|&j| e.values[[i, j, output]]).sum())
                .collect(),
            color: vec![None; n],
            features: r.rest.clone(),
        });
    }
    Ok(rows)
}

/// Vertical offsets (pixels, + is down) that pack circles of `radius` centred at horizontal
/// pixel positions `xs` into a swarm: points are placed in order of x (ties by index), each at
/// the offset nearest the row centre where it overlaps no placed point. If the swarm is taller
/// than `max_half` either side, all offsets are scaled down to fit (points then overlap, in
/// proportion, as in shap's dense rows). Deterministic; O(n·k log k) for k neighbours within
/// one diameter.
///
/// Above [`EXACT_SWARM_POINTS`] points (where k grows with n and the swarm is squeezed to the
/// row height anyway) the points are binned by x into columns one diameter wide and stacked in
/// each column alternately below and above the centre, in order of index, one diameter apart,
/// as shap lays out its dense rows: O(n log n).
pub fn swarm_offsets(xs: &[f64], radius: f64, max_half: f64) -> Vec<f64> {
    let d = 2.0 * radius;
    if xs.len() > EXACT_SWARM_POINTS {
        return binned_offsets(xs, d, max_half);
    }
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]).then(a.cmp(&b)));
    let mut ys = vec![0.0; xs.len()];
    // Placed points in x order; `lo` is the first that can still touch the next point.
    let mut placed: Vec<(f64, f64)> = Vec::with_capacity(xs.len());
    let mut lo = 0;
    let mut blocked: Vec<(f64, f64)> = Vec::new();
    for &i in &order {
        let x = xs[i];
        while lo < placed.len() && placed[lo].0 <= x - d {
            lo += 1;
        }
        blocked.clear();
        for &(px, py) in &placed[lo..] {
            let dx = x - px;
            if dx < d {
                let h = (d * d - dx * dx).sqrt();
                blocked.push((py - h, py + h));
            }
        }
        blocked.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Merge the blocked open intervals and find the one containing 0, if any.
        let mut y = 0.0;
        let mut k = 0;
        while k < blocked.len() {
            let (a, mut b) = blocked[k];
            k += 1;
            while k < blocked.len() && blocked[k].0 < b {
                b = b.max(blocked[k].1);
                k += 1;
            }
            if a < 0.0 && 0.0 < b {
                // Nearest free spot is an end of this merged interval; alternate sides on ties
                // so crowded stacks grow symmetrically.
                y = if (-a - b).abs() < 1e-9 {
                    if placed.len().is_multiple_of(2) { a } else { b }
                } else if -a < b {
                    a
                } else {
                    b
                };
                break;
            }
        }
        ys[i] = y;
        placed.push((x, y));
    }
    let top = ys.iter().fold(0.0f64, |m, y| m.max(y.abs()));
    if top > max_half && top > 0.0 {
        let f = max_half / top;
        ys.iter_mut().for_each(|y| *y *= f);
    }
    ys
}

/// Points up to which [`swarm_offsets`] packs the swarm exactly.
pub const EXACT_SWARM_POINTS: usize = 2000;

/// [`swarm_offsets`] for many points: columns of width `d`, stacked alternately down and up
/// from the centre, then scaled to `max_half`.
fn binned_offsets(xs: &[f64], d: f64, max_half: f64) -> Vec<f64> {
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let column = |x: f64| ((x - lo) / d).floor() as i64;
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by_key(|&i| (column(xs[i]), i));
    let mut ys = vec![0.0; xs.len()];
    let mut layer = 0usize;
    let mut last = None;
    for &i in &order {
        let c = column(xs[i]);
        if last != Some(c) {
            layer = 0;
            last = Some(c);
        }
        // 0, +1, -1, +2, -2, ... diameters from the centre.
        let step = layer.div_ceil(2) as f64;
        ys[i] = if layer % 2 == 1 { step * d } else { -step * d };
        layer += 1;
    }
    let top = ys.iter().fold(0.0f64, |m, y| m.max(y.abs()));
    if top > max_half && top > 0.0 {
        let f = max_half / top;
        ys.iter_mut().for_each(|y| *y *= f);
    }
    ys
}

/// shap's beeswarm plot for `output`: SHAP value on x, one row per feature (sorted by mean
/// |SHAP|, at most `max_display` rows with the rest pooled), dots coloured blue→red by the
/// feature's value (scaled per feature, grey when missing), with a "Feature value" colour bar.
pub fn beeswarm(e: &Explanation, output: usize, max_display: usize) -> Result<Figure, PlotError> {
    let rows = beeswarm_data(e, output, max_display)?;
    let title = format!(
        "SHAP values — {} · {}",
        check::output_name(e, output),
        e.method
    );
    let pitch = 36.0;
    let radius = 2.7;
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let label_w = frame::max_width(&labels, frame::ROW_LABEL_SIZE).min(420.0);
    let labels: Vec<String> = labels
        .iter()
        .map(|l| frame::fit_text(l, frame::ROW_LABEL_SIZE, false, label_w))
        .collect();
    let left = PAD + label_w + 14.0;
    let width = (left + 620.0 + COLORBAR_BAND).max(900.0);
    let top = TITLE_BAND + 6.0;
    let bottom = top + pitch * rows.len() as f64;
    let area = Area {
        left,
        top,
        right: width - PAD - COLORBAR_BAND,
        bottom,
    };
    let (mut lo, mut hi) = rows
        .iter()
        .flat_map(|r| r.shap.iter())
        .fold((0.0f64, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-12);
    lo -= 0.04 * span;
    hi += 0.04 * span;
    let scale = Scale::linear(lo, hi, area.left + radius, area.right - radius);

    let mut s = Scene::default();
    let centres: Vec<f64> = (0..rows.len())
        .map(|i| top + pitch * (i as f64 + 0.5))
        .collect();
    frame::row_labels(&mut s, area, &labels, &centres, true);
    let x0 = scale.map(0.0);
    s.line((x0, top), (x0, bottom), Rgba::hex(0x999999), 1.0);
    for (r, &cy) in rows.iter().zip(&centres) {
        let xs: Vec<f64> = r.shap.iter().map(|&v| scale.map(v)).collect();
        let ys = swarm_offsets(&xs, radius, pitch * 0.45 - radius);
        // Missing values first, then coloured points on top (as shap orders them).
        for pass in [true, false] {
            for ((&x, &y), c) in xs.iter().zip(&ys).zip(&r.color) {
                if c.is_none() != pass {
                    continue;
                }
                let fill = match c {
                    Some(t) => Rgba::rgb(colormap::shap_red_blue(*t)),
                    None => MISSING,
                };
                s.circle((x, cy + y), radius, fill, None);
            }
        }
    }
    frame::x_axis(
        &mut s,
        area,
        scale,
        6,
        "SHAP value (impact on model output)",
    );
    let bar_h = area.height().min(420.0);
    let bar_y0 = (top + bottom) / 2.0 - bar_h / 2.0;
    frame::colorbar(
        &mut s,
        area.right + 18.0,
        bar_y0,
        bar_y0 + bar_h,
        "Feature value",
        "Low",
        "High",
    );
    frame::title(&mut s, &title, area.left, area.right, width);
    Ok(Figure::new(title, width, bottom + X_AXIS_BAND, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min_pair_distance(xs: &[f64], ys: &[f64]) -> f64 {
        let mut best = f64::INFINITY;
        for i in 0..xs.len() {
            for j in i + 1..xs.len() {
                best = best.min(((xs[i] - xs[j]).powi(2) + (ys[i] - ys[j]).powi(2)).sqrt());
            }
        }
        best
    }

    #[test]
    fn swarm_points_do_not_overlap_when_there_is_room() {
        let mut rng = glassbox_core::rng::Rng::new(3);
        let xs: Vec<f64> = (0..300).map(|_| 100.0 + 30.0 * rng.normal()).collect();
        let r = 2.5;
        let ys = swarm_offsets(&xs, r, 1e9);
        assert!(min_pair_distance(&xs, &ys) >= 2.0 * r - 1e-9);
        // Deterministic.
        assert_eq!(ys, swarm_offsets(&xs, r, 1e9));
        // Isolated points stay on the centre line.
        let ys = swarm_offsets(&[0.0, 10.0, 20.0], r, 1e9);
        assert_eq!(ys, vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn swarm_stacks_coincident_points_symmetrically_and_compactly() {
        let xs = vec![5.0; 5];
        let ys = swarm_offsets(&xs, 1.0, 1e9);
        let mut sorted = ys.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(sorted, vec![-4.0, -2.0, 0.0, 2.0, 4.0]);
    }

    #[test]
    fn many_points_are_stacked_in_columns_within_the_row() {
        // 30,000 points, most of them within one diameter (an unimportant feature): the
        // binned layout, one column per diameter, alternating about the centre.
        let n = 30_000;
        let xs: Vec<f64> = (0..n)
            .map(|i| {
                if i % 10 == 0 {
                    i as f64 * 0.01
                } else {
                    (i % 7) as f64 * 0.1
                }
            })
            .collect();
        let ys = swarm_offsets(&xs, 2.0, 12.0);
        assert!(ys.iter().all(|y| y.abs() <= 12.0 + 1e-12));
        // In the crowded column (x < 4 = one diameter) the offsets are symmetric about 0.
        let crowded: Vec<f64> = (0..n).filter(|&i| xs[i] < 4.0).map(|i| ys[i]).collect();
        let sum: f64 = crowded.iter().sum();
        assert!(sum.abs() <= 12.0, "{sum}");
        assert!(crowded.iter().any(|&y| y > 11.0) && crowded.iter().any(|&y| y < -11.0));
        // A lone point far right sits on the centre line.
        let mut lone = xs.clone();
        lone.push(1e6);
        assert_eq!(*swarm_offsets(&lone, 2.0, 12.0).last().unwrap(), 0.0);
        // Just at the threshold the exact packer still runs (no two points overlap).
        let few: Vec<f64> = (0..EXACT_SWARM_POINTS).map(|i| (i % 50) as f64).collect();
        let ys = swarm_offsets(&few, 0.25, 1e9);
        assert!(min_pair_distance(&few, &ys) >= 0.5 - 1e-9);
    }

    #[test]
    fn swarm_is_compressed_to_the_row_height() {
        let xs = vec![5.0; 41];
        let ys = swarm_offsets(&xs, 1.0, 10.0);
        let top = ys.iter().fold(0.0f64, |m, y| m.max(y.abs()));
        assert!((top - 10.0).abs() < 1e-9);
        // Order along the stack is preserved by the uniform scaling.
        let full = swarm_offsets(&xs, 1.0, 1e9);
        for (a, b) in ys.iter().zip(&full) {
            assert!((a - b / 4.0).abs() < 1e-9);
        }
    }

    #[test]
    fn beeswarm_rows_follow_mean_abs_and_pool_the_rest() {
        let e = crate::bar::tests::expl(12, 5);
        let rows = beeswarm_data(&e, 0, 3).unwrap();
        assert_eq!(rows.len(), 3);
        let bars = crate::bar::shap_bar_data(&e, 0, 3).unwrap();
        for (r, b) in rows.iter().zip(&bars) {
            assert_eq!(r.label, b.label);
            assert_eq!(r.features, b.features);
        }
        let j = rows[0].features[0];
        assert_eq!(rows[0].shap[4], e.values[[4, j, 0]]);
        let pooled: f64 = rows[2].features.iter().map(|&k| e.values[[4, k, 0]]).sum();
        assert!((rows[2].shap[4] - pooled).abs() < 1e-12);
        assert!(rows[2].color.iter().all(|c| c.is_none()));
        assert!(rows[0].color.iter().all(|c| c.is_some()));
    }
}
