"""The analyses of a study (``socialcoder analyze``, Lead > Analysis): the study's coded
data, in the shapes :mod:`socialcoder.analysis` reads, and the files a reviewer reruns.

* :func:`load_inputs` picks the codes (``--codes``): ``final`` (the default: the consensus
  value where one was settled, otherwise the primary coder's; the coder behind each value is
  kept), ``consensus``, one coder's name, or ``mean`` (per session, the mean of the coders'
  scores; session tables only). Only completed transcripts are used (the analysis package
  drops the rest and counts them); turns count only for the roles a dimension applies to
  (the export tables hold applicable turns only), and an uncoded turn of a completed
  transcript holds the dimension's empty value as the export tables give it (the completion
  rule, :mod:`socialcoder.domain.rules`: never applied again here); the session measures of
  ``measures import`` are joined by participant and session number.
* :func:`run_correlations`, :func:`run_lagged`, :func:`run_sequential` run one analysis and
  return its result with the data it was computed on.
* The files a reviewer reruns a run from are written by
  :func:`socialcoder.services.analysis_files.write_analysis_files`.

These are lead's analyses: a coder's login is refused (it sees only its own codes, and in a
blinded study the participant and session numbers the analyses rest on are hidden from it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select

from socialcoder.analysis import (
    AnalysisInputError,
    CorrelationResult,
    CountModelResult,
    LaggedResult,
    SequentialResult,
    SessionTable,
    TooFewUnitsError,
    correlations,
    count_model,
    lagged_model,
    sequential,
    sequential_matrix,
    session_table,
    turns_from_long,
)
from socialcoder.analysis.counts import FAMILIES as COUNT_FAMILIES
from socialcoder.domain.coder_kinds import CoderKind
from socialcoder.domain.final import FINAL, FinalCounts
from socialcoder.errors import Input, Remedy, StudyError, UserError
from socialcoder.services.exporting import build_export_table
from socialcoder.services.measures import read_measures
from socialcoder.services.predictor_reliability import (
    PredictorReliability,
    predictor_reliability,
    reliability_json,
)
from socialcoder.services.study import CONSENSUS, Study
from socialcoder.storage.models import CoderRow

MEAN = "mean"
DEFAULT_CODES = FINAL
ANALYSES = ("correlations", "lagged", "sequential")
#: Correlations need at least this many sessions.
MIN_SESSIONS = 3


@dataclass(frozen=True, slots=True)
class AnalysisInputs:
    """The chosen codes of a study: the ``sessions`` table (one row per transcript; for
    ``mean``, the rows of every coder), the ``long`` table (None for ``mean``), the layer's
    name, the coder behind each session's values, and the measure columns."""

    study: str
    codes: str
    sessions: pd.DataFrame
    long: pd.DataFrame | None
    measures: tuple[str, ...]
    coder_behind: dict[str, str]
    codebook: Any
    final_counts: FinalCounts | None = None
    coders: tuple[str, ...] = ()

    @property
    def codebook_version(self) -> str:
        return str(self.codebook.version)


def _require_lead(study: Study) -> None:
    if study.login_coder is not None:
        raise StudyError(
            "the analyses are the lead's: a coder's login sees only its own codes (and in a "
            "blinded study not the participants and sessions the analyses rest on)",
            source=study.location,
        )


def _coders(study: Study) -> list[str]:
    with study.read() as session:
        return list(
            session.scalars(
                select(CoderRow.name)
                .where(CoderRow.kind == CoderKind.HUMAN)
                .order_by(CoderRow.name)
            )
        )


def _measure_columns(study: Study, sessions: pd.DataFrame) -> tuple[str, ...]:
    """The sessions table's measure columns (a measure named like a column of the table was
    joined as ``measure_NAME``)."""
    names = [c for c in read_measures(study).columns if c not in ("participant", "session")]
    out = []
    for n in names:
        col = f"measure_{n}" if f"measure_{n}" in sessions.columns else n
        if col in sessions.columns:
            out.append(col)
    return tuple(out)


def completed_sessions(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of completed transcripts (the analyses use these only)."""
    return frame[frame["completed"].fillna(False).astype(bool)]


def load_inputs(study: Study, codes: str = DEFAULT_CODES) -> AnalysisInputs:
    """The codes an analysis reads (see the module doc); refused in one line when there is
    nothing to analyse."""
    _require_lead(study)
    codes = (codes or DEFAULT_CODES).strip()
    coders = _coders(study)
    final_counts = None
    behind: dict[str, str] = {}
    if codes == FINAL:
        from socialcoder.services.final import final_tables

        tables = final_tables(study)
        sessions, long, final_counts = tables.sessions, tables.long, tables.counts
        behind = {
            str(t): (str(s) if pd.notna(s) else "")
            for t, s in zip(sessions["transcript"], sessions["source"], strict=True)
        }
        behind = {
            t: (f"{s} + {CONSENSUS}" if s and n else (CONSENSUS if n else s))
            for (t, s), n in zip(behind.items(), sessions["from_consensus"], strict=True)
        }
    elif codes == MEAN:
        if not coders:
            raise UserError("the study has no coders: there is no mean over coders")
        sessions = build_export_table(study, "sessions", coders=coders).frame
        long = None
    else:
        if codes != CONSENSUS and codes not in coders:
            known = ", ".join([FINAL, CONSENSUS, MEAN, *coders])
            raise UserError(f"unknown codes {codes!r} (use one of: {known})")
        sessions = build_export_table(study, "sessions", coders=[codes]).frame
        long = build_export_table(study, "long", coders=[codes]).frame
        behind = {str(t): codes for t in sessions["transcript"]}
    done = completed_sessions(sessions)
    if done.empty:
        which = "the final layer" if codes == FINAL else f"codes {codes!r}"
        raise UserError(
            f"no completed transcripts for {which}: the analyses use completed transcripts only "
            "(mark transcripts complete, or choose other codes)",
            remedy=Remedy.change(Input.CODES),
        )
    if codes == MEAN:
        behind = {
            str(t): ", ".join(sorted(map(str, g["coder"])))
            for t, g in done.groupby("transcript", sort=False)
        }
    info = study.info()
    return AnalysisInputs(
        study=info.name,
        codes=codes,
        sessions=sessions,
        long=long,
        measures=_measure_columns(study, sessions),
        coder_behind=behind,
        codebook=study.codebook,
        final_counts=final_counts,
        coders=tuple(coders),
    )


def build_session_table(inputs: AnalysisInputs, rate: str = "per100") -> SessionTable:
    """The session table of the chosen codes; for ``mean``, each coder's table averaged per
    session over the coders who completed it."""
    if inputs.codes != MEAN:
        return session_table(
            inputs.sessions,
            inputs.codebook,
            long=inputs.long,
            rate=rate,
            coder=inputs.codes,
            measures=inputs.measures,
        )
    tables = []
    excluded = 0
    for coder in sorted(set(map(str, inputs.sessions["coder"]))):
        rows = inputs.sessions[inputs.sessions["coder"].astype(str) == coder]
        if not rows["completed"].fillna(False).astype(bool).any():
            excluded += len(rows)
            continue
        t = session_table(rows, inputs.codebook, rate=rate, coder=coder, measures=inputs.measures)
        excluded += t.excluded_incomplete
        tables.append(t)
    frame = pd.concat([t.frame for t in tables], ignore_index=True)
    meta = ["transcript", "participant", "therapist", "session"]
    numeric = [c for c in frame.columns if c not in meta]
    mean = frame.groupby("transcript", sort=False)[numeric].mean()
    first = frame.groupby("transcript", sort=False)[meta[1:]].first()
    out = pd.concat([first, mean], axis=1).reset_index()[list(frame.columns)]
    out = out.sort_values(["participant", "session", "transcript"], kind="stable")
    notes = (*tables[0].notes, "code rates and ratings are means over the coders of a session")
    return SessionTable(
        frame=out.reset_index(drop=True),
        variables=tables[0].variables,
        rate=rate,
        excluded_incomplete=excluded,
        notes=tuple(notes),
    )


def _named(table: SessionTable, names: Sequence[str], what: str) -> list[str]:
    out = []
    for n in names:
        table.variable(n)  # unknown: one line naming the table's variables
        out.append(n)
    if not out:
        raise UserError(f"no {what} variables named")
    return out


@dataclass(frozen=True, slots=True)
class CountFit:
    """The count model of one pair's code rate (y) on its x, or why it was not fitted."""

    x: str
    y: str
    result: CountModelResult | None
    refusal: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"x": self.x, "y": self.y}
        if self.result is None:
            return out | {"model": None, "refusal": self.refusal}
        return out | {"model": self.result.to_dict(), "refusal": None}


@dataclass(frozen=True, slots=True)
class CorrelationRun:
    inputs: AnalysisInputs
    table: SessionTable
    result: CorrelationResult
    #: ``family`` of the count models (``--count-model``), or None when none were asked for.
    count_family: str | None = None
    count_models: tuple[CountFit, ...] = ()
    reliability: tuple[PredictorReliability, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {**self.result.to_dict(), **_layer(self.inputs)}
        if self.count_family is not None:
            out["count_model"] = {
                "family": self.count_family,
                "fits": [c.to_dict() for c in self.count_models],
            }
        out["reliability"] = reliability_json(self.reliability)
        return out


def _count_models(
    table: SessionTable, pairs: Sequence[tuple[str, str]], family: str
) -> list[CountFit]:
    """Per pair whose y is a code rate: the count of y's turns on x, the applicable turns as
    exposure (Atkins et al. 2013); a pair that cannot be fitted keeps its one-line reason."""
    from socialcoder.analysis.inputs import CODE_RATE

    fits = []
    for x, y in pairs:
        if table.variable(y).kind != CODE_RATE:
            fits.append(CountFit(x, y, None, f"{y} is not a code rate"))
            continue
        try:
            fits.append(CountFit(x, y, count_model(table, y, [x], family=family)))
        except AnalysisInputError as e:
            fits.append(CountFit(x, y, None, str(e)))
    return fits


def _layer(inputs: AnalysisInputs) -> dict[str, Any]:
    out: dict[str, Any] = {"codes": inputs.codes, "codebook_version": inputs.codebook_version}
    if inputs.final_counts is not None:
        out["final_counts"] = inputs.final_counts.to_json()
    return out


def run_correlations(
    study: Study,
    *,
    codes: str = DEFAULT_CODES,
    rate: str = "per100",
    x: Sequence[str] = (),
    y: Sequence[str] = (),
    n_boot: int = 2000,
    seed: int | None = 1,
    count_family: str | None = None,
) -> CorrelationRun:
    """Session correlations (pooled, between, within) of every ``x`` with every ``y``
    (default: every session rating and measure against every code rate). With
    ``count_family`` (``negbin`` or ``poisson``) also, per pair, the count model of the code
    rate y on x with the applicable turns as exposure (:func:`count_model`; for rare codes)."""
    if count_family is not None and count_family not in COUNT_FAMILIES:
        raise UserError(
            f"unknown count model {count_family!r} (use one of: {', '.join(COUNT_FAMILIES)})"
        )
    inputs = load_inputs(study, codes)
    table = build_session_table(inputs, rate)
    if len(table.frame) < MIN_SESSIONS:
        raise TooFewUnitsError("correlations", "completed sessions", len(table.frame), MIN_SESSIONS)
    pairs = None
    if x or y:
        from socialcoder.analysis import default_pairs

        defaults = default_pairs(table)
        xs = _named(table, x, "x") if x else list(dict.fromkeys(p[0] for p in defaults))
        ys = _named(table, y, "y") if y else list(dict.fromkeys(p[1] for p in defaults))
        pairs = [(a, b) for a in xs for b in ys if a != b]
    result = correlations(table, pairs, n_boot=n_boot, seed=seed)
    used = [(p.x, "x") for p in result.pairs] + [(p.y, "y") for p in result.pairs]
    reliability = predictor_reliability(study, table, used, codes=inputs.codes)
    if count_family is None:
        return CorrelationRun(inputs, table, result, reliability=reliability)
    shown = [(p.x, p.y) for p in result.pairs]
    fits = _count_models(table, shown, count_family)
    return CorrelationRun(
        inputs=inputs,
        table=table,
        result=result,
        count_family=count_family,
        count_models=tuple(fits),
        reliability=reliability,
    )


@dataclass(frozen=True, slots=True)
class LaggedRun:
    inputs: AnalysisInputs
    table: SessionTable
    result: LaggedResult
    reliability: tuple[PredictorReliability, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.result.to_dict(),
            **_layer(self.inputs),
            "reliability": reliability_json(self.reliability),
        }


def run_lagged(
    study: Study,
    *,
    outcome: str,
    predictor: str,
    control: str | None = None,
    codes: str = DEFAULT_CODES,
    rate: str = "per100",
    detrend: bool = False,
    random_slope: bool = False,
    therapist: bool = False,
) -> LaggedRun:
    """The lagged within/between model (Falkenström et al. 2013) on the session table."""
    inputs = load_inputs(study, codes)
    table = build_session_table(inputs, rate)
    for name in (outcome, predictor, *([control] if control else [])):
        table.variable(name)
    result = lagged_model(
        table.frame,
        outcome,
        predictor,
        control=control,
        detrend=detrend,
        random_slope=random_slope,
        therapist=therapist,
    )
    spec = result.spec
    used = [(spec.predictor, "predictor"), (spec.outcome, "outcome")]
    if spec.control:
        used.append((spec.control, "control"))
    reliability = predictor_reliability(study, table, used, codes=inputs.codes, change=True)
    return LaggedRun(inputs, table, result, reliability)


@dataclass(frozen=True, slots=True)
class SequentialRun:
    inputs: AnalysisInputs
    turns: pd.DataFrame
    result: SequentialResult

    def to_dict(self, *, per_session: bool = False) -> dict[str, Any]:
        return {**self.result.to_dict(per_session=per_session), **_layer(self.inputs)}


def _turns(inputs: AnalysisInputs) -> pd.DataFrame:
    if inputs.long is None:
        raise UserError(
            "sequential analysis reads turn-by-turn codes: the final layer's, the consensus "
            "layer's or a coder's (a mean over coders has no turn codes)",
            remedy=Remedy.change(Input.CODES),
        )
    return turns_from_long(inputs.long, coder=inputs.codes)


def run_sequential(
    study: Study,
    *,
    given: Sequence[str] = (),
    target: Sequence[str] = (),
    lag: int = 1,
    matrix: bool = False,
    given_role: str = "therapist",
    target_role: str = "patient",
    codes: str = DEFAULT_CODES,
    n_boot: int = 2000,
    seed: int | None = 1,
) -> SequentialRun:
    """2x2 lag-sequential tables of ``given`` x ``target`` codes (``ROLE:DIM[=VALUE]``), or
    with ``matrix`` every code of ``given_role``'s turns against every code of
    ``target_role``'s."""
    inputs = load_inputs(study, codes)
    turns = _turns(inputs)
    if matrix:
        if given or target:
            raise UserError(
                "the whole matrix takes every code of the two roles, so no given or target codes",
                remedy=Remedy.omit(Input.GIVEN, Input.TARGET),
            )
        result = sequential_matrix(
            turns, inputs.codebook, given_role, target_role, lag=lag, n_boot=n_boot, seed=seed
        )
    else:
        if not given or not target:
            raise UserError(
                "sequential analysis needs given and target codes (ROLE:DIM[=VALUE]), or the "
                "whole matrix",
                remedy=(Remedy.give(Input.GIVEN, Input.TARGET), Remedy.switch(Input.MATRIX)),
            )
        result = sequential(
            turns,
            list(given),
            list(target),
            lag=lag,
            codebook=inputs.codebook,
            n_boot=n_boot,
            seed=seed,
        )
    return SequentialRun(inputs, turns, result)
