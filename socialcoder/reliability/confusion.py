"""The confusion matrix of two coders: how often coder A's value ``i`` met coder B's value ``j``
on the units both coded (the units the reliability engine pairs for these two coders).

Input: two coders' rows of a ``coders x units`` array (binary, nominal and ordinal values as
0-based category positions, interval and ratio values as the numbers themselves), ``np.nan``
where a coder gave no value. Counted with one ``np.bincount`` over the pairs' flat indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from socialcoder.reliability._data import FloatArray, as_matrix, check_categories


@dataclass(frozen=True, slots=True)
class ConfusionMatrix:
    """Two coders' values on one dimension, cross-tabulated."""

    dimension: str
    coder_a: str
    coder_b: str
    values: tuple[str, ...]  # stored value texts, codebook order (or sorted numbers)
    labels: tuple[str, ...]  # what to show for each value
    counts: tuple[tuple[int, ...], ...]  # rows: coder_a's value, columns: coder_b's value

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.counts)

    @property
    def agreements(self) -> int:
        return sum(self.counts[i][i] for i in range(len(self.values)))


def confusion_counts(
    a: ArrayLike, b: ArrayLike, *, n_categories: int | None = None
) -> tuple[FloatArray, NDArray[np.int64]]:
    """``(levels, counts)``: ``counts[i, j]`` is the number of units on which ``a`` gave
    ``levels[i]`` and ``b`` gave ``levels[j]``, over the units both coded.

    With ``n_categories`` the values are category positions and ``levels`` is every position
    ``0 .. n_categories-1``, used or not; without it ``levels`` is the distinct values either
    coder gave on those units, sorted."""
    pair = as_matrix([np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)])
    both = ~np.isnan(pair).any(axis=0)
    x, y = pair[0, both], pair[1, both]
    if n_categories is not None:
        k = check_categories(pair[:, both], n_categories, name="confusion matrix")
        levels = np.arange(k, dtype=np.float64)
        ix, iy = x.astype(np.int64), y.astype(np.int64)
    else:
        levels = np.unique(np.concatenate([x, y]))
        k = len(levels)
        ix, iy = np.searchsorted(levels, x), np.searchsorted(levels, y)
    counts = np.bincount(ix * k + iy, minlength=k * k).astype(np.int64).reshape(k, k)
    return levels, counts
