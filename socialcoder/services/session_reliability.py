"""Reliability of the session-level scores that analyses use: ``reliability --sessions``.

The scores are exactly those of the ``sessions`` export table (one row per coder x transcript,
built by :func:`socialcoder.export.tables.build_sessions`), so the rule for what counts is the
export's: applicable turns are the turns of the roles a dimension applies to, and an empty
cell of a completed transcript takes the dimension's empty value (the completion rule of
:mod:`socialcoder.domain.rules`: binary *absent*, nominal/ordinal ``empty_means``). Only **completed** (coder, transcript) pairs
count: before completion an uncoded turn means "not coded yet". The consensus layer is never a
coder here.

Measures, per dimension:

* segment-level, every scale: ``KEY_rate``, turns per 100 applicable turns that are *present*
  (binary), carry a value other than the empty value (nominal/ordinal with ``empty_means``)
  or carry any value (other scales), as in the export;
* segment-level ordinal, interval, ratio: ``KEY_mean``, the mean value (ordinal: position
  0, 1, ...) over the coded turns, as in the export;
* segment-level nominal and ordinal with two or more values: ``KEY_rate[VALUE]``, turns with
  that value per 100 applicable turns (for example the rate of *strong* resistance);
* session-level ordinal, interval, ratio: the rating itself (``KEY``; ordinal as position).
  Session-level binary and nominal codes are categories, not scores: their agreement is in
  ``socialcoder reliability`` (alpha, kappa).

The statistics are in :mod:`socialcoder.reliability.sessions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from socialcoder.domain import coder_kinds
from socialcoder.domain.codebook import Dimension, Scale, Unit
from socialcoder.domain.serial import record
from socialcoder.errors import NotFound, StudyError, UserError
from socialcoder.export.tables import build_sessions, coded_units
from socialcoder.reliability.sessions import (
    ChangeReliability,
    ScoreReliability,
    change_reliability,
    estimate_json,
    score_reliability,
)
from socialcoder.services.exporting import load_study_data
from socialcoder.services.study import CONSENSUS, Study
from socialcoder.storage.models import CoderRow

SCORED_SESSION_SCALES = (Scale.ORDINAL, Scale.INTERVAL, Scale.RATIO)
CHANGE_METHOD = (
    "R_C of Cranford et al. (2006): within-patient session component / (within-patient + "
    "coder + residual), Henderson Method III components of patients x sessions x coders"
)


@dataclass(frozen=True, slots=True)
class Measure:
    """One session-level score: a column of the sessions export (or a per-value rate)."""

    name: str
    dimension: str
    kind: str  # "rate", "value_rate", "mean" or "rating"
    value: str | None
    label: str


@dataclass(frozen=True, slots=True)
class MeasureResult:
    measure: Measure
    score: ScoreReliability
    change: ChangeReliability

    def session_json(self) -> dict[str, Any]:
        m, s = self.measure, self.score
        icc, g = estimate_json(s.icc), estimate_json(s.g)
        comps = g["components"]
        return {
            "measure": m.name,
            "dimension": m.dimension,
            "kind": m.kind,
            "value": m.value,
            "label": m.label,
            "n_sessions": s.n_sessions,
            "n_double_coded": s.n_double_coded,
            "raters_per_session": s.raters_per_session,
            "coders": list(s.coders),
            "design": None if s.n_double_coded == 0 else _design(s),
            "icc_a1": icc["value"],
            "icc_ci95": icc["ci95"],
            "icc_sessions": s.icc_sessions,
            "icc_coders": list(s.icc_coders),
            "icc_reason": s.icc_reason,
            "g_qk": g["value"],
            "g_ci95": g["ci95"],
            "q": 1.0,
            "k": 1,
            "components": None
            if comps is None
            else {
                "session": comps["target"],
                "coder": comps["coder"],
                "residual": comps["residual"],
            },
            "method": s.method,
            "reason": s.g_reason,
            "notes": list(s.notes),
        }

    def change_json(self) -> dict[str, Any]:
        c = self.change
        est = estimate_json(c.estimate)
        comps = est["components"]
        return {
            "measure": self.measure.name,
            "n_patients": c.n_patients,
            "n_sessions": c.n_sessions,
            "r_change": est["value"],
            "r_change_ci95": est["ci95"],
            "components": None
            if comps is None
            else {
                "within_patient": comps["target"],
                "coder": comps["coder"],
                "residual": comps["residual"],
            },
            "method": CHANGE_METHOD if c.estimate is not None else None,
            "reason": c.reason,
            "notes": list(c.notes),
        }


def _design(s: ScoreReliability) -> str:
    return "fully crossed" if s.fully_crossed else "incomplete"


@dataclass(frozen=True, slots=True)
class SessionReliabilityReport:
    study: str
    codebook_version: str
    computed_at: datetime
    selection: dict[str, list[str] | None]
    coders: tuple[str, ...]
    completed_pairs: int
    incomplete_pairs: int
    results: list[MeasureResult] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return record(
            self,
            (
                "study",
                "codebook_version",
                "computed_at",
                "selection",
                "coders",
                "completed_pairs",
                "incomplete_pairs",
                "session_reliability",
                "within_change_reliability",
                "skipped",
            ),
            values={
                "session_reliability": [r.session_json() for r in self.results],
                "within_change_reliability": [r.change_json() for r in self.results],
            },
            timespec="seconds",
        )


def _coders(study: Study, names: Sequence[str] | None) -> tuple[str, ...]:
    with study.read() as session:
        rows = session.execute(select(CoderRow.name, CoderRow.kind).order_by(CoderRow.name)).all()
    coders = [name for name, kind in rows if coder_kinds.listed_by_default(kind)]
    if names is None:
        return tuple(coders)
    if any(n.casefold() == CONSENSUS for n in names):
        raise UserError("the consensus layer is not a coder: session reliability compares coders")
    named = coders + [n for n, k in rows if coder_kinds.counts_in_reliability(k, named=True)]
    unknown = [n for n in names if n not in named]
    if unknown:
        raise StudyError(
            f"unknown coder(s) {', '.join(unknown)} (coders: {', '.join(coders) or 'none'})"
        )
    return tuple(dict.fromkeys(names))


def _measures(dim: Dimension, labels: dict[str, str]) -> list[Measure]:
    key = dim.key
    if dim.unit is Unit.SESSION:
        return [Measure(name=key, dimension=key, kind="rating", value=None, label=dim.label)]
    out = [
        Measure(
            name=f"{key}_rate",
            dimension=key,
            kind="rate",
            value=None,
            label=labels.get(f"{key}_rate", dim.label),
        )
    ]
    if dim.scale in SCORED_SESSION_SCALES:  # the export's rule for a KEY_mean column
        out.append(
            Measure(
                name=f"{key}_mean",
                dimension=key,
                kind="mean",
                value=None,
                label=labels.get(f"{key}_mean", dim.label),
            )
        )
    if dim.scale in (Scale.NOMINAL, Scale.ORDINAL) and len(dim.values) >= 2:
        for v in dim.values:
            out.append(
                Measure(
                    name=f"{key}_rate[{v.value}]",
                    dimension=key,
                    kind="value_rate",
                    value=v.value,
                    label=f"{dim.label}: turns '{v.label}' per 100 applicable turns",
                )
            )
    return out


def _value_rates(core: pd.DataFrame, dims: list[Dimension]) -> pd.DataFrame:
    """Per (transcript_id, coder): turns with each value of ``dims`` per 100 applicable turns,
    one column per measure name (``KEY_rate[VALUE]``)."""
    keys = [d.key for d in dims]
    seg = core[(core["unit"] == Unit.SEGMENT.value) & core["dimension"].isin(keys)]
    seg = seg.assign(dimension=seg["dimension"].astype(str), coder=seg["coder"].astype(str))
    turns = seg.groupby(["transcript_id", "coder", "dimension"]).size()
    coded = seg[seg["value"].notna()]
    counts = coded.groupby(["transcript_id", "coder", "dimension", "value"]).size()
    columns: dict[str, pd.Series] = {}
    for d in dims:
        if d.key not in turns.index.get_level_values("dimension"):
            continue
        base = turns.xs(d.key, level="dimension")
        for v in d.value_texts:
            try:
                n = counts.xs((d.key, v), level=("dimension", "value"))
            except KeyError:
                n = pd.Series(dtype=float)
            n = n.reindex(base.index).fillna(0)
            columns[f"{d.key}_rate[{v}]"] = 100.0 * n / base.where(base > 0)
    return pd.DataFrame(columns)


def session_reliability_report(
    study: Study,
    *,
    dimensions: Sequence[str] | None = None,
    coders: Sequence[str] | None = None,
    transcripts: Sequence[str] | None = None,
) -> SessionReliabilityReport:
    """The reliability of every session-level score of the selected dimensions."""
    dims = [study.dimension(k).dimension for k in (dimensions or study.codebook.keys)]
    chosen = _coders(study, coders)
    data = load_study_data(study, chosen)
    names = data.transcripts.set_index("transcript_id")["transcript"]
    if transcripts is not None:
        missing = sorted(set(transcripts) - set(names))
        if missing:
            raise NotFound(
                f"no transcript(s) named {', '.join(missing)}",
                what="transcript",
                names=tuple(missing),
            )
    table = build_sessions(data)
    frame = table.frame
    labels = {c.name: c.label for c in table.columns}
    frame = frame.assign(coder=frame["coder"].astype(str))
    if transcripts is not None:
        frame = frame[frame["transcript"].isin(set(transcripts))]
    incomplete = int((~frame["completed"]).sum())
    frame = frame[frame["completed"]].reset_index(drop=True)
    per_value = [
        d
        for d in dims
        if d.unit is Unit.SEGMENT
        and d.scale in (Scale.NOMINAL, Scale.ORDINAL)
        and len(d.values) >= 2
    ]
    if per_value and len(frame):
        rates = _value_rates(coded_units(data), per_value)
        rates = rates.rename(index=names, level="transcript_id")
        rates.index = rates.index.set_names(["transcript", "coder"])
        frame = frame.join(rates, on=["transcript", "coder"])
    persons, any_known = _persons(frame)
    results: list[MeasureResult] = []
    skipped: list[dict[str, str]] = []
    for dim in dims:
        if dim.unit is Unit.SESSION and dim.scale not in SCORED_SESSION_SCALES:
            skipped.append(
                {
                    "dimension": dim.key,
                    "reason": f"a session-level {dim.scale.value} code is a category, not a "
                    "score: see its agreement in the reliability report (alpha, kappa)",
                }
            )
            continue
        for m in _measures(dim, labels):
            values = (
                frame[m.name].astype("float64").to_numpy()
                if m.name in frame
                else np.full(len(frame), np.nan)
            )
            sessions = frame["transcript"].to_numpy()
            who = frame["coder"].to_numpy()
            results.append(
                MeasureResult(
                    m,
                    score_reliability(sessions, who, values),
                    _change(persons, any_known, sessions, who, values),
                )
            )
    return SessionReliabilityReport(
        study=study.name,
        codebook_version=study.codebook.version,
        computed_at=datetime.now(UTC),
        selection={
            "dimensions": list(dimensions) if dimensions else None,
            "coders": list(coders) if coders else None,
            "transcripts": list(transcripts) if transcripts else None,
        },
        coders=chosen,
        completed_pairs=len(frame),
        incomplete_pairs=incomplete,
        results=results,
        skipped=skipped,
    )


def _persons(frame: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """The patient of each row, and whether any row has one; a session without a recorded
    participant is its own patient (it then adds nothing to the within-patient estimate)."""
    participant = frame["participant"].astype("object")
    known = (participant.notna() & (participant.astype(str).str.strip() != "")).to_numpy()
    text = participant.astype(str).to_numpy(dtype=object)
    own = frame["transcript"].astype(str).to_numpy(dtype=object)
    out = np.where(known, "p:" + text, "t:" + own)
    return out.astype(object), bool(known.any())


def _change(
    persons: np.ndarray, any_known: bool, sessions: np.ndarray, who: np.ndarray, values: np.ndarray
) -> ChangeReliability:
    if not any_known and len(values):
        return ChangeReliability(
            0, 0, None, "no session has a participant recorded (the manifest's participant column)"
        )
    return change_reliability(persons, sessions, who, values)
