"""Krippendorff's alpha against Krippendorff's (2011) published worked examples and the
``krippendorff`` package."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

import socialcoder.reliability._data as data_module
from socialcoder.errors import UserError
from socialcoder.reliability import coincidence_matrix, krippendorff_alpha

NAN = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section E:
# 4 observers x 12 units, values 1-5, with missing data.
K2011_MISSING = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)
K2011_PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Krippendorff (2011), section A: binary data, two observers, 10 units: alpha = 0.095.
K2011_BINARY = np.array(
    [
        [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
        [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    ],
    dtype=float,
)

# Krippendorff (2011), section C: nominal data (a..e), two observers, 12 units: alpha = 0.692.
_LETTERS = {letter: position for position, letter in enumerate("abcde")}
K2011_NOMINAL = np.array(
    [[_LETTERS[c] for c in "aabbdcccedda"], [_LETTERS[c] for c in "babbbccceddd"]], dtype=float
)


def _as_positions(matrix: np.ndarray) -> np.ndarray:
    """Values 1..5 as 0-based category positions (what SocialCoder passes for ordinal data)."""
    return matrix - 1


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_example_with_missing_data(level: str) -> None:
    data = _as_positions(K2011_MISSING) if level in ("nominal", "ordinal") else K2011_MISSING
    result = krippendorff_alpha(data, level)
    assert result.alpha == pytest.approx(K2011_PUBLISHED[level], abs=5e-4)
    assert result.units == 12
    assert result.pairable_units == 11  # unit 12 has a single value
    assert result.pairable_values == 40
    assert result.reason is None


def test_krippendorff_2011_coincidences_and_disagreements() -> None:
    counts = np.zeros((12, 5), dtype=np.int64)
    for unit in range(12):
        for value in K2011_MISSING[:, unit]:
            if not np.isnan(value):
                counts[unit, int(value) - 1] += 1
    matrix = coincidence_matrix(counts, counts.sum(axis=1))
    # Krippendorff (2011) prints the coincidence marginals n_c = 9, 13, 10, 5, 3 (n = 40).
    assert matrix.sum(axis=1) == pytest.approx([9, 13, 10, 5, 3])
    assert matrix[0, 0] == pytest.approx(7.0)
    assert matrix[0, 1] == pytest.approx(4 / 3)
    result = krippendorff_alpha(_as_positions(K2011_MISSING), "nominal")
    # By hand: off-diagonal coincidences sum to 8, sum n_c^2 = 384, so
    # D_o = 8 / 40 and D_e = (40^2 - 384) / (40 * 39) = 1216 / 1560; alpha = 1 - 312/1216.
    assert result.observed_disagreement == pytest.approx(8 / 40)
    assert result.expected_disagreement == pytest.approx(1216 / 1560)


def test_krippendorff_2011_binary_example() -> None:
    assert krippendorff_alpha(K2011_BINARY, "binary").alpha == pytest.approx(0.095, abs=5e-4)


def test_krippendorff_2011_two_observer_nominal_example() -> None:
    assert krippendorff_alpha(K2011_NOMINAL, "nominal").alpha == pytest.approx(0.692, abs=5e-4)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_matches_krippendorff_package_on_published_example(level: str) -> None:
    ours = krippendorff_alpha(K2011_MISSING, level).alpha
    reference = krippendorff.alpha(
        reliability_data=K2011_MISSING, value_domain=[1, 2, 3, 4, 5], level_of_measurement=level
    )
    assert ours == pytest.approx(reference, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_matches_krippendorff_package_on_random_data_with_gaps(level: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 6, size=80)
    data = np.tile(truth, (5, 1)).astype(float)
    noisy = rng.random(data.shape) < 0.35
    data[noisy] = rng.integers(0, 6, size=int(noisy.sum()))
    data[rng.random(data.shape) < 0.3] = NAN
    if level == "ratio":
        data = data + 1.0  # ratio data: positive magnitudes
    domain = np.unique(data[~np.isnan(data)])
    reference = krippendorff.alpha(
        reliability_data=data, value_domain=domain, level_of_measurement=level
    )
    assert krippendorff_alpha(data, level).alpha == pytest.approx(reference, rel=1e-9)


def test_ordinal_ignores_unused_categories_in_between() -> None:
    # Positions 0, 2, 4 used out of 5: the ordinal metric ranks by coincidence marginals,
    # so unused categories (n_g = 0) must not change alpha.
    data = np.array([[0, 2, 4, 2, 0, 4], [0, 2, 2, 4, 0, 4], [2, 2, 4, 4, 0, 0]], dtype=float)
    squeezed = data / 2
    assert krippendorff_alpha(data, "ordinal").alpha == pytest.approx(
        krippendorff_alpha(squeezed, "ordinal").alpha
    )


@pytest.mark.parametrize("level", ["interval", "ratio", "nominal", "ordinal"])
def test_many_distinct_values_path_agrees(level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    base = rng.gamma(2.0, 2.0, size=150)
    data = base + rng.normal(scale=0.8, size=(4, 150))
    data = np.round(np.abs(data), 1) + 0.1
    data[rng.random(data.shape) < 0.2] = NAN
    small_path = krippendorff_alpha(data, level)
    monkeypatch.setattr(data_module, "MAX_MATRIX_VALUES", 5)
    large_path = krippendorff_alpha(data, level)
    assert large_path.alpha == pytest.approx(small_path.alpha, rel=1e-9)
    assert large_path.observed_disagreement == pytest.approx(small_path.observed_disagreement)


def test_all_same_value_is_undefined_not_one() -> None:
    result = krippendorff_alpha([[1, 1, 1, NAN], [1, 1, NAN, 1]], "nominal")
    assert result.alpha is None
    assert result.expected_disagreement == 0.0
    assert "only one value" in (result.reason or "")


def test_one_coder_is_undefined() -> None:
    result = krippendorff_alpha([[0, 1, 2, 1]], "nominal")
    assert result.alpha is None
    assert result.reason == "fewer than 2 coders"
    assert result.units == 4
    assert result.pairable_units == 0


def test_no_pairable_unit_is_undefined() -> None:
    result = krippendorff_alpha([[0, NAN, 2], [NAN, 1, NAN]], "ordinal")
    assert result.alpha is None
    assert "no pairable units" in (result.reason or "")
    assert result.units == 3
    assert result.pairable_values == 0


def test_empty_and_bad_input() -> None:
    assert krippendorff_alpha(np.full((3, 4), NAN)).alpha is None
    with pytest.raises(UserError, match="coders x units"):
        krippendorff_alpha([1, 2, 3])
    with pytest.raises(UserError, match="infinite"):
        krippendorff_alpha([[1, np.inf], [1, 2]])
    with pytest.raises(UserError, match="level of measurement"):
        krippendorff_alpha([[1, 2], [1, 2]], "circular")


def test_perfect_agreement_is_one_and_values_never_nan() -> None:
    data = np.array([[0, 1, 2, 1, 0], [0, 1, 2, 1, 0], [0, 1, NAN, 1, 0]])
    for level in ("nominal", "ordinal", "interval", "ratio"):
        result = krippendorff_alpha(data + (1 if level == "ratio" else 0), level)
        assert result.alpha == pytest.approx(1.0)
        assert result.observed_disagreement == pytest.approx(0.0)
