"""Codes as CSV: ``transcript, segment, coder, dimension, value, memo``.

Import validates the whole file before storing anything and stores it in one transaction, so
one bad row stores nothing and a kill half way leaves the study as it was. A row with an empty
``dimension`` and ``value`` but a ``memo`` is a coder's segment memo; export writes memos the
same way, so export -> import is lossless.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update

from socialcoder.domain.codebook import Unit
from socialcoder.errors import UserError
from socialcoder.services.coders import add_coders_in, check_coder_name, coder_ids
from socialcoder.services.study import Study, now
from socialcoder.storage.bulk import bulk_insert
from socialcoder.storage.models import (
    AuditRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    DimensionRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)

COLUMNS = ("transcript", "segment", "coder", "dimension", "value", "memo")
REQUIRED = COLUMNS[:5]
MAX_BYTES = 2 * 1024**3

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class CodesImportSummary:
    rows: int
    inserted: int
    updated: int
    unchanged: int
    memos: int
    coders_added: tuple[str, ...]
    completed: int


@dataclass(slots=True)
class _Row:
    number: int
    coder: str
    tid: int
    seg_id: int | None
    seg_idx: int | None
    dim_id: int
    dim_key: str
    enumerated: bool
    value: str
    memo: str | None


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    source = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError("file is larger than 2 GB", source=source)
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError("is not UTF-8 text", source=source) from None
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", source=source) from None
    if "\x00" in text:
        raise UserError("is a binary file, not CSV", source=source)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UserError(f"is not valid CSV: {exc}", source=source) from None
    if not rows:
        raise UserError("is empty", source=source)
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UserError(
            f"missing column(s) {', '.join(missing)}; a codes CSV has the columns "
            f"{', '.join(COLUMNS)} (memo optional)",
            source=source,
        )
    return header, rows[1:]


def import_codes_csv(
    study: Study,
    path: Path,
    *,
    complete: bool = False,
    add_coders: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> CodesImportSummary:
    source = str(path)
    header, rows = _read_rows(path)
    col = {name: header.index(name) for name in COLUMNS if name in header}
    width = max(col.values()) + 1
    if progress:
        progress(0, 3, "checking rows")

    with study.read() as session:
        transcripts = dict(session.execute(select(TranscriptRow.name, TranscriptRow.id)).all())
        known_coders = coder_ids(session)
    dims = study.dims
    wanted_tids = set()
    for r in rows:
        if len(r) >= width and r[col["transcript"]].strip() in transcripts:
            wanted_tids.add(transcripts[r[col["transcript"]].strip()])
    segments: dict[tuple[int, int], tuple[int, str]] = {}
    with study.read() as session:
        for seg_id, tid, idx, role in session.execute(
            select(SegmentRow.id, SegmentRow.transcript_id, SegmentRow.idx, SegmentRow.role).where(
                SegmentRow.transcript_id.in_(wanted_tids)
            )
        ):
            segments[(tid, idx)] = (seg_id, role)

    parsed: list[_Row] = []
    memos: list[_Row] = []
    new_coders: dict[str, None] = {}
    seen: dict[tuple[str, int, int | None, int], int] = {}
    cache: dict[tuple[str, str], str] = {}
    for number, r in enumerate(rows, start=2):
        if not any(cell.strip() for cell in r):
            continue
        if len(r) < width:
            raise UserError(
                f"has {len(r)} cells, expected {len(header)}", source=source, row=number
            )
        name = r[col["transcript"]].strip()
        tid = transcripts.get(name)
        if tid is None:
            raise UserError(f"unknown transcript {name!r}", source=source, row=number)
        coder = r[col["coder"]].strip()
        if coder not in known_coders:
            if not add_coders:
                raise UserError(
                    f"unknown coder {coder!r} (add coders first, or use --add-coders)",
                    source=source,
                    row=number,
                )
            try:
                check_coder_name(coder)
            except UserError as exc:
                raise UserError(exc.message, source=source, row=number) from None
            new_coders[coder] = None
        memo = r[col["memo"]].strip() if "memo" in col else ""
        key = r[col["dimension"]].strip()
        raw = r[col["value"]].strip()
        seg_text = r[col["segment"]].strip()
        seg_idx: int | None = None
        if seg_text:
            try:
                seg_idx = int(seg_text)
            except ValueError:
                raise UserError(
                    f"segment {seg_text!r} is not a number", source=source, row=number
                ) from None
        if not key and not raw:
            if not memo or seg_idx is None:
                raise UserError(
                    "no dimension and value (and no segment memo)", source=source, row=number
                )
            seg = segments.get((tid, seg_idx))
            if seg is None:
                raise UserError(
                    f"transcript {name!r} has no segment {seg_idx}", source=source, row=number
                )
            memos.append(_Row(number, coder, tid, seg[0], seg_idx, 0, "", False, "", memo))
            continue
        dim = dims.get(key)
        if dim is None:
            raise UserError(
                f"unknown dimension {key!r} (the codebook has: {', '.join(dims)})",
                source=source,
                row=number,
            )
        d = dim.dimension
        value = cache.get((key, raw))
        if value is None:
            try:
                value = d.parse_value(raw)
            except ValueError as exc:
                raise UserError(str(exc), source=source, row=number) from None
            cache[(key, raw)] = value
        seg_id = None
        if d.unit is Unit.SESSION:
            if seg_idx is not None:
                raise UserError(
                    f"{key!r} is session-level: leave 'segment' empty", source=source, row=number
                )
        else:
            if seg_idx is None:
                raise UserError(
                    f"{key!r} is coded per segment: 'segment' is empty", source=source, row=number
                )
            seg = segments.get((tid, seg_idx))
            if seg is None:
                raise UserError(
                    f"transcript {name!r} has no segment {seg_idx}", source=source, row=number
                )
            seg_id, role = seg
            if not d.applies(role):
                raise UserError(
                    f"{key!r} does not apply to {role} turns (segment {seg_idx} is a {role} turn)",
                    source=source,
                    row=number,
                )
        unit_key = (coder, dim.id, seg_id, tid if seg_id is None else 0)
        if unit_key in seen:  # type: ignore[comparison-overlap]
            raise UserError(
                f"codes the same unit as row {seen[unit_key]} (one value per coder, unit and dimension)",  # type: ignore[index]
                source=source,
                row=number,
            )
        seen[unit_key] = number  # type: ignore[index]
        parsed.append(
            _Row(
                number,
                coder,
                tid,
                seg_id,
                seg_idx,
                dim.id,
                key,
                dim.enumerated,
                value,
                memo or None,
            )
        )

    if progress:
        progress(1, 3, "storing codes")
    return _store(study, parsed, memos, list(new_coders), complete, actor, progress)


def _store(
    study: Study,
    parsed: list[_Row],
    memos: list[_Row],
    new_coders: list[str],
    complete: bool,
    actor: str | None,
    progress: Progress | None,
) -> CodesImportSummary:
    stamp = now()
    inserted = updated = unchanged = completed = 0
    with study.write() as session:
        ids = coder_ids(session)
        ids.update(add_coders_in(session, new_coders))
        involved = {ids[r.coder] for r in parsed} | {ids[r.coder] for r in memos}
        existing: dict[tuple[int, int, int | None, int], tuple[int, str, str | None]] = {}
        for code_id, cid, tid, seg_id, dim_id, value, memo in session.execute(
            select(
                CodeRow.id,
                CodeRow.coder_id,
                CodeRow.transcript_id,
                CodeRow.segment_id,
                CodeRow.dimension_id,
                CodeRow.value,
                CodeRow.memo,
            ).where(CodeRow.coder_id.in_(involved))
        ):
            existing[(cid, dim_id, seg_id, tid if seg_id is None else 0)] = (code_id, value, memo)
        inserts, updates, audits = [], [], []
        version = study.codebook_version_id
        who = actor
        for r in parsed:
            cid = ids[r.coder]
            key = (cid, r.dim_id, r.seg_id, r.tid if r.seg_id is None else 0)
            old = existing.get(key)
            if old is not None and (old[1], old[2]) == (r.value, r.memo):
                unchanged += 1
                continue
            if old is None:
                inserts.append(
                    {
                        "coder_id": cid,
                        "transcript_id": r.tid,
                        "segment_id": r.seg_id,
                        "dimension_id": r.dim_id,
                        "dim_enumerated": r.enumerated,
                        "value": r.value,
                        "value_enum": r.value if r.enumerated else None,
                        "memo": r.memo,
                        "codebook_version_id": version,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
            else:
                updates.append(
                    {
                        "b_id": old[0],
                        "b_value": r.value,
                        "b_memo": r.memo,
                        "b_enum": r.value if r.enumerated else None,
                    }
                )
            audits.append(
                {
                    "at": stamp,
                    "actor": who or r.coder,
                    "action": "import",
                    "coder_id": cid,
                    "transcript_id": r.tid,
                    "segment_idx": r.seg_idx,
                    "dimension_key": r.dim_key,
                    "old_value": old[1] if old else None,
                    "new_value": r.value,
                    "reason": None,
                }
            )
        if inserts:
            inserted = bulk_insert(session.connection(), CodeRow.__table__, inserts)
        if updates:
            session.execute(
                update(CodeRow)
                .where(CodeRow.id == bindparam("b_id"))
                .values(
                    value=bindparam("b_value"),
                    value_enum=bindparam("b_enum"),
                    memo=bindparam("b_memo"),
                    updated_at=stamp,
                    codebook_version_id=version,
                ),
                updates,
                execution_options={"synchronize_session": False},
            )
            updated = len(updates)
        for m in memos:
            cid = ids[m.coder]
            row = session.scalars(
                select(SegmentMemoRow).where(
                    SegmentMemoRow.coder_id == cid, SegmentMemoRow.segment_id == m.seg_id
                )
            ).one_or_none()
            if row is not None and row.text == m.memo:
                continue
            old_text = row.text if row else None
            if row is None:
                session.add(
                    SegmentMemoRow(coder_id=cid, segment_id=m.seg_id, text=m.memo, updated_at=stamp)
                )
            else:
                row.text, row.updated_at = m.memo or "", stamp
            audits.append(
                {
                    "at": stamp,
                    "actor": who or m.coder,
                    "action": "memo",
                    "coder_id": cid,
                    "transcript_id": m.tid,
                    "segment_idx": m.seg_idx,
                    "dimension_key": None,
                    "old_value": old_text,
                    "new_value": m.memo,
                    "reason": "codes import",
                }
            )
        if audits:
            bulk_insert(session.connection(), AuditRow.__table__, audits)
        if complete:
            pairs = {(ids[r.coder], r.tid) for r in parsed} | {(ids[m.coder], m.tid) for m in memos}
            done = {
                (c, t)
                for c, t in session.execute(
                    select(CompletionRow.coder_id, CompletionRow.transcript_id)
                )
            }
            todo = sorted(pairs - done)
            if todo:
                session.execute(
                    insert(CompletionRow),
                    [{"coder_id": c, "transcript_id": t, "completed_at": stamp} for c, t in todo],
                )
                session.execute(
                    insert(AuditRow),
                    [
                        {
                            "at": stamp,
                            "actor": who or "import",
                            "action": "complete",
                            "coder_id": c,
                            "transcript_id": t,
                            "segment_idx": None,
                            "dimension_key": None,
                            "old_value": "0",
                            "new_value": "1",
                            "reason": "codes import --complete",
                        }
                        for c, t in todo
                    ],
                )
            completed = len(todo)
    if progress:
        progress(3, 3, "done")
    return CodesImportSummary(
        rows=len(parsed) + len(memos),
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        memos=len(memos),
        coders_added=tuple(new_coders),
        completed=completed,
    )


def export_codes_csv(study: Study, path: Path) -> int:
    """Write every code (and segment memo) of every coder and the consensus layer; returns the
    number of rows. A study with no codes gets just the header."""
    order = {k: i for i, k in enumerate(study.codebook.keys)}
    with study.read() as session:
        codes = session.execute(
            select(
                TranscriptRow.name,
                SegmentRow.idx,
                CoderRow.name,
                DimensionRow.key,
                CodeRow.value,
                CodeRow.memo,
            )
            .join(TranscriptRow, TranscriptRow.id == CodeRow.transcript_id)
            .join(CoderRow, CoderRow.id == CodeRow.coder_id)
            .join(DimensionRow, DimensionRow.id == CodeRow.dimension_id)
            .outerjoin(SegmentRow, SegmentRow.id == CodeRow.segment_id)
        ).all()
        memos = session.execute(
            select(TranscriptRow.name, SegmentRow.idx, CoderRow.name, SegmentMemoRow.text)
            .join(SegmentRow, SegmentRow.id == SegmentMemoRow.segment_id)
            .join(TranscriptRow, TranscriptRow.id == SegmentRow.transcript_id)
            .join(CoderRow, CoderRow.id == SegmentMemoRow.coder_id)
        ).all()
    rows = [(t, s, c, k, v, m or "") for t, s, c, k, v, m in codes]
    rows += [(t, s, c, "", "", m) for t, s, c, m in memos]
    rows.sort(key=lambda r: (r[0], r[2], r[1] or 0, order.get(r[3], -1)))
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows((t, "" if s is None else s, c, k, v, m) for t, s, c, k, v, m in rows)
    tmp.replace(path)
    return len(rows)
