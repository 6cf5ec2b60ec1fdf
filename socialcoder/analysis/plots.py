"""What the analysis charts (:mod:`socialcoder.analysis.charts`, drawn with matplotlib
for the window and the HTML report) compute: the fitted line of a scatter and the colour of an
adjusted residual in the heat map (blue below 0, orange above, saturated from
:data:`Z_SATURATED`; grey where no residual is defined). Pure functions: no Qt, no files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: |z| at which the heat map's colour is fully saturated.
Z_SATURATED = 4.0
#: The 5% two-sided cut-off of a z score.
Z_CRIT = 1.959963984540054
POSITIVE, NEGATIVE, UNDEFINED = (213, 94, 0), (0, 114, 178), "#d9d9d9"


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
