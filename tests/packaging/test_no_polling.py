"""Lead views update without polling (issue #12): they read again when the session tells them
what changed, never on a timer. The one repeating timer of the window is the watch of the
study for changes made by OTHER processes (gui/watch.py: a cheap check of the database's data
version when the window is idle, turned into the same change value); the player's single-shot
timer stops playback at a span's end. A new timer elsewhere (a view rebuilt every few
seconds) makes this fail with the module and line."""

from __future__ import annotations

import re
from pathlib import Path

GUI = Path(__file__).resolve().parents[2] / "socialcoder" / "gui"

#: modules that may make a QTimer object, and why
TIMERS = {
    "watch.py": "the watch of other processes' changes (the database's data version)",
    "media/player.py": "a single shot: playback stops at the end of a span",
}
MADE = re.compile(r"QTimer\(|startTimer\(|def timerEvent\(|QBasicTimer|QElapsedTimer")


def timers() -> list[str]:
    found = []
    for path in sorted(GUI.rglob("*.py")):
        name = path.relative_to(GUI).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MADE.search(line) and name not in TIMERS:
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_no_view_of_the_window_runs_on_a_timer() -> None:
    assert timers() == []


def test_no_lead_view_uses_a_timer_at_all() -> None:
    lead = [
        f"{p.name}: {line.strip()}"
        for p in sorted((GUI / "lead").glob("*.py"))
        for line in p.read_text(encoding="utf-8").splitlines()
        if "QTimer" in line or ("timeout" in line and "connect" in line)
    ]
    assert lead == []


def test_the_watch_is_the_only_repeating_timer() -> None:
    """The player's timer is single-shot; the watcher's repeats (its interval, gui/watch.py)."""
    player = (GUI / "media" / "player.py").read_text(encoding="utf-8")
    assert "setSingleShot(True)" in player
    watch = (GUI / "watch.py").read_text(encoding="utf-8")
    assert "StudyWatch(" in watch and "self.timer.timeout.connect(self.check)" in watch
