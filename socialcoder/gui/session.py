"""One change pipeline for a window's study: :class:`StudySession`.

The lead's views run their actions through it; the coder's window listens to it for changes
made elsewhere (:func:`~socialcoder.gui.watch.watch_coder_window`). :meth:`StudySession.run` applies a service
call and emits :attr:`StudySession.changed` with the
:class:`~socialcoder.services.study_change.StudyChange` the call made; a change made elsewhere
(the command line, another window), noticed by its
:class:`~socialcoder.gui.watch.StudyWatcher` from the audit log, arrives through the same
signal. Each view reads again only when the change concerns what it shows
(:meth:`StudyChange.concerns`). After its own action the session asks the watcher at once, so
that the action's own audit entries are not reported a second time as news from elsewhere;
what the watcher found beyond them is sent with the action's change. Only a change from
elsewhere alone (origin None) may be shown a moment later (the progress grid reads it in a
worker thread); an action's result is shown before :meth:`StudySession.run` returns.

The lead's undo stack is the session's (:attr:`StudySession.undo_stack`): a view that has
made a change pushes it with :meth:`StudySession.push`, as the change made and the service
calls that take it back and make it again (:class:`SessionCommand`). Undo and redo run those
calls through :meth:`StudySession.run`, so that the change they make reaches every view
concerned through :attr:`StudySession.changed` (origin: the session), as any other change does;
no view refreshes itself. An undo or redo the study refuses (changed elsewhere since) clears
the history and says why on the status line, as in the coder's window (gui/undo_history.py). (The coding window keeps its own stack, in its controller; its
session makes none: the stack is made when first asked for.)
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from socialcoder.errors import UserError
from socialcoder.gui.undo_history import StudyStep, StudyUndoStack
from socialcoder.gui.watch import StudyWatcher
from socialcoder.services.study import Study
from socialcoder.services.study_change import ChangeKind, StudyChange

T = TypeVar("T")

#: the ``origin`` of a change made elsewhere
ELSEWHERE = None

#: a service call that takes back or makes again a change, and returns the change it made
Replay = Callable[[], StudyChange]


class SessionCommand(StudyStep):
    """One action already done (``change``), as one step of the session's undo stack:
    undoing it runs ``undo``, redoing it ``redo`` (the service calls that take it back and
    make it again) through the session, which tells the views what they changed. The first
    redo, which :meth:`QUndoStack.push` makes, is skipped: the action is done. A refusal is
    handled where every window's is (gui/undo_history.py: the history is cleared, the status
    line says why). ``select`` (optional) is called after each, the views refreshed, to bring
    the user back to what was undone or redone (a view's selection, not its data)."""

    def __init__(
        self,
        session: StudySession,
        text: str,
        change: StudyChange,
        undo: Replay,
        redo: Replay,
        select: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(text)
        self.session, self.change = session, change
        self._undo, self._redo, self._select = undo, redo, select

    def apply(self, *, undo: bool) -> None:
        self.session.run(self._undo if undo else self._redo, lambda change: change)
        if self._select is not None:
            self._select()
        self.session.statusMessage.emit(f"{'Undone' if undo else 'Redone'}: {self.text()}.")


class StudySession(QObject):
    """The study a window shows, its watcher, and the one signal its views listen to."""

    #: (StudyChange, origin): origin is the object that acted (a view, which has shown its
    #: own change already), or None for a change made elsewhere
    changed = Signal(object, object)
    #: a line for the status bar (what an undo or redo did)
    statusMessage = Signal(str)

    def __init__(
        self, study: Study, parent: QObject | None = None, coder: str | None = None
    ) -> None:
        """``coder``: a coder's window, which is told only of her own work, the codebook,
        the transcripts she sees and her assignments (:func:`~socialcoder.services.changes.coder_state`)."""
        super().__init__(parent)
        self.study = study
        self._undo_stack: StudyUndoStack | None = None
        self.watcher = StudyWatcher(study, coder, self)
        self.watcher.studyChanged.connect(
            lambda change: self.changed.emit(self._taken(change), ELSEWHERE)
        )

    @property
    def undo_stack(self) -> StudyUndoStack:
        """The lead's undo stack (see :meth:`push`), made when first asked for: a coder's
        window, whose undo stack is its controller's, never asks and has none here."""
        if self._undo_stack is None:
            self._undo_stack = StudyUndoStack(self)
            self._undo_stack.refused.connect(self.statusMessage.emit)
        return self._undo_stack

    def _taken(self, change: StudyChange) -> StudyChange:
        """``change`` (found by the watcher), once the study holds what it needs to show it: a
        new codebook version stored elsewhere becomes the study's codebook, which every view
        reads (``study.codebook``)."""
        if ChangeKind.CODEBOOK in change.kinds:
            with suppress(UserError):  # out of reach just now: views keep the codebook shown
                self.study.reload_codebook()
        return change

    def run(
        self,
        action: Callable[[], T],
        change: StudyChange | Callable[[T], StudyChange],
        origin: object = None,
    ) -> T:
        """Apply ``action`` (a service call; its errors pass through, nothing is emitted) and
        emit the change it made: ``change`` or ``change(result)``."""
        result = action()
        self.report(change(result) if callable(change) else change, origin)
        return result

    def report(self, own: StudyChange, origin: object = None) -> None:
        """Emit ``own`` (a change just made by ``origin``) with anything else the watcher finds
        now; when that is more than ``own``, with this session as the origin (every view
        concerned reads again, ``origin`` too, and at once: the action's result is shown
        before the call returns)."""
        try:
            found = self._taken(self.watcher.take())
        except UserError:
            found = StudyChange()
        self.watcher.defer()
        if own.covers(found):
            if own:
                self.changed.emit(own, self if origin is None else origin)
        else:
            self.changed.emit(own | found, self)

    def push(
        self,
        text: str,
        change: StudyChange,
        undo: Replay,
        redo: Replay,
        select: Callable[[], None] | None = None,
    ) -> None:
        """Make ``change`` (an action done and reported) one undo step named ``text`` (nothing
        when it changed nothing); see :class:`SessionCommand`."""
        if change:
            self.undo_stack.push(SessionCommand(self, text, change, undo, redo, select))

    def check(self) -> bool:
        """Look for changes made elsewhere now (emitted as :attr:`changed`); True if any."""
        return self.watcher.check()

    def close(self) -> None:
        self.watcher.close()
