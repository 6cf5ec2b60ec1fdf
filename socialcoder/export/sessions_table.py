"""The sessions table (see :mod:`socialcoder.export.tables`): one row per transcript x coder
with counts, rates and means per segment-level dimension, the session-level ratings and the
session measures.

Pure functions on DataFrames: no database.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socialcoder.domain.codebook import Dimension, Scale, Unit
from socialcoder.domain.rules import empty_value
from socialcoder.export.columns import (
    _base_infos,
    _dim_label,
    _kind_info,
    _meta,
    _ordered,
    _typed,
    _with_kind,
    empty_values,
    value_columns,
    value_labels_of,
)
from socialcoder.export.final import counts_by_transcript
from socialcoder.export.long_columns import coded_units, involved_pairs
from socialcoder.export.model import ColumnInfo, ExportTable, StudyData


def build_sessions(data: StudyData) -> ExportTable:
    """The sessions table (see the module doc)."""
    core = coded_units(data)
    base = involved_pairs(data, core).merge(_meta(data), on="transcript_id")
    base = _with_kind(base, data)
    infos = [
        *_base_infos(False, False),
        ColumnInfo("coder", "Coder (or the consensus layer)"),
        *_kind_info(data),
        ColumnInfo(
            "completed",
            "The coder marked the transcript complete (1) or not (0)",
            {0.0: "no", 1.0: "yes"},
        ),
    ]
    if data.primaries is not None:  # the final layer: whose values, how many settled
        primaries = data.primaries
        base["source"] = [primaries.get(int(t)) for t in base["transcript_id"]]
        settled = counts_by_transcript(core)
        base["from_consensus"] = (
            base["transcript_id"].map(settled).fillna(0).astype("int64").to_numpy()
        )
        infos += [
            ColumnInfo("source", "Final layer: the primary coder behind the unsettled values"),
            ColumnInfo("from_consensus", "Final layer: values taken from the consensus layer"),
        ]
    seg = core[core["unit"] == Unit.SEGMENT.value]
    empties = empty_values(data.codebook)
    # counted: a value other than the dimension's empty value (binary: present)
    seg = seg.assign(
        counted=seg["value"].notna()
        & (seg["value"] != seg["dimension"].astype(str).map(empties)).to_numpy()
    )
    keys = ["transcript_id", "coder", "dimension"]
    stats = seg.groupby(keys, sort=False, observed=True).agg(
        turns=("dimension", "size"),
        counted=("counted", "sum"),
        mean=("value_numeric", "mean"),
    )
    by_value = (  # (dimension, value) -> turns coded so, per (transcript, coder)
        seg.dropna(subset=["value"])
        .groupby([*keys, "value"], sort=False)
        .size()
        .unstack(["dimension", "value"])
    )
    cols: dict[str, pd.Series] = {}
    pair = pd.MultiIndex.from_frame(base[["transcript_id", "coder"]])
    minutes = (
        base["transcript_id"]
        .map(
            data.transcripts.set_index("transcript_id")["minutes"]
            if "minutes" in data.transcripts
            else {}
        )
        .astype("float64")
    )
    cols["minutes"] = minutes.to_numpy()
    infos.append(
        ColumnInfo(
            "minutes",
            "Length of the session coded (minutes): the excerpt or recording coded, else "
            "first turn's start to last turn's end; empty without times",
        )
    )
    for dim in data.codebook.segment_dimensions():
        if dim.key in stats.index.get_level_values("dimension"):
            part = stats.xs(dim.key, level="dimension").reindex(pair)
        else:
            part = pd.DataFrame(np.nan, index=pair, columns=stats.columns)
        count = part["counted"]
        turns = part["turns"].fillna(0)
        what = _counted_text(dim)
        cols[f"{dim.key}_n"] = count.fillna(0).astype("int64").to_numpy()
        cols[f"{dim.key}_turns"] = turns.astype("int64").to_numpy()
        rate = 100.0 * count.fillna(0) / turns.where(turns > 0)
        cols[f"{dim.key}_rate"] = rate.to_numpy()
        per_min = count.fillna(0).to_numpy() / np.where(minutes > 0, minutes, np.nan)
        cols[f"{dim.key}_per_min"] = per_min
        infos += [
            ColumnInfo(f"{dim.key}_n", f"{dim.label}: turns {what}"),
            ColumnInfo(f"{dim.key}_turns", f"{dim.label}: applicable turns"),
            ColumnInfo(f"{dim.key}_rate", f"{dim.label}: turns {what} per 100 applicable turns"),
            ColumnInfo(f"{dim.key}_per_min", f"{dim.label}: turns {what} per minute coded"),
        ]
        for value, stem in value_columns(dim):
            found = by_value.get((dim.key, value.value))
            n = (pd.Series(0.0, index=pair) if found is None else found.reindex(pair)).fillna(0)
            cols[f"{stem}_n"] = n.astype("int64").to_numpy()
            cols[f"{stem}_rate"] = (100.0 * n / turns.where(turns > 0)).to_numpy()
            label = f"{dim.label} = {value.label}"
            infos += [
                ColumnInfo(f"{stem}_n", f"{label}: turns coded"),
                ColumnInfo(f"{stem}_rate", f"{label}: turns coded per 100 applicable turns"),
            ]
        if dim.scale in (Scale.ORDINAL, Scale.INTERVAL, Scale.RATIO):
            cols[f"{dim.key}_mean"] = part["mean"].to_numpy()
            how = "mean position (0 = first value)" if dim.scale is Scale.ORDINAL else "mean"
            infos.append(ColumnInfo(f"{dim.key}_mean", f"{dim.label}: {how}"))
    sess = core[core["unit"] == Unit.SESSION.value].set_index(
        ["transcript_id", "coder", "dimension"]
    )["value_numeric"]
    for dim in data.codebook.session_dimensions():
        if dim.key in sess.index.get_level_values("dimension"):
            values = sess.xs(dim.key, level="dimension").reindex(pair)
        else:
            values = pd.Series(np.nan, index=pair)
        cols[dim.key] = _typed(pd.Series(values.to_numpy(), index=base.index), dim)
        infos.append(ColumnInfo(dim.key, _dim_label(dim), value_labels_of(dim) or None))
    frame = pd.concat([base, pd.DataFrame(cols, index=base.index)], axis=1)
    frame, infos = _join_measures(frame, infos, data.measures)
    frame["completed"] = frame["completed"].astype(bool)
    frame = _ordered(frame, data)
    return ExportTable("sessions", frame[[c.name for c in infos]], tuple(infos), data.codebook)


def _counted_text(dim: Dimension) -> str:
    """What the sessions table counts of a dimension: present (binary), coded other than the
    empty value (nominal/ordinal with ``empty_means``), coded (the others)."""
    if dim.scale is Scale.BINARY:
        return "present"
    empty = empty_value(dim)
    return f"coded other than {dim.label_of(empty)}" if empty is not None else "coded"


def _join_measures(
    frame: pd.DataFrame, infos: list[ColumnInfo], measures: pd.DataFrame
) -> tuple[pd.DataFrame, list[ColumnInfo]]:
    names = [c for c in measures.columns if c not in ("participant", "session")]
    if not names:
        return frame, infos
    taken = set(frame.columns)
    renames = {n: (f"measure_{n}" if n in taken else n) for n in names}
    right = measures.rename(columns=renames).astype({"session": "Int64"})
    left = frame.astype({"session": "Int64"})
    joined = left.merge(right, on=["participant", "session"], how="left")
    infos = infos + [ColumnInfo(renames[n], f"Session measure {n}") for n in names]
    return joined, infos
