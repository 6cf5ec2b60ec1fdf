"""Helpers for the REFI-QDA tests: the vendored QDA-XML schema, QualCoder's reading rules, and
the hand-written fixture projects under ``tests/data/refi-qda/projects``.

``qualcoder_problems`` encodes what QualCoder's REFI-QDA project importer (``refi.py``,
``RefiImport.import_project``) needs in order to read a project without losing or merging
anything, as found by reading that importer and running it on our exports (see
``docs/export.md``):

1. ``project.qde`` at the root; the texts in a folder named exactly ``sources`` or ``Sources``
   under the name that ``internal://NAME`` gives (QualCoder joins the two case-sensitively);
2. every ``Note`` carries ``creationDateTime`` or ``modifiedDateTime`` (without both its
   importer stops with an exception half way);
3. every ``PlainTextSelection`` carries ``creatingUser`` naming a ``User`` (the owner of a
   coding is taken from the selection, never from the ``Coding``; without it every coding
   belongs to one 'default' owner, and codings of the same code on the same span by several
   coders collapse into one);
4. no two selections of a source with the same code, span and user (QualCoder keeps one);
5. code names unique among codable codes, and among non-codable codes (categories), across
   the whole codebook (QualCoder's tables refuse a second 'mild'; its codings are lost);
6. a memo of a coding is the selection's ``Description`` (notes referenced from a ``Coding``
   are not read);
7. ``CodeRef`` and ``creatingUser`` GUIDs written exactly as the ``Code``/``User`` GUIDs
   (QualCoder compares the strings);
8. selections inside the text, ``0 <= start < end <= len(text)`` (QualCoder slices the text);
9. LF line ends (QualCoder shifts every offset when the first line ends with CRLF);
10. a variable used on a ``Case`` is not also used on sources (QualCoder then treats it as a
    case variable only and misfiles the sources' values); source names unique.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

from lxml import etree

DATA = Path(__file__).resolve().parent / "data" / "refi-qda"
XSD = DATA / "Project-mrt2019.xsd"
PROJECTS = DATA / "projects"
NS = {"q": "urn:QDA-XML:project:1.0"}
_SCHEMA: list[etree.XMLSchema] = []


def schema() -> etree.XMLSchema:
    if not _SCHEMA:
        _SCHEMA.append(etree.XMLSchema(etree.parse(str(XSD))))
    return _SCHEMA[0]


def schema_errors(path: Path) -> list[str]:
    """Why ``project.qde`` of the .qdpx at ``path`` is not valid (empty list when it is)."""
    with zipfile.ZipFile(path) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    checker = schema()
    return [] if checker.validate(root) else [str(e) for e in checker.error_log]


def assert_valid(path: Path) -> None:
    errors = schema_errors(path)
    assert not errors, errors[:5]


def pack(name: str, folder: Path) -> Path:
    """Zip the fixture project ``name`` into ``folder/name.qdpx`` (entry names as on disk)."""
    source = PROJECTS / name
    out = folder / f"{name}.qdpx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(p for p in source.rglob("*") if p.is_file()):
            zf.write(file, file.relative_to(source).as_posix())
    return out


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def qualcoder_problems(path: Path) -> list[str]:
    """Every way in which QualCoder's importer would misread the .qdpx (see the module doc)."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        root = etree.fromstring(zf.read("project.qde"))
        folder = "sources" if any(n.startswith("sources/") for n in names) else "Sources"
        texts = {}
        for src in root.iterfind(".//q:Sources/q:TextSource", NS):
            uri = src.get("plainTextPath") or ""
            entry = f"{folder}/{uri.split('internal://', 1)[-1]}"
            if entry not in names:
                problems.append(f"rule 1: {entry} is not in the archive")
                continue
            texts[src.get("guid")] = zf.read(entry).decode("utf-8-sig")
    users = {u.get("guid") for u in root.iterfind("q:Users/q:User", NS)}
    codes = list(root.iterfind(".//q:CodeBook//q:Code", NS))
    code_guids = {c.get("guid") for c in codes}
    for note in root.iterfind("q:Notes/q:Note", NS):
        if not (note.get("creationDateTime") or note.get("modifiedDateTime")):
            problems.append(f"rule 2: note {note.get('name')!r} has no date")
    for codable, what in (("true", "code"), ("false", "category")):
        counts = Counter(c.get("name") for c in codes if c.get("isCodable") == codable)
        problems += [
            f"rule 5: {what} name {n!r} is used {k} times" for n, k in counts.items() if k > 1
        ]
    memo_notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", NS)}
    for src in root.iterfind(".//q:Sources/q:TextSource", NS):
        text = texts.get(src.get("guid"))
        if text is not None and "\r\n" in text.split("\n", 1)[0] + "\n":
            problems.append(f"rule 9: source {src.get('name')!r} has CRLF line ends")
        seen: Counter[tuple[str | None, ...]] = Counter()
        for sel in src.iterfind("q:PlainTextSelection", NS):
            user = sel.get("creatingUser")
            if user not in users:
                problems.append(
                    f"rule 3: selection {sel.get('name')!r} has no creatingUser of a User"
                )
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            if text is not None and not 0 <= start < end <= len(text):
                problems.append(f"rule 8: selection {sel.get('name')!r} is outside the text")
            description = sel.findtext("q:Description", default="", namespaces=NS)
            for coding in sel.iterfind("q:Coding", NS):
                ref = coding.find("q:CodeRef", NS).get("targetGUID")
                if ref not in code_guids:
                    problems.append(f"rule 7: coding refers to {ref}, which no Code has")
                seen[(ref, sel.get("startPosition"), sel.get("endPosition"), user)] += 1
                for note_ref in coding.iterfind("q:NoteRef", NS):
                    note = memo_notes.get(note_ref.get("targetGUID"))
                    memo = (
                        note.findtext("q:PlainTextContent", default="", namespaces=NS)
                        if note is not None
                        else ""
                    )
                    if memo and memo != description:
                        problems.append(
                            f"rule 6: the memo of {sel.get('name')!r} is not its Description"
                        )
        problems += [
            f"rule 4: {k} selections of {key} on one span by one user"
            for key, k in seen.items()
            if k > 1
        ]
    case_vars = {
        v.get("targetGUID")
        for v in root.iterfind("q:Cases/q:Case/q:VariableValue/q:VariableRef", NS)
    }
    source_vars = {
        v.get("targetGUID") for v in root.iterfind("q:Sources/*/q:VariableValue/q:VariableRef", NS)
    }
    if case_vars & source_vars:
        problems.append("rule 10: a variable is used on cases and on sources")
    names = Counter(s.get("name") for s in root.iterfind("q:Sources/*", NS))
    problems += [f"rule 10: source name {n!r} is used {k} times" for n, k in names.items() if k > 1]
    return problems
