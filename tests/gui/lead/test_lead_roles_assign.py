"""The role chosen at login, and assignments from the progress view (screen and database)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QPushButton

from socialcoder.gui.dialogs import CoderDialog
from socialcoder.gui.lead.rule_dialog import RuleDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.assignments import list_assignments, plan_assignments
from socialcoder.services.coders import list_coders
from socialcoder.services.study import open_study


def test_blind_coder_cannot_reach_lead_views(qtbot, window: MainWindow, gui_study: Path) -> None:
    assert window.open_study(str(gui_study), "ana")
    assert window.role == "coder" and window.lead is None
    assert not window.lead_menu.menuAction().isVisible()
    assert all(not a.isEnabled() for a in window.lead_actions)
    for action in window.lead_actions:
        action.trigger()  # even if triggered programmatically, nothing opens
    qtbot.keyClick(
        window.segment_view,
        "2",
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert window.lead is None
    assert window.stack.currentWidget() is window.splitter


def test_role_chosen_at_login(qtbot, window: MainWindow, gui_study: Path, answer) -> None:
    def as_lead(dialog: CoderDialog) -> None:
        dialog.as_lead.setChecked(True)
        dialog.lead_name.setText("Prof. X")
        dialog.accept()

    seen = answer(CoderDialog, as_lead)
    assert window.open_study(str(gui_study))
    assert seen
    assert window.role == "lead" and window.lead is not None
    assert window.stack.currentWidget() is window.lead
    assert window.lead_menu.menuAction().isVisible()
    assert "Lead: Prof. X" in window.study_label.text()
    window.lead_actions[2].trigger()  # Disagreement review
    assert window.lead.currentWidget() is window.lead.review
    with open_study(gui_study) as study:  # the lead was not added as a coder
        assert [c.name for c in list_coders(study)] == ["ana", "ben"]

    def as_coder(dialog: CoderDialog) -> None:
        dialog.combo.setCurrentText("ben")
        dialog.accept()

    answer(CoderDialog, as_coder)
    window.switch_coder()
    assert window.role == "coder" and window.lead is None and window.coder == "ben"
    assert not window.lead_menu.menuAction().isVisible()


def test_assign_by_rule_preview_then_apply(
    qtbot, window: MainWindow, gui_study: Path, answer
) -> None:
    assert window.open_study(str(gui_study), "lead", role="lead")
    view = window.lead.assignments
    with open_study(gui_study) as study:
        expected = plan_assignments(study, ["ana", "ben"], overlap_percent=34, seed=7)
    previewed: list[list[str]] = []

    def drive(dialog: RuleDialog) -> None:
        dialog.overlap.setValue(34)
        dialog.seed.setValue(7)
        assert not dialog.apply_button.isEnabled()  # preview first
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
        for r in range(dialog.table.rowCount()):
            previewed.append([dialog.table.item(r, c).text() for c in range(3)])
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    answer(RuleDialog, drive)
    view.assign_by_rule()
    assert previewed == [[a.transcript, a.coder, a.purpose] for a in expected]
    with open_study(gui_study) as study:
        stored = {(a.coder, a.transcript, a.purpose) for a in list_assignments(study)}
    assert stored == {(a.coder, a.transcript, a.purpose) for a in expected}
    assert len([a for a in expected if a.purpose == "reliability"]) == 2  # ceil(34% of 3)
    for a in expected:
        tag = "P" if a.purpose == "primary" else "R"
        assert view.cell(a.transcript, a.coder) == f"not started · {tag}"
    assert "3 transcripts" in view.totals.text() and "0 unassigned" in view.totals.text()


def test_assign_by_hand_and_add_coder(qtbot, window: MainWindow, gui_study: Path, answer) -> None:
    assert window.open_study(str(gui_study), "lead", role="lead")
    view = window.lead.assignments

    def name_dora(dialog: QInputDialog) -> None:
        dialog.setTextValue("dora")
        dialog.accept()

    answer(QInputDialog, name_dora)
    view.add_coder()
    assert view.coders == ["ana", "ben", "dora"]
    row = view.transcripts.index("P02_session04")
    model = view.grid.model()
    selection = view.grid.selectionModel()
    for coder in ("ben", "dora"):
        index = model.index(row, 1 + view.coders.index(coder))
        selection.select(index, QItemSelectionModel.SelectionFlag.Select)
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with open_study(gui_study) as study:
        stored = {(a.coder, a.transcript, a.purpose) for a in list_assignments(study)}
    assert stored == {("ben", "P02_session04", "primary"), ("dora", "P02_session04", "reliability")}
    assert view.cell("P02_session04", "dora") == "not started · R"
    view.status_filter.setCurrentText("unassigned")
    hidden = [view.grid.isRowHidden(r) for r in range(view.grid.rowCount())]
    assert hidden == [name == "P02_session04" for name in view.transcripts]


def test_assign_by_design_preview_then_apply(
    qtbot, window: MainWindow, gui_study: Path, answer
) -> None:
    """The lead's window draws the same design as `assign --stratify therapist --covert
    --anchors 1 --seed 5`, previews each coder's order, and stores it with its record."""
    from socialcoder.services.design import design_spec, draw_plan

    assert window.open_study(str(gui_study), "lead", role="lead")
    view = window.lead.assignments
    spec = design_spec(["ana", "ben"], overlap_percent=50, stratify=["therapist"], covert=True,
                       anchors=1, seed=5)  # fmt: skip
    with open_study(gui_study) as study:
        expected = draw_plan(study, spec)
    previewed: list[list[str]] = []

    def drive(dialog: RuleDialog) -> None:
        dialog.overlap.setValue(50)
        dialog.seed.setValue(5)
        qtbot.mouseClick(dialog.strata["therapist"], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.covert, Qt.MouseButton.LeftButton)
        dialog.anchors.setFocus()
        qtbot.keyClick(dialog.anchors, Qt.Key.Key_Up)
        assert dialog.anchors.value() == 1 and dialog.covert.isChecked()
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
        for r in range(dialog.table.rowCount()):
            previewed.append([dialog.table.item(r, c).text() for c in range(5)])
        assert "seed 5" in dialog.summary.text() and "1 anchor" in dialog.summary.text()
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    answer(RuleDialog, drive)
    view.assign_by_rule()
    rows = sorted(expected.assignments, key=lambda a: (a.coder, a.position))
    assert previewed == [
        [a.transcript, a.coder, a.purpose, str(a.position), "yes" if a.anchor else ""] for a in rows
    ]
    with open_study(gui_study) as study, study.read() as session:
        from sqlalchemy import select

        from socialcoder.storage.models import AssignmentPlanRow, AssignmentRow

        assert session.scalars(select(AssignmentPlanRow.seed)).one() == 5
        positions = sorted(session.scalars(select(AssignmentRow.position)).all())
    assert positions == sorted(a.position for a in expected.assignments)


def test_unassign_with_delete_and_undo_redo(qtbot, window: MainWindow, gui_study: Path) -> None:
    """Ctrl+Enter assigns, Delete takes back (codes stay), Ctrl+Z / Ctrl+Shift+Z walk both
    back and forth: the grid and the database agree after every step."""
    from socialcoder.services.coding import set_code

    assert window.open_study(str(gui_study), "lead", role="lead")
    view = window.lead.assignments
    model, selection = view.grid.model(), view.grid.selectionModel()

    def select(*coders: str) -> None:
        selection.clearSelection()
        row = view.transcripts.index("P02_session04")
        for coder in coders:
            index = model.index(row, 1 + view.coders.index(coder))
            selection.select(index, QItemSelectionModel.SelectionFlag.Select)
        view.grid.setFocus()

    def stored() -> set[tuple[str, str]]:
        with open_study(gui_study) as study:
            return {(a.coder, a.purpose) for a in list_assignments(study)}

    select("ana", "ben")
    qtbot.keyClick(view.grid, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert stored() == {("ana", "primary"), ("ben", "reliability")}
    with open_study(gui_study) as study:  # ben starts coding
        set_code(study, coder="ben", transcript="P02_session04", segment=2,
                 dimension="concordance", value="1")  # fmt: skip
    view.refresh()
    select("ben")
    qtbot.keyClick(view.grid, Qt.Key.Key_Delete)
    assert stored() == {("ana", "primary")}
    assert view.cell("P02_session04", "ben").startswith("in progress")  # codes stay, no "· R"
    assert "· R" not in view.cell("P02_session04", "ben")
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, ctrl)  # undo the unassign: ben is back, as before
    assert stored() == {("ana", "primary"), ("ben", "reliability")}
    assert view.cell("P02_session04", "ben").endswith("· R")
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, ctrl)  # undo the assign
    assert stored() == set()
    assert view.cell("P02_session04", "ana") == ""
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, ctrl | shift)  # redo the assign
    assert stored() == {("ana", "primary"), ("ben", "reliability")}
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, ctrl | shift)  # redo the unassign
    assert stored() == {("ana", "primary")}
    select("cleo" if "cleo" in view.coders else "ana")
    view.unassign_button.click()
    assert window.lead.undo_stack.undoText().startswith("unassign")


def test_assign_by_rule_is_one_undoable_step(
    qtbot, window: MainWindow, gui_study: Path, answer
) -> None:
    """Issue #18: applying a rule (here a design with covert order and anchors) is one step
    of the lead's undo stack: Ctrl+Z takes all of it back, Ctrl+Shift+Z puts the same rows
    back (order, anchors and the plan's record kept); an assignment made by hand before it
    stays."""
    from sqlalchemy import select as sql_select

    from socialcoder.storage.models import AssignmentPlanRow, AssignmentRow

    assert window.open_study(str(gui_study), "lead", role="lead")
    view = window.lead.assignments
    row = view.transcripts.index("P01_session02")
    view.grid.selectionModel().select(
        view.grid.model().index(row, 1 + view.coders.index("ana")),
        QItemSelectionModel.SelectionFlag.Select,
    )
    view.grid.setFocus()
    qtbot.keyClick(view.grid, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    def rows() -> set[tuple[object, ...]]:
        with open_study(gui_study) as study, study.read() as session:
            return {
                (r.coder_id, r.transcript_id, r.purpose, r.position, r.anchor, r.plan_id)
                for r in session.scalars(sql_select(AssignmentRow))
            }

    by_hand = rows()
    assert len(by_hand) == 1

    def drive(dialog: RuleDialog) -> None:
        dialog.overlap.setValue(50)
        dialog.seed.setValue(5)
        qtbot.mouseClick(dialog.covert, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)

    answer(RuleDialog, drive)
    qtbot.mouseClick(
        next(b for b in view.findChildren(QPushButton) if b.text() == "Assign by &rule…"),
        Qt.MouseButton.LeftButton,
    )
    applied = rows()
    assert len(applied) > 1 and by_hand < applied
    assert window.lead.undo_stack.undoText().endswith("by rule")
    window.activateWindow()  # back from the dialog
    view.grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.grid)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, ctrl)  # one step takes the whole plan back
    assert rows() == by_hand
    # the plan's record stays (what was applied, by whom, the seed), for the redo below
    with open_study(gui_study) as study, study.read() as session:
        records = session.scalars(sql_select(AssignmentPlanRow.id)).all()
    assert len(records) == 1 and {r[-1] for r in applied} - {None} == set(records)
    assert all(not view.cell(t, "ben") for t in view.transcripts)
    qtbot.keyClick(view.grid, Qt.Key.Key_Z, ctrl | shift)  # and puts it back as it was
    assert rows() == applied
    assert any(view.cell(t, "ben").startswith("not started") for t in view.transcripts)
