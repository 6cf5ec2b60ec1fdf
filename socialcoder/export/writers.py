"""Writing an :class:`~socialcoder.export.model.ExportTable` to CSV, Excel, SPSS, Stata or Parquet.

Every writer writes through :mod:`socialcoder.export.output` (checks on OUT, a temporary file
renamed into place, standard output and devices), so the target is either the old file or the
new one, never half written.

* CSV: UTF-8, comma separated, a header row; true/false as 1/0, categories as their text.
* Excel (.xlsx): sheet ``data``, sheet ``codebook`` (dimensions with definitions and value
  labels) and sheet ``columns`` (every column with its label and value labels).
* SPSS (.sav) and Stata (.dta, version 15): variable labels and value labels; categorical
  columns (nominal/ordinal values, role) become integer codes with value labels; names are
  made valid (Stata: at most 32 characters; a few fewer for value-labelled columns, whose
  label-set name is the variable name plus a number) and unique, the original named in the label.
* Parquet: via pyarrow; categories stay dictionary-encoded.

No text is cut: a cell that Excel or SPSS cannot hold whole is refused before anything is
written (see :mod:`socialcoder.export.text_limits`); Stata gets long strings as strL.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.errors import Input, Remedy, UserError
from socialcoder.export.model import ColumnInfo, ExportTable, TableParts
from socialcoder.export.names import FORMATS
from socialcoder.export.output import STDOUT, Output
from socialcoder.export.text_limits import check_excel, check_spss
from socialcoder.export.xlsx import SheetParts, write_xlsx

_EXTENSIONS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".sav": "sav",
    ".dta": "dta",
    ".parquet": "parquet",
    ".pq": "parquet",
}
EXCEL_MAX_ROWS = 1_048_575
STATA_NAME_MAX = 32
SPSS_NAME_MAX = 64
STATA_LABEL_MAX = 80
_RESERVED = {
    "dta": {
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "strl",
        "using",
        "with",
    },
    "sav": {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"},
}


def format_of(path: str | Path) -> str:
    """Format from the file extension (``-``, standard output: CSV); raises :class:`UserError`
    for an unknown one."""
    if str(path) == STDOUT:
        return "csv"
    path = Path(path)
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(
            "cannot tell the format from the extension; use .csv, .xlsx, .sav, .dta, .parquet "
            "(or .qdpx for REFI-QDA)",
            source=path,
            remedy=Remedy.give(Input.FORMAT),
        )
    return fmt


def write_table(table: ExportTable | TableParts, out: Output) -> None:
    """Write ``table`` to ``out`` in ``out.fmt`` (one of :data:`FORMATS`). CSV and Excel
    write a table part by part (:class:`TableParts`; a built table is one part); the other
    formats need it whole (an :class:`ExportTable`)."""
    fmt = out.fmt
    if fmt not in FORMATS:
        raise UserError(
            f"unknown format {fmt!r} (use one of: {', '.join(FORMATS)})", source=out.name
        )
    rows = table.rows if isinstance(table, TableParts) else len(table.frame)
    if fmt == "xlsx" and rows > EXCEL_MAX_ROWS:
        raise UserError(
            f"{rows:,} rows do not fit in an Excel sheet (at most {EXCEL_MAX_ROWS:,}); "
            "use CSV or Parquet",
            source=out.name,
        )
    if fmt in ("csv", "xlsx"):
        # no text is cut: an Excel cell that cannot hold its text is refused as its part is
        # written, into the temporary file (the target is left as it was)
        with out.writing() as tmp:
            (_csv if fmt == "csv" else _xlsx)(table, tmp, out.name)
        return
    if not isinstance(table, ExportTable):
        raise TypeError(f"{fmt} is written from the whole table, not from parts")
    if fmt == "sav":
        check_spss(table.frame, out.name)
    writer = {"sav": _sav, "dta": _dta, "parquet": _parquet}[fmt]
    with out.writing() as tmp:
        writer(table, tmp)


def _bools_as_ints(frame: pd.DataFrame) -> pd.DataFrame:
    bools = [c for c in frame.columns if frame[c].dtype == bool]
    return frame.astype({c: "int8" for c in bools}) if bools else frame


def _rows_of(table: ExportTable | TableParts) -> tuple[list[str], Iterator[pd.DataFrame]]:
    """The column names and the parts of the rows (a built table: its frame, one part)."""
    if isinstance(table, ExportTable):
        return [str(name) for name in table.frame.columns], iter((table.frame,))
    return [c.name for c in table.columns], table.parts()


def _csv(table: ExportTable | TableParts, path: Path, _source: str = "") -> None:
    """Column-wise through the csv module, block by block of each part: the text pandas'
    ``to_csv`` writes (numbers as ``repr``, empty for missing, true/false as 1/0, minimal
    quoting), faster."""
    names, parts = _rows_of(table)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(names)
        for frame in parts:
            for start in range(0, len(frame), CSV_BLOCK):
                block = frame.iloc[start : start + CSV_BLOCK]
                columns = [_csv_values(block.iloc[:, i]) for i in range(block.shape[1])]
                writer.writerows(zip(*columns, strict=True))


CSV_BLOCK = 50_000


def _csv_values(series: pd.Series) -> list[Any]:
    """One column as Python values for the csv module (None for missing). (numpy's stubs
    type ``tolist()`` as Any, hence the ignores: it is a list here.)"""
    kind = series.dtype.kind if isinstance(series.dtype, np.dtype) else "O"
    if kind == "f":
        return [None if v != v else v for v in series.to_numpy().tolist()]
    if kind in "iu":
        return series.to_numpy().tolist()  # type: ignore[no-any-return]
    if kind == "b":
        return series.to_numpy().astype(np.int8).tolist()  # type: ignore[no-any-return]
    if isinstance(series.dtype, pd.CategoricalDtype):
        # each category made a Python value once, then taken by its code (-1: missing)
        return _by_code(series.cat.categories.to_numpy(dtype=object), series.cat.codes.to_numpy())
    if isinstance(series.dtype, pd.StringDtype) and _few_distinct(series):
        codes, uniques = series.factorize()  # missing: -1
        return _by_code(uniques.to_numpy(dtype=object, na_value=None), codes)
    return series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[no-any-return]


def _by_code(values: np.ndarray, codes: np.ndarray) -> list[Any]:
    """``values`` (objects) at ``codes``; -1 is missing (None)."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = values
    return table[codes].tolist()  # type: ignore[no-any-return]


def _few_distinct(series: pd.Series, probe: int = 1_000, most: int = 50) -> bool:
    """A long text column whose first ``probe`` cells hold at most ``most`` distinct texts
    (names, roles, labels): each distinct text is then made a Python string once (half the
    time of one per cell); turn texts and memos are converted cell by cell, which is faster
    for them than finding the distinct ones."""
    return len(series) > 10 * probe and int(series.iloc[:probe].nunique()) <= most


def _parquet(table: ExportTable, path: Path) -> None:
    table.frame.to_parquet(path, engine="pyarrow", index=False)


def _labels_text(labels: dict[float, str] | None) -> str:
    if not labels:
        return ""
    return "; ".join(f"{_num(k)} = {v}" for k, v in labels.items())


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def xlsx_sheets(table: ExportTable | TableParts, source: str = "") -> dict[str, SheetParts]:
    """The sheets of the Excel file: ``data`` (the table, part by part), ``codebook``,
    ``columns``, ``about``; each part checked (:func:`check_excel`) as it is asked for."""
    codebook = table.codebook
    dims = pd.DataFrame(
        [
            {
                "dimension": d.key,
                "label": d.label,
                "scale": d.scale.value,
                "unit": d.unit.value,
                "applies_to": ", ".join(sorted(r.value for r in d.applies_to)),
                "values": "; ".join(f"{v.value} = {v.label}" for v in d.values),
                "definition": d.definition,
                "include": "\n".join(d.include),
                "exclude": "\n".join(d.exclude),
            }
            for d in codebook.dimensions
        ]
    )
    columns = pd.DataFrame(
        [
            {
                "column": c.name,
                "label": c.label,
                "value_labels": _labels_text(dict(c.value_labels or {})),
            }
            for c in table.columns
        ]
    )
    about = pd.DataFrame(
        {
            "item": ["codebook", "version", "layout"],
            "value": [codebook.name, codebook.version, table.layout],
        }
    )
    names, parts = _rows_of(table)
    sheets: dict[str, tuple[list[str], Iterable[pd.DataFrame]]] = {
        "data": (names, (_bools_as_ints(frame) for frame in parts)),
        "codebook": (list(dims.columns), (dims,)),
        "columns": (list(columns.columns), (columns,)),
        "about": (list(about.columns), (about,)),
    }
    return {
        name: SheetParts([str(c) for c in cols], _checked(parts, name, source))
        for name, (cols, parts) in sheets.items()
    }


def _checked(parts: Iterable[pd.DataFrame], sheet: str, source: str) -> Iterator[pd.DataFrame]:
    """``parts``, each refused (:func:`check_excel`) if a cell of it cannot be held whole."""
    offset = 0
    for frame in parts:
        check_excel(frame, sheet, source, offset)
        yield frame
        offset += len(frame)


def _xlsx(table: ExportTable | TableParts, path: Path, source: str = "") -> None:
    """Streamed (:mod:`socialcoder.export.xlsx`): no cell object per value; a text starting
    with '=' stays a text (never a formula Excel would compute)."""
    write_xlsx(xlsx_sheets(table, source), path)


def safe_names(names: list[str], kind: str, limits: list[int] | None = None) -> list[str]:
    """Valid, unique variable names for SPSS (``"sav"``) or Stata (``"dta"``); ``limits``
    gives a smaller maximum length per name where needed."""
    reserved = _RESERVED[kind]
    out: list[str] = []
    used: set[str] = set()
    for i, name in enumerate(names):
        limit = STATA_NAME_MAX if kind == "dta" else SPSS_NAME_MAX
        if limits is not None:
            limit = min(limit, limits[i])
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not base or not base[0].isalpha():
            base = "v_" + base
        if base.lower() in reserved:
            base = base + "_"
        base = base[:limit]
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            suffix = f"_{n}"
            candidate = base[: limit - len(suffix)] + suffix
        used.add(candidate.lower())
        out.append(candidate)
    return out


def stats_frame(
    table: ExportTable, kind: str
) -> tuple[pd.DataFrame, list[str | None], dict[str, dict[float, str]]]:
    """The frame as SPSS/Stata want it: (frame with safe names, variable labels, value labels).

    Categories become their position (0, 1, ...) as floats; true/false become 1/0; text columns
    have "" for missing; the role column becomes the numbers of its value labels
    (:data:`socialcoder.domain.rules.ROLE_NUMBERS`: 1 = therapist, 2 = patient).
    """
    frame = table.frame
    labelled = [bool(c.value_labels) for c in table.columns]
    # pyreadstat names a label set after its variable plus a running number
    cut = STATA_NAME_MAX - len(str(sum(labelled)))
    limits = [cut if has else STATA_NAME_MAX for has in labelled] if kind == "dta" else None
    names = safe_names([c.name for c in table.columns], kind, limits)
    cols: dict[str, pd.Series] = {}
    labels: list[str | None] = []
    value_labels: dict[str, dict[float, str]] = {}
    for info, name in zip(table.columns, names, strict=True):
        series = frame[info.name]
        vlabels = dict(info.value_labels or {})
        if isinstance(series.dtype, pd.CategoricalDtype) and not vlabels:
            series = series.astype(object).where(series.notna(), "").astype(str)
        elif isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.astype("float64")
            series = codes.where(codes >= 0, np.nan)
        elif info.name == "role":  # numbered by its value labels (domain.rules.ROLE_NUMBERS)
            series = series.map({text: n for n, text in vlabels.items()}).astype("float64")
        elif series.dtype == bool or pd.api.types.is_numeric_dtype(series.dtype):
            series = series.astype("float64")
        elif info.name == "date":
            series = series.map(lambda v: v if isinstance(v, date) else None).astype(object)
        else:
            series = series.map(
                lambda v: (
                    ""
                    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                    else str(v)
                )
            )
        cols[name] = series
        labels.append(_variable_label(info, name, kind))
        if vlabels:
            if kind == "dta":
                vlabels = {int(k): v[:32000] for k, v in vlabels.items() if float(k).is_integer()}
            if vlabels:
                value_labels[name] = vlabels
    return pd.DataFrame(cols, index=frame.index), labels, value_labels


def _variable_label(info: ColumnInfo, name: str, kind: str) -> str:
    label = info.label if name == info.name else f"{info.name}: {info.label}"
    return label[:STATA_LABEL_MAX] if kind == "dta" else label[:255]


def _sav(table: ExportTable, path: Path) -> None:
    import pyreadstat

    frame, labels, value_labels = stats_frame(table, "sav")
    pyreadstat.write_sav(frame, str(path), column_labels=labels, variable_value_labels=value_labels)


def _dta(table: ExportTable, path: Path) -> None:
    import pyreadstat

    frame, labels, value_labels = stats_frame(table, "dta")
    pyreadstat.write_dta(
        frame, str(path), column_labels=labels, variable_value_labels=value_labels, version=15
    )
