"""Timestamps in transcripts: ``hh:mm:ss``, ``mm:ss``, optional fraction, or plain seconds.

All functions return seconds as ``float`` and raise :class:`ValueError` with a short reason; the
format parsers turn that into an :class:`~socialcoder.errors.ImportFormatError` naming the file
and line or row.
"""

from __future__ import annotations

import re

#: A clock time as it appears inside a line (for building larger regular expressions).
CLOCK_PATTERN = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d+)?"
#: The same with four groups: hours (or None), minutes, seconds, fraction digits (or None);
#: see :func:`clock_seconds`.
CLOCK_GROUPS_PATTERN = r"(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d+))?"
_CLOCK_RE = re.compile(CLOCK_GROUPS_PATTERN)
_SECONDS_RE = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def clock_seconds(hours: str | None, minutes: str, seconds: str, fraction: str | None) -> float:
    """Seconds from the groups of :data:`CLOCK_GROUPS_PATTERN`; ValueError for 60+ seconds
    (or 60+ minutes when hours are given)."""
    secs = int(seconds)
    mins = int(minutes)
    if secs >= 60 or (hours is not None and mins >= 60):
        shown = ":".join(p for p in (hours, minutes, seconds) if p is not None)
        raise ValueError(f"unparseable time {shown!r} (minutes and seconds must be < 60)")
    total = secs + 60 * mins
    if hours is not None:
        total += 3600 * int(hours)
    if fraction:
        return float(f"{total}.{fraction}")  # exact decimal, correctly rounded
    return float(total)


def parse_clock(text: str) -> float:
    """Seconds of ``hh:mm:ss[.fff]`` or ``mm:ss[.fff]`` (comma also accepted as decimal mark).

    Without hours the minutes may exceed 59 (``75:30`` is 75 minutes 30 seconds); with hours
    minutes and seconds must be below 60. Raises :class:`ValueError` otherwise.
    """
    m = _CLOCK_RE.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"unparseable time {text.strip()!r} (expected hh:mm:ss or mm:ss)")
    return clock_seconds(*m.groups())


def parse_time(text: str) -> float:
    """Seconds of a clock time (see :func:`parse_clock`) or of a plain number of seconds."""
    if ":" in text:
        return parse_clock(text)
    stripped = text.strip()
    if _SECONDS_RE.fullmatch(stripped) is None:
        raise ValueError(f"unparseable time {stripped!r} (expected seconds, hh:mm:ss or mm:ss)")
    return float(stripped)


def format_clock(seconds: float) -> str:
    """``hh:mm:ss`` with milliseconds when not whole (used by tests and messages)."""
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    if millis == 1000:
        whole, millis = whole + 1, 0
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    base = f"{h:02d}:{m:02d}:{s:02d}"
    return f"{base}.{millis:03d}" if millis else base
