"""Agreement coefficients for categorical data: percent agreement, Cohen's (weighted) kappa,
Fleiss' kappa, Gwet's AC1 and his weighted AC2.

All functions take category *positions* (0-based, codebook order) as floats with ``np.nan`` for
missing values. Multi-coder functions take a ``coders x units`` matrix; Cohen's kappa takes two
vectors of length ``units``. Undefined results are ``value=None`` with a ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from socialcoder.errors import UserError
from socialcoder.reliability._data import UNIT_BLOCK, as_matrix, by_values, check_categories

Weights = Literal["linear", "quadratic"]
AgreementWeights = Literal["ordinal", "quadratic", "linear"]


@dataclass(frozen=True, slots=True)
class Coefficient:
    """One agreement coefficient.

    ``value`` is ``None`` when undefined (then ``reason`` says why); ``units`` is the number of
    units it was computed on.
    """

    value: float | None
    units: int
    reason: str | None = None


def category_table(matrix: np.ndarray, n_categories: int) -> np.ndarray:
    """``units x n_categories`` table: how many coders put each unit in each category (of a
    checked matrix)."""
    n_units = matrix.shape[1]
    mask = ~np.isnan(matrix)
    # each value's cell in the units x k table: its unit's row start (one per unit, spread
    # over the coders without a copy) plus its category; half the time of np.nonzero's pairs
    rows = np.broadcast_to(np.arange(n_units, dtype=np.int64) * n_categories, matrix.shape)
    flat = np.bincount(rows[mask] + matrix[mask].astype(np.int64), minlength=n_units * n_categories)
    return flat.reshape(n_units, n_categories)


@dataclass(frozen=True, slots=True, eq=False)
class CategoryCounts:
    """A checked matrix's :func:`category_table` ``n_uj`` with the per-unit sums the
    coefficients take from it: ``per_unit`` ``m_u = sum_j n_uj`` and ``squares``
    ``sum_j n_uj^2``. :func:`~socialcoder.reliability.summary.summarize_dimension` builds it
    once and gives it to every ``*_of`` coefficient (``table=``), which would each build its
    own. Whole numbers throughout, so a sum of them is exact in any order: the same floats
    as summed over the matrix."""

    table: np.ndarray
    per_unit: np.ndarray
    squares: np.ndarray

    def block(self, units: slice) -> CategoryCounts:
        """The counts of a block of units (views, no copies)."""
        return CategoryCounts(self.table[units], self.per_unit[units], self.squares[units])

    def totals(self, units: np.ndarray | None = None) -> np.ndarray:
        """Each category's count over all units, or over the units at ``units``."""
        table = self.table if units is None else self.table[units]
        return np.einsum("ij->j", table)


def category_counts(matrix: np.ndarray, n_categories: int) -> CategoryCounts:
    """:class:`CategoryCounts` of a checked matrix (category positions ``0 .. k-1``)."""
    return counts_of_table(category_table(matrix, n_categories))


def counts_of_table(table: CategoryCounts | np.ndarray) -> CategoryCounts:
    """``table`` with its per-unit sums (a :func:`category_table` is given them)."""
    if isinstance(table, CategoryCounts):
        return table
    return CategoryCounts(table, np.einsum("ij->i", table), np.einsum("ij,ij->i", table, table))


def _categorical(data: ArrayLike, n_categories: int | None, name: str) -> tuple[np.ndarray, int]:
    matrix = as_matrix(data, name=name)
    return matrix, check_categories(matrix, n_categories, name=name)


def percent_agreement(data: ArrayLike) -> Coefficient:
    """Mean pairwise agreement over units of a ``coders x units`` matrix.

    For each unit with at least two values: the share of agreeing pairs among all pairs of its
    values, ``sum_c n_uc (n_uc - 1) / (m_u (m_u - 1))``. The result is the mean over those units;
    units with fewer than two values are ignored. Values agree when they are exactly equal, so
    this works for any level.
    """
    return percent_of(as_matrix(data))


def percent_of(matrix: np.ndarray, table: CategoryCounts | np.ndarray | None = None) -> Coefficient:
    """:func:`percent_agreement` of a matrix already checked (:func:`as_matrix`); ``table``:
    its :class:`CategoryCounts` (or bare :func:`category_table`), if already built (category positions), whose agreeing pairs
    per unit are ``(sum_j n_uj^2 - m_u) / 2``."""
    table = None if table is None else counts_of_table(table)
    per_unit = (~np.isnan(matrix)).sum(axis=0) if table is None else table.per_unit
    keep = per_unit >= 2
    if matrix.shape[0] < 2:
        return Coefficient(None, 0, "fewer than 2 coders")
    if not keep.any():
        return Coefficient(None, 0, "no unit was coded by 2 or more coders")
    if table is not None:
        agreeing = (table.squares - per_unit) // 2
    else:
        agreeing = np.zeros(matrix.shape[1], dtype=np.int64)
        for i in range(matrix.shape[0]):  # pairs of coders; nan never equals anything
            for j in range(i + 1, matrix.shape[0]):
                agreeing += matrix[i] == matrix[j]
    # each unit's share of agreeing pairs, summed as whole numbers per m_u (the same in any
    # order of the units: _data.by_values)
    total = 0.0
    for m, rows in by_values(per_unit):
        total += int(agreeing[rows].sum()) / (m * (m - 1) / 2)
    units = int(keep.sum())
    return Coefficient(total / units, units)


def cohen_kappa(
    first: ArrayLike,
    second: ArrayLike,
    *,
    n_categories: int | None = None,
    weights: Weights | None = None,
) -> Coefficient:
    """Cohen's kappa (optionally weighted) of two coders over the units both coded.

    ``first``/``second``: length-``units`` vectors of category positions, ``np.nan`` = missing.
    ``n_categories``: size of the category list, so unused categories still count in the
    weights (``|i - j| / (k - 1)`` linear, ``((i - j) / (k - 1)) ** 2`` quadratic). Kappa is
    ``1 - sum w * observed / sum w * expected`` with ``w = 1 - identity`` when unweighted.
    """
    pair = np.vstack((np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)))
    matrix, k = _categorical(pair, n_categories, "coder pair")
    return cohen_of(matrix[0], matrix[1], k, weights)


def pair_table(first: np.ndarray, second: np.ndarray, k: int) -> np.ndarray:
    """``k x k`` table of two rows of a matrix already checked (category positions
    ``0 .. k-1``): ``[i, j]`` = units the first coder put in ``i`` and the second in ``j``,
    over the units both coded. :func:`~socialcoder.reliability.summary.summarize_dimension`
    builds it once per pair for Cohen's kappas, percent agreement and PI, BI and PABAK."""
    both = ~np.isnan(first) & ~np.isnan(second)
    a = first[both].astype(np.int64)
    b = second[both].astype(np.int64)
    return np.bincount(a * k + b, minlength=k * k).reshape(k, k)


def cohen_of(
    first: np.ndarray,
    second: np.ndarray,
    k: int,
    weights: Weights | None = None,
    table: np.ndarray | None = None,
) -> Coefficient:
    """:func:`cohen_kappa` of two rows of a matrix already checked (category positions
    ``0 .. k-1``: :func:`~socialcoder.reliability._data.check_categories`); ``table``: their
    :func:`pair_table`, if already built."""
    counts = (pair_table(first, second, k) if table is None else table).astype(np.int64)
    units = int(counts.sum())
    if units == 0:
        return Coefficient(None, 0, "no unit was coded by both coders")
    index = np.arange(k, dtype=np.int64)
    distance = np.abs(index[:, None] - index[None, :])
    if weights is None:
        weight = (distance > 0).astype(np.int64)
    elif weights == "linear":
        weight = distance
    elif weights == "quadratic":
        weight = distance**2
    else:
        raise UserError(f"unknown kappa weights {weights!r} (use linear or quadratic)")
    # whole numbers (the weights are 0/1, |i - j| or (i - j)^2): kappa = 1 - n sum w o /
    # sum w r c, one correctly rounded quotient of Python ints, so the same to the bit in any
    # order of the units and with the two coders either way round (a sum of float shares was
    # not: the transposed table summed in another order)
    disagreeing = int(np.einsum("ij,ij->", weight, counts))
    chance = int(counts.sum(axis=1) @ weight @ counts.sum(axis=0))
    if chance == 0:
        return Coefficient(
            None, units, "both coders used one and the same category only (chance agreement is 1)"
        )
    return Coefficient(1.0 - (units * disagreeing) / chance, units)


def fleiss_kappa(data: ArrayLike, *, n_categories: int | None = None) -> Coefficient:
    """Fleiss' (1971) kappa over the units that *every* coder coded.

    ``data``: ``coders x units`` category positions. With ``n`` coders, ``n_ij`` the number who
    put unit ``i`` in category ``j``, ``P_i = (sum_j n_ij^2 - n) / (n (n - 1))``,
    ``p_j`` = share of all assignments in category ``j``, ``P_e = sum_j p_j^2``:
    ``kappa = (mean P_i - P_e) / (1 - P_e)``. Units that any coder left out are ignored.
    """
    return fleiss_of(*_categorical(data, n_categories, "reliability data"))


def fleiss_of(
    matrix: np.ndarray, k: int, table: CategoryCounts | np.ndarray | None = None
) -> Coefficient:
    """:func:`fleiss_kappa` of a matrix already checked (category positions ``0 .. k-1``);
    ``table``: its :class:`CategoryCounts` (or bare :func:`category_table`), if already built."""
    raters = matrix.shape[0]
    if raters < 2:
        return Coefficient(None, 0, "fewer than 2 coders")
    if table is None:
        table = category_counts(matrix[:, ~np.isnan(matrix).any(axis=0)], k)
    table = counts_of_table(table)
    # a unit every coder coded holds as many values as there are coders; sum_j n_ij^2 and the
    # category totals of those units are whole numbers (no units x k float copies)
    complete = table.per_unit == raters
    square_sums = table.squares[complete]
    units = len(square_sums)
    if units == 0:
        return Coefficient(None, 0, "no unit was coded by all coders")
    totals = table.totals() - table.totals(np.flatnonzero(~complete))
    # mean P_i: the units' agreeing pairs summed as whole numbers, divided once (a mean of
    # the fractions depends on the units' order in its last bits)
    agreement = int((square_sums - raters).sum()) / (raters * (raters - 1.0)) / units
    shares = totals / (units * raters)
    chance = float((shares**2).sum())
    if chance >= 1.0 - 1e-15:
        return Coefficient(None, units, "only one category was used (chance agreement is 1)")
    return Coefficient((agreement - chance) / (1.0 - chance), units)


def agreement_weights(n_categories: int, scheme: AgreementWeights) -> np.ndarray:
    """Gwet's agreement weights ``w_kl`` (1 on the diagonal, less the further apart) for
    category positions ``0 .. q-1``, as defined in Gwet (2014, ch. 3) and his irrCAC package:

    * ``quadratic``: ``1 - (k - l)^2 / (q - 1)^2``;
    * ``linear``: ``1 - |k - l| / (q - 1)``;
    * ``ordinal``: with ``M_kl = C(|k - l| + 1, 2)`` (the number of pairs among the categories
      from ``k`` to ``l``), ``1 - M_kl / max M``: only the order of the categories counts.
    """
    q = n_categories
    index = np.arange(q, dtype=np.float64)
    gap = np.abs(index[:, None] - index[None, :])
    if q < 2:
        return np.ones((q, q))
    if scheme == "quadratic":
        return 1.0 - gap**2 / (q - 1.0) ** 2
    if scheme == "linear":
        return 1.0 - gap / (q - 1.0)
    if scheme == "ordinal":
        pairs = (gap + 1.0) * gap / 2.0
        return 1.0 - pairs / pairs.max()
    raise UserError(f"unknown agreement weights {scheme!r} (use ordinal, quadratic or linear)")


def gwet_ac1(data: ArrayLike, *, n_categories: int | None = None) -> Coefficient:
    """Gwet's AC1 for several coders with missing values (Gwet 2008; Gwet 2014, ch. 4).

    ``data``: ``coders x units`` category positions; ``q = n_categories`` (at least 2; unused
    categories count). With ``r_ik`` the number of coders who put unit ``i`` in category ``k``
    and ``r_i`` the number who coded unit ``i``:

    * ``p_a`` = mean over units with ``r_i >= 2`` of ``sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))``;
    * ``pi_k`` = mean over units with ``r_i >= 1`` of ``r_ik / r_i`` (as in Gwet's handbook and
      his irrCAC code: a unit coded once still informs the category shares);
    * ``p_e = sum_k pi_k (1 - pi_k) / (q - 1)``; ``AC1 = (p_a - p_e) / (1 - p_e)``.

    ``units`` counts units with ``r_i >= 2``. With complete data this is Gwet's (2008)
    multi-rater formula; with two coders it reduces to his two-rater AC1. AC1 is 1.0 whenever
    only one category occurs (``p_e = 0``): that is no evidence of reliability.
    """
    return gwet_of(*_categorical(data, n_categories, "reliability data"), None)


def gwet_ac2(
    data: ArrayLike, *, n_categories: int | None = None, weights: AgreementWeights = "ordinal"
) -> Coefficient:
    """Gwet's weighted AC2 (Gwet 2014, ch. 3-4; irrCAC's ``gwet.ac1.raw`` with weights).

    As :func:`gwet_ac1`, with agreement weights ``w`` (:func:`agreement_weights`):
    ``r*_ik = sum_l w_kl r_il``; ``p_a`` = mean over units with ``r_i >= 2`` of
    ``sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1))``; ``p_e = T_w sum_k pi_k (1 - pi_k) / (q (q - 1))``
    with ``T_w`` the sum of all weights. With identity weights this is AC1.
    """
    return gwet_of(*_categorical(data, n_categories, "reliability data"), weights)


def gwet_of(
    matrix: np.ndarray,
    k: int,
    scheme: AgreementWeights | None,
    table: CategoryCounts | np.ndarray | None = None,
) -> Coefficient:
    """AC1 (``scheme`` None) or AC2 of a matrix already checked (category positions
    ``0 .. k-1``); ``table``: its :class:`CategoryCounts` (or bare :func:`category_table`), if already built."""
    if matrix.shape[0] < 2:
        return Coefficient(None, 0, "fewer than 2 coders")
    if k < 2:
        return Coefficient(
            None, 0, f"{'AC1' if scheme is None else 'AC2'} needs at least 2 categories"
        )
    weight = np.eye(k) if scheme is None else agreement_weights(k, scheme)
    table = None if table is None else counts_of_table(table)
    # per m_u (values in the unit), whole numbers summed exactly: the counts r_ik (for pi_k)
    # and, for p_a, sum_k r_ik (r_ik - 1) (AC1) or the pair counts r_ik r_il (AC2, weighted
    # once per m_u); each divided once and added in increasing m_u (_data.by_values), so the
    # same to the bit in any order of the units (the per-unit fractions summed in unit order
    # were not)
    shares_by: dict[int, np.ndarray] = {}
    agreeing_by: dict[int, np.ndarray] = {}
    units_by: dict[int, int] = {}
    for start in range(0, matrix.shape[1], UNIT_BLOCK):  # units x k tables a block at a time
        block = slice(start, start + UNIT_BLOCK)
        part = category_counts(matrix[:, block], k) if table is None else table.block(block)
        for m, rows in by_values(part.per_unit, 1):
            counts = part.table[rows]
            shares_by[m] = shares_by.get(m, 0) + np.einsum("ij->j", counts)
            units_by[m] = units_by.get(m, 0) + len(rows)
            if m < 2:
                continue
            if scheme is None:  # AC1: identity weights, sum_j n_uj (n_uj - 1)
                pairs = np.asarray(part.squares[rows].sum() - m * len(rows))
            else:  # whole numbers below 2**53: BLAS's product is exact in any order
                floats = counts.astype(np.float64)
                pairs = floats.T @ floats
            agreeing_by[m] = agreeing_by.get(m, 0) + pairs
    units = sum(n for m, n in units_by.items() if m >= 2)
    if units == 0:
        return Coefficient(None, 0, "no unit was coded by 2 or more coders")
    shares, agreement = np.zeros(k), 0.0
    for m in sorted(shares_by):
        shares += shares_by[m] / m
    for m in sorted(agreeing_by):
        pairs = agreeing_by[m]
        if scheme is None:
            agreeing = float(pairs)
        else:  # sum_k r_ik (r*_ik - 1) = sum_kl w_kl r_ik r_il - r_i
            agreeing = float((weight * pairs).sum()) - m * units_by[m]
        agreement += agreeing / (m * (m - 1.0))
    pi = shares / sum(units_by.values())
    observed = agreement / units
    chance = float(weight.sum() * (pi * (1.0 - pi)).sum() / (k * (k - 1.0)))
    return Coefficient((observed - chance) / (1.0 - chance), units)


def prevalence(data: ArrayLike, *, n_categories: int | None = None) -> list[float]:
    """Share of each category among all values (every non-missing value counts once).

    Returns one share per category position ``0 .. n_categories-1``; empty when there are no
    values.
    """
    return prevalence_of(*_categorical(data, n_categories, "reliability data"))


def prevalence_of(
    matrix: np.ndarray, k: int, table: CategoryCounts | np.ndarray | None = None
) -> list[float]:
    """:func:`prevalence` of a matrix already checked (category positions ``0 .. k-1``);
    ``table``: its :class:`CategoryCounts` (or bare :func:`category_table`), if already built."""
    if table is not None:
        counts = counts_of_table(table).totals()
        total = int(counts.sum())
        return [float(x) for x in counts / total] if total else []
    present = matrix[~np.isnan(matrix)].astype(np.int64)
    if present.size == 0:
        return []
    return [float(x) for x in np.bincount(present, minlength=k) / present.size]
