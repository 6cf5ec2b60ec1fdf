"""Desktop integration on Linux: the menu entry is a valid desktop file that runs this
SocialCoder, the .scstudy type is registered and opens in it, the icons are installed at
every size, and `desktop remove` takes it all away again."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from socialcoder import desktop

needs = pytest.mark.skipif


def _env(data_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_DATA_HOME": str(data_home),
        "XDG_DATA_DIRS": "/usr/local/share:/usr/share",
        "XDG_CURRENT_DESKTOP": "GNOME",  # xdg-mime then asks gio, which reads the mime database
    }


def test_exec_arguments_are_quoted_as_the_specification_says():
    assert desktop._exec_arg("/opt/socialcoder/socialcoder") == "/opt/socialcoder/socialcoder"
    assert desktop._exec_arg("/home/ana/My Apps/sc") == '"/home/ana/My Apps/sc"'
    # inside quotes $ is escaped with a backslash, which the string escape doubles
    assert desktop._exec_arg("/a$b/sc") == '"/a\\\\$b/sc"'
    assert desktop._exec_arg("/100%/sc") == "/100%%/sc"
    entry = desktop.desktop_entry(["/home/ana/My Apps/sc"])
    assert 'Exec="/home/ana/My Apps/sc" gui %f\n' in entry


def test_install_writes_the_entry_the_type_and_every_icon(tmp_path: Path):
    done = desktop.install(tmp_path, ["/opt/sc/socialcoder"], refresh=False)
    entry = tmp_path / "applications" / "socialcoder.desktop"
    mime = tmp_path / "mime" / "packages" / "socialcoder.xml"
    assert entry in done.files and mime in done.files
    text = entry.read_text(encoding="utf-8")
    assert "Exec=/opt/sc/socialcoder gui %f\n" in text
    assert "MimeType=application/x-socialcoder-study;\n" in text and "Icon=socialcoder\n" in text
    assert '<glob pattern="*.scstudy"' in mime.read_text(encoding="utf-8")
    hicolor = tmp_path / "icons" / "hicolor"
    for size in desktop.ICON_SIZES:
        for kind, name in (("apps", "socialcoder"), ("mimetypes", desktop.MIME_ICON)):
            icon = hicolor / f"{size}x{size}" / kind / f"{name}.png"
            assert icon.read_bytes() == (desktop.ICONS / f"socialcoder-{size}.png").read_bytes()
    assert (hicolor / "scalable" / "apps" / "socialcoder.svg").exists()
    removed = desktop.remove(tmp_path, refresh=False)
    assert set(removed.files) == set(done.files)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@needs(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_the_entry_is_a_valid_desktop_file(tmp_path: Path):
    desktop.install(tmp_path, ["/home/ana/My Apps/socialcoder"], refresh=False)
    checked = subprocess.run(
        ["desktop-file-validate", str(tmp_path / "applications" / "socialcoder.desktop")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and checked.stdout == "", checked.stdout


@needs(
    not all(shutil.which(t) for t in ("xdg-mime", "gio", "update-mime-database")),
    reason="xdg-utils, gio (libglib2.0-bin) or shared-mime-info not installed",
)
def test_a_study_file_is_of_the_type_and_opens_in_socialcoder(tmp_path: Path, cli):
    home = tmp_path / "share"
    result = cli("desktop", "install", "--data-home", str(home))
    assert result.code == 0, result.err
    assert "socialcoder.desktop" in result.out
    study = tmp_path / "trial.scstudy"
    assert cli("init", str(study)).code == 0

    def xdg(*args: str) -> str:
        done = subprocess.run(["xdg-mime", *args], env=_env(home), capture_output=True, text=True)
        return done.stdout.strip()

    assert xdg("query", "filetype", str(study)) == desktop.MIME_TYPE
    assert xdg("query", "default", desktop.MIME_TYPE) == "socialcoder.desktop"
    assert cli("desktop", "remove", "--data-home", str(home)).code == 0
    assert xdg("query", "filetype", str(study)) != desktop.MIME_TYPE


def test_the_icons_are_the_sizes_their_names_say():
    for size in desktop.ICON_SIZES:
        data = (desktop.ICONS / f"socialcoder-{size}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (size, size)
