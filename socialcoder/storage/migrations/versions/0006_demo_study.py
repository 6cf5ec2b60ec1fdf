"""demo study mark

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

``study.demo`` is true for the bundled sample study that ``socialcoder demo`` builds: only such
a study may be rebuilt by ``demo --fresh`` (which deletes the file), and only such a study is
called "the sample study". Samples made before this revision are recognised by what
``socialcoder demo`` gave them: the name 'Sample study (fictional)' and the three sample
transcripts P01_session02, P02_session04 and P03_session06.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SAMPLE_NAME = "Sample study (fictional)"
SAMPLE_TRANSCRIPTS = ("P01_session02", "P02_session04", "P03_session06")


def upgrade() -> None:
    op.add_column(
        "study", sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    bind = op.get_bind()
    names = set(bind.execute(sa.text("SELECT name FROM transcripts")).scalars())
    if set(SAMPLE_TRANSCRIPTS) <= names:
        bind.execute(
            sa.text("UPDATE study SET demo = :yes WHERE name = :name"),
            {"yes": True, "name": SAMPLE_NAME},
        )


def downgrade() -> None:
    op.drop_column("study", "demo")
