"""Qt-free helpers for the study lead's views (dashboard, review, assignments, calibration).

Data shapes:

* :func:`confusion_matrix` -> :class:`ConfusionMatrix`: ``counts[i][j]`` = units that coder A
  gave ``values[i]`` and coder B gave ``values[j]`` (units both coded).
* :func:`weekly_alpha` -> one :class:`WeekAlpha` per (ISO week of coding, dimension), alpha
  computed by the reliability engine on the codes last changed in that week.
* :func:`review_context` -> the turns around a disagreement and each coder's memo on it.
* :func:`resolve_review_key` -> which value a key press in the review picks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, select

from socialcoder.domain import coder_kinds
from socialcoder.domain.codebook import Dimension, Scale
from socialcoder.services.coding import Change, clear_code, set_code
from socialcoder.services.queries import TranscriptSummary, in_coder_order, show_transcript
from socialcoder.services.reliability_data import Selection, load_dimension_data
from socialcoder.services.reliability_report import Levels, reliability_report
from socialcoder.services.study import Study
from socialcoder.storage.models import (
    CodeRow,
    CoderRow,
)

Cancelled = Callable[[], bool]


# -- confusion matrix ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConfusionMatrix:
    dimension: str
    coder_a: str
    coder_b: str
    values: tuple[str, ...]  # stored value texts, codebook order (or sorted numbers)
    labels: tuple[str, ...]  # what to show for each value
    counts: tuple[tuple[int, ...], ...]  # rows: coder_a's value, columns: coder_b's value

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)

    @property
    def agreements(self) -> int:
        return sum(self.counts[i][i] for i in range(len(self.values)))


def confusion_matrix(
    study: Study,
    dimension: str,
    coder_a: str,
    coder_b: str,
    selection: Selection | None = None,
) -> ConfusionMatrix:
    """Cross-table of two coders' values on one dimension, over the units both coded (the same
    units the reliability engine uses for this pair)."""
    base = selection or Selection()
    sel = replace(base, dimensions=(dimension,), coders=(coder_a, coder_b))
    dd = load_dimension_data(study, sel)[0]
    a, b = dd.data[0], dd.data[1]
    both = ~np.isnan(a) & ~np.isnan(b)
    dim = dd.dimension
    if dd.categories is not None:
        positions: Sequence[float] = list(range(len(dim.values)))
        values = tuple(v.value for v in dim.values)
        labels = tuple(_value_label(dim, v.value) for v in dim.values)
    else:
        seen = sorted(set(a[both].tolist()) | set(b[both].tolist()))
        positions = seen
        values = tuple(dd.value_text(x) or "" for x in seen)
        labels = tuple(_value_label(dim, v) for v in values)
    index = {p: i for i, p in enumerate(positions)}
    counts = [[0] * len(positions) for _ in positions]
    for x, y in zip(a[both].tolist(), b[both].tolist(), strict=True):
        counts[index[x if dd.categories is None else int(x)]][
            index[y if dd.categories is None else int(y)]
        ] += 1
    return ConfusionMatrix(
        dimension, coder_a, coder_b, values, labels, tuple(tuple(r) for r in counts)
    )


def _value_label(dim: Dimension, value: str) -> str:
    label = dim.label_of(value)
    if dim.scale is Scale.BINARY:
        return label
    return value if label == value else f"{value} ({label})" if value[:1].isdigit() else label


# -- drift ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WeekAlpha:
    week: str  # ISO week, e.g. "2026-W47"
    start: date  # its Monday
    dimension: str
    alpha: float | None
    pairable_units: int


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
    monday = first.date() - timedelta(days=first.date().weekday())
    weeks = []
    while monday <= last.date():
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


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
        year, week, _ = monday.isocalendar()
        for item in reliability_report(study, sel, level=level).dimensions:
            out.append(
                WeekAlpha(
                    week=f"{year}-W{week:02d}",
                    start=monday,
                    dimension=str(item["key"]),
                    alpha=item.get("krippendorff_alpha"),
                    pairable_units=int(item.get("pairable_units") or 0),
                )
            )
    return out


# -- review --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ContextTurn:
    index: int
    role: str
    label: str
    text: str
    focal: bool


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """The turns around a unit (``turns``; empty for a session-level unit) and each coder's
    memo on the unit's segment (coder -> memo text)."""

    transcript: str
    segment: int | None
    turns: list[ContextTurn] = field(default_factory=list)
    memos: dict[str, str] = field(default_factory=dict)


def review_context(
    study: Study,
    transcript: str,
    segment: int | None,
    coders: Sequence[str],
    *,
    around: int = 2,
) -> ReviewContext:
    """``around`` turns before and after ``segment`` and each coder's memo on it (read with
    :func:`show_transcript` one coder at a time, as the workbench does)."""
    memos: dict[str, str] = {}
    turns: list[ContextTurn] = []
    if segment is None:
        return ReviewContext(transcript, None, turns, memos)
    view = show_transcript(study, transcript)
    rows = [s for s in view.segments if abs(s.index - segment) <= around]
    turns = [ContextTurn(s.index, s.role, s.label, s.text, s.index == segment) for s in rows]
    for coder in coders:
        mine = show_transcript(study, transcript, coder=coder)
        for s in mine.segments:
            if s.index == segment and s.memo:
                memos[coder] = s.memo
    return ReviewContext(transcript, segment, turns, memos)


BINARY_KEYS = {"p": "1", "a": "0"}


def resolve_review_key(
    dim: Dimension, key: str, coder_values: Sequence[str | None], *, alt: bool = False
) -> str | None:
    """The consensus value a key press picks in the review, or None.

    * digit N (1-9): coder N's value (coders in the order shown);
    * Alt+digit N: the dimension's N-th value in codebook order;
    * a value's shortcut letter (e.g. n/m/s for resistance); for a binary dimension without
      value shortcuts, ``p`` = present (1) and ``a`` = absent (0).
    """
    key = key.lower()
    if key.isdigit() and key != "0":
        n = int(key)
        if alt:
            return dim.values[n - 1].value if n <= len(dim.values) else None
        return coder_values[n - 1] if n <= len(coder_values) else None
    for v in dim.values:
        if v.shortcut and v.shortcut.lower() == key:
            return v.value
    if dim.scale is Scale.BINARY and not any(v.shortcut for v in dim.values):
        return BINARY_KEYS.get(key)
    return None


def revert_consensus(study: Study, change: Change, *, undo: bool, actor: str) -> Change:
    """Undo (or redo) a consensus decision, written to the audit log as the lead's action."""
    value = change.old_value if undo else change.new_value
    reason = "undone in the review" if undo else "redone in the review"
    if value is None:
        return clear_code(
            study,
            coder=change.coder,
            transcript=change.transcript,
            segment=change.segment,
            dimension=change.dimension or "",
            actor=actor,
            reason=reason,
        )
    return set_code(
        study,
        coder=change.coder,
        transcript=change.transcript,
        segment=change.segment,
        dimension=change.dimension or "",
        value=value,
        actor=actor,
        reason=reason,
    )


# -- workbench -----------------------------------------------------------------------------------
def assigned_first(summaries: Sequence[TranscriptSummary], coder: str) -> list[TranscriptSummary]:
    """Transcripts assigned to ``coder`` first, in the coder's recorded order (a plan's
    positions), then by name; then the rest."""
    mine = [t for t in summaries if (p := t.progress.get(coder)) and p.assigned]
    rest = [t for t in summaries if t not in mine]
    return in_coder_order(mine, coder) + rest
