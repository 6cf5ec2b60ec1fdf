"""An undo or redo the study refuses (issue #12, a defect): the study changed elsewhere since the
step was made (the participant withdrawn, a database trigger that refuses the write, as a
locked-down or damaged study file would), so the step's service call fails inside Qt's
QUndoCommand.undo()/redo(). It used to escape as an uncaught exception (an error dialog in the
app) while the stack moved a step although nothing was undone. Now nothing escapes, the status
line says why in the window's words, and the whole undo history is cleared (what is stored
stays): gui/undo_history.py, the one place for both the coder's window and the lead's.

Keys drive the window (offscreen Qt); the study is a real SQLite file, changed by a second
connection as another process would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from socialcoder.gui import watch
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.segment_model import CODES_ROLE
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript
from socialcoder.services.withdraw import withdraw_participant

T = "P01_session02"
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def no_idle_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch, "IDLE_MS", 3_600_000)


def codes(window: MainWindow, row: int) -> dict[str, str]:
    assert window.controller is not None
    model = window.controller.model
    return model.data(model.index(row), CODES_ROLE)


def stored(path: Path, row: int) -> dict[str, str]:
    with open_study(path) as study:
        return show_transcript(study, T, coder="ana").segments[row].codes


def refuse_deleting_codes(path: Path) -> None:
    """Another process makes the study refuse every code cleared (a raw SQLite error, not a
    refusal the services word)."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TRIGGER no_clearing BEFORE DELETE ON codes "
            "BEGIN SELECT RAISE(ABORT, 'clearing refused by the study'); END"
        )
    db.close()


def withdraw_elsewhere(path: Path) -> None:
    with open_study(path) as study:  # another connection
        withdraw_participant(study, "P01")


def coded(qtbot, window: MainWindow, path: Path) -> int:
    """Ana codes resistance = strong on a patient turn by keys (one undo step); the row."""
    with open_study(path) as study:
        a = next(s.index for s in show_transcript(study, T).segments if s.role == "patient")
    assert window.open_study(str(path), "ana", T)
    ctl = window.controller
    assert ctl is not None
    ctl.set_current(a - 1)
    window.segment_view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.segment_view)
    qtbot.keyClick(window.segment_view, "r")
    qtbot.keyClick(window.segment_view, "s")
    assert codes(window, a - 1) == {"resistance": "strong"} and ctl.undo_stack.count() == 1
    return a - 1


def test_an_undo_refused_by_a_raw_database_error_clears_the_history(
    qtbot, window: MainWindow, gui_study: Path, no_idle_checks
) -> None:
    row = coded(qtbot, window, gui_study)
    ctl = window.controller
    assert ctl is not None
    refuse_deleting_codes(gui_study)
    with qtbot.captureExceptions() as escaped:
        qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, CTRL)
    assert escaped == []
    message = window.statusBar().currentMessage()
    assert message.startswith("Not undone: ") and "clearing refused by the study" in message
    assert "undo history was cleared" in message
    assert ctl.undo_stack.count() == 0 and not ctl.undo_stack.canRedo()
    assert stored(gui_study, row) == {"resistance": "strong"} == codes(window, row)


def test_an_undo_of_a_withdrawn_transcript_says_why_and_clears_the_history(
    qtbot, window: MainWindow, gui_study: Path, no_idle_checks
) -> None:
    coded(qtbot, window, gui_study)
    ctl = window.controller
    assert ctl is not None
    withdraw_elsewhere(gui_study)
    with qtbot.captureExceptions() as escaped:
        qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, CTRL)
        qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, CTRL | SHIFT)  # nothing to redo
    assert escaped == []
    message = window.statusBar().currentMessage()
    assert message.startswith("Not undone: ") and T in message
    assert ctl.undo_stack.count() == 0


def test_a_redo_refused_says_so_and_clears_the_history(
    qtbot, window: MainWindow, gui_study: Path, no_idle_checks
) -> None:
    row = coded(qtbot, window, gui_study)
    ctl = window.controller
    assert ctl is not None
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, CTRL)  # undone: the code cleared
    assert stored(gui_study, row) == {} and ctl.undo_stack.canRedo()
    withdraw_elsewhere(gui_study)
    with qtbot.captureExceptions() as escaped:
        qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert escaped == []
    assert window.statusBar().currentMessage().startswith("Not redone: ")
    assert ctl.undo_stack.count() == 0


def test_an_undo_that_works_still_undoes(
    qtbot, window: MainWindow, gui_study: Path, no_idle_checks
) -> None:
    row = coded(qtbot, window, gui_study)
    ctl = window.controller
    assert ctl is not None
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, CTRL)
    assert stored(gui_study, row) == {} == codes(window, row)
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert stored(gui_study, row) == {"resistance": "strong"} == codes(window, row)
    assert ctl.undo_stack.count() == 1 and ctl.undo_stack.index() == 1


def test_every_undo_step_and_stack_of_the_window_is_the_guarded_one() -> None:
    """The one place: no module of gui/ makes a QUndoStack or a QUndoCommand of its own
    (its refusals would escape again), only gui/undo_history.py."""
    gui = Path(__file__).resolve().parents[2] / "socialcoder" / "gui"
    found = [
        f"{path.relative_to(gui)}: {line.strip()}"
        for path in sorted(gui.rglob("*.py"))
        if path.name != "undo_history.py"
        for line in path.read_text(encoding="utf-8").splitlines()
        if "QUndoStack(" in line or "(QUndoCommand)" in line
    ]
    assert found == []
