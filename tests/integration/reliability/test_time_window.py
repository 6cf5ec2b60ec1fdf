"""Issue #11 item 1: time windows never invent absences.

An implied absence is a cell with no code at all; a cell whose code was last changed outside
the window is missing in that window. Checked against the `krippendorff` package on the matrix
written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import krippendorff
import numpy as np
import pytest

from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.drift import weekly_alpha
from socialcoder.services.reliability_data import Selection, load_dimension_data
from socialcoder.services.reliability_report import reliability_report
from socialcoder.services.study import open_study

ANA = (1, 3, 5, 7)  # patient turns (0-based) ana marks present
BEN = (1, 3, 9, 11, 13)


def _alpha(rows: list[list[float]]) -> float:
    return float(
        krippendorff.alpha(reliability_data=np.array(rows), level_of_measurement="nominal")
    )


@pytest.fixture
def windowed(make_study, backdate):
    path = make_study({"t": (None, 20)})
    with open_study(path) as study:
        for coder, turns in (("ana", ANA), ("ben", BEN)):
            for i in turns:
                set_code(
                    study,
                    coder=coder,
                    transcript="t",
                    segment=2 * i + 2,
                    dimension="concordance",
                    value="1",
                )
            set_completed(study, coder=coder, transcript="t")
        monday = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
        backdate(study, "ana", codes=monday - timedelta(days=10), completed=monday + timedelta(1))
        backdate(study, "ben", codes=monday + timedelta(days=2), completed=monday + timedelta(2))
    return path, monday


def test_codes_before_the_window_are_missing_not_absent(windowed) -> None:
    path, monday = windowed
    present = 1.0  # category positions: present = 0, absent = 1 in codebook order
    ana = [0.0 if i in ANA else present for i in range(20)]
    ben = [0.0 if i in BEN else present for i in range(20)]
    whole = _alpha([ana, ben])
    ana_in_window = [np.nan if i in ANA else present for i in range(20)]
    in_window = _alpha([ana_in_window, ben])
    invented = _alpha([[present] * 20, ben])  # what the old rule made of ana's row
    assert round(whole, 3) == 0.301 and round(in_window, 3) == -0.069
    selection = Selection(
        dimensions=("concordance",), since=monday, until=monday + timedelta(days=7)
    )
    with open_study(path) as study:
        overall = reliability_report(study, Selection(dimensions=("concordance",)))
        window = reliability_report(study, selection)
        dd = load_dimension_data(study, selection)[0]
        weeks = {w.week: w for w in weekly_alpha(study) if w.dimension == "concordance"}
    assert overall.dimensions[0]["krippendorff_alpha"] == pytest.approx(whole)
    item = window.dimensions[0]
    assert item["krippendorff_alpha"] == pytest.approx(in_window)
    assert item["krippendorff_alpha"] != pytest.approx(invented)
    # implied values in pairable units: ana 16, ben 15 less the two units only he coded
    assert item["implied_values"] == 16 + 13
    assert int(np.isnan(dd.data[0]).sum()) == 4  # ana's four codes: missing, never 'absent'
    # The drift chart's week of the completions shows the same figure.
    assert weeks["2026-W45"].alpha == pytest.approx(in_window)


def test_completion_outside_the_window_implies_nothing(windowed) -> None:
    path, monday = windowed
    later = Selection(
        dimensions=("concordance",),
        since=monday + timedelta(days=7),
        until=monday + timedelta(days=14),
    )
    with open_study(path) as study:
        item = reliability_report(study, later).dimensions[0]
    assert item["pairable_units"] == 0 and item["implied_values"] == 0
