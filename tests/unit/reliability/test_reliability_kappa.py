"""Percent agreement, Cohen's (weighted) kappa, Fleiss' kappa and Gwet's AC1 against published
examples, reference libraries (statsmodels, scikit-learn) and hand computations."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from socialcoder.errors import UserError
from socialcoder.reliability import (
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    percent_agreement,
    prevalence,
)

NAN = np.nan

# Fleiss (1971), psychiatric diagnoses of 30 subjects by 6 raters each, categories
# 1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other.
# One row per subject. Fleiss reported kappa = .430.
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4],
        [2, 2, 2, 5, 5, 5],
        [2, 3, 3, 3, 3, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4],
        [1, 1, 3, 3, 3, 3],
        [3, 3, 3, 3, 5, 5],
        [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4],
        [5, 5, 5, 5, 5, 5],
        [1, 4, 4, 4, 4, 4],
        [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3],
        [1, 4, 4, 4, 4, 4],
        [2, 2, 4, 4, 4, 5],
        [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5],
        [1, 1, 1, 1, 1, 2],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5],
        [2, 4, 4, 4, 4, 4],
        [2, 2, 4, 5, 5, 5],
        [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5],
        [2, 2, 2, 2, 2, 4],
        [1, 1, 1, 1, 5, 5],
        [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3],
        [5, 5, 5, 5, 5, 5],
    ]
)

# Two diagnosticians, 100 subjects, 3 categories (psychotic, neurotic, organic), the classic
# agreement table used by Fleiss, Levin & Paik (Statistical Methods for Rates and Proportions,
# ch. 18): p_o = .89, p_e = .66, kappa = .23 / .34 = .676.
TWO_RATER_TABLE = np.array([[75, 1, 4], [5, 4, 1], [0, 0, 10]])


def _vectors_from_table(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first, second = [], []
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            first += [i] * int(table[i, j])
            second += [j] * int(table[i, j])
    return np.array(first, dtype=float), np.array(second, dtype=float)


def test_fleiss_1971_published_kappa() -> None:
    data = (FLEISS_1971 - 1).T.astype(float)  # coders x units, 0-based positions
    result = fleiss_kappa(data, n_categories=5)
    assert result.value == pytest.approx(0.430, abs=5e-4)
    assert result.units == 30


def test_fleiss_matches_statsmodels() -> None:
    table, _ = aggregate_raters(FLEISS_1971)
    ours = fleiss_kappa((FLEISS_1971 - 1).T.astype(float), n_categories=5).value
    assert ours == pytest.approx(sm_fleiss_kappa(table), rel=1e-12)


def test_fleiss_uses_only_units_every_coder_coded() -> None:
    data = (FLEISS_1971 - 1).T.astype(float)
    with_gaps = np.concatenate((data, np.array([[0.0, 1.0]] * 5 + [[NAN, NAN]])), axis=1)
    result = fleiss_kappa(with_gaps, n_categories=5)
    assert result.units == 30
    assert result.value == pytest.approx(fleiss_kappa(data, n_categories=5).value)


def test_cohen_kappa_classic_table() -> None:
    first, second = _vectors_from_table(TWO_RATER_TABLE)
    result = cohen_kappa(first, second, n_categories=3)
    assert result.value == pytest.approx((0.89 - 0.66) / (1 - 0.66))
    assert result.value == pytest.approx(0.676, abs=5e-4)
    assert result.units == 100
    assert result.value == pytest.approx(cohen_kappa_score(first, second))


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_matches_sklearn_including_unused_category(weights: str) -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 4, size=200)  # category 4 of 5 is never used
    first = np.clip(truth + rng.integers(-1, 2, size=200), 0, 3).astype(float)
    second = np.clip(truth + rng.integers(-1, 2, size=200), 0, 3).astype(float)
    ours = cohen_kappa(first, second, n_categories=5, weights=weights).value
    reference = cohen_kappa_score(first, second, labels=list(range(5)), weights=weights)
    assert ours == pytest.approx(reference, rel=1e-12)


def test_cohen_kappa_uses_units_both_coded() -> None:
    first = np.array([0, 1, 1, 0, NAN, 1, 0])
    second = np.array([0, 1, 0, 0, 1, NAN, 0])
    result = cohen_kappa(first, second, n_categories=2)
    assert result.units == 5
    assert result.value == pytest.approx(cohen_kappa_score([0, 1, 1, 0, 0], [0, 1, 0, 0, 0]))


def test_cohen_kappa_undefined_cases() -> None:
    none_shared = cohen_kappa([0, NAN], [NAN, 1], n_categories=2)
    assert none_shared.value is None and none_shared.units == 0
    constant = cohen_kappa([1, 1, 1], [1, 1, 1], n_categories=2)
    assert constant.value is None and "one and the same category" in (constant.reason or "")
    with pytest.raises(UserError, match="kappa weights"):
        cohen_kappa([0, 1], [0, 1], weights="cubic")  # type: ignore[arg-type]  # a weighting the signature does not allow, on purpose


def test_percent_agreement_hand_computed() -> None:
    # unit 1: values 0, 0, 1 -> 1 agreeing pair of 3; unit 2: 1, 1 -> 1 of 1;
    # unit 3 has one value and is ignored. Mean = (1/3 + 1) / 2.
    data = np.array([[0, 1, 2], [0, 1, NAN], [1, NAN, NAN]])
    result = percent_agreement(data)
    assert result.value == pytest.approx(2 / 3)
    assert result.units == 2
    assert percent_agreement([[0, NAN], [NAN, 1]]).value is None


def test_gwet_ac1_two_raters_equals_gwet_2008_two_rater_formula() -> None:
    # Gwet (2008), two raters: p_a = share agreeing; pi_k = (p_Ak + p_Bk) / 2;
    # p_e = sum pi_k (1 - pi_k) / (q - 1). Here p_a = .8, pi = (.2, .8), p_e = .32.
    first = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], dtype=float)
    second = np.array([1, 1, 1, 1, 1, 1, 1, 0, 1, 0], dtype=float)
    result = gwet_ac1(np.vstack((first, second)), n_categories=2)
    assert result.value == pytest.approx((0.8 - 0.32) / (1 - 0.32))
    # the same data give Cohen's kappa .375: the prevalence paradox in miniature
    assert cohen_kappa(first, second).value == pytest.approx(0.375)


def test_gwet_ac1_several_raters_with_missing_hand_computed() -> None:
    data = np.array([[0, 0, 2, 1], [0, 1, 2, NAN], [0, NAN, 1, NAN]])
    # p_a over units with >= 2 ratings: (1 + 0 + 1/3) / 3
    p_a = (Fraction(1) + 0 + Fraction(1, 3)) / 3
    # pi_k over units with >= 1 rating (4 units), rows = units, columns = categories
    shares = [
        [Fraction(1), 0, 0],
        [Fraction(1, 2), Fraction(1, 2), 0],
        [0, Fraction(1, 3), Fraction(2, 3)],
        [0, Fraction(1), 0],
    ]
    pi = [sum(row[k] for row in shares) / 4 for k in range(3)]
    p_e = sum(p * (1 - p) for p in pi) / 2
    expected = (p_a - p_e) / (1 - p_e)
    result = gwet_ac1(data, n_categories=3)
    assert result.value == pytest.approx(float(expected))
    assert result.units == 3


def test_gwet_ac1_counts_unused_categories() -> None:
    data = np.array([[0, 1, 1, 0], [0, 1, 0, 0]], dtype=float)
    assert gwet_ac1(data, n_categories=2).value != pytest.approx(
        gwet_ac1(data, n_categories=4).value
    )


def test_undefined_fleiss_and_ac1() -> None:
    assert fleiss_kappa([[0, 1, 2]]).reason == "fewer than 2 coders"
    assert fleiss_kappa([[0, NAN], [NAN, 1]]).reason == "no unit was coded by all coders"
    assert fleiss_kappa([[1, 1], [1, 1]]).value is None
    assert gwet_ac1([[0, NAN], [NAN, 0]], n_categories=2).value is None
    assert gwet_ac1([[0, 0], [0, 0]], n_categories=1).value is None


def test_prevalence_counts_every_value() -> None:
    data = np.array([[0, 0, 1, NAN], [0, 2, NAN, 0]])
    assert prevalence(data, n_categories=4) == pytest.approx([4 / 6, 1 / 6, 1 / 6, 0.0])
    assert prevalence(np.full((2, 2), NAN), n_categories=2) == []


def test_category_positions_are_checked() -> None:
    with pytest.raises(UserError, match="not a category position"):
        fleiss_kappa([[0.5, 1], [1, 1]])
    with pytest.raises(UserError, match="out of range"):
        gwet_ac1([[0, 3], [1, 1]], n_categories=3)
    with pytest.raises(UserError, match="not a category position"):
        cohen_kappa([-1, 0], [0, 0])
