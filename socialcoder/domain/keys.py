"""The coding window's own single keys, owned by the core.

The window binds its keys from here, and the codebook loader refuses them as codebook
shortcuts from here, so the two cannot disagree (a dimension on ``j`` would be listed as a
coding key while ``j`` moves to the next segment).

* With nothing armed, the segment list takes :data:`WINDOW_KEYS` (and F1, Delete, Backspace,
  Home, End, Page Up/Down, which no codebook shortcut can be): no dimension may use them.
* With a dimension armed, digit N (1-9) picks its N-th value, and in the lead's review digit N
  takes coder N's value: a value's shortcut may be a digit only when it is the value's own
  position (``1`` for the first value ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

from socialcoder.domain.codebook import Codebook, Dimension

NEXT_SEGMENT = "j"
PREVIOUS_SEGMENT = "k"
NEXT_UNCODED = "n"
MEMO = "m"
DETAILS = "?"

#: key -> what it does in the coding window (shortcuts are compared ignoring case)
WINDOW_KEYS = MappingProxyType(
    {
        NEXT_SEGMENT: "next segment",
        PREVIOUS_SEGMENT: "previous segment",
        NEXT_UNCODED: "next uncoded segment",
        MEMO: "memo",
        DETAILS: "definition of the dimension",
    }
)
#: accept the machine's suggestion on the current segment (issue #17): a modifier chord, so it
#: can never be a codebook shortcut (those are single keys)
ACCEPT_SUGGESTION = "Alt+Return"
#: digits that pick the N-th value of an armed dimension (and coder N's value in the review)
PICK_DIGITS = "123456789"


def describe_window_keys() -> str:
    """``j next segment, k previous segment, ...`` for messages."""
    return ", ".join(f"{key} {what}" for key, what in WINDOW_KEYS.items())


def dimension_key_problem(shortcut: str) -> str | None:
    """Why a dimension may not have ``shortcut``, or None."""
    what = WINDOW_KEYS.get(shortcut.casefold())
    if what is None:
        return None
    return (
        f"shortcut {shortcut!r} is the coding window's own key for '{what}' "
        f"(the window keeps {describe_window_keys()}); choose another key"
    )


def value_key_problem(shortcut: str, position: int) -> str | None:
    """Why the value at 1-based ``position`` may not have ``shortcut``, or None."""
    if shortcut in PICK_DIGITS and int(shortcut) != position:
        return (
            f"shortcut {shortcut!r} is the window's digit for value {shortcut} (and for coder "
            f"{shortcut}'s value in the review), not value {position}; use a letter"
        )
    return None


def coding_shortcut(dim: Dimension) -> str | None:
    """The dimension's shortcut as the window uses it: None when the window keeps that key
    (a codebook stored before this rule)."""
    if dim.shortcut and dimension_key_problem(dim.shortcut) is None:
        return dim.shortcut
    return None


def shortcut_conflicts(codebook: Codebook) -> Iterator[tuple[str, str]]:
    """(dimension key, problem) for every shortcut of ``codebook`` that the window or the
    review would take for something else (for codebooks stored before this rule)."""
    for dim in codebook.dimensions:
        if dim.shortcut and (problem := dimension_key_problem(dim.shortcut)):
            yield dim.key, problem
        for i, value in enumerate(dim.values, start=1):
            if value.shortcut and (problem := value_key_problem(value.shortcut, i)):
                yield dim.key, problem
