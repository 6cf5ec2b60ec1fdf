"""The coding window on a server-mode study (PostgreSQL): a coder's login codes as that coder
(no choice of coder is offered), through the study's functions, with undo; the lead's views
refuse a coder's login."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from socialcoder.domain.rules import coder_progress, next_uncoded
from socialcoder.gui.dialogs import CoderDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import (
    find_segments,
    next_uncoded_segment,
    show_transcript,
)

T = "P01_session02"


def _key(qtbot, window: MainWindow, k: str | Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.segment_view, k, mods)


def test_a_coders_login_codes_as_that_coder(qtbot, window: MainWindow, make_lab, answer) -> None:
    lab = make_lab(coders=("ana", "ben"), leads=())
    asked = answer(CoderDialog, lambda dialog: dialog.reject())
    assert window.open_study(lab.url("ana"), "ben", T)  # asked for ben: still ana
    assert not asked and window.coder == "ana" and window.role == "coder"
    ctl = window.controller
    assert ctl is not None
    _key(qtbot, window, "j")  # segment 2, a patient turn
    _key(qtbot, window, "c")
    _key(qtbot, window, "g")
    _key(qtbot, window, "5")
    with open_study(lab.url("ana")) as ana:
        view = show_transcript(ana, T, coder="ana")
        # what the window reads of a long transcript, through the coder's own functions
        page = show_transcript(ana, T, coder="ana", offset=1, limit=2)
        assert page.segments == view.segments[1:3] and page.total == len(view.segments)
        assert page.progress == coder_progress(view.segments, ana.codebook) == (1, page.progress[1])
        row = next_uncoded(view.segments, ana.codebook, 0)
        assert row is not None and row > 1
        assert next_uncoded_segment(ana, T, coder="ana", after=1) == row + 1
        assert find_segments(ana, T, view.segments[3].text) == [4]
    assert view.segments[1].codes == {"concordance": "1"}
    assert view.session_codes == {"goal_agreement": "5"}
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    rows = lab.sql("admin", "SELECT a.actor, a.action, a.dimension_key, a.new_value FROM "
                            "audit_log a ORDER BY a.id")  # fmt: skip
    login = lab.login("ana")
    assert rows == [
        (login, "set", "concordance", "1"),
        (login, "set", "goal_agreement", "5"),
        (login, "clear", "goal_agreement", None),
        (login, "clear", "concordance", None),
    ]


def test_the_lead_views_refuse_a_coders_login(qtbot, window: MainWindow, make_lab, answer) -> None:
    lab = make_lab(coders=("ana",), leads=())
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    assert not window.open_study(lab.url("ana"), "ana pretending", role="lead")
    qtbot.waitUntil(lambda: bool(texts), timeout=5000)
    assert "belongs to coder 'ana'" in texts[0] and "lead's login" in texts[0]
    assert window.lead is None and window.study is None
