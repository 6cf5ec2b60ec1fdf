"""Within and between patients: the lagged design of Falkenström et al. (2013).

Input: one row per session with ``participant``, ``session`` (number), optionally
``therapist``, and the outcome, predictor and (optional) control columns - a
:class:`~socialcoder.analysis.inputs.SessionTable` frame or any such DataFrame.

The model, fitted with statsmodels ``MixedLM`` (REML)::

    outcome[t+1] = intercept + b_w * predictor_within[t] + b_b * predictor_between
                   + b_c * control[t] + u_patient (+ u_therapist) (+ v_patient * predictor_within[t])
                   + e

* Pairs ``(t, t+1)`` are formed only where session ``t + 1`` of the same patient exists:
  a gap in the session numbers breaks the chain, and no pair crosses patients.
* ``predictor_between`` is the patient's mean of the predictor over all their sessions with
  a predictor value; ``predictor_within`` is the session's deviation from it - or, with
  ``detrend=True``, the residual of the patient's own linear trend of the predictor over
  session numbers (Wang & Maxwell 2015; patients with fewer than 3 predictor values then
  have no within values and are left out).
  The patient mean is an observed mean: with few sessions per patient its sampling error
  pulls the between estimate towards the within one (Lüdtke et al. 2008); a latent
  decomposition (e.g. Mplus ``TWOLEVEL`` with the raw predictor on both levels) avoids that.
* ``control`` is the outcome at session ``t`` (Falkenström et al. 2013) unless another
  column is named.
* A random intercept per patient; ``random_slope=True`` adds a random slope of
  ``predictor_within``; ``therapist=True`` adds a random intercept per therapist with patients
  nested in therapists.
* Estimates, standard errors, 95% Wald intervals and p (z) come from statsmodels; lme4 with
  lmerTest would give Satterthwaite t tests instead (see :mod:`socialcoder.analysis.rscript`).

Refusals: :class:`~socialcoder.analysis.errors.TooFewUnitsError` when fewer than
``min_participants`` patients have at least ``min_pairs`` consecutive-session pairs, and
:class:`~socialcoder.analysis.errors.ConstantVariableError` when a term does not vary.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.analysis._common import Interval, as_list, interval, num
from socialcoder.analysis.errors import (
    AnalysisInputError,
    ConstantVariableError,
    TooFewUnitsError,
)
from socialcoder.analysis.inputs import require_columns

TERMS = ("predictor_within", "predictor_between", "control", "intercept")
MIN_PARTICIPANTS = 5
MIN_PAIRS = 2
#: Detrending needs this many predictor values per patient.
MIN_DETREND_POINTS = 3

DYNAMIC_PANEL_NOTE = (
    "The control is the outcome at the previous session and the model has a random "
    "intercept per patient. A lagged outcome is correlated with that patient's intercept, "
    "so its coefficient is biased (dynamic-panel or Nickell bias; largest with few sessions "
    "per patient), and the bias can carry over to the predictor terms (Falkenström, Finkel, "
    "Sandell, Rubel & Holmqvist 2017). Compare with the random-intercept cross-lagged panel "
    "model in the R script written for this data set, or fit without the control."
)


@dataclass(frozen=True, slots=True)
class FixedEffect:
    term: str
    estimate: float | None
    se: float | None
    ci95: Interval | None
    p: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "estimate": self.estimate,
            "se": self.se,
            "ci95": as_list(self.ci95),
            "p": self.p,
        }


@dataclass(frozen=True, slots=True)
class LaggedSpec:
    """What was fitted (also what the R script and the Mplus skeleton re-fit)."""

    outcome: str
    predictor: str
    control: str
    detrend: bool = False
    random_slope: bool = False
    therapist: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "predictor": self.predictor,
            "control": self.control,
            "detrend": self.detrend,
            "random_slope": self.random_slope,
            "therapist_level": self.therapist,
        }


@dataclass(frozen=True, slots=True)
class LaggedResult:
    """The fitted model; ``data`` is the analysis data set (one row per pair ``t -> t+1``):
    participant, therapist, session, session_next, outcome, outcome_next, predictor,
    predictor_within, predictor_between, control."""

    spec: LaggedSpec
    n_observations: int
    n_participants: int
    n_therapists: int | None
    converged: bool
    fixed_effects: tuple[FixedEffect, ...]
    random_effects: dict[str, float | None]
    data: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
    dynamic_panel_note: str = DYNAMIC_PANEL_NOTE

    def effect(self, term: str) -> FixedEffect:
        for fe in self.fixed_effects:
            if fe.term == term:
                return fe
        raise KeyError(term)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.spec.to_dict(),
            "n_observations": self.n_observations,
            "n_participants": self.n_participants,
            "n_therapists": self.n_therapists,
            "converged": self.converged,
            "estimation": "REML (statsmodels MixedLM); Wald z intervals and p",
            "fixed_effects": [fe.to_dict() for fe in self.fixed_effects],
            "random_effects": dict(self.random_effects),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "dynamic_panel_note": self.dynamic_panel_note,
        }


def _detrended(d: pd.DataFrame, predictor: str) -> tuple[pd.Series, list[str]]:
    """Per patient, the residual of ``predictor ~ session`` (NaN for patients with fewer
    than :data:`MIN_DETREND_POINTS` values)."""
    out = pd.Series(np.nan, index=d.index)
    short = []
    for pid, part in d.dropna(subset=[predictor]).groupby("participant", sort=False):
        s = part["session"].to_numpy(dtype=float)
        y = part[predictor].to_numpy(dtype=float)
        if len(part) < MIN_DETREND_POINTS or np.ptp(s) == 0:
            short.append(str(pid))
            continue
        slope, icept = np.polyfit(s, y, 1)
        out.loc[part.index] = y - (icept + slope * s)
    notes = []
    if short:
        notes.append(
            f"detrending needs {MIN_DETREND_POINTS} predictor values per patient; left out: "
            + ", ".join(short)
        )
    return out, notes


def lagged_data(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    *,
    control: str | None = None,
    detrend: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """The analysis data set (see :class:`LaggedResult`) and notes on what was left out."""
    require_columns(frame, ["participant", "session", outcome, predictor], table="sessions")
    control_col = control or outcome
    require_columns(frame, [control_col], table="sessions")
    cols = ["participant", "session", outcome, predictor, control_col]
    if "therapist" in frame.columns:
        cols.append("therapist")
    d = frame.loc[frame["session"].notna(), list(dict.fromkeys(cols))].copy()
    if "therapist" not in d.columns:
        d["therapist"] = pd.NA
    d["session"] = d["session"].astype("int64")
    dup = d.duplicated(["participant", "session"])
    if dup.any():
        row = d[dup].iloc[0]
        raise AnalysisInputError(
            f"participant {row['participant']!r} has session {row['session']} more than once "
            "(choose one coder or layer)"
        )
    d = d.reset_index(drop=True)
    notes: list[str] = []
    values = d.dropna(subset=[predictor])
    d["predictor_between"] = d["participant"].map(values.groupby("participant")[predictor].mean())
    if detrend:
        d["predictor_within"], more = _detrended(d, predictor)
        notes += more
    else:
        d["predictor_within"] = d[predictor] - d["predictor_between"]
    nxt = d[["participant", "session", outcome]].rename(
        columns={"session": "session_next", outcome: "outcome_next"}
    )
    d["session_next"] = d["session"] + 1
    pairs = d.merge(nxt, on=["participant", "session_next"], how="inner")
    pairs = pairs.assign(
        outcome=pairs[outcome], predictor=pairs[predictor], control=pairs[control_col]
    )
    keep = ["outcome_next", "predictor_within", "predictor_between", "control"]
    complete = pairs.dropna(subset=keep)
    if len(complete) < len(pairs):
        notes.append(
            f"{len(pairs) - len(complete)} consecutive-session pairs left out for a missing "
            "outcome, predictor or control"
        )
    columns = [
        "participant",
        "therapist",
        "session",
        "session_next",
        "outcome",
        "outcome_next",
        "predictor",
        "predictor_within",
        "predictor_between",
        "control",
    ]
    out = complete[columns].sort_values(["participant", "session"]).reset_index(drop=True)
    return out, notes


def _check(data: pd.DataFrame, spec: LaggedSpec, min_participants: int, min_pairs: int) -> None:
    analysis = "lagged model"
    per = data.groupby("participant").size()
    enough = int((per >= min_pairs).sum())
    if enough < min_participants:
        raise TooFewUnitsError(
            analysis,
            f"participants with at least {min_pairs} consecutive-session pairs",
            enough,
            min_participants,
            hint="pairs need session t and t+1 of the same patient with outcome and predictor",
        )
    if np.ptp(data["predictor_within"].to_numpy(dtype=float)) <= 1e-12:
        raise ConstantVariableError(analysis, f"{spec.predictor} (within patients)")
    means = data.groupby("participant")["predictor_between"].first().to_numpy(dtype=float)
    if np.ptp(means) <= 1e-12:
        raise ConstantVariableError(analysis, f"{spec.predictor} (patient means)", "patients")
    if np.ptp(data["control"].to_numpy(dtype=float)) <= 1e-12:
        raise ConstantVariableError(analysis, spec.control)
    if spec.therapist:
        if data["therapist"].isna().any():
            raise AnalysisInputError("lagged model: a therapist level needs every therapist id")
        found = int(data["therapist"].nunique())
        if found < 2:
            raise TooFewUnitsError(analysis, "therapists", found, 2)


def lagged_model(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    *,
    control: str | None = None,
    detrend: bool = False,
    random_slope: bool = False,
    therapist: bool = False,
    min_participants: int = MIN_PARTICIPANTS,
    min_pairs: int = MIN_PAIRS,
) -> LaggedResult:
    """Fit the lagged within/between model (see the module doc)."""
    import statsmodels.formula.api as smf

    spec = LaggedSpec(
        outcome=outcome,
        predictor=predictor,
        control=control or outcome,
        detrend=detrend,
        random_slope=random_slope,
        therapist=therapist,
    )
    data, notes = lagged_data(frame, outcome, predictor, control=control, detrend=detrend)
    _check(data, spec, min_participants, min_pairs)
    formula = "outcome_next ~ predictor_within + predictor_between + control"
    fit_data = data.assign(participant=data["participant"].astype(str))
    if therapist:
        fit_data["therapist"] = fit_data["therapist"].astype(str)
        vc = {"participant": "0 + C(participant)"}
        if random_slope:
            vc["within_slope"] = "0 + C(participant):predictor_within"
        model = smf.mixedlm(
            formula, fit_data, groups=fit_data["therapist"], re_formula="1", vc_formula=vc
        )
    else:
        model = smf.mixedlm(
            formula,
            fit_data,
            groups=fit_data["participant"],
            re_formula="~predictor_within" if random_slope else "1",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(reml=True)
    found_warnings = list(dict.fromkeys(str(w.message).splitlines()[0] for w in caught))
    conf = res.conf_int()
    names = {"Intercept": "intercept"}
    effects = []
    for raw in ("predictor_within", "predictor_between", "control", "Intercept"):
        effects.append(
            FixedEffect(
                term=names.get(raw, raw),
                estimate=num(res.fe_params[raw]),
                se=num(res.bse_fe[raw]),
                ci95=interval(conf.loc[raw, 0], conf.loc[raw, 1]),
                p=num(res.pvalues[raw]),
            )
        )
    cov_re = np.asarray(res.cov_re)
    random: dict[str, float | None] = {"residual_var": num(res.scale)}
    if therapist:
        random["therapist_intercept_var"] = num(cov_re[0, 0])
        vcomp = dict(zip(model.exog_vc.names, np.atleast_1d(res.vcomp), strict=False))
        random["participant_intercept_var"] = num(vcomp.get("participant"))
        if random_slope:
            random["within_slope_var"] = num(vcomp.get("within_slope"))
    else:
        random["participant_intercept_var"] = num(cov_re[0, 0])
        if random_slope:
            random["within_slope_var"] = num(cov_re[1, 1])
            random["intercept_slope_cov"] = num(cov_re[0, 1])
    converged = bool(getattr(res, "converged", False))
    if not converged:
        notes.append("the model did not converge; the estimates are not to be used")
    return LaggedResult(
        spec=spec,
        n_observations=len(data),
        n_participants=int(data["participant"].nunique()),
        n_therapists=int(data["therapist"].nunique()) if therapist else None,
        converged=converged,
        fixed_effects=tuple(effects),
        random_effects=random,
        data=data,
        notes=tuple(notes),
        warnings=tuple(found_warnings),
    )
