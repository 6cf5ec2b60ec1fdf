"""Bootstrap confidence interval for Krippendorff's alpha.

Algorithm (a *unit bootstrap*, percentile interval):

* The population resampled is the set of **pairable units** (units with two or more values);
  other units do not enter alpha. Each replicate draws as many pairable units as there are,
  with replacement, and computes alpha on that sample exactly as :func:`krippendorff_alpha`
  does (same metric; the ordinal metric recomputes its marginals per replicate).
* Drawing units with replacement is the same as giving each unit a multinomial weight. Units
  with the same values (the same count pattern, e.g. "two coders said 1, one said 3") are
  interchangeable, so the weights are drawn over the distinct patterns with probabilities
  equal to their frequencies. Alpha depends on the sample only through weighted sums of
  per-pattern quantities, so a replicate costs one small matrix product:

  - nominal, binary, ratio: per-pattern value counts and within-unit disagreement
    ``sum_ck n_uc n_uk delta_ck / (m_u - 1)``;
  - ordinal: per-pattern coincidence contributions (``V x V``), because ``delta`` depends
    on the replicate's marginals;
  - interval: per-unit ``m_u``, within-unit disagreement, sum and sum of squares.

* The interval is the 2.5th and 97.5th percentile of the replicate alphas. Replicates whose
  alpha is undefined (a sample where only one value occurs) are dropped and not counted in
  ``n_replicates``.

This treats units as the sampling unit and the coders as fixed. It differs from Hayes &
Krippendorff's (2007) KALPHA macro, which resamples pairs of values within units; the two give
similar intervals when units are many. ``seed`` makes the result reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from socialcoder.errors import UserError
from socialcoder.reliability._data import (
    MAX_MATRIX_VALUES,
    FloatArray,
    Level,
    as_level,
    as_matrix,
    value_counts,
)
from socialcoder.reliability.alpha import distance_matrix, krippendorff_alpha

METHOD = (
    "unit bootstrap: pairable units resampled with replacement (multinomial weights over "
    "distinct unit patterns), percentile interval"
)

#: Cap on replicate-by-pattern weight cells held in memory at once.
_BATCH_CELLS = 4_000_000
#: Up to this many distinct patterns, weights are drawn with ``Generator.multinomial``.
_DIRECT_PATTERNS = 20_000


@dataclass(frozen=True, slots=True)
class BootstrapCI:
    """A bootstrap confidence interval for alpha.

    ``low``/``high`` are ``None`` (with a ``reason``) when alpha itself is undefined or fewer
    than 2 replicates gave a defined alpha. ``n_replicates`` counts replicates that did.
    """

    low: float | None
    high: float | None
    n_replicates: int
    method: str
    seed: int | None
    confidence: float = 0.95
    reason: str | None = None


def _group(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``features`` and how many units have each."""
    patterns, frequency = np.unique(features, axis=0, return_counts=True)
    return patterns, frequency


def _count_patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct count rows; uses an integer key when it fits (much faster than row-unique)."""
    base = int(counts.max()) + 1
    if base ** counts.shape[1] < 2**62:
        key = counts @ (base ** np.arange(counts.shape[1], dtype=np.int64))
        _, first, frequency = np.unique(key, return_index=True, return_counts=True)
        return counts[first], frequency
    return _group(counts)


Statistic = Callable[[np.ndarray], FloatArray]


def _prepare(matrix: FloatArray, level: Level) -> tuple[np.ndarray, np.ndarray, Statistic]:
    """Pattern features, their frequencies, and a function from summed weights to alphas.

    The returned function takes ``weights @ patterns`` (``replicates x features``) and
    returns one alpha per replicate (``nan`` where undefined).
    """
    if level is Level.INTERVAL:
        per_unit = (~np.isnan(matrix)).sum(axis=0)
        keep = per_unit >= 2
        present = ~np.isnan(matrix[:, keep])
        filled = np.where(present, matrix[:, keep], 0.0)
        m = per_unit[keep].astype(np.float64)
        s1 = filled.sum(axis=0)
        s2 = (filled**2).sum(axis=0)
        within = 2.0 * (m * s2 - s1**2) / (m - 1.0)
        patterns, frequency = _group(np.column_stack((m, within, s1, s2)))

        def interval(sums: np.ndarray) -> FloatArray:
            n, observed, t1, t2 = sums.T
            expected = 2.0 * (n * t2 - t1**2) / (n * (n - 1.0))
            return _ratio(observed / n, expected)

        return patterns, frequency, interval

    counts = value_counts(matrix)
    keep = counts.pairable
    if counts.counts is None:
        raise UserError(
            f"bootstrap for {level.value} data with more than {MAX_MATRIX_VALUES} distinct "
            "values is not supported"
        )
    unit_counts, frequency = _count_patterns(counts.counts[keep])
    m = unit_counts.sum(axis=1).astype(np.float64)
    values = counts.values
    n_values = values.size
    if level is Level.ORDINAL:
        weighted = unit_counts / (m - 1.0)[:, None]
        per_pattern = weighted[:, :, None] * unit_counts[:, None, :]
        diagonal = np.arange(n_values)
        per_pattern[:, diagonal, diagonal] -= weighted
        patterns = per_pattern.reshape(len(unit_counts), n_values * n_values)

        def ordinal(sums: np.ndarray) -> FloatArray:
            coincidences = sums.reshape(-1, n_values, n_values)
            marginals = coincidences.sum(axis=2)
            n = marginals.sum(axis=1)
            cumulative = np.concatenate(
                (np.zeros((len(sums), 1)), np.cumsum(marginals, axis=1)), axis=1
            )
            rank = np.arange(n_values)
            low = np.minimum.outer(rank, rank)
            high = np.maximum.outer(rank, rank)
            between = cumulative[:, high + 1] - cumulative[:, low]
            delta = (between - (marginals[:, :, None] + marginals[:, None, :]) / 2.0) ** 2
            observed = (coincidences * delta).sum(axis=(1, 2)) / n
            expected = np.einsum("rc,rck,rk->r", marginals, delta, marginals) / (n * (n - 1.0))
            return _ratio(observed, expected)

        return patterns, frequency, ordinal

    delta = distance_matrix(level, values, np.zeros(n_values))
    within = ((unit_counts @ delta) * unit_counts).sum(axis=1) / (m - 1.0)
    patterns = np.column_stack((unit_counts.astype(np.float64), within))

    def fixed_metric(sums: np.ndarray) -> FloatArray:
        marginals = sums[:, :n_values]
        n = marginals.sum(axis=1)
        observed = sums[:, n_values] / n
        expected = np.einsum("rc,ck,rk->r", marginals, delta, marginals) / (n * (n - 1.0))
        return _ratio(observed, expected)

    return patterns, frequency, fixed_metric


def _ratio(observed: FloatArray, expected: FloatArray) -> FloatArray:
    """``1 - observed / expected`` with ``nan`` where ``expected`` is (numerically) 0."""
    defined = expected > 1e-12 * np.maximum(1.0, np.abs(observed))
    safe = np.where(defined, expected, 1.0)
    return np.where(defined, 1.0 - observed / safe, np.nan)


def bootstrap_alpha(
    data: ArrayLike,
    level: str | Level = "nominal",
    *,
    replicates: int = 1000,
    seed: int | None = None,
    confidence: float = 0.95,
) -> BootstrapCI:
    """Percentile bootstrap interval for Krippendorff's alpha of a ``coders x units`` matrix.

    See the module docstring for the algorithm. ``replicates`` must be at least 1; ``seed``
    (any int) makes the interval reproducible.
    """
    level = as_level(level)
    matrix = as_matrix(data)
    if replicates < 1:
        raise UserError(f"bootstrap replicates must be at least 1, got {replicates}")
    if not 0.0 < confidence < 1.0:
        raise UserError(f"confidence must be between 0 and 1, got {confidence}")
    point = krippendorff_alpha(matrix, level)
    if point.alpha is None:
        reason = f"alpha is undefined: {point.reason}"
        return BootstrapCI(None, None, 0, METHOD, seed, confidence, reason)
    patterns, frequency, statistic = _prepare(matrix, level)
    total = int(frequency.sum())
    probabilities = frequency / total
    rng = np.random.default_rng(seed)
    n_patterns = len(patterns)
    batch = max(1, min(replicates, _BATCH_CELLS // max(1, n_patterns)))
    # With few patterns, draw the multinomial weights directly; with many (continuous data),
    # draw unit indices and count them, which costs O(units) instead of O(patterns) binomials.
    unit_pattern = None
    if n_patterns > _DIRECT_PATTERNS:
        unit_pattern = np.repeat(np.arange(n_patterns), frequency)
    alphas: list[FloatArray] = []
    done = 0
    while done < replicates:
        size = min(batch, replicates - done)
        if unit_pattern is None:
            weights = rng.multinomial(total, probabilities, size=size).astype(np.float64)
        else:
            weights = np.stack(
                [
                    np.bincount(
                        unit_pattern[rng.integers(0, total, size=total)], minlength=n_patterns
                    )
                    for _ in range(size)
                ]
            ).astype(np.float64)
        alphas.append(statistic(weights @ patterns))
        done += size
    results = np.concatenate(alphas)
    results = results[np.isfinite(results)]
    if results.size < 2:
        return BootstrapCI(
            None,
            None,
            int(results.size),
            METHOD,
            seed,
            confidence,
            "fewer than 2 bootstrap samples had a defined alpha",
        )
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(results, [tail, 1.0 - tail])
    return BootstrapCI(float(low), float(high), int(results.size), METHOD, seed, confidence)
