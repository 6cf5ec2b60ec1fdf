"""What a merge of study copies did (:mod:`socialcoder.services.merge`): per copy, the units
added, replaced, unchanged and removed, the coders added, the conflicts (with how each was
resolved), the transcripts the study lacks and the values it rejected."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialcoder.domain.serial import record
from socialcoder.domain.states import ConflictKind, Resolution
from socialcoder.services.study_change import ChangeKind, StudyChange


@dataclass(frozen=True, slots=True)
class Conflict:
    """The same unit with different content. ``kind`` is 'code', 'segment memo' or
    'completion'; values are the code value (with its memo after ' | ' when one differs), the
    memo text, '(cleared)' for a code cleared in the copy, '(emptied)' for a memo emptied there,
    'complete' / '(reopened)'."""

    kind: ConflictKind
    coder: str
    transcript: str
    segment: int | None
    dimension: str | None
    study_value: str
    copy_value: str
    study_updated: datetime
    copy_updated: datetime
    resolution: Resolution
    resolved: bool

    def to_json(self) -> dict[str, Any]:
        return record(self)


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A transcript of the copy that the study lacks (or whose segments differ)."""

    transcript: str
    content_hash: str
    codes: int
    memos: int
    completions: int

    def to_json(self) -> dict[str, Any]:
        return record(self)


@dataclass(slots=True)
class SourceReport:
    """The outcome for one copy. Counts: ``added``/``replaced``/``unchanged`` per kind
    ('codes', 'memos', 'completions'); ``removed``: codes cleared, segment memos emptied and
    completions taken back because the copy cleared, emptied or reopened them."""

    source: str
    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    replaced: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    coders_added: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return (
            sum(self.added.values())
            + sum(self.replaced.values())
            + sum(self.removed.values())
            + len(self.coders_added)
        )

    @property
    def unresolved(self) -> int:
        return (
            sum(not c.resolved for c in self.conflicts) + len(self.unmatched) + len(self.rejected)
        )

    def to_json(self) -> dict[str, Any]:
        return record(
            self,
            (
                "source",
                "added",
                "replaced",
                "unchanged",
                "removed",
                "coders_added",
                "conflicts",
                "unmatched",
                "rejected",
                "changes",
                "unresolved",
            ),
            rename={"unmatched": "unmatched_transcripts"},
        )


KINDS: tuple[str, ...] = ("codes", "memos", "completions")
_CHANGE_KINDS = {
    ChangeKind.CODES: "codes",
    ChangeKind.MEMOS: "memos",
    ChangeKind.COMPLETIONS: "completions",
}


@dataclass(slots=True)
class MergeReport:
    study: str
    sources: list[SourceReport]
    prefer_newer: bool
    dry_run: bool

    @property
    def changes(self) -> int:
        return sum(s.changes for s in self.sources)

    @property
    def change(self) -> StudyChange:
        """The change made: the kinds of data a copy added, replaced or removed (codes of the
        consensus layer among them as well: a copy may carry its decisions) and the coders
        added; nothing for a dry run."""
        if self.dry_run:
            return StudyChange()
        kinds: set[ChangeKind] = set()
        for s in self.sources:
            for kind, name in _CHANGE_KINDS.items():
                if s.added[name] or s.replaced[name] or s.removed[name]:
                    kinds |= {kind, ChangeKind.CONSENSUS} if name == "codes" else {kind}
            if s.coders_added:
                kinds.add(ChangeKind.CODERS)
        return StudyChange.of(*kinds) if kinds else StudyChange()

    @property
    def unresolved(self) -> int:
        """Items left for a person: unresolved conflicts, unmatched transcripts, rejections."""
        return sum(s.unresolved for s in self.sources)

    def to_json(self) -> dict[str, Any]:
        return record(
            self, ("study", "dry_run", "prefer_newer", "changes", "unresolved", "sources")
        )
