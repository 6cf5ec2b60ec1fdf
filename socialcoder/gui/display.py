"""Is there a screen Qt can use? Checked before a QApplication is made, because Qt aborts the
whole process (exit 134) when its platform plugin cannot start, e.g. with ``DISPLAY`` set but
no X server behind it, blaming a library (libxcb-cursor0) that is not the problem.

:func:`display_problem` returns ``None`` when a window can be opened, or one line saying why
not. It needs no Qt in this process:

1. Windows and macOS always have a screen; ``QT_QPA_PLATFORM`` other than ``xcb``/``wayland``
   (``offscreen``, ``vnc``, ...) is the user's choice and needs none.
2. ``DISPLAY`` / ``WAYLAND_DISPLAY``: one must be set, and its server must accept a connection
   (the X socket ``/tmp/.X11-unix/X<n>`` or its abstract twin, or TCP port 6000+n for
   ``host:n``; the Wayland socket in ``$XDG_RUNTIME_DIR``). A second or less.
3. A child process starts a ``QGuiApplication`` as the window would (catching what the socket
   cannot show: refused authorisation, Qt's xcb libraries missing); its own message is
   translated into an accurate one.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

PROBE = "from PySide6.QtGui import QGuiApplication; QGuiApplication(['socialcoder-probe'])"
PROBE_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 1.0
NEEDS_NO_SCREEN = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")
README_SECTION = "Running without a screen"
_DISPLAY = re.compile(r"^(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?$")


def display_problem(env: dict[str, str] | None = None) -> str | None:
    """``None`` if Qt can open a window here, else why not (one line)."""
    env = dict(os.environ if env is None else env)
    if sys.platform in ("win32", "darwin"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if platform.startswith(NEEDS_NO_SCREEN):
        return None
    problem = _server_problem(env, platform)
    if problem is not None:
        return problem
    return _probe(env)


def _server_problem(env: dict[str, str], platform: str) -> str | None:
    x11, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    want_x = platform in ("", "xcb")
    want_wayland = platform in ("", "wayland", "wayland-egl")
    if not (want_x and x11) and not (want_wayland and wayland):
        return "no display (DISPLAY is not set)"
    reasons = []
    if want_wayland and wayland:
        if _wayland_answers(wayland, env.get("XDG_RUNTIME_DIR", "")):
            return None
        reasons.append(f"WAYLAND_DISPLAY={wayland} is set but no Wayland server answers there")
    if want_x and x11:
        answer = _x_answers(x11)
        if answer is None:
            return None
        reasons.append(answer)
    return "; ".join(reasons)


def _x_answers(display: str) -> str | None:
    """None when an X server accepts a connection for ``display``, else why not."""
    match = _DISPLAY.match(display)
    if match is None:
        if display.startswith("/") and _unix_connects(display):  # e.g. XQuartz's socket path
            return None
        return f"DISPLAY={display} is not a display name like ':0' or 'host:0'"
    host, number = match["host"], int(match["number"])
    if host in ("", "unix"):
        socket_path = f"/tmp/.X11-unix/X{number}"
        if sys.platform.startswith("linux") and _unix_connects("\0" + socket_path):
            return None
        if _unix_connects(socket_path):
            return None
        if host == "unix":
            return f"DISPLAY={display} is set but no X server answers there"
        host = "localhost"
    try:
        with socket.create_connection((host, 6000 + number), timeout=CONNECT_TIMEOUT_S):
            return None
    except OSError:
        return f"DISPLAY={display} is set but no X server answers there"


def _wayland_answers(name: str, runtime_dir: str) -> bool:
    path = name if name.startswith("/") else str(Path(runtime_dir or "/nonexistent") / name)
    return _unix_connects(path)


def _unix_connects(address: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(CONNECT_TIMEOUT_S)
        try:
            sock.connect(address)
        except OSError:
            return False
    return True


def _no_core_dump() -> None:  # pragma: no cover - runs in the child process
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _probe(env: dict[str, str]) -> str | None:
    """Start a QGuiApplication in a child process; None when it starts."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE],
            env=env,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            preexec_fn=_no_core_dump if os.name == "posix" else None,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"could not check the display ({type(exc).__name__})"
    if done.returncode == 0:
        return None
    text = done.stderr
    where = env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or "the display"
    if "could not connect to display" in text:
        return (
            f"Qt could not connect to the X server at {where} (is it running, and may you use it?)"
        )
    if "ModuleNotFoundError" in text:
        return "PySide6 is not installed"
    if "xcb-cursor0" in text or "Could not load the Qt platform plugin" in text:
        return (
            "Qt's X11 plugin cannot start: system libraries are missing "
            "(see the README, Linux desktop requirements)"
        )
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return f"Qt cannot open a window on {where}" + (f" ({first})" if first else "")
