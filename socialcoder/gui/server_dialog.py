"""File > Open server study…: a study kept on a PostgreSQL server.

The user gives the URL (``postgresql+psycopg://user@host/db``) and, separately, the password
(a password field; it is used for this connection only, never stored: settings and the recent
list keep :func:`socialcoder.storage.db.describe`'s form, where a password shows as ``***``).
Connecting runs off the GUI thread; then the study is opened like a file study (who is coding,
or the lead role). A refusal (bad URL, unreachable server, wrong password, not a SocialCoder
study) is shown as one readable line and the dialog stays open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from socialcoder.errors import UserError
from socialcoder.gui.background import ProgressRun
from socialcoder.gui.dialogs import show_error
from socialcoder.gui.lead.workers import Report
from socialcoder.services.study import Study, open_study

if TYPE_CHECKING:
    from socialcoder.gui.main_window import MainWindow

SERVER_TIP = "Open a study kept on a PostgreSQL server (the password is never saved)"
EXAMPLE = "postgresql+psycopg://user@host/db"
HIDDEN = "***"  # how a stored URL shows its password (never the password itself)


def _no_password(url: URL) -> URL:
    """``url`` without a password (``URL.set(password=None)`` would keep the old one)."""
    return URL.create(
        url.drivername,
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )


def server_url(text: str, password: str = "") -> URL:
    """The URL to connect with: ``text`` checked and completed with ``password`` (the field
    wins over a password written in the URL). Raises :class:`UserError` with a readable line."""
    text = text.strip()
    if not text:
        raise UserError(f"enter the server study's URL, e.g. {EXAMPLE}")
    if "://" not in text:
        raise UserError(f"{text!r} is not a database URL; write it like {EXAMPLE}")
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise UserError(f"{text!r} is not a database URL; write it like {EXAMPLE}") from None
    if url.get_backend_name() != "postgresql":
        raise UserError(
            f"only PostgreSQL servers are supported (the URL starts with postgresql+psycopg://); "
            f"to open a study file use File > Open study… ({url.get_backend_name()!r} given)"
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if not url.database:
        raise UserError(f"the URL names no database; write it like {EXAMPLE}")
    if password:
        url = url.set(password=password)
    elif url.password == HIDDEN:
        url = _no_password(url)
    return url


def without_password(text: str) -> str:
    """``text`` with any password removed (to prefill the dialog from the recent list)."""
    try:
        return _no_password(make_url(text)).render_as_string(hide_password=False)
    except (ArgumentError, ValueError):
        return text


def needs_password(target: str) -> bool:
    """A stored URL whose password was hidden: it must be asked for again."""
    try:
        return "://" in target and make_url(target).password == HIDDEN
    except (ArgumentError, ValueError):
        return False


def connect(url: URL) -> Study:
    """Open the study at ``url`` (in the worker thread); every refusal is a UserError."""
    try:
        return open_study(url.render_as_string(hide_password=False))
    except UserError:
        raise
    except (ImportError, SQLAlchemyError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        where = url.render_as_string(hide_password=True)
        raise UserError(f"cannot open the server study: {first}", source=where) from None


class ServerDialog(QDialog):
    """URL and password; ``Open`` connects in the background (see the module doc)."""

    def __init__(self, window: MainWindow, url: str = "") -> None:
        super().__init__(window)
        self.window_ = window
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
            self.error = str(exc)
            show_error(self, str(exc), "Cannot open the server study")
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
        from socialcoder.gui import file_actions  # here: file_actions imports this module

        file_actions.attach_study(self.window_, study)


def open_server_study(window: MainWindow, url: str = "") -> ServerDialog:
    """Show the dialog (non-blocking, window-modal), prefilled with ``url`` minus password."""
    for old in window.findChildren(ServerDialog):
        old.deleteLater()
    dialog = ServerDialog(window, url)
    dialog.open()
    return dialog
