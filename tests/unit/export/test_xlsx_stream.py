"""The streamed Excel writer: what goes in comes back, read by openpyxl and by pandas."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from socialcoder.export.xlsx import column_letter, write_xlsx


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"
    ]  # fmt: skip


def test_values_come_back_whole(tmp_path: Path) -> None:
    texts = ["=1+1 is text", "a & b < c > d", "line\r\nnext\ttab", "  spaced  ", "é 😀", ""]
    frame = pd.DataFrame(
        {
            "text": pd.array(texts, dtype="string"),
            "float": [0.1, 1 / 3, 6.0, np.nan, 1e16, -2.5],
            "int": np.arange(6, dtype=np.int64),
            "nullable": pd.array([1, None, 3, None, 5, 6], dtype="Int64"),
            "category": pd.Categorical(["x", None, "y", "x", "y", None]),
            "date": [date(2024, 2, 29), None, datetime(2024, 3, 1, 12, 30), None, None, None],
        }
    )
    out = tmp_path / "t.xlsx"
    write_xlsx({"data": frame, "about": pd.DataFrame({"item": ["a"], "value": ["b"]})}, out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["data", "about"]
    rows = [[c.value for c in row] for row in book["data"].iter_rows()]
    assert rows[0] == list(frame.columns)
    assert book["data"]["A1"].font.b  # the header is bold, as pandas wrote it
    assert [r[0] for r in rows[1:]] == [*texts[:5], None]  # '' is no cell
    assert [r[1] for r in rows[1:]] == [0.1, 1 / 3, 6, None, 1e16, -2.5]  # every digit
    assert [r[2] for r in rows[1:]] == list(range(6))
    assert [r[3] for r in rows[1:]] == [1, None, 3, None, 5, 6]
    assert [r[4] for r in rows[1:]] == ["x", None, "y", "x", "y", None]
    assert rows[1][5] == datetime(2024, 2, 29) and rows[3][5] == datetime(2024, 3, 1, 12, 30)
    assert book["data"]["F2"].number_format == "yyyy-mm-dd"
    back = pd.read_excel(out, sheet_name="data", dtype={"text": str}, keep_default_na=False)
    assert back["text"].tolist()[:5] == texts[:5]


def test_long_columns_and_parts_write_the_same_cells(tmp_path: Path) -> None:
    """Columns of few distinct values are made cells once per value (rows > 10,000); written
    whole or in parts, the sheet is the same, and openpyxl reads back every value."""
    from socialcoder.export.xlsx import SheetParts

    n = 24_000
    rng = np.random.default_rng(3)
    ratings = rng.integers(1, 8, n).astype("float64")
    ratings[::7] = np.nan
    frame = pd.DataFrame(
        {
            "name": pd.array([f"t&{i // 5000}" for i in range(n)], dtype="string"),
            "rating": ratings,
            "signed": np.where(np.arange(n) % 2, 0.0, -0.0),  # -0.0 stays -0
            "count": pd.array([None if i % 3 else i % 4 for i in range(n)], dtype="Int64"),
            "number": np.arange(n) % 9,
            "none": pd.Series([None] * n, dtype=object),
            "day": [date(2024, 1, 1 + i % 3) if i % 2 else None for i in range(n)],
        }
    )
    whole, parted = tmp_path / "whole.xlsx", tmp_path / "parts.xlsx"
    write_xlsx({"data": frame}, whole)
    pieces = (frame.iloc[:9_000], frame.iloc[9_000:20_500], frame.iloc[20_500:])
    write_xlsx({"data": SheetParts(list(frame.columns), pieces)}, parted)
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(whole) as a, zipfile.ZipFile(parted) as b:
        assert a.read(sheet) == b.read(sheet)
    rows = list(openpyxl.load_workbook(whole)["data"].iter_rows(values_only=True))
    assert len(rows) == n + 1
    for i in (0, 1, 6, 7, 13_999, n - 1):
        got = rows[i + 1]
        assert got[0] == f"t&{i // 5000}"
        assert got[1] == (None if np.isnan(ratings[i]) else ratings[i])
        assert got[2] == 0
        assert got[3] == (None if i % 3 else i % 4)
        assert got[4] == i % 9
        assert got[5] is None
        assert got[6] == (datetime(2024, 1, 1 + i % 3) if i % 2 else None)
    with zipfile.ZipFile(whole) as a:
        xml = a.read(sheet).decode()
    assert '<c r="C2"><v>-0</v></c>' in xml and '<c r="C3"><v>0</v></c>' in xml
