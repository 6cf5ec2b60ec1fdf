"""Cross-validation: grouped folds, and figures checked against independent computations."""

from __future__ import annotations

from collections.abc import Callable

import krippendorff
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import precision_recall_fscore_support

from socialcoder.machine import DimensionSpec, cross_validate, prepare
from socialcoder.machine.metrics import NO_OVERLAP

VALUES = ("change", "neutral", "sustain")
MakeTurns = Callable[..., tuple[pd.DataFrame, pd.DataFrame]]
POSITION = {v: i for i, v in enumerate(VALUES)}


def _k_alpha(*rows: np.ndarray, level: str = "nominal") -> float:
    return float(
        krippendorff.alpha(
            reliability_data=np.vstack(rows).astype(float),
            level_of_measurement=level,
            value_domain=[0.0, 1.0, 2.0],
        )
    )


def _positions(series: pd.Series) -> np.ndarray:
    return series.map(POSITION).to_numpy(dtype=float)


def _icc_a1(x: np.ndarray, y: np.ndarray) -> float:
    """McGraw & Wong's ICC(A,1) from the two-way ANOVA mean squares (textbook formula)."""
    data = np.column_stack([x, y])
    n, k = data.shape
    grand = data.mean()
    ms_rows = k * ((data.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    ms_cols = n * ((data.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    resid = data - data.mean(axis=1, keepdims=True) - data.mean(axis=0, keepdims=True) + grand
    ms_err = (resid**2).sum() / ((n - 1) * (k - 1))
    return (ms_rows - ms_err) / (ms_rows + (k - 1) * ms_err + k * (ms_cols - ms_err) / n)


@pytest.fixture(scope="module")
def evaluated(synthetic: MakeTurns, spec: DimensionSpec):
    """Two coders: ana codes everything, ben (noisier) the first eight transcripts; a weak
    keyword signal (half the turns carry the key phrase) so that the machine errs."""
    rng = np.random.default_rng(5)
    turns, codes = synthetic(
        transcripts=24,
        turns=24,
        seed=3,
        coders={"ana": range(24), "ben": range(8)},
        noise={"ana": 0.15, "ben": 0.3},
    )
    keep = rng.random(len(turns)) < 0.5
    turns.loc[keep, "text"] = turns.loc[keep, "text"].str.replace(
        r"i really want to stop|i like drinking a lot", "", regex=True
    )
    evaluation = cross_validate(prepare(turns, codes, spec), folds=4, min_session_units=5)
    return turns, codes, evaluation


def test_alpha_machine_human_matches_the_krippendorff_package(evaluated) -> None:
    _, codes, ev = evaluated
    units = ev.units
    ana = codes[codes["coder"] == "ana"].set_index(["transcript", "segment"])["value"]
    reference = ana.reindex(pd.MultiIndex.from_frame(units[["transcript", "segment"]]))
    assert (reference.to_numpy() == units["human"].to_numpy()).all()  # first coder by name
    machine = _positions(units["machine"])
    human = _positions(units["human"])
    assert ev.alpha_machine_human == pytest.approx(_k_alpha(machine, human), abs=1e-12)
    assert 0.2 < ev.alpha_machine_human < 0.95
    for fold in ev.by_fold:
        part = units[units["fold"] == fold.fold]
        expected = _k_alpha(_positions(part["machine"]), _positions(part["human"]))
        assert fold.agreement.alpha_machine_human == pytest.approx(expected, abs=1e-12)


def test_alpha_human_human_on_the_overlap_matches_the_package(evaluated) -> None:
    _, codes, ev = evaluated
    wide = codes.pivot(index=["transcript", "segment"], columns="coder", values="value")
    both = wide.dropna()
    assert ev.pooled.overlap_units == len(both)
    expected = _k_alpha(_positions(both["ana"]), _positions(both["ben"]))
    assert ev.alpha_human_human == pytest.approx(expected, abs=1e-12)
    units = ev.units.set_index(["transcript", "segment"]).loc[both.index]
    machine_there = _k_alpha(_positions(units["machine"]), _positions(both["ana"]))
    assert ev.pooled.alpha_machine_human_overlap == pytest.approx(machine_there, abs=1e-12)
    ben_units = ev.units.set_index(["transcript", "segment"]).loc[both.index]
    expected_ben = _k_alpha(_positions(ben_units["machine"]), _positions(both["ben"]))
    assert ev.pooled.by_coder["ben"]["alpha"] == pytest.approx(expected_ben, abs=1e-12)
    assert ev.pooled.by_coder["ben"]["units"] == len(both)


def test_per_value_figures_match_independent_computations(evaluated) -> None:
    _, codes, ev = evaluated
    units = ev.units
    precision, recall, f1, support = precision_recall_fscore_support(
        units["human"], units["machine"], labels=list(VALUES), zero_division=0
    )
    keyed = units.set_index(["transcript", "segment"])["machine"]
    pairs = codes.join(keyed, on=["transcript", "segment"])
    for j, value in enumerate(VALUES):
        item = ev.pooled.per_value[value]
        assert item.precision == pytest.approx(precision[j])
        assert item.recall == pytest.approx(recall[j])
        assert item.f1 == pytest.approx(f1[j])
        assert item.human == support[j]
        # specific agreement over every machine-human pair: 2 * both / (machine + human uses)
        both = ((pairs["machine"] == value) & (pairs["value"] == value)).sum()
        uses = (pairs["machine"] == value).sum() + (pairs["value"] == value).sum()
        assert item.specific_agreement == pytest.approx(2 * both / uses)


def test_session_rates_match_a_textbook_icc_and_pearson(evaluated) -> None:
    _, _, ev = evaluated
    units = ev.units
    for value in VALUES:
        per = units.groupby("transcript").agg(
            machine=("machine", lambda s, v=value: 100 * (s == v).mean()),
            human=("human", lambda s, v=value: 100 * (s == v).mean()),
            n=("human", "size"),
        )
        per = per[per["n"] >= 5]
        item = ev.sessions[value]
        assert item.sessions == len(per)
        assert item.icc_a1 == pytest.approx(_icc_a1(per["machine"], per["human"]), abs=1e-9)
        r = stats.pearsonr(per["machine"], per["human"]).statistic
        assert item.pearson_r == pytest.approx(r, abs=1e-9)
        assert item.icc_ci95 is not None and item.icc_ci95[0] <= item.icc_a1 <= item.icc_ci95[1]


def test_the_json_item_has_the_documented_keys(evaluated) -> None:
    _, _, ev = evaluated
    item = ev.to_dict()
    for key in (
        "dimension",
        "folds",
        "units",
        "alpha_machine_human",
        "alpha_human_human",
        "per_value",
        "by_fold",
        "sessions",
        "grouping",
        "by_coder",
    ):
        assert key in item
    assert set(item["per_value"]["sustain"]) >= {"precision", "recall", "f1", "specific_agreement"}
    assert len(item["by_fold"]) == 4
    assert item["units"] == len(ev.units)
    assert item["grouping"]["by"] == "transcript"
    low, high = item["alpha_machine_human_ci95"]
    assert low < item["alpha_machine_human"] < high
    assert item["alpha_machine_human_bootstrap"]["by"] == "transcript"
    assert item["alpha_machine_human_bootstrap"]["clusters"] == 24


def test_grouped_folds_leave_no_way_to_learn_a_session(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    """Each transcript has one value for all its turns and a word of its own: a model that saw
    turns of a test session would code it right from that word; one that did not cannot."""
    transcript_value = np.random.default_rng(1).choice(VALUES, size=30)
    turns, codes = synthetic(
        transcripts=30,
        turns=12,
        signal="none",
        marker=True,
        labels=lambda rng, t: str(transcript_value[t]),
    )
    data = prepare(turns, codes, spec)
    ev = cross_validate(data, folds=5)
    assert ev.alpha_machine_human < 0.3
    assert ev.units.groupby("transcript")["fold"].nunique().max() == 1
    # folds that split sessions (each session cut into three pseudo-transcripts) leak, and
    # the same learner then codes test turns right from their session's word
    cut = (turns["segment"] - 1) // 4
    leaky_turns = turns.assign(transcript=turns["transcript"] + "_" + cut.astype(str))
    leaky_codes = codes.assign(
        transcript=codes["transcript"] + "_" + ((codes["segment"] - 1) // 4).astype(str)
    )
    leaky = cross_validate(prepare(leaky_turns, leaky_codes, spec), folds=5)
    assert leaky.alpha_machine_human > 0.6


def test_sessions_of_one_participant_share_a_fold(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=20, turns=10, people=True)
    ev = cross_validate(prepare(turns, codes, spec), folds=4)
    assert ev.grouping.by == "participant"
    folds = ev.units.merge(turns[["transcript", "participant"]].drop_duplicates(), on="transcript")
    assert folds.groupby("participant")["fold"].nunique().max() == 1


def test_alpha_human_human_is_null_with_a_reason_for_single_coding(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=10, turns=10)
    ev = cross_validate(prepare(turns, codes, spec), folds=2)
    assert ev.alpha_human_human is None
    assert ev.to_dict()["alpha_human_human_reason"] == NO_OVERLAP
    assert ev.to_dict()["overlap"]["units"] == 0


def test_consensus_codes_are_never_the_comparison(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=12, turns=10)
    shifted = dict(zip(VALUES, VALUES[1:] + VALUES[:1], strict=True))
    consensus = codes.assign(coder="consensus", value=codes["value"].map(shifted))
    ev = cross_validate(prepare(turns, pd.concat([codes, consensus]), spec), folds=3)
    human = codes.set_index(["transcript", "segment"])["value"]
    keys = pd.MultiIndex.from_frame(ev.units[["transcript", "segment"]])
    assert (ev.units["human"].to_numpy() == human.reindex(keys).to_numpy()).all()
    assert "consensus" not in ev.pooled.by_coder
    # the model learnt the consensus (shifted) values, so it disagrees with the human
    assert ev.alpha_machine_human < 0
