"""study settings and masked transcript labels

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

``study_settings`` holds one row per study setting (see ``socialcoder.domain.settings``); a
study upgraded from an older schema has none, so every setting keeps the value such studies
had (``blinding`` off). ``transcripts.label`` is each transcript's masked label for blinded
coding ('Session K7Q2'): existing transcripts get random, unique labels here; the label is
unique and required (NOT NULL on PostgreSQL; triggers on SQLite, where making the column NOT
NULL would rebuild the table, and dropping the old one would cascade to every segment).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from socialcoder.domain.blinding import new_label

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "study_settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_study_settings")),
    )
    op.add_column("transcripts", sa.Column("label", sa.String(length=20), nullable=True))
    bind = op.get_bind()
    taken: set[str] = set()
    for (tid,) in bind.execute(sa.text("SELECT id FROM transcripts ORDER BY id")).all():
        label = new_label(taken)
        taken.add(label)
        bind.execute(
            sa.text("UPDATE transcripts SET label = :label WHERE id = :id"),
            {"label": label, "id": tid},
        )
    op.create_index("uq_transcripts_label", "transcripts", ["label"], unique=True)
    if bind.dialect.name == "sqlite":
        # No table rebuild here: dropping the old transcripts table would cascade to every
        # segment and code. A label is required by triggers instead of NOT NULL.
        for event in ("INSERT", "UPDATE OF label"):
            name = "insert" if event == "INSERT" else "update"
            op.execute(
                f"CREATE TRIGGER transcripts_label_{name} BEFORE {event} ON transcripts "
                "WHEN NEW.label IS NULL OR NEW.label = '' "
                "BEGIN SELECT RAISE(ABORT, 'a transcript needs its masked label'); END"
            )
    else:
        op.alter_column("transcripts", "label", existing_type=sa.String(20), nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER transcripts_label_insert")
        op.execute("DROP TRIGGER transcripts_label_update")
    op.drop_index("uq_transcripts_label", "transcripts")
    op.drop_column("transcripts", "label")
    op.drop_table("study_settings")
