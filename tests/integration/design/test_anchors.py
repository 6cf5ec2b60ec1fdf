"""Anchor transcripts: every coder codes them; each coder's agreement with the standard, in
the coder's order, checked against the reference `krippendorff` package."""

from __future__ import annotations

import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.consensus import adjudicate
from socialcoder.services.design import design_spec, draw_plan, store_plan
from socialcoder.services.study import open_study

STANDARD = {1: "1", 2: "0", 3: "1"}  # segment -> the standard's value on x
CODERS = {"A": {1: "1", 2: "1", 3: "1"}, "B": {1: "1", 2: "0", 3: "0"}}


@pytest.fixture
def anchored(small_study: Path) -> tuple[Path, str]:
    with open_study(small_study) as study:
        add_coders(study, ["A", "B"])
        plan = draw_plan(study, design_spec(["A", "B"], anchors=1, covert=True, seed=4))
        store_plan(study, plan)
        [anchor] = plan.anchors
        for coder, values in CODERS.items():
            for seg, value in values.items():
                if value == "1":  # a binary 0 is what completion implies
                    set_code(study, coder=coder, transcript=anchor, segment=seg,
                             dimension="x", value=value)  # fmt: skip
            set_completed(study, coder=coder, transcript=anchor, completed=True)
        for seg, value in STANDARD.items():
            adjudicate(study, transcript=anchor, segment=seg, dimension="x", value=value,
                       reason="anchor standard")  # fmt: skip
    return small_study, anchor


def test_agreement_with_the_standard_matches_krippendorff(anchored, cli) -> None:
    path, anchor = anchored
    result = cli("reliability", path, "--anchors", "--json")
    assert result.code == 0, result.err
    points = json.loads(result.out)["anchors"]
    got = {(p["coder"], p["dimension"]): p for p in points}
    for coder, values in CODERS.items():
        p = got[(coder, "x")]
        assert p["transcript"] == anchor and p["units"] == 3 and p["completed_at"]
        mine = [float(values[s]) for s in (1, 2, 3)]
        standard = [float(STANDARD[s]) for s in (1, 2, 3)]
        expected = krippendorff.alpha(np.array([mine, standard]), level_of_measurement="nominal")
        assert p["alpha"] == pytest.approx(expected, abs=1e-4)
        assert p["agreement"] == pytest.approx(
            sum(a == b for a, b in zip(mine, standard, strict=True)) / 3, abs=1e-4
        )
    text = cli("reliability", path, "--anchors").out
    assert anchor in text and "agreement" in text
    assert cli("reliability", path, "--anchors", "--standard", "nobody").code == 2
