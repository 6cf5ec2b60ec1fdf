"""One key, one transaction: Delete on a segment clears all of its codes or none (a refusal
half way leaves screen, database and undo stack as they were); assigning several cells in
the lead's grid stores all of them or none."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from socialcoder.errors import StudyError
from socialcoder.gui.main_window import MainWindow
from socialcoder.services import assignments as assignments_module
from socialcoder.services import coding as coding_module
from socialcoder.services.assignments import list_assignments
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"


def _refuse_second_audit(monkeypatch, module) -> None:
    real = module.audit
    calls = {"n": 0}

    def audit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise StudyError("the server refused this")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "audit", audit)


def test_delete_clears_every_code_or_none(
    qtbot, window: MainWindow, gui_study: Path, monkeypatch
) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None
    view = window.segment_view

    def press(k) -> None:
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
        qtbot.keyClick(view, k)

    press("j")  # segment 2, a patient turn
    press("c")
    press("i")
    assert ctl.undo_stack.count() == 2
    _refuse_second_audit(monkeypatch, coding_module)
    press(Qt.Key.Key_Delete)
    assert "Not stored" in window.statusBar().currentMessage()
    with open_study(gui_study) as study:
        stored = show_transcript(study, T, coder="ana").segments[1].codes
    assert stored == {"concordance": "1", "incongruent_principles": "1"}
    assert ctl.model.segment(1).codes == stored  # the screen shows what is stored
    assert ctl.undo_stack.count() == 2
    monkeypatch.undo()
    press(Qt.Key.Key_Delete)
    assert ctl.model.segment(1).codes == {}
    assert ctl.undo_stack.count() == 3
    ctl.undo_stack.undo()
    with open_study(gui_study) as study:
        assert show_transcript(study, T, coder="ana").segments[1].codes == stored


def test_assigning_selected_cells_is_all_or_none(
    qtbot, window: MainWindow, gui_study: Path, monkeypatch, answer
) -> None:
    from socialcoder.gui.lead.assignments_view import AssignmentsView

    with open_study(gui_study) as study:
        page = AssignmentsView(study, "lena")
        qtbot.addWidget(page)
        grid = page.grid
        selection = grid.selectionModel()
        for row in range(2):
            for column in (1, 2):
                selection.select(
                    grid.model().index(row, column), QItemSelectionModel.SelectionFlag.Select
                )
        _refuse_second_audit(monkeypatch, assignments_module)
        texts: list[str] = []

        def read(box: QMessageBox) -> None:
            texts.append(box.text())
            box.accept()

        answer(QMessageBox, read)
        page.assign_selected()
        assert texts and "Nothing was assigned" in texts[0]
        assert list_assignments(study) == []
        monkeypatch.undo()
        page.assign_selected()
        assert len(list_assignments(study)) == 4
