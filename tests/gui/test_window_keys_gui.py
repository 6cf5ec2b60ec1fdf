"""The coding window binds its own keys from socialcoder.domain.keys (the list the codebook
loader refuses); a study whose codebook was stored before that rule opens with a warning
naming the conflicts, and the window's keys keep their meaning."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import text

from socialcoder.domain import keys
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage import db

T = "P01_session02"


def test_the_windows_single_keys_are_the_core_list(window: MainWindow) -> None:
    single = {
        seq.toString()
        for action in window.findChildren(QAction)
        for seq in action.shortcuts()
        if len(seq.toString()) == 1
    }
    assert single == {k.upper() for k in keys.WINDOW_KEYS}


def test_a_stored_codebook_with_a_window_key_warns_and_the_key_keeps_its_meaning(
    qtbot, window: MainWindow, gui_study: Path, answer
) -> None:
    engine = db.make_engine(gui_study)
    with engine.begin() as conn:
        source = conn.execute(text("SELECT source_yaml FROM codebook_versions")).scalar_one()
        changed = source.replace("shortcut: c\n", "shortcut: j\n", 1)
        assert changed != source
        conn.execute(text("UPDATE codebook_versions SET source_yaml = :s"), {"s": changed})
    engine.dispose()
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    assert window.open_study(str(gui_study), "ana", T)
    qtbot.waitUntil(lambda: bool(texts))
    assert "concordance: shortcut 'j' is the coding window's own key for 'next segment'" in texts[0]
    ctl = window.controller
    assert ctl is not None and ctl.current_row() == 0
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.segment_view, "j")
    assert ctl.current_row() == 1  # moved, not coded
    with open_study(gui_study) as study:
        segments = show_transcript(study, T, coder="ana").segments
    assert segments[1].role == "patient" and all(not s.codes for s in segments)
    panel = window.codebook_panel
    assert panel is not None
    shown = {
        panel.table.item(r, 1).text(): panel.table.item(r, 0).text()
        for r in range(panel.table.rowCount())
    }
    assert shown["Concordance with the model"] == ""  # not listed as its coding key
    assert "J" not in shown.values()
    window.menus.fill_code_menu()
    menu_keys = [a.shortcut().toString() for a in window.code_menu.actions()]
    assert QKeySequence("J").toString() not in menu_keys
