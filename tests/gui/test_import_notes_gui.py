"""Transcript import from the window: the speaker-map question takes the same map as the
command line (``text`` for a word that is no speaker), and the summary shows what was not read
as written (undecodable bytes) and the preamble kept."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QInputDialog, QMessageBox

from socialcoder.gui.main_window import MainWindow
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem
from socialcoder.services.transcript_view import show_transcript


def test_speaker_question_takes_text_and_summary_shows_warnings(
    qtbot, window: MainWindow, gui_study: Path, tmp_path: Path, answer
) -> None:
    source = tmp_path / "P09_session01.txt"
    body = (
        "Fictional, not real data.\n"
        "T: Hello, café?\nMonday: walk.\nP: Oui, très bien.\nMum: She slept.\nT: Good.\n"
    )
    source.write_bytes(body.encode("utf-8").replace(b"Oui", b"Ou\xef"))
    assert window.open_study(str(gui_study), "ana")
    asked: list[str] = []

    def roles(dialog: QInputDialog) -> None:
        asked.append(dialog.labelText())
        dialog.setTextValue("Monday=text, Mum=patient")
        dialog.accept()

    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QInputDialog, roles)
    answer(QMessageBox, read)
    summary = window.files.run_import([ImportItem(path=source)])
    assert summary is not None and summary.segments == 4
    assert "'Monday' (line 3), 'Mum' (line 5)" in asked[0]
    assert "therapist or patient; text for a word that is no speaker" in asked[0]
    assert "=patient" not in asked[0].split("e.g.")[1]
    assert "--" not in asked[0]  # the command line's flag (--speaker-map) is not the window's
    assert "1 line(s) before the first turn kept as the preamble" in texts[0]
    assert "warning: 1 byte(s) that are not UTF-8 on line(s) 4" in texts[0]
    with open_study(gui_study) as study:
        view = show_transcript(study, "P09_session01")
    assert [(s.label, s.text) for s in view.segments] == [
        ("T", "Hello, café?\nMonday: walk."),
        ("P", "Ou\ufffd, très bien."),
        ("Mum", "She slept."),
        ("T", "Good."),
    ]
