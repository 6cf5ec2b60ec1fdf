"""Fixtures for the GUI tests (pytest-qt, offscreen).

``gui_template``   a study built once per session through the services: the default codebook,
                   the three sample transcripts, coders ana and ben (no codes).
``gui_study``      a fresh copy of it in ``tmp_path`` (a ``Path``).
``window``         a shown :class:`MainWindow` with settings in a temp folder.
``answer``         ``answer(kind, act)``: when a modal dialog of class ``kind`` appears, call
                   ``act(dialog)`` (so that code that calls ``exec()`` can be driven).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.coders import add_coders
from socialcoder.services.settings import set_setting
from socialcoder.services.study import create_study
from socialcoder.services.transcript_import import (
    import_transcripts,
    read_manifest,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"


@pytest.fixture(scope="session")
def gui_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gui") / "template.scstudy"
    study = create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="GUI test study")
    try:
        import_transcripts(study, read_manifest(SAMPLES / "manifest.csv"))
        add_coders(study, ["ana", "ben"])
        # the coding-mechanics tests name transcripts: unblinded (blinded coding has its own
        # study, `blinded_gui_study`, and tests in test_blinding_gui.py)
        set_setting(study, "blinding", "off")
    finally:
        study.close()
    return path


@pytest.fixture
def gui_study(gui_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "study.scstudy"
    shutil.copy(gui_template, path)
    return path


@pytest.fixture
def blinded_gui_study(gui_study: Path) -> Path:
    """The GUI study with blinding on, as a new study has it."""
    from socialcoder.services.study import open_study

    with open_study(gui_study) as study:
        set_setting(study, "blinding", "on")
    return gui_study


@pytest.fixture(autouse=True)
def _private_settings(tmp_path: Path) -> Iterator[None]:
    """Point QSettings at a temp folder so tests never touch the user's settings."""
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    yield


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.close()


@pytest.fixture
def answer(qtbot) -> Callable[[type, Callable[[QWidget], None]], list[QWidget]]:
    """Schedule a reply to the next modal dialog of a class; returns a list that receives it."""

    def schedule(kind: type, act: Callable[[QWidget], None]) -> list[QWidget]:
        seen: list[QWidget] = []
        timer = QTimer()
        timer.setInterval(10)

        def poll() -> None:
            dialog = QApplication.activeModalWidget()
            if isinstance(dialog, kind) and not seen:
                seen.append(dialog)
                timer.stop()
                act(dialog)

        timer.timeout.connect(poll)
        timer.start()
        schedule.timers.append(timer)
        return seen

    schedule.timers = []
    yield schedule
    for t in schedule.timers:
        t.stop()
