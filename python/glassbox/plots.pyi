"""Type stubs of `glassbox.plots`: shap's bar, beeswarm, waterfall and dependence plots drawn by
the renderer of the `glassbox explain` command, as PNG and SVG."""

import os
from typing import Literal, Optional, Tuple, Union

from . import Explanation

OutputKey = Union[int, str, None]
"""An output of a multi-output explanation: its index or its name."""

_PathLike = Union[str, "os.PathLike[str]"]

class Figure:
    """A rendered plot: `png` bytes, `svg` text, `save(path)`; Jupyter displays it."""

    kind: str
    def __init__(
        self, png: bytes, svg: str, size: Tuple[int, int], kind: str = "plot"
    ) -> None:
        """A figure from its renderings and the PNG's size in pixels."""
    @property
    def png(self) -> bytes:
        """The figure as PNG file bytes."""
    @property
    def svg(self) -> str:
        """The figure as an SVG document."""
    @property
    def size(self) -> Tuple[int, int]:
        """The PNG's (width, height) in pixels."""
    def _repr_png_(self) -> bytes:
        """The PNG, for Jupyter."""
    def _repr_svg_(self) -> str:
        """The SVG, for Jupyter."""
    def save(self, path: _PathLike) -> str:
        """Writes a `.png` or `.svg` file (by the suffix), atomically; returns the path."""

def bar(
    explanation: Explanation,
    *,
    max_display: int = 12,
    output: OutputKey = None,
    path: Optional[_PathLike] = None,
) -> Figure:
    """Mean |SHAP value| per feature, largest first."""

def beeswarm(
    explanation: Explanation,
    *,
    max_display: int = 12,
    output: OutputKey = None,
    path: Optional[_PathLike] = None,
) -> Figure:
    """Every row's SHAP value of every feature, coloured by the feature's value."""

def waterfall(
    explanation: Explanation,
    row: int = 0,
    *,
    max_display: int = 12,
    output: OutputKey = None,
    path: Optional[_PathLike] = None,
) -> Figure:
    """How one row gets from the base value to its output, feature by feature."""

def dependence(
    explanation: Explanation,
    feature: Union[int, str],
    *,
    color: Union[int, str, Literal[False], None] = None,
    output: OutputKey = None,
    path: Optional[_PathLike] = None,
) -> Figure:
    """A feature's value against its SHAP value, coloured by an interacting feature."""

__all__ = ["Figure", "bar", "beeswarm", "dependence", "waterfall"]
