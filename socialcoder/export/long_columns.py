"""The long table's rows built column by column (see :mod:`socialcoder.export.tables`).

The same rows, order and column types as the merges of ``tables._long_frame_merged``
(tests/unit/export/test_long_columns.py holds the two together and both against a table built
cell by cell), built from positions: each row is (segment, involved pair, dimension, code) as
integer positions into the frames of StudyData, sorted as integers, and every output column is
taken once from its source column by those positions (-1: missing). No merge, no intermediate
frame, no string compared or hashed per row. Also :func:`coded_units`, the coded units that
the wide and sessions tables and the final layer start from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.domain.codebook import Codebook, Unit
from socialcoder.domain.rules import implied_mask
from socialcoder.export.columns import (
    _FLAGS,
    META_COLUMNS,
    _numeric,
    empty_values,
    segment_memos,
)
from socialcoder.export.final import final_involved, final_units
from socialcoder.export.model import StudyData


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
