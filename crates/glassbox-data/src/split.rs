//! Seeded train/test split of row indices.

use glassbox_core::rng::Rng;

use crate::error::DataError;

/// A train/test split: 0-based row indices into the table, each part sorted ascending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Training rows, ascending.
    pub train: Vec<usize>,
    /// Test rows, ascending.
    pub test: Vec<usize>,
}

/// Fewest rows either part may have: one row gives no spread to fit or score (R² is undefined).
const MIN_PART: usize = 2;

/// Splits `0..n_rows` at random: shuffles the row numbers with `Rng::new(seed)` (Fisher–Yates,
/// [`Rng::shuffle`]), takes the first `round(n_rows * test_fraction)` as the test part and the
/// rest as the training part, and sorts both ascending (so split files are readable and the
/// training rows keep file order).
///
/// Errors if `test_fraction` is not strictly between 0 and 1, or if either part would have
/// fewer than 2 rows (the message says how many rows the fraction needs).
pub fn train_test_split(n_rows: usize, test_fraction: f64, seed: u64) -> Result<Split, DataError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::InvalidTestFraction {
            value: test_fraction,
        });
    }
    let (n_train, n_test) = part_sizes(n_rows, test_fraction);
    if n_train < MIN_PART || n_test < MIN_PART {
        return Err(DataError::TooFewRows {
            n_rows,
            test_fraction,
            n_train,
            n_test,
            needed: rows_needed(test_fraction),
        });
    }
    let mut order: Vec<usize> = (0..n_rows).collect();
    Rng::new(seed).shuffle(&mut order);
    let mut test = order[..n_test].to_vec();
    let mut train = order[n_test..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    Ok(Split { train, test })
}

/// (train, test) sizes; the test part is `n * fraction` rounded half away from zero.
fn part_sizes(n: usize, fraction: f64) -> (usize, usize) {
    let n_test = ((n as f64 * fraction).round() as usize).min(n);
    (n - n_test, n_test)
}

/// The smallest `n` whose split has at least [`MIN_PART`] rows in each part.
fn rows_needed(fraction: f64) -> usize {
    // Each part needs about 1.5 / share rows before rounding gives it 2; start a little below
    // that and step up, which takes a handful of steps whatever the fraction.
    let estimate = (1.5 / fraction.min(1.0 - fraction)).floor();
    let start = if estimate >= usize::MAX as f64 {
        return usize::MAX;
    } else {
        (estimate as usize).saturating_sub(2).max(2 * MIN_PART)
    };
    (start..start.saturating_add(64))
        .find(|&n| {
            let (a, b) = part_sizes(n, fraction);
            a >= MIN_PART && b >= MIN_PART
        })
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_needed_is_minimal() {
        for &f in &[0.01, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 0.9, 0.99, 0.333] {
            let need = rows_needed(f);
            let (a, b) = part_sizes(need, f);
            assert!(a >= 2 && b >= 2, "f {f} need {need}");
            // No smaller table works (brute force).
            for n in 0..need {
                let (a, b) = part_sizes(n, f);
                assert!(
                    a < 2 || b < 2,
                    "f {f}: {n} rows already work, reported {need}"
                );
            }
        }
        assert_eq!(rows_needed(0.3), 5);
        assert_eq!(rows_needed(0.5), 4);
    }
}
