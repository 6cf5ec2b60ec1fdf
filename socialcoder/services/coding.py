"""Coding actions: set or clear a code, write a segment memo, complete or reopen a transcript.

Each action is one transaction and one audit entry, and returns a :class:`Change` that carries
the state before and after, so that the GUI can undo it by applying the old state again. The
``*_in`` forms run inside a caller's transaction, so that one user action made of several
changes (clearing a segment, undoing it) is one unit of work: all of it or nothing.

On a server study in server mode the database writes the audit entry
(:func:`~socialcoder.services.audit_log.audit` then only says why), and a coder's login acts
through the study's functions, on its own work only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from socialcoder.domain.codebook import Unit
from socialcoder.domain.limits import check_memo
from socialcoder.domain.rules import check_applies
from socialcoder.domain.states import EditKind
from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.services.audit_log import audit
from socialcoder.services.coders import human_coder_id, own_work_only, refuse_machine
from socialcoder.services.retest_access import check_pass, is_retest_label
from socialcoder.services.study import DimensionIds, Study, now, retry_transient
from socialcoder.services.transcript_lookup import segment_row, transcript_id
from socialcoder.storage import server_api
from socialcoder.storage.models import (
    SESSION_UNIT,
    CodeRow,
    CoderRow,
    CompletionRow,
    DimensionRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)

# Two writers inserting the same unit at once: the second gets a unique violation (23505) and
# its retry finds the first one's row. Each action is one short transaction, so it is safe to
# re-run whole.
_retry = retry_transient(also=frozenset({"23505"}))


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """What one action changed. ``segment`` is None for session-level codes and for
    completion; ``dimension`` is None for memos and completion."""

    coder: str
    transcript: str
    segment: int | None
    dimension: str | None
    kind: EditKind
    old_value: str | None
    new_value: str | None
    old_memo: str | None = None
    new_memo: str | None = None

    @property
    def changed(self) -> bool:
        return (self.old_value, self.old_memo) != (self.new_value, self.new_memo)


def _unit(
    study: Study, session: Session, transcript: str, segment: int | None, dim: DimensionIds
) -> tuple[int, SegmentRow | None]:
    d = dim.dimension
    if d.unit is Unit.SESSION:
        if segment is not None:
            raise StudyError(f"{d.key!r} is a session-level dimension: give no segment")
        return transcript_id(session, transcript), None
    if segment is None:
        raise StudyError(
            f"{d.key!r} is coded per segment: a segment is needed",
            remedy=Remedy.give(Input.SEGMENT),
        )
    seg = _segment_by_name(session, transcript, segment)
    if seg is not None:
        tid = seg.transcript_id
    else:  # a label, or no such transcript or segment: the full lookup and its messages
        tid = transcript_id(session, transcript)
        seg = segment_row(session, tid, segment, transcript)
    check_applies(d, seg.role, segment)
    return tid, seg


def _segment_by_name(session: Session, transcript: str, index: int) -> SegmentRow | None:
    """Segment ``index`` of the transcript *named* ``transcript`` in one read (a coding key:
    issue #14); None when the name is not a transcript's name (it may be a label, see
    :func:`transcript_id`) or the transcript has no such segment. A coder's login reads the
    transcripts through the study's function: None, and the caller takes the full path."""
    if server_api.is_coder(session.connection()):
        return None
    return session.scalars(
        select(SegmentRow)
        .join(TranscriptRow, TranscriptRow.id == SegmentRow.transcript_id)
        .where(TranscriptRow.name == transcript, SegmentRow.idx == index)
    ).one_or_none()


def _coder_for_change(
    session: Session, coder: str, transcript: str
) -> tuple[int, str | None, bool | None]:
    """The id of ``coder`` (a person's or a retest identity, never a machine's), its kind and
    whether ``transcript`` is a retest assignment's label: what :func:`human_coder_id` and
    :func:`check_pass` read, in one statement (issue #14: a coding key). Not for a coder's
    login (server mode), which acts through the study's functions."""
    if server_api.is_coder(session.connection()):
        return human_coder_id(session, coder, "be changed by hand"), None, None
    row = session.execute(
        select(CoderRow.id, CoderRow.kind, is_retest_label(transcript)).where(
            CoderRow.name == coder
        )
    ).one_or_none()
    if row is None:  # unknown: the usual lookup says so
        return human_coder_id(session, coder, "be changed by hand"), None, True
    cid, kind, labelled = row
    refuse_machine(coder, kind, "be changed by hand")
    return cid, kind, bool(labelled)


def _find_code(
    session: Session, cid: int, tid: int, seg: SegmentRow | None, dim_id: int
) -> CodeRow | None:
    query = select(CodeRow).where(CodeRow.coder_id == cid, CodeRow.dimension_id == dim_id)
    if seg is None:
        query = query.where(CodeRow.transcript_id == tid, CodeRow.segment_id.is_(None))
    else:
        query = query.where(CodeRow.segment_id == seg.id)
    # FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): a
    # concurrent change of the same code waits, so the audit log's old value is the true one.
    return session.scalars(query.with_for_update()).one_or_none()


@_retry
def set_code(
    study: Study,
    *,
    coder: str,
    transcript: str,
    segment: int | None,
    dimension: str,
    value: object,
    memo: str | None = None,
    actor: str | None = None,
    reason: str | None = None,
) -> Change:
    """Set one code (checked against the scale and the speaker role). ``memo=None`` keeps
    the code's memo; ``""`` clears it."""
    with study.write() as session:
        return set_code_in(
            session,
            study,
            coder=coder,
            transcript=transcript,
            segment=segment,
            dimension=dimension,
            value=value,
            memo=memo,
            actor=actor,
            reason=reason,
        )


def set_code_in(
    session: Session,
    study: Study,
    *,
    coder: str,
    transcript: str,
    segment: int | None,
    dimension: str,
    value: object,
    memo: str | None = None,
    actor: str | None = None,
    reason: str | None = None,
) -> Change:
    """:func:`set_code` inside the caller's transaction (several actions, one unit of work)."""
    dim = study.dimension(dimension)
    try:
        text = dim.dimension.parse_value(value)
        check_memo(memo)
    except ValueError as exc:
        raise StudyError(str(exc)) from None
    if study.login_coder is not None:
        own_work_only(study, coder)
        tid, seg = _unit(study, session, transcript, segment, dim)
        old_value, old_memo, new_memo = server_api.set_code(
            session.connection(), tid, seg.id if seg else None, dim.id, text, memo
        )
        return Change(
            coder=coder,
            transcript=transcript,
            segment=segment,
            dimension=dimension,
            kind=EditKind.CODE,
            old_value=old_value,
            new_value=text,
            old_memo=old_memo,
            new_memo=new_memo,
        )
    cid, kind, labelled = _coder_for_change(session, coder, transcript)
    tid, seg = _unit(study, session, transcript, segment, dim)
    check_pass(session, cid, tid, transcript, kind=kind, retest_label=labelled)
    row = _find_code(session, cid, tid, seg, dim.id)
    old_value, old_memo = (row.value, row.memo) if row else (None, None)
    new_memo = old_memo if memo is None else (memo or None)
    stamp = now()
    if row is None:
        row = CodeRow(
            coder_id=cid,
            transcript_id=tid,
            segment_id=seg.id if seg else None,
            dimension_id=dim.id,
            dim_enumerated=dim.enumerated,
            unit_role=seg.role if seg else SESSION_UNIT,
            created_at=stamp,
        )
        session.add(row)
    if (old_value, old_memo) != (text, new_memo):
        row.value = text
        row.value_enum = text if dim.enumerated else None
        row.memo = new_memo
        row.codebook_version_id = study.codebook_version_id
        row.updated_at = stamp
        audit(
            session,
            actor=actor or coder,
            action="set",
            coder_id=cid,
            transcript_id=tid,
            segment_idx=segment,
            dimension_key=dimension,
            old_value=old_value,
            new_value=text,
            reason=reason,
        )
        session.flush()
    return Change(
        coder=coder,
        transcript=transcript,
        segment=segment,
        dimension=dimension,
        kind=EditKind.CODE,
        old_value=old_value,
        new_value=text,
        old_memo=old_memo,
        new_memo=new_memo,
    )


@_retry
def clear_code(
    study: Study,
    *,
    coder: str,
    transcript: str,
    segment: int | None,
    dimension: str,
    actor: str | None = None,
    reason: str | None = None,
) -> Change:
    """Remove one code (and its memo); clearing an empty unit changes nothing."""
    with study.write() as session:
        return clear_code_in(
            session,
            study,
            coder=coder,
            transcript=transcript,
            segment=segment,
            dimension=dimension,
            actor=actor,
            reason=reason,
        )


def clear_code_in(
    session: Session,
    study: Study,
    *,
    coder: str,
    transcript: str,
    segment: int | None,
    dimension: str,
    actor: str | None = None,
    reason: str | None = None,
) -> Change:
    """:func:`clear_code` inside the caller's transaction."""
    dim = study.dimension(dimension)
    if study.login_coder is not None:
        own_work_only(study, coder)
        tid, seg = _unit(study, session, transcript, segment, dim)
        old_value, old_memo = server_api.clear_code(
            session.connection(), tid, seg.id if seg else None, dim.id
        )
        return Change(
            coder=coder,
            transcript=transcript,
            segment=segment,
            dimension=dimension,
            kind=EditKind.CODE,
            old_value=old_value,
            new_value=None,
            old_memo=old_memo,
            new_memo=None,
        )
    cid, kind, labelled = _coder_for_change(session, coder, transcript)
    tid, seg = _unit(study, session, transcript, segment, dim)
    check_pass(session, cid, tid, transcript, kind=kind, retest_label=labelled)
    row = _find_code(session, cid, tid, seg, dim.id)
    if row is None:
        return Change(
            coder=coder,
            transcript=transcript,
            segment=segment,
            dimension=dimension,
            kind=EditKind.CODE,
            old_value=None,
            new_value=None,
        )
    old_value, old_memo = row.value, row.memo
    session.delete(row)
    audit(
        session,
        actor=actor or coder,
        action="clear",
        coder_id=cid,
        transcript_id=tid,
        segment_idx=segment,
        dimension_key=dimension,
        old_value=old_value,
        reason=reason,
    )
    session.flush()
    return Change(
        coder=coder,
        transcript=transcript,
        segment=segment,
        dimension=dimension,
        kind=EditKind.CODE,
        old_value=old_value,
        new_value=None,
        old_memo=old_memo,
        new_memo=None,
    )


@_retry
def clear_segment(
    study: Study, *, coder: str, transcript: str, segment: int, actor: str | None = None
) -> list[Change]:
    """Remove every code of ``coder`` on one segment, in one transaction (all or nothing);
    returns one Change per code removed, in codebook order."""
    with study.write() as session:
        if study.login_coder is not None:
            own_work_only(study, coder)
        cid = human_coder_id(session, coder, "be changed by hand")
        tid = transcript_id(session, transcript)
        check_pass(session, cid, tid, transcript)
        seg = segment_row(session, tid, segment, transcript)
        if server_api.is_coder(session.connection()):
            mine = server_api.my_codes(tid)
            coded_ids = select(mine.c.dimension_id).where(mine.c.segment_id == seg.id)
        else:
            coded_ids = select(CodeRow.dimension_id).where(
                CodeRow.coder_id == cid, CodeRow.segment_id == seg.id
            )
        coded = set(session.scalars(select(DimensionRow.key).where(DimensionRow.id.in_(coded_ids))))
        return [
            clear_code_in(
                session,
                study,
                coder=coder,
                transcript=transcript,
                segment=segment,
                dimension=key,
                actor=actor,
            )
            for key in study.codebook.keys
            if key in coded
        ]


@_retry
def set_segment_memo(
    study: Study, *, coder: str, transcript: str, segment: int, text: str
) -> Change:
    """Write (or, with empty text, remove) a coder's memo on a segment."""
    with study.write() as session:
        return set_segment_memo_in(
            session, study, coder=coder, transcript=transcript, segment=segment, text=text
        )


def set_segment_memo_in(
    session: Session, study: Study, *, coder: str, transcript: str, segment: int, text: str
) -> Change:
    """:func:`set_segment_memo` inside the caller's transaction."""
    text = text.strip()
    try:
        check_memo(text)
    except ValueError as exc:
        raise StudyError(str(exc)) from None
    if study.login_coder is not None:
        own_work_only(study, coder)
        tid = transcript_id(session, transcript)
        seg = segment_row(session, tid, segment, transcript)
        old, new = server_api.set_memo(session.connection(), seg.id, text)
        return Change(
            coder=coder,
            transcript=transcript,
            segment=segment,
            dimension=None,
            kind=EditKind.MEMO,
            old_value=None,
            new_value=None,
            old_memo=old,
            new_memo=new,
        )
    cid = human_coder_id(session, coder, "be changed by hand")
    tid = transcript_id(session, transcript)
    check_pass(session, cid, tid, transcript)
    seg = segment_row(session, tid, segment, transcript)
    row = session.scalars(
        select(SegmentMemoRow)
        .where(SegmentMemoRow.coder_id == cid, SegmentMemoRow.segment_id == seg.id)
        .with_for_update()
    ).one_or_none()
    old = row.text if row else None
    new = text or None
    if old == new:
        return Change(
            coder=coder,
            transcript=transcript,
            segment=segment,
            dimension=None,
            kind=EditKind.MEMO,
            old_value=None,
            new_value=None,
            old_memo=old,
            new_memo=new,
        )
    if row is None:  # then new is a text (it differs from old, None)
        session.add(SegmentMemoRow(coder_id=cid, segment_id=seg.id, text=new, updated_at=now()))
    elif new is None:
        session.execute(delete(SegmentMemoRow).where(SegmentMemoRow.id == row.id))
    else:
        row.text, row.updated_at = new, now()
    audit(
        session,
        actor=coder,
        action="memo",
        coder_id=cid,
        transcript_id=tid,
        segment_idx=segment,
        old_value=old,
        new_value=new,
    )
    return Change(
        coder=coder,
        transcript=transcript,
        segment=segment,
        dimension=None,
        kind=EditKind.MEMO,
        old_value=None,
        new_value=None,
        old_memo=old,
        new_memo=new,
    )


@_retry
def set_completed(study: Study, *, coder: str, transcript: str, completed: bool = True) -> Change:
    """Mark a transcript complete for a coder (or reopen it). After completion, a binary
    dimension left empty on an applicable segment counts as *absent*; before, as missing."""
    with study.write() as session:
        return set_completed_in(
            session, study, coder=coder, transcript=transcript, completed=completed
        )


def set_completed_in(
    session: Session, study: Study, *, coder: str, transcript: str, completed: bool = True
) -> Change:
    """:func:`set_completed` inside the caller's transaction."""
    if study.login_coder is not None:
        own_work_only(study, coder)
        tid = transcript_id(session, transcript)
        was = server_api.set_completed(session.connection(), tid, completed)
        return Change(
            coder=coder,
            transcript=transcript,
            segment=None,
            dimension=None,
            kind=EditKind.COMPLETION,
            old_value=str(int(was)),
            new_value=str(int(completed)),
        )
    cid = human_coder_id(session, coder, "be changed by hand")
    tid = transcript_id(session, transcript)
    check_pass(session, cid, tid, transcript)
    row = session.get(CompletionRow, (cid, tid), with_for_update=True)
    was = row is not None
    if completed and not was:
        session.add(CompletionRow(coder_id=cid, transcript_id=tid, completed_at=now()))
    elif not completed and was:
        session.delete(row)
    if was != completed:
        audit(
            session,
            actor=coder,
            action="complete" if completed else "reopen",
            coder_id=cid,
            transcript_id=tid,
            old_value=str(int(was)),
            new_value=str(int(completed)),
        )
    return Change(
        coder=coder,
        transcript=transcript,
        segment=None,
        dimension=None,
        kind=EditKind.COMPLETION,
        old_value=str(int(was)),
        new_value=str(int(completed)),
    )
