"""Who codes what: assignments by hand or by a balanced, seeded plan with a reliability sample.

``plan_assignments`` gives every transcript one primary coder (balanced: the coder with the
fewest transcripts gets the next one) and sends a seeded random share of transcripts to a second
coder for reliability (again balanced). Existing assignments and codes are never disturbed: a
transcript already assigned keeps its coders and counts toward the balance.

``unassign_pairs`` takes assignments back (codes, memos and completions stay: an assignment
says who should code, not what was coded) and returns each removed row whole
(:class:`StoredAssignment`), so that ``restore_assignments`` can put it back exactly as it was
(purpose, time, place in the coder's order, anchor, plan): the window's undo of an unassign,
and of an assign, uses these two.

The services that store, remove or put back rows return them as :class:`StoredRows`, which
carries the :class:`~socialcoder.services.study_change.StudyChange` they made (``.change``:
the transcripts and coders of exactly those rows), for the window to report as it is.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain.serial import record
from socialcoder.domain.states import AssignmentStatus
from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.services.audit_log import audit
from socialcoder.services.coders import assignable_coder_id, coder_id
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import StudyChange, assignments_change
from socialcoder.services.transcript_list import CoderProgress, list_transcripts
from socialcoder.services.transcript_lookup import transcript_id
from socialcoder.storage.models import AssignmentRow, CoderRow, TranscriptRow

PURPOSES = ("primary", "reliability")
RETEST = "retest"  # a second pass (a retest identity's assignment), as listed


@dataclass(frozen=True, slots=True)
class Assignment:
    coder: str
    transcript: str
    purpose: str


@dataclass(frozen=True, slots=True)
class StoredAssignment:
    """One assignment row as stored (to take back and put back unchanged)."""

    coder: str
    transcript: str
    purpose: str
    assigned_at: datetime
    position: int | None = None
    anchor: bool = False
    plan_id: int | None = None
    label: str | None = None  # a second pass's own masked label (revision 0012)
    retest_after_days: int | None = None


class StoredRows(list[StoredAssignment]):
    """The rows an assignment service stored, removed or put back (in that order), with the
    change that made."""

    __slots__ = ()

    @property
    def change(self) -> StudyChange:
        """The change made: these rows' transcripts and coders (none if no row)."""
        return assignments_change(self)


@dataclass(frozen=True, slots=True)
class ProgressEntry:
    """One assigned (coder, transcript) pair and how far the coding is."""

    coder: str
    transcript: str
    purpose: str
    status: AssignmentStatus
    fraction: float

    def to_json(self) -> dict[str, object]:
        # a coder's own view has no purpose
        return record(self, skip=() if self.purpose else ("purpose",), digits={"fraction": 4})


def list_assignments(study: Study, *, with_retest: bool = True) -> list[Assignment]:
    """Every assignment; a coder's second pass (a retest identity's) has the purpose
    ``retest`` (left out with ``with_retest=False``)."""
    with study.read() as session:
        rows = session.execute(
            select(CoderRow.name, TranscriptRow.name, AssignmentRow.purpose, CoderRow.kind)
            .join(CoderRow, CoderRow.id == AssignmentRow.coder_id)
            .join(TranscriptRow, TranscriptRow.id == AssignmentRow.transcript_id)
            .order_by(TranscriptRow.name, AssignmentRow.purpose, CoderRow.name)
        ).all()
    return [
        Assignment(c, t, RETEST if coder_kinds.is_retest(k) else p)
        for c, t, p, k in rows
        if with_retest or not coder_kinds.is_retest(k)
    ]


def assign(study: Study, *, coder: str, transcript: str, purpose: str = "primary") -> StoredRows:
    """Assign one transcript to one coder; returns the assignment as stored, with the change
    (``.change``), or none (false) if it already was."""
    if purpose not in PURPOSES:
        raise StudyError(f"purpose must be one of {', '.join(PURPOSES)}")
    with study.write() as session:
        stored = StoredRows()
        if _assign_in(session, coder, transcript, purpose, "lead"):
            tid = transcript_id(session, transcript)
            row = session.get(AssignmentRow, (coder_id(session, coder), tid))
            assert row is not None
            stored.append(_stored(row, coder, transcript))
        return stored


def plan_assignments(
    study: Study, coders: list[str], *, overlap_percent: float = 0.0, seed: int | None = None
) -> list[Assignment]:
    """The new assignments that give every transcript a primary coder and ``overlap_percent``
    of all transcripts a second (reliability) coder; the same seed gives the same plan."""
    if not coders:
        raise StudyError(
            "at least one coder is needed", remedy=Remedy.give(Input.CODERS, example="A,B,C")
        )
    if len(set(coders)) != len(coders):
        raise StudyError("a coder is named twice", remedy=Remedy.change(Input.CODERS))
    if not 0 <= overlap_percent <= 100:
        raise StudyError(
            "the overlap must be a percentage between 0 and 100",
            remedy=Remedy.change(Input.OVERLAP),
        )
    if overlap_percent > 0 and len(coders) < 2:
        raise StudyError("double coding needs at least two coders")
    with study.read() as session:
        for name in coders:
            row = session.get(CoderRow, assignable_coder_id(session, name))
            if row is not None and not row.active:
                raise StudyError(
                    f"coder {name!r} is deactivated; reactivate them or leave them out"
                )
    existing = list_assignments(study, with_retest=False)  # second passes are no coders
    transcripts = sorted(t.name for t in list_transcripts(study))
    by_transcript: dict[str, list[Assignment]] = {}
    for a in existing:
        by_transcript.setdefault(a.transcript, []).append(a)
    load = Counter({c: 0 for c in coders})
    for a in existing:
        if a.coder in load:
            load[a.coder] += 1
    rng = random.Random(seed)
    order = transcripts[:]
    rng.shuffle(order)
    plan: list[Assignment] = []

    def lightest(exclude: set[str]) -> str:
        candidates = [c for c in coders if c not in exclude]
        best = min(load[c] for c in candidates)
        return rng.choice([c for c in candidates if load[c] == best])

    for name in order:
        if by_transcript.get(name):
            continue
        coder = lightest(set())
        load[coder] += 1
        plan.append(Assignment(coder, name, "primary"))
    target = math.ceil(len(transcripts) * overlap_percent / 100) if overlap_percent else 0
    doubled = sum(1 for t in transcripts if len({a.coder for a in by_transcript.get(t, [])}) >= 2)
    firsts = {a.transcript: a.coder for a in plan}
    candidates = [t for t in order if len(by_transcript.get(t, [])) <= 1]
    for name in candidates:
        if doubled >= target:
            break
        first = firsts.get(name) or by_transcript[name][0].coder
        second = lightest({first})
        load[second] += 1
        plan.append(Assignment(second, name, "reliability"))
        doubled += 1
    return plan


def apply_assignments(study: Study, plan: list[Assignment], *, actor: str = "lead") -> int:
    """Store a plan in one transaction (skipping any pair assigned meanwhile)."""
    return len(apply_assignments_stored(study, plan, actor=actor))


def apply_assignments_stored(
    study: Study, plan: list[Assignment], *, actor: str = "lead"
) -> StoredRows:
    """As :func:`apply_assignments`; returns the new assignments as stored (to undo them)."""
    with study.write() as session:
        stored = StoredRows()
        for a in plan:
            if _assign_in(session, a.coder, a.transcript, a.purpose, actor):
                tid = transcript_id(session, a.transcript)
                row = session.get(AssignmentRow, (coder_id(session, a.coder), tid))
                assert row is not None
                stored.append(_stored(row, a.coder, a.transcript))
        return stored


def assign_pairs(study: Study, pairs: Sequence[tuple[str, str]], *, actor: str = "lead") -> int:
    """Assign (transcript, coder) pairs chosen by hand, in one transaction (all or none): a
    transcript's first coder is its primary coder, every further one a reliability coder.
    Returns how many pairs were new."""
    return len(assign_pairs_stored(study, pairs, actor=actor))


def assign_pairs_stored(
    study: Study, pairs: Sequence[tuple[str, str]], *, actor: str = "lead"
) -> StoredRows:
    """As :func:`assign_pairs`; returns the new assignments as stored (to undo them)."""
    with study.write() as session:
        assigned = set(session.scalars(select(AssignmentRow.transcript_id)))
        stored = StoredRows()
        for transcript, coder in pairs:
            tid = transcript_id(session, transcript)
            purpose = "reliability" if tid in assigned else "primary"
            if _assign_in(session, coder, transcript, purpose, actor):
                row = session.get(AssignmentRow, (coder_id(session, coder), tid))
                assert row is not None
                stored.append(_stored(row, coder, transcript))
            assigned.add(tid)
        return stored


def unassign(study: Study, *, coder: str, transcript: str, actor: str = "lead") -> bool:
    """Take one assignment back; False if the coder was not assigned the transcript."""
    return bool(unassign_pairs(study, [(transcript, coder)], actor=actor))


def unassign_pairs(
    study: Study, pairs: Sequence[tuple[str, str]], *, actor: str = "lead"
) -> StoredRows:
    """Take (transcript, coder) assignments back in one transaction (all or none; a pair not
    assigned is skipped). Codes, memos and completions stay. Returns the removed rows."""
    with study.write() as session:
        removed = StoredRows()
        for transcript, coder in pairs:
            cid, tid = coder_id(session, coder), transcript_id(session, transcript)
            row = session.get(AssignmentRow, (cid, tid))
            if row is None:
                continue
            removed.append(_stored(row, coder, transcript))
            session.delete(row)
            audit(
                session,
                actor=actor,
                action="unassign",
                coder_id=cid,
                transcript_id=tid,
                old_value=row.purpose,
            )
            session.flush()
        return removed


def restore_assignments(
    study: Study, rows: Sequence[StoredAssignment], *, actor: str = "lead"
) -> int:
    """Put assignments back exactly as :func:`unassign_pairs` returned them (one
    transaction; a pair assigned again meanwhile is left as it is). Returns how many."""
    return len(restore_assignments_stored(study, rows, actor=actor))


def restore_assignments_stored(
    study: Study, rows: Sequence[StoredAssignment], *, actor: str = "lead"
) -> StoredRows:
    """As :func:`restore_assignments`; returns the rows put back (not those left as they
    were)."""
    with study.write() as session:
        restored = StoredRows()
        for a in rows:
            cid, tid = coder_id(session, a.coder), transcript_id(session, a.transcript)
            if session.get(AssignmentRow, (cid, tid)) is not None:
                continue
            session.add(
                AssignmentRow(
                    coder_id=cid,
                    transcript_id=tid,
                    purpose=a.purpose,
                    assigned_at=a.assigned_at,
                    position=a.position,
                    anchor=a.anchor,
                    plan_id=a.plan_id,
                    label=a.label,
                    retest_after_days=a.retest_after_days,
                )
            )
            audit(
                session,
                actor=actor,
                action="assign",
                coder_id=cid,
                transcript_id=tid,
                new_value=a.purpose,
            )
            session.flush()
            restored.append(a)
        return restored


def _stored(row: AssignmentRow, coder: str, transcript: str) -> StoredAssignment:
    return StoredAssignment(
        coder=coder,
        transcript=transcript,
        purpose=row.purpose,
        assigned_at=row.assigned_at,
        position=row.position,
        anchor=row.anchor,
        plan_id=row.plan_id,
        label=row.label,
        retest_after_days=row.retest_after_days,
    )


def _assign_in(session: Session, coder: str, transcript: str, purpose: str, actor: str) -> bool:
    cid = assignable_coder_id(session, coder)
    tid = transcript_id(session, transcript)
    if session.get(AssignmentRow, (cid, tid)) is not None:
        return False
    session.add(AssignmentRow(coder_id=cid, transcript_id=tid, purpose=purpose, assigned_at=now()))
    audit(session, actor=actor, action="assign", coder_id=cid, transcript_id=tid, new_value=purpose)
    session.flush()
    return True


def progress(study: Study, *, coder: str | None = None) -> list[ProgressEntry]:
    """One entry per assigned (coder, transcript), with its status and coded fraction.
    ``coder``: that coder's view of their own assignments: the purpose is not shown (a coder
    cannot tell a double-coded transcript from any other), in the coder's recorded order, and
    in a blinded study the transcript is its masked label."""
    summaries = {t.name: t for t in list_transcripts(study)}
    if coder is not None:
        with study.read() as session:
            coder_id(session, coder)  # an unknown coder: the usual message
        ids = {summaries[a.transcript].id for a in list_assignments(study) if a.coder == coder}
        out = []
        for seen in list_transcripts(study, coders=[coder], as_coder=True):  # coder's order
            if seen.id in ids:
                status, fraction = _status(seen.progress.get(coder))
                out.append(
                    ProgressEntry(
                        coder=coder,
                        transcript=seen.name,
                        purpose="",
                        status=status,
                        fraction=fraction,
                    )
                )
        return out
    out = []
    for a in list_assignments(study):
        status, fraction = _status(summaries[a.transcript].progress.get(a.coder))
        out.append(
            ProgressEntry(
                coder=a.coder,
                transcript=a.transcript,
                purpose=a.purpose,
                status=status,
                fraction=fraction,
            )
        )
    return out


def _status(p: CoderProgress | None) -> tuple[AssignmentStatus, float]:
    if p is None or (p.coded == 0 and not p.completed):
        return AssignmentStatus.NOT_STARTED, 0.0
    if p.completed:
        return AssignmentStatus.COMPLETE, p.fraction
    return AssignmentStatus.IN_PROGRESS, p.fraction
