"""Reliability data from a study: one ``coders x units`` matrix per dimension.

Which units: for a segment-level dimension, the segments whose speaker role the dimension
applies to, in transcripts that at least two of the selected coders coded (a coder "coded" a
transcript when they completed it or gave any code in it). For a session-level dimension, one
unit per such transcript. The consensus layer is never a coder here.

Missing values: a coder's empty cell is missing, except that for a *binary* dimension on a
transcript the coder has completed, an empty cell is *absent* (0). With ``since``/``until``
only codes whose last change falls in the window count, and implied absences only when the
completion does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select

from socialcoder.domain.codebook import Dimension, Scale, Unit
from socialcoder.errors import StudyError
from socialcoder.services.study import Study
from socialcoder.storage.models import (
    CodeRow,
    CoderRow,
    CompletionRow,
    SegmentRow,
    TranscriptRow,
)


@dataclass(frozen=True, slots=True)
class Selection:
    """What a reliability computation covers; ``None`` means everything."""

    dimensions: tuple[str, ...] | None = None
    coders: tuple[str, ...] | None = None
    transcripts: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class UnitRef:
    transcript: str
    segment: int | None  # None for session-level units
    role: str | None
    segment_id: int | None


@dataclass(frozen=True, slots=True)
class DimensionData:
    """``data`` is coders x units (float, NaN = missing); categorical values are positions in
    ``categories`` (codebook order), numeric values are the numbers."""

    dimension: Dimension
    coders: tuple[str, ...]
    units: tuple[UnitRef, ...]
    data: np.ndarray
    categories: tuple[str, ...] | None
    involved: np.ndarray | None = None  # coders x units: the coder coded the unit's transcript

    def value_text(self, cell: float) -> str | None:
        if np.isnan(cell):
            return None
        if self.categories is not None:
            return self.dimension.values[int(cell)].value
        return str(int(cell)) if float(cell).is_integer() else repr(float(cell))


def level_for(dimension: Dimension) -> str:
    if dimension.scale in (Scale.BINARY, Scale.NOMINAL):
        return "nominal"
    return dimension.scale.value


def is_categorical(dimension: Dimension) -> bool:
    return dimension.scale in (Scale.BINARY, Scale.NOMINAL, Scale.ORDINAL)


def _coders(study: Study, names: tuple[str, ...] | None) -> dict[int, str]:
    with study.read() as session:
        rows = dict(
            session.execute(
                select(CoderRow.id, CoderRow.name).where(CoderRow.kind == "coder")
            ).all()
        )
    if names is None:
        return dict(sorted(rows.items(), key=lambda kv: kv[1]))
    by_name = {v: k for k, v in rows.items()}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise StudyError(
            f"unknown coder(s) {', '.join(unknown)} (coders: {', '.join(sorted(by_name)) or 'none'})"
        )
    return {by_name[n]: n for n in names}


def _in_window(stamp: datetime | None, selection: Selection) -> bool:
    if stamp is None:
        return False
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    if selection.since and stamp < selection.since:
        return False
    return not (selection.until and stamp >= selection.until)


def load_dimension_data(study: Study, selection: Selection | None = None) -> list[DimensionData]:
    """One :class:`DimensionData` per selected dimension."""
    selection = selection or Selection()
    keys = selection.dimensions or study.codebook.keys
    dims = [study.dimension(k) for k in keys]
    coders = _coders(study, selection.coders)
    coder_row = {cid: i for i, cid in enumerate(coders)}
    with study.read() as session:
        transcripts = dict(session.execute(select(TranscriptRow.id, TranscriptRow.name)).all())
        if selection.transcripts is not None:
            wanted = set(selection.transcripts)
            missing = wanted - set(transcripts.values())
            if missing:
                raise StudyError(f"no transcript(s) named {', '.join(sorted(missing))}")
            transcripts = {k: v for k, v in transcripts.items() if v in wanted}
        completions = {
            (c, t): at
            for c, t, at in session.execute(
                select(
                    CompletionRow.coder_id, CompletionRow.transcript_id, CompletionRow.completed_at
                )
            ).all()
            if c in coder_row and t in transcripts
        }
        code_rows = session.execute(
            select(
                CodeRow.coder_id,
                CodeRow.transcript_id,
                CodeRow.segment_id,
                CodeRow.dimension_id,
                CodeRow.value,
                CodeRow.updated_at,
            ).where(
                CodeRow.coder_id.in_(list(coders)), CodeRow.transcript_id.in_(list(transcripts))
            )
        ).all()
        coded_by: dict[int, set[int]] = {}
        for c, t in completions:
            coded_by.setdefault(t, set()).add(c)
        for row in code_rows:
            coded_by.setdefault(row.transcript_id, set()).add(row.coder_id)
        eligible = sorted(
            (t for t, cs in coded_by.items() if len(cs) >= 2), key=lambda t: transcripts[t]
        )
        segments = session.execute(
            select(SegmentRow.id, SegmentRow.transcript_id, SegmentRow.idx, SegmentRow.role)
            .where(SegmentRow.transcript_id.in_(eligible))
            .order_by(SegmentRow.transcript_id, SegmentRow.idx)
        ).all()
    codes = _CodeArrays.build(code_rows, coder_row)
    out = []
    for dim in dims:
        out.append(
            _matrix(
                dim.dimension,
                dim.id,
                coders,
                transcripts,
                eligible,
                segments,
                codes,
                completions,
                coder_row,
                selection,
                coded_by,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _CodeArrays:
    """The selected coders' codes as parallel arrays (one element per code)."""

    coder: np.ndarray  # row index of the coder in the matrix
    transcript: np.ndarray
    segment: np.ndarray  # -1 for session-level codes
    dimension: np.ndarray
    value: np.ndarray  # object array of text values
    updated: list[datetime]

    @classmethod
    def build(cls, rows: list, coder_row: dict[int, int]) -> _CodeArrays:
        n = len(rows)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, empty, np.zeros(0, dtype=object), [])
        c, t, seg, dim, value, updated = zip(*rows, strict=True)
        rowmap = np.vectorize(coder_row.__getitem__, otypes=[np.int64])
        return cls(
            coder=rowmap(np.fromiter(c, dtype=np.int64, count=n)),
            transcript=np.fromiter(t, dtype=np.int64, count=n),
            segment=np.fromiter((-1 if x is None else x for x in seg), dtype=np.int64, count=n),
            dimension=np.fromiter(dim, dtype=np.int64, count=n),
            value=np.array(value, dtype=object),
            updated=list(updated),
        )


def _lookup(keys: np.ndarray, columns: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Column of each ``query`` id given sorted-able ``keys`` -> ``columns``; -1 if absent."""
    if len(keys) == 0 or len(query) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    pos = np.searchsorted(sorted_keys, query)
    pos = np.clip(pos, 0, len(sorted_keys) - 1)
    found = sorted_keys[pos] == query
    return np.where(found, columns[order][pos], -1)


def _matrix(
    d: Dimension,
    dim_id: int,
    coders: dict[int, str],
    transcripts: dict[int, str],
    eligible: list[int],
    segments: list,  # rows (id, transcript_id, idx, role), in unit order
    codes: _CodeArrays,
    completions: dict[tuple[int, int], datetime],
    coder_row: dict[int, int],
    selection: Selection,
    coded_by: dict[int, set[int]],
) -> DimensionData:
    windowed = selection.since is not None or selection.until is not None
    if d.unit is Unit.SESSION:
        units = [UnitRef(transcripts[t], None, None, None) for t in eligible]
        unit_ids = np.asarray(eligible, dtype=np.int64)
        unit_transcript = unit_ids
    else:
        roles = {r.value for r in d.applies_to}
        chosen = [s for s in segments if s.role in roles]
        units = [UnitRef(transcripts[s.transcript_id], s.idx, s.role, s.id) for s in chosen]
        unit_ids = np.fromiter((s.id for s in chosen), dtype=np.int64, count=len(chosen))
        unit_transcript = np.fromiter(
            (s.transcript_id for s in chosen), dtype=np.int64, count=len(chosen)
        )
    data = np.full((len(coders), len(units)), np.nan)
    categorical = is_categorical(d)
    span: dict[int, tuple[int, int]] = {}
    if len(units):
        change = np.flatnonzero(np.diff(unit_transcript)) + 1  # units are grouped by transcript
        starts, ends = np.r_[0, change], np.r_[change, len(units)]
        span = {
            int(unit_transcript[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)
        }
    if d.scale is Scale.BINARY and len(units):
        absent = float(d.value_texts.index("0"))
        for (c, t), at in completions.items():
            if t not in span or (windowed and not _in_window(at, selection)):
                continue
            a, b = span[t]
            data[coder_row[c], a:b] = absent
    mask = codes.dimension == dim_id
    if windowed:
        mask &= np.fromiter(
            (_in_window(u, selection) for u in codes.updated), dtype=bool, count=len(codes.updated)
        )
    keys = codes.transcript[mask] if d.unit is Unit.SESSION else codes.segment[mask]
    cols = _lookup(unit_ids, np.arange(len(unit_ids), dtype=np.int64), keys)
    rows = codes.coder[mask]
    values = codes.value[mask]
    if categorical:
        position = {v: float(i) for i, v in enumerate(d.value_texts)}
        cells = np.zeros(0)
        if len(values):
            uniq, inverse = np.unique(values.astype(str), return_inverse=True)
            cells = np.array([position.get(u, np.nan) for u in uniq], dtype=float)[inverse]
    else:
        cells = values.astype(float)
    ok = (cols >= 0) & ~np.isnan(cells)
    data[rows[ok], cols[ok]] = cells[ok]
    involved = np.zeros(data.shape, dtype=bool)
    for t, (a, b) in span.items():
        for c in coded_by.get(t, ()):
            if c in coder_row:
                involved[coder_row[c], a:b] = True
    return DimensionData(
        dimension=d,
        coders=tuple(coders.values()),
        units=tuple(units),
        data=data,
        categories=tuple(v.label for v in d.values) if categorical else None,
        involved=involved,
    )
