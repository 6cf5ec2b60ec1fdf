"""The final layer (consensus where settled, else the primary coder's value, source kept)
against a hand-built expectation on a small fictional study."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from socialcoder.domain.final import FinalValue, final_value, primary_coder
from socialcoder.services.assignments import assign
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.consensus import adjudicate
from socialcoder.services.exporting import build_export_table, export_table
from socialcoder.services.final import final_tables, primary_coders
from socialcoder.services.study import open_study

# (transcript, segment or None for the session rating g) -> (final value, source)
EXPECTED = {
    ("T1", 1): ("1", "A"),
    ("T1", 2): ("1", "A"),
    ("T1", 3): ("1", "consensus"),
    ("T1", None): ("4", "consensus"),
    ("T2", 1): (None, "B"),
    ("T2", 2): ("1", "B"),
    ("T2", 3): (None, "B"),
    ("T2", None): ("2", "B"),
    ("T3", 1): ("1", "A"),
    ("T3", 2): (None, "A"),
    ("T3", 3): (None, "A"),
    ("T3", None): (None, "A"),
}


def _code(study, coder, t, seg, dim, value):
    set_code(study, coder=coder, transcript=t, segment=seg, dimension=dim, value=value)


@pytest.fixture
def coded(small_study: Path) -> Path:
    with open_study(small_study) as study:
        add_coders(study, ["A", "B"])
        assign(study, coder="A", transcript="T1", purpose="primary")
        assign(study, coder="B", transcript="T1", purpose="reliability")
        assign(study, coder="B", transcript="T2", purpose="primary")
        _code(study, "A", "T1", 1, "x", "1")
        _code(study, "A", "T1", 2, "x", "1")
        _code(study, "A", "T1", None, "g", "3")
        set_completed(study, coder="A", transcript="T1", completed=True)
        _code(study, "B", "T1", 1, "x", "1")
        _code(study, "B", "T1", 3, "x", "1")
        _code(study, "B", "T1", None, "g", "4")
        set_completed(study, coder="B", transcript="T1", completed=True)
        for seg, dim, value in ((3, "x", "1"), (None, "g", "4")):
            adjudicate(
                study, transcript="T1", segment=seg, dimension=dim, value=value, reason="talked"
            )
        _code(study, "B", "T2", 2, "x", "1")
        _code(study, "B", "T2", None, "g", "2")
        _code(study, "A", "T3", 1, "x", "1")  # no assignment: A is the only coder
    return small_study


def _none(v: object) -> str | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else str(v)


def test_pure_rule() -> None:
    assert final_value(settled="2", primary="A", primary_value="1") == FinalValue("2", "consensus")
    assert final_value(settled=None, primary="A", primary_value="1") == FinalValue("1", "A")
    assert final_value(settled=None, primary=None, primary_value=None) == FinalValue(None, None)
    assert primary_coder({"A": "primary", "B": "reliability"}, ["A", "B"]) == "A"
    assert primary_coder({}, ["A"]) == "A"
    assert primary_coder({}, ["A", "B"]) is None
    assert primary_coder({"A": "primary", "B": "primary"}, []) is None


def test_final_long_table_equals_hand_built_expectation(coded: Path) -> None:
    with open_study(coded) as study:
        assert primary_coders(study) == {"T1": "A", "T2": "B", "T3": "A"}
        frame = build_export_table(study, "long", coders="final").frame
    assert set(frame["coder"].astype(str)) == {"final"}
    got = {
        (r.transcript, None if pd.isna(r.segment) else int(r.segment)): (_none(r.value), r.source)
        for r in frame.itertuples()
    }
    assert got == EXPECTED


def test_final_sessions_table_and_counts(coded: Path) -> None:
    with open_study(coded) as study:
        tables = final_tables(study)
    s = tables.sessions.set_index("transcript")
    assert list(s.index) == ["T1", "T2", "T3"]
    assert s.loc["T1", "x_n"] == 3 and s.loc["T1", "x_turns"] == 3
    assert s.loc["T2", "x_n"] == 1 and s.loc["T3", "x_n"] == 1
    assert float(s.loc["T1", "g"]) == 4.0 and float(s.loc["T2", "g"]) == 2.0
    assert pd.isna(s.loc["T3", "g"])
    assert list(s["source"]) == ["A", "B", "A"]
    assert list(s["from_consensus"]) == [2, 0, 0]
    assert list(s["completed"]) == [True, False, False]
    counts = tables.counts
    assert counts.from_consensus == 2
    assert counts.from_coders == {"A": 3, "B": 2}
    assert counts.missing == 5
    assert counts.without_primary == ()
    # the analyses read these shapes: one layer, named final
    from socialcoder.analysis.inputs import select_layer

    assert len(select_layer(tables.long, None, table="long")) == len(EXPECTED)


def test_wide_final_has_source_per_dimension(coded: Path) -> None:
    with open_study(coded) as study:
        frame = build_export_table(study, "wide", coders="final").frame
    t1 = frame[frame["transcript"] == "T1"].set_index("segment")
    assert list(t1["source__x"]) == ["A", "A", "consensus"]
    assert list(t1["x__final"].astype(int)) == [1, 1, 1]
    assert set(t1["source__g"]) == {"consensus"}


def test_ambiguous_primary_is_reported_not_guessed(coded: Path) -> None:
    with open_study(coded) as study:
        _code(study, "A", "T4", 1, "x", "1")
        _code(study, "B", "T4", 1, "x", "0")
        tables = final_tables(study)
    assert tables.counts.without_primary == ("T4",)
    assert "T4" not in set(tables.long["transcript"])


def test_cli_export_final(coded: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "final.csv"
    result = cli("export", coded, out, "--coders", "final")
    assert result.code == 0, result.err
    assert "2 value(s) from consensus, 5 from single coders (A 3, B 2), 5 missing" in result.out
    frame = pd.read_csv(out)
    assert list(frame.columns).index("source") == list(frame.columns).index("coder") + 1
    assert set(frame["source"]) == {"A", "B", "consensus"}
    bad = cli("export", coded, tmp_path / "x.csv", "--coders", "final,A")
    assert bad.code == 2 and "alone" in bad.err
    refi = cli("export", coded, tmp_path / "x.qdpx", "--coders", "final")
    assert refi.code == 2


def test_export_summary_counts(coded: Path, tmp_path: Path) -> None:
    with open_study(coded) as study:
        summary = export_table(study, tmp_path / "s.csv", layout="sessions", coders="final")
    assert summary.coders == ("final",)
    assert summary.final is not None and summary.final.from_consensus == 2
