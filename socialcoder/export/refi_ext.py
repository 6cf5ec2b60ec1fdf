"""SocialCoder's extension of a REFI-QDA project: what the standard has no field for.

A ``.qdpx`` written by SocialCoder holds, beside ``project.qde`` and ``sources/``, a folder
``socialcoder/`` with two files that other programs ignore (they read only ``project.qde`` and
the files it references):

* ``socialcoder/codebook.yaml``: the study's current codebook exactly as stored (dimensions,
  scales, values and their order, units, roles, shortcuts, colours, definitions, include,
  exclude, examples);
* ``socialcoder/study.json``: turn boundaries, roles, labels and times of every source, the
  transcript identity (file name, format, content hash, media path, preamble), coders,
  completions, assignments and the explicit *absent* (binary ``0``) codes, which REFI-QDA
  codings (presence only) cannot express.

The codes themselves travel in ``project.qde`` (a coding names its code; SocialCoder's code
names are the dimension key, or ``key: value``), so a project that went through another program
and back is read the same way. ``study.json`` is documented in ``docs/export.md``; this module
writes it and reads it back with every field checked (:class:`ExtensionError` says what is
wrong). Pure: no database, no files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

FOLDER = "socialcoder/"
STUDY_JSON = "socialcoder/study.json"
CODEBOOK_YAML = "socialcoder/codebook.yaml"
FORMAT = "socialcoder-refi-extension"
VERSION = 1
ROLES = ("therapist", "patient")
PURPOSES = ("primary", "reliability")


class ExtensionError(ValueError):
    """``study.json`` is not what SocialCoder writes (the message says which field)."""


@dataclass(frozen=True, slots=True)
class ExtSegment:
    """One turn: its text is ``source_text[start:end]`` (code points, end exclusive)."""

    start: int
    end: int
    label: str
    role: str
    start_s: float | None
    end_s: float | None


@dataclass(frozen=True, slots=True)
class ExtSource:
    guid: str  # the TextSource's GUID (lower case, no braces)
    transcript: str
    source_name: str
    format: str
    content_hash: str
    media_path: str | None
    preamble: str
    segments: tuple[ExtSegment, ...]


@dataclass(frozen=True, slots=True)
class ExtCoder:
    name: str
    user: str  # User GUID
    consensus: bool


@dataclass(frozen=True, slots=True)
class ExtAbsent:
    """An explicit binary ``0`` code (``segment`` None for a session-level dimension)."""

    coder: str
    source: str  # source GUID
    segment: int | None  # 1-based turn number
    dimension: str
    memo: str | None


@dataclass(frozen=True, slots=True)
class RefiExtension:
    codebook_yaml: str
    coders: tuple[ExtCoder, ...]
    sources: tuple[ExtSource, ...]
    completions: tuple[tuple[str, str], ...]  # (coder, source GUID)
    assignments: tuple[tuple[str, str, str], ...]  # (coder, source GUID, purpose)
    absent: tuple[ExtAbsent, ...]

    def source(self, guid: str) -> ExtSource | None:
        for s in self.sources:
            if s.guid == guid:
                return s
        return None


def _time(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def to_json(ext: RefiExtension) -> bytes:
    """``study.json`` (UTF-8, keys in a fixed order so that re-exporting gives equal bytes)."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "codebook": CODEBOOK_YAML,
        "coders": [{"name": c.name, "user": c.user, "consensus": c.consensus} for c in ext.coders],
        "sources": [
            {
                "guid": s.guid,
                "transcript": s.transcript,
                "source_name": s.source_name,
                "format": s.format,
                "content_hash": s.content_hash,
                "media_path": s.media_path,
                "preamble": s.preamble,
                "segments": [
                    [g.start, g.end, g.label, g.role, _time(g.start_s), _time(g.end_s)]
                    for g in s.segments
                ],
            }
            for s in ext.sources
        ],
        "completions": [list(c) for c in ext.completions],
        "assignments": [list(a) for a in ext.assignments],
        "absent_codes": [[a.coder, a.source, a.segment, a.dimension, a.memo] for a in ext.absent],
    }
    return json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise ExtensionError(what)


def _text(v: object, what: str, *, empty: bool = False) -> str:
    _need(
        isinstance(v, str) and (empty or bool(v)),
        f"{what} is not {'a' if empty else 'a non-empty'} text",
    )
    return str(v)


def _int(v: object, what: str) -> int:
    _need(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        f"{what} is not a whole number >= 0",
    )
    assert isinstance(v, int)  # checked by _need just above (which raises otherwise)
    return v


def _seconds(v: object, what: str) -> float | None:
    if v is None:
        return None
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
    _need(ok, f"{what} is not a time in seconds")
    assert isinstance(v, int | float)  # checked by _need just above
    return float(v)


def _list(v: object, what: str) -> list[Any]:
    _need(isinstance(v, list), f"{what} is not a list")
    assert isinstance(v, list)  # checked by _need just above
    return v


def _segments(raw: object, where: str) -> tuple[ExtSegment, ...]:
    out = []
    last_end = 0
    for i, seg in enumerate(_list(raw, f"{where} segments"), start=1):
        at = f"{where} segment {i}"
        _need(
            isinstance(seg, list) and len(seg) == 6,
            f"{at} is not [start, end, label, role, start_s, end_s]",
        )
        start, end = _int(seg[0], f"{at} start"), _int(seg[1], f"{at} end")
        _need(last_end <= start < end, f"{at} does not follow the turn before it or is empty")
        last_end = end
        role = _text(seg[3], f"{at} role")
        _need(role in ROLES, f"{at} role {role!r} is not therapist or patient")
        s, e = _seconds(seg[4], f"{at} start time"), _seconds(seg[5], f"{at} end time")
        _need(s is None or e is None or e >= s, f"{at} ends before it starts")
        out.append(
            ExtSegment(
                start=start,
                end=end,
                label=_text(seg[2], f"{at} label"),
                role=role,
                start_s=s,
                end_s=e,
            )
        )
    _need(bool(out), f"{where} has no segments")
    return tuple(out)


def parse_extension(data: bytes, codebook_yaml: str) -> RefiExtension:
    """Read ``study.json`` (the codebook YAML comes from its own entry); raises
    :class:`ExtensionError` naming the first field that is not as SocialCoder writes it."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExtensionError(f"is not UTF-8 JSON ({exc})") from None
    _need(isinstance(raw, dict), "is not a JSON object")
    _need(raw.get("format") == FORMAT, f"'format' is not {FORMAT!r}")
    _need(
        raw.get("version") == VERSION,
        f"'version' {raw.get('version')!r} is not {VERSION} (made by a newer SocialCoder?)",
    )
    coders = []
    for i, c in enumerate(_list(raw.get("coders"), "'coders'"), start=1):
        _need(isinstance(c, dict), f"coder {i} is not an object")
        coders.append(
            ExtCoder(
                _text(c.get("name"), f"coder {i} name"),
                _text(c.get("user"), f"coder {i} user").lower(),
                c.get("consensus") is True,
            )
        )
    names = {c.name for c in coders}
    _need(len(names) == len(coders), "a coder is listed twice")
    sources = []
    for i, s in enumerate(_list(raw.get("sources"), "'sources'"), start=1):
        _need(isinstance(s, dict), f"source {i} is not an object")
        where = f"source {i}"
        media = s.get("media_path")
        _need(media is None or isinstance(media, str), f"{where} media_path is not text")
        sources.append(
            ExtSource(
                guid=_text(s.get("guid"), f"{where} guid").lower(),
                transcript=_text(s.get("transcript"), f"{where} transcript"),
                source_name=_text(s.get("source_name"), f"{where} source_name", empty=True),
                format=_text(s.get("format"), f"{where} format"),
                content_hash=_text(s.get("content_hash"), f"{where} content_hash"),
                media_path=media,
                preamble=_text(s.get("preamble"), f"{where} preamble", empty=True),
                segments=_segments(s.get("segments"), where),
            )
        )
    guids = {s.guid for s in sources}
    _need(len(guids) == len(sources), "a source is listed twice")

    def pair(item: object, n: int, what: str) -> list[Any]:
        _need(isinstance(item, list) and len(item) == n, f"{what} is not a list of {n}")
        assert isinstance(item, list)  # checked by _need just above
        row: list[Any] = item
        _need(row[0] in names, f"{what} names an unknown coder {row[0]!r}")
        _need(
            isinstance(row[1], str) and row[1].lower() in guids, f"{what} names an unknown source"
        )
        return row

    completions = tuple(
        (r[0], r[1].lower())
        for i, item in enumerate(_list(raw.get("completions"), "'completions'"), start=1)
        if (r := pair(item, 2, f"completion {i}"))
    )
    assignments = []
    for i, item in enumerate(_list(raw.get("assignments"), "'assignments'"), start=1):
        r = pair(item, 3, f"assignment {i}")
        _need(r[2] in PURPOSES, f"assignment {i} purpose {r[2]!r} is not primary or reliability")
        assignments.append((r[0], r[1].lower(), r[2]))
    absent = []
    for i, item in enumerate(_list(raw.get("absent_codes"), "'absent_codes'"), start=1):
        r = pair(item, 5, f"absent code {i}")
        seg = None if r[2] is None else _int(r[2], f"absent code {i} segment")
        _need(seg is None or seg >= 1, f"absent code {i} segment is not 1, 2, ...")
        memo = r[4]
        _need(memo is None or isinstance(memo, str), f"absent code {i} memo is not text")
        absent.append(
            ExtAbsent(
                coder=r[0],
                source=r[1].lower(),
                segment=seg,
                dimension=_text(r[3], f"absent code {i} dimension"),
                memo=memo,
            )
        )
    return RefiExtension(
        codebook_yaml=codebook_yaml,
        coders=tuple(coders),
        sources=tuple(sources),
        completions=completions,
        assignments=tuple(assignments),
        absent=tuple(absent),
    )
