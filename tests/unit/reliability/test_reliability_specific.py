"""Specific agreement, Byrt's indices, Gwet's AC2 and the notes that replace the AC1 steer,
each checked against a computation written out here (issue #11, items 4 and 9)."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest

from socialcoder.reliability import (
    agreement_weights,
    gwet_ac1,
    gwet_ac2,
    pair_indices,
    specific_agreement,
    summarize_dimension,
)

NAN = np.nan


def _random(coders: int, units: int, k: int, seed: int, missing: float = 0.2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, size=units)
    data = np.tile(truth, (coders, 1)).astype(float)
    flip = rng.random(data.shape) < 0.3
    data[flip] = rng.integers(0, k, size=int(flip.sum()))
    data[rng.random(data.shape) < missing] = NAN
    return data


def _table(a: int, b: int, c: int, d: int) -> np.ndarray:
    """Two coders: a both positive (1), b first only, c second only, d both negative (0)."""
    first = [1] * a + [1] * b + [0] * c + [0] * d
    second = [1] * a + [0] * b + [1] * c + [0] * d
    return np.array([first, second], dtype=float)


@pytest.mark.parametrize("abcd", [(4, 2, 2, 192), (0, 5, 5, 90), (30, 7, 12, 51), (3, 0, 0, 9)])
def test_two_coder_specific_agreement_is_cicchetti_feinstein(abcd: tuple[int, ...]) -> None:
    a, b, c, d = abcd
    positive, negative = 2 * a / (2 * a + b + c), 2 * d / (2 * d + b + c)
    ps = specific_agreement(_table(a, b, c, d), n_categories=2)
    assert ps[1] == pytest.approx(positive)
    assert ps[0] == pytest.approx(negative)


def test_multi_coder_specific_agreement_counts_ordered_pairs() -> None:
    data = _random(4, 80, 3, seed=2)
    both = np.zeros(3)
    first = np.zeros(3)
    for u in range(data.shape[1]):
        values = [v for v in data[:, u] if not np.isnan(v)]
        for i, j in permutations(range(len(values)), 2):
            first[int(values[i])] += 1
            both[int(values[i])] += values[i] == values[j]
    assert specific_agreement(data, n_categories=3) == pytest.approx(list(both / first))


@pytest.mark.parametrize("abcd", [(4, 2, 2, 192), (0, 5, 5, 90), (30, 7, 12, 51)])
def test_prevalence_bias_index_and_pabak_are_byrt_bishop_carlin(abcd: tuple[int, ...]) -> None:
    a, b, c, d = abcd
    n = a + b + c + d
    result = pair_indices(*_table(a, b, c, d), n_categories=2, positive=1)
    assert result.prevalence_index == pytest.approx((a - d) / n)
    assert result.bias_index == pytest.approx((b - c) / n)
    assert result.pabak == pytest.approx(2 * (a + d) / n - 1)


def test_pabak_for_k_categories_and_no_indices_beyond_two() -> None:
    data = _random(2, 60, 4, seed=3, missing=0.0)
    observed = float((data[0] == data[1]).mean())
    result = pair_indices(data[0], data[1], n_categories=4, positive=None)
    assert result.pabak == pytest.approx((4 * observed - 1) / 3)
    assert result.prevalence_index is None and result.bias_index is None


def test_pair_indices_in_the_json_item() -> None:
    item = summarize_dimension(
        _table(4, 2, 2, 192),
        key="r",
        level="binary",
        categories=["absent", "present"],
        coder_names=["a", "b"],
    ).to_dict()
    pair = item["cohen_kappa_pairs"][0]
    assert pair["prevalence_index"] == pytest.approx((4 - 192) / 200)
    assert pair["bias_index"] == pytest.approx(0.0)
    assert pair["pabak"] == pytest.approx(2 * 196 / 200 - 1)


# -- Gwet's AC2: irrCAC's gwet.ac1.raw written out with loops ------------------------------
def _irrcac_weights(q: int, scheme: str) -> np.ndarray:
    w = np.zeros((q, q))
    for k in range(q):
        for m in range(q):
            if scheme == "ordinal":
                n_kl = max(k, m) - min(k, m) + 1
                w[k, m] = n_kl * (n_kl - 1) / 2
            elif scheme == "quadratic":
                w[k, m] = 1 - (k - m) ** 2 / (q - 1) ** 2
            elif scheme == "linear":
                w[k, m] = 1 - abs(k - m) / (q - 1)
    if scheme == "ordinal":
        w = 1 - w / w.max()
    return w


def _irrcac_ac2(data: np.ndarray, q: int, scheme: str) -> float:
    w = _irrcac_weights(q, scheme)
    rows = [[v for v in data[:, u] if not np.isnan(v)] for u in range(data.shape[1])]
    rows = [r for r in rows if r]  # irrCAC drops units nobody rated
    n = len(rows)
    pi = [0.0] * q
    for r in rows:
        for k in range(q):
            pi[k] += sum(1 for v in r if v == k) / len(r) / n
    total, n2 = 0.0, 0
    for r in rows:
        ri = len(r)
        if ri < 2:
            continue
        n2 += 1
        s = 0.0
        for k in range(q):
            r_k = sum(1 for v in r if v == k)
            r_star = sum(w[k, m] * sum(1 for v in r if v == m) for m in range(q))
            s += r_k * (r_star - 1)
        total += s / (ri * (ri - 1))
    pa = total / n2
    pe = w.sum() * sum(p * (1 - p) for p in pi) / (q * (q - 1))
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize("scheme", ["ordinal", "quadratic", "linear"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ac2_matches_irrcac_formulas(scheme: str, seed: int) -> None:
    data = _random(3, 40, 4, seed=seed)
    ours = gwet_ac2(data, n_categories=4, weights=scheme)
    assert ours.value == pytest.approx(_irrcac_ac2(data, 4, scheme), abs=1e-12)
    assert np.allclose(agreement_weights(4, scheme), _irrcac_weights(4, scheme))


def test_ac2_with_identity_weights_is_ac1_and_credits_near_misses() -> None:
    # Coders disagree only by one step: AC2 (ordinal weights) credits that, AC1 does not.
    first = np.array([0, 1, 2, 3, 0, 1, 2, 3, 1, 2] * 3, dtype=float)
    second = np.clip(first + np.array([0, 1, 0, -1, 1, 0, -1, 0, 0, 1] * 3), 0, 3)
    data = np.vstack((first, second))
    ac1 = gwet_ac1(data, n_categories=4).value
    ac2 = gwet_ac2(data, n_categories=4, weights="ordinal").value
    assert ac1 is not None and ac2 is not None and ac2 > ac1
    assert _irrcac_ac2(data, 4, "ordinal") == pytest.approx(ac2)


def test_ordinal_dimension_reports_ac2_and_labels_unweighted_figures() -> None:
    data = _random(3, 60, 3, seed=9)
    item = summarize_dimension(
        data,
        key="resistance",
        level="ordinal",
        categories=["none", "mild", "strong"],
        coder_names=["a", "b", "c"],
    ).to_dict()
    assert item["gwet_ac2"]["ordinal"] == pytest.approx(_irrcac_ac2(data, 3, "ordinal"))
    assert item["gwet_ac2"]["quadratic"] == pytest.approx(_irrcac_ac2(data, 3, "quadratic"))
    nominal = summarize_dimension(data, key="r", level="nominal", coder_names=["a", "b", "c"])
    assert nominal.gwet_ac2 is None


def test_ordinal_alpha_is_not_set_against_exact_agreement_in_the_paradox_note() -> None:
    # Ordinal dimension with a rare, well-agreed top level and near misses elsewhere.
    first, second = np.zeros(200), np.zeros(200)
    first[[0, 1, 2, 3, 10, 11]] = 2
    second[[0, 1, 2, 3, 20, 21]] = 2
    item = summarize_dimension(
        np.vstack((first, second)),
        key="r",
        level="ordinal",
        categories=["none", "mild", "strong"],
        coder_names=["a", "b"],
    ).to_dict()
    paradox = [n for n in item["notes"] if n.startswith("prevalence paradox")]
    assert paradox and "fleiss_kappa (unweighted)" in paradox[0]
    assert "krippendorff_alpha" not in paradox[0]


def test_ac1_of_a_single_category_carries_a_note() -> None:
    data = np.ones((2, 30))  # all 'absent' (position 1)
    item = summarize_dimension(
        data, key="r", level="binary", categories=["present", "absent"], coder_names=["a", "b"]
    ).to_dict()
    assert item["gwet_ac1"] == 1.0
    assert any(
        n.startswith("gwet_ac1 is 1.000 only because one value occurs ('absent')")
        for n in item["notes"]
    )
    assert item["specific_agreement"] == {"positive": None, "negative": 1.0}
