"""codebook shape in the schema

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10

The database enforces where a code may sit, as it already enforces allowed values:

* ``dimension_roles`` lists, for each dimension of the current codebook, the speaker roles a
  segment-level dimension applies to, or ``'session'`` for a session-level one;
* ``codes.unit_role`` holds the coded segment's role (a foreign key onto
  ``segments (id, transcript_id, role)`` keeps it true) or ``'session'`` for a code without a
  segment (a check), and a foreign key onto ``dimension_roles`` refuses a code on a turn its
  dimension does not apply to, a session-level code on a segment and a segment-level code on
  the whole session;
* memos (a code's memo, a segment memo) hold at most 5,000,000 characters.

A study that already holds codes or memos breaking these rules is not upgraded: the error
names every such row, and nothing changes. The roles come from the study's current codebook
(its YAML, read here with the rules of codebook format 1, so that this revision stays what it
is when the codebook module changes).
"""

from __future__ import annotations

import sqlalchemy as sa
import yaml
from alembic import op

from socialcoder.errors import StudyError

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MEMO_MAX_CHARS = 5_000_000  # socialcoder.domain.limits.MEMO_MAX_CHARS when this was written
ROLE_WORDS = {"therapist": "therapist", "patient": "patient", "client": "patient"}
SHOWN = 20  # rows named in a refusal


def _word(raw: object) -> str:
    return str(raw).strip().lower()


def codebook_places(source_yaml: str) -> dict[str, set[str]]:
    """dimension key -> the roles it applies to, or {'session'} (codebook format 1)."""
    places: dict[str, set[str]] = {}
    for dim in (yaml.safe_load(source_yaml) or {}).get("dimensions") or []:
        if _word(dim.get("unit", "segment")) == "session":
            places[dim["key"]] = {"session"}
            continue
        raw = dim.get("applies_to", ["therapist", "patient"])
        places[dim["key"]] = {
            ROLE_WORDS[_word(r)] for r in (raw if isinstance(raw, list) else [raw])
        }
    return places


def _fill_dimension_roles(bind: sa.Connection) -> None:
    source = bind.execute(
        sa.text("SELECT source_yaml FROM codebook_versions ORDER BY id DESC LIMIT 1")
    ).scalar_one_or_none()
    if source is None:  # an empty database being created: the first codebook fills it
        return
    ids = dict(bind.execute(sa.text("SELECT key, id FROM dimensions")).all())
    rows = [
        {"d": ids[key], "r": role}
        for key, roles in codebook_places(source).items()
        if key in ids
        for role in sorted(roles)
    ]
    if rows:
        bind.execute(
            sa.text("INSERT INTO dimension_roles (dimension_id, role) VALUES (:d, :r)"), rows
        )


def _misfits(bind: sa.Connection) -> list[str]:
    """Every code that does not fit the codebook and every memo that is too long."""
    found = []
    for cid, coder, transcript, idx, key, unit, role, placed in bind.execute(
        sa.text(
            "SELECT c.id, co.name, t.name, s.idx, d.key, d.unit, c.unit_role, "
            "(SELECT count(*) FROM dimension_roles r WHERE r.dimension_id = c.dimension_id) "
            "FROM codes c JOIN coders co ON co.id = c.coder_id "
            "JOIN transcripts t ON t.id = c.transcript_id "
            "JOIN dimensions d ON d.id = c.dimension_id "
            "LEFT JOIN segments s ON s.id = c.segment_id "
            "WHERE NOT EXISTS (SELECT 1 FROM dimension_roles r "
            "  WHERE r.dimension_id = c.dimension_id AND r.role = c.unit_role) "
            "ORDER BY t.name, s.idx, co.name, d.key"
        )
    ):
        where = f"code {cid}: {coder} on {transcript} " + (f"segment {idx}" if idx else "session")
        if not placed:
            why = f"{key!r} is not in the current codebook"
        elif unit == "session":
            why = f"{key!r} is a session-level dimension"
        elif idx is None:
            why = f"{key!r} is coded per segment"
        else:
            why = f"{key!r} does not apply to {role} turns"
        found.append(f"{where} ({why})")
    for table, column, query in (
        ("codes", "memo", "SELECT c.id, co.name, t.name, s.idx, length(c.memo) FROM codes c "
         "JOIN coders co ON co.id = c.coder_id JOIN transcripts t ON t.id = c.transcript_id "
         "LEFT JOIN segments s ON s.id = c.segment_id WHERE length(c.memo) > :n"),
        ("segment_memos", "text", "SELECT m.id, co.name, t.name, s.idx, length(m.text) "
         "FROM segment_memos m JOIN coders co ON co.id = m.coder_id "
         "JOIN segments s ON s.id = m.segment_id JOIN transcripts t ON t.id = s.transcript_id "
         "WHERE length(m.text) > :n"),
    ):  # fmt: skip
        for rid, coder, transcript, idx, length in bind.execute(
            sa.text(query), {"n": MEMO_MAX_CHARS}
        ):
            where = f"{transcript} " + (f"segment {idx}" if idx else "session")
            found.append(
                f"{table} {rid}: {coder}'s {column} on {where} has {length:,} characters "
                f"(at most {MEMO_MAX_CHARS:,})"
            )
    return found


_SEGMENT_FK_0003 = "fk_codes_segment_id_transcript_id_segments"
_SEGMENT_FK = "fk_codes_segment_id_transcript_id_unit_role_segments"
_ROLE_FK = "fk_codes_dimension_id_unit_role_dimension_roles"
_UNIT_CHECK = "(segment_id IS NULL) = (unit_role = 'session')"


def _codes(meta: sa.MetaData, *, shaped: bool) -> sa.Table:
    """``codes`` before this revision (as 0001 made it, plus ``unit_role`` while it is being
    added), or after it (``shaped``): the structure SQLite's table rebuild copies."""
    if shaped:
        placed: list[sa.SchemaItem] = [
            sa.ForeignKeyConstraint(
                ["segment_id", "transcript_id", "unit_role"],
                ["segments.id", "segments.transcript_id", "segments.role"],
                name=_SEGMENT_FK,
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["dimension_id", "unit_role"],
                ["dimension_roles.dimension_id", "dimension_roles.role"],
                name=_ROLE_FK,
            ),
            sa.CheckConstraint(_UNIT_CHECK, name="ck_codes_unit"),
            sa.CheckConstraint(
                f"memo IS NULL OR length(memo) <= {MEMO_MAX_CHARS}", name="ck_codes_memo_length"
            ),
        ]
    else:
        placed = [
            sa.ForeignKeyConstraint(
                ["segment_id", "transcript_id"],
                ["segments.id", "segments.transcript_id"],
                name=_SEGMENT_FK_0003,
                ondelete="CASCADE",
            ),
        ]
    return sa.Table(
        "codes", meta,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("dimension_id", sa.Integer(), nullable=False),
        sa.Column("dim_enumerated", sa.Boolean(), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("value_enum", sa.String(length=100), nullable=True),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("codebook_version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit_role", sa.String(length=16), nullable=not shaped),
        sa.CheckConstraint("(dim_enumerated AND value_enum IS NOT NULL) OR (NOT dim_enumerated "
                           "AND value_enum IS NULL)", name="ck_codes_value_listed"),
        sa.CheckConstraint("length(value) > 0", name="ck_codes_value_not_empty"),
        sa.CheckConstraint("value_enum IS NULL OR value_enum = value",
                           name="ck_codes_value_enum_same"),
        sa.ForeignKeyConstraint(["codebook_version_id"], ["codebook_versions.id"],
                                name="fk_codes_codebook_version_id_codebook_versions"),
        sa.ForeignKeyConstraint(["coder_id"], ["coders.id"], name="fk_codes_coder_id_coders"),
        sa.ForeignKeyConstraint(["dimension_id", "dim_enumerated"],
                                ["dimensions.id", "dimensions.enumerated"],
                                name="fk_codes_dimension_id_dim_enumerated_dimensions"),
        sa.ForeignKeyConstraint(["dimension_id", "value_enum"],
                                ["dimension_values.dimension_id", "dimension_values.value"],
                                name="fk_codes_dimension_id_value_enum_dimension_values"),
        sa.ForeignKeyConstraint(["transcript_id"], ["transcripts.id"],
                                name="fk_codes_transcript_id_transcripts", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_codes"),
        *placed,
        sa.Index("ix_codes_dimension", "dimension_id"),
        sa.Index("ix_codes_transcript_coder", "transcript_id", "coder_id"),
        sa.Index("uq_codes_segment_unit", "coder_id", "dimension_id", "segment_id", unique=True,
                 sqlite_where=sa.text("segment_id IS NOT NULL"),
                 postgresql_where=sa.text("segment_id IS NOT NULL")),
        sa.Index("uq_codes_session_unit", "coder_id", "dimension_id", "transcript_id",
                 unique=True, sqlite_where=sa.text("segment_id IS NULL"),
                 postgresql_where=sa.text("segment_id IS NULL")),
    )  # fmt: skip


def _segment_memos(meta: sa.MetaData, *, shaped: bool) -> sa.Table:
    bounded = (
        [
            sa.CheckConstraint(
                f"text IS NULL OR length(text) <= {MEMO_MAX_CHARS}",
                name="ck_segment_memos_text_length",
            )
        ]
        if shaped
        else []
    )
    return sa.Table(
        "segment_memos", meta,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coder_id"], ["coders.id"],
                                name="fk_segment_memos_coder_id_coders"),
        sa.ForeignKeyConstraint(["segment_id"], ["segments.id"],
                                name="fk_segment_memos_segment_id_segments", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_segment_memos"),
        sa.UniqueConstraint("coder_id", "segment_id",
                            name="uq_segment_memos_coder_id_segment_id"),
        *bounded,
    )  # fmt: skip


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "dimension_roles",
        sa.Column("dimension_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "role IN ('therapist', 'patient', 'session')", name=op.f("ck_dimension_roles_role")
        ),
        sa.ForeignKeyConstraint(
            ["dimension_id"],
            ["dimensions.id"],
            name=op.f("fk_dimension_roles_dimension_id_dimensions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dimension_id", "role", name=op.f("pk_dimension_roles")),
    )
    _fill_dimension_roles(bind)
    op.create_index(
        "uq_segments_id_transcript_id_role",
        "segments",
        ["id", "transcript_id", "role"],
        unique=True,
    )
    op.add_column("codes", sa.Column("unit_role", sa.String(length=16), nullable=True))
    bind.execute(
        sa.text(
            "UPDATE codes SET unit_role = COALESCE("
            "(SELECT s.role FROM segments s WHERE s.id = codes.segment_id), 'session')"
        )
    )
    misfits = _misfits(bind)
    if misfits:
        more = f"; and {len(misfits) - SHOWN} more" if len(misfits) > SHOWN else ""
        raise StudyError(
            f"cannot upgrade to schema {revision}: {len(misfits)} stored item(s) do not fit the "
            "codebook, and the database refuses such items from now on: "
            + "; ".join(misfits[:SHOWN])
            + more
            + ". Nothing was changed. Clear or correct them (with the SocialCoder version that "
            "made the study, or as the owner with SQL on the named rows), then migrate again"
        )
    meta = sa.MetaData()
    with op.batch_alter_table("codes", copy_from=_codes(meta, shaped=False)) as batch:
        batch.alter_column("unit_role", existing_type=sa.String(length=16), nullable=False)
        batch.drop_constraint(op.f(_SEGMENT_FK_0003), type_="foreignkey")
        batch.create_foreign_key(
            op.f(_SEGMENT_FK),
            "segments",
            ["segment_id", "transcript_id", "unit_role"],
            ["id", "transcript_id", "role"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            op.f(_ROLE_FK),
            "dimension_roles",
            ["dimension_id", "unit_role"],
            ["dimension_id", "role"],
        )
        batch.create_check_constraint(op.f("ck_codes_unit"), sa.text(_UNIT_CHECK))
        batch.create_check_constraint(
            op.f("ck_codes_memo_length"),
            sa.text(f"memo IS NULL OR length(memo) <= {MEMO_MAX_CHARS}"),
        )
    with op.batch_alter_table("segment_memos", copy_from=_segment_memos(meta, shaped=False)) as b:
        b.create_check_constraint(
            op.f("ck_segment_memos_text_length"),
            sa.text(f"text IS NULL OR length(text) <= {MEMO_MAX_CHARS}"),
        )


def downgrade() -> None:
    meta = sa.MetaData()
    with op.batch_alter_table("segment_memos", copy_from=_segment_memos(meta, shaped=True)) as b:
        b.drop_constraint(op.f("ck_segment_memos_text_length"), type_="check")
    with op.batch_alter_table("codes", copy_from=_codes(meta, shaped=True)) as batch:
        batch.drop_constraint(op.f("ck_codes_memo_length"), type_="check")
        batch.drop_constraint(op.f("ck_codes_unit"), type_="check")
        batch.drop_constraint(op.f(_ROLE_FK), type_="foreignkey")
        batch.drop_constraint(op.f(_SEGMENT_FK), type_="foreignkey")
        batch.create_foreign_key(
            op.f(_SEGMENT_FK_0003),
            "segments",
            ["segment_id", "transcript_id"],
            ["id", "transcript_id"],
            ondelete="CASCADE",
        )
        batch.drop_column("unit_role")
    op.drop_index("uq_segments_id_transcript_id_role", table_name="segments")
    op.drop_table("dimension_roles")
