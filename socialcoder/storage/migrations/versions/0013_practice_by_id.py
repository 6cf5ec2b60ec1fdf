"""calibration_practice stored by transcript id

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

The study setting ``calibration_practice`` held the practice transcripts' names; every coder
may read ``study_settings`` (a coder's server login too), so a blinded coder could read which
sessions they are. It now holds their ids (comma-separated); SocialCoder shows names, or masked
labels to a blinded coder (:mod:`socialcoder.services.settings`). Data only: a stored name is
replaced by the id of the transcript of that name (else of that masked label); a name that
matches no transcript is dropped. The downgrade writes names back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NAME = "calibration_practice"


def _rewrite(convert: dict[str, str]) -> None:
    bind = op.get_bind()
    value = bind.execute(
        sa.text("SELECT value FROM study_settings WHERE name = :n"), {"n": NAME}
    ).scalar()
    if not value:
        return
    items = [convert[n.strip()] for n in value.split(",") if n.strip() in convert]
    bind.execute(
        sa.text("UPDATE study_settings SET value = :v WHERE name = :n"),
        {"v": ",".join(dict.fromkeys(items)), "n": NAME},
    )


def _transcripts() -> list[tuple[int, str, str | None]]:
    rows = op.get_bind().execute(sa.text("SELECT id, name, label FROM transcripts")).all()
    return [(int(i), str(n), None if lab is None else str(lab)) for i, n, lab in rows]


def upgrade() -> None:
    rows = _transcripts()
    by_name = {lab: str(i) for i, _, lab in rows if lab}
    by_name.update({n: str(i) for i, n, _ in rows})  # a name wins over a label
    _rewrite(by_name)


def downgrade() -> None:
    _rewrite({str(i): n for i, n, _ in _transcripts()})
