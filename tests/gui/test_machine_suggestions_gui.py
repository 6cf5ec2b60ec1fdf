"""Machine suggestions in the coding window (issue #17): shown faintly on the turns the coder
has not coded, accepted with Alt+Enter (a chord no codebook shortcut can take), undone with
Ctrl+Z; the stored code and its audit entry say it was a machine suggestion."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from machine_support import build_machine_study
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from socialcoder.cli import main as cli_main
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.segment_model import CHIPS_ROLE, SUGGESTION_CHIP

MACHINE = "machine talk v1"


@pytest.fixture(scope="module")
def suggesting(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gui_suggest")
    study = build_machine_study(folder)
    lines = [f"{'T' if i % 2 else 'P'}: we talked, I really want to stop" for i in range(1, 7)]
    (folder / "s12.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for argv in (
        ("machine", "train", study, "--dimension", "talk"),
        ("import", study, folder / "s12.txt"),
        ("coders", "add", study, "eve"),
        ("machine", "code", study, "--dimension", "talk"),
        ("settings", study, "blinding", "off"),
        ("settings", study, "machine_suggestions", "on"),
    ):
        assert cli_main([str(a) for a in argv]) == 0
    return study


def _chips(window: MainWindow, row: int) -> list[tuple[str, str]]:
    assert window.controller is not None
    model = window.controller.model
    return [(t, c.name()) for t, c in model.data(model.index(row), CHIPS_ROLE)]


def _eve(study: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(study) as conn:
        return conn.execute(
            "SELECT s.idx, c.value FROM codes c JOIN segments s ON s.id = c.segment_id "
            "WHERE c.coder_id = (SELECT id FROM coders WHERE name = 'eve')"
        ).fetchall()


def test_a_suggestion_is_faint_accepted_with_alt_enter_and_undone(
    qtbot, window: MainWindow, suggesting: Path, tmp_path: Path
) -> None:
    study = tmp_path / "m.scstudy"
    study.write_bytes(suggesting.read_bytes())
    with sqlite3.connect(study) as conn:
        ((machine_value,),) = conn.execute(
            "SELECT c.value FROM codes c JOIN segments s ON s.id = c.segment_id JOIN transcripts "
            "t ON t.id = c.transcript_id WHERE t.name = 's12' AND s.idx = 2 AND c.coder_id = "
            f"(SELECT id FROM coders WHERE name = '{MACHINE}')"
        ).fetchall()
    assert window.open_study(str(study), "eve", "s12")
    ctl = window.controller
    assert ctl is not None and ctl.transcript == "s12"
    (chip,) = _chips(window, 1)  # segment 2, a patient turn: only the faint suggestion
    assert "? (suggested," in chip[0] and chip[1] == SUGGESTION_CHIP
    assert _chips(window, 0) == []  # a therapist turn: talk does not apply
    ctl.set_current(1)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Return, Qt.KeyboardModifier.AltModifier)
    assert _eve(study) == [(2, machine_value)]
    (chip,) = _chips(window, 1)
    assert "suggested" not in chip[0] and chip[1] != SUGGESTION_CHIP  # now eve's own code
    with sqlite3.connect(study) as conn:
        ((reason,),) = conn.execute(
            "SELECT reason FROM audit_log WHERE action = 'set' AND coder_id = "
            "(SELECT id FROM coders WHERE name = 'eve')"
        ).fetchall()
    assert reason.startswith(f"accepted machine suggestion ({MACHINE}, probability ")
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _eve(study) == []
    assert "? (suggested," in _chips(window, 1)[0][0]  # offered again
