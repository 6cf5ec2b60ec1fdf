"""Small helpers shared by the analysis modules: numbers that are never NaN, intervals,
participant-level (cluster) bootstrap weights, Benjamini-Hochberg."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Default number of bootstrap replicates.
N_BOOT = 2000
#: A participant-level bootstrap interval needs at least this many participants.
MIN_BOOT_CLUSTERS = 5
#: A percentile interval needs at least this many replicates with a defined statistic.
MIN_BOOT_REPLICATES = 100

Interval = tuple[float, float]


def num(value: object) -> float | None:
    """``value`` as a float, or ``None`` when it is missing, NaN or infinite."""
    if value is None:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]  # any value: what float() refuses is caught
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def interval(low: object, high: object) -> Interval | None:
    lo, hi = num(low), num(high)
    return None if lo is None or hi is None else (lo, hi)


def as_list(iv: Interval | None) -> list[float] | None:
    return None if iv is None else [iv[0], iv[1]]


def cluster_weights(rng: np.random.Generator, clusters: np.ndarray, n_boot: int) -> np.ndarray:
    """Participant-level bootstrap as row weights: each replicate draws as many participants
    as there are, with replacement; a row's weight is how often its participant was drawn.

    ``clusters`` holds each row's cluster position (0..K-1). Returns an ``n_boot x rows``
    integer matrix.
    """
    k = int(clusters.max()) + 1 if clusters.size else 0
    counts = rng.multinomial(k, np.full(k, 1.0 / k), size=n_boot) if k else np.zeros((n_boot, 0))
    return counts[:, clusters]


def percentile_interval(
    values: np.ndarray, confidence: float = 0.95
) -> tuple[Interval | None, int, str | None]:
    """Percentile interval of the finite ``values``: (interval or None, replicates used,
    reason when None)."""
    finite = values[np.isfinite(values)]
    if finite.size < MIN_BOOT_REPLICATES:
        return (
            None,
            int(finite.size),
            f"only {finite.size} bootstrap replicates gave a value "
            f"(at least {MIN_BOOT_REPLICATES} needed)",
        )
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(finite, [tail, 1.0 - tail])
    return interval(lo, hi), int(finite.size), None


def weighted_ranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mid-ranks of ``values`` in the sample where row ``i`` occurs ``weights[b, i]`` times,
    for every replicate ``b`` at once (``weights`` is ``B x n``; returns ``B x n``).

    Equal values share their mean rank, as :func:`scipy.stats.rankdata` gives them; a row
    drawn zero times gets a rank that is never used (its weight is 0).
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
    per_value = np.add.reduceat(weights[:, order].astype(float), starts, axis=1)
    below = np.cumsum(per_value, axis=1) - per_value
    mid = below + (per_value + 1.0) / 2.0
    ranks = np.empty(weights.shape, dtype=float)
    ranks[:, order] = mid[:, group]
    return ranks


def _wsum(w: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
    """Row sums of ``w`` times the product of ``arrays`` (each ``n`` or ``B x n``)."""
    if all(a.ndim == 1 for a in arrays):
        prod = arrays[0] if len(arrays) == 1 else np.prod(np.vstack(arrays), axis=0)
        return w @ prod
    letters = ",".join("bn" if a.ndim == 2 else "n" for a in arrays)
    return np.einsum(f"bn,{letters}->b", w, *arrays, optimize=True)


def weighted_pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pearson r of ``x`` and ``y`` (each ``n`` or ``B x n``) in each weighted replicate
    (``weights`` is ``B x n``); NaN where one side does not vary."""
    w = weights.astype(float)
    x = x - x.mean(axis=-1, keepdims=True)
    y = y - y.mean(axis=-1, keepdims=True)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = _wsum(w, x) / total
        my = _wsum(w, y) / total
        sxx = _wsum(w, x, x) - total * mx * mx
        syy = _wsum(w, y, y) - total * my * my
        sxy = _wsum(w, x, y) - total * mx * my
        r = sxy / np.sqrt(sxx * syy)
    scale = max(1.0, float(np.abs(x).max(initial=0)), float(np.abs(y).max(initial=0)))
    tiny = 1e-10 * scale * scale * np.maximum(total, 1.0)
    r[(sxx <= tiny) | (syy <= tiny)] = np.nan
    return np.clip(r, -1.0, 1.0)


def benjamini_hochberg(p: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p (false discovery rate) over the defined values of ``p``;
    ``None`` stays ``None`` and does not count among the tests."""
    idx = [i for i, v in enumerate(p) if v is not None]
    out: list[float | None] = [None] * len(p)
    m = len(idx)
    if not m:
        return out
    values = np.array([p[i] for i in idx], dtype=float)
    order = np.argsort(values)
    ranked = values[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    adjusted = np.minimum(adjusted, 1.0)
    for pos, i in enumerate(order):
        out[idx[i]] = float(adjusted[pos])
    return out
