"""retest pass: coders of kind 'retest' linked to their coder, retest assignments' own labels

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

* ``coders.kind`` may be ``'retest'``: the identity under which a coder codes a blind second
  pass (intra-rater stability, issue #19); ``coders.retest_of`` names the coder whose second
  pass it is. On SQLite the column is added (NULL for every row) and the CHECK constraint is
  widened by rebuilding ``coders`` from its own stored DDL as revision 0011 does, rows and ids
  unchanged.
* ``assignments.label``: the masked label a retest assignment is shown under (a label of its
  own, so that the coder cannot recognise the transcript by its label); unique where set.
  ``assignments.retest_after_days``: a retest assignment may be coded no earlier than this
  many days after the coder completed the first pass. Plain ADD COLUMNs.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('coder', 'consensus', 'machine')"
NEW_KINDS = "kind IN ('coder', 'consensus', 'machine', 'retest')"


def _rebuild_sqlite_coders(old: str, new: str, *, drop_retest_of: bool = False) -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'coders' AND sql IS NOT NULL")
    ).all()
    (table,) = [sql for kind, _, sql in rows if kind == "table"]
    if table.count(old) != 1:
        raise RuntimeError(f"unexpected coders table: {table}")
    others = [sql for kind, _, sql in rows if kind != "table"]
    new_table = table.replace(old, new)
    columns = "*"
    if drop_retest_of:
        added = ", retest_of INTEGER REFERENCES coders (id)"
        if new_table.count(added) != 1:
            raise RuntimeError(f"unexpected coders table: {table}")
        new_table = new_table.replace(added, "")
        columns = "id, name, kind, active, created_at, db_role"
    bind.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    bind.exec_driver_sql("CREATE TABLE _coders_0012 AS SELECT * FROM coders")
    bind.exec_driver_sql("DROP TABLE coders")
    bind.exec_driver_sql(new_table)
    bind.exec_driver_sql(f"INSERT INTO coders SELECT {columns} FROM _coders_0012")
    bind.exec_driver_sql("DROP TABLE _coders_0012")
    for sql in others:
        bind.exec_driver_sql(sql)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(
            "ALTER TABLE coders ADD COLUMN retest_of INTEGER REFERENCES coders (id)"
        )
        _rebuild_sqlite_coders(OLD_KINDS, NEW_KINDS)
    else:
        op.add_column("coders", sa.Column("retest_of", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_coders_retest_of_coders"), "coders", "coders", ["retest_of"], ["id"]
        )
        op.drop_constraint(op.f("ck_coders_kind"), "coders", type_="check")
        op.create_check_constraint(op.f("ck_coders_kind"), "coders", sa.text(NEW_KINDS))
    op.add_column("assignments", sa.Column("label", sa.String(length=20), nullable=True))
    op.add_column("assignments", sa.Column("retest_after_days", sa.Integer(), nullable=True))
    op.create_index("uq_assignments_label", "assignments", ["label"], unique=True)


def downgrade() -> None:
    retests = op.get_bind().execute(
        sa.text("SELECT count(*) FROM coders WHERE kind = 'retest'")
    ).scalar()
    if retests:
        raise RuntimeError(
            f"cannot downgrade below 0012: the study has {retests} retest coder(s) (second "
            "passes), whose codes the older schema cannot tell from first passes"
        )
    op.drop_index("uq_assignments_label", "assignments")
    op.drop_column("assignments", "retest_after_days")
    op.drop_column("assignments", "label")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _rebuild_sqlite_coders(NEW_KINDS, OLD_KINDS, drop_retest_of=True)
    else:
        op.drop_constraint(op.f("ck_coders_kind"), "coders", type_="check")
        op.create_check_constraint(op.f("ck_coders_kind"), "coders", sa.text(OLD_KINDS))
        op.drop_constraint(op.f("fk_coders_retest_of_coders"), "coders", type_="foreignkey")
        op.drop_column("coders", "retest_of")
