"""The method's rules in ``domain/rules.py``: the completion rule, who worked on a transcript,
which dimension applies to which role, what a coder has coded (pure functions, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from socialcoder.domain.codebook import Codebook, CodeValue, Dimension, Role, Scale, Unit
from socialcoder.domain.rules import (
    ROLE_NUMBERS,
    Cell,
    NotApplicable,
    applies,
    cell,
    check_applies,
    codable_roles,
    coder_progress,
    empty_value,
    implied_mask,
    is_coded,
    next_uncoded,
    on_transcript,
    role_number,
    roles_of,
    worked,
)
from socialcoder.errors import UserError

BINARY = Dimension(
    "concordance", "Concordance", Scale.BINARY, (CodeValue("1", "present"), CodeValue("0", "a"))
)
RESISTANCE = Dimension(
    "resistance",
    "Resistance",
    Scale.ORDINAL,
    tuple(CodeValue(v, v) for v in ("none", "mild", "strong")),
    applies_to=frozenset({Role.PATIENT}),
    empty_means="none",
)
TOPIC = Dimension("topic", "Topic", Scale.NOMINAL, (CodeValue("a", "a"), CodeValue("b", "b")))
RATING = Dimension("rating", "Rating", Scale.INTERVAL, unit=Unit.SESSION)


def test_empty_value_per_scale() -> None:
    assert empty_value(BINARY) == "0"
    assert empty_value(RESISTANCE) == "none"
    assert empty_value(TOPIC) is None  # nominal without empty_means
    assert empty_value(RATING) is None  # a rating left out is never a rating


@pytest.mark.parametrize(
    ("dim", "entered", "completed", "counts", "expected"),
    [
        (BINARY, None, False, True, Cell(None)),  # not coded yet
        (BINARY, None, True, True, Cell("0", implied=True)),
        (BINARY, "1", True, True, Cell("1")),
        (RESISTANCE, None, True, True, Cell("none", implied=True)),
        (RESISTANCE, "none", True, True, Cell("none")),  # entered, not implied
        (RESISTANCE, "mild", True, False, Cell(None)),  # changed outside the window
        (TOPIC, None, True, True, Cell(None)),
        (RATING, None, True, True, Cell(None)),
        (RATING, "4", False, True, Cell("4")),
    ],
)
def test_completion_rule_cell(
    dim: Dimension, entered: str | None, completed: bool, counts: bool, expected: Cell
) -> None:
    assert cell(dim, entered, completed=completed, code_counts=counts) == expected


def test_implied_mask_on_arrays_and_columns() -> None:
    has = [True, False, False, True]
    done = [True, True, False, False]
    expected = [False, True, False, False]
    assert implied_mask(np.array(has), np.array(done)).tolist() == expected
    assert implied_mask(pd.Series(has), pd.Series(done)).tolist() == expected
    # the mask agrees with the scalar rule cell by cell
    for h, d, e in zip(has, done, expected, strict=True):
        assert cell(BINARY, "1" if h else None, completed=d).implied is e


def test_who_worked_is_codes_memos_or_completion_not_assignment() -> None:
    pairs = worked(codes=[(1, "ana")], memos=[(2, "ben")], completions=[(3, "cleo")])
    assert pairs == {(1, "ana"), (2, "ben"), (3, "cleo")}
    assert (4, "dan") not in pairs
    assert on_transcript(pairs, [(4, "dan")]) == pairs | {(4, "dan")}


def test_roles_numbered_one_way_and_applicability() -> None:
    assert ROLE_NUMBERS == {Role.THERAPIST: 1, Role.PATIENT: 2}
    assert role_number("patient") == 2
    assert roles_of(RESISTANCE) == (Role.PATIENT,)
    assert roles_of(BINARY) == (Role.THERAPIST, Role.PATIENT)
    assert roles_of(RATING) == ()
    assert applies(RESISTANCE, "patient") and not applies(RESISTANCE, Role.THERAPIST)
    assert not applies(RESISTANCE, None)
    assert applies(RATING, None) and not applies(RATING, "patient")


def test_not_applicable_carries_fields_and_one_line() -> None:
    check_applies(RESISTANCE, "patient", 4)
    with pytest.raises(NotApplicable) as caught:
        check_applies(RESISTANCE, "therapist", 3)
    error = caught.value
    assert isinstance(error, UserError)
    assert (error.dimension, error.role, error.allowed, error.segment) == (
        "resistance",
        Role.THERAPIST,
        (Role.PATIENT,),
        3,
    )
    assert str(error) == "'resistance' applies to patient turns; segment 3 is a therapist turn"


@dataclass
class Turn:
    role: str
    codes: dict[str, str] = field(default_factory=dict)


def test_what_a_coder_has_coded() -> None:
    patients_only = Codebook("p", "1", (RESISTANCE, RATING))
    assert codable_roles(patients_only) == {"patient"}
    assert codable_roles(Codebook("b", "1", (BINARY, RATING))) == {"therapist", "patient"}
    turns = [
        Turn("therapist"),  # 0: not codable (resistance applies to patients)
        Turn("patient", {"resistance": "mild"}),  # 1: coded
        Turn("patient", {"rating": "4"}),  # 2: a session-level code only: not coded
        Turn("patient", {"gone": "x"}),  # 3: a key no longer in the codebook: not coded
        Turn("therapist"),  # 4
        Turn("patient", {"resistance": "none"}),  # 5: coded
    ]
    assert [is_coded(t, patients_only) for t in turns] == [False, True, False, False, False, True]
    assert coder_progress(turns, patients_only) == (2, 4)
    assert next_uncoded(turns, patients_only, after=0) == 2
    assert next_uncoded(turns, patients_only, after=3) == 2  # wraps round
    assert next_uncoded(turns, patients_only, after=3, wrap=False) is None
    assert next_uncoded([turns[1], turns[0]], patients_only, after=-1) is None


def test_how_a_value_is_shown() -> None:
    """One home (Dimension.shown) for the review, calibration and the confusion matrix."""
    numbered = Dimension(
        "agreement",
        "Agreement",
        Scale.ORDINAL,
        (CodeValue("1", "none"), CodeValue("4", "partial agreement"), CodeValue("7", "7")),
    )
    assert BINARY.shown("1") == "present"
    assert BINARY.shown("0") == "a"
    assert RESISTANCE.shown("mild") == "mild"
    assert numbered.shown("4") == "4 (partial agreement)"
    assert numbered.shown("7") == "7"  # labelled with itself
    assert RATING.shown("3.5") == "3.5"  # no labels
