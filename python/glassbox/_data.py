"""Turning user inputs (numpy arrays, pandas DataFrames) into the float64 matrices the native
code reads, with the model's feature order and clear errors."""

from __future__ import annotations

import numpy as np


def _is_dataframe(x) -> bool:
    return hasattr(x, "columns") and hasattr(x, "dtypes") and hasattr(x, "iloc")


def feature_names_of(x):
    """Column names of a DataFrame (as strings), else None."""
    if _is_dataframe(x):
        return [str(c) for c in x.columns]
    return None


def as_matrix(x, feature_names=None, *, what="X", dtype=np.float64, n_features=None):
    """`x` as a 2-D float64 numpy array (samples, features), and its column names (or None).

    DataFrames: when `feature_names` (the model's) is given, columns are taken by name in that
    order (extra columns are ignored; a missing one is a ValueError naming it); otherwise in
    their own order. Non-numeric columns are a TypeError naming them. A 1-D input is one row.
    `dtype=np.float32` rounds values through float32 first, as scikit-learn's trees do before
    comparing with their thresholds. float64 C- or Fortran-ordered input is not copied here
    (the native side makes one copy in its own layout).
    """
    names = None
    if _is_dataframe(x):
        cols = [str(c) for c in x.columns]
        if feature_names is not None:
            missing = [f for f in feature_names if f not in cols]
            if missing:
                raise ValueError(
                    f"{what} lacks the model's feature column(s) {missing}; it has {cols}"
                )
            if cols != list(feature_names):
                x = x[[x.columns[cols.index(f)] for f in feature_names]]
                cols = list(feature_names)
        bad = [c for c, t in zip(cols, x.dtypes) if not _numeric_dtype(t)]
        if bad:
            raise TypeError(
                f"{what} has non-numeric column(s) {bad}: glassbox explains numeric features; "
                "encode categories as numbers first"
            )
        names = cols
        arr = x.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        if isinstance(x, (list, tuple)):
            x = np.asarray(x)
        if not isinstance(x, np.ndarray):
            raise TypeError(
                f"{what} must be a numpy array or a pandas DataFrame, not {type(x).__name__}"
            )
        if x.dtype == object or not (
            np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.bool_)
        ):
            raise TypeError(f"{what} has dtype {x.dtype}: expected numbers (float or int)")
        arr = x
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise ValueError(f"{what} must be 2-D (samples, features); it has shape {arr.shape}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{what} has {arr.shape[1]} columns but the model has {n_features} features"
        )
    if dtype == np.float32:
        arr = arr.astype(np.float32).astype(np.float64)
    elif arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    if not (arr.flags.c_contiguous or arr.flags.f_contiguous):
        arr = np.ascontiguousarray(arr)
    return arr, names


def _numeric_dtype(t) -> bool:
    try:
        return bool(np.issubdtype(t, np.number) or np.issubdtype(t, np.bool_))
    except TypeError:
        # pandas extension dtypes (nullable Int64, Float64, boolean)
        kind = getattr(t, "kind", "O")
        return kind in "biuf"
