"""View → Settings… (Ctrl+Alt+S): this computer's preferences, kept in QSettings — text size,
theme (following the system by default), whether the window's size and layout are remembered —
and the media keys (fixed: listed here for reference, not configurable)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.media_keys import PLAYER_KEYS
from socialcoder.gui import themes

#: QSettings key: remember the window's size and splitter layout when it closes (default on)
AUTOSAVE_LAYOUT = "window/autosave"


class SettingsDialog(QDialog):
    """The user's settings; ``text_size`` is the window's now, ``show(text_size)`` shows the
    chosen size and theme in the window once they are kept."""

    def __init__(
        self,
        parent: QWidget,
        settings: QSettings,
        text_size: int,
        show: Callable[[int], object],
    ) -> None:
        super().__init__(parent)
        self.settings_ = settings
        self.show_ = show
        self.setObjectName("settings_dialog")
        self.setWindowTitle("Settings")
        box = QVBoxLayout(self)
        form = QFormLayout()
        self.text_size = QSpinBox(self)
        self.text_size.setRange(-4, 12)
        self.text_size.setSuffix(" pt")
        self.text_size.setPrefix("+")
        self.text_size.setValue(text_size)
        self.text_size.setAccessibleName("Text size of the transcript, in points added")
        self.text_size.setToolTip("Points added to the normal text size (Ctrl+= / Ctrl+- too)")
        form.addRow("&Text size:", self.text_size)
        self.theme = QComboBox(self)
        for choice in themes.CHOICES:
            self.theme.addItem(themes.LABELS[choice], choice)
        saved = str(settings.value(themes.SETTING, themes.SYSTEM) or themes.SYSTEM)
        self.theme.setCurrentIndex(max(0, self.theme.findData(saved)))
        self.theme.setAccessibleName("Theme")
        form.addRow("T&heme:", self.theme)
        self.autosave = QCheckBox("&Remember the window's size and layout", self)
        self.autosave.setChecked(bool(settings.value(AUTOSAVE_LAYOUT, True, type=bool)))
        form.addRow(self.autosave)
        box.addLayout(form)
        keys = "".join(
            f"<tr><td>{' / '.join(k.keys)}</td><td>{k.what}</td></tr>" for k in PLAYER_KEYS
        )
        media = QLabel(
            "<b>Media keys</b> (fixed, so that every coder's instructions match):"
            f"<table cellspacing=4>{keys}</table>",
            self,
        )
        media.setWordWrap(True)
        box.addWidget(media)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        self.text_size.setFocus()

    def apply(self) -> None:
        """Keep the choices in QSettings and show them at once."""
        settings = self.settings_
        choice = str(self.theme.currentData())
        settings.setValue(themes.SETTING, choice)
        settings.setValue(AUTOSAVE_LAYOUT, self.autosave.isChecked())
        themes.apply_theme(choice)
        self.show_(self.text_size.value())
        settings.sync()


def open_settings(
    window: QWidget, settings: QSettings, text_size: int, show: Callable[[int], object]
) -> bool:
    """Show the dialog; apply and keep the choices when accepted."""
    from socialcoder.gui.dialogs import run_dialog

    dialog = SettingsDialog(window, settings, text_size, show)
    accepted = run_dialog(dialog)
    if accepted:
        dialog.apply()
    return bool(accepted)
