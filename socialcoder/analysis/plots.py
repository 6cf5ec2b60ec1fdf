"""Small plots of the analyses as inline SVG text (for the HTML report), and the helpers the
window's plots share with them: the fitted line of a scatter and the colour of an adjusted
residual in the heat map. Pure functions: no Qt, no files.

* :func:`svg_scatter`  the sessions of one correlation pair, with the least-squares line;
* :func:`svg_effects`  estimates with 95% intervals (the lagged model's within and between
  effects), a dashed line at 0;
* :func:`svg_heatmap`  adjusted residuals, given codes (rows) x target codes (columns), blue
  below 0, orange above, saturated from :data:`Z_SATURATED`; cells with no defined residual
  are grey.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

#: |z| at which the heat map's colour is fully saturated.
Z_SATURATED = 4.0
#: The 5% two-sided cut-off of a z score.
Z_CRIT = 1.959963984540054
POSITIVE, NEGATIVE, UNDEFINED = (213, 94, 0), (0, 114, 178), "#d9d9d9"
POINT, LINE = "#0072b2", "#d55e00"
FONT = "font-family='sans-serif' font-size='11'"


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def fitted_line(x: Sequence[float], y: Sequence[float]) -> tuple[float, float] | None:
    """``(slope, intercept)`` of the least-squares line of ``y`` on ``x`` over the points where
    both are finite; ``None`` when fewer than two points or ``x`` does not vary."""
    pts = [(a, b) for a, b in zip(x, y, strict=True) if _finite(a) and _finite(b)]
    if len(pts) < 2:
        return None
    mx = sum(a for a, _ in pts) / len(pts)
    my = sum(b for _, b in pts) / len(pts)
    sxx = sum((a - mx) ** 2 for a, _ in pts)
    if sxx <= 1e-12 * max(1.0, abs(mx)) ** 2:
        return None
    slope = sum((a - mx) * (b - my) for a, b in pts) / sxx
    return slope, my - slope * mx


def residual_colour(z: float | None) -> str:
    """The heat map's colour of an adjusted residual: white at 0, orange for positive, blue
    for negative, saturated at |z| >= :data:`Z_SATURATED`; grey when undefined."""
    if z is None or not math.isfinite(z):
        return UNDEFINED
    share = min(abs(z), Z_SATURATED) / Z_SATURATED
    base = POSITIVE if z > 0 else NEGATIVE
    rgb = (round(255 + (c - 255) * share) for c in base)
    return "#" + "".join(f"{c:02x}" for c in rgb)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (``#rrggbb``)."""
    r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step - 1e-9) * step
    out = []
    v = start
    while v <= hi + 1e-9 * step:
        out.append(round(v, 10))
        v += step
    return out


def _range(values: Sequence[float], *, include_zero: bool = False) -> tuple[float, float]:
    vals = [v for v in values if math.isfinite(v)] + ([0.0] if include_zero else [])
    if not vals:
        return 0.0, 1.0
    lo, hi = min(vals), max(vals)
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


def _num(v: float) -> str:
    return f"{v:.3g}"


def svg_scatter(
    x: Sequence[float],
    y: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    title: str = "",
    width: int = 440,
    height: int = 320,
) -> str:
    """The points ``(x, y)`` (non-finite ones left out) and their least-squares line."""
    pts = [(a, b) for a, b in zip(x, y, strict=True) if _finite(a) and _finite(b)]
    left, right, top, bottom = 56, 16, 28 if title else 12, 44
    x0, x1 = _range([a for a, _ in pts])
    y0, y1 = _range([b for _, b in pts])
    pw, ph = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return top + ph - (v - y0) / (y1 - y0) * ph

    parts = [_open(width, height, title or f"{y_label} against {x_label}")]
    if title:
        parts.append(_text(width / 2, 16, title, anchor="middle", bold=True))
    parts += _axes(left, top, pw, ph)
    for t in _ticks(x0, x1):
        parts.append(_text(px(t), top + ph + 14, _num(t), anchor="middle"))
    for t in _ticks(y0, y1):
        parts.append(_text(left - 4, py(t) + 4, _num(t), anchor="end"))
    parts.append(_text(left + pw / 2, height - 6, x_label, anchor="middle"))
    parts.append(
        f"<text {FONT} text-anchor='middle' transform='translate(12,{top + ph / 2:.1f}) "
        f"rotate(-90)'>{escape(y_label)}</text>"
    )
    for a, b in pts:
        parts.append(
            f"<circle cx='{px(a):.1f}' cy='{py(b):.1f}' r='3.5' fill='{POINT}' "
            "fill-opacity='0.75'/>"
        )
    line = fitted_line([a for a, _ in pts], [b for _, b in pts])
    if line is not None:
        slope, icept = line
        lo_x, hi_x = min(a for a, _ in pts), max(a for a, _ in pts)
        parts.append(
            f"<line x1='{px(lo_x):.1f}' y1='{py(icept + slope * lo_x):.1f}' "
            f"x2='{px(hi_x):.1f}' y2='{py(icept + slope * hi_x):.1f}' stroke='{LINE}' "
            "stroke-width='2'/>"
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_effects(
    effects: Sequence[tuple[str, float | None, float | None, float | None]],
    *,
    title: str = "",
    width: int = 440,
) -> str:
    """One row per ``(label, estimate, low, high)``: a dot with its interval; undefined
    estimates are named and left empty."""
    left, right, top, row = 150, 16, 28 if title else 12, 28
    height = top + row * max(1, len(effects)) + 34
    values = [v for _, e, lo, hi in effects for v in (e, lo, hi) if v is not None]
    x0, x1 = _range(values, include_zero=True)
    pw = width - left - right

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    parts = [_open(width, height, title or "Estimates with 95% intervals")]
    if title:
        parts.append(_text(width / 2, 16, title, anchor="middle", bold=True))
    bottom = top + row * max(1, len(effects))
    parts.append(f"<line x1='{left}' y1='{bottom}' x2='{left + pw}' y2='{bottom}' stroke='#444'/>")
    for t in _ticks(x0, x1):
        parts.append(_text(px(t), bottom + 14, _num(t), anchor="middle"))
    parts.append(
        f"<line x1='{px(0):.1f}' y1='{top}' x2='{px(0):.1f}' y2='{bottom}' stroke='#888' "
        "stroke-dasharray='4 3'/>"
    )
    for i, (label, est, lo, hi) in enumerate(effects):
        cy = top + row * i + row / 2
        parts.append(_text(left - 6, cy + 4, label, anchor="end"))
        if lo is not None and hi is not None:
            parts.append(
                f"<line x1='{px(lo):.1f}' y1='{cy:.1f}' x2='{px(hi):.1f}' y2='{cy:.1f}' "
                f"stroke='{POINT}' stroke-width='2'/>"
            )
        if est is not None:
            parts.append(f"<circle cx='{px(est):.1f}' cy='{cy:.1f}' r='4' fill='{POINT}'/>")
        else:
            parts.append(_text(left + 4, cy + 4, "not estimable"))
    parts.append(_text(left + pw / 2, height - 4, "estimate (95% interval)", anchor="middle"))
    parts.append("</svg>")
    return "".join(parts)


def svg_heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    title: str = "",
    cell: int = 64,
) -> str:
    """``values[i][j]`` (an adjusted residual) of row ``rows[i]`` and column ``columns[j]``,
    coloured by :func:`residual_colour` and written in the cell."""
    left = 14 + 7 * max((len(r) for r in rows), default=4)
    slant = round(6.5 * 0.71 * max((len(c) for c in columns), default=4))  # labels at 45°
    top = (28 if title else 12) + slant + 8
    width = left + cell * len(columns) + max(12, slant - cell // 2 + 8)
    height = top + 26 * len(rows) + 12
    parts = [_open(width, height, title or "Adjusted residuals")]
    if title:
        parts.append(_text(width / 2, 16, title, anchor="middle", bold=True))
    for j, col in enumerate(columns):
        cx = left + cell * j + cell / 2
        parts.append(
            f"<text {FONT} transform='translate({cx - 4:.1f},{top - 6}) rotate(-45)'>"
            f"{escape(col)}</text>"
        )
    for i, name in enumerate(rows):
        y = top + 26 * i
        parts.append(_text(left - 6, y + 17, name, anchor="end"))
        for j, _ in enumerate(columns):
            z = values[i][j]
            bg = residual_colour(z)
            parts.append(
                f"<rect x='{left + cell * j}' y='{y}' width='{cell}' height='26' fill='{bg}' "
                "stroke='#ffffff'/>"
            )
            label = "–" if z is None or not math.isfinite(z) else f"{z:.2f}"
            parts.append(
                f"<text {FONT} x='{left + cell * j + cell / 2:.1f}' y='{y + 17}' "
                f"text-anchor='middle' fill='{text_colour(bg)}'>{label}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, label: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(label, quote=True)}'>"
        f"<rect width='{width}' height='{height}' fill='#ffffff'/>"
    )


def _axes(left: int, top: int, pw: int, ph: int) -> list[str]:
    return [
        f"<line x1='{left}' y1='{top}' x2='{left}' y2='{top + ph}' stroke='#444'/>",
        f"<line x1='{left}' y1='{top + ph}' x2='{left + pw}' y2='{top + ph}' stroke='#444'/>",
    ]


def _text(x: float, y: float, text: str, *, anchor: str = "start", bold: bool = False) -> str:
    weight = " font-weight='bold'" if bold else ""
    return (
        f"<text {FONT}{weight} x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}'>{escape(text)}</text>"
    )
