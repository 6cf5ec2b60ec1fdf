"""Reliability per ISO week of coding (drift), for the lead's dashboard and the HTML report:
the weeks are read from the codes' change times, each week's alpha comes from the reliability
report over that week (``Selection.since/until``); the week arithmetic and :class:`WeekAlpha`
are in ``reliability/drift.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from socialcoder.domain import coder_kinds
from socialcoder.reliability.drift import WeekAlpha, coding_week_mondays, iso_week
from socialcoder.services.reliability_data import Selection
from socialcoder.services.reliability_report import Levels, reliability_report
from socialcoder.services.study import Study
from socialcoder.storage.models import CodeRow, CoderRow

Cancelled = Callable[[], bool]


def coding_weeks(study: Study) -> list[date]:
    """Mondays of the ISO weeks from the first to the last change of any coder's code."""
    with study.read() as session:
        first, last = session.execute(
            select(func.min(CodeRow.updated_at), func.max(CodeRow.updated_at))
            .join(CoderRow, CoderRow.id == CodeRow.coder_id)
            .where(CoderRow.kind == coder_kinds.HUMAN)
        ).one()
    if first is None or last is None:
        return []
    return coding_week_mondays(first.date(), last.date())


def weekly_alpha(
    study: Study,
    selection: Selection | None = None,
    *,
    cancelled: Cancelled | None = None,
    level: Levels = None,
) -> list[WeekAlpha]:
    """Alpha per dimension for each ISO week of coding (``Selection.since/until`` = that week),
    so that drift shows; weeks with no pairable units give ``alpha=None``. ``level`` as in
    :func:`reliability_report`."""
    base = selection or Selection()
    out: list[WeekAlpha] = []
    for monday in coding_weeks(study):
        if cancelled is not None and cancelled():
            break
        since = datetime.combine(monday, time(0), tzinfo=UTC)
        sel = replace(base, since=since, until=since + timedelta(days=7))
        for item in reliability_report(study, sel, level=level).dimensions:
            out.append(
                WeekAlpha(
                    week=iso_week(monday),
                    start=monday,
                    dimension=str(item["key"]),
                    alpha=item.get("krippendorff_alpha"),
                    pairable_units=int(item.get("pairable_units") or 0),
                )
            )
    return out
