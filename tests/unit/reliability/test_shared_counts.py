"""The counts summarize_dimension builds once and shares (issue #14, speed of
``socialcoder reliability``): the units x categories table gives alpha's value counts and the
sample-size check, Fleiss' kappa and AC1 are summed from it in whole numbers, and each coder
pair's k x k table gives its kappas, percent agreement, PI, BI and PABAK. Each is pinned here
against a computation written out in the test (plain loops over units and pairs) or the
``krippendorff`` package, and against the matrix paths the public functions take, to the bit
(the report's JSON must not change)."""

from __future__ import annotations

from collections import Counter
from itertools import combinations, permutations

import krippendorff
import numpy as np
import pytest

from socialcoder.reliability import summarize_dimension
from socialcoder.reliability._data import table_value_counts, value_counts
from socialcoder.reliability.alpha import krippendorff_alpha
from socialcoder.reliability.kappa import (
    category_counts,
    category_table,
    cohen_of,
    fleiss_of,
    gwet_of,
    pair_table,
    percent_of,
    prevalence_of,
)
from socialcoder.reliability.sample_size import sample_size
from socialcoder.reliability.specific import pair_indices, pair_indices_of, specific_of


def _matrix(seed: int, coders: int, units: int, k: int, missing: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, size=units)
    noise = rng.integers(0, k, size=(coders, units))
    m = np.where(rng.random((coders, units)) < 0.7, truth, noise).astype(np.float64)
    m[rng.random(m.shape) < missing] = np.nan
    if units > 3:
        m[:, 0] = 0.0  # a unit every coder agrees on
        m[:, 1] = np.nan
        m[0, 1] = 1.0 % k  # a unit coded once
        m[:, 2] = np.nan  # a unit nobody coded
    if k > 3:
        m[m == 2] = 1.0  # a category nobody used, between used ones
    return m


CASES = [
    _matrix(1, 3, 400, 10, 0.05),
    _matrix(2, 2, 50, 4, 0.3),
    _matrix(3, 5, 200, 3, 0.5),
    _matrix(4, 4, 70_000, 6, 0.1),  # more units than one block (UNIT_BLOCK)
    np.full((3, 20), 2.0),  # one value only
]


def _units(m: np.ndarray) -> list[list[int]]:
    return [[int(v) for v in m[:, u] if not np.isnan(v)] for u in range(m.shape[1])]


@pytest.mark.parametrize("m", CASES)
def test_the_value_counts_of_the_table_are_the_units_counted_one_by_one(m: np.ndarray) -> None:
    k = int(np.nanmax(m)) + 2  # a category above the largest used
    counts = table_value_counts(category_table(m, k))
    used = sorted({v for unit in _units(m) for v in unit})
    assert counts.values.tolist() == used
    assert counts.counts is not None
    for u, unit in enumerate(_units(m)):
        tally = Counter(unit)
        assert counts.counts[u].tolist() == [tally[v] for v in used]
        assert counts.per_unit[u] == len(unit)
    direct = value_counts(m)  # the matrix path krippendorff_alpha takes on its own
    np.testing.assert_array_equal(counts.values, direct.values)
    np.testing.assert_array_equal(counts.counts, direct.counts)
    np.testing.assert_array_equal(counts.per_unit, direct.per_unit)


@pytest.mark.parametrize("m", CASES[:4])
@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_alpha_from_the_shared_counts(m: np.ndarray, level: str) -> None:
    k = int(np.nanmax(m)) + 1
    shared = krippendorff_alpha(m, level, counts=table_value_counts(category_table(m, k)))
    assert shared == krippendorff_alpha(m, level)
    expected = krippendorff.alpha(
        reliability_data=m, level_of_measurement=level, value_domain=np.arange(k, dtype=float)
    )
    assert shared.alpha == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("m", CASES)
def test_the_sample_size_from_the_shared_counts(m: np.ndarray) -> None:
    k = int(np.nanmax(m)) + 1
    labels = [f"v{i}" for i in range(k)]
    counts = table_value_counts(category_table(m, k))
    shared = sample_size(m, categorical=True, labels=labels, counts=counts)
    assert shared == sample_size(m, categorical=True, labels=labels)
    pairable = [unit for unit in _units(m) if len(unit) >= 2]
    tally = Counter(v for unit in pairable for v in unit)
    rarest = min(sorted(tally), key=lambda v: tally[v])  # the first of the rarest
    assert shared.pairable_units == len(pairable)
    assert shared.rarest_value == labels[rarest]
    assert shared.rarest_share == tally[rarest] / sum(tally.values())


@pytest.mark.parametrize("m", CASES)
def test_fleiss_from_the_shared_table(m: np.ndarray) -> None:
    raters, k = m.shape[0], int(np.nanmax(m)) + 1
    shared = fleiss_of(m, k, category_counts(m, k))
    assert shared == fleiss_of(m, k)
    complete = [Counter(unit) for unit in _units(m) if len(unit) == raters]
    per_unit = [
        (sum(n * n for n in c.values()) - raters) / (raters * (raters - 1)) for c in complete
    ]
    p = [sum(c[j] for c in complete) / (len(complete) * raters) for j in range(k)]
    chance = sum(x * x for x in p)
    assert shared.units == len(complete)
    if chance >= 1.0 - 1e-15:
        assert shared.value is None
    else:
        assert shared.value == pytest.approx(
            (sum(per_unit) / len(per_unit) - chance) / (1 - chance), abs=1e-12
        )


@pytest.mark.parametrize("m", CASES)
def test_ac1_and_ac2_from_the_shared_table(m: np.ndarray) -> None:
    k = max(2, int(np.nanmax(m)) + 1)
    table = category_counts(m, k)
    for scheme in (None, "ordinal", "quadratic"):
        assert gwet_of(m, k, scheme, table) == gwet_of(m, k, scheme)  # type: ignore[arg-type]
    coded = [Counter(unit) for unit in _units(m) if unit]
    pairable = [c for c in coded if sum(c.values()) >= 2]
    p_a = sum(
        sum(n * (n - 1) for n in c.values()) / (sum(c.values()) * (sum(c.values()) - 1))
        for c in pairable
    ) / len(pairable)
    pi = [sum(c[j] / sum(c.values()) for c in coded) / len(coded) for j in range(k)]
    p_e = sum(x * (1 - x) for x in pi) / (k - 1)
    ac1 = gwet_of(m, k, None, table)
    assert ac1.units == len(pairable)
    assert ac1.value == pytest.approx((p_a - p_e) / (1 - p_e), abs=1e-12)


@pytest.mark.parametrize("m", CASES)
def test_each_pair_from_its_table(m: np.ndarray) -> None:
    k = max(2, int(np.nanmax(m)) + 1)
    for i, j in combinations(range(m.shape[0]), 2):
        table = pair_table(m[i], m[j], k)
        both = [(int(a), int(b)) for a, b in zip(m[i], m[j], strict=True) if a == a and b == b]
        tally = Counter(both)
        assert table.tolist() == [[tally[(x, y)] for y in range(k)] for x in range(k)]
        for weights in (None, "linear", "quadratic"):
            assert cohen_of(m[i], m[j], k, weights, table) == cohen_of(m[i], m[j], k, weights)  # type: ignore[arg-type]
        for positive in (None, 0, 1):
            expected = pair_indices(m[i], m[j], n_categories=k, positive=positive)
            assert pair_indices_of(table, positive=positive) == expected
        kappa = cohen_of(m[i], m[j], k, None, table)
        p_o = sum(a == b for a, b in both) / len(both)
        first, second = Counter(a for a, _ in both), Counter(b for _, b in both)
        p_e = sum(first[c] * second[c] for c in range(k)) / len(both) ** 2
        if p_e == 1.0:  # both coders used one and the same category only
            assert kappa.value is None
        else:
            assert kappa.value == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-12)


@pytest.mark.parametrize("m", CASES)
@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_the_pairs_percent_agreement_is_the_mean_of_equal_values(m: np.ndarray, level: str) -> None:
    k = int(np.nanmax(m)) + 1
    names = [f"c{i}" for i in range(m.shape[0])]
    result = summarize_dimension(
        m, key="k", level=level, categories=[f"v{i}" for i in range(k)], coder_names=names
    )
    pairs = combinations(range(m.shape[0]), 2)
    for pair, (i, j) in zip(result.cohen_kappa_pairs, pairs, strict=True):
        both = ~np.isnan(m[i]) & ~np.isnan(m[j])
        assert pair.percent_agreement == float((m[i, both] == m[j, both]).mean())
        assert pair.units == int(both.sum())
    # every ordered pair of a unit's values agrees or not: the mean over pairable units
    shares = []
    for unit in _units(m):
        if len(unit) >= 2:
            pairs = list(permutations(unit, 2))
            shares.append(sum(a == b for a, b in pairs) / len(pairs))
    assert result.percent_agreement == pytest.approx(sum(shares) / len(shares), abs=1e-12)


@pytest.mark.parametrize("m", CASES)
def test_the_per_unit_sums_and_the_coefficients_summed_from_them(m: np.ndarray) -> None:
    k = int(np.nanmax(m)) + 1
    counts = category_counts(m, k)
    for u, unit in enumerate(_units(m)):
        tally = Counter(unit)
        assert counts.table[u].tolist() == [tally[j] for j in range(k)]
        assert counts.per_unit[u] == len(unit)
        assert counts.squares[u] == sum(n * n for n in tally.values())
    assert percent_of(m, counts) == percent_of(m)  # the bit-exact pairs of coders
    assert specific_of(m, k, counts) == specific_of(m, k)
    assert prevalence_of(m, k, counts) == prevalence_of(m, k)
    pairable = [Counter(unit) for unit in _units(m) if len(unit) >= 2]
    for j, ps in enumerate(specific_of(m, k, counts)):
        possible = sum(c[j] * (sum(c.values()) - 1) for c in pairable)
        agreeing = sum(c[j] * (c[j] - 1) for c in pairable)
        assert ps == (agreeing / possible if possible else None)
