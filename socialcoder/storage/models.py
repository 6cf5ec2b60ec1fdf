"""The study schema as typed SQLAlchemy 2 models.

One database holds one study. Integrity lives in the schema: a code whose dimension has a fixed
list of values must reference one of them (a composite foreign key onto ``dimension_values``);
one coder has at most one code per unit and dimension (partial unique indexes, one for segment
codes and one for session-level codes); a code sits where its dimension applies (a composite
foreign key onto ``dimension_roles``: a segment-level dimension only on a turn of a speaker role
it applies to, a session-level dimension only on the whole transcript); memos are bounded;
segments are numbered from 1 and unique per transcript; the audit log is append-only (triggers
created by the first migration).

Changing anything here needs a new Alembic revision in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from socialcoder.domain.limits import MEMO_MAX_CHARS

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("therapist", "patient")
SESSION_UNIT = "session"
#: where a code may sit: a segment of one of these speaker roles, or the session
UNIT_ROLES = (*ROLES, SESSION_UNIT)
SCALES = ("binary", "nominal", "ordinal", "interval", "ratio")
UNITS = ("segment", "session")
#: a human coder, the consensus layer, a machine coder (revision 0011), or a coder's retest
#: identity (a blind second pass, revision 0012; see socialcoder.domain.coder_kinds for what
#: each kind may do)
CODER_KINDS = ("coder", "consensus", "machine", "retest")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _bounded(column: str) -> str:
    return f"{column} IS NULL OR length({column}) <= {MEMO_MAX_CHARS}"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(row: type[Base]) -> Table:
    """The Core table of a mapped class, typed as one (``Row.__table__`` is typed as any
    FromClause, which has no ``insert()``/``update()`` and which the bulk paths do not take)."""
    return Base.metadata.tables[row.__tablename__]


class StudyRow(Base):
    """The single row describing the study in this database."""

    __tablename__ = "study"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_with: Mapped[str] = mapped_column(String(40))
    # the bundled sample study (socialcoder demo): the only study `demo --fresh` may rebuild
    demo: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class StudySettingRow(Base):
    """One study setting (see :mod:`socialcoder.domain.settings`): its name and stored text.
    No row: the setting's value for studies made before it existed. Revision 0007."""

    __tablename__ = "study_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CodebookVersionRow(Base):
    """Every codebook the study has used, in order; the newest is current."""

    __tablename__ = "codebook_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(50))
    source_yaml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)  # what the update changed (re-orders...)


class DimensionRow(Base):
    """A dimension by key, stable across codebook versions; its definition is in the YAML."""

    __tablename__ = "dimensions"
    __table_args__ = (
        CheckConstraint(_in("scale", SCALES), name="scale"),
        CheckConstraint(_in("unit", UNITS), name="unit"),
        UniqueConstraint("id", "enumerated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    scale: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(16))
    enumerated: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)


class DimensionRoleRow(Base):
    """Where a dimension of the current codebook may be coded: each speaker role a
    segment-level dimension applies to, or ``'session'`` for a session-level dimension.
    Mirrored from the codebook by ``record_codebook_version`` (revision 0004)."""

    __tablename__ = "dimension_roles"
    __table_args__ = (CheckConstraint(_in("role", UNIT_ROLES), name="role"),)

    dimension_id: Mapped[int] = mapped_column(
        ForeignKey("dimensions.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class DimensionValueRow(Base):
    """An allowed value of an enumerated dimension."""

    __tablename__ = "dimension_values"
    __table_args__ = (UniqueConstraint("dimension_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("dimensions.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)


class CoderRow(Base):
    """A coder, or the consensus layer (``kind = 'consensus'``), which is never counted as a coder."""

    __tablename__ = "coders"
    __table_args__ = (
        CheckConstraint(_in("kind", CODER_KINDS), name="kind"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        Index("uq_coders_db_role", "db_role", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16), server_default="coder")
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # PostgreSQL server mode: the login role this coder connects as (row-level security
    # compares it with current_user); None for studies in SQLite files. Revision 0003.
    db_role: Mapped[str | None] = mapped_column(String(63))
    # a retest identity's coder (kind 'retest': that coder's blind second pass; revision 0012)
    retest_of: Mapped[int | None] = mapped_column(ForeignKey("coders.id"))


class TranscriptRow(Base):
    __tablename__ = "transcripts"
    __table_args__ = (
        CheckConstraint("session_number IS NULL OR session_number >= 0", name="session"),
        Index("uq_transcripts_label", "label", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # the masked label coders see when the study is blinded ('Session K7Q2'): random, stored,
    # unique (revision 0007; see socialcoder.domain.blinding)
    label: Mapped[str] = mapped_column(String(20))
    participant: Mapped[str | None] = mapped_column(String(100))
    therapist: Mapped[str | None] = mapped_column(String(100))
    # where and in which treatment phase, when the study records them (revision 0008): a
    # design may stratify its double-coded share by them
    site: Mapped[str | None] = mapped_column(String(100))
    phase: Mapped[str | None] = mapped_column(String(100))
    session_number: Mapped[int | None] = mapped_column(Integer)
    session_date: Mapped[date | None] = mapped_column(Date)
    source_name: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    preamble: Mapped[str] = mapped_column(Text, server_default="")
    segment_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


MEDIA_KINDS = ("audio", "video")


class RecordingRow(Base):
    """A transcript's session recording (at most one), by reference: never the media itself.

    ``path`` is relative to the study file's folder (``/`` separators) when the file lies below
    it, else absolute as on the machine that attached it; ``sha256`` (of the whole file) and
    ``size_bytes`` find it again wherever it went (``media relink``, a coder's own media
    folders). ``sha256`` is None only for a path stored before revision 0010 and not yet
    verified. ``excerpt_*``: the part of the recording this transcript codes (a recording
    coded without a transcript), with the seed when it was drawn at random."""

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint(_in("kind", MEDIA_KINDS), name="kind"),
        CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size"),
        CheckConstraint("duration_s IS NULL OR duration_s >= 0", name="duration"),
        CheckConstraint(
            "(excerpt_start_s IS NULL) = (excerpt_end_s IS NULL) AND "
            "(excerpt_end_s IS NULL OR excerpt_end_s > excerpt_start_s)",
            name="excerpt",
        ),
        Index("ix_recordings_sha256", "sha256"),
    )

    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(1000))
    file_name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(8))
    format: Mapped[str] = mapped_column(String(8))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    duration_s: Mapped[float | None] = mapped_column(Float)
    sha256: Mapped[str | None] = mapped_column(String(64))
    excerpt_start_s: Mapped[float | None] = mapped_column(Float)
    excerpt_end_s: Mapped[float | None] = mapped_column(Float)
    excerpt_seed: Mapped[int | None] = mapped_column(BigInteger)
    attached_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SegmentRow(Base):
    """One speaker turn; ``idx`` is 1-based within its transcript."""

    __tablename__ = "segments"
    __table_args__ = (
        UniqueConstraint("transcript_id", "idx"),
        UniqueConstraint("id", "transcript_id"),
        # the target of codes' (segment, transcript, role) foreign key (revision 0004)
        Index("uq_segments_id_transcript_id_role", "id", "transcript_id", "role", unique=True),
        CheckConstraint("idx >= 1", name="idx_positive"),
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("start_s IS NULL OR start_s >= 0", name="start"),
        CheckConstraint("end_s IS NULL OR start_s IS NULL OR end_s >= start_s", name="end"),
        CheckConstraint("start_s IS NOT NULL OR NOT start_estimated", name="start_estimated"),
        CheckConstraint("end_s IS NOT NULL OR NOT end_estimated", name="end_estimated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(100))
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    # an estimate between measured times (domain/timing.py), never shown as measured (0009)
    start_estimated: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    end_estimated: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class CodeRow(Base):
    """One coder's value for one unit (a segment, or a transcript for session-level dimensions).

    ``value`` is the canonical text form. For dimensions with a fixed list of values
    ``value_enum`` repeats it and a foreign key makes the database refuse any other value.
    ``unit_role`` is the coded segment's speaker role (a foreign key checks it against the
    segment), or ``'session'`` for a session-level code; a foreign key onto
    ``dimension_roles`` makes the database refuse a code where its dimension does not apply.
    """

    __tablename__ = "codes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["segment_id", "transcript_id", "unit_role"],
            ["segments.id", "segments.transcript_id", "segments.role"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["dimension_id", "unit_role"], ["dimension_roles.dimension_id", "dimension_roles.role"]
        ),
        ForeignKeyConstraint(
            ["dimension_id", "value_enum"],
            ["dimension_values.dimension_id", "dimension_values.value"],
        ),
        ForeignKeyConstraint(
            ["dimension_id", "dim_enumerated"], ["dimensions.id", "dimensions.enumerated"]
        ),
        CheckConstraint("length(value) > 0", name="value_not_empty"),
        CheckConstraint("value_enum IS NULL OR value_enum = value", name="value_enum_same"),
        CheckConstraint(
            "(dim_enumerated AND value_enum IS NOT NULL) OR (NOT dim_enumerated AND value_enum IS NULL)",
            name="value_listed",
        ),
        CheckConstraint(f"(segment_id IS NULL) = (unit_role = '{SESSION_UNIT}')", name="unit"),
        CheckConstraint(_bounded("memo"), name="memo_length"),
        Index(
            "uq_codes_segment_unit",
            "coder_id",
            "dimension_id",
            "segment_id",
            unique=True,
            sqlite_where=text("segment_id IS NOT NULL"),
            postgresql_where=text("segment_id IS NOT NULL"),
        ),
        Index(
            "uq_codes_session_unit",
            "coder_id",
            "dimension_id",
            "transcript_id",
            unique=True,
            sqlite_where=text("segment_id IS NULL"),
            postgresql_where=text("segment_id IS NULL"),
        ),
        Index("ix_codes_transcript_coder", "transcript_id", "coder_id"),
        # the reliability read, covered (revision 0014); also every lookup by dimension
        Index(
            "ix_codes_reliability",
            "dimension_id",
            "coder_id",
            "value_enum",
            "segment_id",
            "transcript_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"))
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id", ondelete="CASCADE"))
    segment_id: Mapped[int | None] = mapped_column(Integer)
    dimension_id: Mapped[int] = mapped_column(Integer)
    dim_enumerated: Mapped[bool] = mapped_column(Boolean)
    unit_role: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(100))
    value_enum: Mapped[str | None] = mapped_column(String(100))
    memo: Mapped[str | None] = mapped_column(Text)
    codebook_version_id: Mapped[int] = mapped_column(ForeignKey("codebook_versions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SegmentMemoRow(Base):
    """A coder's free-text note on a segment (independent of any code)."""

    __tablename__ = "segment_memos"
    __table_args__ = (
        UniqueConstraint("coder_id", "segment_id"),
        CheckConstraint(_bounded("text"), name="text_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"))
    segment_id: Mapped[int] = mapped_column(ForeignKey("segments.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CompletionRow(Base):
    """A coder finished a transcript: from then on a binary code left empty means *absent*."""

    __tablename__ = "completions"

    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AssignmentRow(Base):
    """Who codes what; ``purpose`` is 'primary' or 'reliability' (the double-coded sample)."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("purpose IN ('primary', 'reliability')", name="purpose"),
        Index("uq_assignments_label", "label", unique=True),
    )

    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"), primary_key=True)
    transcript_id: Mapped[int] = mapped_column(
        ForeignKey("transcripts.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(16), server_default="primary")
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # revision 0008: the place in the coder's order (drawn and recorded by a plan), whether it
    # is an anchor transcript (every coder codes it), and the recorded plan that made it
    position: Mapped[int | None] = mapped_column(Integer)
    anchor: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    plan_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # revision 0012, a retest assignment (of a coder of kind 'retest'): the masked label it is
    # shown under (its own, not the transcript's) and how many days after the first pass was
    # completed it may be coded
    label: Mapped[str | None] = mapped_column(String(20))
    retest_after_days: Mapped[int | None] = mapped_column(Integer)


class AssignmentPlanRow(Base):
    """A stored assignment plan: when, by whom, its seed and the whole design (JSON)."""

    __tablename__ = "assignment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    seed: Mapped[int | None] = mapped_column(BigInteger)
    design: Mapped[str] = mapped_column(Text)


class AuditRow(Base):
    """Append-only log of every change to codes, memos and completion (triggers refuse edits)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_coder_at", "coder_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    coder_id: Mapped[int] = mapped_column(ForeignKey("coders.id"))
    transcript_id: Mapped[int | None] = mapped_column(Integer)
    segment_idx: Mapped[int | None] = mapped_column(Integer)
    dimension_key: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
