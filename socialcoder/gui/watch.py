"""Noticing changes made elsewhere: one :class:`StudyWatcher` per open study view.

It asks :class:`~socialcoder.services.changes.StudyWatch` (a cheap check, see there) when its
window becomes active and on a slow idle timer, and emits :attr:`StudyWatcher.changed` only
when something may have changed, and :attr:`StudyWatcher.studyChanged` with what (a
:class:`~socialcoder.services.study_change.StudyChange`). Both windows listen through a
:class:`~socialcoder.gui.session.StudySession` (the coder's: :mod:`socialcoder.gui.coder_session`);
the coder's window shows her work changed elsewhere with :func:`show_changed_elsewhere`, through
the same :class:`~socialcoder.services.coding.Change` path as her own actions. The window's own
actions call :meth:`StudyWatcher.defer`, so that a coder at work is not interrupted by checks:
they run once she pauses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow

from socialcoder.errors import UserError
from socialcoder.gui.errors import describe
from socialcoder.services.changes import StudyWatch
from socialcoder.services.study import Study
from socialcoder.services.study_change import StudyChange
from socialcoder.services.transcript_list import list_transcripts

if TYPE_CHECKING:
    from socialcoder.gui.controller import CodingController
    from socialcoder.gui.panels import TranscriptsPanel

IDLE_MS = 3000


class StudyWatcher(QObject):
    changed = Signal()
    studyChanged = Signal(object)  # the StudyChange, just after `changed`

    def __init__(self, study: Study, coder: str | None, parent: QObject) -> None:
        super().__init__(parent)
        self.watch: StudyWatch | None = StudyWatch(study, coder)
        self.timer = QTimer(self)
        self.timer.setInterval(IDLE_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self._window: QObject | None = None

    def watch_window(self, window: QObject) -> None:
        """Check whenever ``window`` (a top-level widget) becomes active."""
        if self._window is not None:
            self._window.removeEventFilter(self)
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate:
            QTimer.singleShot(0, self.check)  # after the activation is handled
        return False

    def defer(self) -> None:
        """The window just acted itself: check again after a pause."""
        if self.timer.isActive():
            self.timer.start()

    def check(self) -> bool:
        """Emit :attr:`changed` (and return True) if something may have changed."""
        try:
            found = self.take()
        except UserError:
            return False  # e.g. the server is out of reach: the next check tries again
        if found:
            self.changed.emit()
            self.studyChanged.emit(found)
        return bool(found)

    def take(self) -> StudyChange:
        """What changed since the last look, without emitting anything (UserError when the
        study cannot be read just now)."""
        if self.watch is None:
            return StudyChange()
        return self.watch.changes()

    def close(self) -> None:
        self.timer.stop()
        if self._window is not None:
            self._window.removeEventFilter(self)
            self._window = None
        if self.watch is not None:
            self.watch.close()
            self.watch = None


def show_changed_elsewhere(
    window: QMainWindow,
    ctl: CodingController,
    transcripts: TranscriptsPanel,
    refresh: Callable[[], object],
) -> None:
    """The coder's codes, memos or completions changed elsewhere: show them in the open
    transcript (only the rows that differ) and in the transcripts' progress (``refresh()``
    when transcripts came or went)."""
    try:
        changes = ctl.reload_changed()
        summaries = list_transcripts(ctl.study, coders=[ctl.person], as_coder=True)
    except UserError as exc:
        window.statusBar().showMessage(f"Could not re-read the study: {describe(exc)}", 10_000)
        return
    if {t.name for t in summaries} != transcripts.names():
        refresh()
    else:
        for t in summaries:
            mine = t.progress.get(ctl.person)
            if mine is not None and t.name != ctl.transcript:
                transcripts.set_progress(t.name, mine.coded, mine.codable, mine.completed)
    if changes:
        n = len(changes)
        window.statusBar().showMessage(
            f"{n} change{'s' if n != 1 else ''} made elsewhere (another window or the command "
            "line) now shown.",
            10_000,
        )
