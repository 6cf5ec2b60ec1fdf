"""A bootstrap interval is the same to the bit from its seed, whatever the machine's BLAS threads.

Found after alpha's own fix (test_alpha_deterministic.py): each replicate's sums were a float
matrix product (BLAS) of the unit patterns' fractions, whose summation order depends on
OpenBLAS's thread count and the processor. With the same seed, 31 of 240 random intervals (all
four levels) differed in their last bits between 1 and 2 threads, so an interval said to be
"reproducible from its seed" was not, from a laptop to a lab server. The whole-number features
are now summed exactly (BLAS may then sum them in any order) and the real ones in one fixed
order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from socialcoder.errors import UserError
from socialcoder.reliability import bootstrap_alpha
from socialcoder.reliability._data import Level, ordered_product
from socialcoder.reliability.bootstrap import _Features, _prepare, _replicate_alphas

LEVELS = ("nominal", "ordinal", "interval", "ratio")

_INTERVALS = """
import json, sys
import numpy as np
from socialcoder.reliability import bootstrap_alpha
rng = np.random.default_rng(7)
out = []
for i in range(40):
    units = int(rng.integers(20, 3000)); values = int(rng.integers(2, 12))
    coders = int(rng.integers(2, 6))
    data = rng.integers(0, values, size=(coders, units)).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ci = bootstrap_alpha(data + (level == "ratio"), level, replicates=300, seed=i)
        out.append([ci.low, ci.high, ci.q_below])
json.dump(out, sys.stdout)
"""


def _intervals(threads: int) -> list[object]:
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    done = subprocess.run(
        [sys.executable, "-c", _INTERVALS], env=env, capture_output=True, text=True, check=True
    )
    result: list[object] = json.loads(done.stdout)
    return result


def test_the_same_seed_gives_the_same_intervals_with_one_or_two_blas_threads() -> None:
    # json keeps every bit of a float (shortest repr that reads back the same)
    assert _intervals(1) == _intervals(2)


def _units(seed: int, units: int = 400) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, size=units)
    data = np.where(rng.random((4, units)) < 0.7, truth, rng.integers(0, 5, (4, units)))
    data = data.astype(np.float64)
    data[rng.random(data.shape) < 0.25] = np.nan
    return data


@pytest.mark.parametrize("level", LEVELS)
def test_units_in_any_order_give_the_same_interval_to_the_bit(level: str) -> None:
    data = _units(1) + (level == "ratio")
    order = np.random.default_rng(2).permutation(data.shape[1])
    first = bootstrap_alpha(data, level, replicates=400, seed=5)
    again = bootstrap_alpha(data[:, order], level, replicates=400, seed=5)
    assert (first.low, first.high, first.q_below) == (again.low, again.high, again.q_below)


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_clusters_in_any_order_give_the_same_interval_to_the_bit(level: str) -> None:
    data = _units(3)
    clusters = np.repeat(np.arange(20), 20)
    order = np.random.default_rng(4).permutation(data.shape[1])
    first = bootstrap_alpha(data, level, replicates=400, seed=5, clusters=clusters)
    again = bootstrap_alpha(data[:, order], level, replicates=400, seed=5, clusters=clusters[order])
    assert (first.low, first.high) == (again.low, again.high)


def _exact_nominal_sums(data: np.ndarray, weights: np.ndarray) -> list[list[Fraction]]:
    """Per replicate: each value's count n_c and the disagreement sum_u sum_{c != k} n_uc n_uk /
    (m_u - 1), over the pairable units weighted by ``weights`` (one per pairable unit, in the
    matrix's order), in exact fractions (Krippendorff 2011)."""
    pairable = [u for u in range(data.shape[1]) if (~np.isnan(data[:, u])).sum() >= 2]
    values = sorted({float(v) for v in data[~np.isnan(data)]})
    out = []
    for row in weights:
        sums = [Fraction(0)] * (len(values) + 1)
        for w, u in zip(row.tolist(), pairable, strict=True):
            coded = [float(v) for v in data[:, u] if v == v]
            counts = [coded.count(v) for v in values]
            for c, n in enumerate(counts):
                sums[c] += int(w) * n
            apart = sum(a * b for i, a in enumerate(counts) for j, b in enumerate(counts) if i != j)
            sums[-1] += Fraction(int(w) * apart, len(coded) - 1)
        out.append(sums)
    return out


def test_a_replicates_sums_are_the_exact_sums_rounded_once_per_unit_size() -> None:
    """The sums the nominal replicates take, against each pairable unit's counts and
    disagreement summed in exact fractions (weights drawn here, one per unit)."""
    data = _units(6, units=120)
    features, _, inverse, _ = _prepare(data, Level.NOMINAL)
    rng = np.random.default_rng(8)
    per_unit = rng.integers(0, 4, size=(5, len(inverse)))
    weights = np.zeros((5, features.rows))
    for r in range(5):
        np.add.at(weights[r], inverse, per_unit[r])
    sums = features.sums(weights)
    # the pattern features are in the order of the values; the last column is the disagreement
    for got, exact in zip(sums.tolist(), _exact_nominal_sums(data, per_unit), strict=True):
        assert got == pytest.approx(
            [float(x) for x in exact], rel=1e-15, abs=0
        )  # a few ulps: one rounding per m_u
        assert got[:-1] == [float(x) for x in exact[:-1]]  # the counts: exact


def test_ordered_product_is_the_product() -> None:
    rng = np.random.default_rng(0)
    left, right = rng.normal(size=(7, 300)), rng.normal(size=(300, 5))
    expected = [
        [
            float(sum(Fraction(a) * Fraction(b) for a, b in zip(row, col, strict=True)))
            for col in right.T.tolist()
        ]
        for row in left.tolist()
    ]
    np.testing.assert_allclose(ordered_product(left, right), expected, rtol=1e-13)


def test_sums_beyond_float64s_whole_numbers_are_refused() -> None:
    features = _Features.of(np.array([[2.0**51]]), np.ones(1), np.empty((1, 0)))
    with pytest.raises(UserError, match="too many units"):
        _replicate_alphas(features, np.array([8]), lambda s: s[:, 0], 10, np.random.default_rng(0))
