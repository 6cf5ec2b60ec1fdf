"""Drift: reliability per ISO week of coding, so that a change in agreement over time shows.

The weeks run from the Monday of the first change of any coder's code to the week of the last
(:func:`coding_week_mondays`); each week's alpha is the reliability engine's alpha on the codes
last changed in that week (``services/drift.py`` reads them), one :class:`WeekAlpha` per
(week, dimension).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class WeekAlpha:
    week: str  # ISO week, e.g. "2026-W47"
    start: date  # its Monday
    dimension: str
    alpha: float | None
    pairable_units: int


def coding_week_mondays(first: date, last: date) -> list[date]:
    """Mondays of the ISO weeks from the one containing ``first`` to the one containing
    ``last`` (empty when ``last`` is before ``first``'s week)."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def iso_week(monday: date) -> str:
    """``2026-W47``: the ISO year and week of ``monday``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
