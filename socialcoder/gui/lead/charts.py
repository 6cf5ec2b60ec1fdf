"""Charts for the reliability dashboard (QtCharts) and the confusion-matrix table.

* :class:`AlphaChart`  alpha per dimension (dots) with 95% interval whiskers and dashed lines
  at 0.667 (floor for tentative conclusions) and 0.8 (the usual bar).
* :class:`DriftChart`  alpha per dimension by ISO week of coding.
* :class:`ConfusionTable` counts of coder A's value (rows) x coder B's value (columns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCharts import (
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from socialcoder.gui import themes
from socialcoder.gui.theme import text_on
from socialcoder.services.lead_support import ConfusionMatrix, WeekAlpha

GOOD, FLOOR = 0.8, 0.667
#: the drift chart's lines (Okabe-Ito), each adjusted to the theme (:func:`themes.chart_color`)
LINE_COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")


def style_chart(chart: QChart) -> None:
    """The chart on the theme's background, its texts in the theme's text colour (call after
    the axes are added; again when the theme changes)."""
    theme = themes.current()
    base, text, grid = QColor(theme.base), QColor(theme.text), QColor(theme.disabled_text)
    chart.setBackgroundBrush(base)
    chart.setPlotAreaBackgroundVisible(False)
    chart.setTitleBrush(text)
    chart.legend().setLabelColor(text)
    for axis in chart.axes():
        axis.setLabelsColor(text)
        axis.setTitleBrush(text)
        axis.setLinePenColor(text)
        axis.setGridLineColor(grid)


def series_colors(chart: QChart) -> list[str]:
    """Every series' colour in ``chart`` as '#rrggbb' (lines: the pen; dots: the fill)."""
    out = []
    for s in chart.series():
        color = s.color() if isinstance(s, QScatterSeries) else s.pen().color()
        out.append(color.name())
    return out


@dataclass(frozen=True, slots=True)
class AlphaPoint:
    label: str
    alpha: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""  # e.g. "too few units", shown under the label


def _pen(color: str, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    pen.setStyle(style)
    return pen


def _floor(values: Sequence[float]) -> float:
    low = min([0.0, *values])
    return math.floor(low * 10) / 10


class _Chart(QChartView):
    def __init__(self, title: str) -> None:
        chart = QChart()
        chart.setTitle(title)
        font = QFont(chart.titleFont())
        font.setBold(True)
        chart.setTitleFont(font)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        super().__init__(chart)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(360, 260)

    def _reset(self) -> QChart:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        return chart

    def _threshold(self, chart: QChart, y: float, x0: float, x1: float, name: str, color: str):
        """A dashed line at ``y`` (``color``: '#rrggbb')."""
        line = QLineSeries()
        line.setName(name)
        line.append(x0, y)
        line.append(x1, y)
        line.setPen(_pen(color, 1.5, Qt.PenStyle.DashLine))
        chart.addSeries(line)
        return line

    def _attach(self, chart: QChart, x_axis: QCategoryAxis | QValueAxis, y_axis: QValueAxis):
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for series in chart.series():
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
        style_chart(chart)

    @staticmethod
    def _y_axis(low: float) -> QValueAxis:
        step = 0.1 if 1.0 - low <= 1.0 + 1e-9 else 0.2
        low = math.floor(low / step + 1e-9) * step
        axis = QValueAxis()
        axis.setRange(low, 1.0)
        axis.setTickType(QValueAxis.TickType.TicksDynamic)
        axis.setTickAnchor(0.0)
        axis.setTickInterval(step)
        axis.setLabelFormat("%.1f")
        axis.setTitleText("Krippendorff's α")
        return axis


class AlphaChart(_Chart):
    """Alpha per dimension with its 95% interval; undefined alphas are left out (the table
    says why)."""

    def __init__(self) -> None:
        super().__init__("Alpha per dimension (95% bootstrap interval)")
        self.points: list[AlphaPoint] = []

    def set_points(self, points: Sequence[AlphaPoint]) -> None:
        self.points = list(points)
        chart = self._reset()
        n = max(len(points), 1)
        dots = QScatterSeries()
        dots.setName("α")
        marks = themes.marks()
        dots.setColor(QColor(marks.point))
        dots.setMarkerSize(11)
        whiskers: list[QLineSeries] = []
        values: list[float] = []
        for i, p in enumerate(points):
            if p.alpha is None:
                continue
            dots.append(QPointF(i, p.alpha))
            values.append(p.alpha)
            if p.low is not None and p.high is not None:
                values += [p.low, p.high]
                for xs, ys in (
                    ((i, i), (p.low, p.high)),
                    ((i - 0.12, i + 0.12), (p.low, p.low)),
                    ((i - 0.12, i + 0.12), (p.high, p.high)),
                ):
                    w = QLineSeries()
                    w.append(xs[0], ys[0])
                    w.append(xs[1], ys[1])
                    w.setPen(_pen(marks.whisker, 1.6))
                    whiskers.append(w)
        for w in whiskers:
            chart.addSeries(w)
        good = self._threshold(chart, GOOD, -0.5, n - 0.5, "0.8 (usual bar)", marks.good_line)
        floor = self._threshold(chart, FLOOR, -0.5, n - 0.5, "0.667 (floor)", marks.floor_line)
        chart.addSeries(dots)
        x_axis = QCategoryAxis()
        x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        x_axis.setRange(-0.5, n - 0.5)
        x_axis.setStartValue(-0.5)
        for i, p in enumerate(points):
            text = (
                f"{p.label}<br>α = {p.alpha:.2f}"
                if p.alpha is not None
                else f"{p.label}<br>α undefined"
            )
            if p.note:
                text += f"<br>({p.note})"
            x_axis.append(text, i)
        x_axis.setGridLineVisible(False)
        self._attach(chart, x_axis, self._y_axis(_floor(values)))
        legend = chart.legend()
        for w in whiskers[1:]:
            for marker in legend.markers(w):
                marker.setVisible(False)
        if whiskers:
            whiskers[0].setName("95% interval")
        del good, floor


class DriftChart(_Chart):
    """Alpha per dimension by ISO week of coding (codes last changed in that week)."""

    def __init__(self) -> None:
        super().__init__("Alpha by week of coding (drift)")
        self.weeks: list[str] = []

    def set_weeks(self, rows: Sequence[WeekAlpha], labels: dict[str, str]) -> None:
        chart = self._reset()
        self.weeks = sorted({r.week for r in rows})
        n = max(len(self.weeks), 1)
        position = {w: i for i, w in enumerate(self.weeks)}
        values: list[float] = []
        for k, key in enumerate(dict.fromkeys(r.dimension for r in rows)):
            line = QLineSeries()
            line.setName(labels.get(key, key))
            line.setPen(_pen(themes.chart_color(LINE_COLORS[k % len(LINE_COLORS)]), 2.2))
            line.setPointsVisible(True)
            for r in rows:
                if r.dimension == key and r.alpha is not None:
                    line.append(position[r.week], r.alpha)
                    values.append(r.alpha)
            chart.addSeries(line)
        self._threshold(chart, GOOD, -0.5, n - 0.5, "0.8", themes.marks().good_line)
        self._threshold(chart, FLOOR, -0.5, n - 0.5, "0.667", themes.marks().floor_line)
        x_axis = QCategoryAxis()
        x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        x_axis.setRange(-0.5, n - 0.5)
        x_axis.setStartValue(-0.5)
        for i, w in enumerate(self.weeks):
            x_axis.append(w, i)
        x_axis.setTitleText(
            "ISO week" if len(self.weeks) > 1 else "ISO week (only one week of coding so far)"
        )
        self._attach(chart, x_axis, self._y_axis(_floor(values)))


class ConfusionTable(QTableWidget):
    """Coder A's values (rows) against coder B's (columns); agreements on the diagonal in
    bold; cells shaded by count."""

    def __init__(self) -> None:
        super().__init__(0, 0)
        self.setObjectName("confusion")
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
