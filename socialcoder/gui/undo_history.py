"""The one place where an undo step meets the study's refusal, for every window:
:class:`StudyStep`, the base of each QUndoCommand that runs study services (the coder's codes,
memos, completions and media stamps, gui/commands.py and gui/media/commands.py; the lead's
assignments and consensus decisions, gui/session.py), and :class:`StudyUndoStack`, the stack
both windows keep them on.

Each step is an action already done when it is pushed: the first ``redo()``, which
``QUndoStack.push`` makes, is skipped; later ones make it again (:meth:`StudyStep.apply`).

Undoing or redoing a step may be refused: the study changed elsewhere since the step was made
(the transcript withdrawn, the assignment removed, the transcript completed by another
process, the codebook changed), or the study file became read-only, moved or unreadable.
Qt's stack cannot be told that an undo failed (it moves a step all the same), and an exception
must not escape from Qt's call (it would be an uncaught error, and the stack out of step with
the study). So the step catches the refusal itself, and the stack then clears its whole
history, at once: what is stored stays as it is, and no later Ctrl+Z writes what the steps
around the refused one assumed about a study that has changed. The window's status line says
why, in its own words (:func:`~socialcoder.gui.errors.describe`), e.g. "Not undone: no
transcript named 'P01_session02' in this study; the undo history was cleared (the study
changed since)."
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from socialcoder.errors import UserError
from socialcoder.gui.errors import describe

log = logging.getLogger(__name__)

CLEARED = "the undo history was cleared (the study changed since)"


def refusal_text(error: BaseException, *, undo: bool) -> str:
    """The status line for a refused undo (or redo): the refusal in the window's words; an
    error the services do not word (a database error) by its first line."""
    if isinstance(error, UserError):
        reason = describe(error)
    else:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        reason = f"the study could not be written ({first})"
    return f"Not {'undone' if undo else 'redone'}: {reason}; {CLEARED}."


class StudyStep(QUndoCommand):
    """One undo step: an action done through the services, which :meth:`apply` takes back
    (``undo=True``) or makes again. Subclasses implement :meth:`apply`; a refusal it raises
    never leaves this class (see the module docs)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._first = True
        self.history: StudyUndoStack | None = None  # set when pushed

    def apply(self, *, undo: bool) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._first:  # QUndoStack.push: the action is done already
            self._first = False
            return
        self._guarded(undo=False)

    def undo(self) -> None:
        self._guarded(undo=True)

    def _guarded(self, *, undo: bool) -> None:
        try:
            self.apply(undo=undo)
        except Exception as exc:  # nothing may escape into Qt's call
            if not isinstance(exc, UserError):
                log.error("undo step %r refused", self.text(), exc_info=exc)
            if self.history is not None:
                self.history.refuse(refusal_text(exc, undo=undo))


class StudyUndoStack(QUndoStack):
    """An undo stack of :class:`StudyStep` (the coder's controller's, the lead's session's):
    after a step is refused, the stack clears its history and emits :attr:`refused` with the
    status line."""

    #: the status line of a refused undo or redo (the history is cleared)
    refused = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._refusal: str | None = None
        # Qt moves the index after the step's undo()/redo() returns, refused or not: the
        # first listener clears the history then, before anyone can undo again
        self.indexChanged.connect(self._settle)

    def push(self, cmd: QUndoCommand) -> None:
        if isinstance(cmd, StudyStep):
            cmd.history = self
        super().push(cmd)

    def refuse(self, text: str) -> None:
        """Called by a step whose undo or redo was refused: clear the history when Qt has
        moved the index (never while the step runs: clearing deletes it)."""
        self._refusal = text

    def _settle(self, _index: int) -> None:
        if self._refusal is None:
            return
        text, self._refusal = self._refusal, None
        self.clear()
        self.refused.emit(text)
