"""A user's Python model function as a native glassbox model, for the model-agnostic methods
(KernelSHAP, LIME, permutation importance, partial dependence).

The native side hands the function float64 batches of shape (rows, features) and expects
float64 (rows, outputs) back; `ModelFunction` adapts the user's function to that (a DataFrame
with the data's columns when the data was a DataFrame, any array-like output reshaped) and
checks what comes back. It is a top-level class, so a model built on a picklable function
pickles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

import numpy as np

from . import _native
from ._convert import SUPPORTED, convert
from ._data import as_matrix


class ModelFunction:
    """`f` called on batches of raw feature values, shape (rows, features), returning float64
    outputs of shape (rows, outputs).

    f: the user's function of a 2-D array (e.g. `model.predict_proba`); called once per batch.
    columns: when set, `f` gets a float64 pandas DataFrame with these column names instead of a
        numpy array (the perturbed values of LIME and the grids of partial dependence are not
        integers, so the data's own dtypes are not restored).
    n_outputs: the number of outputs `f` returns (checked on every call once set).
    """

    def __init__(self, f, columns=None, n_outputs: Optional[int] = None):
        self.f = f
        self.columns = None if columns is None else list(columns)
        self.n_outputs = n_outputs

    def raw(self, x):
        """`f` of `x` (float64, shape (rows, features)) as `f` returns it."""
        if self.columns is not None:
            import pandas as pd

            x = pd.DataFrame(x, columns=self.columns, copy=False)
        return self.f(x)

    def __call__(self, x):
        """The outputs for `x` (float64, shape (rows, features)): float64, (rows, outputs)."""
        rows = x.shape[0]
        out = self.raw(x)
        arr = as_outputs(out, rows)
        if self.n_outputs is not None and arr.shape[1] != self.n_outputs:
            raise ValueError(
                f"the model function returned {arr.shape[1]} output(s) per row for a batch of "
                f"{rows} rows; it returned {self.n_outputs} before"
            )
        return arr

    def __repr__(self):
        name = getattr(self.f, "__qualname__", None) or type(self.f).__name__
        return f"glassbox.ModelFunction({name})"


def as_outputs(out, rows: int) -> np.ndarray:
    """A model function's output for `rows` rows as float64 (rows, outputs): (rows,) and
    (rows, outputs) arrays (numpy, pandas, lists) are accepted; anything else is a ValueError
    naming the shape."""
    if hasattr(out, "to_numpy"):
        out = out.to_numpy()
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"the model function must return numbers, shape ({rows},) or ({rows}, outputs); "
            f"it returned a {type(out).__name__} that is not a float array ({e})"
        ) from None
    if arr.ndim not in (1, 2) or arr.shape[0] != rows:
        raise ValueError(
            f"the model function returned shape {arr.shape} for {rows} rows; expected "
            f"({rows},) or ({rows}, outputs)"
        )
    return arr.reshape(rows, -1)


@dataclass
class Agnostic:
    """A model ready for the model-agnostic methods."""

    native: Any
    """The `glassbox._native.Model`."""
    vector_out: bool
    """Whether results keep an outputs axis: the function returned 2-D arrays (as shap
    decides), or a converted model has several outputs."""
    function: Optional[ModelFunction] = None
    """The adapted user function (None for converted models)."""
    input_dtype: Any = np.float64
    """Inputs are rounded through this dtype first (converted float32 tree models)."""
    classes: Optional[List[Any]] = None
    """Class labels of classifiers, where known."""


def from_function(
    f,
    data,
    *,
    feature_names=None,
    output_names=None,
    link: str = "identity",
    what: str = "data",
):
    """`f` as a native model, its output shape discovered by one call on the first row of
    `data` (array or DataFrame, shape (rows, features)). Returns the `Agnostic` model and
    `data` as a float64 matrix."""
    if not callable(f):
        raise TypeError(
            f"the model must be a function of a 2-D array (e.g. model.predict); got a "
            f"{type(f).__name__}"
        )
    arr, columns = as_matrix(data, what=what)
    if arr.shape[0] == 0:
        raise ValueError(f"{what} has no rows")
    function = ModelFunction(f, columns)
    first = function.raw(np.ascontiguousarray(arr[:1]))
    probe = first.to_numpy() if hasattr(first, "to_numpy") else first
    vector_out = np.ndim(probe) == 2
    function.n_outputs = as_outputs(first, 1).shape[1]
    names = feature_names if feature_names is not None else columns
    if names is not None and len(names) != arr.shape[1]:
        raise ValueError(f"{len(names)} feature names for {arr.shape[1]} features")
    native = _native.Model.from_callable(
        function,
        arr.shape[1],
        function.n_outputs,
        None if names is None else [str(n) for n in names],
        None if output_names is None else [str(n) for n in output_names],
        link,
    )
    return Agnostic(native, vector_out, function, classes=_classes_of(f)), arr


def resolve(model, X, *, what="X"):
    """`model` for the model-agnostic methods: anything `glassbox._convert.convert` accepts
    (tree models, glassbox models), else any callable of a 2-D array, else an estimator's
    `predict_proba` (classifiers) or `predict`. Returns the `Agnostic` model and `X` as a
    float64 matrix (samples, features) in the model's feature order."""
    try:
        converted = convert(model)
    except TypeError:
        f = model
        if not callable(model):
            if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
                f = model.predict_proba
            elif hasattr(model, "predict"):
                f = model.predict
            else:
                raise TypeError(
                    f"glassbox cannot explain a {type(model).__module__}."
                    f"{type(model).__qualname__}: pass a function of a 2-D array (e.g. "
                    f"model.predict), an estimator with predict / predict_proba, or one of: "
                    f"{SUPPORTED}"
                ) from None
        return from_function(f, X, what=what)
    native = converted.native
    arr, _ = as_matrix(
        X,
        native.feature_names,
        what=what,
        dtype=converted.input_dtype,
        n_features=native.n_features,
    )
    return (
        Agnostic(
            native,
            native.n_outputs > 1,
            input_dtype=converted.input_dtype,
            classes=converted.classes,
        ),
        arr,
    )


def _classes_of(f):
    """Class labels of the estimator a bound classifier method (`predict_proba`,
    `decision_function`) belongs to, else None."""
    owner = getattr(f, "__self__", None)
    if getattr(f, "__name__", "") not in ("predict_proba", "decision_function"):
        return None
    classes = getattr(owner, "classes_", None)
    return None if classes is None else list(np.asarray(classes).tolist())
