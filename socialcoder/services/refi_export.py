"""Exporting a study as a REFI-QDA project (.qdpx): the study data plus what only the REFI
export needs (dates, the stored codebook YAML, how each transcript came in, assignments).
The mapping is described in :mod:`socialcoder.export.refi_write` and ``docs/export.md``."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from sqlalchemy import select

from socialcoder.export import refi_write
from socialcoder.export.model import StudyData
from socialcoder.export.output import Output
from socialcoder.services.media import resolve
from socialcoder.services.study import Study
from socialcoder.storage.models import (
    AssignmentRow,
    CodebookVersionRow,
    CodeRow,
    CoderRow,
    DimensionRow,
    RecordingRow,
    SegmentMemoRow,
    StudyRow,
    TranscriptRow,
)


def _with_times(study: Study, data: StudyData) -> tuple[StudyData, refi_write.RefiExtras]:
    ids = {name: i for i, name in enumerate(data.coders)}
    with study.read() as session:
        coder_names = dict(session.execute(select(CoderRow.id, CoderRow.name)).all())
        keys = dict(session.execute(select(DimensionRow.id, DimensionRow.key)).all())
        times = pd.DataFrame(
            [
                (t, s, coder_names[c], keys[d], a, b)
                for t, s, c, d, a, b in session.execute(
                    select(
                        CodeRow.transcript_id,
                        CodeRow.segment_id,
                        CodeRow.coder_id,
                        CodeRow.dimension_id,
                        CodeRow.created_at,
                        CodeRow.updated_at,
                    )
                )
                if coder_names[c] in ids
            ],
            columns=[
                "transcript_id",
                "segment_id",
                "coder",
                "dimension",
                "created_at",
                "updated_at",
            ],
        ).astype({"transcript_id": "int64", "segment_id": "float64"})
        memo_times = pd.DataFrame(
            [
                (s, coder_names[c], u)
                for s, c, u in session.execute(
                    select(
                        SegmentMemoRow.segment_id,
                        SegmentMemoRow.coder_id,
                        SegmentMemoRow.updated_at,
                    )
                )
                if coder_names[c] in ids
            ],
            columns=["segment_id", "coder", "updated_at"],
        ).astype({"segment_id": "int64"})
        yaml_text = session.scalars(
            select(CodebookVersionRow.source_yaml).order_by(CodebookVersionRow.id.desc()).limit(1)
        ).one()
        created = session.scalars(select(StudyRow.created_at)).one()
        media = {
            t: (path, kind)
            for t, path, kind in session.execute(
                select(RecordingRow.transcript_id, RecordingRow.path, RecordingRow.kind)
            )
        }
        transcripts = {
            int(r.id): refi_write.TranscriptInfo(
                r.imported_at,
                r.source_name,
                r.format,
                r.content_hash,
                *_media(study, media.get(r.id)),
            )
            for r in session.scalars(select(TranscriptRow))
        }
        assignments = tuple(
            (int(t), coder_names[c], p)
            for t, c, p in session.execute(
                select(AssignmentRow.transcript_id, AssignmentRow.coder_id, AssignmentRow.purpose)
            )
            if coder_names[c] in ids
        )
    unit = ["transcript_id", "segment_id", "coder", "dimension"]
    codes = data.codes.merge(times, on=unit, how="left", validate="one_to_one")
    memos = data.segment_memos.merge(memo_times, on=["segment_id", "coder"], how="left")
    extras = refi_write.RefiExtras(yaml_text, created, transcripts, assignments)
    return replace(data, codes=codes, segment_memos=memos), extras


def _media(study: Study, stored: tuple[str, str] | None) -> tuple[str | None, str, str | None]:
    """(stored path, kind, ``absolute://`` URI on this machine) of a transcript's recording."""
    if stored is None:
        return None, "audio", None
    path, kind = stored
    return path, kind, "absolute://" + resolve(study, path).as_posix()


def export_refi_project(study: Study, data: StudyData, out: Output) -> refi_write.RefiExportSummary:
    """Write ``data`` (read with the text of every turn) to ``out`` (.qdpx), prepared by
    :func:`socialcoder.services.exporting.check_output`."""
    full, extras = _with_times(study, data)
    key = f"{study.name}|{study.info().created_at.isoformat()}"
    return refi_write.write_qdpx(full, extras, out, study_key=key)
