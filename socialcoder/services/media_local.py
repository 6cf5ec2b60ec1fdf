"""This machine's own media settings, kept on this machine and never in the study.

A study on a lab server is shared, but each coder's recordings sit on that coder's machine,
in folders of their own. This file (JSON, in the user's configuration folder, or at
``$SOCIALCODER_MEDIA_CONFIG``) keeps:

* ``folders``: where to look for recordings (searched by content: size, then SHA-256);
* ``known``: SHA-256 -> the path where this machine last found that content, so that the
  next opening does not search again (checked by size before it is used).

Nothing here is a secret or identifies a participant beyond file paths the user chose.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_config_dir

from socialcoder.errors import UserError

CONFIG_ENV = "SOCIALCODER_MEDIA_CONFIG"


def config_path() -> Path:
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path(user_config_dir("SocialCoder", appauthor=False)) / "media.json"


@dataclass(slots=True)
class LocalMedia:
    folders: list[Path] = field(default_factory=list)
    known: dict[str, str] = field(default_factory=dict)


def load_local() -> LocalMedia:
    """The settings (empty when there are none yet or the file cannot be read: they only
    help to find files, and a lost setting is recreated by choosing the folder again)."""
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return LocalMedia()
    if not isinstance(data, dict):
        return LocalMedia()
    folders = [Path(f) for f in data.get("folders", []) if isinstance(f, str)]
    known = {
        k: v
        for k, v in (data.get("known") or {}).items()
        if isinstance(k, str) and isinstance(v, str)
    }
    return LocalMedia(folders, known)


def save_local(local: LocalMedia) -> None:
    path = config_path()
    data = {"folders": [str(f) for f in local.folders], "known": local.known}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(
            f"cannot save the media settings: {exc.strerror}", source=str(path)
        ) from None


def add_folder(folder: Path) -> list[Path]:
    folder = folder.expanduser().absolute()
    if not folder.is_dir():
        raise UserError("is not a folder", source=str(folder))
    local = load_local()
    if folder not in local.folders:
        local.folders.append(folder)
        save_local(local)
    return local.folders


def remove_folder(folder: Path) -> list[Path]:
    folder = folder.expanduser().absolute()
    local = load_local()
    if folder not in local.folders:
        raise UserError("is not one of this machine's media folders", source=str(folder))
    local.folders.remove(folder)
    save_local(local)
    return local.folders


def remember(sha256: str, path: Path) -> None:
    """Note where this machine found ``sha256`` (best effort: never fails the caller)."""
    local = load_local()
    if local.known.get(sha256) != str(path):
        local.known[sha256] = str(path)
        with contextlib.suppress(UserError):
            save_local(local)
