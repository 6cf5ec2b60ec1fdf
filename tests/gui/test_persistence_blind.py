"""Nothing is lost on close; coding is blind; settings, zoom, filter, help and errors."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from socialcoder.domain.rules import coder_progress, next_uncoded
from socialcoder.errors import StudyError
from socialcoder.gui import app as gui_app
from socialcoder.gui.dialogs import shortcuts_html
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.segment_model import CHIPS_ROLE, CODES_ROLE
from socialcoder.services.coding import set_code, set_completed, set_segment_memo
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"


def press(qtbot, window: MainWindow, *keys: str) -> None:
    for k in keys:
        qtbot.keyClick(window.segment_view, k)


def test_close_and_reopen_loses_nothing(qtbot, gui_study: Path) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    assert first.open_study(str(gui_study), "ana", T)
    press(qtbot, first, "j", "c", "r", "s", "n", "i", "g", "7")
    assert first.controller is not None
    coded_row = first.controller.current_row()
    first.close()

    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert second.settings.value("last/study") == str(gui_study)
    assert second.settings.value("last/coder") == "ana"
    assert second.open_study(str(gui_study), "ana", T)
    ctl = second.controller
    assert ctl is not None and coded_row is not None
    model = ctl.model
    assert model.data(model.index(1), CODES_ROLE) == {"concordance": "1", "resistance": "strong"}
    assert model.data(model.index(coded_row), CODES_ROLE) == {"incongruent_principles": "1"}
    assert second.session_panel is not None
    assert second.session_panel.combos["goal_agreement"].currentData() == "7"
    with open_study(gui_study) as study:
        view = show_transcript(study, T, coder="ana")
    assert view.segments[1].codes == {"concordance": "1", "resistance": "strong"}
    assert view.segments[coded_row].codes == {"incongruent_principles": "1"}
    assert view.session_codes == {"goal_agreement": "7"}
    coded, codable = ctl.progress
    assert (coded, codable) == coder_progress(view.segments, study.codebook)
    assert second.transcripts.row_text(T)[3] == f"{round(100 * coded / codable)} %"
    second.close()


def test_blind_coding_hides_other_coders(qtbot, window: MainWindow, gui_study: Path) -> None:
    with open_study(gui_study) as study:
        for seg, dim, value in (
            (2, "concordance", "1"),
            (2, "resistance", "strong"),
            (5, "incongruent_principles", "1"),
        ):
            set_code(study, coder="ben", transcript=T, segment=seg, dimension=dim, value=value)
        set_code(
            study, coder="ben", transcript=T, segment=None, dimension="goal_agreement", value="3"
        )
        set_segment_memo(study, coder="ben", transcript=T, segment=2, text="ben's secret note")
        set_completed(study, coder="ben", transcript=T)
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None
    model = ctl.model
    for row in range(model.rowCount()):
        assert model.data(model.index(row), CODES_ROLE) == {}
        assert model.data(model.index(row), CHIPS_ROLE) == []
        assert "secret" not in model.data(model.index(row), Qt.ItemDataRole.ToolTipRole)
    assert ctl.session_codes == {} and not ctl.completed
    assert window.session_panel is not None
    assert window.session_panel.combos["goal_agreement"].currentData() is None
    # the transcript list shows only ana's progress: 0 %, not ben's completion
    assert window.transcripts.row_text(T)[3:] == ["0 %", ""]
    cells = [
        window.transcripts.table.item(r, c).toolTip() + window.transcripts.table.item(r, c).text()
        for r in range(3)
        for c in range(5)
    ]
    assert not any("ben" in cell for cell in cells)
    # ana codes segment 2 herself; ben's codes are untouched and still hidden
    qtbot.keyClick(window.segment_view, "j")
    qtbot.keyClick(window.segment_view, "c")
    assert model.data(model.index(1), CODES_ROLE) == {"concordance": "1"}
    with open_study(gui_study) as study:
        ben = show_transcript(study, T, coder="ben")
    assert ben.segments[1].codes == {"concordance": "1", "resistance": "strong"}


def test_filter_zoom_details_and_help(qtbot, window: MainWindow, gui_study: Path) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    table = window.transcripts.table
    window.transcripts.filter.setText("P02")
    assert [table.isRowHidden(r) for r in range(3)] == [True, False, True]
    window.transcripts.filter.setText("")
    assert not any(table.isRowHidden(r) for r in range(3))

    size = window.segment_view.font().pointSizeF()
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.segment_view.font().pointSizeF() == size + 1
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.segment_view.font().pointSizeF() == size

    panel = window.codebook_panel
    assert panel is not None
    hidden = panel.details.isHidden()
    qtbot.keyClick(window.segment_view, Qt.Key.Key_F1)
    assert panel.details.isHidden() is not hidden
    qtbot.keyClick(window.segment_view, "?")
    assert panel.details.isHidden() is hidden
    qtbot.keyClick(window.segment_view, "j")
    qtbot.keyClick(window.segment_view, "r")
    assert "Resistance" in panel.details.toPlainText()
    assert "strong" in panel.details.toPlainText()

    sheet = shortcuts_html(window.study.codebook if window.study else None)
    for text in ("Ctrl+Z", "Ctrl+F", "resistance", "goal_agreement", "Delete"):
        assert text in sheet
    # every coding shortcut is shown in a menu
    window.menus.fill_code_menu()
    shown = {a.shortcut().toString() for a in window.code_menu.actions()}
    assert {"C", "I", "R", "G"} <= shown


def test_switching_transcripts_and_undo_across(qtbot, window: MainWindow, gui_study: Path) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    qtbot.keyClick(window.segment_view, "n")
    qtbot.keyClick(window.segment_view, "c")
    window.transcripts.opened.emit("P03_session06")
    ctl = window.controller
    assert ctl is not None and ctl.transcript == "P03_session06"
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ctl.transcript == T  # undo brings back the transcript it changed
    with open_study(gui_study) as study:
        assert show_transcript(study, T, coder="ana").segments[1].codes == {}


def test_bad_study_is_a_dialog_not_a_traceback(window: MainWindow, tmp_path: Path, answer) -> None:
    bad = tmp_path / "notes.scstudy"
    bad.write_text("not a database", encoding="utf-8")
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    assert not window.open_study(str(bad))
    assert texts and "not a SocialCoder study" in texts[0] and "Traceback" not in texts[0]


def test_excepthook_shows_a_dialog(qtbot, answer) -> None:
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    error = StudyError("coder 'x' already exists")
    gui_app._excepthook(type(error), error, None)
    assert texts == ["coder 'x' already exists"]
    assert sys.excepthook is not gui_app._excepthook  # only run() installs it
    assert QApplication.instance() is not None


def test_next_uncoded_helper(gui_study: Path) -> None:
    with open_study(gui_study) as study:
        view = show_transcript(study, T, coder="ana")
        first = next_uncoded(view.segments, study.codebook, -1)
        assert first is not None and view.segments[first].role == "patient"
        coded, codable = coder_progress(view.segments, study.codebook)
        assert coded == 0 and codable == sum(s.role == "patient" for s in view.segments)
