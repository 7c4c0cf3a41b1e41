"""`glassbox.plots.Figure`: a rendered plot (PNG bytes and SVG text) that notebooks display and
`save` writes."""

from __future__ import annotations

import os
from typing import Tuple

from ._atomic import write_bytes_atomic

SUFFIXES = (".png", ".svg")


class Figure:
    """A rendered glassbox plot, the same picture `glassbox explain` writes.

    `png` (the PNG file's bytes) and `svg` (the SVG document) hold the rendering; `size` is the
    PNG's (width, height) in pixels. Jupyter displays the figure by itself (`_repr_svg_`,
    `_repr_png_`); `save(path)` writes a `.png` or `.svg` file.
    """

    __slots__ = ("_png", "_svg", "_size", "kind")

    def __init__(self, png: bytes, svg: str, size: Tuple[int, int], kind: str = "plot"):
        self._png = bytes(png)
        self._svg = str(svg)
        self._size = (int(size[0]), int(size[1]))
        self.kind = kind

    @property
    def png(self) -> bytes:
        """The figure as PNG file bytes."""
        return self._png

    @property
    def svg(self) -> str:
        """The figure as an SVG document."""
        return self._svg

    @property
    def size(self) -> Tuple[int, int]:
        """The PNG's (width, height) in pixels."""
        return self._size

    def _repr_png_(self) -> bytes:
        """The PNG, for Jupyter."""
        return self._png

    def _repr_svg_(self) -> str:
        """The SVG, for Jupyter."""
        return self._svg

    def save(self, path) -> str:
        """Writes the figure to `path`: PNG for a `.png` suffix, SVG for `.svg` (any case).

        The file is written under a temporary name in the same folder and renamed when
        complete, so no partial file is ever left at `path`. Returns the path written. Any
        other suffix is a ValueError.
        """
        p = os.fspath(path)
        suffix = os.path.splitext(p)[1].lower()
        if suffix == ".png":
            data = self._png
        elif suffix == ".svg":
            data = self._svg.encode("utf-8")
        else:
            raise ValueError(
                f"cannot save a figure as {p!r}: the suffix must be one of "
                f"{', '.join(SUFFIXES)} (PNG or SVG), not {suffix or 'none'!r}"
            )
        return write_bytes_atomic(p, data)

    def __repr__(self) -> str:
        w, h = self._size
        return f"glassbox.plots.Figure({self.kind}, {w}x{h} px)"
