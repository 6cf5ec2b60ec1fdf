"""Accuracy of a coder against a standard (a gold coder): per-value sensitivity and positive
predictive value, Cohen's kappa with its large-sample interval, and a proportion's interval.

Calibration is not reliability between equals: the gold coder's value is taken as right
(Bakeman & Quera 2011, ch. 5). Inputs are two vectors of category positions (``np.nan`` =
missing), ``gold`` first; only units both coded count.

* **Sensitivity** of value ``v``: of the units the gold coder gave ``v``, the share the trainee
  gave ``v`` too. **Positive predictive value**: of the units the trainee gave ``v``, the share
  the gold coder gave ``v``. ``None`` when the denominator is 0 (sensitivity of a value the
  material does not contain cannot be assessed).
* **Kappa interval**: ``kappa +- z * se`` with the large-sample variance of Fleiss, Cohen &
  Everitt (1969), for unweighted or weighted kappa (agreement weights ``w = 1 - d``):
  ``var = [sum_ij p_ij (w_ij - (wbar_i. + wbar_.j)(1 - k))^2 - (k - p_e (1 - k))^2]
  / (n (1 - p_e)^2)``, with ``wbar_i. = sum_j p_.j w_ij`` and ``wbar_.j = sum_i p_i. w_ij``;
  clipped to [-1, 1].
* **Wilson interval** of a proportion (Wilson 1927), for the share of session ratings within
  tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

from socialcoder.reliability.kappa import Weights


@dataclass(frozen=True, slots=True)
class ValueAccuracy:
    """One value: how often gold and trainee used it (on units both coded) and agreed on it."""

    position: int
    gold: int
    trainee: int
    both: int

    @property
    def sensitivity(self) -> float | None:
        return self.both / self.gold if self.gold else None

    @property
    def ppv(self) -> float | None:
        return self.both / self.trainee if self.trainee else None


def _pair(gold: ArrayLike, trainee: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    g = np.asarray(gold, dtype=np.float64)
    t = np.asarray(trainee, dtype=np.float64)
    both = ~np.isnan(g) & ~np.isnan(t)
    return g[both].astype(np.int64), t[both].astype(np.int64)


def value_accuracy(gold: ArrayLike, trainee: ArrayLike, n_categories: int) -> list[ValueAccuracy]:
    """Sensitivity and PPV counts for every category position ``0 .. n_categories-1``."""
    g, t = _pair(gold, trainee)
    return [
        ValueAccuracy(v, int((g == v).sum()), int((t == v).sum()), int(((g == v) & (t == v)).sum()))
        for v in range(n_categories)
    ]


@dataclass(frozen=True, slots=True)
class KappaInterval:
    kappa: float | None
    low: float | None
    high: float | None
    se: float | None
    units: int
    reason: str | None = None


def kappa_interval(
    gold: ArrayLike,
    trainee: ArrayLike,
    n_categories: int,
    *,
    weights: Weights | None = None,
    confidence: float = 0.95,
) -> KappaInterval:
    """Cohen's kappa (linear or quadratic weights, or none) with its large-sample interval."""
    g, t = _pair(gold, trainee)
    n = len(g)
    k = n_categories
    if n == 0:
        return KappaInterval(
            kappa=None, low=None, high=None, se=None, units=0, reason="no unit was coded by both"
        )
    table = np.bincount(g * k + t, minlength=k * k).reshape(k, k) / n
    index = np.arange(k, dtype=np.float64)
    gap = np.abs(index[:, None] - index[None, :]) / max(k - 1, 1)
    if weights is None:
        w = np.eye(k)
    elif weights == "linear":
        w = 1.0 - gap
    else:
        w = 1.0 - gap**2
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    p_o = float((table * w).sum())
    p_e = float((np.outer(rows, cols) * w).sum())
    if p_e >= 1.0 - 1e-12:
        return KappaInterval(
            kappa=None,
            low=None,
            high=None,
            se=None,
            units=n,
            reason="gold and trainee used one and the same value only",
        )
    kappa = (p_o - p_e) / (1.0 - p_e)
    w_row = w @ cols  # wbar_i.
    w_col = rows @ w  # wbar_.j
    term = (table * (w - (w_row[:, None] + w_col[None, :]) * (1.0 - kappa)) ** 2).sum()
    variance = (term - (kappa - p_e * (1.0 - kappa)) ** 2) / (n * (1.0 - p_e) ** 2)
    se = math.sqrt(max(float(variance), 0.0))
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    return KappaInterval(
        kappa=kappa, low=max(-1.0, kappa - z * se), high=min(1.0, kappa + z * se), se=se, units=n
    )


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson's score interval for a proportion ``successes / n`` (``None`` when ``n == 0``)."""
    if n <= 0:
        return None
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)
