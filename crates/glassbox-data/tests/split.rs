//! Seeded train/test splits.

use glassbox_data::{DataError, train_test_split};

#[test]
fn molding_sized_split_is_70_30_disjoint_complete_sorted_and_deterministic() {
    let a = train_test_split(4620, 0.3, 42).unwrap();
    assert_eq!(a.test.len(), 1386);
    assert_eq!(a.train.len(), 3234);
    assert!(a.train.windows(2).all(|w| w[0] < w[1]));
    assert!(a.test.windows(2).all(|w| w[0] < w[1]));
    let mut seen = vec![0u8; 4620];
    for &i in a.train.iter().chain(&a.test) {
        seen[i] += 1;
    }
    assert!(seen.iter().all(|&c| c == 1), "every row exactly once");
    assert_eq!(a, train_test_split(4620, 0.3, 42).unwrap());
    let b = train_test_split(4620, 0.3, 43).unwrap();
    assert_ne!(a.test, b.test);
    // The test part is spread over the whole table, not a block.
    assert!(a.test[0] < 50 && *a.test.last().unwrap() > 4570);
}

#[test]
fn split_matches_an_independent_fisher_yates() {
    // Same generator, shuffle written out here: the first round(n*f) shuffled rows are the test set.
    let (n, f, seed) = (37, 0.25, 7);
    let mut rng = glassbox_core::rng::Rng::new(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
    let mut test = order[..9].to_vec();
    test.sort();
    let split = train_test_split(n, f, seed).unwrap();
    assert_eq!(split.test, test);
    assert_eq!(split.train.len(), 28);
}

#[test]
fn too_few_rows() {
    let err = train_test_split(4, 0.3, 1).unwrap_err();
    assert!(matches!(err, DataError::TooFewRows { .. }));
    assert_eq!(
        err.to_string(),
        "cannot split 4 rows with test fraction 0.3: that gives 3 training and 1 test rows, and \
         each part needs at least 2; the table needs at least 5 rows for this fraction"
    );
    assert!(train_test_split(5, 0.3, 1).is_ok());
    let m = train_test_split(10, 0.9, 1).unwrap_err().to_string();
    assert!(
        m.contains("gives 1 training and 9 test rows")
            && m.ends_with("at least 16 rows for this fraction"),
        "{m}"
    );
    assert!(train_test_split(0, 0.3, 1).is_err());
}

#[test]
fn invalid_fraction() {
    for f in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
        let err = train_test_split(100, f, 1).unwrap_err();
        assert!(matches!(err, DataError::InvalidTestFraction { .. }), "{f}");
    }
    assert_eq!(
        train_test_split(100, 1.0, 1).unwrap_err().to_string(),
        "test fraction 1 is invalid; expected a number strictly between 0 and 1, e.g. 0.3"
    );
}
