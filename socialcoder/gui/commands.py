"""Undoable coding actions: each QUndoCommand wraps one service call and its Change.

The action is performed *before* the command is pushed (so a refusal raises and nothing is
pushed); the first ``redo()`` that QUndoStack.push makes is therefore skipped. ``undo()``
puts the old state back with the same services (:func:`apply_changes`: all the changes of
one step in one transaction), ``redo()`` the new.
After each, ``on_applied(change)`` tells the window which row to repaint.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from socialcoder.domain.states import EditKind
from socialcoder.services.coding import Change
from socialcoder.services.study import Study
from socialcoder.services.undo import apply_changes

Applied = Callable[[Change], None]


def describe(change: Change) -> str:
    """Undo-menu text, e.g. "set resistance = mild on segment 12"."""
    where = f" on segment {change.segment}" if change.segment is not None else ""
    if change.kind == EditKind.COMPLETION:
        return "mark complete" if change.new_value == "1" else "reopen transcript"
    if change.kind == EditKind.MEMO:
        return f"edit memo{where}"
    if change.new_value is None:
        return f"clear {change.dimension}{where}"
    return f"set {change.dimension} = {change.new_value}{where}"


class ChangeCommand(QUndoCommand):
    """One or more stored actions as one undo step; ``done`` are the Changes their service
    calls returned, in the order they were made (undo walks them backwards)."""

    def __init__(
        self,
        study: Study,
        done: Change | list[Change],
        on_applied: Applied,
        text: str | None = None,
    ) -> None:
        changes = [done] if isinstance(done, Change) else list(done)
        super().__init__(text or describe(changes[0]))
        self._study = study
        self._changes = changes
        self._on_applied = on_applied
        self._first = True

    @property
    def changes(self) -> list[Change]:
        return list(self._changes)

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        for change in apply_changes(self._study, self._changes, undo=False):
            self._on_applied(change)

    def undo(self) -> None:
        for change in apply_changes(self._study, self._changes, undo=True):
            self._on_applied(change)
