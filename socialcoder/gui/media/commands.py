"""Undoable player actions on the coding undo stack (so Ctrl+Z undoes whatever came last):
a stamped start and a turn opened while listening. Performed before being pushed (a refusal
raises and nothing is pushed), like :class:`socialcoder.gui.commands.ChangeCommand`; a refused
undo or redo is handled in gui/undo_history.py, as every step's."""

from __future__ import annotations

from collections.abc import Callable

from socialcoder.domain.timing import format_clock
from socialcoder.gui.undo_history import StudyStep
from socialcoder.services.media_timing import (
    TimeChange,
    TurnChange,
    open_turn,
    remove_turn,
    stamp_start,
)
from socialcoder.services.study import Study

Refresh = Callable[[str, int | None], None]
"""refresh(transcript, segment to select or None)"""


class StampCommand(StudyStep):
    def __init__(self, study: Study, change: TimeChange, refresh: Refresh) -> None:
        super().__init__(f"stamp turn {change.segment} at {format_clock(change.new_start)}")
        self.study, self.change, self.refresh = study, change, refresh

    def _set(self, seconds: float | None) -> None:
        c = self.change
        stamp_start(
            self.study, coder=c.coder, transcript=c.transcript, segment=c.segment, seconds=seconds
        )
        self.refresh(c.transcript, None)

    def apply(self, *, undo: bool) -> None:
        self._set(self.change.undo_value if undo else self.change.new_start)


class TurnCommand(StudyStep):
    def __init__(self, study: Study, change: TurnChange, refresh: Refresh) -> None:
        super().__init__(f"open a {change.role} turn at {format_clock(change.start)}")
        self.study, self.change, self.refresh = study, change, refresh

    def apply(self, *, undo: bool) -> None:
        c = self.change
        if undo:
            remove_turn(self.study, coder=c.coder, transcript=c.transcript, segment=c.segment)
            self.refresh(c.transcript, c.segment - 1 if c.segment > 1 else None)
        else:
            open_turn(self.study, coder=c.coder, transcript=c.transcript, role=c.role, at=c.start)
            self.refresh(c.transcript, c.segment)
