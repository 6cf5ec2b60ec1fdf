"""Reading a REFI-QDA project (``.qdpx``) safely into plain value objects.

Refused, with one line and nothing written: archives over :data:`MAX_ARCHIVE_BYTES`, more than
:data:`MAX_ENTRIES` entries, an entry over :data:`MAX_ENTRY_BYTES` (or all entries together over
:data:`MAX_TOTAL_BYTES`) when unpacked, entry names that are absolute or climb out with ``..``,
XML with a DTD or entities, and files that are not ZIP archives or hold no ``project.qde``.
Nothing is extracted to disk; no network access.

Tolerated: ``Sources/`` in any case, ``internal://NAME`` with extra slashes or a file outside
``sources/`` (found by its name when that is unique), a ``.qde`` named other than
``project.qde``, braced or upper-case GUIDs, a BOM at the start of a source (dropped before
offsets are used), one selection holding codings by several users, text given inline
(``PlainTextContent``) instead of a file. An ``AudioSource``/``VideoSource`` with a
``Transcript`` reads as a text source (the transcript's text; its ``TranscriptSelection``s at
the positions of their sync points), with the media's path and the sync points beside it. Element names are matched without their namespace so
that older QDA-XML namespaces read too. Selection positions are kept as written (never swapped
or clamped): the importer decides what to do with ones outside the text.

SocialCoder's own extension (``socialcoder/study.json`` and ``codebook.yaml``, see
:mod:`refi_ext`) is read into :attr:`RefiProject.extension`; damaged, it refuses the file.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from socialcoder.errors import UserError
from socialcoder.export.refi_ext import (
    CODEBOOK_YAML,
    STUDY_JSON,
    ExtensionError,
    RefiExtension,
    parse_extension,
)

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
    description: str = ""
    color: str | None = None


@dataclass(frozen=True, slots=True)
class RefiCoding:
    guid: str
    code: str  # code GUID
    user: str | None  # user GUID
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RefiSelection:
    """A text selection as written: ``start``/``end`` are None when not whole numbers (then
    ``problem`` says why); nothing is swapped or clamped here."""

    guid: str
    start: int | None
    end: int | None
    user: str | None
    codings: tuple[RefiCoding, ...]
    notes: tuple[str, ...] = ()
    description: str = ""
    problem: str = ""


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
    variables: dict[str, str] = field(default_factory=dict)  # variable name -> value
    problem: str = ""
    notes: tuple[str, ...] = ()  # NoteRefs of the source (memos, QualCoder annotations)
    media_path: str | None = None  # an Audio/VideoSource's file, as ``path`` names it
    sync_points: tuple[tuple[int, int | None], ...] = ()  # (position, ms) of its transcript
    media_selections: int = 0  # Audio/VideoSelections (time ranges): not read as turns

    def variable(self, name: str) -> str | None:
        """A variable's value by name, case ignored."""
        folded = name.casefold()
        return next((v for k, v in self.variables.items() if k.casefold() == folded), None)


@dataclass(frozen=True, slots=True)
class RefiNote:
    guid: str
    user: str | None
    text: str
    name: str = ""
    span: tuple[int, int] | None = None  # a PlainTextSelection inside the note (an annotation)


@dataclass(frozen=True, slots=True)
class RefiCase:
    name: str
    sources: tuple[str, ...]  # source GUIDs
    description: str = ""
    variables: tuple[str, ...] = ()  # names of the variables with a value


@dataclass(frozen=True, slots=True)
class RefiProject:
    name: str
    users: dict[str, str]  # GUID -> name
    codes: dict[str, RefiCode]
    sources: tuple[RefiSource, ...]
    notes: dict[str, RefiNote]
    cases: tuple[RefiCase, ...] = ()
    extension: RefiExtension | None = None  # SocialCoder's own data (socialcoder/), if any


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
        name = uri[len("internal://") :].lstrip("/")
        _check_name(name, self.source)
        data = self.read(f"sources/{name}")
        if data is None:  # a file beside project.qde, or in another folder: by its name alone
            found = [k for k in self.by_name if k.rsplit("/", 1)[-1] == name.casefold()]
            data = self.read(found[0]) if len(found) == 1 else None
        if data is None:
            return None, f"sources/{name} is missing from the archive"
        try:
            return data.decode("utf-8-sig"), ""
        except UnicodeDecodeError:
            return None, f"sources/{name} is not UTF-8 text"


def parse_xml(data: bytes, source: str) -> Element:
    """Parse XML refusing DTDs, entities and external references."""
    try:
        root: Element = fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        return root
    except DefusedXmlException:
        raise UserError(
            "refused: project.qde declares a DTD or entities, which are not allowed", source=source
        ) from None
    except ParseError as exc:
        raise UserError(f"project.qde is not well-formed XML ({exc})", source=source) from None


def _text_of(el: Element, name: str) -> str:
    child = _child(el, name)
    return (child.text or "").strip() if child is not None else ""


def _memo_of(el: Element, name: str) -> str:
    """A memo (a selection's description, a note's text) as written: a code memo keeps its
    surrounding spaces in a study; only a text of spaces alone is no memo."""
    child = _child(el, name)
    text = (child.text or "") if child is not None else ""
    return text if text.strip() else ""


def _refs(el: Element, name: str) -> tuple[str, ...]:
    return tuple(g for n in _children(el, name) if (g := guid_of(n.get("targetGUID"))))


def _user_of(el: Element) -> str | None:
    return guid_of(el.get("creatingUser") or el.get("modifyingUser"))


def _codings(parent: Element) -> tuple[RefiCoding, ...]:
    out = []
    for c in _children(parent, "Coding"):
        ref = _child(c, "CodeRef")
        code = guid_of(ref.get("targetGUID") if ref is not None else None)
        if code is None:
            continue
        out.append(RefiCoding(guid_of(c.get("guid")) or "", code, _user_of(c), _refs(c, "NoteRef")))
    return tuple(out)


def _position(text: str | None, what: str) -> tuple[int | None, str]:
    try:
        return int((text or "").strip()), ""
    except ValueError:
        return None, f"its {what} {text!r} is not a whole number"


def _walk_codes(
    parent: Element, out: dict[str, RefiCode], up: str | None, path: tuple[str, ...]
) -> None:
    for el in _children(parent, "Code"):
        guid = guid_of(el.get("guid")) or ""
        name = (el.get("name") or "").strip()
        here = (*path, name)
        codable = (el.get("isCodable") or "true").strip().lower() in ("true", "1")
        out[guid] = RefiCode(
            guid=guid,
            name=name,
            codable=codable,
            parent=up,
            path=here,
            description=_text_of(el, "Description"),
            color=el.get("color"),
        )
        _walk_codes(el, out, guid, here)


def _extension(archive: _Archive) -> RefiExtension | None:
    data = archive.read(STUDY_JSON)
    if data is None:
        return None
    hint = "; remove the socialcoder/ folder from the archive to import it as a project from another program"
    codebook = archive.read(CODEBOOK_YAML)
    try:
        if codebook is None:
            raise ExtensionError(f"{CODEBOOK_YAML} is missing")
        return parse_extension(data, codebook.decode("utf-8-sig"))
    except (ExtensionError, UnicodeDecodeError) as exc:
        raise UserError(
            f"the SocialCoder data in the project ({STUDY_JSON}) are damaged: {exc}{hint}",
            source=archive.source,
        ) from None


def read_qdpx(path: Path) -> RefiProject:
    """Read and check a .qdpx file (see the module doc)."""
    archive = _Archive(Path(path))
    source = archive.source
    data = archive.read("project.qde")
    if data is None:
        qde = [k for k in archive.by_name if k.endswith(".qde") and "/" not in k]
        data = archive.read(qde[0]) if len(qde) == 1 else None
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
            variables[guid] = (v.get("name") or "").strip()
    sources = []
    sources_el = _child(root, "Sources")
    base = (root.get("basePath") or "").strip()
    for el in list(sources_el) if sources_el is not None else []:
        sources.append(_source(el, archive, variables, base))
    notes: dict[str, RefiNote] = {}
    notes_el = _child(root, "Notes")
    for n in _children(notes_el, "Note") if notes_el is not None else []:
        text = _memo_of(n, "PlainTextContent")
        if not text and n.get("plainTextPath"):
            text = (archive.internal_text(n.get("plainTextPath") or "")[0] or "").strip()
        inner = _child(n, "PlainTextSelection")
        span = None
        if inner is not None:
            a, _ = _position(inner.get("startPosition"), "startPosition")
            b, _ = _position(inner.get("endPosition"), "endPosition")
            span = (a, b) if a is not None and b is not None else None
        if guid := guid_of(n.get("guid")):
            notes[guid] = RefiNote(
                guid=guid,
                user=_user_of(n),
                text=text,
                name=(n.get("name") or "").strip(),
                span=span,
            )
    cases = []
    cases_el = _child(root, "Cases")
    for c in _children(cases_el, "Case") if cases_el is not None else []:
        names = tuple(sorted({n for n, _ in _variable_values(c, variables)}))
        cases.append(
            RefiCase(
                (c.get("name") or "").strip(),
                _refs(c, "SourceRef"),
                _text_of(c, "Description"),
                names,
            )
        )
    return RefiProject(
        name=root.get("name") or "",
        users=users,
        codes=codes,
        sources=tuple(sources),
        notes=notes,
        cases=tuple(cases),
        extension=_extension(archive),
    )


def _variable_values(el: Element, variables: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for vv in _children(el, "VariableValue"):
        ref = _child(vv, "VariableRef")
        var = variables.get(guid_of(ref.get("targetGUID") if ref is not None else None) or "", "")
        value = next((c.text for c in vv if _local(c) != "VariableRef"), None)
        if var and value is not None and value.strip():
            out.append((var, value.strip()))
    return out


def _media_path(uri: str | None, base: str) -> str | None:
    """The media file an ``absolute://`` or ``relative://`` (against ``basePath``) URI names;
    None for media inside the archive (never extracted) or no path."""
    uri = (uri or "").strip()
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme.lower() == "internal" or not rest:
        return None
    if scheme.lower() == "relative" and base:
        return base.rstrip("/\\") + "/" + rest.lstrip("/\\")
    return rest


def _media_source(el: Element, archive: _Archive, base: str, plain: RefiSource) -> RefiSource:
    """An Audio/VideoSource (``plain``: its name, description, variables and notes): its first
    ``Transcript`` as the text (see the module doc)."""
    media = _media_path(el.get("path") or el.get("currentPath"), base)
    selections = len(_children(el, f"{plain.kind.removesuffix('Source')}Selection"))
    transcript = _child(el, "Transcript")
    if transcript is None:
        return replace(
            plain,
            problem="a recording without a transcript: nothing to code in turns",
            media_path=media,
            media_selections=selections,
        )
    text, problem = _text(transcript, archive)
    points: dict[str, tuple[int, int | None]] = {}
    for sp in _children(transcript, "SyncPoint"):
        position, bad = _position(sp.get("position"), "position")
        stamp, _ = _position(sp.get("timeStamp"), "timeStamp")
        if guid := guid_of(sp.get("guid")):
            points[guid] = (-1 if bad or position is None else position, stamp)
    found = []
    for s in _children(transcript, "TranscriptSelection"):
        ends = [points.get(guid_of(s.get(a)) or "") for a in ("fromSyncPoint", "toSyncPoint")]
        missing = [
            a for a, p in zip(("fromSyncPoint", "toSyncPoint"), ends, strict=True) if p is None
        ]
        found.append(
            RefiSelection(
                guid=guid_of(s.get("guid")) or "",
                start=ends[0][0] if ends[0] else None,
                end=ends[1][0] if ends[1] else None,
                user=_user_of(s) or _user_of(transcript),
                codings=_codings(s),
                notes=_refs(s, "NoteRef"),
                description=_memo_of(s, "Description"),
                problem=f"its {missing[0]} names no SyncPoint of the transcript" if missing else "",
            )
        )
    return replace(
        plain,
        text=text,
        selections=tuple(found),
        codings=_codings(el),
        problem=problem,
        media_path=media,
        sync_points=tuple(sorted(p for p in points.values() if p[0] >= 0)),
        media_selections=selections,
    )


def _text(el: Element, archive: _Archive) -> tuple[str | None, str]:
    """(plain text, problem) of a text source or transcript: inline or ``plainTextPath``."""
    content = _child(el, "PlainTextContent")
    if content is not None:
        return (content.text or "").lstrip("\ufeff"), ""
    if el.get("plainTextPath"):
        text, problem = archive.internal_text(el.get("plainTextPath") or "")
        return (text.lstrip("\ufeff") if text is not None else None), problem
    return None, "no plain text (only rich text)" if el.get("richTextPath") else "no text"


def _source(
    el: Element, archive: _Archive, variables: dict[str, str], base: str = ""
) -> RefiSource:
    kind = _local(el)
    guid = guid_of(el.get("guid")) or ""
    name = (el.get("name") or "").strip() or guid
    description = _text_of(el, "Description")
    values = dict(_variable_values(el, variables))
    notes = _refs(el, "NoteRef")
    if kind != "TextSource":
        plain = RefiSource(
            guid=guid,
            name=name,
            kind=kind,
            text=None,
            description=description,
            variables=values,
            notes=notes,
        )
        if kind in ("AudioSource", "VideoSource"):
            return _media_source(el, archive, base, plain)
        return plain
    text, problem = _text(el, archive)
    selections = []
    for s in _children(el, "PlainTextSelection"):
        start, bad_start = _position(s.get("startPosition"), "startPosition")
        end, bad_end = _position(s.get("endPosition"), "endPosition")
        selections.append(
            RefiSelection(
                guid=guid_of(s.get("guid")) or "",
                start=start,
                end=end,
                user=_user_of(s),
                codings=_codings(s),
                notes=_refs(s, "NoteRef"),
                description=_memo_of(s, "Description"),
                problem=bad_start or bad_end,
            )
        )
    return RefiSource(
        guid=guid,
        name=name,
        kind=kind,
        text=text,
        description=description,
        selections=tuple(selections),
        codings=_codings(el),
        variables=values,
        problem=problem,
        notes=notes,
    )
