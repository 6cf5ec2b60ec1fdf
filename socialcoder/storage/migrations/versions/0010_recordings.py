"""recordings and estimated segment times

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10

* ``recordings``: a transcript's session recording by reference (path, file name, kind,
  format, size, duration, SHA-256, the excerpt coded), see socialcoder/storage/models.py.
  A ``transcripts.media_path`` stored before is carried over as a recording not yet verified
  (no size, no hash); the column goes.
* ``segments.start_estimated`` / ``end_estimated``: a time that was spread between measured
  ones (socialcoder/domain/timing.py), never shown as measured. Added with ALTER TABLE (column
  constraints inline), not by copying the table: copying ``segments`` would drop it, and with
  foreign keys on SQLite that deletes every code.
"""

from __future__ import annotations

import posixpath

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# socialcoder.media.probe.MEDIA_KINDS when this was written
VIDEO = {"mp4", "m4v", "mov", "mkv", "webm"}


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "recordings",
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("excerpt_start_s", sa.Float(), nullable=True),
        sa.Column("excerpt_end_s", sa.Float(), nullable=True),
        sa.Column("excerpt_seed", sa.BigInteger(), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('audio', 'video')", name=op.f("ck_recordings_kind")),
        sa.CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name=op.f("ck_recordings_size")),
        sa.CheckConstraint("duration_s IS NULL OR duration_s >= 0", name=op.f("ck_recordings_duration")),
        sa.CheckConstraint(
            "(excerpt_start_s IS NULL) = (excerpt_end_s IS NULL) AND "
            "(excerpt_end_s IS NULL OR excerpt_end_s > excerpt_start_s)",
            name=op.f("ck_recordings_excerpt"),
        ),
        sa.ForeignKeyConstraint(
            ["transcript_id"], ["transcripts.id"], ondelete="CASCADE",
            name=op.f("fk_recordings_transcript_id_transcripts"),
        ),
        sa.PrimaryKeyConstraint("transcript_id", name=op.f("pk_recordings")),
    )
    op.create_index("ix_recordings_sha256", "recordings", ["sha256"])
    default = "0" if bind.dialect.name == "sqlite" else "false"
    for which in ("start", "end"):
        op.execute(
            f"ALTER TABLE segments ADD COLUMN {which}_estimated BOOLEAN DEFAULT {default} NOT NULL "
            f"CONSTRAINT ck_segments_{which}_estimated "
            f"CHECK ({which}_s IS NOT NULL OR NOT {which}_estimated)"
        )
    rows = bind.execute(
        sa.text("SELECT id, media_path, imported_at FROM transcripts WHERE media_path IS NOT NULL")
    ).all()
    for tid, path, at in rows:
        name = posixpath.basename(path.replace("\\", "/")) or path
        fmt = name.rsplit(".", 1)[-1].lower()[:8] if "." in name else ""
        bind.execute(
            sa.text(
                "INSERT INTO recordings (transcript_id, path, file_name, kind, format, attached_at) "
                "VALUES (:t, :p, :n, :k, :f, :a)"
            ),
            {"t": tid, "p": path, "n": name[:300], "k": "video" if fmt in VIDEO else "audio",
             "f": fmt, "a": at},
        )
    op.execute("ALTER TABLE transcripts DROP COLUMN media_path")


def downgrade() -> None:
    op.execute("ALTER TABLE transcripts ADD COLUMN media_path VARCHAR(1000)")
    op.execute(
        "UPDATE transcripts SET media_path = (SELECT r.path FROM recordings r "
        "WHERE r.transcript_id = transcripts.id)"
    )
    for which in ("start", "end"):
        op.execute(f"ALTER TABLE segments DROP COLUMN {which}_estimated")
    op.drop_index("ix_recordings_sha256", table_name="recordings")
    op.drop_table("recordings")
