"""Issue #11 items 3 and 8: blanks after completion, implied values, open transcripts.

The sample study's resistance figures are recomputed here from the raw files
(sample_transcripts/demo_codes.csv and the transcripts' patient turns) with the `krippendorff`
package; the study's own code is not used to build the expected matrix."""

from __future__ import annotations

import csv
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.consensus import BLANK, DIFFER, list_disagreements
from socialcoder.services.reliability_data import Selection
from socialcoder.services.reliability_report import reliability_report
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript

SAMPLES = Path(__file__).resolve().parents[3] / "sample_transcripts"
ORDER = ["none", "mild", "strong"]


def _resistance_matrix(study, *, blank: float, keys: list | None = None) -> np.ndarray:
    codes: dict[tuple[str, int, str], str] = {}
    with (SAMPLES / "demo_codes.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["dimension"] == "resistance":
                codes[(row["transcript"], int(row["segment"]), row["coder"])] = row["value"]
    columns = []
    for name in ("P01_session02", "P02_session04", "P03_session06"):
        for seg in show_transcript(study, name).segments:
            if seg.role != "patient":
                continue
            if keys is not None:
                keys.append((name, seg.index))
            column = []
            for coder in ("ana", "ben", "cleo"):
                value = codes.get((name, seg.index, coder))
                column.append(float(ORDER.index(value)) if value else blank)
            columns.append(column)
    return np.array(columns).T


def test_sample_resistance_alpha_with_and_without_implied_none(sample_study: Path) -> None:
    with open_study(sample_study) as study:
        implied = _resistance_matrix(study, blank=0.0)  # every coder completed: empty = none
        explicit = _resistance_matrix(study, blank=np.nan)
        item = reliability_report(study, Selection(dimensions=("resistance",))).dimensions[0]
    domain = [0.0, 1.0, 2.0]
    with_implied = krippendorff.alpha(
        reliability_data=implied, level_of_measurement="ordinal", value_domain=domain
    )
    entered = krippendorff.alpha(
        reliability_data=explicit, level_of_measurement="ordinal", value_domain=domain
    )
    assert item["krippendorff_alpha"] == pytest.approx(with_implied)
    assert item["krippendorff_alpha_explicit"] == pytest.approx(entered)
    # The figures the issue quotes, and the README's claim (about 0.69 with blanks as none).
    assert (round(with_implied, 3), round(entered, 3)) == (0.688, 0.360)
    assert item["implied_values"] == int(np.isnan(explicit).sum())
    assert any("alpha on the values coders entered is 0.360" in n for n in item["notes"])
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert "0.69 for resistance" in readme and "0.36" in readme


def test_sample_disagreements_list_what_blanks_left_unsettled(sample_study: Path) -> None:
    keys: list[tuple[str, int]] = []
    with open_study(sample_study) as study:
        items = list_disagreements(study, Selection(dimensions=("resistance",)))
        explicit = _resistance_matrix(study, blank=np.nan, keys=keys)
    listed = {(d.transcript, d.segment): d for d in items}
    entered = ~np.isnan(explicit)
    # A coder entered mild/strong where another left the turn empty after completing: the
    # issue's 'coded vs left blank' units, formerly left out of the list.
    blank_units = [
        keys[u]
        for u in range(len(keys))
        if entered[:, u].any() and not entered[:, u].all() and np.nanmax(explicit[:, u]) > 0
    ]
    assert len(blank_units) >= 10
    for key in blank_units:
        d = listed[key]
        assert d.kind == DIFFER and d.implied
        assert all(d.values[c] == "none" for c in d.implied)
        assert d.to_json()["implied"] == list(d.implied)


@pytest.fixture
def two_coders(make_study):
    """One transcript of 6 patient turns. ana: resistance mild on turn 1, goal 5, complete.
    ben: concordance 1 on turn 1 only, no goal rating, complete (unless reopened)."""
    path = make_study({"t": ("P01", 6)})
    with open_study(path) as study:
        set_code(
            study, coder="ana", transcript="t", segment=2, dimension="resistance", value="mild"
        )
        set_code(
            study, coder="ana", transcript="t", segment=None, dimension="goal_agreement", value=5
        )
        set_code(study, coder="ben", transcript="t", segment=2, dimension="concordance", value="1")
        set_completed(study, coder="ana", transcript="t")
        set_completed(study, coder="ben", transcript="t")
    return path


def test_coded_versus_left_blank_is_listed_for_every_scale(two_coders: Path) -> None:
    with open_study(two_coders) as study:
        items = {d.dimension: d for d in list_disagreements(study)}
    goal = items["goal_agreement"]
    assert goal.kind == BLANK and goal.values == {"ana": "5", "ben": None} and not goal.implied
    resistance = items["resistance"]
    assert resistance.kind == DIFFER and resistance.values == {"ana": "mild", "ben": "none"}
    assert resistance.implied == ("ben",)
    concordance = items["concordance"]
    assert concordance.values == {"ana": "0", "ben": "1"} and concordance.implied == ("ana",)


def test_open_transcripts_are_counted_behind_binary_figures(two_coders: Path) -> None:
    with open_study(two_coders) as study:
        set_completed(study, coder="ben", transcript="t", completed=False)
        items = {d.dimension: d for d in list_disagreements(study)}
        report = reliability_report(study, Selection(dimensions=("concordance",)))
    # Before ben completes, his blanks are 'not coded yet': resistance and goal agreement
    # have nothing to adjudicate; concordance has turn 1 (ben's code, ana's implied absence).
    assert set(items) == {"concordance"}
    item = report.dimensions[0]
    # Only turn 1 pairs up: ben's one code against ana's implied absence.
    assert item["pairable_units"] == 1
    assert item["open_pairs"] == 1
    assert any(n.startswith("1 (coder, transcript) pair(s) still open") for n in item["notes"])
