"""summarize_dimension checks that the values are category positions once, then computes every
coefficient from the checked matrix (the ``*_of`` forms): the same figures as the public
functions, which each check their input (issue #14: each check is a pass over the matrix)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from socialcoder.errors import UserError
from socialcoder.reliability import (
    _data,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    percent_agreement,
    specific_agreement,
    summarize_dimension,
)
from socialcoder.reliability import kappa as kappa_module
from socialcoder.reliability import specific as specific_module
from socialcoder.reliability import summary as summary_module

rng = np.random.default_rng(14)
MATRIX = rng.integers(0, 4, size=(3, 300)).astype(np.float64)
MATRIX[rng.random(MATRIX.shape) < 0.1] = np.nan
LABELS = ["a", "b", "c", "d"]
NAMES = ["ana", "ben", "cleo"]


def _count_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = _data.check_categories

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    for module in (summary_module, kappa_module, specific_module):
        monkeypatch.setattr(module, "check_categories", spy)
    return calls


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_the_values_are_checked_once(level: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_checks(monkeypatch)
    summarize_dimension(MATRIX, key="k", level=level, categories=LABELS, coder_names=NAMES)
    assert len(calls) == 1


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_the_figures_are_the_public_functions(level: str) -> None:
    result = summarize_dimension(MATRIX, key="k", level=level, categories=LABELS, coder_names=NAMES)
    k = len(LABELS)
    assert result.percent_agreement == percent_agreement(MATRIX).value
    assert result.fleiss_kappa == fleiss_kappa(MATRIX, n_categories=k).value
    assert result.gwet_ac1 == gwet_ac1(MATRIX, n_categories=k).value
    assert result.specific_agreement == dict(
        zip(LABELS, specific_agreement(MATRIX, n_categories=k), strict=True)
    )
    if level == "ordinal":
        assert result.gwet_ac2 == {
            s: gwet_ac2(MATRIX, n_categories=k, weights=s).value for s in ("ordinal", "quadratic")
        }
    for pair, (i, j) in zip(result.cohen_kappa_pairs, combinations(range(3), 2), strict=True):
        assert pair.kappa == cohen_kappa(MATRIX[i], MATRIX[j], n_categories=k).value
        if level == "ordinal":
            assert pair.weighted_kappa == {
                s: cohen_kappa(MATRIX[i], MATRIX[j], n_categories=k, weights=s).value
                for s in ("linear", "quadratic")
            }


def test_a_value_that_is_no_category_is_still_refused() -> None:
    bad = MATRIX.copy()
    bad[0, 0] = 4.0  # a fifth category of four
    with pytest.raises(UserError, match="out of range"):
        summarize_dimension(bad, key="k", level="nominal", categories=LABELS, coder_names=NAMES)
    bad[0, 0] = 1.5
    with pytest.raises(UserError, match="not a category position"):
        summarize_dimension(bad, key="k", level="nominal", categories=LABELS, coder_names=NAMES)


def test_the_written_out_normal_quantile_is_statistics() -> None:
    from statistics import NormalDist

    from socialcoder.reliability.sample_size import SIGNIFICANCE, Z_AT_SIGNIFICANCE

    assert NormalDist().inv_cdf(1.0 - SIGNIFICANCE) == Z_AT_SIGNIFICANCE


@pytest.mark.parametrize(
    "values",
    [[3.0, 0.0, 3.0, 7.0, 0.0, 3.0], [2.5, 1.0, 2.5], [-1.0, 2.0, 2.0], [], [70000.0, 1.0]],
)
def test_the_sample_size_counts_values_as_np_unique(values: list[float]) -> None:
    from socialcoder.reliability.sample_size import _value_counts

    found = _value_counts(np.array(values, dtype=np.float64))
    expected = np.unique(np.array(values, dtype=np.float64), return_counts=True)
    np.testing.assert_array_equal(found[0], expected[0])
    np.testing.assert_array_equal(found[1], expected[1])
