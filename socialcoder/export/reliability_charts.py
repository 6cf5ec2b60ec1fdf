"""The reliability charts, drawn with matplotlib for every front end from the same code.

* :func:`draw_alpha`  alpha per dimension (dots) with 95% interval whiskers and dashed lines
  at 0.667 (floor for tentative conclusions) and 0.8 (the usual bar).
* :func:`draw_drift`  alpha per dimension by ISO week of coding.

Both draw on a :class:`matplotlib.figure.Figure` they are given: the HTML report renders it as
inline SVG (:func:`svg`, no pyplot, no GUI backend), the dashboard shows it on a Qt canvas
(``FigureCanvasQTAgg``) and saves it as PNG or SVG (:func:`save_figure`). matplotlib is imported only when a chart is drawn, never on import of
this module's callers' commands that draw none (``socialcoder --version``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from socialcoder.export.reliability_figures import FLOOR, GOOD

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: the drift chart's lines (Okabe-Ito)
LINE_COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
ALPHA_TITLE = "Alpha per dimension (95% bootstrap interval)"
DRIFT_TITLE = "Alpha by week of coding (drift)"
#: inches; the report's SVGs and the default of :func:`new_figure`
WIDTH, HEIGHT = 9.0, 4.2


@dataclass(frozen=True, slots=True)
class ChartStyle:
    """The colours a chart is drawn in ('#rrggbb'): the HTML report's white page by default;
    the window passes its theme's (``gui/lead/charts.chart_style``)."""

    background: str = "#ffffff"
    text: str = "#1a1a1a"
    grid: str = "#dddddd"
    point: str = "#0072b2"  # estimates
    whisker: str = "#444444"  # their intervals
    good_line: str = "#007a5a"  # the 0.8 bar
    floor_line: str = "#c04f00"  # the 0.667 floor
    lines: tuple[str, ...] = LINE_COLORS  # the drift chart's dimensions
    fit_line: str = "#c04f00"  # the analysis scatter's least-squares line
    zero_line: str = "#6e6e6e"  # the effects plot's line at 0


REPORT_STYLE = ChartStyle()


@dataclass(frozen=True, slots=True)
class AlphaPoint:
    label: str
    alpha: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""  # e.g. "too few units", shown under the label


class WeekPoint(Protocol):
    """One dimension's alpha in one ISO week (``reliability.drift.WeekAlpha``)."""

    @property
    def week(self) -> str: ...
    @property
    def dimension(self) -> str: ...
    @property
    def alpha(self) -> float | None: ...


def short_label(label: str, width: int = 16) -> str:
    """A dimension label broken into lines of about ``width`` characters (chart axes)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def new_figure(width: float = WIDTH, height: float = HEIGHT) -> Figure:
    """A figure of its own (no pyplot state), laid out to fit its labels."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def svg(figure: Figure) -> str:
    """The figure as an SVG document (text kept as text; the same data gives the same bytes)."""
    import matplotlib

    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "socialcoder"}):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    return text[text.index("<svg") :]  # inline: no XML declaration or doctype


#: the image formats a chart is saved in (:func:`save_figure`), by file suffix
IMAGE_FORMATS = {".png": "png", ".svg": "svg"}


def save_figure(figure: Figure, path: Path) -> Path:
    """Write the figure to ``path`` as PNG or SVG (by its suffix, :data:`IMAGE_FORMATS`): the
    SVG is the HTML report's (:func:`svg`), the PNG at 150 dpi."""
    kind = IMAGE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"a chart is saved as {' or '.join(IMAGE_FORMATS)}, not {path.name!r}")
    if kind == "svg":
        path.write_text(svg(figure), encoding="utf-8")
    else:
        figure.savefig(path, format="png", dpi=150, metadata={"Software": None})
    return path


def _floor(values: Sequence[float]) -> float:
    low = min([0.0, *values])
    return math.floor(low * 10) / 10


def _axes(figure: Figure, title: str, style: ChartStyle) -> Axes:
    figure.clear()
    figure.set_facecolor(style.background)
    ax = figure.add_subplot()
    ax.set_facecolor(style.background)
    ax.set_title(title, fontweight="bold", color=style.text)
    ax.set_ylabel("Krippendorff's α", color=style.text)
    ax.tick_params(colors=style.text)
    for spine in ax.spines.values():
        spine.set_color(style.text)
    return ax


def _legend(figure: Figure, ax: Axes, style: ChartStyle, *, below: bool) -> None:
    """The legend outside the axes, below them (``below``) or on their right, in the style's
    text colour; the constrained layout makes room for it."""
    handles, labels = ax.get_legend_handles_labels()
    legend = figure.legend(
        handles,
        labels,
        loc="outside lower center" if below else "outside right upper",
        ncols=len(labels) if below else 1,
        frameon=False,
        fontsize="medium" if below else "small",
    )
    for text in legend.get_texts():
        text.set_color(style.text)


def _y_range(ax: Axes, values: Sequence[float]) -> None:
    low = _floor(values)
    step = 0.1 if low >= 0.0 else 0.2
    low = math.floor(low / step + 1e-9) * step
    ax.set_ylim(low, 1.0 + 0.02)
    ticks = [round(low + i * step, 1) for i in range(round((1.0 - low) / step) + 1)]
    ax.set_yticks(ticks, [f"{t:.1f}" for t in ticks])


def _thresholds(ax: Axes, good: str, floor: str, style: ChartStyle) -> None:
    ax.axhline(GOOD, color=style.good_line, linestyle="--", linewidth=1.5, label=good)
    ax.axhline(FLOOR, color=style.floor_line, linestyle="--", linewidth=1.5, label=floor)


def draw_alpha(
    figure: Figure, points: Sequence[AlphaPoint], style: ChartStyle = REPORT_STYLE
) -> None:
    """Alpha per dimension with its 95% interval; undefined alphas are left out (the table
    says why), their label says 'α undefined'."""
    ax = _axes(figure, ALPHA_TITLE, style)
    n = max(len(points), 1)
    values: list[float] = []
    xs, ys, lows, highs = [], [], [], []
    for i, p in enumerate(points):
        if p.alpha is None:
            continue
        values.append(p.alpha)
        if p.low is not None and p.high is not None:
            values += [p.low, p.high]
            xs.append(i)
            ys.append(p.alpha)
            lows.append(p.alpha - p.low)
            highs.append(p.high - p.alpha)
    _thresholds(ax, "0.8 (usual bar)", "0.667 (floor)", style)
    if xs:
        ax.errorbar(
            xs,
            ys,
            yerr=[lows, highs],
            fmt="none",
            ecolor=style.whisker,
            elinewidth=1.6,
            capsize=6,
            label="95% interval",
        )
    dots = [(i, p.alpha) for i, p in enumerate(points) if p.alpha is not None]
    ax.scatter(
        [x for x, _ in dots], [y for _, y in dots], s=60, color=style.point, zorder=3, label="α"
    )
    labels = []
    for p in points:
        text = f"{p.label}\nα = {p.alpha:.2f}" if p.alpha is not None else f"{p.label}\nα undefined"
        labels.append(text + (f"\n({p.note})" if p.note else ""))
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_xticks(range(len(points)), labels, fontsize="small")
    _y_range(ax, values)
    ax.grid(axis="y", color=style.grid, linewidth=0.8)
    _legend(figure, ax, style, below=True)


def draw_drift(
    figure: Figure,
    rows: Sequence[WeekPoint],
    labels: Mapping[str, str],
    style: ChartStyle = REPORT_STYLE,
) -> list[str]:
    """Alpha per dimension by ISO week of coding (codes last changed in that week); returns
    the weeks shown, in order."""
    ax = _axes(figure, DRIFT_TITLE, style)
    weeks = sorted({r.week for r in rows})
    n = max(len(weeks), 1)
    position = {w: i for i, w in enumerate(weeks)}
    values: list[float] = []
    for k, key in enumerate(dict.fromkeys(r.dimension for r in rows)):
        points = [
            (position[r.week], r.alpha) for r in rows if r.dimension == key and r.alpha is not None
        ]
        values += [y for _, y in points]
        ax.plot(
            [x for x, _ in points],
            [y for _, y in points],
            color=style.lines[k % len(style.lines)],
            linewidth=2.2,
            marker="o",
            label=labels.get(key, key),
        )
    _thresholds(ax, "0.8", "0.667", style)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_xticks(range(len(weeks)), weeks, fontsize="small")
    ax.set_xlabel(
        "ISO week" if len(weeks) > 1 else "ISO week (only one week of coding so far)",
        color=style.text,
    )
    _y_range(ax, values)
    ax.grid(axis="y", color=style.grid, linewidth=0.8)
    _legend(figure, ax, style, below=False)
    return weeks


def series_colors(figure: Figure) -> list[str]:
    """Every data series' and threshold line's colour in ``figure`` as '#rrggbb' (lines,
    dots, whiskers), for contrast checks."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_hex

    out: list[str] = []
    for ax in figure.axes:
        out += [to_hex(str(line.get_color())) for line in ax.get_lines()]
        for collection in ax.collections:
            lines = isinstance(collection, LineCollection)
            colours: Any = collection.get_edgecolor() if lines else collection.get_facecolor()
            out += [to_hex(c) for c in colours]
    return out
