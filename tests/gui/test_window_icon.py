"""The application's icon is on every top-level window and dialog (set once, on the
QApplication) and the application names its desktop file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from socialcoder.desktop import APP_ID, ICON_SIZES
from socialcoder.gui.app import make_app
from socialcoder.gui.dialogs import CoderDialog
from socialcoder.gui.main_window import MainWindow


def test_every_window_and_dialog_shows_the_application_icon(qtbot, tmp_path: Path) -> None:
    app = make_app()
    icon = app.windowIcon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= set(ICON_SIZES)
    assert app.desktopFileName() == APP_ID
    window = MainWindow()
    qtbot.addWidget(window)
    dialogs = [
        CoderDialog(["ana"], "Study", None, window),
        QMessageBox(QMessageBox.Icon.Information, "Done", "Done", parent=window),
        QProgressDialog("Working", "Cancel", 0, 0, window),
    ]
    for widget in [window, *dialogs]:
        shown = widget.windowIcon()
        assert shown.cacheKey() == icon.cacheKey(), type(widget).__name__
        assert not shown.pixmap(QSize(32, 32)).isNull()


def test_gui_check_reports_the_opened_window(gui_study: Path, cli) -> None:
    result = cli("gui", str(gui_study), "--coder", "ana", "--check")
    assert result.code == 0, result.err
    assert result.out.startswith("window opened on offscreen: ")
    assert "3 transcript(s) listed" in result.out and "icon set" in result.out


def test_gui_check_fails_when_the_study_does_not_open(tmp_path: Path, cli, answer) -> None:
    seen = answer(QMessageBox, lambda dialog: dialog.accept())  # "Cannot open the study"
    result = cli("gui", str(tmp_path / "nowhere.scstudy"), "--coder", "ana", "--check")
    assert seen and result.code == 1
    assert result.out.startswith("window NOT opened")


def test_gui_check_needs_a_study_and_a_coder(cli) -> None:
    result = cli("gui", "--check")
    assert result.code == 2 and "--check needs STUDY and --coder" in result.err
