"""Schema migrations with Alembic, run from code (no alembic.ini needed).

``upgrade`` brings a database to the newest revision this version of SocialCoder knows;
``check_revision`` tells an up-to-date study from an older one (upgradable) and from one made
by a newer SocialCoder (refused, since this version cannot know its schema).
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # Alembic's default, where a study's revision is stored
_REVISION = re.compile(r"""^revision\s*(?::[^=]*)?=\s*["']([^"']+)["']""", re.M)
_DOWN_REVISION = re.compile(r"""^down_revision\s*(?::[^=]*)?=\s*(?:["']([^"']+)["']|None)""", re.M)


class SchemaState(Enum):
    CURRENT = "current"
    OLDER = "older"
    NEWER = "newer"
    EMPTY = "empty"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def revision_chain() -> tuple[str, ...]:
    """The revisions in ``migrations/versions``, oldest first, read from the revision files'
    ``revision`` and ``down_revision`` lines (what Alembic reads from them; importing Alembic
    to tell an up-to-date study would cost every command a third of a second).
    tests/integration/test_migrations.py checks this against Alembic's own reading."""
    down_of: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if found is None or down is None:
            raise RuntimeError(f"{path.name}: no revision / down_revision line")
        down_of[found.group(1)] = down.group(1)
    chain: list[str] = []
    following = {down: rev for rev, down in down_of.items()}
    revision = following.get(None)
    while revision is not None:
        chain.append(revision)
        revision = following.get(revision)
    if len(chain) != len(down_of) or len(following) != len(down_of):
        raise RuntimeError(f"the revisions in {MIGRATIONS_DIR} are not one line: {down_of}")
    return tuple(chain)


def head_revision() -> str:
    return revision_chain()[-1]


def known_revisions() -> set[str]:
    return set(revision_chain())


def current_revision(connection: Connection) -> str | None:
    """The study's schema revision (None for a database without one)."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def schema_state(connection: Connection) -> tuple[SchemaState, str | None]:
    revision = current_revision(connection)
    return state_of(revision), revision


def state_of(revision: str | None) -> SchemaState:
    """What a study whose schema is at ``revision`` (None: none) is to this SocialCoder."""
    if revision is None:
        return SchemaState.EMPTY
    if revision == head_revision():
        return SchemaState.CURRENT
    if revision in known_revisions():
        return SchemaState.OLDER
    return SchemaState.NEWER


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade in one transaction (SQLite and PostgreSQL both have transactional DDL)."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def __getattr__(name: str) -> object:
    """Alembic's ``ScriptDirectory``, imported when asked for (tests read the revisions
    with it)."""
    if name == "ScriptDirectory":
        from alembic.script import ScriptDirectory

        return ScriptDirectory
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
