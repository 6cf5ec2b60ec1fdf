"""The CSV writer's columns (``export/writers.py::_csv_values``): categories and text columns
with few distinct values are converted once per distinct value (issue #14), and give the same
cells as converting every cell; the file is the text pandas' ``to_csv`` writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialcoder.export.model import ExportTable
from socialcoder.export.writers import CSV_BLOCK, _csv, _csv_values

ROWS = CSV_BLOCK + 12_345  # more than one block


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    names = np.array(["ana", "ben", 'says "hi", twice', "line\nbreak", "ü"], dtype=object)
    picks = rng.integers(-1, len(names), ROWS)
    few = np.where(picks >= 0, names[picks], None)
    return pd.DataFrame(
        {
            "few": pd.array(few, dtype="str"),
            "many": pd.array([f"turn {i}, text" if i % 9 else None for i in range(ROWS)], "str"),
            "category": pd.Categorical(
                np.where(few == "ü", None, few), categories=[n for n in names if n != "ü"]
            ),
            "number": np.where(picks >= 0, picks / 3, np.nan),
            "count": pd.array(np.where(picks >= 0, picks, 0), dtype="Int64"),
            "objects": pd.Series(few, dtype=object),
        }
    )


@pytest.mark.parametrize("column", ["few", "many", "category", "objects", "count"])
def test_the_cells_of_converting_every_cell(column: str) -> None:
    series = _frame()[column]
    cells = series.to_numpy(dtype=object, na_value=None).tolist()
    got = _csv_values(series)
    assert got == cells
    assert [type(v) for v in got] == [type(v) for v in cells]


def test_the_text_pandas_writes(tmp_path) -> None:
    frame = _frame()
    path = tmp_path / "t.csv"
    _csv(ExportTable("long", frame, (), None), path)
    frame.to_csv(tmp_path / "p.csv", index=False, encoding="utf-8", lineterminator="\n")
    assert path.read_bytes() == (tmp_path / "p.csv").read_bytes()
