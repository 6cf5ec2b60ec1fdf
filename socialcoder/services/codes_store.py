"""Storing a checked codes file (:mod:`socialcoder.services.codes_import` checks it first), in
the caller's transaction: new codes inserted and changed ones updated in bulk (the study's
existing codes of the file's coders read once, locked on PostgreSQL), one audit entry per new or
changed code (action ``import``) unless the database audits itself, segment memos, and with
``complete`` the completions of every coder and transcript the file holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from socialcoder.domain.coder_kinds import CONSENSUS
from socialcoder.services.audit_log import audit, state_audit
from socialcoder.services.coders import add_coders_in, coder_ids
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.bulk import bulk_insert_columns, fetch_tuples
from socialcoder.storage.models import (
    AuditRow,
    CodeRow,
    CompletionRow,
    SegmentMemoRow,
    TranscriptRow,
    table_of,
)


@dataclass(frozen=True, slots=True)
class CodesImportSummary:
    rows: int
    inserted: int
    updated: int
    unchanged: int
    memos: int
    coders_added: tuple[str, ...]
    completed: int
    #: what the import changed: the codes (the consensus layer's as CONSENSUS), memos,
    #: completions and coders added, for the file's transcripts and coders
    change: StudyChange = field(default_factory=StudyChange)
    #: stored codes of a (coder, transcript) the file codes that the file leaves out: kept
    #: (a codes file adds and changes codes, never removes them)
    not_in_file: int = 0


def store_codes(
    session: Session,
    study: Study,
    codes: pd.DataFrame,
    memos: pd.DataFrame,
    new_coders: dict[str, str],
    complete: bool,
    actor: str | None,
    has_memo_column: bool,
) -> CodesImportSummary:
    """Store the ``codes`` and ``memos`` frames that codes_import checked, adding
    ``new_coders`` (name -> kind) first; see the module doc."""
    stamp = now()
    completed = 0
    ids = coder_ids(session)
    ids.update(add_coders_in(session, list(new_coders), new_coders))
    codes["cid"] = codes["coder"].map(ids).astype("int64")
    memos["cid"] = memos["coder"].map(ids).astype("int64")
    involved = [int(c) for c in set(codes["cid"]) | set(memos["cid"])]
    existing = pd.DataFrame(
        fetch_tuples(
            session.connection(),
            select(
                CodeRow.id,
                CodeRow.coder_id,
                CodeRow.transcript_id,
                CodeRow.segment_id,
                CodeRow.dimension_id,
                CodeRow.value,
                CodeRow.memo,
            )
            .where(CodeRow.coder_id.in_(involved))
            # PostgreSQL: a concurrent change of one of these codes waits for this import (and
            # this import for it), so the audit log's old values are the true ones.
            .with_for_update(),
        ),
        columns=["code_id", "cid", "old_tid", "old_seg", "dim_id", "old_value", "old_memo"],
    )
    if len(existing):
        existing["unit"] = existing["old_seg"].fillna(-existing["old_tid"]).astype("int64")
        merged = codes.merge(
            existing[["code_id", "cid", "dim_id", "unit", "old_value", "old_memo"]],
            on=["cid", "dim_id", "unit"],
            how="left",
        )
    else:
        merged = codes.assign(code_id=np.nan, old_value=None, old_memo=None)
    # Compared as Python values (str or None): pandas' missing-value sentinels differ between
    # versions and dtypes, and a comparison with NaN is never equal.
    old_values = _texts_or_none(merged["old_value"])
    old_memos = _texts_or_none(merged["old_memo"])
    # An empty memo cell removes the code's memo; a file without a memo column keeps memos.
    new_memos = [m or None for m in merged["memo"].tolist()] if has_memo_column else old_memos
    is_new = merged["code_id"].isna().to_numpy()
    same_list = [
        ov == v and om == nm
        for ov, v, om, nm in zip(old_values, merged["value"], old_memos, new_memos, strict=True)
    ]
    same = ~is_new & np.array(same_list, dtype=bool)
    changed = ~is_new & ~same
    version = study.codebook_version_id
    connection = session.connection()
    server = state_audit(session, "import")  # the database audits, if it does so itself
    fresh = merged[is_new]
    if len(fresh):
        bulk_insert_columns(
            connection,
            table_of(CodeRow),
            {
                "coder_id": fresh["cid"].tolist(),
                "transcript_id": fresh["tid"].astype("int64").tolist(),
                "segment_id": _nullable(fresh["seg_id"]),
                "dimension_id": fresh["dim_id"].tolist(),
                "dim_enumerated": fresh["enumerated"].tolist(),
                "unit_role": fresh["unit_role"].tolist(),
                "value": fresh["value"].tolist(),
                "value_enum": _texts_or_none(fresh["value"].where(fresh["enumerated"], None)),
                "memo": [m for m, n in zip(new_memos, is_new, strict=True) if n],
                "codebook_version_id": version,
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
    moved = merged[changed]
    if len(moved):
        # Core executemany by id (an ORM bulk UPDATE wants primary keys as parameters).
        table = table_of(CodeRow)
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                value=bindparam("b_value"),
                value_enum=bindparam("b_enum"),
                memo=bindparam("b_memo"),
                updated_at=stamp,
                codebook_version_id=version,
            ),
            [
                {"b_id": int(i), "b_value": v, "b_enum": v if e else None, "b_memo": m}
                for i, v, e, m in zip(
                    moved["code_id"],
                    moved["value"],
                    moved["enumerated"],
                    [m for m, c in zip(new_memos, changed, strict=True) if c],
                    strict=True,
                )
            ],
        )
    touched = merged[is_new | changed]
    if len(touched) and not server:
        bulk_insert_columns(
            connection,
            table_of(AuditRow),
            {
                "at": stamp,
                "actor": touched["coder"].tolist() if actor is None else actor,
                "action": "import",
                "coder_id": touched["cid"].tolist(),
                "transcript_id": touched["tid"].astype("int64").tolist(),
                "segment_idx": _nullable(touched["seg_idx"]),
                "dimension_key": touched["dimension"].tolist(),
                "old_value": _texts_or_none(touched["old_value"]),
                "new_value": touched["value"].tolist(),
                "reason": None,
            },
        )
    memo_count = _store_memos(session, memos, stamp, actor)
    if complete:
        pairs = {(int(c), int(t)) for c, t in zip(codes["cid"], codes["tid"], strict=True)}
        pairs |= {(int(c), int(t)) for c, t in zip(memos["cid"], memos["tid"], strict=True)}
        done = {
            (c, t)
            for c, t in session.execute(select(CompletionRow.coder_id, CompletionRow.transcript_id))
        }
        todo = sorted(pairs - done)
        if todo:
            server = state_audit(session, "complete", "codes import --complete")
            bulk_insert_columns(
                connection,
                table_of(CompletionRow),
                {
                    "coder_id": [c for c, _ in todo],
                    "transcript_id": [t for _, t in todo],
                    "completed_at": stamp,
                },
            )
        if todo and not server:
            bulk_insert_columns(
                connection,
                table_of(AuditRow),
                {
                    "at": stamp,
                    "actor": actor or "import",
                    "action": "complete",
                    "coder_id": [c for c, _ in todo],
                    "transcript_id": [t for _, t in todo],
                    "segment_idx": None,
                    "dimension_key": None,
                    "old_value": "0",
                    "new_value": "1",
                    "reason": "codes import --complete",
                },
            )
        completed = len(todo)
    kinds = [ChangeKind.CODERS] if new_coders else []
    if len(touched):
        layer = touched["coder"].astype(str) == CONSENSUS
        kinds += [ChangeKind.CONSENSUS] if layer.any() else []
        kinds += [ChangeKind.CODES] if (~layer).any() else []
    kinds += [ChangeKind.MEMOS] if memo_count else []
    kinds += [ChangeKind.COMPLETIONS] if completed else []
    return CodesImportSummary(
        not_in_file=_not_in_file(existing, codes, merged),
        rows=len(codes) + len(memos),
        inserted=int(is_new.sum()),
        updated=int(changed.sum()),
        unchanged=int(same.sum()),
        memos=memo_count,
        coders_added=tuple(new_coders),
        completed=completed,
        change=_change(session, kinds, codes, memos, new_coders),
    )


def _not_in_file(existing: pd.DataFrame, codes: pd.DataFrame, merged: pd.DataFrame) -> int:
    """How many stored codes of the (coder, transcript) pairs the file codes it leaves out."""
    if existing.empty or codes.empty:
        return 0
    pairs = codes[["cid", "tid"]].drop_duplicates().rename(columns={"tid": "old_tid"})
    covered = existing.astype({"old_tid": "int64"}).merge(pairs, on=["cid", "old_tid"])
    matched = merged["code_id"].dropna().astype("int64")
    return int((~covered["code_id"].astype("int64").isin(matched)).sum())


def _change(
    session: Session,
    kinds: list[ChangeKind],
    codes: pd.DataFrame,
    memos: pd.DataFrame,
    new_coders: dict[str, str],
) -> StudyChange:
    """What the import changed, for the file's transcripts (by name) and coders."""
    if not kinds:
        return StudyChange()
    tids = {int(t) for t in (*codes["tid"], *memos["tid"])}
    names = session.scalars(select(TranscriptRow.name).where(TranscriptRow.id.in_(tids)))
    coders = {*codes["coder"].astype(str), *memos["coder"].astype(str), *new_coders}
    return StudyChange.of(*kinds, transcripts=names, coders=coders)


def _texts_or_none(series: pd.Series) -> list[str | None]:
    """Missing values (NaN, None, NA) as None, whatever the column's dtype."""
    return series.astype(object).where(series.notna(), None).tolist()


def _nullable(series: pd.Series) -> list[int | None]:
    """An integer column with missing values (Int64) as Python ints and None."""
    return series.astype(object).where(series.notna(), None).tolist()


def _store_memos(session: Session, memos: pd.DataFrame, stamp: datetime, actor: str | None) -> int:
    for m in memos.itertuples():
        cid, seg = int(m.cid), int(m.seg_id)
        row = session.scalars(
            select(SegmentMemoRow).where(
                SegmentMemoRow.coder_id == cid, SegmentMemoRow.segment_id == seg
            )
        ).one_or_none()
        if row is not None and row.text == m.memo:
            continue
        old = row.text if row else None
        if row is None:
            session.add(SegmentMemoRow(coder_id=cid, segment_id=seg, text=m.memo, updated_at=stamp))
        else:
            row.text, row.updated_at = m.memo, stamp
        audit(
            session,
            actor=actor or m.coder,
            action="memo",
            coder_id=cid,
            transcript_id=int(m.tid),
            segment_idx=int(m.seg_idx),
            old_value=old,
            new_value=m.memo,
            reason="codes import",
        )
    return len(memos)
