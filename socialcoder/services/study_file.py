"""A study file opened without SQLAlchemy, for short reading commands (issue #14: start-up).

:func:`open_study_file` opens a plain study file at the current schema over a DBAPI connection
configured as the engine's (:mod:`socialcoder.storage.plain`), or answers None where this path
does not apply -- a database URL, a path that is not a study, an encrypted study (its
passphrase is asked for once, by :func:`~socialcoder.services.study.open_study`), a file that
cannot be opened, or a study at another schema, which ``open_study`` upgrades or refuses with
its own message. A :class:`StudyFile` offers what the reliability reader needs of a study (its
name, its codebook, its dimensions' ids and a read transaction's connection:
:class:`~socialcoder.services.reliability_data.ReadableStudy`), and reads the same tables with the
same statements as an open :class:`~socialcoder.services.study.Study` does
(:mod:`socialcoder.services.reliability_data`). Its codebook is read without pydantic
(:func:`~socialcoder.codebooks.read_stored_codebook`).

Nothing here imports SQLAlchemy, Alembic, pydantic or the mapped models
(``tests/cli/test_cli_startup.py`` checks what ``info`` and ``reliability`` import).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialcoder.domain.codebook import Codebook, Dimension
from socialcoder.errors import NotFound
from socialcoder.services.event_record import event_row, opened_detail
from socialcoder.storage import encryption, migrate
from socialcoder.storage.access import sqlite_access
from socialcoder.storage.plain import SQLITE_DATETIME, connect_study_file, is_url, path_problem

_OPENED = (
    "INSERT INTO study_events (at, kind, actor, role, machine, detail) VALUES (?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class DimensionIds:
    """Database ids of a dimension, kept beside the domain object."""

    id: int
    enumerated: bool
    dimension: Dimension


def dimension_ids(dims: dict[str, DimensionIds], key: str) -> DimensionIds:
    """``dims[key]``, or the one-line answer naming the codebook's dimensions."""
    try:
        return dims[key]
    except KeyError:
        known = ", ".join(dims)
        raise NotFound(
            f"unknown dimension {key!r} (this study's codebook has: {known})",
            what="dimension",
            names=(key,),
        ) from None


class StudyFile:
    """A plain study file at the current schema, open over one DBAPI connection."""

    def __init__(self, connection: sqlite3.Connection, location: str, read_only: str | None):
        self.connection = connection
        self.location = location
        #: why this study cannot be written (a read-only file or folder), or None
        self.read_only = read_only
        self.name: str = connection.execute("SELECT name FROM study").fetchone()[0]
        self._codebook: Codebook | None = None
        self._dims: dict[str, DimensionIds] | None = None

    @property
    def codebook(self) -> Codebook:
        """The study's newest codebook version, read as it was stored."""
        if self._codebook is None:
            from socialcoder.codebooks import read_stored_codebook

            (source_yaml,) = self.connection.execute(
                "SELECT source_yaml FROM codebook_versions "
                "WHERE id = (SELECT max(id) FROM codebook_versions)"
            ).fetchone()
            self._codebook = read_stored_codebook(source_yaml, source=f"{self.location} (codebook)")
        return self._codebook

    def dimension(self, key: str) -> DimensionIds:
        if self._dims is None:
            codebook = self.codebook
            rows = self.connection.execute("SELECT key, id, enumerated FROM dimensions")
            ids = {k: (int(i), bool(e)) for k, i, e in rows}
            self._dims = {
                d.key: DimensionIds(ids[d.key][0], ids[d.key][1], d) for d in codebook.dimensions
            }
        return dimension_ids(self._dims, key)

    @contextmanager
    def dbapi_read(self) -> Iterator[tuple[Any, str]]:
        """One read transaction (one snapshot of the study) over the connection."""
        self.connection.execute("BEGIN")
        try:
            yield self.connection, "sqlite"
        finally:
            self.connection.execute("ROLLBACK")

    def record_opened(self, program: str) -> None:
        """Who opened the study from where, as an 'opened' event (best effort; not on a
        read-only study), as :func:`~socialcoder.cli.common.study_of` records it."""
        if self.read_only is None:
            record_opened_plain(self.connection, program)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> StudyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_study_file(target: str | Path) -> StudyFile | None:
    """The study file at ``target`` opened without SQLAlchemy, or None where this path does
    not apply (see the module's description): the caller then opens it with ``open_study``."""
    if is_url(target):
        return None
    label = str(target)
    path = Path(target).expanduser().resolve()
    if path_problem(path) or encryption.file_state(path) != "plain":
        return None  # an encrypted file: its passphrase is asked for once, by open_study
    access = sqlite_access(path)
    if access.unusable:
        return None
    connection = connect_study_file(path, access)
    try:
        try:
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:  # no such table: not a study
            revision = None
        if revision is None or migrate.state_of(revision[0]) is not migrate.SchemaState.CURRENT:
            connection.close()
            return None
        return StudyFile(connection, label, access.read_only)
    except BaseException:
        connection.close()
        raise


def record_opened_plain(connection: sqlite3.Connection, program: str) -> None:
    """An 'opened' event through a plain SQLite connection; left out when the study cannot
    take it now (it became read-only, or another writer held it past the busy timeout)."""
    row = event_row("opened", None, "command", opened_detail(program))
    values = (
        row["at"].strftime(SQLITE_DATETIME),
        row["kind"],
        row["actor"],
        row["role"],
        row["machine"],
        row["detail"],
    )
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(_OPENED, values)
        connection.execute("COMMIT")
    except sqlite3.Error:
        if connection.in_transaction:
            connection.rollback()
