"""Every reliability figure is the same to the bit whatever the order of the units and coders.

Found after alpha's and the bootstrap's BLAS fixes (test_alpha_deterministic.py,
test_bootstrap_deterministic.py): the other coefficients summed per-unit fractions in unit
order. Over 60 random matrices (2-6 coders, 20-5,000 units, missing values), the same matrix
with its units in another order gave other last bits of percent agreement, Fleiss' kappa,
Gwet's AC1 and AC2 (binary, nominal, ordinal), and of alpha and its disagreements for interval
and ratio data with more than 2,048 distinct values; with its coders in another order, other
bits of Cohen's (weighted) kappa (the pair's table transposed) and of that alpha; and that
alpha's ratio metric summed its expected disagreement with BLAS (2 of 24 alphas of 2,100-5,000
units differed between 1 and 2 OpenBLAS threads; each costs seconds, so no test here repeats
it in subprocesses: the sum is now ordered_product's, as the bootstrap's). Now whole numbers are summed exactly per number of values in
a unit and divided once (``_data.by_values``), Cohen's kappa is one quotient of whole numbers,
and real-valued sums run over each unit's values in increasing order and are rounded once
(``_data.exact_sum``); so are the interval bootstrap's per-unit features (the same seed gave
another interval for 4 of 10 matrices with their coders or units in another order).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from socialcoder.reliability import (
    agreement_weights,
    bootstrap_alpha,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    krippendorff_alpha,
    percent_agreement,
    summarize_dimension,
)
from socialcoder.reliability._data import MAX_MATRIX_VALUES
from socialcoder.reliability.sessions import change_reliability, score_reliability

LEVELS = ("binary", "nominal", "ordinal", "interval", "ratio")


def _matrix(rng: np.random.Generator, level: str, coders: int, units: int) -> np.ndarray:
    """Coders who mostly agree, with missing values; interval/ratio data to one decimal."""
    if level in ("binary", "nominal", "ordinal"):
        k = 2 if level == "binary" else int(rng.integers(3, 7))
        truth = rng.integers(0, k, units)
        noise = rng.integers(0, k, (coders, units))
        data = np.where(rng.random((coders, units)) < 0.7, truth, noise).astype(np.float64)
    else:
        data = np.abs(rng.normal(5.0, 2.0, units) + rng.normal(0.0, 1.0, (coders, units)))
        data = np.round(data, 1)
    data[rng.random(data.shape) < rng.uniform(0.0, 0.4)] = np.nan
    return data


def _figures(data: np.ndarray, level: str, names: list[str]) -> str:
    """Every figure of the dimension, as JSON (which keeps every bit of a float), with the
    coder pairs in name order (a pair taken the other way round has the opposite bias)."""
    item: dict[str, Any] = summarize_dimension(
        data, key="d", level=level, coder_names=names
    ).to_dict()
    for pair in item["cohen_kappa_pairs"]:
        if pair["coders"] != sorted(pair["coders"]):
            pair["coders"].reverse()
            if pair["bias_index"]:
                pair["bias_index"] = -pair["bias_index"]
    item["cohen_kappa_pairs"].sort(key=lambda pair: pair["coders"])
    item["coders"].sort()
    return json.dumps(item)


@pytest.mark.parametrize("level", LEVELS)
def test_every_figure_is_the_same_to_the_bit_in_any_order_of_units_and_coders(level: str) -> None:
    rng = np.random.default_rng(LEVELS.index(level))
    for trial in range(8):
        coders = int(rng.integers(2, 7))
        units = int(rng.integers(20, 900))
        data = _matrix(rng, level, coders, units)
        names = [f"coder{i}" for i in range(coders)]
        expected = _figures(data, level, names)
        units_shuffled = data[:, rng.permutation(units)]
        assert _figures(units_shuffled, level, names) == expected, (trial, "units")
        order = rng.permutation(coders)
        coders_shuffled = data[order]
        assert _figures(coders_shuffled, level, [names[i] for i in order]) == expected, (
            trial,
            "coders",
        )


def _alpha_bits(data: np.ndarray, level: str) -> tuple[str, ...]:
    result = krippendorff_alpha(data, level)
    parts = (result.alpha, result.observed_disagreement, result.expected_disagreement)
    assert all(part is not None for part in parts)
    return tuple(float(part).hex() for part in parts if part is not None)


def test_alpha_of_many_distinct_values_is_the_same_to_the_bit_in_any_order() -> None:
    # more distinct values than MAX_MATRIX_VALUES: no V x V table (the closed form for interval
    # data, sums over pairs of coders for ratio data)
    rng = np.random.default_rng(21)
    for level in ("interval", "ratio"):
        for _ in range(4):
            coders = int(rng.integers(2, 4))
            units = int(rng.integers(2400, 2800)) // coders
            data = np.abs(rng.normal(5.0, 2.0, units) + rng.normal(0.0, 1.0, (coders, units)))
            data[rng.random(data.shape) < 0.1] = np.nan
            assert np.unique(data[~np.isnan(data)]).size > MAX_MATRIX_VALUES
            expected = _alpha_bits(data, level)
            assert _alpha_bits(data[:, rng.permutation(units)], level) == expected
            assert _alpha_bits(data[::-1], level) == expected


def test_an_interval_bootstrap_is_the_same_to_the_bit_in_any_order_of_units_and_coders() -> None:
    # interval data: each unit's features (its mean, within-unit and centred sums) are real
    # numbers, and the unit bootstrap resamples distinct patterns of them
    rng = np.random.default_rng(4)
    for trial in range(10):
        coders, units = int(rng.integers(3, 7)), int(rng.integers(30, 300))
        data = np.round(rng.normal(3.0, 1.0, units) + rng.normal(0.0, 0.7, (coders, units)), 2)
        data[rng.random(data.shape) < 0.2] = np.nan
        expected = bootstrap_alpha(data, "interval", replicates=200, seed=trial)
        assert expected.low is not None
        for shuffled in (data[rng.permutation(coders)], data[:, rng.permutation(units)]):
            got = bootstrap_alpha(shuffled, "interval", replicates=200, seed=trial)
            assert (got.low, got.high, got.q_below) == (
                expected.low,
                expected.high,
                expected.q_below,
            ), trial


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohens_kappa_is_the_same_to_the_bit_with_the_coders_either_way_round(
    weights: Any,
) -> None:
    rng = np.random.default_rng(5)
    for _ in range(40):
        k = int(rng.integers(2, 7))
        units = int(rng.integers(20, 500))
        first = rng.integers(0, k, units).astype(np.float64)
        second = np.where(rng.random(units) < 0.6, first, rng.integers(0, k, units))
        one = cohen_kappa(first, second, n_categories=k, weights=weights).value
        other = cohen_kappa(second, first, n_categories=k, weights=weights).value
        assert one is not None and other is not None
        assert one.hex() == other.hex()


# --- the figures against exact rational arithmetic from the definitions (kappa.py's docstrings)


def _cells(data: np.ndarray, k: int) -> list[list[int]]:
    """Each unit's count per category (units x k)."""
    return [[int(np.sum(data[:, u] == j)) for j in range(k)] for u in range(data.shape[1])]


def _percent(data: np.ndarray, k: int) -> Fraction:
    shares = [
        Fraction(sum(n * (n - 1) for n in row), sum(row) * (sum(row) - 1))
        for row in _cells(data, k)
        if sum(row) >= 2
    ]
    return sum(shares, Fraction(0)) / len(shares)


def _fleiss(data: np.ndarray, k: int) -> Fraction:
    r = data.shape[0]
    rows = [row for row in _cells(data, k) if sum(row) == r]
    p_bar = sum((Fraction(sum(n * n for n in row) - r, r * (r - 1)) for row in rows), Fraction(0))
    p_bar /= len(rows)
    p_e = sum(Fraction(sum(row[j] for row in rows), len(rows) * r) ** 2 for j in range(k))
    return (p_bar - p_e) / (1 - p_e)


def _gwet(data: np.ndarray, k: int, weights: np.ndarray) -> Fraction:
    w = [[Fraction(float(x)) for x in row] for row in weights]
    rows = _cells(data, k)
    pairable = [row for row in rows if sum(row) >= 2]
    p_a = Fraction(0)
    for row in pairable:
        m = sum(row)
        starred = [sum(w[a][b] * row[b] for b in range(k)) for a in range(k)]
        p_a += sum(row[a] * (starred[a] - 1) for a in range(k)) / Fraction(m * (m - 1))
    p_a /= len(pairable)
    coded = [row for row in rows if sum(row)]
    pi = [sum(Fraction(row[a], sum(row)) for row in coded) / len(coded) for a in range(k)]
    total = sum(sum(row) for row in w)
    p_e = total * sum(p * (1 - p) for p in pi) / (k * (k - 1))
    return (p_a - p_e) / (1 - p_e)


def _cohen(first: np.ndarray, second: np.ndarray, k: int, weights: Any) -> Fraction:
    n = len(first)
    table = [[int(np.sum((first == i) & (second == j))) for j in range(k)] for i in range(k)]

    def weight(i: int, j: int) -> int:
        gap = abs(i - j)
        return {None: int(gap > 0), "linear": gap, "quadratic": gap * gap}[weights]

    rows = [sum(table[i]) for i in range(k)]
    cols = [sum(table[i][j] for i in range(k)) for j in range(k)]
    observed = sum(Fraction(weight(i, j) * table[i][j], n) for i in range(k) for j in range(k))
    expected = sum(
        Fraction(weight(i, j) * rows[i] * cols[j], n * n) for i in range(k) for j in range(k)
    )
    return 1 - observed / expected


def _close(value: float | None, exact: Fraction) -> bool:
    # a handful of roundings of numbers near 1: within a few units in the last place of 1
    return value is not None and abs(Fraction(value) - exact) <= 4 * Fraction(math.ulp(1.0))


def test_the_figures_match_exact_arithmetic() -> None:
    rng = np.random.default_rng(11)
    for _ in range(15):
        k = int(rng.integers(2, 6))
        coders = int(rng.integers(2, 6))
        data = _matrix(rng, "nominal", coders, int(rng.integers(20, 120)))
        data = np.where(np.isnan(data), np.nan, np.minimum(data, k - 1))
        data[:, :5] = rng.integers(0, k, (coders, 5))  # units every coder coded, for Fleiss
        assert _close(percent_agreement(data).value, _percent(data, k))
        assert _close(fleiss_kappa(data, n_categories=k).value, _fleiss(data, k))
        assert _close(gwet_ac1(data, n_categories=k).value, _gwet(data, k, np.eye(k)))
        for scheme in ("ordinal", "quadratic", "linear"):
            weights = agreement_weights(k, scheme)
            got = gwet_ac2(data, n_categories=k, weights=scheme).value
            assert _close(got, _gwet(data, k, weights))
        both = ~np.isnan(data[0]) & ~np.isnan(data[1])
        for weights in (None, "linear", "quadratic"):
            got = cohen_kappa(data[0], data[1], n_categories=k, weights=weights).value
            assert _close(got, _cohen(data[0, both], data[1, both], k, weights))


def test_session_score_reliability_is_the_same_to_the_bit_in_any_order_of_the_scores() -> None:
    # long arrays, one row per (coder, session) score, in a rotating design
    rng = np.random.default_rng(2)
    for _ in range(8):
        n = int(rng.integers(30, 200))
        true = rng.normal(50.0, 10.0, n)
        person = rng.integers(0, max(2, n // 3), n)
        rows = [
            (f"p{person[i]}", f"s{i}", str(coder), true[i] + rng.normal(0.0, 4.0))
            for i in range(n)
            for coder in rng.choice(["a", "b", "c", "d"], int(rng.integers(1, 4)), False)
        ]
        persons, sessions, coders, values = (np.array(column) for column in zip(*rows, strict=True))
        values = values.astype(np.float64)
        score = repr(score_reliability(sessions, coders, values))
        change = repr(change_reliability(persons, sessions, coders, values))
        assert "value=" in score and "value=" in change  # the figures exist
        shuffled = rng.permutation(len(values))
        assert repr(score_reliability(sessions[shuffled], coders[shuffled], values[shuffled])) == (
            score
        )
        got = change_reliability(
            persons[shuffled], sessions[shuffled], coders[shuffled], values[shuffled]
        )
        assert repr(got) == change
