"""Agreement on each value: specific agreement, and the prevalence and bias indices of a pair.

A high share of agreeing pairs says little when one value dominates: two coders who each mark
5 of 100 units 'present' and never on the same unit still agree on 90 units. These figures show
where the agreement lies.

* **Specific agreement** on value ``j`` (Cicchetti & Feinstein 1990, for two coders: positive
  agreement ``2a / (2a + b + c)`` and negative agreement ``2d / (2d + b + c)``; for several
  coders and missing values, Uebersax's generalisation): of all the times a coder used ``j`` on
  a pairable unit, the share in which another coder of that unit used ``j`` too,

      ``PS_j = sum_u n_uj (n_uj - 1) / sum_u n_uj (m_u - 1)``

  over units with ``m_u >= 2`` values (``n_uj`` coders gave unit ``u`` value ``j``). ``None``
  when ``j`` was never used on a pairable unit.
* **Prevalence index, bias index and PABAK** of two coders on a two-category table (Byrt,
  Bishop & Carlin 1993), with ``a`` = both positive, ``d`` = both negative, ``b`` = first coder
  positive and second negative, ``c`` = the reverse, ``n = a + b + c + d``:
  ``PI = (a - d) / n``, ``BI = (b - c) / n``, ``PABAK = 2 p_o - 1``; for ``k`` categories
  ``PABAK = (k p_o - 1) / (k - 1)`` (PI and BI are defined for two categories only).

Inputs are ``coders x units`` arrays of category positions with ``np.nan`` for missing values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from socialcoder.reliability._data import UNIT_BLOCK, as_matrix, check_categories
from socialcoder.reliability.kappa import CategoryCounts, counts_of_table


def specific_agreement(data: ArrayLike, *, n_categories: int | None = None) -> list[float | None]:
    """``PS_j`` for every category position ``j`` (see the module docstring)."""
    matrix = as_matrix(data)
    return specific_of(matrix, check_categories(matrix, n_categories, name="reliability data"))


def specific_of(
    matrix: np.ndarray, k: int, table: CategoryCounts | np.ndarray | None = None
) -> list[float | None]:
    """:func:`specific_agreement` of a matrix already checked (category positions
    ``0 .. k-1``); ``table``: its :class:`~socialcoder.reliability.kappa.CategoryCounts`, if
    already built."""
    possible = np.zeros(k, dtype=np.int64)
    agreeing = np.zeros(k, dtype=np.int64)
    if table is not None:  # a unit with fewer than 2 values adds 0 to both sums
        table = counts_of_table(table)
        n = table.table  # sum_u n_uj (m_u - 1) and sum_u n_uj (n_uj - 1), in whole numbers
        possible = np.einsum("i,ij->j", table.per_unit - 1, n)
        agreeing = np.einsum("ij,ij->j", n, n) - table.totals()
        return [
            float(a) / float(p) if p > 0 else None for a, p in zip(agreeing, possible, strict=True)
        ]
    # n_uj for every pairable unit and value of a block of units at once (one pass over the
    # matrix; a block's units x k table at a time); the sums are of whole numbers, so exact
    for start in range(0, matrix.shape[1], UNIT_BLOCK):
        block = matrix[:, start : start + UNIT_BLOCK]
        per_unit = (~np.isnan(block)).sum(axis=0)
        keep = per_unit >= 2
        sub = block[:, keep]
        held = ~np.isnan(sub)
        units = np.nonzero(held)[1]
        flat = np.bincount(units * k + sub[held].astype(np.int64), minlength=sub.shape[1] * k)
        n = flat.reshape(sub.shape[1], k)
        possible += (n * (per_unit[keep] - 1)[:, None]).sum(axis=0)
        agreeing += (n * (n - 1)).sum(axis=0)
    return [float(a) / float(p) if p > 0 else None for a, p in zip(agreeing, possible, strict=True)]


@dataclass(frozen=True, slots=True)
class PairIndices:
    """Byrt, Bishop & Carlin's (1993) figures for one coder pair (``None`` when undefined)."""

    prevalence_index: float | None
    bias_index: float | None
    pabak: float | None


def pair_indices(
    first: ArrayLike, second: ArrayLike, *, n_categories: int, positive: int | None
) -> PairIndices:
    """PI, BI and PABAK of two coders over the units both coded.

    ``positive``: the position of the positive ('present') category of two-category data;
    ``None`` for more than two categories (then only PABAK is given).
    """
    a_row = np.asarray(first, dtype=np.float64)
    b_row = np.asarray(second, dtype=np.float64)
    both = ~np.isnan(a_row) & ~np.isnan(b_row)
    n = int(both.sum())
    if n == 0 or n_categories < 2:
        return PairIndices(None, None, None)
    x, y = a_row[both], b_row[both]
    observed = float((x == y).mean())
    pabak = (n_categories * observed - 1.0) / (n_categories - 1.0)
    if positive is None or n_categories != 2:
        return PairIndices(None, None, pabak)
    a = float(((x == positive) & (y == positive)).sum())
    d = float(((x != positive) & (y != positive)).sum())
    b = float(((x == positive) & (y != positive)).sum())
    c = float(((x != positive) & (y == positive)).sum())
    return PairIndices((a - d) / n, (b - c) / n, pabak)


def pair_indices_of(table: np.ndarray, *, positive: int | None) -> PairIndices:
    """:func:`pair_indices` from the pair's ``k x k`` table
    (:func:`~socialcoder.reliability.kappa.pair_table`, of category positions): the same
    figures from its whole-number cells (``p_o`` is its diagonal over its total)."""
    n = int(table.sum())
    n_categories = table.shape[0]
    if n == 0 or n_categories < 2:
        return PairIndices(None, None, None)
    observed = int(np.trace(table)) / n
    pabak = (n_categories * observed - 1.0) / (n_categories - 1.0)
    if positive is None or n_categories != 2:
        return PairIndices(None, None, pabak)
    negative = 1 - positive
    a = float(table[positive, positive])
    d = float(table[negative, negative])
    b = float(table[positive, negative])
    c = float(table[negative, positive])
    return PairIndices((a - d) / n, (b - c) / n, pabak)
