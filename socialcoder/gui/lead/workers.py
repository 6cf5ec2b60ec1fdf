"""Long computations off the GUI thread, with progress and cancel.

:class:`Job` runs ``work(report, cancelled)`` in the global QThreadPool; ``report(done, total,
what)`` emits ``progress``; ``cancelled()`` turns True after :meth:`Job.cancel`. The result
arrives in the GUI thread through ``finished(result)``, a refusal through ``failed(message)``;
after a cancel only ``cancelled`` is emitted. The service calls used (reliability_report,
weekly_alpha) read the study through their own short transactions, so they are safe in a
worker thread while the window stays responsive. :class:`Latest` runs reads of which only
the newest result is shown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from socialcoder.errors import UserError
from socialcoder.gui.errors import describe

Report = Callable[[int, int, str], None]
Work = Callable[[Report, Callable[[], bool]], Any]


class JobCancelled(Exception):
    """Raised inside the work function (through ``report``) to stop it early."""


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.setAutoDelete(True)

    def run(self) -> None:
        self.job._run()


class Job(QObject):
    """One background computation; keep a reference until ``finished``/``failed``/``cancelled``."""

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.signals = _Signals()
        self.progress = self.signals.progress
        self.finished = self.signals.finished
        self.failed = self.signals.failed
        self.cancelled = self.signals.cancelled
        self._work = work
        self._stop = threading.Event()
        self._done = threading.Event()

    def start(self) -> None:
        QThreadPool.globalInstance().start(_Runnable(self))

    def cancel(self) -> None:
        self._stop.set()

    def is_cancelled(self) -> bool:
        return self._stop.is_set()

    def is_done(self) -> bool:
        """Whether the work has ended (however)."""
        return self._done.is_set()

    def wait(self, seconds: float = 30.0) -> bool:
        """Block until the work has ended (for tests and for closing the window)."""
        return self._done.wait(seconds)

    def _report(self, done: int, total: int, what: str) -> None:
        if self._stop.is_set():
            raise JobCancelled
        self.signals.progress.emit(done, total, what)

    def _run(self) -> None:
        try:
            result = self._work(self._report, self._stop.is_set)
        except JobCancelled:
            self.signals.cancelled.emit()
        except UserError as exc:
            self.signals.failed.emit(describe(exc))
        except Exception as exc:
            self.signals.failed.emit(f"Computation failed ({type(exc).__name__}: {exc})")
        else:
            if self._stop.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.finished.emit(result)
        finally:
            self._done.set()


class Latest(QObject):
    """Background reads of which only the newest is shown: the stale-result guard of the
    lead's views (the dashboard's computations, the progress grid, the review's list).

    Each :meth:`start` runs ``work`` in a :class:`Job` and hands its result to ``show`` (a
    refusal's message to ``failed``) in the GUI thread, but only if no newer :meth:`ticket`
    was taken meanwhile: a read started later, or a read the view made itself on the GUI
    thread, always wins over an older one that arrives late."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.started = 0  # tickets taken; a result counts only if it is of the last one
        self.jobs: list[Job] = []
        self._pending: int | None = None  # the ticket of a read not shown yet

    def ticket(self) -> int:
        """A new ticket: from now on every result of an older one is stale."""
        self.started += 1
        return self.started

    def newest(self, ticket: int) -> bool:
        return ticket == self.started

    def start(
        self,
        work: Work,
        show: Callable[[Any], None],
        failed: Callable[[str], None] | None = None,
    ) -> Job:
        ticket = self.ticket()
        job = Job(work, self)
        job.finished.connect(lambda result: self.arrive(ticket, show, result))
        job.failed.connect(
            lambda message: self.arrive(ticket, failed or (lambda _m: None), message)
        )
        self.jobs.append(job)
        self._pending = ticket
        job.start()
        return job

    def arrive(self, ticket: int, deliver: Callable[[Any], None], value: object) -> None:
        """``value`` of the read ``ticket`` has arrived: delivered if it is the newest."""
        self.jobs = [j for j in self.jobs if not j.is_done()]
        if not self.newest(ticket):
            return
        self._pending = None
        deliver(value)

    def busy(self) -> bool:
        """Whether a read is still running, or the newest started has not been shown."""
        return self._pending == self.started or any(not j.is_done() for j in self.jobs)

    def wait(self, seconds: float = 10.0) -> None:
        for job in self.jobs:
            job.wait(seconds)
