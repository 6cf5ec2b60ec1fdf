"""The charts of Lead > Analysis: matplotlib canvases drawn by the same code as the HTML
report's (:mod:`socialcoder.analysis.charts`) in the theme's colours, each telling screen
readers what it now shows: the scatter of a correlation pair with its least-squares line, the
lagged model's effects with their 95% intervals, the sequential matrix's adjusted residuals as
a heat map, whose cells the arrow keys (or a click) move through."""

from __future__ import annotations

import math
from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.patches import Rectangle
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
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
from socialcoder.gui.lead.charts import WINDOW_ONLY, chart_style, offer_save


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
    columns, each cell coloured by its residual and written in it. One cell is current: it is
    outlined, and screen readers (and the tooltip) hear its codes and residual. The arrow keys,
    Home and End (first and last column) or a click move it; ``cell_chosen`` tells the view,
    which selects the cell's row of the table."""

    cell_chosen = Signal(int, int)  # (row, column) chosen here by key or click

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "heatmap",
            "Heat map of adjusted residuals: given codes in rows, target codes in columns",
            "Each cell: how much more (positive) or less (negative) often the target code "
            "follows the given code than chance; beyond 1.96 in size is notable. The arrow "
            "keys move through the cells",
            parent,
        )
        self.rows: list[str] = []
        self.columns: list[str] = []
        self.values: list[list[float | None]] = []
        self.current: tuple[int, int] | None = None
        self._summary = ""
        self._outline: Rectangle | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.mpl_connect("button_press_event", self._clicked)

    def show_residuals(
        self,
        rows: list[str],
        columns: list[str],
        values: list[list[float | None]],
        title: str = "",
    ) -> None:
        self.rows, self.columns, self.values = list(rows), list(columns), [list(v) for v in values]
        self.current, self._outline = None, None  # drawing clears the figure and its outline
        draw_heatmap(self.figure, rows, columns, values, title=title, style=chart_style())
        notable = [
            f"{r} -> {c} {z:.2f}"
            for r, vals in zip(rows, values, strict=True)
            for c, z in zip(columns, vals, strict=True)
            if _notable(z)
        ]
        self._summary = f"{len(rows)} given x {len(columns)} target codes; " + (
            f"notable: {'; '.join(notable)}" if notable else "no residual beyond 1.96"
        )
        self._drawn(self._summary)

    def cell(self, row: int, column: int) -> tuple[str, str]:
        """The text written in a cell and its colour ('#rrggbb')."""
        z = self.values[row][column]
        return cell_text(z), residual_colour(z)

    def describe(self, row: int, column: int) -> str:
        """What a cell holds, in words."""
        z = self.values[row][column]
        residual = "undefined" if z is None or not math.isfinite(z) else f"{z:.2f}"
        return (
            f"given {self.rows[row]}, target {self.columns[column]}: adjusted residual "
            f"{residual}{', notable' if _notable(z) else ''}"
        )

    def set_current(self, row: int, column: int) -> None:
        """Outline the cell (``row``, ``column``) and say what it holds; out of range: nothing."""
        if not (0 <= row < len(self.rows) and 0 <= column < len(self.columns)):
            return
        self.current = (row, column)
        if self._outline is None:
            (ax,) = self.figure.axes
            self._outline = Rectangle(
                (column - 0.5, row - 0.5),
                1,
                1,
                fill=False,
                edgecolor=chart_style().text,
                linewidth=3,
                zorder=5,  # over the white grid between the cells
                clip_on=False,  # whole on the map's edges too
                gid=WINDOW_ONLY,  # not in a saved chart
            )
            ax.add_patch(self._outline)
        else:
            self._outline.set_xy((column - 0.5, row - 0.5))
        self._drawn(f"{self._summary}. Current cell: {self.describe(row, column)}")
        self.setToolTip(self.describe(row, column))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.rows or not self.columns:
            super().keyPressEvent(event)
            return
        row, column = self.current or (0, 0)
        key = event.key()
        if key == Qt.Key.Key_Home:
            target = (row, 0)
        elif key == Qt.Key.Key_End:
            target = (row, len(self.columns) - 1)
        elif key in _STEPS:
            d_row, d_column = _STEPS[Qt.Key(key)]
            target = (
                min(max(row + d_row, 0), len(self.rows) - 1),
                min(max(column + d_column, 0), len(self.columns) - 1),
            )
        else:
            super().keyPressEvent(event)
            return
        event.accept()
        self._choose(*target)

    def _clicked(self, event: Any) -> None:
        if event.inaxes is None or event.xdata is None or event.ydata is None:
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._choose(round(event.ydata), round(event.xdata))

    def _choose(self, row: int, column: int) -> None:
        if (row, column) == self.current or not (
            0 <= row < len(self.rows) and 0 <= column < len(self.columns)
        ):
            return
        self.set_current(row, column)
        self.cell_chosen.emit(row, column)


_STEPS = {
    Qt.Key.Key_Left: (0, -1),
    Qt.Key.Key_Right: (0, 1),
    Qt.Key.Key_Up: (-1, 0),
    Qt.Key.Key_Down: (1, 0),
}


def _notable(z: float | None) -> bool:
    return z is not None and math.isfinite(z) and abs(z) >= Z_CRIT
