"""The final layer as export rows: the coded units of the primary coders and the consensus
layer collapsed, unit by unit, by the rule of :mod:`socialcoder.domain.final`.

Input: the coded units (:func:`socialcoder.export.tables.coded_units`'s columns) of the
primary coders and the consensus layer, and ``primaries`` (transcript id -> primary coder,
None where the transcript has none). Output: the same columns with ``coder = 'final'`` and a
``source`` column (the primary coder's name or ``'consensus'``), one row per unit that is
settled or belongs to a transcript with a primary coder; ``completed`` is the primary coder's
completion of the transcript (False without one).

Pure functions on DataFrames: no database.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from socialcoder.domain.final import (
    CONSENSUS_SOURCE,
    FINAL,
    FinalCounts,
    FinalValue,
    count_sources,
    final_values,
)

CONSENSUS_LAYER = "consensus"
_KEY = ["transcript_id", "_segment", "dimension"]
_TAKEN = ["value", "value_numeric", "value_label", "memo", "codebook_version", "implied"]


def _none(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values]


def final_units(
    raw: pd.DataFrame, primaries: Mapping[int, str | None], involved: pd.DataFrame
) -> pd.DataFrame:
    """The final layer's coded units from ``raw`` (see the module doc). ``involved``:
    transcript_id, coder, completed of the underlying coders."""
    raw = raw.assign(
        _segment=raw["segment_id"].fillna(-1.0),
        coder=raw["coder"].astype(str),
        dimension=raw["dimension"].astype(str),
    )
    primary_of = raw["transcript_id"].map(lambda t: primaries.get(int(t)))
    prim = raw[raw["coder"] == primary_of]
    cons = raw[(raw["coder"] == CONSENSUS_LAYER) & raw["value"].notna()]
    merged = prim.merge(cons, on=_KEY, how="outer", suffixes=("", "_c"))
    merged["transcript_id"] = merged["transcript_id"].astype("int64")
    chosen = final_values(
        _none(merged["value_c"]),
        [primaries.get(int(t)) for t in merged["transcript_id"]],
        _none(merged["value"]),
    )
    source = pd.Series([v.source for v in chosen], index=merged.index, dtype="object")
    from_consensus = (source == CONSENSUS_SOURCE).to_numpy()
    for column in _TAKEN:
        merged[column] = merged[column].where(~from_consensus, merged[f"{column}_c"])
    for column in ("segment_id", "unit"):
        merged[column] = merged[column].combine_first(merged[f"{column}_c"])
    done = {
        (int(t), str(c)): bool(d)
        for t, c, d in zip(
            involved["transcript_id"], involved["coder"], involved["completed"], strict=True
        )
    }
    merged["completed"] = [
        done.get((int(t), str(primaries.get(int(t)))), False) for t in merged["transcript_id"]
    ]
    merged["coder"] = FINAL
    merged["source"] = source
    columns = [
        "transcript_id",
        "segment_id",
        "coder",
        "source",
        "dimension",
        "unit",
        *_TAKEN,
        "completed",
    ]
    out = merged[columns].reset_index(drop=True)
    out["value_numeric"] = out["value_numeric"].astype("float64")
    out["implied"] = out["implied"].fillna(False).astype(bool)
    return out


def final_counts(units: pd.DataFrame, without_primary: list[str]) -> FinalCounts:
    """Where the final layer's values (``units`` from :func:`final_units`) came from."""
    values = [
        FinalValue(None if pd.isna(v) else str(v), None if pd.isna(s) else str(s))
        for v, s in zip(units["value"], units["source"], strict=True)
    ]
    return count_sources(values, without_primary=without_primary)


def final_involved(units: pd.DataFrame) -> pd.DataFrame:
    """The final layer's (transcript, coder) pairs: one per transcript it has units on."""
    if not len(units):
        return pd.DataFrame(
            {"transcript_id": pd.Series(dtype="int64"), "coder": [], "completed": []}
        )
    pairs = units.groupby("transcript_id", sort=True)["completed"].first().reset_index()
    pairs["coder"] = FINAL
    return pairs[["transcript_id", "coder", "completed"]].astype(
        {"transcript_id": "int64", "completed": bool}
    )


def final_segment_memos(
    memos: pd.DataFrame, segments: pd.DataFrame, primaries: Mapping[int, str | None]
) -> pd.DataFrame:
    """The primary coders' memos on segments, as the final layer's."""
    if not len(memos):
        return memos
    transcript = memos["segment_id"].map(
        pd.Series(segments["transcript_id"].to_numpy(), index=segments["segment_id"].to_numpy())
    )
    primary = transcript.map(lambda t: primaries.get(int(t)) if pd.notna(t) else None)
    keep = memos[memos["coder"].astype(str) == primary].copy()
    keep["coder"] = FINAL
    return keep


def counts_by_transcript(units: pd.DataFrame) -> pd.Series:
    """transcript_id -> how many of its final values came from the consensus layer."""
    settled = units[units["source"] == CONSENSUS_SOURCE]
    return settled.groupby("transcript_id").size().astype("int64")
