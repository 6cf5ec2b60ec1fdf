"""Charts for the reliability dashboard and the confusion-matrix table.

* :class:`AlphaChart`  alpha per dimension (dots) with 95% interval whiskers and dashed lines
  at 0.667 (floor for tentative conclusions) and 0.8 (the usual bar).
* :class:`DriftChart`  alpha per dimension by ISO week of coding.
* :class:`ConfusionTable` counts of coder A's value (rows) x coder B's value (columns).

The charts are matplotlib canvases (``FigureCanvasQTAgg``) drawn by the same functions as the
HTML report's SVG charts (:mod:`socialcoder.export.reliability_charts`), in the theme's colours
(:func:`chart_style`); the analysis view's charts (:mod:`socialcoder.gui.lead.analysis_view`)
use the same style.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
)

from socialcoder.export.reliability_charts import (
    ALPHA_TITLE,
    DRIFT_TITLE,
    IMAGE_FORMATS,
    LINE_COLORS,
    AlphaPoint,
    ChartStyle,
    WeekPoint,
    draw_alpha,
    draw_drift,
    new_figure,
    save_figure,
)
from socialcoder.gui import themes
from socialcoder.gui.theme import text_on
from socialcoder.reliability.confusion import ConfusionMatrix

__all__ = [
    "AlphaChart",
    "AlphaPoint",
    "ConfusionTable",
    "DriftChart",
    "chart_style",
    "offer_save",
]


def _mix(a: str, b: str, share: float) -> str:
    """``share`` of colour ``a`` over ``b``, as '#rrggbb' (a faint grid: text over base)."""
    ca, cb = QColor(a), QColor(b)
    return QColor(
        round(ca.red() * share + cb.red() * (1 - share)),
        round(ca.green() * share + cb.green() * (1 - share)),
        round(ca.blue() * share + cb.blue() * (1 - share)),
    ).name()


def chart_style() -> ChartStyle:
    """The current theme's chart colours: its background and text, its marks for estimates,
    whiskers and thresholds, the drift lines adjusted to 3:1 against the background."""
    theme, marks = themes.current(), themes.marks()
    return ChartStyle(
        background=theme.base,
        text=theme.text,
        grid=_mix(theme.text, theme.base, 0.18),
        point=marks.point,
        whisker=marks.whisker,
        good_line=marks.good_line,
        floor_line=marks.floor_line,
        lines=tuple(themes.chart_color(c) for c in LINE_COLORS),
        fit_line=marks.fit_line,
        zero_line=marks.zero_line,
    )


WINDOW_ONLY = "window-only"
"""The ``gid`` of an artist drawn for the window alone (e.g. the heat map's outline of its
current cell): a saved chart leaves it out."""


def offer_save(canvas: FigureCanvasQTAgg, name: str) -> QAction:
    """Give ``canvas`` a context-menu action that saves its chart as PNG or SVG, drawn by the
    same code as the window's and the HTML report's (``export.reliability_charts.save_figure``),
    without the artists marked :data:`WINDOW_ONLY`; ``name`` is the file name offered."""

    def save() -> None:
        path, _ = QFileDialog.getSaveFileName(
            canvas, "Save the chart", name, "PNG image (*.png);;SVG image (*.svg)"
        )
        if path:
            target = Path(path)
            if target.suffix.lower() not in IMAGE_FORMATS:
                target = target.with_suffix(".png")
            shown = [
                a
                for a in canvas.figure.findobj(lambda a: a.get_gid() == WINDOW_ONLY)
                if a.get_visible()
            ]
            for artist in shown:
                artist.set_visible(False)
            try:
                save_figure(canvas.figure, target)
            except OSError as exc:
                QMessageBox.warning(canvas, "Save the chart", f"Not saved: {exc}")
            finally:
                for artist in shown:
                    artist.set_visible(True)

    action = QAction("Save chart as PNG or SVG…", canvas)
    action.setObjectName("save_chart")
    action.triggered.connect(save)
    canvas.addAction(action)
    canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    return action


class _Chart(FigureCanvasQTAgg):
    def __init__(self, title: str, name: str) -> None:
        super().__init__(new_figure())
        self.setAccessibleName(title)
        self.setMinimumSize(360, 260)
        self.save_action = offer_save(self, name)

    def _redraw(self, description: str) -> None:
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.draw_idle()


class AlphaChart(_Chart):
    """Alpha per dimension with its 95% interval; undefined alphas are left out (the table
    says why)."""

    def __init__(self) -> None:
        super().__init__(ALPHA_TITLE, "alpha.png")
        self.setObjectName("alpha_chart")
        self.points: list[AlphaPoint] = []

    def set_points(self, points: Sequence[AlphaPoint]) -> None:
        self.points = list(points)
        draw_alpha(self.figure, self.points, chart_style())
        self._redraw(
            "; ".join(
                f"{' '.join(p.label.split())}: "
                + ("α undefined" if p.alpha is None else f"α {p.alpha:.2f}")
                + (
                    f" ({p.low:.2f} to {p.high:.2f})"
                    if p.low is not None and p.high is not None
                    else ""
                )
                for p in self.points
            )
        )


class DriftChart(_Chart):
    """Alpha per dimension by ISO week of coding (codes last changed in that week)."""

    def __init__(self) -> None:
        super().__init__(DRIFT_TITLE, "drift.png")
        self.setObjectName("drift_chart")
        self.weeks: list[str] = []

    def set_weeks(self, rows: Sequence[WeekPoint], labels: Mapping[str, str]) -> None:
        self.weeks = draw_drift(self.figure, rows, labels, chart_style())
        self._redraw(
            f"{len(self.weeks)} week(s) of coding: " + ", ".join(self.weeks)
            if self.weeks
            else "no coding yet"
        )


class ConfusionTable(QTableWidget):
    """Coder A's values (rows) against coder B's (columns); agreements on the diagonal in
    bold; cells shaded by count."""

    def __init__(self) -> None:
        super().__init__(0, 0)
        self.setObjectName("confusion")
        self.setTabKeyNavigation(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix: ConfusionMatrix | None = None

    def show_matrix(self, m: ConfusionMatrix) -> None:
        self.matrix = m
        n = len(m.values)
        self.clear()
        self.setRowCount(n)
        self.setColumnCount(n)
        self.setHorizontalHeaderLabels([f"{m.coder_b}: {label}" for label in m.labels])
        self.setVerticalHeaderLabels([f"{m.coder_a}: {label}" for label in m.labels])
        top = max([1, *(c for row in m.counts for c in row)])
        for i in range(n):
            for j in range(n):
                count = m.counts[i][j]
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                share = count / top
                color = (
                    QColor(themes.current().base)
                    if count == 0
                    else QColor.fromHsvF(0.58 if i == j else 0.05, 0.15 + 0.7 * share, 0.97)
                )
                item.setBackground(color)
                item.setForeground(text_on(color))
                if i == j:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                item.setToolTip(
                    f"{count} unit(s): {m.coder_a} coded {m.labels[i]}, "
                    f"{m.coder_b} coded {m.labels[j]}"
                )
                self.setItem(i, j, item)

    def cell_text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""
