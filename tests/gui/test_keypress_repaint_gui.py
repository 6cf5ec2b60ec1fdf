"""What a coding key repaints (issue #14): the details pane keeps its document while the
selected dimension's content is the same and shows the new content when it changes (a code
stored, a codebook version that redefines a dimension); a changed row is repainted alone when
its height stays, and the row shows the new code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtWidgets import QApplication

from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.panels import CodebookPanel
from socialcoder.gui.segment_model import CHIPS_ROLE

T = "P01_session02"


def _patient_row(window: MainWindow) -> int:
    ctl = window.controller
    assert ctl is not None
    return next(r for r, s in enumerate(ctl.model.segments) if s.role == "patient")


def test_details_follow_content_through_a_code_and_a_codebook_change(
    qtbot, window: MainWindow, gui_study: Path
) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    ctl, panel = window.controller, window.codebook_panel
    assert ctl is not None and panel is not None
    ctl.set_current(_patient_row(window))
    resistance = ctl.codebook.dimension("resistance")
    ctl.select_dimension(resistance)
    document = panel.details.document()
    assert resistance.label in panel.details.toPlainText()

    qtbot.keyClick(window.segment_view, "c")  # a code on another dimension: it is selected
    concordance = ctl.codebook.dimension("concordance")
    assert ctl.current_segment().codes == {"concordance": "1"}
    assert concordance.label in panel.details.toPlainText()
    ctl.select_dimension(resistance)  # back: the same laid-out document again
    assert panel.details.document() is document
    ctl.select_dimension(resistance)  # the same content: nothing replaced
    assert panel.details.document() is document

    redefined = replace(resistance, definition="Fictional new definition of resistance.")
    ctl.select_dimension(redefined)  # a new codebook version under the same key
    assert "Fictional new definition of resistance." in panel.details.toPlainText()
    assert panel.details.document() is not document
    ctl.select_dimension(resistance)
    assert "Fictional new definition" not in panel.details.toPlainText()


def test_a_code_repaints_its_row_only_and_shows_it(
    qtbot, window: MainWindow, gui_study: Path
) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    ctl, view = window.controller, window.segment_view
    assert ctl is not None
    row = _patient_row(window)
    ctl.set_current(row)
    qtbot.wait(50)
    painted: list[QRect] = []

    class Spy(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if watched is view.viewport() and event.type() == QEvent.Type.Paint:
                painted.append(event.rect())
            return False

    spy = Spy()
    view.viewport().installEventFilter(spy)
    # the window's own paints first (a delayed item layout, the scroll bar appearing: under
    # load they can come after any fixed wait and repaint the whole viewport): wait until
    # 200 ms pass without one, so that what is counted is the code's repaint alone
    for _ in range(25):
        painted.clear()
        qtbot.wait(200)
        if not painted:
            break
    assert not painted, "the view kept repainting on its own"
    before = view.visualRect(ctl.model.index(row))
    ctl.model.dataChanged.emit(ctl.model.index(row), ctl.model.index(row))  # same height
    qtbot.waitUntil(lambda: bool(painted), timeout=2000)
    QApplication.processEvents()
    assert all(before.contains(r) for r in painted), (before, painted)

    qtbot.keyClick(view, "i")  # stored, and shown on that row, whatever its height now
    qtbot.wait(50)
    chips = ctl.model.index(row).data(CHIPS_ROLE)
    assert any("incongruent" in text.lower() for text, _colour in chips)
    assert view.visualRect(ctl.model.index(row)).height() >= before.height()
    view.viewport().removeEventFilter(spy)


def test_the_armed_prompt_keeps_its_place(qtbot, window: MainWindow, gui_study: Path) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    panel = window.codebook_panel
    assert isinstance(panel, CodebookPanel)
    qtbot.wait(50)
    top = panel.details.geometry()
    panel.set_armed(panel.codebook.dimension("resistance"), "resistance: press n/m/s")
    QApplication.processEvents()
    assert panel.details.geometry() == top
    panel.set_armed(None, "")
    QApplication.processEvents()
    assert panel.details.geometry() == top
