"""The optional client-language lexicon (DARN-CAT) block and sequence smoothing of decision
values: checked by hand and against independent computations on small fictional data. Both are
off by default (tried on AnnoMI's development half and not kept; see docs/machine.md)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix

from socialcoder.machine import (
    DimensionSpec,
    MachineModel,
    ModelFormatError,
    ModelSettings,
    prepare,
    train,
)
from socialcoder.machine.features import (
    FeatureSettings,
    TurnLayout,
    feature_count,
    smooth_decisions,
    unit_features,
)
from socialcoder.machine.lexicon import (
    CATEGORIES,
    LEXICON_VERSION,
    NAMES,
    column_count,
    counts,
    lexicon_rows,
    tokens,
)

MakeTurns = Callable[..., tuple[pd.DataFrame, pd.DataFrame]]


def _found(text: str) -> dict[str, int]:
    return {name: int(n) for name, n in zip(NAMES, counts(text), strict=True) if n}


def test_contractions_are_spelled_out() -> None:
    assert tokens("I can't, I won't, I'm gonna, I’ll") == [
        "i",
        "can",
        "not",
        "i",
        "will",
        "not",
        "i",
        "am",
        "going",
        "to",
        "i",
        "will",
    ]
    assert tokens("don't DUNNO") == ["do", "not", "do", "not", "know"]


def test_categories_with_and_without_a_negation_close_by() -> None:
    assert _found("I want to stop because of my kids") == {"desire": 1, "reason": 1}
    assert _found("I don't want to") == {"desire_negated": 1}
    assert _found("I can't") == {"ability_negated": 1}  # "not" right after the phrase's word
    assert _found("I'm not going to stop") == {"commitment_negated": 1}
    assert _found("I'm gonna try, I'm ready") == {"commitment": 1, "activation": 1}
    # a negation more than three tokens before does not count
    assert _found("no, well, so, I will") == {"commitment": 1}
    assert _found("no, well, I will") == {"commitment_negated": 1}
    # phrases of several words match whole, and a phrase is counted each time
    assert _found("I have to, I have to") == {"need": 2}
    assert _found("I have a dog") == {}
    assert _found("Why would you want that?") == {"evocative": 1, "desire": 1}
    assert column_count() == 2 * len(CATEGORIES) == len(NAMES)


def test_lexicon_rows_are_log_counts() -> None:
    rows = lexicon_rows(["I have to, I have to", "nothing here at all", ""])
    need = NAMES.index("need")
    assert rows.shape == (3, column_count())
    assert rows[0, need] == pytest.approx(np.log(3.0))
    assert not rows[1:].any()  # "nothing" is a negation, not a category
    assert lexicon_rows([]).shape == (0, column_count())


def _layout() -> TurnLayout:
    # one transcript: therapist, patient, patient; a second: patient alone
    return TurnLayout(
        session=np.array([0, 0, 0, 1]),
        previous=np.array([-1, 0, 1, -1]),
        following=np.array([1, 2, -1, -1]),
        roles=np.array(["therapist", "patient", "patient", "patient"], dtype=object),
        is_unit=np.array([False, True, True, True]),
        position=np.array([0.0, 0.5, 1.0, 0.0]),
    )


def test_the_lexicon_block_holds_the_turn_and_the_preceding_turn() -> None:
    layout = _layout()
    word = csr_matrix(np.eye(4))
    rows = np.array([1, 2, 3])
    char = csr_matrix(np.ones((3, 2)))
    lexicon = np.arange(4 * column_count(), dtype=float).reshape(4, column_count())
    settings = FeatureSettings(lexicon_weight=0.5, lexicon_context_weight=0.25)
    out = unit_features(rows, word, char, layout, ("patient",), settings, lexicon).toarray()
    plain = unit_features(rows, word, char, layout, ("patient",), FeatureSettings()).toarray()
    k = column_count()
    assert out.shape[1] == feature_count(4, 2, ("patient",), settings) == plain.shape[1] + 2 * k
    assert np.array_equal(out[:, : plain.shape[1]], plain)
    assert np.allclose(out[:, plain.shape[1] : plain.shape[1] + k], 0.5 * lexicon[rows])
    previous = out[:, plain.shape[1] + k :]
    assert np.allclose(previous[0], 0.25 * lexicon[0]) and np.allclose(
        previous[1], 0.25 * lexicon[1]
    )
    assert not previous[2].any()  # the first turn of its transcript has no turn before it
    with pytest.raises(ValueError, match="lexicon"):
        unit_features(rows, word, char, layout, ("patient",), settings)


def test_settings_record_the_lexicon_version_and_old_settings_have_none() -> None:
    settings = FeatureSettings(lexicon_weight=0.5)
    raw = settings.to_dict()
    assert raw["lexicon_version"] == LEXICON_VERSION
    assert FeatureSettings.from_dict(raw) == settings
    assert "lexicon_version" not in FeatureSettings().to_dict()
    old = {k: v for k, v in FeatureSettings().to_dict().items() if "lexicon" not in k}
    assert not FeatureSettings.from_dict(old).uses_lexicon
    with pytest.raises(ValueError, match="lexicon version"):
        FeatureSettings.from_dict({**raw, "lexicon_version": LEXICON_VERSION + 1})
    with pytest.raises(ValueError):
        FeatureSettings(lexicon_context_weight=-1.0)


def _smoothed_by_loop(d: np.ndarray, session: np.ndarray, roles: np.ndarray, w: float):
    out = d.copy()
    for i in range(len(d)):
        same = [j for j in range(len(d)) if session[j] == session[i] and roles[j] == roles[i]]
        at = same.index(i)
        near = [same[at - 1]] if at > 0 else []
        near += [same[at + 1]] if at + 1 < len(same) else []
        if near:
            out[i] = (1 - w) * d[i] + w * d[near].mean(axis=0)
    return out


def test_smoothing_averages_with_the_neighbouring_turns_of_the_same_role_and_session() -> None:
    rng = np.random.default_rng(2)
    d = rng.normal(size=(9, 3))
    session = np.array([0, 0, 0, 0, 0, 1, 1, 2, 2])
    roles = np.array(["p", "t", "p", "p", "t", "p", "p", "t", "p"], dtype=object)
    got = smooth_decisions(d, session, roles, 0.2)
    assert np.allclose(got, _smoothed_by_loop(d, session, roles, 0.2))
    # by hand: row 2 (patient) sits between patient rows 0 and 3; row 8 is alone in its role
    assert np.allclose(got[2], 0.8 * d[2] + 0.2 * (d[0] + d[3]) / 2)
    assert np.allclose(got[8], d[8])
    assert np.array_equal(smooth_decisions(d, session, roles, 0.0), d)


def test_a_model_with_smoothing_codes_each_transcript_smoothed_and_round_trips(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=16)
    data = prepare(turns, codes, spec)
    model = train(data, settings=ModelSettings(smoothing=0.2))
    units = data.units
    linear = model._linear(data, units)
    expected = smooth_decisions(
        linear, data.session[units], data.turns["role"].to_numpy()[units], 0.2
    )
    some = units[::3]  # a part of the units is smoothed with all its neighbours
    assert np.allclose(model.decisions(data, some), expected[np.searchsorted(units, some)])
    loaded = MachineModel.from_bytes(model.to_bytes())
    assert loaded.settings.smoothing == 0.2
    pd.testing.assert_frame_equal(model.predict(turns).frame, loaded.predict(turns).frame)
    raw = ModelSettings().to_dict()
    assert ModelSettings.from_dict({k: v for k, v in raw.items() if k != "smoothing"}) == (
        ModelSettings()
    )
    with pytest.raises(ValueError):
        ModelSettings(smoothing=1.0)


def test_a_model_with_the_lexicon_learns_and_round_trips(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=16)
    settings = ModelSettings(
        features=FeatureSettings(lexicon_weight=0.5, lexicon_context_weight=0.25)
    )
    model = train(prepare(turns, codes, spec), settings=settings)
    payload = model.to_bytes()
    loaded = MachineModel.from_bytes(payload)
    assert loaded.settings == settings
    frame = loaded.predict(turns).frame
    pd.testing.assert_frame_equal(model.predict(turns).frame, frame)
    truth = codes.set_index(["transcript", "segment"])["value"].reindex(
        pd.MultiIndex.from_frame(frame[["transcript", "segment"]])
    )
    assert float((frame["value"].to_numpy() == truth.to_numpy()).mean()) >= 0.9
    # a model whose lexicon version this SocialCoder does not have is refused
    import io
    import json
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(payload))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "model.json":
                meta = json.loads(content)
                meta["settings"]["features"]["lexicon_version"] = LEXICON_VERSION + 1
                content = json.dumps(meta).encode()
            target.writestr(info, content)
    with pytest.raises(ModelFormatError, match="lexicon version"):
        MachineModel.from_bytes(out.getvalue())
