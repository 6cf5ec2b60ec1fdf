"""File > Export… onto an existing file asks first; onto the study itself it refuses before
asking (issue #10, item 1)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from socialcoder.gui.export_dialog import ExportDialog
from socialcoder.gui.main_window import MainWindow

LEAD = "Dr Lead"
LEFT = Qt.MouseButton.LeftButton


def _dialog(qtbot, window: MainWindow, path: Path) -> ExportDialog:
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ExportDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ExportDialog)
    dialog.path.setFocus()
    dialog.path.selectAll()
    qtbot.keyClick(dialog.path, Qt.Key.Key_Delete)
    qtbot.keyClicks(dialog.path, str(path))
    return dialog


def test_export_onto_the_study_is_refused_without_asking(
    qtbot, window: MainWindow, sample_study: Path, answer, dump
) -> None:
    before, data = dump(sample_study), sample_study.read_bytes()
    assert window.open_study(str(sample_study), LEAD, role="lead")
    # a .csv name that is a link to the study: the dialog would otherwise ask "Replace it?"
    link = sample_study.with_name("study-link.csv")
    link.symlink_to(sample_study)
    dialog = _dialog(qtbot, window, link)
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    qtbot.mouseClick(dialog.export_button, LEFT)
    qtbot.waitUntil(lambda: len(texts) == 1)
    assert "is the study itself" in texts[0] and "Replace" not in texts[0]
    assert dialog.isVisible() and dialog.run is None
    window.close_study()
    # opening the study in the window records who opened it (an 'opened' study event, which
    # dump leaves out), so the file's bytes change; everything else must be as it was
    assert sample_study.read_bytes()[:16] == data[:16] and dump(sample_study) == before


def test_replacing_an_existing_file_is_asked_then_done(
    qtbot, window: MainWindow, sample_study: Path, tmp_path: Path, answer
) -> None:
    out = tmp_path / "export.csv"
    out.write_text("keep me\n", encoding="utf-8")
    assert window.open_study(str(sample_study), LEAD, role="lead")
    dialog = _dialog(qtbot, window, out)
    asked: list[str] = []

    def say(button: QMessageBox.StandardButton):
        def act(box: QMessageBox) -> None:
            asked.append(box.text())
            box.button(button).click()

        return act

    answer(QMessageBox, say(QMessageBox.StandardButton.No))
    qtbot.mouseClick(dialog.export_button, LEFT)
    qtbot.waitUntil(lambda: len(asked) == 1)
    assert "exists. Replace it?" in asked[0]
    qtbot.wait(50)
    assert out.read_text(encoding="utf-8") == "keep me\n" and dialog.run is None

    answer(QMessageBox, say(QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(dialog.export_button, LEFT)
    qtbot.waitUntil(lambda: dialog.summary_box is not None and dialog.summary_box.isVisible())
    assert dialog.error is None and dialog.summary is not None
    assert set(pd.read_csv(out)["coder"]) == {"ana", "ben", "cleo"}
    assert dialog.summary_box is not None
    qtbot.mouseClick(dialog.summary_box.button(QMessageBox.StandardButton.Ok), LEFT)
