"""Who may see and code a second pass, and under which label (issue #19).

A retest assignment (of a coder of kind ``retest``) has a masked label of its own
(``assignments.label``), which names the transcript to its coder like any other masked label.
Coding and showing go through :func:`check_pass`: a retest label is coded only under its retest
identity (never under the first pass's coder, whose codes it would otherwise show or change),
and a retest identity codes only its own retest transcripts, once they are available
(:func:`socialcoder.domain.retest.available`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Exists, select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain.retest import available, available_from
from socialcoder.errors import StudyError
from socialcoder.storage import server_api
from socialcoder.storage.models import (
    AssignmentRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    SegmentMemoRow,
    SegmentRow,
)
from socialcoder.storage.rows import tuples


@dataclass(frozen=True, slots=True)
class RetestSlot:
    """One retest assignment as its coder's window needs it."""

    coder: str  # the first pass's coder
    retest_coder: str  # the identity the second pass is coded under
    coder_id: int
    retest_coder_id: int
    transcript_id: int
    label: str
    after_days: int
    first_completed_at: datetime | None
    begun: bool

    @property
    def available_from(self) -> datetime | None:
        return available_from(self.first_completed_at, self.after_days)

    def available(self, now: datetime | None = None) -> bool:
        return available(
            self.first_completed_at, self.after_days, now or datetime.now(UTC), begun=self.begun
        )


def _aware(stamp: datetime | None) -> datetime | None:
    return stamp if stamp is None or stamp.tzinfo else stamp.replace(tzinfo=UTC)


def retest_slots(session: Session, *, coder: str | None = None) -> list[RetestSlot]:
    """Every retest assignment (of ``coder``'s retest identity when given), label order. A
    coder's login (server mode) has none: second passes are coded in a study file."""
    if server_api.is_coder(session.connection()):
        return []
    first = CoderRow.__table__.alias("first")
    query = (
        select(
            first.c.name,
            CoderRow.name,
            first.c.id,
            CoderRow.id,
            AssignmentRow.transcript_id,
            AssignmentRow.label,
            AssignmentRow.retest_after_days,
        )
        .join(CoderRow, CoderRow.id == AssignmentRow.coder_id)
        .join(first, first.c.id == CoderRow.retest_of)
        .where(CoderRow.kind == coder_kinds.RETEST, AssignmentRow.label.is_not(None))
        .order_by(AssignmentRow.label)
    )
    if coder is not None:
        query = query.where(first.c.name == coder)
    rows = tuples(session.execute(query))
    if not rows:
        return []
    done = {
        (c, t): at
        for c, t, at in tuples(
            session.execute(
                select(
                    CompletionRow.coder_id, CompletionRow.transcript_id, CompletionRow.completed_at
                )
            )
        )
    }
    retest_ids = {r[3] for r in rows}
    begun = set(
        tuples(
            session.execute(
                select(CodeRow.coder_id, CodeRow.transcript_id)
                .where(CodeRow.coder_id.in_(retest_ids))
                .distinct()
            )
        )
    )
    begun |= set(
        tuples(
            session.execute(
                select(SegmentMemoRow.coder_id, SegmentRow.transcript_id)
                .join(SegmentRow, SegmentRow.id == SegmentMemoRow.segment_id)
                .where(SegmentMemoRow.coder_id.in_(retest_ids))
                .distinct()
            )
        )
    )
    begun |= {(c, t) for c, t in done if c in retest_ids}
    return [
        RetestSlot(
            coder=name,
            retest_coder=retest,
            coder_id=cid,
            retest_coder_id=rid,
            transcript_id=tid,
            label=label,
            after_days=int(days or 0),
            first_completed_at=_aware(done.get((cid, tid))),
            begun=(rid, tid) in begun,
        )
        for name, retest, cid, rid, tid, label, days in rows
    ]


def is_retest_label(label: str) -> Exists:
    """True (in a query) when ``label`` is a retest assignment's label: what
    :func:`slot_of_label` first asks, to be read along with something else."""
    return select(AssignmentRow.coder_id).where(AssignmentRow.label == label).exists()


def slot_of_label(session: Session, label: str) -> RetestSlot | None:
    """The retest assignment shown under ``label``, if it is a second pass's label."""
    if server_api.is_coder(session.connection()):
        return None
    known = session.scalars(
        select(AssignmentRow.coder_id).where(AssignmentRow.label == label)
    ).one_or_none()
    if known is None:
        return None
    for slot in retest_slots(session):
        if slot.label == label:
            return slot
    return None


def check_pass(
    session: Session,
    cid: int,
    tid: int,
    transcript: str,
    *,
    kind: str | None = None,
    retest_label: bool | None = None,
) -> None:
    """Refuse coding (or showing a coder's codes) that would mix a first and a second pass:
    a retest label under any identity but its retest identity, or a retest identity on a
    transcript that is not its retest assignment or not yet available.

    ``kind`` (the coder's) and ``retest_label`` (whether ``transcript`` is some retest
    assignment's label, :func:`is_retest_label`) are read here unless the caller read them
    already in the same transaction (a coding key reads them with the coder: issue #14)."""
    if server_api.is_coder(session.connection()):
        return
    slot = None if retest_label is False else slot_of_label(session, transcript)
    if kind is None:
        kind = session.scalars(select(CoderRow.kind).where(CoderRow.id == cid)).one_or_none()
    if slot is not None and cid != slot.retest_coder_id:
        raise StudyError(
            f"{transcript!r} is a second pass: it is coded as {slot.retest_coder!r}, never under "
            "another coder (whose codes would mix with it)"
        )
    if kind is None or not coder_kinds.is_retest(kind):
        return
    mine = next(
        (s for s in retest_slots(session) if s.retest_coder_id == cid and s.transcript_id == tid),
        None,
    )
    if mine is None:
        raise StudyError(
            f"{transcript!r} is not a second pass of this retest coder (its transcripts come "
            "from the lead's retest plans)"
        )
    if not mine.available():
        start = mine.available_from
        when = (
            f"from {start:%Y-%m-%d %H:%M} UTC"
            if start is not None
            else f"{mine.after_days} day(s) after the first pass is completed"
        )
        raise StudyError(f"this second pass is not available yet: it may be coded {when}")
