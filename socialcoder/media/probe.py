"""What a media file is: audio or video, its container format, size and duration.

Durations come from the container's own header, read without decoding: mutagen (pure Python)
for WAV, MP3, MP4/M4A/AAC, Ogg (Vorbis, Opus, FLAC) and FLAC; a small EBML reader here for
Matroska/WebM (mutagen does not read them). A file whose header gives no duration is still a
recording: ``duration`` is then None and the window fills it in from what the player reports.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from socialcoder.errors import UserError

#: file extension -> kind ("audio" or "video"); the formats QtMultimedia's FFmpeg backend plays
MEDIA_KINDS: dict[str, str] = {
    "wav": "audio",
    "mp3": "audio",
    "m4a": "audio",
    "aac": "audio",
    "ogg": "audio",
    "oga": "audio",
    "opus": "audio",
    "flac": "audio",
    "mp4": "video",
    "m4v": "video",
    "mov": "video",
    "mkv": "video",
    "webm": "video",
}


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """A recording as found on disk. ``duration`` in seconds, None when unknown."""

    kind: str
    format: str
    size: int
    duration: float | None


def media_format(path: Path) -> tuple[str, str]:
    """(format, kind) from the file name, or a UserError naming the formats accepted."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in MEDIA_KINDS:
        known = ", ".join(sorted(MEDIA_KINDS))
        raise UserError(
            f"{path.name!r} is not a recording SocialCoder can play (use one of: {known})",
            source=str(path),
        )
    return fmt, MEDIA_KINDS[fmt]


def probe(path: Path) -> MediaInfo:
    """Kind, format, size and duration of ``path``; a UserError when it is not a readable
    media file of a known format."""
    fmt, kind = media_format(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UserError("is not a file", source=str(path))
    except FileNotFoundError:
        raise UserError("no such recording", source=str(path)) from None
    except OSError as exc:
        raise UserError(f"cannot read the recording: {exc.strerror}", source=str(path)) from None
    if size == 0:
        raise UserError("the recording is empty (0 bytes)", source=str(path))
    try:
        with path.open("rb") as fh:
            if fmt in ("mkv", "webm"):
                if not _is_ebml(fh):
                    raise UserError(f"is not a {fmt} file", source=str(path))
                duration = matroska_duration(fh)
            else:
                duration = _mutagen_duration(fh)
    except OSError as exc:
        raise UserError(f"cannot read the recording: {exc.strerror}", source=str(path)) from None
    return MediaInfo(kind=kind, format=fmt, size=size, duration=duration)


def _mutagen_duration(fh: BinaryIO) -> float | None:
    import mutagen

    try:
        found = mutagen.File(fh)
    except mutagen.MutagenError:
        return None
    length = getattr(getattr(found, "info", None), "length", None)
    return float(length) if length and length > 0 else None


# -- Matroska / WebM ---------------------------------------------------------------------------
_EBML = 0x1A45DFA3
_SEGMENT = 0x18538067
_INFO = 0x1549A966
_TIMECODE_SCALE = 0x2AD7B1
_DURATION = 0x4489
_UNKNOWN_SIZES = {(1 << (7 * n)) - 1 for n in range(1, 9)}


def _is_ebml(fh: BinaryIO) -> bool:
    fh.seek(0)
    return fh.read(4) == _EBML.to_bytes(4, "big")


def _vint(fh: BinaryIO, *, keep_marker: bool) -> int | None:
    first = fh.read(1)
    if not first:
        return None
    byte = first[0]
    length = 1
    while length <= 8 and not byte & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        return None
    value = byte if keep_marker else byte & (0xFF >> length)
    rest = fh.read(length - 1)
    if len(rest) != length - 1:
        return None
    for b in rest:
        value = (value << 8) | b
    return value


def _element(fh: BinaryIO) -> tuple[int, int, int] | None:
    """(id, size, start of data) of the element at the file position; size -1 if unknown."""
    ident = _vint(fh, keep_marker=True)
    size = _vint(fh, keep_marker=False)
    if ident is None or size is None:
        return None
    return ident, (-1 if size in _UNKNOWN_SIZES else size), fh.tell()


def matroska_duration(fh: BinaryIO) -> float | None:
    """Segment > Info > Duration (in TimecodeScale units, default 1 ms) of a Matroska/WebM
    file, or None when the file does not say (e.g. a live recording never finalised)."""
    if not _is_ebml(fh):
        return None
    fh.seek(0)
    header = _element(fh)
    if header is None or header[1] < 0:
        return None
    fh.seek(header[2] + header[1])
    segment = _element(fh)
    if segment is None or segment[0] != _SEGMENT:
        return None
    end = segment[2] + segment[1] if segment[1] >= 0 else None
    for _ in range(64):  # Info comes among the first top-level elements
        child = _element(fh)
        if child is None or (end is not None and child[2] > end):
            return None
        ident, size, start = child
        if ident == _INFO and size >= 0:
            return _info_duration(fh, start, start + size)
        if size < 0:
            return None
        fh.seek(start + size)
    return None


def _info_duration(fh: BinaryIO, start: int, end: int) -> float | None:
    scale = 1_000_000
    duration = None
    fh.seek(start)
    while fh.tell() < end:
        child = _element(fh)
        if child is None or child[1] < 0:
            break
        ident, size, data_at = child
        data = fh.read(size)
        if ident == _TIMECODE_SCALE and 0 < size <= 8:
            scale = int.from_bytes(data, "big")
        elif ident == _DURATION and size in (4, 8):
            duration = struct.unpack(">f" if size == 4 else ">d", data)[0]
        fh.seek(data_at + size)
    if duration is None or duration <= 0 or scale <= 0:
        return None
    return duration * scale / 1e9
