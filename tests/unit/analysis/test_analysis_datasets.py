"""Data sets for reviewers: CSV, SPSS with labels, Mplus .dat/.inp and the dictionary, read
back with pandas, pyreadstat and numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from socialcoder.analysis import (
    Provenance,
    lagged_dataset,
    lagged_model,
    lagged_mplus_model,
    session_dataset,
    session_table,
    software_versions,
    write_dataset,
)
from socialcoder.analysis.datasets import MPLUS_LINE_MAX, mplus_names
from socialcoder.export.tables import build_long, build_sessions


def _provenance(analysis: str) -> Provenance:
    return Provenance(
        study="fictional",
        codebook_name="Socialization to the treatment model",
        codebook_version="1.0",
        analysis=analysis,
        seeds={"bootstrap": 42},
        software=software_versions(),
        created="2026-12-01T10:00:00",
        settings={"rate": "per100"},
    )


def test_session_data_set_in_every_format(make_study, tmp_path: Path) -> None:
    data = make_study(seed=3, participants=6, sessions=3)
    table = session_table(build_sessions(data).frame, data.codebook, long=build_long(data).frame)
    ds = session_dataset(table)
    written = write_dataset(
        ds, tmp_path, _provenance("correlations"), stem="sessions", codebook=data.codebook
    )
    names = sorted(p.name for p in written.files)
    assert names == ["sessions.csv", "sessions.dat", "sessions.inp", "sessions.sav"]
    csv = pd.read_csv(tmp_path / "sessions.csv")
    assert list(csv.columns) == [c.name for c in ds.columns]
    assert np.allclose(csv["concordance_rate"], table.frame["concordance_rate"])
    sav, meta = pyreadstat.read_sav(tmp_path / "sessions.sav")
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert (
        labels["concordance_rate"] == "Concordance with the model present: per 100 applicable turns"
    )
    assert labels["goal_agreement"] == data.codebook.dimension("goal_agreement").label
    assert np.allclose(sav["resistance_any_rate"], table.frame["resistance_any_rate"])
    assert meta.variable_value_labels.get("goal_agreement")  # 1..7 with their labels
    # Mplus: numbers only, the names of the .inp, missing code
    dat = np.loadtxt(tmp_path / "sessions.dat")
    inp = (tmp_path / "sessions.inp").read_text()
    assert all(len(line) <= MPLUS_LINE_MAX for line in inp.splitlines())
    block = inp.split("NAMES =", 1)[1].split(";", 1)[0].split()
    assert len(block) == dat.shape[1] == len(ds.columns)
    assert all(len(n) <= 8 for n in block)
    participants = sorted(table.frame["participant"].unique())
    assert list(dat[:, 1]) == [participants.index(p) + 1 for p in table.frame["participant"]]
    text = written.dictionary.read_text()
    for needed in (
        "Socialization to the treatment model, version 1.0",
        "bootstrap = 42",
        "statsmodels",
        "sessions.sav",
        "| participant |",
        "1 = P01",
    ):
        assert needed in text


def test_lagged_data_set_with_its_mplus_skeleton(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = [
        {"participant": f"p{i}", "session": s, "x": rng.normal(), "y": rng.normal()}
        for i in range(8)
        for s in range(1, 6)
    ]
    frame = pd.DataFrame(rows)
    frame.loc[3, "y"] = np.nan
    result = lagged_model(frame, "y", "x")
    ds = lagged_dataset(result)
    write_dataset(
        ds, tmp_path, _provenance("lagged"), stem="lagged", mplus_model=lagged_mplus_model(result)
    )
    inp = (tmp_path / "lagged.inp").read_text()
    names = dict(
        zip([c.name for c in ds.columns], mplus_names([c.name for c in ds.columns]), strict=True)
    )
    assert f"CLUSTER = {names['participant']};" in inp
    assert f"{names['outcome_next']} ON {names['predictor_within']} {names['control']};" in inp
    assert "TYPE = TWOLEVEL;" in inp and "%BETWEEN%" in inp
    dat = np.loadtxt(tmp_path / "lagged.dat")
    assert dat.shape == (result.n_observations, len(ds.columns))
    therapist = [c.name for c in ds.columns].index("therapist")
    assert (dat[:, therapist] == -999).all()  # no therapist ids: missing
    assert "missing values are -999" in (tmp_path / "lagged_dictionary.md").read_text()


def test_mplus_missing_code_avoids_real_values_and_names_are_unique(tmp_path: Path) -> None:
    from socialcoder.analysis.datasets import DataSet
    from socialcoder.export.model import ColumnInfo

    frame = pd.DataFrame({"score_total_a": [-999.0, 1.0, np.nan], "score_total_b": [1, 2, 3]})
    ds = DataSet("x", frame, (ColumnInfo("score_total_a", "a"), ColumnInfo("score_total_b", "b")))
    write_dataset(ds, tmp_path, _provenance("x"), formats=("mplus",))
    inp = (tmp_path / "x.inp").read_text()
    assert "MISSING = ALL (-9999);" in inp
    assert "NAMES = score_to score_t2;" in inp
    dat = np.loadtxt(tmp_path / "x.dat")
    assert dat[0, 0] == -999 and dat[2, 0] == -9999


def test_unknown_format_is_refused(tmp_path: Path, make_study) -> None:
    from socialcoder.analysis import AnalysisInputError

    data = make_study(seed=1, participants=2, sessions=2)
    ds = session_dataset(session_table(build_sessions(data).frame, data.codebook))
    with pytest.raises(AnalysisInputError, match="unknown format"):
        write_dataset(ds, tmp_path, _provenance("x"), formats=("xls",))
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_refused_before_anything_is_written(make_study, tmp_path: Path) -> None:
    from socialcoder.errors import UserError

    data = make_study(seed=1, participants=2, sessions=2)
    ds = session_dataset(session_table(build_sessions(data).frame, data.codebook))
    (tmp_path / "sessions.inp").write_text("mine", encoding="utf-8")
    with pytest.raises(UserError, match="already exists"):
        write_dataset(ds, tmp_path, _provenance("x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sessions.inp"]
    assert (tmp_path / "sessions.inp").read_text() == "mine"
    written = write_dataset(ds, tmp_path, _provenance("x"), force=True)
    assert (tmp_path / "sessions.inp").read_text().startswith("TITLE:")
    assert len(written.files) == 4
    with pytest.raises(UserError, match="study"):
        write_dataset(
            ds,
            tmp_path,
            _provenance("x"),
            stem="study",
            formats=("csv",),
            force=True,
            protect=[tmp_path / "study.csv"],
        )


def test_write_sdis_goes_through_the_output_checks(make_study, tmp_path: Path) -> None:
    from socialcoder.analysis import turns_from_wide, write_sdis
    from socialcoder.errors import UserError
    from socialcoder.export.tables import build_wide

    data = make_study(seed=1, participants=1, sessions=1)
    turns = turns_from_wide(build_wide(data).frame, data.codebook, coder="ana")
    target = tmp_path / "turns.sds"
    export = write_sdis(target, turns, data.codebook)
    assert target.read_text() == export.text
    with pytest.raises(UserError, match="already exists"):
        write_sdis(target, turns, data.codebook)
    write_sdis(target, turns, data.codebook, force=True)
