"""How much text each file format holds in one cell, checked before anything is written.

No format may lose text silently: a cell a format cannot hold whole stops the export with one
line that names the cell and the formats that keep it. The limits (see ``docs/export.md``):

* **Excel (.xlsx)**: 32,767 characters per cell, counted as Excel counts them (UTF-16 code units:
  a character outside the Basic Multilingual Plane, such as an emoji, counts 2); and no control
  characters other than tab, line feed and carriage return (XML cannot hold them).
* **SPSS (.sav)**: 32,767 bytes per string value in UTF-8 (SPSS's widest string variable; 'é'
  takes 2 bytes, an emoji 4). ReadStat writes up to 99,999 bytes, but SPSS itself reads no wider
  string, and at 100,000 bytes the file is corrupt.
* **Stata (.dta)**, **CSV**, **Parquet**: no limit that a study can reach (Stata's strL holds
  2,000,000,000 bytes).

A text longer than a format holds is not split across cells (that would change the table's
shape); use one of the formats that keep it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from socialcoder.errors import UserError
from socialcoder.export.xlsx import column_letter

EXCEL_CELL_MAX = 32_767
SPSS_STRING_MAX_BYTES = 32_767
KEEPS_ALL = "csv, parquet and dta keep the full text"
EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_IDENTIFY = ("transcript", "segment", "coder")


def excel_units(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _texts(frame: pd.DataFrame) -> Iterator[tuple[int, str, pd.Series]]:
    """(position, name, values) of every column that may hold text."""
    for position, name in enumerate(frame.columns):
        series = frame[name]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        yield position, str(name), series


def _first(series: pd.Series, bad: Callable[[str], bool], cheap_ok: int) -> int | None:
    """Position of the first text value for which ``bad`` holds; values no longer than
    ``cheap_ok`` characters are skipped without calling it. Each distinct value is judged once
    (names, roles, categories and empty memos repeat on every row of a wide table), then the
    first row holding a bad one is found among the codes."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        distinct = series.cat.categories.to_numpy(dtype=object).tolist()
    else:
        codes, uniques = pd.factorize(series)  # missing: -1
        distinct = np.asarray(uniques, dtype=object).tolist()
    found = [
        i
        for i, value in enumerate(distinct)
        if isinstance(value, str) and len(value) > cheap_ok and bad(value)
    ]
    if not found:
        return None
    rows = np.flatnonzero(np.isin(codes, found))
    return int(rows[0]) if len(rows) else None


def _which(frame: pd.DataFrame, i: int) -> str:
    parts = []
    for name in _IDENTIFY:
        if name in frame.columns:
            value = frame[name].iat[i]
            if value is not None and not (isinstance(value, float) and pd.isna(value)):
                parts.append(f"{name} {value}")
    return f" ({', '.join(parts)})" if parts else ""


def check_excel(frame: pd.DataFrame, sheet: str, source: str, offset: int = 0) -> None:
    """Refuse (UserError) a cell of ``frame`` that an Excel sheet cannot hold whole; ``frame``
    is the sheet's rows from ``offset`` on (a part of a table written part by part)."""
    for position, name, series in _texts(frame):

        def cell(i: int, p: int = position) -> str:
            return f"{column_letter(p)}{offset + i + 2}"

        i = _first(series, lambda v: excel_units(v) > EXCEL_CELL_MAX, EXCEL_CELL_MAX // 2)
        if i is not None:
            value = series.iat[i]
            raise UserError(
                f"Excel cannot hold cell {cell(i)} of sheet {sheet!r}{_which(frame, i)}, column "
                f"{name!r}: {len(value):,} characters ({excel_units(value):,} as Excel counts "
                f"them) where a cell holds at most {EXCEL_CELL_MAX:,}; {KEEPS_ALL}",
                source=source,
            )
        i = _first(series, lambda v: EXCEL_ILLEGAL.search(v) is not None, 0)
        if i is not None:
            found = EXCEL_ILLEGAL.search(series.iat[i])
            assert found is not None
            raise UserError(
                f"Excel cannot hold cell {cell(i)} of sheet {sheet!r}{_which(frame, i)}, column "
                f"{name!r}: it contains the control character U+{ord(found.group()):04X}, "
                f"which an Excel file cannot store; {KEEPS_ALL}",
                source=source,
            )


def check_spss(frame: pd.DataFrame, source: str) -> None:
    """Refuse (UserError) a text value of ``frame`` that SPSS cannot hold whole."""
    for _position, name, series in _texts(frame):
        i = _first(
            series,
            lambda v: utf8_bytes(v) > SPSS_STRING_MAX_BYTES,
            SPSS_STRING_MAX_BYTES // 4,
        )
        if i is not None:
            value = series.iat[i]
            raise UserError(
                f"SPSS cannot hold row {i + 1}{_which(frame, i)}, column {name!r}: "
                f"{len(value):,} characters are {utf8_bytes(value):,} bytes in UTF-8, and an SPSS "
                f"string holds at most {SPSS_STRING_MAX_BYTES:,} bytes; {KEEPS_ALL}",
                source=source,
            )
