"""What changed in a study, as one typed value for every front end: :class:`StudyChange`.

A window's own action and a change made elsewhere (the command line, another window, a merge)
are described the same way, so that one path tells each view whether it has to read again:

* the services a window runs return it, or a value it is built from here
  (:meth:`StudyChange.from_changes` for the coding actions' and consensus'
  :class:`~socialcoder.services.coding.Change`; the assignment services return their rows
  with it, ``.change``, built by :func:`assignments_change` from the rows written;
  :meth:`StudyChange.of` for the rest);
* a change made elsewhere is derived from what the audit log recorded since the last entry
  seen (:func:`audit_change`), and is "everything" where the log cannot say
  (:meth:`StudyChange.everything`; see :class:`~socialcoder.services.changes.StudyWatch`).

``transcripts``, ``coders`` and ``dimensions`` name what the change touched; ``None`` means
"not known, or not limited to some" (a renamed coder touches every transcript's figures).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from socialcoder.domain.coder_kinds import CONSENSUS
from socialcoder.domain.states import EditKind

if TYPE_CHECKING:
    from socialcoder.services.coding import Change


class ChangeKind(StrEnum):
    """What kind of data changed."""

    CODES = "codes"
    MEMOS = "memos"
    COMPLETIONS = "completions"
    ASSIGNMENTS = "assignments"
    CONSENSUS = "consensus"  # the consensus layer's codes (the final codes)
    CODEBOOK = "codebook"
    CODERS = "coders"  # added, renamed, (de)activated
    TRANSCRIPTS = "transcripts"  # imported, removed, their text or timing
    SETTINGS = "settings"  # the study's settings (blinding, thresholds)
    EVENTS = "events"  # the study's event record (openings, exports, imports)
    MEASURES = "measures"  # session measures (questionnaire scores per participant and session)
    MODELS = "models"  # the machine coder's stored models


ALL_KINDS = frozenset(ChangeKind)
#: kinds that concern no transcript or coder in particular: combined with others, they leave
#: the others' names as they are
UNNAMED_KINDS = frozenset({ChangeKind.SETTINGS, ChangeKind.EVENTS})

Names = frozenset[str] | None


def _names(values: Iterable[str] | None) -> Names:
    return None if values is None else frozenset(values)


def _union(a: Names, b: Names) -> Names:
    return None if a is None or b is None else a | b


def _meets(mine: Names, wanted: Collection[str] | None) -> bool:
    return mine is None or wanted is None or not mine.isdisjoint(wanted)


@dataclass(frozen=True, slots=True)
class StudyChange:
    """What changed: the kinds of data, and (where known) for which transcripts, coders and
    dimensions. Empty (false) when nothing changed; combine two with ``|``."""

    kinds: frozenset[ChangeKind] = frozenset()
    transcripts: Names = None
    coders: Names = None
    dimensions: Names = None

    @classmethod
    def none(cls) -> StudyChange:
        return cls()

    @classmethod
    def everything(cls) -> StudyChange:
        """Anything may have changed (what no record describes)."""
        return cls(ALL_KINDS)

    @classmethod
    def of(
        cls,
        *kinds: ChangeKind,
        transcripts: Iterable[str] | None = None,
        coders: Iterable[str] | None = None,
        dimensions: Iterable[str] | None = None,
    ) -> StudyChange:
        return cls(frozenset(kinds), _names(transcripts), _names(coders), _names(dimensions))

    @classmethod
    def from_changes(cls, changes: Iterable[Change], consensus: str = CONSENSUS) -> StudyChange:
        """The study-level change of coding actions' :class:`Change` values (the consensus
        layer's codes, coder ``consensus``, are :attr:`ChangeKind.CONSENSUS`)."""
        out = cls()
        for c in changes:
            if not c.changed:
                continue
            if c.kind == EditKind.CODE:
                kind = ChangeKind.CONSENSUS if c.coder == consensus else ChangeKind.CODES
                dims: Iterable[str] | None = () if c.dimension is None else (c.dimension,)
            elif c.kind == EditKind.MEMO:
                kind, dims = ChangeKind.MEMOS, None
            else:
                kind, dims = ChangeKind.COMPLETIONS, None
            out |= cls.of(kind, transcripts=(c.transcript,), coders=(c.coder,), dimensions=dims)
        return out

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def __or__(self, other: StudyChange) -> StudyChange:
        if not other:
            return self
        if not self:
            return other
        if other.kinds <= UNNAMED_KINDS:
            return replace(self, kinds=self.kinds | other.kinds)
        if self.kinds <= UNNAMED_KINDS:
            return replace(other, kinds=self.kinds | other.kinds)
        return StudyChange(
            self.kinds | other.kinds,
            _union(self.transcripts, other.transcripts),
            _union(self.coders, other.coders),
            _union(self.dimensions, other.dimensions),
        )

    def concerns(
        self,
        kinds: Collection[ChangeKind],
        *,
        transcripts: Collection[str] | None = None,
        coders: Collection[str] | None = None,
        dimensions: Collection[str] | None = None,
    ) -> bool:
        """Whether a view that shows ``kinds`` of data (for the given transcripts, coders and
        dimensions; ``None``: all of them) has to read again."""
        return (
            not self.kinds.isdisjoint(kinds)
            and _meets(self.transcripts, transcripts)
            and _meets(self.coders, coders)
            and _meets(self.dimensions, dimensions)
        )

    def covers(self, other: StudyChange) -> bool:
        """Whether ``other`` says nothing that this change does not (its kinds and names are
        among these; a name set of ``None`` here covers any)."""

        def within(mine: Names, theirs: Names) -> bool:
            return mine is None or (theirs is not None and theirs <= mine)

        return other.kinds <= self.kinds and (
            not other
            or (
                within(self.transcripts, other.transcripts)
                and within(self.coders, other.coders)
                and within(self.dimensions, other.dimensions)
            )
        )

    def describe(self) -> str:
        """A short text for a status bar: the kinds, in the enum's order."""
        return ", ".join(k.value for k in ChangeKind if k in self.kinds) or "nothing"


class Pair(Protocol):
    """An assignment as :func:`assignments_change` reads it (a ``StoredAssignment``; named
    by its fields so that this module, which the assignment services import, imports none of
    them)."""

    @property
    def transcript(self) -> str: ...
    @property
    def coder(self) -> str: ...


def assignments_change(rows: Sequence[Pair]) -> StudyChange:
    """The change made by storing or removing ``rows`` (the assignment services' rows)."""
    if not rows:
        return StudyChange()
    return StudyChange.of(
        ChangeKind.ASSIGNMENTS,
        transcripts=(a.transcript for a in rows),
        coders=(a.coder for a in rows),
    )


#: what each audit-log action records; an action not listed means "everything"
AUDIT_KINDS: dict[str, frozenset[ChangeKind]] = {
    "set": frozenset({ChangeKind.CODES}),
    "clear": frozenset({ChangeKind.CODES}),
    "import": frozenset({ChangeKind.CODES}),
    "machine code": frozenset({ChangeKind.CODES}),
    "memo": frozenset({ChangeKind.MEMOS}),
    "complete": frozenset({ChangeKind.COMPLETIONS}),
    "reopen": frozenset({ChangeKind.COMPLETIONS}),
    "assign": frozenset({ChangeKind.ASSIGNMENTS}),
    "unassign": frozenset({ChangeKind.ASSIGNMENTS}),
    "consensus": frozenset({ChangeKind.CONSENSUS}),
    "merge": frozenset({ChangeKind.CODES, ChangeKind.MEMOS, ChangeKind.COMPLETIONS}),
    "time": frozenset({ChangeKind.TRANSCRIPTS}),
    "turn": frozenset({ChangeKind.TRANSCRIPTS}),
    "unturn": frozenset({ChangeKind.TRANSCRIPTS}),
}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit-log entry as :func:`audit_change` reads it (names already resolved; ``None``
    for a transcript or coder that no longer exists, or none named)."""

    action: str
    coder: str | None
    coder_is_consensus: bool
    transcript: str | None
    dimension: str | None


def audit_change(entries: Iterable[AuditEntry]) -> StudyChange:
    """The change that ``entries`` (audit-log entries, in any order) record."""
    out = StudyChange()
    for e in entries:
        kinds = AUDIT_KINDS.get(e.action)
        if kinds is None:
            return StudyChange.everything()
        if e.coder_is_consensus and ChangeKind.CODES in kinds:
            kinds = (kinds - {ChangeKind.CODES}) | {ChangeKind.CONSENSUS}
        dims: Iterable[str] | None = None
        if kinds <= {ChangeKind.CODES, ChangeKind.CONSENSUS} and e.dimension is not None:
            dims = (e.dimension,)
        out |= StudyChange.of(
            *kinds,
            transcripts=None if e.transcript is None else (e.transcript,),
            coders=None if e.coder is None else (e.coder,),
            dimensions=dims,
        )
    return out
