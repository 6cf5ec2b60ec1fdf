"""Calibration recovers a known temperature and bias; alpha_of is Krippendorff's alpha."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from socialcoder.machine.calibration import Calibration, alpha_of, fit_temperature, log_softmax
from socialcoder.machine.metrics import calibration_error


def test_temperature_and_bias_are_recovered_from_simulated_labels() -> None:
    rng = np.random.default_rng(0)
    decisions = rng.normal(0.0, 2.0, size=(40_000, 3))
    temperature, bias = 2.5, np.array([0.0, 0.8, -0.6])
    p = np.exp(log_softmax(decisions / temperature + bias))
    labels = (rng.random(len(p))[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    fitted_t, fitted_b = fit_temperature(decisions, labels, np.ones(len(labels)))
    assert fitted_t == pytest.approx(temperature, rel=0.05)
    assert np.allclose(fitted_b, bias, atol=0.06)
    calibrated = np.exp(Calibration(fitted_t, fitted_b).log_probabilities(decisions))
    chosen = calibrated.argmax(axis=1)
    error = calibration_error(calibrated[np.arange(len(chosen)), chosen], chosen == labels)
    assert error is not None and error < 0.02


def test_an_overconfident_classifier_is_tempered() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 5000)
    decisions = np.column_stack([np.zeros(5000), np.where(labels == 1, 5.0, -5.0)])
    flip = rng.random(5000) < 0.3  # the decisions are wrong 30% of the time
    decisions[flip, 1] *= -1
    t, _ = fit_temperature(decisions, labels, np.ones(5000))
    p = np.exp(Calibration(t, np.zeros(2)).log_probabilities(decisions))
    assert t > 3
    assert p.max(axis=1).mean() == pytest.approx(0.7, abs=0.02)


@pytest.mark.parametrize(
    ("level", "numbers"),
    [
        ("nominal", [0.0, 1.0, 2.0, 3.0]),
        ("ordinal", [0.0, 1.0, 2.0, 3.0]),
        ("interval", [5.0, 3.0, 2.0, 1.0]),
    ],
)
def test_alpha_of_is_krippendorffs_alpha(level: str, numbers: list[float]) -> None:
    rng = np.random.default_rng(2)
    values = np.asarray(numbers)
    a = rng.integers(0, 4, 500)
    b = np.where(rng.random(500) < 0.6, a, rng.integers(0, 4, 500))
    b[b == 2] = 1  # a value one coder never uses
    expected = krippendorff.alpha(
        reliability_data=np.vstack([values[a], values[b]]),
        level_of_measurement=level,
        value_domain=sorted(set(numbers)) if level != "ordinal" else numbers,
    )
    assert alpha_of(a, b, values, level) == pytest.approx(expected, abs=1e-12)


def test_alpha_of_one_value_is_undefined() -> None:
    # undefined is None, never a number that could pass for a (very low) alpha
    assert (
        alpha_of(np.zeros(10, dtype=int), np.zeros(10, dtype=int), np.arange(3.0), "nominal")
        is None
    )
