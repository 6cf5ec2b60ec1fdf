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

import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.domain.codebook import Codebook, CodeValue, Dimension, Scale, Unit
from socialcoder.domain.rules import ROLE_NUMBERS, empty_value, implied_mask
from socialcoder.export.final import (
    counts_by_transcript,
    final_involved,
    final_segment_memos,
    final_units,
)
from socialcoder.export.model import CONSENSUS, ColumnInfo, ExportTable, StudyData

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


def coded_units(data: StudyData) -> pd.DataFrame:
    """The long table's rows before metadata: transcript_id, segment_id (NaN for session units),
    coder, dimension, unit, value, value_numeric, value_label, memo, codebook_version,
    completed; for the final layer (``data.primaries`` set) also ``source``."""
    if data.primaries is None:
        return _coded_units(data)
    underlying = tuple(dict.fromkeys(data.involved["coder"].astype(str)))
    raw = _coded_units(replace(data, coders=underlying, primaries=None))
    units = final_units(raw, data.primaries, data.involved)
    units["dimension"] = pd.Categorical(units["dimension"], categories=list(data.codebook.keys))
    units["coder"] = pd.Categorical(units["coder"], categories=list(data.coders))
    return units


def involved_pairs(data: StudyData, core: pd.DataFrame) -> pd.DataFrame:
    """The (transcript_id, coder, completed) rows of the tables: the coders' pairs, or for the
    final layer one per transcript it has values on."""
    if data.primaries is None:
        return data.involved[["transcript_id", "coder", "completed"]]
    return final_involved(core)


def segment_memos(data: StudyData) -> pd.DataFrame:
    if data.primaries is None:
        return data.segment_memos
    return final_segment_memos(data.segment_memos, data.segments, data.primaries)


def _coded_units(data: StudyData) -> pd.DataFrame:
    """The coded units in the order and with the column types of the merges they replace
    (segment units dimension by dimension, then session units; see :class:`_Units`)."""
    codebook = data.codebook
    if not codebook.dimensions:
        return pd.DataFrame(
            columns=[
                "transcript_id",
                "segment_id",
                "coder",
                "dimension",
                "unit",
                "value",
                "value_numeric",
                "value_label",
                "memo",
                "codebook_version",
                "completed",
                "implied",
            ]
        )
    units = _units(data)
    seg = units.seg
    ids = _segment_ids(data)
    with_sessions = bool(codebook.session_dimensions())
    segment_id = np.where(seg >= 0, ids[seg], np.nan) if with_sessions else ids[seg]
    first = {
        "transcript_id": units.tids,
        "coder": pd.Categorical.from_codes(
            _output_coders(data, units), categories=list(data.coders)
        ),
        "completed": data.involved["completed"].to_numpy(dtype=bool)[units.inv],
        "dimension": pd.Categorical.from_codes(units.dim, categories=list(codebook.keys)),
    }
    code_cols = _code_columns(data, units)
    cols: dict[str, Any] = {}
    if codebook.segment_dimensions():
        cols["segment_id"] = segment_id
        cols.update({k: first[k] for k in ("transcript_id", "dimension", "coder", "completed")})
    else:
        cols.update(first)
    cols.update({k: code_cols[k] for k in ("value", "memo", "codebook_version")})
    if not codebook.segment_dimensions():
        cols["segment_id"] = segment_id
    cols["unit"] = pd.Series(_UNIT_NAMES).array.take((seg < 0).astype(np.int64))
    cols["implied"] = units.implied
    cols["value_numeric"] = code_cols["value_numeric"]
    cols["value_label"] = code_cols["value_label"]
    return _frame_of(cols)


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


# --- the long table column by column -------------------------------------------------------
#
# The same rows, order and column types as the merges above (tests/integration/export/
# test_long_columns.py holds the two together and both against a table built cell by cell),
# built from positions: each row is (segment, involved pair, dimension, code) as integer
# positions into the frames of StudyData, sorted as integers, and every output column is
# taken once from its source column by those positions (-1: missing). No merge, no
# intermediate frame, no string compared or hashed per row.


def _take(values: pd.Series | pd.Index, positions: np.ndarray) -> Any:
    """``values`` at ``positions`` (-1: missing, typed as a left merge would: integers become
    floats, booleans objects, text keeps its type with NaN)."""
    return pd.api.extensions.take(values.array, positions, allow_fill=True)


def _positions(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position in ``keys`` (unique integers) of each of ``wanted``; -1 where absent."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    at = np.searchsorted(keys, wanted, sorter=order)
    at = np.minimum(at, len(keys) - 1)
    found = order[at]
    out: np.ndarray = np.where(keys[found] == wanted, found, -1).astype(np.int64)
    return out


def _codes_of(values: pd.Series, names: list[str]) -> np.ndarray:
    """Position of each of ``values`` in ``names`` (-1: not there or missing), by distinct value."""
    codes, uniques = pd.factorize(values)
    index = {n: i for i, n in enumerate(names)}
    table = np.array([index.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    out: np.ndarray = table[codes]  # factorize's -1 (missing) takes the last entry
    return out


@dataclass(frozen=True, slots=True)
class _Units:
    """Coded units as positions: ``inv`` into ``data.involved`` (the pair), ``dim`` into the
    codebook's dimensions, ``seg`` into ``data.segments`` (-1: a session unit), ``code`` into
    ``data.codes`` (-1: no code); ``tids`` the transcript ids, ``implied`` the completion rule's
    cells. Built in the order of the merges they replace: segment units dimension by dimension
    (each segment with its transcript's pairs), then every pair's session units."""

    inv: np.ndarray
    dim: np.ndarray
    seg: np.ndarray
    tids: np.ndarray
    code: np.ndarray
    implied: np.ndarray

    def take(self, order: np.ndarray) -> _Units:
        return _Units(*(getattr(self, f)[order] for f in self.__slots__))


def _units(data: StudyData) -> _Units:
    codebook = data.codebook
    keys = list(codebook.keys)
    n_dims = len(keys)
    segments, involved, codes = data.segments, data.involved, data.codes
    seg_tids = segments["transcript_id"].to_numpy(dtype=np.int64)
    inv_tids = involved["transcript_id"].to_numpy(dtype=np.int64)
    coder_names = _coder_names(data)
    n_coders = max(len(coder_names), 1)
    inv_coder = _codes_of(involved["coder"], coder_names)

    # segment units: applicable segments x dimensions, each with its transcript's pairs
    role_codes, roles = pd.factorize(segments["role"])
    seg_pos_parts, dim_parts = [], []
    for seg_dimension in codebook.segment_dimensions():
        applies = {r.value for r in seg_dimension.applies_to}
        allowed = np.array([str(r) in applies for r in roles] + [False])
        chosen = np.flatnonzero(allowed[role_codes])
        seg_pos_parts.append(chosen)
        dim_parts.append(np.full(len(chosen), keys.index(seg_dimension.key), dtype=np.int64))
    seg_pos = np.concatenate(seg_pos_parts) if seg_pos_parts else np.zeros(0, np.int64)
    seg_dim = np.concatenate(dim_parts) if dim_parts else np.zeros(0, np.int64)
    by_tid = np.argsort(inv_tids, kind="stable")
    sorted_tids = inv_tids[by_tid]
    left_tids = seg_tids[seg_pos]
    lo = np.searchsorted(sorted_tids, left_tids, "left")
    count = np.searchsorted(sorted_tids, left_tids, "right") - lo
    total = int(count.sum())
    starts = np.cumsum(count) - count
    within = np.arange(total, dtype=np.int64) - np.repeat(starts, count)
    seg_inv = by_tid[np.repeat(lo, count) + within]
    seg_pos = np.repeat(seg_pos, count)
    seg_dim = np.repeat(seg_dim, count)

    # session units: every pair x session-level dimension
    sess_keys = [keys.index(d.key) for d in codebook.session_dimensions()]
    sess_inv = np.repeat(np.arange(len(involved), dtype=np.int64), len(sess_keys))
    sess_dim = np.tile(np.array(sess_keys, dtype=np.int64), len(involved))

    inv = np.concatenate([seg_inv, sess_inv])
    unit_dim = np.concatenate([seg_dim, sess_dim])
    seg = np.concatenate([seg_pos, np.full(len(sess_inv), -1, dtype=np.int64)])
    tids = np.concatenate([left_tids.repeat(count), inv_tids[sess_inv]])
    del seg_inv, seg_dim, seg_pos, within, lo, starts  # a million rows each: freed early
    coder = inv_coder[inv]

    # each unit's code: (segment or transcript, coder, dimension) as one integer
    code_seg = codes["segment_id"].to_numpy(dtype=np.float64, na_value=np.nan)
    is_seg_code = ~np.isnan(code_seg)
    code_unit = np.where(
        is_seg_code, np.nan_to_num(code_seg, nan=0.0), codes["transcript_id"].to_numpy(np.float64)
    ).astype(np.int64)
    code_coder = _codes_of(codes["coder"], coder_names)
    code_dim = _codes_of(codes["dimension"], keys)
    width = n_coders * n_dims
    code_key = (code_unit * width + code_coder * n_dims + code_dim) * 2 + is_seg_code
    code_key[(code_coder < 0) | (code_dim < 0)] = -1
    unit_key = np.where(seg >= 0, _segment_ids(data)[seg], tids)
    unit_key *= width
    unit_key += coder * n_dims + unit_dim
    unit_key *= 2
    unit_key += seg >= 0
    code = _positions(code_key, unit_key)
    del unit_key
    code[coder < 0] = -1

    # the completion rule (socialcoder.domain.rules) where the dimension has an empty value
    empties = empty_values(codebook)
    has_empty = np.array([k in empties for k in keys] + [False])
    completed = involved["completed"].to_numpy(dtype=bool)[inv]
    implied = implied_mask(code >= 0, completed) & has_empty[unit_dim]
    return _Units(inv=inv, dim=unit_dim, seg=seg, tids=tids, code=code, implied=implied)


def _coder_names(data: StudyData) -> list[str]:
    return list(dict.fromkeys([*data.coders, *data.involved["coder"].astype(str)]))


def _segment_ids(data: StudyData) -> np.ndarray:
    """The segments' ids; a position of -1 (a session unit) reads the -1 appended at the end."""
    return np.append(data.segments["segment_id"].to_numpy(dtype=np.int64), -1)


def _output_coders(data: StudyData, units: _Units) -> np.ndarray:
    """Each unit's coder as a position in ``data.coders`` (-1: not among them)."""
    out: np.ndarray = _codes_of(data.involved["coder"], list(data.coders))[units.inv]
    return out


def _sorted(data: StudyData, units: _Units) -> _Units:
    """Sorted: transcript name, coder order, segment (session units last), dimension order."""
    names_sorted = data.transcripts.sort_values("transcript")["transcript_id"].to_numpy()
    rank = pd.Index(names_sorted).get_indexer(units.tids).astype(np.float64)
    rank[rank < 0] = np.nan
    numbers = np.append(data.segments["segment"].to_numpy(dtype=np.float64), np.inf)
    order = np.lexsort((units.dim, numbers[units.seg], _output_coders(data, units), rank))
    return units.take(order)


def _code_columns(data: StudyData, units: _Units) -> dict[str, Any]:
    """value (the code's, else where implied the dimension's empty value), value_numeric,
    value_label, memo, codebook_version; the text taken by value code, not per row."""
    codes, codebook, code, implied = data.codes, data.codebook, units.code, units.implied
    keys = list(codebook.keys)
    empties = empty_values(codebook)
    value_codes, value_uniques = pd.factorize(codes["value"])
    value_texts = [str(v) for v in value_uniques]
    extra = [e for e in dict.fromkeys(empties.values()) if e not in value_texts]
    texts = [*value_texts, *extra]
    position = {t: i for i, t in enumerate(texts)}
    value = np.where(code >= 0, np.append(value_codes, -1)[code], -1)
    empty_code = np.array([position.get(empties.get(k, ""), -1) for k in keys] + [-1])
    value = np.where(implied, empty_code[units.dim], value)
    values_array = pd.array(
        [*value_uniques, *extra], dtype=codes["value"].dtype if len(codes) else object
    )
    cols: dict[str, Any] = {"value": _take(pd.Series(values_array), value)}
    numbers, labels, which = _numbers_and_labels(codebook, texts, units.dim, value)
    cols["value_numeric"] = numbers[which]
    cols["value_label"] = pd.Series(labels).array.take(which)  # typed as the labels are
    cols["memo"] = _take(codes["memo"], np.where(implied, -1, code))
    versions = np.where(implied, len(codes), code)
    version_values = pd.concat(
        [codes["codebook_version"], pd.Series([data.codebook_version])], ignore_index=True
    )
    if not len(codes):  # as a merge onto an empty column of objects leaves it
        version_values = version_values.astype(object)
    cols["codebook_version"] = _take(version_values, versions)
    return cols


def _frame_of(cols: dict[str, Any]) -> pd.DataFrame:
    """Each column keeps the type it was taken with (no second look at a million objects)."""
    return pd.DataFrame(
        {name: pd.Series(v, dtype=v.dtype, copy=False) for name, v in cols.items()}, copy=False
    )


_UNIT_NAMES = (Unit.SEGMENT.value, Unit.SESSION.value)


def _long_frame(data: StudyData, with_text: bool) -> pd.DataFrame:
    units = _sorted(data, _units(data))
    segments, seg = data.segments, units.seg
    cols: dict[str, Any] = {}
    t_pos = _positions(data.transcripts["transcript_id"].to_numpy(dtype=np.int64), units.tids)
    for name, _ in META_COLUMNS:
        cols[name] = _take(data.transcripts[name], t_pos)
    turn_numbers = np.append(segments["segment"].to_numpy(dtype=np.int64), 0)
    cols["segment"] = pd.arrays.IntegerArray(turn_numbers[seg], seg < 0)
    for name in ("role", "speaker", "start", "end"):
        cols[name] = _take(segments[name], seg)
    missing = seg < 0
    for flag in _FLAGS:  # 1/0 on turns, empty on session rows
        if flag in segments:
            flags = np.append(segments[flag].to_numpy(dtype=bool), False)[seg]
        else:
            flags = np.zeros(len(seg), dtype=bool)
        cols[flag] = pd.arrays.IntegerArray(flags.astype(np.int64), missing.copy())
    if with_text:
        cols["text"] = _take(segments["text"], seg)
    cols["coder"] = pd.Categorical.from_codes(
        _output_coders(data, units), categories=list(data.coders)
    )
    cols["dimension"] = pd.Categorical.from_codes(units.dim, categories=list(data.codebook.keys))
    cols["unit"] = pd.Series(_UNIT_NAMES).array.take((seg < 0).astype(np.int64))
    cols.update(_code_columns(data, units))
    memos = segment_memos(data)
    if len(memos):
        coder_names = _coder_names(data)
        n_coders = max(len(coder_names), 1)
        memo_coder = _codes_of(memos["coder"], coder_names)
        memo_key = memos["segment_id"].to_numpy(dtype=np.int64) * n_coders + memo_coder
        memo_key[memo_coder < 0] = -1
        unit_coder = _codes_of(data.involved["coder"], coder_names)[units.inv]
        unit_memo_key = np.where(seg >= 0, _segment_ids(data)[seg] * n_coders + unit_coder, -1)
        at = _positions(memo_key, unit_memo_key)
        at[seg < 0] = -1
        cols["segment_memo"] = _take(memos["segment_memo"], at)
    else:
        cols["segment_memo"] = pd.Series(pd.NA, index=range(len(seg)), dtype=object).array
    cols["completed"] = data.involved["completed"].to_numpy(dtype=bool)[units.inv]
    cols["implied"] = units.implied
    return _frame_of(cols)


def _numbers_and_labels(
    codebook: Codebook, texts: list[str], dims: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``value_numeric`` and ``value_label`` of units given as dimension and value positions
    (-1: no value), computed once per distinct (dimension, value): (numbers, labels, the
    position of each unit's in them)."""
    width = len(texts) + 1
    key = dims.astype(np.int64) * width + (values + 1)
    seen = np.zeros(len(codebook.dimensions) * width, dtype=bool)
    seen[key] = True
    uniq = np.flatnonzero(seen)
    inverse = np.zeros(len(seen), dtype=np.int64)
    inverse[uniq] = np.arange(len(uniq))
    inverse = inverse[key]
    numbers = np.full(len(uniq), np.nan)
    labels = np.full(len(uniq), None, dtype=object)
    for i, k in enumerate(uniq):
        d, v = divmod(int(k), width)
        if d < 0 or v == 0:
            continue
        dim = codebook.dimensions[d]
        text = texts[v - 1]
        numbers[i] = _numeric(pd.Series([text]), dim).iloc[0]
        labels[i] = dim.label_of(text)
    return numbers, labels, inverse


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


def build_wide(data: StudyData, *, with_text: bool = False) -> ExportTable:
    """The wide table (see the module doc)."""
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
    infos = _base_infos(True, with_text)
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
            labels = value_labels_of(dim)
            infos.append(ColumnInfo(name, _dim_label(dim, coder), labels or None))
        if data.primaries is not None:  # the final layer: each value's source
            rows = seg_rows if dim.unit is Unit.SEGMENT else sess_rows
            index = "segment_id" if dim.unit is Unit.SEGMENT else "transcript_id"
            chosen = rows[rows["dimension"] == dim.key]
            sources = pd.Series(chosen["source"].to_numpy(), index=chosen[index].to_numpy())
            new_cols[f"source__{dim.key}"] = key_col.map(sources).astype("object")
            infos.append(
                ColumnInfo(f"source__{dim.key}", f"{dim.label}: source (coder or consensus)")
            )
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
        infos.append(ColumnInfo(name, f"Memos of {coder} on the segment"))
    del core, seg_rows, sess_rows, seg_pivot, sess_pivot, memo_parts, memos, joined
    # the columns put together once, in their order (no concatenated copy to select from)
    columns = {**{name: base[name] for name in base.columns}, **new_cols}
    frame = pd.DataFrame({c.name: columns[c.name] for c in infos}, index=base.index, copy=False)
    return ExportTable("wide", frame, tuple(infos), data.codebook)


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


def build_table(layout: str, data: StudyData, *, with_text: bool = False) -> ExportTable:
    """``layout`` is ``long``, ``wide`` or ``sessions`` (text is never in ``sessions``)."""
    if layout == "long":
        return build_long(data, with_text=with_text)
    if layout == "wide":
        return build_wide(data, with_text=with_text)
    if layout == "sessions":
        return build_sessions(data)
    raise ValueError(f"unknown layout {layout!r}")
