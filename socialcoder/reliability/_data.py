"""Shared input checks and the per-unit value counts every coefficient starts from.

Reliability data arrive as a 2-D float array of shape ``(coders, units)``; ``np.nan`` marks a
missing value (the coder did not code that unit). For binary, nominal and ordinal dimensions a
value is the 0-based position of the category in codebook order; for interval and ratio
dimensions it is the number itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from socialcoder.errors import UserError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Above this many distinct values no ``units x V`` or ``V x V`` table is built.
MAX_MATRIX_VALUES = 2048
#: Units per block where a coefficient's ``units x V`` float tables are built a block at a
#: time (issue #14: at 3 coders x 500,000 units whole-matrix copies were the peak of memory)
UNIT_BLOCK = 65_536


def ordered_product(left: FloatArray, right: FloatArray) -> FloatArray:
    """``left @ right`` (``r x k`` by ``k x c``) summed in one fixed order, numpy's pairwise sum
    of each row's ``k`` products, so that it is the same to the bit on every machine.

    BLAS's matrix product sums in an order that depends on its thread count and on the
    processor's kernels; sums of fractions then differ in their last bits between a laptop and
    a lab server (issue #14's measurements found it). Use ``@`` only where every product and
    partial sum is a whole number below 2**53, which float64 holds exactly in any order.
    """
    out = np.empty((left.shape[0], right.shape[1]))
    for column in range(right.shape[1]):
        np.sum(left * right[:, column], axis=1, out=out[:, column])
    return out


def by_values(per_unit: IntArray, least: int = 2) -> Iterator[tuple[int, IntArray]]:
    """The units grouped by how many values they hold: ``(m, the units with m values)`` for
    every ``m >= least`` that occurs, in increasing ``m``.

    A sum over units of per-unit fractions (``x_u / f(m_u)`` with whole numbers ``x_u``) is
    the same to the bit in any order of the units when each group's whole numbers are summed
    exactly, divided once, and the groups added in increasing ``m``; a sum of the fractions in
    unit order is not (issue #14: percent agreement, Fleiss' kappa, AC1/AC2 differed in their
    last bits when the same units came in another order).
    """
    occurring = np.bincount(per_unit.astype(np.intp)) if per_unit.size else np.zeros(0, np.intp)
    for m in np.flatnonzero(occurring[least:]).tolist():
        yield m + least, np.flatnonzero(per_unit == m + least)


def exact_sum(values: FloatArray) -> float:
    """The sum of real numbers rounded once (``math.fsum``), so that it is the same to the bit
    in any order of the values; for real-valued per-unit terms (interval and ratio data with
    too many distinct values for a ``V x V`` table), whose float sum in unit order is not."""
    return math.fsum(np.asarray(values, dtype=np.float64).ravel().tolist())


def sorted_units(matrix: FloatArray) -> FloatArray:
    """Each unit's values in increasing order (missing ones last): real-valued sums within a
    unit are then the same to the bit in any order of the coders."""
    return np.sort(matrix, axis=0)


class Level(StrEnum):
    """Level of measurement (Krippendorff's metric) of a dimension."""

    BINARY = "binary"
    NOMINAL = "nominal"
    ORDINAL = "ordinal"
    INTERVAL = "interval"
    RATIO = "ratio"

    @property
    def is_categorical(self) -> bool:
        """Binary, nominal and ordinal data: values are category positions."""
        return self in (Level.BINARY, Level.NOMINAL, Level.ORDINAL)


def as_level(level: str | Level) -> Level:
    """Parse a level name such as ``"nominal"`` (a codebook ``Scale`` works too)."""
    try:
        return Level(str(level).lower())
    except ValueError:
        allowed = ", ".join(item.value for item in Level)
        raise UserError(f"unknown level of measurement {level!r} (use one of: {allowed})") from None


def as_matrix(data: ArrayLike, *, name: str = "reliability data") -> FloatArray:
    """Return ``data`` as a 2-D float64 array (coders x units); refuse anything else.

    ``None`` entries become ``np.nan``. Infinite values are refused.
    """
    try:
        matrix = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{name}: values must be numbers or missing ({exc})") from None
    if matrix.ndim != 2:
        raise UserError(f"{name}: expected a coders x units table, got {matrix.ndim} dimension(s)")
    if np.isinf(matrix).any():
        raise UserError(f"{name}: infinite values are not allowed")
    return matrix


def check_categories(matrix: FloatArray, n_categories: int | None, *, name: str) -> int:
    """Check that every value is a category position ``0 .. n_categories-1``.

    Returns the number of categories (inferred as the largest position + 1 when not given).
    """
    present = matrix[~np.isnan(matrix)]
    if present.size and not np.all(present == np.floor(present)):
        bad = present[present != np.floor(present)][0]
        raise UserError(f"{name}: value {bad:g} is not a category position (0, 1, 2, ...)")
    if present.size and present.min() < 0:
        lowest = present.min()
        raise UserError(f"{name}: value {lowest:g} is not a category position (0, 1, 2, ...)")
    top = int(present.max()) + 1 if present.size else 0
    if n_categories is None:
        return top
    if top > n_categories:
        raise UserError(
            f"{name}: value {top - 1} is out of range for {n_categories} categories "
            f"(positions 0 to {n_categories - 1})"
        )
    return n_categories


@dataclass(frozen=True, slots=True, eq=False)
class ValueCounts:
    """How often each value occurs in each unit.

    ``values``: the distinct values present, sorted, shape ``(V,)``.
    ``counts``: shape ``(units, V)``; ``counts[u, c]`` is how many coders gave unit ``u`` the
    value ``values[c]``; ``None`` when there are more than :data:`MAX_MATRIX_VALUES` distinct
    values (continuous interval/ratio data). ``per_unit``: shape ``(units,)``, the number of
    values in each unit.
    """

    values: FloatArray
    counts: IntArray | None
    per_unit: IntArray

    @property
    def pairable(self) -> NDArray[np.bool_]:
        """Mask of units with at least two values (Krippendorff's pairable units)."""
        return self.per_unit >= 2

    def pairable_totals(self) -> IntArray:
        """How often each value occurs in pairable units (``counts`` must be built): every
        unit's counts summed, less those of the units with a single value, so that the
        pairable rows are never copied (whole numbers: the same as summing those rows)."""
        assert self.counts is not None
        single = np.flatnonzero(self.per_unit == 1)
        return np.einsum("ij->j", self.counts) - np.einsum("ij->j", self.counts[single])


def value_counts(matrix: FloatArray) -> ValueCounts:
    """Count values per unit of a coders x units matrix without building pair arrays.

    Memory is ``O(units x V)``, and no table at all beyond :data:`MAX_MATRIX_VALUES` values.
    For small non-negative integer codes the value index comes from a lookup table, otherwise
    from ``np.unique``.
    """
    n_units = matrix.shape[1]
    mask = ~np.isnan(matrix)
    unit_index = np.nonzero(mask)[1]
    present = matrix[mask]
    if present.size == 0:
        return ValueCounts(
            values=np.empty(0),
            counts=np.zeros((n_units, 0), dtype=np.int64),
            per_unit=np.zeros(n_units, dtype=np.int64),
        )
    is_small_int = (
        present.min() >= 0 and present.max() < 65536 and np.all(present == np.floor(present))
    )
    if is_small_int:
        codes = present.astype(np.int64)
        used = np.bincount(codes) > 0
        values = np.flatnonzero(used).astype(np.float64)
        lookup = np.cumsum(used) - 1
        value_index = lookup[codes]
    else:
        values, value_index = np.unique(present, return_inverse=True)
    n_values = values.size
    per_unit = mask.sum(axis=0).astype(np.int64)
    if n_values > MAX_MATRIX_VALUES:
        return ValueCounts(values=values, counts=None, per_unit=per_unit)
    flat = np.bincount(unit_index * n_values + value_index, minlength=n_units * n_values)
    counts = flat.reshape(n_units, n_values).astype(np.int64, copy=False)
    return ValueCounts(values=values, counts=counts, per_unit=per_unit)


def table_value_counts(table: IntArray, per_unit: IntArray | None = None) -> ValueCounts:
    """:func:`value_counts` of a matrix of category positions from its ``units x k`` table
    (:func:`~socialcoder.reliability.kappa.category_table`; ``table[u, j]`` coders put unit
    ``u`` in category ``j``), without another pass over the matrix: the same values, counts
    and per-unit totals (the columns of the categories nobody used are left out, as
    :func:`value_counts` leaves them out); ``per_unit``: the table's row sums, if known."""
    n_units = table.shape[0]
    totals = np.einsum("ij->j", table)
    used = totals > 0
    per_unit = (np.einsum("ij->i", table) if per_unit is None else per_unit).astype(
        np.int64, copy=False
    )
    values = np.flatnonzero(used).astype(np.float64)
    if values.size == 0:
        return ValueCounts(
            values=np.empty(0),
            counts=np.zeros((n_units, 0), dtype=np.int64),
            per_unit=np.zeros(n_units, dtype=np.int64),
        )
    if values.size > MAX_MATRIX_VALUES:
        return ValueCounts(values=values, counts=None, per_unit=per_unit)
    counts = table if bool(used.all()) else table[:, used]
    return ValueCounts(values=values, counts=counts.astype(np.int64, copy=False), per_unit=per_unit)


def pairable_totals(matrix: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distinct values in pairable units (sorted) and how often each occurs there (``n_c``)."""
    keep = (~np.isnan(matrix)).sum(axis=0) >= 2
    sub = matrix[:, keep]
    values, totals = np.unique(sub[~np.isnan(sub)], return_counts=True)
    return values, totals.astype(np.float64)
