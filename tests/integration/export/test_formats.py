"""Every file format written and read back with pandas / pyreadstat."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from socialcoder.errors import UserError
from socialcoder.export import writers
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code
from socialcoder.services.exporting import build_export_table, export_table
from socialcoder.services.study import Study


def _numbers(series: pd.Series) -> list[float]:
    return [float("nan") if pd.isna(v) else float(v) for v in series]


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (np.isnan(x) and np.isnan(y)) or x == y for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("ext", ["csv", "parquet", "xlsx"])
def test_long_round_trips_through_pandas(small: Study, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"long.{ext}"
    summary = export_table(small, out, layout="long", with_text=True)
    expected = build_export_table(small, "long", with_text=True).frame
    assert (summary.rows, summary.columns) == expected.shape
    read = {
        "csv": pd.read_csv,
        "parquet": pd.read_parquet,
        "xlsx": lambda p: pd.read_excel(p, sheet_name="data"),
    }[ext]
    back = read(out)
    assert list(back.columns) == list(expected.columns)
    assert [str(v) for v in back["value"].fillna("")] == [
        str(v) for v in expected["value"].fillna("")
    ]
    assert _same(_numbers(back["value_numeric"]), _numbers(expected["value_numeric"]))
    assert list(back["text"].fillna("")) == list(expected["text"].fillna(""))
    assert list(back["coder"]) == list(expected["coder"])


def test_excel_has_codebook_and_column_sheets(small: Study, tmp_path: Path) -> None:
    out = tmp_path / "wide.xlsx"
    export_table(small, out, layout="wide")
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"data", "codebook", "columns"} <= set(sheets)
    codebook = sheets["codebook"].set_index("dimension")
    assert codebook.loc["resistance", "values"] == "none = none; mild = mild; strong = strong"
    assert "agree with" in codebook.loc["concordance", "definition"]
    columns = sheets["columns"].set_index("column")
    assert columns.loc["resistance__ana", "label"] == "Resistance (ana)"
    assert columns.loc["resistance__ana", "value_labels"] == "0 = none; 1 = mild; 2 = strong"


@pytest.mark.parametrize("ext", ["sav", "dta"])
def test_stats_files_have_values_and_labels(small: Study, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"wide.{ext}"
    export_table(small, out, layout="wide")
    read = pyreadstat.read_sav if ext == "sav" else pyreadstat.read_dta
    frame, meta = read(str(out))
    assert _same(_numbers(frame["concordance__ana"]), [np.nan, 1.0, np.nan, 0.0])
    assert _same(
        _numbers(frame["resistance__ana"]), [np.nan, 0.0, np.nan, 1.0]
    )  # "none" implied by ana's completion (empty_means), position of "mild"
    assert _same(_numbers(frame["goal_agreement__ana"]), [5.0] * 4)
    assert meta.column_names_to_labels["resistance__ana"] == "Resistance (ana)"
    labels = {float(k): v for k, v in meta.variable_value_labels["resistance__ana"].items()}
    assert labels == {0.0: "none", 1.0: "mild", 2.0: "strong"}
    role_labels = {float(k): v for k, v in meta.variable_value_labels["role"].items()}
    assert role_labels == {1.0: "therapist", 2.0: "patient"}
    assert list(frame["transcript"]) == ["P01_s3"] * 4
    assert str(frame["memo__ana"][3]) == "rests on Sunday"


def test_sessions_to_stata_and_spss(small: Study, tmp_path: Path) -> None:
    for ext, read in (("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)):
        out = tmp_path / f"sessions.{ext}"
        export_table(small, out, layout="sessions")
        frame, _ = read(str(out))
        assert list(frame["concordance_rate"]) == [50.0, 50.0]
        assert list(frame["coder"]) == ["ana", "ben"]


def test_stata_names_are_cut_to_32_characters_and_unique(small: Study, tmp_path: Path) -> None:
    long_a, long_b = "a_very_long_coder_name_number_one", "a_very_long_coder_name_number_two"
    add_coders(small, [long_a, long_b])
    for coder in (long_a, long_b):
        set_code(
            small,
            coder=coder,
            transcript="P01_s3",
            segment=2,
            dimension="incongruent_principles",
            value="1",
        )
    out = tmp_path / "wide.dta"
    export_table(small, out, layout="wide")
    frame, meta = pyreadstat.read_dta(str(out))
    assert all(len(c) <= 32 for c in frame.columns)
    assert len(set(frame.columns)) == len(frame.columns)
    renamed = [
        c
        for c, lb in meta.column_names_to_labels.items()
        if lb.startswith(f"incongruent_principles__{long_b}")
    ]
    assert len(renamed) == 1 and frame[renamed[0]][1] == 1.0


def test_safe_names() -> None:
    assert writers.safe_names(["1x", "a b", "a_b", "if", "x" * 40], "dta") == [
        "v_1x",
        "a_b",
        "a_b_2",
        "if_",
        "x" * 32,
    ]


def test_failed_write_leaves_no_file(
    small: Study, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "long.parquet"
    out.write_bytes(b"old")

    def broken(table: object, path: Path) -> None:
        Path(path).write_bytes(b"half")
        raise RuntimeError("disk gone")

    monkeypatch.setattr(writers, "_parquet", broken)
    with pytest.raises(RuntimeError):
        export_table(small, out, layout="long", force=True)
    assert out.read_bytes() == b"old"
    assert [name for name in os.listdir(tmp_path) if "partial" in name] == []


def test_unknown_extension_and_missing_folder(small: Study, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="extension"):
        export_table(small, tmp_path / "out.txt")
    with pytest.raises(UserError, match="does not exist"):
        export_table(small, tmp_path / "nope" / "out.csv")
    assert export_table(small, tmp_path / "out.txt", fmt="csv").rows > 0
