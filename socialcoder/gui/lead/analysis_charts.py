"""The charts of Lead > Analysis: matplotlib canvases drawn by the same code as the HTML
report's (:mod:`socialcoder.analysis.charts`) in the theme's colours, each telling screen
readers what it now shows: the scatter of a correlation pair with its least-squares line, the
lagged model's effects with their 95% intervals, the sequential matrix's adjusted residuals as
a heat map."""

from __future__ import annotations

import math

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from PySide6.QtWidgets import QWidget

from socialcoder.analysis.charts import (
    NOT_ESTIMABLE,
    cell_text,
    draw_effects,
    draw_heatmap,
    draw_scatter,
)
from socialcoder.analysis.plots import Z_CRIT, residual_colour
from socialcoder.export.reliability_charts import new_figure
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.lead.charts import chart_style, offer_save


class _Canvas(FigureCanvasQTAgg):
    """A matplotlib canvas drawn by :mod:`socialcoder.analysis.charts` in the theme's
    colours (:func:`~socialcoder.gui.lead.charts.chart_style`), named for screen readers."""

    def __init__(self, name: str, accessible: str, description: str, parent: QWidget | None):
        super().__init__(new_figure(5.6, 4.0))
        self.setParent(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.about = description
        annotate(self, description=description)
        self.setMinimumSize(320, 240)
        self.save_action = offer_save(self, f"{name.removesuffix('_chart')}.png")

    def _drawn(self, summary: str) -> None:
        """Tell screen readers (and the tooltip) what the chart now shows; draw it."""
        text = f"{self.about}. {summary}" if summary else self.about
        self.setAccessibleDescription(text)
        self.setToolTip(summary or self.about)
        self.draw_idle()


class ScatterChart(_Canvas):
    """The sessions of one pair and the least-squares line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "scatter_chart",
            "Scatter plot of the selected pair with its fitted line",
            "One dot per session for the pair selected in the table, with the least-squares "
            "line; the table has the figures",
            parent,
        )
        self.points: list[tuple[float, float]] = []
        self.line: tuple[float, float] | None = None

    def show_points(self, xs: list[float], ys: list[float], x_label: str, y_label: str) -> None:
        self.points = list(zip(xs, ys, strict=True))
        self.line = draw_scatter(
            self.figure,
            xs,
            ys,
            x_label=x_label,
            y_label=y_label,
            title=f"{y_label} by {x_label}",
            style=chart_style(),
        )
        fit = (
            ""
            if self.line is None
            else f"; least-squares slope {self.line[0]:.3g}, intercept {self.line[1]:.3g}"
        )
        self._drawn(f"{y_label} by {x_label}: {len(self.points)} sessions{fit}")


class EffectsChart(_Canvas):
    """Estimates (dots) with their 95% intervals (whiskers), one row per term, 0 dashed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "effects_chart",
            "Within and between effects with 95% intervals",
            "Each term's estimate with its 95% interval, zero dashed; the table has the figures",
            parent,
        )
        self.effects: list[tuple[str, float | None, float | None, float | None]] = []

    def show_effects(
        self, effects: list[tuple[str, float | None, float | None, float | None]]
    ) -> None:
        self.effects = list(effects)
        draw_effects(self.figure, self.effects, style=chart_style())
        self._drawn(
            "; ".join(
                f"{label}: "
                + (NOT_ESTIMABLE if est is None else f"{est:.3g}")
                + (f" ({lo:.3g} to {hi:.3g})" if lo is not None and hi is not None else "")
                for label, est, lo, hi in self.effects
            )
        )


class HeatmapChart(_Canvas):
    """The adjusted residuals of the sequential matrix, given codes in rows, target codes in
    columns, each cell coloured by its residual and written in it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "heatmap",
            "Heat map of adjusted residuals: given codes in rows, target codes in columns",
            "Each cell: how much more (positive) or less (negative) often the target code "
            "follows the given code than chance; beyond 1.96 in size is notable",
            parent,
        )
        self.rows: list[str] = []
        self.columns: list[str] = []
        self.values: list[list[float | None]] = []

    def show_residuals(
        self,
        rows: list[str],
        columns: list[str],
        values: list[list[float | None]],
        title: str = "",
    ) -> None:
        self.rows, self.columns, self.values = list(rows), list(columns), [list(v) for v in values]
        draw_heatmap(self.figure, rows, columns, values, title=title, style=chart_style())
        notable = [
            f"{r} -> {c} {z:.2f}"
            for r, vals in zip(rows, values, strict=True)
            for c, z in zip(columns, vals, strict=True)
            if z is not None and math.isfinite(z) and abs(z) >= Z_CRIT
        ]
        self._drawn(
            f"{len(rows)} given x {len(columns)} target codes; "
            + (f"notable: {'; '.join(notable)}" if notable else "no residual beyond 1.96")
        )

    def cell(self, row: int, column: int) -> tuple[str, str]:
        """The text written in a cell and its colour ('#rrggbb')."""
        z = self.values[row][column]
        return cell_text(z), residual_colour(z)
