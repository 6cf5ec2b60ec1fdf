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
"""

from __future__ import annotations

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

from socialcoder.errors import UserError
from socialcoder.storage.access import Access, sqlite_access
from socialcoder.storage.server_sql import AUDIT_MARKER

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DRIVER = "postgresql+psycopg"
WHAT_A_STUDY_IS = "a file (.scstudy) or a PostgreSQL URL (postgresql+psycopg://user@host/db)"
BUSY_TIMEOUT_MS = 15_000
STUDY_SUFFIX = ".scstudy"


def is_url(target: str | Path) -> bool:
    return isinstance(target, str) and "://" in target


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


def make_engine(target: str | Path, access: Access | None = None) -> Engine:
    """An engine for a study; SQLite gets its pragmas on every connection. An existing SQLite
    file that cannot be written here (see :mod:`socialcoder.storage.access`; ``access`` if
    already known) is opened read-only, so that it can still be read."""
    url = to_url(target)
    if url.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True)
        if url.get_backend_name() == "postgresql":
            event.listen(engine, "connect", _pg_connect)
        return engine
    path = url.database
    if access is None and path and path != ":memory:" and Path(path).is_file():
        access = sqlite_access(path)
    read_only = access is not None and access.read_only is not None
    if read_only and access is not None and path:
        query = {"uri": "true", **dict(access.uri)}
        url = URL.create("sqlite+pysqlite", database="file:" + quote(path), query=query)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", partial(_sqlite_connect, read_only=read_only))
    event.listen(engine, "begin", _sqlite_begin)
    return engine


@contextmanager
def unit_of_work(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back on any exception."""
    with engine.connect() as connection:
        if write:
            connection = connection.execution_options(sc_write=True)
        with Session(bind=connection, expire_on_commit=False) as session, session.begin():
            yield session
