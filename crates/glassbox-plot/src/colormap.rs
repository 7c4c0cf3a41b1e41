//! Colour maps: shap's blue→red map for feature values, shap's blue→white→red map for signed
//! SHAP values (heatmap), matplotlib's `jet` for heat-map overlays (CAM), and `Blues` for
//! confusion matrices. Inputs are clamped to `[0, 1]`; NaN maps to the low end (callers draw
//! missing values in grey instead).

use std::sync::OnceLock;

fn clamp01(t: f64) -> f64 {
    if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) }
}

fn to_u8(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Piecewise-linear interpolation through `(position, value)` anchors sorted by position.
fn piecewise(anchors: &[(f64, f64)], t: f64) -> f64 {
    let t = clamp01(t);
    for w in anchors.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if t <= x1 {
            return if x1 > x0 {
                y0 + (y1 - y0) * (t - x0) / (x1 - x0)
            } else {
                y1
            };
        }
    }
    anchors.last().map_or(0.0, |a| a.1)
}

/// matplotlib's `jet` (dark blue → cyan → yellow → dark red), as used for Grad-CAM overlays.
/// Evaluated on matplotlib's segment definition directly, not through its 256-entry table.
pub fn jet(t: f64) -> [u8; 3] {
    const R: [(f64, f64); 5] = [
        (0.0, 0.0),
        (0.35, 0.0),
        (0.66, 1.0),
        (0.89, 1.0),
        (1.0, 0.5),
    ];
    const G: [(f64, f64); 6] = [
        (0.0, 0.0),
        (0.125, 0.0),
        (0.375, 1.0),
        (0.64, 1.0),
        (0.91, 0.0),
        (1.0, 0.0),
    ];
    const B: [(f64, f64); 5] = [
        (0.0, 0.5),
        (0.11, 1.0),
        (0.34, 1.0),
        (0.65, 0.0),
        (1.0, 0.0),
    ];
    [
        to_u8(piecewise(&R, t)),
        to_u8(piecewise(&G, t)),
        to_u8(piecewise(&B, t)),
    ]
}

/// CIE L*C*h (h in radians) to sRGB in `[0, 1]`, D65 white, as scikit-image's
/// `lab2rgb(lch2lab(..))` (which shap uses to build its colour map), clipped to the gamut.
fn lch_to_srgb(l: f64, c: f64, h: f64) -> [f64; 3] {
    let (a, b) = (c * h.cos(), c * h.sin());
    let fy = (l + 16.0) / 116.0;
    let fx = fy + a / 500.0;
    let fz = fy - b / 200.0;
    let finv = |t: f64| {
        if t > 0.206_896_6 {
            t * t * t
        } else {
            (t - 16.0 / 116.0) / 7.787
        }
    };
    let xyz = [finv(fx) * 0.95047, finv(fy), finv(fz) * 1.08883];
    // Inverse of scikit-image's xyz_from_rgb (sRGB primaries, D65).
    const M: [[f64; 3]; 3] = [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ];
    let inv = invert3(M);
    let mut rgb = [0.0; 3];
    for (i, out) in rgb.iter_mut().enumerate() {
        let lin = inv[i][0] * xyz[0] + inv[i][1] * xyz[1] + inv[i][2] * xyz[2];
        let g = if lin > 0.0031308 {
            1.055 * lin.powf(1.0 / 2.4) - 0.055
        } else {
            12.92 * lin
        };
        *out = g.clamp(0.0, 1.0);
    }
    rgb
}

fn invert3(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let mut r = [[0.0; 3]; 3];
    for (i, row) in r.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            // Cofactor of m[j][i] (transpose) over the determinant.
            let (a0, a1) = ((j + 1) % 3, (j + 2) % 3);
            let (b0, b1) = ((i + 1) % 3, (i + 2) % 3);
            *v = (m[a0][b0] * m[a1][b1] - m[a0][b1] * m[a1][b0]) / det;
        }
    }
    r
}

/// shap's `red_blue` anchors: 100 steps in L*C*h from blue (54, 70, 4.6588) through a darker
/// purple (L* 40 at the midpoint) to red (54, 90, 0.3547 + 2π), exactly as `shap.plots.colors`
/// builds them.
fn red_blue_table() -> &'static [[f64; 3]; 100] {
    static TABLE: OnceLock<[[f64; 3]; 100]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let (blue, red, l_mid) = (
            [54.0, 70.0, 4.6588],
            [54.0, 90.0, 0.354_705_65 + std::f64::consts::TAU],
            40.0,
        );
        let lin = |a: f64, b: f64, n: usize, i: usize| a + (b - a) * i as f64 / (n - 1) as f64;
        let mut t = [[0.0; 3]; 100];
        for (i, out) in t.iter_mut().enumerate() {
            let l = if i < 50 {
                lin(blue[0], l_mid, 50, i)
            } else {
                lin(l_mid, red[0], 50, i - 50)
            };
            let c = lin(blue[1], red[1], 100, i);
            let h = lin(blue[2], red[2], 100, i);
            *out = lch_to_srgb(l, c, h);
        }
        t
    })
}

/// shap's blue (#008afb, low) → purple → red (#ff0052, high) colour map for feature values.
/// Interpolates linearly between shap's 100 anchors (matplotlib samples the same segments into a
/// 256-entry table, so colours agree to within one 8-bit step).
pub fn shap_red_blue(t: f64) -> [u8; 3] {
    let table = red_blue_table();
    let x = clamp01(t) * 99.0;
    let i = (x.floor() as usize).min(98);
    let f = x - i as f64;
    let (a, b) = (table[i], table[i + 1]);
    [
        to_u8(a[0] + (b[0] - a[0]) * f),
        to_u8(a[1] + (b[1] - a[1]) * f),
        to_u8(a[2] + (b[2] - a[2]) * f),
    ]
}

/// shap's `red_white_blue` (used by `shap.plots.heatmap`): shap's blue (low, 0) → white (0.5)
/// → shap's red (high, 1), linear in sRGB, for signed values centred at zero.
pub fn shap_red_white_blue(t: f64) -> [u8; 3] {
    let t = clamp01(t);
    let (end, a) = if t < 0.5 {
        (shap_red_blue(0.0), 1.0 - 2.0 * t)
    } else {
        (shap_red_blue(1.0), 2.0 * t - 1.0)
    };
    let mix = |c: u8| (255.0 + (c as f64 - 255.0) * a).round() as u8;
    [mix(end[0]), mix(end[1]), mix(end[2])]
}

/// matplotlib's `RdBu_r` (blue, low → near-white, middle → red, high): a diverging map for signed
/// weights, 0.5 meaning zero. Interpolates linearly between ColorBrewer's 11 anchors.
pub fn red_blue_diverging(t: f64) -> [u8; 3] {
    const HEX: [u32; 11] = [
        0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d,
        0xb2182b, 0x67001f,
    ];
    hex_ramp(&HEX, t)
}

/// Linear interpolation through equally spaced `0xRRGGBB` anchors (at least two), `t` in
/// [0, 1] (clamped; NaN is 0).
fn hex_ramp(hex: &[u32], t: f64) -> [u8; 3] {
    let last = hex.len() - 1;
    let x = clamp01(t) * last as f64;
    let i = (x.floor() as usize).min(last - 1);
    let f = x - i as f64;
    let ch = |v: u32, s: u32| ((v >> s) & 0xff) as f64;
    let mix = |s: u32| (ch(hex[i], s) + (ch(hex[i + 1], s) - ch(hex[i], s)) * f).round() as u8;
    [mix(16), mix(8), mix(0)]
}

/// matplotlib's `Blues` (near-white → dark blue), for counts in confusion matrices.
pub fn blues(t: f64) -> [u8; 3] {
    const HEX: [u32; 9] = [
        0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b,
    ];
    hex_ramp(&HEX, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_map_is_white_at_zero_and_symmetric_in_shape() {
        assert_eq!(red_blue_diverging(0.5), [0xf7, 0xf7, 0xf7]);
        assert_eq!(red_blue_diverging(0.0), [0x05, 0x30, 0x61]);
        assert_eq!(red_blue_diverging(1.0), [0x67, 0x00, 0x1f]);
        assert_eq!(red_blue_diverging(f64::NAN), red_blue_diverging(0.0));
        // Halfway between anchors 0.9 (#b2182b) and 1.0 (#67001f).
        assert_eq!(red_blue_diverging(0.95), [0x8d, 0x0c, 0x25]);
        // High is red-dominant, low blue-dominant.
        let (hi, lo) = (red_blue_diverging(0.8), red_blue_diverging(0.2));
        assert!(hi[0] > hi[2] && lo[2] > lo[0]);
    }

    fn close(a: [u8; 3], b: [u8; 3], tol: i32) -> bool {
        (0..3).all(|i| (a[i] as i32 - b[i] as i32).abs() <= tol)
    }

    #[test]
    fn shap_map_ends_at_shaps_blue_and_red() {
        // shap: blue_rgb = lch2rgb(blue_lch) = #008afb, red_rgb = #ff0052.
        assert!(
            close(shap_red_blue(0.0), [0x00, 0x8a, 0xfb], 1),
            "{:?}",
            shap_red_blue(0.0)
        );
        assert!(
            close(shap_red_blue(1.0), [0xff, 0x00, 0x52], 1),
            "{:?}",
            shap_red_blue(1.0)
        );
        // The midpoint is a dark purple (L* 40): red and blue both present, green low.
        let m = shap_red_blue(0.5);
        assert!(m[0] > 80 && m[2] > 80 && m[1] < 60, "{m:?}");
        assert_eq!(shap_red_blue(-3.0), shap_red_blue(0.0));
        assert_eq!(shap_red_blue(7.0), shap_red_blue(1.0));
    }

    #[test]
    fn red_white_blue_is_white_at_zero_and_shaps_colours_at_the_ends() {
        assert_eq!(shap_red_white_blue(0.5), [255, 255, 255]);
        assert_eq!(shap_red_white_blue(0.0), shap_red_blue(0.0));
        assert_eq!(shap_red_white_blue(1.0), shap_red_blue(1.0));
        // A quarter of the way: halfway between blue and white.
        let (b, q) = (shap_red_blue(0.0), shap_red_white_blue(0.25));
        for i in 0..3 {
            assert!(
                (q[i] as f64 - (b[i] as f64 + 255.0) / 2.0).abs() <= 0.5,
                "{q:?}"
            );
        }
        let hi = shap_red_white_blue(0.9);
        assert!(hi[0] > hi[2]);
    }

    #[test]
    fn jet_matches_matplotlib_landmarks() {
        assert_eq!(jet(0.0), [0, 0, 128]);
        assert_eq!(jet(1.0), [128, 0, 0]);
        // Red ramps 0 -> 1 over [0.35, 0.66], blue 1 -> 0 over [0.34, 0.65]: at 0.5 both are
        // (0.5 - 0.35) / 0.31 = 0.4839 (matplotlib's 256-entry table gives 0.4902 and 0.4775).
        assert_eq!(jet(0.5), [123, 255, 123]);
    }

    #[test]
    fn blues_is_monotone_in_lightness() {
        let lum = |c: [u8; 3]| c.iter().map(|&v| v as u32).sum::<u32>();
        let mut prev = u32::MAX;
        for i in 0..=20 {
            let l = lum(blues(i as f64 / 20.0));
            assert!(l <= prev);
            prev = l;
        }
    }

    #[test]
    fn matrix_inverse_is_an_inverse() {
        let m = [[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 4.0]];
        let inv = invert3(m);
        for (i, row) in m.iter().enumerate() {
            for (j, col) in (0..3)
                .map(|j| [inv[0][j], inv[1][j], inv[2][j]])
                .enumerate()
            {
                let v: f64 = (0..3).map(|k| row[k] * col[k]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
    }
}
