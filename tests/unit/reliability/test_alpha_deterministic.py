"""Alpha's figures do not depend on the machine's BLAS threads or on the order of the units.

Found while measuring issue #14: the coincidence matrix was summed as a float matrix product of
counts already divided by ``m_u - 1``, so OpenBLAS's thread count (the number of cores, or
``OPENBLAS_NUM_THREADS``) and the order the units came in changed the figures' last bits: the
same study gave a different JSON on a 2-core laptop than on a lab server. The matrix is now
summed in whole numbers for each ``m_u`` (exact in float64 whatever the order) and divided once
per ``m_u``, so it is the same to the bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from socialcoder.reliability.alpha import coincidence_matrix, krippendorff_alpha


def _counts(seed: int, units: int, coders: int, values: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, values, size=units)
    codes = np.where(
        rng.random((coders, units)) < 0.6, truth, rng.integers(0, values, (coders, units))
    )
    present = rng.random((coders, units)) < 0.8
    counts = np.zeros((units, values), dtype=np.int64)
    for coder in range(coders):
        np.add.at(counts, (np.flatnonzero(present[coder]), codes[coder][present[coder]]), 1)
    return counts, counts.sum(axis=1)


@pytest.mark.parametrize("seed", range(6))
def test_units_in_any_order_give_the_same_matrix_to_the_bit(seed: int) -> None:
    counts, per_unit = _counts(seed, units=150_000, coders=5, values=7)
    order = np.random.default_rng(seed + 100).permutation(len(counts))
    first = coincidence_matrix(counts, per_unit)
    again = coincidence_matrix(counts[order], per_unit[order])
    assert first.tobytes() == again.tobytes()


def test_the_matrix_is_krippendorffs_written_out() -> None:
    """Each unit adds n_uc * n_uk / (m_u - 1) off the diagonal and n_uc (n_uc - 1) / (m_u - 1) on
    it (Krippendorff 2011, 'Computing Krippendorff's alpha-reliability'), summed here unit by
    unit in exact fractions."""
    from fractions import Fraction

    counts, per_unit = _counts(3, units=300, coders=4, values=4)
    expected = [[Fraction(0)] * 4 for _ in range(4)]
    for row, m in zip(counts.tolist(), per_unit.tolist(), strict=True):
        if m < 2:
            continue
        for c in range(4):
            for k in range(4):
                pairs = row[c] * (row[k] - (c == k))
                expected[c][k] += Fraction(pairs, m - 1)
    matrix = coincidence_matrix(counts, per_unit)
    for c in range(4):
        for k in range(4):
            assert matrix[c, k] == pytest.approx(float(expected[c][k]), rel=1e-15, abs=1e-12)


def test_alpha_is_unchanged_in_value() -> None:
    rng = np.random.default_rng(11)
    data = rng.integers(0, 5, size=(3, 2_000)).astype(np.float64)
    data[rng.random(data.shape) < 0.2] = np.nan
    import krippendorff

    ours = krippendorff_alpha(data, "nominal").alpha
    assert ours == pytest.approx(
        krippendorff.alpha(data, level_of_measurement="nominal"), abs=1e-12
    )
