"""Writing a study as a REFI-QDA project (``.qdpx``: a ZIP with ``project.qde``, the plain texts
in ``sources/<GUID>.txt`` and SocialCoder's extension in ``socialcoder/``), valid against the
QDA-XML 1.0 schema (Project-mrt2019.xsd) and laid out as QualCoder writes and reads projects.

Mapping (see ``docs/export.md``):

* one ``User`` per coder (the consensus layer included when exported);
* the codebook as ``Codes``, every name unique in the whole codebook: a codable code per binary
  dimension named by its key (a coding means *present*); for other dimensions a non-codable
  parent named by the key with one codable child per value, named ``key: value`` (numeric
  dimensions without a value list get a child per value used). Descriptions hold the
  definition, criteria and examples for people; colours are the dimension's;
* each transcript a ``TextSource`` whose plain text is the preamble, then one line per turn,
  ``[hh:mm:ss.sss] Label: text`` (the stamp when the start time is measured); LF line ends;
* a transcript with a recording an ``AudioSource`` or ``VideoSource`` instead (QualCoder's
  layout): ``path`` names the media file (``absolute://``; the media never goes into the
  archive), and its ``Transcript`` holds the same plain text with a ``SyncPoint`` at the start
  and at the end of every turn's text (``position`` in code points; ``timeStamp`` in ms when
  that time is measured, left out when it is unknown or only an estimate) and the selections
  as ``TranscriptSelection`` from one sync point to another, with the same content as the
  ``PlainTextSelection`` they stand for;
* each code one ``PlainTextSelection`` over the turn's text (code points, end exclusive) with
  the coder as ``creatingUser``, dated, holding one ``Coding`` (the same span coded by three
  coders is three selections, QualCoder's layout); session-level codes select the whole text;
  a code memo is the selection's ``Description`` and a ``Note`` referenced from the coding;
* a segment memo is a selection over the turn without a coding (an annotation), the memo in
  its ``Description`` and in a ``Note`` referenced from the selection;
* participant, therapist, session and date as ``Variables`` on each source; one ``Case`` per
  participant referencing its sources;
* ``socialcoder/codebook.yaml`` and ``socialcoder/study.json`` (:mod:`refi_ext`): what the
  standard has no field for (the codebook itself, turns and times, completion, assignments,
  explicit absent codes).

GUIDs are uuid5 of the study key and the object's identity and dates are the stored ones, so
re-exporting an unchanged study gives an identical file.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd

from socialcoder import __version__
from socialcoder.domain.codebook import Scale, Unit
from socialcoder.errors import UserError
from socialcoder.export import refi_ext
from socialcoder.export.model import CONSENSUS, StudyData
from socialcoder.export.output import Output
from socialcoder.export.refi_xml import (
    Guids,
    SegmentSpan,
    code_values,
    document_bytes,
    q,
    source_text,
    sub,
    write_codebook,
    xml_time,
)

ROLES_PREFIX = "SocialCoder speaker roles: "
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: A row of ``DataFrame.itertuples``: a namedtuple of the frame's columns, made at run time
#: (so its fields are known to no type checker).
Row = Any


@dataclass(frozen=True, slots=True)
class TranscriptInfo:
    """How a transcript came into the study (kept in the extension)."""

    imported_at: datetime
    source_name: str
    format: str
    content_hash: str
    media_path: str | None = None  # as the study stores it (kept in the extension)
    media_kind: str = "audio"  # audio or video
    media_uri: str | None = None  # ``absolute://...`` of the media file on this machine


@dataclass(frozen=True, slots=True)
class RefiExtras:
    """What the project needs beyond :class:`StudyData`. ``StudyData.codes`` must have the
    columns ``created_at`` and ``updated_at``; ``segment_memos`` the column ``updated_at``."""

    codebook_yaml: str
    created_at: datetime
    transcripts: Mapping[int, TranscriptInfo]
    assignments: tuple[tuple[int, str, str], ...] = ()  # (transcript_id, coder, purpose)


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
    absent_codes: int = 0  # explicit binary 0 codes (carried in socialcoder/study.json)
    not_written: tuple[tuple[str, int], ...] = ()  # (reason, codes)


_VARIABLES = (
    ("participant", "Text"),
    ("therapist", "Text"),
    ("session", "Integer"),
    ("date", "Date"),
)


@dataclass(frozen=True, slots=True)
class ProjectParts:
    """``project.qde`` as bytes, the source files (internal name -> text), ``study.json``,
    and counts."""

    body: bytes
    files: dict[str, str]
    extension: bytes
    selections: int
    codings: int
    notes: int
    absent_codes: int
    not_written: tuple[tuple[str, int], ...]


class _Builder:
    """Builds one project (see the module doc); one method per part of ``project.qde``."""

    def __init__(self, data: StudyData, extras: RefiExtras, study_key: str) -> None:
        self.data, self.extras, self.g = data, extras, Guids(study_key)
        self.user = {c: self.g("user", c) for c in data.coders}
        self.coder_order = {c: i for i, c in enumerate(data.coders)}
        self.dim_order = {k: i for i, k in enumerate(data.codebook.keys)}
        self.notes: list[ET.Element] = []
        self.selections = self.codings = 0
        self.not_written: dict[str, int] = {}
        self.ext_sources: list[refi_ext.ExtSource] = []
        self.absent: list[refi_ext.ExtAbsent] = []
        self.source_guid: dict[int, str] = {}
        self.sync_guid: dict[int, str] = {}  # text position -> SyncPoint GUID (media sources)

    def note(self, name: str, coder: str, text: str, created: str, modified: str) -> str:
        guid = self.g("note", name, coder)
        note = ET.Element(
            q("Note"),
            {
                "guid": guid,
                "name": name,
                "creatingUser": self.user[coder],
                "creationDateTime": created,
                "modifyingUser": self.user[coder],
                "modifiedDateTime": modified,
            },
        )
        ET.SubElement(note, q("PlainTextContent")).text = text
        self.notes.append(note)
        return guid

    def selection(
        self,
        src: ET.Element,
        name: str,
        span: tuple[int, int],
        coder: str,
        times: tuple[str, str],
        memo: str | None,
    ) -> ET.Element:
        created, modified = times
        sync = self.sync_guid
        where = (
            {"fromSyncPoint": sync[span[0]], "toSyncPoint": sync[span[1]]}
            if sync
            else {"startPosition": str(span[0]), "endPosition": str(span[1])}
        )
        sel = sub(
            src,
            "TranscriptSelection" if sync else "PlainTextSelection",
            {
                "guid": self.g("selection", name),
                "name": name,
                **where,
                "creatingUser": self.user[coder],
                "creationDateTime": created,
                "modifyingUser": self.user[coder],
                "modifiedDateTime": modified,
            },
        )
        if memo:
            sub(sel, "Description", text=memo)
        self.selections += 1
        return sel

    def build(self) -> ProjectParts:
        data, extras = self.data, self.extras
        created = xml_time(extras.created_at)
        root = ET.Element(
            q("Project"),
            {
                "name": data.study_name,
                "origin": f"SocialCoder {__version__}",
                "creationDateTime": created,
                "modifiedDateTime": created,
            },
        )
        users = sub(root, "Users")
        for coder in data.coders:
            sub(users, "User", {"guid": self.user[coder], "name": coder, "id": coder})
        self.code_guid = write_codebook(root, data.codebook, data.codes, self.g)
        variables = sub(root, "Variables")
        self.var_guid = {}
        for name, kind in _VARIABLES:
            self.var_guid[name] = self.g("variable", name)
            sub(
                variables,
                "Variable",
                {"guid": self.var_guid[name], "name": name, "typeOfVariable": kind},
            )
        transcripts = data.transcripts.sort_values("transcript")
        self.source_guid = {
            int(t): self.g("source", n)
            for t, n in zip(transcripts["transcript_id"], transcripts["transcript"], strict=True)
        }
        self._cases(root, transcripts)
        files: dict[str, str] = {}
        sources_el = sub(root, "Sources")
        segs = data.segments.sort_values(["transcript_id", "segment"])
        seg_groups = dict(tuple(segs.groupby("transcript_id", sort=False)))
        code_groups = dict(tuple(data.codes.groupby("transcript_id", sort=False)))
        memos = data.segment_memos
        memo_groups = dict(tuple(memos.groupby("transcript_id", sort=False))) if len(memos) else {}
        for row in transcripts.itertuples(index=False):
            tid = int(row.transcript_id)
            tsegs = seg_groups.get(tid, segs.iloc[0:0])
            text_file, text = self._source(
                sources_el,
                row,
                tsegs,
                code_groups.get(tid, data.codes.iloc[0:0]),
                memo_groups.get(tid),
            )
            files[text_file] = text
        if self.notes:
            sub(root, "Notes").extend(self.notes)
        sub(
            root,
            "Description",
            text=f"Exported by SocialCoder {__version__} with codebook {data.codebook.name!r} {data.codebook.version}; the SocialCoder study data are in socialcoder/.",
        )
        body = document_bytes(root)
        return ProjectParts(
            body=body,
            files=files,
            extension=self._extension(),
            selections=self.selections,
            codings=self.codings,
            notes=len(self.notes),
            absent_codes=len(self.absent),
            not_written=tuple(sorted(self.not_written.items())),
        )

    def _cases(self, root: ET.Element, transcripts: pd.DataFrame) -> None:
        by_participant: dict[str, list[str]] = {}
        for row in transcripts.itertuples(index=False):
            if isinstance(row.participant, str) and row.participant:
                by_participant.setdefault(row.participant, []).append(
                    self.source_guid[int(row.transcript_id)]
                )
        if not by_participant:
            return
        cases = sub(root, "Cases")
        for participant, sources_of in sorted(by_participant.items()):
            case = sub(cases, "Case", {"guid": self.g("case", participant), "name": participant})
            for guid in sources_of:
                sub(case, "SourceRef", {"targetGUID": guid})

    def _source(
        self,
        parent: ET.Element,
        row: Row,
        tsegs: pd.DataFrame,
        tcodes: pd.DataFrame,
        tmemos: pd.DataFrame | None,
    ) -> tuple[str, str]:
        """Write one source; returns (its text file's name in ``sources/``, its text)."""
        data = self.data
        tid, name = int(row.transcript_id), str(row.transcript)
        preamble = row.preamble or ""
        starts, ends = _measured(tsegs, "start"), _measured(tsegs, "end")
        text, spans = source_text(
            preamble,
            zip(tsegs["segment"], tsegs["speaker"], starts, tsegs["text"], strict=True),
        )
        info = self.extras.transcripts[tid]
        imported = xml_time(info.imported_at)
        guid = self.source_guid[tid]
        dated = {"creationDateTime": imported, "modifiedDateTime": imported}
        roles = dict(zip(tsegs["speaker"], tsegs["role"], strict=True))
        roles_text = ",".join(f"{k}={v}" for k, v in roles.items() if "," not in k and "=" not in k)
        self.sync_guid = {}
        if info.media_uri is None:
            text_file = f"{guid}.txt"
            src = sub(
                parent,
                "TextSource",
                {"guid": guid, "name": name, "plainTextPath": f"internal://{text_file}", **dated},
            )
            sub(src, "Description", text=ROLES_PREFIX + roles_text)
            holder = src
        else:
            kind = "VideoSource" if info.media_kind == "video" else "AudioSource"
            src = sub(parent, kind, {"guid": guid, "name": name, "path": info.media_uri, **dated})
            sub(src, "Description", text=ROLES_PREFIX + roles_text)
            tguid = self.g("transcript", name)
            text_file = f"{tguid}.txt"
            holder = sub(
                src,
                "Transcript",
                {
                    "guid": tguid,
                    "name": name,
                    "plainTextPath": f"internal://{text_file}",
                    **dated,
                },
            )
            self._sync_points(holder, name, text, spans, starts, ends)
        span_of = {s.index: s for s in spans}
        idx_of = dict(zip(tsegs["segment_id"], tsegs["segment"], strict=True))
        units: list[tuple[int, int, str, int, Row]] = []  # (unit order, coder order, kind, ...)
        for c in tcodes.itertuples(index=False):
            if not data.codebook.has(c.dimension):
                self.not_written["codes of dimensions no longer in the codebook"] = (
                    self.not_written.get("codes of dimensions no longer in the codebook", 0) + 1
                )
                continue
            dim = data.codebook.dimension(c.dimension)
            idx = (
                None
                if (dim.unit is Unit.SESSION or pd.isna(c.segment_id))
                else int(idx_of[int(c.segment_id)])
            )
            memo = c.memo if isinstance(c.memo, str) and c.memo else None
            if dim.scale is Scale.BINARY and c.value != "1":
                self.absent.append(
                    refi_ext.ExtAbsent(
                        coder=c.coder, source=guid, segment=idx, dimension=c.dimension, memo=memo
                    )
                )
                continue
            units.append(
                (
                    -1 if idx is None else idx,
                    self.coder_order[c.coder],
                    "code",
                    self.dim_order[c.dimension],
                    c,
                )
            )
        for m in tmemos.itertuples(index=False) if tmemos is not None else ():
            units.append(
                (
                    int(idx_of[int(m.segment_id)]),
                    self.coder_order[m.coder],
                    "memo",
                    len(self.dim_order),
                    m,
                )
            )
        for idx, _, kind, _, item in sorted(units, key=lambda u: (u[0], u[1], u[3])):
            span = (0, len(text)) if idx < 0 else (span_of[idx].start, span_of[idx].end)
            unit_name = "session" if idx < 0 else f"segment {idx}"
            coder = item.coder
            if kind == "memo":
                stamp_ = xml_time(item.updated_at)
                memo = str(item.segment_memo)
                sel = self.selection(
                    holder,
                    f"{name} {unit_name}: {coder}, segment memo",
                    span,
                    coder,
                    (stamp_, stamp_),
                    memo,
                )
                note = self.note(
                    f"{name} {unit_name}: {coder}, segment memo", coder, memo, stamp_, stamp_
                )
                sub(sel, "NoteRef", {"targetGUID": note})
                continue
            key, value = item.dimension, item.value
            times = (xml_time(item.created_at), xml_time(item.updated_at))
            memo = item.memo if isinstance(item.memo, str) and item.memo else None
            label = f"{name} {unit_name}: {coder}, {key}"
            sel = self.selection(holder, label, span, coder, times, memo)
            coding = sub(
                sel,
                "Coding",
                {
                    "guid": self.g("coding", label),
                    "creatingUser": self.user[coder],
                    "creationDateTime": times[0],
                },
            )
            sub(coding, "CodeRef", {"targetGUID": self.code_guid[(key, value)]})
            self.codings += 1
            if memo:
                sub(
                    coding,
                    "NoteRef",
                    {"targetGUID": self.note(f"{label} memo", coder, memo, *times)},
                )
        _variable_values(src, self.var_guid, row)
        self.ext_sources.append(
            refi_ext.ExtSource(
                guid=guid,
                transcript=name,
                source_name=info.source_name,
                format=info.format,
                content_hash=info.content_hash,
                media_path=info.media_path,
                preamble=preamble,
                segments=tuple(
                    refi_ext.ExtSegment(
                        start=span_of[int(s)].start,
                        end=span_of[int(s)].end,
                        label=str(label),
                        role=str(role),
                        start_s=a,
                        end_s=b,
                    )
                    for s, label, role, a, b in zip(
                        tsegs["segment"], tsegs["speaker"], tsegs["role"], starts, ends, strict=True
                    )
                ),
            )
        )
        return text_file, text

    def _sync_points(
        self,
        transcript: ET.Element,
        name: str,
        text: str,
        spans: list[SegmentSpan],
        starts: list[float | None],
        ends: list[float | None],
    ) -> None:
        """A ``SyncPoint`` at the start and the end of every turn's text (with the measured
        time in ms, if any) and at both ends of the text (for session-level selections)."""
        points: dict[int, float | None] = {0: None, len(text): None}
        for span, start, end in zip(spans, starts, ends, strict=True):
            points[span.start] = start
            points[span.end] = end
        for position, seconds in sorted(points.items()):
            guid = self.g("sync", name, str(position))
            attrs = {"guid": guid, "position": str(position)}
            if seconds is not None:
                attrs["timeStamp"] = str(round(seconds * 1000))
            sub(transcript, "SyncPoint", attrs)
            self.sync_guid[position] = guid

    def _extension(self) -> bytes:
        data = self.data
        involved = data.involved
        completions = tuple(
            sorted(
                (c, self.source_guid[int(t)])
                for t, c, done in zip(
                    involved["transcript_id"], involved["coder"], involved["completed"], strict=True
                )
                if done
            )
        )
        ext = refi_ext.RefiExtension(
            codebook_yaml=self.extras.codebook_yaml,
            coders=tuple(refi_ext.ExtCoder(c, self.user[c], c == CONSENSUS) for c in data.coders),
            sources=tuple(self.ext_sources),
            completions=completions,
            assignments=tuple(
                sorted(
                    (c, self.source_guid[t], p)
                    for t, c, p in self.extras.assignments
                    if c in self.user
                )
            ),
            absent=tuple(
                sorted(self.absent, key=lambda a: (a.source, a.coder, a.segment or 0, a.dimension))
            ),
        )
        return refi_ext.to_json(ext)


def _seconds(value: float | None) -> float | None:
    """A time from a frame's column: None or NaN when unknown."""
    return None if value is None or pd.isna(value) else float(value)


def _measured(tsegs: pd.DataFrame, which: str) -> list[float | None]:
    """The turns' ``start`` or ``end`` times, None where unknown or only an estimate (an
    estimate is never written as a time: it is worked out again from the measured ones)."""
    flags = tsegs.get(f"{which}_estimated")
    estimated = [False] * len(tsegs) if flags is None else [bool(f) for f in flags]
    return [
        None if est else _seconds(value) for value, est in zip(tsegs[which], estimated, strict=True)
    ]


def _variable_values(src: ET.Element, var_guid: dict[str, str], row: Row) -> None:
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
        vv = sub(src, "VariableValue")
        sub(vv, "VariableRef", {"targetGUID": var_guid[name]})
        sub(vv, tag, text=text)


def build_project(data: StudyData, extras: RefiExtras, study_key: str) -> ProjectParts:
    """The project for the study data (see the module doc)."""
    return _Builder(data, extras, study_key).build()


def write_qdpx(
    data: StudyData, extras: RefiExtras, out: Output, study_key: str | None = None
) -> RefiExportSummary:
    """Write the .qdpx file (whole or not at all) to ``out`` (see
    :func:`socialcoder.export.output.prepare_output`). The one place that writes the archive."""
    try:
        parts = build_project(data, extras, study_key or data.study_name)
    except UserError as exc:  # a text XML cannot hold: the message names it, and OUT here
        if exc.source is not None:
            raise
        raise UserError(exc.message, source=out.name, remedy=exc.remedies) from None
    entries: list[tuple[str, bytes]] = [("project.qde", parts.body)]
    entries += [
        (f"sources/{name}", text.encode("utf-8")) for name, text in sorted(parts.files.items())
    ]
    entries += [
        (refi_ext.CODEBOOK_YAML, extras.codebook_yaml.encode("utf-8")),
        (refi_ext.STUDY_JSON, parts.extension),
    ]
    with (
        out.writing() as tmp,
        zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf,
    ):
        for name, blob in entries:
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), blob, compress_type=zipfile.ZIP_DEFLATED)
    codebook = data.codebook
    used = data.codes
    n_codes = 0
    for d in codebook.dimensions:
        n_codes += 1
        if d.scale is not Scale.BINARY:
            n_codes += len(code_values(d, set(used.loc[used["dimension"] == d.key, "value"])))
    return RefiExportSummary(
        path=out.path or Path("-"),
        sources=len(parts.files),
        users=len(data.coders),
        codes=n_codes,
        selections=parts.selections,
        codings=parts.codings,
        notes=parts.notes,
        to_stream=out.to_stream,
        absent_codes=parts.absent_codes,
        not_written=parts.not_written,
    )
