"""Segment times from listening: stamping a turn's start, opening a turn on a recording.

* :func:`stamp_start` stores a measured start (the player's position when the listener pressed
  the stamp key), or removes one (``seconds=None``, which is also how a stamp is undone); the
  transcript's estimated times are then spread again between the measured ones
  (:func:`socialcoder.domain.timing.estimate_times`).
* :func:`open_turn` adds a turn at the current time to a recording coded without a transcript;
  :func:`remove_turn` takes the last one away again (undo) while nobody has coded or written a
  memo on it.

Every measured change is one transaction with one audit entry (``time``, ``turn``,
``unturn``): who, which turn, the old and new value. Estimates follow from the measured times
and the texts, so they are not audited one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from socialcoder.domain.codebook import Role
from socialcoder.domain.timing import estimate_times, format_clock, order_problem
from socialcoder.errors import StudyError
from socialcoder.services.audit_log import audit
from socialcoder.services.coders import coder_id
from socialcoder.services.study import Study, retry_transient
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.services.transcript_lookup import segment_row, transcript_id
from socialcoder.storage.models import (
    CodeRow,
    RecordingRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)

_retry = retry_transient()


@dataclass(frozen=True, slots=True)
class TimeChange:
    """A turn's start before and after a stamp; ``old_estimated`` tells whether the old start
    was an estimate (then undoing removes the measurement instead of restoring the number)."""

    coder: str
    transcript: str
    segment: int
    old_start: float | None
    old_estimated: bool
    new_start: float | None

    @property
    def undo_value(self) -> float | None:
        return None if self.old_estimated else self.old_start

    @property
    def change(self) -> StudyChange:
        """The change made: the transcript's timing."""
        return StudyChange.of(ChangeKind.TRANSCRIPTS, transcripts=(self.transcript,))


@dataclass(frozen=True, slots=True)
class TurnChange:
    """A turn opened (``opened=True``) or removed at the end of a recording-only transcript."""

    coder: str
    transcript: str
    segment: int
    role: str
    start: float
    opened: bool

    @property
    def change(self) -> StudyChange:
        """The change made: the transcript's turns."""
        return StudyChange.of(ChangeKind.TRANSCRIPTS, transcripts=(self.transcript,))


def _fmt(seconds: float | None) -> str | None:
    return None if seconds is None else f"{seconds:.3f}"


def reestimate(session: Session, tid: int) -> int:
    """Spread the estimated times of transcript ``tid`` again between its measured ones;
    returns how many turns changed."""
    conn = session.connection()
    rows = conn.execute(
        select(
            SegmentRow.id,
            SegmentRow.start_s,
            SegmentRow.start_estimated,
            SegmentRow.end_s,
            SegmentRow.end_estimated,
            SegmentRow.text,
        )
        .where(SegmentRow.transcript_id == tid)
        .order_by(SegmentRow.idx)
    ).all()
    if not rows:
        return 0
    rec = session.get(RecordingRow, tid)
    origin, end = 0.0, None
    if rec is not None:
        origin = rec.excerpt_start_s if rec.excerpt_start_s is not None else 0.0
        end = rec.excerpt_end_s if rec.excerpt_end_s is not None else rec.duration_s
    times = estimate_times(
        [None if r.start_estimated else r.start_s for r in rows],
        [None if r.end_estimated else r.end_s for r in rows],
        [r.text for r in rows],
        origin=origin,
        end=end,
    )
    changed = [
        {"sid": r.id, "s": t.start, "se": t.start_estimated, "e": t.end, "ee": t.end_estimated}
        for r, t in zip(rows, times, strict=True)
        if (r.start_s, bool(r.start_estimated), r.end_s, bool(r.end_estimated))
        != (t.start, t.start_estimated, t.end, t.end_estimated)
    ]
    if changed:
        from sqlalchemy import bindparam

        conn.execute(
            update(SegmentRow)
            .where(SegmentRow.id == bindparam("sid"))
            .values(
                start_s=bindparam("s"),
                start_estimated=bindparam("se"),
                end_s=bindparam("e"),
                end_estimated=bindparam("ee"),
            ),
            changed,
        )
    return len(changed)


@dataclass(frozen=True, slots=True)
class SegmentTimes:
    index: int
    start: float | None
    end: float | None
    start_estimated: bool
    end_estimated: bool


def segment_times(study: Study, transcript: str) -> list[SegmentTimes]:
    """Every turn's times in order (what the window refreshes after a stamp)."""
    with study.read() as session:
        tid = transcript_id(session, transcript)
        rows = session.execute(
            select(
                SegmentRow.idx,
                SegmentRow.start_s,
                SegmentRow.end_s,
                SegmentRow.start_estimated,
                SegmentRow.end_estimated,
            )
            .where(SegmentRow.transcript_id == tid)
            .order_by(SegmentRow.idx)
        ).all()
    return [
        SegmentTimes(index=i, start=s, end=e, start_estimated=bool(se), end_estimated=bool(ee))
        for i, s, e, se, ee in rows
    ]


def _measured_starts(session: Session, tid: int) -> list[tuple[int, float | None]]:
    return [
        (idx, None if est else start)
        for idx, start, est in session.execute(
            select(SegmentRow.idx, SegmentRow.start_s, SegmentRow.start_estimated)
            .where(SegmentRow.transcript_id == tid)
            .order_by(SegmentRow.idx)
        ).all()
    ]


@_retry
def stamp_start(
    study: Study, *, coder: str, transcript: str, segment: int, seconds: float | None
) -> TimeChange:
    """Measure (or, with None, un-measure) the start of turn ``segment`` at ``seconds``."""
    if seconds is not None and not seconds >= 0:
        raise StudyError(f"{seconds!r} is not a time in the recording")
    with study.write() as session:
        cid = coder_id(session, coder)
        tid = transcript_id(session, transcript)
        seg = segment_row(session, tid, segment, transcript)
        old, old_est = seg.start_s, bool(seg.start_estimated)
        if seconds is not None:
            seconds = round(float(seconds), 3)
            starts = dict(_measured_starts(session, tid))
            starts[segment] = seconds
            problem = order_problem(list(starts.values()))
            if problem is not None:
                idx = list(starts)
                a, b = idx[problem[0]], idx[problem[1]]
                other = a if b == segment else b
                raise StudyError(
                    f"turn {segment} cannot start at {format_clock(seconds)}: turn {other} "
                    f"starts at {format_clock(starts[other])}, and turns keep their order "
                    "(undo that stamp first, or stamp the turns in order)"
                )
        if old == seconds and not old_est:
            return TimeChange(
                coder=coder,
                transcript=transcript,
                segment=segment,
                old_start=old,
                old_estimated=old_est,
                new_start=seconds,
            )
        seg.start_s = seconds
        seg.start_estimated = False
        if seg.end_s is not None and seconds is not None and seg.end_s < seconds:
            seg.end_s, seg.end_estimated = None, False
        session.flush()
        reestimate(session, tid)
        audit(
            session,
            actor=coder,
            action="time",
            coder_id=cid,
            transcript_id=tid,
            segment_idx=segment,
            old_value=None if old_est else _fmt(old),
            new_value=_fmt(seconds),
            reason="start stamped while listening" if seconds is not None else "stamp removed",
        )
    return TimeChange(
        coder=coder,
        transcript=transcript,
        segment=segment,
        old_start=old,
        old_estimated=old_est,
        new_start=seconds,
    )


@_retry
def open_turn(
    study: Study, *, coder: str, transcript: str, role: Role | str, at: float
) -> TurnChange:
    """Add a turn of ``role`` starting at ``at`` seconds after the last turn (a recording coded
    without a transcript); the previous turn then ends there."""
    role = Role(role)
    at = round(float(at), 3)
    with study.write() as session:
        cid = coder_id(session, coder)
        tid = transcript_id(session, transcript)
        t = session.get(TranscriptRow, tid, with_for_update=True)
        rec = session.get(RecordingRow, tid)
        if t is None or rec is None or t.format != "recording":
            raise StudyError(
                f"turns are opened on a recording coded without a transcript; {transcript!r} "
                "has a transcript (stamp its turns' times instead)"
            )
        if rec.excerpt_start_s is not None and not (
            rec.excerpt_start_s <= at < (rec.excerpt_end_s or float("inf"))
        ):
            raise StudyError(
                f"{format_clock(at)} is outside the excerpt coded "
                f"({format_clock(rec.excerpt_start_s)}–{format_clock(rec.excerpt_end_s)})"
            )
        last = session.scalars(
            select(SegmentRow)
            .where(SegmentRow.transcript_id == tid)
            .order_by(SegmentRow.idx.desc())
            .limit(1)
        ).one_or_none()
        if last is not None and last.start_s is not None and at <= last.start_s:
            raise StudyError(
                f"a new turn opens after the last one (turn {last.idx} at "
                f"{format_clock(last.start_s)}); play on, or undo the last turn"
            )
        idx = (last.idx if last else 0) + 1
        if last is not None:
            last.end_s, last.end_estimated = at, False
        end = rec.excerpt_end_s if rec.excerpt_end_s is not None else rec.duration_s
        session.add(
            SegmentRow(
                transcript_id=tid,
                idx=idx,
                role=role.value,
                label=role.value.capitalize(),
                start_s=at,
                end_s=end if end is not None and end >= at else None,
                start_estimated=False,
                end_estimated=end is not None and end >= at,
                text="",
            )
        )
        t.segment_count = idx
        audit(
            session,
            actor=coder,
            action="turn",
            coder_id=cid,
            transcript_id=tid,
            segment_idx=idx,
            new_value=f"{role.value} {_fmt(at)}",
        )
    return TurnChange(
        coder=coder, transcript=transcript, segment=idx, role=role.value, start=at, opened=True
    )


@_retry
def remove_turn(study: Study, *, coder: str, transcript: str, segment: int) -> TurnChange:
    """Remove the last turn of a recording-only transcript (undoing :func:`open_turn`),
    refused once anyone has coded it or written a memo on it."""
    with study.write() as session:
        cid = coder_id(session, coder)
        tid = transcript_id(session, transcript)
        t = session.get(TranscriptRow, tid, with_for_update=True)
        assert t is not None
        seg = segment_row(session, tid, segment, transcript)
        if t.format != "recording" or segment != t.segment_count:
            raise StudyError(
                f"only the last turn of a recording can be removed (turn {t.segment_count})"
            )
        used = session.scalar(
            select(func.count()).select_from(CodeRow).where(CodeRow.segment_id == seg.id)
        ) or session.scalar(
            select(func.count())
            .select_from(SegmentMemoRow)
            .where(SegmentMemoRow.segment_id == seg.id)
        )
        if used:
            raise StudyError(
                f"turn {segment} has codes or memos; clear them first, then remove the turn"
            )
        role, start = seg.role, seg.start_s or 0.0
        end, end_est = seg.end_s, bool(seg.end_estimated)
        session.delete(seg)
        session.flush()
        t.segment_count = segment - 1
        if segment > 1:
            prev = segment_row(session, tid, segment - 1, transcript)
            prev.end_s, prev.end_estimated = end, end_est if end is not None else False
        audit(
            session,
            actor=coder,
            action="unturn",
            coder_id=cid,
            transcript_id=tid,
            segment_idx=segment,
            old_value=f"{role} {_fmt(start)}",
        )
    return TurnChange(
        coder=coder, transcript=transcript, segment=segment, role=role, start=start, opened=False
    )
