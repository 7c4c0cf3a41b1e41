//! Input checks shared by the plots: every failure is a one-line [`PlotError`].

use glassbox_core::Explanation;

use crate::PlotError;

/// Checks that `e` has rows and features, that `output` exists, and that its attributions for
/// that output are finite (feature data may hold NaN: missing values are drawn grey).
pub(crate) fn explanation(
    plot: &'static str,
    e: &Explanation,
    output: usize,
) -> Result<(), PlotError> {
    let (n, m, k) = e.values.dim();
    if n == 0 {
        return Err(PlotError::input(plot, "the explanation has no rows"));
    }
    if m == 0 {
        return Err(PlotError::input(plot, "the explanation has no features"));
    }
    if output >= k {
        return Err(PlotError::input(
            plot,
            format!("output {output} out of range: the explanation has {k} output(s)"),
        ));
    }
    if e.data.dim() != (n, m) || e.feature_names.len() != m || e.base_values.dim().0 != n {
        return Err(PlotError::input(
            plot,
            "explanation arrays have inconsistent shapes",
        ));
    }
    for i in 0..n {
        for j in 0..m {
            let v = e.values[[i, j, output]];
            if !v.is_finite() {
                return Err(PlotError::input(
                    plot,
                    format!(
                        "attribution for row {i}, feature '{}' is {v}; expected a finite number",
                        e.feature_names[j]
                    ),
                ));
            }
        }
        let b = e.base_values[[i, output]];
        if !b.is_finite() {
            return Err(PlotError::input(
                plot,
                format!("base value of row {i} is {b}; expected a finite number"),
            ));
        }
    }
    Ok(())
}

/// Checks that every value is finite, naming `what` and the index otherwise.
pub(crate) fn finite(plot: &'static str, what: &str, v: &[f64]) -> Result<(), PlotError> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(PlotError::input(
            plot,
            format!("{what}[{i}] is {}; expected a finite number", v[i]),
        )),
        None => Ok(()),
    }
}

/// Checks that `b` has the same length as `a`.
pub(crate) fn same_len(
    plot: &'static str,
    a: (&str, usize),
    b: (&str, usize),
) -> Result<(), PlotError> {
    if a.1 != b.1 {
        return Err(PlotError::input(
            plot,
            format!(
                "{} has {} values but {} has {}; expected the same length",
                a.0, a.1, b.0, b.1
            ),
        ));
    }
    Ok(())
}

/// The display name of an output (falls back to its index).
pub(crate) fn output_name(e: &Explanation, output: usize) -> String {
    e.output_names
        .get(output)
        .cloned()
        .unwrap_or_else(|| format!("output {output}"))
}
