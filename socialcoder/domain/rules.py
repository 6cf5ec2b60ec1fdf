"""The method's rules, each in one place: what an empty cell means, who worked on a transcript,
which dimension applies to which speaker role.

Pure functions over plain values. Every path that reads or writes codes asks these: coding,
codes import, merge, REFI-QDA import, codebook update, reliability data, the export tables,
consensus, calibration and the window's pre-checks (see ``docs/architecture.md``). Code that
applies a rule to arrays or data frames (numpy in ``services/reliability_data.py``, pandas in
``export/tables.py``) takes the rule from here -- the empty value of each dimension, the
implied-cell mask, the role numbers -- and never restates it.

**The completion rule.** Until a coder marks a transcript complete, an applicable cell without a
code means *not coded yet* (missing). Once the coder has completed it, a cell with no code at
all takes the dimension's *empty value* (:func:`empty_value`): ``0`` (absent) for a binary
dimension, the codebook's ``empty_means`` for a nominal or ordinal one that declares it, else
nothing (the cell stays missing: a rating left out is never a rating). Values filled in this way
are *implied* and stay distinguishable from entered ones. With a time window, a code changed
outside the window makes its cell missing (never implied), and implied values count only when
the completion falls in the window.

**Who worked on a transcript.** A coder worked on a transcript when they gave a code in it,
wrote a memo on one of its turns, or marked it complete (:data:`WORK`). An assignment alone is
a plan, not work: it puts the coder on the transcript's progress list
(:func:`on_transcript`), but gives no rows in the exports and no units in reliability.

**Which dimension applies to which role.** A segment-level dimension applies to the turns of the
roles in its ``applies_to``; a session-level one to the transcript (no role). Roles are
numbered one way (:data:`ROLE_NUMBERS`, also the value labels of the exports' ``role``
column).

**What a coder has coded.** A turn is *codable* when some segment-level dimension applies to its
role (:func:`codable_roles`) and *coded* when the coder gave it at least one segment-level code
(:func:`is_coded`); a coder's progress on a transcript is (coded, codable) over its codable
turns (:func:`coder_progress`), and the next turn to code is the next codable, uncoded one
(:func:`next_uncoded`). ``services/transcript_view.py`` counts the same in SQL for long
transcripts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, Self, TypeVar

from socialcoder.domain.codebook import Codebook, Dimension, Role, Unit
from socialcoder.errors import StudyError

# --- the completion rule -----------------------------------------------------------------------


def empty_value(dim: Dimension) -> str | None:
    """What an applicable cell left empty means once its coder completed the transcript:
    ``"0"`` for binary, ``empty_means`` for nominal/ordinal (when declared), else ``None``."""
    return dim.empty_value


@dataclass(frozen=True, slots=True)
class Cell:
    """One coder's value on one unit after the completion rule: ``value`` None is missing;
    ``implied`` is True when the rule filled it in (no code was entered)."""

    value: str | None
    implied: bool = False


def cell(
    dim: Dimension,
    entered: str | None,
    *,
    completed: bool,
    code_counts: bool = True,
) -> Cell:
    """The completion rule for one cell. ``entered`` is the code's value (None: no code at
    all); ``completed``: the coder completed the transcript (in the window, if any);
    ``code_counts`` False for a code changed outside a time window (the cell is then missing,
    never implied)."""
    if entered is not None:
        return Cell(entered if code_counts else None)
    empty = empty_value(dim)
    if completed and empty is not None:
        return Cell(empty, implied=True)
    return Cell(None)


class _Mask(Protocol):
    """Boolean arrays or columns (numpy, pandas): what :func:`implied_mask` works on."""

    def __and__(self, other: _Mask, /) -> Self: ...
    def __invert__(self) -> Self: ...


M = TypeVar("M", bound=_Mask)


def implied_mask(has_code: M, completed: M) -> M:
    """The completion rule on whole arrays: the cells that take the empty value are those with
    no code at all of a coder who completed the transcript (apply it only where
    :func:`empty_value` is not None)."""
    return completed & ~has_code


# --- who worked on a transcript ----------------------------------------------------------------


class Work(StrEnum):
    """What counts as work on a transcript."""

    CODES = "codes"
    MEMOS = "memos"
    COMPLETION = "completion"


#: Everything that makes a coder one who worked on a transcript (an assignment does not).
WORK: frozenset[Work] = frozenset(Work)

P = TypeVar("P")


def worked(
    *, codes: Iterable[P] = (), memos: Iterable[P] = (), completions: Iterable[P] = ()
) -> set[P]:
    """The (transcript, coder) pairs with work: a code, a memo on a turn, or a completion."""
    return {*codes, *memos, *completions}


def on_transcript(worked_pairs: Iterable[P], assigned: Iterable[P] = ()) -> set[P]:
    """The pairs listed on a transcript's progress: who worked on it, or is assigned to it."""
    return {*worked_pairs, *assigned}


# --- which dimension applies to which role -----------------------------------------------------

#: Roles as numbers, one way everywhere (the exports' value labels: 1 therapist, 2 patient).
ROLE_NUMBERS: dict[Role, int] = {Role.THERAPIST: 1, Role.PATIENT: 2}
ROLE_OF_NUMBER: dict[int, Role] = {n: r for r, n in ROLE_NUMBERS.items()}


def role_number(role: Role | str) -> int:
    return ROLE_NUMBERS[Role(role)]


def roles_of(dim: Dimension) -> tuple[Role, ...]:
    """The roles a segment-level dimension applies to, in :class:`Role` order (none for a
    session-level one)."""
    if dim.unit is Unit.SESSION:
        return ()
    return tuple(r for r in Role if r in dim.applies_to)


def applies(dim: Dimension, role: Role | str | None) -> bool:
    """True when ``dim`` applies to a unit of ``role`` (None: the session as a whole)."""
    if dim.unit is Unit.SESSION:
        return role is None
    return role is not None and Role(role) in dim.applies_to


def allowed_roles_text(dim: Dimension) -> str:
    """``therapist and patient``: the roles a segment-level dimension applies to, for messages."""
    return " and ".join(sorted(r.value for r in dim.applies_to))


class NotApplicable(StudyError):
    """A code on a turn whose speaker role the dimension does not apply to. Fields:
    ``dimension`` (key), ``role`` (the turn's), ``allowed`` (the dimension's roles),
    ``segment`` (the turn's number, when known)."""

    def __init__(self, dim: Dimension, role: Role | str, segment: int | None = None) -> None:
        self.dimension = dim.key
        self.role = Role(role)
        self.allowed = roles_of(dim)
        self.segment = segment
        where = f"segment {segment} is" if segment is not None else "this is"
        super().__init__(
            f"{dim.key!r} applies to {allowed_roles_text(dim)} turns; {where} a "
            f"{self.role.value} turn"
        )


def check_applies(dim: Dimension, role: Role | str, segment: int | None = None) -> None:
    """Refuse (:class:`NotApplicable`) a segment-level code on a turn of another role."""
    if not applies(dim, role):
        raise NotApplicable(dim, role, segment)


# --- what a coder has coded --------------------------------------------------------------------


class CodedTurn(Protocol):
    """One turn as one coder sees it: its speaker role and that coder's codes (dimension key ->
    value text), e.g. ``services.transcript_view.SegmentView``."""

    @property
    def role(self) -> str: ...
    @property
    def codes(self) -> Mapping[str, str]: ...


def codable_roles(codebook: Codebook) -> frozenset[str]:
    """Speaker roles to which at least one segment-level dimension applies."""
    return frozenset(r.value for d in codebook.segment_dimensions() for r in d.applies_to)


def is_coded(turn: CodedTurn, codebook: Codebook) -> bool:
    """True when the turn has at least one segment-level code (of the coder viewed)."""
    return any(codebook.has(k) and codebook.dimension(k).unit is Unit.SEGMENT for k in turn.codes)


def coder_progress(turns: Sequence[CodedTurn], codebook: Codebook) -> tuple[int, int]:
    """(coded, codable) for one coder's view of a transcript's turns."""
    roles = codable_roles(codebook)
    codable = [t for t in turns if t.role in roles]
    return sum(1 for t in codable if is_coded(t, codebook)), len(codable)


def next_uncoded(
    turns: Sequence[CodedTurn], codebook: Codebook, after: int, *, wrap: bool = True
) -> int | None:
    """Row (0-based) of the next codable, uncoded turn after row ``after`` (wrapping round to
    the start unless ``wrap`` is False); None if there is none."""
    roles = codable_roles(codebook)
    n = len(turns)
    order = list(range(after + 1, n)) + (list(range(0, after + 1)) if wrap else [])
    for row in order:
        t = turns[row]
        if t.role in roles and not is_coded(t, codebook):
            return row
    return None
