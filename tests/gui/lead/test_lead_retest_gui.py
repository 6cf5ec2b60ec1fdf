"""A blind second pass in the windows (issue #19): the lead plans it from the assignments view
(the same draw as `assign --retest PCT --after DAYS --seed S`) and sees it as a second pass;
the coder's window lists it as just another masked transcript, under a label of its own, and
codes it by keys as the coder's retest identity, never showing or changing the first pass."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from socialcoder.gui.lead.retest_dialog import RetestDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.retest import draw_retest_plan, list_retests, retest_spec
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

FIRST = "P02_session04"


def test_the_lead_plans_a_second_pass_and_the_coder_codes_it_blind(
    qtbot, window: MainWindow, blinded_gui_study: Path, answer
) -> None:
    with open_study(blinded_gui_study) as study:
        seg = next(s.index for s in show_transcript(study, FIRST).segments if s.role == "patient")
        set_code(study, coder="ana", transcript=FIRST, segment=seg, dimension="concordance",
                 value="1")  # fmt: skip
        set_completed(study, coder="ana", transcript=FIRST, completed=True)
        expected = draw_retest_plan(study, retest_spec(100, 0, seed=3, coders=["ana", "ben"]))
        own_label = {t.name: t.label for t in list_transcripts(study)}[FIRST]
    assert window.open_study(str(blinded_gui_study), "lead", role="lead")
    view = window.lead.assignments
    previewed: list[list[str]] = []

    def drive(dialog: RetestDialog) -> None:
        dialog.percent.setValue(100)
        dialog.days.setValue(0)
        dialog.seed.setValue(3)
        assert not dialog.apply_button.isEnabled()  # preview first
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
        for r in range(dialog.table.rowCount()):
            previewed.append([dialog.table.item(r, c).text() for c in range(2)])
        assert "seed 3" in dialog.summary.text()
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    answer(RetestDialog, drive)
    qtbot.mouseClick(view.findChild(QPushButton, "plan_retest"), Qt.MouseButton.LeftButton)
    assert previewed == [[d.coder, d.transcript] for d in expected.draws] == [["ana", FIRST]]
    with open_study(blinded_gui_study) as study:
        [entry] = list_retests(study)
    assert entry.label != own_label
    assert "ana (retest)" in view.coders
    assert view.cell(FIRST, "ana (retest)") == "not started · 2nd"
    item = view.grid.item(view.transcripts.index(FIRST), 1 + view.coders.index("ana (retest)"))
    assert "second pass of ana" in item.toolTip() and entry.label in item.toolTip()
    assert "1 second pass(es)" in view.totals.text()

    # the coder's window: the second pass is one more masked transcript, under its own label
    window.close_study()
    assert window.open_study(str(blinded_gui_study), "ana")
    table = window.transcripts.table
    shown = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert entry.label in shown and own_label in shown
    assert not any("retest" in text.casefold() for text in shown)
    row = shown.index(entry.label)
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualItemRect(table.item(row, 0)).center(),
    )
    ctl = window.controller
    assert ctl is not None and ctl.transcript == entry.label and ctl.coder == "ana (retest)"
    assert not any(s.codes for s in ctl.model.segments)  # the first pass is not shown
    ctl.set_current(seg - 1)
    window.segment_view.setFocus()
    qtbot.keyClick(window.segment_view, "c")  # concordance on the patient's turn
    with open_study(blinded_gui_study) as study:
        second = show_transcript(study, entry.label, coder="ana (retest)")
        first = show_transcript(study, FIRST, coder="ana")
    assert {s.index: s.codes for s in second.segments if s.codes} == {seg: {"concordance": "1"}}
    assert {s.index: s.codes for s in first.segments if s.codes} == {seg: {"concordance": "1"}}
    # back on an ordinary transcript, the window codes as ana again
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualItemRect(table.item(shown.index(own_label), 0)).center(),
    )
    assert ctl.transcript == own_label and ctl.coder == "ana"
    assert any(s.codes for s in ctl.model.segments)
