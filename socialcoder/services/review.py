"""What the lead sees around a disagreement in the review: the turns before and after the unit
and each coder's memo on it (:func:`review_context`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from socialcoder.services.study import Study
from socialcoder.services.transcript_view import show_transcript


@dataclass(frozen=True, slots=True)
class ContextTurn:
    index: int
    role: str
    label: str
    text: str
    focal: bool


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """The turns around a unit (``turns``; empty for a session-level unit) and each coder's
    memo on the unit's segment (coder -> memo text)."""

    transcript: str
    segment: int | None
    turns: list[ContextTurn] = field(default_factory=list)
    memos: dict[str, str] = field(default_factory=dict)


def review_context(
    study: Study,
    transcript: str,
    segment: int | None,
    coders: Sequence[str],
    *,
    around: int = 2,
) -> ReviewContext:
    """``around`` turns before and after ``segment`` and each coder's memo on it (read with
    :func:`show_transcript` one coder at a time, as the workbench does)."""
    memos: dict[str, str] = {}
    turns: list[ContextTurn] = []
    if segment is None:
        return ReviewContext(transcript, None, turns, memos)
    view = show_transcript(study, transcript)
    rows = [s for s in view.segments if abs(s.index - segment) <= around]
    turns = [
        ContextTurn(
            index=s.index, role=s.role, label=s.label, text=s.text, focal=s.index == segment
        )
        for s in rows
    ]
    for coder in coders:
        mine = show_transcript(study, transcript, coder=coder)
        for s in mine.segments:
            if s.index == segment and s.memo:
                memos[coder] = s.memo
    return ReviewContext(transcript, segment, turns, memos)
