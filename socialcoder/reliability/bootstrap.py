"""Bootstrap confidence interval for Krippendorff's alpha, resampling units or clusters of units.

Algorithm (percentile interval):

* The population resampled is the set of **pairable units** (units with two or more values);
  other units do not enter alpha. A **unit bootstrap** draws as many pairable units as there
  are, with replacement, and computes alpha on that sample exactly as
  :func:`krippendorff_alpha` does (same metric; the ordinal metric recomputes its marginals per
  replicate). A **cluster bootstrap** (``clusters`` given: e.g. the transcript, or the
  participant, of every unit) draws as many clusters as there are, with replacement, and takes
  every pairable unit of each drawn cluster. Segments of one session share the session's
  circumstances; when agreement varies between sessions, only resampling sessions (or the
  participants they are nested in) lets the interval show that variation. With few clusters
  the percentile interval is still too narrow (Cameron, Gelbach & Miller 2008): callers flag it.
* Drawing with replacement is the same as giving each unit (cluster) a multinomial weight.
  Alpha depends on the sample only through weighted sums of per-unit quantities, so a replicate
  costs one small matrix product. Units with the same values (the same count pattern, e.g. "two
  coders said 1, one said 3") are interchangeable, so the unit bootstrap draws its weights over
  the distinct patterns; the cluster bootstrap sums the per-unit quantities of each cluster.

  - nominal, binary, ratio: per-pattern value counts and within-unit disagreement
    ``sum_ck n_uc n_uk delta_ck / (m_u - 1)``;
  - ordinal: per-pattern coincidence contributions (``V x V``), because ``delta`` depends
    on the replicate's marginals;
  - interval: per-unit ``m_u``, within-unit disagreement, and the sum and sum of squares of the
    values centred on the grand mean (centring keeps precision with large offsets).

* The interval is the 2.5th and 97.5th percentile of the replicate alphas. Replicates whose
  alpha is undefined (a sample where only one value occurs) are dropped; ``replicates_used``
  says how many were left of ``replicates_requested``. ``q_below[a]`` is the share of the used
  replicates below ``a`` (Hayes & Krippendorff's ``q``, the probability of failing to reach
  ``alpha_min = a``).

This treats units (or clusters) as the sampling unit and the coders as fixed. It is a different
algorithm from Hayes & Krippendorff's (2007) KALPHA macro, which resamples pairable values and
does not respect the dependence of values within a unit (or of units within a session); the
intervals need not agree. When no ``seed`` is given one is drawn and recorded, so every interval
can be reproduced.
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
from socialcoder.reliability.alpha import check_ratio, distance_matrix, krippendorff_alpha

METHOD = (
    "unit bootstrap: pairable units resampled with replacement (multinomial weights over "
    "distinct unit patterns), percentile interval"
)
CLUSTER_METHOD = (
    "cluster bootstrap: clusters ({by}) resampled with replacement, each with all its pairable "
    "units, percentile interval"
)
#: q is reported for these smallest acceptable alphas.
Q_LEVELS = (0.667, 0.8)

#: Cap on replicate-by-pattern weight cells held in memory at once.
_BATCH_CELLS = 4_000_000
#: Up to this many distinct patterns, weights are drawn with ``Generator.multinomial``.
_DIRECT_PATTERNS = 20_000


@dataclass(frozen=True, slots=True)
class BootstrapCI:
    """A bootstrap confidence interval for alpha.

    ``low``/``high`` are ``None`` (with a ``reason``) when alpha itself is undefined, when fewer
    than 2 clusters hold pairable units, or when fewer than 2 replicates gave a defined alpha.
    ``n_replicates`` counts replicates that did (``replicates_used``), of ``requested``.
    ``by`` names what was resampled (``unit``, or the clusters' name, e.g. ``transcript``);
    ``clusters`` how many there were. ``q_below``: share of replicates below 0.667 and 0.8.
    """

    low: float | None
    high: float | None
    n_replicates: int
    method: str
    seed: int | None
    confidence: float = 0.95
    reason: str | None = None
    requested: int = 0
    by: str = "unit"
    clusters: int = 0
    q_below: dict[str, float] | None = None

    @property
    def dropped(self) -> int:
        """Replicates whose alpha was undefined (left out of the interval)."""
        return max(0, self.requested - self.n_replicates) if self.requested else 0

    def to_dict(self) -> dict[str, object]:
        """The ``bootstrap`` object of the JSON item (``replicates`` = ``replicates_used``, kept
        for compatibility)."""
        return {
            "replicates_requested": self.requested,
            "replicates_used": self.n_replicates,
            "replicates": self.n_replicates,
            "by": self.by,
            "clusters": self.clusters,
            "seed": self.seed,
            "method": self.method,
        }


def draw_seed() -> int:
    """A fresh random seed to record when the caller gave none."""
    import secrets  # here: only a bootstrap draws one (issue #14: start-up)

    return secrets.randbits(31)


def _group(features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of ``features``, how many units have each, and each unit's row."""
    patterns, inverse, frequency = np.unique(
        features, axis=0, return_inverse=True, return_counts=True
    )
    return patterns, frequency, inverse.reshape(-1)


def _count_patterns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct count rows; uses an integer key when it fits (much faster than row-unique)."""
    base = int(counts.max()) + 1 if counts.size else 1
    if base ** counts.shape[1] < 2**62:
        key = counts @ (base ** np.arange(counts.shape[1], dtype=np.int64))
        _, first, inverse, frequency = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        return counts[first], frequency, inverse.reshape(-1)
    return _group(counts)


Statistic = Callable[[np.ndarray], FloatArray]
Prepared = tuple[np.ndarray, np.ndarray, np.ndarray, Statistic]


def _prepare(matrix: FloatArray, level: Level) -> Prepared:
    """Pattern features, their frequencies, each pairable unit's pattern, and a function from
    summed weights to alphas.

    The returned function takes ``weights @ patterns`` (``replicates x features``) and
    returns one alpha per replicate (``nan`` where undefined).
    """
    if level is Level.INTERVAL:
        present = ~np.isnan(matrix)
        per_unit = present.sum(axis=0)
        keep = per_unit >= 2
        held = present[:, keep]
        sub = matrix[:, keep]
        m = per_unit[keep].astype(np.float64)
        unit_mean = np.where(held, sub, 0.0).sum(axis=0) / m
        within = 2.0 * m * (np.where(held, sub - unit_mean, 0.0) ** 2).sum(axis=0) / (m - 1.0)
        grand = float(np.where(held, sub, 0.0).sum() / m.sum()) if m.size else 0.0
        centred = np.where(held, sub - grand, 0.0)
        s1 = centred.sum(axis=0)
        s2 = (centred**2).sum(axis=0)
        patterns, frequency, inverse = _group(np.column_stack((m, within, s1, s2)))

        def interval(sums: np.ndarray) -> FloatArray:
            n, observed, t1, t2 = sums.T
            expected = 2.0 * (n * t2 - t1**2) / (n * (n - 1.0))
            return _ratio(observed / n, expected)

        return patterns, frequency, inverse, interval

    counts = value_counts(matrix)
    keep = counts.pairable
    if counts.counts is None:
        raise UserError(
            f"bootstrap for {level.value} data with more than {MAX_MATRIX_VALUES} distinct "
            "values is not supported"
        )
    unit_counts, frequency, inverse = _count_patterns(counts.counts[keep])
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

        return patterns, frequency, inverse, ordinal

    delta = distance_matrix(level, values, np.zeros(n_values))
    within = ((unit_counts @ delta) * unit_counts).sum(axis=1) / (m - 1.0)
    patterns = np.column_stack((unit_counts.astype(np.float64), within))

    def fixed_metric(sums: np.ndarray) -> FloatArray:
        marginals = sums[:, :n_values]
        n = marginals.sum(axis=1)
        observed = sums[:, n_values] / n
        expected = np.einsum("rc,ck,rk->r", marginals, delta, marginals) / (n * (n - 1.0))
        return _ratio(observed, expected)

    return patterns, frequency, inverse, fixed_metric


def _ratio(observed: FloatArray, expected: FloatArray) -> FloatArray:
    """``1 - observed / expected`` with ``nan`` where ``expected`` is (numerically) 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        defined = (expected > 1e-12 * np.maximum(1.0, np.abs(observed))) & np.isfinite(expected)
        safe = np.where(defined, expected, 1.0)
        return np.where(defined, 1.0 - observed / safe, np.nan)


def _cluster_sums(
    patterns: np.ndarray, inverse: np.ndarray, cluster_of_unit: np.ndarray
) -> np.ndarray:
    """Per-cluster sums of the pairable units' features (``clusters x features``)."""
    _, index = np.unique(cluster_of_unit, return_inverse=True)
    index = index.reshape(-1)
    n_clusters = int(index.max()) + 1 if index.size else 0
    out = np.empty((n_clusters, patterns.shape[1]))
    for f in range(patterns.shape[1]):
        out[:, f] = np.bincount(index, weights=patterns[inverse, f], minlength=n_clusters)
    return out


def _replicate_alphas(
    patterns: np.ndarray,
    frequency: np.ndarray,
    statistic: Statistic,
    replicates: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Alphas of ``replicates`` samples of ``frequency.sum()`` draws over the rows of
    ``patterns`` (row ``i`` drawn with probability ``frequency[i] / total``)."""
    total = int(frequency.sum())
    probabilities = frequency / total
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
    return np.concatenate(alphas)


def bootstrap_alpha(
    data: ArrayLike,
    level: str | Level = "nominal",
    *,
    replicates: int = 1000,
    seed: int | None = None,
    confidence: float = 0.95,
    clusters: ArrayLike | None = None,
    by: str | None = None,
) -> BootstrapCI:
    """Percentile bootstrap interval for Krippendorff's alpha of a ``coders x units`` matrix.

    See the module docstring for the algorithm. ``replicates`` must be at least 1; ``seed``
    (any int) makes the interval reproducible; without one a seed is drawn and recorded.
    ``clusters``: one label per unit (e.g. a transcript or participant id) for a cluster
    bootstrap, with ``by`` naming them (default ``"cluster"``); without it, units are resampled.
    """
    level = as_level(level)
    matrix = as_matrix(data)
    check_ratio(matrix, level)
    if replicates < 1:
        raise UserError(f"bootstrap replicates must be at least 1, got {replicates}")
    if not 0.0 < confidence < 1.0:
        raise UserError(f"confidence must be between 0 and 1, got {confidence}")
    if seed is None:
        seed = draw_seed()
    label = "unit" if clusters is None else (by or "cluster")
    method = METHOD if clusters is None else CLUSTER_METHOD.format(by=label)

    def result(
        low: float | None = None,
        high: float | None = None,
        used: int = 0,
        reason: str | None = None,
        groups: int = 0,
        q: dict[str, float] | None = None,
    ) -> BootstrapCI:
        return BootstrapCI(
            low=low,
            high=high,
            n_replicates=used,
            method=method,
            seed=seed,
            confidence=confidence,
            reason=reason,
            requested=replicates,
            by=label,
            clusters=groups,
            q_below=q,
        )

    point = krippendorff_alpha(matrix, level)
    keep = (~np.isnan(matrix)).sum(axis=0) >= 2
    if clusters is not None:
        labels = np.asarray(clusters)
        if labels.shape != (matrix.shape[1],):
            raise UserError(
                f"clusters: one label per unit expected ({matrix.shape[1]}), got {labels.shape}"
            )
        n_groups = len(np.unique(labels[keep]))
    else:
        n_groups = int(keep.sum())
    if point.alpha is None:
        return result(reason=f"alpha is undefined: {point.reason}", groups=n_groups)
    patterns, frequency, inverse, statistic = _prepare(matrix, level)
    if clusters is not None:
        if n_groups < 2:
            return result(
                reason=(
                    f"only {n_groups} {label} holds pairable units: resampling {label}s cannot "
                    f"show how agreement varies between them"
                ),
                groups=n_groups,
            )
        patterns = _cluster_sums(patterns, inverse, np.asarray(clusters)[keep])
        frequency = np.ones(len(patterns), dtype=np.int64)
    rng = np.random.default_rng(seed)
    results = _replicate_alphas(patterns, frequency, statistic, replicates, rng)
    results = results[np.isfinite(results)]
    if results.size < 2:
        return result(
            used=int(results.size),
            reason="fewer than 2 bootstrap samples had a defined alpha",
            groups=n_groups,
        )
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(results, [tail, 1.0 - tail])
    q = {f"{a:g}": float((results < a).mean()) for a in Q_LEVELS}
    return result(float(low), float(high), int(results.size), None, n_groups, q)
