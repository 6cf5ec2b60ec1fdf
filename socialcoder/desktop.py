"""Desktop integration on Linux (freedesktop): the menu entry, the icon, and ``.scstudy`` files
opening in SocialCoder when double-clicked.

``install(data_home, command)`` writes, under ``data_home`` (``$XDG_DATA_HOME``, by default
``~/.local/share``):

* ``applications/socialcoder.desktop``: the menu entry, running ``COMMAND gui %f``;
* ``mime/packages/socialcoder.xml``: the shared-mime-info type ``application/x-socialcoder-study``
  for ``*.scstudy`` (a SQLite file underneath, so declared a sub-class of
  ``application/vnd.sqlite3``);
* ``icons/hicolor/NxN/apps/socialcoder.png`` (every size shipped) and ``scalable/apps`` (SVG),
  the same as ``mimetypes/application-x-socialcoder-study`` for the files' icon;

then refreshes the caches (``update-mime-database``, ``update-desktop-database``,
``gtk-update-icon-cache``) and makes SocialCoder the default for the type (``xdg-mime default``)
with the tools that are present, saying which were not. ``remove(data_home)`` undoes it. Pure
Python (no Qt): the CLI's ``socialcoder desktop install`` and the bundle's
``install-desktop.sh`` both call it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

APP_ID = "socialcoder"  # the desktop file's name, Qt's desktopFileName, the icon's name
MIME_TYPE = "application/x-socialcoder-study"
MIME_ICON = MIME_TYPE.replace("/", "-")
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(str(files("socialcoder").joinpath("resources", "icons")))

_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def _exec_arg(arg: str) -> str:
    """One argument of an Exec line (Desktop Entry Specification, 'The Exec key')."""
    arg = arg.replace("%", "%%")
    if not arg or _RESERVED & set(arg):
        quoted = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        arg = f'"{quoted}"'
    return arg.replace("\\", "\\\\")  # the string escape, applied on top of the quoting


def launcher_command() -> list[str]:
    """How this SocialCoder is started: the bundle's executable, the ``socialcoder`` script of
    this environment (pip, pipx), or ``python -m socialcoder``."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.executable).parent / "socialcoder"
    if script.is_file():
        return [str(script)]
    return [str(Path(sys.executable).resolve()), "-m", "socialcoder"]


def desktop_entry(command: list[str]) -> str:
    exec_line = " ".join(_exec_arg(a) for a in [*command, "gui"]) + " %f"
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.0",
            "Name=SocialCoder",
            "GenericName=Transcript coding",
            "Comment=Code therapy-session transcripts with several blind coders, check "
            "inter-rater reliability, export for analysis",
            f"Exec={exec_line}",
            f"Icon={APP_ID}",
            "Terminal=false",
            "Categories=Science;",
            f"MimeType={MIME_TYPE};",
            "Keywords=psychotherapy;transcript;qualitative;coding;reliability;",
            "StartupNotify=true",
            "",
        ]
    )


def mime_package() -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{MIME_TYPE}">
    <comment>SocialCoder study</comment>
    <sub-class-of type="application/vnd.sqlite3"/>
    <icon name="{MIME_ICON}"/>
    <glob pattern="*.scstudy" weight="60"/>
  </mime-type>
</mime-info>
"""


@dataclass
class Integration:
    """What :func:`install` or :func:`remove` did: files written or removed, tools run, and
    what could not be done (a tool missing)."""

    files: list[Path] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _icon_targets(data_home: Path) -> list[tuple[Path, Path]]:
    hicolor = data_home / "icons" / "hicolor"
    pairs = []
    for kind, name in (("apps", APP_ID), ("mimetypes", MIME_ICON)):
        for size in ICON_SIZES:
            pairs.append(
                (
                    ICONS / f"socialcoder-{size}.png",
                    hicolor / f"{size}x{size}" / kind / f"{name}.png",
                )
            )
        pairs.append((ICONS / "socialcoder.svg", hicolor / "scalable" / kind / f"{name}.svg"))
    return pairs


def _paths(data_home: Path) -> tuple[Path, Path]:
    return (
        data_home / "applications" / f"{APP_ID}.desktop",
        data_home / "mime" / "packages" / f"{APP_ID}.xml",
    )


def _refresh(data_home: Path, done: Integration, *, make_default: bool) -> None:
    steps = [
        ["update-mime-database", str(data_home / "mime")],
        ["update-desktop-database", str(data_home / "applications")],
        ["gtk-update-icon-cache", "-q", "-f", "-t", str(data_home / "icons" / "hicolor")],
    ]
    if make_default:
        steps.append(["xdg-mime", "default", f"{APP_ID}.desktop", MIME_TYPE])
    for step in steps:
        if shutil.which(step[0]) is None:
            done.missing.append(step[0])
            continue
        subprocess.run(step, check=False, capture_output=True, timeout=60)
        done.ran.append(step[0])


def install(data_home: Path, command: list[str], *, refresh: bool = True) -> Integration:
    done = Integration()
    entry, mime = _paths(data_home)
    for path, text in ((entry, desktop_entry(command)), (mime, mime_package())):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        done.files.append(path)
    for source, target in _icon_targets(data_home):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        done.files.append(target)
    if refresh:
        _refresh(data_home, done, make_default=True)
    return done


def remove(data_home: Path, *, refresh: bool = True) -> Integration:
    done = Integration()
    entry, mime = _paths(data_home)
    for path in [entry, mime, *(t for _, t in _icon_targets(data_home))]:
        if path.exists():
            path.unlink()
            done.files.append(path)
    if refresh:
        _refresh(data_home, done, make_default=False)
    return done
