"""Opening studies: File > Open server study… (a PostgreSQL URL, the password asked apart and
never stored) and `socialcoder gui STUDY --lead` straight into the lead's views."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from socialcoder.errors import UserError
from socialcoder.gui.dialogs import CoderDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.server_dialog import ServerDialog
from socialcoder.services.coders import list_coders
from socialcoder.services.server_target import needs_password, server_url, without_password
from socialcoder.services.study import open_study

LEFT = Qt.MouseButton.LeftButton
PG_ENV = "SOCIALCODER_TEST_PG_URL"


def _open_dialog(qtbot, window: MainWindow) -> ServerDialog:
    window.server_action.trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ServerDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ServerDialog)
    return dialog


def _refusal(qtbot, dialog: ServerDialog, answer, url: str) -> str:
    """Type ``url``, press Open, return the text of the error dialog that follows."""
    dialog.url.clear()
    qtbot.keyClicks(dialog.url, url)
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    qtbot.mouseClick(dialog.open_button, LEFT)
    qtbot.waitUntil(lambda: bool(texts), timeout=20_000)
    qtbot.waitUntil(lambda: dialog.open_button.isEnabled())
    return texts[0]


def test_bad_urls_are_refused_with_a_readable_message(qtbot, window: MainWindow, answer) -> None:
    dialog = _open_dialog(qtbot, window)
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    message = _refusal(qtbot, dialog, answer, "my study on the server")
    assert "is not a database URL" in message and "postgresql+psycopg://" in message
    message = _refusal(qtbot, dialog, answer, "sqlite:////tmp/x.scstudy")
    assert "only PostgreSQL" in message and "Open study" in message
    message = _refusal(qtbot, dialog, answer, "postgresql+psycopg://me@localhost")
    assert "names no database" in message
    assert dialog.isVisible() and window.study is None
    for shown in (message,):
        assert "Traceback" not in shown


def test_unreachable_server_is_a_readable_refusal(qtbot, window: MainWindow, answer) -> None:
    """Nothing listens on port 1 of this machine: the connection is refused at once."""
    dialog = _open_dialog(qtbot, window)
    qtbot.keyClicks(dialog.password, "s3cret")
    message = _refusal(qtbot, dialog, answer, "postgresql+psycopg://me@127.0.0.1:1/study")
    assert "cannot open the study" in message or "cannot open the server study" in message
    assert "s3cret" not in message and "Traceback" not in message
    assert window.study is None and dialog.isVisible()
    assert window.recent_studies() == []


def test_url_and_password_rules() -> None:
    url = server_url("postgresql://ana@db.example/study", "pw")
    assert url.drivername == "postgresql+psycopg" and url.password == "pw"
    assert server_url("postgresql+psycopg://ana:old@h/db", "new").password == "new"
    stored = url.render_as_string(hide_password=True)
    assert "pw" not in stored and needs_password(stored)
    assert server_url(stored).password is None  # "***" is never sent as a password
    assert not needs_password("postgresql+psycopg://ana@h/db")
    assert not needs_password("/tmp/study.scstudy")
    assert (
        without_password("postgresql+psycopg://ana:pw@h:5/db") == "postgresql+psycopg://ana@h:5/db"
    )
    with pytest.raises(UserError, match="enter the server study's URL"):
        server_url("   ")


@pytest.fixture
def pg_study(cli: Callable[..., object]) -> Iterator[str]:
    """A study made with `socialcoder init URL` in a fresh PostgreSQL database."""
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(f"set {PG_ENV} to open a study on a PostgreSQL server")
    name = f"sc_gui_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        result = cli("init", url, "--name", "Server study")
        assert result.code == 0, result.err
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_opens_a_server_study_without_storing_the_password(
    qtbot, window: MainWindow, pg_study: str, answer, tmp_path: Path
) -> None:
    dialog = _open_dialog(qtbot, window)
    qtbot.keyClicks(dialog.url, without_password(pg_study))
    # the test server trusts local connections, so any password is accepted and ignored
    qtbot.keyClicks(dialog.password, "s3cret-pw")

    def new_coder(coder_dialog: CoderDialog) -> None:
        coder_dialog.new.setChecked(True)
        coder_dialog.name.setText("ana")
        coder_dialog.accept()

    seen = answer(CoderDialog, new_coder)
    qtbot.mouseClick(dialog.open_button, LEFT)
    qtbot.waitUntil(lambda: window.controller is not None, timeout=20_000)
    assert seen and window.role == "coder" and window.coder == "ana"
    assert window.study is not None and window.study.name == "Server study"
    with open_study(pg_study) as study:  # the coder was added on the server
        assert [c.name for c in list_coders(study)] == ["ana"]
    recent = window.recent_studies()
    assert len(recent) == 1 and "s3cret" not in recent[0] and "***" in recent[0]
    window.settings.sync()
    stored = Path(window.settings.fileName()).read_text(encoding="utf-8")
    assert "s3cret" not in stored
    # reopening from the recent list asks for the password again, prefilled without it
    window.close_study()
    assert not window.files.open_study(recent[0], None, None)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ServerDialog))
    again = QApplication.activeModalWidget()
    assert isinstance(again, ServerDialog)
    assert "***" not in again.url.text() and again.url.text().startswith("postgresql+psycopg://")
    assert again.password.text() == ""
    again.reject()


def test_gui_lead_opens_the_lead_views(qtbot, sample_study: Path, cli, monkeypatch) -> None:
    """`socialcoder gui STUDY --lead --lead-name NAME`: the window opens in the lead role."""
    reached: list[tuple[str, str, str]] = []

    def fake_exec(*_args: object) -> int:  # instead of the event loop: look, then close
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        shown = [w for w in windows if w.isVisible()]
        assert len(shown) == 1
        win = shown[0]
        assert win.lead is not None
        reached.append((win.role, win.lead.lead, win.stack.currentWidget().objectName()))
        assert win.lead_menu.menuAction().isVisible() and win.export_action.isEnabled()
        win.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    result = cli("gui", sample_study, "--lead", "--lead-name", "Dr Lead")
    assert result.code == 0, result.err
    assert reached == [("lead", "Dr Lead", "lead_workspace")]
    result = cli("gui", sample_study, "--lead", "--coder", "ana")
    assert result.code == 2 and "--lead-name" in result.err
