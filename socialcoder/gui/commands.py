"""Undoable coding actions: each :class:`ChangeCommand` (a
:class:`~socialcoder.gui.undo_history.StudyStep`) wraps one service call and its Change.

The action is performed *before* the command is pushed (so a refusal raises and nothing is
pushed); the first ``redo()`` that QUndoStack.push makes is therefore skipped. ``undo()``
puts the old state back with the same services (:func:`apply_changes`: all the changes of
one step in one transaction), ``redo()`` the new; a refusal of either is handled where every
window's is (gui/undo_history.py: the history is cleared, the status line says why).
After each, ``on_applied(change)`` tells the window which row to repaint.

A step made under one codebook may be undone or redone under the next (a codebook updated
elsewhere): :func:`outdated` names the dimensions whose steps would write what the new
codebook no longer allows, so that the window can clear its stack instead (undoing them would
be refused by the service and leave the stack out of step with the study).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoStack

from socialcoder.domain.codebook import Codebook
from socialcoder.domain.states import EditKind
from socialcoder.gui.undo_history import StudyStep
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


class ChangeCommand(StudyStep):
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

    @property
    def changes(self) -> list[Change]:
        return list(self._changes)

    def apply(self, *, undo: bool) -> None:
        for change in apply_changes(self._study, self._changes, undo=undo):
            self._on_applied(change)


def still_writable(change: Change, old: Codebook, new: Codebook) -> bool:
    """True when undoing and redoing ``change`` (made under ``old``) writes only what ``new``
    allows: its dimension is still there, of the same unit, applying to at least the same
    roles, and its value before and after are still values of it, as they are (a memo or a
    completion names no dimension)."""
    key = change.dimension
    if change.kind != EditKind.CODE or key is None:
        return True
    if not (new.has(key) and old.has(key)):
        return False
    before, after = old.dimension(key), new.dimension(key)
    if after.unit is not before.unit or not before.applies_to <= after.applies_to:
        return False
    for value in (change.old_value, change.new_value):
        try:
            if value is not None and after.parse_value(value) != value:
                return False
        except ValueError:
            return False
    return True


def outdated(stack: QUndoStack, old: Codebook, new: Codebook) -> list[str]:
    """The dimensions (sorted) named by steps of ``stack``, done or undone, that
    :func:`still_writable` refuses under ``new``."""
    keys: set[str] = set()
    for i in range(stack.count()):
        command = stack.command(i)
        if isinstance(command, ChangeCommand):
            keys.update(
                c.dimension or "" for c in command.changes if not still_writable(c, old, new)
            )
    return sorted(keys)
