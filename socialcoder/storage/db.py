"""Engines and units of work.

A study is addressed by a file path (SQLite, the default: one study = one file, suggested
extension ``.scstudy``) or by a SQLAlchemy URL (``postgresql+psycopg://user@host/db``).
SQLite connections get foreign keys on, the WAL journal, ``synchronous=FULL`` (a power cut
loses no committed action) and a busy timeout; write transactions start with
``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing half way.

PostgreSQL connections pin ``search_path`` to the study's schema (``public``, then ``pg_temp``;
``pg_catalog`` is searched first), so that no schema another role can create in (say one named
after the login, ``"$user"``) can put a function or operator in front of what SocialCoder means,
and find out once what the login may do here (:func:`mode`): ``plain`` (an SQLite file, or a
server study without server mode, or its owner before ``server setup``), ``audited`` (server mode,
a lead or the owner: plain tables, the database writes the audit log) or ``coder`` (server mode,
a coder: her own rows only, through the study's functions; see :mod:`.server_sql`). Everything
else is dialect-neutral SQLAlchemy.

An encrypted study file (SQLCipher 4, see :mod:`socialcoder.storage.encryption`) gets the same
engine, whose connections are keyed before anything else runs.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from socialcoder.errors import StudyError, UserError
from socialcoder.storage import encryption
from socialcoder.storage.access import Access, sqlite_access
from socialcoder.storage.keys import Key

# re-exported (``X as X``): the services and the conversion take these from here
from socialcoder.storage.plain import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS
from socialcoder.storage.plain import configure_sqlite
from socialcoder.storage.plain import is_url as is_url
from socialcoder.storage.server_sql import AUDIT_MARKER

SQLITE_HEADER = encryption.SQLITE_HEADER
PG_DRIVER = "postgresql+psycopg"
WHAT_A_STUDY_IS = "a file (.scstudy) or a PostgreSQL URL (postgresql+psycopg://user@host/db)"
STUDY_SUFFIX = ".scstudy"


def to_url(target: str | Path) -> URL:
    """A SQLAlchemy URL for a study path or URL string (see :func:`checked_url`)."""
    if is_url(target):
        return checked_url(str(target))
    path = Path(target).expanduser().resolve()
    return URL.create("sqlite+pysqlite", database=str(path))


def checked_url(text: str) -> URL:
    """A database URL SocialCoder can use, or a one-line :class:`UserError` saying why not:
    not a URL, an engine other than PostgreSQL (and SQLite), a PostgreSQL driver other than
    psycopg, or psycopg not installed (the ``postgres`` extra). ``postgresql://`` means
    ``postgresql+psycopg://``."""
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise UserError(f"is not a database URL; a study is {WHAT_A_STUDY_IS}") from None
    where = url.render_as_string(hide_password=True)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url
    if backend != "postgresql":
        raise UserError(
            f"the database engine {backend!r} is not supported; a study is {WHAT_A_STUDY_IS}",
            source=where,
        )
    if url.drivername == "postgresql":
        url = url.set(drivername=PG_DRIVER)
    elif url.drivername != PG_DRIVER:
        raise UserError(
            f"the PostgreSQL driver {url.get_driver_name()!r} is not supported; "
            f"use a {PG_DRIVER}:// URL",
            source=where,
        )
    try:
        import psycopg  # noqa: F401  (only to see that it can be imported)
    except ImportError:
        raise UserError(
            "PostgreSQL support is not installed; install it with "
            "pip install 'socialcoder[postgres]'",
            source=where,
        ) from None
    return url


def describe(target: str | Path) -> str:
    """How to name a study in messages: the file path, or the URL without its password."""
    if is_url(target):
        try:
            return make_url(str(target)).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):
            return "the database URL"
    return str(target)


def _sqlite_connect(dbapi_connection: Any, _record: Any, *, read_only: bool = False) -> None:
    # Let SQLAlchemy, not pysqlite, decide where transactions begin (see the begin hook).
    configure_sqlite(dbapi_connection, read_only=read_only)


PLAIN, AUDITED, CODER = "plain", "audited", "coder"
STUDY_SCHEMA = "public"
_S = STUDY_SCHEMA
# Every name qualified: this runs before the search path is pinned.
_PG_SESSION = f"""
SELECT pg_catalog.set_config('search_path', '{_S}, pg_temp', false),
  CASE WHEN pg_catalog.to_regclass('{_S}.codes') IS NULL THEN '{PLAIN}'
       WHEN NOT pg_catalog.has_table_privilege(pg_catalog.to_regclass('{_S}.codes'), 'SELECT')
       THEN CASE WHEN pg_catalog.to_regprocedure('{_S}.sc_me()') IS NULL THEN '{PLAIN}'
                 ELSE '{CODER}' END
       WHEN EXISTS (SELECT FROM pg_catalog.pg_trigger t
                     WHERE t.tgrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('{_S}.codes')
                       AND t.tgname OPERATOR(pg_catalog.=) '{AUDIT_MARKER}') THEN '{AUDITED}'
       ELSE '{PLAIN}' END"""


def _pg_connect(dbapi_connection: Any, record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(_PG_SESSION)
        record.info["sc_mode"] = cursor.fetchone()[1]
    dbapi_connection.commit()  # SET is transactional: keep it


def mode(connection: Connection) -> str:
    """What this connection's login may do in the study (see the module docstring)."""
    return str(connection.info.get("sc_mode", PLAIN))


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get("sc_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_ENCRYPTED: weakref.WeakSet[Engine] = weakref.WeakSet()


def sqlite_path(target: str | Path) -> Path | None:
    """The file of an SQLite study (None for a server URL or an in-memory database)."""
    url = to_url(target)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def make_engine(
    target: str | Path, access: Access | None = None, *, encrypt: bool = False
) -> Engine:
    """An engine for a study; SQLite gets its pragmas on every connection. An existing SQLite
    file that cannot be written here (see :mod:`socialcoder.storage.access`; ``access`` if
    already known) is opened read-only, so that it can still be read. An encrypted study file
    is opened with the passphrase from the passphrase source (see
    :mod:`socialcoder.storage.keys`); ``encrypt`` creates a new file encrypted (a new
    passphrase is asked for)."""
    url = to_url(target)
    if url.get_backend_name() != "sqlite":
        if encrypt:
            raise StudyError(
                "only study files can be encrypted; a database server protects its data by "
                "its own means (disk encryption, TLS, roles)",
                source=describe(target),
            )
        engine = create_engine(url, pool_pre_ping=True)
        if url.get_backend_name() == "postgresql":
            event.listen(engine, "connect", _pg_connect)
        return engine
    path = sqlite_path(target)
    state = encryption.file_state(path) if path is not None else "missing"
    if encrypt and state not in ("missing", "empty"):
        raise StudyError("already exists; SocialCoder never overwrites a study", source=str(path))
    if access is None and path is not None and path.is_file():
        access = sqlite_access(path)
    key = None
    if path is not None and (encrypt or state == "encrypted"):
        label = describe(target)
        key = encryption.new_key(path, label) if encrypt else encryption.key_for_file(path, label)
    read_only = access if access is not None and access.read_only is not None else None
    return _sqlite_engine(url, path, key, read_only)


def engine_for_file(path: Path, key: Key | None) -> Engine:
    """An engine on a study file with a key already known (storage's own conversions)."""
    return _sqlite_engine(to_url(path), path, key, None)


def _sqlite_engine(
    url: URL, path: Path | None, key: Key | None, read_only: Access | None
) -> Engine:
    """``read_only``: how a study that cannot be written is opened (SQLite URI options)."""
    timeout = BUSY_TIMEOUT_MS / 1000
    uri = dict(read_only.uri) if read_only is not None else {}
    if key is not None and path is not None:
        make = encryption.creator(path, key, timeout=timeout, uri=uri)
        engine = create_engine(url, module=encryption.dbapi(), creator=make)
        _ENCRYPTED.add(engine)
    else:
        if read_only is not None and path is not None:
            query = {"uri": "true", **uri}
            url = URL.create("sqlite+pysqlite", database="file:" + quote(str(path)), query=query)
        engine = create_engine(url, connect_args={"timeout": timeout})
    event.listen(engine, "connect", partial(_sqlite_connect, read_only=read_only is not None))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def is_encrypted(engine: Engine) -> bool:
    """True for an engine on an encrypted study file."""
    return engine in _ENCRYPTED


@contextmanager
def unit_of_work(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back on any exception."""
    with engine.connect() as connection:
        if write:
            connection = connection.execution_options(sc_write=True)
        with Session(bind=connection, expire_on_commit=False) as session, session.begin():
            yield session
