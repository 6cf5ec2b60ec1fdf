"""Cross-validation folds never split a session, nor (where possible) a person."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcoder.machine import TooFewUnitsError
from socialcoder.machine.folds import (
    BY_BOTH,
    BY_PARTICIPANT,
    BY_TRANSCRIPT,
    assign_folds,
    group_sessions,
)

people = st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D", "E", "F", "G", "H"]))


@st.composite
def studies(draw):
    n = draw(st.integers(min_value=2, max_value=40))
    participants = draw(st.lists(people, min_size=n, max_size=n))
    therapists = draw(st.lists(people, min_size=n, max_size=n))
    sizes = draw(st.lists(st.integers(1, 300), min_size=n, max_size=n))
    folds = draw(st.integers(min_value=2, max_value=6))
    seed = draw(st.integers(0, 2**16))
    return participants, therapists, np.asarray(sizes), folds, seed


def _linked(a: str | None, b: str | None) -> bool:
    return a is not None and a == b


@settings(max_examples=200, deadline=None)
@given(studies())
def test_no_group_is_split_between_training_and_test(study) -> None:
    participants, therapists, sizes, folds, seed = study
    grouping = group_sessions(participants, therapists, folds)
    if grouping.count < folds:
        with pytest.raises(TooFewUnitsError):
            assign_folds(grouping.groups, sizes, folds, seed)
        assert len(participants) < folds  # only when even one group per session is too few
        return
    fold = assign_folds(grouping.groups, sizes, folds, seed)
    assert fold.shape == (len(participants),)
    assert set(fold.tolist()) == set(range(folds))  # every fold tests something
    for k in range(folds):
        test_groups = set(grouping.groups[fold == k].tolist())
        train_groups = set(grouping.groups[fold != k].tolist())
        assert not test_groups & train_groups
    n = len(participants)
    for i in range(n):
        for j in range(i + 1, n):
            shared_p = _linked(participants[i], participants[j])
            shared_t = _linked(therapists[i], therapists[j])
            if grouping.by == BY_BOTH and (shared_p or shared_t):
                assert fold[i] == fold[j]
            if grouping.by == BY_PARTICIPANT and shared_p:
                assert fold[i] == fold[j]
            if grouping.by == "therapist" and shared_t:
                assert fold[i] == fold[j]


def test_sessions_of_one_participant_stay_together_when_the_therapist_links_all() -> None:
    participants = [f"P{i // 2}" for i in range(12)]
    therapists = ["T1"] * 12  # one therapist saw everyone: no split is possible by both
    grouping = group_sessions(participants, therapists, 5)
    assert grouping.by == BY_PARTICIPANT
    assert "therapist" in (grouping.note or "")
    fold = assign_folds(grouping.groups, np.ones(12), 5)
    for i in range(0, 12, 2):
        assert fold[i] == fold[i + 1]


def test_unknown_people_group_by_transcript() -> None:
    grouping = group_sessions([None] * 6, [None] * 6, 3)
    assert grouping.by == BY_TRANSCRIPT
    assert grouping.count == 6
    assert "not known" in (grouping.note or "")


def test_folds_are_balanced_by_units() -> None:
    sizes = np.asarray([100, 90, 80, 70, 60, 50, 40, 30, 20, 10])
    fold = assign_folds(np.arange(10), sizes, 2)
    load = [int(sizes[fold == k].sum()) for k in range(2)]
    assert abs(load[0] - load[1]) <= 10


def test_too_few_sessions_for_the_folds_is_refused_with_the_numbers() -> None:
    with pytest.raises(TooFewUnitsError, match="3 groups of sessions with coded turns, at least 5"):
        assign_folds(np.arange(3), np.ones(3), 5)
    with pytest.raises(TooFewUnitsError, match="1 folds, at least 2"):
        assign_folds(np.arange(3), np.ones(3), 1)
