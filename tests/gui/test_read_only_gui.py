"""A read-only study in the window: opened read-only with a visible banner that says why;
coding keys are refused with a clear message, no dialog, nothing stored (issue #10, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from socialcoder.gui.main_window import MainWindow

T = "P01_session02"
LEAD = "Dr Lead"


@pytest.fixture
def dialogs() -> Iterator[list[str]]:
    """Every modal dialog that appears is recorded and closed (so that a regression fails
    instead of hanging on a dialog)."""
    seen: list[str] = []

    def close_modal() -> None:
        widget = QApplication.activeModalWidget()
        if widget is not None:
            seen.append(type(widget).__name__ + ": " + getattr(widget, "text", lambda: "")())
            widget.close()

    timer = QTimer()
    timer.timeout.connect(close_modal)
    timer.start(50)
    yield seen
    timer.stop()


def _key(qtbot, window: MainWindow, k, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(window.segment_view, k, mods)
    qtbot.wait(60)


@pytest.mark.parametrize("how", ["file", "folder"])
def test_coding_keys_are_refused_on_a_read_only_study(
    qtbot, window: MainWindow, sample_study: Path, dump, make_read_only, dialogs, how: str
) -> None:
    from socialcoder.services.study import open_study
    from socialcoder.services.transcript_list import transcript_summary

    with open_study(sample_study) as study:
        shown = transcript_summary(study, T).label  # a new study is blinded: the coder's name
    before = dump(sample_study)
    make_read_only(sample_study, how)
    assert window.open_study(str(sample_study), "ana", T)
    banner = window.read_only_banner
    assert banner.isVisible() and "Read-only study" in banner.text()
    assert (
        ("immutable" in banner.text() or "permission" in banner.text())
        if how == "file"
        else ("is not writable" in banner.text())
    )
    ctl = window.controller
    assert ctl is not None and ctl.transcript == shown
    window.segment_view.setFocus()
    _key(qtbot, window, "j")  # moving is fine
    assert ctl.current_row() == 1
    before_chips = ctl.model.segment(1).codes
    for k in ("c", "i", "r", Qt.Key.Key_Delete, "m", "g"):
        window.statusBar().clearMessage()
        _key(qtbot, window, k)
        message = window.statusBar().currentMessage()
        assert message.startswith("Not stored: this study is read-only"), (k, message)
        assert ctl.armed is None
    _key(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # complete
    assert window.statusBar().currentMessage().startswith("Not stored: this study is read-only")
    assert ctl.model.segment(1).codes == before_chips and not ctl.undo_stack.count()
    assert dialogs == []  # no dialog of any kind, only the status message
    window.close_study()
    assert not banner.isVisible()
    assert dump(sample_study) == before


def test_the_lead_sees_the_banner_too(
    window: MainWindow, sample_study: Path, make_read_only, dialogs
) -> None:
    make_read_only(sample_study, "folder")
    assert window.open_study(str(sample_study), LEAD, role="lead")
    assert window.lead is not None and window.read_only_banner.isVisible()


def test_no_banner_on_a_writable_study(window: MainWindow, sample_study: Path) -> None:
    assert window.open_study(str(sample_study), "ana", T)
    assert not window.read_only_banner.isVisible()
