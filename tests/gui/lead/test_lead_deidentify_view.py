"""The lead's 'De-identification' tab (Lead menu, Ctrl+Shift+5): candidates in context,
R replaces / K keeps from the keyboard, then the copy is written (fictional demo study plus a
fictional transcript with an ordinary-word name)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from socialcoder.domain.codebook import Role
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.audit_events import list_events
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

FICTIONAL = """\
Fictional transcript written for SocialCoder's tests; no real person or number.
[00:00:01] T: Hello. Did Hope come with you today?
[00:00:05] P: No. My sister Hope is ill. Ring me on 07700 900123 if it changes.
"""


def test_review_from_the_keyboard_then_write_the_copy(
    qtbot, lead_window: MainWindow, demo_study: Path, tmp_path: Path, monkeypatch
) -> None:
    source = tmp_path / "P09_session01.txt"
    source.write_text(FICTIONAL, encoding="utf-8")
    with open_study(demo_study) as study:
        import_transcripts(
            study,
            [ImportItem(path=source, participant="P09", therapist="T01",
                        speaker_map={"T": Role.THERAPIST, "P": Role.PATIENT})],
        )  # fmt: skip
    view = lead_window.lead.deidentify
    qtbot.keyClick(
        lead_window,
        Qt.Key.Key_5,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert lead_window.lead.currentWidget() is view
    qtbot.mouseClick(view.find_button, Qt.MouseButton.LeftButton)
    table = view.table
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table)
    assert not view.write_button.isEnabled()  # two names need the lead's decision
    first_row = table.currentRow()
    first = view.candidates[first_row]
    assert (first.text, first.keep, first.segment) == ("Hope", "?", 1)
    assert "Did Hope come" in view.context.toPlainText()  # the candidate in context
    qtbot.keyClick(table, Qt.Key.Key_K)  # keep this one...
    second = view.candidates[table.currentRow()]
    assert (second.text, second.keep, second.segment) == ("Hope", "?", 2)  # the next undecided
    qtbot.keyClick(table, Qt.Key.Key_R)  # ... replace that one
    assert "0 undecided" in view.summary.text() and view.write_button.isEnabled()
    assert table.item(first_row, 5).text() == "keep"
    out = tmp_path / "coders.scstudy"
    answers = iter([(str(out), ""), ("", "")])  # the copy; no mapping file
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: next(answers))
    qtbot.mouseClick(view.write_button, Qt.MouseButton.LeftButton)
    assert out.exists()
    with open_study(out) as copy:
        name = next(t.name for t in list_transcripts(copy) if t.name.endswith("_session01"))
        texts = [s.text for s in show_transcript(copy, name).segments]
    assert texts[0] == "Hello. Did Hope come with you today?"  # kept by the lead
    assert "Hope" not in texts[1] and "[PERSON" in texts[1] and "07700" not in texts[1]
    assert "P09" not in name
    with open_study(demo_study) as study:
        assert [e.kind for e in list_events(study, kinds=("deidentified",))] == ["deidentified"]
