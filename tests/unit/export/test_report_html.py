"""The HTML reliability report's rendering, without a database or a window: the colour rule,
the grey 'too few units', the charts as inline SVG (the same data gives the same bytes), and
matplotlib loaded only when a chart is drawn."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from socialcoder.export.reliability_charts import AlphaPoint, draw_alpha, new_figure, svg
from socialcoder.export.reliability_figures import REPORT_BACKGROUNDS, dimension_row, state
from socialcoder.export.report_html import ReportData, render

ROOT = Path(__file__).resolve().parents[3]


def item(
    alpha: float | None, ci: tuple[float, float] | None, *, enough: bool = True
) -> dict[str, Any]:
    return {
        "key": "k",
        "label": "K",
        "scale": "nominal",
        "level": "nominal",
        "unit": "segment",
        "krippendorff_alpha": alpha,
        "alpha_ci95": list(ci) if ci else None,
        "pairable_units": 40,
        "pairable_values": 80,
        "sample_size": {"enough": enough},
        "notes": ["a note"],
        "groups": [],
    }


@dataclass(frozen=True)
class Week:
    week: str
    dimension: str
    alpha: float | None


def data(dims: list[dict[str, Any]]) -> ReportData:
    return ReportData(
        study="S",
        codebook="C",
        codebook_version="1",
        selection={"coders": ["ana", "ben"], "dimensions": None},
        bootstrap=100,
        seed=3,
        bootstrap_by="transcript",
        level=None,
        computed_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        dimensions=dims,
        transcripts=[],
        weeks=[Week("2026-W01", "k", 0.7), Week("2026-W02", "k", 0.9)],
        labels={"k": "K"},
    )


def test_the_colour_follows_the_lower_end_of_the_interval() -> None:
    cases = [
        (item(0.95, (0.81, 0.99)), "reliable", "#cdeccd"),
        (item(0.95, (0.70, 0.99)), "tentative", "#fde7c2"),  # the point estimate is not judged
        (item(0.70, (0.60, 0.80)), "not reliable", "#f7cccc"),
        (item(0.90, None, enough=False), "too few units", "#e0e0e0"),
        (item(0.90, None), "no interval", None),
        (item(None, None), "undefined", None),
    ]
    for d, expected_state, colour in cases:
        assert state(d) == expected_state
        cell = dimension_row(d)[2]
        assert REPORT_BACKGROUNDS.get(cell.background or "") == colour
        page = render(data([d]))
        if colour:
            assert f"style='background:{colour}'" in page
    grey = render(data([item(0.9, None, enough=False)]))
    assert ">too few units</td>" in grey


def test_the_report_states_its_settings_and_draws_two_svg_charts() -> None:
    page = render(data([item(0.95, (0.81, 0.99))]), saved_at=datetime(2026, 1, 6, tzinfo=UTC))
    assert "coders: ana, ben" in page
    assert "100 replicates resampling transcripts, seed 3" in page
    assert "<b>Saved</b>" in page
    assert page.count("<svg") == 2 and "<script" not in page
    assert "2026-W02" in page  # the drift chart's weeks, as text in the SVG
    assert render(data([item(0.95, (0.81, 0.99))])) == render(data([item(0.95, (0.81, 0.99))]))


def test_the_chart_svg_is_the_same_for_the_same_points() -> None:
    points = [AlphaPoint("A", 0.8, 0.7, 0.9), AlphaPoint("B", None)]
    first, second = new_figure(), new_figure()
    draw_alpha(first, points)
    draw_alpha(second, points)
    assert svg(first) == svg(second)
    assert "α undefined" in svg(first)


def test_rendering_modules_load_no_plotting_library_until_a_chart_is_drawn() -> None:
    probe = (
        "import sys, socialcoder.export.report_html, socialcoder.services.report\n"
        "print('matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
