"""Exporting a study for analysis: long / wide / sessions tables in CSV, Excel, SPSS, Stata or
Parquet, and the REFI-QDA exchange file (.qdpx).

Use :func:`export_table` (or :func:`build_export_table` for the DataFrame alone, e.g. for a
preview) and :func:`export_refi`. The tables are described in ``docs/export.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Executable, func, select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain.final import FINAL, FinalCounts
from socialcoder.domain.names import NameRef, split_names
from socialcoder.domain.rules import worked
from socialcoder.errors import Input, Remedy, StudyError, UserError
from socialcoder.export import refi_write
from socialcoder.export.model import CONSENSUS, ExportTable, StudyData, TableParts
from socialcoder.export.names import FORMATS, LAYOUTS
from socialcoder.export.output import Output, prepare_output
from socialcoder.export.tables import build_table, wide_parts
from socialcoder.export.writers import format_of, write_table
from socialcoder.services.audit_events import record_export
from socialcoder.services.measures import read_measures
from socialcoder.services.refi_export import export_refi_project
from socialcoder.services.study import Study
from socialcoder.storage.models import (
    CodebookVersionRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    DimensionRow,
    RecordingRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class ExportSummary:
    path: Path  # Path("-") for standard output
    layout: str
    format: str
    rows: int
    columns: int
    coders: tuple[str, ...]
    to_stream: bool = False  # standard output, a device or a pipe: print summaries on stderr
    final: FinalCounts | None = None  # the final layer: where its values came from


REFI = "qdpx"


def export_format(path: str | Path, fmt: str | None = None) -> str:
    """The format of an export to ``path``: ``fmt`` when given, else from the extension
    (``.qdpx``: REFI-QDA; ``-``, standard output: CSV)."""
    if fmt is None and str(path) != "-" and Path(path).suffix.lower() == f".{REFI}":
        return REFI
    fmt = fmt or format_of(path)
    if fmt not in (*FORMATS, REFI):
        raise UserError(
            f"unknown format {fmt!r} (use one of: {', '.join((*FORMATS, REFI))})", source=path
        )
    return fmt


def check_output(study: Study, path: str | Path, fmt: str, *, force: bool = False) -> Output:
    """Check an export target before any work: never the study itself or another database,
    never an existing file unless ``force`` (see :mod:`socialcoder.export.output`)."""
    return prepare_output(path, fmt=fmt, force=force, protect=study.files)


def is_final(spec: str | Sequence[str] | None) -> bool:
    """Whether a selection asks for the final layer (the unquoted word ``final``)."""
    if not isinstance(spec, str):
        return False
    refs = split_names(spec)
    return len(refs) == 1 and refs[0].is_keyword(FINAL)


def resolve_coders(study: Study, spec: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """``None``/``"all"``: every human coder, plus the consensus layer when it has codes (a
    machine coder only when named: :mod:`socialcoder.domain.coder_kinds`);
    ``"consensus"``: the consensus layer; ``"final"``: the final layer (alone: see
    :mod:`socialcoder.services.final`); otherwise names (a list or ``"a,b"``)."""
    if is_final(spec):
        return (FINAL,)
    with study.read() as session:
        rows = session.execute(
            select(CoderRow.id, CoderRow.name, CoderRow.kind).order_by(CoderRow.name)
        ).all()
        consensus_ids = [r.id for r in rows if r.kind == coder_kinds.CONSENSUS]
        has_consensus = bool(
            consensus_ids
            and session.scalars(
                select(CodeRow.id).where(CodeRow.coder_id.in_(consensus_ids)).limit(1)
            ).first()
        )
    coders = [r.name for r in rows if coder_kinds.listed_by_default(r.kind)]
    layers = [r.name for r in rows if r.kind == coder_kinds.CONSENSUS]
    machines = [r.name for r in rows if coder_kinds.is_machine(r.kind)]
    # Typed text: comma-separated, unquoted 'all' is the keyword, '"all"' a coder named all
    # (see socialcoder.domain.names); a sequence holds exact names.
    refs = split_names(spec) if isinstance(spec, str) else [NameRef(n.strip()) for n in spec or ()]
    if spec is None or (len(refs) == 1 and refs[0].is_keyword("all")):
        return tuple(coders + (layers if has_consensus else []))
    names = [r.text for r in refs if r.text]
    if not names:
        raise UserError(
            "no coders given (all, consensus, final or coders' names)",
            remedy=Remedy.give(Input.CODERS, example="all, consensus, final or NAME,NAME"),
        )
    if any(r.is_keyword(FINAL) for r in refs):
        raise UserError(
            "the final layer is exported alone", remedy=Remedy.give(Input.CODERS, example="final")
        )
    known = set(coders) | set(layers) | set(machines)
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(coders + layers + machines) or "none"
        raise StudyError(
            f"unknown coder(s) {', '.join(map(repr, unknown))} (this study has: {listed})"
        )
    chosen = list(dict.fromkeys(names))
    return tuple([n for n in chosen if n != CONSENSUS] + [n for n in chosen if n == CONSENSUS])


def _frame(
    session: Session, stmt: Executable, columns: list[str], types: Mapping[str, Any]
) -> pd.DataFrame:
    """Rows of ``stmt`` as a DataFrame, fetched as plain DBAPI tuples (several times faster
    than Row objects for large results). Only for columns that need no type conversion
    (integers, floats, text); see :func:`frame_of_rows` for ``types``."""
    result = session.connection().execute(stmt)
    rows = result.cursor.fetchall() if result.cursor is not None else []
    return frame_of_rows(rows, columns, types)


def frame_of_rows(
    rows: Sequence[Sequence[Any]], columns: list[str], types: Mapping[str, Any]
) -> pd.DataFrame:
    """``pd.DataFrame(rows, columns=columns).astype(types)``, column by column: a column named
    in ``types`` is converted to that numpy type at once (floats: None is NaN), the others are
    typed as pandas infers a column of objects (text: its string type; all None: object). The
    frame pandas builds from rows first checks and converts every row (a third of the export's
    reading at 1M rows, issue #14)."""
    if not rows:
        return pd.DataFrame(rows, columns=columns).astype(types)
    table = np.array(rows, dtype=object)
    if table.shape != (len(rows), len(columns)):  # not one scalar per cell: pandas decides
        return pd.DataFrame(rows, columns=columns).astype(types)
    data: dict[str, Any] = {}
    for i, name in enumerate(columns):
        column = table[:, i]
        dtype = types.get(name)
        data[name] = (
            column.astype(dtype) if dtype is not None else pd.Series(column).infer_objects()
        )
    return pd.DataFrame(data, copy=False)


def coded_minutes(session: Session, segments: pd.DataFrame | None = None) -> dict[int, float]:
    """transcript_id -> length of the session coded, in minutes: the excerpt or the whole
    recording when there is one with a known length, else from the first turn's start to the
    last turn's end (measured or estimated); transcripts without times are left out. The turns'
    times come from ``segments`` (every segment of the study) or, without it, from the
    database (the first start and last end of each transcript's turns)."""
    out: dict[int, float] = {}
    for tid, start, end in _turn_spans(session, segments):
        if start == start and end is not None and end == end and end > start:
            out[int(tid)] = (float(end) - float(start)) / 60.0
    for tid, duration, a, b in session.execute(
        select(
            RecordingRow.transcript_id,
            RecordingRow.duration_s,
            RecordingRow.excerpt_start_s,
            RecordingRow.excerpt_end_s,
        )
    ).all():
        if a is not None and b is not None:
            out[int(tid)] = (b - a) / 60.0
        elif duration:
            out[int(tid)] = duration / 60.0
    return out


def _turn_spans(
    session: Session, segments: pd.DataFrame | None
) -> list[tuple[int, float, float | None]]:
    """(transcript_id, first start, last end) of the transcripts with a timed turn."""
    if segments is None:
        rows = session.execute(
            select(
                SegmentRow.transcript_id, func.min(SegmentRow.start_s), func.max(SegmentRow.end_s)
            )
            .where(SegmentRow.start_s.is_not(None) | SegmentRow.end_s.is_not(None))
            .group_by(SegmentRow.transcript_id)
        ).all()
        return [(int(t), a, b) for t, a, b in rows if a is not None]
    timed = segments.dropna(subset=["start"])
    if not len(timed):
        return []
    ends = segments.groupby("transcript_id")["end"].max()
    starts = timed.groupby("transcript_id")["start"].min()
    return [(int(tid), float(start), ends.get(tid)) for tid, start in starts.items()]


def load_study_data(
    study: Study,
    coders: Sequence[str],
    *,
    with_text: bool = False,
    segment_roles: Collection[str] | None = None,
) -> StudyData:
    """Read what the tables need for the given coders (see :class:`StudyData`). With
    ``segment_roles``, only the segments of those speaker roles are read (the long table's
    rows are the segments some segment-level dimension applies to: :func:`long_roles`); the
    sessions' minutes still count every turn."""
    with study.read() as session:
        ids = dict(session.execute(select(CoderRow.name, CoderRow.id)).all())
        names = {ids[c]: c for c in coders}
        chosen = list(names)
        transcripts = pd.DataFrame(
            session.execute(
                select(
                    TranscriptRow.id,
                    TranscriptRow.name,
                    TranscriptRow.participant,
                    TranscriptRow.therapist,
                    TranscriptRow.session_number,
                    TranscriptRow.session_date,
                    TranscriptRow.preamble,
                )
            ).all(),
            columns=[
                "transcript_id",
                "transcript",
                "participant",
                "therapist",
                "session",
                "date",
                "preamble",
            ],
        ).astype({"transcript_id": "int64", "session": "Int64"})
        seg_cols = [
            SegmentRow.id,
            SegmentRow.transcript_id,
            SegmentRow.idx,
            SegmentRow.role,
            SegmentRow.label,
            SegmentRow.start_s,
            SegmentRow.end_s,
            SegmentRow.start_estimated,
            SegmentRow.end_estimated,
        ]
        if with_text:
            seg_cols.append(SegmentRow.text)
        seg_names = [
            "segment_id",
            "transcript_id",
            "segment",
            "role",
            "speaker",
            "start",
            "end",
            "start_estimated",
            "end_estimated",
        ]
        seg_query = select(*seg_cols)
        if segment_roles is not None:
            seg_query = seg_query.where(SegmentRow.role.in_(sorted(segment_roles)))
        segments = _frame(
            session,
            seg_query,
            [*seg_names, "text"] if with_text else seg_names,
            {
                "segment_id": "int64",
                "transcript_id": "int64",
                "segment": "int64",
                "start": "float64",
                "end": "float64",
                "start_estimated": bool,
                "end_estimated": bool,
            },
        )
        transcripts["minutes"] = (
            transcripts["transcript_id"]
            .map(coded_minutes(session, None if segment_roles is not None else segments))
            .astype("float64")
        )
        keys = dict(session.execute(select(DimensionRow.id, DimensionRow.key)).all())
        versions = dict(
            session.execute(select(CodebookVersionRow.id, CodebookVersionRow.version)).all()
        )
        codes = _frame(
            session,
            select(
                CodeRow.transcript_id,
                CodeRow.segment_id,
                CodeRow.coder_id,
                CodeRow.dimension_id,
                CodeRow.value,
                CodeRow.memo,
                CodeRow.codebook_version_id,
            ).where(CodeRow.coder_id.in_(chosen)),
            [
                "transcript_id",
                "segment_id",
                "coder",
                "dimension",
                "value",
                "memo",
                "codebook_version",
            ],
            {"transcript_id": "int64", "segment_id": "float64"},
        )
        memo_rows = session.execute(
            select(
                SegmentMemoRow.segment_id,
                SegmentMemoRow.coder_id,
                SegmentMemoRow.text,
                SegmentRow.transcript_id,
            )
            .join(SegmentRow, SegmentRow.id == SegmentMemoRow.segment_id)
            .where(SegmentMemoRow.coder_id.in_(chosen))
        ).all()
        completion_rows = set(
            session.execute(
                select(CompletionRow.transcript_id, CompletionRow.coder_id).where(
                    CompletionRow.coder_id.in_(chosen)
                )
            ).all()
        )
        coded_pairs = set(
            session.execute(
                select(CodeRow.transcript_id, CodeRow.coder_id)
                .where(CodeRow.coder_id.in_(chosen))
                .distinct()
            ).all()
        )
    completed = {(int(t), int(c)) for t, c in completion_rows}
    codes["coder"] = codes["coder"].map(names)
    codes["dimension"] = codes["dimension"].map(keys)
    codes["codebook_version"] = codes["codebook_version"].map(versions)
    memos = pd.DataFrame(
        memo_rows, columns=["segment_id", "coder", "segment_memo", "transcript_id"]
    )
    memos["coder"] = memos["coder"].map(names)
    pairs = worked(
        codes=((int(t), int(c)) for t, c in coded_pairs),
        memos=((int(t), int(c)) for _, c, _, t in memo_rows),
        completions=completed,
    )
    involved = pd.DataFrame(
        [(t, names[c], (t, c) in completed) for t, c in sorted(pairs)],
        columns=["transcript_id", "coder", "completed"],
    ).astype({"transcript_id": "int64", "completed": bool})
    return StudyData(
        codebook=study.codebook,
        codebook_version=study.codebook.version,
        coders=tuple(coders),
        transcripts=transcripts,
        segments=segments,
        involved=involved,
        codes=codes,
        segment_memos=memos.astype({"segment_id": "int64"}),
        measures=read_measures(study),
        study_name=study.name,
        kinds=machine_kinds(study, coders),
    )


def long_roles(study: Study) -> frozenset[str]:
    """The speaker roles some segment-level dimension applies to: the long table has rows for
    those segments alone (:func:`socialcoder.export.long_columns._units`)."""
    return frozenset(r.value for d in study.codebook.segment_dimensions() for r in d.applies_to)


def machine_kinds(study: Study, coders: Sequence[str]) -> dict[str, str]:
    """Export kind of each of ``coders`` that is a machine coder (empty when none is)."""
    with study.read() as session:
        kinds = dict(session.execute(select(CoderRow.name, CoderRow.kind)).all())
    return {
        c: coder_kinds.export_name(kinds[c])
        for c in coders
        if c in kinds and coder_kinds.is_machine(kinds[c])
    }


def build_export_table(
    study: Study, layout: str, *, coders: str | Sequence[str] | None = None, with_text: bool = False
) -> ExportTable:
    """One of the tables (``long``, ``wide``, ``sessions``) as an :class:`ExportTable`."""
    return build_table(layout, _table_data(study, layout, coders, with_text), with_text=with_text)


def _table_data(
    study: Study, layout: str, coders: str | Sequence[str] | None, with_text: bool
) -> StudyData:
    """What the table ``layout`` of ``coders`` is built from."""
    if layout not in LAYOUTS:
        raise UserError(f"unknown layout {layout!r} (use one of: {', '.join(LAYOUTS)})")
    text = with_text and layout != "sessions"
    if is_final(coders):
        from socialcoder.services.final import load_final_data  # it builds on this module

        data = load_final_data(study, with_text=text)
    else:
        roles = long_roles(study) if layout == "long" else None
        data = load_study_data(
            study, resolve_coders(study, coders), with_text=text, segment_roles=roles
        )
    return data


def _table_to_write(
    layout: str, data: StudyData, with_text: bool, fmt: str
) -> ExportTable | TableParts:
    """The wide table to CSV or Excel in parts (:func:`wide_parts`: never whole in memory);
    otherwise the whole table."""
    if layout == "wide" and fmt in ("csv", "xlsx"):
        return wide_parts(data, with_text=with_text)
    return build_table(layout, data, with_text=with_text)


def export_table(
    study: Study,
    path: Path,
    *,
    layout: str = "long",
    coders: str | Sequence[str] | None = None,
    with_text: bool = False,
    fmt: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> ExportSummary:
    """Build a table and write it (format from ``fmt`` or the extension: csv, xlsx, sav, dta,
    parquet; ``-`` is standard output, CSV). The file appears whole or not at all; an existing
    file is replaced only with ``force``."""
    fmt = fmt or format_of(path)
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r} (use one of: {', '.join(FORMATS)})", source=path)
    out = check_output(study, path, fmt, force=force)
    if progress:
        progress(0, 2, "building the table")
    data = _table_data(study, layout, coders, with_text)
    table = _table_to_write(layout, data, with_text, fmt)
    final: FinalCounts | None = None
    if is_final(coders):
        from socialcoder.services.final import final_counts_of  # it builds on this module

        final = final_counts_of(study, data)
    del data  # the parts hold what they need
    rows = table.rows if isinstance(table, TableParts) else len(table.frame)
    coders_out = tuple(dict.fromkeys(c for c in resolve_coders(study, coders)))
    if progress:
        progress(1, 2, f"writing {fmt}")
    recorded = partial(
        record_export,
        study,
        f"{layout} table ({fmt})",
        out.path,
        rows=rows,
        with_text=with_text,
        coders=list(coders_out),
    )
    write_table(table, replace(out, before_publish=recorded))
    if progress:
        progress(2, 2, "done")
    return ExportSummary(
        path=out.path or Path("-"),
        layout=layout,
        format=fmt,
        rows=rows,
        columns=len(table.columns),
        coders=coders_out,
        to_stream=out.to_stream,
        final=final,
    )


def export_refi(
    study: Study,
    path: str | Path,
    *,
    coders: str | Sequence[str] | None = None,
    force: bool = False,
) -> refi_write.RefiExportSummary:
    """Write the study as a REFI-QDA project (.qdpx); see ``docs/export.md`` for the mapping.
    An existing file is replaced only with ``force``; a .qdpx cannot go to standard output."""
    if is_final(coders):
        raise UserError(
            "a REFI-QDA project exchanges the coders' own work; export the final layer as a "
            "table (long, wide or sessions)"
        )
    out = check_output(study, path, REFI, force=force)
    chosen = resolve_coders(study, coders)
    data = load_study_data(study, chosen, with_text=True)
    if data.kinds:
        raise UserError(
            f"machine coder(s) {', '.join(map(repr, data.kinds))} cannot go into a REFI-QDA "
            "project, which has no way to say that a coder is a machine; leave them out of "
            "the coders (the export tables carry them with coder_kind = machine)",
            remedy=Remedy.change(Input.CODERS),
        )
    recorded = partial(
        record_export,
        study,
        "REFI-QDA project (qdpx)",
        out.path,
        sources=len(data.transcripts),
        coders=list(chosen),
    )
    return export_refi_project(study, data, replace(out, before_publish=recorded))
