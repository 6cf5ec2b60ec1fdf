"""Encrypted study files: SQLCipher 4 through the ``sqlcipher3`` package.

An encrypted study is an SQLCipher 4 database (AES-256, every page and its write-ahead log
encrypted and authenticated with an HMAC); it has no SQLite header, so a file that is not
plain SQLite but has the size of a whole number of database pages is taken for an encrypted
study and its passphrase is asked for (see :mod:`socialcoder.storage.keys`).

The engine (:func:`socialcoder.storage.db.make_engine`) opens such a file through a *creator*:
each connection is made by ``sqlcipher3``, keyed with the raw key before anything else reads
the file, then handed to SQLAlchemy's ordinary pysqlite dialect (with ``sqlcipher3`` as its
DBAPI module, so that its errors are SQLAlchemy's errors as usual). Every pragma, the WAL
journal, ``BEGIN IMMEDIATE`` and Alembic migrations then work exactly as on a plain file. (The
``sqlite+pysqlcipher`` dialect was not used: it carries the passphrase in the URL, derives the
key again on every connection, and uses a different connection pool from plain studies.)

SQLCipher's own log lines (it prints "hmac check failed..." on stderr for a wrong key) are
switched off on every connection before the key is given.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import Any, Literal
from urllib.parse import quote, urlencode

from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.storage.keys import (
    MAX_ATTEMPTS,
    SALT_BYTES,
    Key,
    KeyRequest,
    ask,
    derive,
    new_salt,
)

SQLITE_HEADER = b"SQLite format 3\x00"
MIN_PAGE = 512  # SQLite/SQLCipher page sizes are powers of two from 512 bytes

FileState = Literal["missing", "folder", "empty", "plain", "encrypted", "other"]

UNAVAILABLE = (
    "encrypted studies need the sqlcipher3 package, which is not installed here (it has "
    "ready-made builds for Linux x86_64/aarch64, macOS and Windows; see the README's "
    "'Privacy' section)"
)


class PassphraseError(StudyError):
    """No passphrase was given, or the one given does not open the file."""


def dbapi() -> ModuleType:
    """The ``sqlcipher3`` DBAPI module; a one-line StudyError when it is not installed."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise StudyError(UNAVAILABLE) from None
    return dbapi2


def available() -> bool:
    try:
        dbapi()
    except StudyError:
        return False
    return True


def file_state(path: Path) -> FileState:
    """What a study path holds, from its first bytes and size (never opened as a database)."""
    try:
        if path.is_dir():
            return "folder"
        size = path.stat().st_size
        if size == 0:
            return "empty"
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return "missing"
    if head == SQLITE_HEADER:
        return "plain"
    if size % MIN_PAGE == 0:
        return "encrypted"
    return "other"


def is_encrypted(path: str | Path) -> bool:
    return file_state(Path(path)) == "encrypted"


def file_salt(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(SALT_BYTES)


def connect(
    path: str | Path,
    key: Key | None,
    *,
    timeout: float = 5.0,
    new: bool = False,
    uri: dict[str, str] | None = None,
) -> Any:
    """A ``sqlcipher3`` connection to ``path`` keyed with ``key`` (None: a plain file), with
    SQLCipher's logging off. ``new``: the file is being created, so the key's salt is given
    for SQLCipher to write into the header. ``uri``: SQLite URI options (a read-only study:
    ``mode=ro``...). Not checked: see :func:`check`."""
    module = dbapi()
    if uri:
        name = f"file:{quote(str(path))}?{urlencode(uri)}"
        conn = module.connect(name, timeout=timeout, check_same_thread=False, uri=True)
    else:
        conn = module.connect(str(path), timeout=timeout, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        conn.execute(f"PRAGMA key = {key.pragma_value(with_salt=new)}")
    return conn


def check(conn: Any) -> bool:
    """True when the connection can read its database (the right key, or a plain file)."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi().DatabaseError as exc:
        if "not a database" in str(exc) or "encrypted" in str(exc):
            return False
        raise
    return True


def key_for_file(path: Path, label: str | None = None) -> Key:
    """Ask the passphrase source for the passphrase of an existing encrypted file until one
    opens it (at most :data:`MAX_ATTEMPTS` times; a source that has no other answer stops
    earlier). Raises :class:`PassphraseError` with one line."""
    where = label or str(path)
    dbapi()
    salt = file_salt(path)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        passphrase = ask(KeyRequest(path, "open", attempt))
        if passphrase is None:
            break
        key = derive(passphrase, salt)
        if _opens(path, key):
            return key
    else:
        attempt = MAX_ATTEMPTS + 1
    if attempt == 1:
        raise PassphraseError(
            "is encrypted",
            source=where,
            remedy=Remedy.give(Input.PASSPHRASE),
        )
    raise PassphraseError("wrong passphrase (or the file is not a SocialCoder study)", source=where)


def new_key(path: Path, label: str | None = None) -> Key:
    """A key for a file about to be created or re-encrypted: a new passphrase from the
    source (asked with ``purpose='new'``) and a fresh random salt."""
    dbapi()
    passphrase = ask(KeyRequest(path, "new", 1))
    if not passphrase:
        raise PassphraseError(
            "needs a new passphrase",
            source=label or str(path),
            remedy=Remedy.give(Input.NEW_PASSPHRASE),
        )
    return derive(passphrase, new_salt())


def _opens(path: Path, key: Key) -> bool:
    conn = connect(path, key)
    try:
        return check(conn)
    finally:
        conn.close()


def creator(path: Path, key: Key, *, timeout: float, uri: dict[str, str] | None = None) -> Any:
    """A connection factory for SQLAlchemy's ``create_engine(creator=...)``. While the file
    is missing or empty (being created), the key's salt is given too, so that SQLCipher writes
    it into the header; afterwards the raw key alone (its salt is the file's)."""

    def make() -> Any:
        fresh = not (path.exists() and os.path.getsize(path) > 0)
        return connect(path, key, timeout=timeout, new=fresh and not uri, uri=uri)

    return make
