"""The Settings dialog (issue #18): reachable from the View menu and with Ctrl+Alt+S; text
size, theme and remembering the window layout are kept in QSettings and take effect at once;
the media keys are listed (they are fixed)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from socialcoder.gui import themes
from socialcoder.gui.accessibility import nameless
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.settings_dialog import AUTOSAVE_LAYOUT, SettingsDialog


def test_settings_from_the_keyboard(qtbot, window: MainWindow, gui_study: Path, answer) -> None:
    assert window.open_study(str(gui_study), "ana", "P01_session02")
    before = window.segment_view.font().pointSizeF()
    seen: list[str] = []

    def choose(dialog: SettingsDialog) -> None:
        seen.append(dialog.windowTitle())
        assert nameless(dialog) == []
        from PySide6.QtWidgets import QLabel

        assert any("Media keys" in label.text() for label in dialog.findChildren(QLabel))
        dialog.text_size.setValue(3)
        dialog.theme.setCurrentIndex(dialog.theme.findData(themes.HIGH_CONTRAST))
        dialog.autosave.setChecked(False)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        ok.click()

    answer(SettingsDialog, choose)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(
        window.segment_view,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
    )
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == ["Settings"]
    settings = window.settings
    assert settings.value(themes.SETTING) == themes.HIGH_CONTRAST
    assert settings.value("view/zoom", type=int) == 3
    assert settings.value(AUTOSAVE_LAYOUT, type=bool) is False
    assert window.segment_view.font().pointSizeF() == before + 3
    base = QApplication.palette().color(QPalette.ColorRole.Base).name()
    assert base == themes.THEMES[themes.HIGH_CONTRAST].base
    # the View menu has it too
    view_menu = next(a for a in window.menuBar().actions() if a.text() == "&View").menu()
    assert any(a.text() == "Se&ttings…" for a in view_menu.actions())
    # with autosave off, closing does not store the layout and a new window does not restore it
    settings.remove("window/geometry")
    window.close()
    assert not isinstance(settings.value("window/geometry"), QByteArray)
    themes.apply_theme(themes.LIGHT)


def test_layout_is_remembered_by_default(qtbot, window: MainWindow) -> None:
    settings = window.settings
    settings.remove(AUTOSAVE_LAYOUT)
    window.resize(640, 480)
    window.close()
    assert isinstance(settings.value("window/geometry"), QByteArray)
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert again.size().width() == 640
