"""Undoing and redoing :class:`~socialcoder.services.coding.Change` values with the same services
that made them: the changes of one user action in one transaction (:func:`apply_changes`, the
coding window's undo stack) and a consensus decision taken back in the review
(:func:`revert_consensus`, written to the audit log as the lead's action)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from socialcoder.domain.states import EditKind
from socialcoder.services.coding import (
    Change,
    clear_code,
    clear_code_in,
    set_code,
    set_code_in,
    set_completed_in,
    set_segment_memo_in,
)
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


def revert_consensus(study: Study, change: Change, *, undo: bool, actor: str) -> Change:
    """Undo (or redo) a consensus decision, written to the audit log as the lead's action."""
    value = change.old_value if undo else change.new_value
    reason = "undone in the review" if undo else "redone in the review"
    if value is None:
        return clear_code(
            study,
            coder=change.coder,
            transcript=change.transcript,
            segment=change.segment,
            dimension=change.dimension or "",
            actor=actor,
            reason=reason,
        )
    return set_code(
        study,
        coder=change.coder,
        transcript=change.transcript,
        segment=change.segment,
        dimension=change.dimension or "",
        value=value,
        actor=actor,
        reason=reason,
    )
