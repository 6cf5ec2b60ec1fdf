"""Segment times: measured ones, and estimates between them.

A turn's start is *measured* when it came with the transcript (subtitles, timed text) or when
someone listening stamped it; otherwise it may be *estimated*: spread between the measured
starts around it in proportion to the length of the turns' text (longer turns take longer to
say). An estimate is always marked as one and is never shown or exported as measured.

Rules of :func:`estimate_times`:
* nothing is estimated until at least one start is measured (no times are invented from the
  recording's length alone);
* turns before the first measured start are spread from ``origin`` (the start of the recording
  or of the excerpt coded) to it; turns after the last one up to ``end`` when known;
* a turn's end is the next turn's start (estimated when that start is), the last turn's end
  is ``end``; an end that was measured stays.

Times are seconds from the start of the recording.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TurnTime:
    """One turn's times as stored: a value with whether it is an estimate."""

    start: float | None
    end: float | None
    start_estimated: bool = False
    end_estimated: bool = False


def _weights(texts: Sequence[str]) -> list[float]:
    """Relative speaking time of each turn: its characters, plus a little for any turn."""
    return [float(len(t.strip())) + 8.0 for t in texts]


def _fill(
    starts: list[float | None],
    estimated: list[bool],
    weights: Sequence[float],
    span: tuple[int, int],
    times: tuple[float, float],
    from_k: int,
) -> None:
    """Turns span[0]..span[1]-1 take times[0]..times[1]; set the starts of from_k..span[1]-1."""
    first, stop = span
    t0, t1 = times
    total = sum(weights[first:stop])
    acc = sum(weights[first:from_k])
    for k in range(from_k, stop):
        # rounded to the millisecond, but never out of the gap (1.6875 would round past itself)
        starts[k] = min(max(round(t0 + (t1 - t0) * acc / total, 3), t0), t1)
        estimated[k] = True
        acc += weights[k]


def estimate_times(
    measured_starts: Sequence[float | None],
    measured_ends: Sequence[float | None],
    texts: Sequence[str],
    *,
    origin: float = 0.0,
    end: float | None = None,
) -> list[TurnTime]:
    """Times for every turn from the measured ones (see the module doc). Measured starts must
    not decrease along the transcript (:func:`order_problem` says which one breaks that)."""
    n = len(texts)
    starts: list[float | None] = list(measured_starts)
    estimated = [False] * n
    known = {i: float(s) for i, s in enumerate(measured_starts) if s is not None}
    anchors = list(known)
    if anchors:
        weights = _weights(texts)
        first, last = anchors[0], anchors[-1]
        t_first = known[first]
        if first > 0:
            _fill(starts, estimated, weights, (0, first), (min(origin, t_first), t_first), 0)
        for a, b in itertools.pairwise(anchors):
            if b > a + 1:
                times = (known[a], known[b])
                _fill(starts, estimated, weights, (a, b), times, a + 1)
        t_last = known[last]
        if last < n - 1 and end is not None and end > t_last:
            _fill(starts, estimated, weights, (last, n), (t_last, end), last + 1)
    out = []
    for i in range(n):
        e: float | None
        start = starts[i]
        if measured_ends[i] is not None:
            e, e_est = measured_ends[i], False
        elif i + 1 < n and starts[i + 1] is not None:
            e, e_est = starts[i + 1], estimated[i + 1]
        elif i == n - 1 and end is not None and start is not None and end >= start:
            e, e_est = end, True
        else:
            e, e_est = None, False
        out.append(TurnTime(start, e, estimated[i], e_est))
    return out


def order_problem(measured_starts: Sequence[float | None]) -> tuple[int, int] | None:
    """(earlier turn, later turn), 0-based, of the first measured start that is before an
    earlier turn's measured start; None when they are in order."""
    best: tuple[int, float] | None = None
    for i, s in enumerate(measured_starts):
        if s is None:
            continue
        if best is not None and s < best[1]:
            return best[0], i
        if best is None or s >= best[1]:
            best = (i, s)
    return None


# -- clock times and excerpts -----------------------------------------------------------------
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
_LENGTH = re.compile(r"^(\d+(?:\.\d+)?)\s*(h|m|min|s|sec)?$", re.IGNORECASE)


def parse_clock(text: str) -> float:
    """``MM:SS``, ``HH:MM:SS`` (seconds may have decimals) or plain seconds -> seconds;
    ValueError with the reason otherwise."""
    raw = text.strip()
    match = _CLOCK.match(raw)
    if match:
        hours, minutes, seconds = match.groups()
        if float(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            raise ValueError(f"{text!r} is not a time (MM:SS or HH:MM:SS)")
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{text!r} is not a time (MM:SS, HH:MM:SS or seconds)") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{text!r} is not a time (MM:SS, HH:MM:SS or seconds)")
    return value


def parse_length(text: str) -> float:
    """``20m``, ``90s``, ``1h``, ``1.5h`` or a clock time (``20:00``) -> seconds (> 0)."""
    match = _LENGTH.match(text.strip())
    if match:
        number, unit = float(match.group(1)), (match.group(2) or "s").lower()
        seconds = number * {"h": 3600, "m": 60, "min": 60, "s": 1, "sec": 1}[unit]
    else:
        try:
            seconds = parse_clock(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a length (e.g. 20m, 90s, 1h or 20:00)") from None
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a length above zero")
    return seconds


def random_excerpt(duration: float, length: float, seed: int) -> tuple[float, float]:
    """(start, end) of an excerpt of ``length`` seconds placed uniformly at random within a
    recording of ``duration`` seconds, reproducibly from ``seed`` (milliseconds)."""
    if length > duration:
        raise ValueError(
            f"the excerpt ({format_clock(length)}) is longer than the recording "
            f"({format_clock(duration)})"
        )
    start = round(random.Random(seed).uniform(0.0, duration - length), 3)
    return start, round(start + length, 3)


def format_clock(seconds: float | None) -> str:
    """``M:SS`` (``H:MM:SS`` from an hour) with tenths dropped; '' for None."""
    if seconds is None:
        return ""
    whole = int(seconds)
    h, m, s = whole // 3600, whole % 3600 // 60, whole % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
