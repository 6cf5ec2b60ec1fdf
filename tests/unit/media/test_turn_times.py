"""Where the turns lie in a recording (gui/media/turn_times.py, no Qt): the turn under the
playhead in follow mode, and where an untimed turn's playback ends."""

from __future__ import annotations

from socialcoder.gui.media.turn_times import TurnTimes, next_start
from socialcoder.services.transcript_view import SegmentView


def _turns(*starts: float | None) -> list[SegmentView]:
    return [
        SegmentView(id=i, index=i + 1, role="patient", label="P", start=s, end=None, text="")
        for i, s in enumerate(starts)
    ]


def test_the_turn_under_the_playhead_is_the_last_one_started() -> None:
    times = TurnTimes(_turns(0.0, None, 5.0, 12.5))
    assert times.row_at(-1.0) is None  # before the first timed turn
    assert times.row_at(0.0) == 0
    assert times.row_at(4.99) == 0  # an untimed turn is never under the playhead
    assert times.row_at(5.0) == 2
    assert times.row_at(100.0) == 3


def test_turns_timed_out_of_order_are_found_by_time() -> None:
    times = TurnTimes(_turns(10.0, 2.0))
    assert times.row_at(3.0) == 1
    assert times.row_at(10.0) == 0


def test_an_untimed_turn_plays_until_the_next_timed_start() -> None:
    turns = _turns(1.0, None, None, 9.0)
    assert next_start(turns, 1) == 9.0
    assert next_start(turns, 3) is None
    assert TurnTimes([]).row_at(1.0) is None
