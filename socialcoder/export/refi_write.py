"""Writing a study as a REFI-QDA project (``.qdpx``: a ZIP with ``project.qde`` and
``sources/<GUID>.txt``), valid against the QDA-XML 1.0 schema (Project-mrt2019.xsd).

Mapping (see ``docs/export.md``):

* one ``User`` per coder (the consensus layer included when exported);
* the codebook as ``Codes``: a codable code per binary dimension (a coding means *present*);
  for other dimensions a non-codable parent with one codable child per value (named by the
  value's text form, the label in its description; numeric dimensions without a value list get
  a child per value used);
* each transcript a ``TextSource`` whose plain text is the preamble, then one line per turn,
  ``[hh:mm:ss.sss] Label: text`` (the stamp when the start time is known);
* each coded segment a ``PlainTextSelection`` over the turn's text (code points, end
  exclusive) holding one ``Coding`` per coder and code (``creatingUser``); session-level codes
  sit on a selection over the whole text;
* code memos and segment memos as ``Notes`` referenced from the coding or the selection;
* participant, therapist, session and date as ``Variables`` on each source, and one ``Case``
  per participant.

GUIDs are uuid5 of the study key and the object's identity, so re-exporting gives the same
GUIDs. Binary ``0`` codes are not written (REFI-QDA codes mark presence only).
"""

from __future__ import annotations

import math
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from socialcoder import __version__
from socialcoder.domain.codebook import Dimension, Scale, Unit
from socialcoder.export.model import StudyData
from socialcoder.export.output import Output

NS = "urn:QDA-XML:project:1.0"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://socialcoder.invalid/refi-qda")
ROLES_PREFIX = "SocialCoder speaker roles: "
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


ET.register_namespace("", NS)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


@dataclass(frozen=True, slots=True)
class SegmentSpan:
    """Where a turn's text lies in the source text: [start, end) in code points."""

    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class RefiExportSummary:
    path: Path
    sources: int
    users: int
    codes: int
    selections: int
    codings: int
    notes: int
    to_stream: bool = False  # written to a device or pipe: print summaries on stderr


def stamp(seconds: float) -> str:
    """``hh:mm:ss.sss`` as the plain-text importer reads it."""
    millis = round(seconds * 1000)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


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


class _Guids:
    def __init__(self, key: str) -> None:
        self.base = uuid.uuid5(_NAMESPACE, key)

    def __call__(self, *parts: object) -> str:
        return str(uuid.uuid5(self.base, "\x1f".join(str(p) for p in parts)))


def _sub(
    parent: ET.Element, tag: str, attrib: dict[str, str] | None = None, text: str | None = None
) -> ET.Element:
    el = ET.SubElement(parent, _q(tag), {k: v for k, v in (attrib or {}).items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _code_values(dim: Dimension, used: set[str]) -> list[tuple[str, str]]:
    """(value, label) of the child codes of a non-binary dimension."""
    if dim.values:
        return [(v.value, v.label) for v in dim.values]

    def order(v: str) -> float:
        try:
            return float(v)
        except ValueError:
            return math.inf

    return [(v, v) for v in sorted(used, key=order)]


@dataclass(frozen=True, slots=True)
class ProjectParts:
    """``project.qde`` as bytes, the source files (internal name -> text) and counts."""

    body: bytes
    files: dict[str, str]
    selections: int
    codings: int
    notes: int


def build_project(data: StudyData, study_key: str) -> ProjectParts:
    """The project for the study data (see the module doc)."""
    g = _Guids(study_key)
    root = ET.Element(
        _q("Project"), {"name": data.study_name, "origin": f"SocialCoder {__version__}"}
    )
    users = _sub(root, "Users")
    user_guid = {c: g("user", c) for c in data.coders}
    for coder in data.coders:
        _sub(users, "User", {"guid": user_guid[coder], "name": coder, "id": coder})

    codes = data.codes
    codebook = data.codebook
    code_guid: dict[tuple[str, str | None], str] = {}
    codes_el = _sub(_sub(root, "CodeBook"), "Codes")
    for dim in codebook.dimensions:
        binary = dim.scale is Scale.BINARY
        attrib = {
            "guid": g("code", dim.key),
            "name": dim.key,
            "isCodable": "true" if binary else "false",
        }
        if dim.color:
            attrib["color"] = dim.color
        el = _sub(codes_el, "Code", attrib)
        _sub(
            el,
            "Description",
            text=f"{dim.label} ({dim.scale.value}, {dim.unit.value}). {dim.definition}".strip(),
        )
        if binary:
            code_guid[(dim.key, "1")] = attrib["guid"]
            continue
        used = set(codes.loc[codes["dimension"] == dim.key, "value"])
        for value, label in _code_values(dim, used):
            guid = g("code", dim.key, value)
            code_guid[(dim.key, value)] = guid
            child = _sub(el, "Code", {"guid": guid, "name": value, "isCodable": "true"})
            _sub(child, "Description", text=label)

    variables = _sub(root, "Variables")
    var_guid = {}
    for name, kind in (
        ("participant", "Text"),
        ("therapist", "Text"),
        ("session", "Integer"),
        ("date", "Date"),
    ):
        var_guid[name] = g("variable", name)
        _sub(variables, "Variable", {"guid": var_guid[name], "name": name, "typeOfVariable": kind})

    transcripts = data.transcripts.sort_values("transcript")
    cases = _sub(root, "Cases")
    by_participant: dict[str, list[str]] = {}
    for row in transcripts.itertuples(index=False):
        if isinstance(row.participant, str) and row.participant:
            by_participant.setdefault(row.participant, []).append(g("source", row.transcript))
    for participant, sources_of in sorted(by_participant.items()):
        case = _sub(cases, "Case", {"guid": g("case", participant), "name": participant})
        value = _sub(case, "VariableValue")
        _sub(value, "VariableRef", {"targetGUID": var_guid["participant"]})
        _sub(value, "TextValue", text=participant)
        for guid in sources_of:
            _sub(case, "SourceRef", {"targetGUID": guid})
    if not by_participant:
        root.remove(cases)

    notes: list[ET.Element] = []
    files: dict[str, str] = {}
    sources_el = _sub(root, "Sources")
    segs = data.segments.sort_values(["transcript_id", "segment"])
    seg_groups = dict(tuple(segs.groupby("transcript_id", sort=False)))
    code_groups = dict(tuple(codes.groupby("transcript_id", sort=False)))
    memo_groups = (
        dict(tuple(data.segment_memos.groupby("transcript_id", sort=False)))
        if len(data.segment_memos)
        else {}
    )
    counts = {"selections": 0, "codings": 0}
    for row in transcripts.itertuples(index=False):
        tid, name = row.transcript_id, row.transcript
        tsegs = seg_groups.get(tid, segs.iloc[0:0])
        text, spans = source_text(
            row.preamble or "",
            zip(tsegs["segment"], tsegs["speaker"], tsegs["start"], tsegs["text"], strict=True),
        )
        guid = g("source", name)
        files[f"{guid}.txt"] = text
        src = _sub(
            sources_el,
            "TextSource",
            {"guid": guid, "name": name, "plainTextPath": f"internal://{guid}.txt"},
        )
        roles = dict(zip(tsegs["speaker"], tsegs["role"], strict=True))
        roles_text = ",".join(f"{k}={v}" for k, v in roles.items() if "," not in k and "=" not in k)
        _sub(src, "Description", text=ROLES_PREFIX + roles_text)
        span_of = {s.index: s for s in spans}
        seg_id_to_idx = dict(zip(tsegs["segment_id"], tsegs["segment"], strict=True))
        tcodes = code_groups.get(tid, codes.iloc[0:0])
        by_unit: dict[int | None, list[tuple[str, str, str, str | None]]] = {}
        for c in tcodes.itertuples(index=False):
            if c.dimension not in codebook._by_key:
                continue
            dim = codebook.dimension(c.dimension)
            if dim.scale is Scale.BINARY and c.value != "1":
                continue
            idx = (
                None
                if (dim.unit is Unit.SESSION or pd.isna(c.segment_id))
                else seg_id_to_idx.get(int(c.segment_id))
            )
            memo = c.memo if isinstance(c.memo, str) and c.memo else None
            by_unit.setdefault(idx, []).append((c.coder, c.dimension, c.value, memo))
        seg_memos: dict[int, list[tuple[str, str]]] = {}
        for m in memo_groups.get(
            tid, pd.DataFrame(columns=["segment_id", "coder", "segment_memo"])
        ).itertuples(index=False):
            seg_memos.setdefault(seg_id_to_idx[int(m.segment_id)], []).append(
                (m.coder, m.segment_memo)
            )
        order = {c: i for i, c in enumerate(data.coders)}
        dim_order = {k: i for i, k in enumerate(codebook.keys)}
        units = sorted(set(by_unit) | set(seg_memos), key=lambda u: -1 if u is None else u)
        for idx in units:
            if idx is None:
                start, end, unit_name = 0, len(text), "session"
            else:
                span = span_of[idx]
                start, end, unit_name = span.start, span.end, f"segment {idx}"
            sel = _sub(
                src,
                "PlainTextSelection",
                {
                    "guid": g("selection", name, unit_name),
                    "name": f"{name} {unit_name}",
                    "startPosition": str(start),
                    "endPosition": str(end),
                },
            )
            counts["selections"] += 1
            for coder, key, value, memo in sorted(
                by_unit.get(idx, []), key=lambda x: (order.get(x[0], 99), dim_order[x[1]])
            ):
                coding = _sub(
                    sel,
                    "Coding",
                    {
                        "guid": g("coding", name, unit_name, coder, key),
                        "creatingUser": user_guid[coder],
                    },
                )
                _sub(coding, "CodeRef", {"targetGUID": code_guid[(key, value)]})
                counts["codings"] += 1
                if memo:
                    note_guid = g("note", name, unit_name, coder, key)
                    notes.append(_note(note_guid, f"{coder}: {key} memo", user_guid[coder], memo))
                    _sub(coding, "NoteRef", {"targetGUID": note_guid})
            for coder, memo in sorted(
                seg_memos.get(idx, []) if idx is not None else [], key=lambda x: order.get(x[0], 99)
            ):
                note_guid = g("note", name, unit_name, coder)
                notes.append(_note(note_guid, f"{coder}: segment memo", user_guid[coder], memo))
                _sub(sel, "NoteRef", {"targetGUID": note_guid})
        _variable_values(src, var_guid, row)
    if notes:
        notes_el = _sub(root, "Notes")
        notes_el.extend(notes)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return ProjectParts(body, files, counts["selections"], counts["codings"], len(notes))


def _note(guid: str, name: str, user: str, text: str) -> ET.Element:
    note = ET.Element(_q("Note"), {"guid": guid, "name": name, "creatingUser": user})
    content = ET.SubElement(note, _q("PlainTextContent"))
    content.text = text
    return note


def _variable_values(src: ET.Element, var_guid: dict[str, str], row: object) -> None:
    values = (
        ("participant", "TextValue", row.participant),
        ("therapist", "TextValue", row.therapist),
        ("session", "IntegerValue", row.session),
        ("date", "DateValue", row.date),
    )
    for name, tag, value in values:
        if (
            value is None
            or value is pd.NA
            or (isinstance(value, float) and math.isnan(value))
            or value == ""
        ):
            continue
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        vv = _sub(src, "VariableValue")
        _sub(vv, "VariableRef", {"targetGUID": var_guid[name]})
        _sub(vv, tag, text=text)


def write_qdpx(data: StudyData, out: Output, study_key: str | None = None) -> RefiExportSummary:
    """Write the .qdpx file (whole or not at all) to ``out`` (see
    :func:`socialcoder.export.output.prepare_output`)."""
    parts = build_project(data, study_key or data.study_name)
    with (
        out.writing() as tmp,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf,
    ):
        zf.writestr(
            zipfile.ZipInfo("project.qde", _ZIP_TIME),
            parts.body,
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for name, text in sorted(parts.files.items()):
            zf.writestr(
                zipfile.ZipInfo(f"sources/{name}", _ZIP_TIME),
                text.encode("utf-8"),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    n_codes = sum(1 for d in data.codebook.dimensions) + sum(
        len(d.values) for d in data.codebook.dimensions if d.scale is not Scale.BINARY
    )
    return RefiExportSummary(
        out.path or Path("-"),
        len(parts.files),
        len(data.coders),
        n_codes,
        parts.selections,
        parts.codings,
        parts.notes,
        out.to_stream,
    )
