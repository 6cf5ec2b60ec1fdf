"""The inputs of the analyses, as the export tables already produce them.

Two tables of :mod:`socialcoder.export.tables`, each filtered to **one** coder or layer
(a ``coder`` column, when present, must hold a single value, or the layer is chosen with
``coder=``):

* the **sessions** table (``build_sessions(...).frame``): one row per transcript with

  - ``transcript`` (str), ``participant`` (str), ``session`` (int; the session number),
    optionally ``therapist`` (str), ``coder`` (str) and ``completed`` (bool);
  - per segment-level dimension ``D``: ``D_n`` (turns present for binary dimensions, coded
    for others), ``D_turns`` (turns of the roles ``D`` applies to) and ``D_rate``; for ordinal
    and numeric dimensions ``D_mean``;
  - per session-level dimension ``D``: a column ``D`` with the rating (number, or category
    for nominal/ordinal);
  - the session measures (floats), one column per measure, named as imported.

* the **long** table (``build_long(...).frame``), optional: one row per applicable segment x
  dimension with ``transcript``, ``segment``, ``role``, ``dimension``, ``unit`` (only
  ``"segment"`` rows are used), ``value`` (text form of the codebook) and optionally
  ``coder`` / ``completed``. With it, nominal dimensions get a rate per value and ordinal
  ones a rate per value above the lowest and one of all turns above the lowest value
  (``D_any_rate``); without it, only binary dimensions get a code rate (from ``D_n`` /
  ``D_turns``) and ordinal/numeric ones their mean.

Output variables (:class:`Variable`): code rates ``D_rate`` (binary), ``D_VALUE_rate`` and
``D_any_rate`` (``_prop`` instead of ``_rate`` with ``rate="proportion"``), each with its
count ``..._n`` and applicable turns ``D_turns``; code means ``D_mean``; ratings ``D``;
measures by their own names. Only completed transcripts are used when a ``completed``
column is present; how many rows were left out is reported. :func:`session_table` builds the :class:`SessionTable` that the
correlations, the count model and the lagged design read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.analysis.errors import (
    AmbiguousLayerError,
    AnalysisInputError,
    MissingColumnError,
    TooFewUnitsError,
    UnknownVariableError,
)
from socialcoder.domain.codebook import Codebook, Dimension, Scale
from socialcoder.export.tables import slug, value_columns, value_labels_of

RATES = ("per100", "proportion")
META = ("transcript", "participant", "therapist", "session")
#: Variable kinds.
CODE_RATE = "code_rate"
CODE_MEAN = "code_mean"
RATING = "rating"
MEASURE = "measure"
#: Keys of the applicable turns and of the ordinal "above the lowest value" count in the
#: per-transcript count table (no codebook value holds a NUL character).
_TURNS = "\x00turns"
ABOVE_LOWEST = "\x00above"


def select_layer(frame: pd.DataFrame, coder: str | None, *, table: str) -> pd.DataFrame:
    """The rows of one coder or layer. Without ``coder``, a ``coder`` column must hold one
    value (or be absent)."""
    if "coder" not in frame.columns:
        if coder is not None:
            raise MissingColumnError(table, ["coder"])
        return frame
    present = [str(c) for c in pd.unique(frame["coder"].dropna())]
    if coder is None:
        if len(present) > 1:
            raise AmbiguousLayerError(table, present)
        return frame
    if coder not in present:
        raise AnalysisInputError(
            f"the {table} table has no codes of {coder!r} (it has: {', '.join(present) or 'none'})"
        )
    return frame[frame["coder"].astype(str) == coder]


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnError(table, missing)


def completed_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows of completed transcripts (all rows without a ``completed`` column) and how many
    rows were left out."""
    if "completed" not in frame.columns:
        return frame, 0
    keep = frame["completed"].fillna(False).astype(bool)
    return frame[keep], int((~keep).sum())


@dataclass(frozen=True, slots=True)
class Variable:
    """One analysis variable of a :class:`SessionTable`.

    ``kind`` is ``code_rate`` (turns with the code per 100 applicable turns, or their
    proportion), ``code_mean``, ``rating`` (a session-level dimension) or ``measure``.
    Code rates name the columns with their ``count`` and applicable ``turns``.
    """

    name: str
    label: str
    kind: str
    dimension: str | None = None
    value: str | None = None
    count: str | None = None
    turns: str | None = None
    value_labels: Mapping[float, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "dimension": self.dimension,
            "value": self.value,
            "count": self.count,
            "turns": self.turns,
        }


@dataclass(frozen=True, slots=True)
class SessionTable:
    """One row per session (transcript): ``transcript``, ``participant``, ``therapist``,
    ``session``, then every variable's column and the count/turn columns of the code rates.
    """

    frame: pd.DataFrame
    variables: tuple[Variable, ...]
    rate: str = "per100"
    excluded_incomplete: int = 0
    notes: tuple[str, ...] = field(default=())

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise UnknownVariableError(name, [v.name for v in self.variables])

    def names(self, *kinds: str) -> list[str]:
        return [v.name for v in self.variables if not kinds or v.kind in kinds]

    @property
    def participants(self) -> int:
        return int(self.frame["participant"].nunique())


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 1
    while out in taken:
        n += 1
        out = f"{name}_{n}"
    taken.add(out)
    return out


def _rate(count: pd.Series, turns: pd.Series, rate: str) -> pd.Series:
    scale = 100.0 if rate == "per100" else 1.0
    turns = turns.astype("float64")
    return scale * count.astype("float64") / turns.where(turns > 0)


def _rate_label(what: str, rate: str) -> str:
    return (
        f"{what}: per 100 applicable turns"
        if rate == "per100"
        else f"{what}: proportion of applicable turns"
    )


def _value_codes(dim: Dimension) -> list[tuple[str, str, str]]:
    """(value text, name part, label part) for the per-value rates of a non-binary
    dimension: every value of a nominal one; for an ordinal one every value above the lowest
    (whose rate is the complement of the rest) and 'above the lowest value'."""
    values = dim.values[1:] if dim.scale is Scale.ORDINAL else dim.values
    out = [(v.value, slug(v.value), f"{dim.label} = {v.label}") for v in values]
    if dim.scale is Scale.ORDINAL and len(dim.values) > 1:
        out.append((ABOVE_LOWEST, "any", f"{dim.label} above {dim.values[0].label!r}"))
    return out


def _long_counts(long: pd.DataFrame, dims: Sequence[Dimension]) -> pd.DataFrame:
    """Per transcript: ``(dimension, value) -> count``, ``(dimension, _TURNS) -> turns`` and,
    for ordinal dimensions, ``(dimension, ABOVE_LOWEST)``: turns above the lowest value."""
    seg = long[long["unit"].astype(str) == "segment"] if "unit" in long.columns else long
    seg = seg[seg["dimension"].astype(str).isin([d.key for d in dims])]
    keys = seg["dimension"].astype(str)
    values = seg["value"].astype("string")
    frame = pd.DataFrame(
        {
            "transcript": seg["transcript"].to_numpy(),
            "dim": keys.to_numpy(),
            "value": values.to_numpy(),
        }
    )
    counts = frame.dropna(subset=["value"]).groupby(["transcript", "dim", "value"]).size()
    turns = frame.groupby(["transcript", "dim"]).size()
    table: dict[tuple[str, str], pd.Series] = {}
    for dim in dims:
        if dim.key in turns.index.get_level_values("dim"):
            t = turns.xs(dim.key, level="dim")
        else:
            t = pd.Series(dtype="float64")
        table[(dim.key, _TURNS)] = t
        if dim.key in counts.index.get_level_values("dim"):
            c = counts.xs(dim.key, level="dim")
        else:
            c = pd.Series(
                dtype="float64",
                index=pd.MultiIndex.from_arrays([[], []], names=["transcript", "value"]),
            )
        for text in dim.value_texts:
            if text in c.index.get_level_values("value"):
                table[(dim.key, text)] = c.xs(text, level="value")
            else:
                table[(dim.key, text)] = pd.Series(dtype="float64")
        if dim.scale is Scale.ORDINAL:
            above = [v for v in dim.value_texts[1:] if v in c.index.get_level_values("value")]
            table[(dim.key, ABOVE_LOWEST)] = (
                c[c.index.get_level_values("value").isin(above)].groupby(level="transcript").sum()
                if above
                else pd.Series(dtype="float64")
            )
    return pd.DataFrame(table)


def _known_columns(codebook: Codebook) -> set[str]:
    known = set(META) | {"coder", "completed", "date", "minutes"}
    for dim in codebook.segment_dimensions():
        known |= {f"{dim.key}_{s}" for s in ("n", "turns", "rate", "per_min", "mean")}
        known |= {f"{stem}_{s}" for _, stem in value_columns(dim) for s in ("n", "rate")}
    known |= {d.key for d in codebook.session_dimensions()}
    return known


def session_table(
    sessions: pd.DataFrame,
    codebook: Codebook,
    *,
    long: pd.DataFrame | None = None,
    rate: str = "per100",
    coder: str | None = None,
    measures: Sequence[str] | None = None,
    completed_only: bool = True,
) -> SessionTable:
    """Build the session table (see the module doc for the input columns).

    ``rate`` is ``per100`` (turns with the code per 100 applicable turns) or ``proportion``.
    ``measures`` names the measure columns; by default every numeric column that is neither
    metadata nor made from the codebook. Sessions without applicable turns have a missing
    rate, never 0.
    """
    if rate not in RATES:
        raise AnalysisInputError(f"unknown rate {rate!r} (use one of: {', '.join(RATES)})")
    frame = select_layer(sessions, coder, table="sessions")
    require_columns(frame, ["transcript", "participant", "session"], table="sessions")
    excluded = 0
    if completed_only:
        frame, excluded = completed_rows(frame)
    if frame.empty:
        raise TooFewUnitsError(
            "session table", "completed sessions of the chosen coder or layer", 0, 1
        )
    if frame["transcript"].duplicated().any():
        dup = frame.loc[frame["transcript"].duplicated(), "transcript"].iloc[0]
        raise AnalysisInputError(f"the sessions table has transcript {dup!r} more than once")
    out = pd.DataFrame(
        {
            "transcript": frame["transcript"].astype(str).to_numpy(),
            "participant": frame["participant"].astype("string").to_numpy(),
            "therapist": (
                frame["therapist"].astype("string").to_numpy()
                if "therapist" in frame.columns
                else pd.array([pd.NA] * len(frame), dtype="string")
            ),
            "session": pd.array(frame["session"], dtype="Int64"),
        }
    )
    if out["participant"].isna().any():
        names = out.loc[out["participant"].isna(), "transcript"].tolist()
        raise AnalysisInputError(
            f"{len(names)} transcript(s) have no participant id ({', '.join(names[:3])}"
            f"{', ...' if len(names) > 3 else ''}); set it before analysing sessions"
        )
    columns: dict[str, Any] = {}
    variables: list[Variable] = []
    taken = set(out.columns)
    notes: list[str] = []
    suffix = "rate" if rate == "per100" else "prop"
    seg_dims = list(codebook.segment_dimensions())
    per_value = None
    if long is not None:
        lframe = select_layer(long, coder, table="long")
        require_columns(lframe, ["transcript", "dimension", "value"], table="long")
        if completed_only:
            lframe, _ = completed_rows(lframe)
        per_value = _long_counts(lframe, seg_dims).reindex(out["transcript"])
    for dim in seg_dims:
        turns_col = _unique(f"{dim.key}_turns", taken)
        if per_value is not None:
            turns = per_value[(dim.key, _TURNS)].fillna(0).to_numpy()
        elif f"{dim.key}_turns" in frame.columns:
            turns = frame[f"{dim.key}_turns"].fillna(0).to_numpy()
        else:
            continue
        columns[turns_col] = turns.astype("int64")
        if dim.scale is Scale.BINARY:
            codes = [("1", "", f"{dim.label} present")]
        elif per_value is not None and dim.enumerated:
            codes = _value_codes(dim)
        else:
            codes = []
        for value, part, label in codes:
            base = f"{dim.key}_{part}" if part else dim.key
            count_col = _unique(f"{base}_n", taken)
            if per_value is not None:
                count = per_value[(dim.key, value)].fillna(0).to_numpy()
            else:
                count = frame[f"{dim.key}_n"].fillna(0).to_numpy()
            columns[count_col] = count.astype("int64")
            name = _unique(f"{base}_{suffix}", taken)
            columns[name] = _rate(pd.Series(count), pd.Series(turns), rate).to_numpy()
            code_value = None if value == ABOVE_LOWEST else value
            variables.append(
                Variable(
                    name=name,
                    label=_rate_label(label, rate),
                    kind=CODE_RATE,
                    dimension=dim.key,
                    value=code_value,
                    count=count_col,
                    turns=turns_col,
                )
            )
        if dim.scale in (Scale.ORDINAL, Scale.INTERVAL, Scale.RATIO) and f"{dim.key}_mean" in frame:
            name = _unique(f"{dim.key}_mean", taken)
            columns[name] = pd.to_numeric(frame[f"{dim.key}_mean"], errors="coerce").to_numpy()
            how = "mean position (0 = lowest)" if dim.scale is Scale.ORDINAL else "mean"
            variables.append(Variable(name, f"{dim.label}: {how}", CODE_MEAN, dim.key))
    for dim in codebook.session_dimensions():
        if dim.key not in frame.columns:
            notes.append(f"session rating {dim.key!r} is not in the sessions table")
            continue
        values = frame[dim.key]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes_ = values.cat.codes.astype("float64")
            numbers = codes_.where(codes_ >= 0, np.nan).to_numpy()
        else:
            numbers = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        labels = value_labels_of(dim) or None
        name = _unique(dim.key, taken)
        columns[name] = numbers
        variables.append(Variable(name, dim.label, RATING, dim.key, value_labels=labels))
    if measures is None:
        known = _known_columns(codebook)
        measures = [
            c
            for c in frame.columns
            if c not in known
            and pd.api.types.is_numeric_dtype(frame[c].dtype)
            and frame[c].dtype != bool
        ]
    for m in measures:
        if m not in frame.columns:
            raise MissingColumnError("sessions", [m])
        name = _unique(m, taken)
        columns[name] = pd.to_numeric(frame[m], errors="coerce").astype("float64").to_numpy()
        variables.append(Variable(name, f"Session measure {m}", MEASURE))
    result = pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)
    result = result.sort_values(["participant", "session", "transcript"], kind="stable")
    return SessionTable(
        frame=result.reset_index(drop=True),
        variables=tuple(variables),
        rate=rate,
        excluded_incomplete=excluded,
        notes=tuple(notes),
    )


def plain_table(frame: pd.DataFrame, variables: Sequence[str]) -> SessionTable:
    """A :class:`SessionTable` from any frame with ``participant`` (and optionally
    ``session``, ``therapist``) and numeric columns ``variables`` - for notebook use; every
    variable is a ``measure``."""
    require_columns(frame, ["participant", *variables], table="input")
    data = frame.copy()
    for c in ("transcript", "therapist", "session"):
        if c not in data.columns:
            data[c] = pd.NA
    data["participant"] = data["participant"].astype("string")
    return SessionTable(
        data.reset_index(drop=True), tuple(Variable(v, v, MEASURE) for v in variables)
    )
