"""What the three tables of :mod:`socialcoder.export.tables` share: the metadata and segment
columns with their labels, value numbers and labels per dimension, the sort order, the coder
kind and source columns, and the typed wide/sessions value columns.

Pure functions on DataFrames: no database.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from socialcoder.domain.codebook import Codebook, CodeValue, Dimension, Scale
from socialcoder.domain.rules import ROLE_NUMBERS, empty_value
from socialcoder.export.final import final_segment_memos
from socialcoder.export.model import CONSENSUS, ColumnInfo, StudyData

BINARY_LABELS: dict[float, str] = {0.0: "absent", 1.0: "present"}

META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("transcript", "Transcript name"),
    ("participant", "Participant (patient) id"),
    ("therapist", "Therapist id"),
    ("session", "Session number"),
    ("date", "Session date"),
)
SEGMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("segment", "Segment (speaker turn) number within the transcript, from 1"),
    ("role", "Speaker role"),
    ("speaker", "Speaker label as written in the transcript"),
    ("start", "Start time of the turn (seconds)"),
    ("end", "End time of the turn (seconds)"),
    ("start_estimated", "The start time is an estimate between measured times (1) or measured (0)"),
    ("end_estimated", "The end time is an estimate between measured times (1) or measured (0)"),
)
YES_NO: dict[float, str] = {0.0: "no", 1.0: "yes"}
_FLAGS = ("start_estimated", "end_estimated")
ROLE_LABELS: dict[float, str] = {float(n): r.value for r, n in ROLE_NUMBERS.items()}


def slug(text: str) -> str:
    """A variable-name part: lower-case letters, digits and ``_``."""
    out = re.sub(r"[^0-9a-zA-Z]+", "_", str(text)).strip("_").lower()
    return out or "v"


def value_columns(dim: Dimension) -> list[tuple[CodeValue, str]]:
    """(value, column stem ``D_V``) per value of a nominal dimension (none otherwise); a
    stem that two values would share gets the value's position appended."""
    if dim.scale is not Scale.NOMINAL:
        return []
    out: list[tuple[CodeValue, str]] = []
    seen: set[str] = set()
    for i, v in enumerate(dim.values):
        stem = f"{dim.key}_{slug(v.value)}"
        if stem in seen:
            stem = f"{stem}_{i + 1}"
        seen.add(stem)
        out.append((v, stem))
    return out


def numbers_of(dim: Dimension) -> dict[str, float]:
    """Value text -> number: binary 0/1, nominal/ordinal position (0, 1, ...), numeric scales
    their number."""
    if dim.scale in (Scale.NOMINAL, Scale.ORDINAL):
        return {v: float(i) for i, v in enumerate(dim.value_texts)}
    out = {}
    for v in dim.value_texts:
        try:
            out[v] = float(v)
        except ValueError:
            continue
    return out


def value_labels_of(dim: Dimension) -> dict[float, str]:
    """Number (as in :func:`numbers_of`) -> value label, for SPSS/Stata value labels."""
    numbers = numbers_of(dim)
    labels = {numbers[v.value]: v.label for v in dim.values if v.value in numbers}
    if dim.scale is Scale.BINARY:
        return {**BINARY_LABELS, **labels}
    return labels


def _numeric(values: pd.Series, dim: Dimension) -> pd.Series:
    mapping = numbers_of(dim)
    if dim.enumerated and (dim.scale is not Scale.INTERVAL and dim.scale is not Scale.RATIO):
        return values.map(mapping).astype("float64")
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _ordered(frame: pd.DataFrame, data: StudyData) -> pd.DataFrame:
    """Sort: transcript name, coder order, segment (session rows last), dimension order."""
    names = data.transcripts.sort_values("transcript")["transcript_id"].to_numpy()
    rank = pd.Series(np.arange(len(names)), index=names)
    keys = [rank.reindex(frame["transcript_id"].to_numpy()).to_numpy()]
    for column, order in (("coder", data.coders), ("dimension", data.codebook.keys)):
        if column in frame:
            keys.append(pd.Categorical(frame[column], categories=list(order)).codes)
    if "segment" in frame:
        keys.append(frame["segment"].astype("float64").fillna(np.inf).to_numpy())
    if "dimension" in frame:  # segment before dimension
        keys[-1], keys[-2] = keys[-2], keys[-1]
    order_idx = np.lexsort(tuple(reversed(keys)))
    return frame.iloc[order_idx].reset_index(drop=True)


def segment_memos(data: StudyData) -> pd.DataFrame:
    if data.primaries is None:
        return data.segment_memos
    return final_segment_memos(data.segment_memos, data.segments, data.primaries)


def empty_values(codebook: Codebook) -> dict[str, str]:
    """Dimension key -> its empty value (:func:`socialcoder.domain.rules.empty_value`), for
    the dimensions that have one."""
    return {d.key: e for d in codebook.dimensions if (e := empty_value(d)) is not None}


def _meta(data: StudyData) -> pd.DataFrame:
    cols = ["transcript_id", *(name for name, _ in META_COLUMNS)]
    return data.transcripts[cols]


def _segment_meta(data: StudyData, with_text: bool) -> pd.DataFrame:
    cols = ["segment_id", "segment", "role", "speaker", "start", "end"]
    frame = data.segments[[*cols, "text"] if with_text else cols].copy()
    for flag in _FLAGS:  # no time is no estimate
        frame.insert(
            cols.index("end") + 1 + _FLAGS.index(flag),
            flag,
            (data.segments[flag].astype(bool) if flag in data.segments else False),
        )
    return frame


def _base_infos(with_segment: bool, with_text: bool) -> list[ColumnInfo]:
    infos = [ColumnInfo(n, lb) for n, lb in META_COLUMNS]
    if with_segment:
        infos += [
            ColumnInfo(n, lb, ROLE_LABELS if n == "role" else YES_NO if n in _FLAGS else None)
            for n, lb in SEGMENT_COLUMNS
        ]
        if with_text:
            infos.append(ColumnInfo("text", "Text of the turn"))
    return infos


def _kind_info(data: StudyData) -> list[ColumnInfo]:
    """``coder_kind`` when a machine coder is among the chosen coders (human, consensus or
    machine), so that an analysis can include or exclude machine codes."""
    if not data.kinds:
        return []
    return [ColumnInfo("coder_kind", "Kind of coder: human, consensus or machine")]


def _with_kind(frame: pd.DataFrame, data: StudyData) -> pd.DataFrame:
    if data.kinds:  # decided once per coder, not per row
        coder = frame["coder"]
        if isinstance(coder.dtype, pd.CategoricalDtype):
            names = [str(c) for c in coder.cat.categories]
            codes = coder.cat.codes.to_numpy()
        else:
            codes, uniques = pd.factorize(coder.astype(str))
            names = [str(u) for u in uniques]
        kinds = [data.kinds.get(n, "consensus" if n == CONSENSUS else "human") for n in names]
        kinds.append("human")  # a coder outside the chosen ones (code -1)
        frame["coder_kind"] = pd.Series(kinds).array.take(codes)
    return frame


def _source_info(data: StudyData) -> list[ColumnInfo]:
    if data.primaries is None:
        return []
    return [ColumnInfo("source", "Final layer: the value's source (its coder, or consensus)")]


def _typed(series: pd.Series, dim: Dimension) -> pd.Series:
    """A column of numbers (as in :func:`numbers_of`) typed for its scale."""
    if dim.scale is Scale.BINARY:
        return series.astype("Int64")
    if dim.scale in (Scale.NOMINAL, Scale.ORDINAL):
        codes = series.fillna(-1).astype("int64")
        return pd.Series(
            pd.Categorical.from_codes(
                codes, categories=list(dim.value_texts), ordered=dim.scale is Scale.ORDINAL
            ),
            index=series.index,
        )
    return series.astype("float64")


def _dim_label(dim: Dimension, coder: str | None = None) -> str:
    return f"{dim.label} ({coder})" if coder else dim.label
