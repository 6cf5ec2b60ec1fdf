"""The final layer of a study: what its analyses use (see :mod:`socialcoder.domain.final`).

* :func:`primary_coders`: each transcript's primary coder (the pure rule over its assignments
  and the coders who worked on it);
* :func:`load_final_data`: the :class:`~socialcoder.export.model.StudyData` that the export
  tables turn into the final layer (``--coders final``), with the source of every value;
* :func:`final_tables`: the ``sessions`` and ``long`` tables of the final layer, in the shapes
  :mod:`socialcoder.analysis` reads (``coder = 'final'``, plus ``source``), and how many of
  their values came from the consensus layer and how many from single coders. This is what
  ``--codes final`` of the analyses calls.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import select

from socialcoder.domain import coder_kinds
from socialcoder.domain.final import FINAL, FinalCounts, primary_coder
from socialcoder.export.final import final_counts
from socialcoder.export.model import StudyData
from socialcoder.export.tables import build_long, build_sessions, coded_units
from socialcoder.services.exporting import load_study_data
from socialcoder.services.study import CONSENSUS, Study
from socialcoder.storage.models import (
    AssignmentRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)


def primary_coders(study: Study) -> dict[str, str | None]:
    """Transcript name -> its primary coder, for every transcript some coder was assigned to
    or worked on (None: no single primary coder; see :func:`primary_coder`)."""
    with study.read() as session:
        names = dict(session.execute(select(TranscriptRow.id, TranscriptRow.name)).all())
        coders = {
            cid: name
            for cid, name, kind in session.execute(
                select(CoderRow.id, CoderRow.name, CoderRow.kind)
            ).all()
            if coder_kinds.feeds_final_layer(kind)
        }
        assigned: dict[int, dict[str, str]] = {t: {} for t in names}
        for cid, tid, purpose in session.execute(
            select(AssignmentRow.coder_id, AssignmentRow.transcript_id, AssignmentRow.purpose)
        ):
            if cid in coders:
                assigned[tid][coders[cid]] = purpose
        worked: dict[int, set[str]] = {t: set() for t in names}
        pairs = [
            select(CodeRow.transcript_id, CodeRow.coder_id).distinct(),
            select(CompletionRow.transcript_id, CompletionRow.coder_id),
            select(SegmentRow.transcript_id, SegmentMemoRow.coder_id)
            .join(SegmentRow, SegmentRow.id == SegmentMemoRow.segment_id)
            .distinct(),
        ]
        for stmt in pairs:
            for tid, cid in session.execute(stmt):
                if cid in coders:
                    worked[tid].add(coders[cid])
    return {
        names[t]: primary_coder(assigned[t], worked[t])
        for t in sorted(names, key=lambda t: names[t])
        if assigned[t] or worked[t]
    }


def load_final_data(study: Study, *, with_text: bool = False) -> StudyData:
    """The primary coders' and the consensus layer's rows, marked to be collapsed into the
    final layer by the export tables."""
    by_name = primary_coders(study)
    underlying = [*sorted({c for c in by_name.values() if c is not None}), CONSENSUS]
    data = load_study_data(study, underlying, with_text=with_text)
    ids = data.transcripts.set_index("transcript")["transcript_id"]
    primaries = {int(ids[name]): coder for name, coder in by_name.items()}
    return replace(data, coders=(FINAL,), primaries=primaries)


@dataclass(frozen=True, slots=True)
class FinalTables:
    """The final layer as the analyses read it: ``sessions`` and ``long`` are the frames of
    the export tables (``coder = 'final'``, ``source`` per value in ``long``, the primary
    coder and the count of settled values per row in ``sessions``)."""

    sessions: pd.DataFrame
    long: pd.DataFrame
    counts: FinalCounts


def final_counts_of(study: Study, data: StudyData | None = None) -> FinalCounts:
    """How many final values came from the consensus layer and from each single coder."""
    data = data or load_final_data(study)
    assert data.primaries is not None
    names = data.transcripts.set_index("transcript_id")["transcript"]
    without = sorted(str(names[t]) for t, p in data.primaries.items() if p is None)
    return final_counts(coded_units(data), without)


def final_tables(study: Study) -> FinalTables:
    """The final layer's ``sessions`` and ``long`` tables (see :class:`FinalTables`)."""
    data = load_final_data(study)
    return FinalTables(
        build_sessions(data).frame,
        build_long(data).frame,
        final_counts_of(study, data),
    )


def final_counts_by_transcript(study: Study) -> dict[str, FinalCounts]:
    """Per transcript (name) with final values: where they came from, as
    :func:`final_counts_of` counts them over the study (the counts add up to it)."""
    data = load_final_data(study)
    assert data.primaries is not None
    names = data.transcripts.set_index("transcript_id")["transcript"]
    units = coded_units(data)
    out: dict[str, FinalCounts] = {}
    for tid, group in units.groupby("transcript_id", sort=False):
        name = str(names[tid])
        without = [name] if data.primaries.get(int(tid)) is None else []
        out[name] = final_counts(group, without)
    return dict(sorted(out.items()))


def final_cell(counts: FinalCounts | None) -> str:
    """One transcript's final layer in a few words: ``3 consensus · 21 alice``."""
    if counts is None:
        return "-"
    parts = [f"{counts.from_consensus} consensus"] if counts.from_consensus else []
    parts += [f"{n} {c}" for c, n in sorted(counts.from_coders.items()) if n]
    if counts.without_primary:
        parts.append("no primary coder")
    return " · ".join(parts) or "no values"
