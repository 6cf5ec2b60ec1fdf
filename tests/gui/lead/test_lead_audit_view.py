"""The lead's 'Audit trail' tab (Lead menu, Ctrl+Shift+6): the study's events, newest first,
and the code-change counts; refreshed when the study changes elsewhere (fictional demo study)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from socialcoder.gui.main_window import MainWindow
from socialcoder.services.audit_events import record_export
from socialcoder.services.study import open_study


def _column(table, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_audit_tab_shows_events_and_follows_changes(
    qtbot, lead_window: MainWindow, demo_study: Path
) -> None:
    workspace = lead_window.lead
    qtbot.keyClick(
        lead_window,
        Qt.Key.Key_6,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert workspace.currentWidget() is workspace.audit
    table = workspace.audit.table
    # opening the study in the lead role is the newest event, with the lead's name
    assert _column(table, 1)[0] == "opened" and _column(table, 2)[0] == "Dr Lead"
    assert _column(table, 3)[0] == "lead"
    assert "not encrypted" in workspace.audit.summary.text()
    assert "Code-change audit log:" in workspace.audit.summary.text()
    # an export made by another program shows up when the window polls the study
    with open_study(demo_study) as study:
        record_export(study, "long table (csv)", "/data/fictional/long.csv", rows=3)
        from socialcoder.services.coding import set_code

        set_code(study, coder="ana", transcript="P01_session02", segment=2,
                 dimension="concordance", value="1")  # fmt: skip
    assert workspace.poll()
    assert _column(table, 1)[0] == "exported"
    assert "where=/data/fictional/long.csv" in _column(table, 5)[0]
