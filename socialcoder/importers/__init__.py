"""Transcript importers: a file -> :class:`~socialcoder.domain.transcript.ParsedTranscript`.

Formats (``format`` value, extensions): plain text (``"text"``; ``.txt``, ``.text``), WebVTT
(``"vtt"``; ``.vtt``), SubRip (``"srt"``; ``.srt``), Word (``"docx"``; ``.docx``) and CSV
(``"csv"``; ``.csv``, ``.tsv``). Every turn in the file becomes one segment, in file order;
consecutive turns by the same speaker are never merged. Bad input raises
:class:`~socialcoder.errors.ImportFormatError` (one line naming the file and line or row);
unmapped speaker labels raise :class:`~socialcoder.errors.UnknownSpeakersError`.

No database, no Qt, no network.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from pathlib import Path

from socialcoder.domain.transcript import ParsedTranscript, content_hash
from socialcoder.errors import ImportFormatError
from socialcoder.importers.csv_turns import COLUMN_ALIASES, csv_segments, sniff_delimiter
from socialcoder.importers.decoding import decode
from socialcoder.importers.docx import docx_text
from socialcoder.importers.speakers import (
    TEXT,
    SpeakerResolver,
    SpeakerRole,
    build_segments,
    parse_speaker_map,
)
from socialcoder.importers.subtitles import srt_turns, vtt_turns
from socialcoder.importers.text import looks_like_turn_line, parse_text, text_segments
from socialcoder.importers.times import CLOCK_PATTERN

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_EXTENSIONS",
    "TEXT",
    "SpeakerRole",
    "parse_bytes",
    "parse_speaker_map",
    "parse_text",
    "read_transcript",
    "sniff_format",
]

#: Larger files are refused before they are read.
MAX_FILE_BYTES = 50 * 1024 * 1024

_FORMAT_OF_EXTENSION: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".vtt": "vtt",
    ".srt": "srt",
    ".docx": "docx",
    ".csv": "csv",
    ".tsv": "csv",
}
#: File extensions the importers read (lower case, with the dot), e.g. for file dialogs.
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(_FORMAT_OF_EXTENSION)

_REFUSED: dict[str, str] = {
    ".doc": "old Word .doc files cannot be read; save the file as .docx",
    ".rtf": "RTF files cannot be read; save the file as .docx or .txt",
    ".odt": "OpenDocument files cannot be read; save the file as .docx or .txt",
    ".pdf": "PDF files cannot be read; export the transcript as .docx or .txt",
    ".xlsx": "Excel files cannot be read; save the sheet as .csv",
    ".xls": "Excel files cannot be read; save the sheet as .csv",
}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", ".pdf"),
    (b"{\\rtf", ".rtf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".doc"),
)


_VTT_HEADER_RE = re.compile(r"WEBVTT(?:[ \t].*)?")
_SRT_TIMING_RE = re.compile(rf"{CLOCK_PATTERN}[ \t]+-->[ \t]+{CLOCK_PATTERN}")


def _head_text(data: bytes) -> str:
    """The start of ``data`` decoded leniently, for sniffing only."""
    head = data[:16384]
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore")
    return head.decode("utf-8", errors="ignore").replace("\r\n", "\n").replace("\r", "\n")


def _content_format(data: bytes) -> str | None:
    """Format recognised from the content alone, or None."""
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    text = _head_text(data)
    if "\x00" in text:
        return None
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return None
    if _VTT_HEADER_RE.fullmatch(lines[0]):
        return "vtt"
    if _SRT_TIMING_RE.match(lines[0]) or (
        len(lines) > 1 and lines[0].isdigit() and _SRT_TIMING_RE.match(lines[1])
    ):
        return "srt"
    header = {
        "_".join(cell.strip().strip('"').casefold().split())
        for cell in lines[0].split(sniff_delimiter(lines[0]))
    }
    if all(header & set(COLUMN_ALIASES[field]) for field in ("speaker", "text")):
        return "csv"
    if any(looks_like_turn_line(line) for line in lines[:200]):
        return "text"
    return None


def sniff_format(name: str, data: bytes) -> str:
    """``"text"``, ``"vtt"``, ``"srt"``, ``"docx"`` or ``"csv"`` from the file name and content.

    A supported extension decides (a ``.txt`` that holds WebVTT or SubRip is read as such);
    otherwise the content does. Raises :class:`ImportFormatError` for a known unsupported
    format (.doc, .pdf, ...) or content that is not recognised.
    """
    return _sniff(name, data, source=name)


def _sniff(name: str, data: bytes, *, source: str) -> str:
    suffix = Path(name).suffix.casefold()
    for magic, kind in _MAGIC:
        if data.startswith(magic) and suffix != ".txt":
            suffix = kind
    if suffix in _REFUSED:
        raise ImportFormatError(_REFUSED[suffix], source=source)
    fmt = _FORMAT_OF_EXTENSION.get(suffix)
    if fmt == "text":
        return c if (c := _content_format(data)) in ("vtt", "srt") else fmt
    if fmt is not None:
        return fmt
    found = _content_format(data)
    if found is None:
        raise ImportFormatError(
            "unrecognised transcript format (supported: " + ", ".join(SUPPORTED_EXTENSIONS) + ")",
            source=source,
        )
    return found


def parse_bytes(
    data: bytes,
    *,
    name: str,
    speaker_map: Mapping[str, SpeakerRole] | None = None,
    source: str | None = None,
) -> ParsedTranscript:
    """Parse a transcript file's bytes; ``name`` is the file name (sets the format and
    ``source_name``), ``source`` what error messages call the file (default ``name``)."""
    where = source or name
    if len(data) > MAX_FILE_BYTES:
        raise ImportFormatError(_too_big(len(data)), source=where)
    if not data.strip():
        raise ImportFormatError("the file is empty", source=where)
    fmt = _sniff(name, data, source=where)
    resolver = SpeakerResolver(speaker_map)
    preamble = ""
    speakers: list[str] = []
    if fmt == "docx":
        document = docx_text(data, source=where, resolver=resolver)
        text, warnings, speakers = document.text, document.warnings, document.speakers
    else:
        decoded = decode(data, source=where)
        text, warnings = decoded.text, decoded.warnings
    if not text.strip():
        raise ImportFormatError("the file is empty", source=where)
    if fmt in ("text", "docx"):
        segments, preamble = text_segments(
            text, source=where, resolver=resolver, speakers=speakers, line_numbers=fmt == "text"
        )
    elif fmt == "vtt":
        segments = build_segments(
            vtt_turns(text, source=where, resolver=resolver), resolver, source=where
        )
    elif fmt == "srt":
        segments = build_segments(
            srt_turns(text, source=where, resolver=resolver), resolver, source=where
        )
    else:
        segments, unread = csv_segments(text, source=where, resolver=resolver)
        warnings = [*warnings, *unread]
    return ParsedTranscript(
        source_name=name,
        format=fmt,
        segments=tuple(segments),
        content_hash=content_hash(data),
        preamble=preamble,
        warnings=tuple(warnings),
    )


def _too_big(size: int) -> str:
    return (
        f"the file is too large ({size / 2**20:.1f} MB; transcripts up to "
        f"{MAX_FILE_BYTES // 2**20} MB are read)"
    )


def read_transcript(
    path: Path | str, *, speaker_map: Mapping[str, SpeakerRole] | None = None
) -> ParsedTranscript:
    """Read and parse one transcript file (format from extension and content).

    The bytes are read once; ``content_hash`` is their SHA-256, ``source_name`` the file name.
    Raises :class:`ImportFormatError` for an unreadable, oversized or malformed file and
    :class:`~socialcoder.errors.UnknownSpeakersError` for labels without a role.
    """
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFormatError(_too_big(size), source=source)
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(
            f"cannot read the file ({exc.strerror or type(exc).__name__})", source=source
        ) from None
    return parse_bytes(data, name=path.name, speaker_map=speaker_map, source=source)
