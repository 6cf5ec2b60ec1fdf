"""Alembic environment: runs on the connection that socialcoder.storage.migrate passes in."""

from __future__ import annotations

from alembic import context

from socialcoder.storage import (  # noqa: F401  (registers tables)
    events_model,
    machine_model,
    measures_model,
)
from socialcoder.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` command line during development
        from socialcoder.storage.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]  # a Connection; typed object for the caller
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("SocialCoder migrations run online only")
run_migrations_online()
