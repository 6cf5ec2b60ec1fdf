"""The design planner (domain/design.py): stratified, seeded, covert, spread, balanced."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcoder.domain.design import (
    PRIMARY,
    RELIABILITY,
    DesignError,
    DesignSpec,
    DesignUnit,
    allocate,
    plan_design,
    spread,
)


def _units(n: int, therapists: int = 3, sites: int = 2) -> list[DesignUnit]:
    return [
        DesignUnit(f"T{i:03d}", therapist=f"th{i % therapists}", site=f"s{i % sites}")
        for i in range(n)
    ]


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    spec = DesignSpec(("a", "b", "c"), 25, ("therapist",), covert=True, anchors=2, seed=7)
    one = plan_design(_units(40), spec)
    assert one == plan_design(_units(40), spec)
    other = plan_design(_units(40), DesignSpec(("a", "b", "c"), 25, ("therapist",), True, 2, 8))
    assert one.assignments != other.assignments


@given(
    sizes=st.lists(st.integers(0, 30), min_size=1, max_size=8),
    share=st.floats(0, 1),
)
def test_allocation_is_proportional_within_rounding(sizes: list[int], share: float) -> None:
    strata = {(f"s{i}",): k for i, k in enumerate(sizes)}
    n = sum(sizes)
    total = round(n * share)
    got = allocate(strata, total)
    assert sum(got.values()) == total
    for s, k in strata.items():
        exact = total * k / n if n else 0
        assert abs(got[s] - exact) < 1
        assert 0 <= got[s] <= k


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(10, 60), pct=st.sampled_from([10, 20, 30]))
def test_every_stratum_is_represented_in_proportion(seed: int, n: int, pct: int) -> None:
    units = _units(n)
    plan = plan_design(units, DesignSpec(("a", "b"), pct, ("therapist", "site"), True, 0, seed))
    target = round(n * pct / 100)
    assert len(plan.double_coded) == target
    by_stratum = Counter(
        u.stratum(("therapist", "site")) for u in units if u.name in set(plan.double_coded)
    )
    sizes = Counter(u.stratum(("therapist", "site")) for u in units)
    for s, k in sizes.items():
        assert abs(by_stratum[s] - target * k / n) < 1, (s, by_stratum[s], target * k / n)
    for share in plan.strata:
        assert share.double_coded == by_stratum[share.stratum]


def test_each_transcript_has_one_primary_and_doubled_ones_a_second_coder() -> None:
    plan = plan_design(_units(30), DesignSpec(("a", "b", "c"), 20, (), True, 2, 1))
    purposes: dict[str, list[tuple[str, str]]] = {}
    for p in plan.assignments:
        purposes.setdefault(p.transcript, []).append((p.coder, p.purpose))
    for name, pairs in purposes.items():
        kinds = Counter(k for _, k in pairs)
        if name in plan.anchors:
            assert kinds == {PRIMARY: 1, RELIABILITY: 2}
            assert all(p.anchor for p in plan.assignments if p.transcript == name)
        elif name in plan.double_coded:
            assert kinds == {PRIMARY: 1, RELIABILITY: 1} and len({c for c, _ in pairs}) == 2
        else:
            assert kinds == {PRIMARY: 1}
    load = Counter(p.coder for p in plan.assignments)
    assert max(load.values()) - min(load.values()) <= 1


def test_covert_primary_is_drawn_at_random() -> None:
    """Over many seeds, the coder drawn first for a double-coded transcript is its primary
    coder about half of the time (not always, as without --covert)."""
    firsts = Counter()
    for seed in range(200):
        plan = plan_design(_units(10), DesignSpec(("a", "b"), 100, (), True, 0, seed))
        for p in plan.assignments:
            if p.purpose == PRIMARY:
                firsts[p.coder] += 1
    assert 0.4 < firsts["a"] / sum(firsts.values()) < 0.6


def test_order_is_a_permutation_spread_over_the_period() -> None:
    plan = plan_design(
        _units(60), DesignSpec(("a", "b"), 20, ("therapist",), True, 3, 5), last_position={"a": 4}
    )
    for coder in ("a", "b"):
        mine = sorted((p for p in plan.assignments if p.coder == coder), key=lambda p: p.position)
        start = 4 if coder == "a" else 0
        assert [p.position for p in mine] == list(range(start + 1, start + len(mine) + 1))
        special = [
            i for i, p in enumerate(mine) if p.anchor or p.transcript in set(plan.double_coded)
        ]
        n, k = len(mine), len(special)
        # one special transcript in each of k equal blocks of the coder's queue
        blocks = [next(b for b in range(k) if (b * n) // k <= i < ((b + 1) * n) // k)
                  for i in special]  # fmt: skip
        assert blocks == list(range(k))


def test_spread_places_one_item_per_block() -> None:
    rng = random.Random(3)
    order = spread(["x", "y", "z"], [str(i) for i in range(9)], rng)
    assert sorted(order) == sorted(["x", "y", "z", *map(str, range(9))])
    assert [order.index(s) // 4 for s in ("x", "y", "z")] == [0, 1, 2]


@pytest.mark.parametrize(
    "spec",
    [
        DesignSpec((), 20),
        DesignSpec(("a",), 20),
        DesignSpec(("a", "a"), 20),
        DesignSpec(("a", "b"), 120),
        DesignSpec(("a", "b"), 20, ("room",)),
    ],
)
def test_bad_designs_are_refused(spec: DesignSpec) -> None:
    with pytest.raises(DesignError):
        plan_design(_units(5), spec)
