"""The lead's undo stack is the study session's (gui/session.py): Ctrl+Z and Ctrl+Shift+Z in a
view run the service calls that take an action back or make it again through the session, and
every view that shows what they changed reads again (the workspace's SHOWS), not only the view
that made the action. Real SQLite files (the fictional sample study), keys and clicks."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from socialcoder.gui.lead.assignments_view import AssignmentsView
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.assignments import list_assignments
from socialcoder.services.consensus import list_disagreements
from socialcoder.services.study import open_study
from socialcoder.services.withdraw import withdraw_participant

T = "P01_session02"
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
KEY = ("concordance", T, 2)  # the review's first disagreement


def consensus(path: Path) -> str | None:
    with open_study(path) as study:
        return next(
            d.consensus
            for d in list_disagreements(study)
            if (d.dimension, d.transcript, d.segment) == KEY
        )


def assigned(path: Path, coder: str) -> bool:
    with open_study(path) as study:
        return any(a.transcript == T and a.coder == coder for a in list_assignments(study))


def final_of(view: AssignmentsView, transcript: str) -> str:
    """The progress grid's final-layer cell of ``transcript``."""
    item = view.grid.item(view.transcripts.index(transcript), view.grid.columnCount() - 1)
    return item.text()


def audit_rows(window: MainWindow) -> int:
    """The audit trail's count of code-change entries, as shown."""
    assert window.lead is not None
    text = window.lead.audit.summary.text()
    return int(re.search(r"audit log: (\d+) entr", text).group(1))


def test_undo_and_redo_of_a_decision_refresh_every_view_that_shows_the_consensus(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    lead = lead_window.lead
    assert lead is not None
    progress, review = lead.assignments, lead.review
    before, audited = final_of(progress, T), audit_rows(lead_window)
    assert "consensus" not in before
    lead_window.lead_actions[2].trigger()  # the review, from the Lead menu
    qtbot.waitUntil(lambda: QApplication.focusWidget() is review.table)
    qtbot.keyClick(review.table, "2")  # ben's value
    assert consensus(demo_study) == "1"
    settled = final_of(progress, T)
    assert settled.startswith("1 consensus")
    assert audit_rows(lead_window) == audited + 1

    qtbot.keyClick(review.table, Qt.Key.Key_Z, CTRL)
    assert consensus(demo_study) is None
    assert final_of(progress, T) == before  # the progress grid read again
    assert audit_rows(lead_window) == audited + 2  # the undo is in the audit trail
    qtbot.waitUntil(lambda: not review.busy(), timeout=10_000)  # the review reads in a worker
    row = next(
        i for i, d in enumerate(review.shown) if (d.dimension, d.transcript, d.segment) == KEY
    )
    assert review.shown[row].consensus is None
    assert review.current() is review.shown[row]  # back on the decision undone
    assert lead_window.statusBar().currentMessage().startswith("Undone: settle concordance")

    qtbot.keyClick(review.table, Qt.Key.Key_Z, CTRL | SHIFT)
    assert consensus(demo_study) == "1"
    assert final_of(progress, T) == settled
    assert audit_rows(lead_window) == audited + 3
    qtbot.waitUntil(lambda: not review.busy(), timeout=10_000)
    assert review.shown[row].consensus == "1"
    assert lead.undo_stack.index() == 1 and lead.undo_stack.count() == 1


def test_undo_and_redo_of_an_assignment_refresh_the_progress_grid_and_audit_trail(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    lead = lead_window.lead
    assert lead is not None
    view = lead.assignments
    assert not assigned(demo_study, "ben")
    audited = audit_rows(lead_window)
    cell = view.grid.model().index(view.transcripts.index(T), 1 + view.coders.index("ben"))
    view.grid.selectionModel().select(cell, QItemSelectionModel.SelectionFlag.Select)
    view.grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.grid)
    qtbot.keyClick(view.grid, Qt.Key.Key_Return, CTRL)  # assign
    assert assigned(demo_study, "ben") and view.cell(T, "ben").endswith("· P")
    assert audit_rows(lead_window) == audited + 1

    qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL)
    assert not assigned(demo_study, "ben")
    assert view.cell(T, "ben").startswith("complete") and "· P" not in view.cell(T, "ben")
    assert audit_rows(lead_window) == audited + 2

    qtbot.keyClick(view.grid, Qt.Key.Key_Z, CTRL | SHIFT)
    assert assigned(demo_study, "ben") and view.cell(T, "ben").endswith("· P")
    assert audit_rows(lead_window) == audited + 3
    assert lead_window.statusBar().currentMessage() == "Redone: assign 1 transcript(s)."


def test_an_undo_that_fails_says_so_and_changes_nothing(
    qtbot, lead_window: MainWindow, demo_study: Path, monkeypatch
) -> None:
    from socialcoder.errors import StudyError
    from socialcoder.gui.lead import review as review_module

    lead = lead_window.lead
    assert lead is not None
    review = lead.review
    review.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is review.table)
    qtbot.keyClick(review.table, "2")
    shown = final_of(lead.assignments, T)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise StudyError("the study is busy")

    monkeypatch.setattr(review_module, "revert_consensus", refuse)
    qtbot.keyClick(review.table, Qt.Key.Key_Z, CTRL)
    assert consensus(demo_study) == "1" and final_of(lead.assignments, T) == shown
    assert lead_window.statusBar().currentMessage() == (
        "Not undone: the study is busy; the undo history was cleared (the study changed since)."
    )
    assert lead.undo_stack.count() == 0  # the stack no longer claims the step was undone


def _settled(qtbot, lead_window: MainWindow) -> None:
    """The lead settles the review's first disagreement by a key (one undo step)."""
    assert lead_window.lead is not None
    review = lead_window.lead.review
    review.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is review.table)
    qtbot.keyClick(review.table, "2")
    assert lead_window.lead.undo_stack.count() == 1


def test_an_undo_of_a_withdrawn_transcript_clears_the_history(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    """Another process withdraws the participant: the undo is refused (the transcript is
    gone); the stack used to move back a step all the same (Ctrl+Shift+Z then 'redid' what
    was never undone)."""
    _settled(qtbot, lead_window)
    lead = lead_window.lead
    assert lead is not None
    with open_study(demo_study) as other:
        withdraw_participant(other, "P01")
    with qtbot.captureExceptions() as escaped:
        qtbot.keyClick(lead.review.table, Qt.Key.Key_Z, CTRL)
    assert escaped == []
    message = lead_window.statusBar().currentMessage()
    assert message.startswith("Not undone: ") and T in message
    assert "undo history was cleared" in message
    assert lead.undo_stack.count() == 0 and not lead.undo_stack.canRedo()


def test_an_undo_refused_by_a_raw_database_error_does_not_escape(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    """A refusal the services do not word (here a trigger another process added) used to
    escape from Qt's undo as an uncaught exception."""
    _settled(qtbot, lead_window)
    lead = lead_window.lead
    assert lead is not None
    with sqlite3.connect(demo_study) as db:
        db.execute(
            "CREATE TRIGGER no_change BEFORE UPDATE ON codes "
            "BEGIN SELECT RAISE(ABORT, 'changes refused by the study'); END"
        )
        db.execute(
            "CREATE TRIGGER no_clearing BEFORE DELETE ON codes "
            "BEGIN SELECT RAISE(ABORT, 'changes refused by the study'); END"
        )
    db.close()
    with qtbot.captureExceptions() as escaped:
        qtbot.keyClick(lead.review.table, Qt.Key.Key_Z, CTRL)
    assert escaped == []
    message = lead_window.statusBar().currentMessage()
    assert message.startswith("Not undone: the study could not be written (")
    assert "changes refused by the study" in message
    assert consensus(demo_study) == "1" and lead.undo_stack.count() == 0


def test_the_review_reads_its_first_list_off_the_gui_thread_showing_loading(
    qtbot, window: MainWindow, demo_study: Path, monkeypatch
) -> None:
    """Opening the lead's workspace does not wait for the review's list (a few hundred
    milliseconds on a big study): the view says it is loading until the worker's list
    arrives. It used to read it on the GUI thread as it opened."""
    from socialcoder.gui.lead import review as review_module

    original = review_module.list_disagreements
    release = threading.Event()
    readers: list[bool] = []

    def read(study):
        on_gui = threading.current_thread() is threading.main_thread()
        readers.append(on_gui)
        if not on_gui:
            release.wait(10)  # held back until the test has seen the view loading
        return original(study)

    monkeypatch.setattr(review_module, "list_disagreements", read)
    try:
        assert window.open_study(str(demo_study), "Dr Lead", role="lead")
        assert window.lead is not None
        review = window.lead.review
        qtbot.waitUntil(lambda: len(readers) == 1, timeout=10_000)
        assert readers == [False]  # the first read runs in a worker
        assert review.busy() and not review.loaded
        assert review.count.text() == review_module.LOADING == "Loading the disagreements…"
        assert review.table.rowCount() == 0 and review.current() is None
        assert "Loading" in review.context.toPlainText()
    finally:
        release.set()
    qtbot.waitUntil(lambda: review.loaded and not review.busy(), timeout=10_000)
    assert readers == [False] and len(review.items) > 3
    assert review.count.text().endswith("settled") and review.current() is not None


def test_a_late_read_of_the_review_never_replaces_a_newer_one(
    qtbot, lead_window: MainWindow, monkeypatch
) -> None:
    """The review reads its list in a worker thread: a read that arrives after a newer one
    was shown is dropped (here the older read finds no disagreement left, the newer three)."""
    from socialcoder.gui.lead import review as review_module

    lead = lead_window.lead
    assert lead is not None
    review = lead.review
    assert len(review.items) > 3
    original = review_module.list_disagreements
    release = threading.Event()
    threads: list[int] = []

    def read(study):
        threads.append(threading.get_ident())
        first = len(threads) == 1
        items = original(study)
        if first:  # the older read, held back until the newer one is shown
            release.wait(10)
            return []
        return items[:3]

    monkeypatch.setattr(review_module, "list_disagreements", read)
    try:
        review.refresh()
        qtbot.waitUntil(lambda: len(threads) == 1, timeout=10_000)
        review.refresh()  # the newer read
        qtbot.waitUntil(lambda: len(review.items) == 3, timeout=10_000)
        assert review.busy()  # the older read is still running
    finally:
        release.set()
    qtbot.waitUntil(lambda: not review.busy(), timeout=10_000)
    qtbot.wait(100)  # the late result's signal is delivered
    assert len(review.items) == 3 and review.table.rowCount() == 3
    assert threading.main_thread().ident not in threads


def test_a_decision_made_while_the_review_reads_stays_and_the_next_unit_stays_selected(
    qtbot, lead_window: MainWindow, monkeypatch
) -> None:
    """The keyboard flow with the list read in the background: a read that began before a
    decision (a change from elsewhere) does not show the unit unsettled again, and the next
    disagreement, selected after the decision, stays selected when the list arrives."""
    from socialcoder.gui.lead import review as review_module

    lead = lead_window.lead
    assert lead is not None
    review = lead.review
    original = review_module.list_disagreements
    read_before, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def read(study):
        calls.append(len(calls))
        first = len(calls) == 1
        items = original(study)
        if first:  # read before the decision, arrives after it
            read_before.set()
            release.wait(10)
        return items

    monkeypatch.setattr(review_module, "list_disagreements", read)
    review.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is review.table)
    try:
        review.refresh()
        assert read_before.wait(10)
        qtbot.keyClick(review.table, "2")  # settle the first disagreement
        nxt = review.current()
        assert nxt is not None and (nxt.dimension, nxt.transcript, nxt.segment) != KEY
    finally:
        release.set()
    qtbot.waitUntil(lambda: not review.busy(), timeout=10_000)
    qtbot.wait(100)
    unit = next(d for d in review.items if (d.dimension, d.transcript, d.segment) == KEY)
    assert unit.consensus == "1"
    now = review.current()
    assert now is not None
    assert (now.dimension, now.transcript, now.segment) == (
        nxt.dimension,
        nxt.transcript,
        nxt.segment,
    )


def test_the_coder_buttons_report_the_change_their_service_returned(
    qtbot, lead_window: MainWindow, answer, monkeypatch
) -> None:
    from PySide6.QtWidgets import QInputDialog

    from socialcoder.services.study_change import ChangeKind, StudyChange

    lead = lead_window.lead
    assert lead is not None
    view = lead.assignments
    reported: list[StudyChange] = []
    acted = view.acted
    monkeypatch.setattr(view, "acted", lambda change: (reported.append(change), acted(change)))

    def name(text: str):
        def fill(dialog: QInputDialog) -> None:
            dialog.setTextValue(text)
            dialog.accept()

        return fill

    answer(QInputDialog, name("dora"))
    view.add_coder()
    assert reported == [StudyChange.of(ChangeKind.CODERS, coders=["dora"])]
    assert "dora" in view.coders  # every view concerned read again
    view.coder_list.setCurrentRow(view.coders.index("dora"))
    answer(QInputDialog, name("dana"))
    view.rename_coder()
    view.coder_list.setCurrentRow(view.coders.index("dana"))  # the list was read again
    view.toggle_active()
    assert reported[1:] == [
        StudyChange.of(ChangeKind.CODERS, coders=["dora", "dana"]),
        StudyChange.of(ChangeKind.CODERS, coders=["dana"]),
    ]
    assert "dana  (inactive)" in [
        view.coder_list.item(i).text() for i in range(view.coder_list.count())
    ]
