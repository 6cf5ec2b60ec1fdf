"""`demo` and `gui` with DISPLAY set but no X server: no Qt abort (exit 134), an accurate
message, and the headless fallback; the README section it points to exists (issue #10, item 7
and the headless part of item 18)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from socialcoder.gui.display import README_SECTION, display_problem

REPO = Path(__file__).resolve().parents[2]


def _free_display() -> int:
    """A display number no X server uses (no socket, nothing on its TCP port)."""
    for number in range(917, 990):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", 6000 + number)) == 0:
                continue
        return number
    raise AssertionError("no free display number")


def _env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.pop("SOCIALCODER_DEBUG", None)
    env["PYTHONPATH"] = str(REPO)
    env.update(changes)
    return env


def _run(env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialcoder", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_and_gui_with_a_display_that_has_no_x_server(tmp_path: Path) -> None:
    display = f":{_free_display()}"
    env = _env(DISPLAY=display)
    demo = _run(env, "demo", "--path", tmp_path / "demo.scstudy")
    assert demo.returncode == 0, demo.stderr
    assert (
        f"The window is not opened: DISPLAY={display} is set but no X server answers there"
        in demo.stdout
    )
    assert f"see README: {README_SECTION}" in demo.stdout
    assert "libxcb" not in demo.stdout + demo.stderr and (tmp_path / "demo.scstudy").is_file()
    gui = _run(env, "gui", tmp_path / "demo.scstudy")
    assert gui.returncode == 2 and gui.stdout == ""
    assert gui.stderr.count("\n") == 1 and "libxcb" not in gui.stderr
    assert f"DISPLAY={display} is set but no X server answers there" in gui.stderr


def test_the_readme_has_the_section_the_message_points_to() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"\n### {README_SECTION}\n" in readme


def test_display_problems_without_a_server(tmp_path: Path) -> None:
    base = {"PATH": os.environ.get("PATH", "")}
    assert display_problem(base) == "no display (DISPLAY is not set)"
    assert display_problem({**base, "QT_QPA_PLATFORM": "offscreen"}) is None
    assert "is not a display name" in (display_problem({**base, "DISPLAY": "nonsense"}) or "")
    wayland = display_problem(
        {**base, "WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(tmp_path)}
    )
    assert wayland == "WAYLAND_DISPLAY=wayland-9 is set but no Wayland server answers there"
    number = _free_display()
    both = display_problem(
        {**base, "DISPLAY": f":{number}", "WAYLAND_DISPLAY": str(tmp_path / "nope")}
    )
    assert both is not None and f"DISPLAY=:{number} is set" in both and "Wayland" in both


@pytest.fixture
def xvfb() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (CI installs it)")
    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-nolisten", "tcp", "-screen", "0", "640x480x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            assert server.poll() is None and time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def test_a_real_x_server_is_usable(xvfb: str) -> None:
    env = _env(DISPLAY=xvfb)
    assert display_problem(env) is None  # the socket answers and Qt starts on it


QT_NO_SERVER = """qt.qpa.xcb: could not connect to display :987
qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.
qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.
"""
QT_NO_LIBRARY = """qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.
qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.
"""


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (QT_NO_SERVER, "Qt could not connect to the X server at :5"),
        (
            QT_NO_LIBRARY,
            "system libraries are missing (see the README, Linux desktop requirements)",
        ),
    ],
)
def test_qt_messages_are_translated(monkeypatch, stderr: str, expected: str) -> None:
    """What Qt prints when the socket answers but Qt still cannot start (recorded messages of
    PySide6 6.11): the probe's verdict names the real cause."""
    from socialcoder.gui import display

    def fake_run(*_args: object, **_kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], -6, "", stderr)

    monkeypatch.setattr(display.subprocess, "run", fake_run)
    assert expected in (display._probe({"DISPLAY": ":5"}) or "")
