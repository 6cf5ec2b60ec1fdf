"""The Python side of server mode's SQL (see :mod:`.server_sql`): a coder's reads and writes
through the study's functions, and a program's statement of *why* its changes are made, which
the audit triggers record.

Each function takes the caller's connection (inside its transaction) and does one round trip.
The ``my_*`` sources are table-valued function calls with the column names of the tables they
stand for (without ``id``: a coder sees no row ids, whose gaps would count other coders' work).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    Text,
    column,
    func,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.selectable import TableValuedAlias

from socialcoder.storage import db, server_sql


def is_coder(connection: Connection) -> bool:
    return db.mode(connection) == db.CODER


def server_audits(connection: Connection) -> bool:
    """True when the database writes the audit log itself (server mode, any login)."""
    return db.mode(connection) in (db.AUDITED, db.CODER)


def state_reason(connection: Connection, action: str, reason: str | None) -> None:
    """Tell the audit triggers why the next changes of this transaction are made."""
    connection.execute(
        text("SELECT set_config('socialcoder.action', :a, true), "
             "set_config('socialcoder.reason', :r, true)"),
        {"a": action, "r": reason or ""},
    )  # fmt: skip


def exposed_coder(connection: Connection) -> tuple[str, list[str]] | None:
    """For a coder's login that holds a privilege on a table of coders' rows (granted outside
    SocialCoder; one on ``codes`` also takes it out of coder mode, :func:`is_coder`): (the
    coder's name, those tables). None for any other login -- a lead's, the owner's or a
    superuser's (the owner of ``sc_me()`` or a member of it) -- and in a study without server
    mode. A coder's login is a non-owner that may execute ``sc_me()``, which only the study's
    coder group may."""
    if connection.dialect.name != "postgresql":
        return None
    if is_coder(connection):
        name: str | None = me(connection)[1]
    else:
        found = connection.execute(
            text(
                "SELECT pg_catalog.pg_has_role(p.proowner, 'MEMBER'), "
                "pg_catalog.has_function_privilege(p.oid, 'EXECUTE') FROM pg_catalog.pg_proc p "
                "WHERE p.oid = pg_catalog.to_regprocedure(:f)"
            ),
            {"f": f"{server_sql.SCHEMA}.sc_me()"},
        ).one_or_none()
        if found is None or found[0] or not found[1]:
            return None
        try:  # a group member linked to no coder: sc_me() refuses (its savepoint undone)
            with connection.begin_nested():
                name = str(connection.execute(text("SELECT name FROM sc_me()")).scalar_one())
        except DBAPIError:
            name = None
        if name is None:
            return None
    held: Sequence[object] = (
        connection.execute(
            text(
                "SELECT t FROM unnest(CAST(:t AS text[])) t WHERE pg_catalog.to_regclass(t) IS NOT "
                "NULL AND pg_catalog.has_table_privilege(pg_catalog.to_regclass(t), "
                "'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') ORDER BY 1"
            ),
            {"t": [f"{server_sql.SCHEMA}.{t}" for t in server_sql.SECRET]},
        )
        .scalars()
        .all()
    )
    tables = [str(t).rsplit(".", 1)[-1] for t in held]
    return (name, tables) if name is not None and tables else None


def me(connection: Connection) -> tuple[int, str]:
    """(coder id, name) of the coder this login is linked to (refused for any other login)."""
    row = connection.execute(text("SELECT coder_id, name FROM sc_me()")).one()
    return int(row[0]), str(row[1])


def my_codes(transcript_id: int | None = None) -> TableValuedAlias:
    return func.sc_my_codes(transcript_id).table_valued(
        column("coder_id", Integer), column("transcript_id", Integer),
        column("segment_id", Integer), column("dimension_id", Integer), column("value", Text),
        column("memo", Text), column("codebook_version_id", Integer),
        column("created_at", DateTime(timezone=True)),
        column("updated_at", DateTime(timezone=True)), name="codes",
    )  # fmt: skip


def my_memos(transcript_id: int | None = None) -> TableValuedAlias:
    return func.sc_my_memos(transcript_id).table_valued(
        column("coder_id", Integer), column("segment_id", Integer),
        column("transcript_id", Integer), column("text", Text),
        column("updated_at", DateTime(timezone=True)), name="segment_memos",
    )  # fmt: skip


def my_completions() -> TableValuedAlias:
    return func.sc_my_completions().table_valued(
        column("coder_id", Integer), column("transcript_id", Integer),
        column("completed_at", DateTime(timezone=True)), name="completions",
    )  # fmt: skip


def my_assignments() -> TableValuedAlias:
    return func.sc_my_assignments().table_valued(
        column("coder_id", Integer), column("transcript_id", Integer), column("purpose", Text),
        column("assigned_at", DateTime(timezone=True)), name="assignments",
    )  # fmt: skip


def my_changes(connection: Connection) -> int:
    """How many audit entries are about the caller's work (her window's cue to re-read)."""
    return int(connection.execute(text("SELECT sc_my_changes()")).scalar_one())


def transcripts() -> TableValuedAlias:
    """The transcripts as a coder sees them (masked when the study is blinded), with the
    table's column names."""
    return func.sc_transcripts().table_valued(
        column("id", Integer), column("name", Text), column("label", Text),
        column("participant", Text), column("therapist", Text),
        column("session_number", Integer), column("session_date", Date),
        column("source_name", Text), column("format", Text),
        column("preamble", Text), column("segment_count", Integer),
        column("imported_at", DateTime(timezone=True)), name="transcripts",
    )  # fmt: skip


def my_recordings() -> TableValuedAlias:
    """The recordings of the caller's assigned transcripts, by content only (no stored path;
    file name and time of attaching masked when the study is blinded)."""
    return func.sc_recordings().table_valued(
        column("transcript_id", Integer), column("file_name", Text), column("kind", Text),
        column("format", Text), column("size_bytes", BigInteger),
        column("duration_s", Float), column("sha256", Text),
        column("excerpt_start_s", Float), column("excerpt_end_s", Float),
        column("excerpt_seed", BigInteger), column("attached_at", DateTime(timezone=True)),
        name="recordings",
    )  # fmt: skip


def set_code(
    connection: Connection,
    transcript_id: int,
    segment_id: int | None,
    dimension_id: int,
    value: str,
    memo: str | None,
) -> tuple[str | None, str | None, str | None]:
    """Set the caller's code; ``memo=None`` keeps its memo. (old value, old memo, new memo)."""
    row = connection.execute(
        text("SELECT * FROM sc_set_code(:t, :s, :d, :v, :m, :keep)"),
        {"t": transcript_id, "s": segment_id, "d": dimension_id, "v": value, "m": memo or "",
         "keep": memo is None},
    ).one()  # fmt: skip
    return row[0], row[1], row[2]


def clear_code(
    connection: Connection, transcript_id: int, segment_id: int | None, dimension_id: int
) -> tuple[str | None, str | None]:
    row = connection.execute(
        text("SELECT * FROM sc_clear_code(:t, :s, :d)"),
        {"t": transcript_id, "s": segment_id, "d": dimension_id},
    ).one()
    return row[0], row[1]


def set_memo(connection: Connection, segment_id: int, memo: str) -> tuple[str | None, str | None]:
    row = connection.execute(
        text("SELECT * FROM sc_set_memo(:s, :x)"), {"s": segment_id, "x": memo}
    ).one()
    return row[0], row[1]


def set_completed(connection: Connection, transcript_id: int, completed: bool) -> bool:
    """Complete (or reopen) a transcript for the caller; True when it was complete before."""
    was: bool | None = connection.execute(
        text("SELECT sc_set_completed(:t, :c)"),
        {"t": transcript_id, "c": completed},
    ).scalar_one()
    return bool(was)
