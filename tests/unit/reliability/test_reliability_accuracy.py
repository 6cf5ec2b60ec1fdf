"""Accuracy against a standard (issue #11 item 11), checked against scikit-learn and
statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, precision_score, recall_score
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import proportion_confint

from socialcoder.reliability.accuracy import kappa_interval, value_accuracy, wilson_interval


def _pair(seed: int, k: int, n: int = 150) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    gold = rng.choice(k, size=n, p=np.linspace(2, 1, k) / np.linspace(2, 1, k).sum())
    trainee = np.where(rng.random(n) < 0.8, gold, rng.integers(0, k, n))
    return gold.astype(float), trainee.astype(float)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_sensitivity_and_ppv_are_recall_and_precision(k: int) -> None:
    gold, trainee = _pair(k, k)
    gold[3] = np.nan  # a unit only the trainee coded does not count
    keep = ~np.isnan(gold)
    labels = list(range(k))
    recall = recall_score(gold[keep], trainee[keep], labels=labels, average=None)
    precision = precision_score(gold[keep], trainee[keep], labels=labels, average=None)
    for v in value_accuracy(gold, trainee, k):
        assert v.sensitivity == pytest.approx(recall[v.position])
        assert v.ppv == pytest.approx(precision[v.position])


def test_a_value_the_gold_coder_never_used_has_no_sensitivity() -> None:
    gold = np.array([0, 0, 1, 1, 0], dtype=float)
    trainee = np.array([0, 2, 1, 1, 0], dtype=float)
    strong = value_accuracy(gold, trainee, 3)[2]
    assert (strong.gold, strong.trainee, strong.sensitivity, strong.ppv) == (0, 1, None, 0.0)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("k", [2, 3, 4])
def test_kappa_and_its_interval_match_statsmodels(weights: str | None, k: int) -> None:
    gold, trainee = _pair(10 + k, k)
    result = kappa_interval(gold, trainee, k, weights=weights)
    assert result.kappa == pytest.approx(
        cohen_kappa_score(gold.astype(int), trainee.astype(int), weights=weights)
    )
    table = np.zeros((k, k))
    for g, t in zip(gold.astype(int), trainee.astype(int), strict=True):
        table[g, t] += 1
    reference = cohens_kappa(table, wt=weights)
    assert result.kappa == pytest.approx(reference.kappa)
    assert result.se == pytest.approx(reference.std_kappa)
    assert result.low == pytest.approx(reference.kappa_low)
    assert result.high == pytest.approx(min(1.0, reference.kappa_upp))


@pytest.mark.parametrize("successes,n", [(4, 4), (3, 10), (0, 7), (15, 16)])
def test_wilson_interval_matches_statsmodels(successes: int, n: int) -> None:
    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert wilson_interval(successes, n) == pytest.approx((low, high))
