"""A study file opened without SQLAlchemy: the plain DBAPI connection a short read-only
command (``socialcoder info``) needs, so that it does not pay for importing SQLAlchemy and
compiling its statements (issue #14: start-up).

Only what is shared with :mod:`socialcoder.storage.db` lives here: the pragmas every SQLite
connection gets (:func:`configure_sqlite`, which the engine's connect hook calls too), how a
study file is opened (plain, or read-only through SQLite URI options), and what a study path
holds (:func:`path_problem`). An encrypted study is left to the engine: its passphrase is
asked for once, where the engine opens it. A connection from
:func:`connect_study_file` is set up exactly as one of the engine's.

Nothing here imports SQLAlchemy (``tests/cli/test_cli_startup.py`` checks what ``info``
imports).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from socialcoder.storage import encryption
from socialcoder.storage.access import Access

BUSY_TIMEOUT_MS = 15_000
#: how SQLAlchemy's ``DateTime`` stores a (UTC) time in SQLite; a value written through a
#: plain connection uses the same text, so that the engine reads it back as its own
#: (tests/integration/test_plain_read.py checks it)
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def is_url(target: str | Path) -> bool:
    """A database URL (``postgresql+psycopg://...``), not a study file's path."""
    return isinstance(target, str) and "://" in target


def configure_sqlite(dbapi_connection: Any, *, read_only: bool = False) -> None:
    """The pragmas of every connection to a study file: foreign keys on, a busy timeout, a
    64 MiB page cache, the WAL journal (for a study or a new file only) and
    ``synchronous=FULL`` (a power cut loses no committed action). Transactions are begun
    explicitly (``BEGIN`` / ``BEGIN IMMEDIATE``), never by the driver."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache: large imports stay fast
    # WAL is a lasting property of the file: switch to it only for a new (empty) database or
    # a study, never for some other SQLite file that was opened by mistake (left as it was).
    cursor.execute("SELECT count(*), sum(name = 'alembic_version') FROM sqlite_master")
    objects, ours = cursor.fetchone()
    if (not objects or ours) and not read_only:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a study file (missing, a folder, not SQLite), or None."""
    try:
        state = encryption.file_state(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if state == "missing":
        return "no such study file"
    if state == "folder":
        return "is a folder, not a study file"
    if state in ("empty", "other"):
        return "is not a SocialCoder study (not an SQLite database)"
    return None


def connect_study_file(path: Path, access: Access) -> sqlite3.Connection:
    """A DBAPI connection to an existing plain (not encrypted) study file, configured like
    the engine's: read-only (SQLite URI options) when ``access`` says the file cannot be
    written."""
    timeout = BUSY_TIMEOUT_MS / 1000
    uri = dict(access.uri) if access.read_only is not None else {}
    if uri:
        name = f"file:{quote(str(path))}?{urlencode(uri)}"
        connection = sqlite3.connect(name, timeout=timeout, uri=True)
    else:
        connection = sqlite3.connect(str(path), timeout=timeout)
    try:
        configure_sqlite(connection, read_only=access.read_only is not None)
    except BaseException:
        connection.close()
        raise
    return connection
