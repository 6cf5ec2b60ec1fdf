"""codebook version note

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08

``codebook_versions.note`` records what a new codebook version changed that the study must
remember, e.g. values re-ordered with ``codebook update --allow-reorder`` (which changes their
numeric codes in exports and ordinal reliability). Nullable plain ADD COLUMN: older versions
have no note.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("codebook_versions", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("codebook_versions", "note")
