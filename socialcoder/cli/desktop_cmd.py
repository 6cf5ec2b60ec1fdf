"""`socialcoder desktop install|remove`: the menu entry, the icon and ``.scstudy`` double-click
on a Linux desktop (see socialcoder/desktop.py)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from socialcoder import desktop
from socialcoder.cli.common import command
from socialcoder.errors import UserError


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "desktop", help="Add SocialCoder to the desktop's menu and open .scstudy files with it."
    )
    sub = parser.add_subparsers(dest="desktop_command", metavar="ACTION", required=True)
    p = command(
        sub,
        "install",
        cmd_install,
        "Install the menu entry, the icon and the .scstudy file type for this user "
        "(Linux; under $XDG_DATA_HOME, default ~/.local/share) and make SocialCoder open them.",
    )
    p.add_argument("--data-home", type=Path, help="install under this folder instead")
    p = command(sub, "remove", cmd_remove, "Remove what `desktop install` added.")
    p.add_argument("--data-home", type=Path, help="remove from this folder instead")


def _data_home(args: argparse.Namespace) -> Path:
    if sys.platform in ("win32", "darwin"):
        raise UserError(
            "`socialcoder desktop` is for Linux desktops; on Windows and macOS the installer "
            "or the app bundle registers the file type (see docs/install.md)"
        )
    if args.data_home is not None:
        return Path(args.data_home).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) if xdg else Path.home() / ".local" / "share"


def _report(done: desktop.Integration, verb: str) -> None:
    print(f"{verb} {len(done.files)} file(s):")
    for path in done.files:
        if path.suffix in (".desktop", ".xml"):
            print(f"  {path}")
    if done.missing:
        print(f"  not found, so not run: {', '.join(done.missing)}")


def cmd_install(args: argparse.Namespace) -> int:
    home = _data_home(args)
    done = desktop.install(home, desktop.launcher_command())
    _report(done, "Installed")
    print(f"  menu entry runs: {' '.join(desktop.launcher_command())} gui FILE")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    _report(desktop.remove(_data_home(args)), "Removed")
    return 0
