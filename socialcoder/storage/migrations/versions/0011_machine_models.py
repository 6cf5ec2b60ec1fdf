"""machine coders: models stored in the study, coders of kind 'machine', code probabilities

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

* ``coders.kind`` may be ``'machine'`` (a machine coder writes a model's codes). On SQLite the
  CHECK constraint is widened by rebuilding the ``coders`` table from its own stored DDL with
  foreign keys deferred: its rows go back with the same ids before the transaction commits, so
  no code, completion or assignment loses its coder (SQLite refuses the commit otherwise).
* ``machine_models`` and ``machine_codes``: see socialcoder/storage/machine_model.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('coder', 'consensus')"
NEW_KINDS = "kind IN ('coder', 'consensus', 'machine')"


def _set_coder_kinds(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_coders_kind"), "coders", type_="check")
        op.create_check_constraint(op.f("ck_coders_kind"), "coders", sa.text(new))
        return
    rows = bind.execute(
        sa.text("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'coders' AND sql IS NOT NULL")
    ).all()
    (table,) = [sql for kind, _, sql in rows if kind == "table"]
    if table.count(old) != 1:
        raise RuntimeError(f"unexpected coders table: {table}")
    others = [sql for kind, _, sql in rows if kind != "table"]
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    bind.exec_driver_sql("CREATE TABLE _coders_0011 AS SELECT * FROM coders")
    bind.exec_driver_sql("DROP TABLE coders")
    bind.exec_driver_sql(table.replace(old, new))
    bind.exec_driver_sql("INSERT INTO coders SELECT * FROM _coders_0011")
    bind.exec_driver_sql("DROP TABLE _coders_0011")
    for sql in others:
        bind.exec_driver_sql(sql)


def upgrade() -> None:
    _set_coder_kinds(OLD_KINDS, NEW_KINDS)
    op.create_table(
        "machine_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dimension_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("codebook_version_id", sa.Integer(), nullable=False),
        sa.Column("data_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("text", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("library_versions", sa.Text(), nullable=False),
        sa.Column("training", sa.Text(), nullable=False),
        sa.Column("transcript_ids", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("retrain_reason", sa.Text(), nullable=True),
        sa.Column("coder_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_machine_models_version")),
        sa.CheckConstraint(
            "text IN ('original', 'deidentified')", name=op.f("ck_machine_models_text")
        ),
        sa.ForeignKeyConstraint(
            ["codebook_version_id"], ["codebook_versions.id"],
            name=op.f("fk_machine_models_codebook_version_id_codebook_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"], ["coders.id"], name=op.f("fk_machine_models_coder_id_coders")
        ),
        sa.ForeignKeyConstraint(
            ["dimension_id"], ["dimensions.id"],
            name=op.f("fk_machine_models_dimension_id_dimensions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_models")),
        sa.UniqueConstraint("coder_id", name=op.f("uq_machine_models_coder_id")),
        sa.UniqueConstraint(
            "dimension_id", "version", name=op.f("uq_machine_models_dimension_id_version")
        ),
    )
    op.create_table(
        "machine_codes",
        sa.Column("code_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "probability >= 0 AND probability <= 1", name=op.f("ck_machine_codes_probability")
        ),
        sa.ForeignKeyConstraint(
            ["code_id"], ["codes.id"], ondelete="CASCADE",
            name=op.f("fk_machine_codes_code_id_codes"),
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["machine_models.id"], name=op.f("fk_machine_codes_model_id_machine_models")
        ),
        sa.PrimaryKeyConstraint("code_id", name=op.f("pk_machine_codes")),
    )
    op.create_index(op.f("ix_machine_codes_model_id"), "machine_codes", ["model_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_machine_codes_model_id"), table_name="machine_codes")
    op.drop_table("machine_codes")
    op.drop_table("machine_models")
    machines = op.get_bind().execute(
        sa.text("SELECT count(*) FROM coders WHERE kind = 'machine'")
    ).scalar()
    if machines:
        raise RuntimeError(
            f"cannot downgrade below 0011: the study has {machines} machine coder(s), whose "
            "codes and audit entries the older schema cannot hold"
        )
    _set_coder_kinds(NEW_KINDS, OLD_KINDS)
