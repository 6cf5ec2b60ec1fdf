"""From decision values to calibrated probabilities, and the value a machine codes.

The linear classifier gives one decision value per value of the dimension (one-vs-rest, each
with balanced class weights). The machine codes the value with the largest decision value:
balanced weights make every value's errors count alike, which keeps rare values (sustain
talk, resistance) in the machine's codes.

**Calibration** (temperature and bias, a multinomial extension of Platt scaling) turns decision
values ``d`` into the probabilities the machine reports: ``p = softmax(d / T + b)``, with
``T > 0`` and ``b`` (``b[0] = 0``) minimising the weighted log loss plus a small ridge on ``b``,
fitted on decision values the classifier gave for turns it did *not* learn from (inner
cross-validation within the training data). The coded value is not the most probable one when
a value is rare: the probability says how likely the coded value is to be what a human coder
would say.

Decision offsets fitted on the inner folds to maximise alpha were tried on the development
half of AnnoMI and lowered alpha (models of the inner folds, trained on less data, are less
sure than the final model, so offsets fitted on them over-correct); they are not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcoder.reliability._data import as_level
from socialcoder.reliability.alpha import alpha_from_coincidences

BIAS_RIDGE = 1e-3


@dataclass(frozen=True, slots=True)
class Calibration:
    """``p = softmax(d / temperature + bias)``; the coded value is ``argmax(d)``."""

    temperature: float
    bias: np.ndarray

    @classmethod
    def identity(cls, n_classes: int) -> Calibration:
        return cls(1.0, np.zeros(n_classes))

    def log_probabilities(self, decisions: np.ndarray) -> np.ndarray:
        return log_softmax(decisions / self.temperature + self.bias)

    @staticmethod
    def decide(decisions: np.ndarray) -> np.ndarray:
        return np.argmax(decisions, axis=1)


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


def alpha_of(
    codes: np.ndarray, labels: np.ndarray, numbers: np.ndarray, level: str
) -> float | None:
    """Krippendorff's alpha between two complete codings (value positions ``0..k-1``, whose
    numbers are ``numbers``), ``None`` when undefined (a single value in both codings). Two coders and no missing values make the
    coincidence matrix the symmetrised confusion matrix; the disagreements are the reliability
    module's own."""
    k = numbers.size
    confusion = np.bincount(codes * k + labels, minlength=k * k).reshape(k, k).astype(float)
    coincidences = confusion + confusion.T
    if np.count_nonzero(coincidences.sum(axis=1)) < 2:
        return None
    observed, expected = alpha_from_coincidences(coincidences, numbers, as_level(level))
    return None if not expected > 0 else 1.0 - observed / expected


def calibrate(
    decisions: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    numbers: np.ndarray,
    level: str,
) -> tuple[Calibration, float | None]:
    """Calibration from held-out decision values, and the alpha of the coded values there
    (an estimate from training data only)."""
    temperature, bias = fit_temperature(decisions, labels, weights)
    alpha = alpha_of(Calibration.decide(decisions), labels, numbers, level)
    return Calibration(temperature, bias), alpha
