"""Which REFI-QDA code means which codebook dimension (and value).

A mapping file names codes by their name or by their path from the top code (``Parent/Child``),
case ignored, and gives a dimension key, optionally a value, and (only when the codebook is
built from the project's codes, i.e. without ``--codebook``) a scale and a unit:

* CSV with the columns ``code`` and ``dimension``, ``scale`` or ``unit`` (the others optional);
* YAML, a mapping ``code: dimension``, ``code: dimension=value`` or
  ``code: {dimension: key, value: v, scale: nominal, unit: session}``.

With a codebook, a code without an entry is matched by name: a code named like a dimension (its
key or its label) is that dimension (binary: a coding means present); its child codes are its
values, matched by value or label, also when written ``dimension: value`` (SocialCoder's own
code names); a code named ``key: value`` anywhere is that value of that dimension. A binary
dimension's code maps to ``1``; a code of a non-binary dimension without a value maps nowhere
(its children carry the values).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import yaml

from socialcoder.domain.codebook import Codebook, Dimension, Scale
from socialcoder.errors import UserError
from socialcoder.export.refi_read import RefiCode
from socialcoder.export.refi_xml import VALUE_SEPARATOR

Target = tuple[str, str]  # (dimension key, value text)
MAX_BYTES = 10 * 1024**2


@dataclass(frozen=True, slots=True)
class MappingEntry:
    """One line of a mapping file; ``where`` names it in messages (``row 3``, ``code 'X'``)."""

    dimension: str | None
    value: str | None
    scale: str | None
    where: str
    unit: str | None = None


def _clean(raw: object) -> str | None:
    text = "" if raw is None else str(raw).strip()
    return text or None


def read_mapping(path: Path) -> dict[str, MappingEntry]:
    """Mapping file -> {code name or path (case-folded): entry}; syntax checked here, the
    names against the codebook by :func:`check_mapping` (or the codebook builder)."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError("the mapping file is larger than 10 MB", source=source)
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", source=source) from None
    except UnicodeDecodeError:
        raise UserError("is not UTF-8 text", source=source) from None
    out: dict[str, MappingEntry] = {}
    if path.suffix.lower() == ".csv":
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows:
            raise UserError("is empty", source=source)
        header = [h.strip().lower() for h in rows[0]]
        if "code" not in header or not ({"dimension", "scale", "unit"} & set(header)):
            raise UserError(
                "a mapping CSV needs the columns code and dimension (value, scale, unit optional)",
                source=source,
            )
        col = {
            name: header.index(name) if name in header else None
            for name in ("dimension", "value", "scale", "unit")
        }
        ci = header.index("code")
        for number, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) < len(header):
                raise UserError(
                    f"has {len(row)} cells, expected {len(header)}", source=source, row=number
                )
            cell = {k: _clean(row[i]) if i is not None else None for k, i in col.items()}
            out[row[ci].strip().casefold()] = MappingEntry(
                dimension=cell["dimension"],
                value=cell["value"],
                scale=cell["scale"],
                where=f"row {number}",
                unit=cell["unit"],
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
        where = f"code {str(code)!r}"
        if isinstance(target, dict):
            unknown = set(map(str, target)) - {"dimension", "value", "scale", "unit"}
            if unknown:
                raise UserError(
                    f"{where}: unknown field(s) {', '.join(sorted(unknown))} "
                    "(use dimension, value, scale, unit)",
                    source=source,
                )
            entry = MappingEntry(
                dimension=_clean(target.get("dimension")),
                value=_clean(target.get("value")),
                scale=_clean(target.get("scale")),
                where=where,
                unit=_clean(target.get("unit")),
            )
        elif isinstance(target, str):
            key, _, value = target.partition("=")
            entry = MappingEntry(_clean(key), _clean(value), None, where)
        else:
            raise UserError(
                f"{where}: give a dimension key, 'key=value' or {{dimension, value, scale}}",
                source=source,
            )
        out[str(code).strip().casefold()] = entry
    return out


def check_mapping(
    entries: dict[str, MappingEntry], codebook: Codebook, source: str
) -> dict[str, tuple[str, str | None]]:
    """Entries checked against a given codebook -> {code: (dimension, value or None)}."""
    out: dict[str, tuple[str, str | None]] = {}
    for code, e in entries.items():
        if e.scale is not None or e.unit is not None:
            raise UserError(
                f"{e.where}: 'scale' and 'unit' apply only when the codebook is built from the "
                "project's codes (when no codebook is given)",
                source=source,
            )
        key = e.dimension or ""
        if not codebook.has(key):
            raise UserError(
                f"{e.where}: unknown dimension {key!r} (the codebook has: {', '.join(codebook.keys)})",
                source=source,
            )
        if e.value is None:
            out[code] = (key, None)
            continue
        try:
            out[code] = (key, codebook.dimension(key).parse_value(e.value))
        except ValueError as exc:
            raise UserError(f"{e.where}: {exc}", source=source) from None
    return out


def _by_name(codebook: Codebook, name: str) -> Dimension | None:
    folded = name.strip().casefold()
    for dim in codebook.dimensions:
        if dim.key.casefold() == folded or dim.label.casefold() == folded:
            return dim
    return None


def _unprefixed(dim: Dimension, name: str) -> str:
    """``resistance: mild`` -> ``mild`` (SocialCoder's value code names); other names as given."""
    head, sep, rest = name.partition(VALUE_SEPARATOR)
    if sep and head.strip().casefold() in (dim.key.casefold(), dim.label.casefold()):
        return rest.strip()
    return name


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
            key = parent_dim[code.parent]
            value = _unprefixed(codebook.dimension(key), code.name)
        elif (dim := _by_name(codebook, code.name)) is not None:
            key, value = dim.key, None
        else:
            head, sep, rest = code.name.partition(VALUE_SEPARATOR)
            dim = _by_name(codebook, head) if sep else None
            if dim is None:
                continue
            key, value = dim.key, rest.strip()
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
