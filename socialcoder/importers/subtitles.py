"""Subtitle transcripts: WebVTT (``.vtt``) and SubRip (``.srt``). One cue is one turn.

The speaker of a cue comes from, in order:

1. WebVTT voice tags ``<v Name>`` / ``<v.class Name>``; a cue with several voices gives one turn
   per voice, all with the cue's times;
2. a ``Name: text`` prefix, accepted by the same rule as in plain text
   (:func:`~socialcoder.importers.speakers.starts_turn`; never ``Note``-like words);
3. otherwise the previous cue's speaker (the cue is still a turn of its own). A first cue
   without a speaker is refused.

Other tags (``<i>``, ``<c.x>``, timestamps, ``{\\an8}``) are removed, entities unescaped and
whitespace collapsed (cue line breaks are layout, so they become spaces). WebVTT ``NOTE``,
``STYLE`` and ``REGION`` blocks are skipped. Cues with no text are skipped. Malformed timing
lines, unparseable times and an end before the start are refused, naming the line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from socialcoder.errors import ImportFormatError
from socialcoder.importers.speakers import (
    LABEL_PATTERN,
    RawTurn,
    SpeakerResolver,
    accepted_labels,
    normalize_label,
)
from socialcoder.importers.times import parse_clock

_HEADER_RE = re.compile(r"WEBVTT(?:[ \t].*)?")
_TIMING_RE = re.compile(r"[ \t]*(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t].*)?")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>")
_TAG_RE = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_PREFIX_RE = re.compile(rf"({LABEL_PATTERN})[ \t]*:[ \t]+(.*)", re.DOTALL)
_SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(slots=True)
class _Cue:
    """A cue: its timing line number, times, and (voice or None, text) pieces."""

    line: int
    start: float
    end: float
    pieces: list[tuple[str | None, str]] = field(default_factory=list)


def _blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(1-based number of the first line, lines) of each block between blank lines."""
    block: list[str] = []
    first = 0
    for index, line in enumerate(lines):
        if line.strip():
            if not block:
                first = index + 1
            block.append(line.rstrip())
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG_RE.sub("", text)).split())


def _timing(line: str, *, number: int, source: str, example: str) -> tuple[float, float]:
    m = _TIMING_RE.fullmatch(line)
    if m is None:
        raise ImportFormatError(
            f"malformed cue timing line {line.strip()!r} (expected '{example}')",
            source=source,
            line=number,
        )
    try:
        start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
    except ValueError as exc:
        raise ImportFormatError(str(exc), source=source, line=number) from None
    if end < start:
        raise ImportFormatError(
            f"cue ends ({m.group(2)}) before it starts ({m.group(1)})", source=source, line=number
        )
    return start, end


def _vtt_pieces(text: str) -> list[tuple[str | None, str]]:
    parts = _VOICE_RE.split(text)
    if len(parts) == 1:
        return [(None, _clean(text))]
    pieces: list[tuple[str | None, str]] = []
    lead = _clean(parts[0])
    for i in range(1, len(parts), 2):
        voice = " ".join((parts[i] or "").split()) or None
        body = _clean(parts[i + 1])
        if lead:
            body, lead = f"{lead} {body}".strip(), ""
        if body:
            pieces.append((voice, body))
    return pieces


def _vtt_cues(text: str, *, source: str) -> list[_Cue]:
    lines = text.split("\n")
    if not _HEADER_RE.fullmatch(lines[0].rstrip()):
        raise ImportFormatError(
            "not a WebVTT file: the first line must be 'WEBVTT'", source=source, line=1
        )
    cues: list[_Cue] = []
    example = "00:01:02.500 --> 00:01:05.000"
    for first, block in _blocks(lines):
        if first == 1:
            continue  # header block
        head = block[0]
        if head.startswith(_SKIPPED_BLOCKS) and (
            head.split(maxsplit=1)[0] in _SKIPPED_BLOCKS and "-->" not in head
        ):
            continue
        at = 0 if "-->" in head else 1
        if at >= len(block) or "-->" not in block[at]:
            raise ImportFormatError(
                f"expected a cue timing line '{example}', found {head.strip()!r}",
                source=source,
                line=first,
            )
        start, end = _timing(block[at], number=first + at, source=source, example=example)
        cue = _Cue(first + at, start, end, _vtt_pieces("\n".join(block[at + 1 :])))
        if cue.pieces and cue.pieces[0][1]:
            cues.append(cue)
    return cues


def _srt_cues(text: str, *, source: str) -> list[_Cue]:
    lines = text.split("\n")
    cues: list[_Cue] = []
    example = "00:01:02,500 --> 00:01:05,000"
    for first, block in _blocks(lines):
        at = 0 if "-->" in block[0] else 1
        if at == 1 and not block[0].strip().isdigit():
            raise ImportFormatError(
                f"expected a cue number and a timing line '{example}', found {block[0]!r}",
                source=source,
                line=first,
            )
        if at >= len(block) or "-->" not in block[at]:
            raise ImportFormatError(
                f"expected a cue timing line '{example}' after the cue number",
                source=source,
                line=first + at,
            )
        start, end = _timing(block[at], number=first + at, source=source, example=example)
        body = _clean("\n".join(block[at + 1 :]))
        if body:
            cues.append(_Cue(first + at, start, end, [(None, body)]))
    return cues


def _prefix(text: str) -> tuple[str, str, str] | None:
    """(label, normalised label, rest) when ``text`` starts with a name-like ``Label:``."""
    m = _PREFIX_RE.match(text)
    if m is None:
        return None
    label = m.group(1).rstrip()
    return label, normalize_label(label), m.group(2).strip()


def _turns(cues: list[_Cue], *, source: str, resolver: SpeakerResolver) -> list[RawTurn]:
    prefixes = [[_prefix(t) if v is None else None for v, t in cue.pieces] for cue in cues]
    counts: dict[str, int] = {}
    spellings: dict[str, list[str]] = {}
    for cue_prefixes in prefixes:
        for p in cue_prefixes:
            if p is not None:
                counts[p[1]] = counts.get(p[1], 0) + 1
                spellings.setdefault(p[1], []).append(p[0])
    accepted = accepted_labels(spellings, counts, resolver)
    turns: list[RawTurn] = []
    speaker: str | None = None
    for cue, cue_prefixes in zip(cues, prefixes, strict=True):
        for (voice, body), prefix in zip(cue.pieces, cue_prefixes, strict=True):
            if voice is not None:
                speaker = voice
            elif prefix is not None and prefix[1] in accepted and prefix[2]:
                speaker, body = prefix[0], prefix[2]
            elif speaker is None:
                raise ImportFormatError(
                    "the first cue names no speaker (use a <v Name> voice tag or a "
                    "'Name: text' prefix)",
                    source=source,
                    line=cue.line,
                )
            turns.append(RawTurn(speaker, body, cue.start, cue.end, cue.line))
    if not turns:
        raise ImportFormatError("no cues with text found", source=source)
    return turns


def vtt_turns(text: str, *, source: str, resolver: SpeakerResolver) -> list[RawTurn]:
    """Decoded WebVTT text (``\\n`` line ends) -> raw turns with start and end times."""
    return _turns(_vtt_cues(text, source=source), source=source, resolver=resolver)


def srt_turns(text: str, *, source: str, resolver: SpeakerResolver) -> list[RawTurn]:
    """Decoded SubRip text (``\\n`` line ends) -> raw turns with start and end times."""
    return _turns(_srt_cues(text, source=source), source=source, resolver=resolver)
