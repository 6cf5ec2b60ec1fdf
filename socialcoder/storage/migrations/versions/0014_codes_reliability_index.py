"""A covering index on codes for the reliability read

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Reliability reads one dimension's codes, coder by coder, as category values and units
(:mod:`socialcoder.services.reliability_data`). Through ``ix_codes_dimension`` (dimension_id
alone) SQLite looked every code up in the table (about 100 bytes a row, times and memo
included); ``ix_codes_reliability`` (dimension_id, coder_id, value_enum, segment_id,
transcript_id) holds everything that read needs, in the order it groups by, so the table is
not read at all (issue #14: a third of the read's time at 3 coders x 500,000 segments). It
replaces ``ix_codes_dimension``, whose one column is its first: every lookup by dimension
still has an index. Schema only; the downgrade puts the old index back.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ["dimension_id", "coder_id", "value_enum", "segment_id", "transcript_id"]


def upgrade() -> None:
    op.create_index("ix_codes_reliability", "codes", COLUMNS)
    op.drop_index("ix_codes_dimension", table_name="codes")


def downgrade() -> None:
    op.create_index("ix_codes_dimension", "codes", ["dimension_id"])
    op.drop_index("ix_codes_reliability", table_name="codes")
