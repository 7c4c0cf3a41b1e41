//! Fast TreeSHAP v2 (the per-tree tables of `TreeShapAlgorithm::Tables`) against oracles that
//! share none of its code: the brute-force Shapley values of the path-dependent value function
//! (random small trees with repeated features, missing values, zero and inconsistent covers,
//! several outputs; 1e-9 relative), the quadrature sweep (`TreeShapAlgorithm::Linear`) and the
//! libraries' own contributions on the XGBoost and LightGBM fixtures (as tight as the sweep), and
//! itself on one and two threads (bit for bit).

mod tree_shap_support;

use std::path::{Path, PathBuf};

use glassbox_core::TreeEnsemble;
use glassbox_core::ndarray::{Array2, s};
use glassbox_core::rng::Rng;
use glassbox_explain::ShapValues;
use glassbox_explain::shap::exact::tree_shap_brute_force;
use glassbox_explain::shap::{TreeShap, TreeShapAlgorithm};
use glassbox_models::gbdt::load_boosted;
use tree_shap_support::{TreeSpec, assert_shap_close, random_ensemble, random_rows};

const RTOL: f64 = 1e-9;

fn shap(e: &TreeEnsemble, x: &Array2<f64>, alg: TreeShapAlgorithm) -> ShapValues {
    let prepared = TreeShap::with_algorithm(e, alg).unwrap();
    prepared.shap_values(x.view()).unwrap()
}

/// Tables against brute force; every tree of these small ensembles must get tables.
fn check_against_oracle(e: &TreeEnsemble, x: &Array2<f64>, what: &str) {
    let prepared = TreeShap::with_algorithm(e, TreeShapAlgorithm::Tables).unwrap();
    let splitting = e.trees.iter().filter(|t| !t.is_leaf(0)).count();
    assert_eq!(
        prepared.n_table_trees(),
        splitting,
        "{what}: trees with tables"
    );
    let tables = prepared.shap_values(x.view()).unwrap();
    let oracle = tree_shap_brute_force(e, x.view()).unwrap();
    assert_shap_close(
        &tables,
        &oracle,
        RTOL,
        &format!("{what}: tables vs brute force"),
    );
    let linear = shap(e, x, TreeShapAlgorithm::Linear);
    assert_shap_close(&tables, &linear, 1e-12, &format!("{what}: tables vs sweep"));
}

#[test]
fn single_random_trees_match_brute_force() {
    for seed in 0..60 {
        let mut rng = Rng::derive(11, seed);
        let m = 1 + rng.below(8);
        let depth = 1 + rng.below(8);
        let e = random_ensemble(&mut rng, 1, m, 1, &TreeSpec::small(m, depth));
        let x = random_rows(&mut rng, 6, m);
        check_against_oracle(&e, &x, &format!("tree seed {seed}"));
    }
}

#[test]
fn random_forests_with_outputs_zero_covers_and_missing_values_match_brute_force() {
    for seed in 0..25 {
        let mut rng = Rng::derive(12, seed);
        let m = 2 + rng.below(9);
        let k = 1 + rng.below(3);
        let n_trees = 1 + rng.below(6);
        let mut spec = TreeSpec::small(m - 1, 1 + rng.below(8));
        spec.zero_cover_prob = 0.2;
        let e = random_ensemble(&mut rng, n_trees, m, k, &spec);
        let x = random_rows(&mut rng, 5, m);
        check_against_oracle(&e, &x, &format!("forest seed {seed}"));
    }
}

#[test]
fn inconsistent_covers_match_brute_force() {
    for seed in 0..20 {
        let mut rng = Rng::derive(13, seed);
        let m = 2 + rng.below(6);
        let mut spec = TreeSpec::small(m, 2 + rng.below(6));
        spec.inconsistent_covers = true;
        let e = random_ensemble(&mut rng, 2, m, 1, &spec);
        let x = random_rows(&mut rng, 4, m);
        check_against_oracle(&e, &x, &format!("inconsistent seed {seed}"));
    }
}

/// Deep chains over two features (many repeats on a path) and zero covers.
#[test]
fn repeated_features_and_zero_covers_match_brute_force() {
    let mut rng = Rng::new(14);
    for case in 0..10 {
        let mut spec = TreeSpec::small(2, 12);
        spec.split_prob = 0.9;
        spec.zero_cover_prob = 0.3 + 0.05 * case as f64;
        let e = random_ensemble(&mut rng, 2, 3, 2, &spec);
        let x = random_rows(&mut rng, 8, 3);
        check_against_oracle(&e, &x, &format!("repeats case {case}"));
    }
}

/// More rows than one block of each algorithm (32 and 64 rows).
#[test]
fn several_blocks_of_rows_match_brute_force() {
    for seed in 0..4 {
        let mut rng = Rng::derive(15, seed);
        let m = 3 + rng.below(4);
        let mut spec = TreeSpec::small(m, 3 + rng.below(5));
        spec.zero_cover_prob = 0.35;
        let e = random_ensemble(&mut rng, 3, m, 2, &spec);
        let x = random_rows(&mut rng, 150, m);
        check_against_oracle(&e, &x, &format!("block seed {seed}"));
    }
}

/// Trees past the slot limit fall back to the sweep (and still match brute force).
#[test]
fn trees_with_too_many_path_features_fall_back() {
    let mut rng = Rng::new(16);
    let mut spec = TreeSpec::small(14, 13);
    spec.split_prob = 1.0;
    let e = random_ensemble(&mut rng, 2, 14, 1, &spec);
    let prepared = TreeShap::with_algorithm(&e, TreeShapAlgorithm::Tables).unwrap();
    assert!(prepared.n_table_trees() < e.trees.len());
    let x = random_rows(&mut rng, 2, 14);
    let oracle = tree_shap_brute_force(&e, x.view()).unwrap();
    let got = prepared.shap_values(x.view()).unwrap();
    assert_shap_close(&got, &oracle, RTOL, "fallback");
}

fn fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../glassbox-models/tests/fixtures")
        .join(sub)
}

/// A CSV of numbers with a header row: (header, rows).
fn read_csv(path: &Path) -> (Vec<String>, Array2<f64>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut lines = text.lines().filter(|l| !l.is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let data: Vec<f64> = lines
        .flat_map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()))
        .collect();
    let n = data.len() / header.len();
    (
        header.clone(),
        Array2::from_shape_vec((n, header.len()), data).unwrap(),
    )
}

/// Largest `|a - b| / max(1, |b|)` between our values and the library's contributions
/// `(rows, outputs * (features + 1))`, scaled by `raw_scale`.
fn library_error(sv: &ShapValues, contribs: &Array2<f64>, raw_scale: f64) -> f64 {
    let (n, f, k) = sv.values.dim();
    let mut err = 0.0f64;
    for o in 0..k {
        for i in 0..n {
            for j in 0..f {
                let want = contribs[[i, o * (f + 1) + j]];
                let got = sv.values[[i, j, o]] * raw_scale;
                err = err.max((got - want).abs() / want.abs().max(1.0));
            }
        }
    }
    err
}

/// One fixture model: tables agree with the sweep to 1e-12 and with the library as tightly as
/// the sweep does; returns the library error.
fn check_fixture(model: &Path, x: &Array2<f64>, contribs: &Path, raw_scale: f64) -> f64 {
    let m = load_boosted(model, None).unwrap_or_else(|e| panic!("{model:?}: {e}"));
    let e = &m.ensemble;
    let prepared = TreeShap::with_algorithm(e, TreeShapAlgorithm::Tables).unwrap();
    assert!(prepared.n_table_trees() > 0, "{model:?}: no tables");
    let tables = prepared.shap_values(x.view()).unwrap();
    let linear = shap(e, x, TreeShapAlgorithm::Linear);
    let what = format!("{model:?}");
    assert_shap_close(&tables, &linear, 1e-12, &what);
    assert_eq!(tables.base_values, linear.base_values, "{what}");
    let (_, lib) = read_csv(contribs);
    let (lin_err, tab_err) = (
        library_error(&linear, &lib, raw_scale),
        library_error(&tables, &lib, raw_scale),
    );
    assert!(
        tab_err <= lin_err + 1e-12,
        "{what}: {tab_err:e} vs {lin_err:e}"
    );
    tab_err
}

#[test]
fn library_fixtures_match_as_tightly_as_the_sweep() {
    let dir = fixtures("gbdt");
    let (header, data) = read_csv(&dir.join("data.csv"));
    assert_eq!(header[..4], ["temp", "pressure", "speed", "load"]);
    let x = data.slice(s![.., ..4]).to_owned();
    for (stem, ext, scale, tol) in [
        ("xgb_reg", "json", 1.0, 1e-5),
        ("xgb_binary", "json", 1.0, 1e-5),
        ("xgb_multi", "json", 1.0, 1e-5),
        ("xgb_dart", "json", 1.0, 1e-5),
        ("xgb_poisson", "json", 1.0, 1e-5),
        ("xgb17_binary", "json", 1.0, 1e-5),
        ("xgb17_multi", "json", 1.0, 1e-5),
        ("xgb21_binary", "json", 1.0, 1e-5),
        ("xgb21_multi", "json", 1.0, 1e-5),
        ("lgb_reg", "txt", 1.0, 1e-10),
        ("lgb_binary", "txt", 1.0, 1e-10),
        ("lgb_multi", "txt", 1.0, 1e-10),
        ("lgb_rf", "txt", 5.0, 1e-10),
        ("lgb_zero", "txt", 1.0, 1e-10),
    ] {
        let err = check_fixture(
            &dir.join(format!("{stem}.{ext}")),
            &x,
            &dir.join(format!("{stem}.contribs.csv")),
            scale,
        );
        assert!(err < tol, "{stem}: library error {err:e}");
    }
}

#[test]
fn bench_models_match_the_libraries_and_the_sweep() {
    let dir = fixtures("bench");
    let (_, data) = read_csv(&dir.join("friedman1_explain_1050.csv"));
    let x = data.slice(s![..200, ..37]).to_owned();
    for (stem, ext, tol) in [
        ("xgb_friedman_500x6", "json", 1e-5),
        ("lgb_friedman_300x31", "txt", 1e-9),
    ] {
        let contribs = dir.join(format!("{stem}.contribs.csv"));
        let (_, lib) = read_csv(&contribs);
        let lib = lib.slice(s![..200, ..]).to_owned();
        let model = dir.join(format!("{stem}.{ext}"));
        let m = load_boosted(&model, None).unwrap();
        // Tables pay on many rows, not on one (`tree_shap` prepares for its batch).
        let n_trees = m.ensemble.trees.len();
        assert!(TreeShap::new(&m.ensemble).unwrap().n_table_trees() > n_trees * 3 / 4);
        assert_eq!(
            TreeShap::for_rows(&m.ensemble, 1).unwrap().n_table_trees(),
            0
        );
        let tables = shap(&m.ensemble, &x, TreeShapAlgorithm::Tables);
        let linear = shap(&m.ensemble, &x, TreeShapAlgorithm::Linear);
        assert_shap_close(&tables, &linear, 1e-12, stem);
        let (tab_err, lin_err) = (
            library_error(&tables, &lib, 1.0),
            library_error(&linear, &lib, 1.0),
        );
        assert!(
            tab_err <= lin_err + 1e-12 && tab_err < tol,
            "{stem}: {tab_err:e} vs {lin_err:e}"
        );
    }
}

#[test]
fn one_and_two_threads_agree_bit_for_bit() {
    let mut rng = Rng::new(17);
    let mut spec = TreeSpec::small(6, 6);
    spec.zero_cover_prob = 0.2;
    let e = random_ensemble(&mut rng, 20, 7, 2, &spec);
    let x = random_rows(&mut rng, 300, 7);
    let run = |threads: usize, alg| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| shap(&e, &x, alg))
    };
    for alg in [TreeShapAlgorithm::Auto, TreeShapAlgorithm::Tables] {
        assert_eq!(run(1, alg), run(2, alg), "{alg:?}");
    }
    // Chunks of a prepared explainer give the whole batch's values bit for bit.
    let prepared = TreeShap::with_algorithm(&e, TreeShapAlgorithm::Tables).unwrap();
    let whole = prepared.shap_values(x.view()).unwrap();
    for (a, b) in [(0, 7), (7, 100), (100, 300)] {
        let part = prepared.shap_values(x.slice(s![a..b, ..])).unwrap();
        assert_eq!(part.values, whole.values.slice(s![a..b, .., ..]));
    }
}
