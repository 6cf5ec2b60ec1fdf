"""The turn sequence that sequential analysis and the SDIS writer read, and the codes
``ROLE:DIM[=VALUE]`` that name what to look for in it.

A **turns** frame has one row per speaker turn of one coder or layer:

* ``transcript`` (str), ``participant`` (str), ``session`` (int), ``segment`` (the 1-based
  turn number within the transcript), ``role`` (``therapist`` / ``patient``);
* one column per segment-level dimension key, holding the value in the codebook's text form
  (``"1"`` / ``"0"`` for binary, ``"mild"``), missing where the turn was not coded or the
  dimension does not apply to the speaker's role.

Turn ``t + lag`` is the turn whose ``segment`` number is ``lag`` higher in the same
transcript, so a turn absent from the frame (a role no dimension applies to) still keeps its
place. :func:`turns_from_long` and :func:`turns_from_wide` build the frame from the export
tables; the SDIS writer needs every turn, which the wide table has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from socialcoder.analysis.errors import AnalysisInputError, CodeSpecError, TooFewUnitsError
from socialcoder.analysis.inputs import completed_rows, require_columns, select_layer
from socialcoder.domain.codebook import Codebook, Role, Scale, Unit, value_text

TURN_COLUMNS = ("transcript", "participant", "session", "segment", "role")
_ROLE_WORDS = {"t": "therapist", "therapist": "therapist", "p": "patient", "patient": "patient"}


@dataclass(frozen=True, slots=True)
class Code:
    """A code on turns of one role: ``role``'s turns where ``dimension`` has ``value``."""

    role: str
    dimension: str
    value: str

    @property
    def spec(self) -> str:
        return f"{self.role}:{self.dimension}={self.value}"

    def __str__(self) -> str:
        return self.spec


def _text(value: object) -> str | None:
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value_text(value)


def parse_code(spec: str, codebook: Codebook | None = None) -> Code:
    """``ROLE:DIM[=VALUE]`` -> :class:`Code`. ROLE is ``therapist``/``patient`` (or ``T``/``P``);
    without VALUE a binary dimension means present (``=1``). With a codebook, the dimension
    must be a segment-level one that applies to ROLE, and VALUE one of its values."""
    text = spec.strip()
    if ":" not in text:
        raise CodeSpecError(spec, "write it as ROLE:DIMENSION or ROLE:DIMENSION=VALUE")
    role_word, rest = text.split(":", 1)
    role = _ROLE_WORDS.get(role_word.strip().lower())
    if role is None:
        raise CodeSpecError(spec, f"unknown role {role_word.strip()!r} (use therapist or patient)")
    key, _, raw = rest.partition("=")
    key, raw = key.strip(), raw.strip()
    if not key:
        raise CodeSpecError(spec, "no dimension given")
    if codebook is None:
        return Code(role, key, value_text(raw) if raw else "1")
    try:
        dim = codebook.dimension(key)
    except KeyError as exc:
        raise CodeSpecError(spec, str(exc.args[0])) from None
    if dim.unit is not Unit.SEGMENT:
        raise CodeSpecError(spec, f"{key!r} is rated per session, not per turn")
    if not dim.applies(Role(role)):
        roles = ", ".join(sorted(r.value for r in dim.applies_to))
        raise CodeSpecError(spec, f"{key!r} is not coded on {role} turns (only: {roles})")
    if not raw:
        if dim.scale is not Scale.BINARY:
            values = ", ".join(dim.value_texts) or "a number"
            raise CodeSpecError(spec, f"give a value: {key}=VALUE (values: {values})")
        return Code(role, key, "1")
    try:
        return Code(role, key, dim.parse_value(raw))
    except ValueError as exc:
        raise CodeSpecError(spec, str(exc)) from None


def role_codes(codebook: Codebook, role: str) -> list[Code]:
    """Every code of ``role``'s turns: binary dimensions present, each value of the other
    enumerated dimensions (numeric dimensions without listed values are left out)."""
    out: list[Code] = []
    for dim in codebook.segment_dimensions():
        if not dim.applies(Role(role)):
            continue
        if dim.scale is Scale.BINARY:
            out.append(Code(role, dim.key, "1"))
        else:
            out.extend(Code(role, dim.key, v) for v in dim.value_texts)
    return out


def _normalise(frame: pd.DataFrame, dims: Iterable[str]) -> pd.DataFrame:
    out = frame.copy()
    out["role"] = out["role"].astype(str).str.lower()
    out["segment"] = out["segment"].astype("int64")
    out["transcript"] = out["transcript"].astype(str)
    for d in dims:
        out[d] = pd.Series([_text(v) for v in out[d]], index=out.index, dtype="object")
    return out


def check_turns(frame: pd.DataFrame, *, table: str = "turns") -> None:
    require_columns(frame, TURN_COLUMNS, table=table)
    if frame[["transcript", "segment"]].duplicated().any():
        row = frame[frame[["transcript", "segment"]].duplicated()].iloc[0]
        raise AnalysisInputError(
            f"the {table} table has turn {row['segment']} of {row['transcript']!r} more than once "
            "(choose one coder or layer)"
        )


def turns_from_long(
    long: pd.DataFrame, *, coder: str | None = None, completed_only: bool = True
) -> pd.DataFrame:
    """The turns frame from the export's long table (segment rows only)."""
    frame = select_layer(long, coder, table="long")
    require_columns(frame, [*TURN_COLUMNS, "dimension", "value"], table="long")
    if completed_only:
        frame, _ = completed_rows(frame)
    if "unit" in frame.columns:
        frame = frame[frame["unit"].astype(str) == Unit.SEGMENT.value]
    if frame.empty:
        raise TooFewUnitsError("turns", "coded turns of the chosen coder or layer", 0, 1)
    frame = frame.assign(dimension=frame["dimension"].astype(str))
    if frame.duplicated([*TURN_COLUMNS, "dimension"]).any():
        raise AnalysisInputError("the long table has a turn's dimension more than once")
    wide = frame.set_index([*TURN_COLUMNS, "dimension"])["value"].unstack("dimension")
    wide.columns = [str(c) for c in wide.columns]
    out = wide.reset_index()
    return (
        _normalise(out, list(wide.columns))
        .sort_values(["transcript", "segment"])
        .reset_index(drop=True)
    )


def turns_from_wide(
    wide: pd.DataFrame, codebook: Codebook, *, coder: str, completed: Iterable[str] | None = None
) -> pd.DataFrame:
    """The turns frame from the export's wide table (columns ``DIM__CODER``) for ``coder``.
    ``completed`` lists the transcripts to keep (the wide table has no completion column)."""
    require_columns(wide, TURN_COLUMNS, table="wide")
    frame = wide
    if completed is not None:
        frame = frame[frame["transcript"].astype(str).isin(set(completed))]
    cols = {}
    for dim in codebook.segment_dimensions():
        name = f"{dim.key}__{coder}"
        if name not in frame.columns:
            raise AnalysisInputError(f"the wide table has no codes of {coder!r} for {dim.key!r}")
        series = frame[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        elif dim.scale in (Scale.NOMINAL, Scale.ORDINAL):
            texts = dim.value_texts
            series = series.map(lambda v, t=texts: None if pd.isna(v) else t[int(v)])
        cols[dim.key] = series.to_numpy()
    out = pd.concat([frame[list(TURN_COLUMNS)].reset_index(drop=True), pd.DataFrame(cols)], axis=1)
    return _normalise(out, list(cols)).sort_values(["transcript", "segment"]).reset_index(drop=True)
