"""coding design: transcript site and phase, coders' order, anchors, recorded plans

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

``transcripts.site`` and ``transcripts.phase`` (optional, from the import manifest or options)
let a design stratify the double-coded share. ``assignments.position`` is the place of a
transcript in its coder's order (randomised and recorded by ``assign``; NULL for assignments
made by hand or before this revision); ``assignments.anchor`` marks an anchor transcript (coded
by every coder to measure drift); ``assignments.plan_id`` names the recorded plan that made it
(``assignment_plans``: when, by whom, the seed and the whole design). Plain ADD COLUMNs: no
table is rebuilt.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("design", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_plans")),
    )
    op.add_column("transcripts", sa.Column("site", sa.String(length=100), nullable=True))
    op.add_column("transcripts", sa.Column("phase", sa.String(length=100), nullable=True))
    op.add_column("assignments", sa.Column("position", sa.Integer(), nullable=True))
    op.add_column(
        "assignments",
        sa.Column("anchor", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("assignments", sa.Column("plan_id", sa.Integer(), nullable=True))
    op.create_index("ix_assignments_plan_id", "assignments", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_assignments_plan_id", "assignments")
    for column in ("plan_id", "anchor", "position"):
        op.drop_column("assignments", column)
    for column in ("phase", "site"):
        op.drop_column("transcripts", column)
    op.drop_table("assignment_plans")
