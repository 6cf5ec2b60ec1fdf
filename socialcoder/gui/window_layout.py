"""The window's layout kept between runs while the setting *Remember the window layout* is on
(:data:`~socialcoder.gui.settings_dialog.AUTOSAVE_LAYOUT`): its size and place on the screen,
and the widths of its panes."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from socialcoder.gui.settings_dialog import AUTOSAVE_LAYOUT


def restore_layout(settings: QSettings, window: QMainWindow, splitter: QSplitter) -> None:
    """The layout kept, or the first run's size."""
    remember = settings.value(AUTOSAVE_LAYOUT, True, type=bool)
    geometry = settings.value("window/geometry") if remember else None
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    else:
        window.resize(1400, 900)
    state = settings.value("window/splitter") if remember else None
    if isinstance(state, QByteArray):
        splitter.restoreState(state)


def save_layout(settings: QSettings, window: QMainWindow, splitter: QSplitter) -> None:
    if settings.value(AUTOSAVE_LAYOUT, True, type=bool):
        settings.setValue("window/geometry", window.saveGeometry())
        settings.setValue("window/splitter", splitter.saveState())
