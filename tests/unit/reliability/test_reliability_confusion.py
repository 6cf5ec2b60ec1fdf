"""The numpy confusion matrix (reliability/confusion.py) against a table counted by hand and
against a brute-force count written out here; the ISO-week arithmetic of drift."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from socialcoder.errors import UserError
from socialcoder.reliability.confusion import confusion_counts
from socialcoder.reliability.drift import coding_week_mondays, iso_week

NAN = np.nan


def test_hand_counted_table() -> None:
    # units:  0  1  2  3    4  5  6  7    8
    a = [0, 0, 1, 2, NAN, 1, 2, 2, 0]
    b = [0, 1, 1, 2, 1, NAN, 0, 2, 0]
    levels, counts = confusion_counts(a, b, n_categories=4)
    # pairs both coded: (0,0) (0,1) (1,1) (2,2) (2,0) (2,2) (0,0); position 3 unused
    assert levels.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert counts.tolist() == [
        [2, 1, 0, 0],
        [0, 1, 0, 0],
        [1, 0, 2, 0],
        [0, 0, 0, 0],
    ]


def test_numeric_values_are_the_distinct_values_seen() -> None:
    a = [1.5, 3.0, 3.0, NAN, 7.0]
    b = [1.5, 1.5, 3.0, 9.0, 7.0]
    levels, counts = confusion_counts(a, b)
    assert levels.tolist() == [1.5, 3.0, 7.0]  # 9.0 only where the other coder gave none
    assert counts.tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]


def test_nobody_coded_the_same_unit() -> None:
    levels, counts = confusion_counts([0, NAN], [NAN, 1], n_categories=2)
    assert counts.tolist() == [[0, 0], [0, 0]]
    levels, counts = confusion_counts([NAN], [NAN])
    assert levels.size == 0 and counts.shape == (0, 0)


@pytest.mark.parametrize("seed", range(5))
def test_equals_brute_force_count(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k, n = 5, 400
    a = rng.integers(0, k, n).astype(float)
    b = np.where(rng.random(n) < 0.6, a, rng.integers(0, k, n)).astype(float)
    a[rng.random(n) < 0.15] = NAN
    b[rng.random(n) < 0.15] = NAN
    expected = [[0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        if x == x and y == y:  # neither is nan
            expected[int(x)][int(y)] += 1
    _, counts = confusion_counts(a, b, n_categories=k)
    assert counts.tolist() == expected
    # the same values taken as numbers: only the values seen on units both coded are levels
    levels, numeric = confusion_counts(a * 10.0, b * 10.0)
    seen = sorted({v for x, y in zip(a, b, strict=True) if x == x and y == y for v in (x, y)})
    assert levels.tolist() == [10.0 * v for v in seen]
    assert numeric.tolist() == [[expected[int(i)][int(j)] for j in seen] for i in seen]


def test_refuses_what_is_not_a_category_position() -> None:
    with pytest.raises(UserError, match="out of range"):
        confusion_counts([0, 3], [0, 1], n_categories=3)
    with pytest.raises(UserError, match="not a category position"):
        confusion_counts([0.5], [0], n_categories=3)


def test_coding_weeks_run_monday_to_monday() -> None:
    # Wednesday 2026-11-18 (week 47) to Monday 2026-12-07 (week 50)
    mondays = coding_week_mondays(date(2026, 11, 18), date(2026, 12, 7))
    assert mondays == [
        date(2026, 11, 16),
        date(2026, 11, 23),
        date(2026, 11, 30),
        date(2026, 12, 7),
    ]
    assert [iso_week(m) for m in mondays] == ["2026-W47", "2026-W48", "2026-W49", "2026-W50"]
    assert coding_week_mondays(date(2026, 11, 18), date(2026, 11, 18)) == [date(2026, 11, 16)]
    assert iso_week(date(2026, 12, 28)) == "2026-W53"  # 2026 has 53 ISO weeks
    assert iso_week(date(2027, 1, 4)) == "2027-W01"
