"""The codebook pane's details follow the turn: moving from a therapist's turn, where a
therapist-only dimension was selected, to a patient's turn selects a dimension that applies
there and shows its definition (before, the therapist dimension's definition stayed, beside a
table of the patient's dimensions)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from socialcoder.gui.main_window import MainWindow
from socialcoder.services.demo import build_demo

T = "P01_session02"  # a therapist turn first, then the patient's


def test_details_follow_a_change_of_speaker_role(qtbot, window: MainWindow, tmp_path: Path) -> None:
    study = tmp_path / "sample.scstudy"
    build_demo(study)  # its codebook has therapist dimensions too
    assert window.open_study(str(study), "ana", T)
    ctl, panel = window.controller, window.codebook_panel
    assert ctl is not None and panel is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    seg = ctl.current_segment()
    assert seg is not None and seg.role == "therapist"
    therapist_only = [d for d in ctl.dimensions_for(seg) if not d.applies("patient")]
    assert therapist_only
    panel.table.cellClicked.emit(ctl.dimensions_for(seg).index(therapist_only[0]), 1)
    assert ctl.selected == therapist_only[0]
    assert therapist_only[0].label in panel.details.toPlainText()

    qtbot.keyClick(window.segment_view, "j")  # to the patient's turn
    seg = ctl.current_segment()
    assert seg is not None and seg.role == "patient"
    patient_dims = ctl.dimensions_for(seg)
    assert ctl.selected in patient_dims
    shown = panel.details.toPlainText()
    assert ctl.selected is not None and ctl.selected.label in shown
    assert therapist_only[0].label not in shown
    assert panel.table.currentRow() == patient_dims.index(ctl.selected)
