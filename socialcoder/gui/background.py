"""Running a service call off the GUI thread behind a window-modal progress dialog.

:class:`ProgressRun` wraps a :class:`~socialcoder.gui.lead.workers.Job`: ``work(report,
cancelled)`` runs in the thread pool while a :class:`QProgressDialog` (window-modal, so the
window cannot use the same study meanwhile) shows ``report(done, total, what)``. At the end,
in the GUI thread, exactly one of ``done(result)``, ``failed(message)`` or ``cancelled()`` is
emitted. :func:`run_blocking` waits for that in a local event loop and returns an
:class:`Outcome`, for callers that go on step by step (the transcript import).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from socialcoder.gui.lead.workers import Job, Work


@dataclass(slots=True)
class Outcome:
    """How a run ended: ``result`` when it finished, ``error`` (one line) when refused."""

    result: Any = None
    error: str | None = None
    cancelled: bool = False


class ProgressRun(QObject):
    """One background run with its progress dialog; see the module doc."""

    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        parent: QWidget,
        title: str,
        work: Work,
        *,
        label: str = "Working…",
        cancellable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.ended = False
        self.dialog = QProgressDialog(label, "Cancel" if cancellable else "", 0, 0, parent)
        self.dialog.setObjectName("background_progress")
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumDuration(0)
        if not cancellable:
            self.dialog.setCancelButton(None)
        self.dialog.canceled.connect(self._cancel)
        self.job = Job(work, self)
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(self._cancelled)

    def start(self) -> ProgressRun:
        self.dialog.show()
        self.job.start()
        return self

    @Slot()
    def _cancel(self) -> None:
        if not self.ended:
            self.dialog.setLabelText("Cancelling…")
            self.job.cancel()

    @Slot(int, int, str)
    def _progress(self, done: int, total: int, what: str) -> None:
        if self.ended or self.job.is_cancelled():
            return
        if total <= 0:
            self.dialog.setRange(0, 0)  # busy: no measure of how far
        else:
            self.dialog.setRange(0, total)
            self.dialog.setValue(min(done, total))
        self.dialog.setLabelText(what)

    def _end(self) -> None:
        self.ended = True
        self.dialog.canceled.disconnect(self._cancel)
        self.dialog.close()
        self.dialog.deleteLater()

    # The receivers may run a nested event loop (an error dialog): this object is disposed of
    # only after they returned, never while one of its slots is still running.
    @Slot(object)
    def _finished(self, result: object) -> None:
        self._end()
        self.done.emit(result)
        self.deleteLater()

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._end()
        self.failed.emit(message)
        self.deleteLater()

    @Slot()
    def _cancelled(self) -> None:
        self._end()
        self.cancelled.emit()
        self.deleteLater()


def run_blocking(
    parent: QWidget, title: str, work: Work, *, label: str = "Working…", cancellable: bool = True
) -> Outcome:
    """Run ``work`` in the background and wait (the window stays painted but modal-blocked)."""
    outcome = Outcome()
    loop = QEventLoop()
    run = ProgressRun(parent, title, work, label=label, cancellable=cancellable)

    def done(result: object) -> None:
        outcome.result = result
        loop.quit()

    def failed(message: str) -> None:
        outcome.error = message
        loop.quit()

    def cancelled() -> None:
        outcome.cancelled = True
        loop.quit()

    run.done.connect(done)
    run.failed.connect(failed)
    run.cancelled.connect(cancelled)
    run.start()
    if not run.ended:
        loop.exec()
    return outcome
