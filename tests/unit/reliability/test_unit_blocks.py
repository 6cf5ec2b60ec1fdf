"""Coefficients that build their ``units x V`` tables a block of units at a time (issue #14:
memory at 3 coders x 500,000 units) give what one block over every unit gives: the same
coincidence matrix, AC1, AC2 and specific agreement (exact in integers, the floats to the
last few bits) with blocks of 7 units as with one block."""

from __future__ import annotations

import numpy as np
import pytest

from socialcoder.reliability import alpha as alpha_module
from socialcoder.reliability import kappa as kappa_module
from socialcoder.reliability import specific as specific_module
from socialcoder.reliability._data import value_counts
from socialcoder.reliability.alpha import coincidence_matrix, krippendorff_alpha
from socialcoder.reliability.kappa import gwet_ac1, gwet_ac2
from socialcoder.reliability.specific import specific_agreement

rng = np.random.default_rng(500)
MATRIX = rng.integers(0, 5, size=(3, 103)).astype(np.float64)
MATRIX[rng.random(MATRIX.shape) < 0.3] = np.nan  # units with 0, 1, 2 and 3 values


def _figures() -> tuple[np.ndarray, float | None, float | None, float | None, list[float | None]]:
    counts = value_counts(MATRIX)
    assert counts.counts is not None
    return (
        coincidence_matrix(counts.counts, counts.per_unit),
        krippendorff_alpha(MATRIX, "ordinal").alpha,
        gwet_ac1(MATRIX, n_categories=5).value,
        gwet_ac2(MATRIX, n_categories=5, weights="quadratic").value,
        specific_agreement(MATRIX, n_categories=5),
    )


def test_blocks_of_units_give_the_whole_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _figures()
    for module in (alpha_module, kappa_module, specific_module):
        monkeypatch.setattr(module, "UNIT_BLOCK", 7)
    blocks = _figures()
    np.testing.assert_allclose(blocks[0], whole[0], rtol=1e-12)
    assert blocks[1:4] == pytest.approx(whole[1:4], rel=1e-12)
    assert blocks[4] == whole[4]


def test_the_shared_table_gives_each_coefficients_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from socialcoder.reliability.kappa import (
        category_table,
        fleiss_kappa,
        fleiss_of,
        gwet_of,
        prevalence,
        prevalence_of,
    )
    from socialcoder.reliability.specific import specific_of

    for module in (kappa_module, specific_module):
        monkeypatch.setattr(module, "UNIT_BLOCK", 7)
    table = category_table(MATRIX, 5)
    assert fleiss_of(MATRIX, 5, table) == fleiss_kappa(MATRIX, n_categories=5)
    assert gwet_of(MATRIX, 5, None, table) == gwet_ac1(MATRIX, n_categories=5)
    assert gwet_of(MATRIX, 5, "ordinal", table) == gwet_ac2(MATRIX, n_categories=5)
    assert specific_of(MATRIX, 5, table) == specific_agreement(MATRIX, n_categories=5)
    assert prevalence_of(MATRIX, 5, table) == prevalence(MATRIX, n_categories=5)
