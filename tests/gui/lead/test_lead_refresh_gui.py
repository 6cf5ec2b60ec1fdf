"""The lead's views refresh through the same change detection as the coder's window: an idle
lead window reads no table and rebuilds nothing; a change made by another process shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event

from socialcoder.gui import watch
from socialcoder.gui.main_window import MainWindow

LEAD = "Dr Lead"
T = "P01_session02"
REPO = Path(__file__).resolve().parents[3]


def open_lead(window: MainWindow, study: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(watch, "IDLE_MS", 20)
    assert window.open_study(str(study), LEAD, role="lead")
    lead = window.lead
    assert lead is not None
    ticks: list[int] = []
    lead.watcher.timer.timeout.connect(lambda: ticks.append(1))
    rebuilt: list[str] = []
    for name in ("assignments", "review", "calibration"):
        view = getattr(lead, name)
        original = view.refresh
        monkeypatch.setattr(view, "refresh", lambda n=name, f=original: (rebuilt.append(n), f())[1])
    return lead, ticks, rebuilt


def test_an_idle_lead_window_reads_no_table_and_rebuilds_nothing(
    qtbot, window: MainWindow, demo_study: Path
) -> None:
    assert window.open_study(str(demo_study), LEAD, role="lead")
    lead = window.lead
    assert lead is not None
    review = lead.review  # the review's first list, read in a worker as the window opens
    qtbot.waitUntil(lambda: review.loaded and not review.busy(), timeout=10_000)
    statements: list[str] = []
    event.listen(
        lead.study.engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    rebuilt: list[int] = []
    lead.assignments.grid.model().modelReset.connect(lambda: rebuilt.append(1))
    lead.assignments.grid.model().rowsInserted.connect(lambda *_: rebuilt.append(1))
    assert watch.IDLE_MS < 3500
    qtbot.wait(3500)  # the idle check ran at least once
    assert statements == [] and rebuilt == []


def test_a_change_by_another_process_shows_in_the_lead_views(
    qtbot, window: MainWindow, demo_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead, _ticks, rebuilt = open_lead(window, demo_study, monkeypatch)
    assert lead.assignments.cell(T, "ana").startswith("complete")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialcoder",
            "complete",
            str(demo_study),
            "--coder",
            "ana",
            "--transcript",
            T,
            "--reopen",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    reopened = lambda: lead.assignments.cell(T, "ana").startswith("in progress")  # noqa: E731
    qtbot.waitUntil(reopened, timeout=10_000)
    assert sorted(set(rebuilt)) == ["assignments", "calibration", "review"]
    assert window.statusBar().currentMessage() == "The study changed: views refreshed."
    rebuilt.clear()
    qtbot.wait(300)  # and once shown, it is not rebuilt again while nothing changes
    assert rebuilt == []
