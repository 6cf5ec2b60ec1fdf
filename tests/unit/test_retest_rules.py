"""The second pass's pure rules (socialcoder.domain.retest): how many per coder, a seeded draw
that does not depend on the order given, and when a second pass may be coded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialcoder.domain.retest import (
    RetestError,
    RetestSpec,
    available,
    available_from,
    draw_retest,
    how_many,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("n", "percent", "expected"),
    [(0, 50, 0), (4, 50, 2), (7, 20, 1), (8, 20, 2), (3, 1, 1), (5, 100, 5), (10, 15, 2)],
)
def test_how_many_rounds_half_up_with_at_least_one(n: int, percent: float, expected: int) -> None:
    assert how_many(n, percent) == expected


def test_the_draw_is_seeded_per_coder_and_ignores_the_order_given() -> None:
    pools = {"B": ["T3", "T1", "T2", "T4"], "A": ["T9", "T8", "T7"]}
    spec = RetestSpec(50, 14, seed=11)
    one = draw_retest(pools, spec)
    two = draw_retest({k: list(reversed(v)) for k, v in reversed(pools.items())}, spec)
    assert one == two
    assert [d.coder for d in one] == ["A", "A", "B", "B"]
    assert all(d.transcript in pools[d.coder] for d in one)
    seeds = {tuple(draw_retest(pools, RetestSpec(50, 14, seed=s))) for s in range(20)}
    assert len(seeds) > 1  # the seed matters


@pytest.mark.parametrize(
    "spec",
    [
        RetestSpec(0, 1),
        RetestSpec(101, 1),
        RetestSpec(10, -1),
        RetestSpec(10, 1, coders=("A", "A")),
    ],
)
def test_bad_specs_are_refused(spec: RetestSpec) -> None:
    with pytest.raises(RetestError):
        draw_retest({"A": ["T1"]}, spec)


def test_a_second_pass_waits_for_the_first_and_the_days() -> None:
    assert available_from(None, 14) is None
    assert not available(None, 0, T0)  # first pass still open
    assert available_from(T0, 14) == T0 + timedelta(days=14)
    assert not available(T0, 14, T0 + timedelta(days=13, hours=23))
    assert available(T0, 14, T0 + timedelta(days=14))
    assert available(None, 14, T0, begun=True)  # work begun is never taken away
