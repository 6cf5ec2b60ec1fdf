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
  The sums are the same to the bit on every machine (:class:`_Features`): whole-number
  quantities are summed exactly, the others (interval data, the ratio metric) in one fixed
  order, never in the order a BLAS library and its thread count choose.

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
    IntArray,
    Level,
    as_level,
    as_matrix,
    exact_sum,
    ordered_product,
    sorted_units,
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

#: float64 holds every whole number below this exactly, so sums of them are exact in any order.
EXACT_WHOLE = 2**53


@dataclass(frozen=True, slots=True)
class _Part:
    """Rows (of the weights) whose whole-number features share one divisor."""

    rows: IntArray | None  # None: every row, in order
    whole: FloatArray  # the part's rows x the whole features
    divisor: float


@dataclass(frozen=True, slots=True)
class _Features:
    """What a replicate's alpha needs of each row (a distinct unit pattern, or a cluster), kept so
    that a replicate's weighted sums are the same to the bit on every machine and in any order.

    * ``parts``: whole numbers, each part's weighted sums divided by its divisor (``m_u - 1``
      for what alpha divides by it). Weighted sums of whole numbers below 2**53 are exact in
      float64 whatever the order, so BLAS's product may sum them; the parts are then added in
      the order of their divisors.
    * ``real``: the features that are not whole numbers (interval data, the ratio metric's
      disagreement), summed with :func:`ordered_product`.

    Before, BLAS's float product summed the fractions in an order that depends on its thread
    count and the processor: 31 of 240 random intervals (all four levels) differed in their last
    bits between 1 and 2 OpenBLAS threads with the same seed, so an interval "reproducible from
    its seed" was not, from one machine to the next.
    """

    parts: tuple[_Part, ...]
    real: FloatArray  # rows x the real features
    rows: int
    wholes: int

    @classmethod
    def of(cls, whole: FloatArray, divisor: FloatArray, real: FloatArray) -> _Features:
        """Row ``i``'s features are ``whole[i] / divisor[i]`` (whole numbers) and ``real[i]``."""
        divisors = np.unique(divisor)
        if len(divisors) == 1:  # (interval data, the ratio metric, a study whose units all have
            # as many values): no copy of the weights' columns
            return cls((_Part(None, whole, float(divisors[0])),), real, len(whole), whole.shape[1])
        parts = tuple(
            _Part(rows, whole[rows], float(d))
            for d in divisors
            for rows in (np.flatnonzero(divisor == d),)
        )
        return cls(parts, real, len(whole), whole.shape[1])

    @property
    def largest(self) -> float:
        """The largest whole number held (0 without any)."""
        return max((float(np.abs(p.whole).max(initial=0.0)) for p in self.parts), default=0.0)

    def sums(self, weights: FloatArray) -> FloatArray:
        """``weights @ features`` (``replicates x features``: the whole ones, then the real)."""
        whole = np.zeros((len(weights), self.wholes))
        for part in self.parts:
            taken = weights if part.rows is None else weights[:, part.rows]
            whole += (taken @ part.whole) / part.divisor
        return np.hstack((whole, ordered_product(weights, self.real)))

    def by_cluster(self, inverse: IntArray, cluster_of_unit: np.ndarray) -> _Features:
        """Each cluster's sums of its pairable units' features (unit ``u`` has row ``inverse[u]``;
        the clusters in sorted order)."""
        _, index = np.unique(cluster_of_unit, return_inverse=True)
        index = index.reshape(-1)
        n_clusters = int(index.max()) + 1 if index.size else 0

        def per_cluster(features: FloatArray, rows: IntArray, clusters: IntArray) -> FloatArray:
            out = np.empty((n_clusters, features.shape[1]))
            for f in range(features.shape[1]):
                out[:, f] = np.bincount(clusters, weights=features[rows, f], minlength=n_clusters)
            return out

        parts = []
        for part in self.parts:
            if part.rows is None:
                at, clusters = inverse, index
            else:
                position = np.full(self.rows, -1)
                position[part.rows] = np.arange(len(part.rows))
                mine = position[inverse] >= 0
                at, clusters = position[inverse][mine], index[mine]
            # whole numbers again: bincount's float sums of them are exact
            parts.append(_Part(None, per_cluster(part.whole, at, clusters), part.divisor))
        real = per_cluster(self.real, inverse, index)
        return _Features(tuple(parts), real, n_clusters, self.wholes)


Prepared = tuple[_Features, np.ndarray, np.ndarray, Statistic]


class _NoInterval(Exception):
    """This matrix has no bootstrap at its level (the reason is the message)."""


def _prepare(matrix: FloatArray, level: Level) -> Prepared:
    """Pattern features, their frequencies, each pairable unit's pattern, and a function from
    summed weights to alphas.

    The returned function takes the features' weighted sums (:meth:`_Features.sums`,
    ``replicates x features``) and returns one alpha per replicate (``nan`` where undefined).
    """
    if level is Level.INTERVAL:
        per_unit = (~np.isnan(matrix)).sum(axis=0)
        keep = per_unit >= 2
        # each unit's values in increasing order and the grand sum rounded once: the units'
        # features the same to the bit in any order of the units and coders
        sub = sorted_units(matrix[:, keep])
        held = ~np.isnan(sub)
        m = per_unit[keep].astype(np.float64)
        unit_mean = np.where(held, sub, 0.0).sum(axis=0) / m
        within = 2.0 * m * (np.where(held, sub - unit_mean, 0.0) ** 2).sum(axis=0) / (m - 1.0)
        grand = exact_sum(sub[held]) / m.sum() if m.size else 0.0
        centred = np.where(held, sub - grand, 0.0)
        s1 = centred.sum(axis=0)
        s2 = (centred**2).sum(axis=0)
        patterns, frequency, inverse = _group(np.column_stack((m, within, s1, s2)))
        features = _Features.of(patterns[:, :1], np.ones(len(patterns)), patterns[:, 1:])

        def interval(sums: np.ndarray) -> FloatArray:
            n, observed, t1, t2 = sums.T
            expected = 2.0 * (n * t2 - t1**2) / (n * (n - 1.0))
            return _ratio(observed / n, expected)

        return features, frequency, inverse, interval

    counts = value_counts(matrix)
    keep = counts.pairable
    if counts.counts is None:
        raise _NoInterval(
            f"no bootstrap at the {level.value} level for more than {MAX_MATRIX_VALUES:,} "
            f"distinct values (here {counts.values.size:,}); alpha itself is exact, and the "
            "interval level's bootstrap has no such limit"
        )
    unit_counts, frequency, inverse = _count_patterns(counts.counts[keep])
    pairs_over = unit_counts.sum(axis=1).astype(np.float64) - 1.0  # m_u - 1
    values = counts.values
    n_values = values.size
    whole_counts = unit_counts.astype(np.float64)
    if level is Level.ORDINAL:
        # n_uc * (n_uk - [c == k]), over m_u - 1 (Krippendorff's coincidences of the unit)
        per_pattern = whole_counts[:, :, None] * whole_counts[:, None, :]
        diagonal = np.arange(n_values)
        per_pattern[:, diagonal, diagonal] -= whole_counts
        features = _Features.of(
            per_pattern.reshape(len(unit_counts), n_values * n_values),
            pairs_over,
            np.empty((len(unit_counts), 0)),
        )

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

        return features, frequency, inverse, ordinal

    delta = distance_matrix(level, values, np.zeros(n_values))
    # sum_ck n_uc n_uk delta_ck: a whole number where delta is (nominal, binary), so the
    # replicates' sums of it over m_u - 1 are exact; otherwise (ratio) a real number
    disagreement = (ordered_product(whole_counts, delta) * whole_counts).sum(axis=1)
    if np.array_equal(delta, np.round(delta)):
        features = _Features.of(
            np.column_stack((whole_counts * pairs_over[:, None], disagreement)),
            pairs_over,
            np.empty((len(unit_counts), 0)),
        )
    else:
        features = _Features.of(
            whole_counts, np.ones(len(unit_counts)), (disagreement / pairs_over)[:, None]
        )

    def fixed_metric(sums: np.ndarray) -> FloatArray:
        marginals = sums[:, :n_values]
        n = marginals.sum(axis=1)
        observed = sums[:, n_values] / n
        expected = np.einsum("rc,ck,rk->r", marginals, delta, marginals) / (n * (n - 1.0))
        return _ratio(observed, expected)

    return features, frequency, inverse, fixed_metric


def _ratio(observed: FloatArray, expected: FloatArray) -> FloatArray:
    """``1 - observed / expected`` with ``nan`` where ``expected`` is (numerically) 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        defined = (expected > 1e-12 * np.maximum(1.0, np.abs(observed))) & np.isfinite(expected)
        safe = np.where(defined, expected, 1.0)
        return np.where(defined, 1.0 - observed / safe, np.nan)


def _replicate_alphas(
    features: _Features,
    frequency: np.ndarray,
    statistic: Statistic,
    replicates: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Alphas of ``replicates`` samples of ``frequency.sum()`` draws over the rows of
    ``features`` (row ``i`` drawn with probability ``frequency[i] / total``)."""
    total = int(frequency.sum())
    if total * features.largest >= EXACT_WHOLE:
        raise UserError(
            f"too many units for the bootstrap: its sums would pass {EXACT_WHOLE:,}, "
            "beyond which float64 does not hold whole numbers exactly"
        )
    probabilities = frequency / total
    n_patterns = features.rows
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
        alphas.append(statistic(features.sums(weights)))
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
    try:
        features, frequency, inverse, statistic = _prepare(matrix, level)
    except _NoInterval as exc:  # this dimension has no interval; the others still do
        return result(reason=str(exc), groups=n_groups)
    if clusters is not None:
        if n_groups < 2:
            return result(
                reason=(
                    f"only {n_groups} {label} holds pairable units: resampling {label}s cannot "
                    f"show how agreement varies between them"
                ),
                groups=n_groups,
            )
        features = features.by_cluster(inverse, np.asarray(clusters)[keep])
        frequency = np.ones(features.rows, dtype=np.int64)
    rng = np.random.default_rng(seed)
    results = _replicate_alphas(features, frequency, statistic, replicates, rng)
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
