"""session measures

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Questionnaire scores per participant and session (see socialcoder/storage/measures_model.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_measures",
        sa.Column("participant", sa.String(length=100), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint(
            "participant", "session_number", "measure", name=op.f("pk_session_measures")
        ),
    )


def downgrade() -> None:
    op.drop_table("session_measures")
