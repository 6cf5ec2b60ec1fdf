"""Bad input is refused with the numbers; the inputs are what the export tables give."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import krippendorff
import numpy as np
import pandas as pd
import pytest

from socialcoder.codebooks import load_default_codebook
from socialcoder.export.model import StudyData
from socialcoder.export.tables import build_long, build_wide
from socialcoder.machine import (
    DimensionSpec,
    FoldError,
    MachineInputError,
    OneValueError,
    TooFewUnitsError,
    codes_from_long,
    cross_validate,
    prepare,
    train,
)

MakeTurns = Callable[..., tuple[pd.DataFrame, pd.DataFrame]]


def test_too_few_coded_units_are_refused_with_the_numbers(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=3, turns=8)
    with pytest.raises(
        TooFewUnitsError, match="12 coded units of 'talk' to learn from, at least 20"
    ):
        train(prepare(turns, codes, spec))
    with pytest.raises(TooFewUnitsError) as caught:
        cross_validate(prepare(turns, codes, spec))
    assert (caught.value.found, caught.value.required) == (12, 20)


def test_unsettled_disagreements_are_counted_in_the_refusal(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=4, turns=10, coders={"ana": range(4), "ben": range(4)})
    codes.loc[codes["coder"] == "ben", "value"] = codes.loc[codes["coder"] == "ben", "value"].map(
        {"change": "neutral", "neutral": "sustain", "sustain": "change"}
    )
    with pytest.raises(TooFewUnitsError, match=r"0 coded units .* 20 more are unsettled"):
        train(prepare(turns, codes, spec))


def test_a_single_value_is_refused_with_the_numbers(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=6, turns=10)
    codes["value"] = "neutral"
    with pytest.raises(OneValueError, match="only one value \\('neutral': 30 units\\)"):
        train(prepare(turns, codes, spec))


def test_more_folds_than_sessions_is_refused(synthetic: MakeTurns, spec: DimensionSpec) -> None:
    turns, codes = synthetic(transcripts=3, turns=30)
    with pytest.raises(TooFewUnitsError, match="3 groups of sessions with coded turns, at least 5"):
        cross_validate(prepare(turns, codes, spec), folds=5)


def test_a_fold_that_cannot_be_trained_says_which(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=4, turns=30)
    # only the largest transcript varies: whichever fold tests it trains on one value
    codes.loc[codes["transcript"] != "s000", "value"] = "neutral"
    extra_turns, extra_codes = synthetic(transcripts=1, turns=60, seed=9)
    turns = pd.concat([turns[turns["transcript"] != "s000"], extra_turns])
    codes = pd.concat([codes[codes["transcript"] != "s000"], extra_codes])
    with pytest.raises(FoldError, match=r"fold \d of 2: the coded units of 'talk' hold only one"):
        cross_validate(prepare(turns, codes, spec), folds=2)


def test_evaluation_needs_human_codes(synthetic: MakeTurns, spec: DimensionSpec) -> None:
    turns, codes = synthetic(transcripts=6, turns=10)
    settled = codes.assign(coder="consensus")
    with pytest.raises(TooFewUnitsError, match="0 turns of 'talk' coded by a human coder"):
        cross_validate(prepare(turns, settled, spec), folds=2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t, c: (t, c.assign(value="maybe")), "'maybe' are not values of 'talk'"),
        (lambda t, c: (t, c.assign(segment=c["segment"] + 100)), "30 code\\(s\\) are on turns"),
        (lambda t, c: (t, c.assign(segment=c["segment"] - 1)), "on 'therapist' turns"),
        (lambda t, c: (t, pd.concat([c, c.iloc[:1]])), "coder 'ana' has two codes on segment 2"),
        (lambda t, c: (t.drop(columns="text"), c), "the turns table has no column 'text'"),
        (lambda t, c: (t, c.drop(columns="coder")), "the codes table has no column 'coder'"),
        (lambda t, c: (pd.concat([t, t.iloc[:1]]), c), "segment 1 of 's000'"),
        (lambda t, c: (t.assign(segment=t["segment"] + 0.5), c), "not a whole number"),
        (lambda t, c: (t, c.assign(kind="robot")), "unknown coder kind"),
    ],
)
def test_bad_tables_are_refused(synthetic: MakeTurns, spec: DimensionSpec, change, message) -> None:
    turns, codes = synthetic(transcripts=3, turns=20)
    turns, codes = change(turns, codes)
    with pytest.raises(MachineInputError, match=message):
        prepare(turns, codes, spec)


def test_dimensions_a_machine_cannot_code_are_refused() -> None:
    book = load_default_codebook()
    with pytest.raises(MachineInputError, match="rated once per session"):
        DimensionSpec.from_dimension(book.dimension("goal_agreement"), book.version)
    spec = DimensionSpec.from_dimension(book.dimension("resistance"), book.version)
    assert (spec.values, spec.roles, spec.level) == (
        ("none", "mild", "strong"),
        ("patient",),
        "ordinal",
    )
    with pytest.raises(MachineInputError, match="at least two"):
        DimensionSpec("x", ("only",), ("patient",))


def test_a_filtered_turns_table_keeps_people_with_their_turns(
    synthetic: MakeTurns, spec: DimensionSpec
) -> None:
    turns, codes = synthetic(transcripts=6, turns=10, people=True)
    part = turns.iloc[::-1]  # index labels are no longer positions
    part = part[part["transcript"] != "s000"]
    data = prepare(part, codes[codes["transcript"] != "s000"], spec)
    got = data.turns.set_index(["transcript", "segment"])["participant"]
    expected = turns.set_index(["transcript", "segment"])["participant"].reindex(got.index)
    assert (got == expected).all()


def test_turn_order_and_neighbours_follow_the_segment_numbers(spec: DimensionSpec) -> None:
    turns = pd.DataFrame(
        {
            "transcript": ["b", "a", "a", "a", "c"],
            "segment": [1, 30, 10, 20, 4],
            "role": ["patient", "patient", "therapist", "patient", "patient"],
            "text": ["x", "third", "first", "second", "y"],
        }
    )
    data = prepare(turns, pd.DataFrame(columns=["transcript", "segment", "coder", "value"]), spec)
    assert data.turns["text"].tolist() == ["first", "second", "third", "x", "y"]
    assert data.previous.tolist() == [-1, 0, 1, -1, -1]
    assert data.following.tolist() == [1, 2, -1, -1, -1]
    assert data.position.tolist() == [0.0, 0.5, 1.0, 0.0, 0.0]
    assert data.units.tolist() == [1, 2, 3, 4]


def test_missing_values_are_not_codes(synthetic: MakeTurns, spec: DimensionSpec) -> None:
    turns, codes = synthetic(transcripts=4, turns=10)
    codes.loc[:4, "value"] = None
    assert len(prepare(turns, codes, spec).codes) == len(codes) - 5


def _study(turns: pd.DataFrame, codes: pd.DataFrame) -> StudyData:
    """A study's export rows for the synthetic turns, coded on the default codebook's ordinal
    'resistance' (change -> none, neutral -> mild, sustain -> strong)."""
    book = load_default_codebook()
    names = sorted(turns["transcript"].unique())
    tid = {n: i + 1 for i, n in enumerate(names)}
    transcripts = pd.DataFrame(
        {
            "transcript_id": [tid[n] for n in names],
            "transcript": names,
            "participant": [f"P{i % 5}" for i in range(len(names))],
            "therapist": [f"T{i % 2}" for i in range(len(names))],
            "session": pd.array([1] * len(names), dtype="Int64"),
            "date": [None] * len(names),
            "preamble": ["Fictional."] * len(names),
        }
    )
    segments = pd.DataFrame(
        {
            "segment_id": np.arange(1, len(turns) + 1),
            "transcript_id": turns["transcript"].map(tid).to_numpy(),
            "segment": turns["segment"].to_numpy(),
            "role": turns["role"].to_numpy(),
            "speaker": turns["role"].str[0].str.upper().to_numpy(),
            "start": np.nan,
            "end": np.nan,
            "text": turns["text"].to_numpy(),
        }
    )
    sid = segments.set_index(["transcript_id", "segment"])["segment_id"]
    level = {"change": "none", "neutral": "mild", "sustain": "strong"}
    code_frame = pd.DataFrame(
        {
            "transcript_id": codes["transcript"].map(tid).to_numpy(),
            "segment_id": sid.reindex(
                pd.MultiIndex.from_arrays([codes["transcript"].map(tid), codes["segment"]])
            ).to_numpy(dtype=float),
            "coder": codes["coder"].to_numpy(),
            "dimension": "resistance",
            "value": codes["value"].map(level).to_numpy(),
            "memo": None,
            "codebook_version": book.version,
        }
    )
    involved = code_frame[["transcript_id", "coder"]].drop_duplicates().assign(completed=True)
    return StudyData(
        codebook=book,
        codebook_version=book.version,
        coders=tuple(sorted(codes["coder"].unique())),
        transcripts=transcripts,
        segments=segments,
        involved=involved,
        codes=code_frame,
        segment_memos=pd.DataFrame(columns=["segment_id", "coder", "segment_memo"]).astype(
            {"segment_id": "int64"}
        ),
    )


def test_the_export_tables_are_the_inputs(synthetic: MakeTurns) -> None:
    turns, codes = synthetic(transcripts=9, turns=10)
    study = _study(turns, codes)
    wide = build_wide(study, with_text=True).frame
    long = build_long(study).frame
    book = study.codebook
    spec = DimensionSpec.from_dimension(book.dimension("resistance"), book.version)
    data = prepare(wide, codes_from_long(long, "resistance"), spec)
    assert len(data.units) == int((turns["role"] == "patient").sum())
    ev = cross_validate(data, folds=3)
    assert ev.level == "ordinal"
    assert ev.grouping.by == "participant and therapist" or ev.grouping.count >= 3
    order = {"none": 0.0, "mild": 1.0, "strong": 2.0}
    expected = krippendorff.alpha(
        reliability_data=np.vstack(
            [ev.units["machine"].map(order), ev.units["human"].map(order)]
        ).astype(float),
        level_of_measurement="ordinal",
        value_domain=[0.0, 1.0, 2.0],
    )
    assert ev.alpha_machine_human == pytest.approx(expected, abs=1e-12)
    model = train(data)
    assert model.spec.codebook_version == book.version
    assert set(model.predict(wide).frame["value"]) <= {"none", "mild", "strong"}


def test_importing_the_package_loads_neither_scikit_learn_nor_scipy() -> None:
    code = (
        "import sys, socialcoder.machine; "
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
