"""The analysis functions on the export tables of a real study file (the demo study): the
shapes the later ``analyze`` service will feed them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialcoder.analysis import (
    TooFewUnitsError,
    correlations,
    sdis_text,
    sequential,
    session_table,
    turns_from_long,
    turns_from_wide,
)
from socialcoder.services.demo import build_demo
from socialcoder.services.exporting import build_export_table
from socialcoder.services.study import open_study


@pytest.fixture(scope="module")
def demo_tables(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "demo.scstudy"
    build_demo(path, followup=False)  # the three hand-written sessions the figures rest on
    with open_study(path) as study:
        tables = {
            layout: build_export_table(study, layout).frame
            for layout in ("sessions", "long", "wide")
        }
        return tables, study.codebook


def test_session_table_and_correlations_from_a_study(demo_tables) -> None:
    tables, codebook = demo_tables
    table = session_table(tables["sessions"], codebook, long=tables["long"], coder="ana")
    assert len(table.frame) == 3
    exported = tables["sessions"].query("coder == 'ana'").set_index("transcript")
    got = table.frame.set_index("transcript")
    assert (got["concordance_rate"] == exported["concordance_rate"].reindex(got.index)).all()
    result = correlations(table, seed=1, n_boot=200)
    item = result.to_dict()
    json.dumps(item, allow_nan=False)
    assert {p["x"] for p in item["pairs"]} == {"goal_agreement"}


def test_no_consensus_layer_is_refused_with_fields(demo_tables) -> None:
    tables, codebook = demo_tables
    from socialcoder.analysis import AnalysisInputError

    with pytest.raises(AnalysisInputError, match="no codes of 'consensus'"):
        session_table(tables["sessions"], codebook, coder="consensus")
    empty = tables["sessions"].iloc[0:0]
    with pytest.raises(TooFewUnitsError) as err:
        session_table(empty, codebook)
    assert err.value.found == 0


def test_turns_from_the_study_tables(demo_tables, tmp_path: Path) -> None:
    tables, codebook = demo_tables
    long_turns = turns_from_long(tables["long"], coder="ana")
    result = sequential(long_turns, "P:concordance", "P:resistance=mild", lag=2, seed=1)
    assert result.base_pairs > 0
    wide_turns = turns_from_wide(tables["wide"], codebook, coder="ana")
    export = sdis_text(wide_turns, codebook)
    assert export.sessions == 3 and export.events == len(wide_turns)
