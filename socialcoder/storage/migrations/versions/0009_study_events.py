"""study events and withdrawal

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Study-level audit events (``study_events``, append-only) and the guard that lets a
participant's withdrawal remove that participant's entries from the append-only audit log and
nothing else (``audit_redactions``; see socialcoder/storage/events_model.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_SQLITE_GUARD = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "WHEN OLD.transcript_id IS NULL "
    "OR OLD.transcript_id NOT IN (SELECT transcript_id FROM audit_redactions) "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
)
_PG_GUARD = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP = 'DELETE' AND OLD.transcript_id IS NOT NULL AND EXISTS "
    "(SELECT 1 FROM audit_redactions r WHERE r.transcript_id = OLD.transcript_id) "
    "THEN RETURN OLD; END IF; "
    "RAISE EXCEPTION 'the audit log is append-only'; END $$"
)
_PG_ALWAYS = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
)


def upgrade() -> None:
    op.create_table(
        "study_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("machine", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.Text(), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_events")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "audit_redactions",
        sa.Column("transcript_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("transcript_id", name=op.f("pk_audit_redactions")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER study_events_no_{event.lower()} BEFORE {event} ON study_events "
                "BEGIN SELECT RAISE(ABORT, 'study events are append-only'); END"
            )
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(_SQLITE_GUARD)
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION study_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'study events are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER study_events_append_only BEFORE UPDATE OR DELETE ON study_events "
            "FOR EACH ROW EXECUTE FUNCTION study_events_append_only()"
        )
        op.execute(_PG_GUARD)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS study_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS study_events_no_delete")
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
    elif dialect == "postgresql":
        op.execute(_PG_ALWAYS)
        op.execute("DROP TRIGGER IF EXISTS study_events_append_only ON study_events")
        op.execute("DROP FUNCTION IF EXISTS study_events_append_only()")
    op.drop_table("audit_redactions")
    op.drop_table("study_events")
