"""The machine coder learns a known signal, codes turns it never saw, and stores as plain data."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from socialcoder.machine import (
    SOURCE_ALL,
    DimensionSpec,
    MachineInputError,
    MachineModel,
    ModelSettings,
    prepare,
    train,
)

VALUES = ("change", "neutral", "sustain")
MakeTurns = Callable[..., tuple[pd.DataFrame, pd.DataFrame]]


def _split(turns: pd.DataFrame, codes: pd.DataFrame, held_out: set[str]):
    test = turns["transcript"].isin(held_out)
    return turns[~test], codes[~codes["transcript"].isin(held_out)], turns[test]


def _truth(turns: pd.DataFrame, codes: pd.DataFrame) -> pd.Series:
    return codes.set_index(["transcript", "segment"])["value"]


def test_learns_a_keyword_signal_and_codes_unseen_transcripts(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=30)
    held_out = {f"s{t:03d}" for t in range(24, 30)}
    train_turns, train_codes, test_turns = _split(turns, codes, held_out)
    model = train(prepare(train_turns, train_codes, spec))
    predictions = model.predict(test_turns)
    frame = predictions.frame
    assert len(frame) == int((test_turns["role"] == "patient").sum())
    truth = _truth(turns, codes).reindex(pd.MultiIndex.from_frame(frame[["transcript", "segment"]]))
    accuracy = float((frame["value"].to_numpy() == truth.to_numpy()).mean())
    assert accuracy >= 0.95
    # every value is coded (the rare one too), and probabilities are probabilities
    assert set(frame["value"]) == set(VALUES)
    assert np.allclose(predictions.probabilities.sum(axis=1), 1.0)
    chosen = [predictions.classes.index(v) for v in frame["value"]]
    assert np.allclose(
        frame["probability"], predictions.probabilities[np.arange(len(frame)), chosen]
    )
    assert model.training.units == int(train_codes.shape[0])
    assert model.training.counts == train_codes["value"].value_counts().reindex(VALUES).to_dict()
    assert model.training.calibration.startswith("temperature and bias")


def test_a_signal_in_the_preceding_turn_is_learnt(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=30, signal="context")
    held_out = {f"s{t:03d}" for t in range(24, 30)}
    train_turns, train_codes, test_turns = _split(turns, codes, held_out)
    frame = train(prepare(train_turns, train_codes, spec)).predict(test_turns).frame
    truth = _truth(turns, codes).reindex(pd.MultiIndex.from_frame(frame[["transcript", "segment"]]))
    assert float((frame["value"].to_numpy() == truth.to_numpy()).mean()) >= 0.9


def test_round_trip_codes_identically_and_bytes_are_stable(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=20)
    model = train(prepare(turns, codes, spec))
    payload = model.to_bytes()
    loaded = MachineModel.from_bytes(payload)
    before, after = model.predict(turns), loaded.predict(turns)
    pd.testing.assert_frame_equal(before.frame, after.frame)
    assert np.array_equal(before.probabilities, after.probabilities)
    assert loaded.to_bytes() == payload
    assert loaded.spec == model.spec and loaded.training == model.training
    assert loaded.versions["scikit-learn"] == model.versions["scikit-learn"]
    # the same data train the same model
    assert train(prepare(turns, codes, spec)).to_bytes() == payload


def test_model_records_its_data_settings_and_versions(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=16)
    data = prepare(turns, codes, spec)
    settings = ModelSettings(C=0.5, seed=3)
    model = train(data, settings=settings)
    assert model.settings == settings
    assert set(model.versions) >= {"python", "numpy", "scipy", "scikit-learn", "socialcoder"}
    assert len(model.training.data_hash) == 64
    changed = codes.copy()
    changed.loc[0, "value"] = "sustain" if changed.loc[0, "value"] != "sustain" else "change"
    other = train(prepare(turns, changed, spec))
    assert other.training.data_hash != model.training.data_hash
    renamed = turns.assign(text=turns["text"].where(turns.index != 0, "hello there"))
    assert prepare(renamed, codes, spec).fingerprint(data.training_examples()) != (
        model.training.data_hash
    )


def test_training_sources_consensus_all_and_one_coder(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(
        transcripts=20, coders={"ana": range(20), "ben": range(0, 20, 2)}, noise={"ben": 0.5}
    )
    data = prepare(turns, codes, spec)
    both = codes[codes["coder"] == "ben"].merge(
        codes[codes["coder"] == "ana"], on=["transcript", "segment"], suffixes=("_b", "_a")
    )
    disagree = int((both["value_b"] != both["value_a"]).sum())
    settled = data.training_examples()
    assert settled.unsettled == disagree > 0
    assert settled.units() == codes[codes["coder"] == "ana"].shape[0] - disagree
    everyone = data.training_examples(SOURCE_ALL)
    assert len(everyone) == len(codes)
    per_unit = pd.Series(everyone.weights).groupby(everyone.rows).sum()
    assert np.allclose(per_unit, 1.0)
    assert data.training_examples("ben").units() == int((codes["coder"] == "ben").sum())
    # a consensus value settles a disagreement
    first = both[both["value_b"] != both["value_a"]].iloc[0]
    settle = pd.DataFrame(
        [(first["transcript"], first["segment"], "consensus", "neutral")],
        columns=["transcript", "segment", "coder", "value"],
    )
    with_consensus = prepare(turns, pd.concat([codes, settle]), spec).training_examples()
    assert with_consensus.unsettled == disagree - 1
    assert with_consensus.units() == settled.units() + 1
    with pytest.raises(MachineInputError, match="no codes of coder 'cleo'"):
        data.training_examples("cleo")


def test_machine_codes_are_never_learnt_from(synthetic: MakeTurns, spec: DimensionSpec) -> None:
    turns, codes = synthetic(transcripts=10)
    machine = codes.assign(coder="model_v1", kind="machine", value="sustain")
    human = codes.assign(kind="human")
    data = prepare(turns, pd.concat([human, machine]), spec)
    assert data.training_examples().counts(VALUES) == (
        codes["value"].value_counts().reindex(VALUES).to_dict()
    )
    assert "model_v1" not in data.coders()


def test_a_model_refuses_a_changed_dimension(synthetic: MakeTurns, spec: DimensionSpec) -> None:
    turns, codes = synthetic(transcripts=12)
    model = train(prepare(turns, codes, spec))
    model.check_dimension(DimensionSpec("talk", VALUES, ("patient",), codebook_version="2"))
    with pytest.raises(MachineInputError, match="changed the values"):
        model.check_dimension(DimensionSpec("talk", (*VALUES, "other"), ("patient",)))
    with pytest.raises(MachineInputError, match="changed the roles"):
        model.check_dimension(DimensionSpec("talk", VALUES, ("patient", "therapist")))
    with pytest.raises(MachineInputError, match="codes 'talk', not 'mood'"):
        model.check_dimension(DimensionSpec("mood", VALUES, ("patient",)))


def test_a_dimension_of_both_roles_uses_role_features(synthetic: MakeTurns) -> None:
    turns, codes = synthetic(transcripts=16)
    # therapist turns get their own value, so the role alone tells much
    therapist = turns[turns["role"] == "therapist"][["transcript", "segment"]].assign(
        coder="ana", value="question"
    )
    spec = DimensionSpec("any", (*VALUES, "question"), ("patient", "therapist"))
    model = train(prepare(turns, pd.concat([codes, therapist]), spec))
    frame = model.predict(turns).frame
    coded = frame.merge(turns, on=["transcript", "segment"])
    assert (coded.loc[coded["role"] == "therapist", "value"] == "question").mean() > 0.95
    assert (coded.loc[coded["role"] == "patient", "value"] != "question").mean() > 0.95
