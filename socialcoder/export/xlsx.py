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
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BLOCK = 20_000  # rows formatted at a time
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
    if kind == "f":  # NaN and infinity: empty cells (Excel holds neither)
        return [
            f'<c r="{letter}{r}"><v>{_float(v)}</v></c>' if -_INF < v < _INF else ""
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
    coded = _coded_texts(series)
    if coded is not None:  # each distinct text escaped once
        codes, texts = coded
        tails = [
            f'" t="inlineStr"><is><t xml:space="preserve">{t.translate(_ESCAPES)}</t></is></c>'
            if t
            else ""  # an empty text is no cell
            for t in texts
        ]
        tails.append("")  # code -1: missing
        return [
            f'<c r="{letter}{r}{tail}' if (tail := tails[c]) else ""
            for r, c in zip(rows, codes.tolist(), strict=True)
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


def _coded_texts(series: pd.Series) -> tuple[np.ndarray, list[str]] | None:
    """A column of texts as (codes, distinct texts), code -1 missing: a category of texts, or
    a text column whose first 1,000 cells hold at most 50 distinct texts (names, roles); else
    None (turn texts and memos are written cell by cell)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        texts = series.cat.categories.tolist()
        codes = series.cat.codes.to_numpy()
    elif (
        isinstance(series.dtype, pd.StringDtype)
        and len(series) > 10_000
        and int(series.iloc[:1_000].nunique()) <= 50
    ):
        codes, uniques = series.factorize()
        texts = uniques.tolist()
    else:
        return None
    if not all(type(t) is str for t in texts):
        return None
    return codes, texts


def _sheet_rows(frame: pd.DataFrame) -> Iterator[str]:
    letters = [column_letter(i) for i in range(len(frame.columns))]
    header = "".join(
        _text(f"{letter}1", str(name), _HEADER_STYLE)
        for letter, name in zip(letters, frame.columns, strict=True)
    )
    yield f'<row r="1">{header}</row>'
    for start in range(0, len(frame), BLOCK):
        block = frame.iloc[start : start + BLOCK]
        columns = [
            _fragments(block.iloc[:, i], letter, start + 2) for i, letter in enumerate(letters)
        ]
        for offset, cells in enumerate(zip(*columns, strict=True)):
            yield f'<row r="{start + 2 + offset}">{"".join(cells)}</row>'


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Write ``sheets`` (name -> frame, in order; names as Excel allows them) to ``path``."""
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
                lines: list[str] = []
                for row in _sheet_rows(sheets[name]):
                    lines.append(row)
                    if len(lines) >= 1000:
                        part.write("".join(lines).encode("utf-8"))
                        lines.clear()
                part.write("".join(lines).encode("utf-8"))
                part.write(b"</sheetData></worksheet>")
