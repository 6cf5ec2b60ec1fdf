"""The blind second pass by the same coder (intra-rater stability, test-retest; issue #19).

A **retest plan** draws ``percent`` of each coder's transcripts (those the coder completed, or
with ``include_assigned`` also those assigned and not yet completed), seeded: the same seed and
study give the same draw. Each drawn transcript is assigned to the coder's **retest identity**
(a coder of kind ``retest``, :mod:`socialcoder.domain.coder_kinds`) under a masked label of its
own, so that the coder cannot recognise it by its label and never sees the first pass's codes
while coding it.

How many per coder: ``percent`` of the coder's transcripts, rounded half up, and at least one
when ``percent`` is above 0 and the coder has any (a test-retest figure needs units).

**When it may be coded**: no earlier than ``after_days`` days after the coder completed the
first pass (:func:`available`); a second pass already begun stays available (the coder's
work is never taken away), and a first pass reopened makes a retest not yet begun wait again.

Pure: no database.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialcoder.domain.serial import record
from socialcoder.errors import Input, Remedy

SOURCES = ("completed", "assigned")


class RetestError(ValueError):
    """A retest plan that cannot be drawn (one readable line; ``remedy`` what to change)."""

    def __init__(self, message: str, remedy: Remedy | None = None) -> None:
        super().__init__(message)
        self.remedy = remedy


@dataclass(frozen=True, slots=True)
class RetestSpec:
    percent: float
    after_days: int
    seed: int | None = None
    coders: tuple[str, ...] = ()  # empty: every human coder
    include_assigned: bool = False

    def to_json(self) -> dict[str, object]:
        return record(self, rename={"percent": "retest_percent"})


@dataclass(frozen=True, slots=True)
class RetestDraw:
    coder: str
    transcript: str


def check_spec(spec: RetestSpec) -> None:
    if not 0 < spec.percent <= 100:
        raise RetestError(
            "the percentage coded again must be above 0 and at most 100",
            Remedy.change(Input.RETEST_PERCENT),
        )
    if spec.after_days < 0:
        raise RetestError(
            "the days before the second pass must be 0 or more", Remedy.change(Input.AFTER_DAYS)
        )
    if len(set(spec.coders)) != len(spec.coders):
        raise RetestError("a coder is named twice", Remedy.change(Input.CODERS))


def how_many(n: int, percent: float) -> int:
    """How many of a coder's ``n`` transcripts are drawn (see the module doc)."""
    if n == 0 or percent <= 0:
        return 0
    return min(n, max(1, math.floor(n * percent / 100 + 0.5)))


def draw_retest(pools: Mapping[str, Sequence[str]], spec: RetestSpec) -> list[RetestDraw]:
    """The seeded draw: for each coder (in name order) ``how_many`` of their pool (a sample
    of the pool in name order, so the draw does not depend on the order given)."""
    check_spec(spec)
    rng = random.Random(spec.seed)
    out: list[RetestDraw] = []
    for coder in sorted(pools):
        pool = sorted(set(pools[coder]))
        k = how_many(len(pool), spec.percent)
        out += [RetestDraw(coder, t) for t in sorted(rng.sample(pool, k))]
    return out


def available_from(first_completed_at: datetime | None, after_days: int) -> datetime | None:
    """The earliest time a second pass may be coded; None while the first pass is open."""
    if first_completed_at is None:
        return None
    return first_completed_at + timedelta(days=after_days)


def available(
    first_completed_at: datetime | None, after_days: int, now: datetime, *, begun: bool = False
) -> bool:
    """Whether the coder may code the second pass now (see the module doc)."""
    if begun:
        return True
    start = available_from(first_completed_at, after_days)
    return start is not None and now >= start
