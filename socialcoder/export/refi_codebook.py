"""A codebook built from a REFI-QDA project's own code tree (``import-refi`` without
``--codebook``), so that a project from another program keeps its codes.

Rules (documented in ``docs/export.md``):

* every codable code becomes a **binary** dimension (present where coded), its key made from its
  name (lower case ASCII letters, digits and ``_``; made unique), its label the name (the path
  ``Parent / Child`` when two codes share a name), its definition the code's description, its
  colour the code's colour; unit segment, applying to both roles;
* a code that the mapping file gives ``scale: nominal`` or ``ordinal`` becomes one dimension
  whose values are its codable descendants, in document order (value = the child's name without
  a ``parent: `` prefix, cut to 100 characters; label = the whole name); a coding of that code
  itself names no value and is not imported;
* non-codable codes (categories) only group; they are no dimension;
* a mapping entry's ``dimension`` sets the key of the dimension made from that code, and its
  ``unit: session`` makes it a session-level dimension (rated once per transcript: any selection
  in a source, e.g. one over the whole text, codes the transcript).

Pure: builds a domain :class:`Codebook`; the caller writes it as YAML.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from socialcoder.domain.codebook import (
    BINARY_PRESENT,
    Codebook,
    CodeValue,
    Dimension,
    Scale,
    Unit,
)
from socialcoder.errors import Input, Remedy, UserError
from socialcoder.export.refi_mapping import MappingEntry
from socialcoder.export.refi_read import RefiCode
from socialcoder.export.refi_xml import VALUE_SEPARATOR

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
MAX_KEY = 64
MAX_VALUE = 100
BINARY_VALUES = (CodeValue("1", "present"), CodeValue("0", "absent"))


@dataclass(frozen=True, slots=True)
class BuiltCodebook:
    codebook: Codebook
    targets: dict[str, tuple[str, str]]  # code GUID -> (dimension key, value)
    categorical_parents: dict[str, str]  # code GUID -> key, for codes whose children are values


def slug(name: str) -> str:
    """A dimension key from a code name: ``Weather talk`` -> ``weather_talk``."""
    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    key = re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")
    if not key or not key[0].isalpha():
        key = f"code_{key}" if key else "code"
    return key[:MAX_KEY].rstrip("_")


def _unique(base: str, taken: set[str], limit: int) -> str:
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        suffix = f"_{n}" if limit == MAX_KEY else f" ({n})"
        name = base[: limit - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def _find(
    codes: dict[str, RefiCode], entries: dict[str, MappingEntry], source: str
) -> dict[str, MappingEntry]:
    """{code GUID: entry}; refuses entries that name no code of the project."""
    by_key: dict[str, list[str]] = {}
    for guid, code in codes.items():
        for key in ("/".join(code.path).casefold(), code.name.casefold()):
            by_key.setdefault(key, []).append(guid)
    out: dict[str, MappingEntry] = {}
    for key, entry in entries.items():
        if key not in by_key:
            raise UserError(f"{entry.where}: the project has no code named {key!r}", source=source)
        if entry.value is not None:
            raise UserError(
                f"{entry.where}: 'value' needs a codebook (without one the codebook is built "
                "from the project's codes: give 'scale' or 'dimension')",
                source=source,
                remedy=Remedy.give(Input.CODEBOOK),
            )
        if entry.scale is not None and entry.scale.lower() not in ("binary", "nominal", "ordinal"):
            raise UserError(
                f"{entry.where}: scale {entry.scale!r} cannot be built from codes (use binary, nominal or ordinal)",
                source=source,
            )
        if entry.unit is not None and entry.unit.lower() not in ("segment", "session"):
            raise UserError(
                f"{entry.where}: unit {entry.unit!r} is not segment or session", source=source
            )
        if entry.dimension is not None and (
            not _KEY.match(entry.dimension) or len(entry.dimension) > MAX_KEY
        ):
            raise UserError(
                f"{entry.where}: {entry.dimension!r} is not a valid key (lowercase letters, digits and "
                "underscores, starting with a letter)",
                source=source,
            )
        for guid in by_key[key]:
            out.setdefault(guid, entry)
    return out


def build_codebook(
    codes: dict[str, RefiCode], entries: dict[str, MappingEntry], project: str, source: str
) -> BuiltCodebook:
    """The codebook of the project's code tree (see the module doc)."""
    chosen = _find(codes, entries, source)
    owner: dict[str, str] = {}  # code GUID -> GUID of the categorical code it is a value of
    kinds: dict[str, Scale] = {}  # code GUID -> scale, for codes that become dimensions
    for guid, code in codes.items():  # document order: parents first
        if code.parent is not None and code.parent in owner:
            owner[guid] = owner[code.parent]
        elif (
            code.parent is not None
            and code.parent in kinds
            and kinds[code.parent] is not Scale.BINARY
        ):
            owner[guid] = code.parent
        if guid in owner:
            if guid in chosen:
                raise UserError(
                    f"{chosen[guid].where}: the code is a value of {codes[owner[guid]].name!r} "
                    "(nominal/ordinal); it cannot be a dimension of its own",
                    source=source,
                )
            continue
        entry = chosen.get(guid)
        scale = Scale((entry.scale or "binary").lower()) if entry and entry.scale else None
        if scale in (Scale.NOMINAL, Scale.ORDINAL):
            kinds[guid] = scale
        elif code.codable or scale is Scale.BINARY:
            kinds[guid] = Scale.BINARY
    values: dict[str, list[str]] = {g: [] for g, s in kinds.items() if s is not Scale.BINARY}
    for guid, parent in owner.items():
        if codes[guid].codable:
            values[parent].append(guid)
    names = [codes[g].name for g in kinds]
    keys: set[str] = set()
    labels: set[str] = set()
    dims: list[Dimension] = []
    targets: dict[str, tuple[str, str]] = {}
    key_of: dict[str, str] = {}
    for guid, scale in kinds.items():
        code = codes[guid]
        entry = chosen.get(guid)
        key = entry.dimension if entry and entry.dimension else slug(code.name)
        if entry and entry.dimension and key.casefold() in keys:
            raise UserError(f"{entry.where}: dimension key {key!r} is used twice", source=source)
        key = key_of[guid] = _unique(key, keys, MAX_KEY)
        label = code.name if names.count(code.name) == 1 else " / ".join(code.path)
        label = _unique(label or key, labels, 10_000)
        color = code.color if code.color and _COLOR.match(code.color.strip()) else None
        unit = Unit((entry.unit or "segment").lower()) if entry else Unit.SEGMENT
        if scale is Scale.BINARY:
            targets[guid] = (key, BINARY_PRESENT)
            dims.append(
                Dimension(
                    key,
                    label,
                    scale,
                    BINARY_VALUES,
                    color=color,
                    definition=code.description,
                    unit=unit,
                )
            )
            continue
        taken: set[str] = set()
        items = []
        for child in values[guid]:
            name = codes[child].name
            head, sep, rest = name.partition(VALUE_SEPARATOR)
            text = rest.strip() if sep and head.strip().casefold() == code.name.casefold() else name
            value = _unique(text[:MAX_VALUE] or "value", taken, MAX_VALUE)
            items.append(CodeValue(value, name or value))
            targets[child] = (key, value)
        if len(items) < 2:
            raise UserError(
                f"{entry.where if entry else code.name}: a {scale.value} dimension needs at least 2 "
                f"codable child codes; {code.name!r} has {len(items)}",
                source=source,
            )
        dims.append(
            Dimension(
                key, label, scale, tuple(items), color=color, definition=code.description, unit=unit
            )
        )
    if not dims:
        raise UserError(
            "the project has no codable codes to build a codebook from",
            source=source,
            remedy=Remedy.give(Input.CODEBOOK),
        )
    book = Codebook(
        name=f"{project or 'REFI-QDA project'} (codes)",
        version="1",
        dimensions=tuple(dims),
        description=(
            f"Built by SocialCoder from the code tree of the REFI-QDA project {project!r}: each "
            "codable code is a binary dimension (present where coded); codes given a nominal or "
            "ordinal scale in the mapping file have their child codes as values."
        ),
    )
    parents = {g: key_of[g] for g, s in kinds.items() if s is not Scale.BINARY}
    return BuiltCodebook(book, targets, parents)
