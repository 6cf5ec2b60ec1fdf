"""Blinded coding in the window: a coder sees masked labels only, codes by keys as usual (the
codes land on the right transcript), and the lead turns blinding on and off from the Lead menu."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QLabel, QTableWidget

from socialcoder.gui.main_window import MainWindow
from socialcoder.services.settings import get_setting
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

IDENTIFYING = ("P01", "P02", "P03", "T01", "T02", "session0", "2024-", ".txt", ".vtt")
LABEL = re.compile(r"^Session [A-Z0-9]{4}$")


def _visible_texts(window: MainWindow) -> list[str]:
    """Everything the window shows as text: title, labels, buttons, every table cell and
    tooltip (the segment text itself is the transcript's, not metadata)."""
    texts = [window.windowTitle()]
    texts += [w.text() for w in window.findChildren(QLabel) if w.isVisible()]
    texts += [w.text() for w in window.findChildren(QAbstractButton) if w.isVisible()]
    for table in window.findChildren(QTableWidget):
        for r in range(table.rowCount()):
            for c in range(table.columnCount()):
                item = table.item(r, c)
                if item is not None and not table.isColumnHidden(c):
                    texts += [item.text(), item.toolTip()]
    return texts


def test_a_blinded_coder_sees_labels_only_and_codes_as_usual(
    qtbot, window: MainWindow, blinded_gui_study: Path
) -> None:
    with open_study(blinded_gui_study) as study:
        real = {t.label: t.name for t in list_transcripts(study)}
    assert window.open_study(str(blinded_gui_study), "ana")
    table = window.transcripts.table
    shown = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert sorted(shown) == sorted(real) and all(LABEL.match(s) for s in shown)
    assert table.isColumnHidden(1) and table.isColumnHidden(2)  # participant, session
    for text in _visible_texts(window):
        assert not any(word in text for word in IDENTIFYING), text
    ctl = window.controller
    assert ctl is not None and ctl.transcript == shown[0]
    assert shown[0] in window.windowTitle()
    # code by keys: next segment, then the concordance key; the code is on the real transcript
    qtbot.keyClick(window.segment_view, "j")
    row = ctl.current_row()
    seg = ctl.current_segment()
    assert row is not None and seg is not None
    qtbot.keyClick(window.segment_view, "c")
    with open_study(blinded_gui_study) as study:
        view = show_transcript(study, real[shown[0]], coder="ana")
    coded = {s.index: s.codes for s in view.segments if s.codes}
    assert seg.index in coded, coded
    # opening another transcript from the list by clicking keeps the labels
    qtbot.mouseClick(
        table.viewport(), qtbot_left(), pos=table.visualItemRect(table.item(1, 0)).center()
    )
    assert ctl.transcript == shown[1] and shown[1] in window.windowTitle()


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_the_lead_turns_blinding_off_and_on(
    qtbot, window: MainWindow, blinded_gui_study: Path
) -> None:
    assert window.open_study(str(blinded_gui_study), "Dr Lead", role="lead")
    action = window.blinding_action
    assert action.isEnabled() and action.isChecked()
    action.trigger()  # the menu item, as clicked
    assert not action.isChecked()
    with open_study(blinded_gui_study) as study:
        assert get_setting(study, "blinding") is False
    window.close_study()
    assert window.open_study(str(blinded_gui_study), "ana")
    names = [
        window.transcripts.table.item(r, 0).text()
        for r in range(window.transcripts.table.rowCount())
    ]
    assert "P01_session02" in names
    window.close_study()
    assert window.open_study(str(blinded_gui_study), "Dr Lead", role="lead")
    assert not window.blinding_action.isChecked()
    window.blinding_action.trigger()
    with open_study(blinded_gui_study) as study:
        assert get_setting(study, "blinding") is True


def test_codes_changed_elsewhere_reach_a_blinded_window(
    qtbot, window: MainWindow, blinded_gui_study: Path
) -> None:
    """The window names its transcript by the label; a code stored elsewhere under the real
    name is still recognised as this transcript's and shown in place (no reopening)."""
    from socialcoder.services.coding import set_code

    assert window.open_study(str(blinded_gui_study), "ana")
    ctl = window.controller
    assert ctl is not None and LABEL.match(ctl.transcript or "")
    with open_study(blinded_gui_study) as study:
        real = {t.label: t.name for t in list_transcripts(study)}[ctl.transcript]
        patient = next(s.index for s in show_transcript(study, real).segments
                       if s.role == "patient")  # fmt: skip
        set_code(study, coder="ana", transcript=real, segment=patient, dimension="concordance",
                 value="1")  # fmt: skip
    changes = ctl.reload_changed()
    assert [c.transcript for c in changes] == [ctl.transcript]
    assert ctl.model.segments[patient - 1].codes == {"concordance": "1"}
    assert LABEL.match(ctl.transcript or "")
