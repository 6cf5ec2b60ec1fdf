"""Reading a copy of a study for merging: everything mergeable, keyed by content.

A copy is only read, at any schema revision this SocialCoder knows (only columns that every
revision has are selected; the copy is neither upgraded nor changed). Shapes: see
:class:`CopySnapshot`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, select

from socialcoder.domain import coder_kinds
from socialcoder.domain.states import EditKind
from socialcoder.errors import StudyError
from socialcoder.services.study import Study, _sqlite_path_problem
from socialcoder.storage import db, migrate
from socialcoder.storage.events_model import StudyEventRow
from socialcoder.storage.models import (
    AuditRow,
    CodebookVersionRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    DimensionRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)
from socialcoder.storage.rows import tuples


def _utc(value: datetime) -> datetime:
    """SQLite gives naive datetimes (stored in UTC), PostgreSQL aware ones: compare in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- what a copy holds, keyed by content --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopyCode:
    coder: str
    transcript_hash: str
    segment: int | None  # segment index; None for session-level codes
    dimension: str
    value: str
    memo: str | None
    codebook_sha: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CopyMemo:
    coder: str
    transcript_hash: str
    segment: int
    text: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CopyCompletion:
    coder: str
    transcript_hash: str
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class CopyRemoval:
    """A code cleared (``kind`` 'code'), a segment memo emptied (``kind`` 'memo') or a
    transcript reopened (``kind`` 'completion') in the copy, and still so: from the copy's
    audit log (its latest such entry for the unit). ``old_value`` is the value the code had
    before it was cleared, the memo's text before it was emptied (None for a reopen)."""

    kind: EditKind
    coder: str
    transcript_hash: str
    segment: int | None
    dimension: str | None
    old_value: str | None
    at: datetime


@dataclass(slots=True)
class CopySnapshot:
    """Everything mergeable in one copy; ``transcripts`` maps content hash -> name there,
    ``codebooks`` maps SHA-256 -> 'name version'."""

    source: str
    coders: dict[str, str]
    dimension_keys: set[str]
    transcripts: dict[str, str]
    codebooks: dict[str, str]
    codes: list[CopyCode]
    memos: list[CopyMemo]
    completions: list[CopyCompletion]
    deidentified: bool = False  # a copy made by `socialcoder deidentify`
    removals: list[CopyRemoval] = field(default_factory=list)


def _copy_engine(study: Study, target: str | Path) -> tuple[Engine, str]:
    label = db.describe(target)
    if not db.is_url(target):
        problem = _sqlite_path_problem(Path(target))
        if problem:
            raise StudyError(problem, source=label)
    if db.to_url(target) == db.to_url(study.engine.url.render_as_string(hide_password=False)):
        raise StudyError("is the study itself; give a copy to merge from", source=label)
    engine = db.make_engine(target)
    try:
        with engine.connect() as conn:
            state, revision = migrate.schema_state(conn)
    except Exception as exc:
        engine.dispose()
        raise StudyError(f"cannot open the copy: {exc}", source=label) from None
    if state is migrate.SchemaState.EMPTY:
        engine.dispose()
        raise StudyError("is not a SocialCoder study", source=label)
    if state is migrate.SchemaState.NEWER:
        engine.dispose()
        raise StudyError(
            f"was made by a newer SocialCoder (schema {revision}); upgrade SocialCoder first",
            source=label,
        )
    return engine, label


def read_copy(study: Study, target: str | Path) -> CopySnapshot:
    """Read a copy (any schema revision this SocialCoder knows; only columns that every
    revision has are read, and the copy is not upgraded or changed)."""
    engine, label = _copy_engine(study, target)
    try:
        with engine.connect() as c:
            coders = dict(c.execute(select(CoderRow.name, CoderRow.kind)).all())
            keys = set(c.execute(select(DimensionRow.key)).scalars())
            transcripts = dict(
                c.execute(select(TranscriptRow.content_hash, TranscriptRow.name)).all()
            )
            books = {
                sha: f"{name} {version}"
                for sha, name, version in c.execute(
                    select(
                        CodebookVersionRow.sha256,
                        CodebookVersionRow.name,
                        CodebookVersionRow.version,
                    )
                )
            }
            code_rows = c.execute(
                select(
                    CoderRow.name,
                    TranscriptRow.content_hash,
                    SegmentRow.idx,
                    DimensionRow.key,
                    CodeRow.value,
                    CodeRow.memo,
                    CodebookVersionRow.sha256,
                    CodeRow.created_at,
                    CodeRow.updated_at,
                )
                .join(CoderRow, CoderRow.id == CodeRow.coder_id)
                .join(TranscriptRow, TranscriptRow.id == CodeRow.transcript_id)
                .join(DimensionRow, DimensionRow.id == CodeRow.dimension_id)
                .join(CodebookVersionRow, CodebookVersionRow.id == CodeRow.codebook_version_id)
                .outerjoin(SegmentRow, SegmentRow.id == CodeRow.segment_id)
                .where(CoderRow.kind != coder_kinds.MACHINE)  # a model's codes: code again
            ).all()
            memo_rows = c.execute(
                select(
                    CoderRow.name,
                    TranscriptRow.content_hash,
                    SegmentRow.idx,
                    SegmentMemoRow.text,
                    SegmentMemoRow.updated_at,
                )
                .join(CoderRow, CoderRow.id == SegmentMemoRow.coder_id)
                .join(SegmentRow, SegmentRow.id == SegmentMemoRow.segment_id)
                .join(TranscriptRow, TranscriptRow.id == SegmentRow.transcript_id)
                .where(CoderRow.kind != coder_kinds.MACHINE)
            ).all()
            deidentified = _is_deidentified_copy(c)
            completion_rows = c.execute(
                select(CoderRow.name, TranscriptRow.content_hash, CompletionRow.completed_at)
                .join(CoderRow, CoderRow.id == CompletionRow.coder_id)
                .join(TranscriptRow, TranscriptRow.id == CompletionRow.transcript_id)
                .where(CoderRow.kind != coder_kinds.MACHINE)
            ).all()
            audit_rows = tuples(
                c.execute(
                    select(
                        AuditRow.action,
                        CoderRow.name,
                        TranscriptRow.content_hash,
                        AuditRow.segment_idx,
                        AuditRow.dimension_key,
                        AuditRow.old_value,
                        AuditRow.new_value,
                        AuditRow.at,
                    )
                    .join(CoderRow, CoderRow.id == AuditRow.coder_id)
                    .join(TranscriptRow, TranscriptRow.id == AuditRow.transcript_id)
                    .where(AuditRow.action.in_(REMOVALS))
                    .where(CoderRow.kind != coder_kinds.MACHINE)
                    .order_by(AuditRow.at, AuditRow.id)
                )
            )
    except StudyError:
        raise
    except Exception as exc:
        raise StudyError(f"cannot read the copy: {exc}", source=label) from None
    finally:
        engine.dispose()
    codes = [CopyCode(*r[:7], _utc(r[7]), _utc(r[8])) for r in code_rows]
    completions = [CopyCompletion(r[0], r[1], _utc(r[2])) for r in completion_rows]
    memos = [
        CopyMemo(coder=r[0], transcript_hash=r[1], segment=r[2], text=r[3], updated_at=_utc(r[4]))
        for r in memo_rows
    ]
    return CopySnapshot(
        source=label,
        coders=coders,
        dimension_keys=keys,
        transcripts=transcripts,
        codebooks=books,
        codes=codes,
        memos=memos,
        completions=completions,
        deidentified=deidentified,
        removals=_removals(audit_rows, codes, memos, completions),
    )


#: the audit actions that may take something away (a memo entry does when its new value is None)
REMOVALS = ("clear", "reopen", "memo")

_AuditEntry = tuple[str, str, str, int | None, str | None, str | None, str | None, datetime]
"""(action, coder, transcript hash, segment, dimension key, old value, new value, at) of a
clear, reopen or memo change"""


def _removals(
    audit_rows: Sequence[_AuditEntry],
    codes: list[CopyCode],
    memos: list[CopyMemo],
    completions: list[CopyCompletion],
) -> list[CopyRemoval]:
    """The latest clear of each code, emptying of each segment memo and reopen of each
    transcript that the copy still shows (the code or memo absent, the transcript not
    complete)."""
    present = {(c.coder, c.transcript_hash, c.segment, c.dimension) for c in codes}
    with_memo = {(m.coder, m.transcript_hash, m.segment) for m in memos}
    complete = {(c.coder, c.transcript_hash) for c in completions}
    latest: dict[tuple[EditKind, str, str, int | None, str | None], CopyRemoval] = {}
    for action, coder, thash, segment, dimension, old_value, new_value, at in audit_rows:
        if action == "memo":
            emptied = new_value is None and old_value is not None and segment is not None
            if emptied and (coder, thash, segment) not in with_memo:
                latest[(EditKind.MEMO, coder, thash, segment, None)] = CopyRemoval(
                    kind=EditKind.MEMO,
                    coder=coder,
                    transcript_hash=thash,
                    segment=segment,
                    dimension=None,
                    old_value=old_value,
                    at=_utc(at),
                )
        elif action == "clear" and dimension is not None:
            if (coder, thash, segment, dimension) not in present:
                latest[(EditKind.CODE, coder, thash, segment, dimension)] = CopyRemoval(
                    kind=EditKind.CODE,
                    coder=coder,
                    transcript_hash=thash,
                    segment=segment,
                    dimension=dimension,
                    old_value=old_value,
                    at=_utc(at),
                )
        elif action == "reopen" and (coder, thash) not in complete:
            latest[(EditKind.COMPLETION, coder, thash, None, None)] = CopyRemoval(
                kind=EditKind.COMPLETION,
                coder=coder,
                transcript_hash=thash,
                segment=None,
                dimension=None,
                old_value=None,
                at=_utc(at),
            )
    return list(latest.values())


def _is_deidentified_copy(conn: Connection) -> bool:
    """Whether the copy was made by ``socialcoder deidentify`` (its first study event says so;
    copies older than study events have none)."""
    if not inspect(conn).has_table("study_events"):
        return False
    details = conn.execute(
        select(StudyEventRow.detail).where(StudyEventRow.kind == "deidentified")
    ).scalars()
    return any(json.loads(d or "{}").get("copy") is True for d in details)
