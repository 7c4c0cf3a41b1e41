"""`glassbox.plots`: shap's bar, beeswarm, waterfall and dependence plots, drawn by the same
renderer as the `glassbox explain` command (PNG and SVG, no matplotlib).

    e = glassbox.TreeExplainer(model)(X)
    glassbox.plots.beeswarm(e)                        # shown inline in Jupyter
    glassbox.plots.waterfall(e, row=3).save("row3.svg")
    glassbox.plots.bar(e_multiclass, output="setosa", path="bar.png")

Every function returns a `Figure` (`.png` bytes, `.svg` text, `.save(path)`); `path=` saves it
at once (PNG or SVG by the suffix). Explanations of several outputs (classes) need `output=`:
an index or an output name.
"""

from __future__ import annotations

import numbers
from typing import Union

import numpy as np

from . import _native
from ._explanation import Explanation
from ._figure import Figure

__all__ = ["Figure", "bar", "beeswarm", "dependence", "waterfall"]

OutputKey = Union[int, str, None]


def bar(
    explanation: Explanation,
    *,
    max_display: int = 12,
    output: OutputKey = None,
    path=None,
) -> Figure:
    """Global importance: mean |SHAP value| per feature, largest first; at most `max_display`
    bars, the last pooling the remaining features. `output`: the output (index or name) of a
    multi-output explanation. `path`: also save the figure there (`.png` or `.svg`)."""
    return _render("bar", explanation, output, path, max_display=_count(max_display))


def beeswarm(
    explanation: Explanation,
    *,
    max_display: int = 12,
    output: OutputKey = None,
    path=None,
) -> Figure:
    """One dot per row and feature at its SHAP value, coloured by the feature's value (grey:
    missing), features by mean |SHAP value|; at most `max_display` rows of dots, the last
    pooling the rest. `output`, `path`: as in `bar`."""
    return _render("beeswarm", explanation, output, path, max_display=_count(max_display))


def waterfall(
    explanation: Explanation,
    row: int = 0,
    *,
    max_display: int = 12,
    output: OutputKey = None,
    path=None,
) -> Figure:
    """How row `row` of the explanation gets from the base value E[f(X)] to its output f(x):
    one arrow per feature (red up, blue down), largest first, at most `max_display` with the
    rest pooled. `row` may be negative (from the end). `output`, `path`: as in `bar`."""
    n = len(_checked(explanation, "waterfall"))
    r = _index(row, "row")
    if not -n <= r < n:
        raise ValueError(f"row {row} is out of range: the explanation has {n} row(s)")
    r %= n
    return _render("waterfall", explanation, output, path, max_display=_count(max_display), row=r)


def dependence(
    explanation: Explanation,
    feature: Union[int, str],
    *,
    color: Union[int, str, bool, None] = None,
    output: OutputKey = None,
    path=None,
) -> Figure:
    """A feature's value (x) against its SHAP value (y), one dot per row, over a histogram of
    the feature's values. `feature`: a name or index. `color`: None colours the dots by the
    feature that interacts most with `feature` (SHAP interaction values when the explanation
    has them, else shap's heuristic), a name or index colours them by that feature, False
    draws one colour. `output`, `path`: as in `bar`."""
    names = _feature_names(_checked(explanation, "dependence"))
    if explanation.data is None:
        raise ValueError(
            "a dependence plot needs the explained feature values: this explanation has no "
            "data (Explanation(values, base_values, data=X, ...))"
        )
    name = _feature_name(feature, names, "feature")
    if color is None or isinstance(color, (bool, np.bool_)):
        c = None if color is None else bool(color)
    else:
        c = _feature_name(color, names, "color")
    return _render("dependence", explanation, output, path, feature=name, color=c)


# -- helpers ----------------------------------------------------------------------------------


def _checked(explanation, kind) -> Explanation:
    if not isinstance(explanation, Explanation):
        raise TypeError(
            f"glassbox.plots.{kind} takes a glassbox.Explanation (from an explainer's "
            f"__call__), not {type(explanation).__name__}"
        )
    return explanation


def _render(kind, explanation, output, path, **options) -> Figure:
    _checked(explanation, kind)
    k, output_name = _output(explanation, output)
    values = explanation.values
    base = np.asarray(explanation.base_values, dtype=np.float64)
    interactions = explanation.interactions
    if values.ndim == 3:
        values = values[:, :, k]
        base = base[:, k] if base.ndim == 2 else base
        if interactions is not None and np.ndim(interactions) == 4:
            interactions = np.asarray(interactions)[..., k]
    n, m = values.shape
    base = np.broadcast_to(base.reshape(-1) if base.size == n else base, (n,))
    if interactions is not None and kind == "dependence":
        interactions = np.ascontiguousarray(interactions, dtype=np.float64)
        if interactions.shape != (n, m, m):
            interactions = None
    else:
        interactions = None
    png, svg, size = _native.render_plot(
        kind,
        np.ascontiguousarray(values, dtype=np.float64),
        np.ascontiguousarray(base, dtype=np.float64),
        _data(explanation, n, m),
        _feature_names(explanation),
        output_name,
        method=explanation.method or "SHAP",
        interactions=interactions,
        **options,
    )
    fig = Figure(png, svg, size, kind)
    if path is not None:
        fig.save(path)
    return fig


def _output(e: Explanation, output):
    """The index of the output to plot and its display name."""
    names = e.output_names
    if e.values.ndim == 2:
        name = names[0] if names else "model output"
        if output is None or (names and output == names[0]):
            return 0, name
        if isinstance(output, numbers.Integral) and not isinstance(output, bool):
            if int(output) in (0, -1):
                return 0, name
        raise ValueError(
            f"output={output!r}: this explanation has a single output ({name!r}); "
            "leave output=None"
        )
    k = e.values.shape[2]
    names = list(names) if names is not None and len(names) == k else [str(i) for i in range(k)]
    choices = ", ".join(f"{i} ({n!r})" for i, n in enumerate(names))
    if output is None:
        raise ValueError(
            f"this explanation has {k} outputs; choose one with output= (an index or a "
            f"name): {choices}"
        )
    if isinstance(output, str):
        if output in names:
            return names.index(output), output
        raise ValueError(f"output {output!r} is not one of the explanation's outputs: {choices}")
    if isinstance(output, numbers.Integral) and not isinstance(output, bool):
        i = int(output)
        if -k <= i < k:
            i %= k
            return i, names[i]
        raise ValueError(f"output {i} is out of range; the explanation's outputs are: {choices}")
    raise TypeError(f"output must be an index or an output name, not {type(output).__name__}")


def _feature_names(e: Explanation):
    m = e.values.shape[1]
    names = e.feature_names
    if names is None:
        return [f"f{j}" for j in range(m)]
    names = [str(n) for n in names]
    if len(names) != m:
        raise ValueError(
            f"the explanation has {len(names)} feature names for {m} features"
        )
    return names


def _feature_name(key, names, what) -> str:
    """`key` (a name or an index) as a feature name; names are checked by the renderer, which
    lists the valid ones."""
    if isinstance(key, str):
        return key
    i = _index(key, what, "a feature name or index")
    if not -len(names) <= i < len(names):
        listed = f" ({', '.join(names)})" if names else ""
        raise ValueError(
            f"{what} {i} is out of range: the explanation has {len(names)} features{listed}"
        )
    return names[i]


def _data(e: Explanation, n: int, m: int):
    if e.data is None:
        return np.full((n, m), np.nan)
    try:
        data = np.asarray(e.data, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            "the explanation's data must be numeric to be plotted (it colours the dots and "
            f"labels the rows); it has dtype {np.asarray(e.data).dtype}"
        ) from None
    if data.shape != (n, m):
        raise ValueError(f"the explanation's data has shape {data.shape}; expected ({n}, {m})")
    return np.ascontiguousarray(data)


def _index(v, what, expected="an integer") -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{what} must be {expected}, not {type(v).__name__}")
    return int(v)


def _count(v) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"max_display must be a positive integer, not {type(v).__name__}")
    if v < 1:
        raise ValueError(f"max_display must be at least 1, not {v}")
    return int(v)
