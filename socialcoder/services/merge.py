"""Merging the work done in copies of a study (offline coders) back into the study.

What is merged: codes (value and code memo), segment memos and completions. Everything is
matched by content, never by row id: transcripts by ``content_hash``, segments by index, coders
by name (missing coders are created), dimensions by key, codebook versions by SHA-256.

Rules:

* a unit (coder x transcript/segment x dimension) the study lacks is added, with the copy's
  timestamps, so that merging the same copy again finds it equal and changes nothing;
* the same unit with a different value or memo is a *conflict*; the study keeps its value
  unless ``prefer_newer`` is given, in which case the newer ``updated_at`` wins (a tie keeps
  the study's value and stays unresolved);
* a transcript (or segment) of the copy that the study lacks is *unmatched*: reported with
  what it carries, never imported and never silently dropped;
* a value the study's codebook does not allow is *rejected* and reported;
* a code cleared, a segment memo emptied or a transcript reopened in the copy (its audit log
  says so, and the copy still shows it so; an entry the study's own audit log also has was
  made before copying and is ignored) is carried: the study's code is removed when it still
  has the value the copy cleared and was not changed after the clear, its memo when it still
  has the text the copy emptied and was not changed after, the study's completion when it is
  not newer than the reopen; otherwise it is a *conflict* with the same rules as values (the
  study keeps its code, memo or completion unless ``prefer_newer`` and the removal is newer);
* in a de-identified copy (``socialcoder deidentify``) memos were rewritten without a new
  ``updated_at``: a memo that differs only so (same value, same ``updated_at``) is unchanged,
  and the study keeps its original text.

What a merge did is reported as values of :mod:`socialcoder.services.merge_report`.

The whole merge (all copies) is one transaction; every change writes an audit entry with
action ``merge`` and a reason naming the copy. The copies are only read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain.rules import applies
from socialcoder.domain.states import ConflictKind, EditKind, Resolution
from socialcoder.errors import Input, Remedy, StudyError, UserError
from socialcoder.services.audit_log import audit
from socialcoder.services.coders import add_coders_in
from socialcoder.services.merge_copy import (
    REMOVALS,
    CopyCode,
    CopyCompletion,
    CopyMemo,
    CopyRemoval,
    CopySnapshot,
    _utc,
    read_copy,
)
from socialcoder.services.merge_report import Conflict, MergeReport, SourceReport, Unmatched
from socialcoder.services.study import Study
from socialcoder.storage.models import (
    SESSION_UNIT,
    AuditRow,
    CodebookVersionRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    DimensionRow,
    DimensionValueRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)

# --- merging ------------------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def merge_studies(
    study: Study,
    copies: list[str | Path],
    *,
    prefer_newer: bool = False,
    dry_run: bool = False,
    actor: str | None = None,
) -> MergeReport:
    """Merge the copies, in the order given, into ``study`` in one transaction (rolled back
    when ``dry_run``). Refuses (changing nothing) if a copy's codebook has dimension keys or a
    codebook version that the study lacks."""
    if not copies:
        raise StudyError("name at least one copy of the study to merge from")
    snapshots = [read_copy(study, target) for target in copies]
    for snap in snapshots:
        _check_codebook(study, snap)
    report = MergeReport(study.location, [], prefer_newer, dry_run)
    try:
        with study.write() as session:
            for snap in snapshots:
                report.sources.append(apply_copy(session, study, snap, prefer_newer, actor))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _check_codebook(study: Study, snap: CopySnapshot) -> None:
    with study.read() as session:
        keys = set(session.scalars(select(DimensionRow.key)))
        shas = set(session.scalars(select(CodebookVersionRow.sha256)))
    missing = sorted(snap.dimension_keys - keys)
    if missing:
        raise StudyError(
            f"the copy's codebook has dimension(s) this study lacks: {', '.join(missing)}; "
            "update the study's codebook first",
            source=snap.source,
            remedy=Remedy.run(Input.CODEBOOK_UPDATE),
        )
    used = {c.codebook_sha for c in snap.codes}
    unknown = sorted(snap.codebooks[s] for s in used - shas)
    if unknown:
        raise StudyError(
            f"the copy's codes use codebook version(s) this study lacks: {', '.join(unknown)}; "
            "record the same codebook file in the study first",
            source=snap.source,
            remedy=Remedy.run(Input.CODEBOOK_UPDATE),
        )


# --- applying one copy inside the study's transaction --------------------------------------------


class _Target:
    """The study's side, loaded once per merge and kept current as rows are added.

    ``codes`` maps (coder id, transcript id, segment id or None, dimension id) -> CodeRow;
    ``memos`` maps (coder id, segment id) -> SegmentMemoRow; ``completed`` holds
    (coder id, transcript id)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        rows = session.execute(select(CoderRow.name, CoderRow.id, CoderRow.kind)).all()
        self.coders = {name: cid for name, cid, _ in rows}
        self.kinds = {name: kind for name, _, kind in rows}
        #: the copy's coders' kinds (name -> kind), set by :func:`apply_copy`
        self.copy_kinds: dict[str, str] = {}
        self.transcripts = {
            h: (tid, name)
            for h, tid, name in session.execute(
                select(TranscriptRow.content_hash, TranscriptRow.id, TranscriptRow.name)
            )
        }
        self.segments: dict[tuple[int, int], int] = {}
        self.roles: dict[int, str] = {}  # segment id -> speaker role
        for sid, t, i, role in session.execute(
            select(SegmentRow.id, SegmentRow.transcript_id, SegmentRow.idx, SegmentRow.role)
        ):
            self.segments[(t, i)] = sid
            self.roles[sid] = role
        self.dims = {
            k: (i, e)
            for k, i, e in session.execute(
                select(DimensionRow.key, DimensionRow.id, DimensionRow.enumerated)
            )
        }
        self.allowed: dict[int, set[str]] = {}
        for dim_id, value in session.execute(
            select(DimensionValueRow.dimension_id, DimensionValueRow.value)
        ):
            self.allowed.setdefault(dim_id, set()).add(value)
        self.books = dict(
            session.execute(select(CodebookVersionRow.sha256, CodebookVersionRow.id)).all()
        )
        self.codes = {
            (r.coder_id, r.transcript_id, r.segment_id, r.dimension_id): r
            for r in session.scalars(select(CodeRow))
        }
        self.memos = {
            (r.coder_id, r.segment_id): r for r in session.scalars(select(SegmentMemoRow))
        }
        self.completions = {
            (r.coder_id, r.transcript_id): r for r in session.scalars(select(CompletionRow))
        }
        self.completed = set(self.completions)
        #: clears and reopens the study's own audit log has (history from before copying)
        self.history = {
            (a, c, tid, seg, dim, _utc(at))
            for a, c, tid, seg, dim, at in session.execute(
                select(
                    AuditRow.action,
                    AuditRow.coder_id,
                    AuditRow.transcript_id,
                    AuditRow.segment_idx,
                    AuditRow.dimension_key,
                    AuditRow.at,
                ).where(AuditRow.action.in_(REMOVALS))
            )
        }

    def coder(self, name: str, report: SourceReport) -> int:
        """The study's id of the copy's coder ``name``, added (of the copy's kind: a machine
        coder stays a machine, a retest pass stays its coder's second pass) when new."""
        kind = self.copy_kinds.get(name, coder_kinds.HUMAN)
        if name in self.coders:
            here = self.kinds.get(name, coder_kinds.HUMAN)
            if here != kind:
                raise StudyError(
                    f"{report.source}: {name!r} is a {coder_kinds.export_name(kind)} coder "
                    f"in the copy but a {coder_kinds.export_name(here)} coder here; rename "
                    "one of them and merge again",
                    remedy=Remedy.run(Input.RENAME_CODER),
                )
            return self.coders[name]
        if coder_kinds.is_retest(kind):  # the coder whose second pass it is comes first
            self.coder(coder_kinds.retest_base(name), report)
        try:
            (cid,) = add_coders_in(self.session, [name], {name: kind}).values()
        except UserError as exc:
            raise StudyError(
                f"{report.source}: cannot bring coder {name!r} over: {exc.message}; "
                "rename the coder in the copy and merge again",
                remedy=Remedy.run(Input.RENAME_CODER),
            ) from None
        self.coders[name] = cid
        self.kinds[name] = kind
        report.coders_added.append(name)
        return cid


def _code_text(value: str, memo: str | None, other_memo: str | None) -> str:
    return value if memo == other_memo else f"{value} | memo: {memo or '(none)'}"


def _apply_code(
    t: _Target,
    study: Study,
    c: CopyCode,
    report: SourceReport,
    prefer_newer: bool,
    actor: str | None,
    deidentified: bool = False,
) -> None:
    tid, tname = t.transcripts[c.transcript_hash]
    seg_id = None if c.segment is None else t.segments[(tid, c.segment)]
    dim_id, enumerated = t.dims[c.dimension]
    where = f"{tname} segment {c.segment}" if c.segment is not None else tname
    if enumerated and c.value not in t.allowed.get(dim_id, set()):
        report.rejected.append(
            f"{c.coder}, {where}, {c.dimension}: value {c.value!r} is not in the study's codebook"
        )
        return
    role = None if seg_id is None else t.roles[seg_id]
    place = SESSION_UNIT if role is None else role
    if not applies(study.codebook.dimension(c.dimension), role):
        where_not = "for the whole session" if seg_id is None else f"on {place} turns"
        report.rejected.append(
            f"{c.coder}, {where}, {c.dimension}: the study's codebook does not code "
            f"{c.dimension!r} {where_not}"
        )
        return
    cid = t.coder(c.coder, report)
    row = t.codes.get((cid, tid, seg_id, dim_id))
    reason = f"merged code from {report.source}"
    if row is None:
        row = CodeRow(
            coder_id=cid,
            transcript_id=tid,
            segment_id=seg_id,
            dimension_id=dim_id,
            dim_enumerated=enumerated,
            unit_role=place,
            value=c.value,
            value_enum=c.value if enumerated else None,
            memo=c.memo,
            codebook_version_id=t.books[c.codebook_sha],
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        t.session.add(row)
        t.codes[(cid, tid, seg_id, dim_id)] = row
        report.added["codes"] += 1
        old = None
    elif (row.value, row.memo) == (c.value, c.memo) or (
        deidentified and row.value == c.value and c.updated_at == _utc(row.updated_at)
    ):
        report.unchanged["codes"] += 1
        return
    else:
        mine = _utc(row.updated_at)
        take = prefer_newer and c.updated_at > mine
        report.conflicts.append(
            Conflict(
                kind=ConflictKind.CODE,
                coder=c.coder,
                transcript=tname,
                segment=c.segment,
                dimension=c.dimension,
                study_value=_code_text(row.value, row.memo, c.memo),
                copy_value=_code_text(c.value, c.memo, row.memo),
                study_updated=mine,
                copy_updated=c.updated_at,
                resolution=Resolution.TOOK_COPY if take else Resolution.KEPT_STUDY,
                resolved=prefer_newer and c.updated_at != mine,
            )
        )
        if not take:
            return
        old = row.value
        row.value, row.value_enum, row.memo = c.value, c.value if enumerated else None, c.memo
        row.codebook_version_id, row.updated_at = t.books[c.codebook_sha], c.updated_at
        report.replaced["codes"] += 1
    audit(
        t.session,
        actor=actor or c.coder,
        action="merge",
        coder_id=cid,
        transcript_id=tid,
        segment_idx=c.segment,
        dimension_key=c.dimension,
        old_value=old,
        new_value=c.value,
        reason=reason,
    )


def _apply_memo(
    t: _Target,
    m: CopyMemo,
    report: SourceReport,
    prefer_newer: bool,
    actor: str | None,
    deidentified: bool = False,
) -> None:
    tid, tname = t.transcripts[m.transcript_hash]
    seg_id = t.segments[(tid, m.segment)]
    cid = t.coder(m.coder, report)
    row = t.memos.get((cid, seg_id))
    if row is None:
        row = SegmentMemoRow(coder_id=cid, segment_id=seg_id, text=m.text, updated_at=m.updated_at)
        t.session.add(row)
        t.memos[(cid, seg_id)] = row
        report.added["memos"] += 1
        old = None
    elif row.text == m.text or (deidentified and m.updated_at == _utc(row.updated_at)):
        report.unchanged["memos"] += 1
        return
    else:
        mine = _utc(row.updated_at)
        take = prefer_newer and m.updated_at > mine
        report.conflicts.append(
            Conflict(
                kind=ConflictKind.SEGMENT_MEMO,
                coder=m.coder,
                transcript=tname,
                segment=m.segment,
                dimension=None,
                study_value=row.text,
                copy_value=m.text,
                study_updated=mine,
                copy_updated=m.updated_at,
                resolution=Resolution.TOOK_COPY if take else Resolution.KEPT_STUDY,
                resolved=prefer_newer and m.updated_at != mine,
            )
        )
        if not take:
            return
        old = row.text
        row.text, row.updated_at = m.text, m.updated_at
        report.replaced["memos"] += 1
    audit(
        t.session,
        actor=actor or m.coder,
        action="merge",
        coder_id=cid,
        transcript_id=tid,
        segment_idx=m.segment,
        old_value=old,
        new_value=m.text,
        reason=f"merged segment memo from {report.source}",
    )


def _apply_completion(
    t: _Target, c: CopyCompletion, report: SourceReport, actor: str | None
) -> None:
    tid, _ = t.transcripts[c.transcript_hash]
    cid = t.coder(c.coder, report)
    if (cid, tid) in t.completed:
        report.unchanged["completions"] += 1
        return
    row = CompletionRow(coder_id=cid, transcript_id=tid, completed_at=c.completed_at)
    t.session.add(row)
    t.completions[(cid, tid)] = row
    t.completed.add((cid, tid))
    report.added["completions"] += 1
    audit(
        t.session,
        actor=actor or c.coder,
        action="merge",
        coder_id=cid,
        transcript_id=tid,
        old_value="0",
        new_value="1",
        reason=f"merged completion from {report.source}",
    )


def _apply_removal(
    t: _Target,
    r: CopyRemoval,
    report: SourceReport,
    prefer_newer: bool,
    actor: str | None,
    deidentified: bool = False,
) -> None:
    """Carry a clear, memo emptying or reopen made in the copy (see the module's rules)."""
    tid, tname = t.transcripts[r.transcript_hash]
    cid = t.coders.get(r.coder)
    if cid is None:
        return  # the study never had this coder: nothing to take back
    action = {EditKind.CODE: "clear", EditKind.MEMO: "memo"}.get(r.kind, "reopen")
    if (action, cid, tid, r.segment, r.dimension, r.at) in t.history:
        return  # the study's own history: done before the copy was taken
    row: CodeRow | SegmentMemoRow | CompletionRow | None
    key: tuple[Any, ...]
    if r.kind == EditKind.MEMO:
        assert r.segment is not None
        key = (cid, t.segments[(tid, r.segment)])
        row = t.memos.get(key)
        if row is None:
            report.unchanged["memos"] += 1
            return
        mine = _utc(row.updated_at)
        # a de-identified copy's audit log holds the rewritten text: the time decides
        same = (deidentified or row.text == r.old_value) and mine <= r.at
        study_value, copy_value = row.text, "(emptied)"
        slot, kind = "memos", ConflictKind.SEGMENT_MEMO
    elif r.kind == EditKind.CODE:
        assert r.dimension is not None
        if r.dimension not in t.dims:
            return
        dim_id = t.dims[r.dimension][0]
        seg_id = None if r.segment is None else t.segments[(tid, r.segment)]
        key = (cid, tid, seg_id, dim_id)
        row = t.codes.get(key)
        if row is None:
            report.unchanged["codes"] += 1
            return
        mine = _utc(row.updated_at)
        same = row.value == r.old_value and mine <= r.at
        study_value, copy_value = _code_text(row.value, row.memo, None), "(cleared)"
        slot, kind = "codes", ConflictKind.CODE
    else:
        row = t.completions.get((cid, tid))
        if row is None:
            report.unchanged["completions"] += 1
            return
        mine = _utc(row.completed_at)
        same = mine <= r.at
        study_value, copy_value = "complete", "(reopened)"
        slot, kind = "completions", ConflictKind.COMPLETION
    if not same:
        take = prefer_newer and r.at > mine
        report.conflicts.append(
            Conflict(
                kind=kind,
                coder=r.coder,
                transcript=tname,
                segment=r.segment,
                dimension=r.dimension,
                study_value=study_value,
                copy_value=copy_value,
                study_updated=mine,
                copy_updated=r.at,
                resolution=Resolution.TOOK_COPY if take else Resolution.KEPT_STUDY,
                resolved=prefer_newer and r.at != mine,
            )
        )
        if not take:
            return
    t.session.delete(row)
    if r.kind == EditKind.CODE:
        del t.codes[key]
    elif r.kind == EditKind.MEMO:
        del t.memos[key]
    else:
        del t.completions[(cid, tid)]
        t.completed.discard((cid, tid))
    report.removed[slot] += 1
    what = {EditKind.CODE: "code cleared", EditKind.MEMO: "segment memo emptied"}.get(
        r.kind, "transcript reopened"
    )
    if isinstance(row, CodeRow):
        old, new = row.value, None
    elif isinstance(row, SegmentMemoRow):
        old, new = row.text, None
    else:
        old, new = "1", "0"
    audit(
        t.session,
        actor=actor or r.coder,
        action="merge",
        coder_id=cid,
        transcript_id=tid,
        segment_idx=r.segment,
        dimension_key=r.dimension,
        old_value=old,
        new_value=new,
        reason=f"merged {what} in {report.source}",
    )


def apply_copy(
    session: Session, study: Study, snap: CopySnapshot, prefer_newer: bool, actor: str | None
) -> SourceReport:
    """Merge one copy inside the caller's transaction; returns what was done and left."""
    t = _Target(session)
    t.copy_kinds = dict(snap.coders)
    report = SourceReport(snap.source)
    unmatched: dict[str, list[int]] = {}  # content hash -> [codes, memos, completions]

    def matched(transcript_hash: str, segment: int | None, slot: int) -> bool:
        entry = t.transcripts.get(transcript_hash)
        if entry is not None and (segment is None or (entry[0], segment) in t.segments):
            return True
        unmatched.setdefault(transcript_hash, [0, 0, 0])[slot] += 1
        return False

    for c in sorted(snap.codes, key=lambda c: (c.transcript_hash, c.segment or 0, c.coder)):
        if matched(c.transcript_hash, c.segment, 0):
            _apply_code(t, study, c, report, prefer_newer, actor, snap.deidentified)
    for m in snap.memos:
        if matched(m.transcript_hash, m.segment, 1):
            _apply_memo(t, m, report, prefer_newer, actor, snap.deidentified)
    for done in snap.completions:
        if matched(done.transcript_hash, None, 2):
            _apply_completion(t, done, report, actor)
    for removal in snap.removals:
        entry = t.transcripts.get(removal.transcript_hash)
        if entry is not None and (
            removal.segment is None or (entry[0], removal.segment) in t.segments
        ):
            _apply_removal(t, removal, report, prefer_newer, actor, snap.deidentified)
    session.flush()
    report.unmatched = [
        Unmatched(snap.transcripts.get(h, "?"), h, *counts)
        for h, counts in sorted(unmatched.items())
    ]
    return report
