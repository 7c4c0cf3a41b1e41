"""glassbox.plots: the CLI's renderer from Python, for a regression and a multi-class XGBoost
model. Oracles: the PNG signature and IHDR size, SVG that parses as XML, files holding exactly
the figure's bytes, and errors that list the valid choices."""

import os
import pickle
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

import glassbox
from glassbox import plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FEATURES = ["age", "dose (mg)", "weight", "height", "score"]
KINDS = ["bar", "beeswarm", "waterfall", "dependence"]


def _frame(n, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, len(FEATURES))), columns=FEATURES)


@pytest.fixture(scope="module")
def regression():
    x = _frame(300, 0)
    y = 2 * x["age"] - x["dose (mg)"] * x["weight"] + 0.1 * x["score"]
    model = xgb.XGBRegressor(n_estimators=12, max_depth=3, random_state=0, n_jobs=1)
    model.fit(x, y)
    return glassbox.TreeExplainer(model)(x.iloc[:60])


@pytest.fixture(scope="module")
def multiclass():
    x = _frame(300, 1)
    y = np.digitize(x["age"] + x["weight"], [-0.5, 0.5])
    model = xgb.XGBClassifier(n_estimators=8, max_depth=3, random_state=0, n_jobs=1)
    model.fit(x, y)
    return glassbox.TreeExplainer(model)(x.iloc[:60])


def _draw(kind, e, **kw):
    if kind == "waterfall":
        return plots.waterfall(e, 3, **kw)
    if kind == "dependence":
        return plots.dependence(e, "age", **kw)
    return getattr(plots, kind)(e, **kw)


def _png_size(png):
    """(width, height) from the IHDR chunk, after checking the chunk layout and CRCs."""
    assert png[:8] == PNG_SIGNATURE
    pos, chunks = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        body = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    w, h, depth, color = struct.unpack(">IIBB", chunks[0][1][:10])
    channels = {2: 3, 6: 4, 0: 1, 4: 2}[color]
    assert depth == 8 and len(raw) == h * (1 + w * channels)
    return w, h


def _check(fig):
    assert isinstance(fig, plots.Figure)
    assert fig.png.startswith(PNG_SIGNATURE)
    assert _png_size(fig.png) == fig.size
    root = ET.fromstring(fig.svg)
    assert root.tag.endswith("svg")
    assert fig._repr_png_() == fig.png and fig._repr_svg_() == fig.svg
    w, h = fig.size
    assert 200 <= w <= 3000 and 200 <= h <= 3000


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_for_regression(regression, kind):
    fig = _draw(kind, regression)
    _check(fig)
    assert fig.kind == kind
    assert "age" in fig.svg


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_for_each_class_of_a_multiclass_model(multiclass, kind):
    figs = [_draw(kind, multiclass, output=k) for k in range(3)]
    for f in figs:
        _check(f)
    assert len({f.png for f in figs}) == 3
    # An output by name is the same picture as by index.
    assert _draw(kind, multiclass, output="2").png == figs[2].png
    assert _draw(kind, multiclass, output=-1).png == figs[2].png


def test_rendering_is_deterministic(regression):
    a, b = plots.beeswarm(regression), plots.beeswarm(regression)
    assert a.png == b.png and a.svg == b.svg


def test_options_change_the_picture(regression):
    full = plots.bar(regression)
    short = plots.bar(regression, max_display=2)
    assert full.size[1] > short.size[1]
    assert plots.waterfall(regression, 0).png != plots.waterfall(regression, 1).png
    assert plots.waterfall(regression, -1).png == plots.waterfall(regression, 59).png
    auto = plots.dependence(regression, "dose (mg)")
    by_score = plots.dependence(regression, "dose (mg)", color="score")
    plain = plots.dependence(regression, 1, color=False)
    assert len({auto.png, by_score.png, plain.png}) == 3
    assert plots.dependence(regression, 1, color=4).png == by_score.png
    assert "score" in by_score.svg and "score" not in plain.svg  # the colour bar's label


def test_dependence_with_interaction_values():
    x = _frame(200, 2)
    y = x["age"] * x["height"] + x["score"]
    model = xgb.XGBRegressor(n_estimators=6, max_depth=3, random_state=0, n_jobs=1).fit(x, y)
    e = glassbox.TreeExplainer(model)(x.iloc[:40], interactions=True)
    assert e.interactions is not None
    _check(plots.dependence(e, "age"))


def test_an_explanation_without_data_or_names_still_plots():
    rng = np.random.default_rng(3)
    e = glassbox.Explanation(rng.normal(size=(20, 3)), np.zeros(20))
    for kind in ("bar", "beeswarm", "waterfall"):
        fig = _draw(kind, e)
        _check(fig)
        assert "f2" in fig.svg
    with pytest.raises(ValueError, match="dependence plot needs the explained feature values"):
        plots.dependence(e, "f1")


@pytest.mark.parametrize("suffix", [".png", ".svg", ".PNG"])
def test_save_writes_exactly_the_figure_and_no_temporary_file(regression, tmp_path, suffix):
    fig = plots.bar(regression)
    target = tmp_path / f"bar{suffix}"
    assert fig.save(target) == str(target)
    expected = fig.png if suffix.lower() == ".png" else fig.svg.encode("utf-8")
    assert target.read_bytes() == expected
    assert os.listdir(tmp_path) == [target.name]
    # Saving again replaces the file whole.
    plots.beeswarm(regression).save(target)
    assert os.listdir(tmp_path) == [target.name]


def test_path_saves_directly(multiclass, tmp_path):
    fig = plots.waterfall(multiclass, 0, output=1, path=tmp_path / "w.svg")
    assert (tmp_path / "w.svg").read_text(encoding="utf-8") == fig.svg
    fig = plots.dependence(multiclass, "weight", output="0", path=str(tmp_path / "d.png"))
    assert (tmp_path / "d.png").read_bytes() == fig.png
    assert sorted(os.listdir(tmp_path)) == ["d.png", "w.svg"]


def test_unknown_suffix_is_refused_and_writes_nothing(regression, tmp_path):
    fig = plots.bar(regression)
    for name in ("bar.jpg", "bar", "bar.png.txt"):
        with pytest.raises(ValueError, match=r"\.png, \.svg"):
            fig.save(tmp_path / name)
    with pytest.raises(ValueError, match=r"\.png, \.svg"):
        plots.bar(regression, path=tmp_path / "bar.pdf")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_folder_is_an_os_error(regression, tmp_path):
    with pytest.raises(OSError, match="does not exist"):
        plots.bar(regression).save(tmp_path / "nowhere" / "bar.png")


def test_unknown_feature_lists_the_features(regression):
    with pytest.raises(ValueError, match="'bmi' is not a feature") as e:
        plots.dependence(regression, "bmi")
    assert "age, dose (mg), weight, height, score" in str(e.value)
    with pytest.raises(ValueError, match="color 'bmi' is not a feature.*age, dose"):
        plots.dependence(regression, "age", color="bmi")
    with pytest.raises(ValueError, match="feature 7 is out of range.*5 features"):
        plots.dependence(regression, 7)
    with pytest.raises(TypeError, match="feature must be a feature name or index"):
        plots.dependence(regression, 1.5)


def test_multi_output_needs_output_and_lists_the_outputs(multiclass):
    for kind in KINDS:
        with pytest.raises(ValueError, match=r"3 outputs.*output=.*0 \('0'\), 1 \('1'\), 2"):
            _draw(kind, multiclass)
    with pytest.raises(ValueError, match=r"output 'cat' is not one of.*0 \('0'\)"):
        plots.bar(multiclass, output="cat")
    with pytest.raises(ValueError, match="output 3 is out of range"):
        plots.bar(multiclass, output=3)
    with pytest.raises(TypeError, match="output must be an index or an output name"):
        plots.bar(multiclass, output=1.0)


def test_single_output_refuses_another_output(regression):
    plots.bar(regression, output=0)
    with pytest.raises(ValueError, match="single output"):
        plots.bar(regression, output=1)


def test_bad_options_are_value_or_type_errors(regression):
    with pytest.raises(ValueError, match="row 60 is out of range.*60 row"):
        plots.waterfall(regression, 60)
    with pytest.raises(ValueError, match="max_display must be at least 1"):
        plots.bar(regression, max_display=0)
    with pytest.raises(TypeError, match="max_display must be a positive integer"):
        plots.beeswarm(regression, max_display="all")
    with pytest.raises(TypeError, match="takes a glassbox.Explanation"):
        plots.bar(np.zeros((3, 3)))
    with pytest.raises(TypeError, match="row must be an integer"):
        plots.waterfall(regression, "first")


def test_non_finite_values_are_refused_naming_the_row():
    v = np.ones((4, 2))
    v[2, 1] = np.nan
    e = glassbox.Explanation(v, np.zeros(4), np.ones((4, 2)), ["a", "b"])
    with pytest.raises(ValueError, match="row 2, feature 'b'"):
        plots.beeswarm(e)


def test_the_native_renderer_refuses_unknown_kinds_and_bad_shapes():
    from glassbox import _native

    v, b, d = np.zeros((3, 2)), np.zeros(3), np.zeros((3, 2))
    with pytest.raises(ValueError, match="'pie' is not one of: bar, beeswarm, waterfall, depend"):
        _native.render_plot("pie", v, b, d, ["a", "b"], "y")
    with pytest.raises(ValueError, match="feature names"):
        _native.render_plot("bar", v, b, d, ["a"], "y")
    with pytest.raises(ValueError, match="base values"):
        _native.render_plot("bar", v, np.zeros(2), d, ["a", "b"], "y")
    with pytest.raises(ValueError, match="needs a feature"):
        _native.render_plot("dependence", v, b, d, ["a", "b"], "y")
    png, svg, size = _native.render_plot("bar", v, b, d, ["a", "b"], "y", scale=2)
    assert _png_size(png) == size


def test_figures_pickle(regression):
    fig = plots.bar(regression)
    back = pickle.loads(pickle.dumps(fig))
    assert back.png == fig.png and back.svg == fig.svg and back.size == fig.size
