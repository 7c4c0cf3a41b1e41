"""Seeded tables and models shared by the Spark and dask tests (test_spark.py, test_dask.py)."""

import numpy as np

N_ROWS = 100_000
FEATURES = [f"x{i}" for i in range(8)]


def table(n=N_ROWS, seed=0):
    """X (n, 8) and a regression target: y = x0 + x1·x2 + 0.5 sin(3 x3) + 0.3 x4 + noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES)))
    y = X[:, 0] + X[:, 1] * X[:, 2] + 0.5 * np.sin(3 * X[:, 3]) + 0.3 * X[:, 4]
    return X, y + 0.1 * rng.normal(size=n)


def regressor():
    """An XGBoost regressor trained on a pandas DataFrame (so it knows FEATURES by name)."""
    import pandas as pd
    import xgboost as xgb

    X, y = table(4000, seed=1)
    return xgb.XGBRegressor(n_estimators=30, max_depth=4, n_jobs=1, random_state=0).fit(
        pd.DataFrame(X, columns=FEATURES), y
    )


def classifier():
    """A three-class XGBoost classifier trained on a numpy array (no feature names)."""
    import xgboost as xgb

    X, y = table(3000, seed=2)
    labels = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    return xgb.XGBClassifier(n_estimators=10, max_depth=3, n_jobs=1, random_state=0).fit(
        X, labels
    )


def multi_columns(features, classes=3):
    """The expected SHAP, base value and prediction columns of a three-class XGBoost model."""
    outs = [f"class_{k}_margin" for k in range(classes)]
    return (
        [f"{f}__{o}" for f in features for o in outs]
        + [f"base_value__{o}" for o in outs]
        + [f"prediction__{o}" for o in outs]
    )
