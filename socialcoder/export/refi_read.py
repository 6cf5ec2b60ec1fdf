"""Reading a REFI-QDA project (``.qdpx``) safely into plain value objects.

Refused, with one line and nothing written: archives over :data:`MAX_ARCHIVE_BYTES`, more than
:data:`MAX_ENTRIES` entries, an entry over :data:`MAX_ENTRY_BYTES` (or all entries together over
:data:`MAX_TOTAL_BYTES`) when unpacked, entry names that are absolute or climb out with ``..``,
XML with a DTD or entities, and files that are not ZIP archives or hold no ``project.qde``.
Nothing is extracted to disk; no network access.

Tolerated: ``Sources/`` in any case, braced or upper-case GUIDs, a BOM at the start of a source
(dropped before offsets are used), one selection holding codings by several users, text given
inline (``PlainTextContent``) instead of a file. Element names are matched without their
namespace so that older QDA-XML namespaces read too.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from socialcoder.errors import UserError

MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_ENTRIES = 20_000
MAX_ENTRY_BYTES = 200 * 1024**2
MAX_TOTAL_BYTES = 2 * 1024**3
_GUID_RE = re.compile(
    r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?"
)


@dataclass(frozen=True, slots=True)
class RefiCode:
    guid: str
    name: str
    codable: bool
    parent: str | None
    path: tuple[str, ...]  # names from the top code down to this one


@dataclass(frozen=True, slots=True)
class RefiCoding:
    guid: str
    code: str  # code GUID
    user: str | None  # user GUID
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RefiSelection:
    guid: str
    start: int
    end: int
    user: str | None
    codings: tuple[RefiCoding, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RefiSource:
    """A source; ``text`` is None for non-text sources (``kind`` says which) or text sources
    whose plain text is missing (``problem`` says why)."""

    guid: str
    name: str
    kind: str
    text: str | None
    description: str = ""
    selections: tuple[RefiSelection, ...] = ()
    codings: tuple[RefiCoding, ...] = ()  # codings of the whole source
    variables: dict[str, str] = field(default_factory=dict)
    problem: str = ""


@dataclass(frozen=True, slots=True)
class RefiNote:
    guid: str
    user: str | None
    text: str


@dataclass(frozen=True, slots=True)
class RefiProject:
    name: str
    users: dict[str, str]  # GUID -> name
    codes: dict[str, RefiCode]
    sources: tuple[RefiSource, ...]
    notes: dict[str, RefiNote]
    cases: dict[str, tuple[str, ...]]  # case name -> source GUIDs


def guid_of(text: str | None) -> str | None:
    """Normalised GUID (lower case, no braces) or None."""
    if not text:
        return None
    m = _GUID_RE.fullmatch(text.strip())
    return m.group(1).lower() if m else text.strip().lower()


def _local(el: Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c) == name]


def _child(el: Element, name: str) -> Element | None:
    for c in el:
        if _local(c) == name:
            return c
    return None


def _check_name(name: str, source: str) -> None:
    path = name.replace("\\", "/")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in PurePosixPath(path).parts:
        raise UserError(
            f"refused: the archive entry {name!r} points outside the project", source=source
        )


class _Archive:
    def __init__(self, path: Path) -> None:
        self.source = str(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise UserError(f"cannot read: {exc.strerror}", source=path) from None
        if size > MAX_ARCHIVE_BYTES:
            raise UserError(
                f"refused: the archive is larger than {MAX_ARCHIVE_BYTES // 2**30} GB", source=path
            )
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise UserError(
                "is not a REFI-QDA project (.qdpx is a ZIP archive)", source=path
            ) from None
        infos = self.zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise UserError(
                f"refused: the archive holds more than {MAX_ENTRIES} entries", source=path
            )
        total = 0
        self.by_name: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            _check_name(info.filename, self.source)
            if info.file_size > MAX_ENTRY_BYTES:
                raise UserError(
                    f"refused: the archive entry {info.filename!r} is larger than {MAX_ENTRY_BYTES // 2**20} MB unpacked",
                    source=path,
                )
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise UserError(
                    f"refused: the archive unpacks to more than {MAX_TOTAL_BYTES // 2**30} GB",
                    source=path,
                )
            self.by_name[info.filename.replace("\\", "/").casefold()] = info

    def read(self, name: str) -> bytes | None:
        info = self.by_name.get(name.casefold())
        if info is None:
            return None
        try:
            with self.zf.open(info) as fh:
                data = fh.read(MAX_ENTRY_BYTES + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
            raise UserError(
                f"the archive entry {info.filename!r} cannot be read ({exc})", source=self.source
            ) from None
        if len(data) > MAX_ENTRY_BYTES:
            raise UserError(
                f"refused: the archive entry {info.filename!r} is larger than {MAX_ENTRY_BYTES // 2**20} MB unpacked",
                source=self.source,
            )
        return data

    def internal_text(self, uri: str) -> tuple[str | None, str]:
        """(text, problem) of an ``internal://NAME`` path."""
        if not uri.lower().startswith("internal://"):
            return None, f"the text is outside the project ({uri.split('://')[0]}://)"
        name = uri[len("internal://") :]
        _check_name(name, self.source)
        data = self.read(f"sources/{name}")
        if data is None:
            return None, f"sources/{name} is missing from the archive"
        try:
            return data.decode("utf-8-sig"), ""
        except UnicodeDecodeError:
            return None, f"sources/{name} is not UTF-8 text"


def parse_xml(data: bytes, source: str) -> Element:
    """Parse XML refusing DTDs, entities and external references."""
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UserError(
            "refused: project.qde declares a DTD or entities, which are not allowed", source=source
        ) from None
    except ParseError as exc:
        raise UserError(f"project.qde is not well-formed XML ({exc})", source=source) from None


def _codings(parent: Element) -> tuple[RefiCoding, ...]:
    out = []
    for c in _children(parent, "Coding"):
        ref = _child(c, "CodeRef")
        code = guid_of(ref.get("targetGUID") if ref is not None else None)
        if code is None:
            continue
        notes = tuple(g for n in _children(c, "NoteRef") if (g := guid_of(n.get("targetGUID"))))
        out.append(
            RefiCoding(guid_of(c.get("guid")) or "", code, guid_of(c.get("creatingUser")), notes)
        )
    return tuple(out)


def _int(text: str | None, what: str, source: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise UserError(
            f"project.qde: {what} {text!r} is not a whole number", source=source
        ) from None


def _walk_codes(
    parent: Element, out: dict[str, RefiCode], up: str | None, path: tuple[str, ...]
) -> None:
    for el in _children(parent, "Code"):
        guid = guid_of(el.get("guid")) or ""
        name = el.get("name") or ""
        here = (*path, name)
        out[guid] = RefiCode(
            guid, name, (el.get("isCodable") or "true").lower() in ("true", "1"), up, here
        )
        _walk_codes(el, out, guid, here)


def read_qdpx(path: Path) -> RefiProject:
    """Read and check a .qdpx file (see the module doc)."""
    archive = _Archive(Path(path))
    source = archive.source
    data = archive.read("project.qde")
    if data is None:
        raise UserError("is not a REFI-QDA project (no project.qde in the archive)", source=source)
    root = parse_xml(data, source)
    if _local(root) != "Project":
        raise UserError("project.qde does not hold a REFI-QDA Project", source=source)
    users: dict[str, str] = {}
    users_el = _child(root, "Users")
    for u in _children(users_el, "User") if users_el is not None else []:
        guid = guid_of(u.get("guid"))
        if guid:
            users[guid] = (u.get("name") or u.get("id") or "").strip()
    codes: dict[str, RefiCode] = {}
    book = _child(root, "CodeBook")
    codes_el = _child(book, "Codes") if book is not None else None
    if codes_el is not None:
        _walk_codes(codes_el, codes, None, ())
    variables: dict[str, str] = {}
    vars_el = _child(root, "Variables")
    for v in _children(vars_el, "Variable") if vars_el is not None else []:
        if guid := guid_of(v.get("guid")):
            variables[guid] = v.get("name") or ""
    sources = []
    sources_el = _child(root, "Sources")
    for el in list(sources_el) if sources_el is not None else []:
        sources.append(_source(el, archive, variables))
    notes: dict[str, RefiNote] = {}
    notes_el = _child(root, "Notes")
    for n in _children(notes_el, "Note") if notes_el is not None else []:
        content = _child(n, "PlainTextContent")
        text = content.text or "" if content is not None else ""
        if not text and n.get("plainTextPath"):
            text = archive.internal_text(n.get("plainTextPath") or "")[0] or ""
        if guid := guid_of(n.get("guid")):
            notes[guid] = RefiNote(guid, guid_of(n.get("creatingUser")), text.strip())
    cases: dict[str, tuple[str, ...]] = {}
    cases_el = _child(root, "Cases")
    for c in _children(cases_el, "Case") if cases_el is not None else []:
        refs = tuple(g for r in _children(c, "SourceRef") if (g := guid_of(r.get("targetGUID"))))
        cases[c.get("name") or ""] = refs
    return RefiProject(root.get("name") or "", users, codes, tuple(sources), notes, cases)


def _source(el: Element, archive: _Archive, variables: dict[str, str]) -> RefiSource:
    source = archive.source
    kind = _local(el)
    guid = guid_of(el.get("guid")) or ""
    name = el.get("name") or guid
    desc_el = _child(el, "Description")
    description = (desc_el.text or "") if desc_el is not None else ""
    values: dict[str, str] = {}
    for vv in _children(el, "VariableValue"):
        ref = _child(vv, "VariableRef")
        var = variables.get(guid_of(ref.get("targetGUID") if ref is not None else None) or "", "")
        value = next((c.text for c in vv if _local(c) != "VariableRef"), None)
        if var and value is not None:
            values[var.strip().casefold()] = value.strip()
    if kind != "TextSource":
        return RefiSource(guid, name, kind, None, description, variables=values)
    text: str | None = None
    problem = ""
    content = _child(el, "PlainTextContent")
    if content is not None:
        text = (content.text or "").lstrip("\ufeff")
    elif el.get("plainTextPath"):
        text, problem = archive.internal_text(el.get("plainTextPath") or "")
        text = text.lstrip("\ufeff") if text is not None else None
    else:
        problem = "no plain text (only rich text)" if el.get("richTextPath") else "no text"
    selections = []
    for s in _children(el, "PlainTextSelection"):
        start = _int(s.get("startPosition"), "startPosition", source)
        end = _int(s.get("endPosition"), "endPosition", source)
        notes = tuple(g for n in _children(s, "NoteRef") if (g := guid_of(n.get("targetGUID"))))
        selections.append(
            RefiSelection(
                guid_of(s.get("guid")) or "",
                min(start, end),
                max(start, end),
                guid_of(s.get("creatingUser")),
                _codings(s),
                notes,
            )
        )
    return RefiSource(
        guid, name, kind, text, description, tuple(selections), _codings(el), values, problem
    )
