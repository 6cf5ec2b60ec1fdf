"""The analysis charts (matplotlib, drawn without a window for the report and the view) and
their helpers: the fitted line against numpy's least squares, the heat map's colour scale,
every point, label and value put where it belongs, and the report's SVG named for screen
readers."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.colors import to_hex

from socialcoder.analysis.charts import (
    draw_effects,
    draw_heatmap,
    draw_scatter,
    effects_figure,
    effects_svg,
    heatmap_figure,
    heatmap_svg,
    scatter_figure,
    scatter_svg,
)
from socialcoder.analysis.plots import UNDEFINED, fitted_line, residual_colour, text_colour

SVG = "{http://www.w3.org/2000/svg}"


def test_fitted_line_is_numpy_least_squares() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=40)
    y = 2.5 * x - 1.0 + rng.normal(scale=0.3, size=40)
    slope, icept = np.polyfit(x, y, 1)
    got = fitted_line([*x, math.nan], [*y, 1.0])  # a missing x is left out
    assert got == pytest.approx((slope, icept), rel=1e-10)
    assert fitted_line([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]) is None  # x does not vary
    assert fitted_line([1.0], [2.0]) is None


def test_residual_colour_scale() -> None:
    assert residual_colour(0.0) == "#ffffff"
    assert residual_colour(4.0) == residual_colour(9.0) == "#d55e00"  # saturated
    assert residual_colour(-4.0) == "#0072b2"
    assert residual_colour(None) == residual_colour(math.nan) == UNDEFINED
    weak, strong = residual_colour(1.0), residual_colour(3.0)
    assert int(weak[3:5], 16) > int(strong[3:5], 16)  # stronger is darker
    assert text_colour("#ffffff") == "#000000" and text_colour("#0072b2") == "#ffffff"


def test_scatter_draws_a_point_per_session_and_the_line() -> None:
    figure = scatter_figure()
    line = draw_scatter(
        figure, [1.0, 2.0, 3.0, math.nan], [2.0, 4.1, 5.9, 1.0], x_label="a<b", y_label="y"
    )
    (ax,) = figure.axes
    (dots,) = ax.collections
    assert dots.get_offsets().tolist() == [[1.0, 2.0], [2.0, 4.1], [3.0, 5.9]]  # NaN left out
    (fit,) = ax.get_lines()
    slope, icept = np.polyfit([1.0, 2.0, 3.0], [2.0, 4.1, 5.9], 1)
    assert line == pytest.approx((slope, icept))
    assert list(fit.get_ydata()) == pytest.approx([icept + slope, icept + 3 * slope])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a<b", "y")
    root = ET.fromstring(scatter_svg([1.0, 2.0], [3.0, 4.0], x_label="a<b", y_label="y"))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-label") == root.find(f"{SVG}title").text == "y against a<b"
    assert "a&lt;b" in scatter_svg([1.0], [2.0], x_label="a<b", y_label="y")


def test_effects_rows_and_heatmap_cells() -> None:
    figure = effects_figure(2)
    draw_effects(figure, [("predictor_within", -0.5, -0.6, -0.4), ("control", None, None, None)])
    (ax,) = figure.axes
    dots = ax.collections[-1]
    assert dots.get_offsets().tolist() == [[-0.5, 1.0]]  # the first term on top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["control", "predictor_within"]
    assert ax.get_xlabel() == "estimate (95% interval)"
    assert "not estimable" in [t.get_text() for t in ax.texts]
    svg = effects_svg([("predictor_within", -0.5, -0.6, -0.4)], title="Fixed effects")
    assert ET.fromstring(svg).get("aria-label") == "Fixed effects" and "predictor_within" in svg

    values = [[2.5, None, -1.0], [0.0, 5.0, -6.0]]
    figure = heatmap_figure(2, 3)
    draw_heatmap(figure, ["g1", "g2"], ["t1", "t2", "t3"], values)
    (ax,) = figure.axes
    (image,) = ax.images
    colours = [to_hex(c) for row in image.get_array() for c in row]
    assert colours == [residual_colour(v) for v in (2.5, None, -1.0, 0.0, 5.0, -6.0)]
    assert [t.get_text() for t in ax.texts] == ["2.50", "–", "-1.00", "0.00", "5.00", "-6.00"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["g1", "g2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["t1", "t2", "t3"]
    heat = heatmap_svg(["g1", "g2"], ["t1", "t2", "t3"], values, title="given -> target")
    root = ET.fromstring(heat)
    assert root.find(f"{SVG}title").text == "given -> target"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert [t for t in texts if t in {"2.50", "–", "-6.00"}] == ["2.50", "–", "-6.00"]
