"""Adjudication from the keyboard with undo/redo, 'accept all agreements', and calibration
(the lead's view and the trainee's offer after completing a practice transcript)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from sqlalchemy import select

from socialcoder.gui.lead.calibration_view import CalibrationView, _prefix
from socialcoder.gui.lead.review_parts import AcceptDialog
from socialcoder.gui.lead.tables import fmt, fmt_pct
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.calibration import calibrate, calibration_settings
from socialcoder.services.coders import list_coders
from socialcoder.services.coding import set_completed
from socialcoder.services.consensus import list_disagreements
from socialcoder.services.study import open_study
from socialcoder.storage.models import AuditRow

NO = Qt.KeyboardModifier.NoModifier


def consensus(path: Path) -> dict[tuple[str, str, int | None], str | None]:
    with open_study(path) as study:
        return {
            (d.dimension, d.transcript, d.segment): d.consensus for d in list_disagreements(study)
        }


def test_adjudicate_from_keyboard_with_undo(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    lead = lead_window.lead
    lead_window.lead_actions[2].trigger()
    review = lead.review
    table = review.table
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table)
    first = review.current()
    assert (first.dimension, first.transcript, first.segment) == ("concordance", "P01_session02", 2)
    assert first.values == {"ana": "0", "ben": "1", "cleo": "0"}
    assert review.values.cells["ben"].text() == "<big><b>present</b></big>"
    assert "Not too bad, actually" in review.context.toPlainText()  # the turn in context
    assert "How have you been" in review.context.toPlainText()  # ... and the one before

    qtbot.keyClick(table, "2")  # take coder 2's (ben's) value
    k1 = ("concordance", "P01_session02", 2)
    assert consensus(demo_study)[k1] == "1"
    second = review.current()  # the next disagreement follows
    k2 = (second.dimension, second.transcript, second.segment)
    assert k2 == ("concordance", "P01_session02", 43)
    review.reason.setText("backchannel only")
    table.setFocus()
    qtbot.keyClick(table, "a")  # absent, with a reason
    assert consensus(demo_study)[k2] == "0"
    assert texts_of(review, k2)[-1] == "absent"
    with open_study(demo_study) as study, study.read() as session:
        rows = session.execute(
            select(AuditRow.actor, AuditRow.reason).where(AuditRow.action != "assign")
        ).all()
    assert ("Dr Lead", "backchannel only") in rows
    assert ("Dr Lead", "chose 1 in review (as ben)") in rows

    # resistance: a value's shortcut and Alt+digit (the codebook's N-th value)
    review.f_dimension.setCurrentIndex(review.f_dimension.findData("resistance"))
    k3 = review.current()
    k3 = (k3.dimension, k3.transcript, k3.segment)
    table.setFocus()
    qtbot.keyClick(table, "s")
    assert consensus(demo_study)[k3] == "strong"
    k4 = review.current()
    k4 = (k4.dimension, k4.transcript, k4.segment)
    qtbot.keyClick(table, "1", Qt.KeyboardModifier.AltModifier)
    assert consensus(demo_study)[k4] == "none"

    # undo everything with Ctrl+Z (newest first), redo one with Ctrl+Shift+Z
    undo = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(table, "z", undo)
    assert consensus(demo_study)[k4] is None and consensus(demo_study)[k3] == "strong"
    for _ in range(3):
        qtbot.keyClick(table, "z", undo)
    assert all(v is None for v in consensus(demo_study).values())
    qtbot.waitUntil(lambda: not review.busy(), timeout=10_000)  # the list read again
    assert texts_of(review, k1)[-1] == ""
    qtbot.keyClick(table, "z", undo | Qt.KeyboardModifier.ShiftModifier)
    assert consensus(demo_study)[k1] == "1"
    assert lead.undo_stack.index() == 1


def test_review_marks_implied_values_and_settles_them(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    """Resistance turns where one coder entered a value and another left the turn empty after
    completing are in the review, the empty one shown as an implied 'none'."""
    lead_window.lead_actions[2].trigger()
    review = lead_window.lead.review
    review.f_dimension.setCurrentIndex(review.f_dimension.findData("resistance"))
    implied = [d for d in review.shown if d.implied]
    assert implied, "resistance units with an implied 'none' are listed"
    row = review.shown.index(implied[0])
    review.table.setCurrentCell(row, 0)
    d = review.current()
    coder = d.implied[0]
    column = 3 + review.coders.index(coder)
    assert review.table.item(row, column).text() == "none (implied)"
    assert "implied" in review.values.cells[coder].text()
    review.table.setFocus()
    qtbot.keyClick(review.table, str(review.coders.index(coder) + 1))  # take the implied value
    assert consensus(demo_study)[(d.dimension, d.transcript, d.segment)] == "none"


def texts_of(review, key) -> list[str]:
    review.f_dimension.setCurrentIndex(0)
    row = [(d.dimension, d.transcript, d.segment) for d in review.shown].index(key)
    return [review.table.item(row, c).text() for c in range(review.table.columnCount())]


def test_accept_all_agreements(qtbot, lead_window: MainWindow, demo_study: Path, answer) -> None:
    review = lead_window.lead.review
    answer(AcceptDialog, lambda d: d.accept())
    review.accept_agreements()
    with open_study(demo_study) as study:
        settled = {c.name: c.codes for c in list_coders(study, include_consensus=True)}
        left = list_disagreements(study)
    # every unit where all of ana, ben and cleo gave the same value
    assert settled["consensus"] == unanimous(demo_study) > 0
    # disagreements stay for review: 36 where coders entered different values, and 18
    # resistance turns where one coder entered mild/strong and another left it empty after
    # completing (an implied 'none')
    assert len(left) == 54
    assert "agreed unit(s) accepted" in lead_window.statusBar().currentMessage()


def unanimous(path: Path) -> int:
    import numpy as np

    from socialcoder.services.reliability_data import load_dimension_data

    total = 0
    with open_study(path) as study:
        for dd in load_dimension_data(study):
            full = ~np.isnan(dd.data).any(axis=0)
            same = np.all(dd.data == dd.data[0], axis=0)
            total += int((full & same).sum())
    return total


def test_calibration_lead_view_and_threshold(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    view = lead_window.lead.calibration
    lead_window.lead.show_page("calibration")
    view.trainee.setCurrentText("cleo")
    view.gold.setCurrentText("ana")
    practice = ["P01_session02", "P02_session04"]
    for name in practice:  # tick the practice transcripts from the keyboard
        item = view.transcripts.findItems(name, Qt.MatchFlag.MatchExactly)[0]
        view.transcripts.setCurrentItem(item)
        qtbot.keyClick(view.transcripts, Qt.Key.Key_Space)
    assert view.chosen() == practice
    view.threshold.setValue(0.7)
    qtbot.mouseClick(view.compare_button, Qt.MouseButton.LeftButton)
    with open_study(demo_study) as study:
        expected = calibrate(study, trainee="cleo", gold="ana", transcripts=practice, threshold=0.7)
    shown = view.view
    results = [shown.dims.item(r, 7).text() for r in range(shown.dims.rowCount())]
    assert results == [d.result for d in expected.dimensions]
    assert [shown.dims.item(r, 5).text() for r in range(shown.dims.rowCount())] == [
        fmt(d.estimate) for d in expected.dimensions
    ]
    values = [(d, v) for d in expected.dimensions for v in d.values]
    assert shown.values.rowCount() == len(values)
    assert [shown.values.item(r, 4).text() for r in range(len(values))] == [
        fmt_pct(v.sensitivity) for _, v in values
    ]
    assert shown.diffs.rowCount() == len(expected.differences)
    assert expected.verdict in shown.verdict.text()
    assert "P01_session02, P02_session04" in shown.verdict.text()
    assert (
        "Concordance with the model" in shown.definition.toPlainText()
        or shown.diffs.rowCount() == 0
    )
    # the threshold is kept in the study (not on this computer): the CLI sees it too
    with open_study(demo_study) as study:
        assert calibration_settings(study).threshold == 0.7
    assert lead_window.settings.value(_prefix(lead_window.study) + "threshold") is None
    out = cli_out("settings", str(demo_study), "calibration_threshold")
    assert out.startswith("calibration_threshold: 0.7  - ")
    again = CalibrationView(lead_window.study, lead_window.settings)
    assert again.threshold.value() == 0.7
    again.deleteLater()


def cli_out(*argv: str) -> str:
    import contextlib
    import io

    from socialcoder.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(list(argv)) == 0
    return buffer.getvalue()


def test_calibration_settings_from_before_move_into_the_study(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    """A study without the calibration settings (made before they existed) takes what this
    computer's QSettings kept for it, once; then the study's values rule."""
    from sqlalchemy import delete

    from socialcoder.storage.models import StudySettingRow

    study = lead_window.study
    with study.write() as session:
        session.execute(delete(StudySettingRow).where(StudySettingRow.name.like("calibration%")))
    settings = lead_window.settings
    settings.setValue(_prefix(study) + "threshold", 0.65)
    settings.setValue(_prefix(study) + "practice/P01_session02", "ana")
    settings.setValue(_prefix(study) + "practice/P02_session04", "ana")
    settings.setValue(_prefix(study) + "practice/P03_session01", "ben")
    view = CalibrationView(study, settings)
    kept = calibration_settings(study)
    assert (kept.threshold, kept.gold, kept.practice) == (
        0.65,
        "ana",
        ("P01_session02", "P02_session04"),
    )
    assert view.threshold.value() == 0.65 and view.gold.currentText() == "ana"
    assert view.chosen() == ["P01_session02", "P02_session04"] and view.offer.isChecked()
    assert settings.value(_prefix(study) + "threshold") is None  # read once
    view.deleteLater()


def test_trainee_sees_calibration_after_completing(
    qtbot, window: MainWindow, demo_study: Path, answer
) -> None:
    # the lead marks P02_session04 as a practice transcript with ana as gold standard
    assert window.open_study(str(demo_study), "Dr Lead", role="lead")
    cal = window.lead.calibration
    cal.gold.setCurrentText("ana")
    cal.choose(["P01_session02", "P02_session04"])
    qtbot.mouseClick(cal.offer, Qt.MouseButton.LeftButton)
    with open_study(demo_study) as study:  # kept in the study, not on this computer
        kept = calibration_settings(study)
    assert (kept.gold, kept.practice) == ("ana", ("P01_session02", "P02_session04"))
    with open_study(demo_study) as study:
        set_completed(study, coder="ben", transcript="P02_session04", completed=False)
    # ben, coding blind, completes it and is shown the comparison
    assert window.open_study(str(demo_study), "ben", "P02_session04")
    assert window.role == "coder" and window.lead is None
    answer(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    seen: list[str] = []

    def read_and_close(dialog: QDialog) -> None:
        if dialog.objectName() == "calibration_dialog":
            seen.append(dialog.findChild(type(cal.view.verdict), "verdict").text())
            dialog.reject()

    answer(QDialog, read_and_close)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    # over every practice transcript both have completed
    assert "ben against ana (gold standard) on P01_session02, P02_session04" in seen[0]
    assert window.controller.completed
