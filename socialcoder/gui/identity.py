"""The application's identity on the desktop: its icon (on every window and dialog, through
``QApplication.setWindowIcon``) and the desktop file it belongs to (so that Wayland and the
task bar show the icon of ``socialcoder.desktop``; see ``socialcoder/desktop.py``)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from socialcoder.desktop import APP_ID, ICON_SIZES

ICONS = Path(str(files("socialcoder").joinpath("resources", "icons")))


def app_icon() -> QIcon:
    """The icon at every size shipped (the SVG for any other size)."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(ICONS / f"socialcoder-{size}.png"), QSize(size, size))
    icon.addFile(str(ICONS / "socialcoder.svg"))
    return icon


def apply_identity(app: QApplication) -> None:
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)
