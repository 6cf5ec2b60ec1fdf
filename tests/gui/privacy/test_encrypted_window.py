"""The window on an encrypted study: a passphrase dialog that lets the user retry, the study
opens and is coded as any other, nothing of the passphrase lands in the settings, and the
opening is in the audit trail with the coder's name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from socialcoder.gui import passphrase_dialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.audit_events import list_events
from socialcoder.services.encryption import passphrase_source
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage import conversion

PHRASE = "fictional window passphrase"
T = "P01_session02"


def _encrypt(path: Path) -> None:
    with passphrase_source(lambda _request: PHRASE):
        conversion.encrypt_in_place(path)


def _typist(qtbot, monkeypatch: pytest.MonkeyPatch, answers: list[str | None]) -> list[str]:
    """Answer each passphrase dialog from the keyboard (None: Escape); returns what each
    dialog said."""
    said: list[str] = []
    real_run = passphrase_dialog.run_dialog

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, passphrase_dialog.PassphraseDialog)
        said.append(dialog.message.text())
        text = answers.pop(0)
        dialog.show()
        qtbot.waitExposed(dialog)
        if text is None:
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        else:
            qtbot.keyClicks(dialog.passphrase, text)
            qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
        result = dialog.result()
        dialog.hide()
        dialog.deleteLater()
        return result

    monkeypatch.setattr(passphrase_dialog, "run_dialog", run)
    assert real_run is not run
    return said


def _window(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def test_wrong_then_right_passphrase_opens_the_study(
    qtbot, gui_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _encrypt(gui_study)
    said = _typist(qtbot, monkeypatch, ["not the passphrase", PHRASE])
    window = _window(qtbot)
    assert window.open_study(str(gui_study), "ana", T)
    assert "is encrypted" in said[0] and "Wrong passphrase" in said[1]
    assert window.study is not None and window.study.encrypted
    assert window.controller is not None
    for key in ("j", "c"):  # code a turn, as on any study
        qtbot.keyClick(window.segment_view, key)
    window.close()
    for file in (tmp_path / "settings").rglob("*"):
        if file.is_file():
            assert PHRASE.encode() not in file.read_bytes()
    with passphrase_source(lambda _request: PHRASE), open_study(gui_study) as study:
        opened = list_events(study, kinds=("opened",))
        view = show_transcript(study, T, coder="ana")
    assert [(e.actor, e.role) for e in opened] == [("ana", "coder")]
    assert any(s.codes for s in view.segments)


def test_cancel_opens_nothing(
    qtbot, gui_study: Path, monkeypatch: pytest.MonkeyPatch, answer: Callable
) -> None:
    from PySide6.QtWidgets import QMessageBox

    _encrypt(gui_study)
    _typist(qtbot, monkeypatch, [None])
    window = _window(qtbot)
    shown = answer(QMessageBox, lambda box: box.accept())
    assert not window.open_study(str(gui_study), "ana", T)
    assert window.study is None
    assert shown and "passphrase" in shown[0].text()
    window.close()
