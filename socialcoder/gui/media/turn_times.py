"""Where the turns read so far lie in the recording: the turn under the playhead (follow mode)
and where an untimed turn's playback ends (the next timed turn's start)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from socialcoder.services.transcript_view import SegmentView


class TurnTimes:
    """The timed turns' starts in order, with their rows in the transcript list."""

    def __init__(self, segments: Sequence[SegmentView]) -> None:
        timed = sorted((s.start, row) for row, s in enumerate(segments) if s.start is not None)
        self.starts = [t for t, _ in timed]
        self.rows = [r for _, r in timed]

    def row_at(self, seconds: float) -> int | None:
        """The row of the last turn starting at or before ``seconds``; None before the first."""
        i = bisect.bisect_right(self.starts, seconds + 1e-6) - 1
        return None if i < 0 else self.rows[i]


def next_start(segments: Sequence[SegmentView], row: int) -> float | None:
    """The start of the first timed turn after ``row``, or None."""
    later = [s.start for s in segments[row + 1 :] if s.start is not None]
    return later[0] if later else None
