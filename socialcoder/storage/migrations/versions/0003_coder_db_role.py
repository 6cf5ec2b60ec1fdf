"""coder database role

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

PostgreSQL server mode: ``coders.db_role`` names the login role a coder connects as; the
row-level security policies made by ``socialcoder server setup`` compare it with
``current_user``. Nullable and dialect-neutral (plain ADD COLUMN and a unique index, so SQLite
needs no table rebuild); SQLite studies simply leave it empty.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("coders", sa.Column("db_role", sa.String(length=63), nullable=True))
    op.create_index("uq_coders_db_role", "coders", ["db_role"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_coders_db_role", table_name="coders")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch rebuild of ``coders`` would
    # drop a table that other tables' foreign keys refer to.
    op.drop_column("coders", "db_role")
