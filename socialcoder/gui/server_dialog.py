"""File > Open server study…: a study kept on a PostgreSQL server.

The user gives the URL (``postgresql+psycopg://user@host/db``) and, separately, the password
(a password field; it is used for this connection only, never stored: settings and the recent
list keep :func:`socialcoder.storage.db.describe`'s form, where a password shows as ``***``).
Connecting runs off the GUI thread; then the study is opened like a file study (who is coding,
or the lead role). A refusal (bad URL, unreachable server, wrong password, not a SocialCoder
study) is shown as one readable line and the dialog stays open. The URL rules and opening are
:mod:`socialcoder.services.server_target`'s.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from socialcoder.errors import UserError
from socialcoder.gui.background import ProgressRun
from socialcoder.gui.dialogs import show_error
from socialcoder.gui.errors import describe
from socialcoder.gui.lead.workers import Report
from socialcoder.services.server_target import EXAMPLE, connect, server_url, without_password
from socialcoder.services.study import Study

SERVER_TIP = "Open a study kept on a PostgreSQL server (the password is never saved)"


class ServerDialog(QDialog):
    """URL and password; ``Open`` connects in the background (see the module doc)."""

    def __init__(
        self, window: QWidget, url: str = "", *, attach: Callable[[Study], object]
    ) -> None:
        super().__init__(window)
        self.attach = attach  # puts the opened study into the window (gui/file_actions.py)
        self.setObjectName("server_dialog")
        self.setWindowTitle("Open a study on a server")
        self.study: Study | None = None
        self.error: str | None = None
        self.run: ProgressRun | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.url = QLineEdit(without_password(url) if url else "", self)
        self.url.setObjectName("server_url")
        self.url.setPlaceholderText(EXAMPLE)
        self.url.setMinimumWidth(420)
        self.password = QLineEdit(self)
        self.password.setObjectName("server_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("leave empty if the server needs none")
        form.addRow("&URL:", self.url)
        form.addRow("&Password:", self.password)
        layout.addLayout(form)
        note = QLabel(
            "The password is used for this connection only; it is never saved "
            "(the recent studies list shows the URL without it).",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.open_button.setText("&Open")
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password if self.url.text() else self.url).setFocus()

    def start(self) -> None:
        try:
            url = server_url(self.url.text(), self.password.text())
        except UserError as exc:
            self.error = describe(exc)
            show_error(self, exc, "Cannot open the server study")
            return
        self.error = None

        def work(report: Report, cancelled: object) -> Study | None:
            report(0, 0, f"connecting to {url.host or 'the local server'}…")
            study = connect(url)
            if callable(cancelled) and cancelled():
                study.close()
                return None
            return study

        self.open_button.setEnabled(False)
        self.run = ProgressRun(self, "Open server study", work, label="Connecting…")
        self.run.done.connect(self._done)
        self.run.failed.connect(self._failed)
        self.run.cancelled.connect(lambda: self.open_button.setEnabled(True))
        self.run.start()

    def _failed(self, message: str) -> None:
        self.run = None
        self.error = message
        self.open_button.setEnabled(True)
        show_error(self, message, "Cannot open the server study")

    def _done(self, study: Study | None) -> None:
        self.run = None
        self.open_button.setEnabled(True)
        if study is None:
            return
        self.study = study
        self.password.clear()
        self.accept()
        self.attach(study)


def open_server_study(
    window: QWidget, url: str = "", *, attach: Callable[[Study], object]
) -> ServerDialog:
    """Show the dialog (non-blocking, window-modal), prefilled with ``url`` minus password;
    ``attach`` receives the study once it is open."""
    for old in window.findChildren(ServerDialog):
        old.deleteLater()
    dialog = ServerDialog(window, url, attach=attach)
    dialog.open()
    return dialog
