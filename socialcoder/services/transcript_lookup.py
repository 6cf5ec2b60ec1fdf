"""Finding a transcript and its segments by name, as this login may read them: the name, else
the masked label blinded coders know it by, else a second pass's own label; a coder's login
(server mode) reads the transcripts through the study's function."""

from __future__ import annotations

from sqlalchemy import Connection, FromClause, select
from sqlalchemy.orm import Session

from socialcoder.errors import NotFound
from socialcoder.storage import server_api
from socialcoder.storage.models import AssignmentRow, SegmentRow, TranscriptRow


def transcripts_source(connection: Connection) -> FromClause:
    """``transcripts`` as this login may read it: the table, or for a coder's login (server
    mode) the study's function, which masks it when the study is blinded."""
    if server_api.is_coder(connection):
        return server_api.transcripts()
    return TranscriptRow.__table__


def transcript_id(session: Session, name: str) -> int:
    """The id of the transcript called ``name``, or else labelled ``name`` (the masked label
    blinded coders know it by, or a second pass's own label: see
    :mod:`socialcoder.services.retest_access`)."""
    connection = session.connection()
    t = transcripts_source(connection)
    found = session.scalars(select(t.c.id).where(t.c.name == name)).one_or_none()
    if found is None:
        found = session.scalars(select(t.c.id).where(t.c.label == name)).one_or_none()
    if found is None and not server_api.is_coder(connection):
        found = session.scalars(
            select(AssignmentRow.transcript_id).where(AssignmentRow.label == name)
        ).one_or_none()
    if found is None:
        raise NotFound(
            f"no transcript named {name!r} in this study", what="transcript", names=(name,)
        )
    return found


def segment_row(session: Session, tid: int, index: int, transcript: str) -> SegmentRow:
    row = session.scalars(
        select(SegmentRow).where(SegmentRow.transcript_id == tid, SegmentRow.idx == index)
    ).one_or_none()
    if row is None:
        count = session.scalars(
            select(TranscriptRow.segment_count).where(TranscriptRow.id == tid)
        ).one()
        raise NotFound(
            f"transcript {transcript!r} has segments 1-{count}; there is no segment {index}",
            what="segment",
            names=(str(index),),
        )
    return row
