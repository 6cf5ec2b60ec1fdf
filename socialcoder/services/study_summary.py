"""What ``socialcoder info`` shows about a study, read by two plain SQL statements.

:func:`read_summary` is the one read path for that answer, on any DBAPI connection: a study
file opened without SQLAlchemy (:func:`summary_of_file`, the command's fast path: importing
SQLAlchemy and compiling its statements cost several times the rest of the command), or the
connection of an open :class:`~socialcoder.services.study.Study` (:func:`study_summary`: a
PostgreSQL study, or a file the fast path leaves to :func:`~socialcoder.services.study.open_study`,
which upgrades an older schema or says in one line why the file cannot be opened).

The statements are plain SQL that SQLite and PostgreSQL read alike, without parameters (the
two drivers mark them differently). Which coders are listed is
:func:`socialcoder.domain.coder_kinds.listed_by_default`, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialcoder.domain.coder_kinds import listed_by_default
from socialcoder.services.study_file import open_study_file

if TYPE_CHECKING:
    from socialcoder.services.study import Study


@dataclass(frozen=True, slots=True)
class StudySummary:
    name: str
    location: str
    codebook_name: str
    codebook_version: str
    created_at: datetime
    schema_revision: str
    demo: bool  # the bundled sample study (socialcoder demo)
    transcripts: int
    segments: int
    coders: tuple[str, ...]  # the human coders, by name


_STUDY = """
SELECT s.name, s.created_at, s.demo, v.name, v.version,
       (SELECT version_num FROM alembic_version),
       (SELECT count(*) FROM transcripts),
       (SELECT coalesce(sum(segment_count), 0) FROM transcripts)
FROM study AS s, codebook_versions AS v
WHERE s.id = 1 AND v.id = (SELECT max(id) FROM codebook_versions)"""
_CODERS = "SELECT name, kind FROM coders ORDER BY name"


def read_summary(connection: Any, location: str) -> StudySummary:
    """The summary of the study behind a DBAPI ``connection`` (SQLite or PostgreSQL)."""
    cursor = connection.cursor()
    try:
        cursor.execute(_STUDY)
        name, created, demo, book, version, revision, transcripts, segments = cursor.fetchone()
        cursor.execute(_CODERS)
        coders = tuple(n for n, kind in cursor.fetchall() if listed_by_default(kind))
    finally:
        cursor.close()
    return StudySummary(
        name=name,
        location=location,
        codebook_name=book,
        codebook_version=version,
        # SQLite keeps the time as text (SQLAlchemy's format), PostgreSQL as a timestamp
        created_at=datetime.fromisoformat(created) if isinstance(created, str) else created,
        schema_revision=revision or "",
        demo=bool(demo),
        transcripts=int(transcripts),
        segments=int(segments),
        coders=coders,
    )


def study_summary(study: Study) -> StudySummary:
    """The summary of an open study, read through its own connection."""
    with study.read() as session:
        dbapi_connection = session.connection().connection.dbapi_connection
        return read_summary(dbapi_connection, study.location)


def summary_of_file(target: str | Path, *, program: str) -> StudySummary | None:
    """The summary of a plain study file at the current schema, read without SQLAlchemy, and who
    opened it recorded as an 'opened' event (best effort, as :func:`study_of` does; not on a
    read-only file). None when this path does not apply: a database URL, a path that is not
    a study, an encrypted study, or a study at another schema: :func:`~socialcoder.services.study.open_study`
    then upgrades it or refuses it with its own message (:func:`~socialcoder.services.study_file.open_study_file`)."""
    study = open_study_file(target)
    if study is None:
        return None
    with study:
        summary = read_summary(study.connection, study.location)
        study.record_opened(program)
        return summary
