"""Schema migrations with Alembic, run from code (no alembic.ini needed).

``upgrade`` brings a database to the newest revision this version of SocialCoder knows;
``check_revision`` tells an up-to-date study from an older one (upgradable) and from one made
by a newer SocialCoder (refused, since this version cannot know its schema).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class SchemaState(Enum):
    CURRENT = "current"
    OLDER = "older"
    NEWER = "newer"
    EMPTY = "empty"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def schema_state(connection: Connection) -> tuple[SchemaState, str | None]:
    revision = current_revision(connection)
    if revision is None:
        return SchemaState.EMPTY, None
    if revision == head_revision():
        return SchemaState.CURRENT, revision
    if revision in known_revisions():
        return SchemaState.OLDER, revision
    return SchemaState.NEWER, revision


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade in one transaction (SQLite and PostgreSQL both have transactional DDL)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
