"""From decision values to calibrated probabilities and to the value a machine codes.

The linear classifier gives one decision value per value of the dimension (one-vs-rest). On
decision values ``d`` that it produced for turns it did *not* learn from (inner
cross-validation within the training data):

* **Calibration** (temperature and bias, a multinomial extension of Platt scaling):
  ``p = softmax(d / T + b)``, with ``T > 0`` and ``b`` (``b[0] = 0``) minimising the weighted
  log loss plus a small ridge on ``b``. These are the probabilities the machine reports.
* **Decision offsets** ``o`` (``o[0] = 0``): the coded value is ``argmax(log p + o)``. The
  offsets maximise Krippendorff's alpha (the dimension's level, the project's own alpha)
  between the decisions and the training labels, by coordinate search over a grid. Class
  weights and calibration pull towards opposite ends (rare values over- or under-coded); the
  offsets settle where a human coder's value distribution and the machine's agree best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcoder.reliability._data import as_level
from socialcoder.reliability.alpha import alpha_from_coincidences

#: Offsets are searched on this grid, in rounds over the values.
OFFSET_GRID = np.round(np.arange(-2.0, 2.0001, 0.1), 10)
OFFSET_ROUNDS = 2
#: An offset moves off 0 only for at least this gain in alpha.
MIN_GAIN = 1e-4
BIAS_RIDGE = 1e-3


@dataclass(frozen=True, slots=True)
class Calibration:
    """``p = softmax(d / temperature + bias)``; coded value ``argmax(log p + offsets)``."""

    temperature: float
    bias: np.ndarray
    offsets: np.ndarray

    @classmethod
    def identity(cls, n_classes: int) -> Calibration:
        return cls(1.0, np.zeros(n_classes), np.zeros(n_classes))

    def log_probabilities(self, decisions: np.ndarray) -> np.ndarray:
        return log_softmax(decisions / self.temperature + self.bias)

    def decide(self, log_p: np.ndarray) -> np.ndarray:
        return np.argmax(log_p + self.offsets, axis=1)


def log_softmax(z: np.ndarray) -> np.ndarray:
    top = z.max(axis=1, keepdims=True)
    shifted = z - top
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def fit_temperature(
    decisions: np.ndarray, labels: np.ndarray, weights: np.ndarray
) -> tuple[float, np.ndarray]:
    """``T`` and ``b`` minimising the weighted log loss of ``softmax(d / T + b)``."""
    from scipy.optimize import minimize

    n, k = decisions.shape
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    w = weights / weights.sum()

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        inv_t = np.exp(-params[0])
        bias = np.concatenate(([0.0], params[1:]))
        log_p = log_softmax(decisions * inv_t + bias)
        value = -float((w * (onehot * log_p).sum(axis=1)).sum()) + BIAS_RIDGE * float(
            (bias**2).sum()
        )
        resid = (np.exp(log_p) - onehot) * w[:, None]
        grad_t = -inv_t * float((resid * decisions).sum())
        grad_b = resid.sum(axis=0) + 2.0 * BIAS_RIDGE * bias
        return value, np.concatenate(([grad_t], grad_b[1:]))

    start = np.zeros(k)
    result = minimize(
        loss, start, jac=True, method="L-BFGS-B", bounds=[(-5.0, 5.0)] + [(-10.0, 10.0)] * (k - 1)
    )
    temperature = float(np.exp(result.x[0]))
    return temperature, np.concatenate(([0.0], result.x[1:]))


def alpha_of(codes: np.ndarray, labels: np.ndarray, numbers: np.ndarray, level: str) -> float:
    """Krippendorff's alpha between two complete codings (value positions ``0..k-1``, whose
    numbers are ``numbers``), ``-1`` when undefined. Two coders and no missing values make the
    coincidence matrix the symmetrised confusion matrix, so the search below needs no
    per-unit counting; the disagreements are the reliability module's own."""
    k = numbers.size
    confusion = np.bincount(codes * k + labels, minlength=k * k).reshape(k, k).astype(float)
    coincidences = confusion + confusion.T
    if np.count_nonzero(coincidences.sum(axis=1)) < 2:
        return -1.0
    observed, expected = alpha_from_coincidences(coincidences, numbers, as_level(level))
    return -1.0 if not expected > 0 else 1.0 - observed / expected


def fit_offsets(
    log_p: np.ndarray, labels: np.ndarray, numbers: np.ndarray, level: str
) -> tuple[np.ndarray, float]:
    """Offsets maximising alpha(decisions, labels) and the alpha they reach."""
    k = log_p.shape[1]
    offsets = np.zeros(k)
    best = alpha_of(np.argmax(log_p, axis=1), labels, numbers, level)
    for _ in range(OFFSET_ROUNDS):
        moved = False
        for c in range(1, k):
            for value in OFFSET_GRID:
                trial = offsets.copy()
                trial[c] = value
                score = alpha_of(np.argmax(log_p + trial, axis=1), labels, numbers, level)
                if score > best + MIN_GAIN:
                    best, offsets, moved = score, trial, True
        if not moved:
            break
    return offsets, best


def calibrate(
    decisions: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    numbers: np.ndarray,
    level: str,
) -> tuple[Calibration, float]:
    """Calibration and offsets from held-out decision values; also the alpha reached."""
    temperature, bias = fit_temperature(decisions, labels, weights)
    log_p = log_softmax(decisions / temperature + bias)
    offsets, alpha = fit_offsets(log_p, labels, numbers, level)
    return Calibration(temperature, bias, offsets), alpha
