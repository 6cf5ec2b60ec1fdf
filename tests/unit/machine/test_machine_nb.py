"""The naive-Bayes-scaled half of each value's linear model (NB-LR), checked against an
independent computation, and how settings without it are read."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from socialcoder.machine import DimensionSpec, MachineModel, ModelSettings, prepare, train
from socialcoder.machine.training import fit_linear, nb_ratios

MakeTurns = Callable[..., tuple[pd.DataFrame, pd.DataFrame]]


def _small() -> tuple[csr_matrix, np.ndarray]:
    rng = np.random.default_rng(4)
    dense = rng.random((40, 6)) * (rng.random((40, 6)) < 0.5)
    labels = np.repeat([0, 1, 2, 0], 10)
    dense[labels == 1, 0] += 1.0  # feature 0 marks value 1
    return csr_matrix(dense), labels


def test_nb_ratios_by_hand() -> None:
    features = csr_matrix(np.array([[1.0, 0.0, 0.3], [0.5, 0.0, 0.0], [0.0, 2.0, 0.1]]))
    target = np.array([True, True, False])
    weights = np.array([1.0, 2.0, 1.0])
    # weighted presence counts, smoothed by 1: p over rows 0-1, q over row 2
    p = np.array([1 + 3.0, 1 + 0.0, 1 + 1.0])
    q = np.array([1 + 0.0, 1 + 1.0, 1 + 1.0])
    expected = np.log((p / p.sum()) / (q / q.sum()))
    assert np.allclose(nb_ratios(features, target, weights, 1.0), expected)


def test_fit_linear_averages_the_plain_and_the_scaled_logistic_regression() -> None:
    features, labels = _small()
    weights = np.ones(labels.size)
    coef, intercept, converged = fit_linear(features, labels, weights, 3, 1.0, 0, 0.5, 1.0)
    assert converged and coef.shape == (3, 6) and intercept.shape == (3,)
    for c in range(3):
        target = (labels == c).astype(int)

        def logistic(x: csr_matrix, target: np.ndarray = target) -> LogisticRegression:
            return LogisticRegression(
                C=1.0,
                solver="liblinear",
                dual=True,
                class_weight="balanced",
                random_state=0,
                max_iter=1000,
            ).fit(x, target)

        plain = logistic(features)
        present = (features.toarray() != 0).astype(float)
        p = 1 + present[target == 1].sum(axis=0)
        q = 1 + present[target == 0].sum(axis=0)
        r = np.log((p / p.sum()) / (q / q.sum()))
        scaled = logistic(csr_matrix(features.toarray() * r))
        assert np.allclose(coef[c], 0.5 * plain.coef_[0] + 0.5 * scaled.coef_[0] * r)
        assert np.isclose(intercept[c], 0.5 * plain.intercept_[0] + 0.5 * scaled.intercept_[0])
        # the stored coefficients give, on the raw features, the average decision values
        raw = features @ coef[c] + intercept[c]
        both = 0.5 * plain.decision_function(features) + 0.5 * scaled.decision_function(
            csr_matrix(features.toarray() * r)
        )
        assert np.allclose(raw, both)


def test_nb_mix_zero_is_the_plain_logistic_regression() -> None:
    features, labels = _small()
    weights = np.ones(labels.size)
    coef, intercept, _ = fit_linear(features, labels, weights, 3, 1.0, 0, 0.0)
    plain = LogisticRegression(
        C=1.0,
        solver="liblinear",
        dual=True,
        class_weight="balanced",
        random_state=0,
        max_iter=1000,
    ).fit(features, (labels == 2).astype(int))
    assert np.allclose(coef[2], plain.coef_[0])
    assert np.isclose(intercept[2], plain.intercept_[0])


def test_settings_record_the_learner_and_old_settings_read_as_plain_logistic() -> None:
    settings = ModelSettings()
    raw = settings.to_dict()
    assert raw["nb_mix"] == 0.5 and raw["learner"] == 2
    assert ModelSettings.from_dict(raw) == settings
    old = {k: v for k, v in raw.items() if k not in ("nb_mix", "nb_smoothing", "learner")}
    assert ModelSettings.from_dict(old).nb_mix == 0.0
    with pytest.raises(ValueError):
        ModelSettings(nb_mix=1.5)
    with pytest.raises(ValueError):
        ModelSettings(nb_smoothing=0.0)


@pytest.mark.parametrize("nb_mix", [0.0, 1.0])
def test_either_half_alone_learns_and_round_trips(
    synthetic: MakeTurns, spec: DimensionSpec, nb_mix: float
) -> None:
    turns, codes = synthetic(transcripts=20)
    model = train(prepare(turns, codes, spec), settings=ModelSettings(nb_mix=nb_mix))
    loaded = MachineModel.from_bytes(model.to_bytes())
    assert loaded.settings.nb_mix == nb_mix
    frame = loaded.predict(turns).frame
    truth = codes.set_index(["transcript", "segment"])["value"].reindex(
        pd.MultiIndex.from_frame(frame[["transcript", "segment"]])
    )
    assert float((frame["value"].to_numpy() == truth.to_numpy()).mean()) >= 0.9
