"""The ``session_measures`` table: questionnaire scores per participant and session.

Written as a SQLAlchemy Core :class:`~sqlalchemy.Table` on the same ``Base.metadata`` as the
models, so that Alembic's comparison and ``metadata.create_all`` see it once this module is
imported. Created by migration ``0002``.

Shape: one row per (participant, session, measure) with a float value; ``NULL`` is missing.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, PrimaryKeyConstraint, String, Table

from socialcoder.storage.models import Base

session_measures = Table(
    "session_measures",
    Base.metadata,
    Column("participant", String(100), nullable=False),
    Column("session_number", Integer, nullable=False),
    Column("measure", String(64), nullable=False),
    Column("value", Float, nullable=True),
    PrimaryKeyConstraint("participant", "session_number", "measure"),
)
