"""The start page: what the window shows while no study is open (never an empty window).

'Open the sample study' (built in the user's data folder the first time, then reused),
'New study…', 'Open study…', the recent studies (from QSettings, via the window) and a line
on where help is. Keyboard: the buttons carry mnemonics (Alt+S, Alt+W, Alt+O, and Alt+R for the
recent list: none taken by a menu; Ctrl+N and Ctrl+O work too), Tab reaches
the recent list, Enter opens the recent study selected. :class:`StartPage` only lays out and
emits signals; the window wires them to its file actions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socialcoder.gui.background import run_blocking
from socialcoder.gui.dialogs import show_error
from socialcoder.gui.lead.workers import Report
from socialcoder.services import demo

HELP_LINE = (
    "Help: <b>Help ▸ Keyboard shortcuts</b> (Ctrl+/) lists every key; "
    "<code>socialcoder --help</code> and <code>socialcoder COMMAND --help</code> describe the "
    "command line; the user guide is the README and docs/ that come with SocialCoder's source."
)
PATH_ROLE = Qt.ItemDataRole.UserRole


class RecentList(QListWidget):
    """The recent studies; Enter or a double-click opens the one selected."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.itemActivated.connect(self._activated)

    def _activated(self, item: QListWidgetItem) -> None:
        path = item.data(PATH_ROLE)
        if path:
            self.chosen.emit(str(path))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem():
            self._activated(self.currentItem())
            return
        super().keyPressEvent(event)


class StartPage(QWidget):
    """Layout only: three buttons, the recent studies, where help is."""

    sampleRequested = Signal()
    newRequested = Signal()
    openRequested = Signal()
    recentRequested = Signal(str)

    def __init__(
        self, recent: Callable[[], list[str]] = list, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("start_page")
        self.setAccessibleName("Start page")
        self._recent = recent
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        outer.addLayout(column, 3)
        outer.addStretch(1)
        column.addStretch(1)
        heading = QHBoxLayout()
        logo = QLabel(self)
        logo.setPixmap(QApplication.windowIcon().pixmap(64, 64))  # empty until make_app set it
        logo.setAccessibleName("SocialCoder icon")
        heading.addWidget(logo)
        title = QLabel("<h1>SocialCoder</h1>", self)
        title.setAccessibleName("SocialCoder")
        heading.addWidget(title, 1)
        column.addLayout(heading)
        intro = QLabel(
            "Code therapy-session transcripts with several blind coders, check inter-rater "
            "reliability, settle disagreements and export for analysis. No study is open.",
            self,
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.sample_button = self._button(
            "Open the &sample study",
            "sample",
            "Three fictional sessions coded by three fictional coders: try everything on it",
            self.sampleRequested,
        )
        self.new_button = self._button(
            "Ne&w study…", "new", "Create a study from a codebook file", self.newRequested
        )
        self.open_button = self._button(
            "&Open study…", "open", "Open a study file (.scstudy)", self.openRequested
        )
        for button in (self.sample_button, self.new_button, self.open_button):
            column.addWidget(button)
        self.sample_button.setDefault(True)
        self.recent_label = QLabel("&Recent studies:", self)
        column.addWidget(self.recent_label)
        self.recent_list = RecentList(self)
        self.recent_list.setObjectName("recent_studies")
        self.recent_list.setAccessibleName("Recent studies")
        self.recent_list.setAccessibleDescription(
            "Studies opened before; Enter opens the one selected"
        )
        self.recent_list.chosen.connect(self.recentRequested)
        self.recent_label.setBuddy(self.recent_list)
        column.addWidget(self.recent_list, 2)
        self.help_label = QLabel(HELP_LINE, self)
        self.help_label.setObjectName("help_line")
        self.help_label.setWordWrap(True)
        self.help_label.setTextFormat(Qt.TextFormat.RichText)
        self.help_label.setAccessibleName("Where help is")
        column.addWidget(self.help_label)
        column.addStretch(2)
        self.setTabOrder(self.sample_button, self.new_button)
        self.setTabOrder(self.new_button, self.open_button)
        self.setTabOrder(self.open_button, self.recent_list)

    def _button(
        self, text: str, name: str, description: str, signal: SignalInstance
    ) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(f"start_{name}")
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.setAccessibleDescription(description)
        button.setToolTip(description)
        button.setAutoDefault(True)
        button.clicked.connect(signal.emit)
        return button

    def set_recent(self, paths: list[str]) -> None:
        """Show ``paths`` (newest first); a study file that is gone is shown, but disabled."""
        self.recent_list.clear()
        for path in paths:
            item = QListWidgetItem(path)
            missing = "://" not in path and not Path(path).exists()
            if missing:
                item.setText(f"{path}  (not found)")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                item.setData(PATH_ROLE, path)
            item.setToolTip(path)
            self.recent_list.addItem(item)
        if not paths:
            item = QListWidgetItem("(none yet)")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent_list.addItem(item)
        for row in range(self.recent_list.count()):
            if self.recent_list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.recent_list.setCurrentRow(row)
                break

    def showEvent(self, event: QShowEvent) -> None:
        self.set_recent(self._recent())
        super().showEvent(event)
        self.sample_button.setFocus()


def open_sample(parent: QWidget, open_study: Callable[[str], bool]) -> bool:
    """Build the sample study in the user's data folder (or reuse it) off the GUI thread,
    then open it with ``open_study`` as any study (the window asks who is coding)."""

    def work(report: Report, _cancelled: object) -> demo.DemoStudy:
        return demo.build_demo(progress=report)

    outcome = run_blocking(
        parent, "Sample study", work, label="Building the sample study…", cancellable=False
    )
    if outcome.error is not None:
        show_error(parent, outcome.error, "Cannot build the sample study")
        return False
    return open_study(str(outcome.result.path))
