"""One change pipeline in the lead's window (gui/session.py): a change made in another process
(the command line) or by the lead's own action reaches, as one StudyChange, exactly the views
that show what changed; the dashboard recomputes in a worker thread, keeping its figures until
the new ones arrive. Real SQLite files (the fictional sample study)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel

from socialcoder.gui import watch
from socialcoder.gui.lead import dashboard as dashboard_module
from socialcoder.gui.lead.workspace import LeadWorkspace
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.study_change import ChangeKind, StudyChange

LEAD = "Dr Lead"
T = "P01_session02"
REPO = Path(__file__).resolve().parents[3]
VIEWS = ("assignments", "review", "calibration", "audit")


def cli(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "socialcoder", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def lead(qtbot, window: MainWindow, demo_study: Path, monkeypatch: pytest.MonkeyPatch):
    """The lead's workspace on the sample study, its dashboard computed once, and a count of
    each view's refreshes (``lead.refreshed``) and of the dashboard's computations
    (``lead.computed``, with the thread each ran in: ``lead.threads``)."""
    monkeypatch.setattr(watch, "IDLE_MS", 20)
    assert window.open_study(str(demo_study), LEAD, role="lead")
    workspace = window.lead
    assert workspace is not None
    threads: list[int] = []
    original = dashboard_module.compute

    def compute(*args, **kwargs):
        threads.append(threading.get_ident())
        return original(*args, **kwargs)

    monkeypatch.setattr(dashboard_module, "compute", compute)
    workspace.dashboard.bootstrap.setValue(0)
    workspace.dashboard.start()
    qtbot.waitUntil(lambda: workspace.dashboard.result is not None, timeout=30_000)
    refreshed: Counter[str] = Counter()
    for name in VIEWS:
        view = getattr(workspace, name)
        before = view.refresh
        monkeypatch.setattr(
            view, "refresh", lambda n=name, f=before: (refreshed.update([n]), f())[1]
        )
    reads: list[int] = []  # the threads the progress grid was read in
    read = workspace.assignments.read
    monkeypatch.setattr(
        workspace.assignments, "read", lambda: (reads.append(threading.get_ident()), read())[1]
    )
    workspace.reads = reads
    workspace.refreshed = refreshed
    workspace.threads = threads
    workspace.computed = lambda: len(threads)
    threads.clear()
    return workspace


def _settle(qtbot, lead: LeadWorkspace) -> None:
    qtbot.wait(200)  # a few idle checks: nothing more arrives
    qtbot.waitUntil(lambda: not lead.busy(), timeout=30_000)


def test_an_assignment_made_by_the_command_line_reaches_only_the_views_that_show_it(
    qtbot, lead: LeadWorkspace, demo_study: Path
) -> None:
    changes: list[StudyChange] = []
    lead.session.changed.connect(lambda change, _origin: changes.append(change))
    cli("assign", str(demo_study), "--coder", "ana", "--transcript", T)
    qtbot.waitUntil(lambda: "· P" in lead.assignments.cell(T, "ana"), timeout=10_000)
    _settle(qtbot, lead)
    # the command line records its run in the study's events too (the audit trail shows it)
    assert changes == [
        StudyChange.of(ChangeKind.ASSIGNMENTS, ChangeKind.EVENTS, transcripts=[T], coders=["ana"])
    ]
    assert lead.refreshed == {"assignments": 1, "audit": 1}
    assert lead.computed() == 0  # reliability does not use it
    # the progress grid was read in a worker thread (the figures shown until then)
    assert len(lead.reads) == 1 and lead.reads[0] != threading.main_thread().ident


def test_a_memo_from_the_command_line_refreshes_the_review_not_the_figures(
    qtbot, lead: LeadWorkspace, demo_study: Path
) -> None:
    cli("memo", str(demo_study), "--coder", "ana", "--transcript", T, "--segment", "2",
        "--text", "a note from elsewhere")  # fmt: skip
    qtbot.waitUntil(lambda: lead.refreshed["review"] == 1, timeout=10_000)
    _settle(qtbot, lead)
    assert lead.refreshed == {"review": 1, "audit": 1}
    assert lead.computed() == 0


def test_a_code_from_the_command_line_recomputes_the_dashboard_off_the_gui_thread(
    qtbot, lead: LeadWorkspace, demo_study: Path
) -> None:
    shown = lead.dashboard.result
    assert shown is not None
    cli("code", str(demo_study), "--coder", "ana", "--transcript", T, "--segment", "2",
        "--dimension", "concordance", "--value", "1")  # fmt: skip
    qtbot.waitUntil(lambda: lead.computed() >= 1, timeout=10_000)
    assert lead.dashboard.result is shown  # the figures shown stay until the new ones arrive
    qtbot.waitUntil(lambda: lead.dashboard.result is not shown, timeout=30_000)
    _settle(qtbot, lead)
    assert lead.computed() == 1
    assert threading.main_thread().ident not in lead.threads
    assert lead.refreshed == {"assignments": 1, "review": 1, "calibration": 1, "audit": 1}
    # the confusion matrix came with the figures, read in the worker too
    assert lead.dashboard.result.confusion is not None
    assert lead.dashboard.confusion.matrix is lead.dashboard.result.confusion


def test_a_code_of_a_coder_outside_the_dashboards_selection_does_not_recompute_it(
    qtbot, lead: LeadWorkspace, demo_study: Path
) -> None:
    lead.dashboard.coders_edit.setText("ben, cleo")
    lead.dashboard.start()
    qtbot.waitUntil(lambda: lead.computed() == 1, timeout=10_000)
    _settle(qtbot, lead)
    cli("code", str(demo_study), "--coder", "ana", "--transcript", T, "--segment", "2",
        "--dimension", "concordance", "--value", "1")  # fmt: skip
    qtbot.waitUntil(lambda: lead.refreshed["review"] == 1, timeout=10_000)
    _settle(qtbot, lead)
    assert lead.computed() == 1


def test_the_leads_assignment_refreshes_exactly_the_views_it_concerns(
    qtbot, lead: LeadWorkspace, window: MainWindow
) -> None:
    received: list[tuple[StudyChange, object]] = []
    lead.session.changed.connect(lambda change, origin: received.append((change, origin)))
    view = lead.assignments
    index = view.grid.model().index(view.transcripts.index(T), 1 + view.coders.index("ben"))
    view.grid.selectionModel().select(index, QItemSelectionModel.SelectionFlag.Select)
    view.assign_selected()
    assert [change for change, _ in received] == [
        StudyChange.of(ChangeKind.ASSIGNMENTS, transcripts=[T], coders=["ben"])
    ]
    assert received[0][1] is not None  # the window's own action, not news from elsewhere
    assert lead.refreshed == {"assignments": 1, "audit": 1}
    assert "· P" in view.cell(T, "ben")
    _settle(qtbot, lead)  # the watcher does not report the action again
    assert len(received) == 1 and lead.refreshed == {"assignments": 1, "audit": 1}
    assert window.statusBar().currentMessage() != "The study changed: views refreshed."
    lead.undo_stack.undo()  # undone through the same path
    assert lead.refreshed == {"assignments": 2, "audit": 2}
    assert view.cell(T, "ben").startswith("complete") and "· P" not in view.cell(T, "ben")
    assert lead.computed() == 0


def test_a_consensus_decision_updates_the_final_codes_not_the_review_list(
    qtbot, lead: LeadWorkspace
) -> None:
    review = lead.review
    assert review.current() is not None
    review.decide("1")
    assert lead.refreshed == {"assignments": 1, "audit": 1}
    _settle(qtbot, lead)
    assert lead.refreshed == {"assignments": 1, "audit": 1}
    assert lead.computed() == 0


def test_changes_during_a_computation_make_one_more_and_old_figures_never_replace_newer(
    qtbot, lead: LeadWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    dashboard = lead.dashboard
    shown = dashboard.result
    release = threading.Event()
    calls: list[int] = []
    original = dashboard_module.compute

    def compute(*args, **kwargs):
        calls.append(len(calls))
        if len(calls) == 1:
            release.wait(10)  # the first computation is still running when the study changes
        return original(*args, **kwargs)

    monkeypatch.setattr(dashboard_module, "compute", compute)
    dashboard.start()
    qtbot.waitUntil(lambda: calls == [0], timeout=5_000)
    for _ in range(3):  # what the session emits, three times while it computes
        lead.study_changed(StudyChange.of(ChangeKind.CODES))
    assert dashboard.result is shown  # the figures shown stay until new ones arrive
    release.set()
    qtbot.waitUntil(lambda: dashboard.result is not shown, timeout=30_000)
    _settle(qtbot, lead)
    assert calls == [0, 1]  # the three changes: one more computation, after the first
    newest = dashboard.result
    assert newest is not None
    dashboard._finished(shown, started=dashboard.latest.started - 1)  # a late, older result
    assert dashboard.result is newest


def test_a_background_read_of_the_progress_grid_never_replaces_a_newer_one(
    qtbot, lead: LeadWorkspace
) -> None:
    view = lead.assignments
    older = view.read()
    view.refresh_later()
    ticket = view.reads.started
    view.refresh()  # the view reads again itself (its own action) while the read runs
    assert lead.refreshed["assignments"] == 1
    view.reads.arrive(ticket, view._read_arrived, older)  # the older read arrives late: dropped
    qtbot.waitUntil(lambda: not view.busy(), timeout=10_000)
    assert lead.refreshed["assignments"] == 1


def test_the_leads_settings_are_her_own_change_not_news_from_elsewhere(
    qtbot, lead: LeadWorkspace, window: MainWindow
) -> None:
    received: list[tuple[StudyChange, object]] = []
    lead.session.changed.connect(lambda change, origin: received.append((change, origin)))
    window.blinding_action.setChecked(not window.blinding_action.isChecked())
    threshold = lead.calibration.threshold
    threshold.setValue(threshold.value() + threshold.singleStep())
    _settle(qtbot, lead)  # the watcher finds nothing more
    assert [change for change, _ in received] == [StudyChange.of(ChangeKind.SETTINGS)] * 2
    assert all(origin is not None for _, origin in received)
    assert lead.refreshed == {"audit": 2}
    assert window.statusBar().currentMessage() != "The study changed: views refreshed."
