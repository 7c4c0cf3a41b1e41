"""Converting the user's model objects into glassbox's native model, without file round trips.

`convert(model)` accepts: a `glassbox.Model` (native), a path to a glassbox run folder or model
file (XGBoost JSON, LightGBM text), scikit-learn tree models (see `_sklearn.py`), XGBoost
`Booster`/`XGBRegressor`/`XGBClassifier` and LightGBM `Booster`/`LGBMRegressor`/
`LGBMClassifier`. The result is a `Converted` record: the native model and what the explainers
need to present results the way shap does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, List, Optional

import numpy as np

from . import _native

SUPPORTED = (
    "scikit-learn DecisionTreeRegressor/Classifier, RandomForestRegressor/Classifier, "
    "ExtraTreesRegressor/Classifier, GradientBoostingRegressor/Classifier, "
    "HistGradientBoostingRegressor/Classifier; XGBoost Booster/XGBRegressor/XGBClassifier; "
    "LightGBM Booster/LGBMRegressor/LGBMClassifier; a glassbox.Model; a path to a glassbox run "
    "folder, model.json, XGBoost JSON or LightGBM text model"
)


@dataclass
class Converted:
    """A native model and how its outputs are presented."""

    native: Any
    """The `glassbox._native.Model`."""
    kind: str
    """What the user passed, for messages and reprs (e.g. `sklearn RandomForestClassifier`)."""
    input_dtype: Any = np.float64
    """Inputs are rounded through this dtype first (float32 for scikit-learn trees and
    XGBoost, which compare float32 values with their thresholds)."""
    classes: Optional[List[Any]] = None
    """Class labels of classifiers."""
    tree_output: str = "raw_value"
    """What the raw outputs are: `raw_value` (regression), `log_odds` (boosted classifiers,
    margins), `probability` (forest classifiers: leaves hold class fractions)."""
    output_names: List[str] = field(default_factory=list)
    """Names of the raw outputs."""

    @property
    def feature_names(self):
        return self.native.feature_names


def _qualname(obj) -> str:
    t = type(obj)
    return f"{t.__module__}.{t.__qualname__}"


def convert(model) -> Converted:
    """The native model for `model` (see the module docs); TypeError for anything else."""
    if isinstance(model, Converted):
        return model
    if isinstance(model, _native.Model):
        return _from_native(model, f"glassbox {model.kind}")
    if isinstance(model, (str, os.PathLike)):
        return _from_native(_native.Model.load(os.fspath(model)), os.fspath(model))
    module = type(model).__module__.split(".")[0]
    if module == "sklearn":
        from ._sklearn import convert_sklearn

        return convert_sklearn(model)
    if module == "xgboost":
        return _from_xgboost(model)
    if module == "lightgbm":
        return _from_lightgbm(model)
    raise TypeError(
        f"glassbox cannot explain a {_qualname(model)} with TreeExplainer; supported models: "
        f"{SUPPORTED}. Any other model: glassbox.KernelExplainer(model.predict, data)"
    )


def _from_native(native, kind: str) -> Converted:
    link = native.link
    if link == "identity":
        tree_output = "raw_value"
    else:
        tree_output = "log_odds"
    c = Converted(
        native=native, kind=kind, tree_output=tree_output, output_names=native.output_names
    )
    if native.kind == "xgboost model":
        # XGBoost compares float32 feature values with its (float32) thresholds: a model
        # loaded from a file or passed as a glassbox.Model must see the same inputs as the
        # Booster it came from.
        c.input_dtype = np.float32
    return c


def _from_xgboost(model) -> Converted:
    booster = model.get_booster() if hasattr(model, "get_booster") else model
    if type(booster).__name__ != "Booster":
        raise TypeError(
            f"glassbox cannot explain a {_qualname(model)} with TreeExplainer (not an XGBoost "
            f"Booster or scikit-learn wrapper); supported models: {SUPPORTED}"
        )
    raw = bytes(booster.save_raw(raw_format="json"))
    native = _native.Model.from_booster(raw, "xgboost", f"<{type(model).__name__}>")
    c = _from_native(native, f"xgboost {type(model).__name__}")
    c.input_dtype = np.float32
    c.classes = _classes(model)
    return c


def _from_lightgbm(model) -> Converted:
    booster = model
    if type(model).__name__ != "Booster" and hasattr(type(model), "booster_"):
        try:
            booster = model.booster_
        except (AttributeError, ValueError) as e:  # LGBMNotFittedError
            raise ValueError(
                f"the {type(model).__name__} is not fitted: call fit() before explaining it"
            ) from e
    if type(booster).__name__ != "Booster":
        raise TypeError(
            f"glassbox cannot explain a {_qualname(model)} with TreeExplainer (not a LightGBM "
            f"Booster or scikit-learn wrapper); supported models: {SUPPORTED}"
        )
    text = booster.model_to_string().encode("utf-8")
    native = _native.Model.from_booster(text, "lightgbm", f"<{type(model).__name__}>")
    c = _from_native(native, f"lightgbm {type(model).__name__}")
    c.classes = _classes(model)
    return c


def _classes(model):
    classes = getattr(model, "classes_", None)
    return None if classes is None else list(np.asarray(classes).tolist())
