"""A streamed Excel (.xlsx) writer: sheets of DataFrames written column-wise as XML, row by row
into the zip file, without a cell object per value.

An ``.xlsx`` file is a zip of a few XML parts (ECMA-376, SpreadsheetML). Each sheet is written
with inline strings (no shared-string table to hold in memory), numbers as numbers, dates with
the ``yyyy-mm-dd`` format and the header row in bold, as pandas' openpyxl writer did. Texts stay
texts: a text starting with ``=`` is never a formula. Carriage returns and surrounding spaces are
kept (``&#13;``, ``xml:space="preserve"``). Cells that an Excel sheet cannot hold (too long,
control characters) are refused before writing (:mod:`socialcoder.export.text_limits`).

Memory stays at one sheet's column fragments for a block of rows, whatever the table's size.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

BLOCK = 5_000  # rows formatted at a time
_INF = float("inf")
_EPOCH = datetime(1899, 12, 30)
_DATE_STYLE, _DATETIME_STYLE, _HEADER_STYLE = 1, 2, 3
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """``0 -> A``, ``25 -> Z``, ``26 -> AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(ref: str, value: str, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    return (
        f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
        f"{value.translate(_ESCAPES)}</t></is></c>"
    )


def _float(value: float) -> str:
    """The shortest text that reads back as the same number; whole numbers without '.0'."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _number(ref: str, value: float) -> str:
    if not math.isfinite(value):
        return ""  # NaN: an empty cell (Excel has no NaN or infinity)
    return f'<c r="{ref}"><v>{_float(value)}</v></c>'


def _serial(value: date) -> float:
    if isinstance(value, datetime):
        stamp = value.replace(tzinfo=None) - _EPOCH
        return stamp.days + stamp.seconds / 86_400 + stamp.microseconds / 86_400e6
    return float((value - _EPOCH.date()).days)


def _cell(ref: str, value: Any) -> str:
    """One cell of any Python value ('' for an empty one)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return _text(ref, value) if value else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, float):
        return _number(ref, value)
    if isinstance(value, datetime | pd.Timestamp):
        return f'<c r="{ref}" s="{_DATETIME_STYLE}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_DATE_STYLE}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, time):
        return _text(ref, value.isoformat())
    if hasattr(value, "item"):  # a numpy scalar
        return _cell(ref, value.item())
    return _text(ref, str(value))


def _fragments(series: pd.Series, letter: str, first_row: int) -> list[str]:
    """The XML of one column's cells for rows ``first_row, first_row + 1, ...``."""
    rows = range(first_row, first_row + len(series))
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else "O"
    if kind == "f":  # NaN and infinity: empty cells (Excel holds neither); as _float writes
        return [
            f'<c r="{letter}{r}"><v>{t[:-2] if (t := repr(v)).endswith(".0") else t}</v></c>'
            if -_INF < v < _INF
            else ""
            for r, v in zip(rows, series.to_numpy().tolist(), strict=True)
        ]
    if kind in "iu":
        return [
            f'<c r="{letter}{r}"><v>{v}</v></c>'
            for r, v in zip(rows, series.to_numpy().tolist(), strict=True)
        ]
    if kind == "b":
        return [
            f'<c r="{letter}{r}" t="b"><v>{int(v)}</v></c>'
            for r, v in zip(rows, series.to_numpy().tolist(), strict=True)
        ]
    if pd.api.types.is_integer_dtype(series.dtype):  # nullable integers (missing: no cell)
        return [
            "" if v is None else f'<c r="{letter}{r}"><v>{v}</v></c>'
            for r, v in zip(
                rows, series.to_numpy(dtype=object, na_value=None).tolist(), strict=True
            )
        ]
    values = series.to_numpy(dtype=object, na_value=None).tolist()
    out = []
    for r, v in zip(rows, values, strict=True):
        if type(v) is str:  # an empty text is no cell, as openpyxl writes it
            out.append(_text(f"{letter}{r}", v) if v else "")
        elif v is None:
            out.append("")
        elif type(v) is int:  # nullable integers
            out.append(f'<c r="{letter}{r}"><v>{v}</v></c>')
        else:
            out.append(_cell(f"{letter}{r}", v))
    return out


def _coded_values(series: pd.Series) -> tuple[np.ndarray, list[Any]] | None:
    """A column as (codes, distinct values), code -1 missing: a category, or a column whose
    first 1,000 cells hold at most 50 distinct values (names, roles, dates, codes, ratings,
    columns without a value); else None (turn texts, memos, times and turn numbers are written
    cell by cell, which is faster for them than finding the distinct ones). A column of
    numbers holding -0.0 is not coded (its distinct values would be 0.0's)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), series.cat.categories.tolist()
    if series.dtype == bool or len(series) <= 10_000 or series.iloc[:1_000].nunique() > 50:
        return None
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        if np.signbit(values[values == 0]).any():
            return None
    codes, uniques = series.factorize()
    return codes, np.asarray(uniques, dtype=object).tolist()


Column = Callable[[int, int], list[str]]


def _column(series: pd.Series, letter: str, first: int) -> Column:
    """The cells of rows ``start:stop`` of ``series`` (sheet rows ``first + start, ...``): a coded
    column (:func:`_coded_values`) makes each distinct value a cell once, for the whole
    column, then takes it by code; any other column is formatted block by block."""
    coded = _coded_values(series)
    if coded is None:
        return lambda start, stop: _fragments(series.iloc[start:stop], letter, first + start)
    codes, values = coded
    tails = [_cell("\0", v)[len('<c r="\0') :] if v is not None else "" for v in values]
    if not any(tails):  # nothing but missing and empty values: no cells
        return lambda start, stop: [""] * (stop - start)
    tails.append("")  # code -1: missing

    def cells(start: int, stop: int) -> list[str]:
        return [
            f'<c r="{letter}{r}{tail}' if (tail := tails[c]) else ""
            for r, c in enumerate(codes[start:stop].tolist(), start=first + start)
        ]

    return cells


class SheetParts(NamedTuple):
    """A sheet given as consecutive parts of its rows (frames with these columns)."""

    columns: list[str]
    parts: Iterable[pd.DataFrame]


def _sheet_rows(sheet: SheetParts) -> Iterator[str]:
    """The sheet's rows as XML, a block of at most :data:`BLOCK` rows per text."""
    letters = [column_letter(i) for i in range(len(sheet.columns))]
    header = "".join(
        _text(f"{letter}1", str(name), _HEADER_STYLE)
        for letter, name in zip(letters, sheet.columns, strict=True)
    )
    yield f'<row r="1">{header}</row>'
    first = 2  # the sheet row of the part's first row
    for frame in sheet.parts:
        columns = [_column(frame.iloc[:, i], letter, first) for i, letter in enumerate(letters)]
        for start in range(0, len(frame), BLOCK):
            stop = min(start + BLOCK, len(frame))
            yield "".join(
                [
                    f'<row r="{r}">{"".join(cells)}</row>'
                    for r, cells in enumerate(
                        zip(*(column(start, stop) for column in columns), strict=True),
                        start=first + start,
                    )
                ]
            )
        first += len(frame)


def write_xlsx(sheets: Mapping[str, pd.DataFrame | SheetParts], path: Path) -> None:
    """Write ``sheets`` (name -> frame or its parts, in order; names as Excel allows them) to
    ``path``. The parts are asked for one at a time, as their rows are written."""
    names = list(sheets)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        listed = "".join(
            f'<sheet name="{name.translate(_ESCAPES)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        z.writestr(
            "xl/workbook.xml",
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{listed}</sheets>'
            "</workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{rels}<Relationship '
            f'Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/styles.xml", _STYLES)
        for i, name in enumerate(names, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                part.write(f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
                sheet = sheets[name]
                if isinstance(sheet, pd.DataFrame):
                    sheet = SheetParts([str(c) for c in sheet.columns], (sheet,))
                for rows in _sheet_rows(sheet):
                    part.write(rows.encode("utf-8"))
                part.write(b"</sheetData></worksheet>")
