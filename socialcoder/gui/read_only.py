"""The banner over the window while the open study is read-only.

A study opened from a read-only file or folder (see :mod:`socialcoder.storage.access`) can be
read, browsed and exported, but nothing can be stored: the banner says so and why, for as long
as the study is open; the coding keys are refused with a message (``CodingController``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from socialcoder.services.study import Study

STYLE = "background:#fff3cd; color:#5c4400; border-bottom:1px solid #e0c36a; padding:6px 10px;"


class ReadOnlyBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("read_only_banner")
        self.setWordWrap(True)
        self.setStyleSheet(STYLE)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_for(self, study: Study | None) -> None:
        """Show the banner if ``study`` is read-only, hide it otherwise."""
        reason = study.read_only if study is not None else None
        if reason is None:
            self.clear()
            self.hide()
            return
        self.setText(
            f"<b>Read-only study</b>: {reason}. You can read, browse and export it; "
            "codes, memos and completions cannot be stored. To code, open a copy in a "
            "folder you can write to, or ask for write access."
        )
        self.show()
