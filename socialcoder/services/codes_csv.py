"""Codes as CSV: ``transcript, segment, coder, dimension, value, memo``.

Export writes every code of every coder and the consensus layer, and segment memos as rows with
an empty ``dimension`` and ``value``, so export -> import (:mod:`codes_import`) is lossless. When
the study has machine coders or retest passes among them, a ``coder_kind`` column says each
row's kind of coder (so that an import never brings them back as people).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from sqlalchemy import select

from socialcoder.domain import coder_kinds
from socialcoder.export.output import prepare_output
from socialcoder.services.audit_events import record_export
from socialcoder.services.codes_import import COLUMNS, KIND_COLUMN, import_codes_csv
from socialcoder.services.codes_store import CodesImportSummary
from socialcoder.services.study import Study
from socialcoder.storage.models import (
    CodeRow,
    CoderRow,
    DimensionRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)

__all__ = [
    "COLUMNS",
    "CodesExportSummary",
    "CodesImportSummary",
    "export_codes_csv",
    "import_codes_csv",
]


@dataclass(frozen=True, slots=True)
class CodesExportSummary:
    path: Path  # Path("-") for standard output
    rows: int
    to_stream: bool  # standard output, a device or a pipe: print summaries on stderr


def export_codes_csv(study: Study, path: str | Path, *, force: bool = False) -> CodesExportSummary:
    """Write every code (and segment memo) of every coder and the consensus layer. A study with no codes gets just the header. ``path`` may be ``-``
    (standard output); an existing file is replaced only with ``force`` (see
    :mod:`socialcoder.export.output`)."""
    out = prepare_output(path, fmt="csv", force=force, protect=study.files)
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
        kinds = dict(session.execute(select(CoderRow.name, CoderRow.kind)).all())
    rows = [(t, s, c, k, v, m or "") for t, s, c, k, v, m in codes]
    rows += [(t, s, c, "", "", m) for t, s, c, m in memos]
    rows.sort(key=lambda r: (r[0], r[2], r[1] or 0, order.get(r[3], -1)))
    named = {r[2] for r in rows}
    with_kind = any(kinds[c] in (coder_kinds.MACHINE, coder_kinds.RETEST) for c in named)
    recorded = partial(record_export, study, "codes (csv)", out.path, rows=len(rows))
    out = replace(out, before_publish=recorded)
    with out.writing() as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if with_kind:
            writer.writerow((*COLUMNS, KIND_COLUMN))
            writer.writerows(
                (t, "" if s is None else s, c, k, v, m, coder_kinds.export_name(kinds[c]))
                for t, s, c, k, v, m in rows
            )
        else:
            writer.writerow(COLUMNS)
            writer.writerows((t, "" if s is None else s, c, k, v, m) for t, s, c, k, v, m in rows)
    return CodesExportSummary(out.path or Path("-"), len(rows), out.to_stream)
