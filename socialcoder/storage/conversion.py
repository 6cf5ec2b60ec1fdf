"""Converting study files: encrypt, rekey (both in place, atomically) and decrypted copies.

Every conversion writes a complete new file beside the target with SQLCipher's
``sqlcipher_export`` (schema, rows, indexes and triggers), checks that the new file opens with
its key and holds exactly the same rows in every table (a digest of each table's sorted rows
and of the schema), and only then renames it onto the target. Until that rename the original
file is the study, untouched in content; a failure or a kill leaves it as it was (at most a
hidden ``.NAME.*.converting`` file beside it, removed by the next conversion).

In-place conversions (:func:`encrypt_in_place`, :func:`rekey_in_place`) take the study for
themselves first: an exclusive lock that fails at once when another program (a window, a
command) has the study open, and that keeps every other program out until the new file is in
place. Just before the rename the old file's write-ahead log is checkpointed into it (so that
no journal file of the old study is left behind); after the rename, the old file's bytes are
overwritten with zeros through the descriptor still open on it (best effort: file systems and
SSDs may keep old blocks; see docs/privacy.md).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.storage import db, encryption
from socialcoder.storage.keys import Key

LOCK_TIMEOUT_MS = 2_000
_WIPE_CHUNK = 1 << 20

BeforePublish = Callable[[Engine], None]


@dataclass(frozen=True, slots=True)
class Conversion:
    """What a conversion wrote: the file, its tables and rows (checked equal to the source's)."""

    path: Path
    tables: int
    rows: int
    encrypted: bool


def encrypt_in_place(path: Path, *, before_publish: BeforePublish | None = None) -> Conversion:
    """Encrypt a plain study file with a new passphrase (asked from the passphrase source)."""
    label = db.describe(path)
    state = encryption.file_state(path)
    if state == "encrypted":
        raise StudyError("is already encrypted", source=label, remedy=Remedy.run(Input.REKEY))
    _require(state, label)
    encryption.dbapi()
    new = encryption.new_key(path, label)
    return _in_place(path, None, new, label, before_publish)


def rekey_in_place(path: Path, *, before_publish: BeforePublish | None = None) -> Conversion:
    """Re-encrypt an encrypted study file under a new passphrase (and a new salt)."""
    label = db.describe(path)
    state = encryption.file_state(path)
    if state == "plain":
        raise StudyError("is not encrypted", source=label, remedy=Remedy.run(Input.ENCRYPT))
    _require(state, label)
    old = encryption.key_for_file(path, label)
    new = encryption.new_key(path, label)
    return _in_place(path, old, new, label, before_publish)


def copy_study(
    source: Path,
    out: Path,
    *,
    encrypt: bool,
    before_publish: BeforePublish | None = None,
) -> Conversion:
    """Write a complete copy of a study file to ``out`` (which must not exist): plain, or
    encrypted with a new passphrase (``encrypt``). The source is only read."""
    label = db.describe(source)
    state = encryption.file_state(source)
    _require(state, label)
    if out.exists() or out.is_symlink():
        raise StudyError("already exists; choose a new file name", source=str(out))
    if not out.parent.is_dir():
        raise StudyError(f"folder {out.parent} does not exist", source=str(out))
    encryption.dbapi()
    old = encryption.key_for_file(source, label) if state == "encrypted" else None
    new = encryption.new_key(out, str(out)) if encrypt else None
    tmp = _tmp_beside(out)
    conn = encryption.connect(source, old, timeout=db.BUSY_TIMEOUT_MS / 1000)
    try:
        _export(conn, tmp, new)
        result = _verify(conn, tmp, new, label)
        _finish(tmp, new, before_publish)
        _publish_new(tmp, out)
    except BaseException:
        _remove(tmp)
        raise
    finally:
        conn.close()
    return Conversion(out, result[0], result[1], new is not None)


def write_private_table(
    path: Path, table: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]
) -> None:
    """A new SQLCipher database at ``path`` (which must not exist) holding one table of text
    columns, encrypted with a new passphrase from the passphrase source (e.g. the mapping back
    from a de-identified copy of an encrypted study)."""
    if path.exists() or path.is_symlink():
        raise StudyError("already exists; choose a new file name", source=str(path))
    new = encryption.new_key(path, str(path))
    tmp = _tmp_beside(path)
    conn = encryption.connect(tmp, new, new=True)
    try:
        names = ", ".join(f'"{c}" TEXT NOT NULL' for c in columns)
        conn.execute(f'CREATE TABLE "{table}" ({names})')
        marks = ", ".join("?" for _ in columns)
        conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows)
        conn.commit()
        conn.close()
        _publish_new(tmp, path)
    except BaseException:
        conn.close()
        _remove(tmp)
        raise


# --- the steps ----------------------------------------------------------------------------------


def _require(state: str, label: str) -> None:
    if state == "missing":
        raise StudyError("no such study file", source=label)
    if state == "folder":
        raise StudyError("is a folder, not a study file", source=label)
    if state in ("empty", "other"):
        raise StudyError("is not a SocialCoder study (not an SQLite database)", source=label)


def _in_place(
    path: Path, old: Key | None, new: Key, label: str, before_publish: BeforePublish | None
) -> Conversion:
    old_fd = os.open(path, os.O_RDWR)  # before any connection: see _wipe
    tmp = _tmp_beside(path)
    conn = encryption.connect(path, old, timeout=LOCK_TIMEOUT_MS / 1000)
    published = False
    try:
        conn.execute(f"PRAGMA busy_timeout = {LOCK_TIMEOUT_MS}")
        _lock(conn, label)
        _remove_stale(path)
        _export(conn, tmp, new, locked=True)
        result = _verify(conn, tmp, new, label)
        _finish(tmp, new, before_publish)
        # fold the old write-ahead log into the old file, so no journal of it stays behind
        conn.execute("PRAGMA journal_mode = DELETE").fetchall()
        _fsync(tmp)
        os.replace(tmp, path)
        published = True
        _fsync_folder(path.parent)
        _wipe(old_fd)
    except BaseException:
        if not published:
            _remove(tmp)
        raise
    finally:
        conn.close()
        os.close(old_fd)
    return Conversion(path, result[0], result[1], True)


def _lock(conn: Any, label: str) -> None:
    """Hold the study alone (locking mode EXCLUSIVE: the lock outlives the transaction)."""
    try:
        if not encryption.check(conn):
            raise StudyError("cannot be read with this key", source=label)
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
    except encryption.dbapi().OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StudyError(
                "is open in another program (a SocialCoder window or command); close it there "
                "and try again",
                source=label,
            ) from None
        raise
    conn.execute("COMMIT")  # the lock stays: locking_mode is EXCLUSIVE


def _export(conn: Any, tmp: Path, key: Key | None, *, locked: bool = False) -> None:
    value = key.pragma_value(with_salt=True) if key is not None else "''"
    conn.execute(f"ATTACH DATABASE ? AS converted KEY {value}", (str(tmp),))
    try:
        conn.execute("BEGIN EXCLUSIVE" if locked else "BEGIN")
        conn.execute("SELECT sqlcipher_export('converted')").fetchall()
        conn.execute("COMMIT")
    except BaseException:
        with suppress(Exception):
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.execute("DETACH DATABASE converted")


def _verify(conn: Any, tmp: Path, key: Key | None, label: str) -> tuple[int, int]:
    """The new file opens with its key and holds the same schema and rows as the source."""
    copy = encryption.connect(tmp, key)
    try:
        if not encryption.check(copy):
            raise StudyError(
                "the converted copy does not open; the study is unchanged", source=label
            )
        mine, theirs = _digest(conn), _digest(copy)
    finally:
        copy.close()
    if mine != theirs:
        raise StudyError(
            "the converted copy differs from the study; the study is unchanged", source=label
        )
    return len(mine[1]), sum(count for count, _ in mine[1].values())


def _digest(conn: Any) -> tuple[str, dict[str, tuple[int, str]]]:
    schema = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name"
    ).fetchall()
    tables: dict[str, tuple[int, str]] = {}
    for kind, name, _tbl, _sql in schema:
        if kind != "table":
            continue
        quoted = '"' + name.replace('"', '""') + '"'
        rows = sorted(repr(tuple(r)) for r in conn.execute(f"SELECT * FROM {quoted}"))
        digest = hashlib.sha256("\n".join(rows).encode("utf-8", "surrogatepass")).hexdigest()
        tables[name] = (len(rows), digest)
    return hashlib.sha256(repr(schema).encode()).hexdigest(), tables


def _finish(tmp: Path, key: Key | None, before_publish: BeforePublish | None) -> None:
    """Put the new file in WAL mode (as every study is; switching later would rewrite its first
    page), let the caller write into it (e.g. the audit event), then make sure it is one
    self-contained file again (no write-ahead log beside it)."""
    conn = encryption.connect(tmp, key)
    try:
        conn.execute("PRAGMA journal_mode = WAL").fetchall()
    finally:
        conn.close()
    if before_publish is not None:
        engine = db.engine_for_file(tmp, key)
        try:
            before_publish(engine)
        finally:
            engine.dispose()
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(f"{tmp}{suffix}")
        if side.exists() and side.stat().st_size > 0:
            raise StudyError("the converted copy was left with a journal; the study is unchanged")
        side.unlink(missing_ok=True)


def _publish_new(tmp: Path, out: Path) -> None:
    _fsync(tmp)
    try:
        os.link(tmp, out)  # never over a file that appeared meanwhile
    except FileExistsError:
        raise StudyError("already exists; choose a new file name", source=str(out)) from None
    except OSError:
        if out.exists():
            raise StudyError("already exists; choose a new file name", source=str(out)) from None
        os.replace(tmp, out)
    _remove(tmp)
    _fsync_folder(out.parent)


def _tmp_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.converting")


def _remove_stale(path: Path) -> None:
    for stale in path.parent.glob(f".{path.name}.*.converting*"):
        _remove(stale)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(OSError):
            os.unlink(f"{path}{suffix}")


def _wipe(fd: int) -> None:
    """Overwrite the replaced file's bytes with zeros, then empty it (best effort)."""
    try:
        size = os.fstat(fd).st_size
        os.lseek(fd, 0, os.SEEK_SET)
        zeros = bytes(_WIPE_CHUNK)
        left = size
        while left > 0:
            left -= os.write(fd, zeros[: min(left, _WIPE_CHUNK)])
        os.fsync(fd)
        os.ftruncate(fd, 0)
    except OSError:
        pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
