"""Issue 19 in the lead's window: each analysed variable's session reliability beside the
analysis (the figures of `reliability --sessions`), and the final layer wherever codes of a
layer are chosen or shown per session, with how many of its values came from consensus and
how many from single coders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from socialcoder.gui.lead.assignments_view import FINAL_HEADER
from socialcoder.gui.lead.tables import headers, texts
from socialcoder.gui.main_window import MainWindow
from socialcoder.services import analysis as service
from socialcoder.services.final import final_cell, final_counts_by_transcript, final_counts_of
from socialcoder.services.session_reliability import session_reliability_report
from socialcoder.services.study import open_study

LEAD = "Dr Lead"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def demo_window(window: MainWindow, analysis_template: Path, tmp_path: Path) -> MainWindow:
    path = tmp_path / "demo.scstudy"
    shutil.copy(analysis_template, path)
    assert window.open_study(str(path), LEAD, role="lead")
    return window


def _choose_by_keys(qtbot, combo, value: str) -> None:
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == value:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    raise AssertionError(f"{value} not in {combo.objectName()}")


def test_analysis_shows_final_counts_and_each_variables_reliability(
    qtbot, demo_window: MainWindow
) -> None:
    qtbot.keyClick(demo_window, Qt.Key.Key_7, CTRL_SHIFT)  # Lead > Analysis
    assert demo_window.lead is not None
    view = demo_window.lead.analysis
    assert view.codes.currentData() == "final"
    with open_study(view.study.location) as study:
        counts = final_counts_of(study)
        report = session_reliability_report(study)
    by_measure = {r.measure.name: r.session_json() for r in report.results}
    assert counts.from_consensus + counts.from_single_coders > 0
    shown = view.layer_info.text()
    assert f"{counts.from_consensus} value(s) from consensus" in shown
    assert f"{counts.from_single_coders} from single coders" in shown
    _choose_by_keys(qtbot, view.codes, "ana")  # one coder: no final counts
    assert view.layer_info.text() == ""
    _choose_by_keys(qtbot, view.codes, "final")
    assert "from consensus" in view.layer_info.text()
    _choose_by_keys(qtbot, view.corr_x, "goal_agreement")
    view.corr_boot.setValue(100)
    assert not view.reliability_table.isVisibleTo(view)
    with qtbot.waitSignal(view.computed, timeout=120_000):
        qtbot.keyClick(view.run_button, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    run = view.run
    assert isinstance(run, service.CorrelationRun)
    assert "from consensus" in view.status.text()
    table = view.reliability_table
    assert table.isVisibleTo(view) and headers(table)[0] == "Variable"
    rows = {texts(table, r)[0]: texts(table, r) for r in range(table.rowCount())}
    assert set(rows) == {"goal_agreement", *(p.y for p in run.result.pairs)}
    want = by_measure["goal_agreement"]
    assert rows["goal_agreement"][1] == "x"
    if want["method"] is not None:
        figure = want["icc_a1"] if want["method"] == "ICC(A,1)" else want["g_qk"]
        assert rows["goal_agreement"][2].startswith(f"{want['method']} {figure:.2f}")
    assert rows["concordance_rate"][1] == "y"


def test_progress_grid_shows_where_each_sessions_final_values_come_from(
    demo_window: MainWindow,
) -> None:
    from socialcoder.services.consensus import build_consensus

    assert demo_window.lead is not None
    view = demo_window.lead.assignments
    with open_study(view.study.location) as study:  # settle what ana and ben agree on
        assert build_consensus(study, ("ana", "ben")).agreed > 0
    view.refresh()
    cols = headers(view.grid)
    assert cols[-1] == FINAL_HEADER and cols[1:-1] == view.coders
    with open_study(view.study.location) as study:
        per = final_counts_by_transcript(study)
        total = final_counts_of(study)
    assert per, "the demo has final values"
    # the per-session counts add up to the study's
    assert sum(c.from_consensus for c in per.values()) == total.from_consensus
    assert sum(c.from_single_coders for c in per.values()) == total.from_single_coders
    for row, name in enumerate(view.transcripts):
        cell = texts(view.grid, row)[-1]
        assert cell == final_cell(per.get(name))
    assert total.from_consensus > 0 and total.from_single_coders > 0
    settled = [n for n, c in per.items() if c.from_consensus]
    row = view.transcripts.index(settled[0])
    counts = per[settled[0]]
    assert texts(view.grid, row)[-1].startswith(f"{counts.from_consensus} consensus · ")
    assert "from consensus" in view.grid.item(row, len(cols) - 1).toolTip()
