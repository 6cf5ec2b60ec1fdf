"""How well machine codes agree with human codes, with the project's own statistics.

Inputs: the evaluated unit ``rows``, the machine's value position for each (``machine``) and
the probability it reported, and the human codes of those rows (``row``, ``coder``, ``value``;
consensus and machine codes excluded by the caller). Values are positions in the dimension's
codebook order; the reliability functions see :attr:`DimensionSpec.numbers`.

* The **reference human** of a unit is its first human coder in name order: alpha(machine,
  human) compares the machine with one human per unit, never with a consensus it may have
  been trained on.
* **alpha(human, human)** is Krippendorff's alpha of all human coders on the units that two or
  more of them coded (the overlap); the machine's alpha on the same units is given beside it.
* **By coder**: alpha(machine, that coder) over the units the coder coded.
* **Per value**: precision, recall and F1 of the machine against the reference human, and
  specific agreement (:func:`socialcoder.reliability.specific.specific_agreement`) over every
  machine-human pair of codes (the same as F1 when each unit has one human coder).
* **Calibration error**: expected calibration error of the reported probability against the
  reference human's value (10 equal-width bins).
* **Session rates**: per transcript with at least ``min_units`` evaluated units, the share of
  units with each value (per 100 turns) by the machine and by the reference human; their
  agreement across sessions is McGraw & Wong's ICC(A,1) (two-way, absolute agreement, single
  measures: :func:`socialcoder.reliability.sessions.icc_a1`) with its 95% interval, and
  Pearson's r (consistency only, beside it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.machine.data import DimensionSpec
from socialcoder.reliability import krippendorff_alpha
from socialcoder.reliability.specific import specific_agreement

NO_OVERLAP = "no evaluated turn was coded by two or more human coders"
ICC_NAME = "ICC(A,1): two-way, absolute agreement, single measures (McGraw & Wong 1996)"
MIN_SESSIONS = 3
BINS = 10


def _round(x: float | None) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True, slots=True)
class ValueAgreement:
    precision: float | None
    recall: float | None
    f1: float | None
    specific_agreement: float | None
    human: int
    machine: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "specific_agreement": self.specific_agreement,
            "human": self.human,
            "machine": self.machine,
        }


@dataclass(frozen=True, slots=True)
class Agreement:
    """Machine-human and human-human agreement on one set of units (see the module doc)."""

    units: int
    alpha_machine_human: float | None
    alpha_machine_human_reason: str | None
    percent_agreement: float | None
    alpha_human_human: float | None
    alpha_human_human_reason: str | None
    overlap_units: int
    alpha_machine_human_overlap: float | None
    by_coder: dict[str, dict[str, Any]]
    per_value: dict[str, ValueAgreement]
    calibration_error: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "alpha_machine_human": self.alpha_machine_human,
            "alpha_machine_human_reason": self.alpha_machine_human_reason,
            "percent_agreement": self.percent_agreement,
            "alpha_human_human": self.alpha_human_human,
            "alpha_human_human_reason": self.alpha_human_human_reason,
            "overlap": {
                "units": self.overlap_units,
                "alpha_human_human": self.alpha_human_human,
                "alpha_machine_human": self.alpha_machine_human_overlap,
            },
            "by_coder": {c: dict(v) for c, v in self.by_coder.items()},
            "per_value": {v: s.to_dict() for v, s in self.per_value.items()},
            "calibration_error": self.calibration_error,
        }


def reference_values(rows: np.ndarray, humans: pd.DataFrame) -> np.ndarray:
    """The reference human's value position for each of ``rows`` (first coder by name)."""
    first = humans.sort_values(["row", "coder"], kind="stable").drop_duplicates("row")
    return first.set_index("row")["value"].reindex(rows).to_numpy(np.int64)


def _alpha(
    first: np.ndarray, second: np.ndarray, spec: DimensionSpec
) -> tuple[float | None, str | None]:
    numbers = np.asarray(spec.numbers)
    if first.size == 0:
        return None, "no units"
    result = krippendorff_alpha(np.vstack([numbers[first], numbers[second]]), spec.level)
    return result.alpha, result.reason


def _per_value(
    machine: np.ndarray,
    reference: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray],
    spec: DimensionSpec,
) -> dict[str, ValueAgreement]:
    k = len(spec.values)
    matrix = np.vstack(pairs).astype(np.float64)
    specific = specific_agreement(matrix, n_categories=k) if matrix.shape[1] else [None] * k
    out = {}
    for j, value in enumerate(spec.values):
        both = int(((machine == j) & (reference == j)).sum())
        said = int((machine == j).sum())
        truth = int((reference == j).sum())
        precision = both / said if said else None
        recall = both / truth if truth else None
        f1 = 2 * both / (said + truth) if said + truth else None
        out[value] = ValueAgreement(
            precision=precision,
            recall=recall,
            f1=f1,
            specific_agreement=_round(specific[j]),
            human=truth,
            machine=said,
        )
    return out


def calibration_error(probability: np.ndarray, correct: np.ndarray) -> float | None:
    """Expected calibration error of the reported probabilities (equal-width bins)."""
    if probability.size == 0:
        return None
    bins = np.minimum((probability * BINS).astype(np.int64), BINS - 1)
    total = 0.0
    for b in np.unique(bins):
        inside = bins == b
        total += inside.sum() * abs(correct[inside].mean() - probability[inside].mean())
    return float(total / probability.size)


def agreement(
    rows: np.ndarray,
    machine: np.ndarray,
    probability: np.ndarray,
    humans: pd.DataFrame,
    spec: DimensionSpec,
) -> Agreement:
    """Agreement figures on unit ``rows`` (sorted, each with a human code)."""
    humans = humans[humans["row"].isin(rows)]
    reference = reference_values(rows, humans)
    alpha_mh, reason_mh = _alpha(machine, reference, spec)
    position = pd.Series(np.arange(rows.size), index=rows)
    at = position.reindex(humans["row"].to_numpy()).to_numpy()
    per_row = np.bincount(at, minlength=rows.size) if rows.size else np.zeros(0, dtype=np.int64)
    overlap = per_row >= 2
    if overlap.any():
        multi = humans[np.isin(humans["row"].to_numpy(), rows[overlap])]
        wide = multi.pivot(index="coder", columns="row", values="value")
        numbers = np.asarray(spec.numbers)
        table = wide.to_numpy(dtype=np.float64)
        filled = np.where(np.isnan(table), np.nan, numbers[np.nan_to_num(table).astype(np.int64)])
        result = krippendorff_alpha(filled, spec.level)
        alpha_hh, reason_hh = result.alpha, result.reason
        alpha_overlap, _ = _alpha(machine[overlap], reference[overlap], spec)
    else:
        alpha_hh, reason_hh, alpha_overlap = None, NO_OVERLAP, None
    by_coder: dict[str, dict[str, Any]] = {}
    for coder, part in humans.groupby("coder", sort=True):
        idx = position.reindex(part["row"].to_numpy()).to_numpy()
        value, reason = _alpha(machine[idx], part["value"].to_numpy(np.int64), spec)
        by_coder[str(coder)] = {"alpha": value, "reason": reason, "units": int(idx.size)}
    pairs = (machine[at], humans["value"].to_numpy(np.int64))
    correct = (machine == reference).astype(np.float64)
    return Agreement(
        units=int(rows.size),
        alpha_machine_human=_round(alpha_mh),
        alpha_machine_human_reason=reason_mh,
        percent_agreement=float(correct.mean()) if rows.size else None,
        alpha_human_human=_round(alpha_hh),
        alpha_human_human_reason=reason_hh,
        overlap_units=int(overlap.sum()),
        alpha_machine_human_overlap=_round(alpha_overlap),
        by_coder=by_coder,
        per_value=_per_value(machine, reference, pairs, spec),
        calibration_error=calibration_error(probability, correct),
    )


@dataclass(frozen=True, slots=True)
class RateAgreement:
    """Agreement of per-session rates of one value (see the module doc)."""

    sessions: int
    icc_a1: float | None
    icc_ci95: tuple[float, float] | None
    pearson_r: float | None
    machine_mean_rate: float | None
    human_mean_rate: float | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "icc_a1": self.icc_a1,
            "icc_ci95": None if self.icc_ci95 is None else list(self.icc_ci95),
            "pearson_r": self.pearson_r,
            "machine_mean_rate": self.machine_mean_rate,
            "human_mean_rate": self.human_mean_rate,
            "notes": list(self.notes),
        }


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < MIN_SESSIONS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def session_rates(
    sessions: np.ndarray,
    machine: np.ndarray,
    reference: np.ndarray,
    spec: DimensionSpec,
    min_units: int,
) -> dict[str, RateAgreement]:
    """Per value, agreement of machine and human rates over sessions (``sessions`` gives each
    evaluated unit's transcript number)."""
    from socialcoder.reliability.sessions import Undefined, icc_a1  # imports scipy.stats

    labels, inverse, counts = np.unique(sessions, return_inverse=True, return_counts=True)
    keep = counts >= min_units
    out = {}
    for j, value in enumerate(spec.values):
        m = np.bincount(inverse, weights=(machine == j).astype(float), minlength=labels.size)
        h = np.bincount(inverse, weights=(reference == j).astype(float), minlength=labels.size)
        m_rate = 100.0 * m[keep] / counts[keep]
        h_rate = 100.0 * h[keep] / counts[keep]
        n = int(keep.sum())
        notes: list[str] = []
        icc: float | None = None
        ci: tuple[float, float] | None = None
        if n < MIN_SESSIONS:
            notes.append(
                f"{n} session(s) with at least {min_units} evaluated turns; {MIN_SESSIONS} needed"
            )
        else:
            try:
                estimate = icc_a1(np.column_stack([m_rate, h_rate]))
                icc, ci = float(estimate.value), estimate.ci95
                notes.extend(estimate.notes)
            except Undefined as exc:
                notes.append(str(exc))
        out[value] = RateAgreement(
            sessions=n,
            icc_a1=icc,
            icc_ci95=ci,
            pearson_r=_pearson(m_rate, h_rate),
            machine_mean_rate=float(m_rate.mean()) if n else None,
            human_mean_rate=float(h_rate.mean()) if n else None,
            notes=tuple(notes),
        )
    return out
