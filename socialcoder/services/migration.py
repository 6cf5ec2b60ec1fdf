"""`socialcoder migrate`: bring a study's schema up to this version's head."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from socialcoder.errors import StudyError
from socialcoder.services.study import open_study
from socialcoder.storage import db, migrate


@dataclass(frozen=True, slots=True)
class Migration:
    """What :func:`migrate_study` did: ``upgraded`` is false when the schema was already the
    head (``before == after``)."""

    location: str
    before: str | None
    after: str | None
    upgraded: bool


def migrate_study(target: str | Path) -> Migration:
    """Upgrade the study's schema in place (nothing when it is current). Refuses, with a
    :class:`StudyError`, a database that holds no study and one made by a newer version."""
    engine = db.make_engine(target)
    try:
        with engine.connect() as conn:
            state, revision = migrate.schema_state(conn)
    finally:
        engine.dispose()
    if state is migrate.SchemaState.EMPTY:
        raise StudyError("is not a SocialCoder study", source=db.describe(target))
    if state is migrate.SchemaState.CURRENT:
        return Migration(db.describe(target), revision, revision, upgraded=False)
    with open_study(target, upgrade=True) as study:
        return Migration(study.location, revision, study.info().schema_revision, upgraded=True)
