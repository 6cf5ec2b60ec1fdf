"""Can an SQLite study file be written here? Decided once, when the study is opened.

A study in WAL mode is written through three files: ``STUDY``, ``STUDY-wal`` and ``STUDY-shm``
(the last two are created beside the study and removed when the last connection closes). So a
study is read-only when

* the file itself cannot be opened for writing: no write permission, an immutable file
  (``chattr +i``), a read-only mount. Tested by opening it for writing (nothing is written),
  which, unlike a permission check, also holds for root: root may write a ``chmod 444`` file,
  so that one is *not* read-only for root, but not an immutable file or one on a read-only mount;
* or its folder is not writable (no ``-wal``/``-shm`` can be made there).

How a read-only study is then opened (:func:`sqlite_access` gives the SQLite URI options):

* folder writable, or ``-wal`` and ``-shm`` already there: ``mode=ro``; SQLite reads the
  journal as usual, so the study is seen exactly as committed, other writers included;
* folder read-only, no ``-wal``: ``immutable=1`` (SQLite cannot even make its lock file, and
  with no journal there is nothing it would miss; nobody can write there either);
* folder read-only with a ``-wal`` but no ``-shm``: not readable without losing the journal's
  transactions; refused (:attr:`Access.unusable`).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Access:
    """``read_only``: why the study cannot be written (None: it can). ``uri``: SQLite URI
    options to open it with. ``unusable``: why it cannot be opened at all."""

    read_only: str | None = None
    uri: tuple[tuple[str, str], ...] = ()
    unusable: str | None = None


WRITABLE = Access()


def _file_problem(path: Path) -> str | None:
    try:
        fd = os.open(path, os.O_RDWR)  # open for writing, write nothing
    except OSError as exc:
        if exc.errno == errno.EROFS:
            return "it is on a read-only file system"
        if exc.errno == errno.EPERM:
            return "the file is marked unchangeable (immutable attribute)"
        if exc.errno == errno.EACCES:
            return "you have no permission to write the file"
        return f"it cannot be opened for writing ({exc.strerror})"
    os.close(fd)
    return None


def _folder_problem(folder: Path) -> str | None:
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except OSError:
        pass
    return f"its folder {folder} is not writable, and SQLite keeps its journal files there"


def sqlite_access(path: str | Path) -> Access:
    """How the SQLite study at ``path`` (an existing file) may be opened; see the module doc."""
    real = Path(os.path.realpath(path))  # SQLite puts the -wal/-shm files beside the real file
    folder_problem = _folder_problem(real.parent)
    problem = _file_problem(real) or folder_problem
    if problem is None:
        return WRITABLE
    wal, shm = Path(f"{real}-wal"), Path(f"{real}-shm")
    if folder_problem is None or (wal.exists() and shm.exists()):
        return Access(problem, (("mode", "ro"),))
    if wal.exists():
        return Access(
            problem,
            unusable=(
                f"it is read-only ({problem}), and its journal {wal.name} cannot be read "
                f"without {shm.name}; copy the study together with {wal.name} to a writable "
                "folder and open the copy"
            ),
        )
    return Access(problem, (("mode", "ro"), ("immutable", "1")))
