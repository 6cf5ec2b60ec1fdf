"""Coding a transcript from the keyboard, checking both the screen and the database."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from socialcoder.gui.dialogs import COMPLETE_EXPLANATION, CoderDialog, MemoDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.segment_model import CHIPS_ROLE, CODES_ROLE
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"


def stored(path: Path, coder: str = "ana", transcript: str = T):
    with open_study(path) as study:
        return show_transcript(study, transcript, coder=coder)


def chips(window: MainWindow, row: int) -> list[str]:
    assert window.controller is not None
    model = window.controller.model
    return [text for text, _color in model.data(model.index(row), CHIPS_ROLE)]


def status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def key(qtbot, window: MainWindow, k: str | Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    # after a dialog, wait until the main window is active again (shortcuts need it)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.segment_view, k, mods)


def open_as_ana(window: MainWindow, path: Path) -> None:
    assert window.open_study(str(path), "ana", T)


def test_open_asks_who_is_coding(qtbot, window: MainWindow, gui_study: Path, answer) -> None:
    def pick_ben(dialog: CoderDialog) -> None:
        dialog.combo.setCurrentText("ben")
        dialog.accept()

    seen = answer(CoderDialog, pick_ben)
    assert window.open_study(str(gui_study))
    assert seen, "the coder dialog was not shown"
    assert window.coder == "ben"
    assert "ben" in window.windowTitle()
    label = window.study_label.text()
    assert "Coder: ben" in label and "v1.1" in label and "GUI test study" in label
    ctl = window.controller
    assert ctl is not None and ctl.transcript == "P01_session02"  # first in the list
    assert ctl.current_row() == 0

    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.segment_view)


def test_add_a_new_coder_in_the_dialog(window: MainWindow, gui_study: Path, answer) -> None:
    def add_cleo(dialog: CoderDialog) -> None:
        dialog.new.setChecked(True)
        dialog.name.setText("cleo")
        dialog.accept()

    answer(CoderDialog, add_cleo)
    assert window.open_study(str(gui_study))
    assert window.coder == "cleo"
    with open_study(gui_study) as study:
        from socialcoder.services.coders import list_coders

        assert "cleo" in [c.name for c in list_coders(study)]


def test_code_with_shortcuts_undo_redo(qtbot, window: MainWindow, gui_study: Path) -> None:
    open_as_ana(window, gui_study)
    ctl = window.controller
    assert ctl is not None
    # segment 1 is a therapist turn: concordance is refused, nothing stored
    key(qtbot, window, "c")
    assert "Not stored" in status(window) and "therapist" in status(window)
    assert chips(window, 0) == []
    assert stored(gui_study).segments[0].codes == {}

    key(qtbot, window, "j")  # segment 2, a patient turn
    assert ctl.current_row() == 1
    key(qtbot, window, "c")
    assert chips(window, 1) == ["concordance"]
    key(qtbot, window, "r")
    assert "resistance: press n/m/s or 1-3" in status(window)
    # the coder is told what leaving resistance empty means once the transcript is complete
    assert window.codebook_panel is not None
    assert "A turn left empty counts as none once you mark the transcript complete" in (
        window.codebook_panel.details.toPlainText()
    )
    assert window.session_panel is not None
    assert "(resistance as none)" in window.session_panel.complete_text
    key(qtbot, window, "m")
    assert chips(window, 1) == ["concordance", "resistance: mild"]
    assert window.codebook_panel is not None
    assert window.codebook_panel.value_text("resistance") == "mild"
    assert window.codebook_panel.value_text("concordance") == "present"
    key(qtbot, window, "g")
    key(qtbot, window, "5")
    assert window.session_panel is not None
    assert window.session_panel.combos["goal_agreement"].currentData() == "5"
    view = stored(gui_study)
    assert view.segments[1].codes == {"concordance": "1", "resistance": "mild"}
    assert view.session_codes == {"goal_agreement": "5"}

    # undo goal agreement and resistance, redo resistance
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(gui_study).session_codes == {}
    assert window.session_panel.combos["goal_agreement"].currentData() is None
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert chips(window, 1) == ["concordance"]
    assert stored(gui_study).segments[1].codes == {"concordance": "1"}
    key(
        qtbot,
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert chips(window, 1) == ["concordance", "resistance: mild"]
    assert stored(gui_study).segments[1].codes == {"concordance": "1", "resistance": "mild"}

    # a binary shortcut toggles: c again clears concordance
    key(qtbot, window, "c")
    assert chips(window, 1) == ["resistance: mild"]
    assert stored(gui_study).segments[1].codes == {"resistance": "mild"}

    # digits pick by position: r then 3 = strong; Delete with r armed clears only resistance
    key(qtbot, window, "r")
    key(qtbot, window, "3")
    assert stored(gui_study).segments[1].codes == {"resistance": "strong"}
    key(qtbot, window, "r")
    key(qtbot, window, Qt.Key.Key_Escape)
    assert "cancelled" in status(window)
    assert ctl.armed is None
    key(qtbot, window, "i")
    key(qtbot, window, "r")
    key(qtbot, window, Qt.Key.Key_Delete)
    assert stored(gui_study).segments[1].codes == {"incongruent_principles": "1"}
    # Delete with nothing armed clears every code of the segment, in one undo step
    key(qtbot, window, "c")
    key(qtbot, window, Qt.Key.Key_Delete)
    assert chips(window, 1) == []
    assert stored(gui_study).segments[1].codes == {}
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(gui_study).segments[1].codes == {
        "concordance": "1",
        "incongruent_principles": "1",
    }


def test_navigation_keys(qtbot, window: MainWindow, gui_study: Path) -> None:
    open_as_ana(window, gui_study)
    ctl = window.controller
    assert ctl is not None
    key(qtbot, window, "j")
    key(qtbot, window, "j")
    key(qtbot, window, "k")
    assert ctl.current_row() == 1
    key(qtbot, window, Qt.Key.Key_Down)
    assert ctl.current_row() == 2
    key(qtbot, window, Qt.Key.Key_End)
    assert ctl.current_row() == ctl.model.rowCount() - 1
    key(qtbot, window, Qt.Key.Key_Home)
    assert ctl.current_row() == 0
    key(qtbot, window, Qt.Key.Key_PageDown)
    assert ctl.current_row() > 1
    # N: next codable (patient) segment not coded yet
    key(qtbot, window, Qt.Key.Key_Home)
    key(qtbot, window, "n")
    assert ctl.current_row() == 1
    key(qtbot, window, "c")
    key(qtbot, window, "n")
    row = ctl.current_row()
    assert row is not None and row > 1
    seg = ctl.model.segment(row)
    assert seg.role == "patient" and seg.codes == {}


def test_memo_with_m_and_enter(qtbot, window: MainWindow, gui_study: Path, answer) -> None:
    open_as_ana(window, gui_study)

    def write(dialog: MemoDialog) -> None:
        qtbot.keyClicks(dialog.edit, "check the tone")
        qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)

    seen = answer(MemoDialog, write)
    key(qtbot, window, "j")
    key(qtbot, window, "m")
    assert seen
    assert "✎ memo" in chips(window, 1)
    assert stored(gui_study).segments[1].memo == "check the tone"
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(gui_study).segments[1].memo is None
    assert chips(window, 1) == []


def test_mark_complete_and_reopen(qtbot, window: MainWindow, gui_study: Path, answer) -> None:
    open_as_ana(window, gui_study)
    ctl = window.controller
    assert ctl is not None
    key(qtbot, window, "j")
    key(qtbot, window, "c")
    coded, codable = ctl.progress
    assert coded == 1
    texts: list[str] = []

    def yes(box: QMessageBox) -> None:
        texts.append(box.text())
        box.button(QMessageBox.StandardButton.Yes).click()

    answer(QMessageBox, yes)
    key(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert texts and f"{codable - 1} codable segments are left uncoded" in texts[0]
    assert COMPLETE_EXPLANATION in texts[0]
    assert ctl.completed and stored(gui_study).completed
    assert window.transcripts.row_text(T)[4] == "✓"
    assert "Complete" in window.session_panel.state.text()
    # undo reopens; the menu action Reopen does too
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not stored(gui_study).completed
    assert window.transcripts.row_text(T)[4] == ""
    key(
        qtbot,
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert stored(gui_study).completed
    window.reopen()
    assert not stored(gui_study).completed
    with open_study(gui_study) as study:
        mine = list_transcripts(study, coders=["ana"])[0].progress["ana"]
    assert not mine.completed and mine.coded == 1


def test_find_bar(qtbot, window: MainWindow, gui_study: Path) -> None:
    open_as_ana(window, gui_study)
    ctl = window.controller
    assert ctl is not None
    key(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.find_bar.isVisible()
    qtbot.keyClicks(window.find_bar.edit, "diary")
    qtbot.keyClick(window.find_bar.edit, Qt.Key.Key_Return)
    first = ctl.current_row()
    assert first is not None and "diary" in ctl.model.segment(first).text.lower()
    qtbot.keyClick(window.find_bar.edit, Qt.Key.Key_Return)
    second = ctl.current_row()
    assert second is not None and second != first
    assert "diary" in ctl.model.segment(second).text.lower()
    assert " of " in window.find_bar.result.text()
    qtbot.keyClick(window.find_bar.edit, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible()


def test_only_the_changed_row_is_repainted(qtbot, window: MainWindow, gui_study: Path) -> None:
    open_as_ana(window, gui_study)
    ctl = window.controller
    assert ctl is not None
    rows: list[tuple[int, int]] = []
    ctl.model.dataChanged.connect(lambda a, b, *_: rows.append((a.row(), b.row())))
    resets: list[int] = []
    ctl.model.modelReset.connect(lambda: resets.append(1))
    key(qtbot, window, "j")
    key(qtbot, window, "c")
    assert rows == [(1, 1)] and not resets
    assert ctl.model.data(ctl.model.index(1), CODES_ROLE) == {"concordance": "1"}
