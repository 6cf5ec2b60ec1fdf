"""Small Qt-free helpers for the coding window: undoing :class:`Change` values with the same
services that made them (the changes of one user action in one transaction), and working out
which segments are codable and coded.

Data shapes: a :class:`~socialcoder.services.queries.SegmentView` carries ``role`` and
``codes`` (dimension key -> value text of *one* coder); nothing here reads other coders' codes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from socialcoder.domain.codebook import Codebook
from socialcoder.domain.states import EditKind
from socialcoder.services.coding import (
    Change,
    clear_code_in,
    set_code_in,
    set_completed_in,
    set_segment_memo_in,
)
from socialcoder.services.queries import SegmentView
from socialcoder.services.study import Study, retry_transient


@retry_transient(also=frozenset({"23505"}))
def apply_changes(study: Study, changes: Sequence[Change], *, undo: bool) -> list[Change]:
    """Undo (walking ``changes`` backwards) or redo (forwards) several changes of one user
    action in one transaction: all of them or none. Returns the Changes made, in that order."""
    ordered = list(reversed(changes)) if undo else list(changes)
    with study.write() as session:
        return [_apply_in(session, study, change, undo=undo) for change in ordered]


def _apply_in(session: Session, study: Study, change: Change, *, undo: bool) -> Change:
    if change.kind == EditKind.COMPLETION:
        value = change.old_value if undo else change.new_value
        return set_completed_in(
            session,
            study,
            coder=change.coder,
            transcript=change.transcript,
            completed=value == "1",
        )
    if change.kind == EditKind.MEMO:
        assert change.segment is not None
        memo = change.old_memo if undo else change.new_memo
        return set_segment_memo_in(
            session,
            study,
            coder=change.coder,
            transcript=change.transcript,
            segment=change.segment,
            text=memo or "",
        )
    assert change.dimension is not None
    value, memo = (
        (change.old_value, change.old_memo) if undo else (change.new_value, change.new_memo)
    )
    if value is None:
        return clear_code_in(
            session,
            study,
            coder=change.coder,
            transcript=change.transcript,
            segment=change.segment,
            dimension=change.dimension,
        )
    return set_code_in(
        session,
        study,
        coder=change.coder,
        transcript=change.transcript,
        segment=change.segment,
        dimension=change.dimension,
        value=value,
        memo=memo or "",
    )


def codable_roles(codebook: Codebook) -> frozenset[str]:
    """Speaker roles to which at least one segment-level dimension applies."""
    return frozenset(r.value for d in codebook.segment_dimensions() for r in d.applies_to)


def is_coded(segment: SegmentView, codebook: Codebook) -> bool:
    """True when the segment has at least one segment-level code (of the coder viewed)."""
    return any(
        codebook.has(k) and codebook.dimension(k).unit.value == "segment" for k in segment.codes
    )


def coder_progress(segments: Sequence[SegmentView], codebook: Codebook) -> tuple[int, int]:
    """(coded, codable) for one coder's view of a transcript, counted like list_transcripts."""
    roles = codable_roles(codebook)
    codable = [s for s in segments if s.role in roles]
    return sum(1 for s in codable if is_coded(s, codebook)), len(codable)


def next_uncoded(
    segments: Sequence[SegmentView], codebook: Codebook, after: int, *, wrap: bool = True
) -> int | None:
    """Row (0-based) of the next codable, uncoded segment after row ``after``; None if none."""
    roles = codable_roles(codebook)
    n = len(segments)
    order = list(range(after + 1, n)) + (list(range(0, after + 1)) if wrap else [])
    for row in order:
        s = segments[row]
        if s.role in roles and not is_coded(s, codebook):
            return row
    return None
