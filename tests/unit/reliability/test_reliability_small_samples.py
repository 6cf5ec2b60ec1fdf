"""Figures on small or awkward data say how far they can be trusted (issue #11, items 5, 6, 10).

Checked against: Krippendorff's (2019) published sample sizes, the `krippendorff` package, and
probabilities computed here for bootstrap replicates that must be dropped."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from socialcoder.errors import UserError
from socialcoder.reliability import (
    bootstrap_alpha,
    krippendorff_alpha,
    required_units,
    summarize_dimension,
)
from socialcoder.reliability._data import Level
from socialcoder.reliability.bootstrap import _prepare
from socialcoder.reliability.sample_size import required_values

NAN = np.nan


# -- item 6: one pairable unit ------------------------------------------------------------
@pytest.mark.parametrize("ratings", [(6.0, 7.0), (1.0, 7.0)])
def test_one_pairable_unit_gives_no_alpha(ratings: tuple[float, float]) -> None:
    data = np.array([[ratings[0]], [ratings[1]]])
    # The reference package returns 0 whatever the ratings: that is the defect.
    assert krippendorff.alpha(reliability_data=data, level_of_measurement="interval") == 0.0
    result = krippendorff_alpha(data, "interval")
    assert result.alpha is None and "fewer than 2 pairable units" in (result.reason or "")
    item = summarize_dimension(
        data, key="goal", level="interval", coder_names=["a", "b"], bootstrap=100, seed=1
    ).to_dict()
    assert item["krippendorff_alpha"] is None and item["alpha_ci95"] is None


def test_two_pairable_units_still_match_the_reference() -> None:
    data = np.array([[1.0, 5.0, NAN], [2.0, 5.0, 3.0]])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    assert krippendorff_alpha(data, "interval").alpha == pytest.approx(expected)


# -- item 10: precision and the ratio level -------------------------------------------------
def _interval_alpha_by_pairs(data: np.ndarray) -> float:
    """Interval alpha from its definition: squared differences of every pair of values within
    units (weighted 1 / (m_u - 1)) and of every pair of pairable values (chunked)."""
    keep = (~np.isnan(data)).sum(axis=0) >= 2
    observed = 0.0
    values = []
    for u in np.flatnonzero(keep):
        x = data[~np.isnan(data[:, u]), u]
        observed += float(((x[:, None] - x[None, :]) ** 2).sum()) / (len(x) - 1)
        values.append(x)
    pooled = np.concatenate(values)
    n = len(pooled)
    expected = sum(
        float(((pooled[i : i + 500, None] - pooled[None, :]) ** 2).sum()) for i in range(0, n, 500)
    )
    return 1.0 - (observed / n) / (expected / (n * (n - 1)))


def test_large_offset_costs_no_precision() -> None:
    rng = np.random.default_rng(1)
    truth = rng.normal(size=3000)  # more distinct values than the V x V table takes
    data = truth + rng.normal(scale=0.4, size=(3, 3000))
    data[rng.random(data.shape) < 0.1] = NAN
    reference = _interval_alpha_by_pairs(data)
    assert krippendorff_alpha(data, "interval").alpha == pytest.approx(reference, abs=1e-9)
    shifted = krippendorff_alpha(data + 1e8, "interval").alpha
    assert shifted == pytest.approx(reference, abs=1e-6)
    features, frequency, _, statistic = _prepare(data + 1e8, Level.INTERVAL)
    assert statistic(features.sums(frequency[None, :].astype(np.float64)))[0] == pytest.approx(
        reference, abs=1e-6
    )


def test_negative_values_are_refused_at_the_ratio_level() -> None:
    data = np.array([[1.0, -2.0, 3.0], [1.0, -1.0, 3.0]])
    with pytest.raises(UserError, match="ratio level: value -2 is negative"):
        krippendorff_alpha(data, "ratio")
    with pytest.raises(UserError, match="negative"):
        bootstrap_alpha(data, "ratio", replicates=10, seed=1)
    assert krippendorff_alpha(data, "interval").alpha is not None


# -- item 5: the gate, q and dropped replicates ----------------------------------------------
def test_required_sample_sizes_are_krippendorffs_published_values() -> None:
    # Krippendorff (2019), after Bloch & Kraemer (1989): four equally likely values, p = .05.
    assert round(required_values(0.25, 0.8)) == 139
    assert round(required_values(0.25, 0.667)) == 81
    assert required_units(0.25, 0.8) == 70  # pairable units of two coders: 139 values / 2
    # A rare code needs far more units, but about the same number of units showing it.
    rare, even = required_units(0.03, 0.667), required_units(0.5, 0.667)
    assert rare > 8 * even
    assert 7 < rare * 0.03 < 10


def test_two_agreeing_units_get_no_interval_but_a_reason() -> None:
    data = np.array([[0.0, 1.0], [0.0, 1.0]])
    item = summarize_dimension(
        data, key="k", level="nominal", coder_names=["a", "b"], bootstrap=200, seed=3
    ).to_dict()
    assert item["krippendorff_alpha"] == 1.0
    assert item["alpha_ci95"] is None and item["q_below"] is None
    assert item["bootstrap"]["replicates_requested"] == 200
    assert item["bootstrap"]["replicates_used"] == 0
    assert item["sample_size"]["enough"] is False
    assert item["sample_size"]["required_units"]["0.667"] == required_units(0.5, 0.667)
    assert item["sample_size"]["more_units_needed"]["0.8"] == required_units(0.5, 0.8) - 2
    notes = "\n".join(item["notes"])
    assert "too few units for a trustworthy figure: 2 pairable unit(s)" in notes
    assert "alpha_ci95 and q_below withheld" in notes


def test_gate_follows_the_rarest_value() -> None:
    rng = np.random.default_rng(4)
    units = 120
    truth = (rng.random(units) < 0.5).astype(float)
    balanced = np.vstack((truth, np.where(rng.random(units) < 0.1, 1 - truth, truth)))
    rare_truth = np.zeros(units)
    rare_truth[:4] = 1
    rare = np.vstack((rare_truth, rare_truth))
    rare[1, 4] = 1
    kwargs = {"key": "k", "level": "nominal", "coder_names": ["a", "b"], "bootstrap": 300}
    enough = summarize_dimension(balanced, seed=1, **kwargs).to_dict()
    short = summarize_dimension(rare, seed=1, **kwargs).to_dict()
    assert enough["alpha_ci95"] is not None and enough["sample_size"]["enough"]
    assert short["alpha_ci95"] is None and not short["sample_size"]["enough"]
    assert short["sample_size"]["rarest_share"] == pytest.approx(9 / 240)
    assert short["sample_size"]["rarest_value"] == "1"


def test_q_is_the_share_of_replicates_below_alpha_min() -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 3, size=150)
    data = np.vstack([np.where(rng.random(150) < 0.25, rng.integers(0, 3, 150), truth)] * 1)
    data = np.vstack((truth, data[0])).astype(float)
    ci = bootstrap_alpha(data, "nominal", replicates=2000, seed=9)
    assert ci.q_below is not None and ci.low is not None and ci.high is not None
    assert ci.q_below["0.667"] <= ci.q_below["0.8"]
    for level, q in ci.q_below.items():
        a = float(level)
        if ci.low > a:
            assert q < 0.025
        if ci.high < a:
            assert q > 0.975


def test_dropped_replicates_are_counted() -> None:
    # 30 units; only unit 0 carries the second value. A replicate is undefined exactly when it
    # misses unit 0: probability (29/30)^30.
    data = np.zeros((2, 30))
    data[1, 0] = 1
    requested = 4000
    ci = bootstrap_alpha(data, "nominal", replicates=requested, seed=11)
    p_missing = (29 / 30) ** 30
    expected = requested * p_missing
    sd = np.sqrt(requested * p_missing * (1 - p_missing))
    assert abs(ci.dropped - expected) < 5 * sd
    assert ci.n_replicates + ci.dropped == requested
    item = summarize_dimension(
        np.hstack([data] * 8), key="k", level="nominal", coder_names=["a", "b"], bootstrap=500
    ).to_dict()
    assert item["bootstrap"]["seed"] is not None  # drawn and recorded


def test_without_a_seed_one_is_drawn_recorded_and_reproduces_the_interval() -> None:
    rng = np.random.default_rng(6)
    truth = rng.integers(0, 2, size=200).astype(float)
    data = np.vstack((truth, np.where(rng.random(200) < 0.1, 1 - truth, truth)))
    first = bootstrap_alpha(data, "nominal", replicates=300)
    assert isinstance(first.seed, int)
    again = bootstrap_alpha(data, "nominal", replicates=300, seed=first.seed)
    assert (first.low, first.high) == (again.low, again.high)
