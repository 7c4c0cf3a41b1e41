//! Axis arithmetic: "nice" tick positions, tick and value label formatting, ranges.
//!
//! Labels use the typographic minus sign (U+2212), as matplotlib does.

/// A step of 1, 2 or 5 × 10^k giving about `target` intervals over `range` (> 0).
pub fn nice_step(range: f64, target: usize) -> f64 {
    let raw = range / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f < 1.5 {
        1.0
    } else if f < 3.5 {
        2.0
    } else if f < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Tick positions: the multiples of a nice step that lie in `[lo, hi]` (about `target` of
/// them). Returns `[lo]` when the range is empty.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return vec![lo];
    }
    let step = nice_step(hi - lo, target);
    let eps = step * 1e-9;
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|i| {
            let v = i as f64 * step;
            // Snap values like 0.30000000000000004 and -0.0 to what a label will say.
            if v.abs() < eps { 0.0 } else { v }
        })
        .collect()
}

fn minus(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// Formats a tick value with just enough decimals for ticks `step` apart.
pub fn format_tick(v: f64, step: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let big = v.abs() >= 1e6;
    let tiny = step.abs() < 1e-5;
    if big || tiny {
        let digits = if step > 0.0 {
            ((v.abs().log10().floor() - step.log10().floor()).max(0.0) as usize).min(6)
        } else {
            2
        };
        return minus(sci(v, digits));
    }
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10() - 1e-9).ceil().max(0.0) as usize
    };
    minus(format!("{v:.decimals$}"))
}

/// `m e k` with `digits` mantissa decimals and a Unicode minus in the exponent.
fn sci(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$e}");
    match s.split_once('e') {
        Some((m, e)) => format!("{m}e{}", minus(e.to_string())),
        None => s,
    }
}

/// Formats `v` to `sig` significant digits (no trailing zeros), with a leading `+` for
/// positive values when `plus` is set; very large or small magnitudes use scientific notation.
pub fn format_sig(v: f64, sig: usize, plus: bool) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor() as i32;
    let body = if !(-5..9).contains(&mag) {
        sci(v, sig.saturating_sub(1))
    } else {
        let decimals = (sig as i32 - 1 - mag).max(0) as usize;
        let mut s = format!("{v:.decimals$}");
        if s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        if s == "-0" { "0".into() } else { s }
    };
    let body = minus(body);
    if plus && v > 0.0 && body != "0" {
        format!("+{body}")
    } else {
        body
    }
}

/// `[min, max]` widened by `frac` of its span on each side; a zero-width range becomes
/// `value ± max(|value| · 0.05, 0.5)` so that a constant series still gets an axis.
pub fn padded(min: f64, max: f64, frac: f64) -> (f64, f64) {
    let span = max - min;
    if span > 0.0 {
        (min - span * frac, max + span * frac)
    } else {
        let h = (min.abs() * 0.05).max(0.5);
        (min - h, max + h)
    }
}

/// Superscript form of an integer exponent, e.g. `−3` → `⁻³`.
fn superscript(e: i32) -> String {
    let digits = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::new();
    if e < 0 {
        s.push('⁻');
    }
    for c in e.unsigned_abs().to_string().chars() {
        s.push(digits[c as usize - '0' as usize]);
    }
    s
}

/// Ticks for a log axis over `[lo, hi]` (both > 0): powers of ten labelled `10ⁿ`, plus 2× and
/// 5× multiples when the range spans fewer than three decades. Returns (value, label) pairs.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<(f64, String)> {
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let decades = hi.log10() - lo.log10();
    let mults: &[f64] = if decades < 3.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let stride = ((b - a) as usize / 8).max(1);
    let mut out = Vec::new();
    for e in a..=b {
        if !((e - a) as usize).is_multiple_of(stride) {
            continue;
        }
        for &m in mults {
            let v = m * 10f64.powi(e);
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                let label = if m == 1.0 {
                    if (-2..=3).contains(&e) {
                        format_sig(v, 1, false)
                    } else {
                        format!("10{}", superscript(e))
                    }
                } else if (-2..=3).contains(&e) {
                    format_sig(v, 1, false)
                } else {
                    format!("{m}·10{}", superscript(e))
                };
                out.push((v, label));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_1_2_5() {
        assert_eq!(nice_step(10.0, 5), 2.0);
        assert_eq!(nice_step(1.0, 5), 0.2);
        assert_eq!(nice_step(7.0, 5), 1.0);
        assert_eq!(nice_step(0.03, 6), 0.005);
        assert_eq!(nice_step(300.0, 5), 50.0);
    }

    #[test]
    fn ticks_lie_in_range_and_are_evenly_spaced() {
        let t = nice_ticks(-0.13, 0.42, 6);
        assert_eq!(t, vec![-0.1, 0.0, 0.1, 0.2, 0.30000000000000004, 0.4]);
        assert!(t.iter().all(|&v| (-0.13..=0.42).contains(&v)));
        assert_eq!(nice_ticks(3.0, 3.0, 5), vec![3.0]);
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
    }

    #[test]
    fn tick_labels_have_matching_precision() {
        assert_eq!(format_tick(0.30000000000000004, 0.1), "0.3");
        assert_eq!(format_tick(-0.05, 0.05), "\u{2212}0.05");
        assert_eq!(format_tick(250.0, 50.0), "250");
        assert_eq!(format_tick(0.0, 0.1), "0");
        assert_eq!(format_tick(2_000_000.0, 500_000.0), "2.0e6");
        assert_eq!(format_tick(3e-6, 1e-6), "3e\u{2212}6");
    }

    #[test]
    fn significant_digit_labels() {
        assert_eq!(format_sig(0.23456, 3, true), "+0.235");
        assert_eq!(format_sig(-12.345, 3, true), "\u{2212}12.3");
        assert_eq!(format_sig(1234.5, 3, false), "1234");
        assert_eq!(format_sig(2.5, 3, false), "2.5");
        assert_eq!(format_sig(0.0, 3, true), "0");
        assert_eq!(format_sig(1.2e-7, 2, false), "1.2e\u{2212}7");
        assert_eq!(format_sig(f64::NAN, 3, false), "NaN");
    }

    #[test]
    fn padding_handles_constant_ranges() {
        assert_eq!(padded(0.0, 10.0, 0.05), (-0.5, 10.5));
        assert_eq!(padded(100.0, 100.0, 0.05), (95.0, 105.0));
        assert_eq!(padded(0.0, 0.0, 0.05), (-0.5, 0.5));
    }

    #[test]
    fn log_ticks_use_decades_and_superscripts() {
        let t = log_ticks(1e-5, 1.0);
        let labels: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, vec!["10⁻⁵", "10⁻⁴", "10⁻³", "0.01", "0.1", "1"]);
        let t = log_ticks(0.15, 3.0);
        let vals: Vec<f64> = t.iter().map(|p| p.0).collect();
        assert_eq!(vals, vec![0.2, 0.5, 1.0, 2.0]);
    }
}
