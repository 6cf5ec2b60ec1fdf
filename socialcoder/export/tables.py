"""The three analysis tables built from :class:`~socialcoder.export.model.StudyData`.

* ``long``: one row per applicable segment x coder x segment-level dimension, plus one row per
  transcript x coder x session-level dimension (``unit = "session"``, segment columns empty).
  Only (transcript, coder) pairs the coder worked on are present. A cell without a code takes
  the completion rule (:mod:`socialcoder.domain.rules`): the dimension's empty value (binary
  ``0``, nominal/ordinal ``empty_means``) once the coder completed the transcript, marked in
  the ``implied`` column; missing before, and always missing on dimensions without one.
* ``wide``: one row per segment (every segment of every transcript), a column per dimension x
  coder (``concordance__ana``), session-level ratings repeated on each row of their transcript,
  and ``memo__<coder>`` with the coder's memos on that segment.
* ``sessions``: one row per transcript x coder with, per segment-level dimension, the count
  present (binary), coded with a value other than the empty value (nominal/ordinal with
  ``empty_means``) or coded (other scales), the applicable turns, the rate per 100 applicable
  turns, the count per minute of the session coded (``minutes``: the recording or excerpt, else
  first to last turn time) and (ordinal: positions 0, 1, ...; interval/ratio) the mean; then
  the session-level ratings and the session measures. A nominal dimension also gets, per value
  ``V``, the turns coded ``V`` (``D_V_n``) and their rate per 100 applicable turns
  (``D_V_rate``), ``V`` written as :func:`slug` makes it (the names the analysis uses).

Pure functions on DataFrames: no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pandas as pd

from socialcoder.domain.codebook import Unit
from socialcoder.export.columns import (
    _FLAGS,
    BINARY_LABELS,
    META_COLUMNS,
    ROLE_LABELS,
    SEGMENT_COLUMNS,
    YES_NO,
    _base_infos,
    _dim_label,
    _kind_info,
    _meta,
    _numeric,  # noqa: F401 (read as tables._numeric by tests/unit/export/test_long_columns.py)
    _ordered,
    _segment_meta,
    _source_info,
    _typed,
    _with_kind,
    empty_values,
    numbers_of,
    segment_memos,
    slug,
    value_columns,
    value_labels_of,
)
from socialcoder.export.long_columns import _long_frame, coded_units, involved_pairs
from socialcoder.export.model import ColumnInfo, ExportTable, StudyData, TableParts
from socialcoder.export.sessions_table import build_sessions

__all__ = [
    "BINARY_LABELS",
    "META_COLUMNS",
    "ROLE_LABELS",
    "SEGMENT_COLUMNS",
    "YES_NO",
    "build_long",
    "build_sessions",
    "build_table",
    "build_wide",
    "coded_units",
    "empty_values",
    "involved_pairs",
    "numbers_of",
    "segment_memos",
    "slug",
    "value_columns",
    "value_labels_of",
    "wide_parts",
]


def build_long(data: StudyData, *, with_text: bool = False) -> ExportTable:
    """The long table (see the module doc); ``with_text`` adds the turn text."""
    if data.primaries is None:
        frame = _long_frame(data, with_text)
    else:  # the final layer: its units collapsed from the coders' (see export/final.py)
        frame = _long_frame_merged(data, with_text)
    infos = _long_infos(data, with_text)
    frame = _with_kind(frame, data)
    names = [c.name for c in infos]
    return ExportTable("long", frame[names].reset_index(drop=True), tuple(infos), data.codebook)


def _long_infos(data: StudyData, with_text: bool) -> list[ColumnInfo]:
    return [
        *_base_infos(True, with_text),
        ColumnInfo("coder", "Coder (or the consensus layer)"),
        *_kind_info(data),
        *_source_info(data),
        ColumnInfo("dimension", "Codebook dimension key"),
        ColumnInfo("unit", "Unit coded: segment (turn) or session"),
        ColumnInfo("value", "Code value (text form of the codebook)"),
        ColumnInfo(
            "value_numeric",
            "Code value as a number (binary 0/1, nominal/ordinal position from 0, interval number)",
        ),
        ColumnInfo("value_label", "Label of the code value"),
        ColumnInfo("memo", "Coder's memo on this code"),
        ColumnInfo("segment_memo", "Coder's memo on the segment"),
        ColumnInfo(
            "completed",
            "The coder marked the transcript complete (1) or not (0)",
            {0.0: "no", 1.0: "yes"},
        ),
        ColumnInfo(
            "implied",
            "The value was implied by the completion rule (1: no code entered on a completed "
            "transcript, the dimension's empty value) or entered (0)",
            {0.0: "no", 1.0: "yes"},
        ),
        ColumnInfo("codebook_version", "Codebook version the code was made with"),
    ]


def _long_frame_merged(data: StudyData, with_text: bool) -> pd.DataFrame:
    """The long table's columns from :func:`coded_units` by merges (the final layer's path)."""
    core = coded_units(data)
    # sorted before the (left, one-to-one) merges, which keep the order: the same rows in the
    # same order as sorting the merged table, with half the columns to move
    numbers = pd.Series(
        data.segments["segment"].to_numpy(), index=data.segments["segment_id"].to_numpy()
    )
    core = _ordered(core.assign(segment=core["segment_id"].map(numbers)), data)
    core = core.drop(columns="segment")
    frame = core.merge(_meta(data), on="transcript_id", how="left")
    frame = frame.merge(_segment_meta(data, with_text), on="segment_id", how="left")
    frame["segment"] = frame["segment"].astype("Int64")
    for flag in _FLAGS:  # 1/0 on turns, empty on session rows (a column of one type)
        frame[flag] = frame[flag].astype("boolean").astype("Int64")
    memos = segment_memos(data)[["segment_id", "coder", "segment_memo"]]
    frame = (
        frame.merge(memos, on=["segment_id", "coder"], how="left")
        if len(memos)
        else frame.assign(segment_memo=pd.NA)
    )
    # the merge on a text key made the coder column text; it is a category whether or not
    # there are segment memos (Parquet writes it dictionary-encoded)
    frame["coder"] = pd.Categorical(frame["coder"], categories=list(data.coders))
    frame["completed"] = frame["completed"].astype(bool)
    frame["implied"] = frame["implied"].fillna(False).astype(bool)
    return frame


WIDE_PART_ROWS = 25_000  # rows of a part of the wide table (whole transcripts) written at once


def build_wide(data: StudyData, *, with_text: bool = False) -> ExportTable:
    """The wide table (see the module doc)."""
    infos = _wide_infos(data, with_text)
    return ExportTable("wide", _wide_frame(data, with_text, infos), infos, data.codebook)


def wide_parts(data: StudyData, *, with_text: bool = False, rows: int | None = None) -> TableParts:
    """The wide table as parts of whole transcripts of about ``rows`` rows each (default
    :data:`WIDE_PART_ROWS`), in the table's order, each built as it is asked for: the rows of
    one transcript depend on no other's, so the parts are the table's rows, and only one
    part's build is in memory."""
    rows = WIDE_PART_ROWS if rows is None else rows
    infos = _wide_infos(data, with_text)
    names = data.transcripts.sort_values("transcript")["transcript_id"].to_numpy()
    counts = data.segments["transcript_id"].value_counts()
    groups: list[list[int]] = []
    size = rows
    for tid in names.tolist():
        n = int(counts.get(tid, 0))
        if not n:  # no segments: no rows
            continue
        if size >= rows:
            groups.append([])
            size = 0
        groups[-1].append(tid)
        size += n

    def parts() -> Iterator[pd.DataFrame]:
        for ids in groups:
            yield _wide_frame(_of_transcripts(data, ids), with_text, infos)

    total = int(counts.reindex(names, fill_value=0).sum())
    return TableParts("wide", infos, data.codebook, total, parts)


def _of_transcripts(data: StudyData, ids: list[int]) -> StudyData:
    """``data`` restricted to the transcripts ``ids`` (their segments, pairs, codes, memos)."""

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["transcript_id"].isin(ids)]

    return replace(
        data,
        transcripts=keep(data.transcripts),
        segments=keep(data.segments),
        involved=keep(data.involved),
        codes=keep(data.codes),
        segment_memos=keep(data.segment_memos),
    )


def _wide_infos(data: StudyData, with_text: bool) -> tuple[ColumnInfo, ...]:
    infos = _base_infos(True, with_text)
    for dim in data.codebook.dimensions:
        labels = value_labels_of(dim)
        for coder in data.coders:
            infos.append(ColumnInfo(f"{dim.key}__{coder}", _dim_label(dim, coder), labels or None))
        if data.primaries is not None:  # the final layer: each value's source
            infos.append(
                ColumnInfo(f"source__{dim.key}", f"{dim.label}: source (coder or consensus)")
            )
    for coder in data.coders:
        infos.append(ColumnInfo(f"memo__{coder}", f"Memos of {coder} on the segment"))
    return tuple(infos)


def _wide_frame(data: StudyData, with_text: bool, infos: tuple[ColumnInfo, ...]) -> pd.DataFrame:
    """The wide table's rows of ``data``, with the columns ``infos``."""
    core = coded_units(data)
    # only the columns read here (the value texts, labels and versions are not)
    keep = ["segment_id", "transcript_id", "dimension", "coder", "value_numeric", "memo"]
    is_seg = (core["unit"] == Unit.SEGMENT.value).to_numpy()
    core = core[keep + (["source"] if data.primaries is not None else [])]
    base = data.segments[["segment_id", "transcript_id"]].merge(_meta(data), on="transcript_id")
    base = base.merge(_segment_meta(data, with_text), on="segment_id")
    # sorted before the columns are added (they follow base's rows): one sort of two columns'
    # keys instead of moving every column of the finished table
    base["segment"] = base["segment"].astype("Int64")
    base = _ordered(base, data)
    seg_rows = core[is_seg]
    sess_rows = core[~is_seg]
    seg_pivot = _pivot(seg_rows, "segment_id")
    sess_pivot = _pivot(sess_rows, "transcript_id")
    new_cols: dict[str, pd.Series] = {}
    seg_index = base["segment_id"]
    tid_index = base["transcript_id"]
    for dim in data.codebook.dimensions:
        pivot, key_col = (
            (seg_pivot, seg_index) if dim.unit is Unit.SEGMENT else (sess_pivot, tid_index)
        )
        for coder in data.coders:
            name = f"{dim.key}__{coder}"
            if (dim.key, coder) in pivot:
                values = key_col.map(pivot[(dim.key, coder)]).astype("float64")
            else:
                values = pd.Series(np.nan, index=base.index)
            new_cols[name] = _typed(values, dim)
        if data.primaries is not None:  # the final layer: each value's source
            rows = seg_rows if dim.unit is Unit.SEGMENT else sess_rows
            index = "segment_id" if dim.unit is Unit.SEGMENT else "transcript_id"
            chosen = rows[rows["dimension"] == dim.key]
            sources = pd.Series(chosen["source"].to_numpy(), index=chosen[index].to_numpy())
            new_cols[f"source__{dim.key}"] = key_col.map(sources).astype("object")
    memo_parts = core.loc[core["memo"].notna(), ["segment_id", "coder", "dimension", "memo"]]
    memo_parts = memo_parts.assign(
        text="[" + memo_parts["dimension"].astype(str) + "] " + memo_parts["memo"].astype(str)
    )
    seg_memos = segment_memos(data).rename(columns={"segment_memo": "text"})[
        ["segment_id", "coder", "text"]
    ]
    memos = pd.concat([seg_memos, memo_parts[["segment_id", "coder", "text"]]], ignore_index=True)
    memos = memos[memos["segment_id"].notna()]
    joined = memos.groupby(["segment_id", "coder"])["text"].agg(" | ".join) if len(memos) else None
    for coder in data.coders:
        name = f"memo__{coder}"
        if joined is not None and coder in joined.index.get_level_values("coder"):
            new_cols[name] = seg_index.map(joined.xs(coder, level="coder"))
        else:
            new_cols[name] = pd.Series(pd.NA, index=base.index, dtype="object")
    del core, seg_rows, sess_rows, seg_pivot, sess_pivot, memo_parts, memos, joined
    # the columns put together once, in their order (no concatenated copy to select from)
    columns = {**{name: base[name] for name in base.columns}, **new_cols}
    return pd.DataFrame({c.name: columns[c.name] for c in infos}, index=base.index, copy=False)


def _pivot(rows: pd.DataFrame, key: str) -> dict[tuple[str, str], pd.Series]:
    """``value_numeric`` by ``key`` for each (dimension key, coder) among ``rows`` (one sort
    of the rows' integer codes; an unstack of a million rows took 100 MB more)."""
    dims = pd.Categorical(rows["dimension"])
    coders = pd.Categorical(rows["coder"])
    width = len(coders.categories) + 1
    group = dims.codes.astype(np.int64) * width + coders.codes + 1
    order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    cuts = np.flatnonzero(np.diff(sorted_groups)) + 1
    keys = rows[key].to_numpy()
    values = rows["value_numeric"].to_numpy()
    out: dict[tuple[str, str], pd.Series] = {}
    for part in np.split(order, cuts):
        if not len(part):
            continue
        d, c = divmod(int(group[part[0]]), width)
        if d < 0 or c == 0:
            continue
        name = (str(dims.categories[d]), str(coders.categories[c - 1]))
        out[name] = pd.Series(values[part], index=keys[part])
    return out


def build_table(layout: str, data: StudyData, *, with_text: bool = False) -> ExportTable:
    """``layout`` is ``long``, ``wide`` or ``sessions`` (text is never in ``sessions``)."""
    if layout == "long":
        return build_long(data, with_text=with_text)
    if layout == "wide":
        return build_wide(data, with_text=with_text)
    if layout == "sessions":
        return build_sessions(data)
    raise ValueError(f"unknown layout {layout!r}")
