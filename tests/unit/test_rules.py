"""The method's rules in ``domain/rules.py``: the completion rule, who worked on a transcript,
which dimension applies to which role (pure functions, no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialcoder.domain.codebook import CodeValue, Dimension, Role, Scale, Unit
from socialcoder.domain.rules import (
    ROLE_NUMBERS,
    Cell,
    NotApplicable,
    applies,
    cell,
    check_applies,
    empty_value,
    implied_mask,
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
