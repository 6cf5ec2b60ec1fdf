"""The XML side of the REFI-QDA export: namespace, element helpers, GUIDs, dates, the plain
text of a source (turn spans) and the ``CodeBook`` element. Used by :mod:`refi_write`."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pandas as pd

from socialcoder.domain.codebook import Codebook, Dimension, Role, Scale
from socialcoder.errors import UserError
from socialcoder.export.text_limits import KEEPS_ALL

NS = "urn:QDA-XML:project:1.0"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://socialcoder.invalid/refi-qda")
VALUE_SEPARATOR = ": "

ET.register_namespace("", NS)


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    """Where a turn's text lies in the source text: [start, end) in code points."""

    index: int
    start: int
    end: int


def value_code_name(key: str, value: str) -> str:
    """The code name of a value of a non-binary dimension: ``resistance: mild``."""
    return f"{key}{VALUE_SEPARATOR}{value}"


def stamp(seconds: float) -> str:
    """``hh:mm:ss.sss`` as the plain-text importer reads it."""
    millis = round(seconds * 1000)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def xml_time(value: datetime) -> str:
    """xsd:dateTime in UTC to the second (``2026-01-31T12:00:00Z``); naive times are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def source_text(
    preamble: str, turns: Iterable[tuple[int, str, float | None, str]]
) -> tuple[str, list[SegmentSpan]]:
    """(plain text, spans) from the preamble and turns ``(index, label, start, text)``."""
    parts: list[str] = []
    length = 0
    if preamble.strip():
        parts.append(preamble.strip() + "\n\n")
        length = len(parts[0])
    spans = []
    for index, label, start, text in turns:
        head = (
            f"[{stamp(start)}] {label}: "
            if start is not None and not math.isnan(start)
            else f"{label}: "
        )
        spans.append(SegmentSpan(index, length + len(head), length + len(head) + len(text)))
        line = head + text + "\n"
        parts.append(line)
        length += len(line)
    return "".join(parts), spans


class Guids:
    def __init__(self, key: str) -> None:
        self.base = uuid.uuid5(_NAMESPACE, key)

    def __call__(self, *parts: object) -> str:
        return str(uuid.uuid5(self.base, "\x1f".join(str(p) for p in parts)))


#: what XML 1.0 cannot hold, not even as a character reference (2.2): C0 controls other than
#: tab, LF and CR, and U+FFFE/U+FFFF; as UTF-8 bytes, which stand for these characters only
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ILLEGAL_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_TEXT_HOLDERS = frozenset({"Description", "PlainTextContent"})


def document_bytes(root: ET.Element) -> bytes:
    """``project.qde`` as UTF-8 bytes. A carriage return in text (a memo typed on Windows) is
    written as the character reference ``&#13;``: XML parsers turn a literal CR LF or lone CR
    into LF (XML 1.0, 2.11), and ElementTree escapes CR in attribute values only. In UTF-8 the
    byte 0x0D is that character and nothing else. A character XML cannot hold at all (a
    vertical tab pasted into a memo) refuses the export, naming the memo (UserError), as an
    Excel export does: written, it made the project unreadable to every program."""
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    if _XML_ILLEGAL_BYTES.search(body):
        _refuse_unwritable(root)
    return body.replace(b"\r", b"&#13;")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _refuse_unwritable(root: ET.Element) -> None:
    """Raise a UserError naming the first text or attribute XML cannot hold."""
    for parent in root.iter():
        name = parent.get("name")
        holder = f"{_local(parent.tag)} {name!r}" if name else _local(parent.tag)
        places = [(f"the {key} of {holder}", value) for key, value in parent.attrib.items()]
        places += [
            (
                f"the memo of {name!r}"
                if name and _local(child.tag) in _TEXT_HOLDERS
                else f"the {_local(child.tag)} of {holder}",
                child.text or "",
            )
            for child in parent
        ]
        for what, text in places:
            found = _XML_ILLEGAL.search(text)
            if found:
                raise UserError(
                    f"a REFI-QDA project cannot hold {what}: it contains the control character "
                    f"U+{ord(found.group()):04X}, which XML cannot store; {KEEPS_ALL}"
                )


def sub(
    parent: ET.Element,
    tag: str,
    attrib: Mapping[str, str | None] | None = None,
    text: str | None = None,
) -> ET.Element:
    el = ET.SubElement(parent, q(tag), {k: v for k, v in (attrib or {}).items() if v is not None})
    if text is not None:
        el.text = text
    return el


def code_values(dim: Dimension, used: set[str]) -> list[tuple[str, str]]:
    """(value, label) of the child codes of a non-binary dimension."""
    if dim.values:
        return [(v.value, v.label) for v in dim.values]

    def order(v: str) -> float:
        try:
            return float(v)
        except ValueError:
            return math.inf

    return [(v, v) for v in sorted(used, key=order)]


def describe_dimension(dim: Dimension) -> str:
    """A dimension as text for a code's description (what people read in other programs)."""
    roles = ", ".join(r.value for r in Role if r in dim.applies_to)
    lines = [dim.label, f"Scale: {dim.scale.value}; unit: {dim.unit.value}; applies to: {roles}"]
    if dim.shortcut:
        lines[-1] += f"; key: {dim.shortcut}"
    if dim.definition:
        lines.append(f"Definition: {dim.definition}")
    for title, items in (
        ("Include", dim.include),
        ("Exclude", dim.exclude),
        ("Examples", dim.examples),
    ):
        if items:
            lines.append(f"{title}:")
            lines += [f"- {item}" for item in items]
    return "\n".join(lines)


def write_codebook(
    parent: ET.Element, codebook: Codebook, codes: pd.DataFrame, g: Guids
) -> dict[tuple[str, str], str]:
    """Write ``CodeBook``; returns {(dimension, value): code GUID} (binary: value ``1``)."""
    code_guid: dict[tuple[str, str], str] = {}
    codes_el = sub(sub(parent, "CodeBook"), "Codes")
    for dim in codebook.dimensions:
        binary = dim.scale is Scale.BINARY
        guid = g("code", dim.key)
        el = sub(
            codes_el,
            "Code",
            {
                "guid": guid,
                "name": dim.key,
                "isCodable": "true" if binary else "false",
                "color": dim.color,
            },
        )
        sub(el, "Description", text=describe_dimension(dim))
        if binary:
            code_guid[(dim.key, "1")] = guid
            continue
        used = set(codes.loc[codes["dimension"] == dim.key, "value"])
        shortcuts = {v.value: v.shortcut for v in dim.values}
        for value, label in code_values(dim, used):
            child_guid = code_guid[(dim.key, value)] = g("code", dim.key, value)
            child = sub(
                el,
                "Code",
                {
                    "guid": child_guid,
                    "name": value_code_name(dim.key, value),
                    "isCodable": "true",
                    "color": dim.color,
                },
            )
            key = f" (key: {shortcuts[value]})" if shortcuts.get(value) else ""
            sub(child, "Description", text=f"{dim.label}: {label}{key}")
    return code_guid
