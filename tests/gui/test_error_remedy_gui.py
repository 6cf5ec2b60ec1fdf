"""An error with a remedy reaches the window in the window's words: the refusal and what to
change, with no command-line flag (the command line says ``choose another with --name``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.gui.dialogs import show_error
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.transcript_import import ImportItem


def test_a_taken_name_is_refused_without_flags(
    qtbot, window: MainWindow, gui_study: Path, tmp_path: Path, answer
) -> None:
    assert window.open_study(str(gui_study), "ana")
    first, second = tmp_path / "a" / "S9.txt", tmp_path / "b" / "S9.txt"
    for path, text in ((first, "T: Hello.\nP: Hi.\n"), (second, "T: Again.\nP: Yes.\n")):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    shown: list[str] = []

    def read(box: QMessageBox) -> None:
        shown.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    assert window.files.run_import([ImportItem(path=first)]) is not None
    answer(QMessageBox, read)
    assert window.files.run_import([ImportItem(path=second)]) is None
    refused = shown[-1]
    assert "already has a transcript named 'S9'" in refused
    assert refused.endswith("; change the transcript's name") and "--" not in refused


def test_error_dialog_words_every_remedy(qtbot, answer) -> None:
    shown = answer(QMessageBox, lambda box: box.accept())
    error = StudyError(
        "'empathy' is coded per segment: a segment is needed", remedy=Remedy.give(Input.SEGMENT)
    )
    show_error(None, error)
    assert shown[0].text() == "'empathy' is coded per segment: a segment is needed; give a segment"
