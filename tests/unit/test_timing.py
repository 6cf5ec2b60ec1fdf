"""Estimated segment times: spread between measured starts by text length, marked as estimates.

The expected values are worked out in the test from the rule (each turn's share of a gap is its
characters + 8), not taken from the code."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialcoder.domain.timing import (
    estimate_times,
    format_clock,
    order_problem,
    parse_clock,
    parse_length,
    random_excerpt,
)


def test_turns_between_two_stamps_share_the_gap_by_length():
    texts = ["a" * 12, "b" * 2, "c" * 32, "d" * 5]
    out = estimate_times([10.0, None, None, 40.0], [None] * 4, texts)
    w = [len(t) + 8 for t in texts[:3]]  # turns 1-3 fill 10..40
    assert out[1].start == pytest.approx(10 + 30 * w[0] / sum(w), abs=1e-3)
    assert out[2].start == pytest.approx(10 + 30 * (w[0] + w[1]) / sum(w), abs=1e-3)
    assert [t.start_estimated for t in out] == [False, True, True, False]
    # ends: the next start; estimated when that start is
    assert [t.end_estimated for t in out[:3]] == [True, True, False]
    assert out[3].end is None  # the end of the recording is not known


def test_before_the_first_stamp_from_the_origin_and_after_the_last_to_the_end():
    texts = ["x" * 10] * 5
    out = estimate_times([None, None, 30.0, None, None], [None] * 5, texts, origin=12.0, end=60.0)
    assert [t.start for t in out] == pytest.approx([12.0, 21.0, 30.0, 40.0, 50.0], abs=1e-3)
    assert out[-1].end == 60.0 and out[-1].end_estimated


def test_nothing_is_invented_without_a_measured_start():
    out = estimate_times([None] * 3, [None] * 3, ["a", "b", "c"], end=90.0)
    assert all(t.start is None and t.end is None for t in out)
    assert not any(t.start_estimated or t.end_estimated for t in out)


def test_measured_ends_stay_measured():
    out = estimate_times([0.0, 5.0], [4.5, 9.0], ["a", "b"])
    assert [(t.end, t.end_estimated) for t in out] == [(4.5, False), (9.0, False)]


@given(
    st.lists(st.text(max_size=40), min_size=1, max_size=30),
    st.data(),
)
def test_estimates_never_leave_their_gap_and_keep_the_order(texts, data):
    n = len(texts)
    chosen = sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1)))
    times = sorted(
        data.draw(st.lists(st.floats(0, 3600), min_size=len(chosen), max_size=len(chosen)))
    )
    measured = [None] * n
    for i, t in zip(chosen, times, strict=True):
        measured[i] = t
    out = estimate_times(measured, [None] * n, texts, origin=0.0, end=3601.0)
    starts = [t.start for t in out]
    assert all(s is not None for s in starts)
    assert all(a <= b + 1e-6 for a, b in itertools.pairwise(starts))
    for i, t in enumerate(out):
        assert t.start_estimated == (measured[i] is None)
        if measured[i] is not None:
            assert t.start == measured[i]


def test_order_problem_names_the_turns():
    assert order_problem([1.0, None, 5.0, 3.0]) == (2, 3)
    assert order_problem([1.0, None, 5.0, 6.0]) is None


@pytest.mark.parametrize(
    ("text", "seconds"), [("01:30", 90.0), ("1:02:03", 3723.0), ("75.5", 75.5), ("0:05.25", 5.25)]
)
def test_parse_clock(text, seconds):
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["1:75", "abc", "-3", "1:99:00", "nan"])
def test_parse_clock_refuses(text):
    with pytest.raises(ValueError):
        parse_clock(text)


@pytest.mark.parametrize(
    ("text", "seconds"), [("20m", 1200), ("90s", 90), ("1.5h", 5400), ("20:00", 1200)]
)
def test_parse_length(text, seconds):
    assert parse_length(text) == seconds


def test_random_excerpt_is_reproducible_and_inside():
    a = random_excerpt(3600, 1200, 7)
    assert a == random_excerpt(3600, 1200, 7)
    assert a != random_excerpt(3600, 1200, 8)
    assert a[0] >= 0 and a[1] <= 3600 and a[1] - a[0] == pytest.approx(1200)
    with pytest.raises(ValueError, match="longer than the recording"):
        random_excerpt(600, 1200, 1)


def test_format_clock():
    assert (format_clock(65.9), format_clock(3725), format_clock(None)) == ("1:05", "1:02:05", "")


def test_rounding_never_moves_an_estimate_past_the_next_measured_start():
    # found by the property above: 1.6875 rounds to 1.688, after the stamp at 1.6875
    out = estimate_times([1.6875, None, 1.6875], [None] * 3, ["", "", ""])
    assert [t.start for t in out] == [1.6875, 1.6875, 1.6875]
