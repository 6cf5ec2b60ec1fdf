"""The report's SVG plots and the helpers the window shares with them: the fitted line against
numpy's least squares, the heat map's colour scale, and well-formed SVG with every value
written where it belongs."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from socialcoder.analysis.plots import (
    UNDEFINED,
    fitted_line,
    residual_colour,
    svg_effects,
    svg_heatmap,
    svg_scatter,
    text_colour,
)

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


def test_scatter_is_svg_with_a_point_per_session_and_the_line() -> None:
    svg = svg_scatter([1.0, 2.0, 3.0, math.nan], [2.0, 4.1, 5.9, 1.0], x_label="a<b", y_label="y")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f"{SVG}circle")) == 3
    assert len(root.findall(f"{SVG}line")) == 3  # two axes and the fitted line
    assert "a&lt;b" in svg


def test_effects_rows_and_heatmap_cells() -> None:
    svg = svg_effects([("predictor_within", -0.5, -0.6, -0.4), ("control", None, None, None)])
    root = ET.fromstring(svg)
    assert len(root.findall(f"{SVG}circle")) == 1
    assert "not estimable" in svg and "predictor_within" in svg
    heat = svg_heatmap(["g1", "g2"], ["t1", "t2", "t3"], [[2.5, None, -1.0], [0.0, 5.0, -6.0]])
    root = ET.fromstring(heat)
    rects = root.findall(f"{SVG}rect")[1:]  # the first is the background
    assert len(rects) == 6
    assert [r.get("fill") for r in rects] == [
        residual_colour(v) for v in (2.5, None, -1.0, 0.0, 5.0, -6.0)
    ]
    texts = [t.text for t in root.findall(f"{SVG}text")]
    cells = [t for t in texts if t and (t[0].isdigit() or t[0] in "-–")]
    assert cells == ["2.50", "–", "-1.00", "0.00", "5.00", "-6.00"]
