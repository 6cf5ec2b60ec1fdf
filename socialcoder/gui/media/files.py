"""File > Attach recording… and File > Media folders… (this machine's own folders)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMainWindow

from socialcoder.gui.background import run_blocking
from socialcoder.gui.dialogs import show_error
from socialcoder.media.probe import MEDIA_KINDS
from socialcoder.services import media_local
from socialcoder.services.media import attach_media
from socialcoder.services.study import Study

FILTER = "Recordings (" + " ".join(f"*.{ext}" for ext in sorted(MEDIA_KINDS)) + ");;All files (*)"


def attach_recording(window: QMainWindow, study: Study | None, transcript: str | None) -> bool:
    """Ask for a file and attach it to ``transcript`` (hashing runs in the background)."""
    if study is None or transcript is None:
        show_error(window, "Open a transcript first.")
        return False
    name, _ = QFileDialog.getOpenFileName(window, f"Recording of {transcript}", "", FILTER)
    if not name:
        return False
    outcome = run_blocking(
        window,
        "Attach recording",
        lambda report, cancelled: attach_media(study, transcript, Path(name)),
        label=f"Reading {Path(name).name}…",
        cancellable=False,
    )
    if outcome.error:
        show_error(window, outcome.error)
        return False
    return outcome.result is not None


def choose_media_folder(window: QMainWindow) -> bool:
    """Add a folder where this machine keeps recordings (kept on this machine only)."""
    folders = media_local.load_local().folders
    start = str(folders[-1]) if folders else ""
    name = QFileDialog.getExistingDirectory(
        window, "A folder where this machine keeps recordings (searched by content)", start
    )
    if not name:
        return False
    try:
        media_local.add_folder(Path(name))
    except Exception as exc:  # a UserError: one line
        show_error(window, exc)
        return False
    return True
