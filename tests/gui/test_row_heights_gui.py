"""The turn list's rows tile: each starts where the one before it ends, at the height its text
needs at the list's width, also after that width changed (a regression of f142046: with the
list's own word wrap off, Qt no longer laid the rows out again when only the list's width
changed, as when its scroll bar appears; a long turn of the sample study then ran into the next
one, whose row kept its old place)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from socialcoder.gui.main_window import MainWindow
from socialcoder.services.demo import build_demo


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "sample.scstudy"
    build_demo(path)
    return path


def _overlaps(window: MainWindow) -> list[tuple[int, int, int]]:
    """(row, where it ends, where the next begins) wherever rows do not tile."""
    ctl, view = window.controller, window.segment_view
    assert ctl is not None
    wrong = []
    for row in range(ctl.model.rowCount() - 1):
        this, after = (
            view.visualRect(ctl.model.index(row)),
            view.visualRect(ctl.model.index(row + 1)),
        )
        if this.y() + this.height() != after.y():
            wrong.append((row, this.y() + this.height(), after.y()))
    return wrong


def test_rows_tile_when_the_sample_study_opens_and_when_the_list_narrows(
    qtbot, window: MainWindow, demo_template: Path, tmp_path: Path
) -> None:
    study = tmp_path / "sample.scstudy"
    shutil.copy(demo_template, study)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_study(str(study), "ana")  # as `socialcoder demo` opens it
    qtbot.wait(400)  # Qt lays rows out after a short delay
    assert _overlaps(window) == []
    for step in (250, -120):  # the list alone narrower, then wider; its height unchanged
        sizes = window.splitter.sizes()
        window.splitter.setSizes([sizes[0] + step, sizes[1] - step, *sizes[2:]])
        qtbot.wait(400)
        assert _overlaps(window) == []
