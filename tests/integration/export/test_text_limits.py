"""No format loses text silently (issue #10, item 3): every written file is read back; a memo
a format cannot hold whole (Excel: 32,767 UTF-16 units per cell; SPSS: 32,767 UTF-8 bytes) is
refused with the cell and the formats that keep it, and no file is written. Multi-byte text at
and around the limits: 'é' (2 bytes), emoji (4 bytes, 2 UTF-16 units)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from socialcoder.errors import UserError
from socialcoder.export.text_limits import excel_units, utf8_bytes
from socialcoder.services.coding import set_code
from socialcoder.services.exporting import export_table
from socialcoder.services.study import Study

E, EMOJI = "é", "\N{GRINNING FACE}"


def _memo(study: Study, text: str) -> None:
    """ana's concordance code on segment 2 of P01_s3 gets ``text`` as its memo."""
    set_code(
        study,
        coder="ana",
        transcript="P01_s3",
        segment=2,
        dimension="concordance",
        value="1",
        memo=text,
    )


def _read_memos(path: Path, fmt: str) -> list[str]:
    if fmt == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif fmt == "parquet":
        frame = pd.read_parquet(path)
    elif fmt == "xlsx":
        frame = pd.read_excel(path, sheet_name="data", dtype=str, keep_default_na=False)
    elif fmt == "sav":
        frame, _ = pyreadstat.read_sav(str(path))
    else:
        frame, _ = pyreadstat.read_dta(str(path))
    return [m for m in frame["memo"].tolist() if isinstance(m, str) and m]


def _round_trip(study: Study, tmp_path: Path, fmt: str, text: str) -> None:
    _memo(study, text)
    out = tmp_path / f"long-{len(text)}.{fmt}"
    export_table(study, out, layout="long", force=True)
    memos = _read_memos(out, fmt)
    assert text in memos, f"{fmt}: the memo did not come back whole"
    assert "model words" not in memos  # replaced by the new memo
    assert len(memos) == 1


def _refused(study: Study, tmp_path: Path, fmt: str, text: str, *needles: str) -> None:
    _memo(study, text)
    out = tmp_path / f"refused.{fmt}"
    with pytest.raises(UserError) as caught:
        export_table(study, out, layout="long")
    message = str(caught.value)
    for needle in ("column 'memo'", "transcript P01_s3, segment 2, coder ana", *needles):
        assert needle in message, message
    assert "csv, parquet and dta keep the full text" in message
    assert not out.exists() and [p for p in tmp_path.iterdir() if "partial" in p.name] == []


EXCEL_FITS = [
    "a" * 32_767,
    E * 32_767,  # 'é' is one UTF-16 unit
    EMOJI * 16_383 + "a",  # 32,767 units
    "=1+1 is how the patient put it",  # text, not a formula
    "line one\nline two\ttabbed\r\n",
]
EXCEL_TOO_LONG = ["a" * 32_768, E * 32_768, EMOJI * 16_384, "a" * 5_000_000]


@pytest.mark.parametrize("text", EXCEL_FITS, ids=lambda t: f"{len(t)}x{t[:1]!r}")
def test_excel_keeps_text_up_to_the_limit(small: Study, tmp_path: Path, text: str) -> None:
    assert excel_units(text) <= 32_767
    _round_trip(small, tmp_path, "xlsx", text)


@pytest.mark.parametrize("text", EXCEL_TOO_LONG, ids=lambda t: f"{len(t)}x{t[:1]!r}")
def test_excel_refuses_a_longer_cell(small: Study, tmp_path: Path, text: str) -> None:
    _refused(small, tmp_path, "xlsx", text, "Excel cannot hold cell", "of sheet 'data'", "32,767")


def test_excel_refuses_a_control_character(small: Study, tmp_path: Path) -> None:
    _refused(small, tmp_path, "xlsx", "bell\x07here", "control character U+0007")


SPSS_FITS = [
    "a" * 32_767,
    E * 16_383 + "a",  # 32,767 bytes
    EMOJI * 8_191 + "abc",  # 32,767 bytes
    "short é 😀",
]
SPSS_TOO_LONG = [
    "a" * 32_768,
    E * 16_384,  # 32,768 bytes
    EMOJI * 8_192,
    "a" * 100_000,  # ReadStat wrote an empty value here
    E * 50_000,  # ReadStat wrote an unreadable file here
    "a" * 5_000_000,
]


@pytest.mark.parametrize("text", SPSS_FITS, ids=lambda t: f"{len(t)}x{t[:1]!r}")
def test_spss_keeps_text_up_to_the_limit(small: Study, tmp_path: Path, text: str) -> None:
    assert utf8_bytes(text) <= 32_767
    _round_trip(small, tmp_path, "sav", text)


@pytest.mark.parametrize("text", SPSS_TOO_LONG, ids=lambda t: f"{len(t)}x{t[:1]!r}")
def test_spss_refuses_a_longer_string(small: Study, tmp_path: Path, text: str) -> None:
    _refused(small, tmp_path, "sav", text, "SPSS cannot hold row", "32,767 bytes")


KEEP_EVERYTHING = [
    "a" * 5_000_000,
    E * 50_000,
    EMOJI * 100_000,
    "a" * 2_045 + E,  # just over Stata's str2045: becomes a strL
    "bell\x07 and =1+1",
]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "dta"])
@pytest.mark.parametrize("text", KEEP_EVERYTHING, ids=lambda t: f"{len(t)}x{t[:1]!r}")
def test_csv_parquet_stata_keep_everything(
    small: Study, tmp_path: Path, fmt: str, text: str
) -> None:
    _round_trip(small, tmp_path, fmt, text)


def test_wide_layout_and_text_column_are_checked_too(small: Study, tmp_path: Path) -> None:
    """The wide table joins memos into memo__CODER; the check names that column."""
    _memo(small, "x" * 40_000)
    with pytest.raises(UserError, match=r"column 'memo__ana'"):
        export_table(small, tmp_path / "wide.sav", layout="wide")
    with pytest.raises(UserError, match=r"column 'memo__ana'"):
        export_table(small, tmp_path / "wide.xlsx", layout="wide")
    export_table(small, tmp_path / "wide.dta", layout="wide")
    frame, _ = pyreadstat.read_dta(str(tmp_path / "wide.dta"))
    assert any(isinstance(m, str) and "x" * 40_000 in m for m in frame["memo__ana"])
