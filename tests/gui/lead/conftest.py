"""Fixtures for the lead-view tests (the parent conftest gives ``window``, ``gui_study`` and
``answer``).

``demo_template``  the bundled fictional sample study's three hand-written sessions (ana, ben,
                   cleo; all complete; ``build_demo(followup=False)``: the figures these tests
                   check rest on them), built once per session.
``analysis_template`` the whole sample study (with the follow-up sessions and measures, as
                   ``socialcoder demo`` builds it), built once per session.
``demo_study``     a fresh copy of it in ``tmp_path``.
``lead_window``    ``window`` opened on ``demo_study`` in the lead role (as "Dr Lead"), once the
                   review's first list (read in a worker thread) has arrived.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from socialcoder.gui.main_window import MainWindow
from socialcoder.services.demo import build_demo

LEAD = "Dr Lead"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lead") / "demo.scstudy"
    return build_demo(path, fresh=True, followup=False).path


@pytest.fixture(scope="session")
def analysis_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("analysis") / "demo.scstudy", fresh=True).path


@pytest.fixture
def demo_study(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.scstudy"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def lead_window(qtbot, window: MainWindow, demo_study: Path) -> MainWindow:
    assert window.open_study(str(demo_study), LEAD, role="lead")
    assert window.lead is not None
    review = window.lead.review  # its first list is read in a worker thread
    qtbot.waitUntil(lambda: review.loaded and not review.busy(), timeout=10_000)
    return window
