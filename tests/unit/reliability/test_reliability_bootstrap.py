"""Properties of the unit-bootstrap interval for Krippendorff's alpha."""

from __future__ import annotations

import numpy as np
import pytest

from socialcoder.errors import UserError
from socialcoder.reliability import bootstrap_alpha, krippendorff_alpha
from socialcoder.reliability._data import Level
from socialcoder.reliability.bootstrap import _prepare

NAN = np.nan


def _coded(units: int, seed: int, *, coders: int = 3, noise: float = 0.25) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, size=units)
    data = np.tile(truth, (coders, 1)).astype(float)
    flip = rng.random(data.shape) < noise
    data[flip] = rng.integers(0, 4, size=int(flip.sum()))
    data[rng.random(data.shape) < 0.1] = NAN
    return data


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_resampling_the_original_sample_reproduces_alpha(level: str) -> None:
    data = _coded(300, 1) + (1.0 if level == "ratio" else 0.0)
    features, frequency, _, statistic = _prepare(data, Level(level))
    replicate = statistic(features.sums(frequency[None, :].astype(np.float64)))
    assert replicate[0] == pytest.approx(krippendorff_alpha(data, level).alpha, rel=1e-10)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_interval_contains_estimate_and_is_reproducible(level: str) -> None:
    data = _coded(400, 2)
    first = bootstrap_alpha(data, level, replicates=500, seed=11)
    again = bootstrap_alpha(data, level, replicates=500, seed=11)
    other = bootstrap_alpha(data, level, replicates=500, seed=12)
    alpha = krippendorff_alpha(data, level).alpha
    assert first.low is not None and first.high is not None
    assert first.low < alpha < first.high
    assert (first.low, first.high) == (again.low, again.high)
    assert (first.low, first.high) != (other.low, other.high)
    assert first.n_replicates == 500
    assert first.seed == 11
    assert "unit bootstrap" in first.method


def test_more_units_give_a_narrower_interval() -> None:
    small = bootstrap_alpha(_coded(100, 5), "nominal", replicates=800, seed=1)
    large = bootstrap_alpha(_coded(2000, 5), "nominal", replicates=800, seed=1)
    assert small.low is not None and small.high is not None
    assert large.low is not None and large.high is not None
    assert large.high - large.low < (small.high - small.low) / 2


def test_continuous_interval_data_use_the_many_patterns_path() -> None:
    rng = np.random.default_rng(4)
    truth = rng.normal(size=30_000)
    data = truth + rng.normal(scale=0.5, size=(3, 30_000))
    result = bootstrap_alpha(data, "interval", replicates=20, seed=2)
    alpha = krippendorff_alpha(data, "interval").alpha
    assert result.low is not None and result.high is not None
    assert result.low < alpha < result.high
    assert result.high - result.low < 0.02


def test_undefined_alpha_gives_no_interval() -> None:
    result = bootstrap_alpha([[1, 1, 1], [1, 1, 1]], "nominal", replicates=50, seed=0)
    assert result.low is None and result.high is None
    assert result.n_replicates == 0
    assert "only one value" in (result.reason or "")


def test_bad_arguments() -> None:
    with pytest.raises(UserError, match="at least 1"):
        bootstrap_alpha(_coded(20, 0), replicates=0)
    with pytest.raises(UserError, match="confidence"):
        bootstrap_alpha(_coded(20, 0), confidence=1.5)
