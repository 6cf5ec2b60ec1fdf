"""The long, wide and sessions tables on real study files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from socialcoder.errors import UserError
from socialcoder.services.exporting import build_export_table, resolve_coders
from socialcoder.services.study import Study


def _value(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, f"{len(rows)} rows for {where}"
    return rows.iloc[0]


def test_long_fills_absent_only_after_completion(small: Study) -> None:
    frame = build_export_table(small, "long").frame
    # ana completed: concordance on patient turn 4 (no code) is absent; ben did not: missing
    ana = _value(frame, coder="ana", segment=4, dimension="concordance")
    assert (ana["value"], ana["value_numeric"], ana["value_label"]) == ("0", 0.0, "absent")
    ben = _value(frame, coder="ben", segment=2, dimension="concordance")
    assert pd.isna(ben["value"]) and math.isnan(ben["value_numeric"])
    assert bool(ana["implied"]) and not bool(ben["implied"])
    # ordinal: positions and labels; an empty cell of a completed transcript is empty_means
    mild = _value(frame, coder="ana", segment=4, dimension="resistance")
    assert (mild["value"], mild["value_numeric"], mild["value_label"]) == ("mild", 1.0, "mild")
    assert not bool(mild["implied"])
    none = _value(frame, coder="ana", segment=2, dimension="resistance")
    assert (none["value"], none["value_numeric"], bool(none["implied"])) == ("none", 0.0, True)
    assert pd.isna(_value(frame, coder="ben", segment=4, dimension="resistance")["value"])
    coded = _value(frame, coder="ana", segment=2, dimension="concordance")
    assert (coded["value"], coded["memo"], coded["codebook_version"]) == ("1", "model words", "1.1")
    assert (
        _value(frame, coder="ana", segment=4, dimension="incongruent_principles")["segment_memo"]
        == "rests on Sunday"
    )


def test_long_rows_cover_applicable_segments_and_session_units(small: Study) -> None:
    frame = build_export_table(small, "long").frame
    # 2 patient turns x 3 segment-level dimensions + 1 session row, for each of 2 coders
    assert len(frame) == 2 * (2 * 3 + 1)
    assert set(frame["role"].dropna()) == {"patient"}
    session = _value(frame, coder="ana", dimension="goal_agreement")
    assert session["unit"] == "session" and pd.isna(session["segment"])
    assert (session["value"], session["value_numeric"], session["value_label"]) == (
        "5",
        5.0,
        "moderate agreement",
    )
    meta = frame.iloc[0]
    assert (meta["transcript"], meta["participant"], meta["therapist"], meta["session"]) == (
        "P01_s3",
        "P01",
        "T9",
        3,
    )
    assert "text" not in frame.columns


def test_long_with_text_adds_turn_text(small: Study) -> None:
    frame = build_export_table(small, "long", with_text=True).frame
    assert (
        _value(frame, coder="ben", segment=4, dimension="concordance")["text"]
        == "But I rested all Sunday, I had to."
    )


def test_wide_has_a_column_per_dimension_and_coder(small: Study) -> None:
    table = build_export_table(small, "wide")
    frame = table.frame
    assert len(frame) == 4 and list(frame["segment"]) == [1, 2, 3, 4]
    assert {
        "concordance__ana",
        "concordance__ben",
        "resistance__ana",
        "goal_agreement__ben",
        "memo__ana",
    } <= set(frame.columns)
    assert pd.isna(frame.loc[0, "concordance__ana"])  # therapist turn: not applicable
    assert list(frame["concordance__ana"][[1, 3]]) == [1, 0]
    assert pd.isna(frame.loc[1, "concordance__ben"]) and frame.loc[3, "concordance__ben"] == 1
    assert (
        str(frame.loc[3, "resistance__ana"]) == "mild"
        and str(frame.loc[1, "resistance__ben"]) == "none"
    )
    assert list(frame["goal_agreement__ana"]) == [5.0] * 4
    assert frame.loc[1, "memo__ana"] == "[concordance] model words"
    assert frame.loc[3, "memo__ana"] == "rests on Sunday"
    assert table.info("resistance__ana").value_labels == {0.0: "none", 1.0: "mild", 2.0: "strong"}


def test_sessions_counts_rates_and_means(small: Study) -> None:
    frame = build_export_table(small, "sessions").frame
    assert list(frame["coder"]) == ["ana", "ben"]
    ana, ben = frame.iloc[0], frame.iloc[1]
    assert (ana["concordance_n"], ana["concordance_turns"], ana["concordance_rate"]) == (1, 2, 50.0)
    # resistance: mild counted, the implied none not; the mean includes the none (position 0)
    assert (ana["resistance_n"], ana["resistance_rate"], ana["resistance_mean"]) == (1, 50.0, 0.5)
    assert bool(ana["completed"]) and not bool(ben["completed"])
    # ben entered none: counted like an implied none (not as resistance), mean position 0
    assert (ben["resistance_n"], ben["resistance_mean"]) == (0, 0.0)
    assert ana["goal_agreement"] == 5.0 and math.isnan(ben["goal_agreement"])


def test_demo_sessions_match_the_long_table(demo: Study) -> None:
    long = build_export_table(demo, "long").frame
    sessions = build_export_table(demo, "sessions").frame
    assert len(sessions) == 9
    for row in sessions.itertuples():
        part = long[(long["transcript"] == row.transcript) & (long["coder"] == row.coder)]
        conc = part[part["dimension"] == "concordance"]
        assert row.concordance_turns == len(conc)
        assert row.concordance_n == (conc["value"] == "1").sum()
        res = part[(part["dimension"] == "resistance") & part["value"].notna()]
        if len(res):
            assert row.resistance_mean == pytest.approx(res["value_numeric"].mean())


def test_coder_choice(small: Study) -> None:
    assert resolve_coders(small, "all") == ("ana", "ben")
    assert resolve_coders(small, "ben,ana") == ("ben", "ana")
    assert resolve_coders(small, ["ana", "consensus"]) == ("ana", "consensus")
    frame = build_export_table(small, "long", coders="ben").frame
    assert set(frame["coder"]) == {"ben"}
    assert build_export_table(small, "long", coders="consensus").frame.empty
    with pytest.raises(UserError, match=r"unknown coder.*'zoe'"):
        resolve_coders(small, "ana,zoe")


def test_consensus_joins_all_once_it_has_codes(small: Study) -> None:
    from socialcoder.services.coding import set_code

    set_code(
        small, coder="consensus", transcript="P01_s3", segment=2, dimension="concordance", value="1"
    )
    assert resolve_coders(small, None) == ("ana", "ben", "consensus")
    wide = build_export_table(small, "wide").frame
    assert wide.loc[1, "concordance__consensus"] == 1
