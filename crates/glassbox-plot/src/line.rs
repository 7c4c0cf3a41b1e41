//! Line charts: training loss curves, partial dependence with ICE curves.

use crate::figure::Figure;
use crate::frame::{self, Area, PAD, Scale, TITLE_BAND, X_AXIS_BAND};
use crate::scene::{GREY, Rgba, Scene};
use crate::{PlotError, check};

/// One line of a [`line_chart`].
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend entry (series with an empty name, and faint ones, are not listed).
    pub name: String,
    /// x coordinates, length (points,).
    pub xs: Vec<f64>,
    /// y coordinates, length (points,).
    pub ys: Vec<f64>,
    /// Draw thin and translucent grey, behind the others, without a legend entry (ICE curves).
    pub faint: bool,
}

impl Series {
    /// A normal series.
    pub fn new(name: impl Into<String>, xs: Vec<f64>, ys: Vec<f64>) -> Series {
        Series {
            name: name.into(),
            xs,
            ys,
            faint: false,
        }
    }

    /// The same series drawn faint (see [`Series::faint`]).
    pub fn into_faint(mut self) -> Series {
        self.faint = true;
        self
    }
}

/// Builds a y scale from (data range, pixel range): [`Scale::linear`] or [`Scale::log10`].
type ScaleFn = fn(f64, f64, f64, f64) -> Scale;

/// Colours for successive normal series: shap's blue and red, then matplotlib's tab10.
const PALETTE: [u32; 10] = [
    0x008bfb, 0xff0051, 0x2ca02c, 0xff7f0e, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22,
    0x17becf,
];

/// Line chart of one or more series (e.g. train and validation loss per epoch, or a partial
/// dependence curve over faint ICE curves), with a legend and an optional log-scaled y axis
/// (`log_y` requires every y > 0).
pub fn line_chart(
    series: &[Series],
    title: &str,
    x_label: &str,
    y_label: &str,
    log_y: bool,
) -> Result<Figure, PlotError> {
    const P: &str = "line chart";
    if series.is_empty() {
        return Err(PlotError::input(P, "no series to draw"));
    }
    for s in series {
        if s.xs.is_empty() {
            return Err(PlotError::input(
                P,
                format!("series '{}' has no points", s.name),
            ));
        }
        check::same_len(
            P,
            (&format!("'{}' xs", s.name), s.xs.len()),
            (&format!("'{}' ys", s.name), s.ys.len()),
        )?;
        check::finite(P, &format!("'{}' xs", s.name), &s.xs)?;
        check::finite(P, &format!("'{}' ys", s.name), &s.ys)?;
        if let Some(i) = s.ys.iter().position(|&y| log_y && y <= 0.0) {
            return Err(PlotError::input(
                P,
                format!(
                    "'{}' ys[{i}] is {}; a log y axis needs values > 0",
                    s.name, s.ys[i]
                ),
            ));
        }
    }
    let fold = |v: &mut dyn Iterator<Item = f64>| {
        v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        })
    };
    let (xmin, xmax) = fold(&mut series.iter().flat_map(|s| s.xs.iter().copied()));
    let (ymin, ymax) = fold(&mut series.iter().flat_map(|s| s.ys.iter().copied()));
    let (x0, x1) = if xmax > xmin {
        (xmin, xmax)
    } else {
        crate::axis::padded(xmin, xmax, 0.0)
    };
    let (width, height) = (900.0, 600.0);
    let top = TITLE_BAND + 6.0;
    let bottom = height - X_AXIS_BAND;
    let (ys_of, y0, y1): (ScaleFn, f64, f64) = if log_y {
        let (a, b) = (ymin.log10(), ymax.log10());
        let pad = ((b - a) * 0.05).max(0.05);
        (Scale::log10, 10f64.powf(a - pad), 10f64.powf(b + pad))
    } else {
        let (a, b) = crate::axis::padded(ymin, ymax, 0.05);
        (Scale::linear, a, b)
    };
    let probe = ys_of(y0, y1, bottom, top);
    let left = PAD + 22.0 + frame::y_tick_width(probe, 6) + 12.0;
    let area = Area {
        left,
        top,
        right: width - PAD - 16.0,
        bottom,
    };
    let xs = Scale::linear(x0, x1, area.left, area.right);
    let ys = ys_of(y0, y1, area.bottom, area.top);
    let mut s = Scene::default();
    frame::y_grid(&mut s, area, ys, 6);
    let map = |xv: &[f64], yv: &[f64]| -> Vec<(f64, f64)> {
        xv.iter()
            .zip(yv)
            .map(|(&x, &y)| (xs.map(x), ys.map(y)))
            .collect()
    };
    for se in series.iter().filter(|se| se.faint) {
        s.path(map(&se.xs, &se.ys), GREY.alpha(0.3), 0.8);
    }
    let mut legend = Vec::new();
    let mut colors = Vec::new();
    for (k, se) in series.iter().filter(|se| !se.faint).enumerate() {
        let c = Rgba::hex(PALETTE[k % PALETTE.len()]);
        let pts = map(&se.xs, &se.ys);
        if pts.len() <= 20 {
            for &p in &pts {
                s.circle(p, 2.6, c, None);
            }
        }
        s.path(pts, c, 2.0);
        if !se.name.is_empty() {
            legend.push(se.name.clone());
            colors.push(c);
        }
    }
    frame::legend(&mut s, area, &legend, true, |s, x, y, i| {
        s.line((x - 10.0, y), (x + 10.0, y), colors[i], 2.0);
    });
    frame::x_axis(&mut s, area, xs, 7, x_label);
    frame::y_axis(&mut s, area, ys, 6, y_label, PAD);
    frame::title(&mut s, title, area.left, area.right, width);
    Ok(Figure::new(title, width, height, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_series_are_rejected() {
        assert!(line_chart(&[], "t", "x", "y", false).is_err());
        let s = Series::new("loss", vec![1.0, 2.0], vec![1.0]);
        assert!(line_chart(&[s], "t", "x", "y", false).is_err());
        let s = Series::new("loss", vec![1.0, 2.0], vec![1.0, f64::NAN]);
        assert!(line_chart(&[s], "t", "x", "y", false).is_err());
        let s = Series::new("loss", vec![1.0, 2.0], vec![1.0, 0.0]);
        let err = line_chart(std::slice::from_ref(&s), "t", "x", "y", true).unwrap_err();
        assert!(err.to_string().contains("log"), "{err}");
        assert!(line_chart(&[s], "t", "x", "y", false).is_ok());
        assert!(line_chart(&[Series::new("e", vec![], vec![])], "t", "x", "y", false).is_err());
    }
}
