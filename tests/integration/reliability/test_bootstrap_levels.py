"""Issue #11 item 7 in a study: the bootstrap resamples the top level by default (participants
when sessions are nested in them, else transcripts), says which, and flags few clusters."""

from __future__ import annotations

import numpy as np
import pytest

from socialcoder.errors import UserError
from socialcoder.reliability import bootstrap_alpha
from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.reliability_data import Selection, load_dimension_data
from socialcoder.services.reliability_report import reliability_report
from socialcoder.services.study import open_study

TURNS = 40


def _code(study, names: list[str], seed: int) -> None:
    rng = np.random.default_rng(seed)
    for name in names:
        truth = rng.random(TURNS) < 0.4
        for coder in ("ana", "ben"):
            seen = np.where(rng.random(TURNS) < 0.85, truth, rng.random(TURNS) < 0.4)
            for i in np.flatnonzero(seen):
                set_code(
                    study,
                    coder=coder,
                    transcript=name,
                    segment=2 * int(i) + 2,
                    dimension="concordance",
                    value="1",
                )
            set_completed(study, coder=coder, transcript=name)


def test_participant_is_the_default_when_sessions_are_nested(make_study) -> None:
    sessions = {"p1s1": ("P1", TURNS), "p1s2": ("P1", TURNS), "p2s1": ("P2", TURNS)}
    sessions |= {"p3s1": (None, TURNS)}
    path = make_study(sessions)
    selection = Selection(dimensions=("concordance",))
    with open_study(path) as study:
        _code(study, list(sessions), seed=3)
        report = reliability_report(study, selection, bootstrap=400, seed=5)
        units = reliability_report(study, selection, bootstrap=400, seed=5, bootstrap_by="unit")
        dd = load_dimension_data(study, selection)[0]
        with pytest.raises(UserError, match="bootstrap level"):
            reliability_report(study, selection, bootstrap=10, bootstrap_by="site")
    assert report.bootstrap_by == "participant" and report.to_json()["bootstrap_by"] == (
        "participant"
    )
    item = report.dimensions[0]
    # P1 (two sessions), P2, and the session without a participant: 3 clusters.
    assert item["bootstrap"]["by"] == "participant" and item["bootstrap"]["clusters"] == 3
    # The same interval as resampling those clusters directly.
    rows = dd.data
    people = np.array(["P1"] * (2 * TURNS) + ["P2"] * TURNS + ["t"] * TURNS)
    expected = bootstrap_alpha(rows, "nominal", replicates=400, seed=5, clusters=people)
    assert item["alpha_ci95"] == pytest.approx([expected.low, expected.high])
    assert any("resamples only 3 participants" in n for n in item["notes"])
    assert units.dimensions[0]["bootstrap"]["by"] == "unit"
    assert units.dimensions[0]["bootstrap"]["clusters"] == item["pairable_units"]


def test_transcript_is_the_default_without_nesting(make_study) -> None:
    sessions = {f"s{i}": (f"P{i}", TURNS) for i in range(3)}
    path = make_study(sessions)
    with open_study(path) as study:
        _code(study, list(sessions), seed=4)
        report = reliability_report(
            study, Selection(dimensions=("concordance",)), bootstrap=200, seed=1, by="transcript"
        )
    item = report.dimensions[0]
    assert item["bootstrap"]["by"] == "transcript" and item["bootstrap"]["clusters"] == 3
    # Within one transcript, its segments are what is resampled.
    assert all(g["bootstrap"]["by"] == "unit" for g in item["groups"])
