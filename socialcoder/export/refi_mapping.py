"""Which REFI-QDA code means which codebook dimension (and value).

A mapping file names codes by their name or by their path from the top code (``Parent/Child``),
case ignored, and gives a dimension key and optionally a value:

* CSV with the columns ``code, dimension[, value]``;
* YAML, a mapping ``code: dimension``, ``code: dimension=value`` or
  ``code: {dimension: key, value: v}``.

Without an entry a code is matched by name: a code named like a dimension (its key or its
label) is that dimension (binary: a coding means present); its child codes are its values,
matched by value or label. A binary dimension's code maps to ``1``; a code of a non-binary
dimension without a value maps nowhere (its children carry the values).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from socialcoder.domain.codebook import Codebook, Dimension, Scale
from socialcoder.errors import UserError
from socialcoder.export.refi_read import RefiCode

Target = tuple[str, str]  # (dimension key, value text)
MAX_BYTES = 10 * 1024**2


def _entry(
    codebook: Codebook, dim_key: str, value: str | None, source: str, where: str
) -> tuple[str, str | None]:
    dim_key = dim_key.strip()
    if not codebook.has(dim_key):
        raise UserError(
            f"{where}: unknown dimension {dim_key!r} (the codebook has: {', '.join(codebook.keys)})",
            source=source,
        )
    dim = codebook.dimension(dim_key)
    if value is None or not str(value).strip():
        return dim_key, None
    try:
        return dim_key, dim.parse_value(value)
    except ValueError as exc:
        raise UserError(f"{where}: {exc}", source=source) from None


def read_mapping(path: Path, codebook: Codebook) -> dict[str, tuple[str, str | None]]:
    """Mapping file -> {code name or path (case-folded): (dimension, value or None)}."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError("the mapping file is larger than 10 MB", source=source)
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", source=source) from None
    except UnicodeDecodeError:
        raise UserError("is not UTF-8 text", source=source) from None
    out: dict[str, tuple[str, str | None]] = {}
    if path.suffix.lower() == ".csv":
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows:
            raise UserError("is empty", source=source)
        header = [h.strip().lower() for h in rows[0]]
        if "code" not in header or "dimension" not in header:
            raise UserError(
                "a mapping CSV needs the columns code, dimension[, value]", source=source
            )
        ci, di = header.index("code"), header.index("dimension")
        vi = header.index("value") if "value" in header else None
        for number, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) < len(header):
                raise UserError(
                    f"has {len(row)} cells, expected {len(header)}", source=source, row=number
                )
            value = row[vi] if vi is not None else None
            out[row[ci].strip().casefold()] = _entry(
                codebook, row[di], value, source, f"row {number}"
            )
        return out
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserError(f"is not valid YAML ({exc})".replace("\n", " "), source=source) from None
    if not isinstance(data, dict):
        raise UserError(
            "a mapping YAML file is a mapping of code names to dimensions", source=source
        )
    for code, target in data.items():
        where = f"code {code!r}"
        if isinstance(target, dict):
            out[str(code).casefold()] = _entry(
                codebook, str(target.get("dimension", "")), target.get("value"), source, where
            )
        elif isinstance(target, str):
            key, _, value = target.partition("=")
            out[str(code).casefold()] = _entry(codebook, key, value or None, source, where)
        else:
            raise UserError(
                f"{where}: give a dimension key, 'key=value' or {{dimension, value}}", source=source
            )
    return out


def _by_name(codebook: Codebook, name: str) -> Dimension | None:
    folded = name.strip().casefold()
    for dim in codebook.dimensions:
        if dim.key.casefold() == folded or dim.label.casefold() == folded:
            return dim
    return None


def resolve_codes(
    codes: dict[str, RefiCode],
    codebook: Codebook,
    mapping: dict[str, tuple[str, str | None]] | None = None,
) -> dict[str, Target]:
    """{code GUID: (dimension, value)} for every code that maps to a value; the rest map nowhere."""
    mapping = mapping or {}
    parent_dim: dict[str, str] = {}  # code GUID -> dimension (for codes whose children are values)
    out: dict[str, Target] = {}
    for guid, code in codes.items():  # parents come before children (document order)
        entry = mapping.get("/".join(code.path).casefold()) or mapping.get(code.name.casefold())
        if entry is not None:
            key, value = entry
        elif code.parent is not None and code.parent in parent_dim:
            key, value = parent_dim[code.parent], code.name
        else:
            dim = _by_name(codebook, code.name)
            if dim is None:
                continue
            key, value = dim.key, None
        dim = codebook.dimension(key)
        if value is None:
            if dim.scale is Scale.BINARY:
                out[guid] = (key, "1")
            parent_dim[guid] = key
            continue
        try:
            out[guid] = (key, dim.parse_value(value))
        except ValueError:
            continue
    return out
