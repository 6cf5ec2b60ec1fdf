"""Krippendorff's alpha for nominal, ordinal, interval and ratio data, with missing values.

Follows Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":

1. Count the values in each unit: ``n_uc`` = number of coders who gave unit ``u`` value ``c``,
   ``m_u`` = number of values in unit ``u``. Units with fewer than two values (``m_u < 2``) are
   not pairable and drop out.
2. Coincidence matrix ``o_ck = sum_u (n_uc * n_uk - [c == k] * n_uc) / (m_u - 1)``;
   marginals ``n_c = sum_k o_ck``; ``n = sum_c n_c`` (the number of pairable values).
3. Observed disagreement ``D_o = sum_ck o_ck * delta_ck / n``; expected disagreement
   ``D_e = sum_ck n_c * n_k * delta_ck / (n * (n - 1))``; ``alpha = 1 - D_o / D_e``.

Difference functions ``delta_ck`` (``v`` are the values themselves):

* nominal (and binary): 0 when ``c == k``, else 1;
* ordinal: ``(sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2`` over the coincidence marginals, values
  ranked in codebook order (categories nobody used have ``n_g = 0`` and do not matter);
* interval: ``(v_c - v_k) ** 2``;
* ratio: ``((v_c - v_k) / (v_c + v_k)) ** 2`` (0 when both are 0).

Everything works on the ``units x V`` count table and the ``V x V`` coincidence matrix, never
on units x values x values arrays. Interval data with very many distinct values use the
equivalent closed form over per-unit sums instead of a ``V x V`` matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from socialcoder.errors import UserError
from socialcoder.reliability._data import (
    UNIT_BLOCK,
    FloatArray,
    Level,
    ValueCounts,
    as_level,
    as_matrix,
    by_values,
    exact_sum,
    ordered_product,
    pairable_totals,
    sorted_units,
    value_counts,
)

REASON_FEW_CODERS = "fewer than 2 coders"
REASON_NO_PAIRABLE = "no pairable units: no unit was coded by 2 or more coders"
REASON_ONE_UNIT = (
    "fewer than 2 pairable units: alpha compares disagreement within units with disagreement "
    "between them, and with one unit the two are the same by construction (alpha would always "
    "be 0)"
)
REASON_ONE_VALUE = (
    "only one value occurs among the pairable values, so expected disagreement is 0 "
    "(alpha is undefined when coders never vary)"
)


@dataclass(frozen=True, slots=True)
class AlphaResult:
    """Krippendorff's alpha with its parts.

    ``alpha`` is ``None`` when undefined, and then ``reason`` says why. ``units`` counts units
    with at least one value; ``pairable_units`` those with two or more; ``pairable_values`` is
    ``n``, the number of values in pairable units.
    """

    alpha: float | None
    level: str
    observed_disagreement: float | None
    expected_disagreement: float | None
    units: int
    pairable_units: int
    pairable_values: int
    reason: str | None = None


def coincidence_matrix(counts: np.ndarray, per_unit: np.ndarray) -> FloatArray:
    """Krippendorff's coincidence matrix (``V x V``) from per-unit value counts.

    ``counts``: ``(units, V)`` value counts; ``per_unit``: ``(units,)`` values per unit.
    Units with fewer than two values are ignored.
    """
    size = counts.shape[1]
    matrix = np.zeros((size, size))
    diagonal = np.zeros(size)
    # Summed in whole numbers for each m_u (products and sums of counts are exact in float64
    # whatever the order, so neither the units' order nor BLAS's threads change a bit), then
    # divided once per m_u, in increasing m_u. A block of units at a time: the float copies
    # are block x V, not units x V. (_data.by_values, as percent agreement and AC1/AC2)
    for m, kept in by_values(per_unit):
        pairs = np.zeros((size, size))
        values = np.zeros(size)
        for start in range(0, len(kept), UNIT_BLOCK):
            block = counts[kept[start : start + UNIT_BLOCK]].astype(np.float64)
            pairs += block.T @ block
            values += block.sum(axis=0)
        matrix += pairs / (m - 1.0)
        diagonal += values / (m - 1.0)
    matrix[np.diag_indices_from(matrix)] -= diagonal
    return matrix


def distance_matrix(level: Level, values: FloatArray, marginals: FloatArray) -> FloatArray:
    """The squared difference ``delta_ck`` between every pair of values (``V x V``).

    ``values``: the distinct values, sorted (for ordinal data: category positions);
    ``marginals``: ``n_c`` of the coincidence matrix (used by the ordinal metric only).
    """
    if level in (Level.NOMINAL, Level.BINARY):
        return 1.0 - np.eye(values.size)
    if level is Level.ORDINAL:
        cumulative = np.concatenate(([0.0], np.cumsum(marginals)))
        rank = np.arange(values.size)
        low = np.minimum.outer(rank, rank)
        high = np.maximum.outer(rank, rank)
        between = cumulative[high + 1] - cumulative[low]
        return (between - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2
    diff = values[:, None] - values[None, :]
    if level is Level.INTERVAL:
        return diff**2
    total = values[:, None] + values[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(total == 0, 0.0, diff / np.where(total == 0, 1.0, total))
    return ratio**2


def alpha_from_coincidences(
    coincidences: FloatArray, values: FloatArray, level: Level
) -> tuple[float, float]:
    """Observed and expected disagreement from a coincidence matrix (``n >= 2`` assumed)."""
    marginals = coincidences.sum(axis=1)
    n = marginals.sum()
    delta = distance_matrix(level, values, marginals)
    observed = float((coincidences * delta).sum() / n)
    # n_c n_k delta_ck summed in a fixed order (BLAS's would depend on the machine)
    expected = float((ordered_product(marginals[None, :], delta)[0] * marginals).sum())
    expected /= n * (n - 1.0)
    return observed, expected


def _interval_closed_form(matrix: FloatArray) -> tuple[float, float]:
    """Interval ``D_o`` and ``D_e`` from per-unit sums (no ``V x V`` matrix).

    Uses ``sum_{i != j} (x_i - x_j)^2 = 2 * m * sum (x_i - mean_u)^2`` within each unit and
    ``sum_ck n_c n_k (v_c - v_k)^2 = 2 * n * sum (x - mean)^2`` over all pairable values. The
    values are centred (on their unit's mean, and on the grand mean) before squaring, so a
    large common offset (e.g. 1e8) costs no precision, as ``m * sum x^2 - (sum x)^2`` would.
    Each unit's values are summed in increasing order and the sums over units rounded once
    (:func:`~socialcoder.reliability._data.exact_sum`): the same to the bit in any order of the
    units and of the coders.
    """
    per_unit = (~np.isnan(matrix)).sum(axis=0)
    keep = per_unit >= 2
    sub = sorted_units(matrix[:, keep])
    held = ~np.isnan(sub)
    m = per_unit[keep].astype(np.float64)
    n = m.sum()
    unit_sum = np.where(held, sub, 0.0).sum(axis=0)
    within = (np.where(held, sub - unit_sum / m, 0.0) ** 2).sum(axis=0)
    observed = exact_sum(2.0 * m * within / (m - 1.0)) / n
    grand_mean = exact_sum(unit_sum) / n
    spread = exact_sum((np.where(held, sub - grand_mean, 0.0) ** 2).sum(axis=0))
    expected = 2.0 * spread / (n - 1.0)
    return observed, expected


def check_ratio(matrix: FloatArray, level: Level) -> None:
    """Refuse negative values at the ratio level (ratio data have a true zero)."""
    if level is Level.RATIO:
        present = matrix[~np.isnan(matrix)]
        if present.size and present.min() < 0:
            raise UserError(
                f"ratio level: value {present.min():g} is negative; ratio data have a true zero "
                "and no negative values (use the interval level)"
            )


def _large_domain(matrix: FloatArray, level: Level) -> tuple[float, float]:
    """``D_o`` and ``D_e`` for more than :data:`MAX_MATRIX_VALUES` distinct values.

    Interval data use the closed form; other metrics sum over pairs of coders (observed) and
    over blocks of rows of the distance matrix (expected), so memory stays bounded; the cost of
    the expected part grows with the square of the number of distinct values.
    """
    if level is Level.INTERVAL:
        return _interval_closed_form(matrix)
    per_unit = (~np.isnan(matrix)).sum(axis=0)
    keep = per_unit >= 2
    values, n_c = pairable_totals(matrix)
    n = n_c.sum()
    # each unit's values in increasing order, its pairs' distances summed in that order and
    # the units' sums rounded once; the expected part in value order, never BLAS's: the same
    # to the bit in any order of the units and coders, and with any number of BLAS threads
    sub = sorted_units(matrix[:, keep])
    within = np.zeros(sub.shape[1])
    for i in range(sub.shape[0]):
        for j in range(i + 1, sub.shape[0]):
            both = ~np.isnan(sub[j])  # missing values sort last: sub[i] is there too
            lo = np.searchsorted(values, sub[i, both])
            hi = np.searchsorted(values, sub[j, both])
            within[both] += _pair_distance(level, values, n_c, lo, hi)
    observed_sum = 2.0 * exact_sum(within / (per_unit[keep] - 1.0))
    expected_sum = 0.0
    rows = max(1, (1 << 22) // values.size)
    for start in range(0, values.size, rows):
        index = np.arange(start, min(start + rows, values.size))
        block = _row_distances(level, values, n_c, index)
        expected_sum += float((n_c[index] * ordered_product(block, n_c[:, None])[:, 0]).sum())
    return observed_sum / n, expected_sum / (n * (n - 1.0))


def _pair_distance(
    level: Level, values: FloatArray, n_c: FloatArray, lo: np.ndarray, hi: np.ndarray
) -> FloatArray:
    """``delta`` for pairs of value indices ``lo <= hi`` (vectors)."""
    if level in (Level.NOMINAL, Level.BINARY):
        return (lo != hi).astype(np.float64)
    if level is Level.ORDINAL:
        cumulative = np.concatenate(([0.0], np.cumsum(n_c)))
        between = cumulative[hi + 1] - cumulative[lo]
        return (between - (n_c[lo] + n_c[hi]) / 2.0) ** 2
    a, b = values[lo], values[hi]
    if level is Level.INTERVAL:
        return (a - b) ** 2
    total = a + b
    return np.where(total == 0, 0.0, (a - b) / np.where(total == 0, 1.0, total)) ** 2


def _row_distances(
    level: Level, values: FloatArray, n_c: FloatArray, rows: np.ndarray
) -> FloatArray:
    """Rows ``rows`` of the distance matrix (``len(rows) x V``)."""
    everything = np.arange(values.size)
    lo = np.minimum.outer(rows, everything)
    hi = np.maximum.outer(rows, everything)
    return _pair_distance(level, values, n_c, lo, hi)


def krippendorff_alpha(
    data: ArrayLike, level: str | Level = "nominal", *, counts: ValueCounts | None = None
) -> AlphaResult:
    """Krippendorff's alpha of a ``coders x units`` matrix (``np.nan`` = missing).

    ``level``: ``"nominal"`` (also ``"binary"``), ``"ordinal"`` (values are category positions
    in codebook order), ``"interval"`` or ``"ratio"`` (negative values refused). Never returns
    ``nan``: undefined alphas come back as ``alpha=None`` with a ``reason`` (fewer than 2 coders,
    fewer than 2 pairable units, or a single value overall so that expected disagreement is 0).
    ``counts``: the matrix's :func:`value_counts`, if already built (``summarize_dimension``
    derives them from its category table: :func:`table_value_counts`).
    """
    level = as_level(level)
    matrix = as_matrix(data)
    check_ratio(matrix, level)
    counts = value_counts(matrix) if counts is None else counts
    units = int((counts.per_unit >= 1).sum())
    pairable_units = int(counts.pairable.sum())
    pairable_values = int(counts.per_unit[counts.pairable].sum())

    def undefined(reason: str, observed: float | None = None) -> AlphaResult:
        return AlphaResult(
            alpha=None,
            level=level.value,
            observed_disagreement=observed,
            expected_disagreement=0.0 if observed is not None else None,
            units=units,
            pairable_units=pairable_units,
            pairable_values=pairable_values,
            reason=reason,
        )

    if matrix.shape[0] < 2:
        return undefined(REASON_FEW_CODERS)
    if pairable_units == 0:
        return undefined(REASON_NO_PAIRABLE)
    if pairable_units < 2:
        return undefined(REASON_ONE_UNIT)
    if counts.counts is not None:
        if int((counts.pairable_totals() > 0).sum()) < 2:
            return undefined(REASON_ONE_VALUE, 0.0)
        coincidences = coincidence_matrix(counts.counts, counts.per_unit)
        observed, expected = alpha_from_coincidences(coincidences, counts.values, level)
    else:
        if pairable_totals(matrix)[0].size < 2:
            return undefined(REASON_ONE_VALUE, 0.0)
        observed, expected = _large_domain(matrix, level)
    if expected <= 0.0 or not np.isfinite(expected):
        return undefined(REASON_ONE_VALUE, observed)
    return AlphaResult(
        alpha=1.0 - observed / expected,
        level=level.value,
        observed_disagreement=observed,
        expected_disagreement=expected,
        units=units,
        pairable_units=pairable_units,
        pairable_values=pairable_values,
    )
