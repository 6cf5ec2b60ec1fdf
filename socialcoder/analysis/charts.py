"""The analysis charts, drawn with matplotlib for the window and the HTML report alike.

* :func:`draw_scatter`  the sessions of one correlation pair, with the least-squares line;
* :func:`draw_effects`  estimates with 95% intervals (the lagged model's within and between
  effects), a dashed line at 0; undefined estimates are named 'not estimable';
* :func:`draw_heatmap`  adjusted residuals, given codes (rows) x target codes (columns),
  coloured by :func:`~socialcoder.analysis.plots.residual_colour` (blue below 0, orange above,
  grey undefined) with the value written in the cell.

Each draws on a :class:`matplotlib.figure.Figure` it is given, in a
:class:`~socialcoder.export.reliability_charts.ChartStyle` (the report's white page by default;
the window passes its theme's). :func:`svg_figure` renders one as inline SVG with an accessible
name (``role='img'``, ``aria-label`` and ``<title>``). matplotlib is imported only when a chart is
drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from socialcoder.analysis.plots import fitted_line, residual_colour, text_colour
from socialcoder.export.reliability_charts import REPORT_STYLE, ChartStyle, new_figure, svg

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Effect = tuple[str, float | None, float | None, float | None]
EFFECTS_TITLE = "Fixed effects with 95% intervals"
EFFECTS_X_LABEL = "estimate (95% interval)"
NOT_ESTIMABLE = "not estimable"
UNDEFINED_CELL = "–"


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def _axes(figure: Figure, title: str, style: ChartStyle) -> Axes:
    figure.clear()
    figure.set_facecolor(style.background)
    ax = figure.add_subplot()
    ax.set_facecolor(style.background)
    if title:
        ax.set_title(title, fontweight="bold", color=style.text)
    ax.tick_params(colors=style.text)
    for spine in ax.spines.values():
        spine.set_color(style.text)
    return ax


def scatter_figure() -> Figure:
    return new_figure(5.6, 4.0)


def draw_scatter(
    figure: Figure,
    x: Sequence[float],
    y: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    title: str = "",
    style: ChartStyle = REPORT_STYLE,
) -> tuple[float, float] | None:
    """The points ``(x, y)`` (non-finite ones left out) and their least-squares line, which is
    returned as ``(slope, intercept)`` (``None`` when there is none)."""
    ax = _axes(figure, title, style)
    pts = [(a, b) for a, b in zip(x, y, strict=True) if _finite(a) and _finite(b)]
    xs, ys = [a for a, _ in pts], [b for _, b in pts]
    ax.scatter(xs, ys, s=28, color=style.point, alpha=0.8, label="sessions", zorder=3)
    line = fitted_line(xs, ys)
    if line is not None:
        slope, icept = line
        lo, hi = min(xs), max(xs)
        ax.plot(
            [lo, hi],
            [icept + slope * lo, icept + slope * hi],
            color=style.fit_line,
            linewidth=2,
            label="least-squares line",
        )
    ax.set_xlabel(x_label, color=style.text)
    ax.set_ylabel(y_label, color=style.text)
    ax.grid(color=style.grid, linewidth=0.6)
    return line


def effects_figure(n: int) -> Figure:
    return new_figure(5.6, 1.4 + 0.45 * max(1, n))


def draw_effects(
    figure: Figure,
    effects: Sequence[Effect],
    *,
    title: str = EFFECTS_TITLE,
    style: ChartStyle = REPORT_STYLE,
) -> None:
    """One row per ``(label, estimate, low, high)`` from the top: a dot with its interval;
    undefined estimates are named and marked 'not estimable'."""
    ax = _axes(figure, title, style)
    n = len(effects)
    values = [0.0] + [v for _, e, lo, hi in effects for v in (e, lo, hi) if v is not None]
    values = [v for v in values if math.isfinite(v)]
    lo_x, hi_x = min(values), max(values)
    pad = (hi_x - lo_x) * 0.08 or 1.0
    ax.set_xlim(lo_x - pad, hi_x + pad)
    ax.axvline(0.0, color=style.zero_line, linestyle="--", linewidth=1.2)
    dots: list[tuple[float, int]] = []
    for i, (_label, est, lo, hi) in enumerate(effects):
        row = n - 1 - i
        if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
            ax.hlines(row, lo, hi, color=style.point, linewidth=2)
        if est is not None and math.isfinite(est):
            dots.append((est, row))
        else:
            ax.text(lo_x - pad * 0.5, row, NOT_ESTIMABLE, va="center", color=style.text)
    ax.scatter([d[0] for d in dots], [d[1] for d in dots], s=45, color=style.point, zorder=3)
    ax.set_ylim(-0.6, max(n, 1) - 0.4)
    ax.set_yticks(range(n), [e[0] for e in reversed(effects)])
    ax.set_xlabel(EFFECTS_X_LABEL, color=style.text)
    ax.grid(axis="x", color=style.grid, linewidth=0.6)


def heatmap_figure(rows: int, columns: int) -> Figure:
    return new_figure(max(4.5, 2.8 + 0.95 * columns), 2.4 + 0.42 * max(1, rows))


def cell_text(z: float | None) -> str:
    return UNDEFINED_CELL if z is None or not math.isfinite(z) else f"{z:.2f}"


def draw_heatmap(
    figure: Figure,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str = "",
    style: ChartStyle = REPORT_STYLE,
) -> None:
    """``values[i][j]`` (an adjusted residual) of row ``rows[i]`` and column ``columns[j]``:
    one square each, coloured by :func:`residual_colour`, with the value written in it."""
    from matplotlib.colors import to_rgb

    ax = _axes(figure, title, style)
    colours = [[to_rgb(residual_colour(z)) for z in row] for row in values]
    if rows and columns:
        ax.imshow(colours, aspect="auto", interpolation="nearest")
    for i, row in enumerate(values):
        for j, z in enumerate(row):
            ax.text(
                j,
                i,
                cell_text(z),
                ha="center",
                va="center",
                color=text_colour(residual_colour(z)),
                fontsize="small",
            )
    ax.set_xticks(range(len(columns)), list(columns), rotation=40, ha="left", fontsize="small")
    ax.set_yticks(range(len(rows)), list(rows), fontsize="small")
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_xticks([j - 0.5 for j in range(1, len(columns))], minor=True)
    ax.set_yticks([i - 0.5 for i in range(1, len(rows))], minor=True)
    ax.grid(which="minor", color=style.background, linewidth=2)
    ax.tick_params(which="minor", length=0)


def svg_figure(figure: Figure, label: str) -> str:
    """The figure as inline SVG named for screen readers (``role='img'``, ``aria-label`` and a
    ``<title>``)."""
    text = svg(figure)
    end = text.index(">")
    name = escape(label, quote=True)
    return f"{text[:end]} role='img' aria-label='{name}'><title>{name}</title>{text[end + 1 :]}"


def scatter_svg(
    x: Sequence[float], y: Sequence[float], *, x_label: str, y_label: str, title: str = ""
) -> str:
    figure = scatter_figure()
    draw_scatter(figure, x, y, x_label=x_label, y_label=y_label, title=title)
    return svg_figure(figure, title or f"{y_label} against {x_label}")


def effects_svg(effects: Sequence[Effect], *, title: str = EFFECTS_TITLE) -> str:
    figure = effects_figure(len(effects))
    draw_effects(figure, effects, title=title)
    return svg_figure(figure, title)


def heatmap_svg(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str = "",
) -> str:
    figure = heatmap_figure(len(rows), len(columns))
    draw_heatmap(figure, rows, columns, values, title=title)
    return svg_figure(figure, title or "Adjusted residuals")
